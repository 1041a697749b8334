//! When every handle of a session is dropped, nobody can report anything about its call:
//! the session takes it as the caller hanging up and, if the action still waits (a
//! recording's file), ends anyway instead of waiting forever.

use switchboard_engine::ivr::SessionEnd;

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn a_recording_nobody_can_finish_ends_the_session() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            r#"<record beeping="false"/>"#,
            Some(&format!("{base}/never")),
        ),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    assert!(matches!(h.op().await, Op::StartRecording(_)));
    h.handle = None;
    assert!(
        matches!(h.op().await, Op::StopRecording),
        "the hang-up stops the recording"
    );
    assert_eq!(h.finished().await, SessionEnd::CallerLeft);
    let names: Vec<String> = h.published().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["ivr.call_end"]);
    assert_eq!(app.requests().len(), 1);
}
