//! The IVR application behind the `ivr_app` example: a contact center's web application that
//! steers callers through Switchboard's XML IVR (docs/ivr.md).
//!
//! The call flow, one HTTP exchange per step:
//!
//! 1. `POST /ivr` (the `ivr_start` JSON): a welcome menu, `<get>` one key of `123`.
//! 2. `GET /ivr/menu`: `1` queues the caller for sales, `2` for support (an `<enqueue>` with
//!    skill routes, `wait_voice`, `hold_voice`, `play_num`, `user_data`), `3` goes to
//!    voicemail; no key asks again, three times at most.
//! 3. `GET /ivr/queue` (the `<enqueue>` outcome): after a conversation with an agent
//!    (`result=success`) the caller gets a one-key satisfaction survey, unless the agent
//!    departed with `data=no_survey`; when no agent was reached, the caller may leave a
//!    voicemail.
//! 4. `GET /ivr/survey`, `/ivr/voicemail`, `/ivr/recorded`, `/ivr/bye`: the survey's score is
//!    kept, the voicemail recorded, and the call ends with `<hangup/>`.
//!
//! `GET /surveys` and `GET /voicemails` list what was collected, newest last, as JSON.
//!
//! The flow is stateless: what a later step needs (the caller's number, the queue line, the
//! agent) travels in the query string of the `<next>` URL, under names the engine never
//! appends, so any number of instances can serve one call center.

mod flow;
mod server;
pub mod xml;

pub use flow::{Callback, Lines, Prompts, QueueLine, SkillRoute, SurveyResult, Voicemail};
pub use server::{configure, AppState};

/// Where each step of the flow is served, relative to [`Config::public_url`].
pub mod paths {
    /// The `ivr_url` of the call center: `POST`ed the `ivr_start` JSON.
    pub const START: &str = "/ivr";
    /// The welcome menu's keys.
    pub const MENU: &str = "/ivr/menu";
    /// The outcome of an `<enqueue>`.
    pub const QUEUE: &str = "/ivr/queue";
    /// The survey's key.
    pub const SURVEY: &str = "/ivr/survey";
    /// After the "no agent" apology: start recording.
    pub const VOICEMAIL: &str = "/ivr/voicemail";
    /// The recording's id.
    pub const RECORDED: &str = "/ivr/recorded";
    /// The last step: `<hangup/>`.
    pub const BYE: &str = "/ivr/bye";
    /// The surveys collected (JSON).
    pub const SURVEYS: &str = "/surveys";
    /// The voicemails collected (JSON).
    pub const VOICEMAILS: &str = "/voicemails";
}

/// How the application answers.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URL at which Switchboard reaches this application, without a trailing `/`
    /// (`http://127.0.0.1:9000`); every `<next>` URL starts with it.
    pub public_url: String,
    /// The inbound numbers this application serves; a call to another number is refused
    /// with `<hangup/>` in answer to `ivr_start`. Empty: every number.
    pub numbers: Vec<String>,
    /// The prompts played.
    pub prompts: Prompts,
    /// The queue lines offered by the menu.
    pub lines: Lines,
    /// Record every queue conversation (`record="true"`); the file's id comes in the
    /// conversation's end event.
    pub record: bool,
}

/// Why a [`Config`] cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The public URL is not an `http(s)://` URL.
    #[error("the public URL `{url}` must start with http:// or https://")]
    NotHttp {
        /// The URL given.
        url: String,
    },
    /// The public URL is so long that `<next>` URLs built on it could pass the IVR's limit.
    #[error("the public URL is {len} characters long; keep it under {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
}

/// Longest public URL accepted: the query strings this application appends stay under
/// 800 characters and the IVR takes `<next>` URLs of up to 2048.
pub const MAX_PUBLIC_URL: usize = 1024;

impl Config {
    /// A configuration with the default prompts and lines, checked.
    pub fn new(public_url: &str, numbers: Vec<String>) -> Result<Self, ConfigError> {
        let public_url = public_url.trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::NotHttp { url: public_url });
        }
        if public_url.chars().count() > MAX_PUBLIC_URL {
            return Err(ConfigError::TooLong {
                len: public_url.chars().count(),
                max: MAX_PUBLIC_URL,
            });
        }
        Ok(Self {
            public_url,
            numbers,
            prompts: Prompts::default(),
            lines: Lines::default(),
            record: false,
        })
    }
}
