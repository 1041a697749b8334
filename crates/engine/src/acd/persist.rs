//! Write-behind of logged-in agents: actors queue an agent's whole record (or its removal)
//! and move on; one writer task applies the queue in order. Whatever piled up while a write
//! ran is coalesced per agent (the last record wins), so a burst of state changes costs one
//! SQLite write per agent.

use std::collections::HashMap;

use sb_store::{AgentRecord, CallCenterId, StoreHandle};
use tokio::sync::{mpsc, oneshot};

enum Write {
    Save(AgentRecord),
    Delete { cc: CallCenterId, name: String },
    Flush(oneshot::Sender<()>),
}

/// The queue in front of the writer task. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct AgentWriter {
    tx: mpsc::UnboundedSender<Write>,
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Write")
    }
}

type Key = (CallCenterId, String);

impl AgentWriter {
    /// Starts the writer on the current runtime; it ends when every clone is dropped.
    pub(crate) fn spawn(store: StoreHandle) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    pub(crate) fn save(&self, rec: AgentRecord) {
        let _ = self.tx.send(Write::Save(rec));
    }

    pub(crate) fn delete(&self, cc: &CallCenterId, name: &str) {
        let _ = self.tx.send(Write::Delete {
            cc: cc.clone(),
            name: name.to_owned(),
        });
    }

    /// Waits until everything queued before this call is written.
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Write::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(store: StoreHandle, mut rx: mpsc::UnboundedReceiver<Write>) {
    while let Some(first) = rx.recv().await {
        let mut batch: HashMap<Key, Option<AgentRecord>> = HashMap::new();
        let mut flushed = Vec::new();
        let mut next = Some(first);
        while let Some(w) = next {
            match w {
                Write::Save(rec) => {
                    batch.insert((rec.callcenter_id.clone(), rec.name.clone()), Some(rec));
                }
                Write::Delete { cc, name } => {
                    batch.insert((cc, name), None);
                }
                Write::Flush(done) => flushed.push(done),
            }
            next = rx.try_recv().ok();
        }
        let count = batch.len();
        let result = store
            .run(move |s| {
                for ((cc, name), rec) in &batch {
                    let r = match rec {
                        Some(rec) => s.save_agent(rec),
                        None => s.delete_agent(cc, name).map(|_| ()),
                    };
                    if let Err(error) = r {
                        tracing::warn!(callcenter = %cc, agent = %name, %error, "could not persist an agent");
                    }
                }
                Ok(())
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(count, %error, "agent write-behind failed");
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}
