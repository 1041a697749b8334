//! Fuzzes the transaction layer with hostile sequences: messages (split on NUL bytes) are
//! received, answered or left to time out in an order the input picks. Nothing may panic,
//! and once every request is answered and time runs far enough, every transaction is gone.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use switchboard_sip::message::{parse, Message, Response};
use switchboard_sip::transaction::{Event, Input, Output, TransactionLayer};
use switchboard_sip::transport::Transport;

fuzz_target!(|data: &[u8]| {
    // A fixed instant is enough: the fuzzer drives time by hand from here.
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let mut layer = TransactionLayer::default();
    let source = "192.0.2.1:5060".parse().expect("literal");
    let mut pending = Vec::new();
    for (i, chunk) in data.split(|&b| b == 0).enumerate() {
        let transport = if chunk.len() % 2 == 0 { Transport::Udp } else { Transport::Tcp };
        if let Ok(message) = parse(chunk) {
            let input = match message {
                Message::Request(r) if i % 3 == 2 => Input::SendRequest { request: r, dest: source, transport },
                m => Input::Received { message: m, source, transport },
            };
            let _ = layer.handle_input(now, input);
        }
        while let Some(out) = layer.poll_output() {
            if let Output::Event(Event::Request { id, request, .. }) = out {
                pending.push((id, request));
            }
        }
        if let Some((id, request)) = (i % 2 == 0).then(|| pending.last()).flatten() {
            let status = [100, 180, 200, 486, 487][chunk.len() % 5];
            let _ = layer.respond(now, *id, Response::from_request(request, status, Some("t")));
        }
        now += Duration::from_millis(u64::from(chunk.first().copied().unwrap_or(0)) * 50);
        layer.handle_timeout(now);
        while layer.poll_output().is_some() {}
    }
    // A TU answers every request eventually; then only timers remain.
    for (id, request) in &pending {
        let _ = layer.respond(now, *id, Response::from_request(request, 500, Some("t")));
    }
    now += Duration::from_secs(300);
    layer.handle_timeout(now);
    while layer.poll_output().is_some() {}
    assert!(layer.is_empty(), "every transaction ends once its timers have run");
    assert_eq!(layer.poll_timeout(), None);
});
