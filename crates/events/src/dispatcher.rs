//! Webhook delivery: one ordered worker per call center, fed by the outbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sb_store::{CallCenterId, DeliveryState, StoreHandle, StoredEvent};
use tokio::sync::{broadcast, Notify};

use crate::{now_ms, EventBus, Wake};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Time allowed for one POST.
    pub timeout: Duration,
    /// Waits before each retry; SPEC §11 retries three times.
    pub retry_delays: Vec<Duration>,
    /// First wait between probes of a receiver whose event was parked; doubles each time.
    pub probe_interval: Duration,
    /// Longest wait between probes.
    pub probe_max: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry_delays: vec![
                Duration::from_secs(1),
                Duration::from_secs(4),
                Duration::from_secs(16),
            ],
            probe_interval: Duration::from_secs(30),
            probe_max: Duration::from_secs(300),
        }
    }
}

/// What happened to one delivery attempt, for metrics, logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    /// The receiver answered 2xx.
    Delivered {
        /// Call center.
        cc: CallCenterId,
        /// Event number.
        seq: u64,
    },
    /// An attempt failed; another follows.
    Retrying {
        /// Call center.
        cc: CallCenterId,
        /// Event number.
        seq: u64,
        /// Attempts so far.
        attempt: u32,
    },
    /// Every retry failed; the event is parked and probing continues.
    Parked {
        /// Call center.
        cc: CallCenterId,
        /// Event number.
        seq: u64,
    },
    /// The call center has no `callback_url`.
    NoReceiver {
        /// Call center.
        cc: CallCenterId,
        /// Event number.
        seq: u64,
    },
}

/// The running dispatcher.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    reports: broadcast::Sender<Report>,
}

impl Dispatcher {
    /// Delivery outcomes as they happen.
    pub fn reports(&self) -> broadcast::Receiver<Report> {
        self.reports.subscribe()
    }
}

/// Starts delivering: resumes every call center with undelivered events, then follows wake-ups.
/// Must be called inside a tokio runtime.
pub fn spawn(bus: &EventBus, wake: Wake, cfg: DeliveryConfig) -> Dispatcher {
    let (reports, _) = broadcast::channel(1024);
    let client = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default();
    let ctx = Arc::new(Ctx {
        store: bus.store().clone(),
        client,
        cfg,
        reports: reports.clone(),
    });
    tokio::spawn(supervise(ctx, wake));
    Dispatcher { reports }
}

struct Ctx {
    store: StoreHandle,
    client: reqwest::Client,
    cfg: DeliveryConfig,
    reports: broadcast::Sender<Report>,
}

async fn supervise(ctx: Arc<Ctx>, mut wake: Wake) {
    let mut workers: HashMap<CallCenterId, Arc<Notify>> = HashMap::new();
    let backlog = ctx
        .store
        .run(|s| s.callcenters_with_undelivered_events())
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot list undelivered webhooks");
            Vec::new()
        });
    let mut waiting = 0usize;
    for cc in &backlog {
        let key = cc.clone();
        waiting += ctx
            .store
            .run(move |s| s.undelivered_events(&key, u32::MAX))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
    }
    metrics::gauge!("switchboard_webhook_backlog").set(waiting as f64);
    for cc in backlog {
        notify(&ctx, &mut workers, cc);
    }
    while let Some(cc) = wake.0.recv().await {
        notify(&ctx, &mut workers, cc);
    }
}

fn notify(ctx: &Arc<Ctx>, workers: &mut HashMap<CallCenterId, Arc<Notify>>, cc: CallCenterId) {
    let n = workers.entry(cc.clone()).or_insert_with(|| {
        let n = Arc::new(Notify::new());
        tokio::spawn(work(Arc::clone(ctx), cc, Arc::clone(&n)));
        n
    });
    // A permit is stored if the worker is busy, so no wake-up is lost.
    n.notify_one();
}

/// Delivers one call center's events in order, forever.
async fn work(ctx: Arc<Ctx>, cc: CallCenterId, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        loop {
            let key = cc.clone();
            let batch = match ctx
                .store
                .run(move |s| s.undelivered_events(&key, 100))
                .await
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(callcenter = %cc, error = %e, "cannot read the webhook outbox");
                    tokio::time::sleep(ctx.cfg.probe_interval).await;
                    continue;
                }
            };
            if batch.is_empty() {
                break;
            }
            for event in batch {
                deliver(&ctx, &event).await;
            }
        }
    }
}

/// Delivers one event, retrying, then parking and probing until the receiver takes it.
async fn deliver(ctx: &Ctx, event: &StoredEvent) {
    let cc = &event.callcenter_id;
    let mut attempt = event.attempts;
    let mut probe = ctx.cfg.probe_interval;
    loop {
        let url = callback_url(ctx, cc).await;
        let Some(url) = url else {
            record(ctx, event, DeliveryState::NoReceiver, None).await;
            let _ = ctx.reports.send(Report::NoReceiver {
                cc: cc.clone(),
                seq: event.seq,
            });
            return;
        };
        let error = match post(ctx, &url, event).await {
            Ok(()) => {
                record(ctx, event, DeliveryState::Delivered, None).await;
                let _ = ctx.reports.send(Report::Delivered {
                    cc: cc.clone(),
                    seq: event.seq,
                });
                return;
            }
            Err(e) => e,
        };
        attempt += 1;
        let retries = u32::try_from(ctx.cfg.retry_delays.len()).unwrap_or(u32::MAX);
        let wait = if attempt <= retries {
            record(ctx, event, DeliveryState::Pending, Some(&error)).await;
            let _ = ctx.reports.send(Report::Retrying {
                cc: cc.clone(),
                seq: event.seq,
                attempt,
            });
            tracing::warn!(callcenter = %cc, seq = event.seq, attempt, %error, "webhook failed; retrying");
            ctx.cfg.retry_delays[(attempt - 1) as usize]
        } else {
            record(ctx, event, DeliveryState::Parked, Some(&error)).await;
            if attempt == retries + 1 {
                let _ = ctx.reports.send(Report::Parked {
                    cc: cc.clone(),
                    seq: event.seq,
                });
                tracing::error!(callcenter = %cc, seq = event.seq, %error,
                    "webhook parked after every retry; later events wait behind it");
            }
            let wait = probe;
            probe = (probe * 2).min(ctx.cfg.probe_max);
            wait
        };
        tokio::time::sleep(wait).await;
    }
}

async fn callback_url(ctx: &Ctx, cc: &CallCenterId) -> Option<String> {
    let key = cc.clone();
    match ctx.store.run(move |s| s.callcenter(&key)).await {
        Ok(found) => found.and_then(|c| c.callback_url),
        Err(e) => {
            tracing::error!(callcenter = %cc, error = %e, "cannot read the callback URL");
            None
        }
    }
}

async fn post(ctx: &Ctx, url: &str, event: &StoredEvent) -> Result<(), String> {
    let res = ctx
        .client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Switchboard-Event", event.name.as_str())
        .header("X-Switchboard-Seq", event.seq.to_string())
        .header("X-Switchboard-Callcenter", event.callcenter_id.as_str())
        .body(event.body.clone())
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("receiver answered HTTP {}", res.status().as_u16()))
    }
}

async fn record(ctx: &Ctx, event: &StoredEvent, state: DeliveryState, error: Option<&str>) {
    let outcome = match state {
        DeliveryState::Delivered => "delivered",
        DeliveryState::Parked => "parked",
        DeliveryState::NoReceiver => "no_receiver",
        _ => "failed",
    };
    metrics::counter!("switchboard_webhook_attempts_total", "outcome" => outcome).increment(1);
    if matches!(state, DeliveryState::Delivered | DeliveryState::NoReceiver) {
        metrics::gauge!("switchboard_webhook_backlog").decrement(1.0);
    }
    let cc = event.callcenter_id.clone();
    let seq = event.seq;
    let error = error.map(str::to_owned);
    let result = ctx
        .store
        .run(move |s| s.set_event_state(&cc, seq, state, error.as_deref(), now_ms()))
        .await;
    if let Err(e) = result {
        // Delivery stays at-least-once: an unrecorded success is delivered again later.
        tracing::error!(seq, error = %e, "cannot record a webhook outcome");
    }
}
