//! API behaviour tests: each module is one concern, driven through the real routing table.

mod agent_operations;
mod agents;
mod api_reference;
mod auth;
mod callcenters;
mod calls;
mod common;
mod conditions;
mod conversation_get;
mod conversation_list;
mod conversation_operations;
mod errors;
mod events;
mod extensions;
mod media;
mod offered_tasks;
mod params;
mod queue;
mod recording_download;
mod recording_list;
mod recording_metadata;
mod recording_not_found;
mod trunks;
