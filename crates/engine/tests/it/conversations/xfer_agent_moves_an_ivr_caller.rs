//! xferAgent on a queue conversation: the IVR caller moves to an agent a queue task finds,
//! in a new `queue` conversation, and goes back to its IVR when that one ends. A failed
//! transfer hands the caller back to its IVR with the failure (`release=true`) or lets
//! both talk again (`release=false`). Only an outside party can be transferred. With
//! `play_num` the caller hears the new agent's number once connected.

use sb_acd::agent::ReturnTo;
use sb_acd::conversation::{MemberId, Mode};
use switchboard_engine::acd::{FailCause, TaskKind};
use switchboard_engine::conversation::{ConversationError, Operation, TicketNews};
use switchboard_engine::ivr::{EnqueueCause, EnqueueResult};

use super::support::*;
use crate::calls::net::{Heard, Net, Phone};

fn xfer(conversation: &sb_acd::conversation::ConversationId, release: bool) -> Operation {
    Operation::XferAgent {
        agent: agent("1002"),
        conversation: conversation.clone(),
        queue: String::new(),
        release,
    }
}

#[test]
fn released_the_caller_hears_the_queue_prompt_then_meets_the_new_agent() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let ticket = run_task(&mut net, xfer(&old, true), Some("1002")).unwrap();
    assert_eq!(ticket.request.kind, TaskKind::XferAgent);
    assert_eq!(
        ticket.request.exclude,
        Some(agent("1002")),
        "released, the transferring agent is free again and must not get its own caller"
    );
    assert_eq!(
        ticket.request.origin_call_id.as_deref(),
        Some(caller.0.as_str())
    );
    assert!(!running(&net, &old));
    hung_up(&mut net, &Phone::new("1002"));
    assert!(
        ivr_outcome(&net, &caller).is_none(),
        "the caller is not handed back yet"
    );
    assert_eq!(net.plays.playing(leg(&net, &caller)), vec![Heard::Looped]);
    task_created(&mut net, &ticket, 9);
    task_found(&mut net, &ticket, 9, "1003", "found-1003");
    let new = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert_eq!(
        modes(&net, &new),
        vec![
            (MemberId::Call(caller.0.clone()), Mode::BOTH),
            (agent_member("1003"), Mode::BOTH),
        ]
    );
    assert!(net.plays.playing(leg(&net, &caller)).is_empty());
    // `play_num`: once connected, the caller hears the new agent's number.
    net.conv_step(|c, ctx| {
        c.on_ticket(
            ctx,
            &ticket,
            TicketNews::Announce((None, "1003".into(), None)),
        )
    });
    assert_eq!(net.plays.playing(leg(&net, &caller)), vec![Heard::Once]);

    let depart = Operation::Depart {
        agent: agent("1003"),
        conversation: new.clone(),
        data: Some("survey".into()),
    };
    run(&mut net, depart, None).unwrap();
    let outcome = ivr_outcome(&net, &caller).expect("the caller goes back to its IVR");
    assert_eq!(outcome.result, EnqueueResult::Success);
    assert_eq!(outcome.data.as_deref(), Some("survey"));
    assert_eq!(outcome.agent_name.as_deref(), Some("a1003"));
    assert_eq!(outcome.conversation_id.as_deref(), Some(new.0.as_str()));
    assert!(queue_told_done(&net, &caller));
    hung_up(&mut net, &Phone::new("1003"));
    assert!(net.take(trunk.addr).is_empty(), "the IVR keeps the caller");
}

#[test]
fn released_and_failed_the_caller_goes_back_to_its_ivr() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let ticket = run_task(&mut net, xfer(&old, true), Some("1002")).unwrap();
    task_created(&mut net, &ticket, 9);
    task_failed(&mut net, &ticket, 9, FailCause::Timeout);
    let outcome = ivr_outcome(&net, &caller).expect("told");
    assert_eq!(outcome.result, EnqueueResult::Fail);
    assert!(outcome.cause.is_some());
    assert!(queue_told_done(&net, &caller));
    assert!(
        net.plays.playing(leg(&net, &caller)).is_empty(),
        "the prompt stops"
    );
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn a_refused_task_fails_the_transfer_the_same_way() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let ticket = run_task(&mut net, xfer(&old, false), Some("1002")).unwrap();
    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::Refused));
    assert_eq!(
        modes(&net, &old),
        vec![
            (MemberId::Call(caller.0.clone()), Mode::BOTH),
            (agent_member("1002"), Mode::BOTH),
        ]
    );
}

#[test]
fn kept_and_found_the_agent_is_removed_and_the_old_one_ends() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, agent_call) = queue_conversation(&mut net, &mut trunk, "1002");
    let ticket = run_task(&mut net, xfer(&old, false), Some("1002")).unwrap();
    for c in [&caller, &agent_call] {
        assert_eq!(net.plays.playing(leg(&net, c)), vec![Heard::Looped]);
        assert!(modes(&net, &old).iter().all(|(_, m)| *m == Mode::HOLD));
    }
    task_created(&mut net, &ticket, 9);
    task_found(&mut net, &ticket, 9, "1003", "found-1003");
    assert!(!running(&net, &old));
    hung_up(&mut net, &Phone::new("1002"));
    let new = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert_eq!(modes(&net, &new).len(), 2);
    assert!(ivr_outcome(&net, &caller).is_none());
}

#[test]
fn kept_and_failed_with_the_agent_gone_the_caller_cannot_come_back() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let ticket = run_task(&mut net, xfer(&old, false), Some("1002")).unwrap();
    task_created(&mut net, &ticket, 9);
    let depart = Operation::Depart {
        agent: agent("1002"),
        conversation: old.clone(),
        data: None,
    };
    run(&mut net, depart, None).unwrap();
    assert!(!running(&net, &old), "the old conversation ends");
    hung_up(&mut net, &Phone::new("1002"));
    assert!(
        ivr_outcome(&net, &caller).is_none(),
        "the transfer still runs"
    );
    assert!(
        !net.plays.playing(leg(&net, &caller)).is_empty(),
        "the caller still hears the queue prompt"
    );
    task_failed(&mut net, &ticket, 9, FailCause::Timeout);
    let outcome = ivr_outcome(&net, &caller).expect("its <enqueue> ends");
    assert_eq!(outcome.result, EnqueueResult::Fail);
    assert!(net.conv.running_members().is_empty());
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn the_failure_cause_reaches_the_ivr() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let ticket = run_task(&mut net, xfer(&old, true), Some("1002")).unwrap();
    task_created(&mut net, &ticket, 9);
    task_failed(&mut net, &ticket, 9, FailCause::Timeout);
    assert_eq!(
        ivr_outcome(&net, &caller).unwrap().cause,
        Some(EnqueueCause::Timeout)
    );
}

#[test]
fn an_agent_party_cannot_be_transferred() {
    let mut net = Net::new();
    let ticket = run_task(
        &mut net,
        Operation::CallAgent {
            agent: agent("1002"),
            enqueue: String::new(),
            background: false,
        },
        Some("1002"),
    )
    .unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    phone_answers(&mut net, "1002");
    task_found(&mut net, &ticket, 1, "1003", "found-1003");
    let refused = run_task(&mut net, xfer(&conversation, true), Some("1002"));
    assert!(
        matches!(refused, Err(ConversationError::PartyIsAgent { .. })),
        "{refused:?}"
    );
    assert_eq!(modes(&net, &conversation).len(), 2);
}

#[test]
fn the_new_conversation_keeps_the_documents_terms() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let enqueue = enqueue_with(r#"conversation_timeout="45""#);
    let ticket = run_task_with(&mut net, xfer(&old, true), Some("1002"), &enqueue).unwrap();
    task_created(&mut net, &ticket, 9);
    hung_up(&mut net, &Phone::new("1002"));
    task_found(&mut net, &ticket, 9, "1003", "found-1003");
    let new = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert_eq!(
        net.conv.returns_to(&new, &agent("1003")),
        Some(ReturnTo::Reserve(after_call())),
        "the agent found takes the document's reserve_state"
    );
    net.advance(std::time::Duration::from_secs(44));
    assert!(running(&net, &new));
    net.advance(std::time::Duration::from_secs(2));
    assert!(!running(&net, &new), "the document's conversation_timeout");
    assert!(ivr_outcome(&net, &caller).is_some());
}
