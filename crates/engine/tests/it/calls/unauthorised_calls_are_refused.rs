//! SPEC §13: nothing unauthenticated is routed; numbers outside the call center's
//! patterns are refused; an unknown inbound number on a trunk is 404.

use bytes::Bytes;

use super::net::{sdp, Net, Phone, DID, SWITCH, TRUNK};

#[test]
fn a_number_outside_the_patterns_is_403_and_never_reaches_the_trunk() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    a.dial(&mut net, "0900123");
    net.response(a.addr, 403);
    net.quiet(TRUNK.parse().unwrap());
}

#[test]
fn wrong_credentials_are_challenged_again_and_nothing_is_dialled() {
    let mut net = Net::new();
    let a = Phone::new("1001");
    let text = format!(
        "INVITE sip:5551234@{SWITCH} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};branch=z9hG4bKw1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@{SWITCH}>;tag=w\r\nTo: <sip:5551234@{SWITCH}>\r\n\
         Call-ID: w1\r\nCSeq: 1 INVITE\r\nContact: <sip:1001@{addr}>\r\n\
         Proxy-Authorization: Digest username=\"1001\", realm=\"switchboard\", nonce=\"forged\", uri=\"sip:5551234@{SWITCH}\", response=\"00000000000000000000000000000000\"\r\n\
         Content-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{body}",
        addr = a.addr,
        body = sdp(a.rtp(), "sendrecv"),
        len = sdp(a.rtp(), "sendrecv").len()
    );
    net.send(a.addr, Bytes::from(text));
    net.response(a.addr, 407);
    net.quiet(TRUNK.parse().unwrap());
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn a_trunk_call_to_an_unknown_number_is_404() {
    let mut net = Net::new();
    let trunk = Phone::trunk();
    let text = format!(
        "INVITE sip:9999@{SWITCH} SIP/2.0\r\nVia: SIP/2.0/UDP {TRUNK};branch=z9hG4bKt1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:5550001@{TRUNK}>;tag=p\r\nTo: <sip:9999@{SWITCH}>\r\n\
         Call-ID: t1\r\nCSeq: 1 INVITE\r\nContact: <sip:p@{TRUNK}>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{body}",
        body = sdp(trunk.rtp(), "sendrecv"),
        len = sdp(trunk.rtp(), "sendrecv").len()
    );
    net.send(trunk.addr, Bytes::from(text));
    net.response(trunk.addr, 404);
    let _ = DID;
}

#[test]
fn a_trunk_is_not_held_to_the_per_address_rate_limit() {
    let mut net = Net::with_rate_limit();
    let trunk = Phone::trunk();
    // Far more requests in one instant than a phone's budget (burst 100): all answered.
    for n in 0..150 {
        let text = format!(
            "OPTIONS sip:{SWITCH} SIP/2.0\r\nVia: SIP/2.0/UDP {TRUNK};branch=z9hG4bKr{n}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:p@{TRUNK}>;tag=r\r\nTo: <sip:{SWITCH}>\r\n\
             Call-ID: r{n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        net.send(trunk.addr, Bytes::from(text));
    }
    let answers = net
        .take(trunk.addr)
        .into_iter()
        .filter(|m| matches!(m, sb_sip::message::Message::Response(r) if r.status == 200))
        .count();
    assert_eq!(answers, 150);
}
