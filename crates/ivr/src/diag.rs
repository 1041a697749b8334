//! Diagnostics for IVR documents: what is wrong, and where (line and column).
//!
//! The customer's web application writes these documents, so every problem is reported with
//! a position and with what was expected, and a document with three mistakes gets three
//! diagnostics (GUIDE §5). Positions are computed here from byte offsets, because neither
//! quick-xml events nor serde errors carry line and column.

use std::fmt;

/// A 1-based line and column in a document. Columns count Unicode scalar values, not bytes,
/// so an editor shows the same column for a line with Chinese prompt names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters.
    pub column: u32,
}

impl Position {
    /// Position of byte `offset` in `text`; an offset past the end (or inside a character)
    /// maps to the closest position before it, so a bad offset never panics.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        Self {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// Maps a position relative to a fragment that starts at `origin` into the whole
    /// document: lines after the first keep their column, the first line is shifted.
    pub fn within(self, origin: Position) -> Position {
        if self.line <= 1 {
            Position {
                line: origin.line,
                column: origin.column.saturating_add(self.column.saturating_sub(1)),
            }
        } else {
            Position {
                line: origin.line.saturating_add(self.line - 1),
                column: self.column,
            }
        }
    }
}

/// Line starts of a text, so many positions are found without rescanning it each time
/// (a hostile document can carry thousands of mistakes).
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// Same answer as [`Position::of_offset`], in logarithmic time plus the line's length.
    pub(crate) fn position(&self, text: &str, offset: usize) -> Position {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        // Invariant: `starts[0] == 0 <= end`, so the partition point is at least 1.
        let line = self.starts.partition_point(|s| *s <= end).max(1);
        let line_start = self.starts[line - 1];
        let column = text[line_start..end].chars().count() + 1;
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem found in a document, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem starts.
    pub position: Position,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.problem)
    }
}

/// Every problem found in one document, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The problems, in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no problem was found (a parse never fails with an empty list).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// What kind of value an attribute or a content takes; used to say what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// A whole number in a range.
    Integer {
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
    /// `true`/`false` (also `1`/`0`).
    Boolean,
    /// A set of DTMF keys from `0-9 * # A-D`, each at most once.
    KeySet,
    /// DTMF digits `0-9 * # A-D`, and `w` for a half-second pause.
    DtmfDigits,
    /// A media file name (no `..`, no absolute path) or an `http(s)://` URL.
    MediaSource,
    /// An `http://` or `https://` URL with a host.
    HttpUrl,
    /// A telephone number or extension user: digits, optionally led by `+`.
    PhoneNumber,
    /// One of a fixed list of words or numbers.
    OneOf(&'static [&'static str]),
    /// A text of at most this many characters.
    Text {
        /// Longest accepted length, in characters.
        max_chars: usize,
    },
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer { min, max } => write!(f, "a whole number from {min} to {max}"),
            Self::Boolean => f.write_str("`true` or `false`"),
            Self::KeySet => f.write_str("keys from 0-9, *, #, A-D, each at most once"),
            Self::DtmfDigits => f.write_str("DTMF digits 0-9, *, #, A-D or `w` (pause)"),
            Self::MediaSource => {
                f.write_str("a media file name without `..` or a leading `/`, or an http(s) URL")
            }
            Self::HttpUrl => f.write_str("an http:// or https:// URL with a host"),
            Self::PhoneNumber => f.write_str("a number of digits, optionally starting with `+`"),
            Self::OneOf(words) => write!(f, "one of {}", words.join(", ")),
            Self::Text { max_chars } => write!(f, "a text of at most {max_chars} characters"),
        }
    }
}

/// What is wrong with a document. Each variant carries what was expected and what arrived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The document is larger than the parser accepts.
    #[error("document is {actual} bytes, the limit is {limit}")]
    TooLarge {
        /// Size limit in bytes.
        limit: usize,
        /// Size of the document.
        actual: usize,
    },
    /// Elements nest deeper than the parser accepts.
    #[error("elements nest deeper than {limit} levels")]
    TooDeep {
        /// Deepest accepted nesting.
        limit: usize,
    },
    /// The document has more elements than the parser accepts.
    #[error("document has more than {limit} elements")]
    TooManyElements {
        /// Largest accepted element count.
        limit: usize,
    },
    /// The text is not well-formed XML.
    #[error("malformed XML: {0}")]
    Syntax(#[from] SyntaxProblem),
    /// The root element is not `<response>`.
    #[error("expected root element <response>, found <{found}>")]
    WrongRoot {
        /// Name of the root element found.
        found: String,
    },
    /// The document has no root element.
    #[error("expected root element <response>, found no element")]
    NoRoot,
    /// A second element at the top level.
    #[error("expected a single root element, found a second one <{found}>")]
    SecondRoot {
        /// Name of the extra element.
        found: String,
    },
    /// An element that is not part of the IVR vocabulary.
    #[error("unknown element <{found}> in <{parent}>, expected one of: {}", .expected.join(", "))]
    UnknownElement {
        /// The element containing it.
        parent: String,
        /// Its name.
        found: String,
        /// What may appear there.
        expected: &'static [&'static str],
    },
    /// A known element in a place where it is not allowed (e.g. `<play>` in `<play>`).
    #[error("<{found}> is not allowed inside <{parent}>{}", allowed_list(.expected))]
    MisplacedElement {
        /// The element containing it.
        parent: String,
        /// Its name.
        found: String,
        /// What may appear there.
        expected: &'static [&'static str],
    },
    /// An attribute the element does not take.
    #[error("unknown attribute `{found}` on <{element}>{}", attribute_list(.expected))]
    UnknownAttribute {
        /// The element.
        element: &'static str,
        /// The attribute name found.
        found: String,
        /// The attributes the element takes.
        expected: &'static [&'static str],
    },
    /// An attribute given twice.
    #[error("attribute `{name}` is given more than once")]
    DuplicateAttribute {
        /// The attribute name.
        name: String,
    },
    /// An attribute value of the wrong form or out of range.
    #[error("bad value {found:?} for `{attribute}` on <{element}>: expected {expected}")]
    BadAttributeValue {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
        /// The value found (unescaped).
        found: String,
        /// What it may be.
        expected: Expected,
    },
    /// Element content of the wrong form.
    #[error("bad content {found:?} in <{element}>: expected {expected}")]
    BadContent {
        /// The element.
        element: &'static str,
        /// The content found (trimmed).
        found: String,
        /// What it may be.
        expected: Expected,
    },
    /// An element that needs content has none.
    #[error("<{element}> is empty: expected {expected}")]
    MissingContent {
        /// The element.
        element: &'static str,
        /// What it should contain.
        expected: Expected,
    },
    /// Text where only elements may appear.
    #[error("unexpected text {found:?} in <{element}>, which takes only elements")]
    UnexpectedText {
        /// The element.
        element: String,
        /// The text (trimmed, shortened).
        found: String,
    },
    /// Text before or after the root element.
    #[error("unexpected text {found:?} outside the root element <response>")]
    TextOutsideRoot {
        /// The text (trimmed, shortened).
        found: String,
    },
    /// `<response>` without an action.
    #[error("<response> has no action: expected one of {}", .expected.join(", "))]
    MissingAction {
        /// The action elements.
        expected: &'static [&'static str],
    },
    /// `<response>` with a second action.
    #[error("<response> takes exactly one action, found <{found}> after <{first}>")]
    ExtraAction {
        /// The first action.
        first: &'static str,
        /// The extra one.
        found: &'static str,
    },
    /// Too few of a child element.
    #[error("<{element}> needs at least {min} <{child}>")]
    TooFewChildren {
        /// The parent element.
        element: &'static str,
        /// The child element.
        child: &'static str,
        /// Least accepted count.
        min: usize,
    },
    /// Too many of a child element.
    #[error("<{element}> takes at most {max} <{child}>, found {found}")]
    TooManyChildren {
        /// The parent element.
        element: &'static str,
        /// The child element.
        child: &'static str,
        /// Largest accepted count.
        max: usize,
        /// Count found.
        found: usize,
    },
    /// The `<enqueue>` validator reported a problem (its own message).
    #[error("in <enqueue>: {message}")]
    Enqueue {
        /// The validator's message.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_index_agrees_with_a_plain_scan() {
        let text = "ab\n欢迎x\n\nlast";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.position(text, offset),
                Position::of_offset(text, offset),
                "offset {offset}"
            );
        }
        assert_eq!(
            Position::of_offset(text, 6),
            Position { line: 2, column: 2 }
        );
    }

    #[test]
    fn fragment_positions_map_into_the_document() {
        let origin = Position { line: 3, column: 5 };
        assert_eq!(
            Position { line: 1, column: 2 }.within(origin),
            Position { line: 3, column: 6 }
        );
        assert_eq!(
            Position { line: 2, column: 2 }.within(origin),
            Position { line: 4, column: 2 }
        );
    }
}

fn allowed_list(expected: &[&str]) -> String {
    if expected.is_empty() {
        ", which takes no child elements".to_owned()
    } else {
        format!(", expected one of: {}", expected.join(", "))
    }
}

fn attribute_list(expected: &[&str]) -> String {
    if expected.is_empty() {
        ", which takes no attributes".to_owned()
    } else {
        format!(", expected one of: {}", expected.join(", "))
    }
}

/// How the XML itself is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxProblem {
    /// A `<...>` markup that is never closed.
    #[error("markup is not closed: expected `>`, found end of document")]
    UnclosedMarkup,
    /// A comment, CDATA, PI or DOCTYPE that is never closed.
    #[error("{what} is not closed before the end of the document")]
    UnclosedSpecial {
        /// `comment`, `CDATA section`, `processing instruction` or `DOCTYPE`.
        what: &'static str,
    },
    /// An element that is never closed.
    #[error("<{name}> is not closed: expected </{name}>, found end of document")]
    UnclosedElement {
        /// Its name.
        name: String,
    },
    /// An end tag that does not match the open element.
    #[error("expected </{expected}>, found </{found}>")]
    MismatchedEndTag {
        /// The open element.
        expected: String,
        /// The end tag found.
        found: String,
    },
    /// An end tag with no open element.
    #[error("unexpected end tag </{found}> with no open element")]
    UnmatchedEndTag {
        /// The end tag found.
        found: String,
    },
    /// An attribute not written `name="value"`.
    #[error("bad attribute syntax: expected {expected}")]
    Attribute {
        /// What was expected (`=`, a quoted value, the closing quote).
        expected: &'static str,
    },
    /// An `&...;` reference that is not one of XML's five or a character reference.
    #[error("bad entity or character reference: expected &lt; &gt; &amp; &apos; &quot; or &#N;")]
    BadReference,
    /// Bytes that are not UTF-8.
    #[error("document is not valid UTF-8")]
    NotUtf8,
    /// Any other malformation quick-xml reports (DOCTYPE without name, `--` in a comment).
    #[error("ill-formed markup")]
    IllFormed,
}
