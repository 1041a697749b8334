//! Property tests: the parser never panics, reports positions inside the document, and
//! every valid document it accepts can be run by the interpreter to its end.

use proptest::prelude::*;
use switchboard_ivr::interp::{
    DialOutcome, Effect, EnqueueCause, EnqueueOutcome, EnqueueResult, Input, Session,
};

/// Fragments that make XML-ish documents close to real ones, so mutations reach deep.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<response>".to_owned()),
        Just("</response>".to_owned()),
        Just("<get max_keys=\"2\">".to_owned()),
        Just("</get>".to_owned()),
        Just("<play>a.wav</play>".to_owned()),
        Just("<playlist>".to_owned()),
        Just("</playlist>".to_owned()),
        Just("<record/>".to_owned()),
        Just("<next tag=\"t\">http://h/</next>".to_owned()),
        Just("<enqueue><route/></enqueue>".to_owned()),
        Just("<!-- c -->".to_owned()),
        Just("&amp;".to_owned()),
        Just("&bad;".to_owned()),
        Just("\n".to_owned()),
        "[ -~]{0,8}",
        "\\PC{0,4}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..16).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = switchboard_ivr::parse_bytes(&bytes);
    }

    #[test]
    fn diagnostics_point_inside_the_document(doc in document()) {
        if let Err(diags) = switchboard_ivr::parse(&doc) {
            prop_assert!(!diags.is_empty());
            let lines = u32::try_from(doc.split('\n').count()).unwrap_or(u32::MAX);
            for d in diags.iter() {
                prop_assert!(d.position.line >= 1 && d.position.line <= lines, "{d} in {doc:?}");
                prop_assert!(d.position.column >= 1);
            }
        }
    }

    #[test]
    fn every_action_runs_to_exactly_one_finish(
        doc in action_document(),
        script in prop::collection::vec(0u8..10, 0..12),
    ) {
        let response = switchboard_ivr::parse(&doc);
        prop_assert!(response.is_ok(), "{doc:?}: {response:?}");
        let Ok(response) = response else { return Ok(()) };
        let clock = sb_testkit::FakeClock::new();
        let mut session = Session::start(clock.now(), &response.action);
        let mut finished = drain(&mut session);
        let mut plays = finished.1;
        for step in script {
            let now = clock.now();
            let input = match step {
                0..=2 => Input::Dtmf(['1', '#', '*'][usize::from(step)]),
                3 => match plays.pop() {
                    Some(id) => Input::PlaybackDone(id),
                    None => Input::DtmfSent,
                },
                4 => Input::RecordingDone { record_id: "r".into() },
                5 => Input::DialResult(DialOutcome::Answered { number: "1".into() }),
                6 => Input::ConnectEnded { duration: std::time::Duration::from_secs(1) },
                7 => Input::EnqueueEnded(EnqueueOutcome {
                    result: EnqueueResult::Fail,
                    cause: Some(EnqueueCause::Timeout),
                    agent_name: None,
                    conversation_id: None,
                    data: None,
                }),
                8 => {
                    clock.advance(std::time::Duration::from_secs(7));
                    session.handle_timeout(clock.now());
                    Input::DtmfSent
                }
                _ => Input::CallerHungUp,
            };
            session.handle_input(now, input);
            let (n, more) = drain(&mut session);
            finished.0 += n;
            plays.extend(more);
        }
        // Whatever happened, a hang-up and the engine's answers to it end the action.
        for input in [Input::CallerHungUp, Input::RecordingDone { record_id: "r".into() }] {
            session.handle_input(clock.now(), input);
            finished.0 += drain(&mut session).0;
        }
        prop_assert_eq!(finished.0, 1, "exactly one Finished for {:?}", doc);
        prop_assert!(session.is_finished());
        prop_assert!(session.poll_timeout().is_none());
    }
}

/// Drains the session: how many `Finished`, and the ids of the playbacks started.
fn drain(session: &mut Session) -> (usize, Vec<switchboard_ivr::interp::PlayId>) {
    let mut finished = 0;
    let mut plays = Vec::new();
    while let Some(effect) = session.poll_output() {
        match effect {
            Effect::Play { id, .. } => plays.push(id),
            Effect::Finished(_) => finished += 1,
            _ => {}
        }
    }
    (finished, plays)
}

/// Valid documents with one action each, attributes varied.
fn action_document() -> impl Strategy<Value = String> {
    let action =
        prop_oneof![
        (1u8..=10, "[0-9#*]{0,3}").prop_map(|(r, k)| format!(
            r#"<play repeat="{r}" finish_keys="{}">a.wav</play>"#, dedup(&k))),
        (1u8..=3).prop_map(|r| format!(
            r#"<playlist repeat="{r}"><play>a</play><play>b</play></playlist>"#)),
        (1u8..=4, 1u8..=3, any::<bool>()).prop_map(|(m, r, b)| format!(
            r#"<get max_keys="{m}" play_repeat="{r}" if_break_on_key="{b}"><play>p</play></get>"#)),
        (1u8..=4).prop_map(|m| format!(r#"<get max_keys="{m}"/>"#)),
        any::<bool>().prop_map(|b| format!(r#"<record beeping="{b}" max_duration="5"/>"#)),
        Just("<dial><number>1</number><connect/></dial>".to_owned()),
        Just("<dial><number>1</number></dial>".to_owned()),
        Just("<connect/>".to_owned()),
        (1u8..=20).prop_map(|d| format!(r#"<pause duration="{d}"/>"#)),
        Just("<send_dtmf>1w2</send_dtmf>".to_owned()),
        Just("<hangup/>".to_owned()),
        Just("<enqueue/>".to_owned()),
    ];
    (action, any::<bool>()).prop_map(|(a, next)| {
        let next = if next { "<next>http://h/n</next>" } else { "" };
        format!("<response>{a}{next}</response>")
    })
}

fn dedup(keys: &str) -> String {
    let mut out = String::new();
    for c in keys.chars() {
        if !out.contains(c) {
            out.push(c);
        }
    }
    out
}
