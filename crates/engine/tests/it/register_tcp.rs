//! REGISTER over TCP: the answers come back on the phone's own connection, and the
//! binding remembers the TCP flow (RFC 3261 §18.2.2, RFC 5626 §3.5.1).

use crate::support::*;

#[actix_rt::test]
async fn register_over_tcp_reuses_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::tcp(h.sip.local_addrs().tcp, USER, PASSWORD).await;
    let ok = phone.register_with_auth(600).await;
    assert_eq!(ok.status, 200);
    assert_eq!(h.sip.tcp_connections(), 1, "one flow, one connection");
    let live = h.sip.registrations_of(USER).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].transport, "tcp");
    assert_eq!(live[0].source, phone.local.to_string());
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn udp_and_tcp_share_the_listen_port() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let addrs = h.sip.local_addrs();
    assert_eq!(addrs.udp, addrs.tcp);
    h.sip.shutdown().await;
}
