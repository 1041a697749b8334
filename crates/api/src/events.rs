//! Events for applications (SPEC §11): replay, a live Server-Sent Events stream that resumes
//! from a sequence number, the parked webhooks, and a test event.
//!
//! The stream subscribes to the live feed *before* replaying from the store, then skips what
//! it already sent, so a reconnect with `since` (or `Last-Event-ID`) gets exactly the events it
//! missed, in order, and then every new one.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use sb_events::EventBus;
use sb_store::{CallCenterId, StoredEvent};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{PageOf, Paging, Params};
use crate::AppState;

/// Most events one replay request returns.
pub const REPLAY_LIMIT: u32 = 1000;
/// How often an idle stream sends a comment so proxies keep it open.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// Parameters of the replay and stream endpoints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Since {
    /// Only events with a larger sequence number; `0` for all.
    pub since: Option<u64>,
    /// Most events to return (replay only), ≤ 1000, default 100.
    pub limit: Option<u32>,
}

/// An event as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Sequence number within the call center.
    pub seq: u64,
    /// Event name.
    pub event: String,
    /// When it happened (ms since the Unix epoch).
    pub created_at: u64,
    /// Webhook delivery: `pending`, `delivered`, `parked` or `noreceiver`.
    #[schema(value_type = String)]
    pub delivery: sb_store::DeliveryState,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// The body delivered to the webhook.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

impl From<StoredEvent> for EventView {
    fn from(e: StoredEvent) -> Self {
        Self {
            seq: e.seq,
            event: e.name,
            created_at: e.created_at,
            delivery: e.state,
            attempts: e.attempts,
            last_error: e.last_error,
            body: serde_json::from_str(&e.body).unwrap_or(serde_json::Value::Null),
        }
    }
}

fn bus(state: &AppState) -> Result<EventBus, ApiError> {
    state.events.clone().ok_or(ApiError::Unavailable(
        "events are not configured on this server",
    ))
}

/// Replays stored events after a sequence number.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/events", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("since" = Option<u64>, Query, description = "Events with a larger sequence number (default 0)"),
           ("limit" = Option<u32>, Query, description = "At most this many, ≤ 1000, default 100")),
    responses((status = 200, body = Envelope<Vec<EventView>>)),
    security(("callcenter" = [])))]
pub async fn replay(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Since>,
) -> Result<HttpResponse, ApiError> {
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > REPLAY_LIMIT {
        return Err(ApiError::bad(
            "limit",
            format!("must be 1 to {REPLAY_LIMIT}"),
        ));
    }
    let since = p.since.unwrap_or(0);
    let cc = tenant.id;
    let rows = state
        .store
        .run(move |s| s.events_after(&cc, since, limit))
        .await?;
    Ok(ok(rows
        .into_iter()
        .map(EventView::from)
        .collect::<Vec<_>>()))
}

/// Lists webhooks parked after every retry failed (delivery resumes when the receiver answers).
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/events/parked", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<EventView>>)),
    security(("callcenter" = [])))]
pub async fn parked(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let cc = tenant.id;
    let got = state.store.run(move |s| s.parked_events(&cc, page)).await?;
    let rows = got.rows.into_iter().map(EventView::from).collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// The sequence number of a published event.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeqView {
    /// Its sequence number.
    pub seq: u64,
}

/// Body of the test-event endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEvent {
    /// Free text carried in the event (≤ 256 characters).
    pub message: Option<String>,
}

/// Publishes a `callcenter.test` event, to check a webhook receiver or a stream client.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/events/test", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)")),
    request_body = TestEvent,
    responses((status = 200, body = Envelope<SeqView>)),
    security(("callcenter" = [])))]
pub async fn test(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<TestEvent>,
) -> Result<HttpResponse, ApiError> {
    let message = p.message.unwrap_or_else(|| "test".to_owned());
    if message.chars().count() > 256 {
        return Err(ApiError::bad("message", "must be at most 256 characters"));
    }
    let mut fields = serde_json::Map::new();
    fields.insert("message".into(), message.into());
    let event = bus(&state)?
        .publish(&tenant.id, "callcenter.test", fields)
        .await?;
    Ok(ok(SeqView { seq: event.seq }))
}

/// The live stream of the call center's events as Server-Sent Events.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/events/stream", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("since" = Option<u64>, Query, description = "Replay events after this sequence number first; the `Last-Event-ID` header does the same")),
    responses((status = 200, content_type = "text/event-stream",
               description = "`id:` is the sequence number, `event:` the event name, `data:` the webhook body")),
    security(("callcenter" = [])))]
pub async fn stream(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    Params(p): Params<Since>,
) -> Result<HttpResponse, ApiError> {
    let bus = bus(&state)?;
    let header = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| ApiError::bad("Last-Event-ID", "must be a sequence number"))
        })
        .transpose()?;
    let since = p.since.or(header);
    let live = bus.subscribe();
    let (tx, rx) = mpsc::channel::<Result<Bytes, actix_web::Error>>(256);
    actix_web::rt::spawn(feed(bus, tenant.id, since, live, tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

fn frame(e: &StoredEvent) -> Bytes {
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        e.seq, e.name, e.body
    ))
}

type Sink = mpsc::Sender<Result<Bytes, actix_web::Error>>;

/// Sends stored events after `*last` until caught up; `false` when the client is gone.
async fn catch_up(bus: &EventBus, cc: &CallCenterId, last: &mut u64, tx: &Sink) -> bool {
    loop {
        let key = cc.clone();
        let after = *last;
        let batch = match bus
            .store()
            .run(move |s| s.events_after(&key, after, 500))
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(callcenter = %cc, error = %e, "event replay failed");
                return false;
            }
        };
        if batch.is_empty() {
            return true;
        }
        for e in batch {
            *last = e.seq;
            if tx.send(Ok(frame(&e))).await.is_err() {
                return false;
            }
        }
    }
}

async fn feed(
    bus: EventBus,
    cc: CallCenterId,
    since: Option<u64>,
    mut live: broadcast::Receiver<Arc<StoredEvent>>,
    tx: Sink,
) {
    let mut last = since.unwrap_or(0);
    if since.is_some() && !catch_up(&bus, &cc, &mut last, &tx).await {
        return;
    }
    // Without `since`, only events from now on: skip whatever the store already held.
    let mut fresh_only = since.is_none();
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;
    loop {
        tokio::select! {
            got = live.recv() => match got {
                Ok(e) if e.callcenter_id == cc && (fresh_only || e.seq > last) => {
                    fresh_only = false;
                    last = e.seq;
                    if tx.send(Ok(frame(&e))).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    fresh_only = false;
                    if !catch_up(&bus, &cc, &mut last, &tx).await {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = keepalive.tick() => {
                if tx.send(Ok(Bytes::from_static(b": keepalive\n\n"))).await.is_err() {
                    return;
                }
            }
        }
    }
}
