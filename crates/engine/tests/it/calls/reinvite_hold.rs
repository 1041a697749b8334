//! A phone's own hold: re-INVITE with a=sendonly is answered a=recvonly and the RTP
//! endpoint stops sending; unhold restores both ways. The other phone sees nothing.

use super::extension_calls_extension::answered_call;
use super::net::{sdp, Net};
use sb_mediaworker::Direction;

#[test]
fn hold_and_unhold_by_reinvite() {
    let mut net = Net::new();
    let (mut a, b, _) = answered_call(&mut net);
    a.in_dialog(&mut net, "INVITE", Some(sdp(a.rtp(), "sendonly")));
    let ok = net.response(a.addr, 200);
    let body = std::str::from_utf8(&ok.body).unwrap();
    assert!(body.contains("a=recvonly"), "{body}");
    a.ack(&mut net, &ok);
    let a_leg = net
        .media
        .legs()
        .into_iter()
        .find(|(_, s)| s.remote == a.rtp())
        .unwrap();
    assert_eq!(a_leg.1.direction, Direction::RecvOnly);

    a.in_dialog(&mut net, "INVITE", Some(sdp(a.rtp(), "sendrecv")));
    let ok = net.response(a.addr, 200);
    assert!(std::str::from_utf8(&ok.body)
        .unwrap()
        .contains("a=sendrecv"));
    a.ack(&mut net, &ok);
    let a_leg = net
        .media
        .legs()
        .into_iter()
        .find(|(_, s)| s.remote == a.rtp())
        .unwrap();
    assert_eq!(a_leg.1.direction, Direction::SendRecv);
    net.quiet(b.addr);
    assert_eq!(net.core.call_legs(), 2);
}
