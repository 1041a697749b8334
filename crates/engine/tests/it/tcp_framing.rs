//! Content-Length framing on TCP (RFC 3261 §18.3): a message split across writes, two
//! messages in one write, CRLF keep-alives (RFC 5626 §4.4.1), and a stream that cannot
//! be framed is closed.

use sb_sip::message::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

#[actix_rt::test]
async fn split_message_is_reassembled() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::tcp(h.sip.local_addrs().tcp, USER, PASSWORD).await;
    let bytes = phone.request(Method::Options).to_bytes();
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    phone.send_raw(head).await;
    tokio::task::yield_now().await;
    phone.send_raw(tail).await;
    assert_eq!(phone.recv().await.status, 200);
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn two_messages_in_one_segment_get_two_answers() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::tcp(h.sip.local_addrs().tcp, USER, PASSWORD).await;
    let mut both = phone.request(Method::Options).to_bytes().to_vec();
    both.extend_from_slice(&phone.register(600).to_bytes());
    phone.send_raw(&both).await;
    let first = phone.recv().await;
    let second = phone.recv().await;
    assert_eq!((first.status, second.status), (200, 401));
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn keepalive_ping_gets_a_pong() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut stream = TcpStream::connect(h.sip.local_addrs().tcp).await.unwrap();
    stream.write_all(b"\r\n\r\n").await.unwrap();
    let mut pong = [0u8; 2];
    tokio::time::timeout(ANSWER_WITHIN, stream.read_exact(&mut pong))
        .await
        .expect("pong in time")
        .unwrap();
    assert_eq!(&pong, b"\r\n");
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn unframeable_stream_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut stream = TcpStream::connect(h.sip.local_addrs().tcp).await.unwrap();
    stream
        .write_all(b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(ANSWER_WITHIN, stream.read_to_end(&mut rest))
        .await
        .expect("closed in time");
    assert!(read.is_ok_and(|n| n == 0), "closed without an answer");
    h.sip.shutdown().await;
}
