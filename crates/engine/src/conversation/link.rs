//! [`ConvLink`]: every running conversation of the endpoint, the calls they are made of,
//! and the agents' connections. Membership and modes go through the pure
//! [`Board`] first; what it decides is then applied to the legs and the mixers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngCore as _, SeedableRng as _};
use sb_acd::agent::{AgentName, ReturnTo};
use sb_acd::conversation::{Board, ConversationId, EndReason, MemberId, Mode, ModeChange};
use sb_media::mixer::VoiceMode;
use sb_store::{CallCenterId, Extension};
use tokio::sync::mpsc;

use super::live::{Connection, Kind, Live, Role, Terms};
use super::publish::HubCall;
use super::ConversationError;
use crate::acd::CallCenterHub;
use crate::core::call::CallId;
use crate::core::Core;
use crate::endpoint::Command;
use crate::ivr::{EnqueueCause, EnqueueOutcome, EnqueueResult, IvrMessage};

/// The endpoint's core and the time, for one step.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The endpoint's core (legs, media).
    pub core: &'a mut Core,
    /// Now.
    pub now: Instant,
    /// Now, ms since the Unix epoch.
    pub ms: u64,
}

/// What the endpoint must do for the conversations beyond the core.
#[derive(Debug)]
pub enum Out {
    /// Tell an IVR session (a caller back from its conversation).
    TellIvr(CallId, IvrMessage),
    /// A queued caller's conversation is over: the queue link forgets it.
    QueueCallerDone(CallId),
    /// A conversation's recording is over: publish it and store its row.
    Recorded(Box<super::recording::Recorded>),
}

/// Every conversation of the endpoint, its calls and the agents' connections. The
/// endpoint task owns it; tests drive it with a core of their own.
#[derive(Debug, Default)]
pub struct ConvLink {
    pub(super) hub: Option<CallCenterHub>,
    pub(super) hub_calls: Option<mpsc::UnboundedSender<HubCall>>,
    pub(super) news: Option<mpsc::Sender<Command>>,
    pub(super) boards: HashMap<CallCenterId, Board>,
    pub(super) live: HashMap<ConversationId, Live>,
    pub(super) roles: HashMap<CallId, Role>,
    pub(super) connections: HashMap<(CallCenterId, AgentName), Connection>,
    pub(super) rows: Option<mpsc::UnboundedSender<sb_store::ConversationRow>>,
    /// Parties being transferred that came from an IVR `<enqueue>`.
    pub(super) pending_ivr: std::collections::HashSet<CallId>,
    /// What a party hears while its transfer (`release=true`) runs.
    pub(super) transfer_prompts: HashMap<CallId, sb_media::mixer::PlayId>,
    /// The queue task looking for a transferred party's agent.
    pub(super) transfer_tasks: HashMap<CallId, crate::acd::TaskId>,
    /// Calls hearing dial tone until the number dialled for them rings.
    pub(super) dial_tones: std::collections::HashSet<CallId>,
    /// Calls hearing the queue prompt while a task looks for an agent for them.
    pub(super) queue_prompts: std::collections::HashSet<CallId>,
    /// Resolves an `<enqueue>`'s `wait_voice` (none: the built-in music stays).
    pub(super) resolver: Option<crate::ivr::PromptResolver>,
    /// `hold_voice`s for conversations a task will make (an xferAgent's new one).
    pub(super) pending_holds: HashMap<ConversationId, sb_media::player::Prompt>,
    /// Where conversation recordings go (none: nothing is recorded).
    pub(super) files: Option<sb_store::files::FileLibrary>,
    /// Recordings in progress, by mixer.
    pub(super) recordings: HashMap<sb_mediaworker::ConversationId, super::recording::Recording>,
    prefix: u64,
    next: u64,
    /// What the endpoint must do next (drained after every step).
    pub out: Vec<Out>,
}

/// The mixer's mode for a SPEC mode.
pub(super) fn voice(mode: Mode) -> VoiceMode {
    VoiceMode::from_number(mode.get()).unwrap_or(VoiceMode::Neither)
}

impl ConvLink {
    /// Starts talking to the hub: agent changes go through one ordered task.
    pub(crate) fn attach(
        &mut self,
        hub: CallCenterHub,
        news: mpsc::Sender<Command>,
        store: sb_store::StoreHandle,
    ) {
        self.prefix = StdRng::from_os_rng().next_u64();
        self.hub_calls = Some(super::publish::spawn_hub_calls(hub.clone()));
        self.rows = Some(super::publish::spawn_row_writer(store));
        self.hub = Some(hub);
        self.news = Some(news);
    }

    /// A fresh id: 32 hex digits.
    pub(super) fn id(&mut self) -> String {
        self.next += 1;
        format!("{:016x}{:016x}", self.prefix, self.next)
    }

    /// Whether the call is a conversation's (a connection, a member, a dial).
    pub fn owns(&self, call: &CallId) -> bool {
        self.roles.contains_key(call)
    }

    /// Calls to hang up when an agent is logged out by force.
    pub fn agent_calls(&self, cc: &CallCenterId, agent: &AgentName) -> Option<CallId> {
        self.connections
            .get(&(cc.clone(), agent.clone()))
            .map(|c| c.call.clone())
    }

    pub(super) fn board(&mut self, cc: &CallCenterId) -> &mut Board {
        self.boards.entry(cc.clone()).or_default()
    }

    /// A running conversation of `cc`, or why not.
    pub(super) fn running(
        &self,
        cc: &CallCenterId,
        id: &ConversationId,
    ) -> Result<&Live, ConversationError> {
        match self.live.get(id) {
            Some(l) if &l.cc == cc => Ok(l),
            _ => Err(ConversationError::UnknownConversation { id: id.0.clone() }),
        }
    }

    /// A new conversation, running and empty.
    pub(super) fn create(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        kind: Kind,
    ) -> ConversationId {
        let id = ConversationId(self.id());
        self.create_as(ctx, cc, kind, id.clone(), None);
        id
    }

    /// A new conversation with a chosen id (a transfer's, announced before it exists), on
    /// an `<enqueue>`'s terms when a task makes it.
    pub(super) fn create_as(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        kind: Kind,
        id: ConversationId,
        terms: Option<&Terms>,
    ) {
        let _ = self.board(cc).create(id.clone(), ctx.ms);
        let mut live = Live::new(cc.clone(), kind);
        live.hold = self.pending_holds.remove(&id);
        let seconds = ctx.core.settings_of(cc).conversation_timeout;
        let timeout = terms
            .and_then(|t| t.timeout)
            .or((seconds > 0).then(|| Duration::from_secs(u64::from(seconds))));
        live.deadline = timeout.map(|t| ctx.now + t);
        if let Some(terms) = terms {
            live.reserve = Some(terms.reserve.clone());
            live.user_data.clone_from(&terms.user_data);
            live.record = terms.record;
        }
        self.live.insert(id.clone(), live);
        self.publish_begin(&id);
    }

    /// Brings an agent into a conversation through its connection, ringing its extension
    /// first when it has none.
    pub(super) fn connect_agent(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: &AgentName,
        extension: &Extension,
        conversation: &ConversationId,
        mode: Mode,
    ) -> Result<(), ConversationError> {
        let key = (cc.clone(), agent.clone());
        if let Some(c) = self.connections.get_mut(&key) {
            if !c.up {
                // Its extension already rings to bring it into this one.
                if c.waiting.iter().any(|(w, _)| w == conversation) {
                    return Err(ConversationError::AlreadyMember {
                        member: agent.to_string(),
                        conversation: conversation.0.clone(),
                    });
                }
                c.waiting.push((conversation.clone(), mode));
                if let Some(l) = self.live.get_mut(conversation) {
                    l.pending += 1;
                }
                return Ok(());
            }
            let call = c.call.clone();
            return self.join_now(
                ctx,
                conversation,
                MemberId::Agent(agent.clone()),
                &call,
                mode,
            );
        }
        let call = CallId(self.id());
        self.roles.insert(
            call.clone(),
            Role::Connection {
                cc: cc.clone(),
                agent: agent.clone(),
            },
        );
        self.connections.insert(
            key,
            Connection {
                call: call.clone(),
                up: false,
                waiting: vec![(conversation.clone(), mode)],
            },
        );
        if let Some(l) = self.live.get_mut(conversation) {
            l.pending += 1;
            l.extensions.insert(agent.clone(), extension.id.clone());
        }
        ctx.core
            .originate_to_extension(ctx.now, ctx.ms, call, extension, "callcenter");
        Ok(())
    }

    /// What `agent` goes back to when `conversation` is its last (SPEC §4): the task's
    /// `reserve_state` for an agent a queue task found, the state it had before for the
    /// agent whose own operation made the conversation. `None` if it is not running.
    pub fn returns_to(&self, conversation: &ConversationId, agent: &AgentName) -> Option<ReturnTo> {
        let live = self.live.get(conversation)?;
        let initiator = live.initiator.as_ref() == Some(agent);
        Some(match live.reserve.clone() {
            Some(state) if !initiator => ReturnTo::Reserve(state),
            _ => ReturnTo::Previous,
        })
    }

    /// Adds a member whose call is up, in `mode`, and applies what that implies.
    pub(super) fn join_now(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        member: MemberId,
        call: &CallId,
        mode: Mode,
    ) -> Result<(), ConversationError> {
        let cc = self
            .live
            .get(conversation)
            .map(|l| l.cc.clone())
            .ok_or_else(|| ConversationError::UnknownConversation {
                id: conversation.0.clone(),
            })?;
        let changes = self
            .board(&cc)
            .join(conversation, member.clone(), mode, ctx.ms)?;
        let leg = ctx.core.answered_media(call);
        let media = ctx.core.media_plane();
        let mut created = false;
        if let Some(l) = self.live.get_mut(conversation) {
            l.calls.insert(member.clone(), call.clone());
            if l.media.is_none() {
                created = true;
                if let Ok(m) = media.create_conversation(leg) {
                    let hold = l.hold.clone().unwrap_or_else(sb_media::builtin::hold_music);
                    let _ = media.set_hold_prompt(m, Some(hold));
                    l.media = Some(m);
                }
            }
            if let (Some(m), Some(leg)) = (l.media, leg) {
                if let Err(error) = media.add_member(m, leg, voice(mode)) {
                    tracing::warn!(conversation_id = %conversation, call_id = %call, %error, "member not mixed");
                }
            }
        }
        if created {
            self.maybe_record(ctx, conversation);
        }
        self.apply(ctx, &changes);
        if let MemberId::Agent(agent) = &member {
            let then = self
                .returns_to(conversation, agent)
                .unwrap_or(ReturnTo::Previous);
            self.hub_call(HubCall::Entered(
                cc.clone(),
                agent.clone(),
                conversation.clone(),
                then,
            ));
            self.publish_agent_changed(&cc, agent, conversation, "enter");
        }
        self.publish_parts(conversation);
        Ok(())
    }

    /// Applies mode changes the board decided to the mixers.
    pub(super) fn apply(&mut self, ctx: &mut Ctx<'_>, changes: &[ModeChange]) {
        let media = ctx.core.media_plane();
        for c in changes {
            let Some(l) = self.live.get(&c.conversation) else {
                continue;
            };
            let leg = l
                .calls
                .get(&c.member)
                .and_then(|call| ctx.core.answered_media(call));
            if let (Some(m), Some(leg)) = (l.media, leg) {
                let _ = media.set_mode(m, leg, voice(c.mode));
            }
        }
        // One event per conversation, however many of its members changed.
        let mut changed: Vec<&ConversationId> = changes.iter().map(|c| &c.conversation).collect();
        changed.sort();
        changed.dedup();
        for id in changed {
            self.publish_parts(id);
        }
    }

    /// Sets a member's mode (and holds the agent elsewhere when it becomes active here).
    pub(super) fn set_mode(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        member: &MemberId,
        mode: Mode,
    ) -> Result<(), ConversationError> {
        let cc = self.cc_of(conversation)?;
        let mut changes = self.board(&cc).set_mode(conversation, member, mode)?;
        changes.insert(
            0,
            ModeChange {
                conversation: conversation.clone(),
                member: member.clone(),
                mode,
            },
        );
        self.apply(ctx, &changes);
        Ok(())
    }

    pub(super) fn cc_of(
        &self,
        conversation: &ConversationId,
    ) -> Result<CallCenterId, ConversationError> {
        self.live
            .get(conversation)
            .map(|l| l.cc.clone())
            .ok_or_else(|| ConversationError::UnknownConversation {
                id: conversation.0.clone(),
            })
    }

    /// A member leaves; `hung_up` when its call is already gone. With fewer than two
    /// members left (and nobody on the way) the conversation ends.
    pub(super) fn leave(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        member: &MemberId,
        data: Option<String>,
        hung_up: bool,
    ) -> Result<(), ConversationError> {
        let cc = self.cc_of(conversation)?;
        let others: Vec<MemberId> = self
            .board(&cc)
            .get(conversation)
            .map(|c| {
                c.current()
                    .map(|m| m.id.clone())
                    .filter(|m| m != member)
                    .collect()
            })
            .unwrap_or_default();
        let ended = self.board(&cc).leave(conversation, member, ctx.ms)?;
        self.unmix(ctx, conversation, member);
        self.exit_member(ctx, conversation, member, data.clone(), hung_up);
        match ended {
            Some(_) => {
                // The ones still there leave with it.
                for other in &others {
                    self.unmix(ctx, conversation, other);
                    self.exit_member(ctx, conversation, other, data.clone(), false);
                }
                self.finish(ctx, conversation)
            }
            None => {
                self.publish_parts(conversation);
                self.check_end(ctx, conversation);
            }
        }
        Ok(())
    }

    /// Ends a conversation now: every member leaves.
    pub(super) fn end(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        reason: EndReason,
        data: Option<String>,
    ) -> Result<(), ConversationError> {
        let cc = self.cc_of(conversation)?;
        let left = self.board(&cc).end(conversation, reason, ctx.ms)?;
        for member in &left {
            self.unmix(ctx, conversation, member);
            self.exit_member(ctx, conversation, member, data.clone(), false);
        }
        self.finish(ctx, conversation);
        Ok(())
    }

    /// Ends it when fewer than two members remain and nobody is on the way.
    pub(super) fn check_end(&mut self, ctx: &mut Ctx<'_>, conversation: &ConversationId) {
        let Some(l) = self.live.get(conversation) else {
            return;
        };
        if l.pending > 0 || l.transfer.is_some() {
            return;
        }
        let present = self
            .boards
            .get(&l.cc)
            .and_then(|b| b.get(conversation))
            .map_or(0, |c| c.current().count());
        if present < 2 {
            let _ = self.end(ctx, conversation, EndReason::MemberLeft, None);
        }
    }

    fn unmix(&mut self, ctx: &mut Ctx<'_>, conversation: &ConversationId, member: &MemberId) {
        let Some(l) = self.live.get(conversation) else {
            return;
        };
        let leg = l.calls.get(member).and_then(|c| ctx.core.answered_media(c));
        if let (Some(m), Some(leg)) = (l.media, leg) {
            let _ = ctx.core.media_plane().remove_member(m, leg);
        }
    }

    /// What happens to a member that left: an agent with no conversation left is
    /// disconnected; an outside call goes back to its IVR, or is hung up.
    fn exit_member(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        member: &MemberId,
        data: Option<String>,
        hung_up: bool,
    ) {
        let Some(l) = self.live.get_mut(conversation) else {
            return;
        };
        let cc = l.cc.clone();
        let call = l.calls.get(member).cloned();
        let transfer = call
            .as_ref()
            .and_then(|c| l.transfer.as_ref().filter(|t| &t.party == c))
            .map(|t| t.target.clone());
        let prompt = call.as_ref().and_then(|c| l.prompts.remove(c));
        match (prompt, &transfer, &call) {
            // A party whose transfer goes on keeps hearing ringback or the queue prompt.
            (Some(play), Some(_), Some(party)) if !hung_up => {
                self.transfer_prompts.insert(party.clone(), play);
            }
            (Some(play), _, _) => ctx.core.stop_playback(play),
            _ => {}
        }
        match member {
            MemberId::Agent(agent) => {
                self.hub_call(HubCall::Left(
                    cc.clone(),
                    agent.clone(),
                    conversation.clone(),
                ));
                self.publish_agent_changed(&cc, agent, conversation, "exit");
                let elsewhere = self
                    .boards
                    .get(&cc)
                    .is_some_and(|b| !b.conversations_of(member).is_empty());
                if !elsewhere && !hung_up {
                    self.disconnect(ctx, &cc, agent);
                }
            }
            MemberId::Call(_) => {
                let Some(call) = call else {
                    return;
                };
                if let Some(target) = transfer {
                    if hung_up {
                        // Nobody is left to transfer: whatever looks for a partner stops.
                        if let Some(l) = self.live.get_mut(conversation) {
                            l.transfer = None;
                        }
                        self.roles.remove(&call);
                        self.abandon_transfer(ctx, &target);
                    } else {
                        // The party of a running transfer stays up for its new conversation.
                        self.roles.insert(call, Role::Transferring { target });
                    }
                    return;
                }
                if matches!(self.roles.get(&call), Some(Role::Transferring { .. })) {
                    return;
                }
                self.exit_outside(ctx, conversation, call, data, hung_up);
            }
        }
    }

    /// An outside member that left: back to its IVR, or hung up.
    fn exit_outside(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        call: CallId,
        data: Option<String>,
        hung_up: bool,
    ) {
        self.roles.remove(&call);
        let Some(l) = self.live.get(conversation) else {
            return;
        };
        let ivr = l.ivr.contains(&call);
        let agent_name = l.ivr_agent.as_ref().map(ToString::to_string);
        if hung_up {
            if ivr {
                self.out.push(Out::QueueCallerDone(call));
            }
        } else if ivr {
            ctx.core.unwatch_call(&call);
            let outcome = EnqueueOutcome {
                result: EnqueueResult::Success,
                cause: None,
                agent_name,
                conversation_id: Some(conversation.0.clone()),
                data,
            };
            self.out.push(Out::QueueCallerDone(call.clone()));
            self.out
                .push(Out::TellIvr(call, IvrMessage::EnqueueEnded(outcome)));
        } else {
            ctx.core.hangup_call(ctx.now, ctx.ms, &call);
        }
    }

    /// Hangs an agent's connection up (it is in no conversation any more).
    pub(super) fn disconnect(&mut self, ctx: &mut Ctx<'_>, cc: &CallCenterId, agent: &AgentName) {
        if let Some(c) = self.connections.remove(&(cc.clone(), agent.clone())) {
            self.roles.remove(&c.call);
            ctx.core.unwatch_call(&c.call);
            ctx.core.hangup_call(ctx.now, ctx.ms, &c.call);
        }
    }

    /// Everything after the last member left: pending work cancelled, the mixer gone, the
    /// end published and recorded.
    fn finish(&mut self, ctx: &mut Ctx<'_>, conversation: &ConversationId) {
        // A transfer's dial targets the new conversation; it outlives the old one.
        self.hang_up_dials(ctx, conversation);
        for (_, c) in self.connections.iter_mut() {
            c.waiting.retain(|(conv, _)| conv != conversation);
        }
        let Some(l) = self.live.get_mut(conversation) else {
            return;
        };
        for play in l.prompts.drain().map(|(_, p)| p) {
            ctx.core.stop_playback(play);
        }
        if let Some(m) = l.media.take() {
            let _ = ctx.core.media_plane().unbridge(m);
        }
        let tasks: Vec<_> = l.tasks.drain().collect();
        let cc = l.cc.clone();
        self.cancel_tasks(&cc, tasks, crate::acd::FailCause::Cancel);
        self.publish_end(conversation);
        self.live.remove(conversation);
        if let Some(b) = self.boards.get_mut(&cc) {
            b.remove(conversation);
        }
        // Agents waiting to join only this one and in no other conversation hang up.
        let idle: Vec<(CallCenterId, AgentName)> = self
            .connections
            .iter()
            .filter(|(_, c)| !c.up && c.waiting.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        for (cc, agent) in idle {
            self.disconnect(ctx, &cc, &agent);
        }
    }

    /// Hangs up the numbers being dialled for `conversation`.
    pub(super) fn hang_up_dials(&mut self, ctx: &mut Ctx<'_>, conversation: &ConversationId) {
        let dials: Vec<CallId> = self
            .roles
            .iter()
            .filter(
                |(_, r)| matches!(r, Role::Dialling(d) if &d.target.conversation == conversation),
            )
            .map(|(c, _)| c.clone())
            .collect();
        for call in dials {
            self.roles.remove(&call);
            ctx.core.hangup_call(ctx.now, ctx.ms, &call);
        }
    }

    /// Cancels queue tasks (the hub is asked off the endpoint task).
    pub(super) fn cancel_tasks(
        &self,
        cc: &CallCenterId,
        tasks: impl IntoIterator<Item = crate::acd::TaskId>,
        cause: crate::acd::FailCause,
    ) {
        let Some(hub) = self.hub.clone() else {
            return;
        };
        for task in tasks {
            let (hub, cc) = (hub.clone(), cc.clone());
            tokio::spawn(async move {
                let _ = hub.cancel(&cc, task, cause).await;
            });
        }
    }

    /// A member that was on its way arrived or will not come.
    pub(super) fn one_less_pending(&mut self, conversation: &ConversationId) {
        if let Some(l) = self.live.get_mut(conversation) {
            l.pending = l.pending.saturating_sub(1);
        }
    }

    /// An answered call to an agent's extension is the agent's connection from now on.
    pub(super) fn adopt_connection(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: &AgentName,
        call: &CallId,
    ) {
        ctx.core.watch_call(call);
        self.roles.insert(
            call.clone(),
            Role::Connection {
                cc: cc.clone(),
                agent: agent.clone(),
            },
        );
        self.connections.insert(
            (cc.clone(), agent.clone()),
            Connection {
                call: call.clone(),
                up: true,
                waiting: Vec::new(),
            },
        );
    }

    pub(super) fn hub_call(&self, call: HubCall) {
        if let Some(tx) = &self.hub_calls {
            let _ = tx.send(call);
        }
    }

    /// How an IVR caller's `<enqueue>` ends when its transfer failed.
    pub(super) fn ivr_failed(cause: EnqueueCause) -> IvrMessage {
        IvrMessage::EnqueueEnded(EnqueueOutcome {
            result: EnqueueResult::Fail,
            cause: Some(cause),
            agent_name: None,
            conversation_id: None,
            data: None,
        })
    }
}
