//! An agent's extension rings for two conversations at once (a callagent whose task has
//! failed meanwhile, and a callout): when it answers, the one with nobody to talk to ends,
//! and the agent's connection stays up for the other.

use sb_acd::conversation::Mode;
use switchboard_engine::acd::FailCause;
use switchboard_engine::conversation::Operation;

use super::support::*;
use crate::calls::net::{Net, Phone};

#[test]
fn the_conversation_that_ends_does_not_hang_up_the_other() {
    let mut net = Net::new();
    let callagent = Operation::CallAgent {
        agent: agent("1002"),
        enqueue: String::new(),
        background: false,
    };
    let ticket = run_task(&mut net, callagent, Some("1002")).unwrap();
    let first = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    let callout = Operation::Callout {
        agent: agent("1002"),
        dial: dial("5551234"),
        background: false,
    };
    let second = cid(&run(&mut net, callout, Some("1002"))
        .unwrap()
        .conversation_id
        .unwrap());
    task_failed(&mut net, &ticket, 1, FailCause::Timeout);
    let (phone, _) = phone_answers(&mut net, "1002");
    assert!(!running(&net, &first), "nobody to talk to");
    net.quiet(phone.addr);
    let agent_call = members_call(&net, &second, &agent_member("1002"));
    assert!(net.core.answered_media(&agent_call).is_some());
    assert_eq!(
        mode_of(&net, &second, &agent_member("1002")),
        Some(Mode::BOTH)
    );
    trunk_answers(&mut net, &Phone::trunk());
    assert_eq!(modes(&net, &second).len(), 2);
}
