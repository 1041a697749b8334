//! The logic of Switchboard's runnable examples, kept in a library so the package's tests can
//! drive it. Each example target (`ivr_app.rs`, `agent_desk.rs`) is a thin `main` over one
//! module here; see README.md in this directory for how to run them.

pub mod desk;
pub mod ivr;
