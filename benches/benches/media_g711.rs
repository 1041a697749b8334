//! G.711 encode and decode cost per 20 ms frame (160 samples), both laws.
//! Run: `cargo bench -p switchboard-benches --bench media_g711`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use switchboard_media::codec::Codec;
use switchboard_media::FRAME_SAMPLES;

fn speechlike_frame() -> [i16; FRAME_SAMPLES] {
    let mut f = [0i16; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = i as f64 / 8000.0;
        let v = 6000.0 * (std::f64::consts::TAU * 300.0 * t).sin()
            + 3000.0 * (std::f64::consts::TAU * 1250.0 * t).sin();
        *s = v as i16;
    }
    f
}

fn g711(c: &mut Criterion) {
    let pcm = speechlike_frame();
    let mut group = c.benchmark_group("g711_frame");
    group.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    for codec in Codec::ALL {
        let mut enc = [0u8; FRAME_SAMPLES];
        group.bench_function(format!("encode_{codec:?}"), |b| {
            b.iter(|| codec.encode_frame(black_box(&pcm), &mut enc))
        });
        codec.encode_frame(&pcm, &mut enc);
        let mut dec = [0i16; FRAME_SAMPLES];
        group.bench_function(format!("decode_{codec:?}"), |b| {
            b.iter(|| codec.decode_frame(black_box(&enc), &mut dec))
        });
    }
    group.finish();
}

criterion_group!(benches, g711);
criterion_main!(benches);
