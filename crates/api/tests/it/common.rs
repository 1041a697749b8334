use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, App};
use sb_store::{FileLibrary, SqliteStore, StoreHandle};
use serde_json::Value;
use switchboard_api::{AppState, Clock};

pub const ADMIN: &str = "test-admin-token";

#[derive(Debug)]
pub struct FixedClock;

impl FixedClock {
    pub fn unix_ms_value(&self) -> u64 {
        1_767_225_600_000
    }
}

impl Clock for FixedClock {
    fn unix_ms(&self) -> u64 {
        self.unix_ms_value()
    }
}

pub fn state() -> AppState {
    let store = StoreHandle::new(SqliteStore::open_in_memory().expect("in-memory db"));
    // Kept for the whole test process; the OS cleans /tmp.
    let media = tempfile::tempdir().expect("a temp dir").keep();
    // No dispatcher: events stay in the outbox, which is all these tests look at.
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    AppState::new(store, ADMIN, Arc::new(FixedClock))
        .with_files(FileLibrary::new(media))
        .with_events(bus)
}

pub async fn app(
    state: AppState,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(App::new().configure(state.configure())).await
}

/// Sends a request and returns the status and the JSON body.
pub async fn call<S, B>(app: &S, req: test::TestRequest) -> (u16, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status().as_u16();
    let body = test::read_body(res).await;
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, json)
}

pub fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

/// Asserts the failure envelope: HTTP status, a code starting with it, null data, and a
/// message containing `needle`.
pub fn assert_error(got: &(u16, Value), status: u16, needle: &str) {
    let (s, body) = got;
    assert_eq!(*s, status, "{body}");
    let code = body["code"].as_str().expect("code is a string");
    assert_eq!(code.len(), 6, "{body}");
    assert!(code.starts_with(&status.to_string()), "{body}");
    assert!(body["data"].is_null(), "{body}");
    let msg = body["msg"].as_str().expect("msg is a string");
    assert!(
        msg.contains(needle),
        "message {msg:?} should contain {needle:?}"
    );
}

/// Creates a call center with the admin token; returns (id, token).
pub async fn create_callcenter<S, B>(app: &S, name: &str) -> (String, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, body) = call(
        app,
        test::TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": name})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["data"]["id"].as_str().unwrap().to_owned(),
        body["data"]["token"].as_str().unwrap().to_owned(),
    )
}

/// Phones that ring silently: enough for the API to offer tasks and show agents fetching.
#[derive(Debug, Default)]
pub struct SilentPhones {
    pub rings: std::sync::Mutex<Vec<String>>,
}

impl sb_engine::acd::AgentConnector for SilentPhones {
    fn ring(
        &self,
        req: sb_engine::acd::RingRequest,
        _: sb_engine::acd::RingReply,
    ) -> sb_engine::acd::AgentCallId {
        let mut rings = self.rings.lock().unwrap();
        rings.push(req.agent.as_str().to_owned());
        sb_engine::acd::AgentCallId(format!("call{}", rings.len()))
    }
    fn cancel(&self, _: &sb_engine::acd::AgentCallId) {}
    fn hang_up_agent(&self, _: &sb_store::CallCenterId, _: &sb_acd::agent::AgentName) {}
}

/// [`state`] with the call-center engine running (on a `ManualClock`).
pub async fn acd_state() -> (AppState, sb_engine::acd::CallCenterHub) {
    let state = state();
    let (bus, _wake) = sb_events::EventBus::new(state.store.clone());
    let hub = sb_engine::acd::CallCenterHub::start(sb_engine::acd::HubConfig {
        store: state.store.clone(),
        events: bus,
        clock: Arc::new(sb_engine::clock::ManualClock::starting_now()),
        connector: Arc::new(SilentPhones::default()),
        seed: Some(1),
    })
    .await
    .expect("the hub starts");
    (state.with_acd(hub.clone()), hub)
}
