//! `Digest a=b, c="d"` header values (RFC 7616 §3.3–3.4, RFC 7235 §2.1), written for
//! hostile input: quoted strings with escapes, commas inside quotes, bounded sizes.

use std::fmt::Write as _;

use super::AuthError;

/// Most parameters accepted in one header; real ones carry about ten.
const MAX_PARAMS: usize = 32;

/// A parsed challenge or credentials value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParams {
    /// Auth scheme, e.g. `Digest` (compare case-insensitively).
    pub scheme: String,
    params: Vec<(String, String, bool)>,
}

impl AuthParams {
    /// Parses `scheme param=value, ...`.
    pub fn parse(s: &str) -> Result<Self, AuthError> {
        let s = s.trim_matches([' ', '\t']);
        let scheme_end = s.find([' ', '\t']).unwrap_or(s.len());
        let scheme = &s[..scheme_end];
        if !crate::message::is_token(scheme) {
            return Err(AuthError::Malformed { at: 0 });
        }
        let mut out = AuthParams {
            scheme: scheme.to_owned(),
            params: Vec::new(),
        };
        let b = s.as_bytes();
        let mut i = scheme_end;
        loop {
            i = skip(b, i, |c| matches!(c, b' ' | b'\t' | b','));
            if i >= b.len() {
                break;
            }
            let name_start = i;
            i = skip(b, i, is_token_byte);
            let name = &s[name_start..i];
            if name.is_empty() {
                return Err(AuthError::Malformed { at: i });
            }
            i = skip(b, i, |c| matches!(c, b' ' | b'\t'));
            if b.get(i) != Some(&b'=') {
                return Err(AuthError::Malformed { at: i });
            }
            i = skip(b, i + 1, |c| matches!(c, b' ' | b'\t'));
            let (value, quoted, next) = value_at(s, i)?;
            i = skip(b, next, |c| matches!(c, b' ' | b'\t'));
            if i < b.len() && b[i] != b',' {
                return Err(AuthError::Malformed { at: i });
            }
            let lname = name.to_ascii_lowercase();
            if out.params.iter().any(|(n, _, _)| *n == lname) {
                return Err(AuthError::DuplicateParam { name: lname });
            }
            if out.params.len() == MAX_PARAMS {
                return Err(AuthError::TooManyParams { limit: MAX_PARAMS });
            }
            out.params.push((lname, value, quoted));
        }
        Ok(out)
    }

    /// The unquoted value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v, _)| v.as_str())
    }

    /// `true` for the Digest scheme.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }
}

fn is_token_byte(c: u8) -> bool {
    crate::message::is_token_char(c)
}

fn skip(b: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && pred(b[i]) {
        i += 1;
    }
    i
}

/// A value at `i`: a quoted string (unescaped) or a token-ish run up to `,`/whitespace.
fn value_at(s: &str, i: usize) -> Result<(String, bool, usize), AuthError> {
    let b = s.as_bytes();
    if b.get(i) == Some(&b'"') {
        let mut out = String::new();
        let j = i + 1;
        let mut chars = s[j..].char_indices();
        while let Some((off, c)) = chars.next() {
            match c {
                '"' => return Ok((out, true, j + off + 1)),
                '\\' => match chars.next() {
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                _ => out.push(c),
            }
        }
        return Err(AuthError::Malformed { at: b.len() });
    }
    let end = skip(b, i, |c| !matches!(c, b',' | b' ' | b'\t' | b'"'));
    if end == i {
        return Err(AuthError::Malformed { at: i });
    }
    Ok((s[i..end].to_owned(), false, end))
}

/// Builds `Digest a="b", c=d` for output; `quoted` says which values get quotes.
pub(crate) fn write_params(params: &[(&str, &str, bool)]) -> String {
    let mut out = String::from("Digest ");
    for (i, (name, value, quoted)) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if *quoted {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            // Writing into a String cannot fail.
            let _ = write!(out, "{name}=\"{escaped}\"");
        } else {
            let _ = write!(out, "{name}={value}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_escaped_and_comma_inside_quotes() {
        let p = AuthParams::parse(
            r#"Digest realm="a, \"b\"",nonce="n1" , qop="auth,auth-int", algorithm=SHA-256, stale=TRUE"#,
        )
        .unwrap();
        assert!(p.is_digest());
        assert_eq!(p.get("realm"), Some(r#"a, "b""#));
        assert_eq!(p.get("QOP"), Some("auth,auth-int"));
        assert_eq!(p.get("algorithm"), Some("SHA-256"));
        assert_eq!(p.get("stale"), Some("TRUE"));
    }

    #[test]
    fn rejects_hostile_forms() {
        for bad in [
            r#"Digest realm="open"#,
            "Digest realm",
            "Digest =x",
            "Digest a=1 b=2",
            "Digest a=1, a=2",
            "Digest a=\"x\\",
            "",
        ] {
            assert!(AuthParams::parse(bad).is_err(), "{bad}");
        }
        let many: String = (0..40).map(|i| format!("p{i}=1, ")).collect();
        assert!(AuthParams::parse(&format!("Digest {many}")).is_err());
    }

    #[test]
    fn written_params_parse_back() {
        let s = write_params(&[("username", "a\"b", true), ("nc", "00000001", false)]);
        let p = AuthParams::parse(&s).unwrap();
        assert_eq!(p.get("username"), Some("a\"b"));
        assert_eq!(p.get("nc"), Some("00000001"));
    }
}
