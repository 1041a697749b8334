//! Fuzzes SDP parsing and RFC 3264 answering: no panic, and every answer we produce
//! parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_sip::sdp::{accept_answer, Codec, Direction, LocalMedia, SdpSession, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(offer) = SessionDescription::parse(s) else { return };
    let local = LocalMedia {
        address: std::net::Ipv4Addr::new(192, 0, 2, 1).into(),
        port: 20000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: Some(101),
        ptime: 20,
        direction: Direction::SendRecv,
    };
    let _ = accept_answer(&offer, &local);
    if let Ok((answer, _)) = SdpSession::new(1).answer(&offer, &local) {
        assert!(SessionDescription::parse(&answer.to_string()).is_ok());
    }
});
