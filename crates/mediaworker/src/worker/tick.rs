//! One tick of a worker: receive, mix, send.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;
use std::time::Instant;

use sb_media::leg::LegEvent;
use sb_media::mixer::PlayEnd;

use super::leg::LegSlot;
use super::order::Step;
use super::peer::{self, Followed, PeerPath, DRAIN_EVERY};
use super::state::{forward_mixer_events, member, WorkerState};
use super::table::Pos;
use super::WorkerStats;
use crate::command::{Event, LegId};
use crate::sys::{self, Poller, RecvBatch, BATCH, DATAGRAM_MAX};

/// Buffers reused by every tick, so the steady-state tick does not allocate.
#[derive(Debug)]
pub(crate) struct TickIo {
    batch: RecvBatch,
    rx: [u8; DATAGRAM_MAX],
    rtp: [u8; DATAGRAM_MAX],
    rtcp: [u8; DATAGRAM_MAX],
    /// Legs whose port socket holds strays this tick.
    strays: Vec<u64>,
}

impl Default for TickIo {
    fn default() -> Self {
        Self {
            batch: RecvBatch::default(),
            rx: [0; DATAGRAM_MAX],
            rtp: [0; DATAGRAM_MAX],
            rtcp: [0; DATAGRAM_MAX],
            strays: Vec::with_capacity(Poller::MAX_READY),
        }
    }
}

impl WorkerState {
    /// Runs one tick at `now` (`unix_ms`: the wall clock, for RTCP sender reports),
    /// group of linked legs by group of linked legs (see [`super::order`]).
    pub(crate) fn tick(&mut self, io: &mut TickIo, now: Instant, unix_ms: u64) {
        let mut counts = Counts::default();
        self.ticks = self.ticks.wrapping_add(1);
        self.read_strays(io, now, &mut counts);
        let plan = self.order.take(&self.legs, &self.conversations);
        for (k, step) in plan.steps.iter().enumerate() {
            self.prefetch(plan.steps.get(k + 1), plan.steps.get(k + 2));
            match *step {
                Step::Receive(p) => {
                    if let Some(slot) = self.legs.at_mut(p) {
                        let drain = (self.ticks.wrapping_add(slot.id.0)) % DRAIN_EVERY == 0;
                        receive(slot, io, now, drain, &mut counts);
                        leg_events(slot, &self.events, &self.stats);
                    }
                }
                Step::Mix { conv, from, to } => self.mix(conv, plan.members_of(from, to)),
                Step::Send(p) => {
                    if let Some(slot) = self.legs.at_mut(p) {
                        if let Some(poller) = &self.poller {
                            follow(slot, poller, &mut io.batch, now, &mut counts);
                        }
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

    /// Reads the port sockets of legs with a connected socket that hold datagrams from
    /// someone other than the peer.
    fn read_strays(&mut self, io: &mut TickIo, now: Instant, counts: &mut Counts) {
        let Some(poller) = self.poller.as_mut() else {
            return;
        };
        if poller.ready(&mut io.strays).is_err() {
            return;
        }
        for &key in &io.strays {
            if let Some(slot) = self.legs.get_mut(&LegId(key)) {
                let (socket, _, mut take) = split(slot, counts, now);
                read_addressed(socket, &mut io.batch, &mut take);
            }
        }
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

/// A leg's port socket, its peer path, and what hands a datagram from a source to its
/// media state, counting it. The latter says whether the datagram was an RTP packet
/// (not RTCP, not refused).
fn split<'a>(
    slot: &'a mut LegSlot,
    counts: &'a mut Counts,
    now: Instant,
) -> (
    &'a UdpSocket,
    &'a PeerPath,
    impl FnMut(SocketAddr, &[u8]) -> bool + 'a,
) {
    let LegSlot {
        socket,
        path,
        media,
        last_rx,
        timed_out,
        ..
    } = slot;
    let take = move |from, bytes: &[u8]| match media.handle_datagram(now, from, bytes) {
        Ok(()) => {
            counts.rx += 1;
            *last_rx = now;
            *timed_out = false;
            !sb_media::rtp::is_rtcp(bytes)
        }
        Err(_) => {
            counts.refused += 1;
            false
        }
    };
    (socket, path, take)
}

/// Reads `socket` dry, with each datagram's source.
fn read_addressed(
    socket: &UdpSocket,
    batch: &mut RecvBatch,
    take: &mut impl FnMut(SocketAddr, &[u8]) -> bool,
) {
    loop {
        // A socket error (an ICMP report queued on it) loses nothing but this read.
        let n = batch.recv(socket).unwrap_or_default();
        for (from, bytes) in batch.datagrams() {
            take(from, bytes);
        }
        if n < BATCH {
            break;
        }
    }
}

/// Reads what the leg's peer sent into its media state and takes this tick's frame.
/// With a connected socket, the first RTP packet is enough unless `drain`; without
/// one, the port's socket is read dry.
fn receive(slot: &mut LegSlot, io: &mut TickIo, now: Instant, drain: bool, counts: &mut Counts) {
    {
        let (socket, path, mut take) = split(slot, counts, now);
        match path.peer() {
            Some(peer) => {
                let from = peer.to;
                peer::read_connected(&peer.socket, &mut io.rx, drain, |bytes| take(from, bytes));
            }
            None => read_addressed(socket, &mut io.batch, &mut take),
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

/// Keeps the leg's connected socket pointed at its destination. A new one is read once
/// with addresses: what reached it before `connect` may come from anyone.
fn follow(
    slot: &mut LegSlot,
    poller: &Poller,
    batch: &mut RecvBatch,
    now: Instant,
    counts: &mut Counts,
) {
    let dest = slot.destination();
    let followed = slot.path.follow(&slot.socket, dest, poller, slot.id.0);
    if followed != Followed::Connected {
        return;
    }
    let (_, path, mut take) = split(slot, counts, now);
    if let Some(peer) = path.peer() {
        read_addressed(&peer.socket, batch, &mut take);
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
    let sent = match slot.path.peer().filter(|p| p.to == to) {
        Some(peer) => msgs[..count]
            .iter()
            .filter(|(_, bytes)| peer::send_connected(&peer.socket, bytes))
            .count(),
        None => sys::send_batch(&slot.socket, &msgs[..count]).unwrap_or(0),
    };
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
