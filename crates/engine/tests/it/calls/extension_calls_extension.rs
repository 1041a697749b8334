//! Plain PBX calling: 1001 calls 1002, both legs anchored and bridged, 1001 hangs up.

use super::net::{sdp, sdp_addr, Net, Phone};
use sb_sip::message::SipHeaders;

/// Sets up an answered call 1001 → 1002; returns the phones and the INVITE 1002 got.
pub fn answered_call(net: &mut Net) -> (Phone, Phone, sb_sip::message::Request) {
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(net, "1002");
    let invite = net.request(b.addr, "INVITE");
    b.reply(net, &invite, 180, None);
    net.response(a.addr, 180);
    b.reply(net, &invite, 200, Some(sdp(b.rtp(), "sendrecv")));
    let ack = net.request(b.addr, "ACK");
    assert_eq!(ack.call_id(), invite.call_id());
    let ok = net.response(a.addr, 200);
    a.ack(net, &ok);
    (a, b, invite)
}

#[test]
fn both_legs_are_anchored_bridged_and_released() {
    let mut net = Net::new();
    let (mut a, b, invite) = answered_call(&mut net);

    // The callee was offered our RTP endpoint, not the caller's.
    let offered = sdp_addr(&invite.body);
    assert_ne!(offered, a.rtp());
    assert_eq!(invite.uri.user.as_deref(), Some("1002"));
    assert_eq!(invite.from().unwrap().uri.user.as_deref(), Some("1001"));
    let legs = net.media.legs();
    assert_eq!(legs.len(), 2);
    let remotes: Vec<_> = legs.iter().map(|(_, s)| s.remote).collect();
    assert!(
        remotes.contains(&a.rtp()) && remotes.contains(&b.rtp()),
        "{remotes:?}"
    );
    assert_eq!(net.media.bridges().len(), 1);
    assert_eq!(net.core.call_legs(), 2);
    // Both legs are noted in progress as they are answered, before any record: a crash
    // now still leaves their records to close on the next start.
    assert_eq!(net.answered.len(), 2);
    assert!(net.answered.iter().all(|r| r.answer_ms.is_some()));
    assert!(net.records.is_empty());

    a.in_dialog(&mut net, "BYE", None);
    net.response(a.addr, 200);
    let bye = net.request(b.addr, "BYE");
    b.reply(&mut net, &bye, 200, None);
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.media.legs().is_empty() && net.media.bridges().is_empty());
    assert_eq!(net.records.len(), 2);
    assert!(net.records.iter().all(|r| r.answer_ms.is_some()));
    let ids = |r: &[switchboard_engine::core::call::CallRecord]| {
        let mut ids: Vec<String> = r.iter().map(|r| r.call_id.0.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&net.answered), ids(&net.records), "the same legs end");
    net.quiet(a.addr);
    net.quiet(b.addr);
}

#[test]
fn the_callee_hanging_up_ends_the_caller_leg() {
    let mut net = Net::new();
    let (a, mut b, invite) = answered_call(&mut net);
    b.request_to_switch(&mut net, &invite, "BYE");
    net.response(b.addr, 200);
    let bye = net.request(a.addr, "BYE");
    a.reply(&mut net, &bye, 200, None);
    assert_eq!(net.core.call_legs(), 0);
}
