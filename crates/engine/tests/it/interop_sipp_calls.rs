//! SIPp as the trunk provider: an extension (SIPp, answering the 407 challenge) dials an
//! outside number, the switch sends it out through the trunk (a SIPp carrier on another
//! loopback address, answering the switch's OPTIONS pings too), and both sides complete the
//! call with BYE.

use std::path::Path;

use sb_sip::auth::Algorithm;
use sb_store::{Settings, TrunkDef};

use crate::interop::{free_port, interop_file, run};
use crate::support::*;

#[actix_rt::test]
async fn an_extension_calls_out_through_a_sipp_trunk() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let trunk_ip = "127.0.0.2";
    let trunk_port = free_port(trunk_ip);
    let s = store.blocking();
    let cc = s.extension_by_user(USER).unwrap().unwrap().callcenter_id;
    let update = sb_store::CallCenterUpdate {
        name: None,
        ivr_url: None,
        callback_url: None,
        settings: Some(Settings {
            outbound_patterns: vec!["555.".into()],
            ..Settings::default()
        }),
    };
    s.update_callcenter(&cc, &update, 2).unwrap();
    let def = TrunkDef {
        name: "sipp".into(),
        host: trunk_ip.into(),
        port: Some(trunk_port),
        transport: sb_store::Transport::Udp,
        username: None,
        password: None,
        register: false,
        from_numbers: vec!["4000".into()],
        callcenter_id: cc,
        inbound_numbers: vec![],
    };
    s.create_trunk(&def, 2).unwrap();
    // The carrier listens before the switch starts, so it answers the switch's first
    // OPTIONS ping: two "calls", that ping and the call itself.
    let carrier = interop_file("sipp/trunk_uas.xml");
    let uas_args: Vec<String> = [
        "-sf",
        carrier.to_str().unwrap(),
        "-i",
        trunk_ip,
        "-p",
        &trunk_port.to_string(),
        "-m",
        "2",
        "-timeout",
        "20s",
        "-timeout_error",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let uas_dir = dir.path().to_path_buf();
    let uas = tokio::spawn(async move { run(Path::new("sipp"), &uas_args, &uas_dir).await });
    // Ready once its port is taken (bounded: a carrier that never binds fails the test).
    for _ in 0..100 {
        if std::net::UdpSocket::bind((trunk_ip, trunk_port)).is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // SIPp 3.6 answers only the first challenge header and only with MD5.
    let h = start_with(store, |cfg| {
        cfg.digest_algorithms = vec![Algorithm::Md5, Algorithm::Sha256];
    })
    .await;

    let users = dir.path().join("callers.csv");
    std::fs::write(
        &users,
        format!(
            "SEQUENTIAL\n{USER};[authentication username={USER} password={PASSWORD}];5551234\n"
        ),
    )
    .unwrap();
    let uac_args: Vec<String> = [
        "-sf",
        interop_file("sipp/call_auth_uac.xml").to_str().unwrap(),
        "-inf",
        users.to_str().unwrap(),
        "-i",
        "127.0.0.1",
        "-p",
        &free_port("127.0.0.1").to_string(),
        "-m",
        "1",
        "-timeout",
        "20s",
        "-timeout_error",
        &h.sip.local_addrs().udp.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let uac = run(Path::new("sipp"), &uac_args, dir.path()).await;
    assert!(uac.success, "SIPp caller failed:\n{}", uac.output);
    let uas = uas.await.unwrap();
    assert!(uas.success, "SIPp trunk failed:\n{}", uas.output);
    assert_eq!(legs_left(&h.sip).await, 0);
    h.sip.shutdown().await;
}
