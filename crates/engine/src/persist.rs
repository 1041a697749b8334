//! Write-behind of registrations: the SIP path queues a user's whole binding set and moves
//! on; one writer task applies the queue in order, coalescing repeated writes of a user
//! over a short window, so a phone refreshing during a burst costs one SQLite write per
//! window, not one per REGISTER.

use std::collections::HashMap;
use std::time::Duration;

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
        let mut batch: HashMap<String, Vec<RegistrationRecord>> = HashMap::new();
        batch.insert(first.user, first.records);
        let open = gather(&mut rx, &mut batch).await;
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
        if !open {
            break;
        }
    }
}

/// How long writes gather after the first of a batch. Under load each user is written at
/// most once per window (one SQLite transaction per user is most of a REGISTER's cost);
/// a crash loses at most this much, and those phones are restored by their next refresh.
const WINDOW: Duration = Duration::from_secs(1);

/// Adds writes to `batch` for [`WINDOW`]; later writes of a user replace earlier ones
/// (each is that user's full set). Returns `false` once every sender is gone, so the
/// final batch is written at once on shutdown instead of after the window.
async fn gather(
    rx: &mut mpsc::UnboundedReceiver<Write>,
    batch: &mut HashMap<String, Vec<RegistrationRecord>>,
) -> bool {
    let window = tokio::time::sleep(WINDOW);
    tokio::pin!(window);
    loop {
        tokio::select! {
            next = rx.recv() => match next {
                Some(next) => {
                    batch.insert(next.user, next.records);
                }
                None => return false,
            },
            () = &mut window => return true,
        }
    }
}
