//! What the conversation scenarios share: agents a1002 and a1003 on extensions 1002 and
//! 1003, operations run as the endpoint task runs them, the hub's part of a task played by
//! hand, and views of members, modes and legs.

use std::collections::HashMap;

use sb_acd::agent::{AgentName, AgentState};
use sb_acd::conversation::{ConversationId, MemberId, Mode};
use sb_acd::enqueue::Enqueue;
use sb_acd::skill::SkillInterner;
use sb_mediaworker::LegId;
use sb_sip::message::Request;
use switchboard_engine::acd::{AgentCallId, FailCause, TaskId, TaskUpdate};
use switchboard_engine::conversation::{
    ConversationError, Created, Dial, Operation, Out, TaskTicket, Terms, TicketNews,
};
use switchboard_engine::ivr::{EnqueueOutcome, IvrMessage};
use switchboard_engine::CallId;

use crate::calls::net::{cc, extension, sdp, Net, Phone};

/// The agent on extension `user` ("1002" → a1002).
pub fn agent(user: &str) -> AgentName {
    AgentName::new(&format!("a{user}")).unwrap()
}

/// The agent as a member.
pub fn agent_member(user: &str) -> MemberId {
    MemberId::Agent(agent(user))
}

/// A conversation id.
pub fn cid(id: &str) -> ConversationId {
    ConversationId(id.into())
}

/// A number of the trunk's pattern.
pub fn dial(to: &str) -> Dial {
    Dial {
        to: to.into(),
        from: None,
        max_dial_seconds: Some(30),
        max_answer_seconds: 600,
    }
}

/// An `<enqueue>` that selects agent a1003, which goes `busy/after_call` afterwards.
pub fn enqueue() -> Enqueue {
    enqueue_with("")
}

/// As [`enqueue`], with more attributes.
pub fn enqueue_with(attributes: &str) -> Enqueue {
    let xml = format!(
        r#"<enqueue reserve_state="busy/after_call" {attributes}><route><agent name="a1003"/></route></enqueue>"#
    );
    sb_acd::enqueue::parse(&xml, &HashMap::new(), &mut SkillInterner::default()).unwrap()
}

/// The state agents found by [`enqueue`] go back to.
pub fn after_call() -> AgentState {
    "busy/after_call".parse().unwrap()
}

/// Runs an operation with no task, as agent `user` when given.
pub fn run(net: &mut Net, op: Operation, user: Option<&str>) -> Result<Created, ConversationError> {
    let who = user.map(|u| (agent(u), extension(u).unwrap()));
    net.conv_step(|c, ctx| c.run(ctx, &cc(), op, who))
}

/// Runs a task operation up to its task, as agent `user` when given.
pub fn run_task(
    net: &mut Net,
    op: Operation,
    user: Option<&str>,
) -> Result<TaskTicket, ConversationError> {
    run_task_with(net, op, user, &enqueue())
}

/// As [`run_task`], with this `<enqueue>`.
pub fn run_task_with(
    net: &mut Net,
    op: Operation,
    user: Option<&str>,
    enqueue: &Enqueue,
) -> Result<TaskTicket, ConversationError> {
    let who = user.map(|u| (agent(u), extension(u).unwrap()));
    net.conv_step(|c, ctx| c.run_task(ctx, &cc(), op, who, enqueue))
}

/// The hub took the ticket's task as `task`.
pub fn task_created(net: &mut Net, ticket: &TaskTicket, task: u128) {
    net.conv_step(|c, ctx| c.on_ticket(ctx, ticket, TicketNews::Created(TaskId(task))));
}

/// The ticket's task found agent a`user`: its phone is rung as `call` and answers.
pub fn task_found(
    net: &mut Net,
    ticket: &TaskTicket,
    task: u128,
    user: &str,
    call: &str,
) -> CallId {
    let call = net.answered_agent_call(user, call);
    let update = TaskUpdate::Succeeded {
        task: TaskId(task),
        agent: agent(user),
        extension: extension(user).unwrap().id,
        call: AgentCallId(call.0.clone()),
    };
    net.conv_step(|c, ctx| c.on_ticket(ctx, ticket, TicketNews::Update(update)));
    call
}

/// The ticket's task failed with `cause`.
pub fn task_failed(net: &mut Net, ticket: &TaskTicket, task: u128, cause: FailCause) {
    let update = TaskUpdate::Failed {
        task: TaskId(task),
        cause,
        data: None,
    };
    net.conv_step(|c, ctx| c.on_ticket(ctx, ticket, TicketNews::Update(update)));
}

/// Current members of a running conversation with their modes, in joining order.
pub fn modes(net: &Net, conversation: &ConversationId) -> Vec<(MemberId, Mode)> {
    net.conv
        .running_members()
        .into_iter()
        .find(|(id, _)| id == conversation)
        .map(|(_, members)| members.into_iter().map(|(m, _, mode)| (m, mode)).collect())
        .unwrap_or_default()
}

/// A member's mode in a running conversation.
pub fn mode_of(net: &Net, conversation: &ConversationId, member: &MemberId) -> Option<Mode> {
    modes(net, conversation)
        .into_iter()
        .find(|(m, _)| m == member)
        .map(|(_, mode)| mode)
}

/// Whether the conversation runs.
pub fn running(net: &Net, conversation: &ConversationId) -> bool {
    net.conv
        .running_members()
        .iter()
        .any(|(id, _)| id == conversation)
}

/// A call's media leg (it must be answered).
pub fn leg(net: &Net, call: &CallId) -> LegId {
    net.core.answered_media(call).expect("an answered call")
}

/// Mode `n`.
pub fn mode(n: i64) -> Mode {
    Mode::new(n).unwrap()
}

/// The trunk answers the next call the switch places through it.
pub fn trunk_answers(net: &mut Net, trunk: &Phone) -> Request {
    let out = net.request(trunk.addr, "INVITE");
    trunk.reply(net, &out, 200, Some(sdp(trunk.rtp(), "sendrecv")));
    net.request(trunk.addr, "ACK");
    out
}

/// The next call the switch places through the trunk rings there (180); returns its
/// INVITE for [`trunk_answers_rung`].
pub fn trunk_rings(net: &mut Net, trunk: &Phone) -> Request {
    let out = net.request(trunk.addr, "INVITE");
    trunk.reply(net, &out, 180, None);
    out
}

/// The trunk answers a call that rang ([`trunk_rings`]).
pub fn trunk_answers_rung(net: &mut Net, trunk: &Phone, out: &Request) {
    trunk.reply(net, out, 200, Some(sdp(trunk.rtp(), "sendrecv")));
    net.request(trunk.addr, "ACK");
}

/// The trunk refuses the next call the switch places through it.
pub fn trunk_refuses(net: &mut Net, trunk: &Phone, status: u16) -> Request {
    let out = net.request(trunk.addr, "INVITE");
    trunk.reply(net, &out, status, None);
    net.request(trunk.addr, "ACK");
    out
}

/// Phone `user` answers the engine's ring.
pub fn phone_answers(net: &mut Net, user: &str) -> (Phone, Request) {
    let phone = Phone::new(user);
    let ring = net.request(phone.addr, "INVITE");
    phone.reply(net, &ring, 200, Some(sdp(phone.rtp(), "sendrecv")));
    net.request(phone.addr, "ACK");
    (phone, ring)
}

/// The callee of a dialog the switch opened hangs up and the switch confirms.
pub fn hangs_up(net: &mut Net, phone: &mut Phone, invite: &Request) {
    phone.request_to_switch(net, invite, "BYE");
    net.response(phone.addr, 200);
}

/// The switch hangs a callee up: BYE, answered.
pub fn hung_up(net: &mut Net, phone: &Phone) {
    let bye = net.request(phone.addr, "BYE");
    phone.reply(net, &bye, 200, None);
}

/// A connected callout of agent a1002 to 5551234.
pub struct Callout {
    pub conversation: ConversationId,
    pub customer: CallId,
    pub agent_call: CallId,
    pub phone: Phone,
    pub phone_invite: Request,
    pub trunk: Phone,
    pub trunk_invite: Request,
}

/// Agent a1002 calls 5551234 out in the foreground; its phone and the trunk answer.
pub fn connected_callout(net: &mut Net) -> Callout {
    let op = Operation::Callout {
        agent: agent("1002"),
        dial: dial("5551234"),
        background: false,
    };
    let created = run(net, op, Some("1002")).unwrap();
    let (phone, phone_invite) = phone_answers(net, "1002");
    let trunk = Phone::trunk();
    let trunk_invite = trunk_answers(net, &trunk);
    let conversation = cid(&created.conversation_id.unwrap());
    let customer = CallId(created.call_id.unwrap());
    let agent_call = members_call(net, &conversation, &agent_member("1002"));
    Callout {
        conversation,
        customer,
        agent_call,
        phone,
        phone_invite,
        trunk,
        trunk_invite,
    }
}

/// A member's call in a running conversation.
pub fn members_call(net: &Net, conversation: &ConversationId, member: &MemberId) -> CallId {
    net.conv
        .running_members()
        .into_iter()
        .find(|(id, _)| id == conversation)
        .and_then(|(_, ms)| ms.into_iter().find(|(m, _, _)| m == member))
        .map(|(_, call, _)| call)
        .expect("a current member")
}

/// A queue conversation: an IVR caller on the trunk and agent a`user`, as an IVR
/// `<enqueue>` makes it. Returns it, the caller's call and the agent's.
pub fn queue_conversation(
    net: &mut Net,
    trunk: &mut Phone,
    user: &str,
) -> (ConversationId, CallId, CallId) {
    queue_conversation_on(net, trunk, user, &Terms::default())
}

/// As [`queue_conversation`], on what the `<enqueue>` says (`terms`).
pub fn queue_conversation_on(
    net: &mut Net,
    trunk: &mut Phone,
    user: &str,
    terms: &Terms,
) -> (ConversationId, CallId, CallId) {
    let caller = net.ivr_caller(trunk);
    let agent_call = net.answered_agent_call(user, &format!("agent-{user}-{}", caller.0));
    let ext = extension(user).unwrap().id;
    let conversation = net
        .conv_step(|c, ctx| {
            c.queue_answered(
                ctx,
                &cc(),
                &caller,
                &agent(user),
                ext,
                &agent_call,
                &TaskId(77),
                terms,
            )
        })
        .expect("both calls are up");
    (conversation, caller, agent_call)
}

/// The `<enqueue>` outcome the conversations handed to `call`'s IVR, if any.
pub fn ivr_outcome(net: &Net, call: &CallId) -> Option<EnqueueOutcome> {
    net.conv.out.iter().find_map(|o| match o {
        Out::TellIvr(c, IvrMessage::EnqueueEnded(outcome)) if c == call => Some(outcome.clone()),
        _ => None,
    })
}

/// Whether the queue link was told that `call`'s conversation is over.
pub fn queue_told_done(net: &Net, call: &CallId) -> bool {
    net.conv
        .out
        .iter()
        .any(|o| matches!(o, Out::QueueCallerDone(c) if c == call))
}
