//! Audio codecs carried on RTP. G.711 only for now: both laws, one byte per sample.

pub mod g711;

use crate::{Frame, FRAME_SAMPLES};

/// A codec negotiated for a leg, with its static RTP payload type (RFC 3551 §6, table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// G.711 μ-law, payload type 0.
    Pcmu,
    /// G.711 A-law, payload type 8.
    Pcma,
}

/// What went wrong turning a payload into samples.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The payload type is not one this crate decodes.
    #[error("payload type {found} is not PCMU (0) or PCMA (8)")]
    UnknownPayloadType {
        /// The payload type that arrived.
        found: u8,
    },
    /// A payload was not exactly one 20 ms frame.
    #[error("payload of {found} bytes, expected {expected} (one 20 ms frame)")]
    FrameLength {
        /// Bytes a frame takes in this codec.
        expected: usize,
        /// Bytes that arrived.
        found: usize,
    },
}

impl Codec {
    /// Every codec, in the order we offer them.
    pub const ALL: [Codec; 2] = [Codec::Pcmu, Codec::Pcma];

    /// The static payload type (RFC 3551 §6).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The codec for a static payload type.
    pub fn from_payload_type(pt: u8) -> Result<Self, CodecError> {
        match pt {
            0 => Ok(Codec::Pcmu),
            8 => Ok(Codec::Pcma),
            found => Err(CodecError::UnknownPayloadType { found }),
        }
    }

    /// A dense index (0..[`Codec::ALL`].len()) for per-codec tables.
    pub const fn index(self) -> usize {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 1,
        }
    }

    /// Encodes one frame; `out` receives one byte per sample.
    pub fn encode_frame(self, pcm: &Frame, out: &mut [u8; FRAME_SAMPLES]) {
        match self {
            Codec::Pcmu => g711::encode_ulaw(pcm, out),
            Codec::Pcma => g711::encode_alaw(pcm, out),
        }
    }

    /// Decodes one 20 ms payload into a frame.
    pub fn decode_frame(self, payload: &[u8], out: &mut Frame) -> Result<(), CodecError> {
        let bytes: &[u8; FRAME_SAMPLES] =
            payload.try_into().map_err(|_| CodecError::FrameLength {
                expected: FRAME_SAMPLES,
                found: payload.len(),
            })?;
        match self {
            Codec::Pcmu => g711::decode_ulaw(bytes, out),
            Codec::Pcma => g711::decode_alaw(bytes, out),
        }
        Ok(())
    }

    /// The byte closest to silence: 0 in μ-law, ±8 in A-law (which has no zero level).
    pub const fn silence_byte(self) -> u8 {
        match self {
            Codec::Pcmu => 0xFF,
            Codec::Pcma => 0xD5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_types_match_rfc3551() {
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        for c in Codec::ALL {
            assert_eq!(Codec::from_payload_type(c.payload_type()), Ok(c));
        }
        assert_eq!(
            Codec::from_payload_type(18),
            Err(CodecError::UnknownPayloadType { found: 18 })
        );
    }

    #[test]
    fn frame_length_is_checked() {
        let mut out = [0i16; FRAME_SAMPLES];
        let err = Codec::Pcmu.decode_frame(&[0u8; 80], &mut out).unwrap_err();
        assert_eq!(
            err,
            CodecError::FrameLength {
                expected: 160,
                found: 80
            }
        );
    }

    #[test]
    fn silence_bytes_decode_to_near_zero() {
        for c in Codec::ALL {
            let mut out = [100i16; FRAME_SAMPLES];
            c.decode_frame(&[c.silence_byte(); FRAME_SAMPLES], &mut out)
                .unwrap();
            assert!(out.iter().all(|&s| s.abs() <= 8), "{c:?}");
        }
    }
}
