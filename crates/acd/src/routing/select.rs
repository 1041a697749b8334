//! The agent index and the choice of an agent for a route.
//!
//! Idle agents are kept twice: in a flat list (conditions scan it, and only it) and per
//! skill in an ordered set keyed by (score desc, idle since, slot), so a `<skill>` route
//! takes its best, longest-idle agent in O(log n) without looking at anyone else.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::agent::AgentName;
use crate::enqueue::{Choice, Selector, SortMode};
use crate::routing::TaskId;
use crate::skill::{SkillId, SkillSet};

/// Index of an agent's slot.
pub(crate) type Slot = u32;

type SkillKey = (Reverse<i32>, Instant, Slot);

#[derive(Debug)]
pub(crate) struct AgentEntry {
    pub name: AgentName,
    pub skills: SkillSet,
    /// The agent's state is `idle` (as reported by the engine).
    pub available: bool,
    /// The task ringing it, if any.
    pub offer: Option<TaskId>,
    /// When it last became available; `lru` prefers the earliest.
    pub idle_since: Instant,
    /// Its place in [`Agents::idle`] while routable.
    idle_pos: Option<usize>,
}

impl AgentEntry {
    pub fn routable(&self) -> bool {
        self.available && self.offer.is_none()
    }
}

/// Every logged-in agent, with the idle indexes.
#[derive(Debug, Default)]
pub(crate) struct Agents {
    slots: Vec<Option<AgentEntry>>,
    free: Vec<Slot>,
    by_name: HashMap<AgentName, Slot>,
    idle: Vec<Slot>,
    by_skill: HashMap<SkillId, BTreeSet<SkillKey>>,
}

impl Agents {
    pub fn slot(&self, name: &AgentName) -> Option<Slot> {
        self.by_name.get(name).copied()
    }

    pub fn get(&self, s: Slot) -> Option<&AgentEntry> {
        self.slots.get(s as usize).and_then(Option::as_ref)
    }

    pub fn idle_count(&self) -> usize {
        self.idle.len()
    }

    pub fn insert(
        &mut self,
        name: AgentName,
        skills: SkillSet,
        available: bool,
        now: Instant,
    ) -> Slot {
        let entry = AgentEntry {
            name: name.clone(),
            skills,
            available: false,
            offer: None,
            idle_since: now,
            idle_pos: None,
        };
        let s = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(entry);
                s
            }
            None => {
                self.slots.push(Some(entry));
                // More than u32::MAX agents cannot be logged in on one node.
                Slot::try_from(self.slots.len() - 1).unwrap_or(Slot::MAX)
            }
        };
        self.by_name.insert(name, s);
        self.update(s, |a| a.available = available);
        s
    }

    pub fn remove(&mut self, s: Slot) -> Option<AgentEntry> {
        self.update(s, |a| a.available = false);
        let entry = self.slots.get_mut(s as usize)?.take()?;
        self.by_name.remove(&entry.name);
        self.free.push(s);
        Some(entry)
    }

    /// Applies `f` to an agent and keeps the idle indexes in step. Returns whether the agent
    /// became routable through this change.
    pub fn update(&mut self, s: Slot, f: impl FnOnce(&mut AgentEntry)) -> bool {
        let Some(a) = self.slots.get_mut(s as usize).and_then(Option::as_mut) else {
            return false;
        };
        let was = a.idle_pos.is_some();
        if was {
            Self::unindex(&mut self.idle, &mut self.by_skill, &mut self.slots, s);
        }
        let Some(a) = self.slots.get_mut(s as usize).and_then(Option::as_mut) else {
            return false;
        };
        f(a);
        if a.routable() {
            a.idle_pos = Some(self.idle.len());
            self.idle.push(s);
            for (id, score) in a.skills.iter() {
                self.by_skill
                    .entry(id)
                    .or_default()
                    .insert((Reverse(score), a.idle_since, s));
            }
        }
        !was && self.get(s).is_some_and(AgentEntry::routable)
    }

    fn unindex(
        idle: &mut Vec<Slot>,
        by_skill: &mut HashMap<SkillId, BTreeSet<SkillKey>>,
        slots: &mut [Option<AgentEntry>],
        s: Slot,
    ) {
        let Some(Some(a)) = slots.get_mut(s as usize) else {
            return;
        };
        let Some(pos) = a.idle_pos.take() else { return };
        for (id, score) in a.skills.iter() {
            if let Some(set) = by_skill.get_mut(&id) {
                set.remove(&(Reverse(score), a.idle_since, s));
            }
        }
        idle.swap_remove(pos);
        if let Some(&moved) = idle.get(pos) {
            if let Some(Some(m)) = slots.get_mut(moved as usize) {
                m.idle_pos = Some(pos);
            }
        }
    }

    /// The idle agent a route picks, if any.
    pub fn choose(
        &self,
        selector: &Selector,
        choice: Choice,
        rng: &mut ChaCha8Rng,
    ) -> Option<Slot> {
        match selector {
            Selector::Agent(name) => self
                .slot(name)
                .filter(|s| self.get(*s).is_some_and(AgentEntry::routable)),
            Selector::Skill { id, .. } => {
                let set = self.by_skill.get(id)?;
                let first = set.first()?;
                match choice {
                    Choice::Lru => Some(first.2),
                    Choice::Random => {
                        let ties = set.iter().take_while(|k| k.0 == first.0).count();
                        set.iter().nth(rng.random_range(0..ties)).map(|k| k.2)
                    }
                }
            }
            Selector::Condition { where_, sort, .. } => {
                let mut best = Best::default();
                for &s in &self.idle {
                    let Some(a) = self.get(s) else { continue };
                    if !where_.matches(&a.skills) {
                        continue;
                    }
                    let key = match sort {
                        None => 0.0,
                        Some((e, mode)) => match e.eval(&a.skills) {
                            Ok(v) if *mode == SortMode::Asc => -v,
                            Ok(v) => v,
                            Err(_) => continue,
                        },
                    };
                    best.offer(key, a.idle_since, s, choice, rng);
                }
                best.slot
            }
        }
    }
}

/// Running best for a condition scan: highest key, then lru or a uniform pick among ties
/// (reservoir sampling, so one pass and no allocation).
#[derive(Default)]
struct Best {
    slot: Option<Slot>,
    key: f64,
    since: Option<Instant>,
    ties: u32,
}

impl Best {
    fn offer(&mut self, key: f64, since: Instant, s: Slot, choice: Choice, rng: &mut ChaCha8Rng) {
        if self.slot.is_none() || key > self.key {
            *self = Best {
                slot: Some(s),
                key,
                since: Some(since),
                ties: 1,
            };
            return;
        }
        if key < self.key {
            return;
        }
        self.ties += 1;
        let take = match choice {
            Choice::Lru => self.since.is_none_or(|b| since < b),
            Choice::Random => rng.random_range(0..self.ties) == 0,
        };
        if take {
            self.slot = Some(s);
            self.since = Some(since);
        }
    }
}
