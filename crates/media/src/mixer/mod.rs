//! The conversation mixer: applies the voice modes of SPEC §5 to one conversation,
//! one 20 ms frame per tick (GUIDE §4).
//!
//! Per tick, each member may supply its decoded frame. The frames of members the
//! conversation hears (modes 1 and 2) are added into an `i32` sum, together with any
//! prompt played to the whole conversation. Each member the conversation plays to
//! (modes 1 and 3) receives that sum minus its own contribution, saturated once to
//! `i16`; a member whose voice is not in the sum (mode 3, or a mode-1 member silent this
//! tick) receives the full mix, which is encoded once per codec and shared. Modes 2 and 4
//! receive nothing from the conversation.
//!
//! Decisions:
//! - **Hold music** (`hold_voice`): when exactly one member is played to (mode 1 or 3),
//!   the hold prompt is mixed into what that member receives. With everyone else in
//!   modes 2/4 that mix is empty, so the member hears the music alone; a mode-2 member
//!   still speaking is not cut off. Two or more listeners hear each other, not music. The
//!   prompt pauses while not needed and resumes where it stopped.
//! - **Play to a member** (ringback, `wait_voice`, `play_num`) is mixed over whatever the
//!   member receives from the conversation, so an announcement never mutes a party; put
//!   the member in mode 4 first to have it hear the prompt alone. It reaches the member
//!   whatever its mode.
//! - **Play to the conversation** is part of the mix: heard by everyone the conversation
//!   plays to, and recorded.
//! - **Recording** receives the full mix every tick.
//!
//! The tick does not allocate once the members are added. Its audio buffers (the sum,
//! the full mix, each member's input and delivery) live in a [`MixScratch`], not in the
//! mixer: a media worker mixing a thousand conversations hands every mixer the same
//! scratch ([`Mixer::mix_with`]), so the buffers a tick writes stay in the CPU's cache
//! instead of being a thousand conversations' worth of memory visited once per tick.
//! [`Mixer::mix`] uses a scratch of the mixer's own.

mod member;
mod output;
mod tick;

use std::collections::VecDeque;
use std::io::{Seek, Write};

pub use member::{DeliveryKind, InvalidMode, MemberId, PlayId, VoiceMode};
pub use output::{Delivery, MixOutput, MixScratch};

use crate::codec::Codec;
use crate::player::{Player, Prompt, Source};
use crate::wav::{WavError, WavWriter};
use crate::Frame;
use member::Member;

/// Bounds of one mixer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixerConfig {
    /// Members one conversation may hold.
    pub max_members: usize,
}

impl Default for MixerConfig {
    fn default() -> Self {
        Self { max_members: 1024 }
    }
}

/// Why a mixer command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MixerError {
    /// The member is already in the mix.
    #[error("member {id:?} is already in the mix")]
    DuplicateMember {
        /// The member.
        id: MemberId,
    },
    /// No such member.
    #[error("member {id:?} is not in the mix")]
    UnknownMember {
        /// The member.
        id: MemberId,
    },
    /// The mix is full.
    #[error("the mix already holds its limit of {limit} members")]
    TooManyMembers {
        /// The configured limit.
        limit: usize,
    },
    /// No playback with this id is running.
    #[error("no playback {id:?} is running")]
    UnknownPlay {
        /// The playback.
        id: PlayId,
    },
}

/// Who a playback was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayTarget {
    /// One member.
    Member(MemberId),
    /// Everyone the conversation plays to.
    Conversation,
}

/// Why a playback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayEnd {
    /// It played to the end.
    Finished,
    /// [`Mixer::stop_play`] stopped it.
    Stopped,
    /// Another playback to the same target replaced it.
    Replaced,
    /// Its member left the mix.
    MemberRemoved,
}

/// What the mixer reports, drained with [`Mixer::poll_event`].
#[derive(Debug)]
#[non_exhaustive]
pub enum MixerEvent {
    /// A playback ended.
    PlaybackDone {
        /// Which one.
        id: PlayId,
        /// For whom.
        target: PlayTarget,
        /// Why.
        reason: PlayEnd,
    },
    /// The recording sink failed; recording stopped.
    RecordingFailed {
        /// What the sink said.
        error: WavError,
    },
}

/// Where a recording goes, one frame of the full mix per tick.
pub trait FrameSink: std::fmt::Debug + Send {
    /// Appends one frame.
    fn write_frame(&mut self, frame: &Frame) -> Result<(), WavError>;
    /// Completes the recording (a WAV writer patches its header).
    fn finish(self: Box<Self>) -> Result<(), WavError>;
}

impl<W: Write + Seek + Send + std::fmt::Debug> FrameSink for WavWriter<W> {
    fn write_frame(&mut self, frame: &Frame) -> Result<(), WavError> {
        self.write(frame)
    }
    fn finish(self: Box<Self>) -> Result<(), WavError> {
        WavWriter::finish(*self).map(drop)
    }
}

/// The mixer of one conversation.
#[derive(Debug)]
pub struct Mixer {
    cfg: MixerConfig,
    /// Sorted by id, so lookups are binary searches and output order is stable.
    members: Vec<Member>,
    /// The scratch [`Mixer::mix`] uses; [`Mixer::mix_with`] brings its own.
    own: Option<Box<MixScratch>>,
    hold: Option<Player>,
    conversation_play: Option<(PlayId, Source)>,
    recorder: Option<Box<dyn FrameSink>>,
    events: VecDeque<MixerEvent>,
    ticks: u64,
}

impl Mixer {
    /// An empty mixer.
    pub fn new(cfg: MixerConfig) -> Self {
        Self {
            cfg,
            members: Vec::new(),
            own: None,
            hold: None,
            conversation_play: None,
            recorder: None,
            events: VecDeque::with_capacity(16),
            ticks: 0,
        }
    }

    /// Memory outside the mixer itself that its next tick touches: its members' state,
    /// as one address range for a caller that prefetches it. A hint only: the address
    /// must not be dereferenced.
    pub fn upcoming_memory(&self, mut visit: impl FnMut(*const u8, usize)) {
        visit(
            self.members.as_ptr().cast(),
            std::mem::size_of_val(self.members.as_slice()),
        );
    }

    fn index_of(&self, id: MemberId) -> Option<usize> {
        self.members.binary_search_by_key(&id, |m| m.id).ok()
    }

    fn member_mut(&mut self, id: MemberId) -> Result<&mut Member, MixerError> {
        let i = self.index_of(id).ok_or(MixerError::UnknownMember { id })?;
        Ok(&mut self.members[i])
    }

    /// Members in the mix.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the mix has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Ticks mixed so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// A member's current mode.
    pub fn mode(&self, id: MemberId) -> Option<VoiceMode> {
        self.index_of(id).map(|i| self.members[i].mode)
    }

    /// Adds a member.
    pub fn add_member(
        &mut self,
        id: MemberId,
        mode: VoiceMode,
        codec: Codec,
    ) -> Result<(), MixerError> {
        match self.members.binary_search_by_key(&id, |m| m.id) {
            Ok(_) => Err(MixerError::DuplicateMember { id }),
            Err(_) if self.members.len() >= self.cfg.max_members => {
                Err(MixerError::TooManyMembers {
                    limit: self.cfg.max_members,
                })
            }
            Err(at) => {
                self.members.insert(at, Member::new(id, mode, codec));
                Ok(())
            }
        }
    }

    /// Changes a member's mode (takes effect on the next tick).
    pub fn set_mode(&mut self, id: MemberId, mode: VoiceMode) -> Result<(), MixerError> {
        self.member_mut(id)?.mode = mode;
        Ok(())
    }

    /// Changes a member's codec (after a re-INVITE).
    pub fn set_codec(&mut self, id: MemberId, codec: Codec) -> Result<(), MixerError> {
        self.member_mut(id)?.codec = codec;
        Ok(())
    }

    /// Removes a member; a playback to it ends with [`PlayEnd::MemberRemoved`].
    pub fn remove_member(&mut self, id: MemberId) -> Result<(), MixerError> {
        let i = self.index_of(id).ok_or(MixerError::UnknownMember { id })?;
        let m = self.members.remove(i);
        if let Some((play, _)) = m.play {
            self.done(play, PlayTarget::Member(id), PlayEnd::MemberRemoved);
        }
        Ok(())
    }

    /// Sets (or clears) the conversation's hold prompt, looped to a lone listener.
    pub fn set_hold_prompt(&mut self, prompt: Option<Prompt>) {
        self.hold = prompt.map(Player::looped);
    }

    /// Plays `source` to one member, replacing any playback it had.
    pub fn play_to_member(
        &mut self,
        id: MemberId,
        play: PlayId,
        source: impl Into<Source>,
    ) -> Result<(), MixerError> {
        let m = self.member_mut(id)?;
        let old = m.play.replace((play, source.into()));
        if let Some((old, _)) = old {
            self.done(old, PlayTarget::Member(id), PlayEnd::Replaced);
        }
        Ok(())
    }

    /// Plays `source` to the whole conversation, replacing any such playback.
    pub fn play_to_all(&mut self, play: PlayId, source: impl Into<Source>) {
        if let Some((old, _)) = self.conversation_play.replace((play, source.into())) {
            self.done(old, PlayTarget::Conversation, PlayEnd::Replaced);
        }
    }

    /// Stops a playback, to a member or to the conversation.
    pub fn stop_play(&mut self, play: PlayId) -> Result<(), MixerError> {
        if self
            .conversation_play
            .as_ref()
            .is_some_and(|(p, _)| *p == play)
        {
            self.conversation_play = None;
            self.done(play, PlayTarget::Conversation, PlayEnd::Stopped);
            return Ok(());
        }
        let m = self
            .members
            .iter_mut()
            .find(|m| m.play.as_ref().is_some_and(|(p, _)| *p == play))
            .ok_or(MixerError::UnknownPlay { id: play })?;
        m.play = None;
        let id = m.id;
        self.done(play, PlayTarget::Member(id), PlayEnd::Stopped);
        Ok(())
    }

    /// Starts recording the full mix into `sink`; a recording already running is
    /// finished first (its outcome is returned).
    pub fn start_recording(&mut self, sink: Box<dyn FrameSink>) -> Result<(), WavError> {
        let previous = self.recorder.replace(sink);
        previous.map_or(Ok(()), |old| old.finish())
    }

    /// Stops recording and finishes the sink.
    pub fn stop_recording(&mut self) -> Result<(), WavError> {
        self.recorder.take().map_or(Ok(()), |r| r.finish())
    }

    /// Whether a recording is running.
    pub fn is_recording(&self) -> bool {
        self.recorder.is_some()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<MixerEvent> {
        self.events.pop_front()
    }

    fn done(&mut self, id: PlayId, target: PlayTarget, reason: PlayEnd) {
        self.events
            .push_back(MixerEvent::PlaybackDone { id, target, reason });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FRAME_SAMPLES;

    fn flat(v: i16) -> Frame {
        [v; FRAME_SAMPLES]
    }

    #[test]
    fn two_party_call_hears_each_other_not_themselves() {
        let mut mx = Mixer::new(MixerConfig::default());
        let (a, b) = (MemberId(1), MemberId(2));
        mx.add_member(a, VoiceMode::Both, Codec::Pcmu).unwrap();
        mx.add_member(b, VoiceMode::Both, Codec::Pcma).unwrap();
        let (fa, fb) = (flat(1000), flat(-2000));
        let out = mx.mix([(a, Some(&fa)), (b, Some(&fb))]);
        assert_eq!(out.pcm(a).unwrap()[0], -2000);
        assert_eq!(out.pcm(b).unwrap()[0], 1000);
        assert_eq!(out.full_mix()[0], -1000);
        assert_eq!(out.get(a).unwrap().kind, DeliveryKind::Own);
    }

    #[test]
    fn saturation_happens_once_after_subtraction() {
        let mut mx = Mixer::new(MixerConfig::default());
        for id in 1..=3 {
            mx.add_member(MemberId(id), VoiceMode::Both, Codec::Pcmu)
                .unwrap();
        }
        let loud = flat(30_000);
        let out = mx.mix([
            (MemberId(1), Some(&loud)),
            (MemberId(2), Some(&loud)),
            (MemberId(3), Some(&flat(-30_000))),
        ]);
        // Member 3 hears 60 000, clipped; member 1 hears 30 000 - 30 000 = 0 exactly.
        assert_eq!(out.pcm(MemberId(3)).unwrap()[0], i16::MAX);
        assert_eq!(out.pcm(MemberId(1)).unwrap()[0], 0);
    }

    #[test]
    fn commands_are_checked() {
        let mut mx = Mixer::new(MixerConfig { max_members: 1 });
        mx.add_member(MemberId(1), VoiceMode::Both, Codec::Pcmu)
            .unwrap();
        assert_eq!(
            mx.add_member(MemberId(1), VoiceMode::Both, Codec::Pcmu),
            Err(MixerError::DuplicateMember { id: MemberId(1) })
        );
        assert_eq!(
            mx.add_member(MemberId(2), VoiceMode::Both, Codec::Pcmu),
            Err(MixerError::TooManyMembers { limit: 1 })
        );
        assert_eq!(
            mx.set_mode(MemberId(9), VoiceMode::Neither),
            Err(MixerError::UnknownMember { id: MemberId(9) })
        );
        assert_eq!(
            mx.stop_play(PlayId(3)),
            Err(MixerError::UnknownPlay { id: PlayId(3) })
        );
        assert_eq!(
            mx.remove_member(MemberId(9)),
            Err(MixerError::UnknownMember { id: MemberId(9) })
        );
    }

    #[test]
    fn playback_events() {
        let mut mx = Mixer::new(MixerConfig::default());
        let a = MemberId(1);
        mx.add_member(a, VoiceMode::Neither, Codec::Pcmu).unwrap();
        let beep = Prompt::from_samples(vec![500i16; 320]);
        mx.play_to_member(a, PlayId(1), Player::once(beep.clone()))
            .unwrap();
        for _ in 0..2 {
            let out = mx.mix([(a, None)]);
            assert_eq!(
                out.pcm(a).unwrap()[0],
                500,
                "mode 4 still hears its own prompt"
            );
        }
        assert!(mx.poll_event().is_none());
        let out = mx.mix([(a, None)]);
        assert_eq!(out.get(a).unwrap().kind, DeliveryKind::Silence);
        assert!(matches!(
            mx.poll_event(),
            Some(MixerEvent::PlaybackDone {
                id: PlayId(1),
                target: PlayTarget::Member(MemberId(1)),
                reason: PlayEnd::Finished
            })
        ));
        mx.play_to_member(a, PlayId(2), Player::looped(beep.clone()))
            .unwrap();
        mx.play_to_member(a, PlayId(3), Player::looped(beep.clone()))
            .unwrap();
        mx.play_to_all(PlayId(4), Player::looped(beep));
        mx.stop_play(PlayId(4)).unwrap();
        mx.remove_member(a).unwrap();
        let reasons: Vec<_> = std::iter::from_fn(|| mx.poll_event())
            .map(|e| match e {
                MixerEvent::PlaybackDone { id, reason, .. } => (id.0, reason),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                (2, PlayEnd::Replaced),
                (4, PlayEnd::Stopped),
                (3, PlayEnd::MemberRemoved)
            ]
        );
    }
}
