//! The SIP core of Switchboard: messages, transactions, dialogs, digest authentication,
//! registrar bindings and SDP offer/answer, as sans-IO state machines.
//!
//! **Invariant:** this crate never touches a socket, a thread, a runtime or the clock.
//! Time comes in as `now: Instant`, wall-clock stamps as Unix milliseconds, randomness
//! (branches, tags, nonce keys, cnonces) as values from the caller. What to send comes
//! out of [`transaction::TransactionLayer::poll_output`]; when to wake up comes out of
//! [`transaction::TransactionLayer::poll_timeout`].
//!
//! - [`message`]: parse (limits, compact forms, list splitting, structured errors), read,
//!   build and serialise SIP messages; [`framing`] cuts them out of TCP streams.
//! - [`malformed`]: the RFC 3261 §8.2 `400` for a request that does not parse.
//! - [`transport`]: RFC 3581 `received`/`rport` and the RFC 3261 §18.2.2 response target.
//! - [`transaction`]: RFC 3261 §17 + RFC 6026, timers A–M in [`transaction::Timer`].
//! - [`dialog`]: RFC 3261 §12 dialogs, in-dialog requests, CANCEL.
//! - [`auth`]: RFC 7616 digest, server ([`auth::DigestServer`]) and client.
//! - [`registrar`]: RFC 3261 §10.3 bindings.
//! - [`sdp`]: SDP and RFC 3264 offer/answer.
//!
//! ```
//! use std::time::Instant;
//! use switchboard_sip::message::{parse, Message, Response};
//! use switchboard_sip::transaction::{Event, Input, Output, TransactionLayer};
//! use switchboard_sip::transport::Transport;
//!
//! let raw = b"OPTIONS sip:switchboard.example SIP/2.0\r\n\
//!     v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n\
//!     f: <sip:alice@example.com>;tag=1928301774\r\n\
//!     t: <sip:switchboard.example>\r\n\
//!     i: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nl: 0\r\n\r\n";
//! let message = parse(raw)?;
//! let mut layer = TransactionLayer::default();
//! # #[allow(clippy::disallowed_methods)]
//! let now = Instant::now(); // the I/O shell reads the clock, never this crate
//! let source = "198.51.100.7:40000".parse()?;
//! layer.handle_input(now, Input::Received { message, source, transport: Transport::Udp })?;
//! let Some(Output::Event(Event::Request { id, request, .. })) = layer.poll_output() else {
//!     unreachable!("a new request is reported to the TU");
//! };
//! layer.handle_input(now, Input::Respond { id, response: Response::from_request(&request, 200, Some("x1")) })?;
//! let Some(Output::Transmit(t)) = layer.poll_output() else { unreachable!("the 200 is sent") };
//! assert_eq!(t.dest, source); // RFC 3581: back to the NAT's public address and port
//! assert!(matches!(parse(&t.bytes)?, Message::Response(r) if r.status == 200));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod auth;
pub mod dialog;
pub mod framing;
pub mod malformed;
pub mod message;
pub mod registrar;
pub mod rfc;
pub mod sdp;
pub mod transaction;
pub mod transport;
