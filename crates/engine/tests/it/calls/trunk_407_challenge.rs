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

#[test]
fn a_registering_trunk_registers_with_its_credentials_and_refreshes() {
    let mut net = Net::with_registering_trunk();
    let trunk = Phone::trunk();
    let first = net.request(trunk.addr, "REGISTER");
    let mut challenge = sb_sip::message::Response::from_request(&first, 401, Some("r"));
    challenge.headers.push(
        "WWW-Authenticate",
        "Digest realm=\"provider\", nonce=\"reg1\", algorithm=MD5",
    );
    net.send(trunk.addr, challenge.to_bytes());
    let second = net.request(trunk.addr, "REGISTER");
    let creds = AuthParams::parse(second.headers.get("Authorization").unwrap()).unwrap();
    assert_eq!(creds.get("username"), Some("acct"));
    assert_eq!(second.call_id(), first.call_id());
    let mut ok = sb_sip::message::Response::from_request(&second, 200, Some("r"));
    ok.headers
        .push("Contact", "<sip:acct@127.0.0.1:5060>;expires=120");
    net.send(trunk.addr, ok.to_bytes());
    // Refreshed at half the granted time.
    net.advance(std::time::Duration::from_secs(59));
    net.quiet(trunk.addr);
    net.advance(std::time::Duration::from_secs(1));
    let refresh = net.request(trunk.addr, "REGISTER");
    assert!(refresh.cseq().unwrap().seq > second.cseq().unwrap().seq);
}

#[test]
fn a_refused_registration_is_retried_with_back_off() {
    let mut net = Net::with_registering_trunk();
    let trunk = Phone::trunk();
    let first = net.request(trunk.addr, "REGISTER");
    trunk.reply(&mut net, &first, 403, None);
    net.advance(std::time::Duration::from_secs(29));
    net.quiet(trunk.addr);
    net.advance(std::time::Duration::from_secs(1));
    let again = net.request(trunk.addr, "REGISTER");
    trunk.reply(&mut net, &again, 403, None);
    // The second pause is twice the first.
    net.advance(std::time::Duration::from_secs(59));
    net.quiet(trunk.addr);
    net.advance(std::time::Duration::from_secs(1));
    net.request(trunk.addr, "REGISTER");
}
