//! A leg created on one worker that joins a conversation on another is moved there,
//! with its socket: the phones hear each other as if it had been created there.

use sb_media::codec::Codec;
use sb_media::mixer::VoiceMode;

use crate::phone::{engine, run, Phone, HEARD};

#[test]
fn a_leg_moves_to_its_conversations_worker() {
    let engine = engine(2, 44_800..=44_819);
    let mut phones = vec![
        Phone::new(500.0, Codec::Pcmu),
        Phone::new(900.0, Codec::Pcmu),
    ];
    let c = engine.create_conversation().unwrap();
    let home = engine.create_leg_near(c, phones[0].spec()).unwrap();
    phones[0].leg = Some(home);
    // The least-loaded worker is the other one.
    let away = engine.create_leg(phones[1].spec()).unwrap();
    assert_ne!(away.worker, home.worker);
    phones[1].leg = Some(away);
    run(&mut phones, 3);
    engine.add_member(c, home.leg, VoiceMode::Both).unwrap();
    engine.add_member(c, away.leg, VoiceMode::Both).unwrap();
    engine.set_mode(c, away.leg, VoiceMode::Both).unwrap();
    assert_eq!(engine.worker_of(away.leg), Some(home.worker));
    run(&mut phones, 30);
    assert!(phones[0].level_of(900.0, 10) > HEARD);
    assert!(phones[1].level_of(500.0, 10) > HEARD);
    while let Ok(ev) = engine.events().try_recv() {
        assert!(
            !matches!(ev, switchboard_mediaworker::Event::CommandFailed { .. }),
            "{ev:?}"
        );
    }
    engine.shutdown();
}
