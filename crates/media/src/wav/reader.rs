//! The WAV reader: chunk walk, format checks, decoding and conversion to 8 kHz mono.

use super::{resample_to_8k, WavError};
use crate::codec::g711::{alaw_decode, ulaw_decode};
use crate::SAMPLE_RATE;

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_ALAW: u16 = 6;
const WAVE_FORMAT_MULAW: u16 = 7;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
const MAX_CHANNELS: u16 = 8;
const MIN_RATE: u32 = 8_000;
const MAX_RATE: u32 = 192_000;

/// Bounds on what the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Longest audio accepted, in seconds (the default, 30 minutes, is 28.8 MB at 8 kHz).
    pub max_seconds: u32,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self { max_seconds: 1800 }
    }
}

/// The format of a WAV file, as its `fmt ` chunk says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    /// Format tag (extensible files resolved to their sub-format).
    pub format_tag: u16,
    /// Channels.
    pub channels: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// Bits per sample.
    pub bits_per_sample: u16,
    /// Bytes per sample frame (all channels).
    pub block_align: u16,
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Finds the format and the audio bytes of a WAV file without decoding them.
pub fn parse(bytes: &[u8]) -> Result<(WavInfo, &[u8]), WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave {
            found: bytes[..bytes.len().min(12)].to_vec(),
        });
    }
    let mut fmt: Option<&[u8]> = None;
    let mut data: Option<&[u8]> = None;
    let mut at = 12usize;
    while at + 8 <= bytes.len() && data.is_none() {
        let id = &bytes[at..at + 4];
        // Sizes may lie (streaming writers leave 0 or 0xFFFFFFFF): never trust one past
        // the end of what is actually there.
        let size = le32(bytes, at + 4).unwrap_or(0) as usize;
        let body_start = at + 8;
        let body_end = body_start.saturating_add(size).min(bytes.len());
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " => fmt = Some(body),
            b"data" => data = Some(body),
            _ => {}
        }
        // Chunks are padded to an even length (RIFF).
        at = body_end.saturating_add(body_end & 1);
    }
    let fmt = fmt.ok_or(WavError::MissingChunk { chunk: "fmt " })?;
    let data = data.ok_or(WavError::MissingChunk { chunk: "data" })?;
    Ok((parse_fmt(fmt)?, data))
}

fn parse_fmt(fmt: &[u8]) -> Result<WavInfo, WavError> {
    let short = |expected| WavError::ShortFormat {
        expected,
        found: fmt.len(),
    };
    let mut info = WavInfo {
        format_tag: le16(fmt, 0).ok_or(short(16))?,
        channels: le16(fmt, 2).ok_or(short(16))?,
        sample_rate: le32(fmt, 4).ok_or(short(16))?,
        block_align: le16(fmt, 12).ok_or(short(16))?,
        bits_per_sample: le16(fmt, 14).ok_or(short(16))?,
    };
    if info.format_tag == WAVE_FORMAT_EXTENSIBLE {
        // WAVEFORMATEXTENSIBLE: the sub-format GUID starts at byte 24 with the tag.
        info.format_tag = le16(fmt, 24).ok_or(short(40))?;
    }
    Ok(info)
}

/// Bytes per sample of a supported encoding.
fn sample_bytes(info: &WavInfo) -> Result<u16, WavError> {
    match (info.format_tag, info.bits_per_sample) {
        (WAVE_FORMAT_PCM, 16) => Ok(2),
        (WAVE_FORMAT_PCM, 8) | (WAVE_FORMAT_ALAW, 8) | (WAVE_FORMAT_MULAW, 8) => Ok(1),
        (format_tag, bits_per_sample) => Err(WavError::UnsupportedEncoding {
            format_tag,
            bits_per_sample,
        }),
    }
}

/// Decodes a WAV file to 8 kHz mono, with the default [`ReadLimits`].
pub fn decode(bytes: &[u8]) -> Result<Vec<i16>, WavError> {
    decode_with(bytes, ReadLimits::default())
}

/// Decodes a WAV file to 8 kHz mono within `limits`.
pub fn decode_with(bytes: &[u8], limits: ReadLimits) -> Result<Vec<i16>, WavError> {
    let (info, data) = parse(bytes)?;
    let width = sample_bytes(&info)?;
    if !(1..=MAX_CHANNELS).contains(&info.channels) {
        return Err(WavError::UnsupportedChannels {
            found: info.channels,
        });
    }
    if !(MIN_RATE..=MAX_RATE).contains(&info.sample_rate) {
        return Err(WavError::UnsupportedRate {
            found: info.sample_rate,
        });
    }
    let expected = width * info.channels;
    if info.block_align != expected {
        return Err(WavError::BlockAlign {
            expected,
            found: info.block_align,
        });
    }
    let frames = data.len() / usize::from(expected);
    let seconds = frames as u64 / u64::from(info.sample_rate);
    if seconds >= u64::from(limits.max_seconds) {
        return Err(WavError::TooLong {
            seconds,
            limit: limits.max_seconds,
        });
    }
    // At most one i16 per input sample frame: bounded by the input's own length.
    let mono: Vec<i16> = data
        .chunks_exact(usize::from(expected))
        .map(|frame| downmix(frame, &info, usize::from(width)))
        .collect();
    if info.sample_rate == SAMPLE_RATE {
        Ok(mono)
    } else {
        Ok(resample_to_8k(&mono, info.sample_rate))
    }
}

/// Averages the channels of one sample frame.
fn downmix(frame: &[u8], info: &WavInfo, width: usize) -> i16 {
    let sum: i32 = frame
        .chunks_exact(width)
        .map(|s| match (info.format_tag, width) {
            (WAVE_FORMAT_ALAW, _) => i32::from(alaw_decode(s[0])),
            (WAVE_FORMAT_MULAW, _) => i32::from(ulaw_decode(s[0])),
            // 8-bit PCM is unsigned with 128 as zero.
            (_, 1) => (i32::from(s[0]) - 128) << 8,
            _ => i32::from(i16::from_le_bytes([s[0], s[1]])),
        })
        .sum();
    (sum / i32::from(info.channels)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut v = Vec::new();
        v.extend_from_slice(b"RIFF");
        v.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        v.extend_from_slice(b"WAVEfmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&channels.to_le_bytes());
        v.extend_from_slice(&rate.to_le_bytes());
        v.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        v.extend_from_slice(&align.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(b"data");
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn stereo_is_downmixed() {
        let data: Vec<u8> = [1000i16, 3000, -2000, -4000]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let pcm = decode(&header(1, 2, 8000, 16, &data)).unwrap();
        assert_eq!(pcm, [2000, -3000]);
    }

    #[test]
    fn eight_bit_pcm_is_centred() {
        let pcm = decode(&header(1, 1, 8000, 8, &[128, 255, 0])).unwrap();
        assert_eq!(pcm, [0, 127 << 8, -128 << 8]);
    }

    #[test]
    fn structured_refusals() {
        assert!(matches!(
            decode(&header(3, 1, 8000, 32, &[0; 8])),
            Err(WavError::UnsupportedEncoding {
                format_tag: 3,
                bits_per_sample: 32
            })
        ));
        assert!(matches!(
            decode(&header(1, 9, 8000, 16, &[0; 18])),
            Err(WavError::UnsupportedChannels { found: 9 })
        ));
        assert!(matches!(
            decode(&header(1, 1, 4000, 16, &[0; 8])),
            Err(WavError::UnsupportedRate { found: 4000 })
        ));
        assert!(matches!(
            decode(b"RIFX\0\0\0\0WAVE"),
            Err(WavError::NotWave { .. })
        ));
        let mut no_data = header(1, 1, 8000, 16, &[]);
        no_data.truncate(36);
        assert!(matches!(
            decode(&no_data),
            Err(WavError::MissingChunk { chunk: "data" })
        ));
    }

    #[test]
    fn lying_sizes_are_clamped_to_the_file() {
        let mut f = header(1, 1, 8000, 16, &[1, 0, 2, 0, 3]);
        let n = f.len();
        f[n - 9..n - 5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&f).unwrap(), [1, 2]);
    }

    #[test]
    fn length_limit() {
        let f = header(1, 1, 8000, 16, &vec![0u8; 8000 * 2 * 3]);
        assert!(matches!(
            decode_with(&f, ReadLimits { max_seconds: 2 }),
            Err(WavError::TooLong {
                seconds: 3,
                limit: 2
            })
        ));
    }
}
