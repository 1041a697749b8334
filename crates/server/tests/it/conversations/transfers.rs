//! xferAgent with and without release, xferOut and dissolve, heard by real phones
//! (tests/interop/pjsua/conversation_transfers.py tells the story).

use serde_json::json;

use super::{about, Site};

#[test]
fn transfers_hand_the_customer_on_and_dissolve_hangs_everyone_up() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::start(dir.path(), "31200-31399", "127.0.0.7");
    // US ringback (2 s on, 4 s off) is on long enough to be heard in one listening round;
    // every conversation is recorded.
    site.update(json!({"settings": {"tone_region": "US", "record": true}}));
    site.agent("alice", "alice002", "alicepw2");
    site.agent("bob", "bob00002", "bobpw002");
    let run = site.run(
        "conversation_transfers.py",
        &["alice002", "alicepw2", "bob00002", "bobpw002"],
    );
    println!("{}", run.output);
    assert!(run.success, "the transfer script failed:\n{}", run.output);

    let dissolved = |e: &serde_json::Value| {
        e["event"] == "callcenter.conversation.end" && e["end_reason"] == "dissolved"
    };
    let events = site.await_event("of the dissolved conversation", dissolved);
    let ends: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "callcenter.conversation.end")
        .collect();
    assert_eq!(
        ends.len(),
        4,
        "callout, two agent transfers, one out: {ends:#?}"
    );
    let kinds: Vec<_> = ends.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "call_out", "{kinds:?}");
    let reasons: Vec<_> = ends
        .iter()
        .map(|e| e["end_reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["member_left", "member_left", "member_left", "dissolved"]
    );
    let last = ends[3]["id"].as_str().unwrap();
    let members = ends[3]["members"].as_array().unwrap();
    assert!(
        members.iter().all(|m| m["name"].is_null()),
        "two outside parties: {members:?}"
    );
    assert_eq!(
        about(&events, "callcenter.conversation.begin", last).len(),
        1
    );

    // Each conversation was recorded; the end events name the files, which download.
    for end in &ends {
        let file = end["record_file"]
            .as_str()
            .expect("record_file in the end event");
        let path = format!("/v1/callcenter/recording/{file}");
        let row = site.eventually_api("the recording's row", &path);
        assert_eq!(row["kind"], "conversation", "{row}");
        assert_eq!(row["conversation_id"], end["id"], "{row}");
        assert!(row["duration_ms"].as_u64().unwrap() > 500, "{row}");
        site.assert_recording_is_wav(&path);
    }
    assert!(site.terminate(), "the server stops cleanly");
}
