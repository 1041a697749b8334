//! The whole media path at the RTP level: each member's phone sends RTP (its own codec,
//! SSRC and sequence, some packets reordered); the engine parses, decodes, de-jitters,
//! mixes and packetises; each phone decodes what it gets and Goertzel proves it hears the
//! others and not itself.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_media::codec::Codec;
use switchboard_media::jitter::{JitterBuffer, JitterConfig};
use switchboard_media::mixer::{MemberId, Mixer, MixerConfig, VoiceMode};
use switchboard_media::rtp::{RtpPacket, RtpSender};
use switchboard_media::{Frame, FRAME_SAMPLES};

use crate::support::*;

struct Phone {
    codec: Codec,
    tx: RtpSender,
    jitter: JitterBuffer,
    engine_tx: RtpSender,
}

#[test]
fn packets_in_jitter_mix_packets_out() {
    let clock = FakeClock::new();
    let modes = [
        VoiceMode::Both,
        VoiceMode::Both,
        VoiceMode::HeardOnly,
        VoiceMode::PlayedOnly,
    ];
    let mut mixer = Mixer::new(MixerConfig::default());
    let mut phones: Vec<Phone> = modes
        .iter()
        .enumerate()
        .map(|(i, &mode)| {
            let codec = codec_for(i);
            mixer.add_member(MemberId(i as u64), mode, codec).unwrap();
            Phone {
                codec,
                tx: RtpSender::new(
                    0x1000 + i as u32,
                    65_530 - i as u16,
                    7 * i as u32,
                    codec.payload_type(),
                ),
                jitter: JitterBuffer::new(JitterConfig::default()),
                engine_tx: RtpSender::new(0x9000 + i as u32, 0, 0, codec.payload_type()),
            }
        })
        .collect();
    let mut heard_log: Vec<Vec<Frame>> = vec![Vec::new(); phones.len()];
    let mut held_back: Vec<Option<Vec<u8>>> = vec![None; phones.len()];
    let mut buf = [0u8; 256];
    for tick in 0..60u64 {
        // Phones send one packet each; every fifth packet of phone 1 arrives after the next.
        for (i, p) in phones.iter_mut().enumerate() {
            let mut enc = [0u8; FRAME_SAMPLES];
            p.codec.encode_frame(&tone_frame(i, tick), &mut enc);
            let n = p.tx.write_frame(&enc, &mut buf).unwrap();
            let datagram = buf[..n].to_vec();
            let mut arriving = vec![datagram];
            if i == 1 && tick % 5 == 0 {
                held_back[i] = arriving.pop();
            } else if let Some(late) = held_back[i].take() {
                arriving.push(late);
            }
            for d in arriving {
                let pkt = RtpPacket::parse(&d).unwrap();
                let codec = Codec::from_payload_type(pkt.payload_type).unwrap();
                let mut pcm = [0i16; FRAME_SAMPLES];
                codec.decode_frame(pkt.payload, &mut pcm).unwrap();
                p.jitter
                    .push(clock.now(), pkt.ssrc, pkt.seq, pkt.timestamp, &pcm);
            }
        }
        // The engine's tick: one frame from each jitter buffer, one mix, RTP out.
        let frames: Vec<(MemberId, Frame, bool)> = phones
            .iter_mut()
            .enumerate()
            .map(|(i, p)| {
                let (f, kind) = p.jitter.pop();
                (
                    MemberId(i as u64),
                    *f,
                    kind != switchboard_media::jitter::FrameKind::Silence,
                )
            })
            .collect();
        let out = mixer.mix(frames.iter().map(|(id, f, ok)| (*id, ok.then_some(f))));
        for (i, p) in phones.iter_mut().enumerate() {
            let d = out.get(MemberId(i as u64)).unwrap();
            let n = p.engine_tx.write_frame(d.payload, &mut buf).unwrap();
            // The phone receives and decodes it.
            let pkt = RtpPacket::parse(&buf[..n]).unwrap();
            assert_eq!(pkt.payload_type, p.codec.payload_type());
            let mut pcm = [0i16; FRAME_SAMPLES];
            p.codec.decode_frame(pkt.payload, &mut pcm).unwrap();
            heard_log[i].push(pcm);
        }
        clock.advance(Duration::from_millis(20));
    }
    // Judge the last second, once the jitter buffers are playing.
    for (j, mode_j) in modes.iter().enumerate() {
        for frame in &heard_log[j][10..] {
            for (i, mode_i) in modes.iter().enumerate() {
                let expect = i != j && mode_i.hears() && mode_j.plays_to();
                let level = level_of(frame, i);
                if expect {
                    assert!(level > HEARD, "{j} should hear {i}: {level}");
                } else {
                    assert!(level < ABSENT, "{j} should not hear {i}: {level}");
                }
            }
        }
    }
    let s = phones[1].jitter.stats();
    assert_eq!((s.late, s.lost), (0, 0), "reordering absorbed: {s:?}");
}
