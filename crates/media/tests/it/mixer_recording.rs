//! Recording: the full mix (every heard member, and prompts played to the conversation)
//! goes to a WAV file, and the file reads back with the same audio.

use switchboard_media::codec::Codec;
use switchboard_media::mixer::{MemberId, Mixer, MixerConfig, MixerEvent, PlayId, VoiceMode};
use switchboard_media::tone::{Region, ToneGenerator, ToneKind};
use switchboard_media::wav::{self, WavEncoding, WavWriter};

use crate::support::*;

#[test]
fn records_heard_members_and_conversation_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conv.wav");
    let file = std::fs::File::create(&path).unwrap();
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::Both, Codec::Pcmu)
        .unwrap();
    mx.add_member(MemberId(1), VoiceMode::HeardOnly, Codec::Pcma)
        .unwrap();
    mx.add_member(MemberId(2), VoiceMode::PlayedOnly, Codec::Pcmu)
        .unwrap();
    mx.start_recording(Box::new(WavWriter::new(file, WavEncoding::Pcm16).unwrap()))
        .unwrap();
    mx.play_to_all(PlayId(7), ToneGenerator::new(Region::Cn, ToneKind::Beep));
    for t in 0..50 {
        let f: Vec<_> = (0..3).map(|i| tone_frame(i, t)).collect();
        mx.mix(
            f.iter()
                .enumerate()
                .map(|(i, f)| (MemberId(i as u64), Some(f))),
        );
    }
    mx.stop_recording().unwrap();
    let back = wav::decode(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(back.len(), 50 * 160);
    let first = &back[..160];
    assert!(level_of(first.try_into().unwrap(), 0) > HEARD);
    assert!(level_of(first.try_into().unwrap(), 1) > HEARD);
    assert!(
        level_of(first.try_into().unwrap(), 2) < ABSENT,
        "mode 3 is not recorded"
    );
    let beep = switchboard_media::goertzel::amplitude(first, 1000.0);
    assert!(beep > 5000.0, "the conversation prompt is recorded: {beep}");
    // The 200 ms beep ended on its own.
    assert!(matches!(
        mx.poll_event(),
        Some(MixerEvent::PlaybackDone { id: PlayId(7), .. })
    ));
}

/// A sink that fails after a few frames, like a full disk.
#[derive(Debug)]
struct FailingSink(u32);

impl switchboard_media::mixer::FrameSink for FailingSink {
    fn write_frame(&mut self, _: &switchboard_media::Frame) -> Result<(), wav::WavError> {
        self.0 += 1;
        if self.0 > 3 {
            return Err(wav::WavError::Io(std::io::Error::other("disk full")));
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> Result<(), wav::WavError> {
        Ok(())
    }
}

#[test]
fn a_failing_sink_stops_the_recording_and_says_so() {
    let mut mx = Mixer::new(MixerConfig::default());
    mx.add_member(MemberId(0), VoiceMode::Both, Codec::Pcmu)
        .unwrap();
    mx.start_recording(Box::new(FailingSink(0))).unwrap();
    for _ in 0..10 {
        mx.mix([(MemberId(0), None)]);
    }
    assert!(!mx.is_recording());
    assert!(matches!(
        mx.poll_event(),
        Some(MixerEvent::RecordingFailed { .. })
    ));
    assert!(mx.poll_event().is_none());
}
