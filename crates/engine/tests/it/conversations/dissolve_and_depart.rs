//! Dissolving a conversation (DELETE) and agents departing (SPEC §6, §7): IVR callers go
//! back to their IVR with the `data` given, other outside calls are hung up, and agents in
//! no other conversation are disconnected; an agent in another conversation keeps its
//! connection.

use sb_acd::conversation::Mode;
use switchboard_engine::conversation::{ConversationError, Operation};
use switchboard_engine::ivr::EnqueueResult;

use super::support::*;
use crate::calls::net::{Net, Phone};

#[test]
fn dissolving_hands_an_ivr_caller_back_and_disconnects_the_agent() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (conversation, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    assert_eq!(modes(&net, &conversation).len(), 2);
    let created = run(
        &mut net,
        Operation::Dissolve {
            conversation: conversation.clone(),
        },
        None,
    )
    .unwrap();
    assert_eq!(
        created.conversation_id.as_deref(),
        Some(conversation.0.as_str())
    );
    assert!(!running(&net, &conversation));
    let outcome = ivr_outcome(&net, &caller).expect("its IVR hears <next>");
    assert_eq!(outcome.result, EnqueueResult::Success);
    assert_eq!(outcome.agent_name.as_deref(), Some("a1002"));
    assert_eq!(
        outcome.conversation_id.as_deref(),
        Some(conversation.0.as_str())
    );
    assert!(queue_told_done(&net, &caller));
    hung_up(&mut net, &Phone::new("1002"));
    assert!(
        net.take(trunk.addr).is_empty(),
        "the caller stays with its IVR"
    );
    assert!(net.conv.owned_calls().is_empty());
    let again = run(&mut net, Operation::Dissolve { conversation }, None);
    assert!(matches!(
        again,
        Err(ConversationError::UnknownConversation { .. })
    ));
}

#[test]
fn dissolving_hangs_up_outside_callers_and_cancels_dials() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let invite = Operation::InviteOut {
        agent: None,
        conversation: call.conversation.clone(),
        dial: dial("5559999"),
        background: false,
        mode: Mode::BOTH,
    };
    run(&mut net, invite, None).unwrap();
    let trunk = Phone::trunk();
    let ringing = net.request(trunk.addr, "INVITE");
    trunk.reply(&mut net, &ringing, 180, None);
    run(
        &mut net,
        Operation::Dissolve {
            conversation: call.conversation.clone(),
        },
        None,
    )
    .unwrap();
    let mut seen = Vec::new();
    for m in net.take(trunk.addr) {
        if let sb_sip::message::Message::Request(r) = m {
            seen.push(r.method.to_string());
            trunk.reply(&mut net, &r, 200, None);
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        vec!["BYE", "CANCEL"],
        "the customer is hung up, the dial cancelled"
    );
    trunk.reply(&mut net, &ringing, 487, None);
    hung_up(&mut net, &call.phone);
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn departing_hands_the_data_to_the_ivr_caller() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (conversation, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let depart = Operation::Depart {
        agent: agent("1002"),
        conversation: conversation.clone(),
        data: Some("rate us".into()),
    };
    run(&mut net, depart, None).unwrap();
    assert!(!running(&net, &conversation));
    assert_eq!(
        ivr_outcome(&net, &caller).unwrap().data.as_deref(),
        Some("rate us")
    );
    hung_up(&mut net, &Phone::new("1002"));
}

#[test]
fn departing_one_of_three_keeps_the_others_and_a_busy_agent_keeps_its_connection() {
    let mut net = Net::new();
    let first = connected_callout(&mut net);
    let second = run(
        &mut net,
        Operation::Callout {
            agent: agent("1002"),
            dial: dial("5552222"),
            background: true,
        },
        Some("1002"),
    )
    .unwrap();
    let second = cid(second.conversation_id.as_deref().unwrap());
    trunk_answers(&mut net, &Phone::trunk());
    let join = Operation::Join {
        agent: agent("1003"),
        conversation: first.conversation.clone(),
        mode: Mode::BOTH,
    };
    run(&mut net, join, Some("1003")).unwrap();
    let (sup, _) = phone_answers(&mut net, "1003");
    let depart = Operation::Depart {
        agent: agent("1002"),
        conversation: first.conversation.clone(),
        data: None,
    };
    run(&mut net, depart, None).unwrap();
    assert_eq!(
        modes(&net, &first.conversation).len(),
        2,
        "the customer and a1003 stay"
    );
    assert!(running(&net, &second));
    net.quiet(first.phone.addr);
    let depart = Operation::Depart {
        agent: agent("1003"),
        conversation: first.conversation.clone(),
        data: None,
    };
    run(&mut net, depart, None).unwrap();
    assert!(!running(&net, &first.conversation));
    hung_up(&mut net, &sup);
    hung_up(&mut net, &first.trunk);
    let not_there = Operation::Depart {
        agent: agent("1003"),
        conversation: second.clone(),
        data: None,
    };
    assert!(matches!(
        run(&mut net, not_there, None),
        Err(ConversationError::NotMember { .. })
    ));
}
