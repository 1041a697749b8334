//! Parses arbitrary bytes as an IVR answer document: it must never panic, and an accepted
//! document must run in the interpreter without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Positions must stay inside the document whatever the input.
    match switchboard_ivr::parse_bytes(data) {
        Ok(response) => {
            let now = std::time::Instant::now();
            let mut session = switchboard_ivr::interp::Session::start(now, &response.action);
            session.handle_input(now, switchboard_ivr::interp::Input::Dtmf('1'));
            session.handle_input(now, switchboard_ivr::interp::Input::CallerHungUp);
            while session.poll_output().is_some() {}
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            for d in diagnostics.iter() {
                assert!(d.position.line >= 1 && d.position.column >= 1);
            }
        }
    }
});
