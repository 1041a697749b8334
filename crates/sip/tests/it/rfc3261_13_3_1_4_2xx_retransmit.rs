//! RFC 3261 §13.3.1.4: the UAS retransmits its 2xx until the ACK comes, T1 doubling to T2,
//! and gives up after 64*T1 — done by the layer's Accepted INVITE server transaction.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::{Message, Request};
use switchboard_sip::transaction::{Config, Event, Input, Timer, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

fn answered(transport: Transport, cfg: Config) -> (FakeClock, TransactionLayer) {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::new(cfg);
    let invite = request("INVITE", "z9hG4bK2xx", "");
    let rx = Input::Received {
        message: Message::Request(invite.clone()),
        source: peer(),
        transport,
    };
    let id = layer.handle_input(clock.now(), rx).unwrap().unwrap();
    layer
        .respond(clock.now(), id, response_to(&invite, 200, Some("b1")))
        .unwrap();
    drain(&mut layer);
    (clock, layer)
}

fn resend_times(clock: &FakeClock, layer: &mut TransactionLayer, until: Duration) -> Vec<u128> {
    let mut at = Vec::new();
    while let Some(next) = layer.poll_timeout() {
        if next > clock.now() + (until - clock.elapsed()) {
            break;
        }
        clock.advance_to(next);
        layer.handle_timeout(clock.now());
        if status_of_first(&drain(layer)) == Some(200) {
            at.push(clock.elapsed().as_millis());
        }
    }
    at
}

fn status_of_first(out: &[switchboard_sip::transaction::Output]) -> Option<u16> {
    transmits(out).first().and_then(|t| status_of(t))
}

fn ack(branch: &str) -> Input {
    let a: Request = request("ACK", branch, ";tag=b1");
    Input::Received {
        message: Message::Request(a),
        source: peer(),
        transport: Transport::Udp,
    }
}

#[test]
fn two_hundred_is_resent_t1_doubling_to_t2_until_the_ack() {
    let (clock, mut layer) = answered(Transport::Udp, Config::default());
    let times = resend_times(&clock, &mut layer, Duration::from_millis(16_000));
    assert_eq!(times, vec![500, 1500, 3500, 7500, 11500, 15500]);
    layer
        .handle_input(clock.now(), ack("z9hG4bK2xx-ack"))
        .unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Ack { .. }]
    ));
    clock.advance(Duration::from_secs(20));
    layer.handle_timeout(clock.now());
    let out = drain(&mut layer);
    assert!(transmits(&out).is_empty(), "no resend after the ACK");
    assert!(
        matches!(events(&out)[..], [Event::Terminated { .. }]),
        "L ends it quietly"
    );
}

#[test]
fn no_ack_within_64_t1_is_reported_so_the_tu_sends_bye() {
    let (clock, mut layer) = answered(Transport::Udp, Config::default());
    clock.advance(Duration::from_secs(32));
    layer.handle_timeout(clock.now());
    let out = drain(&mut layer);
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::Timeout {
            timer: Timer::L,
            ..
        }
    )));
    assert!(layer.is_empty());
}

#[test]
fn reliable_transport_or_disabled_option_never_resends() {
    for (transport, cfg) in [
        (Transport::Tcp, Config::default()),
        (
            Transport::Udp,
            Config {
                retransmit_2xx: false,
                ..Config::default()
            },
        ),
    ] {
        let (clock, mut layer) = answered(transport, cfg);
        assert_eq!(
            layer.poll_timeout(),
            Some(clock.now() + Duration::from_secs(32)),
            "only L"
        );
        clock.advance(Duration::from_secs(32));
        layer.handle_timeout(clock.now());
        assert!(matches!(
            events(&drain(&mut layer))[..],
            [Event::Terminated { .. }]
        ));
    }
}
