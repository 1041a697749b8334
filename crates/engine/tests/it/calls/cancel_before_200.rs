//! The caller gives up while the callee rings: 487 to the caller, CANCEL to the callee.

use super::net::{Net, Phone};

#[test]
fn cancel_reaches_the_callee_and_the_caller_gets_487() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    b.reply(&mut net, &invite, 180, None);
    net.response(a.addr, 180);

    a.cancel(&mut net, "1002");
    net.response(a.addr, 200); // the CANCEL itself
    let final_ = net.response(a.addr, 487);
    a.ack_failure(&mut net, &final_);

    let cancel = net.request(b.addr, "CANCEL");
    b.reply(&mut net, &cancel, 200, None);
    b.reply(&mut net, &invite, 487, None);
    net.request(b.addr, "ACK"); // the transaction ACKs the 487 (§17.1.1.3)
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.media.legs().is_empty());
}

#[test]
fn cancel_before_the_callee_answered_anything_waits_for_its_provisional() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    a.cancel(&mut net, "1002");
    net.response(a.addr, 200);
    net.response(a.addr, 487);
    // §9.1: no CANCEL before a provisional response.
    net.quiet(b.addr);
    b.reply(&mut net, &invite, 180, None);
    let cancel = net.request(b.addr, "CANCEL");
    b.reply(&mut net, &cancel, 200, None);
    b.reply(&mut net, &invite, 487, None);
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn a_200_crossing_the_cancel_is_acked_and_hung_up() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    b.reply(&mut net, &invite, 180, None);
    a.cancel(&mut net, "1002");
    let cancel = net.request(b.addr, "CANCEL");
    // The callee had answered already: its CANCEL finds no pending INVITE (§9.2)...
    b.reply(
        &mut net,
        &invite,
        200,
        Some(super::net::sdp(b.rtp(), "sendrecv")),
    );
    b.reply(&mut net, &cancel, 481, None);
    net.request(b.addr, "ACK");
    let bye = net.request(b.addr, "BYE");
    b.reply(&mut net, &bye, 200, None);
    assert_eq!(net.core.call_legs(), 0);
}
