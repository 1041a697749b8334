//! Tokens of the condition language (SPEC §9), with byte spans into the source.

use super::{ExprError, Found, Position};

/// One token kind. Literals carry their decoded value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Gt,
    Lt,
    Ge,
    Le,
    AndAnd,
    OrOr,
    Bang,
    LParen,
    RParen,
    Comma,
    Semi,
    Eof,
}

impl Tok {
    /// How the token is shown in diagnostics.
    pub(crate) fn describe(&self) -> String {
        let s = match self {
            Tok::Num(n) => return format!("number `{n}`"),
            Tok::Str(_) => return "a string".to_owned(),
            Tok::Ident(name) => return format!("`{name}`"),
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Gt => ">",
            Tok::Lt => "<",
            Tok::Ge => ">=",
            Tok::Le => "<=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Bang => "!",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Semi => ";",
            Tok::Eof => return "end of expression".to_owned(),
        };
        format!("`{s}`")
    }
}

/// A token and the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Splits `src` into tokens, ending with [`Tok::Eof`] at `src.len()`.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let (tok, end) = match c {
            b'0'..=b'9' | b'.' => number(src, i)?,
            b'"' | b'\'' => string(src, i)?,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let end = scan(bytes, i, |b| b.is_ascii_alphanumeric() || b == b'_');
                (Tok::Ident(src[i..end].to_owned()), end)
            }
            _ => operator(src, i)?,
        };
        out.push(Token { tok, start, end });
        i = end;
    }
    out.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(out)
}

fn scan(bytes: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < bytes.len() && keep(bytes[i]) {
        i += 1;
    }
    i
}

/// `123`, `4.5`, `.5`; a dot must have digits on at least one side that parse as f64.
fn number(src: &str, start: usize) -> Result<(Tok, usize), ExprError> {
    let bytes = src.as_bytes();
    let int_end = scan(bytes, start, |b| b.is_ascii_digit());
    let mut end = int_end;
    if end < bytes.len() && bytes[end] == b'.' {
        end = scan(bytes, end + 1, |b| b.is_ascii_digit());
    }
    let text = &src[start..end];
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok((Tok::Num(v), end)),
        _ => Err(ExprError::BadNumber {
            at: Position::at(src, start),
            text: text.to_owned(),
        }),
    }
}

/// A quoted string with `\\`, `\"`, `\'`, `\n`, `\t` escapes.
fn string(src: &str, start: usize) -> Result<(Tok, usize), ExprError> {
    let quote = src.as_bytes()[start] as char;
    let mut value = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        let at = start + 1 + off;
        match ch {
            c if c == quote => return Ok((Tok::Str(value), at + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('\\' | '"' | '\''))) => value.push(e),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, other)) => {
                    return Err(ExprError::BadEscape {
                        at: Position::at(src, at),
                        found: other,
                    })
                }
                None => break,
            },
            c => value.push(c),
        }
    }
    Err(ExprError::UnterminatedString {
        at: Position::at(src, start),
    })
}

fn operator(src: &str, i: usize) -> Result<(Tok, usize), ExprError> {
    let bytes = src.as_bytes();
    let next = bytes.get(i + 1).copied();
    let two = |t: Tok| Ok((t, i + 2));
    let one = |t: Tok| Ok((t, i + 1));
    match (bytes[i], next) {
        (b'=', Some(b'=')) => two(Tok::EqEq),
        (b'!', Some(b'=')) => two(Tok::NotEq),
        (b'>', Some(b'=')) => two(Tok::Ge),
        (b'<', Some(b'=')) => two(Tok::Le),
        (b'&', Some(b'&')) => two(Tok::AndAnd),
        (b'|', Some(b'|')) => two(Tok::OrOr),
        (b'!', _) => one(Tok::Bang),
        (b'>', _) => one(Tok::Gt),
        (b'<', _) => one(Tok::Lt),
        (b'+', _) => one(Tok::Plus),
        (b'-', _) => one(Tok::Minus),
        (b'*', _) => one(Tok::Star),
        (b'/', _) => one(Tok::Slash),
        (b'%', _) => one(Tok::Percent),
        (b'(', _) => one(Tok::LParen),
        (b')', _) => one(Tok::RParen),
        (b',', _) => one(Tok::Comma),
        (b';', _) => one(Tok::Semi),
        _ => {
            // `i` is always on a char boundary: every arm above consumes whole ASCII bytes.
            let found = src[i..].chars().next().unwrap_or('\u{FFFD}');
            let expected = match found {
                '=' => "`==`",
                '&' => "`&&`",
                '|' => "`||`",
                _ => "an operator, operand or parenthesis",
            };
            Err(ExprError::Syntax {
                at: Position::at(src, i),
                expected,
                found: Found::Char(found),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_operators_and_literals() {
        assert_eq!(
            kinds("a>=1.5||'x\\'y'"),
            vec![
                Tok::Ident("a".into()),
                Tok::Ge,
                Tok::Num(1.5),
                Tok::OrOr,
                Tok::Str("x'y".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn lone_ampersand_says_what_was_meant() {
        let err = lex("1 & 2").unwrap_err();
        assert_eq!(err.position().offset, 2);
        assert!(err.to_string().contains("`&&`"), "{err}");
    }

    #[test]
    fn unterminated_string_points_at_quote() {
        let err = lex("has(\"abc").unwrap_err();
        assert_eq!(err.position().column, 5);
    }

    #[test]
    fn bare_dot_is_bad_number() {
        assert!(matches!(lex(".").unwrap_err(), ExprError::BadNumber { .. }));
        assert_eq!(kinds(".5"), vec![Tok::Num(0.5), Tok::Eof]);
    }
}
