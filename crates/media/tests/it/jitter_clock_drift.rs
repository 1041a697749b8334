//! Clock drift: a sender whose clock runs 1% fast slowly grows the backlog, one running
//! 1% slow drains it. The buffer drops or inserts single frames to stay near its target
//! instead of letting latency grow or underrunning repeatedly.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_media::jitter::{JitterBuffer, JitterConfig};
use switchboard_media::FRAME_SAMPLES;

/// Runs `seconds` of a stream whose packets come every `period_us` while the receiver
/// ticks every 20 ms; returns the buffer and the largest backlog seen in the last half.
fn run(period_us: u64, seconds: u64) -> (JitterBuffer, u16) {
    let clock = FakeClock::new();
    let start = clock.now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut next_packet = Duration::ZERO;
    let mut seq = 0u16;
    let mut max_late_backlog = 0;
    let ticks = seconds * 50;
    for t in 0..ticks {
        let tick_at = Duration::from_millis(20 * t);
        while next_packet <= tick_at {
            clock.advance_to(start + next_packet);
            jb.push(
                clock.now(),
                5,
                seq,
                u32::from(seq) * 160,
                &[100; FRAME_SAMPLES],
            );
            seq = seq.wrapping_add(1);
            next_packet += Duration::from_micros(period_us);
        }
        clock.advance_to(start + tick_at);
        jb.pop();
        if t > ticks / 2 {
            max_late_backlog = max_late_backlog.max(jb.stats().backlog_frames);
        }
    }
    (jb, max_late_backlog)
}

#[test]
fn fast_sender_backlog_is_trimmed() {
    // 1% fast: 19.8 ms per packet, 60 s → about 30 extra frames.
    let (jb, max_backlog) = run(19_800, 60);
    let s = jb.stats();
    eprintln!("fast sender: max backlog {max_backlog}; {s:?}");
    assert!((25..=35).contains(&s.dropped), "{s:?}");
    assert!(
        max_backlog <= s.target_frames + 3,
        "backlog {max_backlog} {s:?}"
    );
    assert_eq!(s.late, 0);
}

#[test]
fn slow_sender_is_stretched_without_losing_packets() {
    // 1% slow: 20.2 ms per packet, 60 s → about 30 frames short.
    let (jb, max_backlog) = run(20_200, 60);
    let s = jb.stats();
    eprintln!("slow sender: max backlog {max_backlog}; {s:?}");
    assert!((25..=40).contains(&(s.inserted + s.underruns)), "{s:?}");
    assert_eq!(s.late, 0, "nothing that arrives is thrown away: {s:?}");
    assert_eq!(s.lost, 0, "{s:?}");
}
