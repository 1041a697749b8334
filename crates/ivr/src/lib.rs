//! The IVR of Switchboard: the XML documents a call center's web application answers with
//! (SPEC §10), parsed into a typed [`model`], and a step [`interp`]reter that runs one action
//! of one call and says what the engine must do.
//!
//! **Invariant**: this crate does no I/O. It never opens a socket, makes an HTTP request,
//! spawns a thread or task, reads the clock or draws a random number: documents come in as
//! text, time comes in as `now: Instant`, and everything to do goes out as
//! [`interp::Effect`]s. Untrusted documents never make it panic (they are fuzzed).
//!
//! ```
//! use std::time::Duration;
//! use switchboard_ivr::interp::{Effect, Input, Session};
//! use sb_testkit::FakeClock;
//!
//! let doc = r#"<response>
//!   <get max_keys="4" first_key_timeout="5"><play>menu.wav</play></get>
//!   <next tag="menu">https://app.example/ivr</next>
//! </response>"#;
//! let response = switchboard_ivr::parse(doc).expect("a valid document");
//!
//! let t0 = FakeClock::new().now(); // the engine passes the real time
//! let mut session = Session::start(t0, &response.action);
//! let Some(Effect::Play { id, .. }) = session.poll_output() else { panic!("prompt first") };
//! session.handle_input(t0 + Duration::from_secs(3), Input::PlaybackDone(id));
//! session.handle_input(t0 + Duration::from_secs(4), Input::Dtmf('4'));
//! session.handle_input(t0 + Duration::from_secs(5), Input::Dtmf('#'));
//! let done = std::iter::from_fn(|| session.poll_output())
//!     .find_map(|e| match e { Effect::Finished(done) => Some(done), _ => None })
//!     .expect("a finish key ends the get");
//! assert_eq!(done.outputs.get("keys"), Some("4"));
//!
//! let next = response.next.expect("the document has a next");
//! let url = switchboard_ivr::next_url(&next, "c1", &response.action, &done);
//! assert_eq!(url, "https://app.example/ivr?call_id=c1&type=get&tag=menu&keys=4");
//! ```
//!
//! The `<enqueue>` action is kept as its source text ([`model::EnqueueXml`]): its model
//! lives in the call-center crate, which can check it during parsing through
//! [`parse_with`], with its diagnostics mapped to positions in the whole document.

pub mod callback;
pub mod checked;
pub mod diag;
pub mod interp;
pub mod model;
pub mod parse;

pub use callback::{next_url, IvrStart};
pub use checked::parse_checked;
pub use diag::{Diagnostic, Diagnostics, Position, Problem};
pub use parse::{parse, parse_bytes, parse_with};
