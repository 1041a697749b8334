//! RFC 5626 §3.5.1 / §4.4.1 CRLF keep-alives on stream transports, and RFC 3261 §18.3
//! Content-Length framing.

use bytes::BytesMut;
use switchboard_sip::framing::{next_frame, next_message, Frame, FramingError, PONG};
use switchboard_sip::message::parse;

use crate::support::*;

#[test]
fn ping_between_messages_is_reported_for_a_pong() {
    let msg = request("OPTIONS", "z9hG4bKka", "").to_bytes();
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"\r\n\r\n");
    buf.extend_from_slice(&msg);
    assert_eq!(next_frame(&mut buf).unwrap(), Some(Frame::Ping));
    assert_eq!(PONG, b"\r\n");
    let Some(Frame::Message(m)) = next_frame(&mut buf).unwrap() else {
        panic!("message")
    };
    assert!(parse(&m).is_ok());
    assert!(buf.is_empty());
}

#[test]
fn bodies_are_framed_by_content_length_byte_by_byte() {
    let mut req = request("MESSAGE", "z9hG4bKkb", "");
    req.body = bytes::Bytes::from_static(b"hello\r\n\r\nworld");
    let wire = req.to_bytes();
    let mut buf = BytesMut::new();
    let mut got = None;
    for b in wire.iter() {
        buf.extend_from_slice(&[*b]);
        if let Some(m) = next_message(&mut buf).unwrap() {
            got = Some(m);
        }
    }
    assert_eq!(got.as_deref(), Some(&wire[..]));
}

#[test]
fn stream_without_content_length_is_an_error() {
    let mut buf = BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n"[..]);
    assert_eq!(
        next_message(&mut buf),
        Err(FramingError::MissingContentLength)
    );
}
