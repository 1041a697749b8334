//! xferOut: the other party of a one-to-one conversation moves to a number dialled for it,
//! in a new `call_out` conversation. `release=true`: the agent leaves at once and the party
//! hears ringback alone; a refused number hangs the party up. `release=false`: both stay
//! held hearing ringback, nobody else may join; on success the old conversation ends, on
//! failure both talk again.

use sb_acd::conversation::{MemberId, Mode};
use sb_media::tone::ToneKind;
use switchboard_engine::conversation::{ConversationError, Operation};
use switchboard_engine::CallId;

use super::support::*;
use crate::calls::net::{Heard, Net, Phone};

fn xfer(conversation: &sb_acd::conversation::ConversationId, release: bool) -> Operation {
    Operation::XferOut {
        agent: agent("1002"),
        conversation: conversation.clone(),
        dial: dial("5550001"),
        release,
    }
}

#[test]
fn released_the_agent_leaves_at_once_and_the_party_meets_the_number() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let created = run(&mut net, xfer(&call.conversation, true), Some("1002")).unwrap();
    let new = cid(created.conversation_id.as_deref().unwrap());
    let number = CallId(created.call_id.unwrap());
    assert_ne!(new, call.conversation);
    assert!(!running(&net, &call.conversation), "released at once");
    hung_up(&mut net, &call.phone);
    assert_eq!(
        net.plays.playing(leg(&net, &call.customer)),
        vec![Heard::Tone(ToneKind::Dial)]
    );
    let trunk = Phone::trunk();
    let out = trunk_rings(&mut net, &trunk);
    assert_eq!(
        net.plays.playing(leg(&net, &call.customer)),
        vec![Heard::Tone(ToneKind::Ringback)]
    );
    trunk_answers_rung(&mut net, &trunk, &out);
    assert_eq!(out.uri.user.as_deref(), Some("5550001"));
    assert_eq!(
        modes(&net, &new),
        vec![
            (MemberId::Call(call.customer.0.clone()), Mode::BOTH),
            (MemberId::Call(number.0.clone()), Mode::BOTH),
        ]
    );
    assert!(net.plays.playing(leg(&net, &call.customer)).is_empty());
    assert!(net
        .media
        .hears(leg(&net, &call.customer), leg(&net, &number)));
}

#[test]
fn released_and_refused_the_party_is_hung_up() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(&mut net, xfer(&call.conversation, true), Some("1002")).unwrap();
    hung_up(&mut net, &call.phone);
    let trunk = Phone::trunk();
    let out = net.request(trunk.addr, "INVITE");
    trunk.reply(&mut net, &out, 486, None);
    net.request(trunk.addr, "ACK");
    hung_up(&mut net, &call.trunk);
    assert!(net.conv.running_members().is_empty());
    assert_eq!(net.core.call_legs(), 0);
    assert!(net.conv.owned_calls().is_empty());
}

#[test]
fn kept_both_are_held_hearing_ringback_and_nobody_may_join() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(&mut net, xfer(&call.conversation, false), Some("1002")).unwrap();
    assert_eq!(
        modes(&net, &call.conversation),
        vec![
            (agent_member("1002"), Mode::HOLD),
            (MemberId::Call(call.customer.0.clone()), Mode::HOLD),
        ]
    );
    for c in [&call.customer, &call.agent_call] {
        assert_eq!(
            net.plays.playing(leg(&net, c)),
            vec![Heard::Tone(ToneKind::Dial)]
        );
    }
    let join = Operation::Join {
        agent: agent("1003"),
        conversation: call.conversation.clone(),
        mode: Mode::BOTH,
    };
    assert!(matches!(
        run(&mut net, join, Some("1003")),
        Err(ConversationError::Locked { .. })
    ));
    let again = run(&mut net, xfer(&call.conversation, false), Some("1002"));
    assert!(
        matches!(again, Err(ConversationError::Locked { .. })),
        "{again:?}"
    );
    assert!(net.take(Phone::new("1003").addr).is_empty(), "nobody rung");
}

#[test]
fn kept_and_answered_the_old_conversation_ends() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let created = run(&mut net, xfer(&call.conversation, false), Some("1002")).unwrap();
    let new = cid(created.conversation_id.as_deref().unwrap());
    let trunk = Phone::trunk();
    let out = trunk_rings(&mut net, &trunk);
    for c in [&call.customer, &call.agent_call] {
        assert_eq!(
            net.plays.playing(leg(&net, c)),
            vec![Heard::Tone(ToneKind::Ringback)],
            "both held hear ringback once the number rings"
        );
    }
    trunk_answers_rung(&mut net, &trunk, &out);
    assert!(!running(&net, &call.conversation));
    hung_up(&mut net, &call.phone);
    let m = modes(&net, &new);
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|(_, mode)| *mode == Mode::BOTH), "{m:?}");
    assert!(net.plays.playing(leg(&net, &call.customer)).is_empty());
}

#[test]
fn kept_and_refused_both_talk_again() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(&mut net, xfer(&call.conversation, false), Some("1002")).unwrap();
    trunk_refuses(&mut net, &Phone::trunk(), 486);
    assert_eq!(
        modes(&net, &call.conversation),
        vec![
            (agent_member("1002"), Mode::BOTH),
            (MemberId::Call(call.customer.0.clone()), Mode::BOTH),
        ]
    );
    for c in [&call.customer, &call.agent_call] {
        assert!(net.plays.playing(leg(&net, c)).is_empty());
    }
    // The lock is gone: a supervisor may join again.
    let join = Operation::Join {
        agent: agent("1003"),
        conversation: call.conversation.clone(),
        mode: mode(3),
    };
    run(&mut net, join, Some("1003")).unwrap();
    phone_answers(&mut net, "1003");
    assert_eq!(modes(&net, &call.conversation).len(), 3);
}

#[test]
fn only_one_to_one_conversations_of_the_agent_move() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let stranger = Operation::XferOut {
        agent: agent("1003"),
        conversation: call.conversation.clone(),
        dial: dial("5550001"),
        release: true,
    };
    assert!(matches!(
        run(&mut net, stranger, Some("1003")),
        Err(ConversationError::NotMember { .. })
    ));
    let invite = Operation::InviteOut {
        agent: None,
        conversation: call.conversation.clone(),
        dial: dial("5559999"),
        background: false,
        mode: Mode::BOTH,
    };
    run(&mut net, invite, None).unwrap();
    trunk_answers(&mut net, &Phone::trunk());
    let refused = run(&mut net, xfer(&call.conversation, true), Some("1002"));
    assert!(
        matches!(
            refused,
            Err(ConversationError::NotOneToOne { members: 3, .. })
        ),
        "{refused:?}"
    );
    assert_eq!(modes(&net, &call.conversation).len(), 3);
}
