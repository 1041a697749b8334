//! The per-packet cost of the engine's abuse gate (rate limit + ban check), for one source
//! and for many, and of building a 400 for an unparseable request.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use switchboard_engine::security::Gate;
use switchboard_engine::{BanPolicy, RateLimit};

fn gate(c: &mut Criterion) {
    let limit = RateLimit {
        enabled: true,
        per_second: 1e9,
        burst: u32::MAX,
    };
    #[allow(clippy::disallowed_methods)] // a bench anchors its fake time once
    let t0 = Instant::now();
    let mut g = Gate::new(limit, BanPolicy::default());
    let one: IpAddr = Ipv4Addr::new(192, 0, 2, 1).into();
    let mut tick = 0u64;
    c.bench_function("engine_gate_admit_one_source", |b| {
        b.iter(|| {
            tick += 1;
            black_box(g.admit(t0 + Duration::from_nanos(tick), one))
        })
    });
    let mut g = Gate::new(limit, BanPolicy::default());
    let mut n = 0u32;
    c.bench_function("engine_gate_admit_65536_sources", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let ip: IpAddr = Ipv4Addr::from(0x0a00_0000 | (n & 0xffff)).into();
            black_box(g.admit(t0 + Duration::from_nanos(u64::from(n)), ip))
        })
    });
}

fn malformed(c: &mut Criterion) {
    let raw = b"REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa\r\n\
        From: <sip:1001@x>;tag=1\r\nTo: <sip:1001@x>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n\
        Expires: soon\r\n\r\n";
    c.bench_function("sip_bad_request", |b| {
        b.iter(|| black_box(switchboard_sip::malformed::bad_request(black_box(raw))))
    });
}

criterion_group!(benches, gate, malformed);
criterion_main!(benches);
