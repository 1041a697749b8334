//! API behaviour tests: each module is one concern, driven through the real routing table.

mod agents;
mod api_reference;
mod auth;
mod callcenters;
mod calls;
mod common;
mod conditions;
mod errors;
mod events;
mod extensions;
mod media;
mod params;
mod queue;
mod trunks;
