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

#[test]
fn a_trunk_that_stops_answering_pings_is_not_dialled() {
    let mut net = Net::new();
    // Pinged at once, and answered: up.
    assert_eq!(net.pings, 1);
    net.trunk_silent = true;
    // The next ping goes unanswered (timer F, 32 s): down.
    net.advance(Duration::from_secs(30 + 33));
    assert!(net.pings >= 2);
    let mut a = Phone::new("1001");
    a.dial(&mut net, "5550000");
    net.response(a.addr, 503);
    net.quiet(super::net::TRUNK.parse().unwrap());
    // It answers again: calls go out again.
    net.trunk_silent = false;
    net.advance(Duration::from_secs(30));
    let mut b = Phone::new("1003");
    b.dial(&mut net, "5550000");
    net.request(super::net::TRUNK.parse().unwrap(), "INVITE");
}
