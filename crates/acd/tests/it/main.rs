//! Scenario and conformance tests of the call-center domain, one file per behaviour.

mod agent_states;
mod conversation_modes;
mod enqueue_documents;
mod expressions;
mod routing_lanes;
mod routing_properties;
mod routing_scenarios;
mod support;
