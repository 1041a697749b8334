//! Three members, every voice mode, hold music and the end by departure, heard by real
//! phones (tests/interop/pjsua/conversation_modes.py tells the story).

use serde_json::json;

use super::{about, Site};

#[test]
fn every_mode_is_heard_as_the_table_says_and_departing_ends_the_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::start(dir.path(), "31000-31199", "127.0.0.6");
    site.agent("alice", "alice001", "alicepw1");
    site.agent("bob", "bob00001", "bobpw001");
    let gauges = site.watch_metrics(&[
        "switchboard_conversations",
        "switchboard_conversation_members{mode=\"1\"}",
        "switchboard_conversation_members{mode=\"2\"}",
        "switchboard_conversation_members{mode=\"3\"}",
        "switchboard_conversation_members{mode=\"4\"}",
        "switchboard_call_setup_seconds_count{direction=\"outbound\"}",
    ]);
    let run = site.run(
        "conversation_modes.py",
        &["alice001", "alicepw1", "bob00001", "bobpw001"],
    );
    let highest = gauges.stop();
    println!("{}", run.output);
    assert!(
        run.success,
        "the conversation script failed:\n{}",
        run.output
    );

    // The census runs every 5 s: the conversation (half a minute) is seen for sure, each
    // mode's few seconds may fall between two samples, but every series is served.
    assert_eq!(highest[0], 1.0, "one conversation at a time: {highest:?}");
    assert!(highest[1] >= 2.0, "members in mode 1: {highest:?}");
    assert!(
        highest[5] >= 3.0,
        "alice's, the customer's and bob's legs were placed and answered: {highest:?}"
    );
    assert!(
        highest.iter().all(|&n| n >= 0.0),
        "every series: {highest:?}"
    );

    let events = site.await_event("ending the conversation", |e| {
        e["event"] == "callcenter.conversation.end"
    });
    let end = events
        .iter()
        .find(|e| e["event"] == "callcenter.conversation.end")
        .unwrap();
    let id = end["id"].as_str().unwrap();
    assert_eq!(end["type"], "call_out", "{end}");
    assert_eq!(end["end_reason"], "member_left", "{end}");
    let members = end["members"].as_array().unwrap();
    assert_eq!(members.len(), 3, "alice, the customer and bob: {end}");
    assert!(members.iter().all(|m| !m["end_time"].is_null()), "{end}");
    assert_eq!(about(&events, "callcenter.conversation.begin", id).len(), 1);
    assert!(!about(&events, "callcenter.conversation.parts_changed", id).is_empty());
    for agent in ["alice", "bob"] {
        let changes: Vec<_> = about(&events, "callcenter.agent.conversation_changed", id)
            .into_iter()
            .filter(|e| e["name"] == agent)
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(changes, ["enter", "exit"], "{agent}");
    }
    let seq = |e: &serde_json::Value| e["seq"].as_u64().unwrap();
    let begin = about(&events, "callcenter.conversation.begin", id)[0];
    assert!(seq(begin) < seq(end));

    // The record outlives the conversation: members that left keep their end times.
    let record = site.api(
        "GET",
        &format!("/v1/callcenter/conversation/{id}"),
        json!({}),
    );
    assert_eq!(record["state"], "completed", "{record}");
    assert_eq!(record["end_reason"], "member_left", "{record}");
    assert_eq!(
        record["members"].as_array().map(Vec::len),
        Some(3),
        "{record}"
    );
    let listed = site.api(
        "GET",
        "/v1/callcenter/conversation?agent=bob&state=completed",
        json!({}),
    );
    assert!(listed.to_string().contains(id), "{listed}");
    assert!(site.terminate(), "the server stops cleanly");
}
