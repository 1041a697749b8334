//! RFC 7616 digest authentication: vectors, nonce expiry, replay, and user enumeration.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_sip::auth::{
    ha1, response, Algorithm, AuthParams, DigestClient, DigestInput, DigestServer, NonceManager,
    Rejection,
};

fn rfc_example(algorithm: Algorithm) -> DigestInput<'static> {
    DigestInput {
        algorithm,
        username: "Mufasa",
        realm: "http-auth@example.org",
        password: "Circle of Life",
        nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        nc: 1,
        qop: Some("auth"),
        method: "GET",
        uri: "/dir/index.html",
    }
}

#[test]
fn rfc7616_3_9_1_md5_vector() {
    assert_eq!(
        response(&rfc_example(Algorithm::Md5)),
        "8ca523f5e9506fed4657c9700eebdbec"
    );
}

#[test]
fn rfc7616_3_9_1_sha256_vector() {
    assert_eq!(
        response(&rfc_example(Algorithm::Sha256)),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

#[test]
fn sess_ha1_hashes_the_base_ha1_with_both_nonces() {
    let i = rfc_example(Algorithm::Md5Sess);
    let base = Algorithm::Md5.hash(b"Mufasa:http-auth@example.org:Circle of Life");
    let expected = Algorithm::Md5.hash(format!("{base}:{}:{}", i.nonce, i.cnonce).as_bytes());
    assert_eq!(ha1(&i), expected);
    let s = rfc_example(Algorithm::Sha256Sess);
    assert_ne!(ha1(&s), ha1(&rfc_example(Algorithm::Sha256)));
}

fn server(clock: &FakeClock, algorithms: Vec<Algorithm>) -> DigestServer {
    let nonces = NonceManager::new([9; 32], Duration::from_secs(300), clock.now());
    DigestServer::new("switchboard", algorithms, nonces)
}

fn lookup(user: &str) -> Option<String> {
    (user == "1001").then(|| "secret99".to_owned())
}

fn login(
    clock: &FakeClock,
    srv: &mut DigestServer,
    client: &mut DigestClient,
) -> (Vec<String>, String) {
    let ch = srv.challenge(clock.now(), &Rejection::Missing, false);
    let refs: Vec<&str> = ch.values.iter().map(String::as_str).collect();
    let auth = client
        .authorize(&refs, false, "REGISTER", "sip:switchboard", "c0ffee")
        .unwrap();
    (ch.values, auth.value)
}

#[test]
fn client_and_server_agree_for_every_algorithm() {
    for alg in [
        Algorithm::Md5,
        Algorithm::Md5Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
    ] {
        let clock = FakeClock::new();
        let mut srv = server(&clock, vec![alg]);
        let mut client = DigestClient::new("1001", "secret99");
        let (_, auth) = login(&clock, &mut srv, &mut client);
        assert_eq!(
            srv.verify(clock.now(), "REGISTER", Some(&auth), lookup),
            Ok("1001".into()),
            "{alg:?}"
        );
    }
}

#[test]
fn client_picks_the_strongest_algorithm_offered() {
    let clock = FakeClock::new();
    let mut srv = server(&clock, vec![Algorithm::Md5, Algorithm::Sha256]);
    let mut client = DigestClient::new("1001", "secret99");
    let (_, auth) = login(&clock, &mut srv, &mut client);
    assert_eq!(
        AuthParams::parse(&auth).unwrap().get("algorithm"),
        Some("SHA-256")
    );
}

#[test]
fn replayed_nc_is_refused_and_next_nc_accepted() {
    let clock = FakeClock::new();
    let mut srv = server(&clock, vec![Algorithm::Sha256]);
    let mut client = DigestClient::new("1001", "secret99");
    let (challenge, auth) = login(&clock, &mut srv, &mut client);
    assert!(srv
        .verify(clock.now(), "REGISTER", Some(&auth), lookup)
        .is_ok());
    assert_eq!(
        srv.verify(clock.now(), "REGISTER", Some(&auth), lookup),
        Err(Rejection::Replay)
    );
    let refs: Vec<&str> = challenge.iter().map(String::as_str).collect();
    let second = client
        .authorize(&refs, false, "REGISTER", "sip:switchboard", "c0ffee")
        .unwrap();
    assert_eq!(
        AuthParams::parse(&second.value).unwrap().get("nc"),
        Some("00000002")
    );
    assert!(srv
        .verify(clock.now(), "REGISTER", Some(&second.value), lookup)
        .is_ok());
}

#[test]
fn expired_nonce_with_right_password_is_stale() {
    let clock = FakeClock::new();
    let mut srv = server(&clock, vec![Algorithm::Md5]);
    let mut client = DigestClient::new("1001", "secret99");
    let (_, auth) = login(&clock, &mut srv, &mut client);
    clock.advance(Duration::from_secs(301));
    let rejection = srv
        .verify(clock.now(), "REGISTER", Some(&auth), lookup)
        .unwrap_err();
    assert_eq!(rejection, Rejection::Stale);
    let ch = srv.challenge(clock.now(), &rejection, false);
    assert_eq!(
        AuthParams::parse(&ch.values[0]).unwrap().get("stale"),
        Some("true")
    );
    let mut wrong = DigestClient::new("1001", "not-it");
    let (_, bad) = login(&clock, &mut srv, &mut wrong);
    clock.advance(Duration::from_secs(301));
    assert_eq!(
        srv.verify(clock.now(), "REGISTER", Some(&bad), lookup),
        Err(Rejection::BadCredentials)
    );
}

fn redact_nonce(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            let p = AuthParams::parse(v).unwrap();
            v.replace(p.get("nonce").unwrap(), "N")
        })
        .collect()
}

#[test]
fn unknown_user_and_wrong_password_look_identical() {
    let clock = FakeClock::new();
    let mut srv = server(&clock, vec![Algorithm::Sha256, Algorithm::Md5]);
    let (_, unknown) = login(&clock, &mut srv, &mut DigestClient::new("9999", "secret99"));
    let (_, wrong) = login(&clock, &mut srv, &mut DigestClient::new("1001", "wrongpw1"));
    let a = srv
        .verify(clock.now(), "REGISTER", Some(&unknown), lookup)
        .unwrap_err();
    let b = srv
        .verify(clock.now(), "REGISTER", Some(&wrong), lookup)
        .unwrap_err();
    assert_eq!(a, Rejection::BadCredentials);
    assert_eq!(a, b);
    let (ca, cb) = (
        srv.challenge(clock.now(), &a, false),
        srv.challenge(clock.now(), &b, false),
    );
    assert_eq!((ca.status, ca.header), (cb.status, cb.header));
    assert_eq!(redact_nonce(&ca.values), redact_nonce(&cb.values));
}

#[test]
fn forged_nonce_and_foreign_realm_are_refused() {
    let clock = FakeClock::new();
    let mut srv = server(&clock, vec![Algorithm::Md5]);
    let mut client = DigestClient::new("1001", "secret99");
    let fake = r#"Digest realm="switchboard", nonce="00000000000000000000000000000001.00", algorithm=MD5, qop="auth""#;
    let auth = client
        .authorize(&[fake], false, "REGISTER", "sip:switchboard", "c")
        .unwrap();
    assert_eq!(
        srv.verify(clock.now(), "REGISTER", Some(&auth.value), lookup),
        Err(Rejection::BadCredentials)
    );
    let other = fake.replace("switchboard", "elsewhere");
    let auth = client
        .authorize(&[&other], false, "REGISTER", "sip:switchboard", "c")
        .unwrap();
    assert_eq!(
        srv.verify(clock.now(), "REGISTER", Some(&auth.value), lookup),
        Err(Rejection::Missing)
    );
}

#[test]
fn legacy_no_qop_and_proxy_challenge() {
    let clock = FakeClock::new();
    let mut srv = server(&clock, vec![Algorithm::Md5]);
    let ch = srv.challenge(clock.now(), &Rejection::Missing, true);
    assert_eq!((ch.status, ch.header), (407, "Proxy-Authenticate"));
    let legacy = ch.values[0].replace(", qop=\"auth\"", "");
    let mut client = DigestClient::new("1001", "secret99");
    let auth = client
        .authorize(&[&legacy], true, "INVITE", "sip:2000@switchboard", "c")
        .unwrap();
    assert_eq!(auth.header, "Proxy-Authorization");
    assert!(AuthParams::parse(&auth.value).unwrap().get("nc").is_none());
    assert_eq!(
        srv.verify(clock.now(), "INVITE", Some(&auth.value), lookup),
        Ok("1001".into())
    );
}
