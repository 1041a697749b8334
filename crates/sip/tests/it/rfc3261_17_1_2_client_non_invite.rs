//! RFC 3261 §17.1.2 client non-INVITE transaction.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::Message;
use switchboard_sip::transaction::{Event, Input, Timer, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

fn run_until_quiet(clock: &FakeClock, layer: &mut TransactionLayer) -> (Vec<u128>, Vec<Event>) {
    let start = clock.now();
    let (mut sends, mut evs) = (Vec::new(), Vec::new());
    while let Some(at) = layer.poll_timeout() {
        clock.advance_to(at);
        layer.handle_timeout(clock.now());
        let out = drain(layer);
        for _ in transmits(&out) {
            sends.push((clock.now() - start).as_millis());
        }
        evs.extend(events(&out).into_iter().cloned());
    }
    (sends, evs)
}

#[test]
fn timer_e_doubles_to_t2_and_timer_f_times_out() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let options = request("OPTIONS", "z9hG4bKne1", "");
    layer
        .handle_input(
            clock.now(),
            Input::SendRequest {
                request: options,
                dest: peer(),
                transport: Transport::Udp,
            },
        )
        .unwrap();
    drain(&mut layer);
    let (sends, evs) = run_until_quiet(&clock, &mut layer);
    assert_eq!(&sends[..6], &[500, 1500, 3500, 7500, 11500, 15500]);
    assert!(matches!(
        evs[..],
        [
            Event::Timeout {
                timer: Timer::F,
                ..
            },
            Event::Terminated { .. }
        ]
    ));
    assert_eq!(clock.elapsed(), Duration::from_secs(32));
}

#[test]
fn provisional_keeps_retransmitting_at_t2_then_final_arms_timer_k() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let bye = request("BYE", "z9hG4bKne2", ";tag=b1");
    let udp = Transport::Udp;
    layer
        .handle_input(
            clock.now(),
            Input::SendRequest {
                request: bye.clone(),
                dest: peer(),
                transport: udp,
            },
        )
        .unwrap();
    drain(&mut layer);
    let rx = |status| Input::Received {
        message: Message::Response(response_to(&bye, status, None)),
        source: peer(),
        transport: udp,
    };
    layer.handle_input(clock.now(), rx(100)).unwrap();
    drain(&mut layer);
    clock.advance(Duration::from_millis(500));
    layer.handle_timeout(clock.now());
    assert_eq!(transmits(&drain(&mut layer)).len(), 1);
    assert_eq!(
        layer.poll_timeout(),
        Some(clock.now() + Duration::from_secs(4))
    );
    layer.handle_input(clock.now(), rx(200)).unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Response { .. }]
    ));
    // Timer K = T4 absorbs retransmitted finals, then ends the transaction.
    layer.handle_input(clock.now(), rx(200)).unwrap();
    assert!(drain(&mut layer).is_empty());
    assert_eq!(
        layer.poll_timeout(),
        Some(clock.now() + Duration::from_secs(5))
    );
    clock.advance(Duration::from_secs(5));
    layer.handle_timeout(clock.now());
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Terminated { .. }]
    ));
}

#[test]
fn reliable_transport_has_no_timer_e_and_no_timer_k() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let reg = request("REGISTER", "z9hG4bKne3", "");
    let tcp = Transport::Tcp;
    layer
        .handle_input(
            clock.now(),
            Input::SendRequest {
                request: reg.clone(),
                dest: peer(),
                transport: tcp,
            },
        )
        .unwrap();
    drain(&mut layer);
    assert_eq!(
        layer.poll_timeout(),
        Some(clock.now() + Duration::from_secs(32)),
        "only timer F"
    );
    let ok = Input::Received {
        message: Message::Response(response_to(&reg, 200, Some("r"))),
        source: peer(),
        transport: tcp,
    };
    layer.handle_input(clock.now(), ok).unwrap();
    let out = drain(&mut layer);
    assert!(matches!(
        events(&out)[..],
        [Event::Response { .. }, Event::Terminated { .. }]
    ));
}
