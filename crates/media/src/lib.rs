//! Switchboard's media core: G.711, RTP/RTCP, RFC 4733 DTMF, an adaptive jitter buffer,
//! call-progress tones, WAV prompts and the conversation mixer that applies the voice
//! modes of SPEC §5, one 20 ms frame (160 samples at 8 kHz) at a time. [`leg::MediaLeg`]
//! puts the per-leg pieces together (demux, latching, statistics, DTMF, jitter buffer,
//! RTCP timer) between a leg's socket and its [`mixer::Mixer`].
//!
//! **Invariant**: this crate never touches sockets, threads or the clock. Time arrives as
//! an argument (`now: Instant`, or Unix milliseconds for wall-clock stamps), randomness as
//! a seeded RNG or a value, and bytes as slices. The same inputs give the same outputs,
//! so every behaviour here is tested with a hand-advanced clock. The media worker in the
//! engine owns the sockets and the 20 ms tick and calls into these state machines.
//!
//! ```
//! use switchboard_media::codec::Codec;
//! use switchboard_media::mixer::{Mixer, MixerConfig, MemberId, VoiceMode};
//! use switchboard_media::tone::{Region, ToneGenerator, ToneKind};
//!
//! let mut mixer = Mixer::new(MixerConfig::default());
//! let (agent, caller) = (MemberId(1), MemberId(2));
//! mixer.add_member(agent, VoiceMode::Both, Codec::Pcma).unwrap();
//! mixer.add_member(caller, VoiceMode::Both, Codec::Pcmu).unwrap();
//!
//! // The caller speaks (a tone stands in for a voice); the agent hears it, the caller does not.
//! let mut voice = ToneGenerator::new(Region::Eu, ToneKind::Dial);
//! let mut frame = [0i16; 160];
//! voice.next_frame(&mut frame);
//! let out = mixer.mix([(agent, None), (caller, Some(&frame))]);
//! assert!(out.pcm(agent).unwrap().iter().any(|&s| s != 0));
//! assert!(out.pcm(caller).unwrap().iter().all(|&s| s == 0));
//! assert_eq!(out.payload(agent).unwrap().len(), 160);
//! ```

pub mod builtin;
pub mod codec;
pub mod dtmf;
pub mod goertzel;
pub mod jitter;
pub mod latch;
pub mod leg;
pub mod mixer;
pub mod player;
pub mod rtcp;
pub mod rtp;
pub mod tone;
pub mod wav;

#[cfg(feature = "apm")]
pub mod apm;

/// Samples per second on every leg inside the media core.
pub const SAMPLE_RATE: u32 = 8_000;
/// Samples in one 20 ms frame at 8 kHz: the unit of the mixer's tick.
pub const FRAME_SAMPLES: usize = 160;
/// Duration of one frame in milliseconds.
pub const FRAME_MS: u32 = 20;

/// One 20 ms frame of 16-bit linear PCM at 8 kHz.
pub type Frame = [i16; FRAME_SAMPLES];

/// A frame of digital silence.
pub const SILENCE: Frame = [0; FRAME_SAMPLES];

#[cfg(test)]
mod tests {
    /// The media worker owns mixers, legs and buffers on its own OS thread.
    #[test]
    fn state_machines_can_move_to_the_media_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<crate::mixer::Mixer>();
        assert_send::<crate::leg::MediaLeg>();
        assert_send::<crate::jitter::JitterBuffer>();
        assert_send::<crate::player::Source>();
    }
}
