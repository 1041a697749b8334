//! What a running conversation is made of beyond its membership: calls, the media
//! conversation, prompts, pending dials and tasks, transfers.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sb_acd::agent::{AgentName, AgentState};
use sb_acd::conversation::{ConversationId, MemberId, Mode};
use sb_media::mixer::PlayId;
use sb_mediaworker::ConversationId as MediaConversation;
use sb_store::{CallCenterId, ExtensionId};

use crate::acd::{TaskId, TaskUpdate};
use crate::core::call::CallId;

/// `type` (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Queue,
    CallOut,
    CallAgent,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Queue => "queue",
            Kind::CallOut => "call_out",
            Kind::CallAgent => "call_agent",
        }
    }
}

/// A running conversation.
#[derive(Debug)]
pub(crate) struct Live {
    pub cc: CallCenterId,
    pub kind: Kind,
    pub media: Option<MediaConversation>,
    /// The call of every member that ever joined (an agent's connection at the time).
    pub calls: HashMap<MemberId, CallId>,
    /// Agents' extensions, for the record.
    pub extensions: HashMap<AgentName, ExtensionId>,
    pub queue_id: Option<String>,
    pub condition_id: Option<String>,
    pub agent_call_id: Option<String>,
    pub user_data: Option<String>,
    /// The state an agent gets when this is its last conversation (queue conversations).
    pub reserve: Option<AgentState>,
    pub deadline: Option<Instant>,
    /// Dials and queue tasks under way that will bring a member.
    pub pending: usize,
    /// Outside members that came from an IVR `<enqueue>`: they go back to it.
    pub ivr: HashSet<CallId>,
    /// The agent an IVR caller reached (its `<next>` request's `agent_name`).
    pub ivr_agent: Option<AgentName>,
    /// Prompts playing to members while something runs (ringback, the queue prompt).
    pub prompts: HashMap<CallId, PlayId>,
    /// Set by xferAgent/xferOut with `release=false` while the transfer runs.
    pub transfer: Option<TransferOut>,
    /// Queue tasks under way for it, cancelled if it ends first.
    pub tasks: HashSet<TaskId>,
    /// The agent whose operation made it (callout, callagent): it returns to its previous
    /// state afterwards, where agents found by a task take `reserve`.
    pub initiator: Option<AgentName>,
    /// callagent in the foreground: the initiator hears the queue prompt once connected.
    pub prompt_initiator: bool,
    /// `hold_voice` of the `<enqueue>` that made it (else the built-in hold music).
    pub hold: Option<sb_media::player::Prompt>,
    /// Its `<enqueue>` asked for a recording.
    pub record: bool,
    /// Its recording's id, once recording began.
    pub record_file: Option<String>,
    /// callout: the number to dial once the agent's connection is in.
    pub follow: Option<(CallId, crate::conversation::Dial)>,
    /// Agents held by their foreground invitations: the mode each gets back and how many
    /// of its invitations are still under way.
    pub inviting: HashMap<AgentName, (Mode, usize)>,
}

impl Live {
    pub fn new(cc: CallCenterId, kind: Kind) -> Self {
        Live {
            cc,
            kind,
            media: None,
            calls: HashMap::new(),
            extensions: HashMap::new(),
            queue_id: None,
            condition_id: None,
            agent_call_id: None,
            user_data: None,
            reserve: None,
            deadline: None,
            pending: 0,
            ivr: HashSet::new(),
            ivr_agent: None,
            prompts: HashMap::new(),
            transfer: None,
            tasks: HashSet::new(),
            follow: None,
            initiator: None,
            prompt_initiator: false,
            hold: None,
            record: false,
            record_file: None,
            inviting: HashMap::new(),
        }
    }
}

/// A transfer that keeps the old conversation until it succeeds (`release=false`).
#[derive(Debug, Clone)]
pub(crate) struct TransferOut {
    pub agent: AgentName,
    pub party: CallId,
    pub target: Target,
}

/// What a call is to the conversations.
#[derive(Debug, Clone)]
pub(crate) enum Role {
    /// An agent connection (ringing or up).
    Connection { cc: CallCenterId, agent: AgentName },
    /// An outside member.
    Outside { conversation: ConversationId },
    /// A number being rung for a conversation.
    Dialling(Dialling),
    /// A party being transferred: in no conversation until its transfer ends.
    Transferring { target: Target },
}

/// A number on its way into a conversation.
#[derive(Debug, Clone)]
pub(crate) struct Dialling {
    pub target: Target,
    pub max_answer: Duration,
}

/// Where a dialled number or a found agent goes, and what to do around it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The conversation it joins (for a transfer: the new one, created on success).
    pub conversation: ConversationId,
    pub cc: CallCenterId,
    pub mode: Mode,
    pub purpose: Purpose,
}

/// Why a member is being brought in.
#[derive(Debug, Clone)]
pub(crate) enum Purpose {
    /// callout / callagent: the other party of a new conversation.
    Party,
    /// inviteAgent / inviteOut / invite_*: `inviter` was held while it ran (foreground).
    Invite { inviter: Option<AgentName> },
    /// xferAgent / xferOut: `party` moves from `from` into a new conversation.
    Transfer {
        from: ConversationId,
        party: CallId,
        kind: Kind,
        task: Option<TaskId>,
        /// xferAgent: what its `<enqueue>` says about the new conversation.
        terms: Option<Terms>,
    },
}

/// What an `<enqueue>` document says about the conversation its task makes (SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// `reserve_state`: where the agent it found goes when this is its last conversation.
    pub reserve: AgentState,
    /// `conversation_timeout` (`None`: the call center's).
    pub timeout: Option<Duration>,
    /// `user_data`, sent with the conversation's events.
    pub user_data: Option<String>,
    /// `record`: record the conversation.
    pub record: bool,
}

impl Default for Terms {
    /// An `<enqueue>` that says nothing special.
    fn default() -> Self {
        Terms {
            reserve: AgentState::IDLE,
            timeout: None,
            user_data: None,
            record: false,
        }
    }
}

impl Terms {
    /// The terms of a parsed `<enqueue>`.
    pub fn of(enqueue: &sb_acd::enqueue::Enqueue) -> Self {
        Terms {
            reserve: enqueue.reserve_state.clone(),
            timeout: enqueue.conversation_timeout,
            user_data: enqueue.user_data.clone(),
            record: enqueue.record,
        }
    }
}

/// An agent's one call to the engine (SPEC §1 agent connection).
#[derive(Debug)]
pub(crate) struct Connection {
    pub call: CallId,
    pub up: bool,
    /// Conversations to join, in these modes, once the extension answers.
    pub waiting: Vec<(ConversationId, Mode)>,
}

/// News of a queue task an operation created.
#[derive(Debug)]
pub(crate) enum TaskNews {
    /// The hub took the task.
    Created(TaskId),
    /// The hub refused the task.
    Refused,
    /// The task moved on.
    Update(TaskUpdate),
    /// The `<enqueue>`'s `wait_voice`, resolved: the queue prompt of whoever waits.
    WaitVoice(sb_media::player::Prompt),
    /// The `<enqueue>`'s `hold_voice`, resolved: for the conversation the task makes.
    HoldVoice(sb_media::player::Prompt),
    /// `play_num`: the found agent's number between its prompts, for whoever waited.
    Announce(Announced),
}

/// What `play_num` reads out: the prompt before, the digits, the prompt after.
pub type Announced = (
    Option<sb_media::player::Prompt>,
    String,
    Option<sb_media::player::Prompt>,
);
