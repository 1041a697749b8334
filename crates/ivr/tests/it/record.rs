//! `<record>`: beep first, `max_duration`, finish keys and hang-up (voicemail).

use switchboard_ivr::interp::{Effect, Input, Timer};
use switchboard_ivr::model::{BuiltinPrompt, KeySet, Source};

use crate::support::*;

const DOC: &str = r##"<response><record max_duration="30" finish_keys="#"/></response>"##;

fn recording_id() -> Input {
    Input::RecordingDone {
        record_id: "rec-1".into(),
    }
}

#[test]
fn the_beep_plays_first_and_max_duration_counts_from_its_end() {
    let (mut run, effects) = Run::start(DOC);
    let [Effect::Play { id, source, .. }] = effects.as_slice() else {
        panic!("a beep first: {effects:?}");
    };
    assert_eq!(*source, Source::Builtin(BuiltinPrompt::Beep));
    assert_eq!(run.session.poll_timeout(), None);
    run.clock.advance(ms(400));
    let effects = run.input(Input::PlaybackDone(*id));
    let [Effect::StartRecording {
        max_duration,
        finish_on_keys,
    }] = effects.as_slice()
    else {
        panic!("recording starts: {effects:?}");
    };
    assert_eq!(*max_duration, secs(30));
    assert_eq!(finish_on_keys.to_string(), "#");
    assert_eq!(run.session.timer(), Some(Timer::RecordLimit));
    assert_eq!(run.timeout_in(), Some(secs(30)));
}

#[test]
fn max_duration_stops_the_recording() {
    let (mut run, _) =
        Run::start(r#"<response><record beeping="false" max_duration="10"/></response>"#);
    assert!(run.advance(ms(9_999)).is_empty());
    assert_eq!(run.advance(ms(1)), [Effect::StopRecording]);
    let effects = run.input(recording_id());
    assert_eq!(events(&effects), ["ivr.record_end"]);
    let done = finished(&effects);
    assert_eq!(done.outputs.get("record_id"), Some("rec-1"));
    assert_eq!(done.outputs.get("keys"), None);
}

#[test]
fn without_beeping_recording_starts_at_once() {
    let (_, effects) = Run::start(r#"<response><record beeping="false"/></response>"#);
    assert_eq!(
        effects,
        [Effect::StartRecording {
            max_duration: secs(60),
            finish_on_keys: KeySet::parse("#").expect("keys"),
        }]
    );
}

#[test]
fn a_finish_key_stops_the_recording() {
    let (mut run, effects) = Run::start(DOC);
    run.input(Input::PlaybackDone(one_play(&effects)));
    assert!(run.input(Input::Dtmf('1')).is_empty(), "not a finish key");
    assert_eq!(run.input(Input::Dtmf('#')), [Effect::StopRecording]);
    assert_eq!(
        run.session.poll_timeout(),
        None,
        "the limit no longer matters"
    );
    assert!(run.input(Input::Dtmf('#')).is_empty(), "asked once");
    let done = run.input(recording_id());
    assert_eq!(finished(&done).outputs.get("record_id"), Some("rec-1"));
    assert_eq!(finished(&done).outputs.get("keys"), Some("#"));
}

#[test]
fn keys_during_the_beep_are_ignored() {
    let (mut run, effects) = Run::start(DOC);
    let id = one_play(&effects);
    assert!(run.input(Input::Dtmf('#')).is_empty());
    assert!(matches!(
        run.input(Input::PlaybackDone(id)).as_slice(),
        [Effect::StartRecording { .. }]
    ));
}

#[test]
fn hanging_up_keeps_the_recording_like_a_voicemail() {
    let (mut run, _) = Run::start(r#"<response><record beeping="false"/></response>"#);
    run.clock.advance(secs(12));
    assert_eq!(run.input(Input::CallerHungUp), [Effect::StopRecording]);
    assert!(!run.session.is_finished());
    let effects = run.input(recording_id());
    assert_eq!(events(&effects), ["ivr.record_end", "ivr.call_end"]);
    let done = finished(&effects);
    assert!(done.call_ended);
    assert_eq!(done.outputs.get("record_id"), Some("rec-1"));
}

#[test]
fn hanging_up_during_the_beep_ends_without_a_recording() {
    let (mut run, effects) = Run::start(DOC);
    let id = one_play(&effects);
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(effects[0], Effect::StopPlay { id });
    assert_eq!(events(&effects), ["ivr.record_end", "ivr.call_end"]);
    assert_eq!(finished(&effects).outputs.get("record_id"), None);
}

#[test]
fn a_recording_that_fails_reports_the_error() {
    let (mut run, _) = Run::start(r#"<response><record beeping="false"/></response>"#);
    let effects = run.input(Input::Failed(
        switchboard_ivr::interp::ActionError::RecordFailed,
    ));
    assert_eq!(effects[0], Effect::StopRecording);
    assert_eq!(
        finished(&effects).error,
        Some(switchboard_ivr::interp::ActionError::RecordFailed)
    );
}
