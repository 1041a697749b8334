//! RFC 3261 §10.3 registrar behaviour.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::message::{parse, Message, Request, SipHeaders};
use switchboard_sip::registrar::{aor_of, RegisterError, Registrar, RegistrarConfig};
use switchboard_sip::transport::Transport;

fn register(cseq: u32, contacts: &[&str], expires: Option<u32>) -> Request {
    let mut raw = format!(
        "REGISTER sip:switchboard.example SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr{cseq}\r\n\
         From: <sip:1001@Switchboard.example>;tag=r1\r\n\
         To: <sip:1001@Switchboard.example>\r\n\
         Call-ID: reg-1\r\nCSeq: {cseq} REGISTER\r\nUser-Agent: TestPhone/1.0\r\n"
    );
    for c in contacts {
        raw.push_str(&format!("Contact: {c}\r\n"));
    }
    if let Some(e) = expires {
        raw.push_str(&format!("Expires: {e}\r\n"));
    }
    raw.push_str("Content-Length: 0\r\n\r\n");
    match parse(raw.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!("request built"),
    }
}

fn src() -> std::net::SocketAddr {
    "192.0.2.10:5060".parse().unwrap()
}

#[test]
fn several_contacts_with_param_header_and_default_expiry() {
    let clock = FakeClock::new();
    let mut reg = Registrar::default();
    let req = register(
        1,
        &["<sip:1001@10.0.0.1>;expires=120", "<sip:1001@10.0.0.2>"],
        Some(300),
    );
    let aor = aor_of(&req).unwrap();
    assert_eq!(aor, "sip:1001@switchboard.example");
    let b = reg
        .register(clock.now(), &aor, &req, src(), Transport::Udp)
        .unwrap();
    let mut left: Vec<u32> = b.iter().map(|b| b.remaining(clock.now())).collect();
    left.sort_unstable();
    assert_eq!(left, vec![120, 300]);
    assert_eq!(b[0].user_agent.as_deref(), Some("TestPhone/1.0"));
    assert_eq!(b[0].source, src());
    let ok = Registrar::ok_response(&req, &b, clock.now(), "t");
    assert_eq!(ok.contacts().len(), 2);
    assert!(ok.contacts().iter().all(|c| c.expires().is_some()));
    let req = register(2, &["<sip:1001@10.0.0.3>"], None);
    let b = reg
        .register(clock.now(), &aor, &req, src(), Transport::Udp)
        .unwrap();
    assert_eq!(
        b.iter()
            .find(|b| b.contact.uri.host == "10.0.0.3")
            .unwrap()
            .remaining(clock.now()),
        3600
    );
}

#[test]
fn too_brief_is_423_with_min_expires_and_changes_nothing() {
    let clock = FakeClock::new();
    let mut reg = Registrar::new(RegistrarConfig {
        min_expires: 60,
        ..RegistrarConfig::default()
    });
    let req = register(
        1,
        &["<sip:1001@10.0.0.1>", "<sip:1001@10.0.0.2>;expires=30"],
        None,
    );
    let err = reg
        .register(clock.now(), "aor", &req, src(), Transport::Udp)
        .unwrap_err();
    assert_eq!(
        err,
        RegisterError::IntervalTooBrief {
            requested: 30,
            min_expires: 60
        }
    );
    let resp = reg.error_response(&req, &err, "t");
    assert_eq!(resp.status, 423);
    assert_eq!(resp.headers.get("Min-Expires"), Some("60"));
    assert!(
        reg.bindings("aor", clock.now()).is_empty(),
        "all or nothing"
    );
}

#[test]
fn max_expires_clamps() {
    let clock = FakeClock::new();
    let mut reg = Registrar::default();
    let req = register(1, &["<sip:1001@10.0.0.1>"], Some(100_000));
    let b = reg
        .register(clock.now(), "aor", &req, src(), Transport::Udp)
        .unwrap();
    assert_eq!(b[0].remaining(clock.now()), 7200);
}

#[test]
fn wildcard_with_expires_zero_removes_all_otherwise_400() {
    let clock = FakeClock::new();
    let mut reg = Registrar::default();
    let req = register(1, &["<sip:1001@10.0.0.1>", "<sip:1001@10.0.0.2>"], None);
    reg.register(clock.now(), "aor", &req, src(), Transport::Udp)
        .unwrap();
    let bad = register(2, &["*"], Some(60));
    assert_eq!(
        reg.register(clock.now(), "aor", &bad, src(), Transport::Udp)
            .unwrap_err()
            .status(),
        400
    );
    let bad = register(2, &["*"], None);
    assert_eq!(
        reg.register(clock.now(), "aor", &bad, src(), Transport::Udp),
        Err(RegisterError::InvalidWildcard)
    );
    let star = register(3, &["*"], Some(0));
    assert!(reg
        .register(clock.now(), "aor", &star, src(), Transport::Udp)
        .unwrap()
        .is_empty());
}

#[test]
fn refresh_needs_a_higher_cseq_for_the_same_call_id() {
    let clock = FakeClock::new();
    let mut reg = Registrar::default();
    let first = register(5, &["<sip:1001@10.0.0.1>"], Some(600));
    reg.register(clock.now(), "aor", &first, src(), Transport::Udp)
        .unwrap();
    clock.advance(Duration::from_secs(100));
    let stale = register(5, &["<sip:1001@10.0.0.1>"], Some(600));
    let err = reg
        .register(clock.now(), "aor", &stale, src(), Transport::Udp)
        .unwrap_err();
    assert_eq!(
        err,
        RegisterError::OutOfOrder {
            received: 5,
            stored: 5
        }
    );
    let refresh = register(6, &["<sip:1001@10.0.0.1>"], Some(600));
    let b = reg
        .register(clock.now(), "aor", &refresh, src(), Transport::Udp)
        .unwrap();
    assert_eq!(b.len(), 1, "refresh replaces, never duplicates");
    assert_eq!(b[0].remaining(clock.now()), 600);
    let remove = register(7, &["<sip:1001@10.0.0.1>;expires=0"], None);
    assert!(reg
        .register(clock.now(), "aor", &remove, src(), Transport::Udp)
        .unwrap()
        .is_empty());
}

#[test]
fn bindings_expire_by_time() {
    let clock = FakeClock::new();
    let mut reg = Registrar::default();
    let req = register(
        1,
        &[
            "<sip:1001@10.0.0.1>;expires=60",
            "<sip:1001@10.0.0.2>;expires=120",
        ],
        None,
    );
    reg.register(clock.now(), "aor", &req, src(), Transport::Udp)
        .unwrap();
    assert_eq!(
        reg.poll_timeout(),
        Some(clock.now() + Duration::from_secs(60))
    );
    clock.advance(Duration::from_secs(60));
    let gone = reg.expire(clock.now());
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].1.contact.uri.host, "10.0.0.1");
    assert_eq!(reg.bindings("aor", clock.now()).len(), 1);
    clock.advance(Duration::from_secs(60));
    assert_eq!(reg.expire(clock.now()).len(), 1);
    assert_eq!(reg.poll_timeout(), None);
}

#[test]
fn export_import_round_trip_keeps_remaining_time() {
    let clock = FakeClock::new();
    let mut reg = Registrar::default();
    let req = register(
        1,
        &["\"Desk\" <sip:1001@10.0.0.1;transport=tcp>;expires=600"],
        None,
    );
    reg.register(clock.now(), "aor", &req, src(), Transport::Tcp)
        .unwrap();
    clock.advance(Duration::from_secs(100));
    let saved = reg.export(clock.now(), clock.unix_ms());
    assert_eq!(saved.len(), 1);
    let later = FakeClock::new();
    later.advance(Duration::from_secs(200));
    let mut restored = Registrar::default();
    assert_eq!(
        restored.import(later.now(), clock.unix_ms() + 200_000, saved),
        0
    );
    let b = restored.bindings("aor", later.now());
    assert_eq!(b[0].remaining(later.now()), 300);
    assert_eq!(b[0].transport, Transport::Tcp);
    assert_eq!(b[0].contact.uri.params.get("transport"), Some(Some("tcp")));
}
