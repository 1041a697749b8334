//! The contract between an IVR session and the rest of the engine: the two traits the
//! calls layer implements for each IVR call ([`IvrMedia`], [`CallControl`]), and the
//! messages it sends back through [`IvrHandle`](super::IvrHandle) ([`IvrMessage`]).
//!
//! Both traits are synchronous and non-blocking: a method *starts* something (a playback, a
//! dial) and returns at once; how it ended comes back later as an [`IvrMessage`]. A method
//! that returns an error means the thing was never started, and no message will follow.
//! Implementations are `Send + Sync` because the session task may move between runtime
//! threads; a channel sender or an actix `Addr` is both.
//!
//! Every started thing must be reported, even when the caller hangs up meanwhile (a
//! recording then ends with [`IvrMessage::RecordingFinished`], a voicemail): the session
//! waits for it. Dropping every [`IvrHandle`](super::IvrHandle) counts as the caller
//! hanging up, and then as the end of whatever still runs.

use std::path::Path;
use std::time::Duration;

use sb_ivr::interp::{DialOutcome, EnqueueOutcome, PlayId};
use sb_ivr::model::{ConnectMode, KeySet, RingbackStop};
use sb_media::player::Prompt;

/// Why the media or call layer could not start what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortError {
    /// The caller's leg (or its call) no longer exists.
    #[error("the call is gone")]
    CallGone,
    /// The layer is overloaded (a full command channel): try later or give up.
    #[error("the {layer} layer is overloaded")]
    Overloaded {
        /// `media` or `call`.
        layer: &'static str,
    },
    /// The request is not possible on this call (no telephone-event negotiated for DTMF,
    /// nothing dialled to connect to, no trunk for the number).
    #[error("not possible on this call: {what}")]
    NotPossible {
        /// What was refused.
        what: &'static str,
    },
}

/// The media of one IVR call, bound to the caller's leg by the calls layer.
///
/// Events travel back as [`IvrMessage::Digit`], [`IvrMessage::PlaybackDone`],
/// [`IvrMessage::RecordingFinished`]/[`IvrMessage::RecordingFailed`] and
/// [`IvrMessage::DtmfSent`].
pub trait IvrMedia: Send + Sync + 'static {
    /// Plays `prompt` once to the caller; report [`IvrMessage::PlaybackDone`] with the same
    /// `id` when it ends by itself or after [`IvrMedia::stop_play`]. The session plays the
    /// items and rounds of a `<playlist>` one [`Prompt`] at a time, so a key can cut any of
    /// them. `finish_on_keys` may cut the audio at once on those keys (the session stops it
    /// anyway).
    fn play(&mut self, id: PlayId, prompt: Prompt, finish_on_keys: KeySet)
        -> Result<(), PortError>;
    /// Stops a playback early; a playback already over is not an error.
    fn stop_play(&mut self, id: PlayId);
    /// Records what the caller says into a WAV file at `path` (the session picks it, inside
    /// the call center's media library) until [`IvrMedia::stop_recording`] or hang-up; then
    /// report [`IvrMessage::RecordingFinished`] once the file is complete and closed.
    fn start_recording(&mut self, path: &Path) -> Result<(), PortError>;
    /// Stops the recording.
    fn stop_recording(&mut self);
    /// Sends `digits` to the caller's leg as RFC 4733 events (`w` is half a second of
    /// pause); report [`IvrMessage::DtmfSent`] when done.
    fn send_dtmf(&mut self, digits: &str) -> Result<(), PortError>;
}

/// How an unanswered call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The application answered `<hangup/>` first: SIP 603 Decline.
    Declined,
    /// The application did not answer usably (unreachable, timed out, or a document that
    /// does not parse): SIP 486 Busy Here, as SPEC §10 says.
    Busy,
}

/// A `<dial>` to place.
#[derive(Debug, Clone)]
pub struct DialRequest {
    /// Numbers to try in order until one answers.
    pub numbers: Vec<String>,
    /// Caller id to present (`None`: the trunk's default).
    pub from: Option<String>,
    /// How long each number may ring.
    pub max_dial_duration: Duration,
    /// Longest call once answered (`None`: no limit).
    pub max_call_duration: Option<Duration>,
    /// Played to the caller while it rings (`None`: a ring tone).
    pub ringback: Option<Prompt>,
    /// When the ringback stops.
    pub ringback_stop: RingbackStop,
}

/// A `<connect>`: bridge the caller with the party of the last `<dial>`.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// Who hears whom.
    pub mode: ConnectMode,
    /// Longest bridge (`None`: no limit); the call layer ends it.
    pub max_duration: Option<Duration>,
    /// Played to both as the bridge starts.
    pub prompt: Option<Prompt>,
}

/// An `<enqueue>` for the call-center layer (SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueRequest {
    /// The `<enqueue>` element's exact source text, already validated against the call
    /// center's conditions.
    pub xml: String,
    /// The call's `user_data` (from the trunk or API that started it), if any; the XML's
    /// own `user_data` attribute stays in `xml`.
    pub user_data: Option<String>,
}

/// Call control of one IVR call (the SIP side and the call-center side).
///
/// Outcomes travel back as [`IvrMessage::DialEnded`], [`IvrMessage::ConnectEnded`],
/// [`IvrMessage::EnqueueEnded`] and [`IvrMessage::CallerHungUp`].
pub trait CallControl: Send + Sync + 'static {
    /// Answers the call (SIP 200). Called once, before the first action other than a
    /// first `<hangup/>`, and before any media is played.
    fn answer(&mut self) -> Result<(), PortError>;
    /// Refuses the call before it was answered. Nothing more is asked of this call.
    fn reject(&mut self, reason: RejectReason);
    /// Hangs an answered call up (SIP BYE). Nothing more is asked of this call.
    fn hang_up(&mut self);
    /// Places a `<dial>`; report [`IvrMessage::DialEnded`]. The dialled party stays up
    /// until a `<connect>` bridges it, the session hangs up, or it hangs up itself.
    fn dial(&mut self, request: DialRequest) -> Result<(), PortError>;
    /// Gives up the dial in progress (the caller hung up), hanging its party up; nothing
    /// more is reported about it.
    fn cancel_dial(&mut self);
    /// Bridges the caller with the dialled party; report [`IvrMessage::ConnectEnded`] when
    /// either hangs up or `max_duration` runs out (the dialled party is then hung up), or
    /// [`IvrMessage::ConnectFailed`] when there is nobody to bridge with.
    fn connect(&mut self, request: ConnectRequest) -> Result<(), PortError>;
    /// Hands the caller to the call center; report [`IvrMessage::EnqueueEnded`] when it
    /// leaves the queue or its conversation (SPEC §10).
    fn enqueue(&mut self, request: EnqueueRequest) -> Result<(), PortError>;
    /// Takes the caller out of its queue or conversation (it hung up).
    fn leave_queue(&mut self);
}

/// What the media and call layers tell a session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IvrMessage {
    /// The caller pressed a key (RFC 4733 or SIP INFO).
    Digit(char),
    /// A playback of [`IvrMedia::play`] ended (by itself or stopped).
    PlaybackDone(PlayId),
    /// A playback could not run after all (its leg went away mid-play, a worker refused it).
    PlaybackFailed(PlayId),
    /// The recording file of [`IvrMedia::start_recording`] is complete.
    RecordingFinished,
    /// The recording failed; the file may be unusable.
    RecordingFailed,
    /// The digits of [`IvrMedia::send_dtmf`] were sent.
    DtmfSent,
    /// How the dial ended.
    DialEnded(DialOutcome),
    /// The bridge of [`CallControl::connect`] ended after `duration`.
    ConnectEnded {
        /// How long the parties were connected.
        duration: Duration,
    },
    /// The bridge of [`CallControl::connect`] could not be made: no dialled party is up
    /// (none answered, or it hung up before the `<connect>`), or the media plane refused.
    ConnectFailed,
    /// The caller left the queue or its conversation: the `next` request's outputs.
    EnqueueEnded(EnqueueOutcome),
    /// The caller hung up (or its leg died).
    CallerHungUp,
}
