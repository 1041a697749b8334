//! Symmetric RTP: a leg moves its destination only after several in-sequence packets
//! from a new source, so a hijacker's few packets cannot steal the media (GUIDE §4).

use std::time::Duration;

use sb_media::codec::Codec;
use sb_media::latch::DEFAULT_PACKETS_TO_LATCH;
use switchboard_mediaworker::Event;

use crate::phone::{engine, wait_for, Phone};

#[test]
fn a_hijacker_with_too_few_packets_is_refused() {
    let engine = engine(1, 44_400..=44_409);
    let mut phone = Phone::new(500.0, Codec::Pcmu);
    phone.leg = Some(engine.create_leg(phone.spec()).unwrap());
    let to = phone.leg().local;
    let mut thief = Phone::new(800.0, Codec::Pcmu);
    thief
        .socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    for _ in 0..5 {
        assert!(phone.exchange(false));
    }
    for _ in 0..DEFAULT_PACKETS_TO_LATCH - 1 {
        thief.speak_to(to);
    }
    for _ in 0..20 {
        assert!(phone.exchange(false), "media still reaches the phone");
    }
    assert!(!thief.exchange(true), "the thief receives nothing");
    while let Ok(ev) = engine.events().try_recv() {
        assert!(!matches!(ev, Event::Latched { .. }), "{ev:?}");
    }
    engine.shutdown();
}

#[test]
fn a_phone_behind_nat_is_latched_after_enough_packets() {
    let engine = engine(1, 44_410..=44_419);
    // The SDP names an address nobody answers from (the phone's private address).
    let decoy = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut phone = Phone::new(500.0, Codec::Pcmu);
    let mut spec = phone.spec();
    spec.remote = decoy.local_addr().unwrap();
    let leg = engine.create_leg(spec).unwrap();
    for _ in 0..DEFAULT_PACKETS_TO_LATCH + 1 {
        phone.speak_to(leg.local);
    }
    let addr = wait_for(&engine, Duration::from_secs(3), |ev| match ev {
        Event::Latched { leg: l, addr } if l == leg.leg => Some(addr),
        _ => None,
    })
    .expect("latched");
    assert_eq!(addr, phone.addr());
    assert!(phone.exchange(false), "media now reaches the phone");
    engine.shutdown();
}
