//! SPEC §5 hearing matrix: member j hears member i exactly when i ≠ j, the conversation
//! hears i (mode 1 or 2) and plays to j (mode 1 or 3). Every member speaks its own tone;
//! Goertzel on each member's decoded payload proves who hears whom. Exhaustive for 2 and 3
//! members (all 80 mode combinations), sampled for 4 to 16.

use proptest::prelude::*;
use switchboard_media::mixer::{MemberId, Mixer, MixerConfig, VoiceMode};

use crate::support::*;

fn check_matrix(modes: &[VoiceMode]) -> Result<(), String> {
    let mut mx = Mixer::new(MixerConfig::default());
    for (i, &m) in modes.iter().enumerate() {
        mx.add_member(MemberId(i as u64), m, codec_for(i))
            .map_err(|e| e.to_string())?;
    }
    for tick in 0..3u64 {
        let frames: Vec<_> = (0..modes.len()).map(|i| tone_frame(i, tick)).collect();
        let out = mx.mix(
            frames
                .iter()
                .enumerate()
                .map(|(i, f)| (MemberId(i as u64), Some(f))),
        );
        for (j, mode_j) in modes.iter().enumerate() {
            let got = decoded(&out.get(MemberId(j as u64)).ok_or("member missing")?);
            for (i, mode_i) in modes.iter().enumerate() {
                let expect = i != j && mode_i.hears() && mode_j.plays_to();
                let level = level_of(&got, i);
                let ok = if expect {
                    level > HEARD
                } else {
                    level < ABSENT
                };
                if !ok {
                    return Err(format!(
                        "modes {:?}: member {j} hears member {i} at {level:.0}, expected heard={expect}",
                        modes.iter().map(|m| m.number()).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_combination_of_two_and_three_members() {
    let mut combos = 0;
    for a in MODES {
        for b in MODES {
            check_matrix(&[a, b]).unwrap();
            combos += 1;
            for c in MODES {
                check_matrix(&[a, b, c]).unwrap();
                combos += 1;
            }
        }
    }
    assert_eq!(combos, 16 + 64);
}

#[test]
fn sixteen_members_all_talking() {
    check_matrix(&[VoiceMode::Both; 16]).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn sampled_combinations_of_four_to_sixteen(
        modes in proptest::collection::vec(0usize..4, 4..=16)
    ) {
        let modes: Vec<VoiceMode> = modes.into_iter().map(|i| MODES[i]).collect();
        if let Err(e) = check_matrix(&modes) {
            return Err(TestCaseError::fail(e));
        }
    }
}
