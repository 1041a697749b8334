//! Shared helpers: per-member test tones and Goertzel checks of who hears whom.

use switchboard_media::codec::Codec;
use switchboard_media::goertzel::amplitude;
use switchboard_media::mixer::{Delivery, VoiceMode};
use switchboard_media::{Frame, FRAME_SAMPLES};

/// Amplitude of every member's test tone.
pub const TONE_AMP: f64 = 1500.0;
/// A tone at least this strong is heard.
pub const HEARD: f64 = TONE_AMP / 2.0;
/// A tone weaker than this is absent (G.711 noise stays far below it).
pub const ABSENT: f64 = 150.0;

/// Member `i`'s frequency: 400 Hz + 200 Hz·i, all on exact 50 Hz bins of a 160-sample
/// block, so the tones are orthogonal and Goertzel separates them perfectly.
pub fn freq(i: usize) -> f64 {
    400.0 + 200.0 * i as f64
}

/// Frame `tick` of member `i`'s continuous sine.
pub fn tone_frame(i: usize, tick: u64) -> Frame {
    sine_frame(freq(i), TONE_AMP, tick)
}

/// Frame `tick` of a continuous sine.
pub fn sine_frame(f: f64, amp: f64, tick: u64) -> Frame {
    let mut out = [0i16; FRAME_SAMPLES];
    for (k, s) in out.iter_mut().enumerate() {
        let n = tick as f64 * FRAME_SAMPLES as f64 + k as f64;
        *s = (amp * (std::f64::consts::TAU * f * n / 8000.0).sin()).round() as i16;
    }
    out
}

/// Decodes what a member was sent, as its phone would.
pub fn decoded(d: &Delivery<'_>) -> Frame {
    let mut f = [0i16; FRAME_SAMPLES];
    d.codec
        .decode_frame(d.payload, &mut f)
        .expect("payloads are whole frames");
    f
}

/// Amplitude of member `i`'s tone in `frame`.
pub fn level_of(frame: &Frame, i: usize) -> f64 {
    amplitude(frame, freq(i))
}

/// All four modes, for exhaustive loops.
pub const MODES: [VoiceMode; 4] = [
    VoiceMode::Both,
    VoiceMode::HeardOnly,
    VoiceMode::PlayedOnly,
    VoiceMode::Neither,
];

/// A codec per member, alternating, so shared encodes cover both laws.
pub fn codec_for(i: usize) -> Codec {
    if i % 2 == 0 {
        Codec::Pcmu
    } else {
        Codec::Pcma
    }
}
