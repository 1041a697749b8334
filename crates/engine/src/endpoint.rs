//! The I/O shell around [`Core`]: binds the sockets, starts the UDP reader thread, runs
//! the endpoint task (one `select!` over datagrams, TCP messages, store answers, commands
//! and a single timer), and performs the core's effects.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngCore as _, SeedableRng as _};
use sb_sip::transport::Transport;
use sb_store::{RegistrationRecord, StoreError, StoreHandle};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::acd_link::{AcdLink, Do, EndpointConnector};
use crate::clock::Clock;
use crate::config::SipConfig;
use crate::core::{CallDeps, Core, Effect};
use crate::directory::Directory;
use crate::ivr_link::{IvrLink, NewSession};
use crate::lookup;
use crate::persist::{self, Write};
use crate::routes::{self, Routes};
use crate::transport::tcp::{accept_loop, Connections, TcpConfig};
use crate::transport::udp::{self, Datagram};
use crate::transport::{Inbound, Outbound};
use sb_mediaworker::MediaEngine;

/// Parsed datagrams queued for the endpoint task before the UDP reader waits (and the
/// socket buffer absorbs the rest).
const DATAGRAM_QUEUE: usize = 4096;
/// TCP messages queued for the endpoint task before connection readers wait.
const INBOUND_QUEUE: usize = 4096;
/// Attempts to find a port free on both UDP and TCP when the configured port is 0.
const BIND_ATTEMPTS: usize = 16;
/// Datagrams handled per wake-up before the task looks at its other inputs and sends.
const RECV_BATCH: usize = 64;
/// Socket buffer asked of the kernel (capped at `net.core.rmem_max`/`wmem_max`). The
/// default (~208 KiB, some 100 REGISTERs) overflows whenever the task pauses for a few
/// milliseconds at a few thousand messages per second; every overflow is a lost request
/// and, for a phone, a 500 ms retransmission.
const UDP_BUFFER: usize = 4 << 20;
/// How long the endpoint sleeps when nothing is scheduled.
const IDLE_WAKE: Duration = Duration::from_secs(3600);

/// Why the endpoint did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A listen socket could not be bound.
    #[error("cannot bind SIP {transport} on {addr}: {source}")]
    Bind {
        /// The transport.
        transport: Transport,
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The UDP reader thread could not be started.
    #[error("cannot start the UDP reader: {0}")]
    Reader(std::io::Error),
    /// Stored registrations, trunks or call centers could not be loaded.
    #[error("cannot load stored state: {0}")]
    Store(#[from] StoreError),
    /// The media plane did not start.
    #[error("cannot start the media plane: {0}")]
    Media(#[from] sb_mediaworker::EngineError),
}

/// The endpoint task is gone (shut down, or it failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the SIP endpoint is not running")]
#[non_exhaustive]
pub struct Stopped;

/// Where the endpoint listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddrs {
    /// The UDP socket.
    pub udp: SocketAddr,
    /// The TCP listener.
    pub tcp: SocketAddr,
}

/// What the endpoint task is told from outside (its handle, IVR sessions).
#[derive(Debug)]
pub(crate) enum Command {
    Registrations {
        user: String,
        reply: oneshot::Sender<Vec<RegistrationRecord>>,
    },
    /// Graceful shutdown: refuse new calls.
    StopTakingCalls,
    /// Graceful shutdown: hang up every call.
    EndAllCalls,
    /// How many call legs are up.
    CallLegs(oneshot::Sender<usize>),
    /// An IVR session asks something of its call.
    Ivr {
        call: crate::core::call::CallId,
        op: crate::core::call::IvrOp,
    },
    /// An IVR session started.
    IvrStarted {
        call: crate::core::call::CallId,
        handle: crate::ivr::IvrHandle,
    },
    /// An IVR session ended.
    IvrEnded {
        call: crate::core::call::CallId,
    },
    /// Ring an agent's extension for the call center.
    RingAgent {
        call: crate::core::call::CallId,
        extension: sb_store::Extension,
        agent: (sb_store::CallCenterId, sb_acd::agent::AgentName),
        reply: crate::acd::RingReply,
    },
    /// Hang a call up (an offer withdrawn).
    HangUpCall {
        call: crate::core::call::CallId,
    },
    /// Hang up every call of an agent (a forced logout).
    HangUpAgent {
        agent: (sb_store::CallCenterId, sb_acd::agent::AgentName),
    },
    /// The call center's hub, for IVR `<enqueue>`.
    AttachAcd(crate::acd::CallCenterHub),
    /// A conversation operation from the API.
    Conversation(Box<crate::conversation::Request>),
    /// News of a queue task a conversation operation created.
    ConversationTask {
        target: Box<crate::conversation::Target>,
        news: crate::conversation::TaskNews,
    },
    /// An IVR caller enters the queue.
    Enqueue {
        call: crate::core::call::CallId,
        callcenter: sb_store::CallCenterId,
        request: crate::ivr::EnqueueRequest,
    },
    /// An IVR caller left its queue (it hung up).
    LeaveQueue {
        call: crate::core::call::CallId,
    },
    /// News of a queued caller's task.
    Queue {
        call: crate::core::call::CallId,
        news: crate::acd_link::QueueNews,
    },
    Shutdown,
}

/// How often counted gauges (calls by state, media workers) are published.
const CENSUS_EVERY: Duration = Duration::from_secs(5);

/// Reads the media workers' counters.
type MediaStats = Box<dyn Fn() -> Vec<sb_mediaworker::WorkerSnapshot> + Send>;

/// Commands queued for the endpoint task (IVR sessions send theirs here too).
const COMMAND_QUEUE: usize = 4096;

/// Starts SIP endpoints.
#[derive(Debug, Clone, Copy)]
pub struct SipEndpoint;

/// The running endpoint, as the rest of the program sees it.
#[derive(Debug)]
pub struct SipHandle {
    local: LocalAddrs,
    commands: mpsc::Sender<Command>,
    directory: Directory,
    connections: Connections,
    endpoint: JoinHandle<()>,
    accept: JoinHandle<()>,
    writer: JoinHandle<()>,
    cdr_writer: JoinHandle<()>,
    lookup: JoinHandle<()>,
    reader: std::thread::JoinHandle<()>,
    media: Arc<MediaEngine>,
    media_events: std::thread::JoinHandle<()>,
    routes: Routes,
}

impl SipEndpoint {
    /// Binds UDP and TCP on `cfg.listen`, loads stored registrations and starts serving,
    /// without IVR sessions (calls to inbound numbers get 480).
    /// Must be called inside a tokio runtime (an actix `System` is one).
    pub async fn start(cfg: SipConfig, store: StoreHandle) -> Result<SipHandle, StartError> {
        Self::start_with(cfg, store, None).await
    }

    /// As [`SipEndpoint::start`], with IVR sessions run by `ivr` for calls to inbound
    /// numbers (SPEC §10, §13).
    pub async fn start_with(
        cfg: SipConfig,
        store: StoreHandle,
        ivr: Option<crate::ivr::IvrServices>,
    ) -> Result<SipHandle, StartError> {
        let (udp, listener) = bind(cfg.listen).await?;
        let local = LocalAddrs {
            udp: local_addr(&udp.local_addr(), cfg.listen, Transport::Udp)?,
            tcp: local_addr(&listener.local_addr(), cfg.listen, Transport::Tcp)?,
        };
        let stored = store.run(|s| s.registrations(None)).await?;
        let routes = Routes::new(routes::load(&store).await?);
        let media = Arc::new(MediaEngine::start(cfg.media.clone())?);
        let deps = CallDeps {
            media: Arc::clone(&media) as Arc<dyn crate::media::MediaPlane>,
            routes: routes.clone(),
        };
        let clock = Arc::clone(&cfg.clock);
        let mut rng = StdRng::from_os_rng();
        let mut keys = ([0u8; 32], [0u8; 32]);
        rng.fill_bytes(&mut keys.0);
        rng.fill_bytes(&mut keys.1);
        let directory = Directory::new(cfg.extension_cache_ttl);
        let mut core = Core::new(&cfg, clock.now(), keys, directory.clone(), local.udp, deps);
        let users: std::collections::BTreeSet<String> =
            stored.iter().map(|r| r.user.clone()).collect();
        let skipped = core.import(clock.now(), clock.unix_ms(), stored);
        let mut registrations = RegistrationGauge::default();
        for user in users {
            let live = core
                .registrations(&user, clock.now(), clock.unix_ms())
                .len();
            registrations.set(user, live);
        }
        tracing::info!(udp = %local.udp, tcp = %local.tcp, skipped_registrations = skipped, "SIP endpoint listening");

        // One socket, two handles: the reader thread receives, the endpoint task sends.
        let udp = udp.into_std().map_err(StartError::Reader)?;
        let receiving = udp.try_clone().map_err(StartError::Reader)?;
        let (datagrams_tx, datagrams_rx) = mpsc::channel(DATAGRAM_QUEUE);
        let reader = udp::spawn_reader(receiving, datagrams_tx).map_err(StartError::Reader)?;
        let udp = Arc::new(udp);
        let connections = Connections::default();
        let (inbound_tx, inbound_rx) = mpsc::channel(INBOUND_QUEUE);
        let tcp_cfg = TcpConfig {
            max_connections: cfg.tcp_max_connections,
            idle: cfg.tcp_idle,
        };
        let accept = tokio::spawn(accept_loop(
            listener,
            connections.clone(),
            tcp_cfg,
            inbound_tx,
        ));
        // Conversations and answered calls that were up when the server stopped ended then.
        let now_ms = clock.unix_ms();
        let (closed, calls) = store
            .run(move |s| {
                let conversations = s.close_running_conversations(now_ms)?;
                Ok((conversations, s.close_interrupted_calls(now_ms)?))
            })
            .await?;
        if closed > 0 || calls > 0 {
            tracing::warn!(
                conversations = closed,
                calls,
                "conversations and calls left up by the last stop were closed"
            );
        }
        let (persist, writer) = persist::spawn_writer(store.clone());
        let (cdr, cdr_writer) = crate::cdr::spawn_writer(store.clone());
        let (commands, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let ivr = ivr.map(|services| IvrLink::new(services, store.clone(), commands.clone()));
        let acd = AcdLink::new(ivr.as_ref().map(IvrLink::prompts));
        let mut conv = crate::conversation::ConvLink::default();
        conv.set_files(ivr.as_ref().and_then(IvrLink::files));
        conv.set_prompts(ivr.as_ref().map(IvrLink::prompts));
        let (answers, lookups_rx) = mpsc::unbounded_channel();
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        let media_events =
            spawn_media_events(Arc::clone(&media), media_tx).map_err(StartError::Reader)?;
        let (lookups, lookup) = lookup::spawn(store.clone(), answers);
        let shell = Shell {
            core,
            clock,
            out: Outbound {
                udp,
                tcp: connections.clone(),
            },
            persist,
            lookups,
            registrations,
            ivr,
            acd,
            media_stats: Some({
                let media = Arc::clone(&media);
                Box::new(move || media.stats()) as MediaStats
            }),
            commands: commands.clone(),
            cdr,
            conv,
            store: store.clone(),
        };
        let endpoint =
            tokio::spawn(shell.run(datagrams_rx, inbound_rx, commands_rx, lookups_rx, media_rx));
        Ok(SipHandle {
            local,
            commands,
            directory,
            connections,
            endpoint,
            accept,
            writer,
            cdr_writer,
            lookup,
            reader,
            media,
            media_events,
            routes,
        })
    }
}

/// How long the media-event thread waits before checking that the endpoint still runs.
const MEDIA_EVENT_POLL: Duration = Duration::from_millis(200);

/// Moves media-plane events (a std channel fed by worker threads) to the endpoint task.
fn spawn_media_events(
    media: Arc<MediaEngine>,
    to_endpoint: mpsc::UnboundedSender<sb_mediaworker::Event>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("sb-media-events".into())
        .spawn(move || loop {
            let event = media.events().recv_timeout(MEDIA_EVENT_POLL);
            match event {
                Ok(event) => {
                    if to_endpoint.send(event).is_err() {
                        return;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) if to_endpoint.is_closed() => {
                    return
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        })
}

impl SipHandle {
    /// The bound UDP and TCP addresses (useful when the configured port was 0).
    pub fn local_addrs(&self) -> LocalAddrs {
        self.local
    }

    /// The live bindings of a SIP user, straight from the registrar.
    pub async fn registrations_of(&self, user: &str) -> Result<Vec<RegistrationRecord>, Stopped> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Registrations {
            user: user.to_owned(),
            reply,
        };
        self.commands.send(command).await.map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Drops the cached extension of `user`: call it when an extension is created,
    /// changed or deleted so the next REGISTER sees the change at once.
    pub fn forget_extension(&self, user: &str) {
        self.directory.forget(user);
    }

    /// The extension cache, shared: the HTTP side keeps it to drop an entry the moment an
    /// extension is created or deleted, without holding the endpoint.
    pub fn directory(&self) -> crate::directory::Directory {
        self.directory.clone()
    }

    /// The routing snapshot (trunks, call center settings); reload it after they change.
    pub fn routes(&self) -> Routes {
        self.routes.clone()
    }

    /// The connector that rings agents through this endpoint, for the call center's hub.
    pub fn agent_connector(&self, store: StoreHandle) -> EndpointConnector {
        EndpointConnector::new(self.commands.clone(), store)
    }

    /// Hands IVR `<enqueue>`s to `hub` from now on.
    pub async fn attach_acd(&self, hub: crate::acd::CallCenterHub) -> Result<(), Stopped> {
        self.commands
            .send(Command::AttachAcd(hub))
            .await
            .map_err(|_| Stopped)
    }

    /// The media plane the endpoint's calls run on.
    pub fn media(&self) -> Arc<MediaEngine> {
        Arc::clone(&self.media)
    }

    /// The API's handle on conversations and agent operations.
    pub fn conversations(
        &self,
        hub: crate::acd::CallCenterHub,
        store: StoreHandle,
    ) -> crate::conversation::Conversations {
        crate::conversation::Conversations::new(self.commands.clone(), hub, store)
    }

    /// Number of call legs up.
    pub async fn call_legs(&self) -> Result<usize, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::CallLegs(reply))
            .await
            .map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// SPEC §14 graceful shutdown: new calls get 503 at once, running calls may finish
    /// for up to `grace`, then every call is hung up (BYE) before the endpoint stops.
    pub async fn shutdown_gracefully(self, grace: Duration) {
        let _ = self.commands.send(Command::StopTakingCalls).await;
        let _ = tokio::time::timeout(grace, self.calls_gone(Duration::from_millis(100))).await;
        let _ = self.commands.send(Command::EndAllCalls).await;
        // The BYEs need their answers (or timer F) to finish; two seconds is plenty on
        // a live network, and a dead peer must not hold the shutdown for 32 s.
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.calls_gone(Duration::from_millis(50)),
        )
        .await;
        self.shutdown().await;
    }

    /// Resolves once no call leg is up (or the endpoint is gone), checking every `every`.
    async fn calls_gone(&self, every: Duration) {
        while matches!(self.call_legs().await, Ok(n) if n > 0) {
            tokio::time::sleep(every).await;
        }
    }

    /// Number of open TCP connections.
    pub fn tcp_connections(&self) -> usize {
        self.connections.len()
    }

    /// Stops listening, closes connections and flushes pending registration writes.
    pub async fn shutdown(self) {
        let _ = self.commands.send(Command::Shutdown).await;
        let _ = self.endpoint.await;
        // The endpoint task held the only sender of users: the lookup task ends.
        let _ = self.lookup.await;
        // The reader notices the endpoint is gone within its idle check and ends, closing
        // the socket, so the port is free once shutdown returns.
        let reader = self.reader;
        let _ = tokio::task::spawn_blocking(move || reader.join()).await;
        self.accept.abort();
        let _ = self.accept.await;
        self.connections.close_all();
        // The endpoint task held the only write-behind sender: the writer drains and ends.
        let _ = self.writer.await;
        let _ = self.cdr_writer.await;
        // The endpoint's receiver is gone: the media-event thread ends within its poll.
        let events = self.media_events;
        let _ = tokio::task::spawn_blocking(move || events.join()).await;
        if let Ok(media) = Arc::try_unwrap(self.media) {
            let _ = tokio::task::spawn_blocking(move || media.shutdown()).await;
        }
        tracing::info!(udp = %self.local.udp, "SIP endpoint stopped");
    }
}

fn local_addr(
    got: &std::io::Result<SocketAddr>,
    addr: SocketAddr,
    transport: Transport,
) -> Result<SocketAddr, StartError> {
    got.as_ref().map(|a| *a).map_err(|e| StartError::Bind {
        transport,
        addr,
        source: std::io::Error::new(e.kind(), e.to_string()),
    })
}

/// Binds UDP, then TCP on the same port; with port 0, retries until one port is free on both.
async fn bind(addr: SocketAddr) -> Result<(UdpSocket, TcpListener), StartError> {
    let attempts = if addr.port() == 0 { BIND_ATTEMPTS } else { 1 };
    let mut last = None;
    for _ in 0..attempts {
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|source| StartError::Bind {
                transport: Transport::Udp,
                addr,
                source,
            })?;
        enlarge_buffers(&udp);
        let port = local_addr(&udp.local_addr(), addr, Transport::Udp)?.port();
        let tcp_addr = SocketAddr::new(addr.ip(), port);
        match TcpListener::bind(tcp_addr).await {
            Ok(listener) => return Ok((udp, listener)),
            Err(source) => {
                last = Some(StartError::Bind {
                    transport: Transport::Tcp,
                    addr: tcp_addr,
                    source,
                });
            }
        }
    }
    Err(last.unwrap_or(StartError::Bind {
        transport: Transport::Tcp,
        addr,
        source: std::io::ErrorKind::AddrInUse.into(),
    }))
}

/// Best effort: a smaller buffer than asked only means drops come sooner under load.
fn enlarge_buffers(udp: &UdpSocket) {
    let socket = socket2::SockRef::from(udp);
    if let Err(error) = socket.set_recv_buffer_size(UDP_BUFFER) {
        tracing::debug!(%error, "UDP receive buffer left at the default");
    }
    if let Err(error) = socket.set_send_buffer_size(UDP_BUFFER) {
        tracing::debug!(%error, "UDP send buffer left at the default");
    }
}

/// The endpoint task's state.
struct Shell {
    core: Core,
    clock: Arc<dyn Clock>,
    out: Outbound,
    persist: mpsc::UnboundedSender<Write>,
    lookups: mpsc::UnboundedSender<String>,
    registrations: RegistrationGauge,
    ivr: Option<IvrLink>,
    acd: AcdLink,
    /// The media workers' counters, for the census.
    media_stats: Option<MediaStats>,
    /// The task's own command queue, for answers that arrive later (queue news).
    commands: mpsc::Sender<Command>,
    cdr: mpsc::UnboundedSender<crate::cdr::CdrWrite>,
    /// Every conversation and agent connection.
    conv: crate::conversation::ConvLink,
    store: StoreHandle,
}

/// Live bindings per SIP user, published as the `switchboard_registrations` gauge. Every
/// change of a user's bindings already leaves the core as a write of the whole set, so
/// counting happens there, without scanning the registrar.
#[derive(Debug, Default)]
struct RegistrationGauge {
    per_user: HashMap<String, usize>,
    total: usize,
}

impl RegistrationGauge {
    fn set(&mut self, user: String, live: usize) {
        let before = if live == 0 {
            self.per_user.remove(&user).unwrap_or(0)
        } else {
            self.per_user.insert(user, live).unwrap_or(0)
        };
        self.total = self.total + live - before;
        metrics::gauge!("switchboard_registrations").set(self.total as f64);
        metrics::gauge!("switchboard_registered_users").set(self.per_user.len() as f64);
    }
}

impl Shell {
    async fn run(
        mut self,
        mut datagrams: mpsc::Receiver<Datagram>,
        mut inbound: mpsc::Receiver<Inbound>,
        mut commands: mpsc::Receiver<Command>,
        mut lookups: mpsc::UnboundedReceiver<lookup::Answer>,
        mut media: mpsc::UnboundedReceiver<sb_mediaworker::Event>,
    ) {
        let mut census = tokio::time::interval(CENSUS_EVERY);
        census.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let next = match (self.core.poll_timeout(), self.conv.next_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let delay = next.map_or(IDLE_WAKE, |at| {
                at.saturating_duration_since(self.clock.now())
            });
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::Registrations { user, reply }) => {
                        let records = self.core.registrations(&user, self.clock.now(), self.clock.unix_ms());
                        let _ = reply.send(records);
                    }
                    Some(Command::StopTakingCalls) => self.core.stop_taking_calls(),
                    Some(Command::EndAllCalls) => {
                        self.core.end_all_calls(self.clock.now(), self.clock.unix_ms());
                    }
                    Some(Command::CallLegs(reply)) => {
                        let _ = reply.send(self.core.call_legs());
                    }
                    Some(Command::Ivr { call, op }) => {
                        self.core.on_ivr(self.clock.now(), self.clock.unix_ms(), &call, op);
                    }
                    Some(Command::IvrStarted { call, handle }) => {
                        if let Some(ivr) = &mut self.ivr {
                            ivr.started(call, handle);
                        }
                    }
                    Some(Command::IvrEnded { call }) => {
                        if let Some(ivr) = &mut self.ivr {
                            ivr.ended(&call);
                        }
                    }
                    Some(Command::RingAgent { call, extension, agent, reply }) => {
                        let todo = self.acd.ring(call, extension, agent, reply);
                        self.apply(todo);
                    }
                    Some(Command::HangUpCall { call }) => self.apply(vec![Do::HangUp(call)]),
                    Some(Command::HangUpAgent { agent }) => {
                        let mut todo = self.acd.hang_up_agent(&agent);
                        todo.extend(self.conv.agent_calls(&agent.0, &agent.1).map(Do::HangUp));
                        self.apply(todo);
                    }
                    Some(Command::AttachAcd(hub)) => {
                        self.conv.attach(hub.clone(), self.commands.clone(), self.store.clone());
                        self.acd.attach(hub);
                    }
                    Some(Command::Enqueue { call, callcenter, request }) => {
                        let todo = self.acd.enqueue(call, callcenter, request, self.commands.clone());
                        self.apply(todo);
                    }
                    Some(Command::LeaveQueue { call }) => {
                        let todo = self.acd.caller_left_queue(&call);
                        self.apply(todo);
                    }
                    Some(Command::Queue { call, news }) => {
                        let todo = self.acd.queue_news(&call, news);
                        self.apply(todo);
                    }
                    Some(Command::Conversation(request)) => {
                        self.with_conv(|conv, ctx| conv.request(ctx, *request));
                    }
                    Some(Command::ConversationTask { target, news }) => {
                        self.with_conv(|conv, ctx| conv.on_task(ctx, *target, news));
                    }
                    Some(Command::Shutdown) | None => break,
                },
                _ = census.tick() => self.census(),
                Some(event) = media.recv() => {
                    self.core.on_media_event(self.clock.now(), self.clock.unix_ms(), &event);
                    self.conversation_media_event(&event);
                }
                // Work already under way before new work: under a flood the network is
                // always ready, and store answers (which release parked REGISTERs) and
                // timers must not wait behind it.
                Some((user, result)) = lookups.recv() => {
                    self.core.on_lookup(self.clock.now(), self.clock.unix_ms(), &user, result);
                }
                () = tokio::time::sleep(delay) => {
                    self.core.on_timeout(self.clock.now(), self.clock.unix_ms());
                    self.with_conv(|conv, ctx| conv.on_timer(ctx));
                }
                Some(datagram) = datagrams.recv() => {
                    self.on_datagram(datagram);
                    self.drain_datagrams(&mut datagrams);
                }
                Some(message) = inbound.recv() => self.on_inbound(message),
            }
            self.perform().await;
        }
    }

    fn on_datagram(&mut self, datagram: Datagram) {
        // New INVITEs are timed from arrival to the end of their handling: routing, both
        // RTP endpoints, our answer's SDP and the outbound INVITE all happen in here.
        let initial_invite = matches!(
            &datagram.parsed,
            Ok(sb_sip::message::Message::Request(r))
                if r.method == sb_sip::message::Method::Invite
                    && sb_sip::message::SipHeaders::to(r).is_some_and(|t| t.tag().is_none())
        );
        let start = self.clock.now();
        self.core.on_datagram(start, self.clock.unix_ms(), datagram);
        if initial_invite {
            let took = self.clock.now().saturating_duration_since(start);
            metrics::histogram!("switchboard_invite_handling_duration_seconds")
                .record(took.as_secs_f64());
        }
    }

    /// Handles datagrams already queued, without going back through `select!`: under load
    /// the queue rarely runs dry, and one pass per datagram over every other input (and a
    /// fresh timer) would cost more than the datagram. Bounded, so commands, TCP and
    /// timers still get their turn.
    fn drain_datagrams(&mut self, datagrams: &mut mpsc::Receiver<Datagram>) {
        for _ in 1..RECV_BATCH {
            match datagrams.try_recv() {
                Ok(datagram) => self.on_datagram(datagram),
                Err(_) => return,
            }
        }
    }

    fn on_inbound(&mut self, inbound: Inbound) {
        self.core
            .on_inbound(self.clock.now(), self.clock.unix_ms(), inbound);
    }

    /// Publishes the gauges that are counted rather than kept: calls by state, bridged
    /// pairs, IVR sessions, queued callers, running conversations and their members per
    /// voice mode, and each media worker's counters.
    fn census(&mut self) {
        let (states, bridged) = self.core.call_census();
        for (state, n) in states {
            metrics::gauge!("switchboard_calls", "state" => state).set(n as f64);
        }
        metrics::gauge!("switchboard_call_bridges").set(bridged as f64);
        if let Some(ivr) = &self.ivr {
            metrics::gauge!("switchboard_ivr_sessions").set(ivr.sessions() as f64);
        }
        metrics::gauge!("switchboard_queued_callers").set(self.acd.queued_callers() as f64);
        let running = self.conv.running_members();
        metrics::gauge!("switchboard_conversations").set(running.len() as f64);
        let mut per_mode = [0usize; 4];
        for (_, members) in &running {
            for (_, _, mode) in members {
                if let Some(n) = per_mode.get_mut(usize::from(mode.get()).wrapping_sub(1)) {
                    *n += 1;
                }
            }
        }
        for (mode, n) in ["1", "2", "3", "4"].into_iter().zip(per_mode) {
            metrics::gauge!("switchboard_conversation_members", "mode" => mode).set(n as f64);
        }
        if let Some(stats) = &self.media_stats {
            for (i, w) in stats().into_iter().enumerate() {
                let worker = i.to_string();
                metrics::counter!("switchboard_media_ticks_total", "worker" => worker.clone())
                    .absolute(w.ticks);
                metrics::counter!("switchboard_media_tick_overruns_total", "worker" => worker.clone())
                    .absolute(w.overruns);
                metrics::gauge!("switchboard_media_tick_work_max_seconds", "worker" => worker.clone())
                    .set(w.max_work_us as f64 / 1e6);
                metrics::gauge!("switchboard_media_legs", "worker" => worker.clone())
                    .set(w.legs as f64);
                metrics::gauge!("switchboard_media_conversations", "worker" => worker.clone())
                    .set(w.conversations as f64);
                metrics::counter!("switchboard_rtp_datagrams_received_total", "worker" => worker.clone())
                    .absolute(w.rx_datagrams);
                metrics::counter!("switchboard_rtp_datagrams_sent_total", "worker" => worker)
                    .absolute(w.tx_datagrams);
            }
        }
    }

    /// Runs a conversation step with the core, then does what it asks of the IVR and the
    /// queue link.
    fn with_conv<R>(
        &mut self,
        step: impl FnOnce(&mut crate::conversation::ConvLink, &mut crate::conversation::Ctx<'_>) -> R,
    ) -> R {
        let mut ctx = crate::conversation::Ctx {
            core: &mut self.core,
            now: self.clock.now(),
            ms: self.clock.unix_ms(),
        };
        let result = step(&mut self.conv, &mut ctx);
        for out in std::mem::take(&mut self.conv.out) {
            match out {
                crate::conversation::Out::TellIvr(call, message) => {
                    if let Some(ivr) = &mut self.ivr {
                        ivr.tell(call, message);
                    }
                }
                crate::conversation::Out::QueueCallerDone(call) => self.acd.forget(&call),
                crate::conversation::Out::Recorded(recorded) => self.store_recording(*recorded),
            }
        }
        result
    }

    /// A conversation's recording file is complete (or failed).
    fn conversation_media_event(&mut self, event: &sb_mediaworker::Event) {
        let (conversation, complete) = match event {
            sb_mediaworker::Event::RecordingFinished { conversation, .. } => (*conversation, true),
            sb_mediaworker::Event::RecordingFailed { conversation, .. } => (*conversation, false),
            _ => return,
        };
        self.with_conv(|conv, ctx| conv.on_recording_done(ctx, conversation, complete));
    }

    /// Publishes a finished conversation recording and stores its row, off the endpoint
    /// task (file moves and the store block).
    fn store_recording(&self, recorded: crate::conversation::Recorded) {
        let Some(files) = self.ivr.as_ref().and_then(IvrLink::files) else {
            return;
        };
        let store = self.store.clone();
        tokio::spawn(async move {
            let row = tokio::task::spawn_blocking(move || recorded.publish(&files)).await;
            if let Ok(Some(row)) = row {
                if let Err(error) = store.run(move |s| s.save_recording(&row)).await {
                    tracing::warn!(%error, "conversation recording row not stored");
                }
            }
        });
    }

    /// Does what the call-center link asks, on the core and the IVR sessions.
    fn apply(&mut self, todo: Vec<Do>) {
        let (now, ms) = (self.clock.now(), self.clock.unix_ms());
        for step in todo {
            match step {
                Do::Originate(call, extension) => {
                    self.core
                        .originate_to_extension(now, ms, call, &extension, "callcenter");
                }
                Do::HangUp(call) => self.core.hangup_call(now, ms, &call),
                Do::PlayMusic(call, prompt) => {
                    let prompt = prompt.unwrap_or_else(sb_media::builtin::hold_music);
                    if let Some(play) = self.core.play_loop(&call, prompt) {
                        self.acd.music_started(&call, play);
                    }
                }
                Do::PlayNumber(call, pre, num, post) => {
                    self.core.play_number(&call, pre, num, post);
                }
                Do::StopMusic(play) => self.core.stop_playback(play),
                Do::Converse(joined) => {
                    let crate::acd_link::Joined {
                        cc,
                        caller,
                        agent,
                        extension,
                        agent_call,
                        task,
                        terms,
                        hold,
                    } = *joined;
                    let conversation = self.with_conv(|conv, ctx| {
                        conv.queue_answered(
                            ctx,
                            &cc,
                            &caller,
                            &agent,
                            extension,
                            &agent_call,
                            &task,
                            &terms,
                        )
                    });
                    match (conversation, hold) {
                        (None, _) => {
                            // One of them is gone already: both go.
                            let todo = self.acd.not_joined(&caller, &agent_call);
                            self.apply(todo);
                        }
                        (Some(_), Some(prompt)) => {
                            self.with_conv(|conv, ctx| conv.set_hold_voice(ctx, &caller, prompt))
                        }
                        (Some(_), None) => {}
                    }
                }
                Do::HoldVoice(caller, prompt) => {
                    self.with_conv(|conv, ctx| conv.set_hold_voice(ctx, &caller, prompt))
                }
                Do::TellIvr(call, message) => {
                    if let Some(ivr) = &mut self.ivr {
                        ivr.tell(call, message);
                    }
                }
            }
        }
    }

    async fn perform(&mut self) {
        while let Some(effect) = self.core.poll_effect() {
            match effect {
                Effect::Transmit {
                    dest,
                    transport,
                    bytes,
                } => {
                    if let Err(error) = self.out.send(transport, dest, bytes).await {
                        tracing::debug!(%error, "transmit failed");
                    }
                }
                Effect::Lookup(user) => {
                    let _ = self.lookups.send(user);
                }
                Effect::StartIvr {
                    call,
                    callcenter,
                    ivr_url,
                    from,
                    to,
                } => match &self.ivr {
                    Some(ivr) => ivr.start(NewSession {
                        call,
                        callcenter,
                        ivr_url,
                        from,
                        to,
                    }),
                    None => {
                        self.core
                            .ivr_unavailable(self.clock.now(), self.clock.unix_ms(), &call);
                    }
                },
                Effect::Ivr { call, message } => {
                    if let Some(ivr) = &mut self.ivr {
                        ivr.tell(call, message);
                    }
                }
                Effect::Originated { call, outcome } => {
                    if self.conv.owns(&call) {
                        self.with_conv(|conv, ctx| conv.on_originated(ctx, &call, outcome));
                    } else {
                        self.acd.originated(&call, outcome);
                    }
                }
                Effect::LegEnded { call, .. } => {
                    self.with_conv(|conv, ctx| conv.on_leg_ended(ctx, &call));
                }
                Effect::Ringing { call } => {
                    if self.conv.owns(&call) {
                        self.with_conv(|conv, ctx| conv.on_ringing(ctx, &call));
                    }
                }
                Effect::CallQuality {
                    call,
                    packets_lost,
                    jitter_ms,
                } => {
                    let _ = self.cdr.send(crate::cdr::CdrWrite::Quality {
                        call: call.0,
                        packets_lost,
                        jitter_ms,
                    });
                }
                Effect::CallAnswered(record) => {
                    let setup = record.answer_ms.unwrap_or(record.start_ms) - record.start_ms;
                    metrics::histogram!("switchboard_call_setup_seconds", "direction" => record.direction.as_str())
                        .record(Duration::from_millis(setup).as_secs_f64());
                    let _ = self.cdr.send(crate::cdr::CdrWrite::Began(record));
                }
                Effect::CallEnded(record) => {
                    self.acd.call_ended(&record.call_id);
                    metrics::counter!("switchboard_call_legs_ended_total", "reason" => record.end_reason.as_str()).increment(1);
                    let _ = self.cdr.send(crate::cdr::CdrWrite::Record(record));
                }
                Effect::Persist(write) => {
                    self.registrations
                        .set(write.user.clone(), write.records.len());
                    let _ = self.persist.send(write);
                }
            }
        }
    }
}
