//! What one tick of the mixer produced, borrowed from the mixer until the next tick.

use super::member::{DeliveryKind, MemberId};
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

/// The result of [`Mixer::mix`]: every member's delivery for this tick.
#[derive(Debug, Clone, Copy)]
pub struct MixOutput<'a> {
    pub(super) mixer: &'a Mixer,
}

impl<'a> MixOutput<'a> {
    fn delivery_at(&self, i: usize) -> Delivery<'a> {
        let mixer = self.mixer;
        let m = &mixer.members[i];
        let c = m.codec.index();
        let (pcm, payload) = match m.kind {
            DeliveryKind::Silence => (&SILENCE, &SILENCE_ENC[c]),
            DeliveryKind::Shared => (&mixer.full, &mixer.shared_enc[c]),
            DeliveryKind::Own => (&m.out, &m.enc),
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
        (0..self.mixer.members.len()).map(|i| self.delivery_at(i))
    }

    /// One member's delivery.
    pub fn get(&self, id: MemberId) -> Option<Delivery<'a>> {
        self.mixer.index_of(id).map(|i| self.delivery_at(i))
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
        &self.mixer.full
    }
}
