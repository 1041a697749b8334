//! Fuzzes URI and name-addr parsing: no panic, and what parses prints back to something
//! that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_sip::message::{NameAddr, Uri, Via};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(uri) = Uri::parse(s) {
        assert_eq!(Uri::parse(&uri.to_string()).ok(), Some(uri));
    }
    if let Ok(addr) = NameAddr::parse(s) {
        assert!(NameAddr::parse(&addr.to_string()).is_ok());
    }
    let _ = Via::parse(s);
});
