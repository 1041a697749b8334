//! Helpers shared by the scenario tests.

use std::time::{Duration, Instant};

use sb_testkit::FakeClock;
use switchboard_ivr::interp::{Completion, Effect, Input, PlayId, Session};
use switchboard_ivr::model::{Action, Response};

/// Parses `input` and compares with `expect`: the model, or the diagnostics as
/// `line:column: message` lines.
pub fn check(input: &str, expect: Result<Response, &[&str]>) {
    let got = switchboard_ivr::parse(input);
    match (got, expect) {
        (Ok(got), Ok(want)) => assert_eq!(got, want, "document:\n{input}"),
        (Err(got), Err(want)) => {
            let got: Vec<String> = got.iter().map(ToString::to_string).collect();
            assert_eq!(got, want, "document:\n{input}");
        }
        (Ok(got), Err(want)) => panic!("expected {want:?}, parsed {got:?} from\n{input}"),
        (Err(got), Ok(_)) => panic!("expected a model, got\n{got}\nfrom\n{input}"),
    }
}

/// Parses a document that must be valid and returns its action.
pub fn action(doc: &str) -> Action {
    match switchboard_ivr::parse(doc) {
        Ok(response) => response.action,
        Err(diags) => panic!("invalid test document:\n{diags}"),
    }
}

/// A session on a fake clock, with its effects drained after each step.
pub struct Run {
    pub clock: FakeClock,
    pub session: Session,
}

impl Run {
    /// Starts the action of `doc`; returns the run and the first effects.
    pub fn start(doc: &str) -> (Self, Vec<Effect>) {
        let clock = FakeClock::new();
        let session = Session::start(clock.now(), &action(doc));
        let mut run = Run { clock, session };
        let effects = run.drain();
        (run, effects)
    }

    pub fn drain(&mut self) -> Vec<Effect> {
        std::iter::from_fn(|| self.session.poll_output()).collect()
    }

    /// Feeds an input now and returns the effects.
    pub fn input(&mut self, input: Input) -> Vec<Effect> {
        self.session.handle_input(self.clock.now(), input);
        self.drain()
    }

    /// Advances the clock by `by`, firing a due timer like the engine would, and returns
    /// the effects.
    pub fn advance(&mut self, by: Duration) -> Vec<Effect> {
        self.clock.advance(by);
        self.session.handle_timeout(self.clock.now());
        self.drain()
    }

    /// Time until the armed timer, if any.
    pub fn timeout_in(&self) -> Option<Duration> {
        let now: Instant = self.clock.now();
        self.session
            .poll_timeout()
            .map(|at| at.saturating_duration_since(now))
    }
}

/// The ids of the `Play` effects, in order.
pub fn plays(effects: &[Effect]) -> Vec<PlayId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Play { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

/// The one `Play` id in `effects`.
pub fn one_play(effects: &[Effect]) -> PlayId {
    let ids = plays(effects);
    assert_eq!(ids.len(), 1, "expected one Play in {effects:?}");
    ids[0]
}

/// The completion in `effects`, which must be the last effect.
pub fn finished(effects: &[Effect]) -> &Completion {
    match effects.last() {
        Some(Effect::Finished(done)) => done,
        _ => panic!("expected Finished last in {effects:?}"),
    }
}

/// Whether `effects` holds no `Finished`.
pub fn running(effects: &[Effect]) -> bool {
    !effects.iter().any(|e| matches!(e, Effect::Finished(_)))
}

/// The names of the events in `effects`, in order.
pub fn events(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Event(event, _) => Some(event.name()),
            _ => None,
        })
        .collect()
}

/// Seconds.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Milliseconds.
pub fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}
