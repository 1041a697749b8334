//! A queue conversation plays the `<enqueue>`'s `hold_voice` to a member left alone
//! hearing it, instead of the built-in hold music (SPEC §5, §8).

use sb_acd::conversation::{MemberId, Mode};
use sb_media::player::Prompt;
use switchboard_engine::conversation::Operation;

use super::support::*;
use crate::calls::net::{cc, Net, Phone};

fn tune() -> Prompt {
    Prompt::from_samples(
        (0..1600)
            .map(|i| ((i % 40) * 500) as i16)
            .collect::<Vec<_>>(),
    )
}

#[test]
fn the_enqueue_hold_voice_replaces_the_built_in_music() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (conversation, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let built_in = |net: &Net| net.media.conversations().pop().unwrap().1.hold_prompt;
    assert_eq!(built_in(&net), Some(sb_media::builtin::hold_music()));

    net.conv_step(|c, ctx| c.set_hold_voice(ctx, &caller, tune()));
    assert_eq!(built_in(&net), Some(tune()), "the document's hold_voice");

    let pause = Operation::Pause {
        agent: agent("1002"),
        conversation: conversation.clone(),
    };
    net.conv_step(|c, ctx| c.run(ctx, &cc(), pause, None))
        .unwrap();
    let modes: Vec<_> = net.conv.running_members()[0]
        .1
        .iter()
        .map(|(m, _, mode)| (m.clone(), *mode))
        .collect();
    assert!(modes.contains(&(MemberId::Call(caller.0.clone()), Mode::BOTH)));
    assert_eq!(
        built_in(&net),
        Some(tune()),
        "the held caller hears the hold_voice"
    );
}

#[test]
fn a_caller_in_no_conversation_is_left_alone() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (conversation, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let dissolve = Operation::Dissolve {
        conversation: conversation.clone(),
    };
    net.conv_step(|c, ctx| c.run(ctx, &cc(), dissolve, None))
        .unwrap();
    net.conv_step(|c, ctx| c.set_hold_voice(ctx, &caller, tune()));
    assert!(!running(&net, &conversation));
    assert!(
        net.media
            .conversations()
            .iter()
            .all(|(_, m)| m.hold_prompt != Some(tune())),
        "no mixer took the late hold_voice"
    );
}
