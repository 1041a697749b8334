//! A worker's legs and conversations: values in one vector, found by id through a map
//! of positions.
//!
//! The tick walks a precomputed order (see [`super::order`]) that names values by
//! position, so it reaches each one without hashing, and knows where the next one lives
//! before it needs it: it asks the CPU to fetch it while the current leg's system calls
//! run ([`crate::sys::prefetch`]). A freed position is reused by the next insert, which
//! keeps the vector as small as the most values held at once.

use std::hash::Hash;

use super::ids::IdMap;

/// Position of a value in a [`Table`]; valid until the value is removed.
pub(crate) type Pos = u32;

/// Values of type `V` keyed by engine-assigned ids.
#[derive(Debug)]
pub(crate) struct Table<K, V> {
    values: Vec<Option<(K, V)>>,
    index: IdMap<K, Pos>,
    free: Vec<Pos>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            index: IdMap::default(),
            free: Vec::new(),
        }
    }
}

impl<K: Copy + Eq + Hash, V> Table<K, V> {
    /// Values held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Where `key`'s value is.
    pub fn pos(&self, key: &K) -> Option<Pos> {
        self.index.get(key).copied()
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.index.contains_key(key)
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.at(self.pos(key)?)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let pos = self.pos(key)?;
        self.at_mut(pos)
    }

    /// The value at `pos`.
    pub fn at(&self, pos: Pos) -> Option<&V> {
        self.values.get(pos as usize)?.as_ref().map(|(_, v)| v)
    }

    /// The value at `pos`, mutably.
    pub fn at_mut(&mut self, pos: Pos) -> Option<&mut V> {
        self.values.get_mut(pos as usize)?.as_mut().map(|(_, v)| v)
    }

    /// Starts loading the value at `pos` into the cache, without reading it (see
    /// [`crate::sys::prefetch`]).
    pub fn prefetch(&self, pos: Pos) {
        if let Some(entry) = self.values.get(pos as usize) {
            crate::sys::prefetch(entry);
        }
    }

    /// Holds `value` under `key`, returning the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(pos) = self.pos(&key) {
            let slot = &mut self.values[pos as usize];
            return slot.replace((key, value)).map(|(_, v)| v);
        }
        let pos = match self.free.pop() {
            Some(pos) => {
                self.values[pos as usize] = Some((key, value));
                pos
            }
            None => {
                // More than four billion values cannot fit in memory: positions fit u32.
                let pos = Pos::try_from(self.values.len()).unwrap_or(Pos::MAX);
                self.values.push(Some((key, value)));
                pos
            }
        };
        self.index.insert(key, pos);
        None
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let pos = self.index.remove(key)?;
        self.free.push(pos);
        self.values[pos as usize].take().map(|(_, v)| v)
    }

    /// Keys in position order.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.values.iter().flatten().map(|(k, _)| k)
    }

    /// Values in position order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.values.iter_mut().flatten().map(|(_, v)| v)
    }

    /// Keys and values in position order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        self.values.iter_mut().flatten().map(|(k, v)| (&*k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::LegId;

    #[test]
    fn finds_by_key_and_by_position_and_reuses_freed_positions() {
        let mut t: Table<LegId, &str> = Table::default();
        assert_eq!(t.insert(LegId(7), "a"), None);
        assert_eq!(t.insert(LegId(9), "b"), None);
        assert_eq!(t.insert(LegId(7), "c"), Some("a"));
        assert_eq!(t.len(), 2);
        let p = t.pos(&LegId(9)).unwrap();
        assert_eq!(t.at(p), Some(&"b"));
        assert_eq!(t.remove(&LegId(9)), Some("b"));
        assert_eq!(t.remove(&LegId(9)), None);
        assert_eq!(t.at(p), None);
        assert!(!t.contains_key(&LegId(9)));
        t.insert(LegId(11), "d");
        assert_eq!(t.pos(&LegId(11)), Some(p), "the freed position is reused");
        assert_eq!(t.get(&LegId(7)), Some(&"c"));
        let mut keys: Vec<_> = t.keys().copied().collect();
        keys.sort();
        assert_eq!(keys, vec![LegId(7), LegId(11)]);
        for v in t.values_mut() {
            *v = "e";
        }
        assert!(t.iter_mut().all(|(_, v)| *v == "e"));
    }
}
