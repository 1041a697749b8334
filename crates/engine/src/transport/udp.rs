//! The UDP reader: a thread of its own that receives and parses datagrams, so the
//! endpoint task spends its time on transactions and the registrar only.
//!
//! Reading and parsing are a third of a REGISTER's cost and need no shared state, so
//! they run beside the endpoint task (which lives on the caller's runtime, often a
//! single-threaded actix one) instead of on it. One reader keeps arrival order, which
//! RFC 3261 does not require but tests and retransmission matching are simpler with.
//! The socket stays in blocking mode for the reader; the endpoint sends on a clone of it
//! (a UDP send only waits for socket buffer space, as the async send did).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use sb_sip::message::{parse, Message, ParseError};
use sb_sip::transport::Transport;
use tokio::sync::mpsc;

use super::Inbound;

/// Largest datagram read; anything longer is truncated and then refused by the parser.
const DATAGRAM: usize = 65_536;
/// How often an idle reader checks whether the endpoint has gone.
const IDLE_CHECK: Duration = Duration::from_millis(50);

/// A datagram and what parsing it gave.
#[derive(Debug)]
pub struct Datagram {
    /// The raw datagram, for the 400 of a malformed request.
    pub inbound: Inbound,
    /// The parsed message, or why it did not parse.
    pub parsed: Result<Message, ParseError>,
}

/// Starts the reader on `socket` (switched to blocking mode); it ends when `tx`'s
/// receiver is dropped.
pub fn spawn_reader(socket: UdpSocket, tx: mpsc::Sender<Datagram>) -> io::Result<JoinHandle<()>> {
    socket.set_nonblocking(false)?;
    socket.set_read_timeout(Some(IDLE_CHECK))?;
    std::thread::Builder::new()
        .name("sip-udp-reader".into())
        .spawn(move || read(&socket, &tx))
}

fn read(socket: &UdpSocket, tx: &mpsc::Sender<Datagram>) {
    let mut buf = vec![0u8; DATAGRAM];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((len, source)) => {
                if tx.blocking_send(datagram(&buf[..len], source)).is_err() {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if tx.is_closed() {
                    return;
                }
            }
            // e.g. ICMP port unreachable reported on the next read (Linux): harmless.
            Err(error) => tracing::debug!(%error, "UDP receive error"),
        }
    }
}

fn datagram(bytes: &[u8], source: SocketAddr) -> Datagram {
    let bytes = Bytes::copy_from_slice(bytes);
    let parsed = parse(&bytes);
    Datagram {
        inbound: Inbound {
            bytes,
            source,
            transport: Transport::Udp,
        },
        parsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_parses_and_stops_when_the_endpoint_goes() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let (tx, mut rx) = mpsc::channel(4);
        let reader = spawn_reader(socket, tx).unwrap();
        let phone = UdpSocket::bind("127.0.0.1:0").unwrap();
        phone.send_to(b"not sip", addr).unwrap();
        let options = b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKa\r\n\
            From: <sip:a@x>;tag=1\r\nTo: <sip:x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\
            Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        phone.send_to(options, addr).unwrap();
        let first = rx.recv().await.unwrap();
        assert!(first.parsed.is_err());
        assert_eq!(&first.inbound.bytes[..], b"not sip");
        let second = rx.recv().await.unwrap();
        assert!(matches!(second.parsed, Ok(Message::Request(_))));
        assert_eq!(second.inbound.source, phone.local_addr().unwrap());
        drop(rx);
        reader.join().unwrap();
    }
}
