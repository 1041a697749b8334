//! In-band DTMF survives G.711 in both laws: keys generated as dual tones, encoded and
//! decoded as a phone's audio would be, are detected once each; call-progress tones and
//! the hold music are not mistaken for keys.

use switchboard_media::builtin;
use switchboard_media::codec::Codec;
use switchboard_media::dtmf::{Digit, InbandDetector};
use switchboard_media::{Frame, FRAME_SAMPLES};

/// 80 ms of key, 60 ms of pause per key (above ITU-T Q.24's 40 ms minimums).
fn audio_for(keys: &str) -> Vec<i16> {
    let mut v = Vec::new();
    for c in keys.chars() {
        let (fr, fc) = Digit::from_char(c).expect("DTMF key").frequencies();
        let start = v.len();
        for n in 0..640 {
            let t = (start + n) as f64 / 8000.0;
            let w = std::f64::consts::TAU;
            v.push((5000.0 * ((w * fr * t).sin() + 0.8 * (w * fc * t).sin())) as i16);
        }
        v.extend(std::iter::repeat_n(0, 480));
    }
    v.extend(std::iter::repeat_n(0, FRAME_SAMPLES * 2));
    v
}

fn detect(pcm: &[i16], codec: Codec) -> String {
    let mut det = InbandDetector::new();
    let mut heard = String::new();
    for chunk in pcm.chunks_exact(FRAME_SAMPLES) {
        let f: &Frame = chunk.try_into().expect("exact chunks");
        let mut enc = [0u8; FRAME_SAMPLES];
        codec.encode_frame(f, &mut enc);
        let mut dec = [0i16; FRAME_SAMPLES];
        codec.decode_frame(&enc, &mut dec).expect("whole frame");
        if let Some(d) = det.process(&dec) {
            heard.push(d.digit.as_char());
        }
    }
    heard
}

#[test]
fn keys_through_both_laws() {
    // Frame boundaries fall anywhere inside the keys (140 ms period vs 20 ms frames).
    let keys = "1234567890*#ABCD";
    for codec in Codec::ALL {
        assert_eq!(detect(&audio_for(keys), codec), keys, "{codec:?}");
    }
}

#[test]
fn music_is_not_a_key() {
    let music = builtin::hold_music();
    assert_eq!(detect(music.samples(), Codec::Pcmu), "");
}

#[test]
fn spoken_digits_do_not_talk_off() {
    // Speech is the classic source of false keys: the built-in spoken digits must not
    // trigger any.
    let mut speech = Vec::new();
    for d in 0..10 {
        speech.extend_from_slice(builtin::digit(d).expect("0-9 exist").samples());
    }
    speech.truncate(speech.len() / FRAME_SAMPLES * FRAME_SAMPLES);
    for codec in Codec::ALL {
        assert_eq!(detect(&speech, codec), "", "{codec:?}");
    }
}

#[test]
fn sixty_ms_keys_at_any_alignment() {
    for offset in (0..160).step_by(20) {
        let (fr, fc) = Digit::from_char('9').expect("key").frequencies();
        let mut v = vec![0i16; offset];
        for n in 0..480 {
            let t = n as f64 / 8000.0;
            let w = std::f64::consts::TAU;
            v.push((5000.0 * ((w * fr * t).sin() + (w * fc * t).sin())) as i16);
        }
        v.resize(
            v.len().div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES + FRAME_SAMPLES,
            0,
        );
        assert_eq!(detect(&v, Codec::Pcma), "9", "offset {offset}");
    }
}
