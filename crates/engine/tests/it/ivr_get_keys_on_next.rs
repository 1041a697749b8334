//! SPEC §10: the keys a `<get>` collected travel on the next request with call_id, type
//! and tag.

use switchboard_engine::ivr::IvrMessage;

use crate::ivr_support::{doc, App, Harness, Op, Reply, CALL_ID};

#[actix_rt::test]
async fn collected_keys_are_on_the_next_url() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            r#"<get max_keys="3"><play>digit_1.wav</play></get>"#,
            Some(&format!("{base}/after-get?step=2")),
        ),
        "/after-get" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Play { id, samples } = h.op().await else {
        panic!("the prompt plays")
    };
    assert!(samples > 0, "the built-in digit prompt has audio");
    h.send(IvrMessage::PlaybackDone(id));
    for key in ['4', '2', '7'] {
        h.send(IvrMessage::Digit(key));
    }
    assert!(
        matches!(h.op().await, Op::HangUp),
        "the next document hangs up"
    );
    h.finished().await;

    let requests = app.requests();
    assert_eq!(requests.len(), 2);
    let next = &requests[1];
    assert_eq!(next.method, "GET");
    assert_eq!(next.path(), "/after-get");
    let query = next.query();
    let expected = [
        ("step", "2"),
        ("call_id", CALL_ID),
        ("type", "get"),
        ("tag", "t"),
        ("keys", "427"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(query, expected);
}
