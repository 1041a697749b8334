//! The conversation records (SPEC §7) as they would be stored: `type`, `state`,
//! `end_reason` (`dissolved`, `member_left`, `timeout`), `agent_call_id`, `queue_id`, and
//! members that left kept with their `end_time`.

use std::time::Duration;

use switchboard_engine::conversation::Operation;

use super::support::*;
use crate::calls::net::{Net, Phone};

#[test]
fn a_callout_is_call_out_with_the_agents_call_and_ends_member_left() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let row = net.row(&call.conversation.0).unwrap();
    assert_eq!(row.kind, "call_out");
    assert_eq!(row.state, "running");
    assert_eq!(
        row.agent_call_id.as_deref(),
        Some(call.agent_call.0.as_str())
    );
    let names: Vec<_> = row.members.iter().map(|m| m.name.clone()).collect();
    assert_eq!(names, vec![Some("a1002".to_owned()), None]);
    assert_eq!(row.members[0].extension_id.as_deref(), Some("e1002"));
    assert_eq!(row.members[1].call_id, call.customer.0);
    let depart = Operation::Depart {
        agent: agent("1002"),
        conversation: call.conversation.clone(),
        data: None,
    };
    run(&mut net, depart, None).unwrap();
    let row = net.row(&call.conversation.0).unwrap();
    assert_eq!(row.state, "completed");
    assert_eq!(row.end_reason.as_deref(), Some("member_left"));
    assert!(row.end_time.is_some());
    assert!(row.members.iter().all(|m| m.end_time.is_some()));
}

#[test]
fn a_supervisor_who_left_stays_in_the_list() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let join = Operation::Join {
        agent: agent("1003"),
        conversation: call.conversation.clone(),
        mode: mode(3),
    };
    run(&mut net, join, Some("1003")).unwrap();
    phone_answers(&mut net, "1003");
    let depart = Operation::Depart {
        agent: agent("1003"),
        conversation: call.conversation.clone(),
        data: None,
    };
    run(&mut net, depart, None).unwrap();
    let row = net.row(&call.conversation.0).unwrap();
    assert_eq!(row.state, "running");
    assert_eq!(row.members.len(), 3);
    let sup = &row.members[2];
    assert_eq!(sup.name.as_deref(), Some("a1003"));
    assert_eq!(sup.mode, 3);
    assert!(sup.end_time.is_some());
    assert!(row.members[..2].iter().all(|m| m.end_time.is_none()));
}

#[test]
fn dissolved_and_timed_out_conversations_say_so() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (queued, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let row = net.row(&queued.0).unwrap();
    assert_eq!(row.kind, "queue");
    assert!(row.queue_id.is_some());
    run(
        &mut net,
        Operation::Dissolve {
            conversation: queued.clone(),
        },
        None,
    )
    .unwrap();
    assert_eq!(
        net.row(&queued.0).unwrap().end_reason.as_deref(),
        Some("dissolved")
    );

    let mut net = Net::for_conversations(10);
    let call = connected_callout(&mut net);
    net.advance(Duration::from_secs(11));
    let row = net.row(&call.conversation.0).unwrap();
    assert_eq!(row.end_reason.as_deref(), Some("timeout"));
    assert_eq!(row.state, "completed");
}

#[test]
fn callagent_and_transfers_name_their_type_and_task() {
    let mut net = Net::for_conversations(0);
    let callagent = Operation::CallAgent {
        agent: agent("1002"),
        enqueue: String::new(),
        background: false,
    };
    let ticket = run_task(&mut net, callagent, Some("1002")).unwrap();
    let id = ticket.created.conversation_id.clone().unwrap();
    assert_eq!(net.row(&id).unwrap().kind, "call_agent");

    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let xfer = Operation::XferAgent {
        agent: agent("1002"),
        conversation: old.clone(),
        queue: String::new(),
        release: true,
    };
    let ticket = run_task(&mut net, xfer, Some("1002")).unwrap();
    task_created(&mut net, &ticket, 9);
    hung_up(&mut net, &Phone::new("1002"));
    assert_eq!(
        net.row(&old.0).unwrap().end_reason.as_deref(),
        Some("member_left")
    );
    task_found(&mut net, &ticket, 9, "1003", "found-1003");
    let new = ticket.created.conversation_id.clone().unwrap();
    let row = net.row(&new).unwrap();
    assert_eq!(row.kind, "queue");
    assert_eq!(
        row.queue_id,
        Some(switchboard_engine::acd::TaskId(9).to_string())
    );

    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let xfer = Operation::XferOut {
        agent: agent("1002"),
        conversation: call.conversation.clone(),
        dial: dial("5550001"),
        release: true,
    };
    let created = run(&mut net, xfer, Some("1002")).unwrap();
    trunk_answers(&mut net, &Phone::trunk());
    let row = net
        .row(created.conversation_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(row.kind, "call_out");
    assert_eq!(row.members.len(), 2);
}
