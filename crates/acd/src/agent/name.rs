//! Agent names and job numbers (SPEC §1).

use std::fmt;

/// Longest agent name, in characters.
pub const MAX_NAME: usize = 32;
/// Longest job number, in digits.
pub const MAX_NUM: usize = 32;

/// A validated agent name: 1–32 characters of `[A-Za-z0-9_]`, unique in its call center.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentName(String);

/// Why a name or job number is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Empty or longer than [`MAX_NAME`].
    #[error("agent name must be 1 to {MAX_NAME} characters, found {len}")]
    NameLength {
        /// Length that arrived.
        len: usize,
    },
    /// A character outside `[A-Za-z0-9_]`.
    #[error(
        "agent name may only hold letters, digits and `_`, found `{found}` at position {index}"
    )]
    NameChar {
        /// The character.
        found: char,
        /// Its 0-based character index.
        index: usize,
    },
    /// A job number that is empty, too long or not all digits.
    #[error("num must be 1 to {MAX_NUM} digits, found `{found}`")]
    Num {
        /// What arrived.
        found: String,
    },
}

impl AgentName {
    /// Validates a name.
    pub fn new(name: &str) -> Result<Self, NameError> {
        let len = name.chars().count();
        if len == 0 || len > MAX_NAME {
            return Err(NameError::NameLength { len });
        }
        if let Some((index, found)) = name
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        {
            return Err(NameError::NameChar { found, index });
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a job number (`num`): digits only, announced to callers digit by digit.
pub fn validate_num(num: &str) -> Result<(), NameError> {
    if num.is_empty() || num.len() > MAX_NUM || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameError::Num {
            found: num.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(AgentName::new("agent_2019").is_ok());
        assert!(AgentName::new(&"a".repeat(32)).is_ok());
        assert_eq!(
            AgentName::new(&"a".repeat(33)),
            Err(NameError::NameLength { len: 33 })
        );
        assert_eq!(AgentName::new(""), Err(NameError::NameLength { len: 0 }));
        assert_eq!(
            AgentName::new("ab-c"),
            Err(NameError::NameChar {
                found: '-',
                index: 2
            })
        );
        assert!(AgentName::new("é").is_err());
    }

    #[test]
    fn nums() {
        assert!(validate_num("007").is_ok());
        assert!(validate_num("").is_err());
        assert!(validate_num("12a").is_err());
    }
}
