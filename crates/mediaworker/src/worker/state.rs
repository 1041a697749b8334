//! A worker's legs and conversations, and how commands change them. Applied at the start
//! of a tick, on the worker's own thread, so the tick never waits on a lock.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use sb_media::mixer::{MemberId, MixScratch, Mixer, MixerConfig, MixerEvent, PlayEnd, VoiceMode};

use super::ids::IdMap;
use super::leg::{leg_config, LegSlot};
use super::order::{Conversations, Legs, TickOrder};
use super::WorkerStats;
use crate::command::{Command, ConversationId, Event, LegId, MovingLeg, WorkerError};
use crate::ports::PortPool;

/// One conversation on a worker.
#[derive(Debug)]
pub(crate) struct Conversation {
    pub mixer: Mixer,
    /// Members in id order, the order the mixer looks inputs up fastest.
    pub members: Vec<LegId>,
}

/// Everything one worker owns.
#[derive(Debug)]
pub(crate) struct WorkerState {
    pub legs: Legs,
    pub conversations: Conversations,
    /// Commands for legs on their way from another worker, replayed on arrival.
    pub expected: IdMap<LegId, Vec<Command>>,
    pub rng: StdRng,
    pub events: SyncSender<Event>,
    pub ports: Arc<Mutex<PortPool>>,
    pub stats: Arc<WorkerStats>,
    pub rtp_timeout: Duration,
    /// The order the tick visits legs and conversations in.
    pub order: TickOrder,
    /// The buffers every conversation's mix uses in turn.
    pub scratch: MixScratch,
    /// Watches the ports of legs with a connected socket, for datagrams from others.
    pub poller: Option<crate::sys::Poller>,
    /// Ticks run, to take turns at reading sockets dry.
    pub ticks: u64,
}

pub(crate) fn member(leg: LegId) -> MemberId {
    MemberId(leg.0)
}

impl WorkerState {
    /// Reports an event without ever blocking the tick: a full channel drops it (counted).
    pub fn emit(&self, event: Event) {
        if self.events.try_send(event).is_err() {
            self.stats.dropped_events.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Applies one command; failures are reported as [`Event::CommandFailed`].
    pub fn handle(&mut self, now: Instant, cmd: Command) {
        // Most commands change legs or memberships; the rest are too rare to single out.
        self.order.mark_stale();
        if let Some(leg) = cmd.leg().filter(|l| self.expected.contains_key(l)) {
            if let Some(queue) = self.expected.get_mut(&leg) {
                queue.push(cmd);
            }
            return;
        }
        if let Err(error) = self.apply(now, cmd) {
            self.emit(Event::CommandFailed { error });
        }
    }

    fn leg_mut(&mut self, leg: LegId) -> Result<&mut LegSlot, WorkerError> {
        self.legs
            .get_mut(&leg)
            .ok_or(WorkerError::UnknownLeg { leg })
    }

    fn conversation_mut(&mut self, c: ConversationId) -> Result<&mut Conversation, WorkerError> {
        self.conversations
            .get_mut(&c)
            .ok_or(WorkerError::UnknownConversation { conversation: c })
    }

    fn apply(&mut self, now: Instant, cmd: Command) -> Result<(), WorkerError> {
        match cmd {
            Command::CreateLeg { leg, socket, spec } => {
                let slot = LegSlot::new(now, leg, socket, spec, &mut self.rng);
                self.legs.insert(leg, slot);
            }
            Command::UpdateLeg { leg, spec } => self.update_leg(now, leg, spec)?,
            Command::SetRole { leg, role } => self
                .legs
                .get_mut(&leg)
                .ok_or(WorkerError::UnknownLeg { leg })?
                .set_role(role)?,
            Command::DestroyLeg { leg } => self.destroy_leg(leg)?,
            Command::CreateConversation { conversation } => {
                if self.conversations.contains_key(&conversation) {
                    return Err(WorkerError::DuplicateConversation { conversation });
                }
                let conv = Conversation {
                    mixer: Mixer::new(MixerConfig::default()),
                    members: Vec::new(),
                };
                self.conversations.insert(conversation, conv);
            }
            Command::DestroyConversation { conversation } => {
                let mut conv = self
                    .conversations
                    .remove(&conversation)
                    .ok_or(WorkerError::UnknownConversation { conversation })?;
                for leg in &conv.members {
                    if let Some(slot) = self.legs.get_mut(leg) {
                        slot.conversations.retain(|c| *c != conversation);
                    }
                }
                // Finishing the sink closes the writer thread's channel: it completes the file.
                let _ = conv.mixer.stop_recording();
                self.drain_mixer_events(&mut conv.mixer);
            }
            Command::AddMember {
                conversation,
                leg,
                mode,
            } => self.add_member(conversation, leg, mode)?,
            Command::RemoveMember { conversation, leg } => {
                self.remove_member(conversation, leg)?;
            }
            Command::SetMode {
                conversation,
                leg,
                mode,
            } => self
                .conversation_mut(conversation)?
                .mixer
                .set_mode(member(leg), mode)?,
            Command::SetHoldPrompt {
                conversation,
                prompt,
            } => self
                .conversation_mut(conversation)?
                .mixer
                .set_hold_prompt(prompt),
            Command::PlayToLeg { leg, play, source } => {
                let slot = self.leg_mut(leg)?;
                if let Some((old, _)) = slot.play.replace((play, *source)) {
                    self.emit(Event::PlaybackDone {
                        play: old,
                        reason: PlayEnd::Replaced,
                    });
                }
            }
            Command::PlayToConversation {
                conversation,
                play,
                source,
            } => {
                let conv = self.conversation_mut(conversation)?;
                conv.mixer.play_to_all(play, *source);
                self.drain_events_of(conversation);
            }
            Command::StopPlay { play } => self.stop_play(play)?,
            Command::StartRecording { conversation, sink } => {
                let conv = self.conversation_mut(conversation)?;
                // The previous sink (if any) only closes its channel: it cannot fail.
                let _ = conv.mixer.start_recording(sink);
            }
            Command::StopRecording { conversation } => {
                let _ = self.conversation_mut(conversation)?.mixer.stop_recording();
            }
            Command::SendDigits { leg, digits } => {
                if self.leg_mut(leg)?.media.send_digits(&digits) == 0 && !digits.is_empty() {
                    return Err(WorkerError::NoTelephoneEvent { leg });
                }
            }
            Command::ExpectLeg { leg } => {
                self.expected.entry(leg).or_default();
            }
            Command::MoveLeg { leg, to } => self.move_leg(leg, &to)?,
            Command::AdoptLeg(moving) => self.adopt(now, moving),
        }
        Ok(())
    }

    fn update_leg(
        &mut self,
        now: Instant,
        leg: LegId,
        spec: crate::command::LegSpec,
    ) -> Result<(), WorkerError> {
        let slot = self
            .legs
            .get_mut(&leg)
            .ok_or(WorkerError::UnknownLeg { leg })?;
        let renegotiated = slot.spec.remote != spec.remote
            || slot.spec.codec != spec.codec
            || slot.spec.telephone_event_pt != spec.telephone_event_pt;
        if renegotiated {
            // The media core's leg is configured once: a new address, codec or event
            // payload type starts a new RTP stream (new SSRC, RFC 3550 §8.2 allows it)
            // and latching starts over from the new SDP address.
            let cname = format!("leg-{}@switchboard", leg.0);
            slot.media =
                sb_media::leg::MediaLeg::new(now, leg_config(&spec, &cname), &mut self.rng);
        }
        let codec_changed = slot.spec.codec != spec.codec;
        slot.spec = spec;
        let codec = slot.codec();
        if codec_changed {
            for c in slot.conversations.clone() {
                if let Some(conv) = self.conversations.get_mut(&c) {
                    conv.mixer.set_codec(member(leg), codec)?;
                }
            }
        }
        Ok(())
    }

    /// Takes a leg out of every conversation and this worker's map.
    fn detach(&mut self, leg: LegId) -> Result<LegSlot, WorkerError> {
        let mut slot = self
            .legs
            .remove(&leg)
            .ok_or(WorkerError::UnknownLeg { leg })?;
        // Another worker watches with its own poller: it connects the leg afresh.
        if let Some(poller) = &self.poller {
            slot.path.leave(&slot.socket, poller);
        }
        for c in std::mem::take(&mut slot.conversations) {
            if let Some(conv) = self.conversations.get_mut(&c) {
                conv.members.retain(|l| *l != leg);
                let _ = conv.mixer.remove_member(member(leg));
            }
            self.drain_events_of(c);
        }
        Ok(slot)
    }

    fn destroy_leg(&mut self, leg: LegId) -> Result<(), WorkerError> {
        let mut slot = self.detach(leg)?;
        if let Some((play, _)) = slot.play.take() {
            self.emit(Event::PlaybackDone {
                play,
                reason: PlayEnd::MemberRemoved,
            });
        }
        let closed = Event::LegClosed {
            leg,
            quality: slot.media.quality(),
            jitter: slot.media.jitter_stats(),
        };
        let port = slot.port;
        // Close the socket before the port can be handed out again.
        drop(slot);
        {
            // A poisoned pool only means another thread panicked mid-update; the pool's
            // own state is a queue that stays consistent, so keep using it.
            let mut pool = self.ports.lock().unwrap_or_else(|p| p.into_inner());
            pool.release(port);
        }
        // Report the close only once the port is back in the pool, so a caller that
        // reacts to the event can already reuse it.
        self.emit(closed);
        Ok(())
    }

    fn add_member(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), WorkerError> {
        let codec = self
            .legs
            .get(&leg)
            .ok_or(WorkerError::UnknownLeg { leg })?
            .codec();
        let conv = self.conversation_mut(conversation)?;
        conv.mixer.add_member(member(leg), mode, codec)?;
        if let Err(at) = conv.members.binary_search(&leg) {
            conv.members.insert(at, leg);
        }
        if let Some(slot) = self.legs.get_mut(&leg) {
            slot.conversations.push(conversation);
        }
        Ok(())
    }

    fn remove_member(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Result<(), WorkerError> {
        let conv = self.conversation_mut(conversation)?;
        conv.mixer.remove_member(member(leg))?;
        conv.members.retain(|l| *l != leg);
        if let Some(slot) = self.legs.get_mut(&leg) {
            slot.conversations.retain(|c| *c != conversation);
        }
        self.drain_events_of(conversation);
        Ok(())
    }

    fn stop_play(&mut self, play: sb_media::mixer::PlayId) -> Result<(), WorkerError> {
        let playing = self
            .legs
            .values_mut()
            .find(|s| s.play.as_ref().is_some_and(|(p, _)| *p == play));
        if let Some(slot) = playing {
            slot.play = None;
            self.emit(Event::PlaybackDone {
                play,
                reason: PlayEnd::Stopped,
            });
            return Ok(());
        }
        let found = self
            .conversations
            .iter_mut()
            .find_map(|(c, conv)| conv.mixer.stop_play(play).ok().map(|()| *c));
        match found {
            Some(c) => {
                self.drain_events_of(c);
                Ok(())
            }
            None => Err(WorkerError::Mixer(
                sb_media::mixer::MixerError::UnknownPlay { id: play },
            )),
        }
    }

    fn move_leg(&mut self, leg: LegId, to: &SyncSender<Command>) -> Result<(), WorkerError> {
        let slot = self.detach(leg)?;
        match to.try_send(Command::AdoptLeg(MovingLeg(Box::new(slot)))) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(Command::AdoptLeg(back)))
            | Err(TrySendError::Disconnected(Command::AdoptLeg(back))) => {
                // Keep the leg rather than lose its socket; the engine hears why.
                self.legs.insert(leg, *back.0);
                Err(WorkerError::MoveFailed { leg })
            }
            Err(_) => Err(WorkerError::MoveFailed { leg }),
        }
    }

    fn adopt(&mut self, now: Instant, moving: MovingLeg) {
        let slot = *moving.0;
        let leg = slot.id;
        self.legs.insert(leg, slot);
        for cmd in self.expected.remove(&leg).unwrap_or_default() {
            self.handle(now, cmd);
        }
    }

    /// Forwards a conversation's mixer events.
    pub fn drain_events_of(&mut self, c: ConversationId) {
        if let Some(conv) = self.conversations.get_mut(&c) {
            forward_mixer_events(&self.events, &self.stats, &mut conv.mixer);
        }
    }

    fn drain_mixer_events(&self, mixer: &mut Mixer) {
        forward_mixer_events(&self.events, &self.stats, mixer);
    }
}

/// Turns a mixer's events into worker events.
pub(crate) fn forward_mixer_events(
    events: &SyncSender<Event>,
    stats: &WorkerStats,
    mixer: &mut Mixer,
) {
    while let Some(ev) = mixer.poll_event() {
        let out = match ev {
            MixerEvent::PlaybackDone { id, reason, .. } => Event::PlaybackDone { play: id, reason },
            // Recording sinks here hand frames to a writer thread and never fail; the
            // writer thread reports file errors itself.
            _ => continue,
        };
        if events.try_send(out).is_err() {
            stats.dropped_events.fetch_add(1, Ordering::Relaxed);
        }
    }
}
