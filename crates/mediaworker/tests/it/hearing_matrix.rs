//! SPEC §5 end to end at the RTP level: each phone hears exactly the members the
//! conversation hears (modes 1, 2) when the conversation plays to it (modes 1, 3), and
//! never itself.

use sb_media::codec::Codec;
use sb_media::mixer::VoiceMode;

use crate::phone::{conversation, engine, run, Phone, HEARD, SILENT};

const FREQS: [f64; 4] = [500.0, 850.0, 1300.0, 1900.0];

/// Checks every phone of one conversation against the mode table.
fn check(phones: &[Phone], modes: &[u8]) {
    for (j, listener) in phones.iter().enumerate() {
        let listens = VoiceMode::from_number(modes[j]).unwrap().plays_to();
        for (i, speaker) in phones.iter().enumerate() {
            let heard = VoiceMode::from_number(modes[i]).unwrap().hears();
            let level = listener.level_of(speaker.freq, 10);
            let expect = i != j && heard && listens;
            if expect {
                assert!(
                    level > HEARD,
                    "modes {modes:?}: {j} should hear {i} ({level:.0})"
                );
            } else {
                assert!(
                    level < SILENT,
                    "modes {modes:?}: {j} should not hear {i} ({level:.0})"
                );
            }
        }
    }
}

fn all_modes(n: usize) -> Vec<Vec<u8>> {
    let mut out = vec![vec![]];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|v| {
                (1..=4).map(move |m| {
                    let mut v = v.clone();
                    v.push(m);
                    v
                })
            })
            .collect();
    }
    out
}

#[test]
fn every_mode_combination_of_three_members() {
    let combos = all_modes(3);
    assert_eq!(combos.len(), 64);
    let engine = engine(1, 42_000..=42_999);
    // All 64 conversations run at once on one worker, with mixed codecs.
    let mut groups: Vec<Vec<Phone>> = combos
        .iter()
        .enumerate()
        .map(|(k, modes)| {
            let mut phones: Vec<Phone> = FREQS[..3]
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let codec = if (k + i) % 2 == 0 {
                        Codec::Pcmu
                    } else {
                        Codec::Pcma
                    };
                    Phone::new(*f, codec)
                })
                .collect();
            conversation(&engine, &mut phones, modes);
            phones
        })
        .collect();
    let mut all: Vec<Phone> = groups.drain(..).flatten().collect();
    run(&mut all, 40);
    for (k, modes) in combos.iter().enumerate() {
        check(&all[k * 3..k * 3 + 3], modes);
    }
    engine.shutdown();
}

#[test]
fn a_sample_of_four_member_combinations() {
    let samples: [[u8; 4]; 6] = [
        [1, 1, 1, 1],
        [1, 2, 3, 4],
        [3, 3, 1, 2],
        [2, 2, 2, 1],
        [4, 1, 4, 3],
        [3, 3, 3, 3],
    ];
    let engine = engine(1, 43_000..=43_199);
    let mut all = Vec::new();
    for modes in &samples {
        let mut phones: Vec<Phone> = FREQS.iter().map(|f| Phone::new(*f, Codec::Pcma)).collect();
        conversation(&engine, &mut phones, modes);
        all.extend(phones);
    }
    run(&mut all, 40);
    for (k, modes) in samples.iter().enumerate() {
        check(&all[k * 4..k * 4 + 4], modes);
    }
    engine.shutdown();
}
