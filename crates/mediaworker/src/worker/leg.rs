//! One leg inside a worker: its socket, its sans-IO [`MediaLeg`], what it plays on its
//! own, and the audio the conversations hand it this tick.

use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use rand::Rng;
use sb_media::codec::Codec;
use sb_media::leg::{LegConfig, MediaLeg};
use sb_media::mixer::{Delivery, DeliveryKind, PlayId};
use sb_media::player::Source;
use sb_media::{Frame, FRAME_SAMPLES, SILENCE};

use super::peer::PeerPath;
use crate::command::{ConversationId, LegId, LegSpec};

/// What the conversations gave the leg this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outgoing {
    /// Nothing: send silence.
    Silent,
    /// One conversation's delivery, already encoded in the leg's codec.
    Encoded,
    /// Several sources added together: encode `pcm`.
    Mixed,
}

/// A leg owned by a worker.
#[derive(Debug)]
pub(crate) struct LegSlot {
    pub id: LegId,
    /// The socket bound to the leg's port: everything not from the peer arrives here.
    pub socket: UdpSocket,
    /// The socket connected to the peer, when the leg has one.
    pub path: PeerPath,
    pub port: u16,
    pub media: MediaLeg,
    pub spec: LegSpec,
    /// Whether the leg's media has a frame for the mixers this tick
    /// ([`LegSlot::input`]).
    pub has_input: bool,
    /// Conversations the leg is a member of.
    pub conversations: Vec<ConversationId>,
    /// A playback to this leg alone (IVR prompts, ringback, `play_num`).
    pub play: Option<(PlayId, Source)>,
    /// When the last datagram arrived (or the leg was created).
    pub last_rx: Instant,
    /// Whether the RTP timeout was reported for the current silence.
    pub timed_out: bool,
    /// Audio processing of the leg's incoming audio, when its role asks for it.
    #[cfg(feature = "apm")]
    pub apm: Option<sb_media::apm::LegProcessor>,
    /// A talking change seen this tick, to report.
    pub talk: Option<bool>,
    out: Outgoing,
    /// Audio added up from several sources; boxed, since most legs never need it.
    pcm: Box<Frame>,
    enc: [u8; FRAME_SAMPLES],
}

impl LegSlot {
    /// Starts or stops processing the leg's audio for its role.
    #[cfg(feature = "apm")]
    pub fn set_role(
        &mut self,
        role: crate::command::LegRole,
    ) -> Result<(), crate::command::WorkerError> {
        use sb_media::apm::{ApmPolicy, LegKind, LegProcessor};
        let policy = ApmPolicy::default();
        let kind = match role {
            crate::command::LegRole::Agent => LegKind::Agent,
            _ => LegKind::Outside,
        };
        self.apm = if policy.applies_to(kind) {
            let p = LegProcessor::new(policy)
                .map_err(|_| crate::command::WorkerError::ProcessingUnavailable { leg: self.id })?;
            Some(p)
        } else {
            None
        };
        Ok(())
    }

    /// Without the `apm` feature no leg is processed, whatever its role.
    #[cfg(not(feature = "apm"))]
    pub fn set_role(
        &mut self,
        _role: crate::command::LegRole,
    ) -> Result<(), crate::command::WorkerError> {
        Ok(())
    }

    /// Runs the leg's audio processing on this tick's incoming frame, noting talking changes.
    #[cfg(feature = "apm")]
    pub fn process(&mut self) {
        use sb_media::apm::TalkEvent;
        if let (Some(p), Some(frame)) = (self.apm.as_mut(), self.media.frame_mut()) {
            match p.process(frame) {
                Ok(Some(TalkEvent::Started)) => self.talk = Some(true),
                Ok(Some(TalkEvent::Stopped)) => self.talk = Some(false),
                // A frame the library refused plays out unprocessed.
                Ok(None) | Err(_) => {}
            }
        }
    }
}

/// The media core's leg configuration for `spec`.
pub(crate) fn leg_config(spec: &LegSpec, cname: &str) -> LegConfig {
    LegConfig {
        codec: spec.codec,
        telephone_event_pt: spec.telephone_event_pt,
        remote: spec.remote,
        jitter: Default::default(),
        dtmf_policy: Default::default(),
        inband_dtmf: spec.telephone_event_pt.is_none(),
        cname: cname.to_owned(),
    }
}

impl LegSlot {
    pub fn new(
        now: Instant,
        id: LegId,
        socket: UdpSocket,
        spec: LegSpec,
        rng: &mut impl Rng,
    ) -> Self {
        let port = socket.local_addr().map_or(0, |a| a.port());
        let media = MediaLeg::new(now, leg_config(&spec, &cname(id)), rng);
        Self {
            id,
            socket,
            path: PeerPath::default(),
            port,
            media,
            spec,
            has_input: false,
            conversations: Vec::new(),
            play: None,
            last_rx: now,
            timed_out: false,
            #[cfg(feature = "apm")]
            apm: None,
            talk: None,
            out: Outgoing::Silent,
            pcm: Box::new(SILENCE),
            enc: [0; FRAME_SAMPLES],
        }
    }

    /// This tick's frame for the mixers: None when nothing plays out or the leg does not
    /// receive.
    pub fn input(&self) -> Option<&Frame> {
        self.media.frame().filter(|_| self.has_input)
    }

    /// Where RTP goes now, or None while the peer asked for nothing (`c=0.0.0.0`).
    pub fn destination(&self) -> Option<SocketAddr> {
        let d = self.media.destination();
        (!d.ip().is_unspecified() && d.port() != 0).then_some(d)
    }

    /// Adds one conversation's delivery to what the leg sends this tick. The linear
    /// audio is kept only when more may be added to it: the leg is in several
    /// conversations or has a playback of its own. Otherwise the payload alone is copied.
    pub fn take_delivery(&mut self, d: &Delivery<'_>) {
        if d.kind == DeliveryKind::Silence {
            return;
        }
        match self.out {
            Outgoing::Silent if d.codec == self.spec.codec => {
                if self.conversations.len() > 1 || self.play.is_some() {
                    *self.pcm = *d.pcm;
                }
                self.enc = *d.payload;
                self.out = Outgoing::Encoded;
            }
            Outgoing::Silent => {
                *self.pcm = *d.pcm;
                self.out = Outgoing::Mixed;
            }
            Outgoing::Encoded | Outgoing::Mixed => {
                add_saturating(&mut self.pcm, d.pcm);
                self.out = Outgoing::Mixed;
            }
        }
    }

    /// This tick's payload: the conversations' audio with the leg's own playback mixed
    /// over it. Returns the playback that just finished, if any. Resets for the next tick.
    pub fn compose(&mut self) -> (&[u8; FRAME_SAMPLES], Option<PlayId>) {
        let mut finished = None;
        if let Some((id, source)) = self.play.as_mut() {
            let mut frame = SILENCE;
            if source.next_frame(&mut frame) {
                if self.out == Outgoing::Silent {
                    *self.pcm = frame;
                } else {
                    add_saturating(&mut self.pcm, &frame);
                }
                self.out = Outgoing::Mixed;
            } else {
                finished = Some(*id);
                self.play = None;
            }
        }
        match std::mem::replace(&mut self.out, Outgoing::Silent) {
            Outgoing::Silent => self.enc = [self.spec.codec.silence_byte(); FRAME_SAMPLES],
            Outgoing::Encoded => {}
            Outgoing::Mixed => self.spec.codec.encode_frame(&self.pcm, &mut self.enc),
        }
        (&self.enc, finished)
    }

    /// The codec the leg now uses.
    pub fn codec(&self) -> Codec {
        self.spec.codec
    }
}

fn cname(id: LegId) -> String {
    format!("leg-{}@switchboard", id.0)
}

fn add_saturating(into: &mut Frame, over: &Frame) {
    for (o, &s) in into.iter_mut().zip(over) {
        *o = o.saturating_add(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Direction;
    use rand::SeedableRng;
    use sb_media::mixer::{Mixer, MixerConfig, VoiceMode};
    use sb_media::tone::{Region, ToneGenerator, ToneKind};

    fn slot(codec: Codec) -> LegSlot {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let spec = LegSpec {
            remote: "127.0.0.1:9".parse().unwrap(),
            codec,
            telephone_event_pt: Some(101),
            direction: Direction::SendRecv,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        LegSlot::new(crate::clock::now(), LegId(1), socket, spec, &mut rng)
    }

    #[test]
    fn alone_a_leg_sends_its_codecs_silence() {
        let mut s = slot(Codec::Pcma);
        let (enc, done) = s.compose();
        assert!(enc.iter().all(|&b| b == Codec::Pcma.silence_byte()));
        assert_eq!(done, None);
    }

    #[test]
    fn a_playback_runs_to_its_end_and_reports_once() {
        let mut s = slot(Codec::Pcmu);
        let beep = ToneGenerator::new(Region::Eu, ToneKind::Beep);
        s.play = Some((PlayId(9), beep.into()));
        let mut done = Vec::new();
        let mut loud = 0;
        for _ in 0..100 {
            let (enc, d) = s.compose();
            if enc.iter().any(|&b| b != Codec::Pcmu.silence_byte()) {
                loud += 1;
            }
            done.extend(d);
        }
        assert_eq!(done, [PlayId(9)]);
        assert!(loud > 5, "the beep was sent ({loud} frames)");
    }

    #[test]
    fn one_conversation_sends_the_mixers_encode_as_is() {
        let mut s = slot(Codec::Pcmu);
        s.conversations = vec![ConversationId(1)];
        let mut a = Mixer::new(MixerConfig::default());
        let (m, other) = (sb_media::mixer::MemberId(1), sb_media::mixer::MemberId(2));
        a.add_member(m, VoiceMode::Both, Codec::Pcmu).unwrap();
        a.add_member(other, VoiceMode::Both, Codec::Pcmu).unwrap();
        let voice = [1000i16; FRAME_SAMPLES];
        let out = a.mix([(other, Some(&voice))]);
        let d = out.get(m).unwrap();
        s.take_delivery(&d);
        assert_eq!(s.out, Outgoing::Encoded);
        let (enc, _) = s.compose();
        assert_eq!(enc, d.payload);
        assert_eq!(s.pcm[0], 0, "the linear audio was not needed");
    }

    #[test]
    fn two_conversations_add_up() {
        let mut s = slot(Codec::Pcmu);
        s.conversations = vec![ConversationId(1), ConversationId(2)];
        let mut a = Mixer::new(MixerConfig::default());
        let m = sb_media::mixer::MemberId(1);
        let other = sb_media::mixer::MemberId(2);
        a.add_member(m, VoiceMode::Both, Codec::Pcmu).unwrap();
        a.add_member(other, VoiceMode::Both, Codec::Pcmu).unwrap();
        let voice = [1000i16; FRAME_SAMPLES];
        let out = a.mix([(other, Some(&voice))]);
        s.take_delivery(&out.get(m).unwrap());
        s.take_delivery(&out.get(m).unwrap());
        assert_eq!(s.out, Outgoing::Mixed);
        assert_eq!(s.pcm[0], 2000);
    }
}
