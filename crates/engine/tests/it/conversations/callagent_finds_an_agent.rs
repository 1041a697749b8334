//! callagent: a new `call_agent` conversation between the calling agent and an agent a
//! queue task finds. In the foreground the caller hears the queue prompt until the other
//! agent answers, then both talk in mode 1; in the background the caller keeps its current
//! conversation and joins the new one held. A failed task ends the new conversation.

use sb_acd::agent::ReturnTo;
use sb_acd::conversation::Mode;
use switchboard_engine::acd::FailCause;
use switchboard_engine::conversation::{Operation, TicketNews};

use super::support::*;
use crate::calls::net::{Heard, Net};

fn callagent(background: bool) -> Operation {
    Operation::CallAgent {
        agent: agent("1002"),
        enqueue: String::new(),
        background,
    }
}

#[test]
fn without_a_connection_the_caller_is_rung_then_hears_the_queue_prompt() {
    let mut net = Net::new();
    let ticket = run_task(&mut net, callagent(false), Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert_eq!(
        ticket.request.kind,
        switchboard_engine::acd::TaskKind::CallAgent
    );
    assert_eq!(
        ticket.request.exclude,
        Some(agent("1002")),
        "idle while its phone rings, the caller must not be the agent its task finds"
    );
    task_created(&mut net, &ticket, 1);
    phone_answers(&mut net, "1002");
    let caller = members_call(&net, &conversation, &agent_member("1002"));
    assert_eq!(
        modes(&net, &conversation),
        vec![(agent_member("1002"), Mode::BOTH)]
    );
    assert_eq!(net.plays.playing(leg(&net, &caller)), vec![Heard::Looped]);

    let callee = task_found(&mut net, &ticket, 1, "1003", "found-1003");
    assert_eq!(
        modes(&net, &conversation),
        vec![
            (agent_member("1002"), Mode::BOTH),
            (agent_member("1003"), Mode::BOTH)
        ]
    );
    assert!(
        net.plays.playing(leg(&net, &caller)).is_empty(),
        "the prompt stops"
    );
    assert!(net.media.hears(leg(&net, &caller), leg(&net, &callee)));
    assert!(net.media.hears(leg(&net, &callee), leg(&net, &caller)));
    // `play_num`: the calling agent hears the found agent's number.
    let number = (None, "1003".to_owned(), None);
    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::Announce(number)));
    assert_eq!(net.plays.playing(leg(&net, &caller)), vec![Heard::Once]);
    assert!(net.plays.playing(leg(&net, &callee)).is_empty());
}

#[test]
fn with_a_connection_the_caller_holds_its_current_conversation() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(&mut net, callagent(false), Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::HOLD),
        "a foreground call holds the current conversation"
    );
    assert_eq!(
        modes(&net, &conversation),
        vec![(agent_member("1002"), Mode::BOTH)]
    );
    assert_eq!(
        net.plays.playing(leg(&net, &call.agent_call)),
        vec![Heard::Looped]
    );
    assert_eq!(
        ticket.request.origin_call_id.as_deref(),
        Some(call.agent_call.0.as_str())
    );
    task_created(&mut net, &ticket, 1);
    task_found(&mut net, &ticket, 1, "1003", "found-1003");
    assert_eq!(
        modes(&net, &conversation),
        vec![
            (agent_member("1002"), Mode::BOTH),
            (agent_member("1003"), Mode::BOTH)
        ]
    );
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
}

#[test]
fn in_the_background_the_caller_stays_and_joins_held() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(&mut net, callagent(true), Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    assert!(
        net.plays.playing(leg(&net, &call.agent_call)).is_empty(),
        "no prompt"
    );
    task_created(&mut net, &ticket, 1);
    task_found(&mut net, &ticket, 1, "1003", "found-1003");
    assert_eq!(
        modes(&net, &conversation),
        vec![
            (agent_member("1002"), Mode::HOLD),
            (agent_member("1003"), Mode::BOTH)
        ]
    );
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
}

#[test]
fn a_failed_task_ends_the_conversation_and_disconnects_the_caller() {
    let mut net = Net::new();
    let ticket = run_task(&mut net, callagent(false), Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    let (phone, _) = phone_answers(&mut net, "1002");
    task_failed(&mut net, &ticket, 1, FailCause::Timeout);
    assert!(!running(&net, &conversation));
    hung_up(&mut net, &phone);
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn the_callers_phone_failing_ends_it_even_while_the_task_runs() {
    let mut net = Net::new();
    let ticket = run_task(&mut net, callagent(false), Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    let phone = crate::calls::net::Phone::new("1002");
    let ring = net.request(phone.addr, "INVITE");
    phone.reply(&mut net, &ring, 486, None);
    net.request(phone.addr, "ACK");
    assert!(
        !running(&net, &conversation),
        "nobody called: the conversation is over"
    );
    // The task's agent answering late has nobody to talk to: it is hung up.
    task_found(&mut net, &ticket, 1, "1003", "found-1003");
    assert!(net.conv.running_members().is_empty());
    hung_up(&mut net, &crate::calls::net::Phone::new("1003"));
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn the_found_agent_takes_the_reserve_state_and_the_document_its_timeout() {
    let mut net = Net::new();
    let enqueue = super::support::enqueue_with(r#"conversation_timeout="20""#);
    let ticket = run_task_with(&mut net, callagent(false), Some("1002"), &enqueue).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    let (phone, _) = phone_answers(&mut net, "1002");
    task_found(&mut net, &ticket, 1, "1003", "found-1003");
    assert_eq!(
        net.conv.returns_to(&conversation, &agent("1002")),
        Some(ReturnTo::Previous),
        "the caller made the call: it returns to what it was doing"
    );
    assert_eq!(
        net.conv.returns_to(&conversation, &agent("1003")),
        Some(ReturnTo::Reserve(after_call()))
    );
    net.advance(std::time::Duration::from_secs(21));
    assert!(!running(&net, &conversation));
    hung_up(&mut net, &phone);
    hung_up(&mut net, &crate::calls::net::Phone::new("1003"));
    assert_eq!(net.core.call_legs(), 0);
}
