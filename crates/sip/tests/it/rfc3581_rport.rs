//! RFC 3581: a client behind NAT asks for `rport`; the server answers to the address and
//! port the request really came from.

use sb_testkit::FakeClock;
use switchboard_sip::message::{Message, SipHeaders, Via};
use switchboard_sip::transaction::{Event, Input, Output, TransactionLayer};
use switchboard_sip::transport::{response_target, ResponseTarget, Transport};

use crate::support::*;

#[test]
fn natted_client_gets_its_response_on_the_mapped_port() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let mut reg = request("REGISTER", "z9hG4bKnat", "");
    reg.headers.set(
        "Via",
        Via::new(Transport::Udp, "10.0.0.5", Some(5060), "z9hG4bKnat", true).to_string(),
    );
    let nat = "198.51.100.20:61000".parse().unwrap();
    let input = Input::Received {
        message: Message::Request(reg),
        source: nat,
        transport: Transport::Udp,
    };
    let id = layer.handle_input(clock.now(), input).unwrap().unwrap();
    let Some(Output::Event(Event::Request { request, .. })) = layer.poll_output() else {
        panic!("request event")
    };
    let via = request.top_via().unwrap();
    assert_eq!(via.received(), Some("198.51.100.20"));
    assert_eq!(via.rport(), Some(Some(61000)));
    layer
        .respond(clock.now(), id, response_to(&request, 200, Some("t")))
        .unwrap();
    let out = drain(&mut layer);
    assert_eq!(transmits(&out)[0].dest, nat);
}

#[test]
fn without_rport_the_sent_by_port_is_used() {
    let via =
        Via::parse("SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;received=198.51.100.20").unwrap();
    assert_eq!(
        response_target(&via, Transport::Udp),
        ResponseTarget::Addr("198.51.100.20:5062".parse().unwrap())
    );
}
