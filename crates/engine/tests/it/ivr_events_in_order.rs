//! SPEC §10/§11: the ivr.* events are published in the order things happened, each with
//! the call's id, its user_data and the action's outputs.

use switchboard_engine::ivr::{DialOutcome, IvrMessage};

use crate::ivr_support::{doc, App, Harness, Op, Reply, CALL_ID};

#[actix_rt::test]
async fn play_get_dial_connect_then_call_end() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc("<play>beep</play>", Some(&format!("{base}/get"))),
        "/get" => doc(
            r#"<get max_keys="2"><play>beep</play></get>"#,
            Some(&format!("{base}/dial")),
        ),
        "/dial" => doc(
            "<dial><number>800</number><connect/></dial>",
            Some(&format!("{base}/end")),
        ),
        "/end" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), Some("ud"), |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::Play { id, .. } = h.op().await else {
        panic!("play")
    };
    h.send(IvrMessage::PlaybackDone(id));
    let Op::Play { id, .. } = h.op().await else {
        panic!("the get's prompt")
    };
    h.send(IvrMessage::PlaybackDone(id));
    h.send(IvrMessage::Digit('9'));
    h.send(IvrMessage::Digit('#'));
    let Op::Dial(numbers) = h.op().await else {
        panic!("dial")
    };
    assert_eq!(numbers, ["800"]);
    h.send(IvrMessage::DialEnded(DialOutcome::Answered {
        number: "800".into(),
    }));
    assert!(matches!(h.op().await, Op::Connect));
    h.send(IvrMessage::ConnectEnded {
        duration: std::time::Duration::from_secs(42),
    });
    assert!(matches!(h.op().await, Op::HangUp));
    h.finished().await;

    let events = h.published();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "ivr.play_end",
            "ivr.get_end",
            "ivr.dial_end",
            "ivr.connect_begin",
            "ivr.connect_end",
            "ivr.call_end",
        ]
    );
    for (_, body) in &events {
        assert_eq!(body["call_id"], CALL_ID);
        assert_eq!(body["user_data"], "ud");
    }
    assert_eq!(events[1].1["keys"], "9");
    assert_eq!(events[2].1["dial_result"], "answered");
    assert_eq!(events[4].1["connect_duration"], "42");
    let seqs: Vec<u64> = events
        .iter()
        .map(|(_, b)| b["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}
