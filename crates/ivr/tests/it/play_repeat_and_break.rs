//! `<play>` and `<playlist>`: repeat, finish keys and stale completions.

use switchboard_ivr::interp::{Effect, Input};
use switchboard_ivr::model::Source;

use crate::support::*;

#[test]
fn play_repeats_then_ends_with_empty_keys() {
    let (mut run, effects) = Run::start(r#"<response><play repeat="3">a.wav</play></response>"#);
    let mut id = one_play(&effects);
    for _ in 0..2 {
        id = one_play(&run.input(Input::PlaybackDone(id)));
    }
    let effects = run.input(Input::PlaybackDone(id));
    assert_eq!(events(&effects), ["ivr.play_end"]);
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
}

#[test]
fn a_finish_key_stops_the_playback_and_is_the_keys_output() {
    let doc = r##"<response><play finish_keys="*#" repeat="5">a.wav</play></response>"##;
    let (mut run, effects) = Run::start(doc);
    let id = one_play(&effects);
    assert!(run.input(Input::Dtmf('1')).is_empty(), "not a finish key");
    let effects = run.input(Input::Dtmf('#'));
    assert_eq!(effects[0], Effect::StopPlay { id });
    assert_eq!(finished(&effects).outputs.get("keys"), Some("#"));
    assert!(
        run.input(Input::PlaybackDone(id)).is_empty(),
        "late completion ignored"
    );
}

#[test]
fn without_finish_keys_no_key_stops_the_playback() {
    let (mut run, effects) = Run::start("<response><play>a.wav</play></response>");
    let id = one_play(&effects);
    for key in "0123456789*#ABCD".chars() {
        assert!(run.input(Input::Dtmf(key)).is_empty());
    }
    assert!(!run.session.is_finished());
    assert!(!running(&run.input(Input::PlaybackDone(id))));
}

#[test]
fn a_stale_completion_does_not_advance_the_playlist() {
    let doc = "<response><playlist><play>a.wav</play><play>b.wav</play></playlist></response>";
    let (mut run, effects) = Run::start(doc);
    let first = one_play(&effects);
    let second = one_play(&run.input(Input::PlaybackDone(first)));
    assert!(
        run.input(Input::PlaybackDone(first)).is_empty(),
        "repeated completion"
    );
    let effects = run.input(Input::PlaybackDone(second));
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
}

#[test]
fn a_playlist_repeats_as_a_whole() {
    let doc = r#"<response><playlist repeat="2"><play>a.wav</play><play>b.wav</play>
        </playlist></response>"#;
    let (mut run, mut effects) = Run::start(doc);
    let mut played = Vec::new();
    while let Some(Effect::Play { id, source, .. }) = effects.first().cloned() {
        played.push(source);
        effects = run.input(Input::PlaybackDone(id));
    }
    let a = Source::File("a.wav".into());
    let b = Source::File("b.wav".into());
    assert_eq!(played, [a.clone(), b.clone(), a, b]);
    assert!(run.session.is_finished());
}

#[test]
fn a_failed_prompt_ends_the_play_with_an_error() {
    let (mut run, effects) = Run::start("<response><play>missing.wav</play></response>");
    let id = one_play(&effects);
    let effects = run.input(Input::Failed(
        switchboard_ivr::interp::ActionError::PlayFailed,
    ));
    assert_eq!(effects[0], Effect::StopPlay { id });
    let done = finished(&effects);
    assert_eq!(
        done.error.map(|e| e.to_string()).as_deref(),
        Some("play_failed")
    );
    let Some(Effect::Event(_, params)) = effects.get(1) else {
        panic!("an event: {effects:?}");
    };
    assert_eq!(params.get("error"), Some("play_failed"));
}

#[test]
fn play_ids_continue_across_chained_sessions() {
    use switchboard_ivr::interp::{PlayId, Session};
    let clock = sb_testkit::FakeClock::new();
    let action = action("<response><play>a.wav</play></response>");
    let mut first = Session::start(clock.now(), &action);
    let id = one_play(&std::iter::from_fn(|| first.poll_output()).collect::<Vec<_>>());
    let mut second = Session::start_at(clock.now(), &action, first.next_play_id());
    let effects: Vec<_> = std::iter::from_fn(|| second.poll_output()).collect();
    assert_ne!(one_play(&effects), id);
    // The first session's late completion means nothing to the second.
    second.handle_input(clock.now(), Input::PlaybackDone(PlayId(id.0)));
    assert!(second.poll_output().is_none());
}
