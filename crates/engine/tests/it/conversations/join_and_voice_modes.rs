//! join, setVoiceIoMode, resume and lsm (SPEC §5): a supervisor joins listening, an agent
//! is active (mode ≠ 4) in at most one conversation — making it active in one holds it in
//! the others — resume takes 1–3 only, and lsm names members by agent name or call id.

use sb_acd::conversation::{MemberId, Mode};
use switchboard_engine::conversation::{ConversationError, Operation};

use super::support::*;
use crate::calls::net::{Net, Phone};

fn join(
    user: &str,
    conversation: &sb_acd::conversation::ConversationId,
    m: Option<i64>,
) -> Operation {
    Operation::Join {
        agent: agent(user),
        conversation: conversation.clone(),
        mode: Mode::for_join(m).unwrap(),
    }
}

#[test]
fn a_supervisor_joins_listening_after_its_phone_answers() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let created = run(
        &mut net,
        join("1003", &call.conversation, Some(3)),
        Some("1003"),
    )
    .unwrap();
    assert_eq!(
        created.conversation_id.as_deref(),
        Some(call.conversation.0.as_str())
    );
    assert_eq!(
        modes(&net, &call.conversation).len(),
        2,
        "not in before it answers"
    );
    phone_answers(&mut net, "1003");
    let sup = members_call(&net, &call.conversation, &agent_member("1003"));
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1003")),
        Some(mode(3))
    );
    assert!(net.media.hears(leg(&net, &sup), leg(&net, &call.customer)));
    assert!(net
        .media
        .hears(leg(&net, &sup), leg(&net, &call.agent_call)));
    assert!(!net.media.hears(leg(&net, &call.customer), leg(&net, &sup)));
    let twice = run(
        &mut net,
        join("1003", &call.conversation, None),
        Some("1003"),
    );
    assert!(
        matches!(&twice, Err(ConversationError::AlreadyMember { member, .. }) if member == "a1003"),
        "{twice:?}"
    );
}

#[test]
fn join_with_mode_0_means_both_ways() {
    assert_eq!(Mode::for_join(Some(0)).unwrap(), Mode::BOTH);
    assert_eq!(Mode::for_join(None).unwrap(), Mode::BOTH);
    assert!(Mode::for_join(Some(5)).is_err());
}

#[test]
fn an_agent_is_active_in_one_conversation_at_most() {
    let mut net = Net::new();
    let first = connected_callout(&mut net);
    // A second conversation of the same agent, in the foreground: the first is held.
    let second = run(
        &mut net,
        Operation::Callout {
            agent: agent("1002"),
            dial: dial("5552222"),
            background: false,
        },
        Some("1002"),
    )
    .unwrap();
    let second = cid(second.conversation_id.as_deref().unwrap());
    trunk_answers(&mut net, &Phone::trunk());
    assert_eq!(
        mode_of(&net, &first.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    assert_eq!(
        mode_of(&net, &second, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    let one_leg = leg(&net, &first.agent_call);
    assert!(!net.media.hears(one_leg, leg(&net, &first.customer)));

    // Each of resume, setVoiceIoMode and lsm moves the one active conversation.
    let resume = Operation::Resume {
        agent: agent("1002"),
        conversation: first.conversation.clone(),
        mode: Mode::for_resume(Some(2)).unwrap(),
    };
    run(&mut net, resume, None).unwrap();
    assert_eq!(
        mode_of(&net, &first.conversation, &agent_member("1002")),
        Some(mode(2))
    );
    assert_eq!(
        mode_of(&net, &second, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    let set = Operation::SetVoiceIoMode {
        agent: agent("1002"),
        conversation: second.clone(),
        mode: mode(3),
    };
    run(&mut net, set, None).unwrap();
    assert_eq!(
        mode_of(&net, &first.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    let lsm = Operation::Lsm {
        conversation: first.conversation.clone(),
        member: "a1002".into(),
        mode: Mode::BOTH,
    };
    run(&mut net, lsm, None).unwrap();
    assert_eq!(
        mode_of(&net, &first.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    assert_eq!(
        mode_of(&net, &second, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    assert!(net.media.hears(one_leg, leg(&net, &first.customer)));

    // Holding the active one leaves it active nowhere; that is allowed.
    let pause = Operation::Pause {
        agent: agent("1002"),
        conversation: first.conversation.clone(),
    };
    run(&mut net, pause, None).unwrap();
    assert_eq!(
        mode_of(&net, &first.conversation, &agent_member("1002")),
        Some(Mode::HOLD)
    );
    assert_eq!(
        mode_of(&net, &second, &agent_member("1002")),
        Some(Mode::HOLD)
    );
}

#[test]
fn resume_takes_1_to_3_only() {
    assert!(matches!(
        Mode::for_resume(Some(4)),
        Err(sb_acd::conversation::ConversationError::BadMode { found: 4, .. })
    ));
    assert!(Mode::for_resume(Some(0)).is_err());
    assert_eq!(Mode::for_resume(None).unwrap(), Mode::BOTH);
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    // Whoever builds the operation by hand still cannot resume into hold.
    let resume = Operation::Resume {
        agent: agent("1002"),
        conversation: call.conversation.clone(),
        mode: Mode::HOLD,
    };
    let refused = run(&mut net, resume, None);
    assert!(
        matches!(refused, Err(ConversationError::Rules(_))),
        "{refused:?}"
    );
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1002")),
        Some(Mode::BOTH)
    );
}

#[test]
fn lsm_names_an_outside_member_by_call_id() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let lsm = Operation::Lsm {
        conversation: call.conversation.clone(),
        member: call.customer.0.clone(),
        mode: mode(2),
    };
    run(&mut net, lsm, None).unwrap();
    assert_eq!(
        mode_of(
            &net,
            &call.conversation,
            &MemberId::Call(call.customer.0.clone())
        ),
        Some(mode(2))
    );
    assert!(net
        .media
        .hears(leg(&net, &call.agent_call), leg(&net, &call.customer)));
    assert!(!net
        .media
        .hears(leg(&net, &call.customer), leg(&net, &call.agent_call)));
    for member in ["a1003", "no such call!"] {
        let lsm = Operation::Lsm {
            conversation: call.conversation.clone(),
            member: member.into(),
            mode: mode(1),
        };
        let refused = run(&mut net, lsm, None);
        assert!(
            matches!(&refused, Err(ConversationError::NotMember { member: m, .. }) if m == member),
            "{refused:?}"
        );
    }
}

#[test]
fn modes_of_a_stranger_or_an_unknown_conversation_are_refused() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    let set = Operation::SetVoiceIoMode {
        agent: agent("1003"),
        conversation: call.conversation.clone(),
        mode: mode(1),
    };
    assert!(matches!(
        run(&mut net, set, None),
        Err(ConversationError::NotMember { .. })
    ));
    let pause = Operation::Pause {
        agent: agent("1002"),
        conversation: cid("0000"),
    };
    assert!(matches!(
        run(&mut net, pause, None),
        Err(ConversationError::UnknownConversation { .. })
    ));
}

#[test]
fn joining_twice_while_the_phone_rings_is_refused() {
    let mut net = Net::new();
    let call = connected_callout(&mut net);
    run(
        &mut net,
        join("1003", &call.conversation, Some(3)),
        Some("1003"),
    )
    .unwrap();
    let twice = run(
        &mut net,
        join("1003", &call.conversation, Some(1)),
        Some("1003"),
    );
    assert!(
        matches!(&twice, Err(ConversationError::AlreadyMember { member, .. }) if member == "a1003"),
        "{twice:?}"
    );
    phone_answers(&mut net, "1003");
    assert_eq!(
        mode_of(&net, &call.conversation, &agent_member("1003")),
        Some(mode(3)),
        "the first join's mode"
    );
    net.quiet(Phone::new("1003").addr);
}
