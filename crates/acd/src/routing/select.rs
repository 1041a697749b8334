//! The agent index and the choice of an agent for a route.
//!
//! Idle agents are kept twice: in flat parallel arrays (conditions scan them, and only them)
//! and per skill in an ordered set keyed by (score desc, idle since, slot), so a `<skill>`
//! route takes its best, longest-idle agent in O(log n) without looking at anyone else.
//!
//! A condition route has to test every idle agent, so that scan is kept cheap: the idle
//! agents' skill sets are copied into one contiguous array (small sets are stored inline,
//! see [`SkillSet`]) and read back to back, the slot and idle-since stamp live in arrays of
//! their own that are read only for matching agents, and the tie list for a random choice
//! reuses one buffer, so a decision allocates nothing.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::agent::AgentName;
use crate::enqueue::{Choice, Selector, SortMode};
use crate::expr::{SortExpr, WhereExpr};
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
    /// Routable agents; `idle_skills[i]` and `idle_since[i]` belong to `idle[i]`.
    idle: Vec<Slot>,
    idle_skills: Vec<SkillSet>,
    idle_since: Vec<Instant>,
    by_skill: HashMap<SkillId, BTreeSet<SkillKey>>,
    /// Scratch for a random choice: places in `idle` of the agents tied for best.
    ties: Vec<usize>,
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
            self.unindex(s);
        }
        let Some(a) = self.slots.get_mut(s as usize).and_then(Option::as_mut) else {
            return false;
        };
        f(a);
        if a.routable() {
            a.idle_pos = Some(self.idle.len());
            self.idle.push(s);
            self.idle_skills.push(a.skills.clone());
            self.idle_since.push(a.idle_since);
            for (id, score) in a.skills.iter() {
                self.by_skill
                    .entry(id)
                    .or_default()
                    .insert((Reverse(score), a.idle_since, s));
            }
        }
        !was && self.get(s).is_some_and(AgentEntry::routable)
    }

    /// Takes a routable agent out of the idle indexes.
    fn unindex(&mut self, s: Slot) {
        let Some(Some(a)) = self.slots.get_mut(s as usize) else {
            return;
        };
        let Some(pos) = a.idle_pos.take() else { return };
        for (id, score) in a.skills.iter() {
            if let Some(set) = self.by_skill.get_mut(&id) {
                set.remove(&(Reverse(score), a.idle_since, s));
            }
        }
        // The three arrays move together, so the agent moved into `pos` keeps its data.
        self.idle.swap_remove(pos);
        self.idle_skills.swap_remove(pos);
        self.idle_since.swap_remove(pos);
        if let Some(&moved) = self.idle.get(pos) {
            if let Some(Some(m)) = self.slots.get_mut(moved as usize) {
                m.idle_pos = Some(pos);
            }
        }
    }

    /// The idle agent a route picks, if any, never `exclude`.
    pub fn choose(
        &mut self,
        selector: &Selector,
        choice: Choice,
        exclude: Option<Slot>,
        rng: &mut ChaCha8Rng,
    ) -> Option<Slot> {
        match selector {
            Selector::Agent(name) => self
                .slot(name)
                .filter(|s| Some(*s) != exclude)
                .filter(|s| self.get(*s).is_some_and(AgentEntry::routable)),
            Selector::Skill { id, .. } => {
                let set = self.by_skill.get(id)?;
                let allowed = |k: &&SkillKey| Some(k.2) != exclude;
                let first = set.iter().find(allowed)?;
                match choice {
                    Choice::Lru => Some(first.2),
                    Choice::Random => {
                        let ties = || set.iter().filter(allowed).take_while(|k| k.0 == first.0);
                        let n = ties().count();
                        ties().nth(rng.random_range(0..n)).map(|k| k.2)
                    }
                }
            }
            Selector::Condition { where_, sort, .. } => {
                self.scan(where_, sort.as_ref(), choice, exclude, rng)
            }
        }
    }

    /// A condition route's pick: among idle agents matching `where_` whose `sort`
    /// evaluates, the highest sort key, then the longest idle (`lru`) or a uniform pick
    /// among the ties (`random`). Agents whose `sort` fails are skipped (SPEC §9).
    fn scan(
        &mut self,
        where_: &WhereExpr,
        sort: Option<&(SortExpr, SortMode)>,
        choice: Choice,
        exclude: Option<Slot>,
        rng: &mut ChaCha8Rng,
    ) -> Option<Slot> {
        let mut best: Option<(f64, usize)> = None;
        self.ties.clear();
        for (i, skills) in self.idle_skills.iter().enumerate() {
            if exclude == Some(self.idle[i]) || !where_.matches(skills) {
                continue;
            }
            let key = match sort {
                None => 0.0,
                Some((e, mode)) => match e.eval(skills) {
                    Ok(v) if *mode == SortMode::Asc => -v,
                    Ok(v) => v,
                    Err(_) => continue,
                },
            };
            match best {
                Some((k, _)) if key < k => {}
                Some((k, at)) if key == k => match choice {
                    Choice::Lru if self.idle_since[i] < self.idle_since[at] => {
                        best = Some((k, i));
                    }
                    Choice::Lru => {}
                    Choice::Random => self.ties.push(i),
                },
                _ => {
                    best = Some((key, i));
                    self.ties.clear();
                    self.ties.push(i);
                }
            }
        }
        let (_, mut at) = best?;
        if choice == Choice::Random && self.ties.len() > 1 {
            at = self.ties[rng.random_range(0..self.ties.len())];
        }
        self.idle.get(at).copied()
    }
}
