//! The operations of SPEC §6 and §7 on [`ConvLink`]: each checks the state it needs
//! (409 with the reason otherwise), changes what it must, and answers with the ids it
//! created.

use sb_acd::agent::AgentName;
use sb_acd::conversation::{ConversationId, EndReason, MemberId, Mode};
use sb_acd::enqueue::Enqueue;
use sb_media::tone::ToneKind;
use sb_store::CallCenterId;

use super::link::{ConvLink, Ctx};
use super::live::{Kind, Purpose, Target, Terms, TransferOut};
use super::{AgentRef, ConversationError, Created, Dial, Operation, Request};
use crate::acd::{TaskKind, TaskRequest};
use crate::core::call::CallId;

type Answer = Result<Created, ConversationError>;

/// A running conversation's current members: who, their call, their mode.
pub type Members = Vec<(MemberId, CallId, Mode)>;

impl ConvLink {
    /// Runs an operation that queues no task (every one but callagent, inviteAgent,
    /// invite_agent and xferAgent), for `agent` reached at `extension`.
    pub fn run(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        op: Operation,
        agent: Option<(AgentName, sb_store::Extension)>,
    ) -> Answer {
        let agent = agent.map(|(name, extension)| AgentRef { name, extension });
        self.op(ctx, cc, op, agent.as_ref())
    }

    /// Conversations running now, with each current member's call and mode, for tests and
    /// the census.
    pub fn running_members(&self) -> Vec<(ConversationId, Members)> {
        let mut out: Vec<_> = self
            .live
            .iter()
            .map(|(id, l)| {
                let members = self
                    .boards
                    .get(&l.cc)
                    .and_then(|b| b.get(id))
                    .map(|c| {
                        c.current()
                            .filter_map(|m| {
                                l.calls
                                    .get(&m.id)
                                    .map(|call| (m.id.clone(), call.clone(), m.mode))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (id.clone(), members)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Runs one request from the API handle.
    pub(crate) fn request(&mut self, ctx: &mut Ctx<'_>, request: Request) {
        let Request {
            cc,
            op,
            agent,
            enqueue,
            reply,
        } = request;
        let voices = super::voices::Voices {
            wait: enqueue.as_ref().and_then(|e| e.wait_voice.clone()),
            hold: enqueue.as_ref().and_then(|e| e.hold_voice.clone()),
            announce: enqueue
                .as_ref()
                .filter(|e| e.play_num)
                .map(|e| (e.pre_num_voice.clone(), e.post_num_voice.clone())),
        };
        let queued = match (op, enqueue) {
            (
                op @ (Operation::CallAgent { .. }
                | Operation::InviteAgent { .. }
                | Operation::XferAgent { .. }),
                Some(enqueue),
            ) => self.task_op(ctx, &cc, op, agent.as_ref(), &enqueue),
            (op, _) => {
                let _ = reply.send(self.op(ctx, &cc, op, agent.as_ref()));
                return;
            }
        };
        match queued {
            Ok((target, task, created)) => self.start_task(target, task, reply, created, voices),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    fn op(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        op: Operation,
        agent: Option<&AgentRef>,
    ) -> Answer {
        let only = |c: &ConversationId| Created {
            conversation_id: Some(c.0.clone()),
            ..Created::default()
        };
        match op {
            Operation::Callout {
                dial, background, ..
            } => {
                let agent = agent.ok_or(ConversationError::Stopped)?;
                self.callout(ctx, cc, agent, dial, background)
            }
            Operation::Pause {
                agent,
                conversation,
                ..
            } => {
                self.agent_mode(ctx, cc, &conversation, &agent, Mode::HOLD)?;
                Ok(only(&conversation))
            }
            Operation::Resume {
                agent,
                conversation,
                mode,
            } => {
                // Resuming into hold would resume nothing (SPEC §6: 1–3 only), whoever
                // built the operation.
                Mode::for_resume(Some(i64::from(mode.get())))?;
                self.agent_mode(ctx, cc, &conversation, &agent, mode)?;
                Ok(only(&conversation))
            }
            Operation::SetVoiceIoMode {
                agent,
                conversation,
                mode,
            } => {
                self.agent_mode(ctx, cc, &conversation, &agent, mode)?;
                Ok(only(&conversation))
            }
            Operation::Join {
                conversation, mode, ..
            } => {
                let agent = agent.ok_or(ConversationError::Stopped)?;
                self.joinable(cc, &conversation, &MemberId::Agent(agent.name.clone()))?;
                self.connect_agent(ctx, cc, &agent.name, &agent.extension, &conversation, mode)?;
                Ok(only(&conversation))
            }
            Operation::Depart {
                agent,
                conversation,
                data,
            } => {
                self.running(cc, &conversation)?;
                self.leave(ctx, &conversation, &MemberId::Agent(agent), data, false)?;
                Ok(only(&conversation))
            }
            Operation::InviteOut {
                conversation,
                dial,
                background,
                mode,
                ..
            } => self.invite_out(ctx, cc, agent, &conversation, dial, background, mode),
            Operation::XferOut {
                conversation,
                dial,
                release,
                ..
            } => {
                let agent = agent.ok_or(ConversationError::Stopped)?;
                self.can_dial(ctx, cc, &dial)?;
                let target = self.begin_transfer(
                    ctx,
                    cc,
                    &agent.name,
                    &conversation,
                    release,
                    Kind::CallOut,
                    Some(ToneKind::Dial),
                )?;
                let call = CallId(self.id());
                let created = Created {
                    conversation_id: Some(target.conversation.0.clone()),
                    call_id: Some(call.0.clone()),
                    task_id: None,
                };
                self.dial(ctx, call, &dial, target);
                Ok(created)
            }
            Operation::Dissolve { conversation } => {
                self.running(cc, &conversation)?;
                self.end(ctx, &conversation, EndReason::Dissolved, None)?;
                Ok(only(&conversation))
            }
            Operation::Lsm {
                conversation,
                member,
                mode,
            } => {
                let live = self.running(cc, &conversation)?;
                let who = if live.calls.contains_key(&MemberId::Call(member.clone())) {
                    MemberId::Call(member)
                } else {
                    match AgentName::new(&member) {
                        Ok(name) => MemberId::Agent(name),
                        Err(_) => {
                            return Err(ConversationError::NotMember {
                                member,
                                conversation: conversation.0,
                            })
                        }
                    }
                };
                self.set_mode(ctx, &conversation, &who, mode)?;
                Ok(only(&conversation))
            }
            // Task operations arrive with their document; without one they cannot run.
            _ => Err(ConversationError::Stopped),
        }
    }

    fn agent_mode(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        conversation: &ConversationId,
        agent: &AgentName,
        mode: Mode,
    ) -> Result<(), ConversationError> {
        self.running(cc, conversation)?;
        self.set_mode(ctx, conversation, &MemberId::Agent(agent.clone()), mode)
    }

    /// Whether `who` may join: running, not locked by a transfer, not in it already.
    fn joinable(
        &self,
        cc: &CallCenterId,
        conversation: &ConversationId,
        who: &MemberId,
    ) -> Result<(), ConversationError> {
        self.running(cc, conversation)?;
        let conv = self
            .boards
            .get(cc)
            .and_then(|b| b.get(conversation))
            .ok_or_else(|| ConversationError::UnknownConversation {
                id: conversation.0.clone(),
            })?;
        if conv.locked {
            return Err(ConversationError::Locked {
                id: conversation.0.clone(),
            });
        }
        if conv.current().any(|m| &m.id == who) {
            return Err(ConversationError::AlreadyMember {
                member: super::member_name(who),
                conversation: conversation.0.clone(),
            });
        }
        Ok(())
    }

    fn can_dial(
        &self,
        ctx: &Ctx<'_>,
        cc: &CallCenterId,
        dial: &Dial,
    ) -> Result<(), ConversationError> {
        if ctx.core.can_dial_out(cc) {
            Ok(())
        } else {
            Err(ConversationError::CannotDial {
                to: dial.to.clone(),
                why: "no trunk of this call center is up",
            })
        }
    }

    fn callout(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: &AgentRef,
        dial: Dial,
        background: bool,
    ) -> Answer {
        self.can_dial(ctx, cc, &dial)?;
        let conversation = self.create(ctx, cc, Kind::CallOut);
        let call = CallId(self.id());
        let mode = if background { Mode::HOLD } else { Mode::BOTH };
        if let Some(l) = self.live.get_mut(&conversation) {
            l.initiator = Some(agent.name.clone());
            l.follow = Some((call.clone(), dial));
        }
        self.connect_agent(ctx, cc, &agent.name, &agent.extension, &conversation, mode)?;
        self.after_initiator(ctx, &conversation, &agent.name);
        Ok(Created {
            conversation_id: Some(conversation.0),
            call_id: Some(call.0),
            task_id: None,
        })
    }

    /// The initiator's connection is known: it is the conversation's `agent_call_id`, and
    /// when it was already up the follow-up dial starts now.
    fn after_initiator(
        &mut self,
        ctx: &mut Ctx<'_>,
        conversation: &ConversationId,
        agent: &AgentName,
    ) {
        let Some(cc) = self.live.get(conversation).map(|l| l.cc.clone()) else {
            return;
        };
        let connection = self
            .connections
            .get(&(cc, agent.clone()))
            .map(|c| (c.call.clone(), c.up));
        let Some((call, up)) = connection else {
            return;
        };
        let follow = self.live.get_mut(conversation).and_then(|l| {
            l.agent_call_id = Some(call.0.clone());
            if up {
                l.follow.take()
            } else {
                None
            }
        });
        self.publish_parts(conversation);
        if let Some((dial_call, dial)) = follow {
            self.dial_for_callout(ctx, conversation, dial_call, dial);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn invite_out(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: Option<&AgentRef>,
        conversation: &ConversationId,
        dial: Dial,
        background: bool,
        mode: Mode,
    ) -> Answer {
        let call = CallId(self.id());
        self.joinable(cc, conversation, &MemberId::Call(call.0.clone()))?;
        self.can_dial(ctx, cc, &dial)?;
        let inviter = self.hold_inviter(
            ctx,
            cc,
            agent,
            conversation,
            background,
            Some(ToneKind::Dial),
        )?;
        if let Some(l) = self.live.get_mut(conversation) {
            l.pending += 1;
        }
        let target = Target {
            conversation: conversation.clone(),
            cc: cc.clone(),
            mode,
            purpose: Purpose::Invite { inviter },
        };
        self.dial(ctx, call.clone(), &dial, target);
        Ok(Created {
            conversation_id: Some(conversation.0.clone()),
            call_id: Some(call.0),
            task_id: None,
        })
    }

    /// An inviting agent must be in the conversation; in the foreground it is held and
    /// hears ringback or the queue prompt until the invitation ends.
    fn hold_inviter(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: Option<&AgentRef>,
        conversation: &ConversationId,
        background: bool,
        tone: Option<ToneKind>,
    ) -> Result<Option<AgentName>, ConversationError> {
        let Some(agent) = agent else {
            return Ok(None);
        };
        let who = MemberId::Agent(agent.name.clone());
        let mode = self
            .boards
            .get(cc)
            .and_then(|b| b.get(conversation))
            .and_then(|c| c.current().find(|m| m.id == who).map(|m| m.mode))
            .ok_or_else(|| ConversationError::NotMember {
                member: agent.name.to_string(),
                conversation: conversation.0.clone(),
            })?;
        if background {
            return Ok(None);
        }
        // With another invitation holding it already, the mode to give back is the one it
        // had before the first.
        if let Some(l) = self.live.get_mut(conversation) {
            l.inviting.entry(agent.name.clone()).or_insert((mode, 0)).1 += 1;
        }
        self.set_mode(ctx, conversation, &who, Mode::HOLD)?;
        if let Some(call) = self
            .live
            .get(conversation)
            .and_then(|l| l.calls.get(&who).cloned())
        {
            self.play_to(ctx, conversation, &call, tone);
        }
        Ok(Some(agent.name.clone()))
    }

    /// Starts a transfer of the agent's one other party (xferAgent, xferOut): checks, then
    /// `release=true` ends the old conversation at once, `release=false` holds both.
    #[allow(clippy::too_many_arguments)]
    fn begin_transfer(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        agent: &AgentName,
        conversation: &ConversationId,
        release: bool,
        kind: Kind,
        tone: Option<ToneKind>,
    ) -> Result<Target, ConversationError> {
        let live = self.running(cc, conversation)?;
        let me = MemberId::Agent(agent.clone());
        let conv = self
            .boards
            .get(cc)
            .and_then(|b| b.get(conversation))
            .ok_or_else(|| ConversationError::UnknownConversation {
                id: conversation.0.clone(),
            })?;
        if conv.locked {
            return Err(ConversationError::Locked {
                id: conversation.0.clone(),
            });
        }
        let present: Vec<MemberId> = conv.current().map(|m| m.id.clone()).collect();
        if !present.contains(&me) {
            return Err(ConversationError::NotMember {
                member: agent.to_string(),
                conversation: conversation.0.clone(),
            });
        }
        let other = match present.as_slice() {
            [a, b] => if a == &me { b } else { a }.clone(),
            _ => {
                return Err(ConversationError::NotOneToOne {
                    id: conversation.0.clone(),
                    members: present.len(),
                })
            }
        };
        let MemberId::Call(party) = &other else {
            return Err(ConversationError::PartyIsAgent {
                id: conversation.0.clone(),
            });
        };
        let party = CallId(party.clone());
        let was_ivr = live.ivr.contains(&party);
        let recorded = live.record;
        let target = Target {
            conversation: ConversationId(self.id()),
            cc: cc.clone(),
            mode: Mode::BOTH,
            purpose: Purpose::Transfer {
                from: conversation.clone(),
                party: party.clone(),
                kind,
                task: None,
                // A recorded conversation's party stays recorded in the one it moves to.
                terms: recorded.then(|| Terms {
                    record: true,
                    ..Terms::default()
                }),
            },
        };
        self.board(cc).lock(conversation)?;
        if release {
            if was_ivr {
                self.pending_ivr.insert(party.clone());
            }
            self.roles.insert(
                party.clone(),
                super::live::Role::Transferring {
                    target: target.clone(),
                },
            );
            self.end(ctx, conversation, EndReason::MemberLeft, None)?;
            if tone == Some(ToneKind::Dial) {
                self.dial_tones.insert(party.clone());
            }
            if tone.is_none() {
                self.queue_prompts.insert(party.clone());
            }
            if let Some(play) = super::flow::prompt(ctx, cc, &party, tone) {
                self.transfer_prompts.insert(party, play);
            }
        } else {
            if was_ivr {
                self.pending_ivr.insert(party.clone());
            }
            self.set_mode(ctx, conversation, &other, Mode::HOLD)?;
            self.set_mode(ctx, conversation, &me, Mode::HOLD)?;
            let agent_call = self
                .live
                .get(conversation)
                .and_then(|l| l.calls.get(&me).cloned());
            self.play_to(ctx, conversation, &party, tone);
            if let Some(call) = agent_call {
                self.play_to(ctx, conversation, &call, tone);
            }
            if let Some(l) = self.live.get_mut(conversation) {
                l.transfer = Some(TransferOut {
                    agent: agent.clone(),
                    party,
                    target: target.clone(),
                });
            }
        }
        Ok(target)
    }

    /// callagent, inviteAgent, invite_agent, xferAgent: what the task is for, ready to
    /// queue.
    pub(super) fn task_op(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        op: Operation,
        agent: Option<&AgentRef>,
        enqueue: &Enqueue,
    ) -> Result<(Target, TaskRequest, Created), ConversationError> {
        // The agent asking is never the one its own task finds: it is idle while its
        // phone rings for callagent, and free again after xferAgent with release.
        let task = |kind, xml: String, origin: Option<String>, exclude| TaskRequest {
            kind,
            xml,
            origin_call_id: origin,
            user_data: None,
            reports: None,
            exclude,
        };
        match op {
            Operation::CallAgent {
                enqueue: xml,
                background,
                ..
            } => {
                let agent = agent.ok_or(ConversationError::Stopped)?;
                let conversation = ConversationId(self.id());
                let terms = Terms::of(enqueue);
                self.create_as(ctx, cc, Kind::CallAgent, conversation.clone(), Some(&terms));
                let mode = if background { Mode::HOLD } else { Mode::BOTH };
                if let Some(l) = self.live.get_mut(&conversation) {
                    l.initiator = Some(agent.name.clone());
                    l.pending += 1;
                    l.prompt_initiator = !background;
                }
                self.connect_agent(ctx, cc, &agent.name, &agent.extension, &conversation, mode)?;
                self.after_initiator(ctx, &conversation, &agent.name);
                let caller = self
                    .connections
                    .get(&(cc.clone(), agent.name.clone()))
                    .map(|c| (c.call.clone(), c.up));
                if let (Some((call, true)), false) = (&caller, background) {
                    self.play_to(ctx, &conversation, call, None);
                }
                let target = Target {
                    conversation: conversation.clone(),
                    cc: cc.clone(),
                    mode: Mode::BOTH,
                    purpose: Purpose::Party,
                };
                let origin = caller.map(|(c, _)| c.0);
                let created = Created {
                    conversation_id: Some(conversation.0),
                    ..Created::default()
                };
                Ok((
                    target,
                    task(TaskKind::CallAgent, xml, origin, Some(agent.name.clone())),
                    created,
                ))
            }
            Operation::InviteAgent {
                conversation,
                enqueue: xml,
                background,
                mode,
                ..
            } => {
                self.running(cc, &conversation)?;
                if self
                    .boards
                    .get(cc)
                    .and_then(|b| b.get(&conversation))
                    .is_some_and(|c| c.locked)
                {
                    return Err(ConversationError::Locked { id: conversation.0 });
                }
                let inviter = self.hold_inviter(ctx, cc, agent, &conversation, background, None)?;
                if let Some(l) = self.live.get_mut(&conversation) {
                    l.pending += 1;
                    l.reserve.get_or_insert(enqueue.reserve_state.clone());
                }
                let target = Target {
                    conversation: conversation.clone(),
                    cc: cc.clone(),
                    mode,
                    purpose: Purpose::Invite { inviter },
                };
                let created = Created {
                    conversation_id: Some(conversation.0),
                    ..Created::default()
                };
                Ok((
                    target,
                    task(TaskKind::InviteAgent, xml, None, None),
                    created,
                ))
            }
            Operation::XferAgent {
                agent: name,
                conversation,
                queue: xml,
                release,
            } => {
                let mut target =
                    self.begin_transfer(ctx, cc, &name, &conversation, release, Kind::Queue, None)?;
                if let Purpose::Transfer { terms, .. } = &mut target.purpose {
                    let inherited = terms.as_ref().is_some_and(|t| t.record);
                    let mut own = Terms::of(enqueue);
                    own.record |= inherited;
                    *terms = Some(own);
                }
                let origin = match &target.purpose {
                    Purpose::Transfer { party, .. } => Some(party.0.clone()),
                    _ => None,
                };
                let created = Created {
                    conversation_id: Some(target.conversation.0.clone()),
                    ..Created::default()
                };
                Ok((
                    target,
                    task(TaskKind::XferAgent, xml, origin, Some(name)),
                    created,
                ))
            }
            _ => Err(ConversationError::Stopped),
        }
    }

    /// An IVR caller's task found an agent: a `queue` conversation with both.
    #[allow(clippy::too_many_arguments)]
    pub fn queue_answered(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        caller: &CallId,
        agent: &AgentName,
        extension: sb_store::ExtensionId,
        agent_call: &CallId,
        task: &crate::acd::TaskId,
        terms: &Terms,
    ) -> Option<ConversationId> {
        if ctx.core.answered_media(caller).is_none()
            || ctx.core.answered_media(agent_call).is_none()
        {
            return None;
        }
        let conversation = ConversationId(self.id());
        self.create_as(ctx, cc, Kind::Queue, conversation.clone(), Some(terms));
        if let Some(l) = self.live.get_mut(&conversation) {
            l.queue_id = Some(task.to_string());
            l.ivr.insert(caller.clone());
            l.ivr_agent = Some(agent.clone());
            l.extensions.insert(agent.clone(), extension);
        }
        ctx.core.watch_call(caller);
        self.roles.insert(
            caller.clone(),
            super::live::Role::Outside {
                conversation: conversation.clone(),
            },
        );
        self.adopt_connection(ctx, cc, agent, agent_call);
        let _ = self.join_now(
            ctx,
            &conversation,
            MemberId::Call(caller.0.clone()),
            caller,
            Mode::BOTH,
        );
        let _ = self.join_now(
            ctx,
            &conversation,
            MemberId::Agent(agent.clone()),
            agent_call,
            Mode::BOTH,
        );
        Some(conversation)
    }

    /// The `hold_voice` of the `<enqueue>` that brought `caller`: from now on its
    /// conversation plays it, instead of the built-in hold music, to a member left alone
    /// hearing it. Nothing happens if the caller is in no conversation.
    pub fn set_hold_voice(
        &mut self,
        ctx: &mut Ctx<'_>,
        caller: &CallId,
        prompt: sb_media::player::Prompt,
    ) {
        if let Some(super::live::Role::Outside { conversation }) = self.roles.get(caller) {
            let conversation = conversation.clone();
            self.hold_with(ctx, &conversation, prompt);
        }
    }
}
