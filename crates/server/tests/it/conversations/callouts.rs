//! Foreground and background callouts while already in a conversation, heard by real
//! phones (tests/interop/pjsua/conversation_callouts.py tells the story).

use serde_json::json;

use super::Site;

#[test]
fn a_background_callout_joins_held_and_a_foreground_one_holds_the_current_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::start(dir.path(), "31400-31599", "127.0.0.8");
    // US ringback (2 s on, 4 s off) is on long enough to be heard in one listening round.
    site.update(json!({"settings": {"tone_region": "US"}}));
    site.agent("alice", "alice003", "alicepw3");
    let run = site.run("conversation_callouts.py", &["alice003", "alicepw3"]);
    println!("{}", run.output);
    assert!(run.success, "the callout script failed:\n{}", run.output);

    let events = site.await_event("of the last dissolved conversation", |e| {
        e["event"] == "callcenter.agent.conversation_changed" && e["type"] == "exit"
    });
    let ends: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "callcenter.conversation.end")
        .map(|e| e["end_reason"].as_str().unwrap())
        .collect();
    assert_eq!(ends, ["member_left", "dissolved", "dissolved"]);
    let alice: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "callcenter.agent.conversation_changed")
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(alice, ["enter", "enter", "enter", "exit", "exit", "exit"]);
    assert!(site.terminate(), "the server stops cleanly");
}
