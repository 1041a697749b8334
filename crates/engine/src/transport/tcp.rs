//! TCP: the accept loop, one task per connection, and the table that lets responses and
//! later requests to the same flow reuse the connection (RFC 3261 §18.2.2, RFC 5626 §3.5.1).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use dashmap::DashMap;
use sb_sip::framing::{Frame, Framer, PONG};
use sb_sip::transport::Transport;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::{Inbound, SendError};

/// Messages queued for one connection before it counts as congested.
const WRITE_QUEUE: usize = 256;
/// Read size per syscall.
const READ_CHUNK: usize = 16 * 1024;

/// Limits of the TCP side.
#[derive(Debug, Clone, Copy)]
pub struct TcpConfig {
    /// Most connections open at once.
    pub max_connections: usize,
    /// Close a connection after this long without receiving anything.
    pub idle: Duration,
}

/// Open connections by remote address. Cloning shares the table.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    writers: Arc<DashMap<SocketAddr, mpsc::Sender<Bytes>>>,
    open: Arc<AtomicUsize>,
}

impl Connections {
    /// Queues `bytes` on the connection to `dest`.
    pub fn send(&self, dest: SocketAddr, bytes: Bytes) -> Result<(), SendError> {
        // Clone the sender out so no map guard is held while sending.
        let writer = self
            .writers
            .get(&dest)
            .map(|w| w.clone())
            .ok_or(SendError::NoConnection { dest })?;
        writer.try_send(bytes).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::Congested { dest },
            mpsc::error::TrySendError::Closed(_) => SendError::NoConnection { dest },
        })
    }

    /// Number of open connections.
    pub fn len(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// `true` when no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes every connection (their tasks end when their write queue closes).
    pub fn close_all(&self) {
        self.writers.clear();
    }
}

/// Releases a connection's slot and table entry however its task ends.
struct Slot {
    table: Connections,
    peer: SocketAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.table.writers.remove(&self.peer);
        self.table.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts connections until the listener fails or the task is aborted.
pub async fn accept_loop(
    listener: TcpListener,
    table: Connections,
    cfg: TcpConfig,
    inbound: mpsc::Sender<Inbound>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // EMFILE and friends: the condition passes once connections close.
                tracing::warn!(%error, "TCP accept failed");
                tokio::task::yield_now().await;
                continue;
            }
        };
        if table.open.fetch_add(1, Ordering::Relaxed) >= cfg.max_connections {
            table.open.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(source = %peer, limit = cfg.max_connections, "TCP connection limit reached, closing");
            drop(stream);
            continue;
        }
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        table.writers.insert(peer, tx);
        let slot = Slot {
            table: table.clone(),
            peer,
        };
        tokio::spawn(serve(stream, slot, cfg.idle, inbound.clone(), rx));
    }
}

/// Runs one connection: frames what arrives, answers keep-alive pings, writes what the
/// endpoint queues, and closes on EOF, a framing error or idleness.
async fn serve(
    stream: TcpStream,
    slot: Slot,
    idle: Duration,
    inbound: mpsc::Sender<Inbound>,
    mut outgoing: mpsc::Receiver<Bytes>,
) {
    let peer = slot.peer;
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut framer = Framer::default();
    let mut idle_timer = Box::pin(tokio::time::sleep(idle));
    loop {
        tokio::select! {
            read = reader.read_buf(&mut buf) => {
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                // Any bytes, keep-alives included, are traffic (RFC 5626 §4.4.1). The idle
                // limit is a transport timer on tokio's clock, not the endpoint's.
                idle_timer.set(tokio::time::sleep(idle));
                if !drain_frames(&mut framer, &mut buf, peer, &inbound, &mut writer).await {
                    break;
                }
            }
            queued = outgoing.recv() => {
                let Some(bytes) = queued else { break };
                if writer.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            () = &mut idle_timer => {
                tracing::debug!(source = %peer, "closing idle TCP connection");
                break;
            }
        }
    }
    drop(slot);
}

/// Hands every complete frame in `buf` to the endpoint; `false` when the connection must
/// close (a stream that cannot be framed has lost its message boundaries for good).
async fn drain_frames(
    framer: &mut Framer,
    buf: &mut BytesMut,
    peer: SocketAddr,
    inbound: &mpsc::Sender<Inbound>,
    writer: &mut OwnedWriteHalf,
) -> bool {
    loop {
        match framer.next_frame(buf) {
            Ok(Some(Frame::Message(bytes))) => {
                let message = Inbound {
                    bytes,
                    source: peer,
                    transport: Transport::Tcp,
                };
                if inbound.send(message).await.is_err() {
                    return false;
                }
            }
            Ok(Some(Frame::Ping)) => {
                if writer.write_all(PONG).await.is_err() {
                    return false;
                }
            }
            Ok(Some(Frame::Pong)) => {}
            Ok(None) => return true,
            Err(error) => {
                tracing::info!(source = %peer, %error, "closing TCP connection that cannot be framed");
                return false;
            }
        }
    }
}
