//! RTP packetisation on rtp-rs (RFC 3550 §5): an outgoing stream whose sequence numbers
//! and timestamps come from a frame counter, and validated parsing of incoming packets.
//!
//! Sequence numbers are compared with wrapping arithmetic ([`seq_delta`]), never with `Ord`
//! on `u16` (and never with rtp-rs's `Ord` on `Seq`, which is not transitive).

use rand::Rng;
use rtp_rs::{RtpPacketBuilder, RtpReader, RtpReaderError, Seq};

use crate::FRAME_SAMPLES;

/// Size of the fixed RTP header without CSRCs (RFC 3550 §5.1).
pub const HEADER_LEN: usize = 12;

/// Why an RTP packet was refused or could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer bytes than a fixed header.
    #[error("RTP packet of {found} bytes, at least {expected} needed")]
    TooShort {
        /// Minimum length.
        expected: usize,
        /// Length that arrived.
        found: usize,
    },
    /// Version field other than 2.
    #[error("RTP version {found}, expected 2")]
    Version {
        /// The version that arrived.
        found: u8,
    },
    /// CSRC list, extension or padding run past the end of the packet.
    #[error("RTP header claims {claimed} bytes but the packet has {found}")]
    Truncated {
        /// Bytes the header fields claim.
        claimed: usize,
        /// Bytes that arrived.
        found: usize,
    },
    /// Padding length of 0 or larger than the packet.
    #[error("invalid RTP padding length {found}")]
    Padding {
        /// The padding count byte.
        found: u8,
    },
    /// Payload types 72–76 collide with RTCP packet types (RFC 5761 §4): this is RTCP
    /// that arrived on the RTP path.
    #[error("payload type {found} is in the RTCP range 72-76")]
    RtcpPayloadType {
        /// The payload type that arrived.
        found: u8,
    },
    /// The output buffer cannot hold the packet.
    #[error("output buffer of {found} bytes, {needed} needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
    /// The payload type does not fit in 7 bits.
    #[error("payload type {found} does not fit in 7 bits")]
    PayloadTypeRange {
        /// The payload type given.
        found: u8,
    },
}

impl From<RtpReaderError> for RtpError {
    fn from(e: RtpReaderError) -> Self {
        match e {
            RtpReaderError::BufferTooShort(found) => RtpError::TooShort {
                expected: HEADER_LEN,
                found,
            },
            RtpReaderError::UnsupportedVersion(found) => RtpError::Version { found },
            RtpReaderError::HeadersTruncated {
                header_len,
                buffer_len,
            } => RtpError::Truncated {
                claimed: header_len,
                found: buffer_len,
            },
            RtpReaderError::PaddingLengthInvalid(found) => RtpError::Padding { found },
        }
    }
}

/// Signed distance from `b` to `a` in sequence-number space: positive when `a` is newer.
/// Correct while the two are less than 2^15 apart (RFC 3550 A.1).
#[inline]
pub fn seq_delta(a: u16, b: u16) -> i16 {
    a.wrapping_sub(b) as i16
}

/// Whether `a` comes after `b`, with wrap-around.
#[inline]
pub fn seq_newer(a: u16, b: u16) -> bool {
    seq_delta(a, b) > 0
}

/// One incoming RTP packet, borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Synchronisation source.
    pub ssrc: u32,
    /// Sequence number.
    pub seq: u16,
    /// Media timestamp (8 kHz units for G.711 and telephone-event).
    pub timestamp: u32,
    /// Payload type.
    pub payload_type: u8,
    /// Marker bit: start of a talkspurt for audio, start of an event for RFC 4733.
    pub marker: bool,
    /// Payload without padding.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Parses and validates an RTP datagram (never panics on any input).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, RtpError> {
        let r = RtpReader::new(bytes)?;
        let pt = r.payload_type();
        if (72..=76).contains(&pt) {
            return Err(RtpError::RtcpPayloadType { found: pt });
        }
        Ok(Self {
            ssrc: r.ssrc(),
            seq: u16::from(r.sequence_number()),
            timestamp: r.timestamp(),
            payload_type: pt,
            marker: r.mark(),
            payload: r.payload(),
        })
    }
}

/// Whether a datagram on a muxed port is RTCP rather than RTP (RFC 5761 §4: the second
/// byte holds an RTCP packet type 192–223).
pub fn is_rtcp(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] >> 6 == 2 && (192..=223).contains(&bytes[1])
}

/// An outgoing RTP stream: SSRC, sequence numbers and timestamps.
///
/// Timestamps advance by one frame per [`RtpSender::write_frame`] or
/// [`RtpSender::skip_frame`] call, never from a clock: a late tick does not make a gap,
/// and a paused stream resumes where its frame count says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpSender {
    ssrc: u32,
    payload_type: u8,
    next_seq: u16,
    ts_base: u32,
    frames: u32,
    mark_next: bool,
    packets: u32,
    octets: u32,
}

impl RtpSender {
    /// A stream with explicit initial values (RFC 3550 §5.1 wants them random: use
    /// [`RtpSender::random`] outside tests).
    pub fn new(ssrc: u32, initial_seq: u16, initial_ts: u32, payload_type: u8) -> Self {
        Self {
            ssrc,
            payload_type: payload_type & 0x7F,
            next_seq: initial_seq,
            ts_base: initial_ts,
            frames: 0,
            mark_next: true,
            packets: 0,
            octets: 0,
        }
    }

    /// A stream whose SSRC, first sequence number and first timestamp come from `rng`.
    pub fn random(rng: &mut impl Rng, payload_type: u8) -> Self {
        Self::new(rng.random(), rng.random(), rng.random(), payload_type)
    }

    /// This stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The timestamp the next frame will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.ts_base
            .wrapping_add(self.frames.wrapping_mul(FRAME_SAMPLES as u32))
    }

    /// The sequence number the next packet will carry.
    pub fn next_seq(&self) -> u16 {
        self.next_seq
    }

    /// Packets sent so far (for RTCP SR, RFC 3550 §6.4.1).
    pub fn packet_count(&self) -> u32 {
        self.packets
    }

    /// Payload octets sent so far.
    pub fn octet_count(&self) -> u32 {
        self.octets
    }

    /// Marks the next packet as the start of a talkspurt (RFC 3551 §4.1), e.g. after
    /// silence or a source change.
    pub fn start_talkspurt(&mut self) {
        self.mark_next = true;
    }

    /// Lets a frame's time pass without sending (silence suppression, hold): the
    /// timestamp advances, the sequence number does not, and the next packet is marked.
    pub fn skip_frame(&mut self) {
        self.frames = self.frames.wrapping_add(1);
        self.mark_next = true;
    }

    /// Writes one 20 ms audio frame into `out`; returns the packet length.
    pub fn write_frame(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, RtpError> {
        let ts = self.next_timestamp();
        let marker = self.mark_next;
        let n = self.write_packet(self.payload_type, marker, ts, payload, out)?;
        self.mark_next = false;
        self.frames = self.frames.wrapping_add(1);
        Ok(n)
    }

    /// Writes a packet with its own payload type, marker and timestamp in this stream's
    /// sequence space (RFC 4733 events share the audio stream's SSRC and sequence).
    /// The frame counter does not move; the caller decides how events take the place of
    /// audio frames.
    pub fn write_packet(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, RtpError> {
        if payload_type > 0x7F {
            return Err(RtpError::PayloadTypeRange {
                found: payload_type,
            });
        }
        let needed = HEADER_LEN + payload.len();
        if out.len() < needed {
            return Err(RtpError::BufferTooSmall {
                needed,
                found: out.len(),
            });
        }
        let builder = RtpPacketBuilder::new()
            .payload_type(payload_type)
            .marked(marker)
            .sequence(Seq::from(self.next_seq))
            .ssrc(self.ssrc)
            .timestamp(timestamp)
            .payload(payload);
        // Length and payload type were checked above, the only ways build_into fails
        // without CSRCs or extensions.
        let n = builder
            .build_into(out)
            .map_err(|_| RtpError::BufferTooSmall {
                needed,
                found: out.len(),
            })?;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload.len() as u32);
        Ok(n)
    }

    /// Moves the frame counter on by `frames` without sending (after an RFC 4733 event
    /// took their place).
    pub fn advance_frames(&mut self, frames: u32) {
        self.frames = self.frames.wrapping_add(frames);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn wrapping_comparison() {
        assert!(seq_newer(0, 65535));
        assert!(!seq_newer(65535, 0));
        assert_eq!(seq_delta(2, 65534), 4);
        assert_eq!(seq_delta(65534, 2), -4);
        assert!(!seq_newer(7, 7));
    }

    #[test]
    fn sender_counts_frames_and_marks_talkspurts() {
        let mut tx = RtpSender::new(0x1234_5678, 65535, u32::MAX - 100, 0);
        let mut buf = [0u8; 200];
        let n = tx.write_frame(&[0xFF; 160], &mut buf).unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert!(p.marker);
        assert_eq!(
            (p.seq, p.timestamp, p.ssrc),
            (65535, u32::MAX - 100, 0x1234_5678)
        );
        let n = tx.write_frame(&[0xFF; 160], &mut buf).unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert!(!p.marker);
        assert_eq!(p.seq, 0);
        assert_eq!(p.timestamp, (u32::MAX - 100).wrapping_add(160));
        tx.skip_frame();
        let n = tx.write_frame(&[0xFF; 160], &mut buf).unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert!(p.marker, "first packet after silence is marked");
        assert_eq!(p.seq, 1);
        assert_eq!(p.timestamp, (u32::MAX - 100).wrapping_add(480));
        assert_eq!(tx.packet_count(), 3);
        assert_eq!(tx.octet_count(), 480);
    }

    #[test]
    fn random_streams_come_from_the_rng() {
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        assert_eq!(RtpSender::random(&mut a, 8), RtpSender::random(&mut b, 8));
    }

    #[test]
    fn refuses_bad_packets() {
        assert_eq!(
            RtpPacket::parse(&[0x80; 4]),
            Err(RtpError::TooShort {
                expected: 12,
                found: 4
            })
        );
        let mut v1 = [0u8; 12];
        v1[0] = 0x40;
        assert_eq!(RtpPacket::parse(&v1), Err(RtpError::Version { found: 1 }));
        let mut rtcp = [0u8; 12];
        rtcp[0] = 0x80;
        rtcp[1] = 200; // SR: marker bit set + PT 72
        assert_eq!(
            RtpPacket::parse(&rtcp),
            Err(RtpError::RtcpPayloadType { found: 72 })
        );
        assert!(is_rtcp(&rtcp));
        let mut csrc = [0u8; 12];
        csrc[0] = 0x83; // three CSRCs that are not there
        assert!(matches!(
            RtpPacket::parse(&csrc),
            Err(RtpError::Truncated { .. })
        ));
    }

    #[test]
    fn small_buffer_is_an_error() {
        let mut tx = RtpSender::new(1, 1, 1, 0);
        let mut buf = [0u8; 20];
        assert_eq!(
            tx.write_frame(&[0; 160], &mut buf),
            Err(RtpError::BufferTooSmall {
                needed: 172,
                found: 20
            })
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn parse_never_panics(
            first in 0x80u8..0xC0,
            rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
        ) {
            let mut b = vec![first];
            b.extend(rest);
            if let Ok(p) = RtpPacket::parse(&b) {
                proptest::prop_assert!(p.payload.len() + HEADER_LEN <= b.len());
            }
        }

        #[test]
        fn written_packets_parse_back(
            ssrc in proptest::prelude::any::<u32>(),
            seq in proptest::prelude::any::<u16>(),
            ts in proptest::prelude::any::<u32>(),
            pt in 0u8..72,
            payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let mut tx = RtpSender::new(ssrc, seq, ts, pt);
            let mut buf = [0u8; 256];
            let n = tx.write_frame(&payload, &mut buf).unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            proptest::prop_assert_eq!((p.ssrc, p.seq, p.timestamp, p.payload_type), (ssrc, seq, ts, pt));
            proptest::prop_assert_eq!(p.payload, &payload[..]);
        }
    }
}
