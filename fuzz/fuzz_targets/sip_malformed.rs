//! Arbitrary bytes through the 400 answered to requests that do not parse: it must never
//! panic, and whatever it answers must itself parse as a 400 response.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(answer) = switchboard_sip::malformed::bad_request(data) {
        match switchboard_sip::message::parse(&answer) {
            Ok(switchboard_sip::message::Message::Response(r)) => assert_eq!(r.status, 400),
            other => panic!("our 400 does not parse as a response: {other:?}"),
        }
    }
});
