//! `<get>`: collecting keys after an optional prompt.
//!
//! Timing rules, in order of precedence:
//! - the prompt plays `play_repeat` times;
//! - with `if_break_on_key` the first valid or finish key stops it (an invalid key does not);
//!   without it, keys pressed during the prompt are discarded, so collection starts at the
//!   end of the prompt;
//! - `first_key_timeout` counts from the end of the prompt (from the start when there is no
//!   prompt) and ends the action with empty `keys`;
//! - `continues_keys_timeout` counts from each accepted key and ends the action with the keys
//!   collected;
//! - a finish key ends the action and is not part of `keys`, even when it is also valid;
//! - keys outside `valid_keys` (and not finish keys) are ignored;
//! - the `max_keys`-th accepted key ends the action at once.

use std::time::Instant;

use super::media::Sequence;
use super::{Effect, IvrEvent, Outputs, PlayId, Session, State, Timer};
use crate::model::{DtmfKey, Get};

/// A running `<get>`.
#[derive(Debug)]
pub(super) struct GetRun {
    config: Get,
    prompt: Sequence,
    /// The prompt playing now, if any.
    playing: Option<PlayId>,
    keys: String,
}

impl GetRun {
    /// The prompt playing now, if any.
    pub(super) fn playing(&self) -> Option<PlayId> {
        self.playing
    }

    /// The `keys` output so far.
    pub(super) fn outputs(&self) -> Outputs {
        let mut outputs = Outputs::default();
        outputs.push("keys", self.keys.clone());
        outputs
    }
}

impl Session {
    pub(super) fn begin_get(&mut self, now: Instant, get: &Get) {
        let mut run = GetRun {
            config: get.clone(),
            prompt: Sequence::new(get.prompt.clone(), get.play_repeat),
            playing: None,
            keys: String::new(),
        };
        match run.prompt.next_item() {
            Some(first) => {
                let stop_keys = if get.if_break_on_key {
                    get.valid_keys.union(get.finish_keys)
                } else {
                    crate::model::KeySet::EMPTY
                };
                run.playing = Some(self.play(first, stop_keys));
            }
            None => self.arm(Timer::FirstKey, now + get.first_key_timeout),
        }
        self.state = State::Getting(run);
    }

    pub(super) fn get_prompt_done(&mut self, now: Instant, id: PlayId) {
        let State::Getting(run) = &mut self.state else {
            return;
        };
        if run.playing != Some(id) {
            return;
        }
        run.playing = None;
        let timeout = run.config.first_key_timeout;
        let stop_keys = if run.config.if_break_on_key {
            run.config.valid_keys.union(run.config.finish_keys)
        } else {
            crate::model::KeySet::EMPTY
        };
        match run.prompt.next_item() {
            Some(next) => {
                let id = self.play(next, stop_keys);
                if let State::Getting(run) = &mut self.state {
                    run.playing = Some(id);
                }
            }
            None => self.arm(Timer::FirstKey, now + timeout),
        }
    }

    pub(super) fn get_key(&mut self, now: Instant, key: DtmfKey) {
        let State::Getting(run) = &mut self.state else {
            return;
        };
        let config = &run.config;
        if run.playing.is_some() && !config.if_break_on_key {
            return;
        }
        let finish = config.finish_keys.contains(key);
        if !finish && !config.valid_keys.contains(key) {
            return;
        }
        if let Some(id) = run.playing.take() {
            self.out.push_back(Effect::StopPlay { id });
        }
        let State::Getting(run) = &mut self.state else {
            return;
        };
        if finish {
            return self.get_done();
        }
        run.keys.push(key.as_char());
        if run.keys.chars().count() >= usize::from(run.config.max_keys) {
            return self.get_done();
        }
        let timeout = run.config.continues_keys_timeout;
        self.arm(Timer::NextKey, now + timeout);
    }

    /// The first-key or next-key timer fired: end with what was collected.
    pub(super) fn get_timed_out(&mut self) {
        self.get_done();
    }

    fn get_done(&mut self) {
        let State::Getting(run) = &self.state else {
            return;
        };
        let outputs = run.outputs();
        self.finish(Some(IvrEvent::GetEnd), outputs, None, false);
    }
}
