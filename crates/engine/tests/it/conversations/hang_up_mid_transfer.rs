//! Hang-ups while a transfer runs. The agent hanging up (`release=false`) ends the old
//! conversation but the party's transfer goes on; the party hanging up stops the transfer:
//! the number being dialled for it is cancelled and nobody is left in a conversation with
//! a call that is gone.

use sb_acd::conversation::Mode;
use switchboard_engine::conversation::Operation;

use super::support::*;
use crate::calls::net::{Net, Phone};

fn xfer(call: &Callout, release: bool) -> Operation {
    Operation::XferOut {
        agent: agent("1002"),
        conversation: call.conversation.clone(),
        dial: dial("5550001"),
        release,
    }
}

#[test]
fn the_agent_hanging_up_ends_the_old_conversation_but_not_the_transfer() {
    let mut net = Net::new();
    let mut call = connected_callout(&mut net);
    let created = run(&mut net, xfer(&call, false), Some("1002")).unwrap();
    let new = cid(created.conversation_id.as_deref().unwrap());
    let trunk = Phone::trunk();
    let out = net.request(trunk.addr, "INVITE");
    hangs_up(&mut net, &mut call.phone, &call.phone_invite);
    assert!(!running(&net, &call.conversation));
    assert!(
        net.take(trunk.addr).is_empty(),
        "the customer stays up, the dial goes on"
    );
    trunk.reply(
        &mut net,
        &out,
        200,
        Some(crate::calls::net::sdp(trunk.rtp(), "sendrecv")),
    );
    net.request(trunk.addr, "ACK");
    let m = modes(&net, &new);
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|(_, mode)| *mode == Mode::BOTH));
}

#[test]
fn the_party_hanging_up_while_kept_cancels_the_dial() {
    let mut net = Net::new();
    let mut call = connected_callout(&mut net);
    run(&mut net, xfer(&call, false), Some("1002")).unwrap();
    let trunk = Phone::trunk();
    let out = net.request(trunk.addr, "INVITE");
    trunk.reply(&mut net, &out, 180, None);
    hangs_up(&mut net, &mut call.trunk, &call.trunk_invite);
    assert!(!running(&net, &call.conversation));
    hung_up(&mut net, &call.phone);
    let cancel = net.request(trunk.addr, "CANCEL");
    trunk.reply(&mut net, &cancel, 200, None);
    trunk.reply(&mut net, &out, 487, None);
    net.request(trunk.addr, "ACK");
    assert!(net.conv.running_members().is_empty());
    assert!(
        net.conv.owned_calls().is_empty(),
        "{:?}",
        net.conv.owned_calls()
    );
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn the_party_hanging_up_while_released_cancels_the_dial() {
    let mut net = Net::new();
    let mut call = connected_callout(&mut net);
    run(&mut net, xfer(&call, true), Some("1002")).unwrap();
    hung_up(&mut net, &call.phone);
    let trunk = Phone::trunk();
    let out = net.request(trunk.addr, "INVITE");
    trunk.reply(&mut net, &out, 180, None);
    hangs_up(&mut net, &mut call.trunk, &call.trunk_invite);
    let cancel = net.request(trunk.addr, "CANCEL");
    trunk.reply(&mut net, &cancel, 200, None);
    trunk.reply(&mut net, &out, 487, None);
    net.request(trunk.addr, "ACK");
    assert!(
        net.conv.owned_calls().is_empty(),
        "{:?}",
        net.conv.owned_calls()
    );
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn an_ivr_caller_hanging_up_while_transferred_is_forgotten_by_its_queue() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let op = Operation::XferAgent {
        agent: agent("1002"),
        conversation: old,
        queue: String::new(),
        release: true,
    };
    let ticket = run_task(&mut net, op, Some("1002")).unwrap();
    task_created(&mut net, &ticket, 3);
    hung_up(&mut net, &Phone::new("1002"));
    trunk.in_dialog(&mut net, "BYE", None);
    net.response(trunk.addr, 200);
    assert!(
        queue_told_done(&net, &caller),
        "the queue link forgets the caller"
    );
    assert!(
        net.conv.owned_calls().is_empty(),
        "{:?}",
        net.conv.owned_calls()
    );
}
