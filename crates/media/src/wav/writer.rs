//! The WAV writer for recordings: 8 kHz mono, 16-bit PCM, μ-law or A-law. Sizes are
//! patched in when the recording finishes, so a recording of any length is written as
//! it goes.

use std::io::{Seek, SeekFrom, Write};

use super::WavError;
use crate::codec::g711::{alaw_encode, ulaw_encode};
use crate::SAMPLE_RATE;

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WavEncoding {
    /// 16-bit linear PCM (format 1).
    Pcm16,
    /// G.711 μ-law (format 7).
    Ulaw,
    /// G.711 A-law (format 6).
    Alaw,
}

impl WavEncoding {
    fn tag(self) -> u16 {
        match self {
            WavEncoding::Pcm16 => 1,
            WavEncoding::Ulaw => 7,
            WavEncoding::Alaw => 6,
        }
    }
    fn width(self) -> u16 {
        match self {
            WavEncoding::Pcm16 => 2,
            WavEncoding::Ulaw | WavEncoding::Alaw => 1,
        }
    }
}

/// The largest data chunk whose size fits the RIFF header's 32 bits with the header.
const MAX_DATA: u64 = u32::MAX as u64 - 64;

/// Writes one 8 kHz mono WAV file to `W`.
#[derive(Debug)]
pub struct WavWriter<W: Write + Seek> {
    out: W,
    encoding: WavEncoding,
    samples: u64,
    /// Offset of the RIFF, data and fact size fields, patched in `finish`.
    data_size_at: u64,
    fact_at: Option<u64>,
    scratch: Vec<u8>,
}

impl<W: Write + Seek> WavWriter<W> {
    /// Starts a file: writes the header with provisional sizes.
    pub fn new(mut out: W, encoding: WavEncoding) -> Result<Self, WavError> {
        let width = encoding.width();
        let mut h = Vec::with_capacity(58);
        h.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
        let g711 = encoding != WavEncoding::Pcm16;
        // Non-PCM formats carry cbSize (an 18-byte fmt) and a fact chunk (RIFF rules).
        h.extend_from_slice(&(if g711 { 18u32 } else { 16 }).to_le_bytes());
        h.extend_from_slice(&encoding.tag().to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
        h.extend_from_slice(&(SAMPLE_RATE * u32::from(width)).to_le_bytes());
        h.extend_from_slice(&width.to_le_bytes());
        h.extend_from_slice(&(width * 8).to_le_bytes());
        let mut fact_at = None;
        if g711 {
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(b"fact");
            h.extend_from_slice(&4u32.to_le_bytes());
            fact_at = Some(h.len() as u64);
            h.extend_from_slice(&0u32.to_le_bytes());
        }
        h.extend_from_slice(b"data");
        let data_size_at = h.len() as u64;
        h.extend_from_slice(&0u32.to_le_bytes());
        out.write_all(&h)?;
        Ok(Self {
            out,
            encoding,
            samples: 0,
            data_size_at,
            fact_at,
            scratch: Vec::with_capacity(320),
        })
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Appends samples.
    pub fn write(&mut self, pcm: &[i16]) -> Result<(), WavError> {
        let width = u64::from(self.encoding.width());
        if (self.samples + pcm.len() as u64) * width > MAX_DATA {
            return Err(WavError::RecordingTooLarge { limit: MAX_DATA });
        }
        self.scratch.clear();
        match self.encoding {
            WavEncoding::Pcm16 => self
                .scratch
                .extend(pcm.iter().flat_map(|s| s.to_le_bytes())),
            WavEncoding::Ulaw => self.scratch.extend(pcm.iter().map(|&s| ulaw_encode(s))),
            WavEncoding::Alaw => self.scratch.extend(pcm.iter().map(|&s| alaw_encode(s))),
        }
        self.out.write_all(&self.scratch)?;
        self.samples += pcm.len() as u64;
        Ok(())
    }

    /// Patches the sizes, flushes, and hands back the sink.
    pub fn finish(mut self) -> Result<W, WavError> {
        let data = self.samples * u64::from(self.encoding.width());
        // An odd-length data chunk gets its RIFF pad byte.
        if data % 2 == 1 {
            self.out.write_all(&[0])?;
        }
        let riff = self.data_size_at + 4 + data + (data & 1) - 8;
        // Both fit in u32: `write` keeps data under MAX_DATA.
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&(riff as u32).to_le_bytes())?;
        if let Some(at) = self.fact_at {
            self.out.seek(SeekFrom::Start(at))?;
            self.out.write_all(&(self.samples as u32).to_le_bytes())?;
        }
        self.out.seek(SeekFrom::Start(self.data_size_at))?;
        self.out.write_all(&(data as u32).to_le_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Encodes samples as a complete WAV file in memory.
pub fn encode(pcm: &[i16], encoding: WavEncoding) -> Vec<u8> {
    let run = || -> Result<Vec<u8>, WavError> {
        let mut w = WavWriter::new(std::io::Cursor::new(Vec::new()), encoding)?;
        w.write(pcm)?;
        Ok(w.finish()?.into_inner())
    };
    // Writing to memory cannot fail, and `pcm` is a slice already in memory, far below
    // the 4 GiB RIFF limit on any input a caller can hold alongside its encoding.
    run().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wav::decode;

    #[test]
    fn round_trips_in_every_encoding() {
        let pcm: Vec<i16> = (0..999)
            .map(|i| ((i * 37) % 20000 - 10000) as i16)
            .collect();
        let exact = decode(&encode(&pcm, WavEncoding::Pcm16)).unwrap();
        assert_eq!(exact, pcm);
        for enc in [WavEncoding::Ulaw, WavEncoding::Alaw] {
            let bytes = encode(&pcm, enc);
            assert_eq!(bytes.len() % 2, 0, "padded to even");
            let back = decode(&bytes).unwrap();
            assert_eq!(back.len(), pcm.len());
            for (a, b) in back.iter().zip(&pcm) {
                assert!((i32::from(*a) - i32::from(*b)).abs() <= 700);
            }
        }
    }

    #[test]
    fn header_sizes_are_consistent() {
        let bytes = encode(&[1, 2, 3], WavEncoding::Pcm16);
        assert_eq!(bytes.len(), 44 + 6);
        assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()), 42);
        assert_eq!(u32::from_le_bytes(bytes[40..44].try_into().unwrap()), 6);
    }
}
