//! Routing queue tasks to agents (SPEC §8): the matching core, event-driven and in memory.
//!
//! The incumbents poll (FreeSWITCH every 100 ms over SQL, Asterisk once a second per
//! caller). The [`Router`] instead re-evaluates only when something changed: a task
//! arrived, an agent became idle or changed skills, an agent left, an offer ended, a task
//! was cancelled, or one of its own timers (route `queue_timeout`, `fetch_timeout`) fired.
//! Because every change is evaluated as it happens, no task ever waits while an idle agent
//! it matches exists, and a freed agent can simply take the first waiting task (highest
//! priority, then oldest) that it matches.
//!
//! Both directions are indexed so a decision never walks the whole other side: idle agents
//! per skill (and in a flat array for condition scans), waiting tasks per lane — the agent,
//! skill or distinct condition their current route selects. A freed agent compares a few
//! lane heads instead of testing every waiting task.
//!
//! The router holds routing attributes only; agent states live in
//! [`crate::agent::Agent`]. The engine forwards the agent's moves (`AgentIdle`,
//! `AgentUnavailable`) and performs the router's [`Output`]s (ring the agent, move it to
//! `fetching/<task>`, tell the IVR).

mod router;
mod select;
mod waiting;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use router::{QueueEntry, Router};

use crate::agent::AgentName;
use crate::enqueue::Enqueue;
use crate::skill::SkillSet;

/// A queue task id (`task_id` / `queue_id`); shown as 32 hex digits like the engine's UUIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u128);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// What created a task (`callcenter.queue.*` `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// An IVR `<enqueue>`.
    Ivr,
    /// `callagent`.
    CallAgent,
    /// `forwardAgent`.
    FwdAgent,
    /// `xferAgent`.
    XferAgent,
    /// `inviteAgent` / conversation `invite_agent`.
    InviteAgent,
}

impl TaskKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Ivr => "ivr",
            TaskKind::CallAgent => "call_agent",
            TaskKind::FwdAgent => "fwd_agent",
            TaskKind::XferAgent => "xfer_agent",
            TaskKind::InviteAgent => "invite_agent",
        }
    }
}

/// Why a task failed (`callcenter.queue.fail` `cause`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailCause {
    /// The last route's wait ended, or a ringing agent did not answer in time.
    Timeout,
    /// The caller hung up.
    Hangup,
    /// Cancelled through the API.
    Cancel,
    /// The agent's extension could not be called (busy, unreachable, gone).
    CallFail,
    /// The offered agent forwarded the task.
    Forward,
    /// The offered agent rejected the task.
    Reject,
}

impl FailCause {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailCause::Timeout => "timeout",
            FailCause::Hangup => "hangup",
            FailCause::Cancel => "cancel",
            FailCause::CallFail => "call_fail",
            FailCause::Forward => "forward",
            FailCause::Reject => "reject",
        }
    }
}

/// Something that happened, for [`Router::handle_input`].
#[derive(Debug, Clone)]
pub enum Input {
    /// An agent logged in (or its routing attributes are first known).
    AgentJoined {
        /// Its name.
        name: AgentName,
        /// Its enabled skills.
        skills: SkillSet,
        /// Whether its state is `idle`.
        idle: bool,
    },
    /// The agent's state became `idle`.
    AgentIdle {
        /// Which.
        name: AgentName,
    },
    /// The agent's state is no longer `idle` (busy, away, talking...).
    AgentUnavailable {
        /// Which.
        name: AgentName,
    },
    /// The agent's enabled skills changed.
    AgentSkills {
        /// Which.
        name: AgentName,
        /// The new set.
        skills: SkillSet,
    },
    /// The agent logged out (a ringing offer to it fails with `call_fail`).
    AgentLeft {
        /// Which.
        name: AgentName,
    },
    /// A new task.
    Enqueue {
        /// Its id.
        task: TaskId,
        /// What created it.
        kind: TaskKind,
        /// How to find its agent.
        enqueue: Arc<Enqueue>,
        /// An agent this task must never be offered to: the one that asked for it
        /// (`callagent`, `xferAgent`) or passed it on (`forwardAgent`).
        exclude: Option<AgentName>,
    },
    /// The ringing agent answered.
    OfferAnswered {
        /// Which task.
        task: TaskId,
    },
    /// The ringing agent rejected, forwarded, or could not be called.
    OfferFailed {
        /// Which task.
        task: TaskId,
        /// `reject`, `forward`, `call_fail` or `timeout`.
        cause: FailCause,
    },
    /// The caller hung up (`hangup`) or the API cancelled the task (`cancel`).
    Cancel {
        /// Which task.
        task: TaskId,
        /// `hangup` or `cancel`.
        cause: FailCause,
    },
}

/// Something for the engine to do, from [`Router::poll_output`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Ring `agent` for `task` (the agent moves to `fetching/<task>`; `queue.select`).
    Offer {
        /// The task.
        task: TaskId,
        /// The agent.
        agent: AgentName,
        /// Index of the route that selected it.
        route: usize,
        /// How long it may ring.
        fetch_timeout: Duration,
    },
    /// The agent did not answer within `fetch_timeout`: stop ringing; its fetch failed.
    OfferTimedOut {
        /// The task.
        task: TaskId,
        /// The agent.
        agent: AgentName,
    },
    /// The task moved on to its next route.
    Overflowed {
        /// The task.
        task: TaskId,
        /// Route it left.
        from: usize,
        /// Route it now waits on.
        to: usize,
    },
    /// The agent answered (`queue.success`).
    TaskSucceeded {
        /// The task.
        task: TaskId,
        /// The agent.
        agent: AgentName,
    },
    /// The task failed (`queue.fail`). `withdrawn` names an agent whose ringing must stop.
    TaskFailed {
        /// The task.
        task: TaskId,
        /// Why.
        cause: FailCause,
        /// An agent still being rung for it, if any.
        withdrawn: Option<AgentName>,
    },
}

/// Why an input was refused; the router is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouterError {
    /// No agent of that name is known.
    #[error("agent {0} is not logged in")]
    UnknownAgent(AgentName),
    /// The agent is already known.
    #[error("agent {0} is already logged in")]
    DuplicateAgent(AgentName),
    /// No task with that id.
    #[error("task {0} is not queued")]
    UnknownTask(TaskId),
    /// The task id is in use.
    #[error("task {0} is already queued")]
    DuplicateTask(TaskId),
    /// An `<enqueue>` without routes.
    #[error("task {0} has no routes")]
    NoRoutes(TaskId),
    /// An offer result for a task that is not ringing anyone.
    #[error("task {task} is not ringing an agent")]
    NotOffered {
        /// The task.
        task: TaskId,
    },
}
