//! inviteOut and invite_out: a number is dialled and joins the conversation in
//! `voiceIoMode`. In the foreground the inviting agent is held and hears ringback until the
//! number answers or fails, then gets its mode back; in the background nothing changes for
//! it. Without an inviting agent (invite_out) nobody is held.

use sb_acd::conversation::{MemberId, Mode};
use sb_media::tone::ToneKind;
use switchboard_engine::conversation::{ConversationError, Operation};
use switchboard_engine::CallId;

use super::support::*;
use crate::calls::net::{Heard, Net, Phone};

fn invite(
    agent_user: Option<&str>,
    conversation: &sb_acd::conversation::ConversationId,
    background: bool,
    m: i64,
) -> Operation {
    Operation::InviteOut {
        agent: agent_user.map(agent),
        conversation: conversation.clone(),
        dial: dial("5559999"),
        background,
        mode: mode(m),
    }
}

#[test]
fn in_the_foreground_the_inviter_hears_dial_tone_then_ringback_then_talks_with_both() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let created = run(
        &mut net,
        invite(Some("1002"), &call.conversation, false, 2),
        Some("1002"),
    )
    .unwrap();
    assert_eq!(
        created.conversation_id.as_deref(),
        Some(call.conversation.0.as_str())
    );
    let third = CallId(created.call_id.unwrap());
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    assert_eq!(
        net.plays.playing(leg(&net, &call.agent_call)),
        vec![Heard::Tone(ToneKind::Dial)],
        "dial tone while the number is being reached"
    );
    let trunk = Phone::trunk();
    let out = trunk_rings(&mut net, &trunk);
    assert_eq!(
        net.plays.playing(leg(&net, &call.agent_call)),
        vec![Heard::Tone(ToneKind::Ringback)],
        "ringback once it rings"
    );
    trunk_answers_rung(&mut net, &trunk, &out);
    assert_eq!(
        modes(&net, &call.conversation),
        vec![
            (agent_member("1002"), Mode::BOTH),
            (MemberId::Call(call.customer.0.clone()), Mode::BOTH),
            (MemberId::Call(third.0.clone()), mode(2)),
        ]
    );
    assert!(net.plays.playing(leg(&net, &call.agent_call)).is_empty());
    // Mode 2: the conversation hears the new member, which hears nothing.
    let third_leg = leg(&net, &third);
    assert!(net.media.hears(leg(&net, &call.agent_call), third_leg));
    assert!(!net.media.hears(third_leg, leg(&net, &call.agent_call)));
}

#[test]
fn in_the_background_the_inviter_keeps_talking() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(
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
    assert!(net
        .media
        .hears(leg(&net, &call.agent_call), leg(&net, &call.customer)));
    trunk_answers(&mut net, &Phone::trunk());
    assert_eq!(modes(&net, &call.conversation).len(), 3);
}

#[test]
fn a_refused_number_gives_the_inviter_its_mode_back() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(
        &mut net,
        Operation::SetVoiceIoMode {
            agent: agent("1002"),
            conversation: call.conversation.clone(),
            mode: mode(3),
        },
        None,
    )
    .unwrap();
    run(
        &mut net,
        invite(Some("1002"), &call.conversation, false, 1),
        Some("1002"),
    )
    .unwrap();
    trunk_refuses(&mut net, &Phone::trunk(), 486);
    assert_eq!(
        modes(&net, &call.conversation),
        vec![
            (agent_member("1002"), mode(3)),
            (MemberId::Call(call.customer.0.clone()), Mode::BOTH),
        ]
    );
    assert!(net.plays.playing(leg(&net, &call.agent_call)).is_empty());
}

#[test]
fn invite_out_without_an_agent_holds_nobody() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(&mut net, invite(None, &call.conversation, false, 3), None).unwrap();
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    trunk_answers(&mut net, &Phone::trunk());
    let m = modes(&net, &call.conversation);
    assert_eq!(m.len(), 3);
    assert_eq!(m[2].1, mode(3));
}

#[test]
fn an_inviter_outside_the_conversation_is_refused() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let refused = run(
        &mut net,
        invite(Some("1003"), &call.conversation, false, 1),
        Some("1003"),
    );
    assert!(
        matches!(&refused, Err(ConversationError::NotMember { member, .. }) if member == "a1003"),
        "{refused:?}"
    );
    assert!(net
        .take(Phone::trunk().addr)
        .iter()
        .all(|m| !matches!(m, sb_sip::message::Message::Request(_))));
    let unknown = run(&mut net, invite(None, &cid("nope"), false, 1), None);
    assert!(matches!(
        unknown,
        Err(ConversationError::UnknownConversation { .. })
    ));
}

#[test]
fn an_invited_number_hanging_up_leaves_the_others_talking() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(&mut net, invite(None, &call.conversation, false, 1), None).unwrap();
    let mut trunk = Phone::trunk();
    let invite = trunk_answers(&mut net, &trunk);
    hangs_up(&mut net, &mut trunk, &invite);
    assert_eq!(modes(&net, &call.conversation).len(), 2);
}
