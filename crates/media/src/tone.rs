//! Call-progress tones: dial tone, ringback, busy and beep, with each region's
//! frequencies and cadence (ITU-T E.180 supplement 2 lists the national plans).
//!
//! Tones are synthesised from a fixed-point phase accumulator and a sine table, so the
//! output is bit-identical on every platform and phase continuous across frames.

use crate::{Frame, FRAME_SAMPLES, SAMPLE_RATE};

/// A national tone plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// China (GB 16976 / YD/T 1195).
    Cn,
    /// North America (ANSI T1.401 precise tone plan).
    Us,
    /// Europe (ETSI ES 201 970 / CEPT 425 Hz).
    Eu,
}

/// Which tone to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToneKind {
    /// Continuous dial tone.
    Dial,
    /// Ringback (the far end is ringing).
    Ringback,
    /// Busy.
    Busy,
    /// A short 1 kHz beep, played once.
    Beep,
}

/// Frequencies (one or two) and cadence of one tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToneSpec {
    /// Component frequencies in Hz; a second component of 0 means a single tone.
    pub freqs: [u16; 2],
    /// Milliseconds on, then off; `off_ms == 0` means continuous.
    pub on_ms: u32,
    /// Milliseconds of silence after each burst.
    pub off_ms: u32,
    /// Whether the cadence repeats (false: one burst, then the tone ends).
    pub repeat: bool,
}

impl ToneSpec {
    const fn cont(f1: u16, f2: u16) -> Self {
        Self {
            freqs: [f1, f2],
            on_ms: 1000,
            off_ms: 0,
            repeat: true,
        }
    }
    const fn cadence(f1: u16, f2: u16, on_ms: u32, off_ms: u32) -> Self {
        Self {
            freqs: [f1, f2],
            on_ms,
            off_ms,
            repeat: true,
        }
    }

    /// The tone `kind` in `region`.
    pub const fn lookup(region: Region, kind: ToneKind) -> Self {
        match (region, kind) {
            (_, ToneKind::Beep) => Self {
                freqs: [1000, 0],
                on_ms: 200,
                off_ms: 0,
                repeat: false,
            },
            (Region::Cn, ToneKind::Dial) => Self::cont(450, 0),
            (Region::Cn, ToneKind::Ringback) => Self::cadence(450, 0, 1000, 4000),
            (Region::Cn, ToneKind::Busy) => Self::cadence(450, 0, 350, 350),
            (Region::Us, ToneKind::Dial) => Self::cont(350, 440),
            (Region::Us, ToneKind::Ringback) => Self::cadence(440, 480, 2000, 4000),
            (Region::Us, ToneKind::Busy) => Self::cadence(480, 620, 500, 500),
            (Region::Eu, ToneKind::Dial) => Self::cont(425, 0),
            (Region::Eu, ToneKind::Ringback) => Self::cadence(425, 0, 1000, 4000),
            (Region::Eu, ToneKind::Busy) => Self::cadence(425, 0, 500, 500),
        }
    }
}

/// Peak amplitude of each component: about -13 dBm0 per component for dual tones,
/// comfortably below clipping when two add.
const COMPONENT_AMPLITUDE: i32 = 7000;
const SINE_BITS: u32 = 10;
const SINE_LEN: usize = 1 << SINE_BITS;

/// One period of a sine in Q15, built once at compile time by a Taylor series so it does
/// not depend on the platform's libm.
static SINE: [i16; SINE_LEN] = build_sine();

const fn build_sine() -> [i16; SINE_LEN] {
    let mut t = [0i16; SINE_LEN];
    let mut i = 0;
    while i < SINE_LEN {
        // Reduce to [-pi, pi] then sum the series to x^15: error far below one LSB.
        let mut x = 2.0 * std::f64::consts::PI * (i as f64) / (SINE_LEN as f64);
        if x > std::f64::consts::PI {
            x -= 2.0 * std::f64::consts::PI;
        }
        let mut term = x;
        let mut sum = x;
        let mut k = 1;
        while k < 12 {
            term = -term * x * x / (((2 * k) * (2 * k + 1)) as f64);
            sum += term;
            k += 1;
        }
        let v = sum * 32767.0;
        t[i] = if v >= 0.0 {
            (v + 0.5) as i16
        } else {
            (v - 0.5) as i16
        };
        i += 1;
    }
    t
}

/// A phase accumulator for one frequency: 32-bit phase, so the frequency error is
/// below 2 µHz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Oscillator {
    phase: u32,
    step: u32,
}

impl Oscillator {
    fn new(freq_hz: u16) -> Self {
        let step = ((u64::from(freq_hz) << 32) / u64::from(SAMPLE_RATE)) as u32;
        Self { phase: 0, step }
    }

    #[inline]
    fn next(&mut self) -> i32 {
        let idx = (self.phase >> (32 - SINE_BITS)) as usize;
        self.phase = self.phase.wrapping_add(self.step);
        i32::from(SINE[idx])
    }
}

/// Generates a tone frame by frame, following its cadence.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    spec: ToneSpec,
    osc: [Oscillator; 2],
    /// Sample position inside the current on+off cycle.
    pos: u32,
    finished: bool,
}

impl ToneGenerator {
    /// A generator for `kind` in `region`.
    pub fn new(region: Region, kind: ToneKind) -> Self {
        Self::from_spec(ToneSpec::lookup(region, kind))
    }

    /// A generator for any spec (e.g. a custom region).
    pub fn from_spec(spec: ToneSpec) -> Self {
        Self {
            spec,
            osc: [
                Oscillator::new(spec.freqs[0]),
                Oscillator::new(spec.freqs[1]),
            ],
            pos: 0,
            finished: false,
        }
    }

    /// The spec being played.
    pub fn spec(&self) -> ToneSpec {
        self.spec
    }

    /// Whether a non-repeating tone has played out.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Writes the next 20 ms into `out`; returns false (and silence) once a
    /// non-repeating tone is over.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        if self.finished {
            out.fill(0);
            return false;
        }
        let on = self.spec.on_ms * SAMPLE_RATE / 1000;
        let cycle = on + self.spec.off_ms * SAMPLE_RATE / 1000;
        let dual = self.spec.freqs[1] != 0;
        for s in out.iter_mut() {
            if self.finished {
                *s = 0;
                continue;
            }
            if self.spec.off_ms == 0 && self.spec.repeat || self.pos < on {
                let mut v = self.osc[0].next();
                if dual {
                    v += self.osc[1].next();
                }
                *s = ((v * COMPONENT_AMPLITUDE) >> 15) as i16;
            } else {
                *s = 0;
            }
            self.pos += 1;
            if self.pos >= cycle {
                self.pos = 0;
                if !self.spec.repeat {
                    self.finished = true;
                }
            }
        }
        // A one-shot tone reports its last frame as played; the next call says it is over.
        true
    }

    /// Fills frames until `FRAME_SAMPLES * n` samples were produced (for tests and tools).
    pub fn take_frames(&mut self, n: usize) -> Vec<i16> {
        let mut v = Vec::with_capacity(n * FRAME_SAMPLES);
        let mut f = [0i16; FRAME_SAMPLES];
        for _ in 0..n {
            self.next_frame(&mut f);
            v.extend_from_slice(&f);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goertzel::amplitude;

    fn on_frames(region: Region, kind: ToneKind, frames: usize) -> Vec<bool> {
        let mut g = ToneGenerator::new(region, kind);
        let mut f = [0i16; FRAME_SAMPLES];
        (0..frames)
            .map(|_| {
                g.next_frame(&mut f);
                f.iter().any(|&s| s != 0)
            })
            .collect()
    }

    #[test]
    fn cn_ringback_is_one_second_on_four_off() {
        let on = on_frames(Region::Cn, ToneKind::Ringback, 500);
        assert!(on[..50].iter().all(|&b| b));
        assert!(on[50..250].iter().all(|&b| !b));
        assert!(on[250..300].iter().all(|&b| b));
    }

    #[test]
    fn us_busy_cadence_and_frequencies() {
        let mut g = ToneGenerator::new(Region::Us, ToneKind::Busy);
        let s = g.take_frames(100);
        let first = &s[..160];
        assert!(amplitude(first, 480.0) > 5000.0);
        assert!(amplitude(first, 620.0) > 5000.0);
        assert!(amplitude(first, 350.0) < 1500.0);
        // 0.5 s on = 25 frames, then 25 off.
        let on = on_frames(Region::Us, ToneKind::Busy, 100);
        assert!(on[..25].iter().all(|&b| b) && on[25..50].iter().all(|&b| !b));
    }

    #[test]
    fn cn_busy_cadence_is_350_ms() {
        let mut g = ToneGenerator::new(Region::Cn, ToneKind::Busy);
        let s = g.take_frames(40);
        let on = 350 * 8;
        assert!(s[..on].iter().filter(|&&x| x != 0).count() > on * 9 / 10);
        assert!(s[on..2 * on].iter().all(|&x| x == 0));
        assert!(s[2 * on..2 * on + 100].iter().any(|&x| x != 0));
    }

    #[test]
    fn dial_tones_are_continuous_at_the_right_frequency() {
        for (region, f) in [(Region::Cn, 450.0), (Region::Eu, 425.0)] {
            let mut g = ToneGenerator::new(region, ToneKind::Dial);
            let s = g.take_frames(500);
            let a = amplitude(&s[s.len() - 1600..], f);
            assert!(a > 6500.0, "{region:?} {a}");
        }
        let mut g = ToneGenerator::new(Region::Us, ToneKind::Dial);
        let s = g.take_frames(10);
        assert!(amplitude(&s, 350.0) > 6000.0 && amplitude(&s, 440.0) > 6000.0);
    }

    #[test]
    fn phase_is_continuous_across_frames() {
        let mut g = ToneGenerator::new(Region::Eu, ToneKind::Dial);
        let s = g.take_frames(4);
        // No jump between consecutive samples larger than a 425 Hz sine can make.
        let max_step = (2.0 * std::f64::consts::PI * 425.0 / 8000.0 * 7000.0) as i32 + 60;
        for w in s.windows(2) {
            assert!((i32::from(w[1]) - i32::from(w[0])).abs() <= max_step);
        }
    }

    #[test]
    fn beep_plays_once_then_ends() {
        let mut g = ToneGenerator::new(Region::Cn, ToneKind::Beep);
        let mut f = [0i16; FRAME_SAMPLES];
        let mut played = 0;
        while g.next_frame(&mut f) {
            played += 1;
            assert!(played < 100);
        }
        assert_eq!(played, 10);
        assert!(g.is_finished());
        assert!(f.iter().all(|&s| s == 0));
    }

    #[test]
    fn deterministic() {
        let a = ToneGenerator::new(Region::Us, ToneKind::Ringback).take_frames(300);
        let b = ToneGenerator::new(Region::Us, ToneKind::Ringback).take_frames(300);
        assert_eq!(a, b);
    }
}
