//! The agents hand the caller around: alice consults supervisor sam in listen-only mode,
//! then transfers the caller to bob.

use std::time::Duration;

use serde_json::json;
use tokio::time::{sleep, Instant};

use super::{hearing, short_id, DemoError, Person, Story};

/// Alice invites supervisor sam in mode 3: sam hears both, nobody hears sam; sam leaves.
pub(super) async fn supervise(
    story: &Story<'_>,
    conversation: &str,
    caller: &Person,
    alice: &Person,
    sam: &Person,
) -> Result<(), DemoError> {
    story.say("alice invites a supervisor (inviteAgent, skill supervisor, voiceIoMode 3)");
    story
        .site
        .api(
            "POST",
            "/v1/callcenter/agent/alice/inviteAgent",
            json!({"conversationId": conversation, "voiceIoMode": 3, "backgroud": true,
                   "enqueue": r#"<enqueue><route><skill name="supervisor" queue_timeout="20"/></route></enqueue>"#}),
        )
        .await?;
    story
        .event("sam in the conversation", |e| {
            e["event"] == "callcenter.agent.conversation_changed"
                && e["name"] == "sam"
                && e["type"] == "enter"
        })
        .await?;
    sleep(Duration::from_millis(300)).await;
    story
        .hearing(&[
            (sam, &[caller, alice], &[]),
            (caller, &[alice], &[sam]),
            (alice, &[caller], &[sam]),
        ])
        .await?;
    story.say("sam leaves (depart)");
    story
        .site
        .api(
            "POST",
            "/v1/callcenter/agent/sam/depart",
            json!({"conversationId": conversation}),
        )
        .await?;
    story
        .until("sam's phone to be hung up", || !sam.phone.in_call())
        .await?;
    Ok(())
}

/// Alice transfers the caller to bob (xferAgent, release): alice is hung up, the caller
/// hears the queue prompt while bob rings, then caller and bob talk.
pub(super) async fn transfer(
    story: &Story<'_>,
    conversation: &str,
    caller: &Person,
    alice: &Person,
    bob: &Person,
) -> Result<String, DemoError> {
    story.say("alice transfers the caller to bob (xferAgent, release=true)");
    let media = caller.phone.media().ok_or(DemoError::NoCall)?;
    let data = story
        .site
        .api(
            "POST",
            "/v1/callcenter/agent/alice/xferAgent",
            json!({"conversationId": conversation, "release": true,
                   "queue": r#"<enqueue><route><agent name="bob" queue_timeout="20"/></route></enqueue>"#}),
        )
        .await?;
    let started = Instant::now();
    let second = data["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    story.say(format!(
        "the caller moves from conversation {} to {}",
        short_id(conversation),
        short_id(&second)
    ));
    story
        .until("alice to be hung up", || !alice.phone.in_call())
        .await?;
    let after = started.elapsed();
    story.check(
        "alice is hung up at once (release=true)",
        after < Duration::from_secs(1),
        format!("BYE within {} ms", after.as_millis()),
    );
    story
        .event("bob's conversation", |e| {
            e["event"] == "callcenter.conversation.begin" && e["id"] == second.as_str()
        })
        .await?;
    let waiting = media.heard_between(started + Duration::from_millis(300), Instant::now());
    story.music_check(
        "caller hears the queue prompt while bob rings",
        hearing::music(&waiting),
    );
    sleep(Duration::from_millis(300)).await;
    story
        .hearing(&[(caller, &[bob], &[alice]), (bob, &[caller], &[])])
        .await?;
    Ok(second)
}
