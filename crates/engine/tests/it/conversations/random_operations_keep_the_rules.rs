//! Random sequences of operations, phone answers, refusals and hang-ups, task outcomes and
//! passing time, driven through the harness. After every step: each current member of a
//! running conversation is there once (one mode) with a call that is up, each agent is active (mode ≠ 4) in at
//! most one conversation, and what the modes say is heard is heard in the mixers. At the
//! end, once every conversation is dissolved and every task and ring has an outcome, the
//! conversations hold no call, the only legs left are IVR callers handed back, and every
//! conversation's record ends completed and is not written again.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use sb_acd::conversation::{ConversationId, MemberId, Mode};
use sb_sip::message::{Message, Request, SipHeaders};
use switchboard_engine::acd::{AgentCallId, FailCause, TaskId, TaskUpdate};
use switchboard_engine::conversation::{ConversationError, Operation, Out, TaskTicket, TicketNews};
use switchboard_engine::CallId;

use super::support::*;
use crate::calls::net::{cc, extension, sdp, Net, Phone};

const USERS: [&str; 3] = ["1001", "1002", "1003"];

#[derive(Debug, Clone)]
enum Act {
    Callout(usize, bool),
    CallAgent(usize, bool),
    InviteOut(usize, Option<usize>, bool, u8),
    InviteAgent(usize, Option<usize>, bool, u8),
    XferOut(usize, usize, bool),
    XferAgent(usize, usize, bool),
    Pause(usize, usize),
    Resume(usize, usize, u8),
    SetMode(usize, usize, u8),
    Join(usize, usize, u8),
    Depart(usize, usize),
    Dissolve(usize),
    LsmAgent(usize, usize, u8),
    LsmCall(usize, usize, u8),
    Answer(usize),
    Refuse(usize),
    HangUp(usize),
    TaskFound(usize, usize),
    TaskFailed(usize),
    Advance(u64),
    QueueCall(usize),
    IvrHangUp(usize),
}

fn act() -> impl Strategy<Value = Act> {
    let u = 0..USERS.len();
    let c = 0..8usize;
    let i = 0..8usize;
    prop_oneof![
        3 => (u.clone(), any::<bool>()).prop_map(|(u, b)| Act::Callout(u, b)),
        2 => (u.clone(), any::<bool>()).prop_map(|(u, b)| Act::CallAgent(u, b)),
        1 => (c.clone(), proptest::option::of(u.clone()), any::<bool>(), 1..=4u8)
            .prop_map(|(c, u, b, m)| Act::InviteOut(c, u, b, m)),
        1 => (c.clone(), proptest::option::of(u.clone()), any::<bool>(), 1..=4u8)
            .prop_map(|(c, u, b, m)| Act::InviteAgent(c, u, b, m)),
        1 => (u.clone(), c.clone(), any::<bool>()).prop_map(|(u, c, r)| Act::XferOut(u, c, r)),
        1 => (u.clone(), c.clone(), any::<bool>()).prop_map(|(u, c, r)| Act::XferAgent(u, c, r)),
        1 => (u.clone(), c.clone()).prop_map(|(u, c)| Act::Pause(u, c)),
        1 => (u.clone(), c.clone(), 1..=3u8).prop_map(|(u, c, m)| Act::Resume(u, c, m)),
        1 => (u.clone(), c.clone(), 1..=4u8).prop_map(|(u, c, m)| Act::SetMode(u, c, m)),
        1 => (u.clone(), c.clone(), 1..=4u8).prop_map(|(u, c, m)| Act::Join(u, c, m)),
        1 => (u.clone(), c.clone()).prop_map(|(u, c)| Act::Depart(u, c)),
        1 => c.clone().prop_map(Act::Dissolve),
        1 => (u.clone(), c.clone(), 1..=4u8).prop_map(|(u, c, m)| Act::LsmAgent(u, c, m)),
        1 => (c.clone(), i.clone(), 1..=4u8).prop_map(|(c, i, m)| Act::LsmCall(c, i, m)),
        5 => i.clone().prop_map(Act::Answer),
        1 => i.clone().prop_map(Act::Refuse),
        1 => i.clone().prop_map(Act::HangUp),
        3 => (i.clone(), u.clone()).prop_map(|(i, u)| Act::TaskFound(i, u)),
        1 => i.clone().prop_map(Act::TaskFailed),
        1 => prop_oneof![Just(1u64), Just(5), Just(31), Just(61)].prop_map(Act::Advance),
        1 => u.clone().prop_map(Act::QueueCall),
        1 => i.clone().prop_map(Act::IvrHangUp),
    ]
}

/// The world around the link: rings waiting for an answer, answered dialogs the far end
/// may hang up, tasks waiting for the hub's verdict, conversations seen.
struct World {
    net: Net,
    ringing: Vec<(SocketAddr, Request)>,
    answered: Vec<(SocketAddr, Request)>,
    tickets: Vec<(TaskTicket, u128)>,
    conversations: Vec<ConversationId>,
    next_task: u128,
    next_call: u64,
    ivr_callers: HashSet<CallId>,
    /// IVR callers' phones (on the trunk), to hang up from.
    ivr_phones: Vec<(Phone, CallId)>,
}

fn phone_at(addr: SocketAddr) -> Phone {
    USERS
        .iter()
        .map(|u| Phone::new(u))
        .find(|p| p.addr == addr)
        .unwrap_or_else(Phone::trunk)
}

impl World {
    fn new() -> World {
        let mut net = Net::for_conversations(0);
        net.register_also("1001", Phone::new("1001").addr);
        let mut world = World {
            net,
            ringing: Vec::new(),
            answered: Vec::new(),
            tickets: Vec::new(),
            conversations: Vec::new(),
            next_task: 1,
            next_call: 1,
            ivr_callers: HashSet::new(),
            ivr_phones: Vec::new(),
        };
        world.queue_call(1);
        world
    }

    /// A caller on the DID reaches agent `u` through its IVR's `<enqueue>`.
    fn queue_call(&mut self, u: usize) {
        if !self.idle(USERS[u]) {
            return;
        }
        self.pump();
        let n = self.ivr_phones.len();
        let mut phone = Phone::trunk();
        phone.user = format!("caller{n}");
        phone.call_id = format!("ivr-{n}@test");
        phone.tag = format!("ivr{n}");
        let (conversation, caller, _) = queue_conversation(&mut self.net, &mut phone, USERS[u]);
        self.conversations.push(conversation);
        self.ivr_callers.insert(caller.clone());
        self.ivr_phones.push((phone, caller));
    }

    /// An IVR caller hangs up (in or out of a conversation).
    fn ivr_hang_up(&mut self, i: usize) {
        let up: Vec<usize> = (0..self.ivr_phones.len())
            .filter(|k| {
                self.net
                    .core
                    .answered_media(&self.ivr_phones[*k].1)
                    .is_some()
            })
            .collect();
        if up.is_empty() {
            return;
        }
        let k = up[i % up.len()];
        self.pump();
        let (phone, _) = &mut self.ivr_phones[k];
        phone.in_dialog(&mut self.net, "BYE", None);
    }

    fn addrs() -> Vec<SocketAddr> {
        let mut v: Vec<SocketAddr> = USERS.iter().map(|u| Phone::new(u).addr).collect();
        v.push(Phone::trunk().addr);
        v
    }

    /// Answers what the switch sent until it sends nothing more.
    fn pump(&mut self) {
        loop {
            let mut any = false;
            for addr in World::addrs() {
                for m in self.net.take(addr) {
                    any = true;
                    if let Message::Request(r) = m {
                        self.on_request(addr, r);
                    }
                }
            }
            if !any {
                return;
            }
        }
    }

    fn on_request(&mut self, addr: SocketAddr, r: Request) {
        let phone = phone_at(addr);
        let same = |a: &Request| a.call_id() == r.call_id();
        match r.method.as_str() {
            "INVITE" if r.headers.get("To").is_some_and(|t| t.contains("tag=")) => {
                phone.reply(&mut self.net, &r, 200, Some(sdp(phone.rtp(), "sendrecv")));
            }
            "INVITE" => {
                let dup = self.ringing.iter().any(|(_, a)| same(a))
                    || self.answered.iter().any(|(_, a)| same(a));
                if !dup {
                    phone.reply(&mut self.net, &r, 180, None);
                    self.ringing.push((addr, r));
                }
            }
            "ACK" => {}
            "CANCEL" => {
                phone.reply(&mut self.net, &r, 200, None);
                if let Some(i) = self.ringing.iter().position(|(_, a)| same(a)) {
                    let (_, invite) = self.ringing.remove(i);
                    phone.reply(&mut self.net, &invite, 487, None);
                }
            }
            "BYE" => {
                phone.reply(&mut self.net, &r, 200, None);
                self.answered.retain(|(_, a)| !same(a));
            }
            _ => phone.reply(&mut self.net, &r, 200, None),
        }
    }

    fn conversation(&self, i: usize) -> ConversationId {
        self.conversations[i % self.conversations.len()].clone()
    }

    fn op(&mut self, op: Operation, user: Option<usize>) {
        let who = user.map(|u| (agent(USERS[u]), extension(USERS[u]).unwrap()));
        let result = self.net.conv_step(|c, ctx| c.run(ctx, &cc(), op, who));
        self.saw(&result.as_ref().ok().and_then(|c| c.conversation_id.clone()));
        assert!(
            !matches!(result, Err(ConversationError::Stopped)),
            "{result:?}"
        );
    }

    fn task_op(&mut self, op: Operation, user: Option<usize>) {
        match run_task(&mut self.net, op, user.map(|u| USERS[u])) {
            Ok(ticket) => {
                self.saw(&ticket.created.conversation_id);
                let task = self.next_task;
                self.next_task += 1;
                self.net.conv_step(|c, ctx| {
                    c.on_ticket(ctx, &ticket, TicketNews::Created(TaskId(task)))
                });
                self.tickets.push((ticket, task));
            }
            Err(e) => assert!(!matches!(e, ConversationError::Stopped), "{e:?}"),
        }
    }

    fn saw(&mut self, id: &Option<String>) {
        if let Some(id) = id {
            let id = cid(id);
            if !self.conversations.contains(&id) {
                self.conversations.push(id);
            }
        }
    }

    /// Whether the hub could offer a task to `user`: logged in with no connection.
    fn idle(&self, user: &str) -> bool {
        self.net.conv.agent_calls(&cc(), &agent(user)).is_none()
    }

    fn task_found(&mut self, i: usize, u: usize) {
        if self.tickets.is_empty() || !self.idle(USERS[u]) {
            return;
        }
        let (ticket, task) = self.tickets.remove(i % self.tickets.len());
        let addr = Phone::new(USERS[u]).addr;
        let call = CallId(format!("found-{}", self.next_call));
        self.next_call += 1;
        let ext = extension(USERS[u]).unwrap();
        let (now, ms) = (self.net.clock.now(), self.net.clock.unix_ms());
        self.net
            .core
            .originate_to_extension(now, ms, call.clone(), &ext, "callcenter");
        self.net.flush_now();
        self.pump();
        let Some(k) = self.ringing.iter().rposition(|(a, _)| *a == addr) else {
            return;
        };
        self.answer(k);
        let update = TaskUpdate::Succeeded {
            task: TaskId(task),
            agent: agent(USERS[u]),
            extension: ext.id,
            call: AgentCallId(call.0),
        };
        self.net
            .conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::Update(update)));
    }

    fn task_failed(&mut self, i: usize) {
        if self.tickets.is_empty() {
            return;
        }
        let (ticket, task) = self.tickets.remove(i % self.tickets.len());
        let update = TaskUpdate::Failed {
            task: TaskId(task),
            cause: FailCause::Timeout,
            data: None,
        };
        self.net
            .conv_step(|c, ctx| c.on_ticket(ctx, &ticket, TicketNews::Update(update)));
    }

    fn answer(&mut self, i: usize) {
        if self.ringing.is_empty() {
            return;
        }
        let (addr, invite) = self.ringing.remove(i % self.ringing.len());
        let phone = phone_at(addr);
        phone.reply(
            &mut self.net,
            &invite,
            200,
            Some(sdp(phone.rtp(), "sendrecv")),
        );
        self.answered.push((addr, invite));
    }

    fn refuse(&mut self, i: usize) {
        if self.ringing.is_empty() {
            return;
        }
        let (addr, invite) = self.ringing.remove(i % self.ringing.len());
        phone_at(addr).reply(&mut self.net, &invite, 486, None);
    }

    fn hang_up(&mut self, i: usize) {
        if self.answered.is_empty() {
            return;
        }
        let (addr, invite) = self.answered.remove(i % self.answered.len());
        phone_at(addr).request_to_switch(&mut self.net, &invite, "BYE");
    }

    fn step(&mut self, a: Act) {
        let m = |n: u8| Mode::new(i64::from(n)).unwrap();
        match a {
            Act::Callout(u, background) => self.op(
                Operation::Callout {
                    agent: agent(USERS[u]),
                    dial: dial("5551234"),
                    background,
                },
                Some(u),
            ),
            Act::CallAgent(u, background) => self.task_op(
                Operation::CallAgent {
                    agent: agent(USERS[u]),
                    enqueue: String::new(),
                    background,
                },
                Some(u),
            ),
            Act::InviteOut(c, u, background, n) => self.op(
                Operation::InviteOut {
                    agent: u.map(|u| agent(USERS[u])),
                    conversation: self.conversation(c),
                    dial: dial("5559999"),
                    background,
                    mode: m(n),
                },
                u,
            ),
            Act::InviteAgent(c, u, background, n) => self.task_op(
                Operation::InviteAgent {
                    agent: u.map(|u| agent(USERS[u])),
                    conversation: self.conversation(c),
                    enqueue: String::new(),
                    background,
                    mode: m(n),
                },
                u,
            ),
            Act::XferOut(u, c, release) => self.op(
                Operation::XferOut {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                    dial: dial("5550001"),
                    release,
                },
                Some(u),
            ),
            Act::XferAgent(u, c, release) => self.task_op(
                Operation::XferAgent {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                    queue: String::new(),
                    release,
                },
                Some(u),
            ),
            Act::Pause(u, c) => self.op(
                Operation::Pause {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                },
                None,
            ),
            Act::Resume(u, c, n) => self.op(
                Operation::Resume {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                    mode: m(n),
                },
                None,
            ),
            Act::SetMode(u, c, n) => self.op(
                Operation::SetVoiceIoMode {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                    mode: m(n),
                },
                None,
            ),
            Act::Join(u, c, n) => self.op(
                Operation::Join {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                    mode: m(n),
                },
                Some(u),
            ),
            Act::Depart(u, c) => self.op(
                Operation::Depart {
                    agent: agent(USERS[u]),
                    conversation: self.conversation(c),
                    data: Some("d".into()),
                },
                None,
            ),
            Act::Dissolve(c) => self.op(
                Operation::Dissolve {
                    conversation: self.conversation(c),
                },
                None,
            ),
            Act::LsmAgent(u, c, n) => self.op(
                Operation::Lsm {
                    conversation: self.conversation(c),
                    member: agent(USERS[u]).to_string(),
                    mode: m(n),
                },
                None,
            ),
            Act::LsmCall(c, i, n) => {
                let conversation = self.conversation(c);
                let calls: Vec<String> = self
                    .net
                    .conv
                    .running_members()
                    .into_iter()
                    .filter(|(id, _)| *id == conversation)
                    .flat_map(|(_, ms)| ms)
                    .filter_map(|(m, _, _)| match m {
                        MemberId::Call(c) => Some(c),
                        MemberId::Agent(_) => None,
                    })
                    .collect();
                let member = calls
                    .get(i % calls.len().max(1))
                    .cloned()
                    .unwrap_or_default();
                self.op(
                    Operation::Lsm {
                        conversation,
                        member,
                        mode: m(n),
                    },
                    None,
                );
            }
            Act::Answer(i) => self.answer(i),
            Act::Refuse(i) => self.refuse(i),
            Act::HangUp(i) => self.hang_up(i),
            Act::TaskFound(i, u) => self.task_found(i, u),
            Act::TaskFailed(i) => self.task_failed(i),
            Act::Advance(s) => self.net.advance(Duration::from_secs(s)),
            Act::QueueCall(u) => self.queue_call(u),
            Act::IvrHangUp(i) => self.ivr_hang_up(i),
        }
        self.pump();
    }

    /// The rules that hold after every step.
    fn check(&self) {
        let running = self.net.conv.running_members();
        let mut active: HashMap<MemberId, usize> = HashMap::new();
        for (id, members) in &running {
            let mut seen = HashSet::new();
            for (m, call, mode) in members {
                assert!(seen.insert(m.clone()), "{m:?} twice in {id}: {members:?}");
                assert!(
                    self.net.core.answered_media(call).is_some(),
                    "{m:?} is in {id} with call {call:?}, which is gone"
                );
                if matches!(m, MemberId::Agent(_)) && *mode != Mode::HOLD {
                    *active.entry(m.clone()).or_default() += 1;
                }
            }
            // What the modes say is heard is heard in the mixer.
            for (a, ca, ma) in members {
                for (b, cb, mb) in members {
                    let (Some(la), Some(lb)) = (
                        self.net.core.answered_media(ca),
                        self.net.core.answered_media(cb),
                    ) else {
                        continue;
                    };
                    if a != b && ma.hears() && matches!(mb.get(), 1 | 2) {
                        assert!(
                            self.net.media.hears(la, lb),
                            "{a:?} should hear {b:?} in {id}"
                        );
                    }
                }
            }
        }
        for (agent, n) in active {
            assert!(n <= 1, "{agent:?} active in {n} conversations: {running:?}");
        }
    }

    /// Nothing is on its way any more (every task and ring has an outcome): a running
    /// conversation has at least two members, an agent has a connection exactly when it
    /// is in a conversation, and that connection is its call there.
    fn settle(&mut self) {
        for _ in 0..8 {
            while !self.tickets.is_empty() {
                self.task_failed(0);
                self.pump();
            }
            while !self.ringing.is_empty() {
                self.refuse(0);
                self.pump();
            }
        }
        let running = self.net.conv.running_members();
        for (id, members) in &running {
            assert!(members.len() >= 2, "{id} runs with {members:?}");
        }
        for user in USERS {
            let me = agent_member(user);
            let calls: HashSet<CallId> = running
                .iter()
                .flat_map(|(_, ms)| ms.iter())
                .filter(|(m, _, _)| *m == me)
                .map(|(_, c, _)| c.clone())
                .collect();
            let connection = self.net.conv.agent_calls(&cc(), &agent(user));
            assert_eq!(
                calls,
                connection.into_iter().collect::<HashSet<_>>(),
                "{user}: its calls in conversations and its connection"
            );
        }
    }

    /// Everything gets an outcome: tasks fail, rings are refused, conversations dissolved.
    fn wind_down(&mut self) {
        self.settle();
        for _ in 0..8 {
            while !self.tickets.is_empty() {
                self.task_failed(0);
                self.pump();
            }
            while !self.ringing.is_empty() {
                self.refuse(0);
                self.pump();
            }
            for (id, _) in self.net.conv.running_members() {
                self.op(Operation::Dissolve { conversation: id }, None);
                self.pump();
            }
            self.net.advance(Duration::from_secs(40));
            self.pump();
        }
        assert!(self.net.conv.running_members().is_empty());
        assert!(
            self.net.conv.owned_calls().is_empty(),
            "calls held after every conversation ended: {:?}",
            self.net.conv.owned_calls()
        );
        let mut told: HashMap<&CallId, usize> = HashMap::new();
        for o in &self.net.conv.out {
            if let Out::TellIvr(c, _) = o {
                *told.entry(c).or_default() += 1;
            }
        }
        assert!(
            told.values().all(|n| *n == 1),
            "an IVR told twice: {told:?}"
        );
        let handed_back: HashSet<&CallId> = self
            .net
            .conv
            .out
            .iter()
            .filter_map(|o| match o {
                Out::TellIvr(c, _) => Some(c),
                _ => None,
            })
            .collect();
        let ivr_up = self
            .ivr_callers
            .iter()
            .filter(|c| handed_back.contains(c) && self.net.core.answered_media(c).is_some())
            .count();
        assert_eq!(
            self.net.core.call_legs(),
            ivr_up,
            "legs left besides the IVR callers handed back"
        );
        // Every conversation's record ends completed, with a reason and every member's
        // end, and nothing is written about it once it completed.
        let mut completed: HashSet<String> = HashSet::new();
        let mut last: HashMap<String, sb_store::ConversationRow> = HashMap::new();
        for row in self.net.rows().to_vec() {
            assert!(
                !completed.contains(&row.id),
                "{} changed after it completed",
                row.id
            );
            if row.state == "completed" {
                completed.insert(row.id.clone());
            }
            last.insert(row.id.clone(), row);
        }
        for (id, row) in &last {
            assert_eq!(row.state, "completed", "{id}");
            assert!(row.end_reason.is_some() && row.end_time.is_some(), "{id}");
            assert!(
                row.members.iter().all(|m| m.end_time.is_some()),
                "{id}: {row:?}"
            );
        }
        for caller in &self.ivr_callers {
            assert!(
                queue_told_done(&self.net, caller),
                "the queue link still counts {caller:?} as in a conversation"
            );
            if let Some(leg) = self.net.core.answered_media(caller) {
                assert!(
                    self.net.plays.playing(leg).is_empty(),
                    "an IVR caller handed back still hears a conversation's prompt"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_operations_keep_the_rules(acts in proptest::collection::vec(act(), 1..40)) {
        let mut world = World::new();
        world.check();
        for a in acts {
            world.step(a);
            world.check();
        }
        world.wind_down();
    }
}
