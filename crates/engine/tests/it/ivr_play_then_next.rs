//! SPEC §10: after a `<play>` the next document is requested with its outputs; a finish
//! key stops the prompt and is the `keys` output.

use switchboard_engine::ivr::IvrMessage;

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn play_to_the_end_then_next_then_a_key_cuts_the_second() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            r#"<playlist><play>beep</play><play>beep.wav</play></playlist>"#,
            Some(&format!("{base}/second")),
        ),
        "/second" => doc(
            r#"<play finish_keys="*" repeat="3">hold_music</play>"#,
            Some(&format!("{base}/third")),
        ),
        "/third" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    for _ in 0..2 {
        let Op::Play { id, .. } = h.op().await else {
            panic!("each item of the playlist plays")
        };
        h.send(IvrMessage::PlaybackDone(id));
    }
    let Op::Play { id, .. } = h.op().await else {
        panic!("the second document's prompt plays")
    };
    h.send(IvrMessage::Digit('*'));
    let Op::StopPlay(stopped) = h.op().await else {
        panic!("the finish key stops the prompt")
    };
    assert_eq!(stopped, id);
    assert!(matches!(h.op().await, Op::HangUp));
    h.finished().await;

    let requests = app.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path()).collect();
    assert_eq!(paths, ["/start", "/second", "/third"]);
    assert_eq!(requests[1].param("type").as_deref(), Some("playlist"));
    assert_eq!(requests[1].param("keys").as_deref(), Some(""));
    assert_eq!(requests[2].param("type").as_deref(), Some("play"));
    assert_eq!(requests[2].param("keys").as_deref(), Some("*"));
}
