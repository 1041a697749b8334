//! SPEC §10: `<enqueue>` hands its XML and the call's user_data to the call-center layer;
//! the outcome that comes back later is the next request's outputs.

use switchboard_engine::ivr::{EnqueueCause, EnqueueOutcome, EnqueueResult, IvrMessage};

use crate::ivr_support::{doc, App, Harness, Op, Reply};

const ENQUEUE: &str = r#"<enqueue user_data="order-7"><route><skill name="billing" queue_timeout="30"/></route></enqueue>"#;

#[actix_rt::test]
async fn the_queue_outcome_is_on_the_next_url() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(ENQUEUE, Some(&format!("{base}/after-queue"))),
        "/after-queue" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), Some("from-trunk"), |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Enqueue(request) = h.op().await else {
        panic!("the caller is handed to the call center")
    };
    assert_eq!(request.xml, ENQUEUE, "the exact source text");
    assert_eq!(request.user_data.as_deref(), Some("from-trunk"));
    h.send(IvrMessage::EnqueueEnded(EnqueueOutcome {
        result: EnqueueResult::Fail,
        cause: Some(EnqueueCause::Reject),
        agent_name: Some("2019".into()),
        conversation_id: None,
        data: Some("call back later".into()),
    }));
    assert!(matches!(h.op().await, Op::HangUp));
    h.finished().await;

    let next = &app.requests()[1];
    assert_eq!(next.param("type").as_deref(), Some("enqueue"));
    assert_eq!(next.param("result").as_deref(), Some("fail"));
    assert_eq!(next.param("cause").as_deref(), Some("reject"));
    assert_eq!(next.param("agent_name").as_deref(), Some("2019"));
    assert_eq!(next.param("data").as_deref(), Some("call back later"));
    assert_eq!(next.param("conversation_id"), None);

    let events = h.published();
    let put_end = events
        .iter()
        .find(|(n, _)| n == "ivr.put_end")
        .expect("ivr.put_end");
    assert_eq!(put_end.1["result"], "fail");
    assert_eq!(put_end.1["user_data"], "from-trunk");
}

#[actix_rt::test]
async fn an_enqueue_naming_an_unknown_condition_is_a_bad_document() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc("<send_dtmf>12</send_dtmf>", Some(&format!("{base}/queue"))),
        "/queue" => doc(
            r#"<enqueue><route><condition id="nope"/></route></enqueue>"#,
            Some(&format!("{base}/never")),
        ),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::SendDtmf(digits) = h.op().await else {
        panic!("the digits are sent")
    };
    assert_eq!(digits, "12");
    h.send(IvrMessage::DtmfSent);
    assert!(
        matches!(h.op().await, Op::HangUp),
        "checked before the call center sees it"
    );
    h.finished().await;
    let events = h.published();
    let end = &events.last().expect("ivr.call_end").1;
    assert_eq!(end["error"], "bad_document");
    assert!(end["detail"].as_str().unwrap().contains("nope"), "{end}");
}
