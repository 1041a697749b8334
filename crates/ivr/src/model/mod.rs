//! The typed model of an IVR answer document (SPEC §10).
//!
//! Units: every duration attribute is a whole number of **seconds**. Every attribute has a
//! default, listed on its field and in the `DEFAULT_*` constants, chosen to behave like
//! TwiML where the two overlap.

mod keys;

use std::time::Duration;

pub use keys::{DtmfKey, KeySet};

use crate::diag::Position;

/// A parsed `<response>`: one action and where to go after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The action to run.
    pub action: Action,
    /// Where to ask for the next document; `None` hangs the call up after the action.
    pub next: Option<Next>,
}

/// `<next tag="t">URL</next>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// The `http(s)` URL to `GET` after the action (may carry its own query string).
    pub url: String,
    /// Echoed back as the `tag` query parameter, so one URL can serve several steps.
    pub tag: Option<String>,
}

/// One IVR action.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `<play>`.
    Play(Play),
    /// `<playlist>`.
    Playlist(Playlist),
    /// `<get>`.
    Get(Get),
    /// `<record>`.
    Record(Record),
    /// `<dial>`.
    Dial(Dial),
    /// `<connect>`.
    Connect(Connect),
    /// `<pause>`.
    Pause(Pause),
    /// `<send_dtmf>`.
    SendDtmf(SendDtmf),
    /// `<hangup/>`.
    Hangup,
    /// `<enqueue>`, kept as source text for the call-center crate (SPEC §8).
    Enqueue(EnqueueXml),
}

impl Action {
    /// The element name, sent back as the `type` query parameter of the next request.
    pub fn tag_name(&self) -> &'static str {
        match self {
            Action::Play(_) => "play",
            Action::Playlist(_) => "playlist",
            Action::Get(_) => "get",
            Action::Record(_) => "record",
            Action::Dial(_) => "dial",
            Action::Connect(_) => "connect",
            Action::Pause(_) => "pause",
            Action::SendDtmf(_) => "send_dtmf",
            Action::Hangup => "hangup",
            Action::Enqueue(_) => "enqueue",
        }
    }
}

/// What to play: a media file of the call center, an `http(s)` URL, or a built-in prompt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A file name in the call center's media files (never a path out of them).
    File(String),
    /// An `http://` or `https://` URL fetched by the media layer.
    Url(String),
    /// A prompt built into the server (SPEC §12).
    Builtin(BuiltinPrompt),
}

/// Prompts every installation has (SPEC §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuiltinPrompt {
    /// The short tone played before a recording starts.
    Beep,
}

/// Default `repeat` of `<play>`/`<playlist>`: once.
pub const DEFAULT_REPEAT: u8 = 1;
/// Largest `repeat` and `play_repeat` (SPEC §10).
pub const MAX_REPEAT: u8 = 10;

/// `<play finish_keys repeat>file</play>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// What to play.
    pub source: Source,
    /// Keys that stop the playback; the key is the `keys` output. Default: none.
    pub finish_keys: KeySet,
    /// How many times to play, 1–10. Default 1.
    pub repeat: u8,
}

/// Most `<play>` children of a `<playlist>` (SPEC §10).
pub const MAX_PLAYLIST_ITEMS: usize = 10;

/// `<playlist finish_keys repeat>` with 1–10 `<play>` children, played in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    /// The items, in order.
    pub items: Vec<Source>,
    /// Keys that stop the playback. Default: none.
    pub finish_keys: KeySet,
    /// How many times the whole list is played, 1–10. Default 1.
    pub repeat: u8,
}

/// Default `valid_keys` of `<get>`: the twelve keys of a phone pad.
pub const DEFAULT_VALID_KEYS: &str = "0123456789*#";
/// Default `max_keys` of `<get>`.
pub const DEFAULT_MAX_KEYS: u8 = 1;
/// Largest `max_keys` of `<get>`.
pub const MAX_MAX_KEYS: u8 = 64;
/// Default `finish_keys` of `<get>` and `<record>`.
pub const DEFAULT_FINISH_KEYS: &str = "#";
/// Default `first_key_timeout` of `<get>`, in seconds (TwiML's `timeout`).
pub const DEFAULT_FIRST_KEY_TIMEOUT_S: u32 = 5;
/// Default `continues_keys_timeout` of `<get>`, in seconds.
pub const DEFAULT_CONTINUES_KEYS_TIMEOUT_S: u32 = 3;
/// Largest key timeout of `<get>`, in seconds.
pub const MAX_KEY_TIMEOUT_S: u32 = 600;

/// `<get>`: collect DTMF keys, optionally after a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Get {
    /// Keys collected; others are ignored. Default `0123456789*#`. Finish keys always end
    /// the collection, even when they are not in this set.
    pub valid_keys: KeySet,
    /// Collection ends when this many keys were collected, 1–64. Default 1.
    pub max_keys: u8,
    /// Keys that end the collection without being part of `keys`. Default `#`.
    pub finish_keys: KeySet,
    /// How long to wait for the first key after the prompt ends. Default 5 s.
    pub first_key_timeout: Duration,
    /// How long to wait for each further key. Default 3 s.
    pub continues_keys_timeout: Duration,
    /// How many times the prompt is played, 1–10. Default 1.
    pub play_repeat: u8,
    /// Whether a key stops the prompt. Default `true`. When `false`, keys pressed during the
    /// prompt are discarded and collection starts when the prompt ends.
    pub if_break_on_key: bool,
    /// The prompt: the sources of a nested `<play>` or `<playlist>`, in order; may be empty.
    pub prompt: Vec<Source>,
}

/// Default `max_duration` of `<record>`, in seconds.
pub const DEFAULT_RECORD_MAX_DURATION_S: u32 = 60;
/// Largest `max_duration` of `<record>`, in seconds (one hour).
pub const MAX_RECORD_DURATION_S: u32 = 3600;

/// `<record max_duration beeping finish_keys>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The longest recording. Default 60 s, at most 3600 s.
    pub max_duration: Duration,
    /// Whether a beep is played before recording starts. Default `true`.
    pub beeping: bool,
    /// Keys that stop the recording. Default `#`.
    pub finish_keys: KeySet,
}

/// Default `max_dial_duration` of `<dial>` (how long the callee may ring), in seconds.
pub const DEFAULT_MAX_DIAL_DURATION_S: u32 = 60;
/// Largest `max_dial_duration`, in seconds.
pub const MAX_DIAL_DURATION_S: u32 = 300;
/// Default `max_call_duration` of `<dial>` and `max_duration` of `<connect>`, in seconds
/// (0 = no limit).
pub const DEFAULT_MAX_CALL_DURATION_S: u32 = 0;
/// Largest call duration limit, in seconds (one day).
pub const MAX_CALL_DURATION_S: u32 = 86_400;
/// Most `<number>` children of a `<dial>`.
pub const MAX_DIAL_NUMBERS: usize = 10;

/// When the ringback prompt of a `<dial>` stops (`dial_voice_stop_cond`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RingbackStop {
    /// `1` (default): when the callee answers.
    Answer,
    /// `2`: as soon as the callee sends early media (SIP 183 with SDP), so the caller hears
    /// the callee's own ringback or announcement.
    EarlyMedia,
}

/// `<dial>`: call out, optionally bridging the caller with the callee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// Numbers to try in order until one answers (1–10).
    pub numbers: Vec<String>,
    /// The caller id to present; `None` = the trunk's default.
    pub from: Option<String>,
    /// Longest call once answered; `None` = no limit. Default no limit.
    pub max_call_duration: Option<Duration>,
    /// How long each number may ring. Default 60 s, at most 300 s.
    pub max_dial_duration: Duration,
    /// When the ringback stops. Default [`RingbackStop::Answer`].
    pub ringback_stop: RingbackStop,
    /// The ringback played to the caller while dialling; `None` = a ring tone.
    pub ringback: Option<Source>,
    /// What to do once answered: bridge the two (`Some`) or return to the IVR with the
    /// callee on hold for a later `<connect>` (`None`).
    pub connect: Option<Connect>,
}

/// Who hears whom in a `<connect>` (the caller is the first party, the dialled callee the
/// second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectMode {
    /// `1` (default): both hear each other.
    Both,
    /// `2`: only the second party hears the first.
    SecondHearsFirst,
    /// `3`: only the first party hears the second.
    FirstHearsSecond,
}

impl ConnectMode {
    /// The number used in documents.
    pub fn code(self) -> u8 {
        match self {
            ConnectMode::Both => 1,
            ConnectMode::SecondHearsFirst => 2,
            ConnectMode::FirstHearsSecond => 3,
        }
    }
}

/// `<connect max_duration mode>`: bridge the caller with the dialled party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Longest bridge; `None` = no limit. Default no limit.
    pub max_duration: Option<Duration>,
    /// Who hears whom. Default [`ConnectMode::Both`].
    pub mode: ConnectMode,
    /// A prompt played to both parties as the bridge starts.
    pub prompt: Option<Source>,
}

/// Default `duration` of `<pause>`, in seconds.
pub const DEFAULT_PAUSE_S: u32 = 1;
/// Largest `duration` of `<pause>`, in seconds.
pub const MAX_PAUSE_S: u32 = 600;

/// `<pause duration>`: silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// How long. Default 1 s, at most 600 s.
    pub duration: Duration,
}

/// Longest `<send_dtmf>` content, in characters.
pub const MAX_SEND_DTMF: usize = 64;

/// `<send_dtmf>digits</send_dtmf>`: send RFC 4733 events to the far end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendDtmf {
    /// Keys to send; `w` is a half-second pause between them.
    pub digits: String,
}

/// An `<enqueue>` element kept as its exact source text (SPEC §8), for the call-center crate
/// to model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueXml {
    /// The source text from `<enqueue` to the end of its end tag (or of `/>`).
    pub xml: String,
    /// Where `<enqueue` starts in the whole document, to map the call-center crate's
    /// positions back into it.
    pub start: Position,
}
