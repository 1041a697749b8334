//! What the control plane tells a worker, and what a worker reports back.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sb_media::builtin::{self, PlayNumError};
use sb_media::codec::Codec;
use sb_media::dtmf::DtmfDigit;
use sb_media::jitter::JitterStats;
use sb_media::mixer::{FrameSink, PlayEnd, PlayId, VoiceMode};
use sb_media::player::{Player, Prompt, Repeat, Source};
use sb_media::rtcp::QualityStats;
use sb_media::tone::{Region, ToneGenerator, ToneKind};
use sb_media::wav::WavError;

/// One call leg's media endpoint, unique within a [`crate::MediaEngine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegId(pub u64);

/// One conversation (one mixer), unique within a [`crate::MediaEngine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConversationId(pub u64);

/// Which way media flows, from our side (the direction attribute of our SDP answer,
/// RFC 3264 §6.1): a phone that puts us on hold with `a=sendonly` gets `RecvOnly` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Both ways.
    #[default]
    SendRecv,
    /// We send, and ignore what arrives.
    SendOnly,
    /// We only receive.
    RecvOnly,
    /// Neither (RTCP still flows, RFC 3264 §5.1).
    Inactive,
}

impl Direction {
    /// Whether we send RTP.
    pub fn sends(self) -> bool {
        matches!(self, Self::SendRecv | Self::SendOnly)
    }
    /// Whether what arrives reaches the mixer.
    pub fn receives(self) -> bool {
        matches!(self, Self::SendRecv | Self::RecvOnly)
    }
}

/// What SDP negotiated for a leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegSpec {
    /// Where the peer's SDP says to send media (`c=` and `m=` port). An unspecified
    /// address (`c=0.0.0.0`, the RFC 2543 hold) means: send nothing.
    pub remote: SocketAddr,
    /// The audio codec.
    pub codec: Codec,
    /// The peer's telephone-event payload type, if it offered one.
    pub telephone_event_pt: Option<u8>,
    /// Our media direction.
    pub direction: Direction,
}

/// Which party a leg carries; it decides the leg's audio processing (feature `apm`: noise
/// suppression and voice-activity detection on agent legs, as
/// `sb_media::apm::ApmPolicy::default` says; without the feature, nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegRole {
    /// An agent's extension.
    Agent,
    /// A customer or another outside party.
    Outside,
}

/// Something to play.
#[derive(Debug, Clone)]
pub enum PlaySource {
    /// A prompt (a WAV file loaded by the control plane, or a built-in one).
    Prompt(Prompt),
    /// A call-progress tone.
    Tone(Region, ToneKind),
    /// `play_num`: `pre`, then the digits of `num`, then `post` (SPEC §8).
    Number {
        /// `pre_num_voice`.
        pre: Option<Prompt>,
        /// The agent's number, digits only.
        num: String,
        /// `post_num_voice`.
        post: Option<Prompt>,
    },
}

/// How often a [`PlaySource`] plays (tones follow their own cadence and ignore this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// This many times (at least once).
    Count(u32),
    /// Until stopped (`wait_voice`, hold music).
    Loop,
}

impl PlaySource {
    /// The playable source; fails only for a `num` that is not all digits.
    pub fn into_source(self, times: Times) -> Result<Source, PlayNumError> {
        let repeat = match times {
            Times::Count(n) => Repeat::Times(n.max(1)),
            Times::Loop => Repeat::Forever,
        };
        Ok(match self {
            Self::Prompt(p) => Player::sequence(vec![p], repeat).into(),
            Self::Tone(region, kind) => ToneGenerator::new(region, kind).into(),
            Self::Number { pre, num, post } => {
                // Validate with the media core, then repeat the same sequence.
                builtin::play_num(pre.clone(), &num, post.clone())?;
                let mut items: Vec<Prompt> = pre.into_iter().collect();
                items.extend(num.bytes().filter_map(|b| builtin::digit(b - b'0')));
                items.extend(post);
                Player::sequence(items, repeat).into()
            }
        })
    }
}

/// A leg in transit between workers (its socket and media state travel with it).
#[derive(Debug)]
pub(crate) struct MovingLeg(pub Box<crate::worker::leg::LegSlot>);

/// A command to one worker. Sent by [`crate::MediaEngine`]; the worker applies it at the
/// start of its next tick.
#[derive(Debug)]
pub(crate) enum Command {
    /// Adopt a leg whose socket the engine bound.
    CreateLeg {
        /// The new leg.
        leg: LegId,
        /// Its bound, non-blocking socket.
        socket: std::net::UdpSocket,
        /// What SDP negotiated.
        spec: LegSpec,
    },
    /// The leg's party changed (decides its audio processing).
    SetRole {
        /// The leg.
        leg: LegId,
        /// Its party.
        role: LegRole,
    },
    /// A re-INVITE changed the leg's SDP.
    UpdateLeg {
        /// The leg.
        leg: LegId,
        /// The new negotiation.
        spec: LegSpec,
    },
    /// Close the leg and free its port.
    DestroyLeg {
        /// The leg.
        leg: LegId,
    },
    /// Start an empty conversation.
    CreateConversation {
        /// The new conversation.
        conversation: ConversationId,
    },
    /// End a conversation (its members stay, in no conversation).
    DestroyConversation {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Put a leg in a conversation.
    AddMember {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Its voice mode.
        mode: VoiceMode,
    },
    /// Take a leg out of a conversation.
    RemoveMember {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// Change a member's voice mode.
    SetMode {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Its new mode.
        mode: VoiceMode,
    },
    /// Set or clear the conversation's `hold_voice`.
    SetHoldPrompt {
        /// The conversation.
        conversation: ConversationId,
        /// The prompt, looped to a lone listener.
        prompt: Option<Prompt>,
    },
    /// Play to one leg, in a conversation or not (mixed over what it receives).
    PlayToLeg {
        /// The leg.
        leg: LegId,
        /// The playback's id, reported in [`Event::PlaybackDone`].
        play: PlayId,
        /// What to play, ready to run.
        source: Box<Source>,
    },
    /// Play to everyone the conversation plays to (and into its recording).
    PlayToConversation {
        /// The conversation.
        conversation: ConversationId,
        /// The playback's id.
        play: PlayId,
        /// What to play, ready to run.
        source: Box<Source>,
    },
    /// Stop a playback wherever it runs.
    StopPlay {
        /// The playback.
        play: PlayId,
    },
    /// Record the conversation's full mix into `sink` (a writer thread's channel).
    StartRecording {
        /// The conversation.
        conversation: ConversationId,
        /// Where frames go.
        sink: Box<dyn FrameSink>,
    },
    /// Stop recording.
    StopRecording {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Send digits as RFC 4733 events.
    SendDigits {
        /// The leg.
        leg: LegId,
        /// The keys, `0-9*#A-D`.
        digits: String,
    },
    /// A leg is on its way from another worker: hold commands for it until it arrives.
    ExpectLeg {
        /// The leg.
        leg: LegId,
    },
    /// Hand a leg over to another worker (to join a conversation that lives there).
    MoveLeg {
        /// The leg.
        leg: LegId,
        /// The receiving worker's command channel.
        to: std::sync::mpsc::SyncSender<Command>,
    },
    /// Take over a leg from another worker.
    AdoptLeg(MovingLeg),
}

impl Command {
    /// The leg a command is about, for holding commands to a leg in transit.
    pub(crate) fn leg(&self) -> Option<LegId> {
        match self {
            Self::UpdateLeg { leg, .. }
            | Self::DestroyLeg { leg }
            | Self::AddMember { leg, .. }
            | Self::RemoveMember { leg, .. }
            | Self::SetMode { leg, .. }
            | Self::PlayToLeg { leg, .. }
            | Self::SendDigits { leg, .. } => Some(*leg),
            _ => None,
        }
    }
}

/// Why a worker could not apply a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// No such leg on this worker.
    #[error("leg {leg:?} does not exist on this worker")]
    UnknownLeg {
        /// The leg named.
        leg: LegId,
    },
    /// No such conversation on this worker.
    #[error("conversation {conversation:?} does not exist on this worker")]
    UnknownConversation {
        /// The conversation named.
        conversation: ConversationId,
    },
    /// The id is already taken.
    #[error("conversation {conversation:?} already exists")]
    DuplicateConversation {
        /// The conversation named.
        conversation: ConversationId,
    },
    /// The mixer refused (duplicate or missing member, full mix, unknown playback).
    #[error(transparent)]
    Mixer(#[from] sb_media::mixer::MixerError),
    /// The receiving worker's channel was full or closed: the leg stayed where it was.
    #[error("leg {leg:?} could not be handed to another worker")]
    MoveFailed {
        /// The leg.
        leg: LegId,
    },
    /// The audio processing library refused to start for the leg.
    #[error("leg {leg:?}: audio processing could not start")]
    ProcessingUnavailable {
        /// The leg.
        leg: LegId,
    },
    /// The leg has no telephone-event payload type to send digits with.
    #[error("leg {leg:?} negotiated no telephone-event payload type")]
    NoTelephoneEvent {
        /// The leg.
        leg: LegId,
    },
}

/// What a worker reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A key pressed on a leg's phone (RFC 4733, or in-band).
    Digit {
        /// The leg.
        leg: LegId,
        /// The key and how long it was held.
        digit: DtmfDigit,
    },
    /// A leg's party started or stopped talking (voice-activity detection; feature `apm`,
    /// on legs whose role the policy processes).
    Talking {
        /// The leg.
        leg: LegId,
        /// `true` when talking starts, `false` when it stops.
        talking: bool,
    },
    /// A playback ended.
    PlaybackDone {
        /// The playback.
        play: PlayId,
        /// Why.
        reason: PlayEnd,
    },
    /// Media now goes where the peer's RTP comes from (symmetric RTP, RFC 4961).
    Latched {
        /// The leg.
        leg: LegId,
        /// The learnt address.
        addr: SocketAddr,
    },
    /// No RTP arrived for the configured time: the call is likely dead.
    RtpTimeout {
        /// The leg.
        leg: LegId,
        /// How long it has been silent.
        silent_for: Duration,
    },
    /// The peer's RTCP said BYE.
    PeerBye {
        /// The leg.
        leg: LegId,
    },
    /// A leg was destroyed: its reception quality for the call record.
    LegClosed {
        /// The leg.
        leg: LegId,
        /// RTCP receiver statistics (None if no RTP ever arrived).
        quality: Option<QualityStats>,
        /// The jitter buffer's counters.
        jitter: JitterStats,
    },
    /// A recording file is complete.
    RecordingFinished {
        /// The conversation.
        conversation: ConversationId,
        /// The file.
        path: PathBuf,
        /// Samples written (8 kHz).
        samples: u64,
    },
    /// A recording failed; what was written so far may be unreadable.
    RecordingFailed {
        /// The conversation.
        conversation: ConversationId,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: WavError,
    },
    /// A command could not be applied.
    CommandFailed {
        /// Why.
        error: WorkerError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_media::FRAME_SAMPLES;

    fn frames(mut s: Source) -> usize {
        let mut f = [0i16; FRAME_SAMPLES];
        let mut n = 0;
        while s.next_frame(&mut f) && n < 10_000 {
            n += 1;
        }
        n
    }

    #[test]
    fn a_number_plays_each_digit_and_repeats() {
        let beep = builtin::beep();
        let once = PlaySource::Number {
            pre: Some(beep.clone()),
            num: "12".into(),
            post: None,
        };
        let twice = PlaySource::Number {
            pre: Some(beep),
            num: "12".into(),
            post: None,
        };
        let one = frames(once.into_source(Times::Count(1)).unwrap());
        let two = frames(twice.into_source(Times::Count(2)).unwrap());
        assert!(one > 12, "a beep and two digits: {one} frames");
        assert!((2 * one).abs_diff(two) <= 2, "{one} vs {two}");
    }

    #[test]
    fn a_number_with_a_letter_is_refused() {
        let bad = PlaySource::Number {
            pre: None,
            num: "1a".into(),
            post: None,
        };
        assert_eq!(
            bad.into_source(Times::Count(1)).unwrap_err(),
            PlayNumError::NotADigit {
                index: 1,
                found: 'a'
            }
        );
    }

    #[test]
    fn directions() {
        assert!(Direction::SendRecv.sends() && Direction::SendRecv.receives());
        assert!(Direction::SendOnly.sends() && !Direction::SendOnly.receives());
        assert!(!Direction::RecvOnly.sends() && Direction::RecvOnly.receives());
        assert!(!Direction::Inactive.sends() && !Direction::Inactive.receives());
    }
}
