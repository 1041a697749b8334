//! RFC 6026 §8: the Accepted state on both sides.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::Message;
use switchboard_sip::transaction::{Event, Input, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

#[test]
fn client_passes_2xx_retransmissions_to_tu_until_timer_m() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKacc1", "");
    let udp = Transport::Udp;
    layer
        .handle_input(
            clock.now(),
            Input::SendRequest {
                request: invite.clone(),
                dest: peer(),
                transport: udp,
            },
        )
        .unwrap();
    drain(&mut layer);
    let ok = response_to(&invite, 200, Some("b1"));
    for _ in 0..2 {
        layer
            .handle_input(
                clock.now(),
                Input::Received {
                    message: Message::Response(ok.clone()),
                    source: peer(),
                    transport: udp,
                },
            )
            .unwrap();
        let out = drain(&mut layer);
        assert!(
            transmits(&out).is_empty(),
            "the transaction never ACKs a 2xx"
        );
        assert!(matches!(events(&out)[..], [Event::Response { .. }]));
    }
    clock.advance(Duration::from_secs(32));
    layer.handle_timeout(clock.now());
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
    // After M, a late 2xx is stray: the dialog re-ACKs it.
    layer
        .handle_input(
            clock.now(),
            Input::Received {
                message: Message::Response(ok),
                source: peer(),
                transport: udp,
            },
        )
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::StrayResponse { .. }]
    ));
}

#[test]
fn server_absorbs_invite_retransmissions_and_passes_ack_until_timer_l() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKacc2", "");
    let rx = |m| Input::Received {
        message: m,
        source: peer(),
        transport: Transport::Udp,
    };
    let id = layer
        .handle_input(clock.now(), rx(Message::Request(invite.clone())))
        .unwrap()
        .unwrap();
    drain(&mut layer);
    layer
        .handle_input(
            clock.now(),
            Input::Respond {
                id,
                response: response_to(&invite, 200, Some("b1")),
            },
        )
        .unwrap();
    assert_eq!(transmits(&drain(&mut layer)).len(), 1);
    layer
        .handle_input(clock.now(), rx(Message::Request(invite.clone())))
        .unwrap();
    assert!(
        drain(&mut layer).is_empty(),
        "INVITE retransmission absorbed in Accepted"
    );
    let ack = request("ACK", "z9hG4bKacc2", ";tag=b1");
    layer
        .handle_input(clock.now(), rx(Message::Request(ack)))
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Ack { .. }]
    ));
    clock.advance(Duration::from_secs(32));
    layer.handle_timeout(clock.now());
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
}
