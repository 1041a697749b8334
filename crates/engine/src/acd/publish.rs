//! Sending the call center's events (SPEC §11) without waiting for them.
//!
//! `EventBus::publish` commits to the store before it returns; an actor must not wait for
//! that. Actors hand events to one [`Publisher`] task, which publishes them one at a time in
//! the order they were handed over, so a call center's `seq` follows the order the actors
//! decided things in.

use sb_acd::agent::StateChanged;
use sb_events::EventBus;
use sb_store::CallCenterId;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

/// `callcenter.agent.state_changed`.
pub const AGENT_STATE_CHANGED: &str = "callcenter.agent.state_changed";
/// `callcenter.queue.select`.
pub const QUEUE_SELECT: &str = "callcenter.queue.select";
/// `callcenter.queue.success`.
pub const QUEUE_SUCCESS: &str = "callcenter.queue.success";
/// `callcenter.queue.fail`.
pub const QUEUE_FAIL: &str = "callcenter.queue.fail";

struct Pending {
    cc: CallCenterId,
    name: &'static str,
    fields: Map<String, Value>,
}

enum Job {
    Publish(Pending),
    Flush(oneshot::Sender<()>),
}

/// An ordered, non-blocking sink for events. Cheap to clone.
#[derive(Clone)]
pub struct Publisher {
    tx: mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Publisher")
    }
}

impl Publisher {
    /// Starts the publishing task on the current runtime; it ends when every clone is dropped.
    pub fn spawn(bus: EventBus) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                match job {
                    Job::Publish(p) => {
                        if let Err(error) = bus.publish(&p.cc, p.name, p.fields).await {
                            tracing::error!(callcenter = %p.cc, event = p.name, %error, "could not record an event");
                        }
                    }
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Self { tx }
    }

    /// Queues an event.
    pub fn send(&self, cc: &CallCenterId, name: &'static str, fields: Map<String, Value>) {
        let pending = Pending {
            cc: cc.clone(),
            name,
            fields,
        };
        if self.tx.send(Job::Publish(pending)).is_err() {
            tracing::warn!(callcenter = %cc, event = name, "event publisher stopped; event dropped");
        }
    }

    /// Waits until every event queued before this call is recorded.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    /// Queues a `callcenter.agent.state_changed`.
    pub fn state_changed(&self, cc: &CallCenterId, e: &StateChanged) {
        let mut f = Map::new();
        f.insert("name".into(), e.name.as_str().into());
        f.insert("previous_state".into(), e.previous.to_string().into());
        f.insert("latest_state".into(), e.latest.to_string().into());
        self.send(cc, AGENT_STATE_CHANGED, f);
    }
}
