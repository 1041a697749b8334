//! A small element tree over quick-xml's pull reader, keeping the byte offset of every
//! element, attribute and text so diagnostics can carry line and column (quick-xml's serde
//! errors carry none, GUIDE §10).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{Diagnostic, DiagnosticKind};

/// Deepest element nesting accepted; `<enqueue>` needs four levels.
const MAX_NESTING: usize = 16;

/// An attribute with its unescaped value and the offset of its name.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub name: String,
    pub value: String,
    pub offset: usize,
}

/// Text content with, for each byte, the document offset it came from (entities expand, so
/// the mapping is not a constant shift), plus one trailing entry for the end.
#[derive(Debug, Clone, Default)]
pub(crate) struct Text {
    pub value: String,
    pub map: Vec<usize>,
}

impl Text {
    /// The document offset of byte `i` of the text.
    pub fn doc_offset(&self, i: usize) -> usize {
        self.map.get(i).or(self.map.last()).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub name: String,
    pub offset: usize,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    pub text: Text,
}

/// Parses the document into its root element. Malformed XML stops here with one diagnostic:
/// after a syntax error nothing further can be trusted.
pub(crate) fn parse(xml: &str) -> Result<Element, Diagnostic> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = pos(reader.buffer_position());
        let event = reader.read_event().map_err(|e| {
            Diagnostic::at(
                xml,
                pos(reader.error_position()),
                DiagnosticKind::Malformed(e),
            )
        })?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_NESTING {
                    return Err(Diagnostic::at(
                        xml,
                        start,
                        DiagnosticKind::TooDeep { max: MAX_NESTING },
                    ));
                }
                stack.push(element(xml, start, &e)?);
            }
            Event::Empty(e) => {
                let el = element(xml, start, &e)?;
                close(xml, &mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                // quick-xml checks that end tags match, so the stack is never empty here.
                if let Some(el) = stack.pop() {
                    close(xml, &mut stack, &mut root, el)?;
                }
            }
            Event::Text(t) => text(xml, &mut stack, start, &t, false)?,
            Event::CData(t) => text(xml, &mut stack, start + "<![CDATA[".len(), &t, true)?,
            Event::Eof => break,
            // Declarations, comments, processing instructions and doctypes carry nothing.
            _ => {}
        }
    }
    root.ok_or_else(|| Diagnostic::at(xml, xml.len(), DiagnosticKind::WrongRoot { found: None }))
}

fn pos(p: u64) -> usize {
    usize::try_from(p).unwrap_or(usize::MAX)
}

fn close(
    xml: &str,
    stack: &mut [Element],
    root: &mut Option<Element>,
    el: Element,
) -> Result<(), Diagnostic> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(el);
    } else if root.is_some() {
        return Err(Diagnostic::at(
            xml,
            el.offset,
            DiagnosticKind::SecondRoot { found: el.name },
        ));
    } else {
        *root = Some(el);
    }
    Ok(())
}

fn element(xml: &str, start: usize, e: &BytesStart<'_>) -> Result<Element, Diagnostic> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let base = e.as_ref().as_ptr() as usize;
    let mut attrs = Vec::new();
    for a in e.attributes().with_checks(true) {
        let a =
            a.map_err(|err| Diagnostic::at(xml, start, DiagnosticKind::Malformed(err.into())))?;
        // The key borrows from the input, so its distance from the tag's content is its place;
        // `+ 1` skips the `<` that the content starts after.
        let offset = start + 1 + (a.key.as_ref().as_ptr() as usize).saturating_sub(base);
        let value = a
            .unescape_value()
            .map_err(|err| Diagnostic::at(xml, offset, DiagnosticKind::Malformed(err)))?
            .into_owned();
        let name = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        attrs.push(Attr {
            name,
            value,
            offset,
        });
    }
    Ok(Element {
        name,
        offset: start,
        attrs,
        children: Vec::new(),
        text: Text::default(),
    })
}

fn text(
    xml: &str,
    stack: &mut [Element],
    start: usize,
    raw: &[u8],
    cdata: bool,
) -> Result<(), Diagnostic> {
    let raw = std::str::from_utf8(raw).unwrap_or("");
    let Some(parent) = stack.last_mut() else {
        return Ok(()); // whitespace around the root
    };
    let t = &mut parent.text;
    if t.map.last().is_some() {
        t.map.pop();
    }
    if cdata {
        t.value.push_str(raw);
        t.map.extend((0..raw.len()).map(|i| start + i));
    } else {
        unescape_into(xml, raw, start, t)?;
    }
    t.map.push(start + raw.len());
    Ok(())
}

/// XML 1.0 §4.6 predefined entities and character references, recording source offsets.
fn unescape_into(xml: &str, raw: &str, start: usize, t: &mut Text) -> Result<(), Diagnostic> {
    let mut i = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        if !rest.starts_with('&') {
            let ch = rest.chars().next().unwrap_or('\u{FFFD}');
            let n = ch.len_utf8();
            t.value.push(ch);
            t.map.extend((0..n).map(|k| start + i + k));
            i += n;
            continue;
        }
        let end = rest.find(';').filter(|e| *e <= 12);
        let decoded = end.and_then(|e| entity(&rest[1..e]));
        let (Some(e), Some(ch)) = (end, decoded) else {
            let found = rest.chars().take(12).take_while(|c| *c != ';').collect();
            return Err(Diagnostic::at(
                xml,
                start + i,
                DiagnosticKind::BadEntity { found },
            ));
        };
        t.value.push(ch);
        t.map.extend((0..ch.len_utf8()).map(|_| start + i));
        i += e + 1;
    }
    Ok(())
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)?
        }
    })
}
