//! The agent actor: one per logged-in agent, wrapping [`sb_acd::agent::Agent`].
//!
//! It applies the agent's API calls and the engine's moves to the core, rings the agent's
//! extension when its router offers a task, keeps the keepalive timer, and after every change
//! publishes the core's events, refreshes the hub's read model and queues a write-behind.

use std::sync::Arc;

use actix::prelude::*;
use sb_acd::agent::{Agent, AgentError, AgentState, Base, ReturnTo, SkillOpt};
use sb_acd::conversation::ConversationId;
use sb_acd::routing::{FailCause, TaskId};
use sb_store::{AgentRecord, AgentSkillRecord, CallCenterId, ExtensionId};

use super::connector::{
    AgentCallId, RingFailure, RingFinished, RingOutcome, RingReply, RingRequest,
};
use super::hub::{AgentView, Shared};
use super::router::{self, RouterActor};
use super::AcdError;

/// The ring in progress for an offered task.
#[derive(Debug)]
struct Ring {
    task: TaskId,
    call: AgentCallId,
    answered: bool,
}

pub(crate) struct AgentActor {
    cc: CallCenterId,
    core: Agent,
    extension: ExtensionId,
    login_time: u64,
    ring: Option<Ring>,
    router: Addr<RouterActor>,
    shared: Arc<Shared>,
    keepalive: Option<SpawnHandle>,
}

impl AgentActor {
    pub(crate) fn new(
        cc: CallCenterId,
        core: Agent,
        extension: ExtensionId,
        login_time: u64,
        router: Addr<RouterActor>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            cc,
            core,
            extension,
            login_time,
            ring: None,
            router,
            shared,
            keepalive: None,
        }
    }

    pub(crate) fn view(&self) -> AgentView {
        AgentView {
            name: self.core.name().clone(),
            num: self.core.num().map(str::to_owned),
            state: self.core.state().clone(),
            skills: self.core.skills().as_slice().to_vec(),
            extension: self.extension.clone(),
            login_time: self.login_time,
        }
    }

    fn record(&self) -> AgentRecord {
        let view = self.view();
        AgentRecord {
            callcenter_id: self.cc.clone(),
            name: view.name.as_str().to_owned(),
            num: view.num,
            state: view.state.to_string(),
            skills: view
                .skills
                .into_iter()
                .map(|s| AgentSkillRecord {
                    name: s.name,
                    score: s.score,
                    enabled: s.enabled,
                })
                .collect(),
            extension_id: view.extension.0,
            login_time: view.login_time,
        }
    }

    fn is_idle(&self) -> bool {
        self.core.state().base() == Base::Idle
    }

    /// Publishes the core's events, refreshes the read model and writes the agent behind.
    fn after_change(&mut self) {
        while let Some(e) = self.core.poll_event() {
            self.shared.publisher.state_changed(&self.cc, &e);
        }
        if self.core.is_logged_out() {
            return;
        }
        self.shared.registry.update(&self.cc, self.view());
        self.shared.writer.save(self.record());
    }

    /// Tells the router the agent is routable again, if it is.
    fn report_idle(&self) {
        if self.is_idle() {
            self.router.do_send(router::Idle(self.core.name().clone()));
        }
    }

    fn arm_keepalive(&mut self, ctx: &mut Context<Self>) {
        if let Some(h) = self.keepalive.take() {
            ctx.cancel_future(h);
        }
        let Some(deadline) = self.core.poll_timeout() else {
            return;
        };
        let delay = deadline.saturating_duration_since(self.shared.clock.now());
        self.keepalive = Some(ctx.run_later(delay, |act, ctx| {
            act.keepalive = None;
            act.core.handle_timeout(act.shared.clock.now());
            if act.core.is_logged_out() {
                tracing::info!(callcenter = %act.cc, agent = %act.core.name(), "no keepalive: agent logged out");
                act.after_change();
                act.leave(ctx, true);
            } else {
                act.arm_keepalive(ctx);
            }
        }));
    }

    /// Ends the agent's presence: rings and calls hung up if `hang_up`, router told, record
    /// removed, actor stopped.
    fn leave(&mut self, ctx: &mut Context<Self>, hang_up: bool) {
        if let Some(ring) = self.ring.take() {
            self.shared.connector.cancel(&ring.call);
        }
        if hang_up {
            self.shared
                .connector
                .hang_up_agent(&self.cc, self.core.name());
        }
        self.core.logout();
        self.router.do_send(router::Left(self.core.name().clone()));
        self.shared
            .registry
            .remove(&self.cc, self.core.name(), &ctx.address());
        self.shared
            .writer
            .delete(&self.cc, self.core.name().as_str());
        ctx.stop();
    }

    /// Stops the ring of `task`, if it is the one in progress.
    fn stop_ring(&mut self, task: TaskId) {
        if self.ring.as_ref().is_some_and(|r| r.task == task) {
            if let Some(ring) = self.ring.take() {
                self.shared.connector.cancel(&ring.call);
            }
        }
    }

    fn in_call(&self) -> bool {
        matches!(self.core.state().base(), Base::Fetching | Base::Talking)
            || self.core.conversations().next().is_some()
    }
}

impl Actor for AgentActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.router.do_send(router::Join {
            name: self.core.name().clone(),
            addr: ctx.address(),
            skills: self.core.skills().clone(),
            idle: self.is_idle(),
        });
        self.arm_keepalive(ctx);
        self.shared.writer.save(self.record());
    }
}

/// `GET …/keepalive`.
#[derive(Debug, Message)]
#[rtype(result = "Result<AgentView, AcdError>")]
pub(crate) struct Keepalive;

impl Handler<Keepalive> for AgentActor {
    type Result = Result<AgentView, AcdError>;

    fn handle(&mut self, _: Keepalive, ctx: &mut Context<Self>) -> Self::Result {
        self.core.keepalive(self.shared.clock.now())?;
        self.arm_keepalive(ctx);
        Ok(self.view())
    }
}

/// The agent's current view.
#[derive(Debug, Message)]
#[rtype(result = "AgentView")]
pub(crate) struct Look;

impl Handler<Look> for AgentActor {
    type Result = MessageResult<Look>;

    fn handle(&mut self, _: Look, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.view())
    }
}

/// `POST …/state`.
#[derive(Debug, Message)]
#[rtype(result = "Result<AgentView, AcdError>")]
pub(crate) struct SetState(pub(crate) AgentState);

impl Handler<SetState> for AgentActor {
    type Result = AtomicResponse<Self, Result<AgentView, AcdError>>;

    fn handle(&mut self, SetState(to): SetState, _: &mut Context<Self>) -> Self::Result {
        // Checked on a copy first, so a refused request never reaches the router.
        let mut probe = self.core.clone();
        if let Err(e) = probe.set_state(to.clone()) {
            return AtomicResponse::new(Box::pin(fut::ready(Err(e.into()))));
        }
        if !self.is_idle() || to.base() == Base::Idle {
            let was_idle = self.is_idle();
            let applied = self.core.set_state(to).map_err(AcdError::from);
            self.after_change();
            if !was_idle {
                self.report_idle();
            }
            let view = self.view();
            return AtomicResponse::new(Box::pin(fut::ready(applied.map(|()| view))));
        }
        let claim = self.router.send(router::Claim(self.core.name().clone()));
        AtomicResponse::new(Box::pin(claim.into_actor(self).map(
            move |answer, act, _| {
                match answer? {
                    Ok(()) => {
                        act.core.set_state(to)?;
                        act.after_change();
                        Ok(act.view())
                    }
                    // The router offered a task a moment ago; the offer is on its way here.
                    Err(task) => Err(AcdError::Agent(AgentError::EngineOwned {
                        state: AgentState::with_extension(Base::Fetching, &task.to_string())
                            .unwrap_or(AgentState::plain(Base::Fetching)),
                    })),
                }
            },
        )))
    }
}

/// `POST …/extension`.
#[derive(Debug, Message)]
#[rtype(result = "Result<AgentView, AcdError>")]
pub(crate) struct SetExtension(pub(crate) ExtensionId);

impl Handler<SetExtension> for AgentActor {
    type Result = Result<AgentView, AcdError>;

    fn handle(&mut self, SetExtension(id): SetExtension, _: &mut Context<Self>) -> Self::Result {
        self.extension = id;
        self.after_change();
        Ok(self.view())
    }
}

/// `POST …/skills`.
#[derive(Debug, Message)]
#[rtype(result = "Result<AgentView, AcdError>")]
pub(crate) struct SetSkills(pub(crate) Vec<SkillOpt>);

impl Handler<SetSkills> for AgentActor {
    type Result = Result<AgentView, AcdError>;

    fn handle(&mut self, SetSkills(opts): SetSkills, _: &mut Context<Self>) -> Self::Result {
        if self.core.is_logged_out() {
            return Err(AgentError::LoggedOut.into());
        }
        self.core.skills_mut().apply_all(&opts);
        self.router.do_send(router::SetSkills {
            name: self.core.name().clone(),
            skills: self.core.skills().clone(),
        });
        self.after_change();
        Ok(self.view())
    }
}

/// `DELETE …/agent/{name}`.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Logout {
    pub(crate) force: bool,
}

impl Handler<Logout> for AgentActor {
    type Result = Result<(), AcdError>;

    fn handle(&mut self, Logout { force }: Logout, ctx: &mut Context<Self>) -> Self::Result {
        if self.in_call() && !force {
            return Err(AcdError::InCall {
                name: self.core.name().clone(),
                state: self.core.state().clone(),
            });
        }
        let hang_up = self.in_call();
        self.leave(ctx, hang_up);
        Ok(())
    }
}

/// The router offers `task`: ring the agent.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Offer(pub(crate) TaskId);

impl Handler<Offer> for AgentActor {
    type Result = ();

    fn handle(&mut self, Offer(task): Offer, ctx: &mut Context<Self>) {
        let name = self.core.name().clone();
        if let Err(error) = self.core.offer(task) {
            tracing::debug!(callcenter = %self.cc, agent = %name, %task, %error, "offer refused");
            self.router
                .do_send(router::OfferRefused { task, agent: name });
            return;
        }
        self.after_change();
        let req = RingRequest {
            callcenter: self.cc.clone(),
            agent: name.clone(),
            extension: self.extension.clone(),
            task,
        };
        let reply = RingReply::new(task, ctx.address().recipient());
        let call = self.shared.connector.ring(req, reply);
        self.ring = Some(Ring {
            task,
            call: call.clone(),
            answered: false,
        });
        self.router.do_send(router::RingStarted {
            task,
            agent: name,
            extension: self.extension.clone(),
            call,
        });
    }
}

/// Why the router ended an offer on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// `fetch_timeout` passed: a failed fetch.
    TimedOut,
    /// The task went away (caller hung up, cancelled): not the agent's failure.
    Withdrawn,
}

/// The router ended the offer of `task`.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct OfferEnded {
    pub(crate) task: TaskId,
    pub(crate) why: Ended,
}

impl Handler<OfferEnded> for AgentActor {
    type Result = ();

    fn handle(&mut self, OfferEnded { task, why }: OfferEnded, _: &mut Context<Self>) {
        self.stop_ring(task);
        let done = match why {
            Ended::TimedOut => self.core.fetch_failed(task),
            Ended::Withdrawn => self.core.offer_withdrawn(task),
        };
        if done.is_ok() {
            self.after_change();
            self.report_idle();
        }
    }
}

fn cause_of(f: RingFailure) -> FailCause {
    match f {
        RingFailure::NoAnswer => FailCause::Timeout,
        _ => FailCause::CallFail,
    }
}

impl Handler<RingFinished> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: RingFinished, _: &mut Context<Self>) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        if ring.task != msg.task || ring.call != msg.call || ring.answered {
            return;
        }
        let name = self.core.name().clone();
        match msg.outcome {
            RingOutcome::Answered => {
                ring.answered = true;
                self.core.fetch_answered();
                self.router.do_send(router::OfferResult {
                    task: msg.task,
                    agent: name,
                    failed: None,
                });
            }
            RingOutcome::Failed(f) => {
                self.ring = None;
                if self.core.fetch_failed(msg.task).is_err() {
                    return;
                }
                self.after_change();
                self.router.do_send(router::OfferResult {
                    task: msg.task,
                    agent: name,
                    failed: Some((cause_of(f), None)),
                });
                self.report_idle();
            }
        }
    }
}

/// The agent operation `reject` (SPEC §6): refuse the task being offered, with `data` for the
/// IVR.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Reject {
    pub(crate) task: TaskId,
    pub(crate) data: Option<String>,
}

impl AgentActor {
    /// The ring of `task` if it is offered and not yet answered, else `NotOffered`.
    fn offered(&self, task: TaskId) -> Result<(), AcdError> {
        match &self.ring {
            Some(r) if r.task == task && !r.answered => Ok(()),
            _ => Err(AcdError::NotOffered {
                name: self.core.name().clone(),
                task,
            }),
        }
    }
}

impl Handler<Reject> for AgentActor {
    type Result = Result<(), AcdError>;

    fn handle(&mut self, Reject { task, data }: Reject, _: &mut Context<Self>) -> Self::Result {
        self.offered(task)?;
        self.stop_ring(task);
        self.core.fetch_failed(task)?;
        self.after_change();
        self.router.do_send(router::OfferResult {
            task,
            agent: self.core.name().clone(),
            failed: Some((FailCause::Reject, data)),
        });
        self.report_idle();
        Ok(())
    }
}

/// `forwardAgent` (SPEC §6): hand the offered task to the router with a new selection.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Forward {
    pub(crate) task: TaskId,
    pub(crate) xml: String,
    pub(crate) conditions: Vec<sb_store::ConditionRecord>,
}

impl Handler<Forward> for AgentActor {
    type Result = AtomicResponse<Self, Result<(), AcdError>>;

    fn handle(&mut self, msg: Forward, _: &mut Context<Self>) -> Self::Result {
        if let Err(e) = self.offered(msg.task) {
            return AtomicResponse::new(Box::pin(fut::ready(Err(e))));
        }
        let task = msg.task;
        let ask = self.router.send(router::Forward {
            task,
            agent: self.core.name().clone(),
            xml: msg.xml,
            conditions: msg.conditions,
        });
        AtomicResponse::new(Box::pin(ask.into_actor(self).map(move |answer, act, _| {
            answer??;
            // Forwarding is the agent's choice, not a failed fetch.
            act.stop_ring(task);
            act.core.offer_withdrawn(task)?;
            act.after_change();
            act.report_idle();
            Ok(())
        })))
    }
}

/// The calls layer: the agent's connection joined a conversation.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Enter {
    pub(crate) conversation: ConversationId,
    pub(crate) then: ReturnTo,
}

impl Handler<Enter> for AgentActor {
    type Result = Result<(), AcdError>;

    fn handle(&mut self, msg: Enter, _: &mut Context<Self>) -> Self::Result {
        let was_idle = self.is_idle();
        self.core.enter_conversation(msg.conversation, msg.then)?;
        // The agent connection now carries a conversation; it is no longer this offer's ring.
        if self.ring.as_ref().is_some_and(|r| r.answered) {
            self.ring = None;
        }
        if was_idle {
            self.router
                .do_send(router::Unavailable(self.core.name().clone()));
        }
        self.after_change();
        Ok(())
    }
}

/// The calls layer: the agent left a conversation.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Exit(pub(crate) ConversationId);

impl Handler<Exit> for AgentActor {
    type Result = Result<(), AcdError>;

    fn handle(&mut self, Exit(conversation): Exit, _: &mut Context<Self>) -> Self::Result {
        self.core.leave_conversation(&conversation)?;
        self.after_change();
        self.report_idle();
        Ok(())
    }
}
