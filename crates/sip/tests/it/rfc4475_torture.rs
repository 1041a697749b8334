//! RFC 4475 torture messages: valid ones parse, invalid ones are refused with a
//! structured error, and nothing panics. The messages live in `rfc4475/*.dat`.

use switchboard_sip::message::{
    check_request, parse, Message, Method, ParseError, RequestError, Scheme, SipHeaders,
};

fn load(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/it/rfc4475/{name}.dat", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn request(name: &str) -> switchboard_sip::message::Request {
    match parse(&load(name)) {
        Ok(Message::Request(r)) => r,
        other => panic!("{name}: expected a request, got {other:?}"),
    }
}

fn rejected(name: &str) -> ParseError {
    match parse(&load(name)) {
        Err(e) => e,
        Ok(m) => panic!("{name} must be refused, parsed as {m:?}"),
    }
}

#[test]
fn wsinv_whitespace_folding_and_compact_forms() {
    let r = request("wsinv");
    assert_eq!(r.max_forwards(), Some(68));
    assert_eq!(r.cseq().unwrap().seq, 9);
    assert_eq!(r.to().unwrap().tag(), Some("1918181833n"));
    assert_eq!(r.from().unwrap().tag(), Some("98asjd8"));
    let vias = r.vias();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(vias[2].host, "192.168.255.111");
    assert_eq!(r.contacts().len(), 1);
    assert!(r.body.starts_with(b"v=0"));
}

#[test]
fn intmeth_unusual_method_and_uri() {
    let r = request("intmeth");
    assert_eq!(
        r.method,
        Method::Extension("!interesting-Method0123456789_*+`.%indeed'~".into())
    );
    assert_eq!(
        r.uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(r.uri.host, "example.com");
    assert!(r.to().unwrap().display_name.unwrap().contains("BEL"));
}

#[test]
fn esc01_escaped_uris() {
    let r = request("esc01");
    assert_eq!(r.uri.user.as_deref(), Some("sips%3Auser%40example.com"));
    assert_eq!(
        r.from().unwrap().uri.user.as_deref(),
        Some("I%20have%20spaces")
    );
    assert_eq!(r.content_type(), Some("application/sdp"));
}

#[test]
fn escnull_and_esc02() {
    assert_eq!(request("escnull").contacts().len(), 2);
    let r = request("esc02");
    assert_eq!(
        r.method,
        Method::Extension("RE%47IST%45R".into()),
        "an escaped method is not REGISTER"
    );
    assert_eq!(r.contacts().len(), 2, "C%6Fntact is another header");
}

#[test]
fn lwsdisp_semiuri_transports() {
    assert_eq!(
        request("lwsdisp").from().unwrap().display_name.as_deref(),
        Some("caller")
    );
    assert_eq!(
        request("semiuri").uri.user.as_deref(),
        Some("user;par=u%40example.net")
    );
    assert_eq!(request("semiuri").headers.get_all("Accept").count(), 6);
    let t: Vec<String> = request("transports")
        .vias()
        .into_iter()
        .map(|v| v.transport)
        .collect();
    assert_eq!(t, vec!["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
}

#[test]
fn longreq_long_values_within_limits() {
    let r = request("longreq");
    assert_eq!(r.vias().len(), 34);
    assert_eq!(r.to().unwrap().uri.port, Some(6000));
}

#[test]
fn dblreq_takes_only_the_first_message() {
    let r = request("dblreq");
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
}

#[test]
fn mpart01_multipart_body_kept_whole() {
    let r = request("mpart01");
    assert!(r.body.ends_with(b"--++--\r\n"));
}

#[test]
fn unreason_and_noreason_responses() {
    let Ok(Message::Response(r)) = parse(&load("unreason")) else {
        panic!("unreason")
    };
    assert_eq!(r.status, 200);
    assert!(r.reason.contains("2**3"));
    let Ok(Message::Response(r)) = parse(&load("noreason")) else {
        panic!("noreason")
    };
    assert_eq!((r.status, r.reason.as_str()), (100, ""));
}

#[test]
fn invalid_messages_are_refused_with_the_right_error() {
    use ParseError as E;
    type Expect = fn(&ParseError) -> bool;
    let cases: &[(&str, Expect)] = &[
        ("badinv01", |e| {
            matches!(e, E::EmptyListElement { .. } | E::InvalidParam { .. })
        }),
        ("clerr", |e| matches!(e, E::ContentLengthMismatch { .. })),
        ("ncl", |e| {
            matches!(
                e,
                E::InvalidHeader {
                    name: "Content-Length",
                    ..
                }
            )
        }),
        ("scalar02", |e| matches!(e, E::InvalidHeader { .. })),
        ("scalarlg", |e| {
            matches!(e, E::InvalidHeader { name: "CSeq", .. })
        }),
        ("quotbal", |e| matches!(e, E::InvalidNameAddr { .. })),
        ("ltgtruri", |e| matches!(e, E::InvalidUri { .. })),
        ("lwsruri", |e| matches!(e, E::InvalidStartLine { .. })),
        ("lwsstart", |e| matches!(e, E::InvalidStartLine { .. })),
        ("trws", |e| matches!(e, E::InvalidStartLine { .. })),
        ("escruri", |e| matches!(e, E::InvalidUri { .. })),
        ("baddate", |e| {
            matches!(e, E::InvalidHeader { name: "Date", .. })
        }),
        ("regbadct", |e| matches!(e, E::InvalidNameAddr { .. })),
        ("badaspec", |e| {
            matches!(e, E::InvalidUri { .. } | E::InvalidNameAddr { .. })
        }),
        ("baddn", |e| matches!(e, E::InvalidNameAddr { .. })),
        ("badvers", |e| matches!(e, E::UnsupportedVersion { .. })),
        ("mismatch01", |e| matches!(e, E::CSeqMethodMismatch { .. })),
        ("mismatch02", |e| matches!(e, E::CSeqMethodMismatch { .. })),
        ("bigcode", |e| matches!(e, E::InvalidStatus { .. })),
        ("insuf", |e| matches!(e, E::MissingHeader { .. })),
    ];
    for (name, expected) in cases {
        let err = rejected(name);
        assert!(expected(&err), "{name}: unexpected error {err:?}");
    }
}

#[test]
fn unknown_schemes_are_well_formed_but_answered_416() {
    for name in ["unkscm", "novelsc"] {
        let r = request(name);
        assert!(matches!(r.uri.scheme, Scheme::Other(_)));
        let err = check_request(&r, &[]).unwrap_err();
        assert!(matches!(err, RequestError::UnsupportedUriScheme { .. }));
        assert_eq!(err.response(&r, "t").status, 416);
    }
}

#[test]
fn bext01_unknown_require_is_answered_420_listing_it() {
    let r = request("bext01");
    let err = check_request(&r, &["replaces", "timer"]).unwrap_err();
    let resp = err.response(&r, "t");
    assert_eq!(resp.status, 420);
    let unsupported: Vec<&str> = resp.headers.get_all("Unsupported").collect();
    assert_eq!(
        unsupported,
        vec!["nothingSupportsThis", "nothingSupportsThisEither"]
    );
}

#[test]
fn every_prefix_of_every_message_is_handled_without_panic() {
    let dir = format!("{}/tests/it/rfc4475", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let _ = parse(&bytes[..cut]);
        }
    }
}
