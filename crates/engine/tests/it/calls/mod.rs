//! Deterministic call scenarios: scripted phones and a trunk around the endpoint core.

pub mod net;

mod busy_passes_through;
mod bye_glare;
mod cancel_before_200;
mod extension_calls_extension;
mod forking_rings_every_device;
mod graceful_shutdown;
mod max_call_duration;
mod no_answer_timeout;
mod reinvite_hold;
mod session_timer_expiry;
mod trunk_407_challenge;
mod trunk_down;
mod unauthorised_calls_are_refused;
