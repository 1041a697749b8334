//! The callers who queued behind the first (`switchboard demo --callers N`): once alice is
//! free again after her transfer, the queue gives them to her one by one, longest waiting
//! first; each talks with her, goes back to the IVR and leaves a survey key.

use serde_json::Value;

use super::story::{depart_and_survey, Person, Story};
use super::DemoError;

/// Whether `e` says alice entered a conversation other than those in `known`.
fn alice_enters(e: &Value, known: &[String]) -> bool {
    e["event"] == "callcenter.agent.conversation_changed"
        && e["name"] == "alice"
        && e["type"] == "enter"
        && !known.iter().any(|k| e["conversation_id"] == k.as_str())
}

/// Serves `waiting` (with their IVR call ids) with alice, in queue order.
pub async fn serve(
    story: &Story<'_>,
    waiting: &[(Person, String)],
    alice: &Person,
) -> Result<(), DemoError> {
    // Alice's conversation with the first caller is not one of these.
    let mut known: Vec<String> = {
        let seen = story.events.lock().unwrap_or_else(|e| e.into_inner());
        seen.iter()
            .filter(|e| alice_enters(e, &[]))
            .filter_map(|e| e["conversation_id"].as_str().map(str::to_owned))
            .take(1)
            .collect()
    };
    for (caller, call) in waiting {
        let enter = story
            .event("alice's next caller", |e| alice_enters(e, &known))
            .await?;
        let id = enter["conversation_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        known.push(id.clone());
        story
            .until("alice to answer", || alice.phone.in_call())
            .await?;
        story
            .hearing(&[(caller, &[alice], &[]), (alice, &[caller], &[])])
            .await?;
        depart_and_survey(story, &id, caller, call, alice).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_alices_new_conversations_count() {
        let e = json!({"event": "callcenter.agent.conversation_changed", "name": "alice",
                       "type": "enter", "conversation_id": "c2"});
        assert!(alice_enters(&e, &["c1".into()]));
        assert!(!alice_enters(&e, &["c2".into()]));
        let exit = json!({"event": "callcenter.agent.conversation_changed", "name": "alice",
                          "type": "exit", "conversation_id": "c3"});
        assert!(!alice_enters(&exit, &[]));
    }
}
