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
    // Feed the same bytes to a stream framer in chunks whose size the input picks.
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut framer = framing::Framer::default();
    let mut buf = BytesMut::new();
    for chunk in data.chunks(step) {
        buf.extend_from_slice(chunk);
        while let Ok(Some(frame)) = framer.next_frame(&mut buf) {
            if let framing::Frame::Message(m) = frame {
                let _ = parse(&m);
            }
        }
    }
});
