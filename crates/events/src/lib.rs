//! Switchboard's events (SPEC §11): one bus, three consumers.
//!
//! [`EventBus::publish`] numbers an event per call center and commits it to the store's
//! outbox *before* anyone hears of it; then it is broadcast to live-stream subscribers and the
//! [`dispatcher`] is woken. The dispatcher delivers each call center's events to its
//! `callback_url` strictly in order, at least once, retrying with backoff; an event that still
//! fails after the retries is *parked* (visible to operators) and the dispatcher keeps probing
//! the receiver slowly, resuming in order when it answers. A slow or dead receiver only delays
//! its own call center's webhooks: publishing never waits for delivery.
//!
//! Receivers de-duplicate with the `seq` field (and the `X-Switchboard-Seq` header): after a
//! crash between a delivery and its bookkeeping, the same event may arrive twice, never out of
//! order and never not at all.
//!
//! ```no_run
//! # async fn demo(store: sb_store::StoreHandle, cc: sb_store::CallCenterId) {
//! use switchboard_events::{dispatcher, EventBus};
//! let (bus, wake) = EventBus::new(store);
//! let _dispatcher = dispatcher::spawn(&bus, wake, dispatcher::DeliveryConfig::default());
//! let mut fields = serde_json::Map::new();
//! fields.insert("name".into(), "1001".into());
//! bus.publish(&cc, "callcenter.agent.state_changed", fields).await.unwrap();
//! # }
//! ```

pub mod dispatcher;

use std::sync::Arc;

use sb_store::{CallCenterId, StoreError, StoreHandle, StoredEvent};
use serde_json::{Map, Value};
use tokio::sync::{broadcast, mpsc, Mutex};

/// Capacity of the live broadcast; a subscriber that falls further behind replays from the store.
pub const LIVE_CAPACITY: usize = 4096;

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Wake-ups for the dispatcher: "this call center has something new".
#[derive(Debug)]
pub struct Wake(mpsc::UnboundedReceiver<CallCenterId>);

/// The event bus. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: StoreHandle,
    live: broadcast::Sender<Arc<StoredEvent>>,
    wake: mpsc::UnboundedSender<CallCenterId>,
    /// Keeps the broadcast in sequence order: numbering and broadcasting happen under it.
    order: Mutex<()>,
}

impl EventBus {
    /// A bus over `store`, and the wake-up channel to hand to [`dispatcher::spawn`].
    pub fn new(store: StoreHandle) -> (Self, Wake) {
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        let (wake, rx) = mpsc::unbounded_channel();
        let bus = Self {
            inner: Arc::new(Inner {
                store,
                live,
                wake,
                order: Mutex::new(()),
            }),
        };
        (bus, Wake(rx))
    }

    /// The store behind the bus.
    pub fn store(&self) -> &StoreHandle {
        &self.inner.store
    }

    /// Records an event of call center `cc` and tells the live stream and the dispatcher.
    ///
    /// The delivered body is `{"action": "event_notify", "event": name, "callcenter_id",
    /// "current_time", "seq", …fields}`. Returns once the event is committed.
    pub async fn publish(
        &self,
        cc: &CallCenterId,
        name: &str,
        fields: Map<String, Value>,
    ) -> Result<Arc<StoredEvent>, StoreError> {
        let now = now_ms();
        let mut body = Map::new();
        body.insert("action".into(), "event_notify".into());
        body.insert("event".into(), name.into());
        body.insert("callcenter_id".into(), cc.as_str().into());
        body.insert("current_time".into(), now.into());
        body.extend(fields);
        let _ordered = self.inner.order.lock().await;
        let key = cc.clone();
        let event_name = name.to_owned();
        let stored = self
            .inner
            .store
            .run(move |s| s.append_event(&key, &event_name, &body, now))
            .await?;
        let stored = Arc::new(stored);
        metrics::counter!("switchboard_events_published_total", "event" => stored.name.clone())
            .increment(1);
        metrics::gauge!("switchboard_webhook_backlog").increment(1.0);
        // No subscriber is fine: the event is in the store for replay.
        let _ = self.inner.live.send(Arc::clone(&stored));
        // The dispatcher may not be running (tests, tools): the outbox keeps the event.
        let _ = self.inner.wake.send(cc.clone());
        Ok(stored)
    }

    /// A live feed of every event published from now on, in sequence order per call center.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.inner.live.subscribe()
    }
}
