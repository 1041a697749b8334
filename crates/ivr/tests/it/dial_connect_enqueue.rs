//! `<dial>`, `<connect>` and `<enqueue>`: the effects, their results as outputs, and the
//! dial/connect/put events.

use switchboard_ivr::interp::{
    ActionError, DialOutcome, Effect, EnqueueCause, EnqueueOutcome, EnqueueResult, Input,
};
use switchboard_ivr::model::{ConnectMode, RingbackStop, Source};

use crate::support::*;

const DIAL_AND_CONNECT: &str = r#"<response><dial from="100" max_dial_duration="20"
    max_call_duration="60" dial_voice_stop_cond="2"><number>200</number><number>300</number>
    <play>ring.wav</play><connect mode="3" max_duration="30"/></dial></response>"#;

#[test]
fn dial_asks_the_engine_to_call_the_numbers_in_order() {
    let (_, effects) = Run::start(DIAL_AND_CONNECT);
    assert_eq!(
        effects,
        [Effect::Dial {
            numbers: vec!["200".into(), "300".into()],
            from: Some("100".into()),
            max_dial_duration: secs(20),
            max_call_duration: Some(secs(60)),
            ringback: Some(Source::File("ring.wav".into())),
            ringback_stop: RingbackStop::EarlyMedia,
        }]
    );
}

#[test]
fn an_answered_dial_with_connect_bridges_then_reports_both() {
    let (mut run, _) = Run::start(DIAL_AND_CONNECT);
    let answered = DialOutcome::Answered {
        number: "300".into(),
    };
    let effects = run.input(Input::DialResult(answered));
    assert_eq!(events(&effects), ["ivr.dial_end", "ivr.connect_begin"]);
    assert!(effects.contains(&Effect::Connect {
        mode: ConnectMode::FirstHearsSecond,
        max_duration: Some(secs(30)),
        prompt: None,
    }));
    assert!(running(&effects));
    let effects = run.input(Input::ConnectEnded { duration: secs(25) });
    assert_eq!(events(&effects), ["ivr.connect_end"]);
    let outputs = &finished(&effects).outputs;
    let pairs: Vec<_> = outputs.iter().collect();
    assert_eq!(
        pairs,
        [
            ("dial_result", "answered"),
            ("dial_number", "300"),
            ("connect_duration", "25")
        ]
    );
}

#[test]
fn an_unanswered_dial_ends_with_its_result() {
    for (outcome, code) in [
        (DialOutcome::Busy, "busy"),
        (DialOutcome::NoAnswer, "no_answer"),
        (DialOutcome::Rejected, "rejected"),
        (DialOutcome::Failed, "failed"),
    ] {
        let (mut run, _) = Run::start(DIAL_AND_CONNECT);
        let effects = run.input(Input::DialResult(outcome));
        assert_eq!(events(&effects), ["ivr.dial_end"]);
        assert_eq!(finished(&effects).outputs.get("dial_result"), Some(code));
        assert_eq!(finished(&effects).outputs.get("dial_number"), None);
    }
}

#[test]
fn an_answered_dial_without_connect_returns_to_the_ivr() {
    let (mut run, _) = Run::start("<response><dial><number>200</number></dial></response>");
    let answered = DialOutcome::Answered {
        number: "200".into(),
    };
    let effects = run.input(Input::DialResult(answered));
    assert_eq!(events(&effects), ["ivr.dial_end"]);
    assert_eq!(finished(&effects).outputs.get("dial_number"), Some("200"));
}

#[test]
fn hanging_up_while_dialling_cancels_the_dial() {
    let (mut run, _) = Run::start(DIAL_AND_CONNECT);
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(effects[0], Effect::CancelDial);
    assert_eq!(events(&effects), ["ivr.dial_end", "ivr.call_end"]);
    assert_eq!(
        finished(&effects).outputs.get("dial_result"),
        Some("caller_hangup")
    );
}

#[test]
fn connect_alone_bridges_with_its_prompt() {
    let doc = r#"<response><connect mode="2"><play>whisper.wav</play></connect></response>"#;
    let (mut run, effects) = Run::start(doc);
    assert_eq!(
        effects[0],
        Effect::Connect {
            mode: ConnectMode::SecondHearsFirst,
            max_duration: None,
            prompt: Some(Source::File("whisper.wav".into())),
        }
    );
    assert_eq!(events(&effects), ["ivr.connect_begin"]);
    let effects = run.input(Input::ConnectEnded { duration: secs(61) });
    assert_eq!(
        finished(&effects).outputs.get("connect_duration"),
        Some("61")
    );
}

#[test]
fn connect_without_a_dialled_party_fails() {
    let (mut run, _) = Run::start("<response><connect/></response>");
    let effects = run.input(Input::Failed(ActionError::ConnectFailed));
    assert_eq!(events(&effects), ["ivr.connect_end"]);
    assert_eq!(finished(&effects).error, Some(ActionError::ConnectFailed));
}

#[test]
fn enqueue_hands_the_xml_over_and_reports_how_it_ended() {
    let doc = r#"<response><enqueue choice="lru"><route><skill name="b"/></route></enqueue>
        </response>"#;
    let (mut run, effects) = Run::start(doc);
    assert_eq!(
        effects,
        [Effect::Enqueue(
            r#"<enqueue choice="lru"><route><skill name="b"/></route></enqueue>"#.into()
        )]
    );
    let outcome = EnqueueOutcome {
        result: EnqueueResult::Fail,
        cause: Some(EnqueueCause::Reject),
        agent_name: Some("2019".into()),
        conversation_id: None,
        data: Some("vip=1".into()),
    };
    let effects = run.input(Input::EnqueueEnded(outcome));
    assert_eq!(events(&effects), ["ivr.put_end"]);
    let pairs: Vec<_> = finished(&effects).outputs.iter().collect();
    assert_eq!(
        pairs,
        [
            ("result", "fail"),
            ("cause", "reject"),
            ("agent_name", "2019"),
            ("data", "vip=1")
        ]
    );
}

#[test]
fn a_successful_enqueue_reports_the_agent_and_conversation() {
    let (mut run, _) = Run::start("<response><enqueue/></response>");
    let outcome = EnqueueOutcome {
        result: EnqueueResult::Success,
        cause: None,
        agent_name: Some("alice".into()),
        conversation_id: Some("conv-9".into()),
        data: None,
    };
    let effects = run.input(Input::EnqueueEnded(outcome));
    let outputs = &finished(&effects).outputs;
    assert_eq!(outputs.get("result"), Some("success"));
    assert_eq!(outputs.get("conversation_id"), Some("conv-9"));
    assert_eq!(outputs.get("cause"), None);
}

#[test]
fn hanging_up_in_the_queue_leaves_it_with_cause_hangup() {
    let (mut run, _) = Run::start("<response><enqueue/></response>");
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(effects[0], Effect::LeaveQueue);
    assert_eq!(events(&effects), ["ivr.put_end", "ivr.call_end"]);
    let done = finished(&effects);
    assert!(done.call_ended);
    assert_eq!(done.outputs.get("result"), Some("fail"));
    assert_eq!(done.outputs.get("cause"), Some("hangup"));
}
