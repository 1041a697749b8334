//! A foreground callout: the agent hears dial tone while the number is being reached,
//! ringback once it rings, and nothing once it answers (SPEC §6).

use sb_media::tone::ToneKind;
use switchboard_engine::conversation::{Dial, Operation};

use super::support::*;
use crate::calls::net::{Heard, Net, Phone};

fn callout(net: &mut Net) -> sb_acd::conversation::ConversationId {
    let op = Operation::Callout {
        agent: agent("1002"),
        dial: Dial {
            to: "5551234".into(),
            from: None,
            max_dial_seconds: Some(30),
            max_answer_seconds: 600,
        },
        background: false,
    };
    let created = run(net, op, Some("1002")).unwrap();
    cid(created.conversation_id.as_deref().unwrap())
}

#[test]
fn dial_tone_then_ringback_then_the_customer() {
    let mut net = Net::new();
    let conversation = callout(&mut net);
    phone_answers(&mut net, "1002");
    let agent_call = members_call(&net, &conversation, &agent_member("1002"));
    let agent_leg = leg(&net, &agent_call);
    assert_eq!(
        net.plays.playing(agent_leg),
        vec![Heard::Tone(ToneKind::Dial)]
    );
    let trunk = Phone::trunk();
    let out = trunk_rings(&mut net, &trunk);
    assert_eq!(
        net.plays.playing(agent_leg),
        vec![Heard::Tone(ToneKind::Ringback)]
    );
    trunk_answers_rung(&mut net, &trunk, &out);
    assert!(net.plays.playing(agent_leg).is_empty());
}
