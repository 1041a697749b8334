//! A prompt given as a URL is fetched once, validated as WAV, and served from the cache
//! afterwards; a URL that is not a WAV fails the action with `error=play_failed`.

use sb_media::wav::{encode, WavEncoding};
use switchboard_engine::ivr::IvrMessage;

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn a_url_prompt_is_fetched_once_and_a_bad_one_fails_the_play() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            &format!(r#"<play repeat="2">{base}/hello.wav</play>"#),
            Some(&format!("{base}/bad")),
        ),
        "/hello.wav" => Reply::Bytes(encode(&[500; 1600], WavEncoding::Ulaw)),
        "/bad" => doc(
            &format!("<play>{base}/text.wav</play>"),
            Some(&format!("{base}/end")),
        ),
        "/text.wav" => Reply::Xml("not audio".into()),
        "/end" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    for _ in 0..2 {
        let Op::Play { id, samples } = h.op().await else {
            panic!("the downloaded prompt plays")
        };
        assert_eq!(samples, 1600);
        h.send(IvrMessage::PlaybackDone(id));
    }
    let op = h.op().await;
    assert!(matches!(op, Op::HangUp), "{op:?}");
    h.finished().await;

    let requests = app.requests();
    let fetched = requests.iter().filter(|r| r.path() == "/hello.wav").count();
    assert_eq!(fetched, 1, "played twice, fetched once");
    let end = requests
        .iter()
        .find(|r| r.path() == "/end")
        .expect("/end requested");
    assert_eq!(end.param("error").as_deref(), Some("play_failed"));
}
