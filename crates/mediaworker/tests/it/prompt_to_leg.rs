//! A prompt played to one leg that is in no conversation (IVR use): the phone hears it,
//! then the worker reports the playback done; `play_num` sequences end the same way.

use std::sync::Arc;

use sb_media::codec::Codec;
use sb_media::mixer::PlayEnd;
use sb_media::player::Prompt;
use switchboard_mediaworker::{Event, PlaySource, Times};

use crate::phone::{engine, Phone, HEARD, SILENT};

fn tone_prompt(freq: f64, ms: u32) -> Prompt {
    let samples: Arc<[i16]> = (0..ms * 8)
        .map(|n| (3000.0 * (std::f64::consts::TAU * freq * f64::from(n) / 8000.0).sin()) as i16)
        .collect();
    Prompt::from_samples(samples)
}

#[test]
fn a_prompt_reaches_one_leg_then_playback_done() {
    let engine = engine(1, 44_100..=44_119);
    let mut phone = Phone::new(500.0, Codec::Pcmu);
    let mut other = Phone::new(900.0, Codec::Pcmu);
    phone.leg = Some(engine.create_leg(phone.spec()).unwrap());
    other.leg = Some(engine.create_leg(other.spec()).unwrap());
    let play = engine
        .play_to_leg(
            phone.leg().leg,
            PlaySource::Prompt(tone_prompt(700.0, 400)),
            Times::Count(2),
        )
        .unwrap();
    // 2 × 400 ms = 40 frames; play a little longer and watch for the end.
    let mut done = None;
    for _ in 0..60 {
        assert!(phone.exchange(false) && other.exchange(false));
        while let Ok(ev) = engine.events().try_recv() {
            if let Event::PlaybackDone { play: p, reason } = ev {
                done = Some((p, reason, phone.heard.len()));
            }
        }
    }
    let (p, reason, at) = done.expect("playback done reported");
    assert_eq!((p, reason), (play, PlayEnd::Finished));
    assert!(
        (38..=46).contains(&at),
        "done after about 40 frames, at {at}"
    );
    let loud = phone.heard[5..35]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>();
    assert!(sb_media::goertzel::amplitude(&loud, 700.0) > HEARD);
    assert!(phone.level_of(700.0, 10) < SILENT, "silence after the end");
    assert!(other.level_of(700.0, 40) < SILENT, "only its leg hears it");
    engine.shutdown();
}

#[test]
fn play_num_announces_digits_and_ends() {
    let engine = engine(1, 44_200..=44_209);
    let mut phone = Phone::new(500.0, Codec::Pcma);
    phone.leg = Some(engine.create_leg(phone.spec()).unwrap());
    let play = engine
        .play_to_leg(
            phone.leg().leg,
            PlaySource::Number {
                pre: None,
                num: "42".into(),
                post: None,
            },
            Times::Count(1),
        )
        .unwrap();
    let mut finished = false;
    for _ in 0..400 {
        assert!(phone.exchange(false));
        while let Ok(ev) = engine.events().try_recv() {
            if let Event::PlaybackDone {
                play: p,
                reason: PlayEnd::Finished,
            } = ev
            {
                finished |= p == play;
            }
        }
        if finished {
            break;
        }
    }
    assert!(finished, "the announcement ended within 8 s");
    let energy: f64 = phone
        .heard
        .iter()
        .flatten()
        .map(|&s| f64::from(s).abs())
        .sum();
    assert!(energy > 0.0, "digits were heard");
    assert!(matches!(
        engine.play_to_leg(
            phone.leg().leg,
            PlaySource::Number {
                pre: None,
                num: "4x".into(),
                post: None
            },
            Times::Count(1)
        ),
        Err(switchboard_mediaworker::EngineError::PlayNum(_))
    ));
    engine.shutdown();
}
