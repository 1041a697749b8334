//! Skill names interned to dense ids, and the per-agent skill set that expressions read.
//!
//! Expressions name skills as strings (`get("billing")`), but evaluating a string lookup per
//! agent per routing decision is what makes the incumbents slow. Names are interned once, when
//! an expression is compiled or an agent's skills change, and evaluation compares `u32`s.

use std::collections::HashMap;

use smallvec::SmallVec;

/// A skill name interned by a [`SkillInterner`]. Ids are dense, starting at 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SkillId(pub u32);

/// Maps skill names to [`SkillId`]s; shared by the expression compiler and the agent index so
/// the same name always gets the same id.
#[derive(Debug, Default, Clone)]
pub struct SkillInterner {
    ids: HashMap<String, SkillId>,
    names: Vec<String>,
}

impl SkillInterner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, allocating one the first time the name is seen.
    pub fn intern(&mut self, name: &str) -> SkillId {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        // More than u32::MAX distinct skill names cannot fit in memory alongside their
        // strings, so saturating here never merges two real names.
        let id = SkillId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }

    /// The id of `name` if it was interned before.
    pub fn lookup(&self, name: &str) -> Option<SkillId> {
        self.ids.get(name).copied()
    }

    /// The name behind `id`.
    pub fn name(&self, id: SkillId) -> Option<&str> {
        self.names.get(id.0 as usize).map(String::as_str)
    }

    /// How many names have been interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name has been interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The enabled skills of one agent with their scores, sorted by id: what `get`/`has` read.
///
/// Disabled skills are left out on purpose: for routing a disabled skill is the same as a
/// missing one (`get` → 0, `has` → false), and a shorter list is a faster search.
///
/// Up to [`SkillSet::INLINE`] skills are stored inline, with no heap pointer: a condition
/// route scans the idle agents' sets back to back, and an inline set is read in the same
/// cache lines as its neighbours instead of through one pointer per agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillSet {
    entries: SmallVec<[(SkillId, i32); SkillSet::INLINE]>,
}

impl SkillSet {
    /// How many skills a set holds without a heap allocation.
    pub const INLINE: usize = 4;

    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a set from `(id, score)` pairs; a later duplicate id replaces an earlier one.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (SkillId, i32)>) -> Self {
        let mut set = Self::new();
        for (id, score) in pairs {
            set.insert(id, score);
        }
        set
    }

    /// Adds or replaces a skill.
    pub fn insert(&mut self, id: SkillId, score: i32) {
        match self.entries.binary_search_by_key(&id, |e| e.0) {
            Ok(i) => self.entries[i].1 = score,
            Err(i) => self.entries.insert(i, (id, score)),
        }
    }

    /// The score of an enabled skill, `None` when the agent lacks it.
    #[inline]
    pub fn score(&self, id: SkillId) -> Option<i32> {
        // Agents hold a handful of skills: a linear scan beats binary search below ~16.
        if self.entries.len() <= 16 {
            return self.entries.iter().find(|e| e.0 == id).map(|e| e.1);
        }
        self.entries
            .binary_search_by_key(&id, |e| e.0)
            .ok()
            .map(|i| self.entries[i].1)
    }

    /// The `(id, score)` pairs in id order.
    pub fn iter(&self) -> impl Iterator<Item = (SkillId, i32)> + '_ {
        self.entries.iter().copied()
    }

    /// How many enabled skills the set holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable() {
        let mut i = SkillInterner::new();
        let a = i.intern("billing");
        let b = i.intern("en");
        assert_ne!(a, b);
        assert_eq!(i.intern("billing"), a);
        assert_eq!(i.lookup("en"), Some(b));
        assert_eq!(i.lookup("fr"), None);
        assert_eq!(i.name(b), Some("en"));
        assert_eq!(i.len(), 2);
    }

    #[test]
    fn set_keeps_order_and_replaces() {
        let mut s = SkillSet::from_pairs([(SkillId(5), 1), (SkillId(2), 7), (SkillId(5), 9)]);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![(SkillId(2), 7), (SkillId(5), 9)]
        );
        assert_eq!(s.score(SkillId(5)), Some(9));
        assert_eq!(s.score(SkillId(3)), None);
        for k in 0..40 {
            s.insert(SkillId(100 + k), k as i32);
        }
        assert_eq!(s.score(SkillId(120)), Some(20));
        assert_eq!(s.score(SkillId(99)), None);
    }
}
