//! What one tick of the mixer produced, borrowed from the mixer until the next tick.

use super::member::{DeliveryKind, Member, MemberId};
#[cfg(doc)]
use super::Mixer;
use crate::codec::Codec;
use crate::{Frame, FRAME_SAMPLES, SILENCE};

static SILENCE_ENC: [[u8; FRAME_SAMPLES]; 2] = [[0xFF; FRAME_SAMPLES], [0xD5; FRAME_SAMPLES]];

/// One member's audio for this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery<'a> {
    /// The member.
    pub member: MemberId,
    /// Silence, the shared full mix, or a mix of its own.
    pub kind: DeliveryKind,
    /// The member's codec.
    pub codec: Codec,
    /// Linear audio (for recorders, APM, tests).
    pub pcm: &'a Frame,
    /// The encoded RTP payload. For shared deliveries this is the same buffer for every
    /// member with the same codec: encoded once.
    pub payload: &'a [u8; FRAME_SAMPLES],
}

/// The working memory of one tick of a mix: the sum, the full mix, the shared encodes and
/// each member's input and delivery. Only the tick's result lives here, so one scratch
/// serves any number of mixers, one after another ([`Mixer::mix_with`]); it grows to the
/// largest conversation it has mixed and never shrinks.
#[derive(Debug)]
pub struct MixScratch {
    pub(super) sum: [i32; FRAME_SAMPLES],
    pub(super) full: Frame,
    pub(super) shared_enc: [[u8; FRAME_SAMPLES]; 2],
    pub(super) shared_ready: [bool; 2],
    /// A prompt's frame on its way into the mix.
    pub(super) prompt: Frame,
    /// By member position in the mixer.
    pub(super) members: Vec<MemberAudio>,
}

impl Default for MixScratch {
    fn default() -> Self {
        Self {
            sum: [0; FRAME_SAMPLES],
            full: SILENCE,
            shared_enc: [[0; FRAME_SAMPLES]; 2],
            shared_ready: [false; 2],
            prompt: SILENCE,
            members: Vec::new(),
        }
    }
}

impl MixScratch {
    /// Room for `n` members' audio.
    pub(super) fn fit(&mut self, n: usize) {
        if self.members.len() < n {
            self.members.resize_with(n, MemberAudio::default);
        }
    }
}

/// One member's audio in one tick.
#[derive(Debug, Clone)]
pub(super) struct MemberAudio {
    pub(super) input: Frame,
    pub(super) out: Frame,
    pub(super) enc: [u8; FRAME_SAMPLES],
}

impl Default for MemberAudio {
    fn default() -> Self {
        Self {
            input: SILENCE,
            out: SILENCE,
            enc: [0; FRAME_SAMPLES],
        }
    }
}

/// The result of [`Mixer::mix`] or [`Mixer::mix_with`]: every member's delivery for
/// this tick.
#[derive(Debug, Clone, Copy)]
pub struct MixOutput<'a> {
    pub(super) members: &'a [Member],
    pub(super) scratch: &'a MixScratch,
}

impl<'a> MixOutput<'a> {
    fn delivery_at(&self, i: usize) -> Delivery<'a> {
        let s = self.scratch;
        let m = &self.members[i];
        let c = m.codec.index();
        let (pcm, payload) = match m.kind {
            DeliveryKind::Silence => (&SILENCE, &SILENCE_ENC[c]),
            DeliveryKind::Shared => (&s.full, &s.shared_enc[c]),
            DeliveryKind::Own => (&s.members[i].out, &s.members[i].enc),
        };
        Delivery {
            member: m.id,
            kind: m.kind,
            codec: m.codec,
            pcm,
            payload,
        }
    }

    /// Every member's delivery, in member-id order.
    pub fn iter(&self) -> impl Iterator<Item = Delivery<'a>> + '_ {
        (0..self.members.len()).map(|i| self.delivery_at(i))
    }

    /// One member's delivery.
    pub fn get(&self, id: MemberId) -> Option<Delivery<'a>> {
        self.members
            .binary_search_by_key(&id, |m| m.id)
            .ok()
            .map(|i| self.delivery_at(i))
    }

    /// One member's linear audio.
    pub fn pcm(&self, id: MemberId) -> Option<&'a Frame> {
        self.get(id).map(|d| d.pcm)
    }

    /// One member's encoded payload.
    pub fn payload(&self, id: MemberId) -> Option<&'a [u8; FRAME_SAMPLES]> {
        self.get(id).map(|d| d.payload)
    }

    /// The conversation's full mix (every heard member and conversation-wide prompts):
    /// what a mode-3 listener hears and what recordings contain.
    pub fn full_mix(&self) -> &'a Frame {
        &self.scratch.full
    }
}
