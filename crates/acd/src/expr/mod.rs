//! Condition expressions (SPEC §9): `where` (boolean) and `sort` (numeric).
//!
//! `src → lexer → Pratt parser (typed tree, skills interned) → postfix program`. Every type
//! rule is enforced at compile time, so evaluation can only fail on arithmetic, and a failure
//! means "this agent does not match" — never a panic, never a match.
//!
//! ```
//! use switchboard_acd::expr::WhereExpr;
//! use switchboard_acd::skill::{SkillInterner, SkillSet};
//!
//! let mut skills = SkillInterner::new();
//! let w = WhereExpr::compile(r#"has("billing") && get("billing") >= 5;"#, &mut skills).unwrap();
//! let agent = SkillSet::from_pairs([(skills.intern("billing"), 7)]);
//! assert!(w.matches(&agent));
//! assert!(!w.matches(&SkillSet::new()));
//! ```

mod lexer;
mod parser;
mod program;

use std::fmt;
use std::sync::Arc;

use crate::skill::{SkillInterner, SkillSet};
use parser::Parser;
use program::Program;
pub(crate) use program::ProgramKey;

/// Longest expression source accepted, in bytes.
pub const MAX_LEN: usize = 4096;
/// Deepest nesting of operators and parentheses accepted.
pub const MAX_DEPTH: usize = 48;

/// Where something is in the expression source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset from the start of the source.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `src` (clamped to the end and to a char boundary).
    pub fn at(src: &str, offset: usize) -> Self {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            offset,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// The static type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A number (`get`, literals, arithmetic).
    Number,
    /// A boolean (`has`, comparisons, `&&`, `||`, `!`).
    Boolean,
    /// A string literal (only as a function argument or compared with another string).
    String,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Number => "a number",
            Type::Boolean => "a boolean",
            Type::String => "a string",
        })
    }
}

/// What was found where something else was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Found {
    /// A token, as shown to users (e.g. "`)`").
    Token(String),
    /// A character that starts no token.
    Char(char),
    /// The end of the expression.
    End,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Token(t) => f.write_str(t),
            Found::Char(c) => write!(f, "`{c}`"),
            Found::End => f.write_str("end of expression"),
        }
    }
}

/// Why an expression does not compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExprError {
    /// A token that does not fit the grammar.
    #[error("{at}: expected {expected}, found {found}")]
    Syntax {
        /// Where.
        at: Position,
        /// What the grammar allows here.
        expected: &'static str,
        /// What is there.
        found: Found,
    },
    /// An operand of the wrong type.
    #[error("{at}: expected {expected}, found {found}")]
    Type {
        /// Start of the offending operand.
        at: Position,
        /// The type the operator needs.
        expected: Type,
        /// The operand's type.
        found: Type,
    },
    /// A name that is not `get`, `has`, `true` or `false`.
    #[error("{at}: unknown function `{name}`, expected `get` or `has`")]
    UnknownFunction {
        /// Where the name starts.
        at: Position,
        /// The name.
        name: String,
    },
    /// A string without its closing quote.
    #[error("{at}: string literal is not closed")]
    UnterminatedString {
        /// The opening quote.
        at: Position,
    },
    /// A backslash escape other than `\\ \" \' \n \t`.
    #[error("{at}: unknown escape `\\{found}`, expected one of \\\\ \\\" \\' \\n \\t")]
    BadEscape {
        /// The backslash that starts the escape.
        at: Position,
        /// The character after the backslash.
        found: char,
    },
    /// A malformed or out-of-range number.
    #[error("{at}: `{text}` is not a number")]
    BadNumber {
        /// Start of the literal.
        at: Position,
        /// The literal's text.
        text: String,
    },
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("{at}: expression nests deeper than {max} levels")]
    TooDeep {
        /// Where the limit was reached.
        at: Position,
        /// The limit.
        max: usize,
    },
    /// Source longer than [`MAX_LEN`].
    #[error("expression is {len} bytes long, the limit is {max}")]
    TooLong {
        /// The source's length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl ExprError {
    /// Where in the source the problem is (the start for [`ExprError::TooLong`]).
    pub fn position(&self) -> Position {
        match self {
            ExprError::Syntax { at, .. }
            | ExprError::Type { at, .. }
            | ExprError::UnknownFunction { at, .. }
            | ExprError::UnterminatedString { at }
            | ExprError::BadEscape { at, .. }
            | ExprError::BadNumber { at, .. }
            | ExprError::TooDeep { at, .. } => *at,
            ExprError::TooLong { .. } => Position {
                offset: 0,
                line: 1,
                column: 1,
            },
        }
    }
}

/// Why evaluating against one agent failed; the agent then does not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// `x / 0` or `x % 0`.
    #[error("division or modulo by zero")]
    DivisionByZero,
    /// A `sort` value that is infinite or not a number.
    #[error("sort value is not a finite number")]
    NotFinite,
}

/// Compiles `src` and checks that its type is `want`.
fn compile(src: &str, want: Type, skills: &mut SkillInterner) -> Result<Program, ExprError> {
    if src.len() > MAX_LEN {
        return Err(ExprError::TooLong {
            len: src.len(),
            max: MAX_LEN,
        });
    }
    let toks = lexer::lex(src)?;
    let (node, start) = Parser::new(src, toks, skills).parse_all()?;
    if node.ty() != want {
        return Err(ExprError::Type {
            at: Position::at(src, start),
            expected: want,
            found: node.ty(),
        });
    }
    Program::compile(&node).ok_or(ExprError::TooDeep {
        at: Position::at(src, start),
        max: MAX_DEPTH,
    })
}

/// A compiled boolean `where` expression. Cheap to clone (shared program).
#[derive(Debug, Clone, PartialEq)]
pub struct WhereExpr {
    src: Arc<str>,
    program: Arc<Program>,
}

impl WhereExpr {
    /// The compiled program's identity: equal keys evaluate alike on every agent.
    pub(crate) fn key(&self) -> ProgramKey {
        self.program.key()
    }

    /// Compiles a `where` expression, interning the skills it names.
    pub fn compile(src: &str, skills: &mut SkillInterner) -> Result<Self, ExprError> {
        let program = compile(src, Type::Boolean, skills)?;
        Ok(Self {
            src: src.into(),
            program: Arc::new(program),
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Evaluates against an agent's skills.
    pub fn eval(&self, skills: &SkillSet) -> Result<bool, EvalError> {
        self.program.run(skills).map(|v| v != 0.0)
    }

    /// Whether the agent matches; an evaluation error means no.
    #[inline]
    pub fn matches(&self, skills: &SkillSet) -> bool {
        matches!(self.eval(skills), Ok(true))
    }
}

/// A compiled numeric `sort` expression. Cheap to clone (shared program).
#[derive(Debug, Clone, PartialEq)]
pub struct SortExpr {
    src: Arc<str>,
    program: Arc<Program>,
}

impl SortExpr {
    /// The compiled program's identity: equal keys evaluate alike on every agent.
    pub(crate) fn key(&self) -> ProgramKey {
        self.program.key()
    }

    /// Compiles a `sort` expression, interning the skills it names.
    pub fn compile(src: &str, skills: &mut SkillInterner) -> Result<Self, ExprError> {
        let program = compile(src, Type::Number, skills)?;
        Ok(Self {
            src: src.into(),
            program: Arc::new(program),
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Evaluates against an agent's skills; non-finite values are errors.
    #[inline]
    pub fn eval(&self, skills: &SkillSet) -> Result<f64, EvalError> {
        let v = self.program.run(skills)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(EvalError::NotFinite)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(skills: &mut SkillInterner, pairs: &[(&str, i32)]) -> SkillSet {
        SkillSet::from_pairs(pairs.iter().map(|(n, s)| (skills.intern(n), *s)))
    }

    #[test]
    fn short_circuit_avoids_division_by_zero() {
        let mut i = SkillInterner::new();
        let w = WhereExpr::compile(r#"has("x") && 10 / get("x") > 1"#, &mut i).unwrap();
        let none = SkillSet::new();
        assert_eq!(w.eval(&none), Ok(false));
        let w = WhereExpr::compile(r#"10 / get("x") > 1"#, &mut i).unwrap();
        assert_eq!(w.eval(&none), Err(EvalError::DivisionByZero));
        assert!(!w.matches(&none));
    }

    #[test]
    fn sort_is_numeric() {
        let mut i = SkillInterner::new();
        let s = SortExpr::compile(r#"get("vip")*2 + get("en")"#, &mut i).unwrap();
        let a = agent(&mut i, &[("vip", 3), ("en", 4)]);
        assert_eq!(s.eval(&a), Ok(10.0));
        let err = SortExpr::compile(r#"has("vip")"#, &mut i).unwrap_err();
        assert!(matches!(
            err,
            ExprError::Type {
                expected: Type::Number,
                found: Type::Boolean,
                ..
            }
        ));
    }

    #[test]
    fn limits_hold() {
        let mut i = SkillInterner::new();
        let deep = format!("{}1{}", "(".repeat(200), ")".repeat(200));
        assert!(matches!(
            SortExpr::compile(&deep, &mut i),
            Err(ExprError::TooDeep { .. })
        ));
        let long = "1+".repeat(3000) + "1";
        assert!(matches!(
            SortExpr::compile(&long, &mut i),
            Err(ExprError::TooLong { .. })
        ));
        let chain = "1+".repeat(1000) + "1";
        assert!(
            SortExpr::compile(&chain, &mut i).is_ok(),
            "left chains are shallow"
        );
    }

    #[test]
    fn positions_count_chars_and_lines() {
        let p = Position::at("é\nab", 4);
        assert_eq!((p.line, p.column, p.offset), (2, 2, 4));
    }
}
