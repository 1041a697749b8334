//! RFC 4733: telephone-events from a phone become digit events; digits sent to a leg
//! leave as telephone-event packets on the peer's payload type.

use std::time::Duration;

use sb_media::codec::Codec;
use sb_media::dtmf::{Digit, DtmfSender};
use switchboard_mediaworker::Event;

use crate::phone::{engine, wait_for, Phone};

#[test]
fn telephone_events_in_become_digits() {
    let engine = engine(1, 44_300..=44_309);
    let mut phone = Phone::new(500.0, Codec::Pcmu);
    let leg = engine.create_leg(phone.spec()).unwrap();
    phone.leg = Some(leg);
    assert!(phone.exchange(false));
    let to = leg.local;
    for key in ['5', '#'] {
        let mut sender = DtmfSender::new(
            Digit::from_char(key).unwrap(),
            phone.tx.next_timestamp(),
            100,
            10,
        );
        let mut buf = [0u8; 64];
        while let Some(p) = sender.next_packet() {
            let n = phone
                .tx
                .write_packet(101, p.marker, p.timestamp, &p.event.to_bytes(), &mut buf)
                .unwrap();
            phone.socket.send_to(&buf[..n], to).unwrap();
            phone.tx.advance_frames(1);
        }
        let got = wait_for(&engine, Duration::from_secs(3), |ev| match ev {
            Event::Digit { leg: l, digit } if l == leg.leg => Some(digit),
            _ => None,
        })
        .expect("a digit event");
        assert_eq!(got.digit.as_char(), key);
        assert!(got.duration_ms >= 80, "{got:?}");
    }
    engine.shutdown();
}

#[test]
fn digits_out_are_telephone_events_on_the_peers_payload_type() {
    let engine = engine(1, 44_310..=44_319);
    let mut phone = Phone::new(500.0, Codec::Pcma);
    let mut spec = phone.spec();
    spec.telephone_event_pt = Some(96);
    phone.leg = Some(engine.create_leg(spec).unwrap());
    engine.send_digits(phone.leg().leg, "7").unwrap();
    for _ in 0..20 {
        assert!(phone.exchange(false));
    }
    let events: Vec<_> = phone.other_pt.iter().filter(|(pt, _)| *pt == 96).collect();
    assert!(events.len() >= 5, "{} event packets", events.len());
    assert!(events.iter().all(|(_, p)| p[0] == 7), "event code 7");
    assert!(
        events.iter().any(|(_, p)| p[1] & 0x80 != 0),
        "an end packet"
    );
    engine.shutdown();
}
