//! An agent's skills `[{name, score, enabled}]` and the `opts` update of SPEC §3.

use crate::skill::{SkillInterner, SkillSet};

/// Longest skill name, in characters.
pub const MAX_SKILL_NAME: usize = 64;
/// Highest score.
pub const MAX_SCORE: i32 = 1_000_000;

/// One skill of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The skill's name, as expressions and `<skill name>` refer to it.
    pub name: String,
    /// 0..=[`MAX_SCORE`]; `get("name")` returns it while enabled.
    pub score: i32,
    /// A disabled skill counts as missing for routing.
    pub enabled: bool,
}

/// One entry of `opts`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkillOpt {
    /// `opt: 0` — delete all skills.
    Clear,
    /// `opt: 1` — add, or update the given fields (omitted ones keep their value, or default
    /// to 0 / false for a new skill).
    Upsert {
        /// Skill name.
        name: String,
        /// New score, if given.
        score: Option<i32>,
        /// New enabled flag, if given.
        enabled: Option<bool>,
    },
    /// `opt: 2` — delete one skill (deleting a missing skill changes nothing).
    Delete {
        /// Skill name.
        name: String,
    },
}

/// Why a skill or an `opts` entry is refused; `index` is the entry's place in `opts`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SkillError {
    /// `opt` is not 0, 1 or 2.
    #[error(
        "opts[{index}].opt must be 0 (delete all), 1 (add/update) or 2 (delete), found {found}"
    )]
    UnknownOpt {
        /// Entry index.
        index: usize,
        /// The value that arrived.
        found: i64,
    },
    /// `opt` 1 or 2 without `name`.
    #[error("opts[{index}].name is required for opt {opt}")]
    MissingName {
        /// Entry index.
        index: usize,
        /// The opt.
        opt: i64,
    },
    /// An empty, too long or control-character name.
    #[error("skill name `{name}` must be 1 to {MAX_SKILL_NAME} printable characters")]
    BadName {
        /// The name.
        name: String,
    },
    /// A score out of range.
    #[error("score of skill `{name}` must be 0 to {MAX_SCORE}, found {found}")]
    BadScore {
        /// The skill.
        name: String,
        /// The score that arrived.
        found: i64,
    },
}

fn check_name(name: &str) -> Result<(), SkillError> {
    let len = name.chars().count();
    if len == 0 || len > MAX_SKILL_NAME || name.chars().any(char::is_control) {
        return Err(SkillError::BadName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn check_score(name: &str, score: i64) -> Result<i32, SkillError> {
    i32::try_from(score)
        .ok()
        .filter(|s| (0..=MAX_SCORE).contains(s))
        .ok_or(SkillError::BadScore {
            name: name.to_owned(),
            found: score,
        })
}

impl Skill {
    /// A validated skill.
    pub fn new(name: &str, score: i64, enabled: bool) -> Result<Self, SkillError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            score: check_score(name, score)?,
            enabled,
        })
    }
}

impl SkillOpt {
    /// Validates one raw `opts` entry (`index` is its place, for messages).
    pub fn from_parts(
        index: usize,
        opt: i64,
        name: Option<&str>,
        score: Option<i64>,
        enabled: Option<bool>,
    ) -> Result<Self, SkillError> {
        let named = || -> Result<String, SkillError> {
            let n = name.ok_or(SkillError::MissingName { index, opt })?;
            check_name(n)?;
            Ok(n.to_owned())
        };
        match opt {
            0 => Ok(SkillOpt::Clear),
            1 => {
                let name = named()?;
                let score = score.map(|s| check_score(&name, s)).transpose()?;
                Ok(SkillOpt::Upsert {
                    name,
                    score,
                    enabled,
                })
            }
            2 => Ok(SkillOpt::Delete { name: named()? }),
            found => Err(SkillError::UnknownOpt { index, found }),
        }
    }
}

/// An agent's skills in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skills {
    list: Vec<Skill>,
}

impl Skills {
    /// Builds from a login's `skills`; a repeated name keeps the last entry.
    pub fn new(skills: impl IntoIterator<Item = Skill>) -> Self {
        let mut s = Self::default();
        for skill in skills {
            s.apply(&SkillOpt::Upsert {
                name: skill.name,
                score: Some(skill.score),
                enabled: Some(skill.enabled),
            });
        }
        s
    }

    /// The skills.
    pub fn as_slice(&self) -> &[Skill] {
        &self.list
    }

    /// Applies validated opts in order.
    pub fn apply_all(&mut self, opts: &[SkillOpt]) {
        for opt in opts {
            self.apply(opt);
        }
    }

    fn apply(&mut self, opt: &SkillOpt) {
        match opt {
            SkillOpt::Clear => self.list.clear(),
            SkillOpt::Delete { name } => self.list.retain(|s| &s.name != name),
            SkillOpt::Upsert {
                name,
                score,
                enabled,
            } => {
                if let Some(s) = self.list.iter_mut().find(|s| &s.name == name) {
                    s.score = score.unwrap_or(s.score);
                    s.enabled = enabled.unwrap_or(s.enabled);
                } else {
                    self.list.push(Skill {
                        name: name.clone(),
                        score: score.unwrap_or(0),
                        enabled: enabled.unwrap_or(false),
                    });
                }
            }
        }
    }

    /// The enabled skills as interned ids, for routing and expressions.
    pub fn to_set(&self, interner: &mut SkillInterner) -> SkillSet {
        SkillSet::from_pairs(
            self.list
                .iter()
                .filter(|s| s.enabled)
                .map(|s| (interner.intern(&s.name), s.score)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(i: usize, o: i64, n: Option<&str>, s: Option<i64>, e: Option<bool>) -> SkillOpt {
        SkillOpt::from_parts(i, o, n, s, e).unwrap()
    }

    #[test]
    fn opts_apply_in_order_and_keep_omitted_fields() {
        let mut s = Skills::new([Skill::new("en", 5, true).unwrap()]);
        s.apply_all(&[
            opt(0, 1, Some("en"), None, Some(false)),
            opt(1, 1, Some("billing"), None, None),
            opt(2, 1, Some("vip"), Some(9), Some(true)),
            opt(3, 2, Some("billing"), None, None),
            opt(4, 2, Some("nope"), None, None),
        ]);
        assert_eq!(
            s.as_slice(),
            &[
                Skill {
                    name: "en".into(),
                    score: 5,
                    enabled: false
                },
                Skill {
                    name: "vip".into(),
                    score: 9,
                    enabled: true
                }
            ]
        );
        s.apply_all(&[opt(0, 1, Some("x"), None, None)]);
        assert_eq!(
            s.as_slice()[2],
            Skill {
                name: "x".into(),
                score: 0,
                enabled: false
            }
        );
        s.apply_all(&[
            opt(0, 0, None, None, None),
            opt(1, 1, Some("y"), Some(1), Some(true)),
        ]);
        assert_eq!(s.as_slice().len(), 1);
    }

    #[test]
    fn bad_opts_are_refused() {
        assert_eq!(
            SkillOpt::from_parts(3, 7, None, None, None),
            Err(SkillError::UnknownOpt { index: 3, found: 7 })
        );
        assert_eq!(
            SkillOpt::from_parts(1, 2, None, None, None),
            Err(SkillError::MissingName { index: 1, opt: 2 })
        );
        assert!(matches!(
            SkillOpt::from_parts(0, 1, Some("a"), Some(-1), None),
            Err(SkillError::BadScore { found: -1, .. })
        ));
        assert!(SkillOpt::from_parts(0, 1, Some(""), None, None).is_err());
    }

    #[test]
    fn routing_set_holds_enabled_only() {
        let mut i = SkillInterner::new();
        let s = Skills::new([
            Skill::new("a", 3, true).unwrap(),
            Skill::new("b", 4, false).unwrap(),
        ]);
        let set = s.to_set(&mut i);
        assert_eq!(set.score(i.intern("a")), Some(3));
        assert_eq!(set.score(i.intern("b")), None);
    }
}
