//! Prompts (decoded 8 kHz audio, cheap to share) and players that turn them into 20 ms
//! frames, with loop and repeat counts; [`Source`] is anything the mixer can play.

use std::sync::Arc;

use crate::tone::ToneGenerator;
use crate::wav::{self, WavError};
use crate::{Frame, FRAME_SAMPLES};

/// Decoded 8 kHz mono audio, shared by reference count between every player using it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt(Arc<[i16]>);

impl Prompt {
    /// A prompt from 8 kHz samples.
    pub fn from_samples(samples: impl Into<Arc<[i16]>>) -> Self {
        Self(samples.into())
    }

    /// A prompt decoded (and converted to 8 kHz mono) from a WAV file's bytes.
    pub fn from_wav(bytes: &[u8]) -> Result<Self, WavError> {
        Ok(Self(wav::decode(bytes)?.into()))
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.0
    }

    /// Length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.0.len() as u64 / 8
    }
}

/// How many times a player goes through its prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// This many times in all (0 plays nothing).
    Times(u32),
    /// Until stopped (hold music, `wait_voice`).
    Forever,
}

/// Plays a sequence of prompts frame by frame.
#[derive(Debug, Clone)]
pub struct Player {
    items: Vec<Prompt>,
    item: usize,
    pos: usize,
    repeat: Repeat,
    done_rounds: u32,
}

impl Player {
    /// Plays `prompt` once.
    pub fn once(prompt: Prompt) -> Self {
        Self::sequence(vec![prompt], Repeat::Times(1))
    }

    /// Plays `prompt` until stopped.
    pub fn looped(prompt: Prompt) -> Self {
        Self::sequence(vec![prompt], Repeat::Forever)
    }

    /// Plays `items` back to back, `repeat` times.
    pub fn sequence(items: Vec<Prompt>, repeat: Repeat) -> Self {
        Self {
            items,
            item: 0,
            pos: 0,
            repeat,
            done_rounds: 0,
        }
    }

    /// Whether everything was played.
    pub fn is_finished(&self) -> bool {
        let total: usize = self.items.iter().map(|p| p.0.len()).sum();
        match self.repeat {
            _ if total == 0 => true,
            Repeat::Times(n) => self.done_rounds >= n,
            Repeat::Forever => false,
        }
    }

    /// Writes the next 20 ms into `out` (silence-padded at the very end); returns false,
    /// with silence, once finished.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        if self.is_finished() {
            out.fill(0);
            return false;
        }
        let mut filled = 0;
        while filled < FRAME_SAMPLES && !self.is_finished() {
            let src = &self.items[self.item].0;
            let n = (src.len() - self.pos).min(FRAME_SAMPLES - filled);
            out[filled..filled + n].copy_from_slice(&src[self.pos..self.pos + n]);
            filled += n;
            self.pos += n;
            if self.pos >= src.len() {
                self.pos = 0;
                self.item += 1;
                if self.item == self.items.len() {
                    self.item = 0;
                    self.done_rounds = self.done_rounds.saturating_add(1);
                }
            }
        }
        out[filled..].fill(0);
        true
    }
}

/// Something the mixer can play to a member or to the whole conversation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Source {
    /// Prompts.
    Player(Player),
    /// A call-progress tone.
    Tone(ToneGenerator),
}

impl Source {
    /// Writes the next frame; false (and silence) once the source is exhausted.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        match self {
            Source::Player(p) => p.next_frame(out),
            Source::Tone(t) => t.next_frame(out),
        }
    }
}

impl From<Player> for Source {
    fn from(p: Player) -> Self {
        Source::Player(p)
    }
}

impl From<ToneGenerator> for Source {
    fn from(t: ToneGenerator) -> Self {
        Source::Tone(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize, start: i16) -> Prompt {
        Prompt::from_samples((0..n).map(|i| start + i as i16).collect::<Vec<_>>())
    }

    fn drain(p: &mut Player) -> Vec<i16> {
        let mut v = Vec::new();
        let mut f = [0; FRAME_SAMPLES];
        while p.next_frame(&mut f) {
            v.extend_from_slice(&f);
            assert!(v.len() < 100_000);
        }
        v
    }

    #[test]
    fn sequence_and_repeat() {
        let mut p = Player::sequence(vec![ramp(100, 1), ramp(100, 1000)], Repeat::Times(2));
        let v = drain(&mut p);
        assert_eq!(v.len(), 3 * FRAME_SAMPLES);
        assert_eq!(&v[..3], &[1, 2, 3]);
        assert_eq!(v[100], 1000);
        assert_eq!(v[200], 1);
        assert_eq!(v[300], 1000);
        assert!(v[400..].iter().all(|&s| s == 0));
    }

    #[test]
    fn loops_forever_across_frame_edges() {
        let mut p = Player::looped(ramp(70, 1));
        let mut f = [0; FRAME_SAMPLES];
        for _ in 0..100 {
            assert!(p.next_frame(&mut f));
        }
        assert!(!p.is_finished());
        assert_eq!(f[0], (100 * 160 - 160) as i16 % 70 + 1);
    }

    #[test]
    fn empty_prompts_finish_at_once() {
        let mut p = Player::looped(Prompt::from_samples(Vec::new()));
        let mut f = [5; FRAME_SAMPLES];
        assert!(!p.next_frame(&mut f));
        assert!(f.iter().all(|&s| s == 0));
        assert!(Player::sequence(vec![ramp(5, 1)], Repeat::Times(0)).is_finished());
    }
}
