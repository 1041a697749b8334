//! Fuzzes the SIP message parser and the stream framer: no input may panic, and any
//! message that parses must serialise to bytes that parse again.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use switchboard_sip::framing;
use switchboard_sip::message::{check_request, parse, Message, SipHeaders};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = parse(data) {
        if let Message::Request(r) = &message {
            let _ = check_request(r, &["replaces"]);
            let _ = (r.vias(), r.contacts(), r.record_route(), r.expires(), r.max_forwards());
        }
        assert!(parse(&message.to_bytes()).is_ok(), "reserialised message must parse");
    }
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = framing::next_frame(&mut buf) {
        if let framing::Frame::Message(m) = frame {
            let _ = parse(&m);
        }
    }
});
