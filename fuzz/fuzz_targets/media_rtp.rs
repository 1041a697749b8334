//! Fuzzes RTP and RTCP parsing: no panic on any datagram, and what parses as RTP feeds the
//! receiver statistics and the jitter buffer without panicking either.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use switchboard_media::codec::Codec;
use switchboard_media::jitter::{JitterBuffer, JitterConfig};
use switchboard_media::rtcp::{parse_compound, ReceiverStats};
use switchboard_media::rtp::{is_rtcp, RtpPacket};

fuzz_target!(|data: &[u8]| {
    // One anchor instant; the fuzzer's bytes move time, never the clock.
    let t0 = Instant::now();
    if is_rtcp(data) {
        let _ = parse_compound(data);
        return;
    }
    let _ = parse_compound(data);
    // Treat the input as a run of datagrams, each prefixed by a length byte.
    let mut stats: Option<ReceiverStats> = None;
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut rest = data;
    let mut tick = 0u64;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (dgram, tail) = tail.split_at(len);
        rest = tail;
        tick += 1;
        let now = t0 + Duration::from_millis(20 * tick);
        let Ok(p) = RtpPacket::parse(dgram) else { continue };
        match stats.as_mut() {
            Some(s) => {
                s.update(now, &p);
            }
            None => stats = Some(ReceiverStats::new(now, &p)),
        }
        if let Ok(codec) = Codec::from_payload_type(p.payload_type) {
            let mut pcm = [0i16; 160];
            if codec.decode_frame(p.payload, &mut pcm).is_ok() {
                jb.push(now, p.ssrc, p.seq, p.timestamp, &pcm);
            }
        }
        jb.pop();
    }
    if let Some(mut s) = stats {
        let _ = s.quality();
        let _ = s.report_block(t0 + Duration::from_secs(60));
    }
});
