//! One tick of the mixer: gather inputs, sum what the conversation hears, record, and
//! build each member's delivery, all in a [`MixScratch`].

use super::member::{DeliveryKind, MemberId};
use super::{MixOutput, MixScratch, Mixer, MixerEvent, PlayEnd, PlayTarget};
use crate::{Frame, FRAME_SAMPLES, SILENCE};

#[inline]
fn saturate(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// `out = saturate(out + over)` sample by sample.
fn mix_into(out: &mut Frame, over: &Frame) {
    for (o, &s) in out.iter_mut().zip(over) {
        *o = saturate(i32::from(*o) + i32::from(s));
    }
}

impl Mixer {
    /// Mixes one 20 ms tick. `inputs` holds each member's decoded frame, or `None` when
    /// it sent nothing usable this tick; members not listed count as `None`, and unknown
    /// ids are ignored (a member may have just left). Inputs in member-id order are
    /// found without searching.
    ///
    /// The tick's buffers are the mixer's own; a caller mixing many conversations in
    /// turn saves memory traffic with [`Mixer::mix_with`].
    pub fn mix<'i>(
        &mut self,
        inputs: impl IntoIterator<Item = (MemberId, Option<&'i Frame>)>,
    ) -> MixOutput<'_> {
        let mut own = self.own.take().unwrap_or_default();
        self.run(&mut own, inputs);
        let scratch = &**self.own.insert(own);
        MixOutput {
            members: &self.members,
            scratch,
        }
    }

    /// [`Mixer::mix`] with the tick's buffers in `scratch`, which the result borrows
    /// until it is used for another tick of this or any other mixer.
    pub fn mix_with<'s, 'i>(
        &'s mut self,
        scratch: &'s mut MixScratch,
        inputs: impl IntoIterator<Item = (MemberId, Option<&'i Frame>)>,
    ) -> MixOutput<'s> {
        self.run(scratch, inputs);
        MixOutput {
            members: &self.members,
            scratch,
        }
    }

    fn run<'i>(
        &mut self,
        s: &mut MixScratch,
        inputs: impl IntoIterator<Item = (MemberId, Option<&'i Frame>)>,
    ) {
        self.ticks += 1;
        s.fit(self.members.len());
        self.take_inputs(s, inputs);
        self.sum_heard(s);
        self.record(s);
        s.shared_ready = [false; 2];
        // Hold music only when exactly one member is played to (SPEC §5).
        let listeners = self.members.iter().filter(|m| m.mode.plays_to()).count();
        let mut hold_frame = None;
        if listeners == 1 {
            if let Some(hold) = self.hold.as_mut() {
                hold.next_frame(&mut s.prompt);
                hold_frame = Some(s.prompt);
            }
        }
        for i in 0..self.members.len() {
            self.deliver(s, i, hold_frame.as_ref());
        }
    }

    fn take_inputs<'i>(
        &mut self,
        s: &mut MixScratch,
        inputs: impl IntoIterator<Item = (MemberId, Option<&'i Frame>)>,
    ) {
        for m in &mut self.members {
            m.has_input = false;
        }
        let mut cursor = 0;
        for (id, frame) in inputs {
            let Some(frame) = frame else { continue };
            let i = match self.members.get(cursor) {
                Some(m) if m.id == id => cursor,
                _ => match self.index_of(id) {
                    Some(i) => i,
                    None => continue,
                },
            };
            cursor = i + 1;
            let m = &mut self.members[i];
            // Only heard members' audio is needed: mode 3/4 input is never mixed.
            if m.mode.hears() {
                s.members[i].input = *frame;
                m.has_input = true;
            }
        }
    }

    /// The i32 sum of heard members and the conversation-wide playback, and its
    /// saturated full mix.
    fn sum_heard(&mut self, s: &mut MixScratch) {
        s.sum = [0; FRAME_SAMPLES];
        for (m, audio) in self.members.iter().zip(&s.members) {
            if m.in_sum() {
                for (acc, &x) in s.sum.iter_mut().zip(&audio.input) {
                    *acc += i32::from(x);
                }
            }
        }
        if let Some((id, source)) = self.conversation_play.as_mut() {
            if source.next_frame(&mut s.prompt) {
                for (acc, &x) in s.sum.iter_mut().zip(&s.prompt) {
                    *acc += i32::from(x);
                }
            } else {
                let id = *id;
                self.conversation_play = None;
                self.done(id, PlayTarget::Conversation, PlayEnd::Finished);
            }
        }
        for (o, &x) in s.full.iter_mut().zip(&s.sum) {
            *o = saturate(x);
        }
    }

    fn record(&mut self, s: &MixScratch) {
        let Some(rec) = self.recorder.as_mut() else {
            return;
        };
        if let Err(error) = rec.write_frame(&s.full) {
            self.recorder = None;
            self.events.push_back(MixerEvent::RecordingFailed { error });
        }
    }

    /// Decides and builds what member `i` receives this tick.
    fn deliver(&mut self, s: &mut MixScratch, i: usize, hold: Option<&Frame>) {
        let base = self.base_delivery(s, i);
        let mut overlay = SILENCE;
        let mut has_overlay = false;
        if let Some(h) = hold.filter(|_| self.members[i].mode.plays_to()) {
            overlay = *h;
            has_overlay = true;
        }
        has_overlay |= self.member_playback(i, &mut overlay);
        let m = &mut self.members[i];
        let audio = &mut s.members[i];
        let kind = if has_overlay {
            match base {
                DeliveryKind::Silence => audio.out = overlay,
                DeliveryKind::Shared => {
                    audio.out = s.full;
                    mix_into(&mut audio.out, &overlay);
                }
                DeliveryKind::Own => mix_into(&mut audio.out, &overlay),
            }
            DeliveryKind::Own
        } else {
            base
        };
        m.kind = kind;
        match kind {
            DeliveryKind::Own => m.codec.encode_frame(&audio.out, &mut audio.enc),
            DeliveryKind::Shared => {
                // Encoded once per codec per tick, then shared.
                let c = m.codec.index();
                if !s.shared_ready[c] {
                    m.codec.encode_frame(&s.full, &mut s.shared_enc[c]);
                    s.shared_ready[c] = true;
                }
            }
            DeliveryKind::Silence => {}
        }
    }

    /// What member `i` gets from the conversation itself (SPEC §5), before prompts.
    fn base_delivery(&self, s: &mut MixScratch, i: usize) -> DeliveryKind {
        let m = &self.members[i];
        if !m.mode.plays_to() {
            DeliveryKind::Silence
        } else if m.in_sum() {
            // The mix minus the member's own voice, saturated once.
            let audio = &mut s.members[i];
            for ((o, &x), &own) in audio.out.iter_mut().zip(&s.sum).zip(&audio.input) {
                *o = saturate(x - i32::from(own));
            }
            DeliveryKind::Own
        } else {
            DeliveryKind::Shared
        }
    }

    /// Mixes member `i`'s own playback into `overlay`; reports the playback's end.
    fn member_playback(&mut self, i: usize, overlay: &mut Frame) -> bool {
        let m = &mut self.members[i];
        let Some((id, source)) = m.play.as_mut() else {
            return false;
        };
        let mut f = SILENCE;
        if source.next_frame(&mut f) {
            mix_into(overlay, &f);
            return true;
        }
        let (id, member) = (*id, m.id);
        m.play = None;
        self.events.push_back(MixerEvent::PlaybackDone {
            id,
            target: PlayTarget::Member(member),
            reason: PlayEnd::Finished,
        });
        false
    }
}
