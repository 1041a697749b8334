//! Scenario tests of the examples, one file per behaviour.

mod desk_mock;
mod desk_operations;
mod desk_watch;
mod ivr_escaping;
mod ivr_harness;
mod ivr_menu;
mod ivr_no_agent;
mod ivr_survey;
