//! The calls layer's view of the media plane: the few operations a call leg needs, as a
//! trait, so the synchronous core can be driven in tests without sockets or threads.
//!
//! [`sb_mediaworker::MediaEngine`] implements it for real; every method is a
//! non-blocking command to a worker thread (a full channel is an error, never a wait),
//! which is what lets the SIP endpoint call it inline.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use std::path::Path;

use sb_media::mixer::{PlayId, VoiceMode};
use sb_media::player::Prompt;
use sb_media::tone::{Region, ToneKind};
use sb_mediaworker::{ConversationId, EngineError, LegId, LegSpec, MediaEngine, PlaySource, Times};

/// What the calls layer asks of the media plane.
pub trait MediaPlane: Send + Sync + std::fmt::Debug + 'static {
    /// A new RTP endpoint; `spec.remote` may be unspecified until the peer's SDP arrives.
    fn create_leg(&self, spec: LegSpec) -> Result<(LegId, SocketAddr), EngineError>;
    /// New negotiated parameters (a re-INVITE, or the answer to our offer).
    fn update_leg(&self, leg: LegId, spec: LegSpec) -> Result<(), EngineError>;
    /// Closes an endpoint.
    fn destroy_leg(&self, leg: LegId) -> Result<(), EngineError>;
    /// Joins two legs both ways in a new two-member conversation (mode 1 each).
    fn bridge(&self, a: LegId, b: LegId) -> Result<ConversationId, EngineError>;
    /// Ends a conversation; its legs stay.
    fn unbridge(&self, conversation: ConversationId) -> Result<(), EngineError>;
    /// A new empty conversation, on the media worker that runs `near` when given.
    fn create_conversation(&self, near: Option<LegId>) -> Result<ConversationId, EngineError>;
    /// Adds a leg to a conversation in `mode`.
    fn add_member(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError>;
    /// Takes a leg out of a conversation.
    fn remove_member(&self, conversation: ConversationId, leg: LegId) -> Result<(), EngineError>;
    /// Changes a member's voice mode (SPEC §5).
    fn set_mode(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError>;
    /// Sets the conversation's `hold_voice`, played to a member that is the only one
    /// hearing it.
    fn set_hold_prompt(
        &self,
        conversation: ConversationId,
        prompt: Option<Prompt>,
    ) -> Result<(), EngineError>;
    /// Records the conversation's mix into a WAV file until it ends.
    fn record_conversation(
        &self,
        conversation: ConversationId,
        path: &Path,
    ) -> Result<(), EngineError>;
    /// Plays a call-progress tone to one leg until stopped.
    fn play_tone(&self, leg: LegId, region: Region, kind: ToneKind) -> Result<PlayId, EngineError>;
    /// Stops a playback.
    fn stop_play(&self, play: PlayId) -> Result<(), EngineError>;
    /// Plays a prompt once to one leg.
    fn play_prompt(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError>;
    /// Plays a prompt to one leg over and over until stopped.
    fn play_loop(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError>;
    /// Plays `pre`, the digits of `num` (built-in digit prompts), then `post` once.
    fn play_number(
        &self,
        leg: LegId,
        pre: Option<Prompt>,
        num: &str,
        post: Option<Prompt>,
    ) -> Result<PlayId, EngineError>;
    /// Sends digits to the leg's peer as RFC 4733 events.
    fn send_digits(&self, leg: LegId, digits: &str) -> Result<(), EngineError>;
    /// Records what one leg says into a WAV file: the leg joins a conversation of its own,
    /// which is recorded (the media plane records conversations).
    fn record_leg(&self, leg: LegId, path: &Path) -> Result<ConversationId, EngineError>;
    /// Stops a recording of [`MediaPlane::record_leg`] and ends its conversation; the
    /// media plane reports the finished file.
    fn stop_recording(&self, conversation: ConversationId) -> Result<(), EngineError>;
    /// The local address media to `peer` leaves from: what our SDP must advertise when the
    /// RTP sockets are bound to the unspecified address.
    fn address_toward(&self, peer: IpAddr) -> IpAddr;
}

impl MediaPlane for MediaEngine {
    fn create_leg(&self, spec: LegSpec) -> Result<(LegId, SocketAddr), EngineError> {
        MediaEngine::create_leg(self, spec).map(|info| (info.leg, info.local))
    }

    fn update_leg(&self, leg: LegId, spec: LegSpec) -> Result<(), EngineError> {
        MediaEngine::update_leg(self, leg, spec)
    }

    fn destroy_leg(&self, leg: LegId) -> Result<(), EngineError> {
        MediaEngine::destroy_leg(self, leg)
    }

    fn bridge(&self, a: LegId, b: LegId) -> Result<ConversationId, EngineError> {
        let conversation = self.create_conversation()?;
        let joined = self
            .add_member(conversation, a, VoiceMode::Both)
            .and_then(|()| self.add_member(conversation, b, VoiceMode::Both));
        if let Err(error) = joined {
            let _ = self.destroy_conversation(conversation);
            return Err(error);
        }
        Ok(conversation)
    }

    fn unbridge(&self, conversation: ConversationId) -> Result<(), EngineError> {
        self.destroy_conversation(conversation)
    }

    fn create_conversation(&self, near: Option<LegId>) -> Result<ConversationId, EngineError> {
        match near {
            Some(leg) => self.create_conversation_near(leg),
            None => MediaEngine::create_conversation(self),
        }
    }

    fn add_member(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        MediaEngine::add_member(self, conversation, leg, mode)
    }

    fn remove_member(&self, conversation: ConversationId, leg: LegId) -> Result<(), EngineError> {
        MediaEngine::remove_member(self, conversation, leg)
    }

    fn set_mode(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        MediaEngine::set_mode(self, conversation, leg, mode)
    }

    fn set_hold_prompt(
        &self,
        conversation: ConversationId,
        prompt: Option<Prompt>,
    ) -> Result<(), EngineError> {
        MediaEngine::set_hold_prompt(self, conversation, prompt)
    }

    fn record_conversation(
        &self,
        conversation: ConversationId,
        path: &Path,
    ) -> Result<(), EngineError> {
        self.start_recording(conversation, path)
    }

    fn play_tone(&self, leg: LegId, region: Region, kind: ToneKind) -> Result<PlayId, EngineError> {
        self.play_to_leg(leg, PlaySource::Tone(region, kind), Times::Loop)
    }

    fn stop_play(&self, play: PlayId) -> Result<(), EngineError> {
        MediaEngine::stop_play(self, play)
    }

    fn play_prompt(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError> {
        self.play_to_leg(leg, PlaySource::Prompt(prompt), Times::Count(1))
    }

    fn play_loop(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError> {
        self.play_to_leg(leg, PlaySource::Prompt(prompt), Times::Loop)
    }

    fn play_number(
        &self,
        leg: LegId,
        pre: Option<Prompt>,
        num: &str,
        post: Option<Prompt>,
    ) -> Result<PlayId, EngineError> {
        let num = num.to_owned();
        self.play_to_leg(leg, PlaySource::Number { pre, num, post }, Times::Count(1))
    }

    fn send_digits(&self, leg: LegId, digits: &str) -> Result<(), EngineError> {
        MediaEngine::send_digits(self, leg, digits)
    }

    fn record_leg(&self, leg: LegId, path: &Path) -> Result<ConversationId, EngineError> {
        let conversation = self.create_conversation()?;
        let started = self
            .add_member(conversation, leg, VoiceMode::HeardOnly)
            .and_then(|()| self.start_recording(conversation, path));
        if let Err(error) = started {
            let _ = self.destroy_conversation(conversation);
            return Err(error);
        }
        Ok(conversation)
    }

    fn stop_recording(&self, conversation: ConversationId) -> Result<(), EngineError> {
        MediaEngine::stop_recording(self, conversation)?;
        self.destroy_conversation(conversation)
    }

    fn address_toward(&self, peer: IpAddr) -> IpAddr {
        source_address_toward(peer)
    }
}

/// The address the kernel would send from to reach `peer`: a connected UDP socket learns
/// it from the routing table without sending a packet. Loopback when that fails.
pub fn source_address_toward(peer: IpAddr) -> IpAddr {
    let (any, fallback): (IpAddr, IpAddr) = match peer {
        IpAddr::V4(_) => ([0, 0, 0, 0].into(), [127, 0, 0, 1].into()),
        IpAddr::V6(_) => (
            std::net::Ipv6Addr::UNSPECIFIED.into(),
            std::net::Ipv6Addr::LOCALHOST.into(),
        ),
    };
    UdpSocket::bind((any, 0))
        .and_then(|s| s.connect((peer, 9)).map(|()| s))
        .and_then(|s| s.local_addr())
        .map_or(fallback, |a| a.ip())
}

/// An in-memory media plane for deterministic tests and simulations: it hands out
/// loopback ports, remembers every leg's last spec and which legs are bridged, and sends
/// no packets.
#[derive(Debug, Default)]
pub struct FakeMedia {
    state: std::sync::Mutex<FakeState>,
}

#[derive(Debug, Default)]
struct FakeState {
    next: u64,
    legs: std::collections::BTreeMap<LegId, LegSpec>,
    bridges: std::collections::BTreeMap<ConversationId, (LegId, LegId)>,
    conversations: std::collections::BTreeMap<ConversationId, FakeConversation>,
    played: Vec<LegId>,
    digits: Vec<(LegId, String)>,
}

/// A conversation of [`FakeMedia`]: its members' modes, its hold prompt, its recording.
#[derive(Debug, Default, Clone)]
pub struct FakeConversation {
    /// Members and their modes.
    pub members: std::collections::BTreeMap<LegId, VoiceMode>,
    /// Its `hold_voice`, if one is set.
    pub hold_prompt: Option<Prompt>,
    /// Where it is recorded, if it is.
    pub recording: Option<std::path::PathBuf>,
}

impl FakeMedia {
    /// An empty plane.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Legs alive now, with their last spec.
    pub fn legs(&self) -> Vec<(LegId, LegSpec)> {
        self.state()
            .legs
            .iter()
            .map(|(l, s)| (*l, s.clone()))
            .collect()
    }

    /// Pairs of legs bridged now.
    pub fn bridges(&self) -> Vec<(LegId, LegId)> {
        self.state().bridges.values().copied().collect()
    }

    /// Conversations made with [`MediaPlane::create_conversation`], alive now.
    pub fn conversations(&self) -> Vec<(ConversationId, FakeConversation)> {
        self.state()
            .conversations
            .iter()
            .map(|(c, f)| (*c, f.clone()))
            .collect()
    }

    /// Whether `listener` hears `speaker` through some conversation: the listener is
    /// played to (mode 1 or 3) where the speaker is heard (mode 1 or 2), or they are bridged.
    pub fn hears(&self, listener: LegId, speaker: LegId) -> bool {
        let s = self.state();
        let bridged = s
            .bridges
            .values()
            .any(|(a, b)| (*a, *b) == (listener, speaker) || (*b, *a) == (listener, speaker));
        bridged
            || s.conversations.values().any(|c| {
                let played = matches!(
                    c.members.get(&listener),
                    Some(VoiceMode::Both | VoiceMode::PlayedOnly)
                );
                let heard = matches!(
                    c.members.get(&speaker),
                    Some(VoiceMode::Both | VoiceMode::HeardOnly)
                );
                listener != speaker && played && heard
            })
    }

    /// Legs prompts were played to, in order.
    pub fn played(&self) -> Vec<LegId> {
        self.state().played.clone()
    }

    /// Digits sent, in order.
    pub fn digits(&self) -> Vec<(LegId, String)> {
        self.state().digits.clone()
    }

    /// The leg whose RTP port is `port`.
    pub fn leg_on_port(&self, port: u16) -> Option<LegId> {
        let leg = LegId(u64::from(port));
        self.state().legs.contains_key(&leg).then_some(leg)
    }
}

impl MediaPlane for FakeMedia {
    fn create_leg(&self, spec: LegSpec) -> Result<(LegId, SocketAddr), EngineError> {
        let mut s = self.state();
        s.next += 2;
        let port = u16::try_from(20_000 + s.next).unwrap_or(u16::MAX);
        let leg = LegId(u64::from(port));
        s.legs.insert(leg, spec);
        Ok((leg, SocketAddr::from(([127, 0, 0, 1], port))))
    }

    fn update_leg(&self, leg: LegId, spec: LegSpec) -> Result<(), EngineError> {
        match self.state().legs.get_mut(&leg) {
            Some(s) => {
                *s = spec;
                Ok(())
            }
            None => Err(EngineError::UnknownLeg { leg }),
        }
    }

    fn destroy_leg(&self, leg: LegId) -> Result<(), EngineError> {
        let mut s = self.state();
        s.bridges.retain(|_, (a, b)| *a != leg && *b != leg);
        for c in s.conversations.values_mut() {
            c.members.remove(&leg);
        }
        s.legs
            .remove(&leg)
            .map(|_| ())
            .ok_or(EngineError::UnknownLeg { leg })
    }

    fn bridge(&self, a: LegId, b: LegId) -> Result<ConversationId, EngineError> {
        let mut s = self.state();
        for leg in [a, b] {
            if !s.legs.contains_key(&leg) {
                return Err(EngineError::UnknownLeg { leg });
            }
        }
        s.next += 1;
        let conversation = ConversationId(s.next);
        s.bridges.insert(conversation, (a, b));
        Ok(conversation)
    }

    fn unbridge(&self, conversation: ConversationId) -> Result<(), EngineError> {
        let mut s = self.state();
        let bridged = s.bridges.remove(&conversation).is_some();
        let made = s.conversations.remove(&conversation).is_some();
        if bridged || made {
            Ok(())
        } else {
            Err(EngineError::UnknownConversation { conversation })
        }
    }

    fn create_conversation(&self, _: Option<LegId>) -> Result<ConversationId, EngineError> {
        let mut s = self.state();
        s.next += 1;
        let conversation = ConversationId(s.next);
        s.conversations
            .insert(conversation, FakeConversation::default());
        Ok(conversation)
    }

    fn add_member(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        let mut s = self.state();
        if !s.legs.contains_key(&leg) {
            return Err(EngineError::UnknownLeg { leg });
        }
        fake_conversation(&mut s, conversation)?
            .members
            .insert(leg, mode);
        Ok(())
    }

    fn remove_member(&self, conversation: ConversationId, leg: LegId) -> Result<(), EngineError> {
        fake_conversation(&mut self.state(), conversation)?
            .members
            .remove(&leg);
        Ok(())
    }

    fn set_mode(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        let mut s = self.state();
        match fake_conversation(&mut s, conversation)?
            .members
            .get_mut(&leg)
        {
            Some(m) => {
                *m = mode;
                Ok(())
            }
            None => Err(EngineError::UnknownLeg { leg }),
        }
    }

    fn set_hold_prompt(
        &self,
        conversation: ConversationId,
        prompt: Option<Prompt>,
    ) -> Result<(), EngineError> {
        fake_conversation(&mut self.state(), conversation)?.hold_prompt = prompt;
        Ok(())
    }

    fn record_conversation(
        &self,
        conversation: ConversationId,
        path: &Path,
    ) -> Result<(), EngineError> {
        fake_conversation(&mut self.state(), conversation)?.recording = Some(path.to_path_buf());
        Ok(())
    }

    fn play_tone(&self, leg: LegId, _: Region, _: ToneKind) -> Result<PlayId, EngineError> {
        if !self.state().legs.contains_key(&leg) {
            return Err(EngineError::UnknownLeg { leg });
        }
        Ok(PlayId(leg.0))
    }

    fn stop_play(&self, _: PlayId) -> Result<(), EngineError> {
        Ok(())
    }

    fn play_prompt(&self, leg: LegId, _: Prompt) -> Result<PlayId, EngineError> {
        let mut s = self.state();
        if !s.legs.contains_key(&leg) {
            return Err(EngineError::UnknownLeg { leg });
        }
        s.next += 1;
        s.played.push(leg);
        Ok(PlayId(s.next))
    }

    fn play_loop(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError> {
        self.play_prompt(leg, prompt)
    }

    fn play_number(
        &self,
        leg: LegId,
        _: Option<Prompt>,
        _: &str,
        _: Option<Prompt>,
    ) -> Result<PlayId, EngineError> {
        self.play_prompt(leg, sb_media::builtin::beep())
    }

    fn send_digits(&self, leg: LegId, digits: &str) -> Result<(), EngineError> {
        let mut s = self.state();
        if !s.legs.contains_key(&leg) {
            return Err(EngineError::UnknownLeg { leg });
        }
        s.digits.push((leg, digits.to_owned()));
        Ok(())
    }

    fn record_leg(&self, leg: LegId, _: &Path) -> Result<ConversationId, EngineError> {
        let mut s = self.state();
        if !s.legs.contains_key(&leg) {
            return Err(EngineError::UnknownLeg { leg });
        }
        s.next += 1;
        Ok(ConversationId(s.next))
    }

    fn stop_recording(&self, _: ConversationId) -> Result<(), EngineError> {
        Ok(())
    }

    fn address_toward(&self, _: IpAddr) -> IpAddr {
        IpAddr::from([127, 0, 0, 1])
    }
}

fn fake_conversation(
    s: &mut FakeState,
    conversation: ConversationId,
) -> Result<&mut FakeConversation, EngineError> {
    s.conversations
        .get_mut(&conversation)
        .ok_or(EngineError::UnknownConversation { conversation })
}
