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

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
    /// Any arrival order where no packet is later than the buffer's delay still plays
    /// every frame, in order, wherever the sequence starts (wrap included).
    #[test]
    fn bounded_delays_never_lose_or_reorder(
        start in proptest::prelude::any::<u16>(),
        delays in proptest::collection::vec(0u64..20, 150),
    ) {
        let cfg = JitterConfig { min_delay_frames: 3, ..JitterConfig::default() };
        let clock = FakeClock::new();
        let t0 = clock.now();
        let mut jb = JitterBuffer::new(cfg);
        // Packet k is sent at 20k ms and arrives up to 19 ms late (within one frame
        // of the others), so at most neighbours swap.
        let mut arrivals: Vec<(u64, u16)> = delays
            .iter()
            .enumerate()
            .map(|(k, d)| (20 * k as u64 + d, k as u16))
            .collect();
        arrivals.sort();
        let mut next = 0;
        let mut played = Vec::new();
        for tick in 0..170u64 {
            while next < arrivals.len() && arrivals[next].0 <= 20 * tick + 19 {
                let (at, k) = arrivals[next];
                clock.advance_to(t0 + Duration::from_millis(at));
                let seq = start.wrapping_add(k);
                jb.push(clock.now(), 1, seq, u32::from(k) * 160, &[k as i16; FRAME_SAMPLES]);
                next += 1;
            }
            clock.advance_to(t0 + Duration::from_millis(20 * tick + 19));
            let (f, kind) = jb.pop();
            if kind == FrameKind::Played {
                played.push(f[0]);
            }
        }
        proptest::prop_assert_eq!(played, (0..150).collect::<Vec<i16>>());
        proptest::prop_assert_eq!(jb.stats().late, 0);
    }
}
