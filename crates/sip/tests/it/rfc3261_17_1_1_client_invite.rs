//! RFC 3261 §17.1.1 client INVITE transaction, with RFC 6026 §8.4.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::{Message, Method};
use switchboard_sip::transaction::{Event, Input, Timer, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

fn start(
    transport: Transport,
) -> (
    FakeClock,
    TransactionLayer,
    switchboard_sip::message::Request,
) {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKci1", "");
    layer
        .handle_input(
            clock.now(),
            Input::SendRequest {
                request: invite.clone(),
                dest: peer(),
                transport,
            },
        )
        .unwrap();
    assert_eq!(transmits(&drain(&mut layer)).len(), 1);
    (clock, layer, invite)
}

#[test]
fn timer_a_doubles_until_timer_b_times_out() {
    let (clock, mut layer, _) = start(Transport::Udp);
    let mut gaps = Vec::new();
    let mut last = clock.now();
    loop {
        let at = layer.poll_timeout().unwrap();
        clock.advance_to(at);
        layer.handle_timeout(clock.now());
        let out = drain(&mut layer);
        if !transmits(&out).is_empty() {
            gaps.push(clock.now() - last);
            last = clock.now();
        }
        if events(&out).iter().any(|e| {
            matches!(
                e,
                Event::Timeout {
                    timer: Timer::B,
                    ..
                }
            )
        }) {
            assert!(events(&out)
                .iter()
                .any(|e| matches!(e, Event::Terminated { .. })));
            break;
        }
    }
    let ms: Vec<u128> = gaps.iter().map(Duration::as_millis).collect();
    assert_eq!(ms, vec![500, 1000, 2000, 4000, 8000, 16000]);
    assert_eq!(clock.elapsed(), Duration::from_secs(32));
    assert!(layer.is_empty());
}

#[test]
fn provisional_stops_retransmissions_and_timer_b() {
    let (clock, mut layer, invite) = start(Transport::Udp);
    let ringing = response_to(&invite, 180, Some("b1"));
    layer
        .handle_input(
            clock.now(),
            Input::Received {
                message: Message::Response(ringing),
                source: peer(),
                transport: Transport::Udp,
            },
        )
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Response { .. }]
    ));
    assert_eq!(layer.poll_timeout(), None);
}

#[test]
fn non_2xx_final_is_acked_and_timer_d_terminates() {
    let (clock, mut layer, invite) = start(Transport::Udp);
    let busy = response_to(&invite, 486, Some("b1"));
    let input = |r| Input::Received {
        message: Message::Response(r),
        source: peer(),
        transport: Transport::Udp,
    };
    layer
        .handle_input(clock.now(), input(busy.clone()))
        .unwrap();
    let out = drain(&mut layer);
    let ack = sent(transmits(&out)[0]);
    let Message::Request(ack) = ack else {
        panic!("ACK expected")
    };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.headers.get("CSeq"), Some("1 ACK"));
    assert!(ack.headers.get("To").unwrap().contains("tag=b1"));
    assert_eq!(ack.headers.get("Via"), invite.headers.get("Via"));
    // A retransmitted 486 is answered with the ACK again, and not shown to the TU.
    layer.handle_input(clock.now(), input(busy)).unwrap();
    let out = drain(&mut layer);
    assert_eq!(transmits(&out).len(), 1);
    assert!(events(&out).is_empty());
    clock.advance(Duration::from_secs(32));
    layer.handle_timeout(clock.now());
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
}

#[test]
fn reliable_transport_never_retransmits_and_skips_timer_d() {
    let (clock, mut layer, invite) = start(Transport::Tcp);
    clock.advance(Duration::from_secs(31));
    layer.handle_timeout(clock.now());
    assert!(drain(&mut layer).is_empty());
    let busy = response_to(&invite, 486, Some("b1"));
    layer
        .handle_input(
            clock.now(),
            Input::Received {
                message: Message::Response(busy),
                source: peer(),
                transport: Transport::Tcp,
            },
        )
        .unwrap();
    let out = drain(&mut layer);
    assert_eq!(transmits(&out).len(), 1, "only the ACK");
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Terminated { .. })));
    assert!(layer.is_empty());
}
