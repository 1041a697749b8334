//! Members on their way: numbers dialled and agents found by queue tasks, what the others
//! hear meanwhile, and what happens when they arrive or do not (SPEC §6).

use std::time::Duration;

use sb_acd::conversation::{EndReason, MemberId, Mode};
use sb_media::tone::ToneKind;

use super::link::{ConvLink, Ctx, Out};
use super::live::{Dialling, Kind, Purpose, Role, Target, TaskNews};
use super::Dial;
use crate::acd::{TaskRequest, TaskUpdate};
use crate::acd_link::Announcement;
use crate::core::call::CallId;
use crate::endpoint::Command;
use crate::ivr::EnqueueCause;

/// The engine's ring limit when a request gives none.
const DEFAULT_DIAL: Duration = Duration::from_secs(60);

impl ConvLink {
    /// Dials `dial` for `target` as call `call`.
    pub(super) fn dial(&mut self, ctx: &mut Ctx<'_>, call: CallId, dial: &Dial, target: Target) {
        let cc = target.cc.clone();
        self.roles.insert(
            call.clone(),
            Role::Dialling(Dialling {
                max_answer: Duration::from_secs(u64::from(dial.max_answer_seconds)),
                target,
            }),
        );
        let max_dial = dial
            .max_dial_seconds
            .map_or(DEFAULT_DIAL, |s| Duration::from_secs(u64::from(s)));
        ctx.core.dial_number(
            ctx.now,
            ctx.ms,
            call,
            &cc,
            &dial.to,
            dial.from.as_deref(),
            Some(max_dial),
        );
    }

    /// callout, once the agent is in: the number is dialled, the agent hears ringback
    /// unless it called in the background (it joined in mode 4 then).
    pub(super) fn dial_for_callout(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &sb_acd::conversation::ConversationId,
        call: CallId,
        dial: Dial,
    ) {
        let Some(l) = self.live.get_mut(conversation) else {
            return;
        };
        l.pending += 1;
        let cc = l.cc.clone();
        let agent_call = l.agent_call_id.clone().map(CallId);
        let agent_mode = self
            .boards
            .get(&cc)
            .and_then(|b| b.get(conversation))
            .and_then(|c| c.current().next().map(|m| m.mode));
        if let (Some(agent_call), Some(mode)) = (agent_call, agent_mode) {
            if mode != Mode::HOLD {
                self.play_to(ctx, conversation, &agent_call, Some(ToneKind::Dial));
            }
        }
        let target = Target {
            conversation: conversation.clone(),
            cc,
            mode: Mode::BOTH,
            purpose: Purpose::Party,
        };
        self.dial(ctx, call, &dial, target);
    }

    /// Plays ringback (`tone`) or the queue prompt (`None`: hold music) to a member's call
    /// while something runs for it.
    pub(super) fn play_to(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &sb_acd::conversation::ConversationId,
        call: &CallId,
        tone: Option<ToneKind>,
    ) {
        let Some(cc) = self.live.get(conversation).map(|l| l.cc.clone()) else {
            return;
        };
        if tone == Some(ToneKind::Dial) {
            self.dial_tones.insert(call.clone());
        } else {
            self.dial_tones.remove(call);
        }
        if tone.is_none() {
            self.queue_prompts.insert(call.clone());
        } else {
            self.queue_prompts.remove(call);
        }
        let play = prompt(ctx, &cc, call, tone);
        if let (Some(play), Some(l)) = (play, self.live.get_mut(conversation)) {
            if let Some(old) = l.prompts.insert(call.clone(), play) {
                ctx.core.stop_playback(old);
            }
        }
    }

    fn stop_prompts(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &sb_acd::conversation::ConversationId,
    ) {
        if let Some(l) = self.live.get_mut(conversation) {
            for (call, play) in l.prompts.drain() {
                self.dial_tones.remove(&call);
                self.queue_prompts.remove(&call);
                ctx.core.stop_playback(play);
            }
        }
    }

    /// A number dialled for a conversation rings: whoever heard dial tone while it was
    /// being reached (the agent of a foreground callout, a foreground inviter, the parties
    /// of an xferOut) hears ringback now (SPEC §6).
    pub fn on_ringing(&mut self, ctx: &mut Ctx<'_>, call: &CallId) {
        let Some(Role::Dialling(d)) = self.roles.get(call) else {
            return;
        };
        let target = d.target.clone();
        let waiting: Vec<CallId> = self.dial_tones.iter().cloned().collect();
        let swapped = self.swap_prompts(ctx, &target, waiting, |ctx, member| {
            prompt(ctx, &target.cc, member, Some(ToneKind::Ringback))
        });
        for member in swapped {
            self.dial_tones.remove(&member);
        }
    }

    /// Of the calls in `waiting`, those waiting for `target` (its transferred party, or a
    /// member hearing a prompt in the conversation the work is for) stop hearing their
    /// prompt and hear what `start` plays instead. Returns the calls swapped.
    pub(super) fn swap_prompts(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: &Target,
        waiting: Vec<CallId>,
        start: impl Fn(&mut Ctx<'_>, &CallId) -> Option<sb_media::mixer::PlayId>,
    ) -> Vec<CallId> {
        let (conversation, party) = match &target.purpose {
            Purpose::Transfer { from, party, .. } => (from, Some(party)),
            _ => (&target.conversation, None),
        };
        let mut swapped = Vec::new();
        for call in waiting {
            let slot = if party == Some(&call) && self.transfer_prompts.contains_key(&call) {
                &mut self.transfer_prompts
            } else if let Some(l) = self
                .live
                .get_mut(conversation)
                .filter(|l| l.prompts.contains_key(&call))
            {
                &mut l.prompts
            } else {
                continue;
            };
            if let Some(old) = slot.remove(&call) {
                ctx.core.stop_playback(old);
            }
            if let Some(play) = start(ctx, &call) {
                slot.insert(call.clone(), play);
            }
            swapped.push(call);
        }
        swapped
    }

    /// Queues a task for `target`; the answer to the API waits for its id.
    pub(super) fn start_task(
        &mut self,
        target: Target,
        request: TaskRequest,
        reply: tokio::sync::oneshot::Sender<Result<super::Created, super::ConversationError>>,
        mut created: super::Created,
        voices: super::voices::Voices,
    ) {
        let (Some(hub), Some(news)) = (self.hub.clone(), self.news.clone()) else {
            let _ = reply.send(Err(super::ConversationError::Stopped));
            return;
        };
        let announce = voices.announce.clone();
        let prompts = self.resolver.clone();
        self.resolve_voices(&target, voices);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // Only the reports are added: the rest (its excluded agent above all) is the
        // operation's.
        let mut request = request;
        request.reports = Some(tx);
        let cc = target.cc.clone();
        tokio::spawn(async move {
            match hub.enqueue(&cc, request).await {
                Ok(task) => {
                    created.task_id = Some(task.to_string());
                    let _ = reply.send(Ok(created));
                    let _ = news
                        .send(Command::ConversationTask {
                            target: Box::new(target.clone()),
                            news: TaskNews::Created(task),
                        })
                        .await;
                }
                Err(error) => {
                    let _ = reply.send(Err(error.into()));
                    let _ = news
                        .send(Command::ConversationTask {
                            target: Box::new(target),
                            news: TaskNews::Refused,
                        })
                        .await;
                    return;
                }
            }
            while let Some(update) = rx.recv().await {
                let found = match (&update, &announce) {
                    (TaskUpdate::Succeeded { agent, .. }, Some((pre, post))) => {
                        Some(Announcement {
                            hub: hub.clone(),
                            prompts: prompts.clone(),
                            cc: cc.clone(),
                            agent: agent.clone(),
                            pre: pre.clone(),
                            post: post.clone(),
                        })
                    }
                    _ => None,
                };
                let command = Command::ConversationTask {
                    target: Box::new(target.clone()),
                    news: TaskNews::Update(update),
                };
                if news.send(command).await.is_err() {
                    return;
                }
                // After the news that connects the agent, so the party hears it connected.
                if let Some(what) = match found {
                    Some(lookup) => lookup.find().await,
                    None => None,
                } {
                    let command = Command::ConversationTask {
                        target: Box::new(target.clone()),
                        news: TaskNews::Announce(what),
                    };
                    if news.send(command).await.is_err() {
                        return;
                    }
                }
            }
        });
    }

    /// News of a task an operation queued.
    pub(crate) fn on_task(&mut self, ctx: &mut Ctx<'_>, target: Target, news: TaskNews) {
        match news {
            TaskNews::Created(task) => {
                if !self.still_wanted(&target) {
                    // What it was for ended before the hub took it: no agent should be
                    // rung for nothing.
                    self.cancel_tasks(&target.cc, [task], crate::acd::FailCause::Cancel);
                    return;
                }
                if let Some(l) = self.live.get_mut(&target.conversation) {
                    l.tasks.insert(task);
                }
                if let Purpose::Transfer { party, .. } = &target.purpose {
                    self.transfer_tasks.insert(party.clone(), task);
                }
            }
            TaskNews::Refused => self.missed(ctx, target, EnqueueCause::CallFail),
            TaskNews::Update(TaskUpdate::Succeeded {
                agent,
                extension,
                call,
                task,
                ..
            }) => {
                let call = CallId(call.0);
                self.task_over(task);
                self.adopt_connection(ctx, &target.cc, &agent, &call);
                let mut target = target;
                if let Purpose::Transfer { task: t, .. } = &mut target.purpose {
                    *t = Some(task);
                }
                self.arrived_agent(ctx, target, agent, extension, call);
            }
            TaskNews::Update(TaskUpdate::Failed { task, cause, .. }) => {
                self.task_over(task);
                self.missed(ctx, target, enqueue_cause(cause));
            }
            TaskNews::Update(_) => {}
            TaskNews::WaitVoice(prompt) => self.wait_voice(ctx, &target, &prompt),
            TaskNews::HoldVoice(prompt) => self.hold_voice(ctx, &target, prompt),
            TaskNews::Announce(what) => self.announce(ctx, &target, what),
        }
    }

    /// Whether a task's target still waits for it: its conversation runs, or for a
    /// transfer, its party is still being transferred.
    fn still_wanted(&self, target: &Target) -> bool {
        match &target.purpose {
            Purpose::Transfer { party, .. } => {
                matches!(self.roles.get(party), Some(Role::Transferring { .. }))
                    || self
                        .live
                        .values()
                        .any(|l| l.transfer.as_ref().is_some_and(|t| &t.party == party))
            }
            _ => self.live.contains_key(&target.conversation),
        }
    }

    /// A task succeeded or failed: nothing is left to cancel.
    fn task_over(&mut self, task: crate::acd::TaskId) {
        for l in self.live.values_mut() {
            l.tasks.remove(&task);
        }
        self.transfer_tasks.retain(|_, t| *t != task);
    }

    fn arrived_agent(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: Target,
        agent: sb_acd::agent::AgentName,
        extension: sb_store::ExtensionId,
        call: CallId,
    ) {
        let conv = target.conversation.clone();
        if let Some(l) = self.live.get_mut(&conv) {
            l.extensions.insert(agent.clone(), extension.clone());
            l.reserve.get_or_insert(sb_acd::agent::AgentState::IDLE);
        }
        let is_transfer = matches!(target.purpose, Purpose::Transfer { .. });
        if !is_transfer && !self.live.contains_key(&conv) {
            // It ended while the agent was found: the agent goes back.
            self.disconnect(ctx, &target.cc, &agent);
            return;
        }
        self.arrived(ctx, target, MemberId::Agent(agent.clone()), call);
        if let Some(l) = self.live.get_mut(&conv) {
            l.extensions.insert(agent, extension);
        }
    }

    /// A dialled number answered, or a task's agent answered.
    pub(super) fn arrived(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: Target,
        member: MemberId,
        call: CallId,
    ) {
        let conv = target.conversation.clone();
        match target.purpose.clone() {
            Purpose::Party | Purpose::Invite { .. } => {
                if let MemberId::Call(_) = member {
                    self.roles.insert(
                        call.clone(),
                        Role::Outside {
                            conversation: conv.clone(),
                        },
                    );
                }
                self.one_less_pending(&conv);
                let inviter = match &target.purpose {
                    Purpose::Invite { inviter } => Some(inviter.clone()),
                    _ => None,
                };
                if inviter.is_none() {
                    self.stop_prompts(ctx, &conv);
                }
                let joined = self
                    .join_now(ctx, &conv, member.clone(), &call, target.mode)
                    .is_ok();
                if let Some(inviter) = inviter {
                    self.invitation_over(ctx, &conv, inviter);
                }
                if !joined {
                    self.release_arrival(ctx, &target, &member, &call);
                }
            }
            Purpose::Transfer {
                from,
                party,
                kind,
                task,
                ..
            } => self.transfer_arrived(ctx, &target, from, party, kind, task, member, call),
        }
    }

    /// An invitation ended (its member arrived or will not come). The inviter it held gets
    /// its mode and its own audio back once no other invitation of its holds it, unless a
    /// transfer holds the conversation now: the transfer's outcome sets the modes then.
    fn invitation_over(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &sb_acd::conversation::ConversationId,
        inviter: Option<sb_acd::agent::AgentName>,
    ) {
        let Some(agent) = inviter else {
            return;
        };
        let Some(l) = self.live.get_mut(conversation) else {
            return;
        };
        let Some((mode, under_way)) = l.inviting.get_mut(&agent) else {
            return;
        };
        *under_way = under_way.saturating_sub(1);
        if *under_way > 0 {
            return;
        }
        let mode = *mode;
        l.inviting.remove(&agent);
        if l.transfer.is_some() {
            return;
        }
        let cc = l.cc.clone();
        let who = MemberId::Agent(agent.clone());
        if let Some(play) = l.calls.get(&who).and_then(|c| l.prompts.remove(c)) {
            ctx.core.stop_playback(play);
        }
        // An agent that went on to talk elsewhere meanwhile stays there: giving it its mode
        // back here would hold the conversation it chose.
        let busy_elsewhere = self
            .boards
            .get(&cc)
            .is_some_and(|b| b.active_of(&agent).iter().any(|c| *c != conversation));
        if !busy_elsewhere {
            let _ = self.set_mode(ctx, conversation, &who, mode);
        }
    }

    /// The conversation an arrival was for is gone: its call goes too.
    fn release_arrival(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: &Target,
        member: &MemberId,
        call: &CallId,
    ) {
        match member {
            MemberId::Agent(agent) => self.disconnect(ctx, &target.cc, agent),
            MemberId::Call(_) => {
                self.roles.remove(call);
                ctx.core.hangup_call(ctx.now, ctx.ms, call);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn transfer_arrived(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: &Target,
        from: sb_acd::conversation::ConversationId,
        party: CallId,
        kind: Kind,
        task: Option<crate::acd::TaskId>,
        member: MemberId,
        call: CallId,
    ) {
        // The old conversation (release=false) ends now: the party moves, the agent leaves.
        let was_ivr = self.live.get(&from).is_some_and(|l| l.ivr.contains(&party))
            || self.pending_ivr.remove(&party);
        if let Some(l) = self.live.get_mut(&from) {
            if l.transfer.as_ref().is_some_and(|t| t.party == party) {
                self.roles.insert(
                    party.clone(),
                    Role::Transferring {
                        target: target.clone(),
                    },
                );
                l.transfer = None;
                if let Some(p) = l.prompts.remove(&party) {
                    ctx.core.stop_playback(p);
                }
            }
        }
        if self.live.contains_key(&from) {
            let _ = self.end(ctx, &from, EndReason::MemberLeft, None);
        }
        if !matches!(self.roles.get(&party), Some(Role::Transferring { .. })) {
            // The party is gone: the arrival has nobody to talk to.
            self.release_arrival(ctx, target, &member, &call);
            return;
        }
        if let Some(play) = self.transfer_prompts.remove(&party) {
            ctx.core.stop_playback(play);
        }
        let id = target.conversation.clone();
        let terms = match &target.purpose {
            Purpose::Transfer { terms, .. } => terms.clone(),
            _ => None,
        };
        self.create_as(ctx, &target.cc, kind, id.clone(), terms.as_ref());
        if let Some(l) = self.live.get_mut(&id) {
            l.queue_id = task.map(|t| t.to_string());
            if was_ivr {
                l.ivr.insert(party.clone());
                if let MemberId::Agent(a) = &member {
                    l.ivr_agent = Some(a.clone());
                }
            }
        }
        self.roles.insert(
            party.clone(),
            Role::Outside {
                conversation: id.clone(),
            },
        );
        if let MemberId::Call(_) = member {
            self.roles.insert(
                call.clone(),
                Role::Outside {
                    conversation: id.clone(),
                },
            );
        }
        let _ = self.join_now(
            ctx,
            &id,
            MemberId::Call(party.0.clone()),
            &party,
            Mode::BOTH,
        );
        let _ = self.join_now(ctx, &id, member, &call, target.mode);
    }

    /// A dial or a task failed (`why`, for an IVR caller whose transfer it was).
    pub(super) fn missed(&mut self, ctx: &mut Ctx<'_>, target: Target, why: EnqueueCause) {
        let conv = target.conversation.clone();
        self.pending_holds.remove(&conv);
        match target.purpose.clone() {
            Purpose::Party => {
                self.one_less_pending(&conv);
                self.stop_prompts(ctx, &conv);
                self.check_end(ctx, &conv);
            }
            Purpose::Invite { inviter } => {
                self.one_less_pending(&conv);
                self.invitation_over(ctx, &conv, inviter);
                self.check_end(ctx, &conv);
            }
            Purpose::Transfer { from, party, .. } => self.transfer_failed(ctx, &from, &party, why),
        }
    }

    /// A transfer found nobody: with `release=false` both go back to mode 1; a party
    /// already out of its conversation goes back to its IVR or is hung up.
    fn transfer_failed(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: &sb_acd::conversation::ConversationId,
        party: &CallId,
        why: EnqueueCause,
    ) {
        let running = self
            .live
            .get(from)
            .and_then(|l| l.transfer.clone())
            .filter(|t| &t.party == party);
        if let Some(t) = running {
            let cc = t.target.cc.clone();
            if let Some(l) = self.live.get_mut(from) {
                l.transfer = None;
            }
            // Back in its conversation, an IVR caller returns as it came: with the
            // conversation's end, not as a failed transfer.
            self.pending_ivr.remove(party);
            let _ = self.board(&cc).unlock(from);
            self.stop_prompts(ctx, from);
            let _ = self.set_mode(ctx, from, &MemberId::Call(party.0.clone()), Mode::BOTH);
            let _ = self.set_mode(ctx, from, &MemberId::Agent(t.agent), Mode::BOTH);
            self.check_end(ctx, from);
            return;
        }
        if let Some(play) = self.transfer_prompts.remove(party) {
            ctx.core.stop_playback(play);
        }
        if matches!(self.roles.get(party), Some(Role::Transferring { .. })) {
            self.roles.remove(party);
            if self.pending_ivr.remove(party) {
                ctx.core.unwatch_call(party);
                self.out.push(Out::QueueCallerDone(party.clone()));
                self.out
                    .push(Out::TellIvr(party.clone(), ConvLink::ivr_failed(why)));
            } else {
                ctx.core.hangup_call(ctx.now, ctx.ms, party);
            }
        }
    }

    /// A party hung up while being transferred: whatever looks for its new partner stops.
    pub(super) fn abandon_transfer(&mut self, ctx: &mut Ctx<'_>, target: &Target) {
        self.hang_up_dials(ctx, &target.conversation);
        if let Purpose::Transfer { party, .. } = &target.purpose {
            if let Some(play) = self.transfer_prompts.remove(party) {
                ctx.core.stop_playback(play);
            }
            // An IVR caller's queue link still counts it as in a conversation: it is not.
            if self.pending_ivr.remove(party) {
                self.out.push(Out::QueueCallerDone(party.clone()));
            }
            let task = self.transfer_tasks.remove(party);
            self.cancel_tasks(&target.cc, task, crate::acd::FailCause::Hangup);
        }
    }
}

/// The `<enqueue>` `cause` for a task's failure (a call that could not be placed or
/// answered is `call_fail`).
fn enqueue_cause(cause: crate::acd::FailCause) -> EnqueueCause {
    use crate::acd::FailCause;
    match cause {
        FailCause::Timeout => EnqueueCause::Timeout,
        FailCause::Hangup => EnqueueCause::Hangup,
        FailCause::Cancel => EnqueueCause::Cancel,
        FailCause::Forward => EnqueueCause::Forward,
        FailCause::Reject => EnqueueCause::Reject,
        _ => EnqueueCause::CallFail,
    }
}

/// What a member hears while something runs for it: a call-progress tone, or the queue
/// prompt (the built-in hold music).
pub(super) fn prompt(
    ctx: &mut Ctx<'_>,
    cc: &sb_store::CallCenterId,
    call: &CallId,
    tone: Option<ToneKind>,
) -> Option<sb_media::mixer::PlayId> {
    match tone {
        Some(kind) => ctx.core.play_tone(call, cc, kind),
        None => ctx.core.play_loop(call, sb_media::builtin::hold_music()),
    }
}
