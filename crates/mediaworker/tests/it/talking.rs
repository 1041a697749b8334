//! Talking events (feature `apm`): an agent leg's voice-activity detection reports when the
//! agent starts and stops talking; an outside leg is not processed by the default policy.
#![cfg(feature = "apm")]

use std::time::Duration;

use sb_media::builtin;
use sb_media::FRAME_SAMPLES;
use switchboard_mediaworker::{Event, LegRole};

use crate::phone::{engine, wait_for, Phone};

/// Answers each packet the worker sends with the next frame of `samples`.
fn say(phone: &mut Phone, samples: &[i16]) {
    let to = phone.leg().local;
    let mut buf = [0u8; 2048];
    for chunk in samples.chunks(FRAME_SAMPLES) {
        let _ = phone.socket.recv_from(&mut buf);
        let mut pcm = [0i16; FRAME_SAMPLES];
        pcm[..chunk.len()].copy_from_slice(chunk);
        let mut enc = [0u8; FRAME_SAMPLES];
        phone.codec.encode_frame(&pcm, &mut enc);
        let n = phone.tx.write_frame(&enc, &mut buf).unwrap();
        phone.socket.send_to(&buf[..n], to).unwrap();
    }
}

fn speech() -> Vec<i16> {
    (1..=4)
        .flat_map(|d| builtin::digit(d).unwrap().samples().to_vec())
        .collect()
}

#[test]
fn an_agent_leg_reports_talking_start_and_stop() {
    let engine = engine(1, 45_100..=45_109);
    let mut phone = Phone::new(0.0, sb_media::codec::Codec::Pcmu);
    let leg = engine.create_leg(phone.spec()).unwrap();
    phone.leg = Some(leg);
    engine.set_leg_role(leg.leg, LegRole::Agent).unwrap();
    phone.speak_to(leg.local);
    say(&mut phone, &speech());
    let started = wait_for(&engine, Duration::from_secs(5), |e| match e {
        Event::Talking {
            leg: l,
            talking: true,
        } if l == leg.leg => Some(()),
        _ => None,
    });
    assert!(started.is_some(), "speech starts talking");
    say(&mut phone, &[0i16; 8000 * 2]);
    let stopped = wait_for(&engine, Duration::from_secs(5), |e| match e {
        Event::Talking {
            leg: l,
            talking: false,
        } if l == leg.leg => Some(()),
        _ => None,
    });
    assert!(stopped.is_some(), "silence stops talking");
}

#[test]
fn an_outside_leg_is_not_processed_by_default() {
    let engine = engine(1, 45_110..=45_119);
    let mut phone = Phone::new(0.0, sb_media::codec::Codec::Pcmu);
    let leg = engine.create_leg(phone.spec()).unwrap();
    phone.leg = Some(leg);
    engine.set_leg_role(leg.leg, LegRole::Outside).unwrap();
    phone.speak_to(leg.local);
    say(&mut phone, &speech());
    let talking = wait_for(&engine, Duration::from_millis(500), |e| match e {
        Event::Talking { .. } => Some(()),
        _ => None,
    });
    assert!(talking.is_none());
}
