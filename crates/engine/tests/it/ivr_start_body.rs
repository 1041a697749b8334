//! SPEC §10: the first request is a POST of the ivr_start JSON with exactly its fields;
//! an answer other than `<hangup/>` answers the call before its action runs.

use serde_json::json;

use crate::ivr_support::{doc, App, Harness, Op, Reply, CALL_ID};

#[actix_rt::test]
async fn ivr_start_posts_the_spec_fields_then_answers() {
    let app = App::start(|_, req| match req.path() {
        "/start" => doc("<play>beep</play>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), Some("vip"), |_| {}).await;
    assert!(
        matches!(h.op().await, Op::Answer),
        "answered before anything plays"
    );
    let Op::Play { id, .. } = h.op().await else {
        panic!("the play action runs next")
    };
    h.send(switchboard_engine::ivr::IvrMessage::PlaybackDone(id));
    assert!(matches!(h.op().await, Op::HangUp), "no <next>: hang up");
    h.finished().await;

    let requests = app.requests();
    assert_eq!(requests.len(), 1);
    let start = &requests[0];
    assert_eq!(start.method, "POST");
    assert_eq!(start.content_type.as_deref(), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&start.body).unwrap();
    assert_eq!(
        body,
        json!({
            "action": "ivr_start",
            "type": "ivr_incoming",
            "call_id": CALL_ID,
            "from": "+8613800000000",
            "to": "4001",
            "user_data": "vip",
        })
    );
}
