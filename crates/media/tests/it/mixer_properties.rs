//! Mixer invariants over random conversations: a member never hears itself; modes 2 and 4
//! receive silence (or hold music only); modes 3 and 4 are never heard; members that get
//! the full mix share one byte-identical encode per codec; and mixers taking turns on one
//! shared scratch deliver exactly what each delivers with its own.

use proptest::prelude::*;
use switchboard_media::codec::Codec;
use switchboard_media::goertzel::amplitude;
use switchboard_media::mixer::{
    Delivery, DeliveryKind, MemberId, MixScratch, Mixer, MixerConfig, VoiceMode,
};
use switchboard_media::player::Prompt;

use crate::support::*;

const MUSIC_HZ: f64 = 250.0;

#[derive(Debug, Clone)]
struct Case {
    modes: Vec<VoiceMode>,
    codecs: Vec<Codec>,
    talking: Vec<bool>,
    hold: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..=16).prop_flat_map(|n| {
        (
            proptest::collection::vec(0usize..4, n),
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::vec(any::<bool>(), n),
            any::<bool>(),
        )
            .prop_map(|(m, c, t, hold)| Case {
                modes: m.into_iter().map(|i| MODES[i]).collect(),
                codecs: c
                    .into_iter()
                    .map(|u| if u { Codec::Pcmu } else { Codec::Pcma })
                    .collect(),
                talking: t,
                hold,
            })
    })
}

fn run(case: &Case) -> Result<(), TestCaseError> {
    let mut mx = mixer_for(case);
    let frames: Vec<_> = (0..case.modes.len()).map(|i| tone_frame(i, 0)).collect();
    let out = mx.mix(
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| (MemberId(i as u64), case.talking[i].then_some(f))),
    );
    let listeners = case.modes.iter().filter(|m| m.plays_to()).count();
    let mut shared: [Option<&[u8; 160]>; 2] = [None, None];
    for (j, mode) in case.modes.iter().enumerate() {
        let d = out.get(MemberId(j as u64)).unwrap();
        let got = decoded(&d);
        prop_assert!(level_of(&got, j) < ABSENT, "member {} hears itself", j);
        for (i, mi) in case.modes.iter().enumerate() {
            if !mi.hears() {
                prop_assert!(level_of(&got, i) < ABSENT, "{} hears silent-mode {}", j, i);
            }
        }
        if !mode.plays_to() {
            prop_assert_eq!(d.kind, DeliveryKind::Silence);
            prop_assert!(d.pcm.iter().all(|&s| s == 0));
        }
        let music = amplitude(&got, MUSIC_HZ);
        if case.hold && listeners == 1 && mode.plays_to() {
            prop_assert!(music > 2500.0, "lone listener {} gets music", j);
        } else {
            prop_assert!(music < ABSENT, "member {} gets music it should not", j);
        }
        if d.kind == DeliveryKind::Shared {
            // The full mix, encoded once per codec: the very same buffer for everyone.
            let mut expect = [0u8; 160];
            d.codec.encode_frame(out.full_mix(), &mut expect);
            prop_assert_eq!(d.payload, &expect);
            let slot = &mut shared[d.codec.index()];
            match slot {
                Some(p) => prop_assert!(std::ptr::eq(*p, d.payload)),
                None => *slot = Some(d.payload),
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn invariants_hold(c in case()) {
        run(&c)?;
    }

    #[test]
    fn a_shared_scratch_changes_nothing(cases in proptest::collection::vec(case(), 2..5)) {
        shared_scratch(&cases)?;
    }
}

fn mixer_for(case: &Case) -> Mixer {
    let mut mx = Mixer::new(MixerConfig::default());
    for (i, (&m, &c)) in case.modes.iter().zip(&case.codecs).enumerate() {
        mx.add_member(MemberId(i as u64), m, c).unwrap();
    }
    if case.hold {
        mx.set_hold_prompt(Some(Prompt::from_samples(
            sine_frame(MUSIC_HZ, 3000.0, 0).to_vec(),
        )));
    }
    mx
}

/// What a delivery carries, owned, to compare across ticks.
fn owned(d: Delivery<'_>) -> (DeliveryKind, Vec<i16>, Vec<u8>) {
    (d.kind, d.pcm.to_vec(), d.payload.to_vec())
}

/// Several conversations of different sizes mixed in turn on one scratch, three ticks
/// each with who talks changing, against the same conversations each on its own.
fn shared_scratch(cases: &[Case]) -> Result<(), TestCaseError> {
    let mut alone: Vec<Mixer> = cases.iter().map(mixer_for).collect();
    let mut turns: Vec<Mixer> = cases.iter().map(mixer_for).collect();
    let mut scratch = MixScratch::default();
    for tick in 0..3u64 {
        for (k, case) in cases.iter().enumerate() {
            let frames: Vec<_> = (0..case.modes.len()).map(|i| tone_frame(i, tick)).collect();
            let inputs = || {
                frames.iter().enumerate().map(|(i, f)| {
                    let talks = case.talking[i] ^ (tick == 1 && i % 2 == 0);
                    (MemberId(i as u64), talks.then_some(f))
                })
            };
            let want = alone[k].mix(inputs());
            let want: (Vec<_>, Vec<i16>) =
                (want.iter().map(owned).collect(), want.full_mix().to_vec());
            let out = turns[k].mix_with(&mut scratch, inputs());
            let got: (Vec<_>, Vec<i16>) =
                (out.iter().map(owned).collect(), out.full_mix().to_vec());
            prop_assert_eq!(got, want, "conversation {} at tick {}", k, tick);
        }
    }
    Ok(())
}

#[test]
fn a_silent_mode_one_member_gets_the_shared_mix() {
    let mut mx = Mixer::new(MixerConfig::default());
    for i in 0..3 {
        mx.add_member(MemberId(i), VoiceMode::Both, Codec::Pcmu)
            .unwrap();
    }
    let f = tone_frame(0, 0);
    let out = mx.mix([(MemberId(0), Some(&f))]);
    assert_eq!(out.get(MemberId(0)).unwrap().kind, DeliveryKind::Own);
    let (a, b) = (out.get(MemberId(1)).unwrap(), out.get(MemberId(2)).unwrap());
    assert_eq!(
        (a.kind, b.kind),
        (DeliveryKind::Shared, DeliveryKind::Shared)
    );
    assert!(std::ptr::eq(a.payload, b.payload));
}
