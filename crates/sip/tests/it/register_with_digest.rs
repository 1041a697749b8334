//! A phone registers through the transaction layer: challenged with 401, answers with
//! digest credentials, gets bound (RFC 3261 §10.3, §22.4; RFC 7616).

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::auth::{Algorithm, DigestClient, DigestServer, NonceManager};
use switchboard_sip::message::{parse, Message, Response, SipHeaders};
use switchboard_sip::registrar::{aor_of, Registrar};
use switchboard_sip::transaction::{Event, Input, Output, TransactionLayer};
use switchboard_sip::transport::Transport;

use crate::support::*;

#[test]
fn challenge_then_credentials_then_binding() {
    let clock = FakeClock::new();
    let mut layer = TransactionLayer::default();
    let mut auth = DigestServer::new(
        "switchboard",
        vec![Algorithm::Sha256, Algorithm::Md5],
        NonceManager::new([5; 32], Duration::from_secs(300), clock.now()),
    );
    let mut registrar = Registrar::default();
    let password = |u: &str| (u == "1001").then(|| "s3cret99".to_owned());
    let mut phone = DigestClient::new("1001", "s3cret99");
    let mut register = request("REGISTER", "z9hG4bKreg1", "");
    register.headers.set("Expires", "600");

    let mut serve = |layer: &mut TransactionLayer, req| -> Response {
        let input = Input::Received {
            message: Message::Request(req),
            source: peer(),
            transport: Transport::Udp,
        };
        let id = layer.handle_input(clock.now(), input).unwrap().unwrap();
        let Some(Output::Event(Event::Request { request, .. })) = layer.poll_output() else {
            panic!("request")
        };
        let response = match auth.verify(clock.now(), "REGISTER", request.authorization(), password)
        {
            Err(rejection) => {
                let ch = auth.challenge(clock.now(), &rejection, false);
                let mut r = Response::from_request(&request, ch.status, Some("t"));
                for v in ch.values {
                    r.headers.push(ch.header, v);
                }
                r
            }
            Ok(_user) => {
                let aor = aor_of(&request).unwrap();
                let bindings = registrar
                    .register(clock.now(), &aor, &request, peer(), Transport::Udp)
                    .unwrap();
                Registrar::ok_response(&request, &bindings, clock.now(), "t")
            }
        };
        layer.respond(clock.now(), id, response).unwrap();
        let out = drain(layer);
        match parse(&transmits(&out)[0].bytes).unwrap() {
            Message::Response(r) => r,
            Message::Request(_) => panic!("response expected"),
        }
    };

    let challenge = serve(&mut layer, register.clone());
    assert_eq!(challenge.status, 401);
    let values: Vec<&str> = challenge.headers.get_all("WWW-Authenticate").collect();
    assert_eq!(values.len(), 2);
    let creds = phone
        .authorize(
            &values,
            false,
            "REGISTER",
            &register.uri.to_string(),
            "0a4f113b",
        )
        .unwrap();
    let mut retry = register.clone();
    retry
        .headers
        .set("Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKreg2");
    retry.headers.set("CSeq", "2 REGISTER");
    retry.headers.push(creds.header, creds.value);
    let ok = serve(&mut layer, retry);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.contacts()[0].expires(), Some(600));
}
