//! RFC 3261 §17.2.1 server INVITE transaction.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::Message;
use switchboard_sip::transaction::{Event, Input, Timer, TransactionId, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

fn receive(
    transport: Transport,
) -> (
    FakeClock,
    TransactionLayer,
    TransactionId,
    switchboard_sip::message::Request,
) {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKsi1", "");
    let input = Input::Received {
        message: Message::Request(invite.clone()),
        source: peer(),
        transport,
    };
    let id = layer.handle_input(clock.now(), input).unwrap().unwrap();
    let out = drain(&mut layer);
    assert!(matches!(events(&out)[..], [Event::Request { .. }]));
    assert_eq!(status_of(transmits(&out)[0]), Some(100));
    (clock, layer, id, invite)
}

fn rx(m: switchboard_sip::message::Request, transport: Transport) -> Input {
    Input::Received {
        message: Message::Request(m),
        source: peer(),
        transport,
    }
}

#[test]
fn retransmitted_invite_gets_the_last_provisional_again() {
    let (clock, mut layer, id, invite) = receive(Transport::Udp);
    layer
        .handle_input(clock.now(), rx(invite.clone(), Transport::Udp))
        .unwrap();
    let out = drain(&mut layer);
    assert!(events(&out).is_empty(), "the TU sees the INVITE once");
    assert_eq!(status_of(transmits(&out)[0]), Some(100));
    layer
        .handle_input(
            clock.now(),
            Input::Respond {
                id,
                response: response_to(&invite, 180, Some("b1")),
            },
        )
        .unwrap();
    drain(&mut layer);
    layer
        .handle_input(clock.now(), rx(invite, Transport::Udp))
        .unwrap();
    assert_eq!(status_of(transmits(&drain(&mut layer))[0]), Some(180));
}

#[test]
fn response_goes_to_received_and_rport() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let mut invite = request("INVITE", "z9hG4bKsi2", "");
    invite
        .headers
        .set("Via", "SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bKsi2;rport");
    let id = layer
        .handle_input(clock.now(), rx(invite, Transport::Udp))
        .unwrap()
        .unwrap();
    let out = drain(&mut layer);
    let t = transmits(&out)[0];
    assert_eq!(t.dest, peer());
    let Message::Response(trying) = sent(t) else {
        panic!("response")
    };
    assert!(trying
        .headers
        .get("Via")
        .unwrap()
        .contains("received=192.0.2.10"));
    assert!(trying.headers.get("Via").unwrap().contains("rport=5060"));
    assert!(layer.respond(clock.now(), id, trying).is_ok());
}

#[test]
fn non_2xx_final_retransmits_with_timer_g_until_ack_then_timer_i() {
    let (clock, mut layer, id, invite) = receive(Transport::Udp);
    layer
        .handle_input(
            clock.now(),
            Input::Respond {
                id,
                response: response_to(&invite, 486, Some("b1")),
            },
        )
        .unwrap();
    drain(&mut layer);
    let mut resent_at = Vec::new();
    for _ in 0..3 {
        let at = layer.poll_timeout().unwrap();
        clock.advance_to(at);
        layer.handle_timeout(clock.now());
        let out = drain(&mut layer);
        assert_eq!(status_of(transmits(&out)[0]), Some(486));
        resent_at.push(clock.elapsed().as_millis());
    }
    assert_eq!(resent_at, vec![500, 1500, 3500]);
    let ack = request("ACK", "z9hG4bKsi1", ";tag=b1");
    layer
        .handle_input(clock.now(), rx(ack.clone(), Transport::Udp))
        .unwrap();
    assert!(
        drain(&mut layer).is_empty(),
        "ACK for a non-2xx is absorbed"
    );
    layer
        .handle_input(clock.now(), rx(ack, Transport::Udp))
        .unwrap();
    assert!(
        drain(&mut layer).is_empty(),
        "ACK retransmission absorbed in Confirmed"
    );
    assert_eq!(
        layer.poll_timeout(),
        Some(clock.now() + Duration::from_secs(5)),
        "timer I = T4"
    );
    clock.advance(Duration::from_secs(5));
    layer.handle_timeout(clock.now());
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
}

#[test]
fn timer_h_reports_a_missing_ack() {
    let (clock, mut layer, id, invite) = receive(Transport::Udp);
    layer
        .handle_input(
            clock.now(),
            Input::Respond {
                id,
                response: response_to(&invite, 603, Some("b1")),
            },
        )
        .unwrap();
    drain(&mut layer);
    clock.advance(Duration::from_secs(32));
    layer.handle_timeout(clock.now());
    let out = drain(&mut layer);
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::Timeout {
            timer: Timer::H,
            ..
        }
    )));
    assert!(layer.is_empty());
}

#[test]
fn reliable_transport_has_no_timer_g_and_ack_terminates() {
    let (clock, mut layer, id, invite) = receive(Transport::Tcp);
    layer
        .handle_input(
            clock.now(),
            Input::Respond {
                id,
                response: response_to(&invite, 486, Some("b1")),
            },
        )
        .unwrap();
    drain(&mut layer);
    assert_eq!(
        layer.poll_timeout(),
        Some(clock.now() + Duration::from_secs(32)),
        "only timer H"
    );
    layer
        .handle_input(
            clock.now(),
            rx(request("ACK", "z9hG4bKsi1", ";tag=b1"), Transport::Tcp),
        )
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
}

#[test]
fn final_after_final_is_refused() {
    let (clock, mut layer, id, invite) = receive(Transport::Udp);
    layer
        .respond(clock.now(), id, response_to(&invite, 486, Some("b1")))
        .unwrap();
    assert!(layer
        .respond(clock.now(), id, response_to(&invite, 200, Some("b1")))
        .is_err());
}
