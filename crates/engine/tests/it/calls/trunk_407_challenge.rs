//! An extension dials an allowed outside number: the INVITE goes to the trunk, which
//! challenges with 407; the retry carries the trunk's credentials.

use super::net::{sdp, Net, Phone};
use sb_sip::auth::AuthParams;
use sb_sip::message::SipHeaders;

#[test]
fn the_trunk_challenge_is_answered_with_its_credentials() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let trunk = Phone::trunk();
    a.dial(&mut net, "5551234");
    let first = net.request(trunk.addr, "INVITE");
    assert_eq!(first.uri.user.as_deref(), Some("5551234"));
    assert_eq!(first.from().unwrap().uri.user.as_deref(), Some("4000"));
    let mut challenge = sb_sip::message::Response::from_request(&first, 407, Some("tt"));
    challenge.headers.push(
        "Proxy-Authenticate",
        "Digest realm=\"provider\", nonce=\"abc123\", qop=\"auth\", algorithm=MD5",
    );
    net.send(trunk.addr, challenge.to_bytes());
    net.request(trunk.addr, "ACK");
    let second = net.request(trunk.addr, "INVITE");
    let creds = AuthParams::parse(second.headers.get("Proxy-Authorization").unwrap()).unwrap();
    assert_eq!(creds.get("username"), Some("acct"));
    assert_eq!(creds.get("nonce"), Some("abc123"));
    assert_eq!(second.call_id(), first.call_id());
    assert!(second.cseq().unwrap().seq > first.cseq().unwrap().seq);
    trunk.reply(&mut net, &second, 200, Some(sdp(trunk.rtp(), "sendrecv")));
    net.request(trunk.addr, "ACK");
    net.response(a.addr, 200);
    assert_eq!(net.media.bridges().len(), 1);
}

#[test]
fn a_second_challenge_is_not_answered_forever() {
    let mut net = Net::new();
    let mut a = Phone::new("1001");
    let trunk = Phone::trunk();
    a.dial(&mut net, "5551234");
    for _ in 0..3 {
        let Some(invite) = net.take(trunk.addr).into_iter().find_map(|m| match m {
            sb_sip::message::Message::Request(r) if r.method.as_str() == "INVITE" => Some(r),
            _ => None,
        }) else {
            break;
        };
        let mut challenge = sb_sip::message::Response::from_request(&invite, 401, Some("tt"));
        challenge.headers.push(
            "WWW-Authenticate",
            "Digest realm=\"provider\", nonce=\"n\", algorithm=MD5",
        );
        net.send(trunk.addr, challenge.to_bytes());
    }
    net.response(a.addr, 502);
    assert_eq!(net.core.call_legs(), 0);
}
