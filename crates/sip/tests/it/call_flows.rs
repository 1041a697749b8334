//! Whole call flows through the layer and the dialog, as the engine drives them.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::auth::DigestClient;
use switchboard_sip::dialog::{Dialog, Dialogs};
use switchboard_sip::message::{
    Message, Method, NameAddr, NewRequest, Request, Response, SipHeaders, Uri, Via,
};
use switchboard_sip::transaction::{Event, Input, Output, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

fn rx_req(r: Request) -> Input {
    Input::Received {
        message: Message::Request(r),
        source: peer(),
        transport: Transport::Udp,
    }
}

fn rx_resp(r: Response) -> Input {
    Input::Received {
        message: Message::Response(r),
        source: peer(),
        transport: Transport::Udp,
    }
}

fn our_contact() -> NameAddr {
    NameAddr::new(Uri::sip(Some("sb"), "203.0.113.1", Some(5060)))
}

#[test]
fn incoming_call_answered_then_hung_up_by_the_caller() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let mut dialogs = Dialogs::default();
    let invite = request("INVITE", "z9hG4bKcall1", "");
    let id = layer
        .handle_input(clock.now(), rx_req(invite))
        .unwrap()
        .unwrap();
    let Some(Output::Event(Event::Request { request: inv, .. })) = layer.poll_output() else {
        panic!("INVITE")
    };
    layer
        .respond(
            clock.now(),
            id,
            Response::from_request(&inv, 180, Some("sb1")),
        )
        .unwrap();
    let ok = Response::dialog_response(&inv, 200, "sb1", &our_contact());
    dialogs.insert(Dialog::uas(&inv, "sb1", Some(our_contact()), 200).unwrap());
    layer.respond(clock.now(), id, ok).unwrap();
    drain(&mut layer);

    clock.advance(Duration::from_millis(200));
    let mut ack = request("ACK", "z9hG4bKcall1-ack", ";tag=sb1");
    ack.headers.set("CSeq", "1 ACK");
    layer.handle_input(clock.now(), rx_req(ack)).unwrap();
    assert!(matches!(
        events(&drain(&mut layer))[..],
        [Event::Ack { .. }]
    ));

    let mut bye = request("BYE", "z9hG4bKcall1-bye", ";tag=sb1");
    bye.headers.set("CSeq", "2 BYE");
    let bye_id = layer
        .handle_input(clock.now(), rx_req(bye))
        .unwrap()
        .unwrap();
    let Some(Output::Event(Event::Request { request: bye, .. })) = layer.poll_output() else {
        panic!("BYE")
    };
    let dialog = dialogs.on_request(&bye).unwrap();
    assert_eq!(dialog.remote_seq, Some(2));
    let id = dialog.id.clone();
    dialogs.remove(&id);
    layer
        .respond(clock.now(), bye_id, Response::from_request(&bye, 200, None))
        .unwrap();
    assert_eq!(status_of(transmits(&drain(&mut layer))[0]), Some(200));
    clock.advance(Duration::from_secs(64));
    layer.handle_timeout(clock.now());
    drain(&mut layer);
    assert!(layer.is_empty() && dialogs.is_empty());
}

#[test]
fn outgoing_trunk_call_retried_with_proxy_credentials() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let trunk_user = Uri::sip(Some("4930123"), "trunk.example.net", None);
    let new_invite = |cseq: u32, branch: &str| {
        NewRequest {
            method: Method::Invite,
            uri: trunk_user.clone(),
            from: NameAddr::new(Uri::sip(Some("cc1"), "switchboard.example", None)).with_tag("sbf"),
            to: NameAddr::new(trunk_user.clone()),
            call_id: "out-1@switchboard".into(),
            cseq,
            via: Via::new(Transport::Udp, "203.0.113.1", Some(5060), branch, true),
            contact: Some(our_contact()),
        }
        .build()
    };
    let first = new_invite(1, "z9hG4bKout1");
    let send = |r: Request| Input::SendRequest {
        request: r,
        dest: peer(),
        transport: Transport::Udp,
    };
    layer
        .handle_input(clock.now(), send(first.clone()))
        .unwrap();
    drain(&mut layer);

    let mut challenge = Response::from_request(&first, 407, Some("trk"));
    challenge.headers.push(
        "Proxy-Authenticate",
        r#"Digest realm="trunk", nonce="abc123", qop="auth", algorithm=MD5"#,
    );
    layer
        .handle_input(clock.now(), rx_resp(challenge.clone()))
        .unwrap();
    let out = drain(&mut layer);
    let Message::Request(ack) = sent(transmits(&out)[0]) else {
        panic!("ACK for the 407")
    };
    assert_eq!(ack.method, Method::Ack);

    let mut account = DigestClient::new("cc1", "trunkpw1");
    let values: Vec<&str> = challenge.headers.get_all("Proxy-Authenticate").collect();
    let creds = account
        .authorize(&values, true, "INVITE", &trunk_user.to_string(), "cn1")
        .unwrap();
    let mut second = new_invite(2, "z9hG4bKout2");
    second.headers.push(creds.header, creds.value);
    layer
        .handle_input(clock.now(), send(second.clone()))
        .unwrap();
    drain(&mut layer);

    let mut ok = Response::from_request(&second, 200, Some("far"));
    ok.headers.push("Contact", "<sip:gw@198.51.100.7:5060>");
    layer
        .handle_input(clock.now(), rx_resp(ok.clone()))
        .unwrap();
    assert!(events(&drain(&mut layer))
        .iter()
        .any(|e| matches!(e, Event::Response { response, .. } if response.status == 200)));
    let dialog = Dialog::uac(&second, &ok).unwrap();
    let ack = dialog.ack(&Via::new(
        Transport::Udp,
        "203.0.113.1",
        Some(5060),
        "z9hG4bKout2-ack",
        true,
    ));
    assert_eq!(ack.headers.get("CSeq"), Some("2 ACK"));
    assert_eq!(ack.uri.host, "198.51.100.7");
    assert!(
        ack.proxy_authorization().is_none(),
        "credentials are not reused on the ACK here"
    );
}
