//! Call detail records: listed newest first and fetched by id, in both path forms, never
//! another tenant's.

use actix_web::test::TestRequest;
use sb_store::{CallCenterId, CallRow};

use crate::common::*;

fn record(id: &str, cc: &str, start: u64) -> CallRow {
    CallRow {
        id: id.into(),
        callcenter_id: Some(CallCenterId(cc.into())),
        sip_call_id: format!("{id}@switch"),
        direction: "inbound".into(),
        from: "1001".into(),
        to: "1002".into(),
        peer_id: Some("other".into()),
        start_time: start,
        answer_time: Some(start + 3000),
        end_time: start + 60_000,
        end_reason: "hangup".into(),
        status: Some(200),
        packets_lost: Some(2),
        jitter_ms: Some(7),
    }
}

#[actix_rt::test]
async fn records_are_listed_newest_first_and_fetched_by_id() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other_cc, other_token) = create_callcenter(&app, "b").await;
    let rows = vec![
        record("c1", &cc, 1_000),
        record("c2", &cc, 2_000),
        record("x1", &other_cc, 1_500),
    ];
    store.run(move |s| s.insert_calls(&rows)).await.unwrap();

    let (status, got) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/call?pageSize=10")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["totalCount"], 2);
    assert_eq!(got["data"]["result"][0]["call_id"], "c2");
    assert_eq!(got["data"]["result"][1]["call_id"], "c1");

    let (status, got) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{cc}/call/c1"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["end_reason"], "hangup");
    assert_eq!(got["data"]["jitter_ms"], 7);
    assert_eq!(got["data"]["peer_call_id"], "other");

    let theirs = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/call/c1")
            .insert_header(bearer(&other_token)),
    )
    .await;
    assert_error(&theirs, 404, "call");
}
