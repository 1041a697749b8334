//! The SIP core of Switchboard: messages, transactions, dialogs, digest authentication,
//! registrar bindings and SDP offer/answer.

pub mod auth;
pub mod dialog;
pub mod framing;
pub mod message;
pub mod registrar;
pub mod rfc;
pub mod sdp;
pub mod transaction;
pub mod transport;
