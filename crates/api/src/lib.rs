//! Switchboard's HTTP facade (actix-web).
//!
//! It authenticates callers (admin token or a call center's token), extracts parameters from
//! JSON, form bodies and query strings alike, answers in the envelope of SPEC §2, and
//! describes itself at `/v1/openapi.json`. It holds no domain logic: configuration goes to the
//! [`sb_store::Store`] through its blocking-pool handle, and call-center operations go to the
//! engine's actors as messages.
//!
//! ```no_run
//! use std::sync::Arc;
//! use actix_web::{App, HttpServer};
//! use switchboard_api::{AppState, SystemClock};
//! use sb_store::{SqliteStore, StoreHandle};
//!
//! # async fn run() -> std::io::Result<()> {
//! let store = StoreHandle::new(SqliteStore::open_in_memory().expect("opens"));
//! let state = AppState::new(store, "my-admin-token", Arc::new(SystemClock));
//! HttpServer::new(move || App::new().configure(state.clone().configure()))
//!     .bind("127.0.0.1:8080")?
//!     .run()
//!     .await
//! # }
//! ```

use std::sync::Arc;

use actix_web::web;
use sb_store::{FileLibrary, StoreHandle};

pub mod admin;
pub mod agent_membership;
pub mod agent_ops;
pub mod agents;
pub mod apidoc;
pub mod auth;
pub mod byte_range;
pub mod calls;
mod coerce;
pub mod conditions;
pub mod conversation_records;
pub mod conversations;
mod crud;
pub mod envelope;
pub mod events;
pub mod extensions;
pub mod invitations;
pub mod media;
pub mod openapi;
pub mod params;
pub mod queue;
pub mod recordings;
pub mod routes;
pub mod tenant;
pub mod trunks;
pub mod validate;

pub use envelope::{ApiError, Envelope};

/// Wall-clock time for the records the API writes, injected so tests control it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn unix_ms(&self) -> u64;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Persistence.
    pub store: StoreHandle,
    /// SHA-256 (hex) of the admin token.
    pub admin_token_hash: String,
    /// Wall clock for records.
    pub clock: Arc<dyn Clock>,
    /// Media files, when the server has a data directory.
    pub files: Option<FileLibrary>,
    /// The event bus, when the server runs one.
    pub events: Option<sb_events::EventBus>,
    /// Renders the Prometheus exposition for `/metrics`, when the server installed a recorder.
    pub metrics: Option<MetricsRender>,
    /// Told the SIP user of every type-1 extension created or deleted, so the SIP side drops
    /// what it cached about that user at once.
    pub on_extension_change: Option<ExtensionHook>,
    /// Told whenever a trunk or a call center changes, so the SIP side reloads what it
    /// routes calls by.
    pub on_routing_change: Option<RoutingHook>,
    /// The call-center engine (agents and queue tasks), when the server runs one.
    pub acd: Option<sb_engine::acd::CallCenterHub>,
    /// The call engine's conversations (agent operations, `lsm`, invitations), when the
    /// server runs one.
    pub conversations: Option<sb_engine::conversation::Conversations>,
}

/// Called after a trunk or a call center was created, changed or deleted.
#[derive(Clone)]
pub struct RoutingHook(pub Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for RoutingHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RoutingHook")
    }
}

/// Called with a SIP user whose extension was created or deleted.
#[derive(Clone)]
pub struct ExtensionHook(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for ExtensionHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtensionHook")
    }
}

/// Renders metrics in the Prometheus text format.
#[derive(Clone)]
pub struct MetricsRender(pub Arc<dyn Fn() -> String + Send + Sync>);

impl std::fmt::Debug for MetricsRender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsRender")
    }
}

impl AppState {
    /// State with the given admin token (kept only as its hash).
    pub fn new(store: StoreHandle, admin_token: &str, clock: Arc<dyn Clock>) -> Self {
        Self::with_admin_hash(store, auth::hash_token(admin_token), clock)
    }

    /// State with the admin token given by its SHA-256 hash (as [`auth::hash_token`] makes it).
    pub fn with_admin_hash(
        store: StoreHandle,
        admin_token_hash: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            admin_token_hash,
            clock,
            files: None,
            events: None,
            metrics: None,
            on_extension_change: None,
            on_routing_change: None,
            acd: None,
            conversations: None,
        }
    }

    /// Tells `hook` whenever trunks or call centers change.
    pub fn with_routing_hook(mut self, hook: RoutingHook) -> Self {
        self.on_routing_change = Some(hook);
        self
    }

    /// Runs the routing hook, if any.
    pub(crate) fn routing_changed(&self) {
        if let Some(hook) = &self.on_routing_change {
            (hook.0)();
        }
    }

    /// Tells `hook` about every SIP user whose extension is created or deleted.
    pub fn with_extension_hook(mut self, hook: ExtensionHook) -> Self {
        self.on_extension_change = Some(hook);
        self
    }

    /// Serves the agent and queue endpoints through `hub`.
    pub fn with_acd(mut self, hub: sb_engine::acd::CallCenterHub) -> Self {
        self.acd = Some(hub);
        self
    }

    /// Serves the agent operations and the conversation endpoints through `conversations`.
    pub fn with_conversations(
        mut self,
        conversations: sb_engine::conversation::Conversations,
    ) -> Self {
        self.conversations = Some(conversations);
        self
    }

    /// Serves `/metrics` with `render`.
    pub fn with_metrics(mut self, render: MetricsRender) -> Self {
        self.metrics = Some(render);
        self
    }

    /// Publishes and streams events through `bus`.
    pub fn with_events(mut self, bus: sb_events::EventBus) -> Self {
        self.events = Some(bus);
        self
    }

    /// Keeps media files in `library`.
    pub fn with_files(mut self, library: FileLibrary) -> Self {
        self.files = Some(library);
        self
    }

    /// An actix-web configuration function mounting every route with this state.
    pub fn configure(self) -> impl FnOnce(&mut web::ServiceConfig) {
        move |cfg| {
            cfg.app_data(web::Data::new(self));
            routes::configure(cfg);
        }
    }
}
