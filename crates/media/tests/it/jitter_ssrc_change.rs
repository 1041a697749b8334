//! A new SSRC (the far end switched source, e.g. after a transfer) resets the buffer: the
//! new stream plays from its own first packet without being mistaken for late or lost.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_media::jitter::{FrameKind, JitterBuffer, JitterConfig, PushOutcome};
use switchboard_media::FRAME_SAMPLES;

#[test]
fn new_source_resets_and_plays() {
    let clock = FakeClock::new();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    for k in 0..50u16 {
        jb.push(
            clock.now(),
            1,
            1000 + k,
            u32::from(k) * 160,
            &[1; FRAME_SAMPLES],
        );
        jb.pop();
        clock.advance(Duration::from_millis(20));
    }
    // The new source starts with a much lower sequence number and another timestamp base.
    let first = jb.push(clock.now(), 2, 7, 999_999, &[2; FRAME_SAMPLES]);
    assert_eq!(first, PushOutcome::Reset);
    let mut played = Vec::new();
    for k in 1..50u16 {
        jb.pop();
        clock.advance(Duration::from_millis(20));
        jb.push(
            clock.now(),
            2,
            7 + k,
            999_999 + u32::from(k) * 160,
            &[2; FRAME_SAMPLES],
        );
        let (f, kind) = jb.pop();
        if kind == FrameKind::Played {
            played.push(f[0]);
        }
    }
    let s = jb.stats();
    assert_eq!(s.resets, 1);
    assert_eq!(s.late, 0);
    assert!(played.len() > 20 && played.iter().all(|&v| v == 2));
}

#[test]
fn a_sequence_jump_beyond_the_ring_restarts() {
    let clock = FakeClock::new();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    for k in 0..10u16 {
        jb.push(clock.now(), 1, k, u32::from(k) * 160, &[1; FRAME_SAMPLES]);
        jb.pop();
        clock.advance(Duration::from_millis(20));
    }
    assert_eq!(
        jb.push(clock.now(), 1, 20_000, 0, &[3; FRAME_SAMPLES]),
        PushOutcome::Reset
    );
    assert_eq!(jb.stats().resets, 1);
}
