//! RFC 4028: a caller that asked for a session timer and stops refreshing is hung up.

use std::time::Duration;

use bytes::Bytes;

use super::net::{sdp, Net, Phone};

#[test]
fn a_too_short_interval_gets_422_with_min_se() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    a.extra = "Supported: timer\r\nSession-Expires: 30\r\n".into();
    a.dial(&mut net, "1002");
    let r = net.response(a.addr, 422);
    assert_eq!(r.headers.get("Min-SE"), Some("90"));
    net.quiet(Phone::new("1002").addr);
}

#[test]
fn the_caller_asking_for_a_timer_gets_it_and_is_hung_up_without_refresh() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.extra = "Supported: timer\r\nSession-Expires: 300\r\n".into();
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    b.reply(&mut net, &invite, 200, Some(sdp(b.rtp(), "sendrecv")));
    net.request(b.addr, "ACK");
    let ok = net.response(a.addr, 200);
    assert_eq!(ok.headers.get("Session-Expires"), Some("300;refresher=uac"));
    assert_eq!(ok.headers.get("Require"), Some("timer"));
    a.ack(&mut net, &ok);
    // A refresh half-way keeps the call up past the first deadline.
    net.advance(Duration::from_secs(150));
    a.in_dialog(&mut net, "UPDATE", None);
    net.response(a.addr, 200);
    net.advance(Duration::from_secs(200));
    net.quiet(a.addr);
    net.advance(Duration::from_secs(100));
    let bye = net.request(a.addr, "BYE");
    a.reply(&mut net, &bye, 200, None);
    let bye_b = net.request(b.addr, "BYE");
    b.reply(&mut net, &bye_b, 200, None);
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn the_callee_that_stops_refreshing_is_hung_up() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    assert_eq!(invite.headers.get("Supported"), Some("timer"));
    let mut ok = sb_sip::message::Response::from_request(&invite, 200, Some("tb"));
    ok.headers.push("Contact", format!("<sip:1002@{}>", b.addr));
    ok.headers.push("Session-Expires", "120;refresher=uas");
    ok.headers.push("Content-Type", "application/sdp");
    ok.body = Bytes::from(sdp(b.rtp(), "sendrecv"));
    net.send(b.addr, ok.to_bytes());
    net.request(b.addr, "ACK");
    let ok_a = net.response(a.addr, 200);
    a.ack(&mut net, &ok_a);
    // The callee refreshes: no hang-up at the first deadline (120 - 32 s).
    net.advance(Duration::from_secs(80));
    net.quiet(b.addr);
    net.advance(Duration::from_secs(10));
    let bye = net.request(b.addr, "BYE");
    b.reply(&mut net, &bye, 200, None);
    let bye_a = net.request(a.addr, "BYE");
    a.reply(&mut net, &bye_a, 200, None);
    assert!(net
        .records
        .iter()
        .any(|r| r.end_reason.as_str() == "session_expired"));
}
