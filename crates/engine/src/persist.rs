//! Write-behind of registrations: the SIP path queues a user's whole binding set and moves
//! on; one writer task applies the queue in order, coalescing repeated writes of a user,
//! so a burst of REGISTERs costs one SQLite transaction per batch, not per message.

use std::collections::HashMap;

use sb_store::{RegistrationRecord, StoreHandle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One user's complete set of bindings (empty: none left).
#[derive(Debug, Clone)]
pub struct Write {
    /// The SIP user.
    pub user: String,
    /// Every current binding.
    pub records: Vec<RegistrationRecord>,
}

/// Starts the writer; it ends, after flushing, when every sender is dropped.
pub fn spawn_writer(store: StoreHandle) -> (mpsc::UnboundedSender<Write>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, tokio::spawn(run(store, rx)))
}

async fn run(store: StoreHandle, mut rx: mpsc::UnboundedReceiver<Write>) {
    while let Some(first) = rx.recv().await {
        // Later writes of a user replace earlier ones: each is that user's full set.
        let mut batch: HashMap<String, Vec<RegistrationRecord>> = HashMap::new();
        batch.insert(first.user, first.records);
        while let Ok(next) = rx.try_recv() {
            batch.insert(next.user, next.records);
        }
        let users = batch.len();
        let result = store
            .run(move |s| {
                for (user, records) in &batch {
                    if let Err(error) = s.replace_registrations(user, records) {
                        tracing::warn!(%user, %error, "could not persist registrations");
                    }
                }
                Ok(())
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(users, %error, "registration write-behind failed");
        }
    }
}
