//! RFC 3261 §17.2.2 server non-INVITE transaction.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::Message;
use switchboard_sip::transaction::{Event, Input, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

#[test]
fn retransmissions_absorbed_in_trying_answered_in_completed_until_timer_j() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let options = request("OPTIONS", "z9hG4bKsn1", "");
    let rx = || Input::Received {
        message: Message::Request(options.clone()),
        source: peer(),
        transport: Transport::Udp,
    };
    let id = layer.handle_input(clock.now(), rx()).unwrap().unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Request { .. }]
    ));
    layer.handle_input(clock.now(), rx()).unwrap();
    assert!(drain(&mut layer).is_empty(), "Trying absorbs");
    layer
        .respond(clock.now(), id, response_to(&options, 200, Some("t")))
        .unwrap();
    drain(&mut layer);
    layer.handle_input(clock.now(), rx()).unwrap();
    assert_eq!(status_of(transmits(&drain(&mut layer))[0]), Some(200));
    clock.advance(Duration::from_secs(32));
    layer.handle_timeout(clock.now());
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
    assert!(layer.is_empty());
}

#[test]
fn reliable_transport_terminates_at_once() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let options = request("OPTIONS", "z9hG4bKsn2", "");
    let rx = Input::Received {
        message: Message::Request(options.clone()),
        source: peer(),
        transport: Transport::Tcp,
    };
    let id = layer.handle_input(clock.now(), rx).unwrap().unwrap();
    drain(&mut layer);
    layer
        .respond(clock.now(), id, response_to(&options, 200, Some("t")))
        .unwrap();
    let out = drain(&mut layer);
    assert!(matches!(events(&out)[..], [Event::Terminated { .. }]));
    assert_eq!(layer.poll_timeout(), None);
}
