//! Hostile and broken WAV files: truncation anywhere, chunk sizes that lie, absurd
//! format fields and random bytes never panic, never allocate beyond the input, and give
//! structured errors.

use proptest::prelude::*;
use switchboard_media::wav::{self, WavEncoding, WavError};

fn valid() -> Vec<u8> {
    let pcm: Vec<i16> = (0..400).map(|i| (i * 50) as i16).collect();
    wav::encode(&pcm, WavEncoding::Pcm16)
}

#[test]
fn every_truncation_is_an_error_or_a_prefix() {
    let full = valid();
    let decoded_full = wav::decode(&full).unwrap();
    for cut in 0..full.len() {
        match wav::decode(&full[..cut]) {
            Ok(pcm) => assert!(decoded_full.starts_with(&pcm), "cut {cut}"),
            Err(
                WavError::NotWave { .. }
                | WavError::MissingChunk { .. }
                | WavError::ShortFormat { .. },
            ) => {}
            Err(e) => panic!("cut {cut}: unexpected {e}"),
        }
    }
}

#[test]
fn huge_chunk_sizes_are_clamped() {
    let mut f = valid();
    // fmt chunk claims 4 GiB: the walk stops at the end of the file, no data chunk found.
    f[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        wav::decode(&f),
        Err(WavError::MissingChunk { chunk: "data" })
    ));
    let mut f = valid();
    f[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        wav::decode(&f).unwrap().len(),
        400,
        "RIFF size is not trusted"
    );
}

#[test]
fn absurd_format_fields() {
    let mut f = valid();
    f[22..24].copy_from_slice(&0u16.to_le_bytes()); // zero channels
    assert!(matches!(
        wav::decode(&f),
        Err(WavError::UnsupportedChannels { found: 0 })
    ));
    let mut f = valid();
    f[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        wav::decode(&f),
        Err(WavError::UnsupportedRate { .. })
    ));
    let mut f = valid();
    f[32..34].copy_from_slice(&7u16.to_le_bytes()); // block align
    assert!(matches!(
        wav::decode(&f),
        Err(WavError::BlockAlign {
            expected: 2,
            found: 7
        })
    ));
    let e = wav::decode(&{
        let mut f = valid();
        f[20..22].copy_from_slice(&0x55u16.to_le_bytes()); // MP3
        f
    })
    .unwrap_err();
    assert!(e.to_string().contains("supported"), "{e}");
}

#[test]
fn extensible_format_is_resolved() {
    // WAVE_FORMAT_EXTENSIBLE with a PCM sub-format, 16 kHz stereo.
    let mut f = Vec::new();
    let data: Vec<u8> = (0..3200).flat_map(|_| [0u8, 0, 0, 0]).collect();
    f.extend_from_slice(b"RIFF");
    f.extend_from_slice(&(60 + data.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&40u32.to_le_bytes());
    f.extend_from_slice(&0xFFFEu16.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&16_000u32.to_le_bytes());
    f.extend_from_slice(&64_000u32.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&16u16.to_le_bytes());
    f.extend_from_slice(&22u16.to_le_bytes());
    f.extend_from_slice(&16u16.to_le_bytes());
    f.extend_from_slice(&3u32.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes()); // sub-format GUID starts with the PCM tag
    f.extend_from_slice(&[0; 14]);
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f.extend_from_slice(&data);
    assert_eq!(wav::decode(&f).unwrap().len(), 1600);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wav::decode(&bytes);
    }

    #[test]
    fn mutated_headers_never_panic(pos in 0usize..44, val in any::<u8>(), cut in 0usize..900) {
        let mut f = valid();
        f[pos] = val;
        f.truncate(cut.max(1));
        if let Ok(pcm) = wav::decode(&f) {
            // Output is bounded by the input (at most one sample per input byte, even
            // after resampling up from 8 kHz is refused).
            prop_assert!(pcm.len() <= f.len());
        }
    }
}
