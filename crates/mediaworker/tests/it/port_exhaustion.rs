//! The RTP port range runs out with a structured error, and a released port is reused.

use std::time::Duration;

use sb_media::codec::Codec;
use switchboard_mediaworker::{EngineError, Event, PortError};

use crate::phone::{engine, wait_for, Phone};

#[test]
fn exhausted_then_reused_after_release() {
    let engine = engine(2, 44_501..=44_506);
    let phone = Phone::new(500.0, Codec::Pcmu);
    let legs: Vec<_> = (0..3)
        .map(|_| engine.create_leg(phone.spec()).unwrap())
        .collect();
    let mut ports: Vec<u16> = legs.iter().map(|l| l.local.port()).collect();
    ports.sort_unstable();
    assert_eq!(ports, [44_502, 44_504, 44_506]);
    let err = engine.create_leg(phone.spec()).unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::Ports(PortError::Exhausted {
                first: 44_501,
                last: 44_506,
                capacity: 3
            })
        ),
        "{err:?}"
    );
    engine.destroy_leg(legs[1].leg).unwrap();
    wait_for(&engine, Duration::from_secs(3), |ev| match ev {
        Event::LegClosed { leg, .. } if leg == legs[1].leg => Some(()),
        _ => None,
    })
    .expect("the leg closed");
    let again = engine.create_leg(phone.spec()).unwrap();
    assert_eq!(again.local.port(), legs[1].local.port());
    engine.shutdown();
}
