//! The call-center domain of Switchboard: agent states, condition expressions, the
//! `<enqueue>` model, routing of queue tasks to agents, and conversation membership rules.
//!
//! **Invariant**: this crate does no I/O, spawns nothing and never reads the clock. Time is
//! an argument (`now: Instant`), randomness a seeded RNG passed in, and every decision comes
//! back as a value (an output to perform, an event to send) for the engine to carry out.
//! Untrusted input (API strings, XML, expressions) never panics here.
//!
//! ```
//! use switchboard_acd::expr::{SortExpr, WhereExpr};
//! use switchboard_acd::skill::{SkillInterner, SkillSet};
//!
//! let mut skills = SkillInterner::new();
//! let where_ = WhereExpr::compile(r#"has("billing") && get("billing") >= 5;"#, &mut skills)?;
//! let sort = SortExpr::compile(r#"get("vip")*2 + get("en")"#, &mut skills)?;
//! let agent = SkillSet::from_pairs([
//!     (skills.intern("billing"), 6),
//!     (skills.intern("vip"), 2),
//!     (skills.intern("en"), 1),
//! ]);
//! assert!(where_.matches(&agent));
//! assert_eq!(sort.eval(&agent), Ok(5.0));
//! # Ok::<(), switchboard_acd::expr::ExprError>(())
//! ```

pub mod agent;
pub mod conversation;
pub mod enqueue;
pub mod expr;
pub mod routing;
pub mod skill;
