//! The sockets: one UDP socket, a TCP listener and its connections.
//!
//! Everything received becomes an [`Inbound`] for the endpoint task; everything the
//! transaction layer transmits goes out through [`Outbound::send`], over UDP or back over
//! the TCP connection of the same flow (RFC 3261 §18.2.2: a response goes back on the
//! connection its request came on).

pub mod tcp;
pub mod udp;

use std::net::SocketAddr;
use std::sync::Arc;

use std::net::UdpSocket;

use bytes::Bytes;
use sb_sip::transport::Transport;

pub use tcp::{Connections, TcpConfig};

/// A message (or a datagram that should hold one) from the network.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The bytes of exactly one message (framed already on TCP).
    pub bytes: Bytes,
    /// The remote address.
    pub source: SocketAddr,
    /// Which transport.
    pub transport: Transport,
}

/// Why bytes could not be handed to the network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No open TCP connection to that address (it closed, or was never made).
    #[error("no TCP connection to {dest}")]
    NoConnection {
        /// The remote address.
        dest: SocketAddr,
    },
    /// The connection's write queue is full: the peer is not reading.
    #[error("write queue to {dest} is full")]
    Congested {
        /// The remote address.
        dest: SocketAddr,
    },
    /// The UDP socket refused the datagram.
    #[error("UDP send to {dest}: {source}")]
    Udp {
        /// The remote address.
        dest: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A transport this endpoint does not listen on.
    #[error("transport {transport} is not served")]
    Unsupported {
        /// The transport.
        transport: Transport,
    },
}

/// The sending half of the endpoint's transports.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// The UDP socket (blocking mode), shared with the [`udp`] reader.
    pub udp: Arc<UdpSocket>,
    /// Open TCP connections by remote address.
    pub tcp: Connections,
}

impl Outbound {
    /// Sends `bytes` to `dest`. UDP sends are immediate (they wait only for socket
    /// buffer space, which the endpoint sizes generously); TCP writes are queued to the
    /// connection's own task.
    pub async fn send(
        &self,
        transport: Transport,
        dest: SocketAddr,
        bytes: Bytes,
    ) -> Result<(), SendError> {
        match transport {
            Transport::Udp => self
                .udp
                .send_to(&bytes, dest)
                .map(drop)
                .map_err(|source| SendError::Udp { dest, source }),
            Transport::Tcp => self.tcp.send(dest, bytes),
            other => Err(SendError::Unsupported { transport: other }),
        }
    }
}
