//! Recording a conversation writes its full mix to a WAV file off the tick.

use std::time::Duration;

use sb_media::codec::Codec;
use sb_media::goertzel::amplitude;
use switchboard_mediaworker::Event;

use crate::phone::{conversation, engine, run, wait_for, Phone, HEARD};

#[test]
fn the_full_mix_lands_in_a_wav_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let engine = engine(1, 44_900..=44_909);
    let mut phones = vec![
        Phone::new(500.0, Codec::Pcmu),
        Phone::new(1100.0, Codec::Pcma),
    ];
    let c = conversation(&engine, &mut phones, &[1, 2]);
    engine.start_recording(c, &path).unwrap();
    run(&mut phones, 30);
    engine.stop_recording(c).unwrap();
    let samples = wait_for(&engine, Duration::from_secs(3), |ev| match ev {
        Event::RecordingFinished { samples, .. } => Some(samples),
        _ => None,
    })
    .expect("recording finished");
    assert!(samples >= 20 * 160, "{samples}");
    let pcm = sb_media::wav::decode(&std::fs::read(&path).unwrap()).unwrap();
    let tail = &pcm[pcm.len() - 1600..];
    assert!(amplitude(tail, 500.0) > HEARD && amplitude(tail, 1100.0) > HEARD);
    engine.shutdown();
}
