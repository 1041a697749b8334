//! Waiting tasks are indexed by lane (agent, skill, distinct condition); these properties
//! check that the index never changes a decision. The oracle is the plain definition: a
//! freed agent takes the first task, in the order the queue lists them, whose current route
//! it fits; and no task waits while a routable agent fits it. Routes mix all three
//! selectors, overflow between them, some tasks exclude one agent (the one that asked for
//! them), and agents join, leave and change skills meanwhile.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use sb_testkit::FakeClock;
use switchboard_acd::enqueue::{Enqueue, Selector};
use switchboard_acd::routing::{FailCause, Input, Output, TaskId, TaskKind};
use switchboard_acd::skill::SkillSet;

use crate::support::{enqueue, name, skills, Bench};

const AGENTS: usize = 5;
const SKILLS: [&str; 3] = ["a", "b", "c"];
/// Conditions written out per task, so equal ones are compiled separately and must still
/// share a lane; the last one fails to sort for a zero score, which then does not fit.
const CONDITIONS: [&str; 4] = [
    "<condition><where>has('a') &amp;&amp; get('a') &gt;= 2</where><sort>get('a')</sort></condition>",
    "<condition><where>get('b') + get('c') &gt; 1</where></condition>",
    "<condition id='c1'/>",
    "<condition><where>has('c')</where><sort mode='asc'>10 / get('c')</sort></condition>",
];

#[derive(Debug, Clone)]
enum Sel {
    Skill(usize),
    Agent(usize),
    Condition(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Enqueue(Vec<(Sel, u8, Option<u64>)>, Option<usize>),
    Join(usize, Vec<(usize, i32)>, bool),
    Leave(usize),
    Idle(usize),
    Unavailable(usize),
    Skills(usize, Vec<(usize, i32)>),
    Answer(usize),
    Fail(usize),
    Cancel(usize),
    Advance(u64),
}

fn sel() -> impl Strategy<Value = Sel> {
    prop_oneof![
        (0..3usize).prop_map(Sel::Skill),
        (0..AGENTS).prop_map(Sel::Agent),
        (0..CONDITIONS.len()).prop_map(Sel::Condition),
    ]
}

fn skill_list() -> impl Strategy<Value = Vec<(usize, i32)>> {
    prop::collection::vec((0..3usize, 0..7i32), 0..3)
}

fn op() -> impl Strategy<Value = Op> {
    let route = (
        sel(),
        0..3u8,
        prop_oneof![Just(None), Just(Some(0)), (1..8u64).prop_map(Some)],
    );
    prop_oneof![
        4 => (
            prop::collection::vec(route, 1..4),
            prop_oneof![3 => Just(None), 1 => (0..AGENTS).prop_map(Some)],
        )
            .prop_map(|(routes, exclude)| Op::Enqueue(routes, exclude)),
        2 => (0..AGENTS, skill_list(), any::<bool>()).prop_map(|(i, s, idle)| Op::Join(i, s, idle)),
        1 => (0..AGENTS).prop_map(Op::Leave),
        3 => (0..AGENTS).prop_map(Op::Idle),
        1 => (0..AGENTS).prop_map(Op::Unavailable),
        2 => (0..AGENTS, skill_list()).prop_map(|(i, s)| Op::Skills(i, s)),
        2 => (0..8usize).prop_map(Op::Answer),
        1 => (0..8usize).prop_map(Op::Fail),
        1 => (0..8usize).prop_map(Op::Cancel),
        2 => (1..10u64).prop_map(Op::Advance),
    ]
}

struct World {
    b: Bench,
    clock: FakeClock,
    /// Logged-in agents' enabled skills.
    agents: HashMap<usize, SkillSet>,
    available: HashMap<usize, bool>,
    ringing: HashMap<usize, u128>,
    /// Live tasks and the agent each excludes.
    tasks: HashMap<u128, (Arc<Enqueue>, Option<usize>)>,
    next: u128,
}

fn agent_of(n: &switchboard_acd::agent::AgentName) -> usize {
    n.as_str()[1..].parse().expect("agents are named gN")
}

impl World {
    fn set(&mut self, list: &[(usize, i32)]) -> SkillSet {
        let pairs: Vec<(&str, i32)> = list.iter().map(|(s, v)| (SKILLS[*s], *v)).collect();
        skills(&mut self.b.skills, &pairs)
    }

    fn fits(&self, agent: usize, task: u128, route: usize) -> bool {
        let Some(s) = self.agents.get(&agent) else {
            return false;
        };
        let Some((q, exclude)) = self.tasks.get(&task) else {
            return false;
        };
        if *exclude == Some(agent) {
            return false;
        }
        match &q.routes[route].selector {
            Selector::Agent(n) => n.as_str() == format!("g{agent}"),
            Selector::Skill { id, .. } => s.score(*id).is_some(),
            Selector::Condition { where_, sort, .. } => {
                where_.matches(s) && sort.as_ref().is_none_or(|(e, _)| e.eval(s).is_ok())
            }
        }
    }

    fn routable(&self, agent: usize) -> bool {
        self.agents.contains_key(&agent)
            && self.available.get(&agent) == Some(&true)
            && !self.ringing.contains_key(&agent)
    }

    /// The first waiting task, in the queue's own order, that `agent` fits.
    fn expected_for(&self, agent: usize) -> Option<u128> {
        let now = self.clock.now();
        self.b.router.queue(now).into_iter().find_map(|e| {
            (e.position.is_some() && self.fits(agent, e.task.0, e.route)).then_some(e.task.0)
        })
    }

    fn drain(&mut self) -> Vec<Output> {
        let outs = self.b.outputs();
        for o in &outs {
            match o {
                Output::Offer { task, agent, .. } => {
                    let i = agent_of(agent);
                    assert!(self.routable(i), "only routable agents are offered");
                    self.ringing.insert(i, task.0);
                    self.available.insert(i, false);
                }
                Output::OfferTimedOut { task, .. } => self.end_ring(task.0),
                Output::TaskSucceeded { agent, .. } => {
                    // Answered means talking, even if an idle report raced with the ring.
                    self.available.insert(agent_of(agent), false);
                    self.finish(o);
                }
                Output::TaskFailed { .. } => self.finish(o),
                Output::Overflowed { .. } => {}
            }
        }
        outs
    }

    fn finish(&mut self, o: &Output) {
        match o {
            Output::TaskSucceeded { task, .. } | Output::TaskFailed { task, .. } => {
                self.end_ring(task.0);
                self.tasks.remove(&task.0);
            }
            _ => {}
        }
    }

    fn end_ring(&mut self, task: u128) {
        self.ringing.retain(|_, t| *t != task);
    }

    /// Applies an input that may free `agent`, checking the task it takes.
    fn freeing(&mut self, agent: usize, input: Input, frees: bool) {
        let now = self.clock.now();
        let expected = if frees {
            self.expected_for(agent)
        } else {
            None
        };
        self.b.input(now, input);
        let outs = self.drain();
        let got = outs.iter().find_map(|o| match o {
            Output::Offer { task, agent: a, .. } if agent_of(a) == agent => Some(task.0),
            _ => None,
        });
        if frees {
            assert_eq!(
                got, expected,
                "g{agent} takes the first waiting task it fits"
            );
        }
    }

    fn nth_task(&self, n: usize, ringing: bool) -> Option<u128> {
        let mut ids: Vec<u128> = self
            .tasks
            .keys()
            .filter(|t| self.ringing.values().any(|r| r == *t) == ringing)
            .copied()
            .collect();
        ids.sort_unstable();
        (!ids.is_empty()).then(|| ids[n % ids.len()])
    }

    fn apply(&mut self, op: &Op) {
        let now = self.clock.now();
        match op {
            Op::Enqueue(routes, exclude) => {
                let xml: String = routes
                    .iter()
                    .map(|(s, prio, qt)| {
                        let qt = qt
                            .map(|q| format!(" queue_timeout='{q}'"))
                            .unwrap_or_default();
                        match s {
                            Sel::Skill(k) => format!(
                                "<route><skill name='{}' priority='{prio}'{qt}/></route>",
                                SKILLS[*k]
                            ),
                            Sel::Agent(i) => {
                                format!("<route><agent name='g{i}' priority='{prio}'{qt}/></route>")
                            }
                            Sel::Condition(c) => format!("<route>{}</route>", CONDITIONS[*c]),
                        }
                    })
                    .collect();
                let q = enqueue(&format!("<enqueue>{xml}</enqueue>"), &mut self.b.skills);
                let id = self.next;
                self.next += 1;
                self.tasks.insert(id, (q.clone(), *exclude));
                let task = TaskId(id);
                self.b.input(
                    now,
                    Input::Enqueue {
                        task,
                        kind: TaskKind::Ivr,
                        enqueue: q,
                        exclude: exclude.map(|i| name(&format!("g{i}"))),
                    },
                );
                self.drain();
            }
            Op::Join(i, list, idle) => {
                if self.agents.contains_key(i) {
                    return;
                }
                let set = self.set(list);
                self.agents.insert(*i, set.clone());
                self.available.insert(*i, *idle);
                let input = Input::AgentJoined {
                    name: name(&format!("g{i}")),
                    skills: set,
                    idle: *idle,
                };
                self.freeing(*i, input, *idle);
            }
            Op::Leave(i) => {
                if self.agents.remove(i).is_none() {
                    return;
                }
                self.b.input(
                    now,
                    Input::AgentLeft {
                        name: name(&format!("g{i}")),
                    },
                );
                self.ringing.remove(i);
                self.drain();
            }
            Op::Idle(i) => {
                if !self.agents.contains_key(i) {
                    return;
                }
                let frees = !self.routable(*i) && !self.ringing.contains_key(i);
                self.available.insert(*i, true);
                self.freeing(
                    *i,
                    Input::AgentIdle {
                        name: name(&format!("g{i}")),
                    },
                    frees,
                );
            }
            Op::Unavailable(i) => {
                if self.agents.contains_key(i) {
                    self.available.insert(*i, false);
                    self.b.input(
                        now,
                        Input::AgentUnavailable {
                            name: name(&format!("g{i}")),
                        },
                    );
                }
            }
            Op::Skills(i, list) => {
                if !self.agents.contains_key(i) {
                    return;
                }
                let set = self.set(list);
                self.agents.insert(*i, set.clone());
                let frees = self.routable(*i);
                let input = Input::AgentSkills {
                    name: name(&format!("g{i}")),
                    skills: set,
                };
                self.freeing(*i, input, frees);
            }
            Op::Answer(n) | Op::Fail(n) => {
                let Some(task) = self.nth_task(*n, true) else {
                    return;
                };
                let task = TaskId(task);
                let input = match op {
                    Op::Answer(_) => Input::OfferAnswered { task },
                    _ => Input::OfferFailed {
                        task,
                        cause: FailCause::Reject,
                    },
                };
                self.end_ring(task.0);
                self.b.input(now, input);
                self.drain();
            }
            Op::Cancel(n) => {
                let Some(task) = self
                    .nth_task(*n, n % 2 == 0)
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
    fn check(&self) {
        let now = self.clock.now();
        for e in self
            .b
            .router
            .queue(now)
            .iter()
            .filter(|e| e.position.is_some())
        {
            for a in self.agents.keys().filter(|a| self.routable(**a)) {
                assert!(
                    !self.fits(*a, e.task.0, e.route),
                    "task {} waits on route {} while g{a} is idle and fits",
                    e.task,
                    e.route
                );
            }
        }
        assert_eq!(self.b.router.task_count(), self.tasks.len());
        let idle = self.agents.keys().filter(|a| self.routable(**a)).count();
        assert_eq!(self.b.router.idle_agents(), idle);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn lanes_choose_what_a_full_walk_would(ops in prop::collection::vec(op(), 1..60)) {
        let mut w = World {
            b: Bench::new(),
            clock: FakeClock::new(),
            agents: HashMap::new(),
            available: HashMap::new(),
            ringing: HashMap::new(),
            tasks: HashMap::new(),
            next: 1,
        };
        for op in &ops {
            w.apply(op);
            w.check();
        }
    }
}
