//! The README's promise: start on an empty data dir, get tokens, create a call center, and
//! keep everything across a restart.

use sb_testkit::http::request;
use serde_json::Value;

use crate::process::Server;

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[test]
fn first_start_prints_working_tokens_and_a_restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let admin = server
        .banner_value("admin token:")
        .expect("admin token printed");
    let default_id = server.banner_value("call center id:").expect("id printed");
    let default_token = server
        .banner_value("call center API token:")
        .expect("token printed");
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("curl") && l.contains(&default_token)),
        "a curl example is printed: {:?}",
        server.banner
    );

    // The printed call-center token works on its own routes.
    let r = request(
        server.http,
        "GET",
        "/v1/callcenter",
        Some(&default_token),
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r.body)["data"]["id"], default_id.as_str());

    // The admin token creates another call center, whose token works on its own routes…
    let r = request(
        server.http,
        "POST",
        "/v1/callcenters",
        Some(&admin),
        Some(r#"{"name": "sales"}"#),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let created = json(&r.body);
    let sales_id = created["data"]["id"].as_str().unwrap().to_owned();
    let sales_token = created["data"]["token"].as_str().unwrap().to_owned();
    let path = format!("/v1/callcenter/{sales_id}");
    let r = request(server.http, "GET", &path, Some(&sales_token), None).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    // …gets 404 on another tenant's ids, and a wrong token gets 401.
    let other = format!("/v1/callcenter/{default_id}");
    let r = request(server.http, "GET", &other, Some(&sales_token), None).unwrap();
    assert_eq!(r.status, 404, "{}", r.body);
    let r = request(server.http, "GET", "/v1/callcenter", Some("sb_wrong"), None).unwrap();
    assert_eq!(r.status, 401, "{}", r.body);

    assert!(server.terminate(), "SIGTERM ends the server cleanly");

    // A restart keeps the call centers and every token, and prints no new ones.
    let server = Server::start(dir.path(), &[]);
    assert!(
        server.banner_value("admin token:").is_none(),
        "no banner on a second start: {:?}",
        server.banner
    );
    let r = request(server.http, "GET", &path, Some(&sales_token), None).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r.body)["data"]["name"], "sales");
    let r = request(server.http, "GET", "/v1/callcenters", Some(&admin), None).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r.body)["data"]["totalCount"], 2);
    let r = request(
        server.http,
        "GET",
        "/v1/callcenter",
        Some(&default_token),
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(server.terminate());
}

#[test]
fn a_configured_admin_token_is_used_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let token = "configured-admin-token-0123456789";
    let server = Server::start(dir.path(), &["--admin-token", token]);
    assert_eq!(
        server.banner_value("admin token:").as_deref(),
        Some("(from the configuration)")
    );
    assert!(!server.banner.iter().any(|l| l.contains(token)));
    let r = request(server.http, "GET", "/v1/callcenters", Some(token), None).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(server.terminate());
}

#[test]
fn a_bad_configuration_exits_with_a_clear_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--rtp-ports", "30000-20000", "print-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rtp_ports") && err.contains("HIGH must be above LOW"),
        "{err}"
    );
}
