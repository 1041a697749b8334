//! An adaptive, bounded jitter buffer for one incoming stream, where media terminates
//! (mixer, IVR, recorder): packets go in as they arrive, one 20 ms frame comes out per
//! tick.
//!
//! - **Order**: frames are keyed by extended sequence number (RFC 3550 A.1 style, wrapping
//!   comparison), so reordering and duplicates are absorbed and late packets dropped.
//! - **Loss**: a hole is concealed by repeating the last frame, then fading to silence
//!   over [`JitterConfig::fade_frames`] frames.
//! - **Target delay**: follows the RFC 3550 A.8 interarrival jitter estimate, between
//!   [`JitterConfig::min_delay_frames`] and [`JitterConfig::max_delay_frames`]. A storm
//!   raises it (an underrun rebuffers to the new target); when the jitter calms, the
//!   estimate decays and the backlog is trimmed back down.
//! - **Drift**: the lowest backlog over each window shows whether the sender's clock runs
//!   fast (backlog creeps up: a frame is dropped) or slow (the buffer runs dry: playout
//!   pauses by one concealed frame instead of losing what arrives next).
//! - **Memory**: a fixed ring of [`JitterConfig::capacity_frames`] slots allocated once;
//!   nothing grows with input.
//!
//! Frames are 20 ms (the `ptime` we negotiate). Packets that share the stream's sequence
//! space but carry no audio — RFC 4733 telephone-events — should be pushed as
//! [`SILENCE`], so their sequence numbers are not taken for loss.

use std::time::Instant;

use crate::rtp::seq_delta;
use crate::{Frame, FRAME_SAMPLES, SAMPLE_RATE, SILENCE};

/// Tunables of a jitter buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Smallest playout delay in frames.
    pub min_delay_frames: u16,
    /// Largest playout delay in frames, however bad the jitter.
    pub max_delay_frames: u16,
    /// Slots in the ring: the hard bound on memory and on how far ahead a packet may be.
    pub capacity_frames: u16,
    /// Frames over which concealment fades the last frame to silence.
    pub fade_frames: u16,
    /// Ticks per drift-control window.
    pub window_frames: u16,
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self {
            min_delay_frames: 2,
            max_delay_frames: 15,
            capacity_frames: 64,
            fade_frames: 4,
            window_frames: 25,
        }
    }
}

/// What happened to a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Stored for playout.
    Stored,
    /// Already held: ignored.
    Duplicate,
    /// Its playout time has passed: dropped.
    Late,
    /// A new SSRC or a sequence jump beyond the ring: the buffer restarted with it.
    Reset,
}

/// What a popped frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Audio that arrived.
    Played,
    /// Made up for a lost or missing frame (repetition, fading out).
    Concealed,
    /// Nothing to play (not started, or concealment has faded out).
    Silence,
}

/// Counters and current state, for call-quality records and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets offered.
    pub pushed: u64,
    /// Frames played from packets.
    pub played: u64,
    /// Packets dropped because their time had passed.
    pub late: u64,
    /// Duplicate packets ignored.
    pub duplicates: u64,
    /// Holes concealed (frames never received in time).
    pub lost: u64,
    /// Times the buffer ran dry and paused playout to rebuild.
    pub underruns: u64,
    /// Frames dropped to shrink the backlog (fast sender clock, after a storm).
    pub dropped: u64,
    /// Frames inserted to grow the backlog (slow sender clock).
    pub inserted: u64,
    /// Restarts on a new SSRC or a sequence jump.
    pub resets: u64,
    /// Current target delay in frames.
    pub target_frames: u16,
    /// Frames buffered ahead of playout after the last tick.
    pub backlog_frames: u16,
    /// Interarrival jitter estimate (RFC 3550 A.8) in milliseconds.
    pub jitter_ms: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Playout {
    /// Waiting to hold `target` frames; `next` is known after an underrun.
    Buffering {
        next: Option<u64>,
    },
    Playing {
        next: u64,
    },
}

#[derive(Debug, Clone)]
struct Slot {
    /// Extended sequence number held, or `EMPTY`.
    ext: u64,
    frame: Frame,
}

const EMPTY: u64 = u64::MAX;

/// The jitter buffer of one incoming stream.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    slots: Vec<Slot>,
    ssrc: Option<u32>,
    highest: Option<u64>,
    playout: Playout,
    /// Arrival reference for the jitter estimate.
    epoch: Option<Instant>,
    transit: Option<i64>,
    jitter_q4: u64,
    target: u16,
    last: Frame,
    loss_run: u16,
    window_ticks: u16,
    window_min: u16,
    window_max: u16,
    drop_budget: u16,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer; its ring is allocated here, once.
    pub fn new(cfg: JitterConfig) -> Self {
        let cap = cfg.capacity_frames.max(cfg.max_delay_frames + 2).max(4);
        let cfg = JitterConfig {
            capacity_frames: cap,
            min_delay_frames: cfg.min_delay_frames.clamp(1, cfg.max_delay_frames.max(1)),
            window_frames: cfg.window_frames.max(1),
            ..cfg
        };
        let slots = (0..cap)
            .map(|_| Slot {
                ext: EMPTY,
                frame: SILENCE,
            })
            .collect();
        Self {
            slots,
            ssrc: None,
            highest: None,
            playout: Playout::Buffering { next: None },
            epoch: None,
            transit: None,
            jitter_q4: 0,
            target: cfg.min_delay_frames,
            last: SILENCE,
            loss_run: u16::MAX,
            window_ticks: 0,
            window_min: u16::MAX,
            window_max: 0,
            drop_budget: 0,
            stats: JitterStats {
                target_frames: cfg.min_delay_frames,
                ..JitterStats::default()
            },
            cfg,
        }
    }

    /// The configuration in force (after clamping).
    pub fn config(&self) -> JitterConfig {
        self.cfg
    }

    /// Counters and current state.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    fn cap(&self) -> u64 {
        u64::from(self.cfg.capacity_frames)
    }

    /// The ring slots the next tick will most likely touch: where the next packet in
    /// sequence goes and the one playout takes next, as address ranges for a caller that
    /// prefetches them (the ring is far larger than a cache line, and a thousand legs'
    /// rings do not stay in cache from one tick to the next). Hints only: the addresses
    /// must not be dereferenced.
    pub fn upcoming_memory(&self, mut visit: impl FnMut(*const u8, usize)) {
        let next_pop = match self.playout {
            Playout::Playing { next } | Playout::Buffering { next: Some(next) } => Some(next),
            Playout::Buffering { next: None } => None,
        };
        let next_push = self.highest.map(|h| h + 1);
        for ext in [next_push, next_pop].into_iter().flatten() {
            let slot = &self.slots[(ext % self.cap()) as usize];
            visit((slot as *const Slot).cast(), std::mem::size_of::<Slot>());
        }
    }

    fn slot_mut(&mut self, ext: u64) -> &mut Slot {
        let i = (ext % self.cap()) as usize;
        &mut self.slots[i]
    }

    /// Forgets every packet and the playout position (not the counters).
    fn reset(&mut self) {
        for s in &mut self.slots {
            s.ext = EMPTY;
        }
        self.highest = None;
        self.playout = Playout::Buffering { next: None };
        self.transit = None;
        self.drop_budget = 0;
    }

    /// Offers one decoded 20 ms frame that arrived at `now`.
    pub fn push(
        &mut self,
        now: Instant,
        ssrc: u32,
        seq: u16,
        timestamp: u32,
        frame: &Frame,
    ) -> PushOutcome {
        self.stats.pushed += 1;
        let mut outcome = PushOutcome::Stored;
        if self.ssrc != Some(ssrc) {
            if self.ssrc.is_some() {
                self.stats.resets += 1;
                outcome = PushOutcome::Reset;
            }
            self.reset();
            self.ssrc = Some(ssrc);
        }
        // Extend the sequence number around the highest seen; start high so packets
        // from before the first one still have a place.
        let ext = match self.highest {
            None => (1u64 << 32) + u64::from(seq),
            Some(h) => h.wrapping_add_signed(i64::from(seq_delta(seq, h as u16))),
        };
        let base = match self.playout {
            Playout::Playing { next } | Playout::Buffering { next: Some(next) } => Some(next),
            Playout::Buffering { next: None } => None,
        };
        if let Some(next) = base {
            if ext < next {
                self.stats.late += 1;
                return PushOutcome::Late;
            }
            if ext >= next + self.cap() {
                // Far beyond the ring: the source jumped. Start over with this packet.
                self.stats.resets += 1;
                self.reset();
                return self.push_after_reset(now, ssrc, seq, timestamp, frame);
            }
        } else if let Some(h) = self.highest {
            // Still filling: keep the span of held packets inside the ring. A straggler
            // from too far back is late; a leap too far ahead is a new start.
            if ext + self.cap() <= h {
                self.stats.late += 1;
                return PushOutcome::Late;
            }
            if ext >= h + self.cap() {
                self.stats.resets += 1;
                self.reset();
                return self.push_after_reset(now, ssrc, seq, timestamp, frame);
            }
        }
        self.update_jitter(now, timestamp);
        let slot = self.slot_mut(ext);
        if slot.ext == ext {
            self.stats.duplicates += 1;
            return PushOutcome::Duplicate;
        }
        if base.is_none() && slot.ext != EMPTY && slot.ext > ext {
            // While filling, an older straggler must not evict a newer frame.
            self.stats.late += 1;
            return PushOutcome::Late;
        }
        slot.ext = ext;
        slot.frame = *frame;
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        outcome
    }

    fn push_after_reset(
        &mut self,
        now: Instant,
        ssrc: u32,
        seq: u16,
        timestamp: u32,
        frame: &Frame,
    ) -> PushOutcome {
        self.stats.pushed -= 1;
        self.push(now, ssrc, seq, timestamp, frame);
        PushOutcome::Reset
    }

    /// RFC 3550 A.8 on arrival time versus media timestamp, and the target it implies.
    fn update_jitter(&mut self, now: Instant, ts: u32) {
        let epoch = *self.epoch.get_or_insert(now);
        let since = now.saturating_duration_since(epoch);
        let arrival = (since.as_micros() * u128::from(SAMPLE_RATE) / 1_000_000) as i64;
        let transit = arrival.wrapping_sub(i64::from(ts));
        if let Some(prev) = self.transit {
            let d = i64::from(transit.wrapping_sub(prev) as i32).unsigned_abs();
            let j = self.jitter_q4;
            self.jitter_q4 = (j + d).saturating_sub((j + 8) >> 4);
        }
        self.transit = Some(transit);
        let jitter = self.jitter_q4 >> 4;
        self.stats.jitter_ms = (jitter * 1000 / u64::from(SAMPLE_RATE)) as u32;
        // Three times the mean deviation covers most arrivals; plus the frame in play.
        let wanted = 1 + (3 * jitter).div_ceil(FRAME_SAMPLES as u64);
        let target = wanted.clamp(
            u64::from(self.cfg.min_delay_frames),
            u64::from(self.cfg.max_delay_frames),
        ) as u16;
        self.target = target;
        self.stats.target_frames = target;
    }

    fn lowest_held(&self) -> Option<u64> {
        self.slots
            .iter()
            .map(|s| s.ext)
            .filter(|&e| e != EMPTY)
            .min()
    }

    /// Frames from `next` up to the highest received.
    fn backlog_from(&self, next: u64) -> u64 {
        self.highest.map_or(0, |h| (h + 1).saturating_sub(next))
    }

    /// The frame the last [`JitterBuffer::pop`] returned, unless that was silence: played
    /// or concealed, it is the one concealment starts from.
    pub fn played(&self) -> &Frame {
        &self.last
    }

    /// [`JitterBuffer::played`], to change in place.
    pub fn played_mut(&mut self) -> &mut Frame {
        &mut self.last
    }

    /// Takes one frame for this 20 ms tick. The returned frame is valid until the next
    /// call.
    pub fn pop(&mut self) -> (&Frame, FrameKind) {
        let next = match self.playout {
            Playout::Playing { next } => next,
            Playout::Buffering { next } => {
                let start = next.or_else(|| self.lowest_held());
                match start {
                    Some(s) if self.backlog_from(s) >= u64::from(self.target) => s,
                    _ => return self.conceal(),
                }
            }
        };
        let kind = self.play_at(next);
        self.track_backlog();
        match kind {
            FrameKind::Played => (&self.last, FrameKind::Played),
            _ => self.conceal(),
        }
    }

    /// Plays the frame at `next` if held; otherwise decides between loss and underrun.
    fn play_at(&mut self, next: u64) -> FrameKind {
        let i = (next % self.cap()) as usize;
        if self.slots[i].ext == next {
            self.slots[i].ext = EMPTY;
            self.last = self.slots[i].frame;
            self.loss_run = 0;
            self.stats.played += 1;
            self.playout = Playout::Playing { next: next + 1 };
            self.apply_drops();
            FrameKind::Played
        } else if self.highest.is_some_and(|h| h > next) {
            // A hole with later frames behind it: the packet is lost (or too late).
            self.stats.lost += 1;
            self.playout = Playout::Playing { next: next + 1 };
            FrameKind::Concealed
        } else {
            // Nothing newer has arrived: the buffer ran dry. Pause and rebuild to the
            // target rather than skip ahead and drop what is on its way.
            self.stats.underruns += 1;
            self.playout = Playout::Buffering { next: Some(next) };
            FrameKind::Concealed
        }
    }

    /// Drops frames the drift control decided to shed, oldest first.
    fn apply_drops(&mut self) {
        if self.drop_budget == 0 {
            return;
        }
        if let Playout::Playing { next } = self.playout {
            if self.backlog_from(next) > u64::from(self.target) {
                let i = (next % self.cap()) as usize;
                if self.slots[i].ext == next {
                    self.slots[i].ext = EMPTY;
                }
                self.playout = Playout::Playing { next: next + 1 };
                self.stats.dropped += 1;
                self.drop_budget -= 1;
            } else {
                self.drop_budget = 0;
            }
        }
    }

    /// Watches the backlog over a window and schedules drops or an insertion.
    fn track_backlog(&mut self) {
        let backlog = match self.playout {
            Playout::Playing { next } => self.backlog_from(next).min(u64::from(u16::MAX)) as u16,
            Playout::Buffering { .. } => 0,
        };
        self.stats.backlog_frames = backlog;
        self.window_min = self.window_min.min(backlog);
        self.window_max = self.window_max.max(backlog);
        self.window_ticks += 1;
        if self.window_ticks < self.cfg.window_frames {
            return;
        }
        // Right after a tick a buffer on target holds `target - 1` frames ahead. The
        // lowest backlog of the window is what jitter never needed: trim half of the
        // excess per window (fast sender clock, or after a storm calmed down).
        let level = self.target.saturating_sub(1);
        let excess = self.window_min.saturating_sub(level);
        if excess >= 2 {
            self.drop_budget = excess / 2;
        } else if self.window_max < level {
            // Persistently short (slow sender clock): hold playout for one frame.
            if let Playout::Playing { next } = self.playout {
                self.playout = Playout::Buffering { next: Some(next) };
                self.stats.inserted += 1;
            }
        }
        self.window_ticks = 0;
        self.window_min = u16::MAX;
        self.window_max = 0;
    }

    /// Concealment: repeat the last frame once, then fade it out, then silence.
    fn conceal(&mut self) -> (&Frame, FrameKind) {
        self.loss_run = self.loss_run.saturating_add(1);
        let fade = i32::from(self.cfg.fade_frames);
        let run = i32::from(self.loss_run);
        if run > fade + 1 {
            return (&SILENCE, FrameKind::Silence);
        }
        if run > 1 {
            // Gain steps down linearly: fade/(fade+1) ... 1/(fade+1) of the last frame.
            let num = fade + 2 - run;
            for s in self.last.iter_mut() {
                *s = (i32::from(*s) * num / (num + 1)) as i16;
            }
        }
        (&self.last, FrameKind::Concealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_testkit::FakeClock;
    use std::time::Duration;

    fn frame(n: u16) -> Frame {
        [n as i16; FRAME_SAMPLES]
    }

    #[test]
    fn upcoming_memory_names_the_next_push_and_pop_slots() {
        let clock = FakeClock::new();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut seen = Vec::new();
        jb.upcoming_memory(|p, len| seen.push((p, len)));
        assert!(seen.is_empty(), "nothing is known before the first packet");
        for i in 0..10u16 {
            jb.push(clock.now(), 1, i, u32::from(i) * 160, &frame(i));
            jb.pop();
            clock.advance(Duration::from_millis(20));
        }
        jb.upcoming_memory(|p, len| seen.push((p, len)));
        let slot = |ext: u64| {
            let s = &jb.slots[(ext % jb.cap()) as usize];
            ((s as *const Slot).cast::<u8>(), std::mem::size_of::<Slot>())
        };
        let Playout::Playing { next } = jb.playout else {
            panic!("playing after ten frames");
        };
        let highest = jb.highest.unwrap();
        assert_eq!(seen, [slot(highest + 1), slot(next)]);
    }

    #[test]
    fn steady_stream_plays_in_order_after_the_target_delay() {
        let clock = FakeClock::new();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut out = Vec::new();
        for i in 0..20u16 {
            jb.push(clock.now(), 1, i, u32::from(i) * 160, &frame(i + 1));
            let (f, k) = jb.pop();
            out.push((f[0], k));
            clock.advance(Duration::from_millis(20));
        }
        assert_eq!(out[0], (0, FrameKind::Silence));
        let played: Vec<i16> = out
            .iter()
            .filter(|(_, k)| *k == FrameKind::Played)
            .map(|(v, _)| *v)
            .collect();
        assert_eq!(played, (1..=19).collect::<Vec<i16>>());
        assert_eq!(jb.stats().lost, 0);
    }

    #[test]
    fn concealment_repeats_then_fades_to_silence() {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let clock = FakeClock::new();
        jb.push(clock.now(), 1, 0, 0, &frame(1000));
        jb.push(clock.now(), 1, 1, 160, &frame(1000));
        assert_eq!(jb.pop().1, FrameKind::Played);
        assert_eq!(jb.pop().1, FrameKind::Played);
        let levels: Vec<(i16, FrameKind)> = (0..8)
            .map(|_| {
                let (f, k) = jb.pop();
                (f[0], k)
            })
            .collect();
        assert_eq!(levels[0], (1000, FrameKind::Concealed));
        assert!(levels[1].0 < 1000 && levels[1].0 > levels[2].0);
        assert!(levels[..5].iter().all(|(_, k)| *k == FrameKind::Concealed));
        assert_eq!(levels[5], (0, FrameKind::Silence));
    }

    #[test]
    fn an_ancient_straggler_while_filling_is_late_not_a_reset() {
        let clock = FakeClock::new();
        let cfg = JitterConfig {
            min_delay_frames: 15,
            ..JitterConfig::default()
        };
        let mut jb = JitterBuffer::new(cfg);
        jb.push(clock.now(), 1, 1000, 0, &frame(1));
        assert_eq!(
            jb.push(clock.now(), 1, 900, 0, &frame(2)),
            PushOutcome::Late
        );
        assert_eq!(jb.stats().resets, 0);
        assert_eq!(
            jb.push(clock.now(), 1, 1200, 0, &frame(3)),
            PushOutcome::Reset
        );
    }
}
