//! Shared builders for the scenario tests.

use std::net::SocketAddr;

use switchboard_sip::message::{parse, Message, Request, Response};
use switchboard_sip::transaction::{Event, Output, TransactionLayer, Transmit};

pub const PEER: &str = "192.0.2.10:5060";

pub fn peer() -> SocketAddr {
    PEER.parse().expect("valid literal")
}

pub fn request(method: &str, branch: &str, extra: &str) -> Request {
    let raw = format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.10:5060;branch={branch}\r\n\
         Max-Forwards: 70\r\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
         To: <sip:bob@example.com>{extra}\r\n\
         Call-ID: call-1@192.0.2.10\r\n\
         CSeq: 1 {method}\r\n\
         Contact: <sip:alice@192.0.2.10>\r\n\
         Content-Length: 0\r\n\r\n"
    );
    match parse(raw.as_bytes()).expect("test request parses") {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!("built a request"),
    }
}

pub fn response_to(req: &Request, status: u16, tag: Option<&str>) -> Response {
    Response::from_request(req, status, tag)
}

pub fn drain(layer: &mut TransactionLayer) -> Vec<Output> {
    std::iter::from_fn(|| layer.poll_output()).collect()
}

pub fn transmits(outputs: &[Output]) -> Vec<&Transmit> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Transmit(t) => Some(t),
            Output::Event(_) => None,
        })
        .collect()
}

pub fn events(outputs: &[Output]) -> Vec<&Event> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e),
            Output::Transmit(_) => None,
        })
        .collect()
}

/// The message a transmit carries.
pub fn sent(t: &Transmit) -> Message {
    parse(&t.bytes).expect("we only send what we can parse")
}

pub fn status_of(t: &Transmit) -> Option<u16> {
    match sent(t) {
        Message::Response(r) => Some(r.status),
        Message::Request(_) => None,
    }
}
