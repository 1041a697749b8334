//! The trunk never answers: timer B ends the attempt and the caller hears 480.

use std::time::Duration;

use super::net::{Net, Phone};

#[test]
fn an_unanswered_trunk_fails_the_call() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let trunk = Phone::trunk();
    a.dial(&mut net, "5550000");
    net.request(trunk.addr, "INVITE");
    net.advance(Duration::from_secs(33));
    net.response(a.addr, 480);
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.media.legs().is_empty());
}
