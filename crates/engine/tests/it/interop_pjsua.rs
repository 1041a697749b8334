//! PJSIP (pjsua2) phones: register, refresh and unregister over UDP and TCP; a wrong
//! password is refused.

use crate::interop::{interop_file, python, root, run, Run};
use crate::support::*;

async fn pjsua(server: std::net::SocketAddr, password: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        interop_file("pjsua/register.py")
            .to_string_lossy()
            .into_owned(),
        server.to_string(),
        USER.to_owned(),
        password.to_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run(&python(), &args, &root()).await
}

#[actix_rt::test]
async fn pjsua_registers_refreshes_and_unregisters_over_udp() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let result = pjsua(h.sip.local_addrs().udp, PASSWORD, &[]).await;
    assert!(result.success, "pjsua failed:\n{}", result.output);
    assert!(
        h.sip.registrations_of(USER).await.unwrap().is_empty(),
        "unregistered at the end"
    );
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn pjsua_registers_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let result = pjsua(h.sip.local_addrs().tcp, PASSWORD, &["--transport", "tcp"]).await;
    assert!(result.success, "pjsua failed:\n{}", result.output);
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn pjsua_with_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let result = pjsua(h.sip.local_addrs().udp, "wrong-pw1", &["--expect-refused"]).await;
    assert!(result.success, "pjsua failed:\n{}", result.output);
    assert!(h.sip.registrations_of(USER).await.unwrap().is_empty());
    h.sip.shutdown().await;
}
