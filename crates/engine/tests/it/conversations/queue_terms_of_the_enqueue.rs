//! An IVR caller's queue conversation is made on its `<enqueue>`'s terms (SPEC §8):
//! `conversation_timeout` ends it, `user_data` is in its events, `reserve_state` is where
//! the agent goes after it.

use std::time::Duration;

use sb_acd::agent::{AgentState, ReturnTo};
use switchboard_engine::conversation::Terms;

use super::support::*;
use crate::calls::net::{Net, Phone};

#[test]
fn the_enqueue_timeout_ends_the_queue_conversation() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let terms = Terms {
        timeout: Some(Duration::from_secs(30)),
        user_data: Some("order-42".into()),
        reserve: "busy".parse::<AgentState>().unwrap(),
        record: false,
    };
    let (conversation, _, _) = queue_conversation_on(&mut net, &mut trunk, "1002", &terms);
    assert_eq!(
        net.conv.returns_to(&conversation, &agent("1002")),
        Some(ReturnTo::Reserve("busy".parse().unwrap())),
        "reserve_state"
    );
    net.advance(Duration::from_secs(29));
    assert!(running(&net, &conversation));
    net.advance(Duration::from_secs(2));
    assert!(!running(&net, &conversation), "conversation_timeout");
    let row = net.row(&conversation.0).unwrap();
    assert_eq!(row.end_reason.as_deref(), Some("timeout"));
}

#[test]
fn without_terms_the_call_centers_timeout_applies() {
    let mut net = Net::for_conversations(60);
    let mut trunk = Phone::trunk();
    let (conversation, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    net.advance(Duration::from_secs(59));
    assert!(running(&net, &conversation));
    net.advance(Duration::from_secs(2));
    assert!(!running(&net, &conversation));
}
