//! The agent-desk client behind the `agent_desk` example: a command line that drives an
//! agent through Switchboard's REST API — logging in, setting its state and skills, the 13
//! agent operations of SPEC §6 — and follows the call center's live event stream.
//!
//! [`cli`] parses the command line and [`request`] turns each command into an [`ApiRequest`]
//! (a pure function, so every path and body is unit-tested); [`client`] sends it and unwraps the
//! `{code, msg, data}` envelope; [`sse`] reads the Server-Sent Events stream and resumes it
//! with `since` after a dropped connection.

pub mod cli;
pub mod client;
pub mod request;
pub mod sse;

use serde_json::Value;

/// An HTTP method the desk uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` with a JSON body.
    Post,
    /// `DELETE`.
    Delete,
}

/// One request to the API, before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path from the server's root, starting with `/v1/`.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The JSON body of a `POST`.
    pub body: Option<Value>,
}
