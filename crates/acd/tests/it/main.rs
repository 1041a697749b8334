//! Scenario and conformance tests of the call-center domain, one file per behaviour.

mod agent_states;
mod enqueue_documents;
mod expressions;
mod routing_scenarios;
mod support;
