//! Shared helpers for the scenario tests.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_acd::agent::AgentName;
use switchboard_acd::enqueue::{self, Condition, ConditionInput, Enqueue};
use switchboard_acd::routing::{Input, Output, Router, TaskId, TaskKind};
use switchboard_acd::skill::{SkillInterner, SkillSet};

#[allow(dead_code)]
pub fn name(s: &str) -> AgentName {
    AgentName::new(s).expect("test agent names are valid")
}

/// Stored conditions `c1` (billing ≥ 5, by billing score) and `vip` (has vip, priority 50).
#[allow(dead_code)]
pub fn stored(skills: &mut SkillInterner) -> HashMap<String, Condition> {
    let mut m = HashMap::new();
    let c1 = ConditionInput {
        where_: Some(r#"get("billing") >= 5"#),
        sort: Some(r#"get("billing")"#),
        queue_timeout: Some(30),
        ..Default::default()
    };
    m.insert("c1".to_owned(), Condition::new(&c1, skills).expect("valid"));
    let vip = ConditionInput {
        where_: Some(r#"has("vip")"#),
        priority: Some(50),
        queue_timeout: Some(60),
        fetch_timeout: Some(20),
        ..Default::default()
    };
    m.insert(
        "vip".to_owned(),
        Condition::new(&vip, skills).expect("valid"),
    );
    m
}

#[allow(dead_code)]
pub fn enqueue(xml: &str, skills: &mut SkillInterner) -> Arc<Enqueue> {
    let conds = stored(skills);
    match enqueue::parse(xml, &conds, skills) {
        Ok(q) => Arc::new(q),
        Err(d) => panic!(
            "{xml}: {}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

#[allow(dead_code)]
pub fn skills(i: &mut SkillInterner, pairs: &[(&str, i32)]) -> SkillSet {
    SkillSet::from_pairs(pairs.iter().map(|(n, s)| (i.intern(n), *s)))
}

/// A router with a fixed seed, plus the skill names it has seen.
pub struct Bench {
    pub router: Router,
    pub skills: SkillInterner,
}

impl Bench {
    pub fn new() -> Self {
        Self {
            router: Router::new(7),
            skills: SkillInterner::new(),
        }
    }

    pub fn agent(&mut self, now: std::time::Instant, n: &str, sk: &[(&str, i32)], idle: bool) {
        let skills = skills(&mut self.skills, sk);
        self.router
            .handle_input(
                now,
                Input::AgentJoined {
                    name: name(n),
                    skills,
                    idle,
                },
            )
            .expect("new agent");
    }

    pub fn task(&mut self, now: std::time::Instant, id: u128, xml: &str) {
        self.task_excluding(now, id, xml, None);
    }

    /// A task that is never offered to `exclude`.
    pub fn task_excluding(
        &mut self,
        now: std::time::Instant,
        id: u128,
        xml: &str,
        exclude: Option<&str>,
    ) {
        let q = enqueue(xml, &mut self.skills);
        self.router
            .handle_input(
                now,
                Input::Enqueue {
                    task: TaskId(id),
                    kind: TaskKind::Ivr,
                    enqueue: q,
                    exclude: exclude.map(name),
                },
            )
            .expect("new task");
    }

    pub fn input(&mut self, now: std::time::Instant, input: Input) {
        self.router.handle_input(now, input).expect("accepted");
    }

    pub fn outputs(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.router.poll_output()).collect()
    }
}

#[allow(dead_code)]
pub fn offer(task: u128, agent: &str, route: usize, secs: u64) -> Output {
    Output::Offer {
        task: TaskId(task),
        agent: name(agent),
        route,
        fetch_timeout: std::time::Duration::from_secs(secs),
    }
}
