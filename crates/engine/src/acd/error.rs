//! Why a call-center operation was refused.

use sb_acd::agent::{AgentError, AgentName, AgentState};
use sb_acd::enqueue::Diagnostic;
use sb_acd::routing::TaskId;
use sb_store::StoreError;

/// Why a [`super::CallCenterHub`] operation failed. Each variant says which HTTP answer it
/// deserves: unknown things are 404, wrong states 409, bad input 400.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcdError {
    /// The call center does not exist (404).
    #[error("callcenter {id} not found")]
    UnknownCallCenter {
        /// The id asked for.
        id: String,
    },
    /// No agent of that name is logged in (404).
    #[error("agent {name} not found (it is not logged in)")]
    UnknownAgent {
        /// The name asked for.
        name: String,
    },
    /// The extension does not exist in this call center (404).
    #[error("extension {id} not found")]
    UnknownExtension {
        /// The id asked for.
        id: String,
    },
    /// No such queue task is waiting or ringing (404).
    #[error("queue {id} not found (it is not waiting or ringing)")]
    UnknownTask {
        /// The id asked for.
        id: String,
    },
    /// A second login of the same name (409).
    #[error("agent {name} is already logged in; log it out first")]
    AlreadyLoggedIn {
        /// The name.
        name: AgentName,
    },
    /// Logout refused while the agent is in a call (409).
    #[error("agent {name} is {state}; hang up first or log out with force=true")]
    InCall {
        /// The agent.
        name: AgentName,
        /// Its state.
        state: AgentState,
    },
    /// The agent is not being offered that task (409).
    #[error("agent {name} is not being offered task {task}")]
    NotOffered {
        /// The agent.
        name: AgentName,
        /// The task.
        task: TaskId,
    },
    /// The agent's state machine refused (409 for state conflicts, 400 for a state the API
    /// may not set).
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// The `<enqueue>` document is not valid (400); every problem, with line and column.
    #[error("{}", diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    BadEnqueue {
        /// The problems.
        diagnostics: Vec<Diagnostic>,
    },
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The actor that owns the thing stopped (the server is shutting down) (503).
    #[error("the call-center engine is not running")]
    Stopped,
}

impl From<actix::MailboxError> for AcdError {
    fn from(_: actix::MailboxError) -> Self {
        AcdError::Stopped
    }
}
