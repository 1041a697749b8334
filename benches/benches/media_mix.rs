//! Mixer cost per member per 20 ms frame for N = 3, 10, 100, 1000 members, encoding
//! included (shared encodes for members that get the full mix). Two shapes:
//! - `talkers`: everyone in mode 1 and sending audio (the worst case: every member gets
//!   its own mix-minus and its own encode);
//! - `conference`: three talkers in mode 1, everyone else listening in mode 3 (a large
//!   call or a supervisor floor: listeners share one encode per codec).
//!
//! Criterion's time is per tick; divide by N for the per-member figure (the throughput
//! line reports elements = members).
//! Run: `cargo bench -p switchboard-benches --bench media_mix`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use switchboard_media::codec::Codec;
use switchboard_media::mixer::{MemberId, Mixer, MixerConfig, VoiceMode};
use switchboard_media::{Frame, FRAME_SAMPLES};

fn frame(i: usize) -> Frame {
    let mut f = [0i16; FRAME_SAMPLES];
    for (k, s) in f.iter_mut().enumerate() {
        let t = k as f64 / 8000.0;
        *s = (900.0 * (std::f64::consts::TAU * (300.0 + 37.0 * i as f64) * t).sin()) as i16;
    }
    f
}

fn setup(n: usize, talkers: usize) -> (Mixer, Vec<Frame>) {
    let mut mx = Mixer::new(MixerConfig { max_members: n });
    for i in 0..n {
        let mode = if i < talkers {
            VoiceMode::Both
        } else {
            VoiceMode::PlayedOnly
        };
        let codec = if i % 2 == 0 { Codec::Pcmu } else { Codec::Pcma };
        mx.add_member(MemberId(i as u64), mode, codec)
            .expect("ids are distinct and within the limit");
    }
    let frames = (0..n).map(|i| frame(i % 50)).collect();
    (mx, frames)
}

fn mix(c: &mut Criterion) {
    for (shape, all_talk) in [("talkers", true), ("conference", false)] {
        let mut group = c.benchmark_group(format!("mix_{shape}"));
        for n in [3usize, 10, 100, 1000] {
            let talkers = if all_talk { n } else { 3 };
            let (mut mx, frames) = setup(n, talkers);
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| {
                    let out = mx.mix(
                        frames
                            .iter()
                            .enumerate()
                            .map(|(i, f)| (MemberId(i as u64), (i < talkers).then_some(f))),
                    );
                    black_box(out.full_mix()[0]);
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, mix);
criterion_main!(benches);
