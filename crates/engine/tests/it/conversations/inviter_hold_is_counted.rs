//! A foreground invitation holds its inviter until the invitation ends. With several
//! invitations under way the inviter gets its mode back when the last one ends; an
//! invitation ending while a transfer holds the conversation leaves the transfer's hold
//! and prompts alone; an inviter that went on to talk in another conversation stays there.

use sb_acd::conversation::{ConversationId, Mode};
use sb_media::tone::ToneKind;
use sb_sip::message::Request;
use switchboard_engine::conversation::Operation;

use super::support::*;
use crate::calls::net::{sdp, Heard, Net, Phone};

fn invite(conversation: &ConversationId, to: &str) -> Operation {
    Operation::InviteOut {
        agent: Some(agent("1002")),
        conversation: conversation.clone(),
        dial: dial(to),
        background: false,
        mode: Mode::BOTH,
    }
}

/// The trunk's INVITEs so far, by number.
fn invites(net: &mut Net, trunk: &Phone) -> Vec<(String, Request)> {
    net.take(trunk.addr)
        .into_iter()
        .filter_map(|m| match m {
            sb_sip::message::Message::Request(r) if r.method.as_str() == "INVITE" => {
                Some((r.uri.user.clone().unwrap_or_default(), r))
            }
            _ => None,
        })
        .collect()
}

fn answer(net: &mut Net, trunk: &Phone, r: &Request) {
    trunk.reply(net, r, 200, Some(sdp(trunk.rtp(), "sendrecv")));
    net.request(trunk.addr, "ACK");
}

fn refuse(net: &mut Net, trunk: &Phone, r: &Request) {
    trunk.reply(net, r, 486, None);
    net.request(trunk.addr, "ACK");
}

#[test]
fn two_invitations_give_the_inviter_its_mode_back_when_both_end() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let trunk = Phone::trunk();
    run(
        &mut net,
        invite(&call.conversation, "5559991"),
        Some("1002"),
    )
    .unwrap();
    run(
        &mut net,
        invite(&call.conversation, "5559992"),
        Some("1002"),
    )
    .unwrap();
    let out = invites(&mut net, &trunk);
    assert_eq!(out.len(), 2);
    answer(&mut net, &trunk, &out[0].1);
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::HOLD),
        "one invitation still rings"
    );
    assert_eq!(
        net.plays.playing(leg(&net, &call.agent_call)),
        vec![Heard::Tone(ToneKind::Dial)]
    );
    refuse(&mut net, &trunk, &out[1].1);
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH),
        "both ended: the inviter talks again"
    );
    assert!(net.plays.playing(leg(&net, &call.agent_call)).is_empty());
    assert_eq!(modes(&net, &call.conversation).len(), 3);
}

#[test]
fn two_answered_invitations_leave_the_inviter_talking() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let trunk = Phone::trunk();
    run(
        &mut net,
        invite(&call.conversation, "5559991"),
        Some("1002"),
    )
    .unwrap();
    run(
        &mut net,
        invite(&call.conversation, "5559992"),
        Some("1002"),
    )
    .unwrap();
    let out = invites(&mut net, &trunk);
    answer(&mut net, &trunk, &out[0].1);
    answer(&mut net, &trunk, &out[1].1);
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    assert_eq!(modes(&net, &call.conversation).len(), 4);
}

#[test]
fn an_invitation_ending_mid_transfer_leaves_the_transfer_alone() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let trunk = Phone::trunk();
    run(
        &mut net,
        invite(&call.conversation, "5559991"),
        Some("1002"),
    )
    .unwrap();
    let xfer = Operation::XferOut {
        agent: agent("1002"),
        conversation: call.conversation.clone(),
        dial: dial("5550001"),
        release: false,
    };
    run(&mut net, xfer, Some("1002")).unwrap();
    let out = invites(&mut net, &trunk);
    let (invited, transfer) = match out[0].0.as_str() {
        "5559991" => (&out[0].1, &out[1].1),
        _ => (&out[1].1, &out[0].1),
    };
    refuse(&mut net, &trunk, invited);
    assert!(
        modes(&net, &call.conversation)
            .iter()
            .all(|(_, m)| *m == Mode::HOLD),
        "the transfer still holds both: {:?}",
        modes(&net, &call.conversation)
    );
    for c in [&call.customer, &call.agent_call] {
        assert_eq!(
            net.plays.playing(leg(&net, c)),
            vec![Heard::Tone(ToneKind::Dial)],
            "the transfer's tone goes on"
        );
    }
    refuse(&mut net, &trunk, transfer);
    assert!(modes(&net, &call.conversation)
        .iter()
        .all(|(_, m)| *m == Mode::BOTH));
}

#[test]
fn an_inviter_talking_elsewhere_by_then_stays_there() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let trunk = Phone::trunk();
    run(
        &mut net,
        invite(&call.conversation, "5559991"),
        Some("1002"),
    )
    .unwrap();
    let other = Operation::Callout {
        agent: agent("1002"),
        dial: dial("5552222"),
        background: false,
    };
    let other = cid(&run(&mut net, other, Some("1002"))
        .unwrap()
        .conversation_id
        .unwrap());
    let out = invites(&mut net, &trunk);
    let (invited, second) = match out[0].0.as_str() {
        "5559991" => (&out[0].1, &out[1].1),
        _ => (&out[1].1, &out[0].1),
    };
    answer(&mut net, &trunk, second);
    assert_eq!(
        mode_of(&net, &other, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    answer(&mut net, &trunk, invited);
    assert_eq!(
        mode_of(&net, &other, &agent_member("1002")),
        Some(Mode::BOTH),
        "the invitation's end does not pull the agent back"
    );
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    assert_eq!(modes(&net, &call.conversation).len(), 3);
}
