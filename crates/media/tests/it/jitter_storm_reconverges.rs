//! A jitter storm (packets delayed by up to 120 ms, at random) raises the target delay up
//! to its bound; once the network calms, the target and the backlog come back down. The
//! re-convergence is measured in frames.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use sb_testkit::FakeClock;
use switchboard_media::jitter::{JitterBuffer, JitterConfig};
use switchboard_media::FRAME_SAMPLES;

#[test]
fn storm_grows_the_target_then_it_reconverges() {
    let clock = FakeClock::new();
    let start = clock.now();
    let cfg = JitterConfig::default();
    let mut jb = JitterBuffer::new(cfg);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4733);
    // (arrival time, seq), 30 s of packets: calm 5 s, storm 10 s, calm 15 s.
    let mut arrivals: Vec<(Duration, u16)> = (0..1500u16)
        .map(|k| {
            let sent = Duration::from_millis(20 * u64::from(k));
            let storm = (250..750).contains(&k);
            let delay = if storm {
                rng.random_range(0..120)
            } else {
                rng.random_range(0..3)
            };
            (sent + Duration::from_millis(delay), k)
        })
        .collect();
    arrivals.sort();
    let mut next = 0;
    let mut peak_target = 0;
    let mut converged_at = None;
    for t in 0..1600u64 {
        let tick_at = Duration::from_millis(20 * t);
        while next < arrivals.len() && arrivals[next].0 <= tick_at {
            let (at, seq) = arrivals[next];
            clock.advance_to(start + at);
            jb.push(
                clock.now(),
                3,
                seq,
                u32::from(seq) * 160,
                &[1; FRAME_SAMPLES],
            );
            next += 1;
        }
        clock.advance_to(start + tick_at);
        jb.pop();
        let s = jb.stats();
        if (250..800).contains(&t) {
            peak_target = peak_target.max(s.target_frames);
        }
        if t > 760
            && converged_at.is_none()
            && s.target_frames <= cfg.min_delay_frames + 1
            && s.backlog_frames <= s.target_frames + 1
        {
            converged_at = Some(t);
        }
    }
    let s = jb.stats();
    assert!(peak_target >= 6, "storm raised the target to {peak_target}");
    assert!(peak_target <= cfg.max_delay_frames);
    let settled = converged_at.expect("re-converged after the storm");
    let frames_after_storm = settled - 750;
    eprintln!("storm: peak target {peak_target} frames, re-converged {frames_after_storm} frames after it ended; {s:?}");
    // The A.8 estimate decays with a 1/16 gain per packet; allow 3 s.
    assert!(
        frames_after_storm <= 150,
        "took {frames_after_storm} frames"
    );
    assert!(s.dropped > 0, "backlog trimmed after the storm: {s:?}");
}
