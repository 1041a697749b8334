//! A tiny XML writer for IVR answers. Every attribute value and every text node goes through
//! [`escape_into`] when the document is rendered, so text that came from a caller (a caller
//! id, an agent's `data`) can never close an element or inject an action.

/// One element of an answer document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct El {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Empty,
    Text(String),
    Children(Vec<El>),
}

impl El {
    /// An element with no attributes and no content.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Adds an attribute; the value is escaped when rendered.
    #[must_use]
    pub fn attr(mut self, name: &'static str, value: impl ToString) -> Self {
        self.attrs.push((name, value.to_string()));
        self
    }

    /// Sets the text content (replacing any children); escaped when rendered.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body = Body::Text(text.into());
        self
    }

    /// Appends a child element (replacing any text).
    #[must_use]
    pub fn child(mut self, child: El) -> Self {
        match &mut self.body {
            Body::Children(children) => children.push(child),
            _ => self.body = Body::Children(vec![child]),
        }
        self
    }

    /// The element as indented XML text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(256);
        self.render_into(&mut out, 0);
        out
    }

    fn render_into(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push('<');
        out.push_str(self.name);
        for (name, value) in &self.attrs {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(value, out);
            out.push('"');
        }
        match &self.body {
            Body::Empty => out.push_str("/>\n"),
            Body::Text(text) => {
                out.push('>');
                escape_into(text, out);
                self.close(out);
            }
            Body::Children(children) => {
                out.push_str(">\n");
                for child in children {
                    child.render_into(out, depth + 1);
                }
                for _ in 0..depth {
                    out.push_str("  ");
                }
                self.close(out);
            }
        }
    }

    fn close(&self, out: &mut String) {
        out.push_str("</");
        out.push_str(self.name);
        out.push_str(">\n");
    }
}

/// Appends `text` escaped for XML 1.0 content or a double-quoted attribute value. The five
/// markup characters become entities; tab, newline and carriage return become character
/// references, so a parser's attribute-value normalisation cannot change them; characters
/// XML 1.0 cannot carry at all (other control characters, U+FFFE, U+FFFF) are dropped.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// `text` escaped as by [`escape_into`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_and_text_is_escaped() {
        let doc = El::new("response")
            .child(El::new("play").attr("repeat", 2).text("a<b>&c"))
            .child(
                El::new("next")
                    .attr("tag", "\"x' y\"")
                    .text("http://h/p?a=1&b=2"),
            )
            .render();
        assert_eq!(
            doc,
            "<response>\n  <play repeat=\"2\">a&lt;b&gt;&amp;c</play>\n  \
             <next tag=\"&quot;x&apos; y&quot;\">http://h/p?a=1&amp;b=2</next>\n</response>\n"
        );
    }

    #[test]
    fn whitespace_becomes_references_and_forbidden_characters_go() {
        assert_eq!(
            escape("a\tb\nc\rd\u{0}e\u{1b}f\u{fffe}"),
            "a&#9;b&#10;c&#13;def"
        );
        assert_eq!(escape("坐席 ok"), "坐席 ok");
    }

    #[test]
    fn an_empty_element_closes_itself() {
        assert_eq!(El::new("hangup").render(), "<hangup/>\n");
    }
}
