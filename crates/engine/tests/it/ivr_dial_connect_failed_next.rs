//! SPEC §10 `<connect>` with nobody to connect to (no dial answered, or the party left):
//! the session goes on with `<next>`, whose request says `error=connect_failed`, and
//! `ivr.connect_end` still closes the `ivr.connect_begin`.

use switchboard_engine::ivr::IvrMessage;

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn a_failed_connect_goes_on_with_next_and_its_error() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(r#"<connect mode="2"/>"#, Some(&format!("{base}/after"))),
        "/after" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    assert!(matches!(h.op().await, Op::Connect));
    h.send(IvrMessage::ConnectFailed);
    assert!(matches!(h.op().await, Op::HangUp));
    h.finished().await;

    let requests = app.requests();
    let after = &requests[1];
    assert_eq!(after.path(), "/after");
    assert_eq!(after.param("type").as_deref(), Some("connect"));
    assert_eq!(after.param("error").as_deref(), Some("connect_failed"));
    let events = h.published();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["ivr.connect_begin", "ivr.connect_end", "ivr.call_end"]
    );
}
