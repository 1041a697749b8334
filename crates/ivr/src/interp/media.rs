//! `<play>`, `<playlist>` and `<record>`.

use std::time::{Duration, Instant};

use super::{Effect, IvrEvent, Outputs, PlayId, Session, State, Timer};
use crate::model::{BuiltinPrompt, DtmfKey, KeySet, Record, Source};

/// The items of a prompt played `rounds` times over, in order.
#[derive(Debug)]
pub(super) struct Sequence {
    items: Vec<Source>,
    rounds: u8,
    index: usize,
    round: u8,
}

impl Sequence {
    pub(super) fn new(items: Vec<Source>, rounds: u8) -> Self {
        Self {
            items,
            rounds,
            index: 0,
            round: 0,
        }
    }

    /// The next item to play, or `None` when every round was played.
    pub(super) fn next_item(&mut self) -> Option<Source> {
        if self.round >= self.rounds {
            return None;
        }
        let item = self.items.get(self.index)?.clone();
        self.index += 1;
        if self.index == self.items.len() {
            self.index = 0;
            self.round += 1;
        }
        Some(item)
    }
}

/// A running `<play>` or `<playlist>`.
#[derive(Debug)]
pub(super) struct Playback {
    sequence: Sequence,
    finish_keys: KeySet,
    current: PlayId,
}

impl Playback {
    pub(super) fn current(&self) -> PlayId {
        self.current
    }
}

/// Where a `<record>` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Playing the beep that comes first.
    Beep(PlayId),
    /// Recording.
    Recording,
    /// Asked the engine to stop; waiting for the recording's id.
    Stopping,
}

/// A running `<record>`.
#[derive(Debug)]
pub(super) struct RecordRun {
    phase: Phase,
    max_duration: Duration,
    finish_keys: KeySet,
    finish_key: Option<DtmfKey>,
    hung_up: bool,
}

impl RecordRun {
    /// The effect that stops what runs now.
    pub(super) fn stop_effect(&self) -> Option<Effect> {
        match self.phase {
            Phase::Beep(id) => Some(Effect::StopPlay { id }),
            Phase::Recording => Some(Effect::StopRecording),
            Phase::Stopping => None,
        }
    }

    /// Notes a hang-up. A recording that had started is kept (voicemail): the session waits
    /// for its id, after this stop effect if one is needed. `None` while still beeping:
    /// there is nothing to wait for.
    pub(super) fn hang_up(&mut self) -> Option<Option<Effect>> {
        self.hung_up = true;
        match self.phase {
            Phase::Beep(_) => None,
            Phase::Recording => {
                self.phase = Phase::Stopping;
                Some(Some(Effect::StopRecording))
            }
            Phase::Stopping => Some(None),
        }
    }
}

impl Session {
    pub(super) fn begin_playback(&mut self, items: Vec<Source>, repeat: u8, keys: KeySet) {
        let mut sequence = Sequence::new(items, repeat);
        match sequence.next_item() {
            Some(first) => {
                let current = self.play(first, keys);
                self.state = State::Playing(Playback {
                    sequence,
                    finish_keys: keys,
                    current,
                });
            }
            None => {
                let mut outputs = Outputs::default();
                outputs.push("keys", "");
                self.finish(Some(IvrEvent::PlayEnd), outputs, None, false);
            }
        }
    }

    pub(super) fn playback_key(&mut self, key: DtmfKey) {
        let State::Playing(playback) = &self.state else {
            return;
        };
        if !playback.finish_keys.contains(key) {
            return;
        }
        let id = playback.current;
        self.out.push_back(Effect::StopPlay { id });
        let mut outputs = Outputs::default();
        outputs.push("keys", key.to_string());
        self.finish(Some(IvrEvent::PlayEnd), outputs, None, false);
    }

    pub(super) fn playback_item_done(&mut self, id: PlayId) {
        let State::Playing(playback) = &mut self.state else {
            return;
        };
        if playback.current != id {
            return;
        }
        let keys = playback.finish_keys;
        match playback.sequence.next_item() {
            Some(next) => {
                let current = self.play(next, keys);
                if let State::Playing(playback) = &mut self.state {
                    playback.current = current;
                }
            }
            None => {
                let mut outputs = Outputs::default();
                outputs.push("keys", "");
                self.finish(Some(IvrEvent::PlayEnd), outputs, None, false);
            }
        }
    }

    pub(super) fn begin_record(&mut self, now: Instant, record: &Record) {
        let mut run = RecordRun {
            phase: Phase::Recording,
            max_duration: record.max_duration,
            finish_keys: record.finish_keys,
            finish_key: None,
            hung_up: false,
        };
        if record.beeping {
            let beep = Source::Builtin(BuiltinPrompt::Beep);
            run.phase = Phase::Beep(self.play(beep, KeySet::EMPTY));
            self.state = State::Recording(run);
        } else {
            self.state = State::Recording(run);
            self.start_recording(now);
        }
    }

    fn start_recording(&mut self, now: Instant) {
        let State::Recording(run) = &mut self.state else {
            return;
        };
        run.phase = Phase::Recording;
        let (max_duration, finish_on_keys) = (run.max_duration, run.finish_keys);
        self.out.push_back(Effect::StartRecording {
            max_duration,
            finish_on_keys,
        });
        self.arm(Timer::RecordLimit, now + max_duration);
    }

    /// The beep ended: recording starts now, and `max_duration` counts from here.
    pub(super) fn beep_done(&mut self, now: Instant, id: PlayId) {
        if let State::Recording(run) = &self.state {
            if run.phase == Phase::Beep(id) {
                self.start_recording(now);
            }
        }
    }

    /// A finish key stops the recording; keys during the beep are ignored.
    pub(super) fn record_key(&mut self, key: DtmfKey) {
        let State::Recording(run) = &mut self.state else {
            return;
        };
        if run.phase != Phase::Recording || !run.finish_keys.contains(key) {
            return;
        }
        run.phase = Phase::Stopping;
        run.finish_key = Some(key);
        self.timer = None;
        self.out.push_back(Effect::StopRecording);
    }

    pub(super) fn record_limit_reached(&mut self) {
        let State::Recording(run) = &mut self.state else {
            return;
        };
        if run.phase == Phase::Recording {
            run.phase = Phase::Stopping;
            self.out.push_back(Effect::StopRecording);
        }
    }

    pub(super) fn recording_done(&mut self, record_id: String) {
        let State::Recording(run) = &mut self.state else {
            return;
        };
        if matches!(run.phase, Phase::Beep(_)) {
            return;
        }
        let mut outputs = Outputs::default();
        outputs.push("record_id", record_id);
        if let Some(key) = run.finish_key {
            outputs.push("keys", key.to_string());
        }
        let hung_up = run.hung_up;
        self.finish(Some(IvrEvent::RecordEnd), outputs, None, hung_up);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sequence_plays_every_item_each_round() {
        let items = vec![Source::File("a".into()), Source::File("b".into())];
        let mut seq = Sequence::new(items, 2);
        let played: Vec<_> = std::iter::from_fn(|| seq.next_item()).collect();
        let names: Vec<_> = played
            .iter()
            .map(|s| match s {
                Source::File(f) => f.as_str(),
                _ => "?",
            })
            .collect();
        assert_eq!(names, ["a", "b", "a", "b"]);
    }

    #[test]
    fn an_empty_sequence_plays_nothing() {
        assert_eq!(Sequence::new(Vec::new(), 3).next_item(), None);
    }
}
