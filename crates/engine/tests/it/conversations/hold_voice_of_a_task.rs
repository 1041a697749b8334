//! The conversation an operation's queue task makes plays its `<enqueue>`'s `hold_voice`
//! to a member left alone hearing it (SPEC §8): callagent's at once, an xferAgent's new one
//! as soon as it exists.

use sb_media::player::Prompt;
use switchboard_engine::conversation::{Operation, TicketNews};

use super::support::*;
use crate::calls::net::{Net, Phone};

fn tune() -> Prompt {
    Prompt::from_samples(
        (0..800)
            .map(|i| ((i % 25) * 600) as i16)
            .collect::<Vec<_>>(),
    )
}

/// The hold prompt of the mixer of `conversation`'s member `call`.
fn hold_of(net: &Net, call: &switchboard_engine::CallId) -> Option<Prompt> {
    let member = leg(net, call);
    net.media
        .conversations()
        .into_iter()
        .find(|(_, m)| m.members.contains_key(&member))
        .and_then(|(_, m)| m.hold_prompt)
}

#[test]
fn the_callagent_conversation_holds_with_the_document_s_hold_voice() {
    let mut net = Net::new();
    let op = Operation::CallAgent {
        agent: agent("1002"),
        enqueue: String::new(),
        background: false,
    };
    let ticket = run_task(&mut net, op, Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    phone_answers(&mut net, "1002");
    let caller = members_call(&net, &conversation, &agent_member("1002"));
    assert_eq!(
        hold_of(&net, &caller),
        Some(sb_media::builtin::hold_music())
    );
    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::HoldVoice(tune())));
    assert_eq!(hold_of(&net, &caller), Some(tune()));
}

#[test]
fn the_new_conversation_of_an_xfer_agent_gets_the_hold_voice_when_it_begins() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let xfer = Operation::XferAgent {
        agent: agent("1002"),
        conversation: old,
        queue: String::new(),
        release: true,
    };
    let ticket = run_task(&mut net, xfer, Some("1002")).unwrap();
    hung_up(&mut net, &Phone::new("1002"));
    task_created(&mut net, &ticket, 9);
    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::HoldVoice(tune())));
    task_found(&mut net, &ticket, 9, "1003", "found-1003");
    assert_eq!(hold_of(&net, &caller), Some(tune()));
}

#[test]
fn a_failed_transfer_keeps_no_hold_voice_for_a_conversation_that_never_began() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let xfer = Operation::XferAgent {
        agent: agent("1002"),
        conversation: old,
        queue: String::new(),
        release: false,
    };
    let ticket = run_task(&mut net, xfer, Some("1002")).unwrap();
    task_created(&mut net, &ticket, 9);
    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::HoldVoice(tune())));
    task_failed(
        &mut net,
        &ticket,
        9,
        switchboard_engine::acd::FailCause::Timeout,
    );
    assert!(
        net.media
            .conversations()
            .iter()
            .all(|(_, m)| m.hold_prompt != Some(tune())),
        "the old conversation keeps its own hold music"
    );
}
