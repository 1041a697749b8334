//! Fuzzes the digest header parser, the server-side verifier and the client-side challenge
//! answerer: hostile Authorization / WWW-Authenticate values must never panic.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use switchboard_sip::auth::{Algorithm, AuthParams, DigestClient, DigestServer, NonceManager};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = AuthParams::parse(s);
    // A fixed instant is enough: the fuzzer explores header shapes, not time.
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let nonces = NonceManager::new([3; 32], Duration::from_secs(60), now);
    let mut server = DigestServer::new("switchboard", vec![Algorithm::Sha256, Algorithm::Md5], nonces);
    let _ = server.verify(now, "REGISTER", Some(s), |u| (u == "1001").then(|| "pw".to_owned()));
    let mut client = DigestClient::new("1001", "pw");
    let _ = client.authorize(&[s], false, "REGISTER", "sip:switchboard", "cn");
});
