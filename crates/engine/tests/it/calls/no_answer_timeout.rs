//! Nobody answers: after `max_dial` the callee is cancelled and the caller gets 480.

use std::time::Duration;

use super::net::{Net, Phone};

#[test]
fn ringing_too_long_cancels_and_answers_480() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let b = Phone::new("1002");
    a.dial(&mut net, "1002");
    let invite = net.request(b.addr, "INVITE");
    b.reply(&mut net, &invite, 180, None);
    net.response(a.addr, 180);
    net.advance(Duration::from_secs(59));
    net.quiet(b.addr);
    net.advance(Duration::from_secs(1));
    let cancel = net.request(b.addr, "CANCEL");
    net.response(a.addr, 480);
    b.reply(&mut net, &cancel, 200, None);
    b.reply(&mut net, &invite, 487, None);
    assert_eq!(net.core.call_legs(), 0);
    let reasons: Vec<_> = net.records.iter().map(|r| r.end_reason.as_str()).collect();
    assert!(reasons.contains(&"no_answer"), "{reasons:?}");
}
