//! RFC 3261 §9.2: CANCEL at the server, including the race with a 200.

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
fn cancel_of_pending_invite_is_answered_and_reported() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKc1", "");
    let invite_id = layer
        .handle_input(clock.now(), rx(invite.clone()))
        .unwrap()
        .unwrap();
    drain(&mut layer);
    layer
        .handle_input(clock.now(), rx(request("CANCEL", "z9hG4bKc1", "")))
        .unwrap();
    let out = drain(&mut layer);
    assert_eq!(status_of(transmits(&out)[0]), Some(200));
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Cancelled { invite, .. } if *invite == invite_id)));
    layer
        .respond(
            clock.now(),
            invite_id,
            response_to(&invite, 487, Some("b1")),
        )
        .unwrap();
    assert_eq!(status_of(transmits(&drain(&mut layer))[0]), Some(487));
}

#[test]
fn cancel_racing_200_gets_200_but_cancels_nothing() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKc2", "");
    let invite_id = layer
        .handle_input(clock.now(), rx(invite.clone()))
        .unwrap()
        .unwrap();
    layer
        .respond(
            clock.now(),
            invite_id,
            response_to(&invite, 200, Some("b1")),
        )
        .unwrap();
    drain(&mut layer);
    layer
        .handle_input(clock.now(), rx(request("CANCEL", "z9hG4bKc2", "")))
        .unwrap();
    let out = drain(&mut layer);
    let Message::Response(ok) = sent(transmits(&out)[0]) else {
        panic!("response")
    };
    assert_eq!(ok.status, 200);
    assert!(
        ok.headers.get("To").unwrap().contains("tag=b1"),
        "same To tag as the INVITE's answer"
    );
    assert!(!events(&out)
        .iter()
        .any(|e| matches!(e, Event::Cancelled { .. })));
}

#[test]
fn cancel_without_invite_gets_481() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    layer
        .handle_input(clock.now(), rx(request("CANCEL", "z9hG4bKc3", "")))
        .unwrap();
    let out = drain(&mut layer);
    assert_eq!(status_of(transmits(&out)[0]), Some(481));
    assert!(events(&out).is_empty());
}

#[test]
fn client_cancel_racing_200_keeps_both_transactions_apart() {
    use switchboard_sip::dialog::cancel_for;
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKrace", "");
    let udp = Transport::Udp;
    let send = |r: Request| Input::SendRequest {
        request: r,
        dest: peer(),
        transport: udp,
    };
    let inv_id = layer
        .handle_input(clock.now(), send(invite.clone()))
        .unwrap()
        .unwrap();
    let recv = |r| Input::Received {
        message: Message::Response(r),
        source: peer(),
        transport: udp,
    };
    layer
        .handle_input(clock.now(), recv(response_to(&invite, 180, Some("b1"))))
        .unwrap();
    let cancel = cancel_for(&invite);
    let cancel_id = layer
        .handle_input(clock.now(), send(cancel.clone()))
        .unwrap()
        .unwrap();
    drain(&mut layer);
    // The callee answered before it saw the CANCEL: 200 to the INVITE, then 200 to the CANCEL.
    layer
        .handle_input(clock.now(), recv(response_to(&invite, 200, Some("b1"))))
        .unwrap();
    layer
        .handle_input(clock.now(), recv(response_to(&cancel, 200, Some("b1"))))
        .unwrap();
    let out = drain(&mut layer);
    assert!(
        transmits(&out).is_empty(),
        "no ACK from the transaction for a 2xx"
    );
    let answered: Vec<_> = events(&out)
        .into_iter()
        .filter_map(|e| match e {
            Event::Response { id, response } => Some((*id, response.status)),
            _ => None,
        })
        .collect();
    assert_eq!(answered, vec![(inv_id, 200), (cancel_id, 200)]);
}

#[test]
fn responses_with_two_vias_are_dropped() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let options = request("OPTIONS", "z9hG4bKtwo", "");
    layer
        .handle_input(
            clock.now(),
            Input::SendRequest {
                request: options.clone(),
                dest: peer(),
                transport: Transport::Udp,
            },
        )
        .unwrap();
    drain(&mut layer);
    let mut resp = response_to(&options, 200, Some("t"));
    resp.headers
        .push("Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp");
    layer
        .handle_input(
            clock.now(),
            Input::Received {
                message: Message::Response(resp),
                source: peer(),
                transport: Transport::Udp,
            },
        )
        .unwrap();
    assert!(drain(&mut layer).is_empty());
}
