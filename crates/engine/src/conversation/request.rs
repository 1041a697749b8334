//! What the API asks of conversations: the agent operations of SPEC §6 and the conversation
//! endpoints of SPEC §7, already validated, and what they answer.

use sb_acd::agent::AgentName;
use sb_acd::conversation::{ConversationError as BoardError, ConversationId, Mode};
use sb_store::StoreError;

use crate::acd::AcdError;

/// A number to dial through the call center's trunk (`callout`, `xferOut`, `inviteOut`,
/// `invite_out`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// `to`: the number called.
    pub to: String,
    /// `from`: the caller id shown; one of the trunk's `from_numbers` when absent.
    pub from: Option<String>,
    /// `max_dial_seconds`: how long it may ring (the engine's default when absent).
    pub max_dial_seconds: Option<u32>,
    /// `max_answer_seconds`: how long the answered call may last.
    pub max_answer_seconds: u32,
}

/// One operation, named as in the seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `callout`: a new `call_out` conversation with the agent and a number.
    Callout {
        /// The agent.
        agent: AgentName,
        /// The number.
        dial: Dial,
        /// `backgound`: keep the agent in its current conversation, join the new one held.
        background: bool,
    },
    /// `callagent`: a new `call_agent` conversation with an agent found by `enqueue`.
    CallAgent {
        /// The calling agent.
        agent: AgentName,
        /// The `<enqueue>` selecting the other agent.
        enqueue: String,
        /// `backgound`.
        background: bool,
    },
    /// `xferAgent`: the other party of a one-to-one conversation goes to an agent found by
    /// `queue`.
    XferAgent {
        /// The transferring agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
        /// `queue`: the `<enqueue>` selecting the target.
        queue: String,
        /// `release`: the agent leaves at once (default true).
        release: bool,
    },
    /// `xferOut`: as `XferAgent`, to a number.
    XferOut {
        /// The transferring agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
        /// The number.
        dial: Dial,
        /// `release` (default true).
        release: bool,
    },
    /// `pause`: the agent's mode becomes 4.
    Pause {
        /// The agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
    },
    /// `resume`: 1–3; the agent's other conversations go to 4.
    Resume {
        /// The agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
        /// `voiceIoMode` (already checked to be 1–3).
        mode: Mode,
    },
    /// `setVoiceIoMode`: 1–4.
    SetVoiceIoMode {
        /// The agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
        /// `voiceIoMode`.
        mode: Mode,
    },
    /// `join`: the agent enters an existing conversation.
    Join {
        /// The agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
        /// `voiceIoMode` (0 or absent already turned into 1).
        mode: Mode,
    },
    /// `depart`: the agent leaves.
    Depart {
        /// The agent.
        agent: AgentName,
        /// `conversationId`.
        conversation: ConversationId,
        /// `data`: handed to an IVR caller's `<enqueue>` `<next>` request.
        data: Option<String>,
    },
    /// `inviteAgent` (with an inviting agent) or conversation `invite_agent` (without).
    InviteAgent {
        /// The inviting agent, if any.
        agent: Option<AgentName>,
        /// The conversation.
        conversation: ConversationId,
        /// The `<enqueue>` selecting the invited agent.
        enqueue: String,
        /// `backgroud`: the inviter is not held while the task runs.
        background: bool,
        /// The invited agent's mode once it joins.
        mode: Mode,
    },
    /// `inviteOut` (with an inviting agent) or conversation `invite_out` (without).
    InviteOut {
        /// The inviting agent, if any.
        agent: Option<AgentName>,
        /// The conversation.
        conversation: ConversationId,
        /// The number.
        dial: Dial,
        /// `backgroud`.
        background: bool,
        /// The new member's mode once it answers.
        mode: Mode,
    },
    /// `DELETE /conversation/{id}`: every member leaves.
    Dissolve {
        /// The conversation.
        conversation: ConversationId,
    },
    /// `lsm`: set a member's mode; the member is an agent's name or an outside `call_id`.
    Lsm {
        /// The conversation.
        conversation: ConversationId,
        /// Agent name or call id.
        member: String,
        /// `mode`.
        mode: Mode,
    },
}

/// What an operation created, answered at once; outcomes follow as events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    /// A conversation it created (or the one it works on).
    pub conversation_id: Option<String>,
    /// A call it placed.
    pub call_id: Option<String>,
    /// A queue task it created.
    pub task_id: Option<String>,
}

/// Why an operation was refused. Unknown things are 404, wrong states 409, bad input 400.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConversationError {
    /// No such conversation in this call center (404).
    #[error("conversation {id} not found")]
    UnknownConversation {
        /// The id asked for.
        id: String,
    },
    /// The conversation has ended (409).
    #[error("conversation {id} has ended")]
    Ended {
        /// The conversation.
        id: String,
    },
    /// The member is not in the conversation (409).
    #[error("{member} is not in conversation {conversation}")]
    NotMember {
        /// Agent name or call id.
        member: String,
        /// The conversation.
        conversation: String,
    },
    /// The agent is already in the conversation (409).
    #[error("agent {member} is already in conversation {conversation}")]
    AlreadyMember {
        /// The agent.
        member: String,
        /// The conversation.
        conversation: String,
    },
    /// A transfer runs: nobody else may join (409).
    #[error("conversation {id} is being transferred; nobody else may join it")]
    Locked {
        /// The conversation.
        id: String,
    },
    /// A transfer needs exactly the agent and one other party (409).
    #[error("conversation {id} has {members} members; only a one-to-one conversation can be transferred")]
    NotOneToOne {
        /// The conversation.
        id: String,
        /// Members in it now.
        members: usize,
    },
    /// The other party is an agent: only an outside party can be transferred (409).
    #[error("the other party of conversation {id} is an agent; only an outside party can be transferred")]
    PartyIsAgent {
        /// The conversation.
        id: String,
    },
    /// The call center cannot call numbers out (409): no usable trunk, or the number is
    /// not allowed by `outbound_patterns`.
    #[error("callcenter cannot dial {to}: {why}")]
    CannotDial {
        /// The number.
        to: String,
        /// What is missing.
        why: &'static str,
    },
    /// Another membership rule (a mode out of range is 400, the rest 409).
    #[error(transparent)]
    Rules(BoardError),
    /// An agent or task problem from the call-center engine (its own status).
    #[error(transparent)]
    Acd(#[from] AcdError),
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The SIP endpoint is not running (503).
    #[error("the call engine is not running")]
    Stopped,
}

impl From<BoardError> for ConversationError {
    fn from(e: BoardError) -> Self {
        match e {
            BoardError::Unknown(id) => ConversationError::UnknownConversation { id: id.0 },
            BoardError::Ended(id) => ConversationError::Ended { id: id.0 },
            BoardError::Locked(id) => ConversationError::Locked { id: id.0 },
            BoardError::NotMember {
                conversation,
                member,
            } => ConversationError::NotMember {
                member: super::member_name(&member),
                conversation: conversation.0,
            },
            BoardError::AlreadyMember {
                conversation,
                member,
            } => ConversationError::AlreadyMember {
                member: super::member_name(&member),
                conversation: conversation.0,
            },
            other => ConversationError::Rules(other),
        }
    }
}
