//! Fuzzes RFC 4733 telephone-event handling: arbitrary payloads and timestamps through the
//! parser and both receiver policies never panic, a parsed event re-encodes to the same
//! bytes (reserved bit aside), and no more digits come out than events went in.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_media::dtmf::{DtmfReceiver, ReportPolicy, TelephoneEvent};

fuzz_target!(|data: &[u8]| {
    let mut on_end = DtmfReceiver::new(ReportPolicy::OnEnd);
    let mut on_start = DtmfReceiver::new(ReportPolicy::OnStart);
    let (mut events, mut digits) = (0usize, 0usize);
    // Records of 2 timestamp bytes + 4 payload bytes; the timestamp's low bit stands in
    // for the marker.
    for rec in data.chunks(6) {
        let (ts, payload) = rec.split_at(rec.len().min(2));
        let ts = ts.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        let Ok(ev) = TelephoneEvent::parse(payload) else { continue };
        let bytes = ev.to_bytes();
        assert_eq!(bytes[0], payload[0]);
        assert_eq!(bytes[1], payload[1] & 0xBF);
        assert_eq!(bytes[2..], payload[2..4]);
        events += 1;
        for rx in [&mut on_end, &mut on_start] {
            rx.on_packet(ts, ts & 1 == 1, ev);
            while rx.poll_digit().is_some() {
                digits += 1;
            }
        }
    }
    on_end.finish();
    on_start.finish();
    while on_end.poll_digit().is_some() || on_start.poll_digit().is_some() {
        digits += 1;
    }
    assert!(digits <= 2 * events);
});
