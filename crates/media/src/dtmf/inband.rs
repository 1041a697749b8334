//! In-band DTMF detection (ITU-T Q.24 style): Goertzel filters on the eight DTMF
//! frequencies per 20 ms frame, with energy, dominance and twist checks. A key counts once
//! two consecutive frames show it: 40 ms when the tone lines up with the frames, and any
//! key of 60 ms or more whatever its alignment (phones send 70–100 ms).

use super::{Digit, DtmfDigit};
use crate::goertzel::{energy, Goertzel};
use crate::{Frame, FRAME_MS, FRAME_SAMPLES};

const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
const COLS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];
/// Minimum amplitude of each component (about -36 dBm0 on the 16-bit scale).
const MIN_AMPLITUDE: f64 = 300.0;
/// The two tones must carry this share of the frame's energy (rejects speech).
const MIN_TONE_SHARE: f64 = 0.6;
/// Twist limits as power ratios column/row: +4 dB reverse, -8 dB normal twist.
const MAX_TWIST: f64 = 2.512;
const MIN_TWIST: f64 = 0.158;
/// The strongest frequency of a group must beat the runner-up by 6 dB in amplitude.
const DOMINANCE: f64 = 2.0;
/// Frames a key must last before it is reported.
const MIN_FRAMES: u32 = 2;

/// Detects DTMF keys in decoded audio, one frame at a time.
#[derive(Debug, Clone)]
pub struct InbandDetector {
    rows: [Goertzel; 4],
    cols: [Goertzel; 4],
    candidate: Option<Digit>,
    frames: u32,
    reported: bool,
}

impl Default for InbandDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl InbandDetector {
    /// A detector with no key in progress.
    pub fn new() -> Self {
        Self {
            rows: ROWS.map(Goertzel::new),
            cols: COLS.map(Goertzel::new),
            candidate: None,
            frames: 0,
            reported: false,
        }
    }

    /// Looks at one frame; returns a key once it has lasted the minimum duration.
    /// A key is reported once per press: it must stop before the same key counts again.
    pub fn process(&mut self, frame: &Frame) -> Option<DtmfDigit> {
        let seen = self.classify(frame);
        if seen != self.candidate {
            self.candidate = seen;
            self.frames = u32::from(seen.is_some());
            self.reported = false;
            return None;
        }
        let digit = seen?;
        self.frames += 1;
        if self.frames >= MIN_FRAMES && !self.reported {
            self.reported = true;
            return Some(DtmfDigit {
                digit,
                duration_ms: self.frames * FRAME_MS,
            });
        }
        None
    }

    /// The key whose two tones dominate this frame, if any.
    fn classify(&self, frame: &Frame) -> Option<Digit> {
        let row_amp = self.rows.map(|g| g.amplitude(frame));
        let col_amp = self.cols.map(|g| g.amplitude(frame));
        let (r, ra) = strongest(&row_amp)?;
        let (c, ca) = strongest(&col_amp)?;
        if ra < MIN_AMPLITUDE || ca < MIN_AMPLITUDE {
            return None;
        }
        let twist = (ca * ca) / (ra * ra);
        if !(MIN_TWIST..=MAX_TWIST).contains(&twist) {
            return None;
        }
        // A sine of amplitude A carries N·A²/2 energy over the frame.
        let tone_energy = FRAME_SAMPLES as f64 * (ra * ra + ca * ca) / 2.0;
        if tone_energy < MIN_TONE_SHARE * energy(frame) {
            return None;
        }
        Digit::from_char(KEYS[r][c])
    }
}

/// Index and amplitude of the dominant entry, or None if the runner-up is too close.
fn strongest(amps: &[f64; 4]) -> Option<(usize, f64)> {
    let (best, &a) = amps.iter().enumerate().max_by(|x, y| x.1.total_cmp(y.1))?;
    let runner_up = amps
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, &v)| v)
        .fold(0.0f64, f64::max);
    (a >= DOMINANCE * runner_up).then_some((best, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{Region, ToneGenerator, ToneKind};

    fn key_frames(c: char, frames: usize, amp: f64, phase0: usize) -> Vec<Frame> {
        let (fr, fc) = Digit::from_char(c).unwrap().frequencies();
        (0..frames)
            .map(|k| {
                let mut f = [0i16; FRAME_SAMPLES];
                for (i, s) in f.iter_mut().enumerate() {
                    let t = (phase0 + k * FRAME_SAMPLES + i) as f64 / 8000.0;
                    let w = std::f64::consts::TAU;
                    *s = (amp * ((w * fr * t).sin() + (w * fc * t).sin())) as i16;
                }
                f
            })
            .collect()
    }

    #[test]
    fn detects_every_key_once() {
        for c in "0123456789*#ABCD".chars() {
            let mut det = InbandDetector::new();
            let mut got = Vec::new();
            for f in key_frames(c, 5, 4000.0, 37) {
                got.extend(det.process(&f));
            }
            for _ in 0..3 {
                got.extend(det.process(&[0; FRAME_SAMPLES]));
            }
            assert_eq!(got.len(), 1, "{c}");
            assert_eq!(got[0].digit.as_char(), c);
        }
    }

    #[test]
    fn too_short_is_ignored() {
        let mut det = InbandDetector::new();
        let f = key_frames('5', 1, 4000.0, 0);
        assert_eq!(det.process(&f[0]), None);
        assert_eq!(det.process(&[0; FRAME_SAMPLES]), None);
    }

    #[test]
    fn call_progress_tones_are_not_keys() {
        for (r, k) in [
            (Region::Us, ToneKind::Dial),
            (Region::Us, ToneKind::Ringback),
            (Region::Cn, ToneKind::Dial),
            (Region::Eu, ToneKind::Busy),
        ] {
            let mut g = ToneGenerator::new(r, k);
            let mut det = InbandDetector::new();
            let mut f = [0i16; FRAME_SAMPLES];
            for _ in 0..50 {
                g.next_frame(&mut f);
                assert_eq!(det.process(&f), None, "{r:?} {k:?}");
            }
        }
    }

    #[test]
    fn excessive_twist_is_rejected() {
        let (fr, fc) = Digit::from_char('1').unwrap().frequencies();
        let mut det = InbandDetector::new();
        for k in 0..5 {
            let mut f = [0i16; FRAME_SAMPLES];
            for (i, s) in f.iter_mut().enumerate() {
                let t = (k * FRAME_SAMPLES + i) as f64 / 8000.0;
                let w = std::f64::consts::TAU;
                // Column 12 dB above the row: beyond the 4 dB reverse twist.
                *s = (1000.0 * (w * fr * t).sin() + 4000.0 * (w * fc * t).sin()) as i16;
            }
            assert_eq!(det.process(&f), None);
        }
    }
}
