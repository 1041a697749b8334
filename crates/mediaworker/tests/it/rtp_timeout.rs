//! A leg that receives nothing for the configured time is reported dead once; a leg on
//! hold that asked for no media is not.

use std::time::Duration;

use sb_media::codec::Codec;
use switchboard_mediaworker::{Direction, EngineConfig, Event, MediaEngine};

use crate::phone::{wait_for, Phone};

#[test]
fn silence_past_the_timeout_is_reported_once() {
    let engine = MediaEngine::start(EngineConfig {
        workers: 1,
        bind_ip: "127.0.0.1".parse().unwrap(),
        ports: 44_700..=44_709,
        rtp_timeout: Duration::from_millis(200),
        ..EngineConfig::default()
    })
    .unwrap();
    let phone = Phone::new(500.0, Codec::Pcmu);
    let dead = engine.create_leg(phone.spec()).unwrap();
    let mut held = phone.spec();
    held.direction = Direction::SendOnly;
    let held = engine.create_leg(held).unwrap();
    let mut timeouts = Vec::new();
    while let Some(ev) = wait_for(&engine, Duration::from_millis(600), |ev| match ev {
        Event::RtpTimeout { leg, silent_for } => Some((leg, silent_for)),
        _ => None,
    }) {
        timeouts.push(ev);
    }
    assert_eq!(timeouts.len(), 1, "{timeouts:?}");
    assert_eq!(timeouts[0].0, dead.leg);
    assert!(timeouts[0].1 >= Duration::from_millis(200));
    let _ = held;
    engine.shutdown();
}
