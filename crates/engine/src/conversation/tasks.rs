//! The task operations (callagent, inviteAgent, invite_agent, xferAgent) for a shell that
//! queues the task itself. The endpoint task goes through [`ConvLink::request`], which
//! spawns the task on the hub and feeds its progress back; the deterministic scenarios play
//! the hub's part by hand through this entry, so that every branch (an agent found, the
//! task failed or refused) can be driven step by step.

use sb_acd::agent::AgentName;
use sb_acd::enqueue::Enqueue;
use sb_store::{CallCenterId, Extension};

use super::link::{ConvLink, Ctx};
use super::live::{Target, TaskNews};
use super::{AgentRef, ConversationError, Created, Operation};
use crate::acd::{TaskId, TaskRequest, TaskUpdate};
use crate::core::call::CallId;

/// A queue task an operation asked for, ready to queue.
#[derive(Debug)]
pub struct TaskTicket {
    /// What to queue; `reports` is left for whoever queues it.
    pub request: TaskRequest,
    /// What the operation answers (its `task_id` once the hub took the task).
    pub created: Created,
    target: Target,
}

/// What became of a ticket's task.
#[derive(Debug)]
#[non_exhaustive]
pub enum TicketNews {
    /// The hub took the task under this id.
    Created(TaskId),
    /// The hub refused the task.
    Refused,
    /// The task moved on (an agent rings, answered, or none was found).
    Update(TaskUpdate),
    /// The `<enqueue>`'s `wait_voice` was resolved to this prompt.
    WaitVoice(sb_media::player::Prompt),
    /// The `<enqueue>`'s `hold_voice` was resolved to this prompt.
    HoldVoice(sb_media::player::Prompt),
    /// `play_num`: the found agent's number was looked up (prompt before, digits,
    /// prompt after).
    Announce(super::live::Announced),
}

impl ConvLink {
    /// Runs a task operation (callagent, inviteAgent, invite_agent, xferAgent) up to the
    /// point where its task must be queued, for `agent` reached at `extension`.
    pub fn run_task(
        &mut self,
        ctx: &mut Ctx<'_>,
        cc: &CallCenterId,
        op: Operation,
        agent: Option<(AgentName, Extension)>,
        enqueue: &Enqueue,
    ) -> Result<TaskTicket, ConversationError> {
        let agent = agent.map(|(name, extension)| AgentRef { name, extension });
        let (target, request, created) = self.task_op(ctx, cc, op, agent.as_ref(), enqueue)?;
        Ok(TaskTicket {
            request,
            created,
            target,
        })
    }

    /// Feeds what became of a ticket's task, as the hub reported it.
    pub fn on_ticket(&mut self, ctx: &mut Ctx<'_>, ticket: &TaskTicket, news: TicketNews) {
        let news = match news {
            TicketNews::Created(task) => TaskNews::Created(task),
            TicketNews::Refused => TaskNews::Refused,
            TicketNews::Update(update) => TaskNews::Update(update),
            TicketNews::WaitVoice(prompt) => TaskNews::WaitVoice(prompt),
            TicketNews::HoldVoice(prompt) => TaskNews::HoldVoice(prompt),
            TicketNews::Announce(what) => TaskNews::Announce(what),
        };
        self.on_task(ctx, ticket.target.clone(), news);
    }

    /// Every call the conversations hold (agent connections, members, dials, parties being
    /// transferred), for tests and the census.
    pub fn owned_calls(&self) -> Vec<CallId> {
        let mut calls: Vec<CallId> = self.roles.keys().cloned().collect();
        calls.sort_by(|a, b| a.0.cmp(&b.0));
        calls
    }
}
