//! Routing decision latency with 10,000 logged-in agents and 5,000 waiting tasks:
//! - an agent becomes idle and takes its task (the waiting-task lanes: the 5,000 others
//!   wait in a lane the agent's skills do not touch, so it never looks at them);
//! - a task is enqueued and takes an agent (a skill route through the index, and a
//!   condition route scanning the 5,000 idle agents with a sort).
//!
//! Only the decision itself is timed; resetting the router between iterations is not.
//! After criterion's figures, p50/p99 of 2,000 single decisions are printed per case.
//! Run: `cargo bench -p switchboard-benches --bench acd_routing`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use switchboard_acd::agent::AgentName;
use switchboard_acd::enqueue::{self, Enqueue};
use switchboard_acd::routing::{FailCause, Input, Output, Router, TaskId, TaskKind};
use switchboard_acd::skill::{SkillInterner, SkillSet};

const AGENTS: usize = 10_000;
const WAITING: u128 = 5_000;

fn q(xml: &str, skills: &mut SkillInterner) -> Arc<Enqueue> {
    Arc::new(enqueue::parse(xml, &HashMap::new(), skills).expect("valid"))
}

fn name(i: usize) -> AgentName {
    AgentName::new(&format!("a{i}")).expect("valid")
}

/// Agents `a0..a9999`, each with three of skills `s0..s48` (scores 0–9), the first `idle` of
/// them idle; 5,000 tasks wait on `s49`, which no agent has.
fn setup(idle: usize, now: Instant) -> (Router, SkillInterner) {
    let mut skills = SkillInterner::new();
    let mut r = Router::new(1);
    for i in 0..AGENTS {
        let pairs = (0..3).map(|k| {
            (
                skills.intern(&format!("s{}", (i + k * 7) % 49)),
                (i % 10) as i32,
            )
        });
        let input = Input::AgentJoined {
            name: name(i),
            skills: SkillSet::from_pairs(pairs),
            idle: i < idle,
        };
        r.handle_input(now, input).expect("new agent");
    }
    let waiting = q(
        "<enqueue><route><skill name='s49'/></route></enqueue>",
        &mut skills,
    );
    for t in 0..WAITING {
        let input = Input::Enqueue {
            task: TaskId(t),
            kind: TaskKind::Ivr,
            enqueue: waiting.clone(),
            exclude: None,
        };
        r.handle_input(now, input).expect("new task");
    }
    while r.poll_output().is_some() {}
    (r, skills)
}

/// A freed agent fits only the newest waiting task, behind 5,000 it does not fit (a full
/// walk of the queue would test all of them first).
struct IdleCase {
    r: Router,
    task: Arc<Enqueue>,
    next: u128,
}

impl IdleCase {
    fn new(now: Instant) -> Self {
        let (r, mut skills) = setup(0, now);
        let task = q(
            "<enqueue><route><skill name='s0'/></route></enqueue>",
            &mut skills,
        );
        Self {
            r,
            task,
            next: WAITING,
        }
    }

    fn once(&mut self, now: Instant) -> Duration {
        self.next += 1;
        let id = TaskId(self.next);
        let input = Input::Enqueue {
            task: id,
            kind: TaskKind::Ivr,
            enqueue: self.task.clone(),
            exclude: None,
        };
        self.r.handle_input(now, input).expect("new task");
        let start = Instant::now();
        self.r
            .handle_input(now, Input::AgentIdle { name: name(0) })
            .expect("known");
        let took = start.elapsed();
        assert!(matches!(self.r.poll_output(), Some(Output::Offer { task, .. }) if task == id));
        self.r
            .handle_input(
                now,
                Input::Cancel {
                    task: id,
                    cause: FailCause::Cancel,
                },
            )
            .expect("known");
        while self.r.poll_output().is_some() {}
        took
    }
}

/// A new task takes one of the 5,000 idle agents.
struct EnqueueCase {
    r: Router,
    task: Arc<Enqueue>,
    next: u128,
}

impl EnqueueCase {
    fn once(&mut self, now: Instant) -> Duration {
        self.next += 1;
        let id = TaskId(self.next);
        let input = Input::Enqueue {
            task: id,
            kind: TaskKind::Ivr,
            enqueue: self.task.clone(),
            exclude: None,
        };
        let start = Instant::now();
        self.r.handle_input(now, input).expect("new task");
        let took = start.elapsed();
        let Some(Output::Offer { agent, .. }) = self.r.poll_output() else {
            panic!("an idle agent fits")
        };
        self.r
            .handle_input(
                now,
                Input::Cancel {
                    task: id,
                    cause: FailCause::Cancel,
                },
            )
            .expect("known");
        // Back to idle: it fits none of the waiting tasks, so it stays idle for the next round.
        self.r
            .handle_input(now, Input::AgentIdle { name: agent })
            .expect("known");
        while self.r.poll_output().is_some() {}
        took
    }
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    eprintln!(
        "{label}: p50 {:?}, p99 {:?}, max {:?} ({} decisions)",
        at(50),
        at(99),
        samples[samples.len() - 1],
        samples.len()
    );
}

fn bench(c: &mut Criterion) {
    let now = Instant::now();
    let mut g = c.benchmark_group("acd_routing");
    g.sample_size(20);

    let mut idle = IdleCase::new(now);
    g.bench_function("agent_idle_walks_5000_tasks", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| idle.once(now)).sum())
    });
    percentiles(
        "agent_idle_walks_5000_tasks",
        (0..2000).map(|_| idle.once(now)).collect(),
    );

    let (r, mut skills) = setup(AGENTS / 2, now);
    let skill = q(
        "<enqueue choice='lru'><route><skill name='s3'/></route></enqueue>",
        &mut skills,
    );
    let cond = q(
        "<enqueue><route><condition><where>has('s3') &amp;&amp; get('s3') &gt;= 5</where>\
         <sort>get('s3') * 2 + get('s10')</sort></condition></route></enqueue>",
        &mut skills,
    );
    let mut case = EnqueueCase {
        r,
        task: skill,
        next: 1 << 64,
    };
    for (label, task) in [
        ("enqueue_skill_route", None),
        ("enqueue_condition_scans_5000_idle", Some(cond)),
    ] {
        if let Some(t) = task {
            case.task = t;
        }
        g.bench_function(label, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| case.once(now)).sum())
        });
        percentiles(label, (0..2000).map(|_| case.once(now)).collect());
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
