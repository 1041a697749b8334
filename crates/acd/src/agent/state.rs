//! Agent states of SPEC §4: `<base>[/<extension>]`.

use std::fmt;
use std::str::FromStr;

/// Longest extension after the base state (`busy/<x>`), in bytes.
pub const MAX_EXTENSION: usize = 256;

/// The base of a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base {
    /// Logged in, nothing set yet; only ever right after login.
    Online,
    /// Ready for queue tasks.
    Idle,
    /// The engine is ringing the agent for a task.
    Fetching,
    /// In at least one conversation.
    Talking,
    /// Not available (after-call work and the like).
    Busy,
    /// Away from the desk.
    Away,
}

impl Base {
    fn as_str(self) -> &'static str {
        match self {
            Base::Online => "online",
            Base::Idle => "idle",
            Base::Fetching => "fetching",
            Base::Talking => "talking",
            Base::Busy => "busy",
            Base::Away => "away",
        }
    }

    /// Whether this base may carry an extension.
    pub fn takes_extension(self) -> bool {
        matches!(
            self,
            Base::Fetching | Base::Talking | Base::Busy | Base::Away
        )
    }
}

/// A full state such as `idle` or `away/lunch`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentState {
    base: Base,
    extension: Option<String>,
}

/// Why a state string is not a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The part before `/` is not a known base.
    #[error(
        "unknown state `{found}`, expected idle, busy[/x], away[/x] (or online, fetching, talking)"
    )]
    UnknownBase {
        /// The base that arrived.
        found: String,
    },
    /// `online/x` or `idle/x`.
    #[error("state `{base}` takes no extension, found `/{extension}`")]
    UnexpectedExtension {
        /// The base.
        base: &'static str,
        /// The extension that arrived.
        extension: String,
    },
    /// An extension that is empty, too long or not path-like.
    #[error("state extension `{extension}` is not valid: {reason}")]
    BadExtension {
        /// The extension that arrived.
        extension: String,
        /// What rule it breaks.
        reason: &'static str,
    },
}

impl AgentState {
    /// A state without extension.
    pub const fn plain(base: Base) -> Self {
        Self {
            base,
            extension: None,
        }
    }

    /// `idle`.
    pub const IDLE: AgentState = AgentState::plain(Base::Idle);
    /// `online`.
    pub const ONLINE: AgentState = AgentState::plain(Base::Online);
    /// `talking`.
    pub const TALKING: AgentState = AgentState::plain(Base::Talking);

    /// A state with an extension, validated.
    pub fn with_extension(base: Base, extension: &str) -> Result<Self, StateError> {
        if !base.takes_extension() {
            return Err(StateError::UnexpectedExtension {
                base: base.as_str(),
                extension: extension.to_owned(),
            });
        }
        validate_extension(extension)?;
        Ok(Self {
            base,
            extension: Some(extension.to_owned()),
        })
    }

    /// The base.
    pub fn base(&self) -> Base {
        self.base
    }

    /// The extension, if any.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// Whether the state API may set this state (`idle`, `busy[/x]`, `away[/x]`).
    pub fn is_settable(&self) -> bool {
        matches!(self.base, Base::Idle | Base::Busy | Base::Away)
    }
}

/// POSIX-path-like: segments of `[A-Za-z0-9._-]` separated by single `/`, no `.`/`..`
/// segment, no leading or trailing `/`, at most [`MAX_EXTENSION`] bytes.
fn validate_extension(x: &str) -> Result<(), StateError> {
    let bad = |reason| {
        Err(StateError::BadExtension {
            extension: x.to_owned(),
            reason,
        })
    };
    if x.is_empty() {
        return bad("it is empty");
    }
    if x.len() > MAX_EXTENSION {
        return bad("it is longer than 256 bytes");
    }
    for seg in x.split('/') {
        if seg.is_empty() {
            return bad("it has an empty path segment (leading, trailing or double `/`)");
        }
        if seg == "." || seg == ".." {
            return bad("`.` and `..` segments are not allowed");
        }
        if !seg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return bad("only letters, digits, `.`, `_`, `-` and `/` are allowed");
        }
    }
    Ok(())
}

impl FromStr for AgentState {
    type Err = StateError;

    fn from_str(s: &str) -> Result<Self, StateError> {
        let (base, ext) = match s.split_once('/') {
            Some((b, x)) => (b, Some(x)),
            None => (s, None),
        };
        let base = match base {
            "online" => Base::Online,
            "idle" => Base::Idle,
            "fetching" => Base::Fetching,
            "talking" => Base::Talking,
            "busy" => Base::Busy,
            "away" => Base::Away,
            other => {
                return Err(StateError::UnknownBase {
                    found: other.to_owned(),
                })
            }
        };
        match ext {
            Some(x) => Self::with_extension(base, x),
            None => Ok(Self::plain(base)),
        }
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.as_str())?;
        if let Some(x) = &self.extension {
            write!(f, "/{x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for s in [
            "online",
            "idle",
            "busy",
            "away/lunch",
            "busy/after_call_work",
            "fetching/t1/a.b-c",
        ] {
            assert_eq!(s.parse::<AgentState>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_bad_states() {
        for s in [
            "",
            "sleeping",
            "idle/x",
            "online/x",
            "away/",
            "away//x",
            "away/../x",
            "away/a b",
            "Busy",
        ] {
            assert!(s.parse::<AgentState>().is_err(), "{s}");
        }
        let long = format!("away/{}", "a".repeat(257));
        assert!(long.parse::<AgentState>().is_err());
        let max = format!("away/{}", "a".repeat(256));
        assert!(max.parse::<AgentState>().is_ok());
    }

    #[test]
    fn settable_states() {
        assert!("idle".parse::<AgentState>().unwrap().is_settable());
        assert!("away/lunch".parse::<AgentState>().unwrap().is_settable());
        assert!(!"online".parse::<AgentState>().unwrap().is_settable());
        assert!(!"talking".parse::<AgentState>().unwrap().is_settable());
    }
}
