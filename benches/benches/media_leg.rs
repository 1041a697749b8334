//! The media work a worker does for one leg in one 20 ms tick, without its sockets: an
//! RTP packet in (parse, statistics, latch, decode, jitter buffer), the frame out of the
//! jitter buffer, the leg's two-member conversation mixed, and its RTP packet built.
//! Run for 2, 1,000 and 4,000 legs (in 2-member conversations) to see how the per-leg
//! cost grows once the legs' state no longer fits in the CPU's caches.
//!
//! Criterion's time is per tick of all legs; the throughput line reports elements = legs.
//! Compare with `rtp_load`'s worker CPU per leg and `udp_floor`'s (the socket calls
//! alone): see docs/performance.md.
//! Run: `cargo bench -p switchboard-benches --bench media_leg`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use switchboard_media::codec::Codec;
use switchboard_media::leg::{LegConfig, MediaLeg};
use switchboard_media::mixer::{MemberId, MixScratch, Mixer, MixerConfig, VoiceMode};
use switchboard_media::rtp::RtpSender;
use switchboard_media::FRAME_SAMPLES;

/// N legs in N/2 conversations, each leg with the RTP sender of its far end.
struct Legs {
    legs: Vec<MediaLeg>,
    peers: Vec<RtpSender>,
    mixers: Vec<Mixer>,
    /// Shared by every mix, as in a worker.
    scratch: MixScratch,
    remote: SocketAddr,
    payload: [u8; FRAME_SAMPLES],
    start: Instant,
    tick: u32,
}

impl Legs {
    fn new(n: usize) -> Self {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let start = Instant::now();
        let remote: SocketAddr = "127.0.0.1:40000".parse().expect("a literal address");
        let config = LegConfig {
            codec: Codec::Pcmu,
            telephone_event_pt: Some(101),
            remote,
            jitter: Default::default(),
            dtmf_policy: Default::default(),
            inband_dtmf: false,
            cname: "bench".into(),
        };
        let legs = (0..n)
            .map(|_| MediaLeg::new(start, config.clone(), &mut rng))
            .collect();
        let peers = (0..n)
            .map(|i| RtpSender::new(i as u32 + 1, 0, 0, 0))
            .collect();
        let mixers = (0..n / 2)
            .map(|c| {
                let mut m = Mixer::new(MixerConfig::default());
                for id in [2 * c, 2 * c + 1] {
                    m.add_member(MemberId(id as u64), VoiceMode::Both, Codec::Pcmu)
                        .expect("two distinct members");
                }
                m
            })
            .collect();
        let mut payload = [0u8; FRAME_SAMPLES];
        Codec::Pcmu.encode_frame(&[1000; FRAME_SAMPLES], &mut payload);
        Self {
            legs,
            peers,
            mixers,
            scratch: MixScratch::default(),
            remote,
            payload,
            start,
            tick: 0,
        }
    }

    /// One tick of every leg; returns the bytes of RTP built.
    fn tick(&mut self) -> usize {
        self.tick += 1;
        let now = self.start + Duration::from_millis(20) * self.tick;
        let mut packet = [0u8; 1500];
        for (leg, peer) in self.legs.iter_mut().zip(&mut self.peers) {
            let len = peer
                .write_frame(&self.payload, &mut packet)
                .expect("a frame fits");
            leg.handle_datagram(now, self.remote, &packet[..len])
                .expect("a valid packet");
            leg.pop_frame();
        }
        let mut built = 0;
        for (c, mixer) in self.mixers.iter_mut().enumerate() {
            let (a, b) = (2 * c, 2 * c + 1);
            let out = mixer.mix_with(
                &mut self.scratch,
                [
                    (MemberId(a as u64), self.legs[a].frame()),
                    (MemberId(b as u64), self.legs[b].frame()),
                ],
            );
            for d in out.iter() {
                let leg = &mut self.legs[d.member.0 as usize];
                built += leg.write_frame(d.payload, &mut packet).unwrap_or(0);
            }
        }
        built
    }
}

fn legs(c: &mut Criterion) {
    let mut group = c.benchmark_group("leg_tick");
    for n in [2usize, 1000, 4000] {
        let mut legs = Legs::new(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| black_box(legs.tick()))
        });
    }
    group.finish();
}

criterion_group!(benches, legs);
criterion_main!(benches);
