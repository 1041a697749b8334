//! SPEC §3: a real PJSIP phone registers to the running server with an extension's
//! credentials, the extension list shows its binding, a wrong password is refused.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use sb_testkit::http::request;
use serde_json::Value;

use crate::peers::{pjsua_script, python};
use crate::process::Server;

#[test]
fn a_pjsip_phone_registers_and_the_extension_list_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let token = server.banner_value("call center API token:").unwrap();
    let sip = server.sip_udp();
    let body = r#"{"type": 1, "user": "agent7001", "password": "pw7001x"}"#;
    let r = request(
        server.http,
        "POST",
        "/v1/callcenter/extension",
        Some(&token),
        Some(body),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let id = serde_json::from_str::<Value>(&r.body).unwrap()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let script = pjsua_script("register.py");
    let wrong = Command::new(python())
        .arg(&script)
        .args([&sip, "agent7001", "wrongpw1", "--expect-refused"])
        .output()
        .expect("the PJSIP script runs (cargo xtask setup installs pjsua2)");
    assert!(
        wrong.status.success(),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );

    let mut phone = Command::new(python())
        .arg(&script)
        .args([&sip, "agent7001", "pw7001x", "--stay"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the PJSIP script runs");
    let mut out = BufReader::new(phone.stdout.take().unwrap());
    // pjlib may log a line or two to stdout first.
    let registered = (0..20).any(|_| {
        let mut line = String::new();
        out.read_line(&mut line).unwrap_or(0) > 0 && line.trim() == "registered"
    });
    assert!(registered, "the phone registers");

    // The binding reaches the store write-behind; poll the API briefly.
    let path = format!("/v1/callcenter/extension/{id}");
    let mut regs = Value::Null;
    for _ in 0..100 {
        let r = request(server.http, "GET", &path, Some(&token), None).unwrap();
        regs = serde_json::from_str::<Value>(&r.body).unwrap()["data"]["registrations"].clone();
        if regs.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(50));
    }
    let reg = &regs[0];
    assert!(
        reg["contact"].as_str().unwrap().contains("agent7001"),
        "{regs}"
    );
    assert!(
        reg["user_agent"]
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .contains("pj"),
        "{regs}"
    );
    assert!(
        reg["source"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{regs}"
    );
    assert!(reg["expires"].as_u64().unwrap() > 0);
    let metrics = request(server.http, "GET", "/metrics", None, None)
        .unwrap()
        .body;
    assert!(
        metrics.lines().any(|l| l == "switchboard_registrations 1"),
        "the registrations gauge counts the phone: {metrics}"
    );

    drop(phone.stdin.take());
    let status = phone.wait().unwrap();
    assert!(status.success(), "the phone unregisters cleanly");
    assert!(server.terminate());
}
