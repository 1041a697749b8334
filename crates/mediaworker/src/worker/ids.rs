//! Maps keyed by the engine's own leg and conversation ids.
//!
//! The tick looks legs up by id several times per conversation (inputs for the mixer,
//! deliveries back), thousands of times per 20 ms. The ids are counters the engine
//! hands out, never chosen by a peer, so SipHash's resistance to chosen keys buys
//! nothing here; a multiplicative hash (Fibonacci hashing, Knuth TAOCP vol. 3 §6.4)
//! spreads consecutive ids over the table at a fraction of the cost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// 2^64 / φ, odd: multiplying by it mixes low id bits into the high bits the table's
/// control bytes use, and keeps distinct ids distinct.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hasher for small integer keys.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys other than the u64 ids; fold bytes in one at a time.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(GOLDEN);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` keyed by engine-assigned ids.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::LegId;
    use std::hash::BuildHasher;

    #[test]
    fn consecutive_ids_hash_apart_in_high_and_low_bits() {
        let b = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (0..1024u64).map(|i| b.hash_one(LegId(i))).collect();
        let mut top: Vec<u64> = hashes.iter().map(|h| h >> 57).collect();
        top.sort_unstable();
        top.dedup();
        assert!(
            top.len() > 100,
            "the 7 control bits take {} values",
            top.len()
        );
        let mut low: Vec<u64> = hashes.iter().map(|h| h & 1023).collect();
        low.sort_unstable();
        low.dedup();
        assert_eq!(
            low.len(),
            1024,
            "1024 ids fill 1024 buckets without collision"
        );
    }

    #[test]
    fn a_map_finds_what_it_holds() {
        let mut m: IdMap<LegId, u64> = IdMap::default();
        for i in 0..5000 {
            m.insert(LegId(i * 7), i);
        }
        assert!((0..5000).all(|i| m.get(&LegId(i * 7)) == Some(&i)));
        assert_eq!(m.get(&LegId(1)), None);
    }
}
