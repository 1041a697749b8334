//! Whoever waits while an operation's queue task looks for an agent hears the
//! `<enqueue>`'s `wait_voice` once it is resolved, in place of the built-in music (SPEC §6,
//! §8): the caller of a callagent, and the party of an xferAgent.

use sb_media::player::Prompt;
use switchboard_engine::conversation::{Operation, TicketNews};

use super::support::*;
use crate::calls::net::{Heard, Net, Phone};

fn tune() -> Prompt {
    Prompt::from_samples(
        (0..800)
            .map(|i| ((i % 20) * 700) as i16)
            .collect::<Vec<_>>(),
    )
}

#[test]
fn the_callagent_caller_hears_the_wait_voice() {
    let mut net = Net::new();
    let op = Operation::CallAgent {
        agent: agent("1002"),
        enqueue: String::new(),
        background: false,
    };
    let ticket = run_task(&mut net, op, Some("1002")).unwrap();
    let conversation = cid(ticket.created.conversation_id.as_deref().unwrap());
    task_created(&mut net, &ticket, 1);
    phone_answers(&mut net, "1002");
    let caller = leg(
        &net,
        &members_call(&net, &conversation, &agent_member("1002")),
    );
    assert_eq!(
        net.plays.looping(caller),
        vec![sb_media::builtin::hold_music()]
    );

    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::WaitVoice(tune())));
    assert_eq!(
        net.plays.looping(caller),
        vec![tune()],
        "one prompt, the document's"
    );
    assert_eq!(net.plays.playing(caller), vec![Heard::Looped]);

    task_found(&mut net, &ticket, 1, "1003", "found-1003");
    assert!(
        net.plays.playing(caller).is_empty(),
        "it stops when the agent answers"
    );
}

#[test]
fn the_released_party_of_an_xfer_agent_hears_the_wait_voice() {
    let mut net = Net::for_conversations(0);
    let mut trunk = Phone::trunk();
    let (old, caller, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let xfer = Operation::XferAgent {
        agent: agent("1002"),
        conversation: old.clone(),
        queue: String::new(),
        release: true,
    };
    let ticket = run_task(&mut net, xfer, Some("1002")).unwrap();
    hung_up(&mut net, &Phone::new("1002"));
    let party = leg(&net, &caller);
    assert_eq!(
        net.plays.looping(party),
        vec![sb_media::builtin::hold_music()]
    );
    net.conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::WaitVoice(tune())));
    assert_eq!(net.plays.looping(party), vec![tune()]);
}
