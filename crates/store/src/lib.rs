//! Switchboard's persistence.
//!
//! [`Store`] is the interface the rest of Switchboard keeps its configuration and records
//! behind: call centers, their API tokens (only ever stored hashed), trunks and their inbound
//! numbers, and server metadata. [`SqliteStore`] implements it on an embedded SQLite database
//! with numbered migrations ([`sqlite::MIGRATIONS`]), so a fresh data directory and one written
//! by an older release both open to the current schema.
//!
//! **Invariant:** the store is blocking and never runs on an actor's or the HTTP server's
//! thread. Callers go through [`StoreHandle`], which runs each call on tokio's blocking pool.
//!
//! ```
//! use switchboard_store::{NewCallCenter, Settings, SqliteStore, Store};
//!
//! let store = SqliteStore::open_in_memory().expect("an in-memory database opens");
//! let cc = store
//!     .create_callcenter(&NewCallCenter {
//!         name: "support".into(),
//!         ivr_url: None,
//!         callback_url: None,
//!         settings: Settings::default(),
//!     }, 1_700_000_000_000)
//!     .expect("insert works");
//! assert_eq!(store.callcenter(&cc.id).unwrap().unwrap().name, "support");
//! ```

mod agent;
mod call;
mod condition;
mod conversation;
mod error;
mod event;
mod extension;
pub mod files;
mod handle;
mod model;
mod recording;
pub mod sqlite;

pub use agent::{AgentRecord, AgentSkillRecord};
pub use call::{CallRow, INTERRUPTED as CALL_INTERRUPTED};
pub use condition::{ConditionDef, ConditionId, ConditionRecord};
pub use conversation::{ConversationFilter, ConversationRow, MemberRow};
pub use error::StoreError;
pub use event::{DeliveryState, StoredEvent};
pub use extension::{Extension, ExtensionId, ExtensionKind, RegistrationRecord};
pub use files::{FileLibrary, FileMeta};
pub use handle::StoreHandle;
pub use model::{
    CallCenter, CallCenterId, CallCenterUpdate, NewCallCenter, Page, Paged, Settings, ToneRegion,
    Transport, Trunk, TrunkDef, TrunkId,
};
pub use recording::{conversation_recording_name, RecordingFilter, RecordingKind, RecordingRow};
pub use sqlite::SqliteStore;

/// Everything Switchboard persists. Implementations are blocking; see [`StoreHandle`].
pub trait Store: Send + Sync + 'static {
    /// A value of the server's own metadata (e.g. the admin token's hash).
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a metadata value, replacing any earlier one.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Creates a call center with a fresh id.
    fn create_callcenter(&self, new: &NewCallCenter, now_ms: u64)
        -> Result<CallCenter, StoreError>;
    /// One call center.
    fn callcenter(&self, id: &CallCenterId) -> Result<Option<CallCenter>, StoreError>;
    /// A page of call centers, oldest first.
    fn list_callcenters(&self, page: Page) -> Result<Paged<CallCenter>, StoreError>;
    /// Applies the fields present in `update`; `None` when the id is unknown.
    fn update_callcenter(
        &self,
        id: &CallCenterId,
        update: &CallCenterUpdate,
        now_ms: u64,
    ) -> Result<Option<CallCenter>, StoreError>;
    /// Deletes a call center and its tokens. Refused with [`StoreError::InUse`] while trunks
    /// still deliver calls to it. `false` when the id is unknown.
    fn delete_callcenter(&self, id: &CallCenterId) -> Result<bool, StoreError>;

    /// Records an API token of a call center by its hash.
    fn add_token(&self, cc: &CallCenterId, token_hash: &str, now_ms: u64)
        -> Result<(), StoreError>;
    /// Revokes a token of a call center; `false` when it was not that call center's.
    fn revoke_token(&self, cc: &CallCenterId, token_hash: &str) -> Result<bool, StoreError>;
    /// The call center a token hash belongs to.
    fn token_owner(&self, token_hash: &str) -> Result<Option<CallCenterId>, StoreError>;

    /// Creates a trunk. Its inbound numbers must not belong to another trunk
    /// ([`StoreError::Conflict`]) and its call center must exist ([`StoreError::NotFound`]).
    fn create_trunk(&self, def: &TrunkDef, now_ms: u64) -> Result<Trunk, StoreError>;
    /// One trunk.
    fn trunk(&self, id: &TrunkId) -> Result<Option<Trunk>, StoreError>;
    /// A page of trunks, oldest first.
    fn list_trunks(&self, page: Page) -> Result<Paged<Trunk>, StoreError>;
    /// Replaces a trunk's definition; `None` when the id is unknown.
    fn update_trunk(
        &self,
        id: &TrunkId,
        def: &TrunkDef,
        now_ms: u64,
    ) -> Result<Option<Trunk>, StoreError>;
    /// Deletes a trunk; `false` when the id is unknown.
    fn delete_trunk(&self, id: &TrunkId) -> Result<bool, StoreError>;

    /// Creates an extension of a call center. A type-1 SIP user must be unique on the server
    /// ([`StoreError::Conflict`], without naming the other tenant).
    fn create_extension(
        &self,
        cc: &CallCenterId,
        kind: &ExtensionKind,
        now_ms: u64,
    ) -> Result<Extension, StoreError>;
    /// One extension of a call center (another call center's is `None`).
    fn extension(
        &self,
        cc: &CallCenterId,
        id: &ExtensionId,
    ) -> Result<Option<Extension>, StoreError>;
    /// The type-1 extension with this SIP user, in any call center (for the registrar).
    fn extension_by_user(&self, user: &str) -> Result<Option<Extension>, StoreError>;
    /// A page of a call center's extensions, oldest first.
    fn list_extensions(
        &self,
        cc: &CallCenterId,
        page: Page,
    ) -> Result<Paged<Extension>, StoreError>;
    /// Deletes an extension and its registrations; `false` when it is not this call center's.
    fn delete_extension(&self, cc: &CallCenterId, id: &ExtensionId) -> Result<bool, StoreError>;

    /// Replaces every stored binding of one SIP user (an empty slice removes them).
    fn replace_registrations(
        &self,
        user: &str,
        records: &[RegistrationRecord],
    ) -> Result<(), StoreError>;
    /// Stored bindings of one SIP user, or of everyone.
    fn registrations(&self, user: Option<&str>) -> Result<Vec<RegistrationRecord>, StoreError>;

    /// Stores a (validated) condition of a call center.
    fn create_condition(
        &self,
        cc: &CallCenterId,
        def: &ConditionDef,
        now_ms: u64,
    ) -> Result<ConditionRecord, StoreError>;
    /// One condition of a call center (another call center's is `None`).
    fn condition(
        &self,
        cc: &CallCenterId,
        id: &ConditionId,
    ) -> Result<Option<ConditionRecord>, StoreError>;
    /// A page of a call center's conditions, oldest first.
    fn list_conditions(
        &self,
        cc: &CallCenterId,
        page: Page,
    ) -> Result<Paged<ConditionRecord>, StoreError>;
    /// Replaces a condition's definition; `None` when it is not this call center's.
    fn update_condition(
        &self,
        cc: &CallCenterId,
        id: &ConditionId,
        def: &ConditionDef,
        now_ms: u64,
    ) -> Result<Option<ConditionRecord>, StoreError>;
    /// Deletes a condition; `false` when it is not this call center's.
    fn delete_condition(&self, cc: &CallCenterId, id: &ConditionId) -> Result<bool, StoreError>;

    /// Stores (or replaces) a logged-in agent; a row of a deleted call center is dropped.
    fn save_agent(&self, agent: &AgentRecord) -> Result<(), StoreError>;
    /// Forgets a logged-out agent; `false` when it was not stored.
    fn delete_agent(&self, cc: &CallCenterId, name: &str) -> Result<bool, StoreError>;
    /// Every stored logged-in agent, by call center and login time (reloaded at start).
    fn logged_in_agents(&self) -> Result<Vec<AgentRecord>, StoreError>;

    /// Stores finished call legs (a record written twice replaces the first), and forgets
    /// them as in progress.
    fn insert_calls(&self, rows: &[CallRow]) -> Result<(), StoreError>;
    /// Notes answered legs as in progress (their end fields are ignored), so that a crash
    /// still leaves a record of them: see [`Store::close_interrupted_calls`].
    fn calls_began(&self, rows: &[CallRow]) -> Result<(), StoreError>;
    /// At start-up: writes the record of every leg still noted in progress (the process
    /// that carried it is gone), ended at `now_ms` with `end_reason` `restart`. Returns how
    /// many it closed.
    fn close_interrupted_calls(&self, now_ms: u64) -> Result<u64, StoreError>;
    /// Adds a stored leg's reception quality; `false` when it is not stored (yet).
    fn set_call_quality(
        &self,
        id: &str,
        packets_lost: i64,
        jitter_ms: u32,
    ) -> Result<bool, StoreError>;
    /// One call leg of a call center.
    fn call(&self, cc: &CallCenterId, id: &str) -> Result<Option<CallRow>, StoreError>;
    /// A call center's call legs, newest first.
    fn list_calls(&self, cc: &CallCenterId, page: Page) -> Result<Paged<CallRow>, StoreError>;

    /// Upserts conversation records in one transaction, keeping the index of the agents each
    /// one ever had current. A row of a call center that no longer exists is dropped.
    fn save_conversations(&self, rows: &[ConversationRow]) -> Result<(), StoreError>;
    /// One conversation of a call center, running or completed.
    fn conversation(
        &self,
        cc: &CallCenterId,
        id: &str,
    ) -> Result<Option<ConversationRow>, StoreError>;
    /// A call center's conversations matching `filter`, newest `begin_time` first.
    fn list_conversations(
        &self,
        cc: &CallCenterId,
        filter: &ConversationFilter,
        page: Page,
    ) -> Result<Paged<ConversationRow>, StoreError>;
    /// At start-up: completes every conversation still marked running (its process is gone),
    /// with `end_reason` `error`, ending it and every member still in it at `now_ms`. Returns
    /// how many it closed.
    fn close_running_conversations(&self, now_ms: u64) -> Result<u64, StoreError>;

    /// Stores a finished recording (saving the same id again replaces it). Its `id` and `file`
    /// must be valid library file names ([`StoreError::Invalid`]); a row of a call center that
    /// no longer exists, or an id already another call center's, is dropped.
    fn save_recording(&self, row: &RecordingRow) -> Result<(), StoreError>;
    /// One recording of a call center (another call center's is `None`).
    fn recording(&self, cc: &CallCenterId, id: &str) -> Result<Option<RecordingRow>, StoreError>;
    /// A call center's recordings matching `filter`, newest `begin_time` first.
    fn list_recordings(
        &self,
        cc: &CallCenterId,
        filter: &RecordingFilter,
        page: Page,
    ) -> Result<Paged<RecordingRow>, StoreError>;

    /// Appends an event to a call center's log and webhook outbox with the next sequence
    /// number; the stored body is `payload` plus `seq`. Committed before it returns.
    fn append_event(
        &self,
        cc: &CallCenterId,
        name: &str,
        payload: &serde_json::Map<String, serde_json::Value>,
        now_ms: u64,
    ) -> Result<StoredEvent, StoreError>;
    /// Up to `limit` events with a sequence number above `after_seq`, in order (for replay).
    fn events_after(
        &self,
        cc: &CallCenterId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// Up to `limit` events not yet delivered (pending or parked), in order.
    fn undelivered_events(
        &self,
        cc: &CallCenterId,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// Call centers that have undelivered events (to resume delivery after a restart).
    fn callcenters_with_undelivered_events(&self) -> Result<Vec<CallCenterId>, StoreError>;
    /// Records a delivery outcome: counts an attempt for `Pending`/`Parked`, stamps the time for
    /// `Delivered`.
    fn set_event_state(
        &self,
        cc: &CallCenterId,
        seq: u64,
        state: DeliveryState,
        error: Option<&str>,
        now_ms: u64,
    ) -> Result<(), StoreError>;
    /// Parked events (delivery failed after every retry), oldest first.
    fn parked_events(
        &self,
        cc: &CallCenterId,
        page: Page,
    ) -> Result<Paged<StoredEvent>, StoreError>;
}
