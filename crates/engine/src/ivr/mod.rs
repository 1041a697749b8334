//! IVR sessions: the HTTP side of SPEC §10. One session per IVR call asks the call
//! center's web application what to do (`POST ivr_start`, then `GET` each `<next>`), runs
//! each answer's action through the sans-IO [`sb_ivr::interp::Session`], performs the
//! action's effects through the two traits the calls layer implements ([`IvrMedia`] and
//! [`CallControl`]), and publishes the `ivr.*` events on the [`EventBus`].
//!
//! ```text
//!   calls layer ── start(services, IvrCall, media, control) ──▶ session task
//!        ▲                                                        │  POST ivr_start / GET next
//!        │  IvrMedia / CallControl calls                          ▼  (reqwest, retried)
//!        └──────────────── perform effects ◀── interp::Session ◀── parse_checked
//!   media/call events ── IvrHandle::send(IvrMessage) ──▶ session task
//! ```
//!
//! **Why a tokio task and not an actix actor.** A session is one linear conversation with
//! the application: fetch a document, run its action, fetch the next. `async` code states
//! that order directly, with the HTTP exchanges awaited in place; as an actor, every
//! exchange would be a `ResponseActFuture` whose completion re-enters the actor's state
//! machine, with the same ordering rules written by hand. The task has exactly an actor's
//! properties otherwise: it owns its state, receives messages through one bounded mailbox
//! ([`IvrHandle`], `try_send`, so a flood is refused instead of queued), shares nothing,
//! and a failure ends only its call. It runs on whatever tokio runtime starts it, including
//! an actix `System`'s (actix runs on tokio), like the engine's SIP endpoint task.
//!
//! **Decisions** (SPEC §10 leaves them open):
//! - Every callback is bounded: [`FetchPolicy::timeout`] per attempt, three retries of
//!   transient failures (timeouts, connection errors, 5xx, 429) after short delays, and an
//!   answer size limit. A 4xx is the application's answer and is not retried.
//! - An unusable first answer (none after the retries, or a document that does not parse)
//!   refuses the call as busy ([`RejectReason::Busy`]); a first `<hangup/>` declines it.
//! - Later, an unusable answer hangs the call up. The problem is reported as SPEC §10
//!   reports errors, in an `error` parameter: `ivr.call_end` carries `error`
//!   (`bad_document`, or the callback failure: `timeout`, `unreachable`, `http_status`,
//!   `too_large`, `bad_url`), `detail` (the parser's diagnostics with line and column, or
//!   the HTTP error) and `url`.
//! - A `<record>`ing is stored in the call center's media library as
//!   `rec-<call hash>-<n>.wav`; that name is the `record_id`, downloadable like any
//!   media file.
//! - Messages that arrive while a callback is in flight are stale and dropped (keys typed
//!   ahead of the next document included), except the caller hanging up, which ends the
//!   session at once without waiting for the answer.
//! - Every event carries `call_id`, the call's `user_data` when it has one, and the
//!   action's outputs (and `error` when the action failed).

mod driver;
pub mod http;
pub mod ports;
pub mod prompts;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sb_acd::enqueue::{Condition, ConditionLookup};
use sb_acd::skill::SkillInterner;
use sb_events::EventBus;
use sb_store::{CallCenterId, FileLibrary};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clock::Clock;
pub use http::{FetchError, FetchPolicy};
pub use ports::{
    CallControl, ConnectRequest, DialRequest, EnqueueRequest, IvrMedia, IvrMessage, PortError,
    RejectReason,
};
pub use prompts::{PromptError, PromptResolver};
pub use sb_ivr::interp::{DialOutcome, EnqueueCause, EnqueueOutcome, EnqueueResult, PlayId};

/// Messages a session's mailbox holds before [`IvrHandle::send`] refuses more.
pub const MAILBOX_CAPACITY: usize = 64;

/// How IVR sessions work.
#[derive(Debug, Clone)]
pub struct IvrConfig {
    /// `ivr_start` and `next` requests.
    pub callbacks: FetchPolicy,
    /// Prompt downloads (`max_bytes` bounds a WAV file).
    pub prompt_downloads: FetchPolicy,
    /// Call centers' media files (prompts by name, and where recordings go); `None`: only
    /// built-in prompts and URLs, and `<record>` fails.
    pub files: Option<FileLibrary>,
    /// Where downloaded prompts are kept.
    pub prompt_cache_dir: PathBuf,
}

impl IvrConfig {
    /// The defaults, with downloaded prompts cached under `prompt_cache_dir`.
    pub fn new(files: Option<FileLibrary>, prompt_cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            callbacks: FetchPolicy::default(),
            prompt_downloads: FetchPolicy {
                timeout: Duration::from_secs(10),
                retry_delays: vec![Duration::from_millis(500)],
                // About nine minutes of 8 kHz 16-bit audio.
                max_bytes: 8 * 1024 * 1024,
            },
            files,
            prompt_cache_dir: prompt_cache_dir.into(),
        }
    }
}

/// Why the IVR services could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IvrError {
    /// The HTTP client could not be built (TLS initialisation).
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// What every session shares: the HTTP client, the prompt resolver, the event bus and the
/// clock. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IvrServices {
    client: reqwest::Client,
    callbacks: FetchPolicy,
    prompts: PromptResolver,
    files: Option<FileLibrary>,
    events: EventBus,
    clock: Arc<dyn Clock>,
}

impl IvrServices {
    /// Services for sessions configured by `config`, publishing on `events`.
    pub fn new(
        config: IvrConfig,
        events: EventBus,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, IvrError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(IvrError::HttpClient)?;
        let prompts = PromptResolver::new(
            config.files.clone(),
            config.prompt_cache_dir,
            client.clone(),
            config.prompt_downloads,
        );
        Ok(Self {
            client,
            callbacks: config.callbacks,
            prompts,
            files: config.files,
            events,
            clock,
        })
    }

    /// The prompt resolver, for other players of call-center prompts (queues).
    pub fn prompts(&self) -> &PromptResolver {
        &self.prompts
    }

    /// The media library recordings go to, if the server has one.
    pub fn files(&self) -> Option<&FileLibrary> {
        self.files.as_ref()
    }
}

/// A call center's queue vocabulary, to validate `<enqueue>` while parsing
/// ([`sb_ivr::parse_checked`]): its stored conditions and the skill interner its router
/// uses. Cheap to clone.
#[derive(Clone)]
pub struct QueueVocabulary {
    conditions: Arc<dyn ConditionLookup + Send + Sync>,
    skills: Arc<Mutex<SkillInterner>>,
}

impl std::fmt::Debug for QueueVocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueVocabulary").finish_non_exhaustive()
    }
}

impl QueueVocabulary {
    /// The vocabulary of a call center.
    pub fn new(
        conditions: Arc<dyn ConditionLookup + Send + Sync>,
        skills: Arc<Mutex<SkillInterner>>,
    ) -> Self {
        Self { conditions, skills }
    }

    /// No stored conditions and a fresh interner: `<enqueue>` may use skills and agents.
    pub fn empty() -> Self {
        let conditions: std::collections::HashMap<String, Condition> = Default::default();
        Self::new(
            Arc::new(conditions),
            Arc::new(Mutex::new(SkillInterner::new())),
        )
    }

    /// Parses an answer document, checking its `<enqueue>`.
    pub(crate) fn parse(
        &self,
        bytes: &[u8],
    ) -> Result<sb_ivr::model::Response, sb_ivr::Diagnostics> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return sb_ivr::parse_bytes(bytes);
        };
        let mut skills = self.skills.lock().unwrap_or_else(|p| p.into_inner());
        sb_ivr::parse_checked(text, &Lookup(self.conditions.as_ref()), &mut skills)
    }
}

/// Lends a trait object where a sized lookup is expected.
struct Lookup<'a>(&'a (dyn ConditionLookup + Send + Sync));

impl ConditionLookup for Lookup<'_> {
    fn condition(&self, id: &str) -> Option<Condition> {
        self.0.condition(id)
    }
}

/// The call an IVR session runs for.
#[derive(Debug, Clone)]
pub struct IvrCall {
    /// Its call center.
    pub callcenter: CallCenterId,
    /// The call center's `ivr_url`.
    pub ivr_url: String,
    /// The call's id.
    pub call_id: String,
    /// The caller's number.
    pub from: String,
    /// The number dialled.
    pub to: String,
    /// Data attached to the call, sent in `ivr_start` and every event.
    pub user_data: Option<String>,
    /// For checking `<enqueue>` actions.
    pub vocabulary: QueueVocabulary,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEnd {
    /// The call was refused before it was answered.
    Rejected {
        /// How.
        reason: RejectReason,
    },
    /// The session hung the call up: `<hangup/>`, a document without `<next>`, or an
    /// unusable answer (`error` says which problem, as in `ivr.call_end`).
    HungUp {
        /// The problem, if one ended the call.
        error: Option<&'static str>,
    },
    /// The caller hung up.
    CallerLeft,
}

/// Why [`IvrHandle::send`] refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The mailbox is full ([`MAILBOX_CAPACITY`]).
    #[error("the IVR session's mailbox is full")]
    Full,
    /// The session has ended.
    #[error("the IVR session has ended")]
    Ended,
}

/// Sends media and call events to a session. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IvrHandle {
    tx: mpsc::Sender<IvrMessage>,
}

impl IvrHandle {
    /// Delivers `message` without waiting.
    pub fn send(&self, message: IvrMessage) -> Result<(), SendError> {
        self.tx.try_send(message).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::Full,
            mpsc::error::TrySendError::Closed(_) => SendError::Ended,
        })
    }

    /// Whether the session has ended.
    pub fn is_ended(&self) -> bool {
        self.tx.is_closed()
    }
}

/// A running session: await its end. Holding it does not keep the session's mailbox open;
/// only [`IvrHandle`]s do.
#[derive(Debug)]
pub struct IvrSession {
    task: JoinHandle<SessionEnd>,
}

impl IvrSession {
    /// Waits for the session to end. `None` if its task panicked or was aborted.
    pub async fn finished(self) -> Option<SessionEnd> {
        self.task.await.ok()
    }
}

/// Starts the IVR session of `call` on the current tokio runtime: it posts `ivr_start`
/// at once, then answers or rejects the call through `control`. Returns the handle the
/// media and call layers report through, and the session to await.
pub fn start(
    services: IvrServices,
    call: IvrCall,
    media: impl IvrMedia,
    control: impl CallControl,
) -> (IvrHandle, IvrSession) {
    let (tx, rx) = mpsc::channel(MAILBOX_CAPACITY);
    let driver = driver::Driver::new(services, call, media, control, rx);
    let task = tokio::spawn(driver.run());
    (IvrHandle { tx }, IvrSession { task })
}
