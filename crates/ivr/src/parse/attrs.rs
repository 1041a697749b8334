//! Reading attribute values and element content, reporting every bad one.

use std::time::Duration;

use super::tree::{shorten, Attr, Element, Node};
use super::Checker;
use crate::diag::{Expected, Problem};
use crate::model::{KeySet, Source};

/// Longest media file name or URL accepted.
const MAX_SOURCE_CHARS: usize = 1024;

/// The attributes of one element, after unknown ones were reported.
pub(crate) struct Attrs<'e, 'a> {
    el: &'e Element<'a>,
    element: &'static str,
}

impl<'e, 'a> Attrs<'e, 'a> {
    /// Reports each attribute of `el` not in `allowed`.
    pub fn check(
        ck: &mut Checker<'_>,
        el: &'e Element<'a>,
        element: &'static str,
        allowed: &'static [&'static str],
    ) -> Self {
        for attr in &el.attrs {
            if !allowed.contains(&attr.name) {
                let problem = Problem::UnknownAttribute {
                    element,
                    found: attr.name.to_owned(),
                    expected: allowed,
                };
                ck.report(attr.offset, problem);
            }
        }
        Self { el, element }
    }

    fn find(&self, name: &str) -> Option<&'e Attr<'a>> {
        self.el.attrs.iter().find(|a| a.name == name)
    }

    fn bad(&self, ck: &mut Checker<'_>, attr: &Attr<'_>, name: &'static str, expected: Expected) {
        let problem = Problem::BadAttributeValue {
            element: self.element,
            attribute: name,
            found: shorten(&attr.value),
            expected,
        };
        ck.report(attr.offset, problem);
    }

    /// A whole number in `min..=max`; `default` when absent or bad (bad is reported).
    pub fn integer(
        &self,
        ck: &mut Checker<'_>,
        name: &'static str,
        (min, max): (u32, u32),
        default: u32,
    ) -> u32 {
        let Some(attr) = self.find(name) else {
            return default;
        };
        let value = attr.value.trim();
        let parsed = if value.bytes().all(|b| b.is_ascii_digit()) {
            value.parse::<u32>().ok()
        } else {
            None
        };
        match parsed {
            Some(n) if (min..=max).contains(&n) => n,
            _ => {
                self.bad(ck, attr, name, Expected::Integer { min, max });
                default
            }
        }
    }

    /// A whole number of seconds in `min..=max`.
    pub fn seconds(
        &self,
        ck: &mut Checker<'_>,
        name: &'static str,
        range: (u32, u32),
        default: u32,
    ) -> Duration {
        Duration::from_secs(u64::from(self.integer(ck, name, range, default)))
    }

    /// `true`/`false`/`1`/`0`.
    pub fn boolean(&self, ck: &mut Checker<'_>, name: &'static str, default: bool) -> bool {
        let Some(attr) = self.find(name) else {
            return default;
        };
        match attr.value.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                self.bad(ck, attr, name, Expected::Boolean);
                default
            }
        }
    }

    /// A set of DTMF keys; an empty value is the empty set.
    pub fn keys(&self, ck: &mut Checker<'_>, name: &'static str, default: KeySet) -> KeySet {
        let Some(attr) = self.find(name) else {
            return default;
        };
        KeySet::parse(attr.value.trim()).unwrap_or_else(|| {
            self.bad(ck, attr, name, Expected::KeySet);
            default
        })
    }

    /// The index in `words` of the value; `default` when absent or bad.
    pub fn one_of(
        &self,
        ck: &mut Checker<'_>,
        name: &'static str,
        words: &'static [&'static str],
        default: usize,
    ) -> usize {
        let Some(attr) = self.find(name) else {
            return default;
        };
        words
            .iter()
            .position(|w| *w == attr.value.trim())
            .unwrap_or_else(|| {
                self.bad(ck, attr, name, Expected::OneOf(words));
                default
            })
    }

    /// A free text of at most `max_chars` characters.
    pub fn text(
        &self,
        ck: &mut Checker<'_>,
        name: &'static str,
        max_chars: usize,
    ) -> Option<String> {
        let attr = self.find(name)?;
        if attr.value.chars().count() > max_chars || attr.value.chars().any(char::is_control) {
            self.bad(ck, attr, name, Expected::Text { max_chars });
            return None;
        }
        Some(attr.value.clone())
    }

    /// A telephone number: digits, optionally led by `+`.
    pub fn phone(&self, ck: &mut Checker<'_>, name: &'static str) -> Option<String> {
        let attr = self.find(name)?;
        let value = attr.value.trim();
        if is_phone_number(value) {
            Some(value.to_owned())
        } else {
            self.bad(ck, attr, name, Expected::PhoneNumber);
            None
        }
    }
}

/// Digits, optionally led by `+`, 1–32 of them.
pub(crate) fn is_phone_number(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    !digits.is_empty() && digits.len() <= 32 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The child elements of `el`; non-blank text is reported, as `el` takes only elements.
pub(crate) fn elements<'e, 'a>(ck: &mut Checker<'_>, el: &'e Element<'a>) -> Vec<&'e Element<'a>> {
    let mut out = Vec::new();
    for node in &el.children {
        match node {
            Node::Element(child) => out.push(child),
            Node::Text(text, at) => {
                let trimmed = text.trim_start();
                if !trimmed.is_empty() {
                    let problem = Problem::UnexpectedText {
                        element: el.name.to_owned(),
                        found: shorten(trimmed.trim_end()),
                    };
                    ck.report(at + text.len() - trimmed.len(), problem);
                }
            }
        }
    }
    out
}

/// The text of `el`, trimmed, with the offset of its first character; child elements are
/// reported. `None` when blank.
pub(crate) fn content(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut first = None;
    for node in &el.children {
        match node {
            Node::Text(t, at) => {
                if first.is_none() && !t.trim().is_empty() {
                    first = Some(at + t.len() - t.trim_start().len());
                }
                text.push_str(t);
            }
            Node::Element(child) => {
                let problem = Problem::MisplacedElement {
                    parent: el.name.to_owned(),
                    found: child.name.to_owned(),
                    expected: &[],
                };
                ck.report(child.start, problem);
            }
        }
    }
    let trimmed = text.trim();
    first.map(|at| (trimmed.to_owned(), at))
}

/// Reports that `el` needs content.
pub(crate) fn missing(ck: &mut Checker<'_>, el: &Element<'_>, element: &'static str, e: Expected) {
    let problem = Problem::MissingContent {
        element,
        expected: e,
    };
    ck.report(el.start, problem);
}

/// Reports any content of an element that takes none (`<hangup/>`, `<pause/>`).
pub(crate) fn empty(ck: &mut Checker<'_>, el: &Element<'_>) {
    for node in &el.children {
        match node {
            Node::Element(child) => {
                let problem = Problem::MisplacedElement {
                    parent: el.name.to_owned(),
                    found: child.name.to_owned(),
                    expected: &[],
                };
                ck.report(child.start, problem);
            }
            Node::Text(text, at) => {
                let trimmed = text.trim_start();
                if !trimmed.is_empty() {
                    let problem = Problem::UnexpectedText {
                        element: el.name.to_owned(),
                        found: shorten(trimmed.trim_end()),
                    };
                    ck.report(at + text.len() - trimmed.len(), problem);
                }
            }
        }
    }
}

/// Whether `url` is an `http://` or `https://` URL with a host and no blanks.
pub(crate) fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A media source: an http(s) URL, or a file name that cannot leave the media directory.
pub(crate) fn source(
    ck: &mut Checker<'_>,
    el: &Element<'_>,
    element: &'static str,
) -> Option<Source> {
    let Some((text, at)) = content(ck, el) else {
        missing(ck, el, element, Expected::MediaSource);
        return None;
    };
    if text.contains("://") {
        if is_http_url(&text) && text.chars().count() <= MAX_SOURCE_CHARS {
            return Some(Source::Url(text));
        }
    } else if is_safe_file_name(&text) {
        return Some(Source::File(text));
    }
    let problem = Problem::BadContent {
        element,
        found: shorten(&text),
        expected: Expected::MediaSource,
    };
    ck.report(at, problem);
    None
}

fn is_safe_file_name(name: &str) -> bool {
    name.chars().count() <= MAX_SOURCE_CHARS
        && !name.starts_with(['/', '\\'])
        && !name.chars().any(|c| c.is_control() || c == '\\')
        && !name.split('/').any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_need_a_scheme_and_a_host() {
        assert!(is_http_url("http://example.com/ivr"));
        assert!(is_http_url("HTTPS://example.com"));
        assert!(!is_http_url("https:///path"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("http://exa mple.com"));
        assert!(!is_http_url("example.com"));
    }

    #[test]
    fn file_names_stay_in_the_media_directory() {
        assert!(is_safe_file_name("welcome.wav"));
        assert!(is_safe_file_name("menus/欢迎.wav"));
        assert!(!is_safe_file_name("../secret.wav"));
        assert!(!is_safe_file_name("a/../../b.wav"));
        assert!(!is_safe_file_name("/etc/passwd"));
        assert!(!is_safe_file_name("a\\b.wav"));
    }

    #[test]
    fn phone_numbers_are_digits_with_an_optional_plus() {
        assert!(is_phone_number("+8613800000000"));
        assert!(is_phone_number("2019"));
        assert!(!is_phone_number("+"));
        assert!(!is_phone_number("12a"));
    }
}
