//! Router invariants under random operations (proptest), checked against a small model:
//! an agent is never offered two tasks at once; a freed agent takes the highest-priority,
//! then oldest, waiting task it fits; a wait overflows exactly at its `queue_timeout`; and no
//! task waits while an idle agent it fits exists.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use sb_testkit::FakeClock;
use switchboard_acd::routing::{FailCause, Input, Output, TaskId};

use crate::support::{name, Bench};

const AGENTS: usize = 6;
const SKILLS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
struct RouteSpec {
    skill: usize,
    priority: u8,
    queue_timeout: Option<u64>,
}

#[derive(Debug, Clone)]
enum Op {
    Enqueue {
        routes: Vec<RouteSpec>,
        fail_overflow: bool,
    },
    Idle(usize),
    Unavailable(usize),
    Answer(usize),
    Fail(usize),
    Cancel(usize),
    Advance(u64),
}

fn route_spec() -> impl Strategy<Value = RouteSpec> {
    (
        0..3usize,
        0..3u8,
        prop_oneof![Just(None), Just(Some(0)), (1..12u64).prop_map(Some)],
    )
        .prop_map(|(skill, priority, queue_timeout)| RouteSpec {
            skill,
            priority,
            queue_timeout,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (prop::collection::vec(route_spec(), 1..4), any::<bool>())
            .prop_map(|(routes, fail_overflow)| Op::Enqueue { routes, fail_overflow }),
        3 => (0..AGENTS).prop_map(Op::Idle),
        1 => (0..AGENTS).prop_map(Op::Unavailable),
        2 => (0..8usize).prop_map(Op::Answer),
        1 => (0..8usize).prop_map(Op::Fail),
        1 => (0..8usize).prop_map(Op::Cancel),
        2 => (1..15u64).prop_map(Op::Advance),
    ]
}

struct TaskModel {
    routes: Vec<RouteSpec>,
    route: usize,
    route_start: Instant,
    enqueued: Instant,
    seq: u64,
    ringing: Option<usize>,
    /// An agent was rung on the current route (its end is then a fetch result, not a wait).
    offered: bool,
}

struct Model {
    b: Bench,
    clock: FakeClock,
    skills: Vec<Vec<usize>>,
    available: Vec<bool>,
    ringing: HashMap<usize, u128>,
    tasks: BTreeMap<u128, TaskModel>,
    next: u128,
}

fn agent_index(n: &switchboard_acd::agent::AgentName) -> usize {
    n.as_str()[1..].parse().expect("agents are named gN")
}

impl Model {
    fn new(skills: Vec<Vec<usize>>) -> Self {
        let clock = FakeClock::new();
        let mut b = Bench::new();
        for (i, sk) in skills.iter().enumerate() {
            let pairs: Vec<(&str, i32)> = sk.iter().map(|s| (SKILLS[*s], 1)).collect();
            b.agent(clock.now(), &format!("g{i}"), &pairs, false);
        }
        Model {
            b,
            clock,
            available: vec![false; skills.len()],
            skills,
            ringing: HashMap::new(),
            tasks: BTreeMap::new(),
            next: 1,
        }
    }

    fn fits(&self, agent: usize, t: &TaskModel) -> bool {
        self.skills[agent].contains(&t.routes[t.route].skill)
    }

    fn routable(&self, agent: usize) -> bool {
        self.available[agent] && !self.ringing.contains_key(&agent)
    }

    /// The task a freed agent must take: highest priority, then oldest, that it fits.
    fn expected_for(&self, agent: usize) -> Option<u128> {
        self.tasks
            .iter()
            .filter(|(_, t)| t.ringing.is_none() && self.fits(agent, t))
            .min_by_key(|(_, t)| {
                (
                    std::cmp::Reverse(t.routes[t.route].priority),
                    t.enqueued,
                    t.seq,
                )
            })
            .map(|(id, _)| *id)
    }

    fn drain(&mut self) -> Vec<Output> {
        let outs = self.b.outputs();
        let now = self.clock.now();
        for o in &outs {
            match o {
                Output::Offer {
                    task, agent, route, ..
                } => {
                    let i = agent_index(agent);
                    assert!(
                        !self.ringing.contains_key(&i),
                        "agent {i} offered a second task"
                    );
                    assert!(self.available[i], "only idle agents are offered");
                    let t = self.tasks.get_mut(&task.0).expect("known task");
                    assert_eq!(t.route, *route);
                    assert!(t.ringing.is_none(), "task rings two agents");
                    t.ringing = Some(i);
                    t.offered = true;
                    self.ringing.insert(i, task.0);
                    self.available[i] = false;
                }
                Output::OfferTimedOut { task, .. } => self.end_ring(task.0),
                Output::Overflowed { task, from, to } => {
                    let t = self.tasks.get_mut(&task.0).expect("known task");
                    assert_eq!((t.route, t.route + 1), (*from, *to));
                    if !t.offered {
                        let qt = t.routes[t.route]
                            .queue_timeout
                            .expect("waits without limit never overflow");
                        assert_eq!(
                            now,
                            t.route_start + Duration::from_secs(qt),
                            "overflow exactly at queue_timeout"
                        );
                    }
                    t.route += 1;
                    t.route_start = now;
                    t.offered = false;
                }
                Output::TaskSucceeded { agent, .. } => {
                    self.available[agent_index(agent)] = false;
                    self.finish_task(o, now);
                }
                Output::TaskFailed { .. } => self.finish_task(o, now),
            }
        }
        outs
    }

    fn finish_task(&mut self, o: &Output, now: Instant) {
        match o {
            Output::TaskSucceeded { task, .. } | Output::TaskFailed { task, .. } => {
                self.end_ring(task.0);
                let t = self.tasks.remove(&task.0).expect("known task");
                if let Output::TaskFailed {
                    cause: FailCause::Timeout,
                    ..
                } = o
                {
                    if let Some(qt) = t.routes[t.route].queue_timeout.filter(|_| !t.offered) {
                        assert_eq!(now, t.route_start + Duration::from_secs(qt));
                    }
                }
            }
            _ => {}
        }
    }

    fn end_ring(&mut self, task: u128) {
        if let Some(t) = self.tasks.get_mut(&task) {
            if let Some(a) = t.ringing.take() {
                self.ringing.remove(&a);
            }
        }
    }

    fn nth_task(&self, n: usize, ringing: bool) -> Option<u128> {
        let ids: Vec<u128> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.ringing.is_some() == ringing)
            .map(|(id, _)| *id)
            .collect();
        (!ids.is_empty()).then(|| ids[n % ids.len()])
    }

    fn apply(&mut self, op: &Op) {
        let now = self.clock.now();
        match op {
            Op::Enqueue {
                routes,
                fail_overflow,
            } => {
                let xml: String = routes
                    .iter()
                    .map(|r| {
                        let qt = r
                            .queue_timeout
                            .map(|q| format!(" queue_timeout='{q}'"))
                            .unwrap_or_default();
                        format!(
                            "<route><skill name='{}' priority='{}' fetch_timeout='7'{qt}/></route>",
                            SKILLS[r.skill], r.priority
                        )
                    })
                    .collect();
                let id = self.next;
                self.next += 1;
                let seq = id as u64;
                let t = TaskModel {
                    routes: routes.clone(),
                    route: 0,
                    route_start: now,
                    enqueued: now,
                    seq,
                    ringing: None,
                    offered: false,
                };
                self.tasks.insert(id, t);
                self.b.task(
                    now,
                    id,
                    &format!("<enqueue fail_overflow='{fail_overflow}'>{xml}</enqueue>"),
                );
                self.drain();
            }
            Op::Idle(i) => {
                let freed = !self.available[*i] && !self.ringing.contains_key(i);
                let expected = if freed { self.expected_for(*i) } else { None };
                self.available[*i] = true;
                self.b.input(
                    now,
                    Input::AgentIdle {
                        name: name(&format!("g{i}")),
                    },
                );
                let outs = self.drain();
                if freed {
                    let got = outs.iter().find_map(|o| match o {
                        Output::Offer { task, .. } => Some(task.0),
                        _ => None,
                    });
                    assert_eq!(
                        got, expected,
                        "freed agent g{i} takes the best waiting task it fits"
                    );
                }
            }
            Op::Unavailable(i) => {
                self.available[*i] = false;
                self.b.input(
                    now,
                    Input::AgentUnavailable {
                        name: name(&format!("g{i}")),
                    },
                );
            }
            Op::Answer(n) | Op::Fail(n) => {
                let Some(task) = self.nth_task(*n, true) else {
                    return;
                };
                let input = if matches!(op, Op::Answer(_)) {
                    Input::OfferAnswered { task: TaskId(task) }
                } else {
                    Input::OfferFailed {
                        task: TaskId(task),
                        cause: FailCause::Reject,
                    }
                };
                self.end_ring(task);
                self.b.input(now, input);
                self.drain();
            }
            Op::Cancel(n) => {
                let Some(task) = self
                    .nth_task(*n, *n % 2 == 0)
                    .or_else(|| self.nth_task(*n, true))
                else {
                    return;
                };
                self.b.input(
                    now,
                    Input::Cancel {
                        task: TaskId(task),
                        cause: FailCause::Hangup,
                    },
                );
                self.drain();
            }
            Op::Advance(secs) => {
                let target = now + Duration::from_secs(*secs);
                while let Some(at) = self.b.router.poll_timeout().filter(|at| *at <= target) {
                    self.clock.advance_to(at);
                    self.b.router.handle_timeout(at);
                    self.drain();
                }
                self.clock.advance_to(target);
            }
        }
    }

    /// No waiting task fits a routable agent.
    fn check_no_idle_match(&self) {
        for (id, t) in self.tasks.iter().filter(|(_, t)| t.ringing.is_none()) {
            for a in (0..self.skills.len()).filter(|a| self.routable(*a)) {
                assert!(
                    !self.fits(a, t),
                    "task {id} waits while g{a} is idle and fits"
                );
            }
        }
        assert_eq!(self.b.router.task_count(), self.tasks.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn router_invariants(
        skills in prop::collection::vec(prop::collection::vec(0..3usize, 0..3), AGENTS),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut m = Model::new(skills);
        for op in &ops {
            m.apply(op);
            m.check_no_idle_match();
        }
    }
}
