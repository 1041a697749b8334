//! Waiting tasks, indexed by what their current route selects.
//!
//! A freed agent must take the first waiting task it fits in queue order (priority, then
//! enqueue time). Walking every waiting task to find it costs O(waiting) per freed agent;
//! instead each waiting task sits in exactly one *lane* for its route's selector, each lane
//! ordered like the whole queue:
//!
//! - `<agent name>` tasks in the agent's lane,
//! - `<skill name>` tasks in the skill's lane,
//! - condition tasks in one lane per distinct compiled condition (`where` plus `sort`:
//!   whether an agent fits depends on nothing else, so every task of a lane fits the same
//!   agents).
//!
//! The freed agent then reads its own lane's head, the heads of its skills' lanes, and
//! evaluates each distinct condition once; the best head wins. Because a task fits an agent
//! exactly when its lane does, that head is the task a walk of the whole queue would find.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use crate::agent::AgentName;
use crate::enqueue::Selector;
use crate::expr::{ProgramKey, SortExpr, WhereExpr};
use crate::routing::TaskId;
use crate::skill::{SkillId, SkillSet};

/// Order of waiting tasks: priority (larger first), then enqueue time, then arrival.
pub(crate) type WaitKey = (Reverse<u8>, Instant, u64, TaskId);

/// Which lane a waiting task is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lane {
    Agent(AgentName),
    Skill(SkillId),
    Condition(u64),
}

/// A condition's identity: its compiled `where` and `sort` programs.
type ConditionKey = (ProgramKey, Option<ProgramKey>);

/// The tasks waiting on one distinct condition, with the condition to test agents against.
#[derive(Debug)]
struct ConditionLane {
    key: ConditionKey,
    where_: WhereExpr,
    sort: Option<SortExpr>,
    tasks: BTreeSet<WaitKey>,
}

impl ConditionLane {
    /// Whether an agent with `skills` fits: it matches `where`, and `sort` evaluates.
    fn fits(&self, skills: &SkillSet) -> bool {
        self.where_.matches(skills) && self.sort.as_ref().is_none_or(|s| s.eval(skills).is_ok())
    }
}

/// Every waiting task in queue order, and per lane. Lanes that empty are dropped, so a
/// freed agent only ever looks at lanes with someone waiting.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    all: BTreeSet<WaitKey>,
    agents: HashMap<AgentName, BTreeSet<WaitKey>>,
    skills: HashMap<SkillId, BTreeSet<WaitKey>>,
    conditions: HashMap<u64, ConditionLane>,
    condition_ids: HashMap<ConditionKey, u64>,
    next_condition: u64,
}

impl Waiting {
    /// Queues a task waiting on `selector`; returns the lane to remove it from later.
    pub fn insert(&mut self, key: WaitKey, selector: &Selector) -> Lane {
        self.all.insert(key);
        match selector {
            Selector::Agent(name) => {
                self.agents.entry(name.clone()).or_default().insert(key);
                Lane::Agent(name.clone())
            }
            Selector::Skill { id, .. } => {
                self.skills.entry(*id).or_default().insert(key);
                Lane::Skill(*id)
            }
            Selector::Condition { where_, sort, .. } => {
                let id = self.condition_lane(where_, sort.as_ref().map(|s| &s.0));
                if let Some(lane) = self.conditions.get_mut(&id) {
                    lane.tasks.insert(key);
                }
                Lane::Condition(id)
            }
        }
    }

    /// The lane of a condition, made on first use.
    fn condition_lane(&mut self, where_: &WhereExpr, sort: Option<&SortExpr>) -> u64 {
        let key = (where_.key(), sort.map(SortExpr::key));
        if let Some(id) = self.condition_ids.get(&key) {
            return *id;
        }
        let id = self.next_condition;
        self.next_condition += 1;
        self.condition_ids.insert(key.clone(), id);
        let lane = ConditionLane {
            key,
            where_: where_.clone(),
            sort: sort.cloned(),
            tasks: BTreeSet::new(),
        };
        self.conditions.insert(id, lane);
        id
    }

    /// Takes a task out of the queue and its lane.
    pub fn remove(&mut self, key: &WaitKey, lane: &Lane) {
        self.all.remove(key);
        match lane {
            Lane::Agent(name) => remove_from(&mut self.agents, name, key),
            Lane::Skill(id) => remove_from(&mut self.skills, id, key),
            Lane::Condition(id) => {
                let Some(c) = self.conditions.get_mut(id) else {
                    return;
                };
                c.tasks.remove(key);
                if c.tasks.is_empty() {
                    if let Some(c) = self.conditions.remove(id) {
                        self.condition_ids.remove(&c.key);
                    }
                }
            }
        }
    }

    /// The first waiting task, in queue order, that an agent named `name` with `skills`
    /// fits and that `skip` does not rule out (a task that excludes this agent). Each
    /// distinct condition is evaluated at most once, and not at all when its first
    /// candidate could not beat one already found.
    pub fn best_for(
        &self,
        name: &AgentName,
        skills: &SkillSet,
        skip: impl Fn(&WaitKey) -> bool,
    ) -> Option<WaitKey> {
        let head = |tasks: &BTreeSet<WaitKey>| tasks.iter().find(|k| !skip(k)).copied();
        let mut best = self.agents.get(name).and_then(head);
        for (id, _) in skills.iter() {
            best = better(best, self.skills.get(&id).and_then(head));
        }
        for lane in self.conditions.values() {
            let Some(first) = head(&lane.tasks) else {
                continue;
            };
            if best.is_none_or(|b| first < b) && lane.fits(skills) {
                best = Some(first);
            }
        }
        best
    }

    /// Waiting tasks in queue order.
    pub fn iter(&self) -> impl Iterator<Item = &WaitKey> + '_ {
        self.all.iter()
    }

    /// 1-based place of a waiting task in the queue.
    pub fn position(&self, key: &WaitKey) -> usize {
        self.all.range(..key).count() + 1
    }

    /// How many lanes hold a task; the cost bound of [`Waiting::best_for`].
    #[cfg(test)]
    pub fn lane_count(&self) -> usize {
        self.agents.len() + self.skills.len() + self.conditions.len()
    }
}

fn remove_from<K: std::hash::Hash + Eq>(
    lanes: &mut HashMap<K, BTreeSet<WaitKey>>,
    lane: &K,
    key: &WaitKey,
) {
    if let Some(set) = lanes.get_mut(lane) {
        set.remove(key);
        if set.is_empty() {
            lanes.remove(lane);
        }
    }
}

fn better(a: Option<WaitKey>, b: Option<WaitKey>) -> Option<WaitKey> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sb_testkit::FakeClock;

    use super::*;
    use crate::skill::SkillInterner;

    fn key(clock: &FakeClock, priority: u8, after: u64, id: u128) -> WaitKey {
        let at = clock.now() + Duration::from_secs(after);
        (Reverse(priority), at, id as u64, TaskId(id))
    }

    fn condition(src: &str, sort: Option<&str>, i: &mut SkillInterner) -> Selector {
        Selector::Condition {
            id: None,
            where_: WhereExpr::compile(src, i).expect("valid"),
            sort: sort.map(|s| (SortExpr::compile(s, i).expect("valid"), Default::default())),
        }
    }

    #[test]
    fn best_head_wins_across_agent_skill_and_condition_lanes() {
        let clock = FakeClock::new();
        let mut i = SkillInterner::new();
        let (en, fr) = (i.intern("en"), i.intern("fr"));
        let me = AgentName::new("me").expect("valid");
        let mut w = Waiting::default();
        let old_fr = key(&clock, 0, 0, 1);
        let vip_en = key(&clock, 9, 5, 2);
        let mine = key(&clock, 0, 1, 3);
        let cond = key(&clock, 9, 4, 4);
        w.insert(
            old_fr,
            &Selector::Skill {
                name: "fr".into(),
                id: fr,
            },
        );
        let en_lane = w.insert(
            vip_en,
            &Selector::Skill {
                name: "en".into(),
                id: en,
            },
        );
        let my_lane = w.insert(mine, &Selector::Agent(me.clone()));
        let cond_lane = w.insert(cond, &condition(r#"get("en") >= 5"#, None, &mut i));
        let agent = SkillSet::from_pairs([(en, 7)]);
        // Priority 9 beats age; among the two priority-9 heads the older one wins.
        assert_eq!(w.best_for(&me, &agent, |_| false), Some(cond));
        w.remove(&cond, &cond_lane);
        assert_eq!(w.best_for(&me, &agent, |_| false), Some(vip_en));
        w.remove(&vip_en, &en_lane);
        assert_eq!(w.best_for(&me, &agent, |_| false), Some(mine));
        w.remove(&mine, &my_lane);
        assert_eq!(w.best_for(&me, &agent, |_| false), None, "it lacks fr");
        assert_eq!(w.lane_count(), 1, "emptied lanes are dropped");
        assert_eq!(w.iter().collect::<Vec<_>>(), vec![&old_fr]);
    }

    #[test]
    fn equal_conditions_share_a_lane_and_different_sorts_do_not() {
        let clock = FakeClock::new();
        let mut i = SkillInterner::new();
        let mut w = Waiting::default();
        let a = w.insert(key(&clock, 0, 0, 1), &condition("has('x')", None, &mut i));
        let b = w.insert(key(&clock, 0, 1, 2), &condition("has('x')", None, &mut i));
        let c = w.insert(
            key(&clock, 0, 2, 3),
            &condition("has('x')", Some("10 / get('x')"), &mut i),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(w.lane_count(), 2);
        // `10 / get('x')` fails for a zero score, so only the lane without a sort fits.
        let zero = SkillSet::from_pairs([(i.intern("x"), 0)]);
        let me = AgentName::new("me").expect("valid");
        w.remove(&key(&clock, 0, 0, 1), &a);
        w.remove(&key(&clock, 0, 1, 2), &b);
        assert_eq!(w.best_for(&me, &zero, |_| false), None);
        let three = SkillSet::from_pairs([(i.intern("x"), 3)]);
        assert_eq!(
            w.best_for(&me, &three, |_| false),
            Some(key(&clock, 0, 2, 3))
        );
        assert_eq!(w.position(&key(&clock, 0, 2, 3)), 1);
        w.remove(&key(&clock, 0, 2, 3), &c);
        assert_eq!(w.lane_count(), 0);
        // A condition whose lane emptied is made anew (and found again) on next use.
        let d = w.insert(key(&clock, 0, 3, 4), &condition("has('x')", None, &mut i));
        assert_ne!(d, a);
        assert_eq!(
            w.best_for(&me, &zero, |_| false),
            Some(key(&clock, 0, 3, 4))
        );
    }
}
