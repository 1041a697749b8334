//! A media worker: one OS thread that owns many legs' sockets and the mixers of their
//! conversations, and runs them all on one 20 ms tick (GUIDE §3, §4, §10).
//!
//! The thread sleeps until absolute deadlines, `start + n × 20 ms`, so work time never
//! accumulates as drift. When it wakes more than a whole tick late (a descheduled thread,
//! a storm of commands) it counts an overrun and skips to the current tick instead of
//! running the missed ticks in a burst: a burst would send several frames per leg at once
//! and overflow the peers' jitter buffers.

mod ids;
pub(crate) mod leg;
mod order;
mod peer;
pub(crate) mod state;
mod table;
mod tick;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rand::rngs::StdRng;

use crate::clock;
use crate::command::{Command, Event};
use crate::ports::PortPool;
use ids::IdMap;
pub use peer::DRAIN_EVERY;
use state::WorkerState;

/// One tick: one 20 ms frame of G.711 per leg.
pub const TICK: Duration = Duration::from_millis(sb_media::FRAME_MS as u64);
/// Commands applied per tick at most, so a flood of commands cannot starve the audio.
const COMMANDS_PER_TICK: usize = 512;

/// Counters one worker publishes (relaxed atomics: read for monitoring, never for logic).
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Ticks run.
    pub ticks: AtomicU64,
    /// Ticks woken more than one tick late (then skipped ahead).
    pub overruns: AtomicU64,
    /// Ticks skipped by overruns.
    pub skipped_ticks: AtomicU64,
    /// Legs owned now.
    pub legs: AtomicU64,
    /// Conversations owned now.
    pub conversations: AtomicU64,
    /// Datagrams received.
    pub rx_datagrams: AtomicU64,
    /// Datagrams the media core refused (malformed, wrong payload type).
    pub rx_refused: AtomicU64,
    /// Datagrams sent.
    pub tx_datagrams: AtomicU64,
    /// Datagrams the kernel did not take (full socket buffer, unreachable).
    pub tx_failed: AtomicU64,
    /// Events dropped because the event channel was full.
    pub dropped_events: AtomicU64,
    /// Longest tick's work, in microseconds.
    pub max_work_us: AtomicU64,
    /// Sum of every tick's work, in microseconds (mean = this / ticks).
    pub total_work_us: AtomicU64,
    /// CPU time the worker thread has used, in microseconds (Linux): its own cost,
    /// without the time it waited for a core.
    pub cpu_us: AtomicU64,
}

/// A plain copy of [`WorkerStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerSnapshot {
    /// Ticks run.
    pub ticks: u64,
    /// Ticks woken more than one tick late.
    pub overruns: u64,
    /// Ticks skipped by overruns.
    pub skipped_ticks: u64,
    /// Legs owned.
    pub legs: u64,
    /// Conversations owned.
    pub conversations: u64,
    /// Datagrams received.
    pub rx_datagrams: u64,
    /// Datagrams refused by the media core.
    pub rx_refused: u64,
    /// Datagrams sent.
    pub tx_datagrams: u64,
    /// Datagrams not sent.
    pub tx_failed: u64,
    /// Events dropped.
    pub dropped_events: u64,
    /// Longest tick's work (µs).
    pub max_work_us: u64,
    /// Total work (µs).
    pub total_work_us: u64,
    /// Thread CPU time (µs).
    pub cpu_us: u64,
}

impl WorkerStats {
    /// A copy of the counters now.
    pub fn snapshot(&self) -> WorkerSnapshot {
        let r = |a: &AtomicU64| a.load(Ordering::Relaxed);
        WorkerSnapshot {
            ticks: r(&self.ticks),
            overruns: r(&self.overruns),
            skipped_ticks: r(&self.skipped_ticks),
            legs: r(&self.legs),
            conversations: r(&self.conversations),
            rx_datagrams: r(&self.rx_datagrams),
            rx_refused: r(&self.rx_refused),
            tx_datagrams: r(&self.tx_datagrams),
            tx_failed: r(&self.tx_failed),
            dropped_events: r(&self.dropped_events),
            max_work_us: r(&self.max_work_us),
            total_work_us: r(&self.total_work_us),
            cpu_us: r(&self.cpu_us),
        }
    }
}

/// What a worker thread needs to start.
pub(crate) struct WorkerSetup {
    pub index: usize,
    pub commands: Receiver<Command>,
    pub events: SyncSender<Event>,
    pub ports: Arc<Mutex<PortPool>>,
    pub stats: Arc<WorkerStats>,
    pub rng: StdRng,
    pub rtp_timeout: Duration,
    /// Whether to pin the thread to one CPU.
    pub pin: bool,
}

/// Starts a worker thread; it runs until its command channel closes.
pub(crate) fn spawn(setup: WorkerSetup) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("media-worker-{}", setup.index))
        .spawn(move || run(setup))
}

fn run(setup: WorkerSetup) {
    if setup.pin {
        // Pinning only keeps caches warm: a worker that cannot be pinned (a CPU set
        // narrower than the worker count, another OS) still runs, unpinned.
        let _ = crate::sys::pin_current_thread(setup.index);
    }
    let WorkerSetup {
        commands,
        events,
        ports,
        stats,
        rng,
        rtp_timeout,
        ..
    } = setup;
    let mut state = WorkerState {
        legs: Default::default(),
        conversations: Default::default(),
        expected: IdMap::default(),
        rng,
        events,
        ports,
        stats,
        rtp_timeout,
        order: order::TickOrder::default(),
        scratch: Default::default(),
        // Without a poller legs keep to their port's socket, which works everywhere.
        poller: crate::sys::Poller::new().ok(),
        ticks: 0,
    };
    let mut io = tick::TickIo::default();
    let start = clock::now();
    let mut n: u32 = 1;
    loop {
        let deadline = start + TICK * n;
        clock::sleep_until(deadline);
        let now = clock::now();
        let late = now.saturating_duration_since(deadline);
        if late > TICK {
            let skip = u32::try_from(late.as_nanos() / TICK.as_nanos()).unwrap_or(u32::MAX);
            n = n.saturating_add(skip);
            state.stats.overruns.fetch_add(1, Ordering::Relaxed);
            state
                .stats
                .skipped_ticks
                .fetch_add(u64::from(skip), Ordering::Relaxed);
        }
        if !drain_commands(&mut state, &commands, now) {
            break;
        }
        state.tick(&mut io, now, clock::unix_ms());
        record_work(&state.stats, clock::now().saturating_duration_since(now));
        n = n.saturating_add(1);
    }
    state.shutdown();
}

/// Applies pending commands; false once the engine is gone.
fn drain_commands(
    state: &mut WorkerState,
    commands: &Receiver<Command>,
    now: std::time::Instant,
) -> bool {
    for _ in 0..COMMANDS_PER_TICK {
        match commands.try_recv() {
            Ok(cmd) => state.handle(now, cmd),
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => return false,
        }
    }
    true
}

fn record_work(stats: &WorkerStats, work: Duration) {
    let us = u64::try_from(work.as_micros()).unwrap_or(u64::MAX);
    stats.ticks.fetch_add(1, Ordering::Relaxed);
    stats.total_work_us.fetch_add(us, Ordering::Relaxed);
    stats.max_work_us.fetch_max(us, Ordering::Relaxed);
    let cpu = u64::try_from(crate::sys::thread_cpu_time().as_micros()).unwrap_or(u64::MAX);
    stats.cpu_us.store(cpu, Ordering::Relaxed);
}
