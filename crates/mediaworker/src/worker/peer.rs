//! A leg's fast path: a second socket on its port, connected to where its RTP goes.
//!
//! Per datagram the connected socket costs the kernel less than the port's own socket:
//! a send carries no address and skips the route lookup, and a read needs no address
//! back (see [`crate::sys::connect_peer`]). The kernel gives it only what comes from the
//! peer, so everything else (a peer that moved, a hijack attempt, a datagram to another
//! local address) still reaches the port's socket. The worker's [`Poller`] watches those
//! port sockets and the tick reads them only when something is there.
//!
//! A connected socket is read one datagram at a time, until it yields an RTP packet:
//! the peer sends one per tick. Reading until the socket is empty would take one more
//! system call per leg per tick that finds nothing. So that a burst (a peer catching up
//! after a network stall, a clock running fast) does not wait in the socket, every
//! [`DRAIN_EVERY`]th tick reads it dry; legs take turns by id, so a tick drains only a
//! share of them.

use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};

use crate::sys::{self, Poller};

/// A leg's connected socket is read dry at least once in this many ticks (100 ms);
/// on the other ticks one RTP packet is read.
pub const DRAIN_EVERY: u64 = 5;
/// Datagrams read from one connected socket in one tick at most: the jitter buffer's
/// ring holds no more, and a flood must not stall the other legs.
const READS_MAX: usize = 64;

/// The connected socket and the address it is connected to.
#[derive(Debug)]
pub(crate) struct Peer {
    pub socket: UdpSocket,
    pub to: SocketAddr,
}

/// What a leg's port uses: the connected socket, and the destination one could not be
/// made for (not tried again until the destination changes).
#[derive(Debug, Default)]
pub(crate) struct PeerPath {
    peer: Option<Peer>,
    refused: Option<SocketAddr>,
}

/// What [`PeerPath::follow`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Followed {
    /// Nothing changed.
    Same,
    /// A new connected socket; datagrams that reached it before it was connected may
    /// come from anyone, so the caller reads it once with addresses.
    Connected,
    /// No connected socket now: the port's socket carries everything.
    Dropped,
}

impl PeerPath {
    /// The connected socket, when the leg has one.
    pub fn peer(&self) -> Option<&Peer> {
        self.peer.as_ref()
    }

    /// Keeps the connected socket pointed at `dest` (the leg's RTP destination, None
    /// while the peer asked for nothing). `port` is the leg's own socket, watched by
    /// `poller` under `key` for as long as a connected socket exists.
    pub fn follow(
        &mut self,
        port: &UdpSocket,
        dest: Option<SocketAddr>,
        poller: &Poller,
        key: u64,
    ) -> Followed {
        if self.peer.as_ref().map(|p| p.to) == dest {
            return Followed::Same;
        }
        let had = self.peer.is_some();
        // A new destination gets a new socket: reconnecting would keep the local
        // address the old route chose.
        self.peer = None;
        let made =
            dest.filter(|d| self.refused != Some(*d)).and_then(|to| {
                match sys::connect_peer(port, to) {
                    Ok(socket) => Some(Peer { socket, to }),
                    Err(_) => {
                        self.refused = Some(to);
                        None
                    }
                }
            });
        let Some(peer) = made else {
            if had {
                // The port's socket is read every tick again: no need to watch it.
                let _ = poller.unwatch(port);
            }
            return if had {
                Followed::Dropped
            } else {
                Followed::Same
            };
        };
        if !had && poller.watch(port, key).is_err() {
            // Strays could not be noticed: stay on the port's socket alone.
            self.refused = Some(peer.to);
            return Followed::Same;
        }
        self.peer = Some(peer);
        Followed::Connected
    }

    /// Closes the connected socket and stops watching the port (the leg leaves this
    /// worker).
    pub fn leave(&mut self, port: &UdpSocket, poller: &Poller) {
        if self.peer.take().is_some() {
            let _ = poller.unwatch(port);
        }
        self.refused = None;
    }
}

/// Reads `socket` (connected) into `buf` one datagram at a time, handing each to
/// `take`, which says whether it was an RTP packet. Stops after the first RTP packet
/// unless `drain`, when the socket is empty, or after [`READS_MAX`] datagrams.
pub(crate) fn read_connected(
    socket: &UdpSocket,
    buf: &mut [u8],
    drain: bool,
    mut take: impl FnMut(&[u8]) -> bool,
) {
    let mut errors = 0;
    for _ in 0..READS_MAX {
        match socket.recv(buf) {
            Ok(len) => {
                if take(&buf[..len]) && !drain {
                    return;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            // A connected socket reports ICMP errors (the peer's port closed) on its
            // next call; the report is consumed, so the next read gets the data.
            Err(_) => {
                errors += 1;
                if errors > 1 {
                    return;
                }
            }
        }
    }
}

/// Sends `bytes` on the connected socket; retries once past a reported ICMP error.
pub(crate) fn send_connected(socket: &UdpSocket, bytes: &[u8]) -> bool {
    for _ in 0..2 {
        match socket.send(bytes) {
            Ok(_) => return true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
            Err(_) => {}
        }
    }
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn port() -> UdpSocket {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_nonblocking(true).unwrap();
        s
    }

    /// A leg's port and a peer, the leg connected to the peer.
    fn connected() -> (UdpSocket, UdpSocket, PeerPath) {
        let (leg, peer) = (port(), port());
        let poller = Poller::new().unwrap();
        let mut path = PeerPath::default();
        path.follow(&leg, peer.local_addr().ok(), &poller, 1);
        assert!(path.peer().is_some());
        (leg, peer, path)
    }

    fn drain(s: &UdpSocket) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 100];
        while let Ok(n) = s.recv(&mut buf) {
            out.push(buf[..n].to_vec());
        }
        out
    }

    #[test]
    fn the_peer_reaches_the_connected_socket_and_everyone_else_the_port() {
        let (leg, peer, stranger) = (port(), port(), port());
        let mut poller = Poller::new().unwrap();
        let mut path = PeerPath::default();
        let to = peer.local_addr().unwrap();
        assert_eq!(path.follow(&leg, Some(to), &poller, 7), Followed::Connected);
        let local = leg.local_addr().unwrap();
        peer.send_to(b"peer", local).unwrap();
        stranger.send_to(b"stranger", local).unwrap();
        let fast = &path.peer().unwrap().socket;
        assert_eq!(drain(fast), [b"peer".to_vec()]);
        let mut keys = Vec::new();
        poller.ready(&mut keys).unwrap();
        assert_eq!(keys, [7], "the stray is reported");
        assert_eq!(drain(&leg), [b"stranger".to_vec()]);
        poller.ready(&mut keys).unwrap();
        assert!(keys.is_empty(), "nothing left to report");
        // What the connected socket sends comes from the leg's port.
        assert!(send_connected(fast, b"back"));
        let mut buf = [0u8; 10];
        let (n, from) = peer.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"back"[..], local));
    }

    #[test]
    fn a_dual_stack_port_connects_to_either_family() {
        let leg = UdpSocket::bind("[::]:0").unwrap();
        leg.set_nonblocking(true).unwrap();
        let port = leg.local_addr().unwrap().port();
        for (peer, stranger, to) in [
            ("127.0.0.1:0", "127.0.0.3:0", format!("127.0.0.1:{port}")),
            ("[::1]:0", "127.0.0.3:0", format!("[::1]:{port}")),
        ] {
            let (peer, stranger) = (
                UdpSocket::bind(peer).unwrap(),
                UdpSocket::bind(stranger).unwrap(),
            );
            let poller = Poller::new().unwrap();
            let mut path = PeerPath::default();
            let dest = peer.local_addr().unwrap();
            assert_eq!(
                path.follow(&leg, Some(dest), &poller, 1),
                Followed::Connected,
                "{dest}"
            );
            peer.send_to(b"peer", &to).unwrap();
            stranger
                .send_to(b"stranger", format!("127.0.0.1:{port}"))
                .unwrap();
            assert_eq!(
                drain(&path.peer().unwrap().socket),
                [b"peer".to_vec()],
                "{dest}"
            );
            assert_eq!(drain(&leg), [b"stranger".to_vec()], "{dest}");
            path.leave(&leg, &poller);
        }
    }

    #[test]
    fn no_other_socket_can_join_the_port() {
        let (leg, _peer, _path) = connected();
        let local = leg.local_addr().unwrap();
        assert!(UdpSocket::bind(local).is_err());
        let joiner =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
        joiner.set_reuse_port(true).unwrap();
        assert!(
            joiner.bind(&local.into()).is_err(),
            "SO_REUSEPORT was cleared"
        );
    }

    #[test]
    fn a_new_destination_gets_a_new_socket_and_none_returns_to_the_port() {
        let (leg, a, b) = (port(), port(), port());
        let mut poller = Poller::new().unwrap();
        let mut path = PeerPath::default();
        let (to_a, to_b) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        path.follow(&leg, Some(to_a), &poller, 3);
        assert_eq!(path.follow(&leg, Some(to_a), &poller, 3), Followed::Same);
        assert_eq!(
            path.follow(&leg, Some(to_b), &poller, 3),
            Followed::Connected
        );
        let local = leg.local_addr().unwrap();
        a.send_to(b"old", local).unwrap();
        b.send_to(b"new", local).unwrap();
        assert_eq!(drain(&path.peer().unwrap().socket), [b"new".to_vec()]);
        assert_eq!(drain(&leg), [b"old".to_vec()]);
        assert_eq!(path.follow(&leg, None, &poller, 3), Followed::Dropped);
        assert!(path.peer().is_none());
        a.send_to(b"again", local).unwrap();
        let mut keys = Vec::new();
        poller.ready(&mut keys).unwrap();
        assert!(keys.is_empty(), "the port is no longer watched");
        assert_eq!(drain(&leg), [b"again".to_vec()]);
    }

    #[test]
    fn reading_stops_at_the_first_rtp_packet_unless_draining() {
        let (leg, peer, path) = connected();
        let local = leg.local_addr().unwrap();
        for m in [&b"rtcp"[..], b"rtp1", b"rtp2", b"rtp3"] {
            peer.send_to(m, local).unwrap();
        }
        let fast = &path.peer().unwrap().socket;
        let mut buf = [0u8; 100];
        let mut seen = Vec::new();
        read_connected(fast, &mut buf, false, |b| {
            seen.push(b.to_vec());
            b.starts_with(b"rtp")
        });
        assert_eq!(seen, [b"rtcp".to_vec(), b"rtp1".to_vec()]);
        seen.clear();
        read_connected(fast, &mut buf, true, |b| {
            seen.push(b.to_vec());
            true
        });
        assert_eq!(seen, [b"rtp2".to_vec(), b"rtp3".to_vec()]);
    }
}
