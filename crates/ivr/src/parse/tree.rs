//! A small element tree built with `quick_xml::Reader`, keeping byte offsets.
//!
//! serde-based XML loses positions and ignores unknown attributes and the root's name
//! (GUIDE §10), so the document is read event by event into this tree, and the model is
//! checked from it with every problem reported at its own position.

use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::Checker;
use crate::diag::{Problem, SyntaxProblem};

/// Deepest element nesting accepted (`<response><enqueue><route><condition><where>` is 5).
pub const MAX_DEPTH: usize = 32;
/// Most elements in one document.
pub const MAX_ELEMENTS: usize = 2048;

/// An element with its attributes, children and where it sits in the source.
#[derive(Debug)]
pub(crate) struct Element<'a> {
    pub name: &'a str,
    /// Byte offset of its `<`.
    pub start: usize,
    /// Byte offset just past its end tag (or `/>`).
    pub end: usize,
    pub attrs: Vec<Attr<'a>>,
    pub children: Vec<Node<'a>>,
}

/// One attribute, its value unescaped.
#[derive(Debug)]
pub(crate) struct Attr<'a> {
    pub name: &'a str,
    pub value: String,
    /// Byte offset of the attribute's name.
    pub offset: usize,
}

/// A child of an element.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    Element(Element<'a>),
    /// Character data (text or CDATA), unescaped, and the offset where it starts.
    Text(String, usize),
}

/// Reads `text` into a tree; problems go to `checker`. Returns the root element, if the
/// document was well-formed enough to have one.
pub(crate) fn build<'a>(text: &'a str, checker: &mut Checker<'_>) -> Option<Element<'a>> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    // Our own stack checks end names, so the diagnostics say what was expected.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut stack: Vec<Element<'a>> = Vec::new();
    let mut root: Option<Element<'a>> = None;
    let mut count = 0usize;
    loop {
        let before = offset_of(reader.buffer_position(), text);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let at = offset_of(reader.error_position(), text);
                checker.report(at, Problem::Syntax(syntax_problem(&err)));
                return None;
            }
        };
        match event {
            Event::Start(_) | Event::Empty(_) if count >= MAX_ELEMENTS => {
                checker.report(
                    before,
                    Problem::TooManyElements {
                        limit: MAX_ELEMENTS,
                    },
                );
                return None;
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    checker.report(before, Problem::TooDeep { limit: MAX_DEPTH });
                    return None;
                }
                count += 1;
                stack.push(element(text, &start, before, checker));
            }
            Event::Empty(start) => {
                count += 1;
                let mut el = element(text, &start, before, checker);
                el.end = offset_of(reader.buffer_position(), text);
                attach(el, &mut stack, &mut root, checker);
            }
            Event::End(end) => {
                let found = std::str::from_utf8(end.name().into_inner()).unwrap_or("?");
                let Some(mut el) = stack.pop() else {
                    let problem = SyntaxProblem::UnmatchedEndTag {
                        found: found.to_owned(),
                    };
                    checker.report(before, problem.into());
                    return None;
                };
                if el.name != found {
                    let problem = SyntaxProblem::MismatchedEndTag {
                        expected: el.name.to_owned(),
                        found: found.to_owned(),
                    };
                    checker.report(before, problem.into());
                    return None;
                }
                el.end = offset_of(reader.buffer_position(), text);
                attach(el, &mut stack, &mut root, checker);
            }
            Event::Text(raw) => {
                let value = match raw.unescape() {
                    Ok(v) => v.into_owned(),
                    Err(err) => {
                        let at = before + escape_offset(&err);
                        checker.report(at, SyntaxProblem::BadReference.into());
                        // Keep the raw text, so the element is not also reported empty.
                        String::from_utf8_lossy(&raw).into_owned()
                    }
                };
                text_node(value, before, &mut stack, checker);
            }
            Event::CData(raw) => {
                let value = String::from_utf8_lossy(&raw).into_owned();
                text_node(value, before, &mut stack, checker);
            }
            Event::Eof => {
                if let Some(open) = stack.pop() {
                    let problem = SyntaxProblem::UnclosedElement {
                        name: open.name.to_owned(),
                    };
                    checker.report(open.start, problem.into());
                    return None;
                }
                if root.is_none() {
                    checker.report(before, Problem::NoRoot);
                }
                return root;
            }
            // Comments, processing instructions, the XML declaration and DOCTYPE carry
            // nothing for the IVR.
            _ => {}
        }
    }
}

/// Where in the escaped text a bad `&...;` reference starts.
fn escape_offset(err: &quick_xml::Error) -> usize {
    use quick_xml::escape::EscapeError;
    match err {
        // The range of an unknown entity starts after its `&`.
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(range, _)) => {
            range.start.saturating_sub(1)
        }
        quick_xml::Error::Escape(EscapeError::UnterminatedEntity(range)) => range.start,
        _ => 0,
    }
}

/// Byte offset from quick-xml's `u64` position, clamped to the text.
fn offset_of(position: u64, text: &str) -> usize {
    usize::try_from(position).map_or(text.len(), |p| p.min(text.len()))
}

fn element<'a>(
    text: &'a str,
    start: &BytesStart<'a>,
    offset: usize,
    checker: &mut Checker<'_>,
) -> Element<'a> {
    let name = in_text(text, start.name().into_inner());
    let mut el = Element {
        name,
        start: offset,
        end: offset,
        attrs: Vec::new(),
        children: Vec::new(),
    };
    for attr in start.attributes() {
        match attr {
            Ok(attr) => {
                let key = attr.key.into_inner();
                let name = in_text(text, key);
                let at = slice_offset(text, key).unwrap_or(offset);
                let value = match attr.unescape_value() {
                    Ok(v) => v.into_owned(),
                    Err(err) => {
                        let value_at = slice_offset(text, &attr.value).unwrap_or(at);
                        let problem = SyntaxProblem::BadReference.into();
                        checker.report(value_at + escape_offset(&err), problem);
                        String::from_utf8_lossy(&attr.value).into_owned()
                    }
                };
                el.attrs.push(Attr {
                    name,
                    value,
                    offset: at,
                });
            }
            Err(err) => {
                let (rel, problem) = attr_problem(&err, start);
                // Attribute error offsets count from the byte after `<`.
                checker.report(offset + 1 + rel, problem);
            }
        }
    }
    el
}

/// `part` (a name borrowed from `text` by the reader) as a `&str` of the text's lifetime.
/// Invariant: the reader was made from a `&str` and names end at ASCII delimiters, so the
/// slice is in the text on character boundaries; the fallback only guards that invariant.
fn in_text<'a>(text: &'a str, part: &[u8]) -> &'a str {
    slice_offset(text, part)
        .and_then(|at| text.get(at..at + part.len()))
        .unwrap_or("?")
}

/// Where `part` (a sub-slice borrowed from `text`) starts in `text`.
fn slice_offset(text: &str, part: &[u8]) -> Option<usize> {
    let base = text.as_ptr() as usize;
    let at = (part.as_ptr() as usize).checked_sub(base)?;
    (at <= text.len()).then_some(at)
}

fn attr_problem(err: &AttrError, start: &BytesStart<'_>) -> (usize, Problem) {
    let syntax = |at: usize, expected| (at, SyntaxProblem::Attribute { expected }.into());
    match err {
        AttrError::ExpectedEq(at) => syntax(*at, "`=` after the attribute name"),
        AttrError::ExpectedValue(at) => syntax(*at, "a quoted value after `=`"),
        AttrError::UnquotedValue(at) => syntax(*at, "the value in quotes"),
        AttrError::ExpectedQuote(at, _) => syntax(*at, "the closing quote of the value"),
        AttrError::Duplicated(at, _) => {
            let rest = start.get(*at..).unwrap_or_default();
            let name_len = rest
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'=')
                .unwrap_or(rest.len());
            let name = String::from_utf8_lossy(&rest[..name_len]).into_owned();
            (*at, Problem::DuplicateAttribute { name })
        }
    }
}

fn attach<'a>(
    el: Element<'a>,
    stack: &mut [Element<'a>],
    root: &mut Option<Element<'a>>,
    checker: &mut Checker<'_>,
) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(Node::Element(el));
    } else if root.is_some() {
        let found = el.name.to_owned();
        checker.report(el.start, Problem::SecondRoot { found });
    } else {
        *root = Some(el);
    }
}

fn text_node(value: String, at: usize, stack: &mut [Element<'_>], checker: &mut Checker<'_>) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(Node::Text(value, at));
    } else if !value.trim().is_empty() {
        let found = shorten(value.trim());
        let offset = at + value.len() - value.trim_start().len();
        checker.report(offset, Problem::TextOutsideRoot { found });
    }
}

/// Text quoted in a diagnostic, cut to a readable length.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

fn syntax_problem(err: &quick_xml::Error) -> SyntaxProblem {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match err {
        quick_xml::Error::Syntax(SyntaxError::UnclosedTag) => SyntaxProblem::UnclosedMarkup,
        quick_xml::Error::Syntax(SyntaxError::UnclosedComment) => {
            SyntaxProblem::UnclosedSpecial { what: "comment" }
        }
        quick_xml::Error::Syntax(SyntaxError::UnclosedCData) => SyntaxProblem::UnclosedSpecial {
            what: "CDATA section",
        },
        quick_xml::Error::Syntax(SyntaxError::UnclosedDoctype) => {
            SyntaxProblem::UnclosedSpecial { what: "DOCTYPE" }
        }
        quick_xml::Error::Syntax(_) => SyntaxProblem::UnclosedSpecial {
            what: "processing instruction or markup",
        },
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            SyntaxProblem::MismatchedEndTag {
                expected: expected.clone(),
                found: found.clone(),
            }
        }
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(found)) => {
            SyntaxProblem::UnmatchedEndTag {
                found: found.clone(),
            }
        }
        quick_xml::Error::Encoding(_) => SyntaxProblem::NotUtf8,
        quick_xml::Error::Escape(_) => SyntaxProblem::BadReference,
        _ => SyntaxProblem::IllFormed,
    }
}
