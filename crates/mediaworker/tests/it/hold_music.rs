//! SPEC §5: when exactly one member still hears the conversation, it hears the
//! conversation's `hold_voice`; once a second listener returns, the music stops.

use std::sync::Arc;

use sb_media::codec::Codec;
use sb_media::mixer::VoiceMode;
use sb_media::player::Prompt;

use crate::phone::{conversation, engine, run, Phone, HEARD, SILENT};

const MUSIC_HZ: f64 = 2400.0;

fn music() -> Prompt {
    let samples: Arc<[i16]> = (0..8000)
        .map(|n| (3000.0 * (std::f64::consts::TAU * MUSIC_HZ * f64::from(n) / 8000.0).sin()) as i16)
        .collect();
    Prompt::from_samples(samples)
}

#[test]
fn the_lone_listener_hears_hold_music_until_the_agent_returns() {
    let engine = engine(1, 44_000..=44_019);
    let mut phones = vec![
        Phone::new(600.0, Codec::Pcmu),
        Phone::new(1000.0, Codec::Pcma),
    ];
    // The customer (0) listens and speaks; the agent (1) is on hold (mode 4).
    let c = conversation(&engine, &mut phones, &[1, 4]);
    engine.set_hold_prompt(c, Some(music())).unwrap();
    run(&mut phones, 30);
    assert!(
        phones[0].level_of(MUSIC_HZ, 10) > HEARD,
        "customer hears music"
    );
    assert!(
        phones[0].level_of(1000.0, 10) < SILENT,
        "not the held agent"
    );
    assert!(
        phones[1].level_of(MUSIC_HZ, 10) < SILENT,
        "the held agent hears nothing"
    );
    assert!(phones[1].level_of(600.0, 10) < SILENT);

    engine
        .set_mode(c, phones[1].leg().leg, VoiceMode::Both)
        .unwrap();
    run(&mut phones, 30);
    assert!(phones[0].level_of(MUSIC_HZ, 10) < SILENT, "music stops");
    assert!(
        phones[0].level_of(1000.0, 10) > HEARD,
        "the customer hears the agent"
    );
    assert!(
        phones[1].level_of(600.0, 10) > HEARD,
        "and the agent the customer"
    );
    engine.shutdown();
}
