//! One tick of a worker: receive, mix, send.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;

use sb_media::leg::LegEvent;
use sb_media::mixer::PlayEnd;

use super::leg::LegSlot;
use super::order::Step;
use super::state::{forward_mixer_events, member, WorkerState};
use super::table::Pos;
use super::WorkerStats;
use crate::command::{Event, LegId};
use crate::sys::{self, RecvBatch, BATCH, DATAGRAM_MAX};

/// Buffers reused by every tick, so the steady-state tick does not allocate.
#[derive(Debug)]
pub(crate) struct TickIo {
    batch: RecvBatch,
    rtp: [u8; DATAGRAM_MAX],
    rtcp: [u8; DATAGRAM_MAX],
}

impl Default for TickIo {
    fn default() -> Self {
        Self {
            batch: RecvBatch::default(),
            rtp: [0; DATAGRAM_MAX],
            rtcp: [0; DATAGRAM_MAX],
        }
    }
}

impl WorkerState {
    /// Runs one tick at `now` (`unix_ms`: the wall clock, for RTCP sender reports),
    /// group of linked legs by group of linked legs (see [`super::order`]).
    pub(crate) fn tick(&mut self, io: &mut TickIo, now: Instant, unix_ms: u64) {
        let mut counts = Counts::default();
        let plan = self.order.take(&self.legs, &self.conversations);
        for (k, step) in plan.steps.iter().enumerate() {
            self.prefetch(plan.steps.get(k + 1), plan.steps.get(k + 2));
            match *step {
                Step::Receive(p) => {
                    if let Some(slot) = self.legs.at_mut(p) {
                        receive(slot, &mut io.batch, now, &mut counts);
                        leg_events(slot, &self.events, &self.stats);
                    }
                }
                Step::Mix { conv, from, to } => self.mix(conv, plan.members_of(from, to)),
                Step::Send(p) => {
                    if let Some(slot) = self.legs.at_mut(p) {
                        send(
                            slot,
                            io,
                            now,
                            unix_ms,
                            &mut counts,
                            &self.events,
                            &self.stats,
                        );
                        check_timeout(slot, now, self.rtp_timeout, &self.events, &self.stats);
                    }
                }
            }
        }
        self.order.restore(plan);
        counts.publish(&self.stats);
        self.stats
            .legs
            .store(self.legs.len() as u64, Ordering::Relaxed);
        self.stats
            .conversations
            .store(self.conversations.len() as u64, Ordering::Relaxed);
    }

    /// Starts loading what the next steps work on while this one makes its system
    /// calls: a thousand legs' state does not stay in cache from one tick to the next.
    /// The step after next gets its leg or conversation itself; the next step, whose
    /// own state is on its way, the memory that state points to.
    fn prefetch(&self, next: Option<&Step>, after: Option<&Step>) {
        match after {
            Some(Step::Receive(p)) => self.legs.prefetch(*p),
            Some(Step::Mix { conv, .. }) => self.conversations.prefetch(*conv),
            // Sending follows the same group's receiving and mixing: still cached.
            Some(Step::Send(_)) | None => {}
        }
        match next {
            Some(Step::Receive(p)) => {
                if let Some(slot) = self.legs.at(*p) {
                    slot.media.upcoming_memory(sys::prefetch_range);
                }
            }
            Some(Step::Mix { conv, .. }) => {
                if let Some(conv) = self.conversations.at(*conv) {
                    conv.mixer.upcoming_memory(sys::prefetch_range);
                }
            }
            Some(Step::Send(_)) | None => {}
        }
    }

    /// Runs one conversation's mixer and hands each member its delivery. `members` are
    /// the conversation's legs with their positions, in member-id order.
    fn mix(&mut self, pos: Pos, members: &[(LegId, Pos)]) {
        let legs = &mut self.legs;
        let scratch = &mut self.scratch;
        let Some(conv) = self.conversations.at_mut(pos) else {
            return;
        };
        let inputs = members.iter().map(|&(id, p)| {
            let frame = legs.at(p).and_then(|l| l.input());
            (member(id), frame)
        });
        let out = conv.mixer.mix_with(scratch, inputs);
        // Deliveries come in member-id order too: walk both lists together.
        let mut rest = members.iter().peekable();
        for d in out.iter() {
            while rest.next_if(|(id, _)| id.0 < d.member.0).is_some() {}
            if let Some((_, p)) = rest.next_if(|(id, _)| id.0 == d.member.0) {
                if let Some(slot) = legs.at_mut(*p) {
                    slot.take_delivery(&d);
                }
            }
        }
        forward_mixer_events(&self.events, &self.stats, &mut conv.mixer);
    }

    /// Closes every leg at shutdown, reporting their quality and freeing their ports.
    pub(crate) fn shutdown(&mut self) {
        let legs: Vec<_> = self.legs.keys().copied().collect();
        for leg in legs {
            self.handle(
                crate::clock::now(),
                crate::command::Command::DestroyLeg { leg },
            );
        }
    }
}

/// Datagram counts of one tick, published to [`WorkerStats`] once at its end: one
/// atomic add per counter per tick rather than one per datagram.
#[derive(Debug, Default)]
struct Counts {
    rx: u64,
    refused: u64,
    tx: u64,
    tx_failed: u64,
}

impl Counts {
    fn publish(&self, stats: &WorkerStats) {
        let add = |a: &std::sync::atomic::AtomicU64, n: u64| {
            if n > 0 {
                a.fetch_add(n, Ordering::Relaxed);
            }
        };
        add(&stats.rx_datagrams, self.rx);
        add(&stats.rx_refused, self.refused);
        add(&stats.tx_datagrams, self.tx);
        add(&stats.tx_failed, self.tx_failed);
    }
}

/// Drains a leg's socket into its media state and takes this tick's frame.
fn receive(slot: &mut LegSlot, batch: &mut RecvBatch, now: Instant, counts: &mut Counts) {
    loop {
        // A socket error (an ICMP report queued on it) loses nothing but this read.
        let n = batch.recv(&slot.socket).unwrap_or_default();
        for (from, bytes) in batch.datagrams() {
            match slot.media.handle_datagram(now, from, bytes) {
                Ok(()) => {
                    counts.rx += 1;
                    slot.last_rx = now;
                    slot.timed_out = false;
                }
                Err(_) => counts.refused += 1,
            }
        }
        if n < BATCH {
            break;
        }
    }
    // Pop every tick, even on hold, so the jitter buffer keeps pace with the sender.
    // The frame stays in the leg's media state for the mixers.
    let popped = slot.media.pop_frame().is_some();
    #[cfg(feature = "apm")]
    slot.process();
    slot.has_input = popped && slot.spec.direction.receives();
}

fn emit(events: &std::sync::mpsc::SyncSender<Event>, stats: &WorkerStats, event: Event) {
    if events.try_send(event).is_err() {
        stats.dropped_events.fetch_add(1, Ordering::Relaxed);
    }
}

fn leg_events(
    slot: &mut LegSlot,
    events: &std::sync::mpsc::SyncSender<Event>,
    stats: &WorkerStats,
) {
    if let Some(talking) = slot.talk.take() {
        emit(
            events,
            stats,
            Event::Talking {
                leg: slot.id,
                talking,
            },
        );
    }
    while let Some(ev) = slot.media.poll_event() {
        let leg = slot.id;
        let out = match ev {
            LegEvent::Digit(digit) => Event::Digit { leg, digit },
            LegEvent::Latched(addr) => Event::Latched { leg, addr },
            LegEvent::Bye => Event::PeerBye { leg },
            // Remote reports feed round-trip figures the leg keeps; nothing to tell.
            _ => continue,
        };
        emit(events, stats, out);
    }
}

/// Builds and sends the leg's RTP packet for this tick, and its RTCP report when due.
fn send(
    slot: &mut LegSlot,
    io: &mut TickIo,
    now: Instant,
    unix_ms: u64,
    counts: &mut Counts,
    events: &std::sync::mpsc::SyncSender<Event>,
    stats: &WorkerStats,
) {
    let dest = slot.destination();
    let sends = slot.spec.direction.sends() && dest.is_some();
    let (payload, finished) = slot.compose();
    let payload = *payload;
    if let Some(play) = finished {
        emit(
            events,
            stats,
            Event::PlaybackDone {
                play,
                reason: PlayEnd::Finished,
            },
        );
    }
    let mut rtp_len = None;
    if sends {
        rtp_len = slot.media.write_frame(&payload, &mut io.rtp).ok();
    }
    // RTCP flows even on hold (RFC 3264 §5.1), but never to an unspecified address.
    let rtcp_len = slot
        .media
        .handle_timeout(now, unix_ms, &mut io.rtcp)
        .ok()
        .flatten()
        .filter(|_| dest.is_some());
    let Some(to) = dest else { return };
    let mut msgs: [(SocketAddr, &[u8]); 2] = [(to, &[]), (to, &[])];
    let mut count = 0;
    if let Some(n) = rtp_len {
        msgs[count].1 = &io.rtp[..n];
        count += 1;
    }
    if let Some(n) = rtcp_len {
        msgs[count].1 = &io.rtcp[..n];
        count += 1;
    }
    if count == 0 {
        return;
    }
    let sent = sys::send_batch(&slot.socket, &msgs[..count]).unwrap_or(0);
    counts.tx += sent as u64;
    counts.tx_failed += (count - sent) as u64;
}

fn check_timeout(
    slot: &mut LegSlot,
    now: Instant,
    timeout: std::time::Duration,
    events: &std::sync::mpsc::SyncSender<Event>,
    stats: &WorkerStats,
) {
    // A peer we asked not to send (our sendonly/inactive) is silent by design.
    if slot.timed_out || !slot.spec.direction.receives() {
        return;
    }
    let silent_for = now.saturating_duration_since(slot.last_rx);
    if silent_for >= timeout {
        slot.timed_out = true;
        emit(
            events,
            stats,
            Event::RtpTimeout {
                leg: slot.id,
                silent_for,
            },
        );
    }
}
