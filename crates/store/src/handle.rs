use std::sync::Arc;

use crate::{Store, StoreError};

/// An async, cloneable handle on a [`Store`] that runs every call on tokio's blocking pool,
/// so SQLite's file I/O never stalls an actor or an HTTP worker.
#[derive(Clone)]
pub struct StoreHandle {
    inner: Arc<dyn Store>,
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHandle").finish_non_exhaustive()
    }
}

impl StoreHandle {
    /// Wraps a store.
    pub fn new(store: impl Store) -> Self {
        Self {
            inner: Arc::new(store),
        }
    }

    /// Runs `op` against the store on the blocking pool and returns its result.
    pub async fn run<R, F>(&self, op: F) -> Result<R, StoreError>
    where
        F: FnOnce(&dyn Store) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let store = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || op(store.as_ref())).await?
    }

    /// The store itself, for code that already runs off the async threads (start-up, tests).
    pub fn blocking(&self) -> &dyn Store {
        self.inner.as_ref()
    }
}
