//! After shutdown the UDP port is free again: the reader thread has ended and closed its
//! handle of the socket, so a restarted endpoint can bind the same address.

use std::net::UdpSocket;

use crate::support::*;

#[actix_rt::test]
async fn the_udp_port_can_be_bound_again_after_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let udp = h.sip.local_addrs().udp;
    let mut phone = Phone::udp("127.0.0.1", udp, USER, PASSWORD).await;
    assert_eq!(phone.register_with_auth(600).await.status, 200);
    assert!(UdpSocket::bind(udp).is_err(), "the endpoint holds its port");
    h.sip.shutdown().await;
    UdpSocket::bind(udp).expect("the port is free after shutdown");
}
