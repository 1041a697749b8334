use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The data directory could not be created or used.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A value read back from the database does not decode (a corrupted or newer database).
    #[error("stored {what} does not decode: {source}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// The decoder's complaint.
        source: serde_json::Error,
    },
    /// The database was written by a newer Switchboard than this one.
    #[error("database schema version {found} is newer than this release supports ({supported})")]
    SchemaTooNew {
        /// The version in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A referenced row does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// The kind of thing (e.g. `callcenter`).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A unique value is already taken.
    #[error("{what} {value} is already used by {owner}")]
    Conflict {
        /// The kind of value (e.g. `inbound number`).
        what: &'static str,
        /// The value.
        value: String,
        /// Who holds it.
        owner: String,
    },
    /// The row is still referenced and cannot be deleted.
    #[error("{what} is still used by {users}")]
    InUse {
        /// The thing being deleted.
        what: &'static str,
        /// What still refers to it.
        users: String,
    },
    /// A value the store refuses to keep (it could not be used as what it names).
    #[error("{what} {value:?} is not valid: expected {expected}")]
    Invalid {
        /// The kind of value (e.g. `recording id`).
        what: &'static str,
        /// The value.
        value: String,
        /// What a valid one looks like.
        expected: &'static str,
    },
    /// The blocking task running the operation panicked or was cancelled.
    #[error("store task did not complete: {0}")]
    Task(#[from] tokio::task::JoinError),
}
