//! Property tests: messages we build survive serialise → parse unchanged, and no parser
//! panics on arbitrary or mutated input.

use proptest::prelude::*;
use switchboard_sip::auth::AuthParams;
use switchboard_sip::message::{parse, Message, Method, NameAddr, Request, Response, Uri};
use switchboard_sip::sdp::{Codec, Direction, LocalMedia, SdpSession, SessionDescription};

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9.!~*_+-]{0,15}"
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Register),
        Just(Method::Options),
        Just(Method::Bye),
        Just(Method::Info),
        "[A-Z]{3,10}".prop_map(|m| Method::parse(&m).expect("letters are a token")),
    ]
}

prop_compose! {
    fn built_request()(
        method in method(),
        user in "[a-z0-9]{1,12}",
        host in "[a-z]{1,10}\\.example\\.(com|net)",
        port in proptest::option::of(1024u16..),
        branch in token(),
        tag in token(),
        call_id in token(),
        seq in 0u32..(1 << 31),
        display in proptest::option::of("[A-Za-z ]{1,20}"),
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) -> Request {
        let uri = Uri::sip(Some(&user), &host, port);
        let mut r = Request::new(method.clone(), uri.clone());
        r.headers.push("Via", format!("SIP/2.0/UDP {host};branch=z9hG4bK{branch};rport"));
        r.headers.push("Max-Forwards", "70");
        let mut from = NameAddr::new(uri.clone()).with_tag(&tag);
        from.display_name = display.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        r.headers.push("From", from.to_string());
        r.headers.push("To", NameAddr::new(uri).to_string());
        r.headers.push("Call-ID", call_id);
        r.headers.push("CSeq", format!("{seq} {method}"));
        r.body = body.into();
        r
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn built_requests_round_trip(req in built_request()) {
        let parsed = parse(&req.to_bytes()).expect("what we build parses");
        prop_assert_eq!(parsed, Message::Request(req));
    }

    #[test]
    fn built_responses_round_trip(req in built_request(), status in 100u16..700, tag in token()) {
        let resp = Response::from_request(&req, status, Some(&tag));
        let parsed = parse(&resp.to_bytes()).expect("what we build parses");
        prop_assert_eq!(parsed, Message::Response(resp));
    }

    #[test]
    fn uris_that_parse_print_back_to_the_same_uri(s in "(sips?|tel|x-y):[a-zA-Z0-9%@:;=?&.\\[\\]\"<>,-]{0,30}") {
        if let Ok(uri) = Uri::parse(&s) {
            prop_assert_eq!(Uri::parse(&uri.to_string()), Ok(uri));
        }
        if let Ok(addr) = NameAddr::parse(&s) {
            prop_assert!(NameAddr::parse(&addr.to_string()).is_ok());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = Uri::parse(&text);
        let _ = NameAddr::parse(&text);
        let _ = AuthParams::parse(&text);
        let _ = SessionDescription::parse(&text);
    }

    #[test]
    fn mutated_torture_messages_never_panic_and_reserialise(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let name = ["wsinv", "esc01", "longreq"][which];
        let path = format!("{}/tests/it/rfc4475/{name}.dat", env!("CARGO_MANIFEST_DIR"));
        let mut bytes = std::fs::read(path).expect("fixture exists");
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Ok(m) = parse(&bytes) {
            prop_assert!(parse(&m.to_bytes()).is_ok(), "a parsed message reserialises to a parseable one");
        }
    }

    #[test]
    fn answers_to_our_own_offers_parse_back(port in 1024u16.., pcma_first in any::<bool>(), te in 96u8..128) {
        let codecs = if pcma_first { vec![Codec::Pcma, Codec::Pcmu] } else { vec![Codec::Pcmu, Codec::Pcma] };
        let local = LocalMedia {
            address: "192.0.2.1".parse().expect("literal"),
            port,
            codecs,
            telephone_event_pt: Some(te),
            ptime: 20,
            direction: Direction::SendRecv,
        };
        let offer = SdpSession::new(1).offer(&local);
        let parsed = SessionDescription::parse(&offer.to_string()).expect("our SDP parses");
        prop_assert_eq!(&parsed, &offer);
        let (_, params) = SdpSession::new(2).answer(&parsed, &local).expect("we accept our own codecs");
        prop_assert_eq!(params.codec, local.codecs[0]);
        prop_assert_eq!(params.telephone_event, Some(te));
    }
}
