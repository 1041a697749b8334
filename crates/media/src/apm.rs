//! Noise suppression, gain control and voice-activity detection per leg, through
//! webrtc-audio-processing (cargo feature `apm`).
//!
//! The wrapper only takes 48 kHz 10 ms frames (480 `f32`), so each 8 kHz 20 ms frame is
//! upsampled by 6 (zero-stuffing and a low-pass FIR), processed as two 10 ms frames, and
//! brought back down (the same low-pass, then decimation). NS + AGC + VAD costs about
//! 144 µs per 10 ms, so it is enabled per leg by an [`ApmPolicy`], not everywhere.
//! Talking start/stop is reported with hysteresis so a breath does not flap the state.

use webrtc_audio_processing::{
    Config, GainControl, GainControlMode, InitializationConfig, NoiseSuppression,
    NoiseSuppressionLevel, Processor, VoiceDetection, VoiceDetectionLikelihood,
    NUM_SAMPLES_PER_FRAME,
};

use crate::{Frame, FRAME_SAMPLES};

/// 48 kHz / 8 kHz.
const RATIO: usize = 6;
/// Samples per 10 ms at 48 kHz, what the wrapper takes.
const APM_FRAME: usize = 480;
/// Taps of the interpolation/decimation low-pass (a multiple of RATIO).
const TAPS: usize = 96;

/// Why audio processing could not be set up or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApmError {
    /// The library refused to start or to process a frame.
    #[error("webrtc audio processing failed: {source}")]
    Library {
        /// The library's error code, as the wrapper reports it.
        #[from]
        source: webrtc_audio_processing::Error,
    },
    /// The wrapper was built for a frame size other than 10 ms at 48 kHz.
    #[error("webrtc audio processing takes {found} samples per frame, expected {expected}")]
    FrameSize {
        /// 480.
        expected: usize,
        /// What the linked library takes.
        found: usize,
    },
}

/// Which side of the call a leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegKind {
    /// An agent's extension (headset, office noise).
    Agent,
    /// A customer or other outside party.
    Outside,
}

/// Which legs get processing, and what processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApmPolicy {
    /// Process agent legs.
    pub agent_legs: bool,
    /// Process outside legs.
    pub outside_legs: bool,
    /// Noise suppression.
    pub noise_suppression: bool,
    /// Automatic gain control.
    pub gain_control: bool,
    /// Voice-activity detection (talking events).
    pub voice_detection: bool,
    /// 10 ms frames of voice before talking starts.
    pub start_frames: u16,
    /// 10 ms frames without voice before talking stops.
    pub hang_frames: u16,
}

impl Default for ApmPolicy {
    /// Noise suppression and VAD on agent legs only: the cheapest useful default.
    fn default() -> Self {
        Self {
            agent_legs: true,
            outside_legs: false,
            noise_suppression: true,
            gain_control: false,
            voice_detection: true,
            start_frames: 3,
            hang_frames: 40,
        }
    }
}

impl ApmPolicy {
    /// Whether a leg of this kind is processed.
    pub fn applies_to(&self, kind: LegKind) -> bool {
        match kind {
            LegKind::Agent => self.agent_legs,
            LegKind::Outside => self.outside_legs,
        }
    }

    fn config(&self) -> Config {
        Config {
            noise_suppression: self.noise_suppression.then_some(NoiseSuppression {
                suppression_level: NoiseSuppressionLevel::High,
            }),
            gain_control: self.gain_control.then_some(GainControl {
                mode: GainControlMode::AdaptiveDigital,
                target_level_dbfs: 6,
                compression_gain_db: 9,
                enable_limiter: true,
            }),
            voice_detection: self.voice_detection.then_some(VoiceDetection {
                detection_likelihood: VoiceDetectionLikelihood::Moderate,
            }),
            enable_high_pass_filter: true,
            ..Config::default()
        }
    }
}

/// A change in whether the leg's speaker is talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TalkEvent {
    /// Voice for `start_frames` frames.
    Started,
    /// No voice for `hang_frames` frames.
    Stopped,
}

/// Low-pass taps (Hamming-windowed sinc, cutoff 3.8 kHz at 48 kHz).
fn lowpass() -> Vec<f32> {
    let fc = 3_800.0 / 48_000.0;
    let mid = (TAPS - 1) as f64 / 2.0;
    let taps: Vec<f64> = (0..TAPS)
        .map(|i| {
            let x = i as f64 - mid;
            let sinc = if x == 0.0 {
                2.0 * fc
            } else {
                (2.0 * std::f64::consts::PI * fc * x).sin() / (std::f64::consts::PI * x)
            };
            let w = 0.54 - 0.46 * (2.0 * std::f64::consts::PI * i as f64 / (TAPS - 1) as f64).cos();
            sinc * w
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    taps.iter().map(|t| (t / sum) as f32).collect()
}

/// Processing state of one leg.
pub struct LegProcessor {
    apm: Processor,
    taps: Vec<f32>,
    /// Recent 48 kHz samples before the low-pass, for each direction.
    up_hist: Vec<f32>,
    down_hist: Vec<f32>,
    wide: Vec<f32>,
    policy: ApmPolicy,
    talking: bool,
    run: u16,
}

impl std::fmt::Debug for LegProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegProcessor")
            .field("policy", &self.policy)
            .field("talking", &self.talking)
            .finish_non_exhaustive()
    }
}

impl LegProcessor {
    /// Starts processing for one leg.
    pub fn new(policy: ApmPolicy) -> Result<Self, ApmError> {
        if NUM_SAMPLES_PER_FRAME as usize != APM_FRAME {
            return Err(ApmError::FrameSize {
                expected: APM_FRAME,
                found: NUM_SAMPLES_PER_FRAME as usize,
            });
        }
        let mut apm = Processor::new(&InitializationConfig {
            num_capture_channels: 1,
            num_render_channels: 1,
            ..InitializationConfig::default()
        })?;
        apm.set_config(policy.config());
        Ok(Self {
            apm,
            taps: lowpass(),
            up_hist: vec![0.0; TAPS],
            down_hist: vec![0.0; TAPS],
            wide: vec![0.0; FRAME_SAMPLES * RATIO],
            policy,
            talking: false,
            run: 0,
        })
    }

    /// Whether the speaker is talking, as of the last frame.
    pub fn is_talking(&self) -> bool {
        self.talking
    }

    /// Processes one 20 ms frame in place; returns a talking change, if any.
    pub fn process(&mut self, frame: &mut Frame) -> Result<Option<TalkEvent>, ApmError> {
        self.upsample(frame);
        let mut event = None;
        for half in 0..2 {
            let chunk = &mut self.wide[half * APM_FRAME..(half + 1) * APM_FRAME];
            self.apm.process_capture_frame(chunk)?;
            let voiced = self.apm.get_stats().has_voice.unwrap_or(false);
            event = event.or(self.vad_step(voiced));
        }
        self.downsample(frame);
        Ok(event)
    }

    fn vad_step(&mut self, voiced: bool) -> Option<TalkEvent> {
        if voiced != self.talking {
            self.run += 1;
        } else {
            self.run = 0;
        }
        let needed = if self.talking {
            self.policy.hang_frames
        } else {
            self.policy.start_frames
        };
        if self.run >= needed.max(1) {
            self.talking = !self.talking;
            self.run = 0;
            return Some(if self.talking {
                TalkEvent::Started
            } else {
                TalkEvent::Stopped
            });
        }
        None
    }

    /// Zero-stuffs by 6 and low-passes (gain 6 restores the level).
    fn upsample(&mut self, frame: &Frame) {
        for (i, &s) in frame.iter().enumerate() {
            for k in 0..RATIO {
                let x = if k == 0 {
                    f32::from(s) / 32768.0 * RATIO as f32
                } else {
                    0.0
                };
                self.up_hist.rotate_left(1);
                self.up_hist[TAPS - 1] = x;
                self.wide[i * RATIO + k] = dot(&self.taps, &self.up_hist);
            }
        }
    }

    /// Low-passes and keeps every sixth sample.
    fn downsample(&mut self, frame: &mut Frame) {
        for (i, out) in frame.iter_mut().enumerate() {
            for k in 0..RATIO {
                self.down_hist.rotate_left(1);
                self.down_hist[TAPS - 1] = self.wide[i * RATIO + k];
            }
            let y = dot(&self.taps, &self.down_hist) * 32768.0;
            *out = y.round().clamp(-32768.0, 32767.0) as i16;
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;
    use crate::goertzel::amplitude;

    #[test]
    fn policy_selects_legs() {
        let p = ApmPolicy::default();
        assert!(p.applies_to(LegKind::Agent));
        assert!(!p.applies_to(LegKind::Outside));
    }

    #[test]
    fn resampling_round_trip_keeps_the_voice_band() {
        let policy = ApmPolicy {
            noise_suppression: false,
            gain_control: false,
            voice_detection: false,
            ..ApmPolicy::default()
        };
        let mut leg = LegProcessor::new(policy).unwrap();
        let mut last = [0i16; FRAME_SAMPLES];
        for t in 0..20u64 {
            let mut f = [0i16; FRAME_SAMPLES];
            for (k, s) in f.iter_mut().enumerate() {
                let n = (t * 160 + k as u64) as f64;
                *s = (8000.0 * (std::f64::consts::TAU * 1000.0 * n / 8000.0).sin()) as i16;
            }
            leg.process(&mut f).unwrap();
            last = f;
        }
        let a = amplitude(&last, 1000.0);
        assert!((6000.0..10000.0).contains(&a), "{a}");
    }

    #[test]
    fn speech_starts_and_stops_talking() {
        let mut leg = LegProcessor::new(ApmPolicy::default()).unwrap();
        let mut events = Vec::new();
        let mut speech: Vec<i16> = vec![0; 8000];
        for d in [1, 2, 3, 4, 5] {
            speech.extend_from_slice(builtin::digit(d).unwrap().samples());
        }
        speech.extend(std::iter::repeat_n(0, 16000));
        for chunk in speech.chunks_exact(FRAME_SAMPLES) {
            let mut f: Frame = chunk.try_into().unwrap();
            events.extend(leg.process(&mut f).unwrap());
        }
        assert_eq!(events.first(), Some(&TalkEvent::Started), "{events:?}");
        assert_eq!(events.last(), Some(&TalkEvent::Stopped), "{events:?}");
    }

    #[test]
    fn noise_suppression_lowers_steady_noise() {
        let policy = ApmPolicy {
            gain_control: false,
            voice_detection: false,
            ..ApmPolicy::default()
        };
        let mut leg = LegProcessor::new(policy).unwrap();
        // Deterministic white noise (xorshift), about -24 dBFS.
        let mut x = 0x2545_F491_u32;
        let rms = |f: &Frame| {
            (f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / f.len() as f64).sqrt()
        };
        let (mut before, mut after) = (0.0, 0.0);
        for t in 0..150 {
            let mut f = [0i16; FRAME_SAMPLES];
            for s in f.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *s = ((x >> 16) as i16) / 16;
            }
            let input = rms(&f);
            leg.process(&mut f).unwrap();
            if t >= 100 {
                before += input;
                after += rms(&f);
            }
        }
        assert!(after < before * 0.5, "noise {before:.0} -> {after:.0}");
    }

    #[test]
    fn a_leg_processor_can_move_to_the_media_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<LegProcessor>();
    }
}
