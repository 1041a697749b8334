//! What a simulated person heard, decided from the decoded RTP it received: which of the
//! others' tones are in it, whether it is the hold music, and whether it carries a spoken
//! number. Pure functions over 8 kHz PCM, so every verdict the demo prints is testable.

use sb_media::goertzel::Goertzel;

/// Samples per analysis block: 50 ms, so every tone a multiple of 20 Hz sits on a bin.
pub const BLOCK: usize = 400;
/// Samples per envelope step of the announcement matcher: 20 ms.
const STEP: usize = 160;
/// A tone counts as present in a block above this amplitude (about -28 dB under the sent
/// level: far above G.711 noise, far below any mix the tone went through).
const PRESENT: f64 = 160.0;
/// The fundamentals of the built-in hold music's four chords (prompts/generate.sh).
const MUSIC: [f64; 12] = [
    87.31, 98.0, 110.0, 130.81, 174.61, 196.0, 220.0, 246.94, 261.63, 293.66, 329.63, 392.0,
];

/// How often something was present over a stretch of audio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// Blocks in which it was present.
    pub hits: usize,
    /// Blocks analysed.
    pub blocks: usize,
}

impl Share {
    /// The fraction of blocks with it (0 when nothing was analysed).
    pub fn fraction(self) -> f64 {
        if self.blocks == 0 {
            0.0
        } else {
            self.hits as f64 / self.blocks as f64
        }
    }

    /// Clearly there: most blocks have it (and there was something to analyse).
    pub fn heard(self) -> bool {
        self.blocks >= 4 && self.fraction() >= 0.6
    }

    /// Clearly not there: almost no block has it (and there was something to analyse).
    pub fn silent(self) -> bool {
        self.blocks >= 4 && self.fraction() <= 0.1
    }

    /// "in 95% of 20 blocks", for the log.
    pub fn describe(self) -> String {
        format!(
            "in {:.0}% of {} × 50 ms",
            self.fraction() * 100.0,
            self.blocks
        )
    }
}

fn blocks(samples: &[i16]) -> impl Iterator<Item = &[i16]> {
    samples.chunks_exact(BLOCK)
}

/// In how many blocks of `samples` a sine of `freq_hz` is present.
pub fn tone(samples: &[i16], freq_hz: f64) -> Share {
    let filter = Goertzel::new(freq_hz);
    let mut share = Share { hits: 0, blocks: 0 };
    for block in blocks(samples) {
        share.blocks += 1;
        if filter.amplitude(block) >= PRESENT {
            share.hits += 1;
        }
    }
    share
}

/// In how many blocks of `samples` the hold music plays: audible, and most of the
/// block's energy lies on the chords' fundamentals.
pub fn music(samples: &[i16]) -> Share {
    let filters: Vec<Goertzel> = MUSIC.iter().map(|&f| Goertzel::new(f)).collect();
    let mut share = Share { hits: 0, blocks: 0 };
    for block in blocks(samples) {
        share.blocks += 1;
        let total = mean_square(block);
        // A sine of amplitude a carries a²/2 of mean square.
        let on_chords: f64 = filters
            .iter()
            .map(|g| g.amplitude(block).powi(2) / 2.0)
            .sum();
        if total > 100.0 * 100.0 && on_chords >= 0.4 * total {
            share.hits += 1;
        }
    }
    share
}

fn mean_square(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64
}

/// `samples` with the on-bin sines `tones` (multiples of 50 Hz) taken out of every 20 ms
/// step: what is left is everything but the people's tones.
fn without_tones(samples: &[i16], tones: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = samples.iter().map(|&s| f64::from(s)).collect();
    for step in out.chunks_exact_mut(STEP) {
        for &f in tones {
            let w = 2.0 * std::f64::consts::PI * f / f64::from(sb_media::SAMPLE_RATE);
            let (mut re, mut im) = (0.0, 0.0);
            for (i, &x) in step.iter().enumerate() {
                re += x * (w * i as f64).cos();
                im += x * (w * i as f64).sin();
            }
            let (a, b) = (2.0 * re / STEP as f64, 2.0 * im / STEP as f64);
            for (i, x) in step.iter_mut().enumerate() {
                *x -= a * (w * i as f64).cos() + b * (w * i as f64).sin();
            }
        }
    }
    out
}

fn envelope(samples: &[f64]) -> Vec<f64> {
    samples
        .chunks_exact(STEP)
        .map(|s| (s.iter().map(|x| x * x).sum::<f64>() / STEP as f64).sqrt())
        .collect()
}

/// How well `heard` carries `expected` (a prompt, e.g. a spoken number) somewhere in it,
/// once the people's `tones` are taken out: the best Pearson correlation of the two
/// loudness envelopes (20 ms steps) over every alignment, from -1 to 1.
pub fn carries(heard: &[i16], expected: &[i16], tones: &[f64]) -> f64 {
    let want = envelope(&expected.iter().map(|&s| f64::from(s)).collect::<Vec<_>>());
    let got = envelope(&without_tones(heard, tones));
    if want.len() < 2 || got.len() < want.len() {
        return 0.0;
    }
    (0..=got.len() - want.len())
        .map(|lag| pearson(&want, &got[lag..lag + want.len()]))
        .fold(-1.0, f64::max)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma).powi(2);
        bb += (y - mb).powi(2);
    }
    if aa <= f64::EPSILON || bb <= f64::EPSILON {
        0.0
    } else {
        ab / (aa * bb).sqrt()
    }
}

/// The samples of a prompt player, played to its end (at most `max_frames` frames).
pub fn render(mut player: sb_media::player::Player, max_frames: usize) -> Vec<i16> {
    let mut out = Vec::new();
    let mut frame = sb_media::SILENCE;
    for _ in 0..max_frames {
        if !player.next_frame(&mut frame) {
            break;
        }
        out.extend_from_slice(&frame);
    }
    out
}

/// A continuous sine of `freq_hz` at the call-progress tones' level: a person's voice in
/// the demo.
pub fn voice(freq_hz: u16) -> sb_media::tone::ToneGenerator {
    sb_media::tone::ToneGenerator::from_spec(sb_media::tone::ToneSpec {
        freqs: [freq_hz, 0],
        on_ms: 1000,
        off_ms: 0,
        repeat: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_media::builtin;
    use sb_media::player::Player;

    fn sine(freq: u16, seconds: f64) -> Vec<i16> {
        voice(freq).take_frames((seconds * 50.0) as usize)
    }

    fn mix(a: &[i16], b: &[i16]) -> Vec<i16> {
        a.iter().zip(b).map(|(x, y)| x.saturating_add(*y)).collect()
    }

    /// What a G.711 µ-law hop does to audio.
    fn through_ulaw(s: &[i16]) -> Vec<i16> {
        use sb_media::codec::g711::{ulaw_decode, ulaw_encode};
        s.iter().map(|&x| ulaw_decode(ulaw_encode(x))).collect()
    }

    #[test]
    fn a_tone_is_heard_where_it_is_and_not_elsewhere() {
        let mixed = through_ulaw(&mix(&sine(1400, 1.0), &sine(1800, 1.0)));
        assert!(tone(&mixed, 1400.0).heard());
        assert!(tone(&mixed, 1800.0).heard());
        let other = tone(&mixed, 2200.0);
        assert!(other.silent(), "{other:?}");
        assert!(!other.heard());
    }

    #[test]
    fn silence_and_too_little_audio_prove_nothing_heard() {
        assert!(tone(&vec![0; 8000], 1400.0).silent());
        let short = tone(&sine(1400, 0.1), 1400.0);
        assert!(!short.heard() && !short.silent(), "{short:?}");
    }

    #[test]
    fn the_built_in_hold_music_is_recognised_and_tones_are_not_music() {
        let music_pcm = through_ulaw(&render(Player::looped(builtin::hold_music()), 200));
        let share = music(&music_pcm);
        assert!(share.heard(), "{share:?}");
        assert!(music(&sine(1400, 4.0)).silent());
        assert!(music(&vec![0; 16000]).silent());
    }

    #[test]
    fn a_spoken_number_is_found_under_a_tone_and_music_is_not_it() {
        let number = render(builtin::play_num(None, "1007", None).unwrap(), 500);
        // Half a second of the agent's tone alone, then the number over it, then the tone.
        let mut heard = vec![0i16; 4000];
        heard.extend_from_slice(&number);
        heard.extend(vec![0i16; 4000]);
        let heard = through_ulaw(&mix(&heard, &sine(1800, heard.len() as f64 / 8000.0)));
        let score = carries(&heard, &number, &[1800.0]);
        assert!(score > 0.9, "{score}");

        let music_pcm = render(Player::looped(builtin::hold_music()), 300);
        let wrong = carries(&mix(&music_pcm, &sine(1800, 6.0)), &number, &[1800.0]);
        assert!(wrong < 0.6, "{wrong}");
        let other = render(builtin::play_num(None, "88", None).unwrap(), 500);
        let mut other_heard = vec![0i16; 4000];
        other_heard.extend_from_slice(&other);
        other_heard.extend(vec![0i16; 8000]);
        let other_score = carries(&other_heard, &number, &[]);
        assert!(other_score < score, "{other_score} vs {score}");
    }

    #[test]
    fn a_share_describes_itself() {
        let s = Share {
            hits: 19,
            blocks: 20,
        };
        assert_eq!(s.describe(), "in 95% of 20 × 50 ms");
        assert_eq!(Share { hits: 0, blocks: 0 }.fraction(), 0.0);
    }
}
