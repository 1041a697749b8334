//! TCP connection limit and idle reaping.

use std::time::Duration;

use sb_sip::message::Method;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::support::*;

#[actix_rt::test]
async fn connections_over_the_limit_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |c| c.tcp_max_connections = 2).await;
    let server = h.sip.local_addrs().tcp;
    let mut phones = Vec::new();
    for _ in 0..2 {
        let mut p = Phone::tcp(server, USER, PASSWORD).await;
        let options = p.request(Method::Options);
        assert_eq!(p.exchange(&options).await.status, 200);
        phones.push(p);
    }
    let mut third = TcpStream::connect(server).await.unwrap();
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(ANSWER_WITHIN, third.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(
        !matches!(n, Ok(k) if k > 0),
        "the third connection is refused"
    );
    assert_eq!(h.sip.tcp_connections(), 2);
    h.sip.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn idle_connections_are_reaped_and_keepalives_count_as_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |c| c.tcp_idle = Duration::from_secs(600)).await;
    let mut phone = Phone::tcp(h.sip.local_addrs().tcp, USER, PASSWORD).await;
    let options = phone.request(Method::Options);
    assert_eq!(phone.exchange(&options).await.status, 200);
    // A keep-alive at 9 minutes keeps the connection past the 10-minute mark...
    tokio::time::advance(Duration::from_secs(540)).await;
    phone.ping().await;
    tokio::time::advance(Duration::from_secs(540)).await;
    let options = phone.request(Method::Options);
    assert_eq!(phone.exchange(&options).await.status, 200);
    assert_eq!(h.sip.tcp_connections(), 1);
    // ...and ten quiet minutes close it.
    tokio::time::advance(Duration::from_secs(601)).await;
    assert!(phone.wait_closed().await, "the idle connection is closed");
    h.sip.shutdown().await;
}
