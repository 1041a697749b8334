//! The `next` request URL and the `ivr_start` body (SPEC §10).

use switchboard_ivr::interp::{Effect, Input};
use switchboard_ivr::IvrStart;

use crate::support::*;

#[test]
fn a_get_result_becomes_the_next_url() {
    let doc = r##"<response><get max_keys="3"/><next tag="menu 1">https://app.example/ivr?cc=7</next></response>"##;
    let response = switchboard_ivr::parse(doc).expect("valid");
    let (mut run, _) = Run::start(doc);
    run.input(Input::Dtmf('*'));
    let effects = run.input(Input::Dtmf('#'));
    let next = response.next.as_ref().expect("a next");
    let url = switchboard_ivr::next_url(next, "call-1", &response.action, finished(&effects));
    assert_eq!(
        url,
        "https://app.example/ivr?cc=7&call_id=call-1&type=get&tag=menu%201&keys=%2A"
    );
}

#[test]
fn an_error_is_a_query_parameter() {
    let doc = "<response><play>x.wav</play><next>http://h/n</next></response>";
    let response = switchboard_ivr::parse(doc).expect("valid");
    let (mut run, _) = Run::start(doc);
    let effects = run.input(Input::Failed(
        switchboard_ivr::interp::ActionError::PlayFailed,
    ));
    let next = response.next.as_ref().expect("a next");
    let url = switchboard_ivr::next_url(next, "c", &response.action, finished(&effects));
    assert_eq!(url, "http://h/n?call_id=c&type=play&error=play_failed");
}

#[test]
fn events_carry_the_outputs() {
    let (mut run, _) = Run::start(r#"<response><get max_keys="1"/></response>"#);
    let effects = run.input(Input::Dtmf('5'));
    let Some(Effect::Event(event, params)) = effects.first() else {
        panic!("an event first: {effects:?}");
    };
    assert_eq!(event.name(), "ivr.get_end");
    assert_eq!(params.get("keys"), Some("5"));
    let json = serde_json::to_string(event).expect("serializes");
    assert_eq!(json, r#""ivr.get_end""#);
}

#[test]
fn ivr_start_round_trips_and_rejects_other_actions() {
    let body = IvrStart::incoming("c1", "1001", "4008", Some("vip"));
    let json = serde_json::to_value(&body).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "action": "ivr_start", "type": "ivr_incoming",
            "call_id": "c1", "from": "1001", "to": "4008", "user_data": "vip"
        })
    );
    let back: IvrStart = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, body);
    let other = r#"{"action":"ivr_stop","type":"ivr_incoming","call_id":"c","from":"1","to":"2","user_data":null}"#;
    assert!(serde_json::from_str::<IvrStart>(other).is_err());
}
