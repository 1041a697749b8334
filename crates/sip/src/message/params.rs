//! `;name=value` parameter lists, shared by URIs and header fields (RFC 3261 §25.1).

use super::ParseError;

/// An ordered parameter list; names compare case-insensitively (RFC 3261 §7.3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, Option<String>)>);

impl Params {
    /// The value of `name`: `None` if absent, `Some(None)` if present without a value.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// `true` if `name` is present, with or without a value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name`, replacing an existing value in place or appending.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Removes `name` if present.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Iterates in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_deref()))
    }

    /// `true` if there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Params {
    /// Prints `;a=b;c` — the leading separator included.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, v) in &self.0 {
            match v {
                Some(v) => write!(f, ";{n}={v}")?,
                None => write!(f, ";{n}")?,
            }
        }
        Ok(())
    }
}

/// `token` characters of RFC 3261 §25.1.
pub(crate) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// `true` if `s` is a non-empty token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// Splits `s` on `sep` outside double quotes (honouring backslash escapes) and angle brackets.
/// Returns `None` on an unterminated quote or bracket.
pub(crate) fn split_top_level(s: &str, sep: u8) -> Option<Vec<&str>> {
    let bytes = s.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    let (mut in_quote, mut in_angle) = (false, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_quote {
            match b {
                b'\\' => i += 1,
                b'"' => in_quote = false,
                _ => {}
            }
        } else if in_angle {
            if b == b'>' {
                in_angle = false;
            }
        } else if b == b'"' {
            in_quote = true;
        } else if b == b'<' {
            in_angle = true;
        } else if b == sep {
            parts.push(&s[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    if in_quote || in_angle {
        return None;
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// Parses `a=b;c;d="x y"` (no leading separator). Values may be tokens, hosts or quoted
/// strings; whitespace around `=` and the separators is allowed (SWS of §25.1).
pub(crate) fn parse_params(s: &str, sep: char) -> Result<Params, ParseError> {
    let mut out = Params::default();
    let parts = split_top_level(s, sep as u8).ok_or_else(|| ParseError::InvalidParam {
        param: s.chars().take(80).collect(),
    })?;
    for part in parts {
        let part = part.trim_matches([' ', '\t']);
        let bad = || ParseError::InvalidParam {
            param: part.chars().take(80).collect(),
        };
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n.trim_end(), Some(v.trim_start())),
            None => (part, None),
        };
        if !is_token(name) {
            return Err(bad());
        }
        if let Some(v) = value {
            let ok = if v.starts_with('"') {
                quoted_ok(v)
            } else {
                !v.is_empty()
                    && v.bytes().all(|b| {
                        is_token_char(b)
                            || matches!(b, b'[' | b']' | b':' | b'&' | b'$' | b'/' | b'=' | b'@')
                    })
            };
            if !ok {
                return Err(bad());
            }
        }
        out.0.push((name.to_owned(), value.map(str::to_owned)));
    }
    Ok(out)
}

/// `true` if `v` is exactly one quoted string with valid escapes.
fn quoted_ok(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 2 || b[0] != b'"' {
        return false;
    }
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i == b.len() - 1,
            _ => i += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_values_and_quoted() {
        let p = parse_params("branch=z9hG4bK1;rport; received = 1.2.3.4;x=\"a;b\"", ';').unwrap();
        assert_eq!(p.get("branch"), Some(Some("z9hG4bK1")));
        assert_eq!(p.get("RPORT"), Some(None));
        assert_eq!(p.get("received"), Some(Some("1.2.3.4")));
        assert_eq!(p.get("x"), Some(Some("\"a;b\"")));
        assert_eq!(p.get("nope"), None);
    }

    #[test]
    fn rejects_empty_names_and_values() {
        assert!(parse_params("a;;b", ';').is_err());
        assert!(parse_params("a=", ';').is_err());
        assert!(parse_params("a=\"open", ';').is_err());
    }

    #[test]
    fn split_respects_quotes_and_angles() {
        let parts = split_top_level("\"a, b\" <sip:x@y>, <sip:z,w@q>", b',').unwrap();
        assert_eq!(parts, vec!["\"a, b\" <sip:x@y>", " <sip:z,w@q>"]);
        assert!(split_top_level("\"open, x", b',').is_none());
    }
}
