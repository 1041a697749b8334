//! A next document that does not parse hangs the call up, and `ivr.call_end` reports
//! `error=bad_document` with the parser's diagnostics (line and column) and the URL. A
//! first document that does not parse refuses the call as busy.

use switchboard_engine::ivr::{IvrMessage, RejectReason, SessionEnd};

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn a_malformed_next_document_hangs_up_and_reports_why() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc("<play>beep</play>", Some(&format!("{base}/broken"))),
        "/broken" => {
            Reply::Xml("<response>\n  <play repeat=\"99\">x.wav</play>\n</response>".into())
        }
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Play { id, .. } = h.op().await else {
        panic!("the first prompt plays")
    };
    h.send(IvrMessage::PlaybackDone(id));
    assert!(matches!(h.op().await, Op::HangUp));
    assert_eq!(
        h.finished().await,
        SessionEnd::HungUp {
            error: Some("bad_document")
        }
    );
    let events = h.published();
    let (name, end) = events.last().expect("events");
    assert_eq!(name, "ivr.call_end");
    assert_eq!(end["error"], "bad_document");
    assert!(
        end["url"].as_str().unwrap().contains("/broken?call_id="),
        "{end}"
    );
    let detail = end["detail"].as_str().unwrap();
    assert!(detail.contains("2:"), "the diagnostic's line: {detail}");
    assert!(detail.contains("repeat"), "{detail}");
}

#[actix_rt::test]
async fn a_malformed_first_document_refuses_the_call() {
    let app = App::start(|_, _| Reply::Xml("<response><play>".into())).await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Reject(RejectReason::Busy)));
    h.finished().await;
    assert_eq!(h.published()[0].1["error"], "bad_document");
}
