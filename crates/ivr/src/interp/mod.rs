//! The step interpreter: runs one parsed action for one call, sans-IO (GUIDE §2).
//!
//! The engine feeds it [`Input`]s and timer wake-ups with the current time, and performs
//! the [`Effect`]s it drains from [`Session::poll_output`]. The interpreter owns the key
//! collection and the timers of `<get>`, `<play>`, `<record>` and `<pause>`; the engine
//! owns the call legs, so dial and bridge durations travel in the effects and the engine
//! reports how they ended.
//!
//! Every action ends with exactly one [`Effect::Finished`], preceded by its IVR event
//! (when it has one) and by [`IvrEvent::CallEnd`] when the call is over.

mod get;
mod io;
mod media;

use std::collections::VecDeque;
use std::time::Instant;

pub use io::{
    ActionError, Completion, DialOutcome, Effect, EnqueueCause, EnqueueOutcome, EnqueueResult,
    Input, IvrEvent, Outputs, PlayId,
};

use crate::model::{Action, Connect, KeySet, Source};
use get::GetRun;
use media::{Playback, RecordRun};

/// The timers the interpreter arms; at most one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// `<get>`: `first_key_timeout`, from the end of the prompt.
    FirstKey,
    /// `<get>`: `continues_keys_timeout`, from the last accepted key.
    NextKey,
    /// `<pause>`: its `duration`.
    Pause,
    /// `<record>`: its `max_duration`, from the start of the recording.
    RecordLimit,
}

/// What the session is doing.
#[derive(Debug)]
enum State {
    Playing(Playback),
    Getting(GetRun),
    Recording(RecordRun),
    Pausing,
    SendingDtmf,
    Dialing { connect: Option<Connect> },
    Connected { outputs: Outputs },
    Queued,
    Done,
}

/// One action running for one call.
#[derive(Debug)]
pub struct Session {
    state: State,
    out: VecDeque<Effect>,
    timer: Option<(Timer, Instant)>,
    next_play_id: u64,
}

impl Session {
    /// Starts `action` at `now`; its first effects are ready in [`Session::poll_output`].
    pub fn start(now: Instant, action: &Action) -> Self {
        Self::start_at(now, action, 1)
    }

    /// Like [`Session::start`], numbering playbacks from `first_play_id`: chain the sessions
    /// of one call with `start_at(now, action, previous.next_play_id())`, so a late
    /// `PlaybackDone` of an earlier action is never taken for one of this action.
    pub fn start_at(now: Instant, action: &Action, first_play_id: u64) -> Self {
        let mut session = Session {
            state: State::Done,
            out: VecDeque::new(),
            timer: None,
            next_play_id: first_play_id,
        };
        session.begin(now, action);
        session
    }

    fn begin(&mut self, now: Instant, action: &Action) {
        match action {
            Action::Play(play) => {
                let items = vec![play.source.clone()];
                self.begin_playback(items, play.repeat, play.finish_keys);
            }
            Action::Playlist(list) => {
                self.begin_playback(list.items.clone(), list.repeat, list.finish_keys);
            }
            Action::Get(get) => self.begin_get(now, get),
            Action::Record(record) => self.begin_record(now, record),
            Action::Pause(pause) => {
                self.arm(Timer::Pause, now + pause.duration);
                self.state = State::Pausing;
            }
            Action::SendDtmf(send) => {
                self.out.push_back(Effect::SendDtmf(send.digits.clone()));
                self.state = State::SendingDtmf;
            }
            Action::Hangup => {
                self.out.push_back(Effect::HangUp);
                self.finish(Some(IvrEvent::CallEnd), Outputs::default(), None, true);
            }
            Action::Dial(dial) => {
                self.out.push_back(Effect::Dial {
                    numbers: dial.numbers.clone(),
                    from: dial.from.clone(),
                    max_dial_duration: dial.max_dial_duration,
                    max_call_duration: dial.max_call_duration,
                    ringback: dial.ringback.clone(),
                    ringback_stop: dial.ringback_stop,
                });
                self.state = State::Dialing {
                    connect: dial.connect.clone(),
                };
            }
            Action::Connect(connect) => self.begin_connect(connect, Outputs::default()),
            Action::Enqueue(enqueue) => {
                self.out.push_back(Effect::Enqueue(enqueue.xml.clone()));
                self.state = State::Queued;
            }
        }
    }

    /// The next effect to perform; drain until `None` after every call into the session.
    pub fn poll_output(&mut self) -> Option<Effect> {
        self.out.pop_front()
    }

    /// When the session wants [`Session::handle_timeout`] called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timer.map(|(_, at)| at)
    }

    /// Which timer is armed, if any.
    pub fn timer(&self) -> Option<Timer> {
        self.timer.map(|(timer, _)| timer)
    }

    /// Whether the action is over ([`Effect::Finished`] was queued).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The first playback id the next session of this call should use.
    pub fn next_play_id(&self) -> u64 {
        self.next_play_id
    }

    /// Fires the armed timer if `now` has reached it; earlier calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some((timer, at)) = self.timer else {
            return;
        };
        if now < at {
            return;
        }
        self.timer = None;
        match (timer, &mut self.state) {
            (Timer::FirstKey | Timer::NextKey, State::Getting(_)) => self.get_timed_out(),
            (Timer::Pause, State::Pausing) => {
                self.finish(None, Outputs::default(), None, false);
            }
            (Timer::RecordLimit, State::Recording(_)) => self.record_limit_reached(),
            // A timer left from a state that has moved on: nothing to do.
            _ => {}
        }
    }

    /// Feeds one input at `now`. A timer that is due fires first, so an input that arrives
    /// after a deadline the engine has not yet reported cannot slip in before it.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        self.handle_timeout(now);
        if self.is_finished() {
            return;
        }
        match input {
            Input::Dtmf(c) => self.key(now, c),
            Input::PlaybackDone(id) => self.playback_done(now, id),
            Input::RecordingDone { record_id } => self.recording_done(record_id),
            Input::DtmfSent if matches!(self.state, State::SendingDtmf) => {
                self.finish(None, Outputs::default(), None, false);
            }
            Input::DialResult(outcome) => self.dial_result(outcome),
            Input::ConnectEnded { duration } => self.connect_ended(duration),
            Input::EnqueueEnded(outcome) => self.enqueue_ended(&outcome, false),
            Input::Failed(error) => self.failed(error),
            Input::CallerHungUp => self.caller_hung_up(),
            Input::DtmfSent => {}
        }
    }

    fn key(&mut self, now: Instant, c: char) {
        let Some(key) = crate::model::DtmfKey::from_char(c) else {
            return;
        };
        match &mut self.state {
            State::Playing(_) => self.playback_key(key),
            State::Getting(_) => self.get_key(now, key),
            State::Recording(_) => self.record_key(key),
            // Keys mean nothing to the other actions (a bridged callee hears them in-band).
            _ => {}
        }
    }

    fn playback_done(&mut self, now: Instant, id: PlayId) {
        match &mut self.state {
            State::Playing(_) => self.playback_item_done(id),
            State::Getting(_) => self.get_prompt_done(now, id),
            State::Recording(_) => self.beep_done(now, id),
            _ => {}
        }
    }

    fn dial_result(&mut self, outcome: DialOutcome) {
        let State::Dialing { connect } = &mut self.state else {
            return;
        };
        let connect = connect.take();
        let mut outputs = Outputs::default();
        outputs.push("dial_result", outcome.code());
        if let DialOutcome::Answered { number } = &outcome {
            outputs.push("dial_number", number.clone());
        }
        self.event(IvrEvent::DialEnd, &outputs);
        match (connect, &outcome) {
            (Some(connect), DialOutcome::Answered { .. }) => self.begin_connect(&connect, outputs),
            _ => self.finish(None, outputs, None, false),
        }
    }

    fn begin_connect(&mut self, connect: &Connect, outputs: Outputs) {
        self.out.push_back(Effect::Connect {
            mode: connect.mode,
            max_duration: connect.max_duration,
            prompt: connect.prompt.clone(),
        });
        self.event(IvrEvent::ConnectBegin, &outputs);
        self.state = State::Connected { outputs };
    }

    fn connect_ended(&mut self, duration: std::time::Duration) {
        let State::Connected { outputs } = &mut self.state else {
            return;
        };
        let mut outputs = std::mem::take(outputs);
        outputs.push("connect_duration", duration.as_secs().to_string());
        self.finish(Some(IvrEvent::ConnectEnd), outputs, None, false);
    }

    fn enqueue_ended(&mut self, outcome: &EnqueueOutcome, call_ended: bool) {
        if !matches!(self.state, State::Queued) {
            return;
        }
        let mut outputs = Outputs::default();
        let result = match outcome.result {
            EnqueueResult::Success => "success",
            EnqueueResult::Fail => "fail",
        };
        outputs.push("result", result);
        let fields = [
            ("cause", outcome.cause.map(|c| c.code().to_owned())),
            ("agent_name", outcome.agent_name.clone()),
            ("conversation_id", outcome.conversation_id.clone()),
            ("data", outcome.data.clone()),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                outputs.push(name, value);
            }
        }
        self.finish(Some(IvrEvent::PutEnd), outputs, None, call_ended);
    }

    /// The engine could not do what was asked: stop what runs, finish with `error`.
    fn failed(&mut self, error: ActionError) {
        self.stop_running();
        let event = self.end_event();
        let outputs = match &mut self.state {
            State::Connected { outputs } => std::mem::take(outputs),
            _ => Outputs::default(),
        };
        self.finish(event, outputs, Some(error), false);
    }

    fn caller_hung_up(&mut self) {
        if let State::Recording(run) = &mut self.state {
            if let Some(stop) = run.hang_up() {
                self.timer = None;
                self.out.extend(stop);
                return;
            }
        }
        if matches!(self.state, State::Queued) {
            self.out.push_back(Effect::LeaveQueue);
            let outcome = EnqueueOutcome {
                result: EnqueueResult::Fail,
                cause: Some(EnqueueCause::Hangup),
                agent_name: None,
                conversation_id: None,
                data: None,
            };
            self.enqueue_ended(&outcome, true);
            return;
        }
        self.stop_running();
        let event = self.end_event();
        let mut outputs = match &mut self.state {
            State::Connected { outputs } => std::mem::take(outputs),
            State::Getting(run) => run.outputs(),
            _ => Outputs::default(),
        };
        if matches!(self.state, State::Dialing { .. }) {
            outputs.push("dial_result", "caller_hangup");
        }
        self.finish(event, outputs, None, true);
    }

    /// Stops the media or call operation in progress.
    fn stop_running(&mut self) {
        let stop = match &self.state {
            State::Playing(p) => Some(Effect::StopPlay { id: p.current() }),
            State::Getting(run) => run.playing().map(|id| Effect::StopPlay { id }),
            State::Recording(run) => run.stop_effect(),
            State::Dialing { .. } => Some(Effect::CancelDial),
            State::Queued => Some(Effect::LeaveQueue),
            _ => None,
        };
        self.out.extend(stop);
    }

    /// The event that ends the current action, if it has one.
    fn end_event(&self) -> Option<IvrEvent> {
        match self.state {
            State::Playing(_) => Some(IvrEvent::PlayEnd),
            State::Getting(_) => Some(IvrEvent::GetEnd),
            State::Recording(_) => Some(IvrEvent::RecordEnd),
            State::Dialing { .. } => Some(IvrEvent::DialEnd),
            State::Connected { .. } => Some(IvrEvent::ConnectEnd),
            State::Queued => Some(IvrEvent::PutEnd),
            State::Pausing | State::SendingDtmf | State::Done => None,
        }
    }

    fn play(&mut self, source: Source, finish_on_keys: KeySet) -> PlayId {
        let id = PlayId(self.next_play_id);
        self.next_play_id += 1;
        self.out.push_back(Effect::Play {
            id,
            source,
            finish_on_keys,
        });
        id
    }

    fn arm(&mut self, timer: Timer, at: Instant) {
        self.timer = Some((timer, at));
    }

    fn event(&mut self, event: IvrEvent, outputs: &Outputs) {
        self.out.push_back(Effect::Event(event, outputs.clone()));
    }

    /// Queues the end of the action: its event, `ivr.call_end` if the call is over, and
    /// `Finished`.
    fn finish(
        &mut self,
        event: Option<IvrEvent>,
        outputs: Outputs,
        error: Option<ActionError>,
        call_ended: bool,
    ) {
        // Events carry the error as a parameter; the completion keeps it apart, as the
        // next request adds `error` itself.
        let mut params = outputs.clone();
        if let Some(error) = error {
            params.push("error", error.to_string());
        }
        if let Some(event) = event.filter(|e| *e != IvrEvent::CallEnd) {
            self.event(event, &params);
        }
        if call_ended {
            self.event(IvrEvent::CallEnd, &params);
        }
        self.timer = None;
        self.state = State::Done;
        self.out.push_back(Effect::Finished(Completion {
            outputs,
            error,
            call_ended,
        }));
    }
}
