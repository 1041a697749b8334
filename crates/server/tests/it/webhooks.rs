//! SPEC §11 across process deaths: undelivered webhooks survive `kill -9` and arrive, in
//! order, after a restart.

use std::time::Duration;

use sb_testkit::http::{request, Receiver};
use serde_json::Value;

use crate::process::Server;

fn seqs(rx: &Receiver, accepted_only: bool) -> Vec<u64> {
    rx.seen()
        .iter()
        .filter(|(status, _)| !accepted_only || (200..300).contains(status))
        .filter_map(|(_, body)| serde_json::from_str::<Value>(body).ok()?["seq"].as_u64())
        .collect()
}

/// Polls `done` every 50 ms for up to 30 s (the server runs in another process: there is no
/// event to wait on but what it sends).
fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn undelivered_webhooks_survive_kill_9_and_arrive_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start(503).unwrap();
    let server = Server::start(dir.path(), &[]);
    let admin = server.banner_value("admin token:").unwrap();
    let cc = server.banner_value("call center id:").unwrap();
    let token = server.banner_value("call center API token:").unwrap();
    let body = format!(r#"{{"callback_url": "{}"}}"#, rx.url());
    let r = request(
        server.http,
        "POST",
        &format!("/v1/callcenters/{cc}"),
        Some(&admin),
        Some(&body),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    for i in 1..=3 {
        let body = format!(r#"{{"message": "m{i}"}}"#);
        let r = request(
            server.http,
            "POST",
            "/v1/callcenter/events/test",
            Some(&token),
            Some(&body),
        )
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
    }
    eventually("a first delivery attempt", || !rx.seen().is_empty());
    assert!(
        seqs(&rx, true).is_empty(),
        "nothing was accepted while down"
    );
    server.kill();

    rx.answer(200);
    let server = Server::start(dir.path(), &[]);
    eventually("all three events", || seqs(&rx, true).len() >= 3);
    assert_eq!(seqs(&rx, true), [1, 2, 3], "every event once, in order");
    assert!(seqs(&rx, false).iter().all(|&s| (1..=3).contains(&s)));
    let r = request(
        server.http,
        "GET",
        "/v1/callcenter/events?since=0",
        Some(&token),
        None,
    )
    .unwrap();
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let states: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["delivery"].as_str().unwrap())
        .collect();
    eventually("the deliveries to be recorded", || {
        let r = request(
            server.http,
            "GET",
            "/v1/callcenter/events?since=0",
            Some(&token),
            None,
        )
        .unwrap();
        r.body.matches("\"delivery\":\"delivered\"").count() == 3
    });
    assert_eq!(states.len(), 3);
    assert!(server.terminate());
}

#[test]
fn metrics_are_served_and_move() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let token = server.banner_value("call center API token:").unwrap();
    let count = |body: &str| -> f64 {
        body.lines()
            .filter(|l| {
                l.starts_with("switchboard_http_requests_total{")
                    && l.contains("route=\"/v1/callcenter\"")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let before = request(server.http, "GET", "/metrics", None, None).unwrap();
    assert_eq!(before.status, 200);
    assert!(
        before.body.contains("switchboard_build_info"),
        "{}",
        before.body
    );
    for _ in 0..3 {
        request(server.http, "GET", "/v1/callcenter", Some(&token), None).unwrap();
    }
    request(
        server.http,
        "POST",
        "/v1/callcenter/events/test",
        Some(&token),
        Some("{}"),
    )
    .unwrap();
    let after = request(server.http, "GET", "/metrics", None, None).unwrap();
    assert_eq!(
        count(&after.body) - count(&before.body),
        3.0,
        "{}",
        after.body
    );
    assert!(
        after.body.contains("switchboard_events_published_total"),
        "{}",
        after.body
    );
    assert!(after
        .body
        .contains("switchboard_http_request_duration_seconds_bucket"));
    // The engine's counted gauges are published from its start: calls by state and the
    // media workers' ticks, which move on their own.
    for family in [
        "switchboard_calls{state=\"confirmed\"} 0",
        "switchboard_media_ticks_total{worker=\"0\"}",
        "switchboard_queued_callers 0",
    ] {
        assert!(after.body.contains(family), "{family} in {}", after.body);
    }
    assert!(server.terminate());
}
