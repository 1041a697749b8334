//! SIPp (a peer no one here wrote) registers with digest auth over UDP and TCP, and pings
//! with OPTIONS.

use std::path::Path;

use sb_sip::auth::Algorithm;
use switchboard_engine::SipConfig;

use crate::interop::{free_port, interop_file, run};
use crate::support::*;

async fn sipp(
    server: std::net::SocketAddr,
    scenario: &str,
    transport: &str,
    dir: &Path,
) -> crate::interop::Run {
    let users = dir.join("users.csv");
    std::fs::write(
        &users,
        format!("SEQUENTIAL\n{USER};[authentication username={USER} password={PASSWORD}]\n"),
    )
    .unwrap();
    let local_ip = "127.0.0.1";
    let args: Vec<String> = [
        "-sf",
        interop_file(scenario).to_str().unwrap(),
        "-inf",
        users.to_str().unwrap(),
        "-t",
        transport,
        "-i",
        local_ip,
        "-p",
        &free_port(local_ip).to_string(),
        "-m",
        "1",
        "-timeout",
        "20s",
        "-timeout_error",
        &server.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    run(Path::new("sipp"), &args, dir).await
}

/// SIPp 3.6 answers only the first challenge header and only with MD5.
fn md5_first(cfg: &mut SipConfig) {
    cfg.digest_algorithms = vec![Algorithm::Md5, Algorithm::Sha256];
}

#[actix_rt::test]
async fn sipp_registers_with_digest_over_udp() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), md5_first).await;
    let result = sipp(
        h.sip.local_addrs().udp,
        "sipp/register_digest.xml",
        "u1",
        dir.path(),
    )
    .await;
    assert!(result.success, "SIPp failed:\n{}", result.output);
    let live = h.sip.registrations_of(USER).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].user_agent.as_deref(), Some("SIPp"));
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn sipp_registers_with_digest_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), md5_first).await;
    let result = sipp(
        h.sip.local_addrs().tcp,
        "sipp/register_digest.xml",
        "t1",
        dir.path(),
    )
    .await;
    assert!(result.success, "SIPp failed:\n{}", result.output);
    let live = h.sip.registrations_of(USER).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].transport, "tcp");
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn sipp_options_gets_200_with_allow() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let result = sipp(
        h.sip.local_addrs().udp,
        "sipp/options.xml",
        "u1",
        dir.path(),
    )
    .await;
    assert!(result.success, "SIPp failed:\n{}", result.output);
    h.sip.shutdown().await;
}
