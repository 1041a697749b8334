//! RFC 3261 §17.2.3 request matching, including the RFC 2543 fallback, and ACK for 2xx.

use sb_testkit::FakeClock;
use switchboard_sip::message::{Message, Request};
use switchboard_sip::transaction::{Event, Input, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

fn rx(r: Request) -> Input {
    Input::Received {
        message: Message::Request(r),
        source: peer(),
        transport: Transport::Udp,
    }
}

#[test]
fn rfc2543_invite_without_cookie_is_matched_by_dialog_fields() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "old-branch-1", "");
    let id = layer
        .handle_input(clock.now(), rx(invite.clone()))
        .unwrap()
        .unwrap();
    drain(&mut layer);
    let again = layer
        .handle_input(clock.now(), rx(invite.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(id, again);
    assert!(events(&drain(&mut layer)).is_empty());
    layer
        .respond(clock.now(), id, response_to(&invite, 404, Some("t404")))
        .unwrap();
    drain(&mut layer);
    // An ACK with another To tag is not ours; the right one is absorbed.
    layer
        .handle_input(
            clock.now(),
            rx(request("ACK", "old-branch-1", ";tag=other")),
        )
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Ack { .. }]
    ));
    layer
        .handle_input(clock.now(), rx(request("ACK", "old-branch-1", ";tag=t404")))
        .unwrap();
    assert!(drain(&mut layer).is_empty());
}

#[test]
fn ack_for_2xx_has_its_own_branch_and_goes_to_the_tu() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKm1", "");
    let id = layer
        .handle_input(clock.now(), rx(invite.clone()))
        .unwrap()
        .unwrap();
    layer
        .respond(clock.now(), id, response_to(&invite, 200, Some("b1")))
        .unwrap();
    drain(&mut layer);
    layer
        .handle_input(clock.now(), rx(request("ACK", "z9hG4bKm1-ack", ";tag=b1")))
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Ack { .. }]
    ));
}

#[test]
fn same_branch_different_sent_by_is_another_transaction() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let a = request("OPTIONS", "z9hG4bKsame", "");
    let mut b = a.clone();
    b.headers
        .set("Via", "SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKsame");
    let ia = layer.handle_input(clock.now(), rx(a)).unwrap();
    let ib = layer.handle_input(clock.now(), rx(b)).unwrap();
    assert_ne!(ia, ib);
    assert_eq!(events(&drain(&mut layer)).len(), 2);
}

#[test]
fn tu_requests_need_a_cookie_branch_and_acks_are_stateless() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let no_cookie = Input::SendRequest {
        request: request("OPTIONS", "abc", ""),
        dest: peer(),
        transport: Transport::Udp,
    };
    assert!(layer.handle_input(clock.now(), no_cookie).is_err());
    let ack = Input::SendRequest {
        request: request("ACK", "z9hG4bKx", ""),
        dest: peer(),
        transport: Transport::Udp,
    };
    assert!(layer.handle_input(clock.now(), ack).is_err());
    let ack = Input::SendStateless {
        message: Message::Request(request("ACK", "z9hG4bKx", "")),
        dest: peer(),
        transport: Transport::Udp,
    };
    layer.handle_input(clock.now(), ack).unwrap();
    assert_eq!(transmits(&drain(&mut layer)).len(), 1);
    assert!(layer.is_empty());
}

#[test]
fn transport_failure_is_reported_and_terminates() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let send = Input::SendRequest {
        request: request("OPTIONS", "z9hG4bKtf", ""),
        dest: peer(),
        transport: Transport::Tcp,
    };
    let id = layer.handle_input(clock.now(), send).unwrap().unwrap();
    drain(&mut layer);
    layer
        .handle_input(clock.now(), Input::TransportFailed { id })
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::TransportError { .. }, Event::Terminated { .. }]
    ));
}
