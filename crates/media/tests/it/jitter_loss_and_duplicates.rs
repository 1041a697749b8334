//! Lost packets are concealed (repeat, then fade) and counted; duplicates are absorbed.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_media::jitter::{FrameKind, JitterBuffer, JitterConfig, PushOutcome};
use switchboard_media::FRAME_SAMPLES;

#[test]
fn loss_is_concealed_and_duplicates_ignored() {
    let clock = FakeClock::new();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut kinds = Vec::new();
    let mut dup_outcomes = Vec::new();
    for k in 0..200u16 {
        // Lose every tenth packet; send every seventh twice.
        if k % 10 != 5 {
            let f = [1000 + k as i16; FRAME_SAMPLES];
            jb.push(clock.now(), 1, k, u32::from(k) * 160, &f);
            if k % 7 == 0 {
                dup_outcomes.push(jb.push(clock.now(), 1, k, u32::from(k) * 160, &f));
            }
        }
        kinds.push(jb.pop().1);
        clock.advance(Duration::from_millis(20));
    }
    let s = jb.stats();
    assert!(dup_outcomes.iter().all(|o| *o == PushOutcome::Duplicate));
    assert_eq!(s.duplicates, dup_outcomes.len() as u64);
    // 20 of 200 lost; the last one may still be ahead of playout.
    assert!((19..=20).contains(&s.lost), "{s:?}");
    let concealed = kinds.iter().filter(|k| **k == FrameKind::Concealed).count() as u64;
    assert_eq!(concealed, s.lost);
    assert_eq!(s.late, 0);
    assert_eq!(s.underruns, 0);
}

#[test]
fn a_burst_of_loss_fades_to_silence_then_recovers() {
    let clock = FakeClock::new();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut trace = Vec::new();
    for k in 0..60u16 {
        if !(20..30).contains(&k) {
            jb.push(
                clock.now(),
                1,
                k,
                u32::from(k) * 160,
                &[4000; FRAME_SAMPLES],
            );
        }
        let (f, kind) = jb.pop();
        trace.push((f[0], kind));
        clock.advance(Duration::from_millis(20));
    }
    let gap: Vec<_> = trace
        .iter()
        .skip_while(|(_, k)| *k != FrameKind::Played)
        .skip_while(|(_, k)| *k == FrameKind::Played)
        .take(10)
        .collect();
    assert_eq!(gap[0].0, 4000, "first missing frame repeats the last");
    assert!(gap[1].0 < 4000 && gap[4].0 < gap[1].0, "then fades");
    assert!(gap[6..].iter().all(|(v, _)| *v == 0), "then silence");
    assert_eq!(
        trace.last().map(|t| t.1),
        Some(FrameKind::Played),
        "recovers"
    );
}
