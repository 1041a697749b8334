//! `watch` prints one line per event and, when the stream drops, reconnects with `since`
//! set to the last sequence number it showed, so nothing is lost or repeated.

use std::time::Duration;

use switchboard_examples::desk::client::Client;
use switchboard_examples::desk::request::Paths;
use switchboard_examples::desk::sse::{watch, Watch};

use crate::desk_mock::Mock;

fn frame(seq: u64, name: &str, agent: &str) -> String {
    format!(
        "id: {seq}\nevent: {name}\ndata: {{\"action\":\"event_notify\",\"event\":\"{name}\",\"name\":\"{agent}\"}}\n\n"
    )
}

#[test]
fn a_dropped_stream_resumes_after_the_last_event_shown() {
    // Each connection sends the events after `since`, at most two, then closes.
    let mock = Mock::start(|seen| {
        let since: u64 = seen
            .query
            .strip_prefix("since=")
            .and_then(|s| s.parse().ok())
            .unwrap_or(40);
        let mut body = String::from(": keepalive\n\n");
        for seq in since + 1..=since + 2 {
            body.push_str(&frame(seq, "callcenter.agent.state_changed", "alice"));
        }
        (200, "text/event-stream", body)
    });
    let client = Client::new(&mock.url, "sb_secret").unwrap();
    let w = Watch {
        since: Some(40),
        count: Some(5),
        retry: Duration::ZERO,
    };
    let (mut out, mut log) = (Vec::new(), Vec::new());
    let shown = watch(&client, &Paths::new(None), &w, &mut out, &mut log).unwrap();
    assert_eq!(shown, 5);

    let out = String::from_utf8(out).unwrap();
    let seqs: Vec<&str> = out.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(seqs, ["#41", "#42", "#43", "#44", "#45"]);
    assert!(
        out.starts_with("#41 callcenter.agent.state_changed name=alice\n"),
        "{out}"
    );

    let seen = mock.seen();
    let queries: Vec<&str> = seen.iter().map(|s| s.query.as_str()).collect();
    assert_eq!(queries, ["since=40", "since=42", "since=44"]);
    assert!(seen
        .iter()
        .all(|s| s.path == "/v1/callcenter/events/stream"));
    assert!(String::from_utf8(log)
        .unwrap()
        .contains("reconnecting after 42"));
}

#[test]
fn a_refused_stream_is_an_error_at_once() {
    let mock = Mock::start(|_| {
        let body = r#"{"code":"401001","msg":"unknown API token","data":null}"#.to_owned();
        (401, "application/json", body)
    });
    let client = Client::new(&mock.url, "wrong").unwrap();
    let w = Watch {
        since: None,
        count: None,
        retry: Duration::ZERO,
    };
    let e = watch(
        &client,
        &Paths::new(None),
        &w,
        &mut Vec::new(),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "HTTP 401, code 401001: unknown API token");
    assert_eq!(mock.seen()[0].query, "");
}
