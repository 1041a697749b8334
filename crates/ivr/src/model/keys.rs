//! DTMF keys (RFC 4733 §3.2 events 0–15) and sets of them.

use std::fmt;

/// The sixteen DTMF keys in RFC 4733 event order (§3.2: events 0–9, `*` = 10, `#` = 11,
/// A–D = 12–15).
const KEYS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/// One DTMF key: `0-9`, `*`, `#` or `A-D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DtmfKey(u8);

impl DtmfKey {
    /// The key for a character; lower-case `a-d` are accepted as the letters.
    pub fn from_char(c: char) -> Option<Self> {
        let upper = c.to_ascii_uppercase();
        KEYS.iter()
            .position(|k| *k == upper)
            .and_then(|i| u8::try_from(i).ok())
            .map(DtmfKey)
    }

    /// The RFC 4733 event code (0–15).
    pub fn event_code(self) -> u8 {
        self.0
    }

    /// The key as a character (`A-D` upper case).
    pub fn as_char(self) -> char {
        // Invariant: the index is below 16, by construction in `from_char`.
        KEYS[usize::from(self.0)]
    }
}

impl fmt::Display for DtmfKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// A set of DTMF keys, written in documents as the keys side by side (`"0123456789*#"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeySet(u16);

impl KeySet {
    /// No key.
    pub const EMPTY: KeySet = KeySet(0);
    /// All sixteen keys.
    pub const ALL: KeySet = KeySet(u16::MAX);

    /// Parses keys written side by side; `None` for an unknown character or a repeated key.
    pub fn parse(text: &str) -> Option<Self> {
        let mut set = KeySet::EMPTY;
        for c in text.chars() {
            let key = DtmfKey::from_char(c)?;
            if set.contains(key) {
                return None;
            }
            set = set.with(key);
        }
        Some(set)
    }

    /// This set plus `key`.
    pub fn with(self, key: DtmfKey) -> Self {
        KeySet(self.0 | (1 << key.0))
    }

    /// The keys in either set.
    pub fn union(self, other: KeySet) -> Self {
        KeySet(self.0 | other.0)
    }

    /// Whether `key` is in the set.
    pub fn contains(self, key: DtmfKey) -> bool {
        self.0 & (1 << key.0) != 0
    }

    /// Whether the set has no key.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The keys, in RFC 4733 event order.
    pub fn iter(self) -> impl Iterator<Item = DtmfKey> {
        (0u8..16).map(DtmfKey).filter(move |k| self.contains(*k))
    }
}

impl fmt::Display for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.iter().try_for_each(|k| write!(f, "{k}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_key_sets() {
        let set = KeySet::parse("#0*a").expect("valid keys");
        assert_eq!(set.to_string(), "0*#A");
        assert!(set.contains(DtmfKey::from_char('#').expect("key")));
        assert!(!set.contains(DtmfKey::from_char('1').expect("key")));
    }

    #[test]
    fn rejects_unknown_and_repeated_keys() {
        assert_eq!(KeySet::parse("12x"), None);
        assert_eq!(KeySet::parse("11"), None);
        assert_eq!(KeySet::parse(""), Some(KeySet::EMPTY));
    }

    #[test]
    fn event_codes_follow_rfc4733() {
        assert_eq!(DtmfKey::from_char('*').map(DtmfKey::event_code), Some(10));
        assert_eq!(DtmfKey::from_char('#').map(DtmfKey::event_code), Some(11));
        assert_eq!(DtmfKey::from_char('D').map(DtmfKey::event_code), Some(15));
        assert_eq!(KeySet::ALL.iter().count(), 16);
    }
}
