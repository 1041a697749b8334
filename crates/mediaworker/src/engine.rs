//! The control plane's handle on the media workers: places legs and conversations,
//! binds sockets, and turns calls into commands on the workers' bounded channels.
//!
//! Placement: a new leg or conversation goes to the least-loaded worker (legs plus
//! conversations), or next to a conversation when the caller names one
//! ([`MediaEngine::create_leg_near`]), which is how legs should normally be created. A
//! conversation never moves; a leg asked to join a conversation on another worker moves
//! there: the receiving worker is told to expect it and holds any command for it, the
//! sending worker detaches the leg (socket, jitter buffer, RTP state and all) and hands
//! it over through the receiving worker's channel, and the held commands then run in
//! order. The leg misses at most a tick or two of audio.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use sb_media::builtin::PlayNumError;
use sb_media::mixer::{PlayId, VoiceMode};
use sb_media::player::Prompt;
use sb_media::wav::WavError;

use crate::command::{Command, ConversationId, Event, LegId, LegRole, LegSpec, PlaySource, Times};
use crate::ports::{PortError, PortPool};
use crate::worker::{self, WorkerSetup, WorkerSnapshot, WorkerStats};

/// How the media plane is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// Worker threads (one per core is the intent).
    pub workers: usize,
    /// The address RTP sockets bind to.
    pub bind_ip: IpAddr,
    /// The RTP port range; legs take its even ports.
    pub ports: RangeInclusive<u16>,
    /// Silence after which a leg reports [`Event::RtpTimeout`].
    pub rtp_timeout: Duration,
    /// Commands each worker's channel holds.
    pub command_capacity: usize,
    /// Events the shared event channel holds before workers drop them.
    pub event_capacity: usize,
    /// Seed for SSRCs and initial sequence numbers; None seeds from the OS (RFC 3550
    /// §8 wants them unpredictable), Some for reproducible runs.
    pub seed: Option<u64>,
    /// Pins worker `i` to the `i`-th CPU the process may run on (Linux; ignored
    /// elsewhere). A pinned worker keeps its legs' sockets and jitter buffers in one
    /// core's caches; leave it off on a machine shared with other busy processes, where a
    /// pinned thread cannot move to an idle core.
    pub pin_workers: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            ports: 20_000..=39_999,
            rtp_timeout: Duration::from_secs(30),
            command_capacity: 4096,
            event_capacity: 16_384,
            seed: None,
            pin_workers: false,
        }
    }
}

/// Why the engine refused a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// `workers` must be 1 to 256 (play ids carry the worker in 8 bits).
    #[error("workers must be between 1 and 256, got {workers}")]
    WorkerCount {
        /// What was configured.
        workers: usize,
    },
    /// The port range is exhausted or empty.
    #[error(transparent)]
    Ports(#[from] PortError),
    /// A socket could not be bound or set up.
    #[error("cannot bind RTP port {port}: {source}")]
    Bind {
        /// The port tried.
        port: u16,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A worker thread could not start.
    #[error("cannot start a media worker thread: {0}")]
    Spawn(std::io::Error),
    /// No such leg.
    #[error("leg {leg:?} does not exist")]
    UnknownLeg {
        /// The leg named.
        leg: LegId,
    },
    /// No such conversation.
    #[error("conversation {conversation:?} does not exist")]
    UnknownConversation {
        /// The conversation named.
        conversation: ConversationId,
    },
    /// The worker's command channel is full: it is far behind.
    #[error("media worker {worker} is not keeping up with commands")]
    WorkerBusy {
        /// The worker.
        worker: usize,
    },
    /// The worker thread has ended.
    #[error("media worker {worker} has stopped")]
    WorkerGone {
        /// The worker.
        worker: usize,
    },
    /// `play_num` with a number that is not all digits.
    #[error(transparent)]
    PlayNum(#[from] PlayNumError),
    /// The recording file could not be created.
    #[error("cannot record to {path:?}: {source}")]
    Recording {
        /// The file.
        path: PathBuf,
        /// Why.
        source: WavError,
    },
}

/// A new leg: its id and where its RTP socket listens (put it in the SDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegInfo {
    /// The leg.
    pub leg: LegId,
    /// The bound RTP/RTCP address.
    pub local: SocketAddr,
    /// The worker that owns it.
    pub worker: usize,
}

#[derive(Debug)]
struct WorkerHandle {
    commands: SyncSender<Command>,
    stats: Arc<WorkerStats>,
    thread: Option<JoinHandle<()>>,
}

/// Which worker owns what.
#[derive(Debug, Default)]
struct Directory {
    legs: HashMap<LegId, usize>,
    conversations: HashMap<ConversationId, usize>,
    load: Vec<usize>,
}

impl Directory {
    fn least_loaded(&self) -> usize {
        (0..self.load.len())
            .min_by_key(|w| self.load[*w])
            .unwrap_or(0)
    }
}

/// The media plane: N worker threads and the directory of what runs where.
#[derive(Debug)]
pub struct MediaEngine {
    cfg: EngineConfig,
    workers: Vec<WorkerHandle>,
    ports: Arc<Mutex<PortPool>>,
    directory: Mutex<Directory>,
    next_id: AtomicU64,
    events_tx: SyncSender<Event>,
    events: Mutex<Receiver<Event>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Poisoning means another thread panicked while holding the lock; the maps and the
    // port queue are updated in single steps and stay usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn send_error(worker: usize, e: &TrySendError<Command>) -> EngineError {
    match e {
        TrySendError::Full(_) => EngineError::WorkerBusy { worker },
        TrySendError::Disconnected(_) => EngineError::WorkerGone { worker },
    }
}

impl MediaEngine {
    /// Starts `cfg.workers` worker threads.
    pub fn start(cfg: EngineConfig) -> Result<Self, EngineError> {
        if !(1..=256).contains(&cfg.workers) {
            return Err(EngineError::WorkerCount {
                workers: cfg.workers,
            });
        }
        let ports = Arc::new(Mutex::new(PortPool::new(cfg.ports.clone())?));
        // Each leg holds up to two sockets. Where the limit cannot be raised, legs past
        // it fail to bind with a clear error, and connected sockets are skipped.
        let _ = crate::sys::raise_fd_limit();
        let (events_tx, events) = sync_channel(cfg.event_capacity);
        let mut workers = Vec::with_capacity(cfg.workers);
        for index in 0..cfg.workers {
            let (tx, rx) = sync_channel(cfg.command_capacity);
            let stats = Arc::new(WorkerStats::default());
            let rng = match cfg.seed {
                Some(seed) => StdRng::seed_from_u64(seed.wrapping_add(index as u64)),
                None => StdRng::from_os_rng(),
            };
            let thread = worker::spawn(WorkerSetup {
                index,
                commands: rx,
                events: events_tx.clone(),
                ports: Arc::clone(&ports),
                stats: Arc::clone(&stats),
                rng,
                rtp_timeout: cfg.rtp_timeout,
                pin: cfg.pin_workers,
            })
            .map_err(EngineError::Spawn)?;
            workers.push(WorkerHandle {
                commands: tx,
                stats,
                thread: Some(thread),
            });
        }
        let directory = Directory {
            load: vec![0; cfg.workers],
            ..Directory::default()
        };
        Ok(Self {
            cfg,
            workers,
            ports,
            directory: Mutex::new(directory),
            next_id: AtomicU64::new(1),
            events_tx,
            events: Mutex::new(events),
        })
    }

    /// Events from every worker. One consumer at a time: the receiver sits behind a
    /// lock so the engine can be shared between threads.
    pub fn events(&self) -> MutexGuard<'_, Receiver<Event>> {
        lock(&self.events)
    }

    /// Each worker's counters.
    pub fn stats(&self) -> Vec<WorkerSnapshot> {
        self.workers.iter().map(|w| w.stats.snapshot()).collect()
    }

    /// The worker that owns `leg`.
    pub fn worker_of(&self, leg: LegId) -> Option<usize> {
        lock(&self.directory).legs.get(&leg).copied()
    }

    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn send(&self, worker: usize, cmd: Command) -> Result<(), EngineError> {
        let w = self
            .workers
            .get(worker)
            .ok_or(EngineError::WorkerGone { worker })?;
        w.commands.try_send(cmd).map_err(|e| send_error(worker, &e))
    }

    fn leg_worker(&self, leg: LegId) -> Result<usize, EngineError> {
        self.worker_of(leg).ok_or(EngineError::UnknownLeg { leg })
    }

    fn conversation_worker(&self, conversation: ConversationId) -> Result<usize, EngineError> {
        lock(&self.directory)
            .conversations
            .get(&conversation)
            .copied()
            .ok_or(EngineError::UnknownConversation { conversation })
    }

    /// Binds a non-blocking socket on the next free even port. Ports some other
    /// program holds are skipped (and go back to the end of the queue).
    fn bind(&self) -> Result<UdpSocket, EngineError> {
        let mut pool = lock(&self.ports);
        let mut busy = Vec::new();
        let result = loop {
            let port = match pool.allocate() {
                Ok(p) => p,
                Err(e) => break Err(EngineError::Ports(e)),
            };
            match UdpSocket::bind((self.cfg.bind_ip, port)) {
                Ok(s) => match s.set_nonblocking(true) {
                    Ok(()) => break Ok(s),
                    Err(source) => break Err(EngineError::Bind { port, source }),
                },
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => busy.push(port),
                Err(source) => {
                    pool.release(port);
                    break Err(EngineError::Bind { port, source });
                }
            }
        };
        for port in busy {
            pool.release(port);
        }
        result
    }

    /// Creates a leg on the least-loaded worker.
    pub fn create_leg(&self, spec: LegSpec) -> Result<LegInfo, EngineError> {
        let worker = lock(&self.directory).least_loaded();
        self.create_leg_on(worker, spec)
    }

    /// Creates a leg on the worker of `conversation`, so it joins without moving.
    pub fn create_leg_near(
        &self,
        conversation: ConversationId,
        spec: LegSpec,
    ) -> Result<LegInfo, EngineError> {
        let worker = self.conversation_worker(conversation)?;
        self.create_leg_on(worker, spec)
    }

    fn create_leg_on(&self, worker: usize, spec: LegSpec) -> Result<LegInfo, EngineError> {
        let socket = self.bind()?;
        let local = socket
            .local_addr()
            .map_err(|source| EngineError::Bind { port: 0, source })?;
        let leg = LegId(self.id());
        if let Err(e) = self.send(worker, Command::CreateLeg { leg, socket, spec }) {
            // The socket went down with the refused command: its port is free again.
            lock(&self.ports).release(local.port());
            return Err(e);
        }
        let mut dir = lock(&self.directory);
        dir.legs.insert(leg, worker);
        dir.load[worker] += 1;
        Ok(LegInfo { leg, local, worker })
    }

    /// Applies a re-INVITE's new SDP to a leg.
    pub fn update_leg(&self, leg: LegId, spec: LegSpec) -> Result<(), EngineError> {
        self.send(self.leg_worker(leg)?, Command::UpdateLeg { leg, spec })
    }

    /// Says which party a leg carries, which decides its audio processing (noise suppression
    /// and [`Event::Talking`] with the `apm` feature; see [`LegRole`]).
    pub fn set_leg_role(&self, leg: LegId, role: LegRole) -> Result<(), EngineError> {
        self.send(self.leg_worker(leg)?, Command::SetRole { leg, role })
    }

    /// Closes a leg; [`Event::LegClosed`] carries its quality figures.
    pub fn destroy_leg(&self, leg: LegId) -> Result<(), EngineError> {
        let worker = self.leg_worker(leg)?;
        self.send(worker, Command::DestroyLeg { leg })?;
        let mut dir = lock(&self.directory);
        dir.legs.remove(&leg);
        dir.load[worker] = dir.load[worker].saturating_sub(1);
        Ok(())
    }

    /// Starts an empty conversation on the least-loaded worker.
    pub fn create_conversation(&self) -> Result<ConversationId, EngineError> {
        let mut dir = lock(&self.directory);
        let worker = dir.least_loaded();
        let conversation = ConversationId(self.id());
        self.send(worker, Command::CreateConversation { conversation })?;
        dir.conversations.insert(conversation, worker);
        dir.load[worker] += 1;
        Ok(conversation)
    }

    /// Starts an empty conversation on the worker that runs `leg` (an agent connection's
    /// conversations stay on one worker, so joining one never moves the leg out of the
    /// others), or on the least-loaded one when the leg is unknown.
    pub fn create_conversation_near(&self, leg: LegId) -> Result<ConversationId, EngineError> {
        let mut dir = lock(&self.directory);
        let worker = dir
            .legs
            .get(&leg)
            .copied()
            .unwrap_or_else(|| dir.least_loaded());
        let conversation = ConversationId(self.id());
        self.send(worker, Command::CreateConversation { conversation })?;
        dir.conversations.insert(conversation, worker);
        dir.load[worker] += 1;
        Ok(conversation)
    }

    /// Ends a conversation; its legs stay, in no conversation.
    pub fn destroy_conversation(&self, conversation: ConversationId) -> Result<(), EngineError> {
        let worker = self.conversation_worker(conversation)?;
        self.send(worker, Command::DestroyConversation { conversation })?;
        let mut dir = lock(&self.directory);
        dir.conversations.remove(&conversation);
        dir.load[worker] = dir.load[worker].saturating_sub(1);
        Ok(())
    }

    /// Adds a leg to a conversation in `mode`, moving the leg to the conversation's
    /// worker if it lives elsewhere.
    pub fn add_member(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        let target = self.conversation_worker(conversation)?;
        let from = self.leg_worker(leg)?;
        if from != target {
            self.move_leg(leg, from, target)?;
        }
        self.send(
            target,
            Command::AddMember {
                conversation,
                leg,
                mode,
            },
        )
    }

    fn move_leg(&self, leg: LegId, from: usize, to: usize) -> Result<(), EngineError> {
        let to_tx = self.workers[to].commands.clone();
        self.send(to, Command::ExpectLeg { leg })?;
        self.send(from, Command::MoveLeg { leg, to: to_tx })?;
        let mut dir = lock(&self.directory);
        dir.legs.insert(leg, to);
        dir.load[from] = dir.load[from].saturating_sub(1);
        dir.load[to] += 1;
        Ok(())
    }

    /// Takes a leg out of a conversation.
    pub fn remove_member(
        &self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Result<(), EngineError> {
        let worker = self.conversation_worker(conversation)?;
        self.send(worker, Command::RemoveMember { conversation, leg })
    }

    /// Changes a member's voice mode (SPEC §5).
    pub fn set_mode(
        &self,
        conversation: ConversationId,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        let worker = self.conversation_worker(conversation)?;
        self.send(
            worker,
            Command::SetMode {
                conversation,
                leg,
                mode,
            },
        )
    }

    /// Sets or clears the conversation's `hold_voice`.
    pub fn set_hold_prompt(
        &self,
        conversation: ConversationId,
        prompt: Option<Prompt>,
    ) -> Result<(), EngineError> {
        let worker = self.conversation_worker(conversation)?;
        self.send(
            worker,
            Command::SetHoldPrompt {
                conversation,
                prompt,
            },
        )
    }

    /// A play id that names its worker in the low 8 bits, so [`Self::stop_play`] needs
    /// no lookup table.
    fn play_id(&self, worker: usize) -> PlayId {
        PlayId((self.id() << 8) | worker as u64)
    }

    /// Plays to one leg, whether or not it is in a conversation.
    pub fn play_to_leg(
        &self,
        leg: LegId,
        what: PlaySource,
        times: Times,
    ) -> Result<PlayId, EngineError> {
        let source = Box::new(what.into_source(times)?);
        let worker = self.leg_worker(leg)?;
        let play = self.play_id(worker);
        self.send(worker, Command::PlayToLeg { leg, play, source })?;
        Ok(play)
    }

    /// Plays to everyone the conversation plays to.
    pub fn play_to_conversation(
        &self,
        conversation: ConversationId,
        what: PlaySource,
        times: Times,
    ) -> Result<PlayId, EngineError> {
        let source = Box::new(what.into_source(times)?);
        let worker = self.conversation_worker(conversation)?;
        let play = self.play_id(worker);
        self.send(
            worker,
            Command::PlayToConversation {
                conversation,
                play,
                source,
            },
        )?;
        Ok(play)
    }

    /// Stops a playback ([`Event::PlaybackDone`] with `Stopped` follows). A playback to
    /// a leg that has since moved to another worker is stopped by destroying or
    /// replacing it instead.
    pub fn stop_play(&self, play: PlayId) -> Result<(), EngineError> {
        self.send((play.0 & 0xFF) as usize, Command::StopPlay { play })
    }

    /// Records the conversation's full mix to a 16-bit PCM WAV file at `path`.
    pub fn start_recording(
        &self,
        conversation: ConversationId,
        path: &Path,
    ) -> Result<(), EngineError> {
        let worker = self.conversation_worker(conversation)?;
        let sink = crate::recorder::start(path, conversation, self.events_tx.clone()).map_err(
            |source| EngineError::Recording {
                path: path.to_path_buf(),
                source,
            },
        )?;
        self.send(worker, Command::StartRecording { conversation, sink })
    }

    /// Stops recording; [`Event::RecordingFinished`] follows once the file is complete.
    pub fn stop_recording(&self, conversation: ConversationId) -> Result<(), EngineError> {
        let worker = self.conversation_worker(conversation)?;
        self.send(worker, Command::StopRecording { conversation })
    }

    /// Sends digits to the leg's phone as RFC 4733 events.
    pub fn send_digits(&self, leg: LegId, digits: &str) -> Result<(), EngineError> {
        let worker = self.leg_worker(leg)?;
        self.send(
            worker,
            Command::SendDigits {
                leg,
                digits: digits.to_owned(),
            },
        )
    }

    /// Stops every worker (closing their legs) and joins the threads.
    pub fn shutdown(mut self) {
        let threads: Vec<_> = self
            .workers
            .iter_mut()
            .filter_map(|w| w.thread.take())
            .collect();
        // Closing the command channels is the stop signal.
        self.workers.clear();
        for t in threads {
            // A worker that panicked has already lost its calls; nothing more to do.
            let _ = t.join();
        }
    }
}
