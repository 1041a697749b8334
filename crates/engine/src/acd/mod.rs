//! The call center in motion: agent actors, one router actor per call center, and the
//! [`CallCenterHub`] handle the API and the calls layer use.
//!
//! Every decision is made by the pure cores of `switchboard-acd`: an agent actor wraps one
//! [`sb_acd::agent::Agent`] (SPEC §4), a router actor wraps one [`sb_acd::routing::Router`]
//! (SPEC §8). The actors only carry messages between them, run their timers with
//! `run_later` at the instants the cores ask for (read from [`crate::clock::Clock`]), and
//! perform what the cores decide:
//!
//! - agent actors tell their router every change of routing attributes (idle or not,
//!   skills, login, logout) — the router never asks 10,000 actors anything;
//! - when the router offers a task, the agent actor rings the agent's extension through the
//!   [`AgentConnector`] the calls layer implements, and the ring's outcome comes back as a
//!   [`RingFinished`] message;
//! - engine-made state changes and queue events go out through [`sb_events::EventBus`] on one
//!   ordered publisher task, and agents are written behind to the store so a restart brings
//!   them back (one that was fetching or talking comes back `idle`).
//!
//! Leaving `idle` through the API goes through the router first (a `Claim`, answered before
//! the agent actor handles anything else), so the router can never offer a task to an agent
//! that has just made itself busy; if the router had already offered one, the API is told the
//! agent is fetching, which from the router's point of view it already is.
//!
//! **Invariant:** actors never block and never await the store or the event bus on a
//! message path; the router never waits for an agent actor.

mod agent;
mod connector;
mod error;
mod hub;
mod persist;
mod publish;
mod registry;
mod router;

pub use connector::{
    AgentCallId, AgentConnector, NoTelephony, RingFailure, RingFinished, RingOutcome, RingReply,
    RingRequest,
};
pub use error::AcdError;
pub use hub::{
    AgentView, CallCenterHub, HubConfig, LoginRequest, QueueView, TaskRequest, TaskUpdate,
};
pub use publish::{AGENT_STATE_CHANGED, QUEUE_FAIL, QUEUE_SELECT, QUEUE_SUCCESS};
pub use sb_acd::agent::ReturnTo;
pub use sb_acd::routing::{FailCause, TaskId, TaskKind};
