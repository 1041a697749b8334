//! The seam between the call center and telephony: ringing an agent's extension.
//!
//! The agent actor decides *that* an agent is rung and for which task; how a phone rings is
//! the calls layer's business. It implements [`AgentConnector`] and reports each ring's
//! outcome through the [`RingReply`] it was given, at any later time and from any thread.

use std::fmt;

use actix::prelude::*;
use sb_acd::agent::AgentName;
use sb_acd::routing::TaskId;
use sb_store::{CallCenterId, ExtensionId};

/// The id of the call the engine places to an agent's extension (`agent_call_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentCallId(pub String);

impl fmt::Display for AgentCallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingRequest {
    /// The agent's call center.
    pub callcenter: CallCenterId,
    /// The agent.
    pub agent: AgentName,
    /// The extension to call.
    pub extension: ExtensionId,
    /// The task the agent is offered.
    pub task: TaskId,
}

/// Why ringing an agent did not connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RingFailure {
    /// The extension rang out without an answer (its own timer, before the task's).
    NoAnswer,
    /// The extension is busy.
    Busy,
    /// The phone declined the call.
    Rejected,
    /// The extension is unreachable (not registered, no route, an error answer).
    Unreachable,
    /// The agent's side hung up while it rang.
    HangUp,
}

/// How a ring ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingOutcome {
    /// The agent answered: the call is its agent connection now.
    Answered,
    /// The agent was not reached.
    Failed(RingFailure),
}

/// A ring's outcome, delivered to the agent actor that asked for the ring.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct RingFinished {
    /// The task the ring was for.
    pub task: TaskId,
    /// The call that rang.
    pub call: AgentCallId,
    /// How it ended.
    pub outcome: RingOutcome,
}

/// Where a ring's outcome goes: hand it the outcome once, when the ring ends.
#[derive(Debug, Clone)]
pub struct RingReply {
    task: TaskId,
    to: Recipient<RingFinished>,
}

impl RingReply {
    pub(crate) fn new(task: TaskId, to: Recipient<RingFinished>) -> Self {
        Self { task, to }
    }

    /// Reports the outcome of the call `call`. A report about a ring the agent no longer
    /// waits for (it was cancelled, the agent logged out) is dropped.
    pub fn report(&self, call: AgentCallId, outcome: RingOutcome) {
        self.to.do_send(RingFinished {
            task: self.task,
            call,
            outcome,
        });
    }
}

/// Rings agents' extensions; implemented by the calls layer.
///
/// Methods are called from actor handlers and must return at once: start the work and report
/// through the [`RingReply`] later.
pub trait AgentConnector: Send + Sync + fmt::Debug + 'static {
    /// Starts ringing `req.extension` and returns the new call's id. The outcome goes to
    /// `reply` (a failure may be reported immediately, e.g. for an unregistered phone).
    fn ring(&self, req: RingRequest, reply: RingReply) -> AgentCallId;

    /// Stops ringing `call`, or hangs it up if it was answered (the offer ended first).
    fn cancel(&self, call: &AgentCallId);

    /// Hangs up every call of the agent (a forced logout).
    fn hang_up_agent(&self, callcenter: &CallCenterId, agent: &AgentName);
}

/// The connector of a server whose calls layer does not place agent calls: every ring fails
/// at once as [`RingFailure::Unreachable`], so offers end with `call_fail` (and the agent goes
/// back to `idle`) instead of ringing until `fetch_timeout`. The calls layer's connector
/// replaces it.
#[derive(Debug, Default)]
pub struct NoTelephony {
    calls: std::sync::atomic::AtomicU64,
}

impl AgentConnector for NoTelephony {
    fn ring(&self, req: RingRequest, reply: RingReply) -> AgentCallId {
        let n = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let call = AgentCallId(format!("unplaced-{n}"));
        tracing::warn!(agent = %req.agent, extension = %req.extension, "no telephony to ring the agent; the offer fails");
        reply.report(call.clone(), RingOutcome::Failed(RingFailure::Unreachable));
        call
    }

    fn cancel(&self, _: &AgentCallId) {}

    fn hang_up_agent(&self, _: &CallCenterId, _: &AgentName) {}
}
