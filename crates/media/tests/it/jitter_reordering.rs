//! Reordered packets are played in sequence order, across the 16-bit wrap.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_media::jitter::{FrameKind, JitterBuffer, JitterConfig};
use switchboard_media::FRAME_SAMPLES;

#[test]
fn swapped_pairs_play_in_order_across_the_wrap() {
    let clock = FakeClock::new();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let start = 65_500u16;
    // Arrival order: 1 0 3 2 5 4 ... (each pair swapped), one packet per 20 ms.
    let order: Vec<u16> = (0..100u16).map(|i| i ^ 1).collect();
    let mut played = Vec::new();
    for &k in &order {
        let seq = start.wrapping_add(k);
        jb.push(
            clock.now(),
            9,
            seq,
            u32::from(k) * 160,
            &[k as i16; FRAME_SAMPLES],
        );
        let (f, kind) = jb.pop();
        if kind == FrameKind::Played {
            played.push(f[0]);
        }
        clock.advance(Duration::from_millis(20));
    }
    for _ in 0..10 {
        let (f, kind) = jb.pop();
        if kind == FrameKind::Played {
            played.push(f[0]);
        }
    }
    assert_eq!(played, (0..100).collect::<Vec<i16>>());
    let s = jb.stats();
    assert_eq!((s.late, s.lost, s.duplicates), (0, 0, 0));
}
