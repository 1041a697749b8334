//! Every request gets a final answer: OPTIONS 200 with Allow/Accept, an INVITE without
//! credentials is challenged (407), 501 for unknown methods; malformed requests get 400 when addressable;
//! RFC 3581 rport is honoured.

use sb_sip::message::{parse, Message, Method, SipHeaders};

use crate::support::*;

#[actix_rt::test]
async fn options_is_answered_with_allow_and_accept() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    let options = phone.request(Method::Options);
    let ok = phone.exchange(&options).await;
    assert_eq!(ok.status, 200);
    let allow: Vec<&str> = ok.headers.get_all("Allow").collect();
    assert!(
        allow.contains(&"REGISTER") && allow.contains(&"OPTIONS"),
        "{allow:?}"
    );
    assert_eq!(ok.headers.get("Accept"), Some("application/sdp"));
    // RFC 3581: rport filled with the source port, received added.
    let via = ok.top_via().unwrap();
    assert_eq!(via.rport(), Some(Some(phone.local.port())));
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn invite_unknown_and_in_dialog_methods_get_final_answers() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    let invite = phone.request(Method::Invite);
    phone.send(&invite).await;
    // 100 Trying first (the layer sends it for INVITE), then the final answer.
    let mut answer = phone.recv().await;
    if answer.status == 100 {
        answer = phone.recv().await;
    }
    assert_eq!(
        answer.status, 407,
        "nothing is routed before digest authentication"
    );
    assert!(answer.headers.get("Proxy-Authenticate").is_some());
    let bye = phone.request(Method::Bye);
    assert_eq!(phone.exchange(&bye).await.status, 481);
    let odd = phone.request(Method::Extension("FROB".into()));
    let not_impl = phone.exchange(&odd).await;
    assert_eq!(not_impl.status, 501);
    assert!(not_impl.headers.get_all("Allow").any(|m| m == "INVITE"));
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn malformed_request_with_a_via_gets_400_and_garbage_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let server = h.sip.local_addrs().udp;
    let mut phone = Phone::udp("127.0.0.1", server, USER, PASSWORD).await;
    phone.send_raw(b"\x00\xff garbage \r\n\r\n").await;
    let broken = format!(
        "REGISTER sip:switchboard.test SIP/2.0\r\nVia: SIP/2.0/UDP {};branch=z9hG4bKbad\r\n\
         From: <sip:1001@x>;tag=1\r\nTo: <sip:1001@x>\r\nCall-ID: broken-1\r\nCSeq: 1 REGISTER\r\nExpires: soon\r\n\
         Content-Length: 0\r\n\r\n",
        phone.local
    );
    phone.send_raw(broken.as_bytes()).await;
    let raw = phone.recv_datagram().await;
    let Message::Response(r) = parse(&raw).unwrap() else {
        panic!("a response")
    };
    assert_eq!(
        r.status, 400,
        "the garbage got nothing, the broken REGISTER a 400"
    );
    assert_eq!(r.call_id(), Some("broken-1"));
    h.sip.shutdown().await;
}
