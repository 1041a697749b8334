//! An agent without a connection calls a number out: its extension rings first, the number
//! is dialled once it answers, both hear each other; pause holds the agent (the customer
//! is alone hearing the conversation: hold music), resume brings it back, and depart leaves
//! fewer than two members, which ends the conversation and hangs both calls up.

use sb_acd::agent::AgentName;
use sb_acd::conversation::{MemberId, Mode};
use switchboard_engine::conversation::{ConversationError, Dial, Operation};

use crate::calls::net::{cc, extension, sdp, Net, Phone};

fn agent() -> AgentName {
    AgentName::new("a1002").unwrap()
}

fn callout(net: &mut Net, background: bool) -> (String, String) {
    let op = Operation::Callout {
        agent: agent(),
        dial: Dial {
            to: "5551234".into(),
            from: None,
            max_dial_seconds: Some(30),
            max_answer_seconds: 600,
        },
        background,
    };
    let ext = extension("1002").unwrap();
    let created = net
        .conv_step(|c, ctx| c.run(ctx, &cc(), op, Some((agent(), ext))))
        .unwrap();
    (created.conversation_id.unwrap(), created.call_id.unwrap())
}

/// Answers the agent's phone, then the trunk; returns the phone, the trunk and the
/// trunk's INVITE.
fn connect(net: &mut Net) -> (Phone, Phone, sb_sip::message::Request) {
    let phone = Phone::new("1002");
    let trunk = Phone::trunk();
    let ring = net.request(phone.addr, "INVITE");
    assert!(
        net.take(trunk.addr).is_empty(),
        "the number waits for the agent"
    );
    phone.reply(net, &ring, 200, Some(sdp(phone.rtp(), "sendrecv")));
    net.request(phone.addr, "ACK");
    let out = net.request(trunk.addr, "INVITE");
    assert_eq!(out.uri.user.as_deref(), Some("5551234"));
    trunk.reply(net, &out, 200, Some(sdp(trunk.rtp(), "sendrecv")));
    net.request(trunk.addr, "ACK");
    (phone, trunk, out)
}

fn modes(net: &Net) -> Vec<(MemberId, Mode)> {
    let running = net.conv.running_members();
    assert_eq!(running.len(), 1, "{running:?}");
    running[0]
        .1
        .iter()
        .map(|(m, _, mode)| (m.clone(), *mode))
        .collect()
}

fn legs(net: &Net) -> (sb_mediaworker::LegId, sb_mediaworker::LegId) {
    let running = net.conv.running_members();
    let calls: Vec<_> = running[0].1.iter().map(|(_, c, _)| c.clone()).collect();
    let media = |call| net.core.answered_media(call).unwrap();
    (media(&calls[0]), media(&calls[1]))
}

#[test]
fn agent_and_customer_hear_each_other_until_the_agent_departs() {
    let mut net = Net::new();
    let (conversation, number_call) = callout(&mut net, false);
    let (phone, trunk, _) = connect(&mut net);
    let m = modes(&net);
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|(_, mode)| *mode == Mode::BOTH), "{m:?}");
    assert!(m.contains(&(MemberId::Call(number_call.clone()), Mode::BOTH)));
    let (agent_leg, customer_leg) = legs(&net);
    assert!(net.media.hears(agent_leg, customer_leg));
    assert!(net.media.hears(customer_leg, agent_leg));

    let id = sb_acd::conversation::ConversationId(conversation.clone());
    let pause = Operation::Pause {
        agent: agent(),
        conversation: id.clone(),
    };
    net.conv_step(|c, ctx| c.run(ctx, &cc(), pause, None))
        .unwrap();
    assert!(!net.media.hears(agent_leg, customer_leg));
    assert!(!net.media.hears(customer_leg, agent_leg));
    let (_, mixer) = net.media.conversations().pop().unwrap();
    assert_eq!(
        mixer.hold_prompt,
        Some(sb_media::builtin::hold_music()),
        "the held customer hears the built-in hold music"
    );

    let resume = Operation::Resume {
        agent: agent(),
        conversation: id.clone(),
        mode: Mode::new(3).unwrap(),
    };
    net.conv_step(|c, ctx| c.run(ctx, &cc(), resume, None))
        .unwrap();
    assert!(
        net.media.hears(agent_leg, customer_leg),
        "mode 3: the agent listens"
    );
    assert!(
        !net.media.hears(customer_leg, agent_leg),
        "mode 3: nobody hears it"
    );

    let depart = Operation::Depart {
        agent: agent(),
        conversation: id.clone(),
        data: Some("done".into()),
    };
    net.conv_step(|c, ctx| c.run(ctx, &cc(), depart, None))
        .unwrap();
    assert!(net.conv.running_members().is_empty());
    // Both calls are hung up: the customer has nobody left, the agent no conversation.
    let bye = net.request(trunk.addr, "BYE");
    trunk.reply(&mut net, &bye, 200, None);
    let bye = net.request(phone.addr, "BYE");
    phone.reply(&mut net, &bye, 200, None);
    assert_eq!(net.core.call_legs(), 0);

    // The conversation is over: operations on it say so.
    let again = Operation::Pause {
        agent: agent(),
        conversation: id,
    };
    let refused = net.conv_step(|c, ctx| c.run(ctx, &cc(), again, None));
    assert!(matches!(
        refused,
        Err(ConversationError::UnknownConversation { .. })
    ));
}

#[test]
fn a_background_callout_joins_held() {
    let mut net = Net::new();
    callout(&mut net, true);
    connect(&mut net);
    let m = modes(&net);
    assert!(m.contains(&(MemberId::Agent(agent()), Mode::HOLD)), "{m:?}");
    let (agent_leg, customer_leg) = legs(&net);
    assert!(!net.media.hears(agent_leg, customer_leg));
}

#[test]
fn the_customer_hanging_up_ends_it_and_disconnects_the_agent() {
    let mut net = Net::new();
    callout(&mut net, false);
    let (phone, mut trunk, invite) = connect(&mut net);
    trunk.request_to_switch(&mut net, &invite, "BYE");
    net.response(trunk.addr, 200);
    assert!(net.conv.running_members().is_empty());
    let bye = net.request(phone.addr, "BYE");
    phone.reply(&mut net, &bye, 200, None);
    assert_eq!(net.core.call_legs(), 0);
}

#[test]
fn an_unanswered_agent_phone_ends_the_callout_without_dialling() {
    let mut net = Net::new();
    callout(&mut net, false);
    let phone = Phone::new("1002");
    let trunk = Phone::trunk();
    let ring = net.request(phone.addr, "INVITE");
    phone.reply(&mut net, &ring, 486, None);
    net.request(phone.addr, "ACK");
    assert!(net.conv.running_members().is_empty());
    assert!(net.take(trunk.addr).iter().all(
        |m| !matches!(m, sb_sip::message::Message::Request(r) if r.method.as_str() == "INVITE")
    ));
}
