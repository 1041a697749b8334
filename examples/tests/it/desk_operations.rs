//! The desk's operations reach the API with the right method, path, token and JSON body,
//! and the API's refusals come back as errors carrying its message.

use serde_json::json;
use switchboard_examples::desk::cli::Cli;
use switchboard_examples::desk::client::{render, Client, DeskError};
use switchboard_examples::desk::request::Paths;
use switchboard_examples::desk::{ApiRequest, Method};

use crate::desk_mock::{ok, Mock};

fn run(mock: &Mock, args: &[&str]) -> Result<serde_json::Value, DeskError> {
    use clap::Parser;
    let mut argv = vec!["agent_desk", "--url", &mock.url, "--token", "sb_secret"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).expect("a valid command line");
    let client = Client::new(&cli.url, &cli.token)?;
    client.send(
        &cli.command
            .request(&Paths::new(cli.callcenter.as_deref()))?,
    )
}

#[test]
fn operations_are_sent_as_the_api_expects() {
    let mock = Mock::start(|seen| match seen.path.rsplit('/').next() {
        Some("callout") => ok(json!({"conversation_id": "c1", "call_id": "k1"})),
        Some("xferAgent") => ok(json!({"task_id": "t9"})),
        _ => ok(serde_json::Value::Null),
    });
    let conv = "0123456789abcdef0123456789abcdef";

    let created = run(
        &mock,
        &["callout", "alice", "10086", "--max-answer-seconds", "600"],
    )
    .unwrap();
    assert_eq!(render(&created), "call_id          k1\nconversation_id  c1");
    run(
        &mock,
        &[
            "xferAgent",
            "alice",
            "--conversation",
            conv,
            "--skill",
            "billing",
        ],
    )
    .unwrap();
    run(
        &mock,
        &[
            "--callcenter",
            "cc7",
            "depart",
            "alice",
            "--conversation",
            conv,
            "--data",
            "no_survey",
        ],
    )
    .unwrap();
    run(&mock, &["logout", "alice", "--force"]).unwrap();

    let seen = mock.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|s| s.authorization == "Bearer sb_secret"));

    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/v1/callcenter/agent/alice/callout")
    );
    assert!(seen[0].content_type.starts_with("application/json"));
    assert_eq!(
        seen[0].json(),
        json!({"to": "10086", "max_answer_seconds": 600, "backgound": false})
    );

    assert_eq!(seen[1].path, "/v1/callcenter/agent/alice/xferAgent");
    let body = seen[1].json();
    assert_eq!(body["conversationId"], conv);
    assert_eq!(body["release"], true);
    assert!(body["queue"]
        .as_str()
        .unwrap()
        .contains("<skill name=\"billing\""));

    assert_eq!(seen[2].path, "/v1/callcenter/cc7/agent/alice/depart");
    assert_eq!(
        seen[2].json(),
        json!({"conversationId": conv, "data": "no_survey"})
    );

    assert_eq!(
        (seen[3].method.as_str(), seen[3].path.as_str()),
        ("DELETE", "/v1/callcenter/agent/alice")
    );
    assert_eq!(seen[3].query, "force=true");
    assert_eq!(seen[3].body, "");
}

#[test]
fn refusals_carry_the_api_s_status_code_and_message() {
    let mock = Mock::start(|_| {
        let body =
            json!({"code": "409002", "msg": "agent alice is not in conversation c1", "data": null});
        (409, "application/json", body.to_string())
    });
    let e = run(&mock, &["pause", "alice", "--conversation", "c1"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "HTTP 409, code 409002: agent alice is not in conversation c1"
    );
    assert_eq!(e.exit_code(), 1);
}

#[test]
fn an_unreachable_server_is_its_own_error() {
    // A port that was just free and is closed again: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let client = Client::new(&format!("http://{closed}"), "t").unwrap();
    let req = ApiRequest {
        method: Method::Get,
        path: "/v1/callcenter/agent".into(),
        query: Vec::new(),
        body: None,
    };
    let e = client.send(&req).unwrap_err();
    assert!(matches!(e, DeskError::Transport { .. }), "{e}");
    assert_eq!(e.exit_code(), 3);
}
