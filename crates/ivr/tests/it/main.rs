//! Scenario and conformance tests of switchboard-ivr, one file per behaviour.

mod support;

mod dial_connect_enqueue;
mod docs_examples;
mod enqueue_validation;
mod get_timing;
mod next_url_and_start;
mod parse_corpus;
mod parse_limits;
mod parse_never_panics;
mod parse_spec_examples;
mod pause_and_hangup;
mod play_repeat_and_break;
mod record;
