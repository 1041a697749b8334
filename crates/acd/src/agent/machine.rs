//! The agent state machine: every rule of SPEC §4.
//!
//! Two kinds of callers move an agent. The agent's own API calls (`set_state`, `logout`) are
//! checked and applied silently. The engine's moves (offer, fetch result, conversations,
//! keepalive expiry) each queue a [`StateChanged`] for `callcenter.agent.state_changed`.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use super::name::AgentName;
use super::skills::Skills;
use super::state::{AgentState, Base};
use crate::conversation::ConversationId;
use crate::routing::TaskId;

/// Per-call-center settings of the agent rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentPolicy {
    /// Consecutive failed fetches that send the agent `away/no_answer` (default 3).
    pub max_no_answer: u32,
    /// Silence after which the agent is logged out (default 120 s).
    pub keepalive_timeout: Duration,
}

impl Default for AgentPolicy {
    fn default() -> Self {
        Self {
            max_no_answer: 3,
            keepalive_timeout: Duration::from_secs(120),
        }
    }
}

/// Where an agent goes when a conversation that was its last ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnTo {
    /// Queue conversations: the task's `reserve_state` (default `idle`).
    Reserve(AgentState),
    /// Agent-initiated calls: the state the agent had before it started talking.
    Previous,
}

/// A state as reported in events: a state, or `offline` after a keepalive expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// A regular state.
    State(AgentState),
    /// Logged out by the engine.
    Offline,
}

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reported::State(s) => s.fmt(f),
            Reported::Offline => f.write_str("offline"),
        }
    }
}

/// One `callcenter.agent.state_changed` event to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChanged {
    /// The agent.
    pub name: AgentName,
    /// State before.
    pub previous: AgentState,
    /// State after.
    pub latest: Reported,
}

/// Why an agent operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The API may not change the state while the engine owns it (HTTP 409).
    #[error(
        "agent is {state}; its state can be set again once it is no longer fetching or talking"
    )]
    EngineOwned {
        /// The current state.
        state: AgentState,
    },
    /// The API asked for a state it may not set (HTTP 400).
    #[error("state `{requested}` cannot be set; use idle, busy[/x] or away[/x]")]
    NotSettable {
        /// What was asked.
        requested: AgentState,
    },
    /// The engine offered a task to an agent that is not idle.
    #[error("agent is {state}, only idle agents are offered tasks")]
    NotIdle {
        /// The current state.
        state: AgentState,
    },
    /// The agent is not in that conversation.
    #[error("agent is not in conversation {conversation}")]
    NotInConversation {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The agent was logged out.
    #[error("agent is logged out")]
    LoggedOut,
}

/// A logged-in agent.
#[derive(Debug, Clone)]
pub struct Agent {
    name: AgentName,
    num: Option<String>,
    state: AgentState,
    skills: Skills,
    policy: AgentPolicy,
    failed_fetches: u32,
    /// The state before the first conversation, for [`ReturnTo::Previous`].
    before_talking: Option<AgentState>,
    conversations: Vec<(ConversationId, ReturnTo)>,
    last_keepalive: Instant,
    logged_out: bool,
    events: VecDeque<StateChanged>,
}

impl Agent {
    /// Logs an agent in, `online` unless the login asks for a settable state.
    pub fn login(
        now: Instant,
        name: AgentName,
        num: Option<String>,
        state: Option<AgentState>,
        skills: Skills,
        policy: AgentPolicy,
    ) -> Result<Self, AgentError> {
        let state = match state {
            Some(s) if !s.is_settable() => return Err(AgentError::NotSettable { requested: s }),
            Some(s) => s,
            None => AgentState::ONLINE,
        };
        Ok(Self {
            name,
            num,
            state,
            skills,
            policy,
            failed_fetches: 0,
            before_talking: None,
            conversations: Vec::new(),
            last_keepalive: now,
            logged_out: false,
            events: VecDeque::new(),
        })
    }

    /// The agent's name.
    pub fn name(&self) -> &AgentName {
        &self.name
    }
    /// The job number.
    pub fn num(&self) -> Option<&str> {
        self.num.as_deref()
    }
    /// The current state.
    pub fn state(&self) -> &AgentState {
        &self.state
    }
    /// The skills.
    pub fn skills(&self) -> &Skills {
        &self.skills
    }
    /// Mutable skills (apply `opts` through [`Skills::apply_all`]).
    pub fn skills_mut(&mut self) -> &mut Skills {
        &mut self.skills
    }
    /// Consecutive failed fetches so far.
    pub fn failed_fetches(&self) -> u32 {
        self.failed_fetches
    }
    /// Conversations the agent is in.
    pub fn conversations(&self) -> impl Iterator<Item = &ConversationId> {
        self.conversations.iter().map(|c| &c.0)
    }
    /// Whether the agent was logged out.
    pub fn is_logged_out(&self) -> bool {
        self.logged_out
    }

    fn live(&self) -> Result<(), AgentError> {
        if self.logged_out {
            Err(AgentError::LoggedOut)
        } else {
            Ok(())
        }
    }

    /// An engine move: changes the state and queues the event (if it changed).
    fn engine_move(&mut self, to: AgentState) {
        if to == self.state {
            return;
        }
        let previous = std::mem::replace(&mut self.state, to.clone());
        self.events.push_back(StateChanged {
            name: self.name.clone(),
            previous,
            latest: Reported::State(to),
        });
    }

    /// The state API (`POST .../state`): only `idle`, `busy[/x]`, `away[/x]`, never while the
    /// engine owns the agent. No event: the agent asked for it.
    pub fn set_state(&mut self, requested: AgentState) -> Result<(), AgentError> {
        self.live()?;
        if matches!(self.state.base(), Base::Fetching | Base::Talking) {
            return Err(AgentError::EngineOwned {
                state: self.state.clone(),
            });
        }
        if !requested.is_settable() {
            return Err(AgentError::NotSettable { requested });
        }
        self.state = requested;
        Ok(())
    }

    /// A keepalive from the agent pushes the logout deadline out.
    pub fn keepalive(&mut self, now: Instant) -> Result<(), AgentError> {
        self.live()?;
        self.last_keepalive = self.last_keepalive.max(now);
        Ok(())
    }

    /// The agent's own logout: no event.
    pub fn logout(&mut self) {
        self.logged_out = true;
    }

    /// Engine: a task selected this agent (`idle` → `fetching/<task>`).
    pub fn offer(&mut self, task: TaskId) -> Result<(), AgentError> {
        self.live()?;
        if self.state.base() != Base::Idle {
            return Err(AgentError::NotIdle {
                state: self.state.clone(),
            });
        }
        let to = AgentState::with_extension(Base::Fetching, &task.to_string())
            .unwrap_or(AgentState::plain(Base::Fetching));
        self.engine_move(to);
        Ok(())
    }

    fn fetching(&self, task: TaskId) -> bool {
        self.state.base() == Base::Fetching && self.state.extension() == Some(&task.to_string())
    }

    /// Engine: the offer of `task` failed (no answer, busy, reject). The agent returns to
    /// `idle`, or `away/no_answer` after `max_no_answer` failures in a row.
    pub fn fetch_failed(&mut self, task: TaskId) -> Result<(), AgentError> {
        self.live()?;
        self.failed_fetches = self.failed_fetches.saturating_add(1);
        if !self.fetching(task) {
            return Ok(());
        }
        let to = if self.failed_fetches >= self.policy.max_no_answer.max(1) {
            AgentState::with_extension(Base::Away, "no_answer").unwrap_or(AgentState::IDLE)
        } else {
            AgentState::IDLE
        };
        self.engine_move(to);
        Ok(())
    }

    /// Engine: the offer of `task` ended for reasons that are not the agent's (the caller hung
    /// up, the task was cancelled): back to `idle`, and the failure count is left alone.
    pub fn offer_withdrawn(&mut self, task: TaskId) -> Result<(), AgentError> {
        self.live()?;
        if self.fetching(task) {
            self.engine_move(AgentState::IDLE);
        }
        Ok(())
    }

    /// Engine: the agent answered; the failure count starts again.
    pub fn fetch_answered(&mut self) {
        self.failed_fetches = 0;
    }

    /// Engine: the agent's connection joined `conversation` (→ `talking`).
    pub fn enter_conversation(
        &mut self,
        conversation: ConversationId,
        then: ReturnTo,
    ) -> Result<(), AgentError> {
        self.live()?;
        if self.conversations.iter().any(|c| c.0 == conversation) {
            return Ok(());
        }
        if self.conversations.is_empty() {
            self.before_talking = Some(self.state.clone());
        }
        self.conversations.push((conversation, then));
        self.engine_move(AgentState::TALKING);
        Ok(())
    }

    /// Engine: the agent left `conversation`. When it was the last one, the agent moves to the
    /// conversation's [`ReturnTo`].
    pub fn leave_conversation(&mut self, conversation: &ConversationId) -> Result<(), AgentError> {
        self.live()?;
        let i = self
            .conversations
            .iter()
            .position(|c| &c.0 == conversation)
            .ok_or_else(|| AgentError::NotInConversation {
                conversation: conversation.clone(),
            })?;
        let (_, then) = self.conversations.remove(i);
        if !self.conversations.is_empty() {
            return Ok(());
        }
        let before = self.before_talking.take();
        let to = match then {
            ReturnTo::Reserve(s) => s,
            // `online` never comes back and a fetch that was running is over: both land idle.
            ReturnTo::Previous => before
                .filter(AgentState::is_settable)
                .unwrap_or(AgentState::IDLE),
        };
        self.engine_move(to);
        Ok(())
    }

    /// When the keepalive deadline passes, `None` once logged out.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.logged_out).then(|| self.last_keepalive + self.policy.keepalive_timeout)
    }

    /// Logs the agent out (with an `offline` event) if its keepalive deadline has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.poll_timeout() {
            Some(deadline) if now >= deadline => {
                self.logged_out = true;
                self.events.push_back(StateChanged {
                    name: self.name.clone(),
                    previous: self.state.clone(),
                    latest: Reported::Offline,
                });
            }
            _ => {}
        }
    }

    /// The next event to send.
    pub fn poll_event(&mut self) -> Option<StateChanged> {
        self.events.pop_front()
    }
}
