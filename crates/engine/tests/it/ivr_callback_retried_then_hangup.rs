//! SPEC §10: a failed next request is retried three times; then the call is hung up.
//! Time is paused once the application has answered the first request, so only the
//! timers of the silent next request move it.

use std::time::Duration;

use switchboard_engine::ivr::{IvrMessage, SessionEnd};

use switchboard_engine::clock::Clock as _;

use crate::ivr_support::{assert_waited, doc, App, Harness, Op, Reply, TokioClock};

#[actix_rt::test]
async fn a_silent_next_is_tried_four_times_then_the_call_hangs_up() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc("<play>beep</play>", Some(&format!("{base}/silent"))),
        _ => Reply::Silent,
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |c| {
        c.callbacks.timeout = Duration::from_secs(3);
        c.callbacks.retry_delays = vec![
            Duration::from_millis(100),
            Duration::from_millis(200),
            Duration::from_millis(400),
        ];
    })
    .await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Play { id, .. } = h.op().await else {
        panic!("the prompt plays")
    };
    tokio::time::pause();
    let t0 = TokioClock.now();
    h.send(IvrMessage::PlaybackDone(id));
    assert!(matches!(h.op().await, Op::HangUp));
    // Four attempts and the three backoffs.
    assert_waited(
        TokioClock.now() - t0,
        Duration::from_millis(4 * 3000 + 100 + 200 + 400),
        7,
    );
    assert_eq!(
        h.finished().await,
        SessionEnd::HungUp {
            error: Some("timeout")
        }
    );
    let silent = app
        .requests()
        .iter()
        .filter(|r| r.path() == "/silent")
        .count();
    assert_eq!(silent, 4);
}

#[actix_rt::test]
async fn a_client_error_is_not_retried() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            "<send_dtmf>12</send_dtmf>",
            Some(&format!("{base}/missing")),
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
    assert!(matches!(h.op().await, Op::HangUp));
    h.finished().await;
    assert_eq!(
        app.requests().len(),
        2,
        "a 404 comes back the same: no retry"
    );
    assert_eq!(h.published().last().unwrap().1["error"], "http_status");
}
