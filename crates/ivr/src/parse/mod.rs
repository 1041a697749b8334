//! Parsing an IVR answer document into a [`Response`], reporting every problem at once.

mod actions;
mod attrs;
mod tree;

use crate::diag::{Diagnostic, Diagnostics, LineIndex, Position, Problem, SyntaxProblem};
use crate::model::{Action, Next, Response};
use attrs::{content, elements, is_http_url, Attrs};
use tree::Element;

pub use tree::{MAX_DEPTH, MAX_ELEMENTS};

/// Largest document accepted, in bytes. Real answers are a few hundred bytes; the limit
/// keeps a misbehaving web application from making the engine parse megabytes per call.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Longest `tag` of `<next>`, in characters.
pub const MAX_TAG_CHARS: usize = 256;
/// Longest `<next>` URL, in characters.
pub const MAX_URL_CHARS: usize = 2048;

/// Checks the source text of an `<enqueue>` element, returning `(line, column, message)`
/// for each problem, with line and column from 1 relative to that text.
pub type EnqueueValidator<'v> = &'v dyn Fn(&str) -> Vec<(u32, u32, String)>;

/// Parses a document; `<enqueue>` is kept as text without being checked.
///
/// ```
/// let doc = r#"<response><play repeat="2">welcome.wav</play></response>"#;
/// let response = switchboard_ivr::parse(doc).expect("valid document");
/// assert_eq!(response.action.tag_name(), "play");
/// assert!(response.next.is_none());
/// ```
pub fn parse(text: &str) -> Result<Response, Diagnostics> {
    run(text, None)
}

/// Parses a document, checking `<enqueue>` with `validate`; its diagnostics are mapped to
/// positions in the whole document.
pub fn parse_with(text: &str, validate: EnqueueValidator<'_>) -> Result<Response, Diagnostics> {
    run(text, Some(validate))
}

/// Parses raw bytes (as received over HTTP); bytes that are not UTF-8 are a diagnostic.
pub fn parse_bytes(bytes: &[u8]) -> Result<Response, Diagnostics> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(err) => {
            let valid = &bytes[..err.valid_up_to()];
            // Invariant: `valid_up_to` marks the end of a valid UTF-8 prefix.
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let mut ck = Checker::new(prefix);
            ck.report(prefix.len(), SyntaxProblem::NotUtf8.into());
            Err(ck.finish())
        }
    }
}

fn run(text: &str, validator: Option<EnqueueValidator<'_>>) -> Result<Response, Diagnostics> {
    let mut ck = Checker::new(text);
    if text.len() > MAX_DOCUMENT_BYTES {
        let problem = Problem::TooLarge {
            limit: MAX_DOCUMENT_BYTES,
            actual: text.len(),
        };
        ck.report(0, problem);
        return Err(ck.finish());
    }
    let response = tree::build(text, &mut ck).and_then(|root| response(&mut ck, &root, validator));
    match response {
        Some(response) if ck.count() == 0 => Ok(response),
        _ => Err(ck.finish()),
    }
}

/// Collects diagnostics while a document is checked.
pub(crate) struct Checker<'t> {
    text: &'t str,
    lines: LineIndex,
    found: Vec<Diagnostic>,
}

impl<'t> Checker<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            lines: LineIndex::new(text),
            found: Vec::new(),
        }
    }

    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        self.lines.position(self.text, offset)
    }

    /// Records a problem at a byte offset.
    pub(crate) fn report(&mut self, offset: usize, problem: Problem) {
        let position = self.position(offset);
        self.report_at(position, problem);
    }

    /// Records a problem at a position.
    pub(crate) fn report_at(&mut self, position: Position, problem: Problem) {
        self.found.push(Diagnostic { position, problem });
    }

    /// How many problems were recorded so far.
    pub(crate) fn count(&self) -> usize {
        self.found.len()
    }

    fn finish(mut self) -> Diagnostics {
        // Stable: problems at one position keep the order they were found in.
        self.found.sort_by_key(|d| d.position);
        Diagnostics(self.found)
    }
}

fn response(
    ck: &mut Checker<'_>,
    root: &Element<'_>,
    validator: Option<EnqueueValidator<'_>>,
) -> Option<Response> {
    if root.name != "response" {
        let found = root.name.to_owned();
        ck.report(root.start, Problem::WrongRoot { found });
        return None;
    }
    Attrs::check(ck, root, "response", &[]);
    let children = elements(ck, root);
    let nexts = children.iter().filter(|c| c.name == "next").count();
    let mut first_action: Option<&'static str> = None;
    let mut action = None;
    let mut next = None;
    let mut nexts_seen = 0;
    for child in children {
        if child.name == "next" {
            nexts_seen += 1;
            if nexts_seen == 2 {
                let problem = Problem::TooManyChildren {
                    element: "response",
                    child: "next",
                    max: 1,
                    found: nexts,
                };
                ck.report(child.start, problem);
            }
            next = next_element(ck, child);
            continue;
        }
        let Some(name) = actions::ACTIONS.iter().find(|a| **a == child.name) else {
            actions::misplaced(ck, "response", child, actions::RESPONSE_CHILDREN);
            continue;
        };
        match first_action {
            // A second action is still checked, so its own mistakes are reported too.
            Some(first) => {
                ck.report(child.start, Problem::ExtraAction { first, found: name });
                let _ = actions::action(ck, child, validator);
            }
            None => {
                first_action = Some(name);
                action = actions::action(ck, child, validator);
            }
        }
    }
    if first_action.is_none() {
        let problem = Problem::MissingAction {
            expected: actions::ACTIONS,
        };
        ck.report(root.start, problem);
    }
    Some(Response {
        action: action?,
        next,
    })
}

fn next_element(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<Next> {
    let attrs = Attrs::check(ck, el, "next", &["tag"]);
    let tag = attrs.text(ck, "tag", MAX_TAG_CHARS);
    let Some((url, at)) = content(ck, el) else {
        attrs::missing(ck, el, "next", crate::diag::Expected::HttpUrl);
        return None;
    };
    if !is_http_url(&url) || url.chars().count() > MAX_URL_CHARS {
        let problem = Problem::BadContent {
            element: "next",
            found: tree::shorten(&url),
            expected: crate::diag::Expected::HttpUrl,
        };
        ck.report(at, problem);
        return None;
    }
    Some(Next { url, tag })
}

/// Whether `action` answers the call (SPEC §10: a `<hangup/>` first answer rejects it).
pub fn answers_call(action: &Action) -> bool {
    !matches!(action, Action::Hangup)
}
