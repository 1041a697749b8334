//! Fuzzes the WAV reader on arbitrary bytes: no panic, and the output is bounded by the
//! input (the reader never allocates from a size field it was told).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_media::wav;

fuzz_target!(|data: &[u8]| {
    if let Ok(pcm) = wav::decode(data) {
        assert!(pcm.len() <= data.len());
    }
    let _ = wav::parse(data);
});
