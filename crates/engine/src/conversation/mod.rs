//! Conversations (SPEC §5–§7): multi-party calls whose members each have a voice mode, and
//! the agent operations of the seeds that create and change them.
//!
//! A conversation's state lives in the SIP endpoint's task beside the call legs it is made
//! of (ADR 0006): every operation touches legs (ring an agent's extension, dial a number,
//! hang up) and the media plane (members and modes in a mixer), and the rule that an agent
//! is active in at most one conversation spans conversations, so one owner applies each
//! operation whole, in order, without locks. The membership rules themselves are the pure
//! [`sb_acd::conversation::Board`]; this module adds what is live: calls, agent
//! connections, pending dials and queue tasks, prompts, timers, events and records.
//!
//! [`Conversations`] is the handle the API holds. It resolves what needs the store or the
//! hub first (the agent and its extension, the `<enqueue>` document), so a bad request is
//! refused before anything changes, then hands the operation to the endpoint task, which
//! answers at once with the ids it created; outcomes follow as events.

mod events;
mod flow;
mod link;
mod live;
mod ops;
mod publish;
mod recording;
mod request;
mod tasks;
mod voices;

use sb_acd::agent::AgentName;
use sb_acd::conversation::MemberId;
use sb_acd::enqueue::Enqueue;
use sb_store::{CallCenterId, Extension, StoreHandle};
use tokio::sync::{mpsc, oneshot};

pub use link::{ConvLink, Ctx, Out};
pub use live::Terms;
pub(crate) use live::{Target, TaskNews};
pub use ops::Members;
pub use publish::{
    AGENT_CONVERSATION_CHANGED, CONVERSATION_BEGIN, CONVERSATION_END, CONVERSATION_PARTS_CHANGED,
};
pub use recording::{Recorded, Recording};
pub use request::{ConversationError, Created, Dial, Operation};
pub use sb_acd::conversation::{ConversationId, Mode};
pub use tasks::{TaskTicket, TicketNews};

use crate::acd::CallCenterHub;
use crate::endpoint::Command;

/// A logged-in agent as an operation needs it.
#[derive(Debug, Clone)]
pub(crate) struct AgentRef {
    pub name: AgentName,
    pub extension: Extension,
}

/// An operation on its way to the endpoint task, with what the handle resolved.
#[derive(Debug)]
pub(crate) struct Request {
    pub cc: CallCenterId,
    pub op: Operation,
    pub agent: Option<AgentRef>,
    pub enqueue: Option<Enqueue>,
    pub reply: oneshot::Sender<Result<Created, ConversationError>>,
}

/// The API's handle on conversations. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Conversations {
    commands: mpsc::Sender<Command>,
    hub: CallCenterHub,
    store: StoreHandle,
}

impl Conversations {
    pub(crate) fn new(
        commands: mpsc::Sender<Command>,
        hub: CallCenterHub,
        store: StoreHandle,
    ) -> Self {
        Conversations {
            commands,
            hub,
            store,
        }
    }

    /// Runs one operation: answers with the ids it created, or why it was refused.
    pub async fn run(
        &self,
        cc: &CallCenterId,
        op: Operation,
    ) -> Result<Created, ConversationError> {
        let agent = match op.agent() {
            Some(name) => Some(self.agent(cc, name).await?),
            None => None,
        };
        let enqueue = match op.enqueue_xml() {
            Some(xml) => Some(self.hub.check_enqueue(cc, xml).await?),
            None => None,
        };
        let (reply, answer) = oneshot::channel();
        let request = Request {
            cc: cc.clone(),
            op,
            agent,
            enqueue,
            reply,
        };
        self.commands
            .send(Command::Conversation(Box::new(request)))
            .await
            .map_err(|_| ConversationError::Stopped)?;
        answer.await.map_err(|_| ConversationError::Stopped)?
    }

    async fn agent(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
    ) -> Result<AgentRef, ConversationError> {
        let view = self.hub.agent(cc, name).await?;
        let (key, id) = (cc.clone(), view.extension.clone());
        let extension = self
            .store
            .run(move |s| s.extension(&key, &id))
            .await?
            .ok_or_else(|| crate::acd::AcdError::UnknownExtension {
                id: view.extension.0.clone(),
            })?;
        Ok(AgentRef {
            name: view.name,
            extension,
        })
    }
}

impl Operation {
    /// The agent the operation is about, if any.
    fn agent(&self) -> Option<&AgentName> {
        match self {
            Operation::Callout { agent, .. }
            | Operation::CallAgent { agent, .. }
            | Operation::XferAgent { agent, .. }
            | Operation::XferOut { agent, .. }
            | Operation::Pause { agent, .. }
            | Operation::Resume { agent, .. }
            | Operation::SetVoiceIoMode { agent, .. }
            | Operation::Join { agent, .. }
            | Operation::Depart { agent, .. } => Some(agent),
            Operation::InviteAgent { agent, .. } | Operation::InviteOut { agent, .. } => {
                agent.as_ref()
            }
            Operation::Dissolve { .. } | Operation::Lsm { .. } => None,
        }
    }

    /// The `<enqueue>` document the operation queues a task with, if any.
    fn enqueue_xml(&self) -> Option<&str> {
        match self {
            Operation::CallAgent { enqueue, .. } | Operation::InviteAgent { enqueue, .. } => {
                Some(enqueue)
            }
            Operation::XferAgent { queue, .. } => Some(queue),
            _ => None,
        }
    }
}

/// How a member is named in messages and `lsm`: the agent's name or the call id.
pub(crate) fn member_name(m: &MemberId) -> String {
    match m {
        MemberId::Agent(a) => a.to_string(),
        MemberId::Call(c) => c.clone(),
    }
}
