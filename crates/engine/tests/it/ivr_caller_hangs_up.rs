//! The caller hanging up ends the session wherever it is: during an action (the action's
//! event, then `ivr.call_end`, and no next request), or while a callback is in flight
//! (no hang-up of our own, `ivr.call_end`).

use switchboard_engine::ivr::{IvrMessage, SessionEnd};

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn during_a_get_the_keys_so_far_are_reported_and_nothing_is_requested() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            r#"<get max_keys="4"><play>beep</play></get>"#,
            Some(&format!("{base}/never")),
        ),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Play { id, .. } = h.op().await else {
        panic!("the prompt plays")
    };
    h.send(IvrMessage::PlaybackDone(id));
    h.send(IvrMessage::Digit('5'));
    h.send(IvrMessage::CallerHungUp);
    assert_eq!(h.finished().await, SessionEnd::CallerLeft);
    assert_eq!(
        app.requests().len(),
        1,
        "no next request for a call that is over"
    );
    let events = h.published();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["ivr.get_end", "ivr.call_end"]);
    assert_eq!(events[0].1["keys"], "5");
    assert!(
        h.ops.try_recv().is_err(),
        "the caller's side is gone: nothing to hang up"
    );
}

#[actix_rt::test]
async fn while_the_next_document_is_awaited() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc("<play>beep</play>", Some(&format!("{base}/slow"))),
        _ => Reply::Silent,
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Play { id, .. } = h.op().await else {
        panic!("the prompt plays")
    };
    h.send(IvrMessage::PlaybackDone(id));
    h.send(IvrMessage::CallerHungUp);
    assert_eq!(h.finished().await, SessionEnd::CallerLeft);
    let names: Vec<String> = h.published().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["ivr.play_end", "ivr.call_end"]);
    assert!(h.ops.try_recv().is_err());
}
