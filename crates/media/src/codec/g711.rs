//! ITU-T G.711 μ-law and A-law, table-driven and bit-exact with the reference
//! algorithm (the Sun/CCITT `g711.c` segment search that G.191's reference code follows).
//!
//! The tables are built at compile time by `const fn`s that run the reference segment
//! search, so the hot path is one table lookup per sample: μ-law encoding depends only on
//! the top 14 bits of a sample and A-law only on the top 13, which keeps the encode tables
//! at 16 KiB and 8 KiB.

use crate::FRAME_SAMPLES;

/// End points of the μ-law segments on the 14-bit biased magnitude (G.711 table 2a).
const ULAW_SEG_END: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
/// End points of the A-law segments on the 13-bit magnitude (G.711 table 1a).
const ALAW_SEG_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
/// μ-law bias added before the segment search (0x84 on 16 bits, 0x21 on 14).
const ULAW_BIAS_14: i32 = 0x21;
/// Largest 14-bit magnitude μ-law can represent once biased.
const ULAW_CLIP_14: i32 = 8159;

const fn segment(value: i32, ends: &[i32; 8]) -> usize {
    let mut i = 0;
    while i < 8 {
        if value <= ends[i] {
            return i;
        }
        i += 1;
    }
    8
}

/// Reference μ-law encoder on a 14-bit sample (the 16-bit sample shifted right by 2).
const fn ulaw_from_14(sample14: i32) -> u8 {
    let (mut mag, mask) = if sample14 < 0 {
        (-sample14, 0x7Fu8)
    } else {
        (sample14, 0xFFu8)
    };
    if mag > ULAW_CLIP_14 {
        mag = ULAW_CLIP_14;
    }
    mag += ULAW_BIAS_14;
    let seg = segment(mag, &ULAW_SEG_END);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let uval = ((seg as i32) << 4) | ((mag >> (seg + 1)) & 0xF);
    (uval as u8) ^ mask
}

/// Reference A-law encoder on a 13-bit sample (the 16-bit sample shifted right by 3).
const fn alaw_from_13(sample13: i32) -> u8 {
    let (mag, mask) = if sample13 >= 0 {
        (sample13, 0xD5u8)
    } else {
        (-sample13 - 1, 0x55u8)
    };
    let seg = segment(mag, &ALAW_SEG_END);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let mut aval = (seg as i32) << 4;
    if seg < 2 {
        aval |= (mag >> 1) & 0xF;
    } else {
        aval |= (mag >> seg) & 0xF;
    }
    (aval as u8) ^ mask
}

const fn ulaw_decode_ref(byte: u8) -> i16 {
    let u = !byte;
    let mut t = (((u & 0x0F) as i32) << 3) + 0x84;
    t <<= ((u & 0x70) >> 4) as i32;
    if u & 0x80 != 0 {
        (0x84 - t) as i16
    } else {
        (t - 0x84) as i16
    }
}

const fn alaw_decode_ref(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mut t = ((a & 0x0F) as i32) << 4;
    let seg = ((a & 0x70) >> 4) as i32;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    if a & 0x80 != 0 {
        t as i16
    } else {
        -t as i16
    }
}

const fn build_ulaw_encode() -> [u8; 1 << 14] {
    let mut table = [0u8; 1 << 14];
    let mut i = 0;
    while i < (1 << 14) {
        // Index i holds the 14-bit two's-complement sample (i - 8192).
        table[i] = ulaw_from_14(i as i32 - 8192);
        i += 1;
    }
    table
}

const fn build_alaw_encode() -> [u8; 1 << 13] {
    let mut table = [0u8; 1 << 13];
    let mut i = 0;
    while i < (1 << 13) {
        table[i] = alaw_from_13(i as i32 - 4096);
        i += 1;
    }
    table
}

const fn build_decode(alaw: bool) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = if alaw {
            alaw_decode_ref(i as u8)
        } else {
            ulaw_decode_ref(i as u8)
        };
        i += 1;
    }
    table
}

static ULAW_ENCODE: [u8; 1 << 14] = build_ulaw_encode();
static ALAW_ENCODE: [u8; 1 << 13] = build_alaw_encode();
static ULAW_DECODE: [i16; 256] = build_decode(false);
static ALAW_DECODE: [i16; 256] = build_decode(true);

/// Encodes one linear sample to μ-law.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    // (sample >> 2) is in -8192..=8191, so the index is in 0..16384.
    ULAW_ENCODE[((sample >> 2) as i32 + 8192) as usize]
}

/// Decodes one μ-law byte to a linear sample.
#[inline]
pub fn ulaw_decode(byte: u8) -> i16 {
    ULAW_DECODE[byte as usize]
}

/// Encodes one linear sample to A-law.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    // (sample >> 3) is in -4096..=4095, so the index is in 0..8192.
    ALAW_ENCODE[((sample >> 3) as i32 + 4096) as usize]
}

/// Decodes one A-law byte to a linear sample.
#[inline]
pub fn alaw_decode(byte: u8) -> i16 {
    ALAW_DECODE[byte as usize]
}

/// Encodes a 20 ms frame to μ-law.
pub fn encode_ulaw(pcm: &[i16; FRAME_SAMPLES], out: &mut [u8; FRAME_SAMPLES]) {
    for (o, &s) in out.iter_mut().zip(pcm) {
        *o = ulaw_encode(s);
    }
}

/// Encodes a 20 ms frame to A-law.
pub fn encode_alaw(pcm: &[i16; FRAME_SAMPLES], out: &mut [u8; FRAME_SAMPLES]) {
    for (o, &s) in out.iter_mut().zip(pcm) {
        *o = alaw_encode(s);
    }
}

/// Decodes a 20 ms μ-law frame.
pub fn decode_ulaw(bytes: &[u8; FRAME_SAMPLES], out: &mut [i16; FRAME_SAMPLES]) {
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = ulaw_decode(b);
    }
}

/// Decodes a 20 ms A-law frame.
pub fn decode_alaw(bytes: &[u8; FRAME_SAMPLES], out: &mut [i16; FRAME_SAMPLES]) {
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = alaw_decode(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vectors_ulaw() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F ^ 0x01);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        // First codeword of segment 3 (G.711 table 2a): 231 on the 14-bit scale.
        assert_eq!(ulaw_decode(0xFF ^ 0x30), 231 * 4);
    }

    #[test]
    fn known_vectors_alaw() {
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
    }

    #[test]
    fn decode_then_encode_is_identity_on_codewords() {
        for b in 0..=255u8 {
            // 0x7F is μ-law's negative zero: it decodes to 0, which encodes as 0xFF.
            if b != 0x7F {
                assert_eq!(ulaw_encode(ulaw_decode(b)), b, "ulaw {b:#04x}");
            }
            assert_eq!(alaw_encode(alaw_decode(b)), b, "alaw {b:#04x}");
        }
    }

    #[test]
    fn decode_tables_are_monotonic_in_magnitude() {
        // Within each sign, larger codes (after the law's inversion) mean larger values.
        let mut prev = -1i32;
        for code in (0x80..=0xFFu8).rev() {
            let v = i32::from(ulaw_decode(code));
            assert!(v > prev, "{code:#x}");
            prev = v;
        }
    }

    /// G.711 quantisation error bound: half a step of the sample's segment (the step
    /// doubles with each segment, so it stays under m/16), plus clipping beyond the
    /// largest codeword.
    fn ulaw_bound(x: i16) -> i32 {
        let m = i32::from(x).abs();
        if m > 32124 {
            return m - 32124 + 1024;
        }
        (m / 16).max(8) + 4
    }

    fn alaw_bound(x: i16) -> i32 {
        let m = i32::from(x).abs();
        if m > 32256 {
            return m - 32256 + 512;
        }
        (m / 32).max(8) + 8
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn round_trip_within_quantisation(x in any::<i16>()) {
            let u = i32::from(ulaw_decode(ulaw_encode(x)));
            prop_assert!((u - i32::from(x)).abs() <= ulaw_bound(x), "ulaw {} -> {}", x, u);
            let a = i32::from(alaw_decode(alaw_encode(x)));
            prop_assert!((a - i32::from(x)).abs() <= alaw_bound(x), "alaw {} -> {}", x, a);
        }
    }
}
