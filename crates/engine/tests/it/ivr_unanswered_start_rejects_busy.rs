//! SPEC §10: no answer to ivr_start within the timeout, after three retries, rejects the
//! call as busy. Paused time: the application never answers, so only timers move.

use std::time::Duration;

use switchboard_engine::ivr::{RejectReason, SessionEnd};

use switchboard_engine::clock::Clock as _;

use crate::ivr_support::{assert_waited, App, Harness, Op, Reply, TokioClock};

#[actix_rt::test]
async fn four_silent_attempts_then_busy() {
    tokio::time::pause();
    let app = App::start(|_, _| Reply::Silent).await;
    let t0 = TokioClock.now();
    let mut h = Harness::start(app.url("/start"), None, |c| {
        c.callbacks.timeout = Duration::from_secs(5);
        c.callbacks.retry_delays = vec![Duration::from_millis(200); 3];
    })
    .await;
    assert!(matches!(h.op().await, Op::Reject(RejectReason::Busy)));
    let waited = TokioClock.now() - t0;
    // Four attempts of 5 s and three pauses.
    assert_waited(waited, Duration::from_millis(4 * 5000 + 3 * 200), 7);
    assert_eq!(
        h.finished().await,
        SessionEnd::Rejected {
            reason: RejectReason::Busy
        }
    );
    let posts = app.requests();
    assert_eq!(posts.len(), 4, "the first attempt and three retries");
    assert!(posts
        .iter()
        .all(|r| r.method == "POST" && r.path() == "/start"));
    let events = h.published();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "ivr.call_end");
    assert_eq!(events[0].1["error"], "timeout");
}
