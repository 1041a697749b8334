//! inviteAgent and invite_agent: a queue task finds an agent, which joins in
//! `voiceIoMode`. In the foreground the inviter is held and hears the queue prompt while
//! the task runs; a failed task gives it its mode back. Nobody may be invited into a
//! conversation being transferred.

use sb_acd::conversation::{ConversationId, MemberId, Mode};
use switchboard_engine::acd::{FailCause, TaskKind};
use switchboard_engine::conversation::{ConversationError, Operation};

use super::support::*;
use crate::calls::net::{Heard, Net};

fn invite(
    agent_user: Option<&str>,
    conversation: &ConversationId,
    background: bool,
    m: i64,
) -> Operation {
    Operation::InviteAgent {
        agent: agent_user.map(agent),
        conversation: conversation.clone(),
        enqueue: String::new(),
        background,
        mode: mode(m),
    }
}

#[test]
fn in_the_foreground_the_inviter_hears_the_queue_prompt_until_the_agent_joins() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(
        &mut net,
        invite(Some("1002"), &call.conversation, false, 3),
        Some("1002"),
    )
    .unwrap();
    assert_eq!(ticket.request.kind, TaskKind::InviteAgent);
    assert_eq!(
        ticket.created.conversation_id.as_deref(),
        Some(call.conversation.0.as_str())
    );
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    assert_eq!(
        net.plays.playing(leg(&net, &call.agent_call)),
        vec![Heard::Looped]
    );
    task_created(&mut net, &ticket, 5);
    let found = task_found(&mut net, &ticket, 5, "1003", "found-1003");
    assert_eq!(
        modes(&net, &call.conversation),
        vec![
            (agent_member("1002"), Mode::BOTH),
            (MemberId::Call(call.customer.0.clone()), Mode::BOTH),
            (agent_member("1003"), mode(3)),
        ]
    );
    assert!(net.plays.playing(leg(&net, &call.agent_call)).is_empty());
    // A supervisor in mode 3 hears both and is heard by nobody.
    let sup = leg(&net, &found);
    assert!(net.media.hears(sup, leg(&net, &call.customer)));
    assert!(!net.media.hears(leg(&net, &call.customer), sup));
}

#[test]
fn in_the_background_nothing_changes_for_the_inviter() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(
        &mut net,
        invite(Some("1002"), &call.conversation, true, 1),
        Some("1002"),
    )
    .unwrap();
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    assert!(net.plays.playing(leg(&net, &call.agent_call)).is_empty());
    task_created(&mut net, &ticket, 5);
    task_found(&mut net, &ticket, 5, "1003", "found-1003");
    assert_eq!(modes(&net, &call.conversation).len(), 3);
}

#[test]
fn a_failed_task_gives_the_inviter_its_mode_back() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(
        &mut net,
        invite(Some("1002"), &call.conversation, false, 1),
        Some("1002"),
    )
    .unwrap();
    task_created(&mut net, &ticket, 5);
    task_failed(&mut net, &ticket, 5, FailCause::Timeout);
    assert_eq!(
        modes(&net, &call.conversation),
        vec![
            (agent_member("1002"), Mode::BOTH),
            (MemberId::Call(call.customer.0.clone()), Mode::BOTH),
        ]
    );
    assert!(net.plays.playing(leg(&net, &call.agent_call)).is_empty());
}

#[test]
fn invite_agent_without_an_inviter_holds_nobody() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(&mut net, invite(None, &call.conversation, false, 1), None).unwrap();
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    task_created(&mut net, &ticket, 5);
    task_found(&mut net, &ticket, 5, "1003", "found-1003");
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1003")),
        Some(Mode::BOTH)
    );
}

#[test]
fn the_conversation_ending_first_sends_the_found_agent_back() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let ticket = run_task(&mut net, invite(None, &call.conversation, false, 1), None).unwrap();
    task_created(&mut net, &ticket, 5);
    run(
        &mut net,
        Operation::Dissolve {
            conversation: call.conversation.clone(),
        },
        None,
    )
    .unwrap();
    hung_up(&mut net, &call.trunk);
    hung_up(&mut net, &call.phone);
    task_found(&mut net, &ticket, 5, "1003", "found-1003");
    assert!(net.conv.running_members().is_empty());
    hung_up(&mut net, &crate::calls::net::Phone::new("1003"));
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn nobody_is_invited_into_a_conversation_being_transferred() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let xfer = Operation::XferOut {
        agent: agent("1002"),
        conversation: call.conversation.clone(),
        dial: dial("5550001"),
        release: false,
    };
    run(&mut net, xfer, Some("1002")).unwrap();
    let refused = run_task(&mut net, invite(None, &call.conversation, false, 1), None);
    assert!(
        matches!(&refused, Err(ConversationError::Locked { id }) if id == &call.conversation.0),
        "{refused:?}"
    );
}
