//! Every timing and key rule of `<get>`, driven with hand-advanced time.

use switchboard_ivr::interp::{Effect, Input, Timer};

use crate::support::*;

const NO_PROMPT: &str = r##"<response><get max_keys="4" first_key_timeout="5"
    continues_keys_timeout="3" valid_keys="0123456789" finish_keys="#"/></response>"##;

fn with_prompt(attrs: &str) -> String {
    format!(r##"<response><get max_keys="4" {attrs}><play>menu.wav</play></get></response>"##)
}

#[test]
fn without_prompt_the_first_key_timeout_counts_from_the_start() {
    let (mut run, effects) = Run::start(NO_PROMPT);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(run.session.timer(), Some(Timer::FirstKey));
    assert_eq!(run.timeout_in(), Some(secs(5)));
    assert!(run.advance(ms(4_999)).is_empty());
    let effects = run.advance(ms(1));
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
    assert_eq!(events(&effects), ["ivr.get_end"]);
    assert!(run.session.is_finished());
    assert_eq!(run.session.poll_timeout(), None);
}

#[test]
fn the_prompt_plays_play_repeat_times_before_the_first_key_timer_starts() {
    let (mut run, effects) = Run::start(&with_prompt(r##"play_repeat="3" first_key_timeout="4""##));
    let mut id = one_play(&effects);
    for _ in 0..2 {
        assert_eq!(
            run.session.poll_timeout(),
            None,
            "no key timer while prompting"
        );
        run.clock.advance(secs(7));
        id = one_play(&run.input(Input::PlaybackDone(id)));
    }
    run.clock.advance(secs(7));
    assert!(run.input(Input::PlaybackDone(id)).is_empty());
    // first_key_timeout counts from the end of the prompt, not from the start.
    assert_eq!(run.timeout_in(), Some(secs(4)));
    assert!(run.advance(ms(3_999)).is_empty());
    let effects = run.advance(ms(1));
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
}

#[test]
fn a_key_breaks_the_prompt_when_if_break_on_key_is_set() {
    let (mut run, effects) = Run::start(&with_prompt(r##"play_repeat="2""##));
    let id = one_play(&effects);
    run.clock.advance(secs(1));
    let effects = run.input(Input::Dtmf('7'));
    assert_eq!(effects, [Effect::StopPlay { id }]);
    // The stopped prompt's late completion neither replays it nor starts the first-key timer.
    assert!(run.input(Input::PlaybackDone(id)).is_empty());
    assert_eq!(run.session.timer(), Some(Timer::NextKey));
    assert_eq!(run.timeout_in(), Some(secs(3)));
    let effects = run.advance(secs(3));
    assert_eq!(finished(&effects).outputs.get("keys"), Some("7"));
}

#[test]
fn a_key_that_is_neither_valid_nor_finishing_does_not_break_the_prompt() {
    let (mut run, effects) = Run::start(&with_prompt(r##"valid_keys="12""##));
    let id = one_play(&effects);
    assert!(run.input(Input::Dtmf('9')).is_empty());
    assert!(
        run.input(Input::Dtmf('x')).is_empty(),
        "not a DTMF key at all"
    );
    assert!(run.input(Input::PlaybackDone(id)).is_empty());
    assert_eq!(run.session.timer(), Some(Timer::FirstKey));
}

#[test]
fn without_if_break_on_key_keys_during_the_prompt_are_discarded() {
    let (mut run, effects) = Run::start(&with_prompt(r##"if_break_on_key="false""##));
    let id = one_play(&effects);
    assert!(run.input(Input::Dtmf('1')).is_empty());
    assert!(
        run.input(Input::Dtmf('#')).is_empty(),
        "not even a finish key ends it"
    );
    run.clock.advance(secs(2));
    assert!(run.input(Input::PlaybackDone(id)).is_empty());
    run.input(Input::Dtmf('2'));
    let effects = run.input(Input::Dtmf('#'));
    assert_eq!(finished(&effects).outputs.get("keys"), Some("2"));
}

#[test]
fn continues_keys_timeout_restarts_at_each_key() {
    let (mut run, _) = Run::start(NO_PROMPT);
    run.clock.advance(secs(4));
    assert!(run.input(Input::Dtmf('1')).is_empty());
    assert_eq!(run.timeout_in(), Some(secs(3)));
    run.clock.advance(ms(2_900));
    assert!(run.input(Input::Dtmf('2')).is_empty());
    assert_eq!(
        run.timeout_in(),
        Some(secs(3)),
        "the second key restarts the timer"
    );
    assert!(run.advance(ms(2_999)).is_empty());
    let effects = run.advance(ms(1));
    assert_eq!(finished(&effects).outputs.get("keys"), Some("12"));
}

#[test]
fn keys_outside_valid_keys_are_ignored() {
    let doc = r##"<response><get valid_keys="12" max_keys="3"/></response>"##;
    let (mut run, _) = Run::start(doc);
    let mut last = Vec::new();
    for key in ['1', '5', '*', '2', 'D', '1'] {
        assert!(!run.session.is_finished(), "ended before {key}");
        last = run.input(Input::Dtmf(key));
    }
    assert_eq!(finished(&last).outputs.get("keys"), Some("121"));
}

#[test]
fn max_keys_ends_collection_at_once() {
    let (mut run, _) = Run::start(NO_PROMPT);
    for key in ['4', '3', '2'] {
        assert!(running(&run.input(Input::Dtmf(key))));
    }
    let effects = run.input(Input::Dtmf('1'));
    assert_eq!(finished(&effects).outputs.get("keys"), Some("4321"));
    assert!(
        run.input(Input::Dtmf('0')).is_empty(),
        "nothing after the end"
    );
}

#[test]
fn a_finish_key_ends_collection_and_is_not_part_of_keys() {
    let (mut run, _) = Run::start(NO_PROMPT);
    run.input(Input::Dtmf('9'));
    let effects = run.input(Input::Dtmf('#'));
    let done = finished(&effects);
    assert_eq!(done.outputs.get("keys"), Some("9"));
    assert_eq!(done.error, None);
    assert!(!done.call_ended);
}

#[test]
fn a_finish_key_first_gives_empty_keys() {
    let (mut run, _) = Run::start(NO_PROMPT);
    let effects = run.input(Input::Dtmf('#'));
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
}

#[test]
fn a_key_both_valid_and_finishing_finishes() {
    let doc =
        r##"<response><get valid_keys="0123456789#" finish_keys="#" max_keys="5"/></response>"##;
    let (mut run, _) = Run::start(doc);
    run.input(Input::Dtmf('5'));
    let effects = run.input(Input::Dtmf('#'));
    assert_eq!(finished(&effects).outputs.get("keys"), Some("5"));
}

#[test]
fn a_finish_key_breaks_the_prompt_and_ends_the_get() {
    let (mut run, effects) = Run::start(&with_prompt(r##"finish_keys="*""##));
    let id = one_play(&effects);
    let effects = run.input(Input::Dtmf('*'));
    assert_eq!(effects[0], Effect::StopPlay { id });
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
}

#[test]
fn a_key_after_the_deadline_comes_too_late_even_if_the_timer_was_not_reported() {
    let (mut run, _) = Run::start(NO_PROMPT);
    run.clock.advance(secs(6));
    // The engine delivers the key before it got round to the timer.
    let effects = run.input(Input::Dtmf('1'));
    assert_eq!(finished(&effects).outputs.get("keys"), Some(""));
}

#[test]
fn letter_keys_are_accepted_in_either_case() {
    let doc = r##"<response><get valid_keys="AB" max_keys="2"/></response>"##;
    let (mut run, _) = Run::start(doc);
    run.input(Input::Dtmf('a'));
    let effects = run.input(Input::Dtmf('B'));
    assert_eq!(finished(&effects).outputs.get("keys"), Some("AB"));
}

#[test]
fn the_prompt_is_announced_with_the_keys_that_may_cut_it() {
    let (_, effects) = Run::start(&with_prompt(r##"valid_keys="12" finish_keys="#""##));
    let Some(Effect::Play { finish_on_keys, .. }) = effects.first() else {
        panic!("a prompt first: {effects:?}");
    };
    assert_eq!(finish_on_keys.to_string(), "12#");
    let (_, effects) = Run::start(&with_prompt(r##"if_break_on_key="false""##));
    let Some(Effect::Play { finish_on_keys, .. }) = effects.first() else {
        panic!("a prompt first: {effects:?}");
    };
    assert!(
        finish_on_keys.is_empty(),
        "nothing may cut an unbreakable prompt"
    );
}

#[test]
fn a_playlist_prompt_plays_each_item_each_round() {
    let doc = r##"<response><get play_repeat="2"><playlist><play>a.wav</play><play>b.wav</play>
        </playlist></get></response>"##;
    let (mut run, effects) = Run::start(doc);
    let mut sources = Vec::new();
    let mut last = effects;
    while let Some(Effect::Play { id, source, .. }) = last.first().cloned() {
        sources.push(source);
        last = run.input(Input::PlaybackDone(id));
    }
    assert_eq!(sources.len(), 4);
    assert_eq!(sources[0], sources[2]);
    assert_eq!(sources[1], sources[3]);
    assert_ne!(sources[0], sources[1]);
    assert_eq!(run.session.timer(), Some(Timer::FirstKey));
}

#[test]
fn hanging_up_during_the_prompt_stops_it_and_ends_the_call() {
    let (mut run, effects) = Run::start(&with_prompt(""));
    let id = one_play(&effects);
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(effects[0], Effect::StopPlay { id });
    assert_eq!(events(&effects), ["ivr.get_end", "ivr.call_end"]);
    let done = finished(&effects);
    assert!(done.call_ended);
    assert_eq!(done.outputs.get("keys"), Some(""));
}

#[test]
fn hanging_up_after_some_keys_reports_them() {
    let (mut run, _) = Run::start(NO_PROMPT);
    run.input(Input::Dtmf('3'));
    let effects = run.input(Input::CallerHungUp);
    assert_eq!(finished(&effects).outputs.get("keys"), Some("3"));
    assert!(finished(&effects).call_ended);
}
