//! Stored conditions (SPEC §3): a named, validated agent-selection rule.

use std::time::Duration;

use crate::expr::{ExprError, SortExpr, WhereExpr};
use crate::skill::SkillInterner;

/// Default `fetch_timeout` of a condition.
pub const CONDITION_FETCH_TIMEOUT: Duration = Duration::from_secs(45);

/// A stored condition, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Which agents match.
    pub where_: WhereExpr,
    /// How matching agents rank (larger first); `None` ranks them all equal.
    pub sort: Option<SortExpr>,
    /// 0–99, larger first among waiting tasks.
    pub priority: u8,
    /// How long a task waits on this condition before overflowing, 1–1000 s.
    pub queue_timeout: Duration,
    /// How long an agent may ring, 1–60 s.
    pub fetch_timeout: Duration,
    /// Free text for operators.
    pub remark: Option<String>,
}

/// The raw fields of a create/update request.
#[derive(Debug, Clone, Default)]
pub struct ConditionInput<'a> {
    /// `where`, required.
    pub where_: Option<&'a str>,
    /// `sort`.
    pub sort: Option<&'a str>,
    /// `priority`, default 0.
    pub priority: Option<i64>,
    /// `queue_timeout`, required.
    pub queue_timeout: Option<i64>,
    /// `fetch_timeout`, default 45.
    pub fetch_timeout: Option<i64>,
    /// `remark`.
    pub remark: Option<&'a str>,
}

/// One problem with a condition; all are reported at once.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConditionError {
    /// A required field is absent.
    #[error("`{field}` is required")]
    Missing {
        /// Parameter name.
        field: &'static str,
    },
    /// A number out of its range.
    #[error("`{field}` must be {min} to {max}, found {found}")]
    OutOfRange {
        /// Parameter name.
        field: &'static str,
        /// Lowest allowed.
        min: i64,
        /// Highest allowed.
        max: i64,
        /// What arrived.
        found: i64,
    },
    /// `where` or `sort` does not compile.
    #[error("`{field}` does not compile: {error}")]
    Expression {
        /// `where` or `sort`.
        field: &'static str,
        /// Why, with the position.
        error: ExprError,
    },
}

/// Checks `value` against `min..=max`.
pub(crate) fn ranged(
    field: &'static str,
    value: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConditionError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ConditionError::OutOfRange {
            field,
            min,
            max,
            found: value,
        })
    }
}

fn secs(v: i64) -> Duration {
    Duration::from_secs(v.unsigned_abs())
}

impl Condition {
    /// Validates and compiles a condition, reporting every problem.
    pub fn new(
        input: &ConditionInput<'_>,
        skills: &mut SkillInterner,
    ) -> Result<Self, Vec<ConditionError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<i64, ConditionError>, default: i64| {
            r.unwrap_or_else(|e| {
                errors.push(e);
                default
            })
        };
        let priority = keep(ranged("priority", input.priority.unwrap_or(0), 0, 99), 0);
        let queue_timeout = match input.queue_timeout {
            Some(v) => keep(ranged("queue_timeout", v, 1, 1000), 1),
            None => keep(
                Err(ConditionError::Missing {
                    field: "queue_timeout",
                }),
                1,
            ),
        };
        let fetch_timeout = keep(
            ranged("fetch_timeout", input.fetch_timeout.unwrap_or(45), 1, 60),
            45,
        );
        let where_ = match input.where_ {
            Some(src) => WhereExpr::compile(src, skills)
                .map_err(|error| {
                    errors.push(ConditionError::Expression {
                        field: "where",
                        error,
                    })
                })
                .ok(),
            None => {
                errors.push(ConditionError::Missing { field: "where" });
                None
            }
        };
        let sort = input.sort.filter(|s| !s.trim().is_empty()).and_then(|src| {
            SortExpr::compile(src, skills)
                .map_err(|error| {
                    errors.push(ConditionError::Expression {
                        field: "sort",
                        error,
                    })
                })
                .ok()
        });
        match where_ {
            Some(where_) if errors.is_empty() => Ok(Self {
                where_,
                sort,
                priority: u8::try_from(priority).unwrap_or(0),
                queue_timeout: secs(queue_timeout),
                fetch_timeout: secs(fetch_timeout),
                remark: input.remark.map(str::to_owned),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_ranges() {
        let mut i = SkillInterner::new();
        let c = Condition::new(
            &ConditionInput {
                where_: Some(r#"has("a")"#),
                queue_timeout: Some(30),
                ..Default::default()
            },
            &mut i,
        )
        .unwrap();
        assert_eq!(
            (c.priority, c.fetch_timeout, c.queue_timeout),
            (0, CONDITION_FETCH_TIMEOUT, Duration::from_secs(30))
        );

        let errs = Condition::new(
            &ConditionInput {
                where_: Some("get(\"a\") >"),
                sort: Some("has(\"a\")"),
                priority: Some(100),
                fetch_timeout: Some(61),
                ..Default::default()
            },
            &mut i,
        )
        .unwrap_err();
        let fields: Vec<_> = errs
            .iter()
            .map(|e| match e {
                ConditionError::Missing { field }
                | ConditionError::OutOfRange { field, .. }
                | ConditionError::Expression { field, .. } => *field,
            })
            .collect();
        assert_eq!(
            fields,
            [
                "priority",
                "queue_timeout",
                "fetch_timeout",
                "where",
                "sort"
            ]
        );
        assert!(errs[3].to_string().contains("column 11"), "{}", errs[3]);
    }
}
