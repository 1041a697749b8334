//! RFC 3261 §12 dialogs and §9.1 CANCEL construction.

use switchboard_sip::dialog::{cancel_for, Dialog, DialogError, DialogState, Dialogs};
use switchboard_sip::message::{Method, Request, Response, SipHeaders, Via};

use crate::support::*;

fn via(branch: &str) -> Via {
    Via::parse(&format!("SIP/2.0/UDP 198.51.100.1:5060;branch={branch}")).unwrap()
}

fn answered(invite: &Request) -> Response {
    let mut ok = response_to(invite, 200, Some("b1"));
    ok.headers.push("Record-Route", "<sip:p1.example.com;lr>");
    ok.headers.push("Record-Route", "<sip:p2.example.com;lr>");
    ok.headers.push("Contact", "<sip:bob@203.0.113.5:5070>");
    ok
}

#[test]
fn uac_route_set_is_reversed_and_requests_go_to_the_remote_target() {
    let invite = request("INVITE", "z9hG4bKd1", "");
    let mut d = Dialog::uac(&invite, &answered(&invite)).unwrap();
    assert_eq!(d.state, DialogState::Confirmed);
    let bye = d.request(Method::Bye, &via("z9hG4bKd2"));
    assert_eq!(bye.uri.to_string(), "sip:bob@203.0.113.5:5070");
    let routes: Vec<String> = bye.route().iter().map(|r| r.uri.host.clone()).collect();
    assert_eq!(routes, vec!["p2.example.com", "p1.example.com"]);
    assert_eq!(bye.cseq().unwrap().seq, 2);
    assert_eq!(bye.to().unwrap().tag(), Some("b1"));
    assert_eq!(bye.from().unwrap().tag(), Some("a1"));
}

#[test]
fn ack_for_2xx_reuses_the_invite_cseq() {
    let invite = request("INVITE", "z9hG4bKd3", "");
    let mut d = Dialog::uac(&invite, &answered(&invite)).unwrap();
    assert_eq!(d.ack(&via("z9hG4bKd4")).headers.get("CSeq"), Some("1 ACK"));
    let _info = d.request(Method::Info, &via("z9hG4bKd5"));
    let reinvite = d.request(Method::Invite, &via("z9hG4bKd6"));
    assert_eq!(reinvite.cseq().unwrap().seq, 3);
    assert!(
        reinvite.headers.get("Contact").is_some(),
        "target refresh carries our Contact"
    );
    assert_eq!(d.ack(&via("z9hG4bKd7")).headers.get("CSeq"), Some("3 ACK"));
}

#[test]
fn uas_keeps_record_route_order_and_refuses_lower_cseq_with_500() {
    let mut invite = request("INVITE", "z9hG4bKd8", "");
    invite.headers.set("CSeq", "10 INVITE");
    invite
        .headers
        .push("Record-Route", "<sip:p1.example.com;lr>");
    invite
        .headers
        .push("Record-Route", "<sip:p2.example.com;lr>");
    let d = Dialog::uas(&invite, "b1", None, 200).unwrap();
    let hosts: Vec<&str> = d.route_set.iter().map(|r| r.uri.host.as_str()).collect();
    assert_eq!(hosts, vec!["p1.example.com", "p2.example.com"]);
    let mut dialogs = Dialogs::default();
    dialogs.insert(d);
    let mut old = request("INFO", "z9hG4bKd9", ";tag=b1");
    old.headers.set("CSeq", "9 INFO");
    let err = dialogs.on_request(&old).unwrap_err();
    assert_eq!(
        err,
        DialogError::CSeqOutOfOrder {
            received: 9,
            last: 10
        }
    );
    assert_eq!(err.status(), 500);
    let mut next = request("UPDATE", "z9hG4bKd10", ";tag=b1");
    next.headers.set("CSeq", "11 UPDATE");
    next.headers.set("Contact", "<sip:alice@192.0.2.77>");
    let d = dialogs.on_request(&next).unwrap();
    assert_eq!(
        d.remote_target.host, "192.0.2.77",
        "UPDATE refreshes the target"
    );
}

#[test]
fn unknown_dialog_is_481() {
    let mut dialogs = Dialogs::default();
    let bye = request("BYE", "z9hG4bKd11", ";tag=nobody");
    let err = dialogs.on_request(&bye).unwrap_err();
    assert_eq!(err.status(), 481);
}

#[test]
fn reinvite_2xx_refreshes_remote_target() {
    let invite = request("INVITE", "z9hG4bKd12", "");
    let mut d = Dialog::uac(&invite, &answered(&invite)).unwrap();
    let reinvite = d.request(Method::Invite, &via("z9hG4bKd13"));
    let mut ok = response_to(&reinvite, 200, None);
    ok.headers.push("Contact", "<sip:bob@203.0.113.99>");
    d.on_response(&ok);
    assert_eq!(d.remote_target.host, "203.0.113.99");
}

#[test]
fn strict_router_goes_in_the_request_uri() {
    let invite = request("INVITE", "z9hG4bKd14", "");
    let mut ok = response_to(&invite, 200, Some("b1"));
    ok.headers.push("Record-Route", "<sip:strict.example.com>");
    ok.headers.push("Contact", "<sip:bob@203.0.113.5>");
    let mut d = Dialog::uac(&invite, &ok).unwrap();
    let bye = d.request(Method::Bye, &via("z9hG4bKd15"));
    assert_eq!(bye.uri.host, "strict.example.com");
    assert_eq!(bye.route().last().unwrap().uri.host, "203.0.113.5");
}

#[test]
fn early_dialog_from_183_is_confirmed_by_200() {
    let invite = request("INVITE", "z9hG4bKd16", "");
    let mut progress = response_to(&invite, 183, Some("b1"));
    progress.headers.push("Contact", "<sip:bob@203.0.113.5>");
    let mut d = Dialog::uac(&invite, &progress).unwrap();
    assert_eq!(d.state, DialogState::Early);
    d.on_response(&response_to(&invite, 200, Some("b1")));
    assert_eq!(d.state, DialogState::Confirmed);
}

#[test]
fn cancel_copies_the_invite_identity() {
    let mut invite = request("INVITE", "z9hG4bKd17", "");
    invite.headers.push("Route", "<sip:p1.example.com;lr>");
    let cancel = cancel_for(&invite);
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(cancel.uri, invite.uri);
    assert_eq!(cancel.top_via().unwrap().branch(), Some("z9hG4bKd17"));
    assert_eq!(cancel.headers.get("CSeq"), Some("1 CANCEL"));
    assert_eq!(cancel.headers.get("Route"), Some("<sip:p1.example.com;lr>"));
    assert_eq!(cancel.to(), invite.to());
}
