//! `<pause>`, `<hangup/>`, `<send_dtmf>` and hanging up in the middle of an action.

use switchboard_ivr::interp::{Effect, Input, Timer};

use crate::support::*;

#[test]
fn pause_lasts_its_duration_and_ignores_keys() {
    let (mut run, effects) = Run::start(r#"<response><pause duration="3"/></response>"#);
    assert!(effects.is_empty());
    assert_eq!(run.session.timer(), Some(Timer::Pause));
    run.clock.advance(secs(1));
    assert!(run.input(Input::Dtmf('1')).is_empty());
    assert!(run.advance(ms(1_999)).is_empty());
    let effects = run.advance(ms(1));
    assert_eq!(effects.len(), 1, "no event for a pause: {effects:?}");
    assert!(!finished(&effects).call_ended);
}

#[test]
fn an_early_timeout_call_does_nothing() {
    let (mut run, _) = Run::start(r#"<response><pause duration="3"/></response>"#);
    assert!(run.advance(secs(2)).is_empty());
    assert!(!run.session.is_finished());
}

#[test]
fn hangup_hangs_up_and_ends_the_call() {
    let (run, effects) = Run::start("<response><hangup/></response>");
    assert_eq!(effects[0], Effect::HangUp);
    assert_eq!(events(&effects), ["ivr.call_end"]);
    assert!(finished(&effects).call_ended);
    assert!(run.session.is_finished());
}

#[test]
fn hanging_up_during_a_pause_ends_the_call() {
    let (mut run, _) = Run::start(r#"<response><pause duration="10"/></response>"#);
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(events(&effects), ["ivr.call_end"]);
    assert!(finished(&effects).call_ended);
    assert_eq!(run.session.poll_timeout(), None);
}

#[test]
fn hanging_up_during_a_play_stops_it() {
    let (mut run, effects) = Run::start("<response><play>a.wav</play></response>");
    let id = one_play(&effects);
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(effects[0], Effect::StopPlay { id });
    assert_eq!(events(&effects), ["ivr.play_end", "ivr.call_end"]);
    assert!(finished(&effects).call_ended);
    assert!(run.input(Input::PlaybackDone(id)).is_empty());
}

#[test]
fn send_dtmf_ends_when_the_digits_were_sent() {
    let (mut run, effects) = Run::start("<response><send_dtmf>12w#</send_dtmf></response>");
    assert_eq!(effects, [Effect::SendDtmf("12w#".into())]);
    assert!(run.input(Input::Dtmf('5')).is_empty());
    let effects = run.input(Input::DtmfSent);
    assert!(events(&effects).is_empty());
    assert!(!finished(&effects).call_ended);
}

#[test]
fn inputs_after_the_end_are_ignored() {
    let (mut run, _) = Run::start("<response><hangup/></response>");
    for input in [Input::CallerHungUp, Input::Dtmf('1'), Input::DtmfSent] {
        assert!(run.input(input).is_empty());
    }
}
