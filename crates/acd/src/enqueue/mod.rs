//! The `<enqueue>` agent-selection document (SPEC §8) and stored conditions (SPEC §3).
//!
//! [`parse`] reads the XML into [`Enqueue`], compiling every expression and resolving stored
//! conditions through [`ConditionLookup`]. It reports every problem at once, each with the
//! line and column in the document (expression errors point inside `<where>`/`<sort>`).
//!
//! ```
//! use std::collections::HashMap;
//! use switchboard_acd::enqueue::{parse, Condition, Selector};
//! use switchboard_acd::skill::SkillInterner;
//!
//! let mut skills = SkillInterner::new();
//! let stored: HashMap<String, Condition> = HashMap::new();
//! let q = parse(r#"<enqueue choice="lru"><route><skill name="billing" queue_timeout="30"/></route></enqueue>"#,
//!               &stored, &mut skills).unwrap();
//! assert!(matches!(q.routes[0].selector, Selector::Skill { .. }));
//! let errs = parse("<enqueue><route/></enqueue>", &stored, &mut skills).unwrap_err();
//! assert_eq!((errs[0].line, errs[0].column), (1, 10));
//! ```

mod condition;
mod dom;
mod validate;

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

pub use condition::{Condition, ConditionError, ConditionInput, CONDITION_FETCH_TIMEOUT};
pub use validate::parse;

use crate::agent::{AgentName, AgentState};
use crate::expr::{ExprError, Position, SortExpr, WhereExpr};
use crate::skill::SkillId;

/// Default `fetch_timeout` of `<agent>` and `<skill>` routes.
pub const AGENT_FETCH_TIMEOUT: Duration = Duration::from_secs(50);

/// Finds stored conditions by id for `<condition id>`.
pub trait ConditionLookup {
    /// The condition, compiled with the same [`crate::skill::SkillInterner`].
    fn condition(&self, id: &str) -> Option<Condition>;
}

impl ConditionLookup for HashMap<String, Condition> {
    fn condition(&self, id: &str) -> Option<Condition> {
        self.get(id).cloned()
    }
}

/// How to pick among equally good agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    /// Uniformly at random (seeded by the caller).
    #[default]
    Random,
    /// The one idle the longest.
    Lru,
}

/// Sort direction of an inline `<sort mode>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortMode {
    /// Smallest first.
    Asc,
    /// Largest first (default; stored conditions always sort this way).
    #[default]
    Desc,
}

/// What a route selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// A stored (`id` set) or inline condition.
    Condition {
        /// The stored condition's id; `None` for an inline one.
        id: Option<String>,
        /// Which agents match.
        where_: WhereExpr,
        /// How they rank.
        sort: Option<(SortExpr, SortMode)>,
    },
    /// One named agent.
    Agent(AgentName),
    /// Agents with the skill enabled, by score, largest first.
    Skill {
        /// The skill's name.
        name: String,
        /// Its interned id.
        id: SkillId,
    },
}

/// One `<route>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// What it selects.
    pub selector: Selector,
    /// 0–99, larger first among waiting tasks.
    pub priority: u8,
    /// `None` waits until the caller leaves; zero fails at once without a matching idle agent.
    pub queue_timeout: Option<Duration>,
    /// How long a selected agent may ring.
    pub fetch_timeout: Duration,
}

/// A parsed `<enqueue>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Enqueue {
    /// Always 2 (three-party allowed).
    pub conversation_level: u8,
    /// Limit on the conversation's length.
    pub conversation_timeout: Option<Duration>,
    /// Among equals: random or longest idle.
    pub choice: Choice,
    /// State of an agent when this conversation was its last.
    pub reserve_state: AgentState,
    /// A failed fetch moves to the next route instead of failing the task.
    pub fail_overflow: bool,
    /// Looped while waiting and ringing.
    pub wait_voice: Option<String>,
    /// 1–5.
    pub ring_mode: u8,
    /// Ring prompt.
    pub ring_voice: Option<String>,
    /// Played to a held party.
    pub hold_voice: Option<String>,
    /// Announce the agent's `num`.
    pub play_num: bool,
    /// Before the number.
    pub pre_num_voice: Option<String>,
    /// After the number.
    pub post_num_voice: Option<String>,
    /// Sent with every event and IVR request of the task.
    pub user_data: Option<String>,
    /// Record the conversation.
    pub record: bool,
    /// The routes, in order.
    pub routes: Vec<Route>,
}

/// What is wrong in an `<enqueue>` document.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Malformed(#[source] quick_xml::Error),
    /// An entity reference that is not one of XML's.
    #[error("unknown entity `{found}`")]
    BadEntity {
        /// The reference.
        found: String,
    },
    /// The root is not `<enqueue>`.
    #[error("expected root element <enqueue>, found {}", found.as_deref().map_or("no element".to_owned(), |f| format!("<{f}>")))]
    WrongRoot {
        /// The root's name, if any.
        found: Option<String>,
    },
    /// Content after the root.
    #[error("unexpected second root element <{found}>")]
    SecondRoot {
        /// Its name.
        found: String,
    },
    /// Elements nested too deeply.
    #[error("elements nest deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// An element not allowed here.
    #[error("unknown element <{found}> in <{parent}>, expected {expected}")]
    UnknownElement {
        /// Its name.
        found: String,
        /// Where it is.
        parent: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// An attribute the element does not have.
    #[error("unknown attribute `{found}` on <{element}>, expected one of {expected}")]
    UnknownAttribute {
        /// The element.
        element: String,
        /// The attribute.
        found: String,
        /// The allowed attributes.
        expected: &'static str,
    },
    /// An attribute value out of its domain.
    #[error("<{element}> {attribute}=\"{found}\" is not valid, expected {expected}")]
    BadValue {
        /// The element.
        element: String,
        /// The attribute.
        attribute: &'static str,
        /// The value.
        found: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A required attribute is absent.
    #[error("<{element}> needs the `{attribute}` attribute")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// A required child is absent.
    #[error("<{element}> needs a <{child}> child")]
    MissingChild {
        /// The element.
        element: &'static str,
        /// The child.
        child: &'static str,
    },
    /// A child given twice.
    #[error("<{element}> takes one <{child}>, found another")]
    DuplicateChild {
        /// The element.
        element: &'static str,
        /// The child.
        child: String,
    },
    /// `<enqueue>` without routes.
    #[error("<enqueue> needs at least one <route>")]
    NoRoutes,
    /// A route without selector.
    #[error("<route> needs one selector: <condition>, <agent> or <skill>")]
    MissingSelector,
    /// A route with more than one selector.
    #[error("<route> takes one selector, found <{second}> after <{first}>")]
    TwoSelectors {
        /// The first.
        first: String,
        /// The extra one.
        second: String,
    },
    /// Text where none belongs.
    #[error("unexpected text in <{element}>")]
    UnexpectedText {
        /// The element.
        element: String,
    },
    /// `<condition id>` of a condition that does not exist.
    #[error("unknown condition id `{id}`")]
    UnknownCondition {
        /// The id.
        id: String,
    },
    /// A `<condition id>` that also has inline children.
    #[error("<condition id=\"{id}\"> refers to a stored condition and takes no children")]
    MixedCondition {
        /// The id.
        id: String,
    },
    /// A `<where>` or `<sort>` that does not compile.
    #[error("<{element}> {error}")]
    Expression {
        /// `where` or `sort`.
        element: &'static str,
        /// The error; its position is within the expression text.
        error: ExprError,
    },
}

/// One problem, with its place in the document.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Byte offset in the document.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub kind: DiagnosticKind,
}

impl Diagnostic {
    pub(crate) fn at(doc: &str, offset: usize, kind: DiagnosticKind) -> Self {
        let p = Position::at(doc, offset);
        Self {
            offset: p.offset,
            line: p.line,
            column: p.column,
            kind,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.kind)
    }
}

impl std::error::Error for Diagnostic {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}
