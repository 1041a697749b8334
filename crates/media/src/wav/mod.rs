//! RIFF WAV prompts and recordings.
//!
//! [`decode`] reads a WAV file held in memory and returns 8 kHz mono 16-bit audio, the
//! only format the media core plays: 16-bit and 8-bit PCM, μ-law (format 7) and A-law
//! (format 6), any channel count up to 8 (downmixed), at 8 kHz or any rate from 8 to
//! 192 kHz (low-pass filtered and resampled). Anything else is refused with a
//! [`WavError`] that says what was found and what is supported.
//!
//! The reader trusts nothing in the file: chunk sizes are checked against the bytes
//! actually present, allocation is bounded by the input's length and by
//! [`ReadLimits`], and no input makes it panic.
//!
//! [`WavWriter`] writes 8 kHz mono recordings (16-bit PCM, μ-law or A-law).

mod reader;
mod resample;
mod writer;

pub use reader::{decode, decode_with, parse, ReadLimits, WavInfo};
pub use resample::resample_to_8k;
pub use writer::{encode, WavEncoding, WavWriter};

/// Why a WAV file was refused or could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    /// The file does not start with `RIFF....WAVE`.
    #[error("not a RIFF/WAVE file (found {found:?} at the start)")]
    NotWave {
        /// The first (up to) twelve bytes.
        found: Vec<u8>,
    },
    /// A required chunk is missing or cut short.
    #[error("`{chunk}` chunk missing or truncated")]
    MissingChunk {
        /// `fmt ` or `data`.
        chunk: &'static str,
    },
    /// The `fmt ` chunk is shorter than its format requires.
    #[error("`fmt ` chunk of {found} bytes, {expected} needed")]
    ShortFormat {
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// An encoding this reader does not decode.
    #[error(
        "unsupported WAV encoding: format tag {format_tag:#06x} with {bits_per_sample} bits \
         per sample; supported: 16-bit or 8-bit PCM (1), A-law (6), mu-law (7)"
    )]
    UnsupportedEncoding {
        /// The format tag found (after resolving WAVE_FORMAT_EXTENSIBLE).
        format_tag: u16,
        /// Bits per sample found.
        bits_per_sample: u16,
    },
    /// A channel count this reader does not downmix.
    #[error("{found} channels; supported: 1 to 8 (downmixed to mono)")]
    UnsupportedChannels {
        /// Channels found.
        found: u16,
    },
    /// A sample rate this reader does not convert.
    #[error("sample rate {found} Hz; supported: 8000 to 192000 Hz (converted to 8000)")]
    UnsupportedRate {
        /// Rate found.
        found: u32,
    },
    /// The block alignment does not match channels and sample size.
    #[error("block align {found}, expected {expected} for this format")]
    BlockAlign {
        /// Channels × bytes per sample.
        expected: u16,
        /// Value found.
        found: u16,
    },
    /// The audio is longer than the limit.
    #[error("audio of {seconds} s exceeds the limit of {limit} s")]
    TooLong {
        /// Length of the file's audio, in whole seconds.
        seconds: u64,
        /// The configured limit.
        limit: u32,
    },
    /// A recording would exceed what a RIFF size field can describe.
    #[error("recording would exceed {limit} bytes of audio")]
    RecordingTooLarge {
        /// The largest data chunk a WAV file can describe.
        limit: u64,
    },
    /// The writer's sink failed.
    #[error("writing the WAV file failed: {0}")]
    Io(#[from] std::io::Error),
}
