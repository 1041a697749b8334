//! What goes into and comes out of the interpreter.

use std::fmt;
use std::time::Duration;

use crate::model::{ConnectMode, KeySet, RingbackStop, Source};

/// Names one playback, so a late `PlaybackDone` of a stopped prompt is not taken for the
/// current one. Unique within a call when sessions are chained with
/// [`Session::start_at`](super::Session::start_at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayId(pub u64);

/// Something that happened to the call, reported by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// The caller pressed a key (RFC 4733 event or SIP INFO); other characters are ignored.
    Dtmf(char),
    /// A playback ended by itself or after [`Effect::StopPlay`].
    PlaybackDone(PlayId),
    /// The recording ended (at its limit, after [`Effect::StopRecording`], or on hang-up).
    RecordingDone {
        /// The stored recording's id, the `record_id` output.
        record_id: String,
    },
    /// The digits of [`Effect::SendDtmf`] were sent.
    DtmfSent,
    /// How the [`Effect::Dial`] ended.
    DialResult(DialOutcome),
    /// The bridge of [`Effect::Connect`] ended, after lasting `duration`.
    ConnectEnded {
        /// How long the two parties were connected.
        duration: Duration,
    },
    /// The caller left the queue or the conversation [`Effect::Enqueue`] put it in.
    EnqueueEnded(EnqueueOutcome),
    /// The engine could not carry out the current effect.
    Failed(ActionError),
    /// The caller hung up.
    CallerHungUp,
}

/// How a dial ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialOutcome {
    /// This number answered.
    Answered {
        /// The number that answered.
        number: String,
    },
    /// Every number was busy.
    Busy,
    /// No number answered within `max_dial_duration`.
    NoAnswer,
    /// The call was refused (a final SIP error other than busy).
    Rejected,
    /// The call could not be placed (no route, network error).
    Failed,
}

impl DialOutcome {
    /// The `dial_result` output.
    pub fn code(&self) -> &'static str {
        match self {
            DialOutcome::Answered { .. } => "answered",
            DialOutcome::Busy => "busy",
            DialOutcome::NoAnswer => "no_answer",
            DialOutcome::Rejected => "rejected",
            DialOutcome::Failed => "failed",
        }
    }
}

/// `result` of an `<enqueue>` (SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueResult {
    /// The caller talked with an agent.
    Success,
    /// No agent was reached.
    Fail,
}

/// `cause` of an `<enqueue>` ending (SPEC §10, §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnqueueCause {
    /// The routes' `queue_timeout`s passed.
    Timeout,
    /// The caller hung up.
    Hangup,
    /// The task was cancelled through the API.
    Cancel,
    /// Calling the agent failed.
    CallFail,
    /// The agent rejected the call.
    Reject,
    /// The task was forwarded.
    Forward,
}

impl EnqueueCause {
    /// The `cause` output.
    pub fn code(self) -> &'static str {
        match self {
            EnqueueCause::Timeout => "timeout",
            EnqueueCause::Hangup => "hangup",
            EnqueueCause::Cancel => "cancel",
            EnqueueCause::CallFail => "call_fail",
            EnqueueCause::Reject => "reject",
            EnqueueCause::Forward => "forward",
        }
    }
}

/// How an `<enqueue>` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueOutcome {
    /// Whether an agent was reached.
    pub result: EnqueueResult,
    /// Why it ended, when it did not simply end after a conversation.
    pub cause: Option<EnqueueCause>,
    /// The agent reached, if any.
    pub agent_name: Option<String>,
    /// The conversation the caller was in, if any.
    pub conversation_id: Option<String>,
    /// The `data` an agent passed back when rejecting or departing.
    pub data: Option<String>,
}

/// Why an action could not be carried out; sent as the `error` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// A prompt could not be played (missing file, unreachable URL, bad format).
    #[error("play_failed")]
    PlayFailed,
    /// The recording could not be made or stored.
    #[error("record_failed")]
    RecordFailed,
    /// The dial could not be started at all.
    #[error("dial_failed")]
    DialFailed,
    /// There was no dialled party to connect to, or the bridge failed.
    #[error("connect_failed")]
    ConnectFailed,
    /// The `<enqueue>` could not be started (unknown condition id, bad routes).
    #[error("enqueue_failed")]
    EnqueueFailed,
    /// The DTMF could not be sent.
    #[error("send_dtmf_failed")]
    SendDtmfFailed,
}

/// The outputs of an action: query parameters of the next request, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outputs(Vec<(&'static str, String)>);

impl Outputs {
    /// Adds an output.
    pub fn push(&mut self, name: &'static str, value: impl Into<String>) {
        self.0.push((name, value.into()));
    }

    /// The value of an output.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The outputs, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(n, v)| (*n, v.as_str()))
    }
}

/// The IVR webhook events (SPEC §10), emitted as [`Effect::Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IvrEvent {
    /// The call ended: `<hangup/>` ran or the caller hung up.
    CallEnd,
    /// A `<play>` or `<playlist>` ended.
    PlayEnd,
    /// A `<get>` ended.
    GetEnd,
    /// A `<record>` ended.
    RecordEnd,
    /// An `<enqueue>` ended: the caller was *put* in a queue and has left it or its
    /// conversation.
    PutEnd,
    /// A `<dial>` ended (answered or not).
    DialEnd,
    /// A bridge started (`<connect>`, or the `<connect>` of an answered `<dial>`).
    ConnectBegin,
    /// A bridge ended.
    ConnectEnd,
}

impl IvrEvent {
    /// The event name sent in webhooks.
    pub fn name(self) -> &'static str {
        match self {
            IvrEvent::CallEnd => "ivr.call_end",
            IvrEvent::PlayEnd => "ivr.play_end",
            IvrEvent::GetEnd => "ivr.get_end",
            IvrEvent::RecordEnd => "ivr.record_end",
            IvrEvent::PutEnd => "ivr.put_end",
            IvrEvent::DialEnd => "ivr.dial_end",
            IvrEvent::ConnectBegin => "ivr.connect_begin",
            IvrEvent::ConnectEnd => "ivr.connect_end",
        }
    }
}

impl fmt::Display for IvrEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for IvrEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The outputs, for the next request's query string.
    pub outputs: Outputs,
    /// Set when the action failed; sent as `error`.
    pub error: Option<ActionError>,
    /// The call is over (`<hangup/>` or the caller hung up): do not request `<next>`.
    pub call_ended: bool,
}

/// What the engine must do; drained with [`Session::poll_output`](super::Session::poll_output).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Start playing `source` to the caller; answer with [`Input::PlaybackDone`].
    Play {
        /// Names this playback.
        id: PlayId,
        /// What to play.
        source: Source,
        /// Keys that will stop it: the media layer may cut the audio at once, before the
        /// interpreter's [`Effect::StopPlay`] arrives.
        finish_on_keys: KeySet,
    },
    /// Stop a playback early.
    StopPlay {
        /// The playback to stop.
        id: PlayId,
    },
    /// Start recording the caller; answer with [`Input::RecordingDone`].
    StartRecording {
        /// The interpreter stops the recording after this long.
        max_duration: Duration,
        /// Keys that stop the recording.
        finish_on_keys: KeySet,
    },
    /// Stop the recording; answer with [`Input::RecordingDone`].
    StopRecording,
    /// Call the numbers in order; answer with [`Input::DialResult`]. The engine enforces
    /// the durations, as it owns the outgoing leg.
    Dial {
        /// Numbers to try in order.
        numbers: Vec<String>,
        /// Caller id to present.
        from: Option<String>,
        /// How long each number may ring.
        max_dial_duration: Duration,
        /// Longest call once answered (`None`: no limit).
        max_call_duration: Option<Duration>,
        /// What the caller hears while it rings (`None`: a ring tone).
        ringback: Option<Source>,
        /// When that stops.
        ringback_stop: RingbackStop,
    },
    /// Give up a dial in progress (the caller hung up).
    CancelDial,
    /// Bridge the caller with the dialled party; answer with [`Input::ConnectEnded`].
    Connect {
        /// Who hears whom.
        mode: ConnectMode,
        /// Longest bridge (`None`: no limit), enforced by the engine.
        max_duration: Option<Duration>,
        /// Played to both as the bridge starts.
        prompt: Option<Source>,
    },
    /// Send these DTMF digits (`w` = half a second of pause); answer with
    /// [`Input::DtmfSent`].
    SendDtmf(String),
    /// Hand the call to the call center with this `<enqueue>` XML; answer with
    /// [`Input::EnqueueEnded`].
    Enqueue(String),
    /// Take the caller out of its queue (it hung up).
    LeaveQueue,
    /// Hang the call up.
    HangUp,
    /// Send this webhook event, with these parameters.
    Event(IvrEvent, Outputs),
    /// The action is over; nothing more comes from this session.
    Finished(Completion),
}
