//! `hold_voice` (SPEC §5): when exactly one member still hears the conversation (mode 1
//! or 3) it gets the hold prompt; two listeners hear each other, not music.

use switchboard_media::builtin;
use switchboard_media::codec::Codec;
use switchboard_media::goertzel::amplitude;
use switchboard_media::mixer::{DeliveryKind, MemberId, Mixer, MixerConfig, VoiceMode};
use switchboard_media::player::Prompt;

use crate::support::*;

/// A hold prompt at a frequency no member uses.
const MUSIC_HZ: f64 = 250.0;

fn music() -> Prompt {
    let samples: Vec<i16> = (0..8000u64)
        .flat_map(|t| sine_frame(MUSIC_HZ, 3000.0, t))
        .take(8000)
        .collect();
    Prompt::from_samples(samples)
}

fn tick(mx: &mut Mixer, t: u64, n: usize) -> Vec<[i16; 160]> {
    let frames: Vec<_> = (0..n).map(|i| tone_frame(i, t)).collect();
    let out = mx.mix(
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| (MemberId(i as u64), Some(f))),
    );
    (0..n)
        .map(|i| decoded(&out.get(MemberId(i as u64)).unwrap()))
        .collect()
}

#[test]
fn a_held_customer_hears_music_and_nothing_else() {
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::Both, Codec::Pcmu)
        .unwrap(); // customer
    mx.add_member(MemberId(1), VoiceMode::Neither, Codec::Pcma)
        .unwrap(); // agent on hold
    mx.set_hold_prompt(Some(music()));
    for t in 0..5 {
        let got = tick(&mut mx, t, 2);
        assert!(
            amplitude(&got[0], MUSIC_HZ) > 2500.0,
            "customer hears music"
        );
        assert!(level_of(&got[0], 1) < ABSENT, "not the held agent");
        assert!(
            got[1].iter().all(|&s| s.abs() <= 8),
            "the held agent hears nothing"
        );
    }
    // The agent resumes: both hear each other, the music stops.
    mx.set_mode(MemberId(1), VoiceMode::Both).unwrap();
    let got = tick(&mut mx, 5, 2);
    assert!(amplitude(&got[0], MUSIC_HZ) < ABSENT);
    assert!(amplitude(&got[1], MUSIC_HZ) < ABSENT);
    assert!(level_of(&got[0], 1) > HEARD && level_of(&got[1], 0) > HEARD);
}

#[test]
fn two_listeners_get_each_other_not_music() {
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::Both, Codec::Pcmu)
        .unwrap();
    mx.add_member(MemberId(1), VoiceMode::PlayedOnly, Codec::Pcmu)
        .unwrap();
    mx.add_member(MemberId(2), VoiceMode::Neither, Codec::Pcmu)
        .unwrap();
    mx.set_hold_prompt(Some(music()));
    let got = tick(&mut mx, 0, 3);
    for g in &got {
        assert!(amplitude(g, MUSIC_HZ) < ABSENT);
    }
    assert!(
        level_of(&got[1], 0) > HEARD,
        "the supervisor hears the caller"
    );
}

#[test]
fn a_lone_monitor_counts_as_the_one_listener() {
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::PlayedOnly, Codec::Pcma)
        .unwrap();
    mx.add_member(MemberId(1), VoiceMode::HeardOnly, Codec::Pcma)
        .unwrap();
    mx.set_hold_prompt(Some(music()));
    let got = tick(&mut mx, 0, 2);
    assert!(amplitude(&got[0], MUSIC_HZ) > 2500.0);
    // The mode-2 member is not cut off: music is mixed over what the listener hears.
    assert!(level_of(&got[0], 1) > HEARD);
    assert!(got[1].iter().all(|&s| s.abs() <= 8));
}

#[test]
fn no_hold_prompt_means_silence() {
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::Both, Codec::Pcmu)
        .unwrap();
    mx.add_member(MemberId(1), VoiceMode::Neither, Codec::Pcmu)
        .unwrap();
    let frames = [tone_frame(0, 0), tone_frame(1, 0)];
    let out = mx.mix([
        (MemberId(0), Some(&frames[0])),
        (MemberId(1), Some(&frames[1])),
    ]);
    assert!(out.pcm(MemberId(0)).unwrap().iter().all(|&s| s == 0));
    assert_eq!(out.get(MemberId(1)).unwrap().kind, DeliveryKind::Silence);
}

#[test]
fn built_in_hold_music_loops_without_gaps() {
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::Both, Codec::Pcmu)
        .unwrap();
    mx.set_hold_prompt(Some(builtin::hold_music()));
    // 8 s of music is 400 frames: play 1000 and check that sound keeps coming.
    let mut quiet_frames = 0;
    for _ in 0..1000 {
        let out = mx.mix([(MemberId(0), None)]);
        let pcm = out.pcm(MemberId(0)).unwrap();
        if pcm.iter().all(|&s| s.abs() < 50) {
            quiet_frames += 1;
        }
    }
    assert!(quiet_frames < 10, "{quiet_frames} silent frames");
}
