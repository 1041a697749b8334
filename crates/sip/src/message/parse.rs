//! Bytes → [`Message`], with limits and the validation a UA needs before trusting a message.

use std::borrow::Cow;

use bytes::Bytes;

use super::header::{CSeq, Contact, Method, NameAddr, Via};
use super::names::canonical;
use super::params::{is_token, split_top_level};
use super::uri::Uri;
use super::{Headers, Message, ParseError, Request, Response};
use crate::rfc;

/// Resource limits applied before anything else is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message accepted, in bytes.
    pub max_message: usize,
    /// Most header field values (after splitting lists).
    pub max_headers: usize,
    /// Longest header line, before unfolding.
    pub max_header_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: rfc::MAX_DATAGRAM,
            max_headers: 256,
            max_header_line: 8 * 1024,
        }
    }
}

/// Parses one message with [`Limits::default`]. Octets after `Content-Length` are ignored,
/// as RFC 3261 §18.3 requires for datagrams; a message without Content-Length takes the
/// rest of the buffer as body (legal for UDP only — stream callers frame first with
/// [`crate::framing`]).
pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
    parse_with(bytes, &Limits::default())
}

/// Parses one message with explicit limits.
pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Message, ParseError> {
    if bytes.len() > limits.max_message {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: limits.max_message,
        });
    }
    // §7.5: CRLFs before the start-line are ignored.
    let start = bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    let head_end = find(bytes, b"\r\n\r\n").ok_or(ParseError::UnterminatedHeaders)?;
    let head = std::str::from_utf8(&bytes[..head_end]).map_err(|_| ParseError::NotUtf8)?;
    let rest = &bytes[head_end + 4..];

    let mut lines = head.split("\r\n");
    let start_line = lines.next().unwrap_or_default();
    check_line(start_line, limits)?;
    let headers = parse_header_lines(lines, limits)?;
    let body = body_of(&headers, rest)?;
    let mut headers = headers;
    headers.remove("Content-Length");

    let message = if start_line.starts_with("SIP/") || start_line.starts_with("sip/") {
        let (status, reason) = parse_status_line(start_line)?;
        Message::Response(Response {
            status,
            reason,
            headers,
            body,
        })
    } else {
        let (method, uri) = parse_request_line(start_line)?;
        Message::Request(Request {
            method,
            uri,
            headers,
            body,
        })
    };
    validate(&message)?;
    Ok(message)
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn check_line(line: &str, limits: &Limits) -> Result<(), ParseError> {
    if line.len() > limits.max_header_line {
        return Err(ParseError::HeaderLineTooLong {
            length: line.len(),
            limit: limits.max_header_line,
        });
    }
    // Raw control characters are legal inside quoted-pairs (RFC 4475 §3.1.1.2), so only
    // stray line breaks are refused here.
    if line.contains(['\r', '\n']) {
        return Err(ParseError::InvalidHeaderLine {
            line: truncate(line),
        });
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

fn parse_request_line(line: &str) -> Result<(Method, Uri), ParseError> {
    // Exactly one SP between the three elements (§7.1; RFC 4475 §3.1.2.9/10).
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, uri, version] = parts[..] else {
        return Err(ParseError::InvalidStartLine {
            line: truncate(line),
        });
    };
    check_version(version)?;
    let method = Method::parse(method)?;
    let uri = Uri::parse(uri)?;
    // A Request-URI must not carry headers (§19.1.5; RFC 4475 §3.1.2.11).
    if uri.headers.is_some() {
        return Err(ParseError::InvalidUri {
            uri: truncate(&uri.to_string()),
            reason: "headers are not allowed in a Request-URI",
        });
    }
    Ok((method, uri))
}

fn check_version(version: &str) -> Result<(), ParseError> {
    if version.eq_ignore_ascii_case(rfc::SIP_VERSION) {
        Ok(())
    } else {
        Err(ParseError::UnsupportedVersion {
            version: truncate(version),
        })
    }
}

fn parse_status_line(line: &str) -> Result<(u16, String), ParseError> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    check_version(version)?;
    let code = parts.next().unwrap_or_default();
    let status = (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
        .then(|| code.parse::<u16>().ok())
        .flatten()
        .filter(|c| (100..=699).contains(c))
        .ok_or_else(|| ParseError::InvalidStatus {
            code: truncate(code),
        })?;
    Ok((status, parts.next().unwrap_or_default().to_owned()))
}

fn parse_header_lines<'a>(
    lines: impl Iterator<Item = &'a str>,
    limits: &Limits,
) -> Result<Headers, ParseError> {
    // Unfold continuation lines (§7.3.1): a line starting with SP/HTAB continues the last.
    // Only folded lines allocate.
    let mut unfolded: Vec<Cow<'a, str>> = Vec::new();
    for line in lines {
        check_line(line, limits)?;
        if line.starts_with([' ', '\t']) {
            let last = unfolded
                .last_mut()
                .ok_or_else(|| ParseError::InvalidHeaderLine {
                    line: truncate(line),
                })?;
            let joined = last.to_mut();
            joined.push(' ');
            joined.push_str(line.trim_start_matches([' ', '\t']));
        } else {
            unfolded.push(Cow::Borrowed(line));
        }
    }
    let mut headers = Headers::default();
    for line in &unfolded {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| ParseError::InvalidHeaderLine {
                line: truncate(line),
            })?;
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return Err(ParseError::InvalidHeaderLine {
                line: truncate(line),
            });
        }
        let (name, is_list) = canonical(name);
        let value = value.trim_matches([' ', '\t']);
        if is_list {
            push_list(&mut headers, name, value)?;
        } else {
            headers.push_name(name, value.to_owned());
        }
        if headers.len() > limits.max_headers {
            return Err(ParseError::TooManyHeaders {
                limit: limits.max_headers,
            });
        }
    }
    Ok(headers)
}

fn push_list(
    headers: &mut Headers,
    name: Cow<'static, str>,
    value: &str,
) -> Result<(), ParseError> {
    let parts = split_top_level(value, b',').ok_or_else(|| ParseError::InvalidHeader {
        name: "list",
        value: truncate(value),
    })?;
    for part in parts {
        let part = part.trim_matches([' ', '\t']);
        if part.is_empty() {
            return Err(ParseError::EmptyListElement {
                name: name.into_owned(),
            });
        }
        headers.push_name(name.clone(), part.to_owned());
    }
    Ok(())
}

fn body_of(headers: &Headers, rest: &[u8]) -> Result<Bytes, ParseError> {
    if headers.get_all("Content-Length").nth(1).is_some() {
        return Err(ParseError::DuplicateHeader {
            name: "Content-Length",
        });
    }
    let Some(cl) = headers.get("Content-Length") else {
        return Ok(Bytes::copy_from_slice(rest));
    };
    let declared = parse_content_length(cl)?;
    if declared > rest.len() {
        return Err(ParseError::ContentLengthMismatch {
            declared,
            available: rest.len(),
        });
    }
    Ok(Bytes::copy_from_slice(&rest[..declared]))
}

pub(crate) fn parse_content_length(v: &str) -> Result<usize, ParseError> {
    let v = v.trim();
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::InvalidHeader {
            name: "Content-Length",
            value: truncate(v),
        });
    }
    v.parse().map_err(|_| ParseError::InvalidHeader {
        name: "Content-Length",
        value: truncate(v),
    })
}

/// Headers that must appear exactly once in every request and response (§8.1.1, §20);
/// counted in [`Seen`] by index.
const REQUIRED: [&str; 5] = ["Via", "From", "To", "Call-ID", "CSeq"];

/// What one pass over the headers found.
#[derive(Default)]
struct Seen {
    required: [usize; 5],
    singles: usize,
    contacts: usize,
    star: bool,
    cseq: Option<CSeq>,
}

/// Checks, in one pass, every header a transaction or dialog will rely on.
fn validate(message: &Message) -> Result<(), ParseError> {
    let mut seen = Seen::default();
    for (name, value) in message.headers().iter() {
        validate_one(name, value, &mut seen)?;
    }
    if let Some(i) = seen.required.iter().position(|&n| n == 0) {
        return Err(ParseError::MissingHeader { name: REQUIRED[i] });
    }
    if seen.star && seen.contacts > 1 {
        return Err(ParseError::InvalidHeader {
            name: "Contact",
            value: "* mixed with addresses".into(),
        });
    }
    if let (Message::Request(r), Some(cseq)) = (message, seen.cseq) {
        if r.method != cseq.method {
            return Err(ParseError::CSeqMethodMismatch {
                method: r.method.to_string(),
                cseq: cseq.method.to_string(),
            });
        }
    }
    Ok(())
}

/// Header names arrive canonical (see `names`), so exact matches suffice.
fn validate_one(name: &str, value: &str, seen: &mut Seen) -> Result<(), ParseError> {
    if let Some(i) = REQUIRED.iter().position(|r| *r == name) {
        seen.required[i] += 1;
        // Via is a list; the others are single-valued (RFC 4475 §3.3.8).
        if i > 0 && seen.required[i] > 1 {
            return Err(ParseError::DuplicateHeader { name: REQUIRED[i] });
        }
    }
    match name {
        "Via" => drop(Via::parse(value)?),
        "From" | "To" | "Route" | "Record-Route" => drop(NameAddr::parse(value)?),
        "Contact" => {
            seen.contacts += 1;
            seen.star |= Contact::parse(value)? == Contact::Star;
        }
        "CSeq" => seen.cseq = Some(CSeq::parse(value)?),
        "Call-ID" if value.is_empty() || value.contains([' ', '\t']) => {
            return Err(invalid("Call-ID", value));
        }
        // Leading zeros are legal (1*DIGIT; RFC 4475 §3.1.1.1); the value must fit 0-255.
        "Max-Forwards"
            if !(value.len() <= 10
                && value.bytes().all(|b| b.is_ascii_digit())
                && value.parse::<u8>().is_ok()) =>
        {
            return Err(invalid("Max-Forwards", value));
        }
        "Expires" if super::parse_delta(value).is_none() => return Err(invalid("Expires", value)),
        // SIP-date is always GMT (§20.17; RFC 4475 §3.1.2.12).
        "Date" if !value.ends_with(" GMT") => return Err(invalid("Date", value)),
        _ => {}
    }
    for (bit, single) in ["Max-Forwards", "Content-Type", "Expires"]
        .iter()
        .enumerate()
    {
        if name == *single {
            if seen.singles & (1 << bit) != 0 {
                return Err(ParseError::DuplicateHeader { name: single });
            }
            seen.singles |= 1 << bit;
        }
    }
    Ok(())
}

fn invalid(name: &'static str, value: &str) -> ParseError {
    ParseError::InvalidHeader {
        name,
        value: truncate(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::SipHeaders;

    const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n\
        f: \"A\" <sip:a@example.com>;tag=1\r\n\
        t: sip:bob@example.com\r\n\
        i: abc@host\r\n\
        CSeq: 1 INVITE\r\n\
        m: <sip:a@10.0.0.1>;expires=60, <sip:a@10.0.0.2>\r\n\
        l: 4\r\n\r\nbodyEXTRA";

    #[test]
    fn compact_forms_and_lists_are_normalised() {
        let Message::Request(r) = parse(INVITE.as_bytes()).unwrap() else {
            panic!("request")
        };
        assert_eq!(r.vias().len(), 2);
        assert_eq!(r.vias()[1].host, "b.example.com");
        assert_eq!(r.call_id(), Some("abc@host"));
        assert_eq!(r.contacts().len(), 2);
        assert_eq!(r.contacts()[0].expires(), Some(60));
        assert_eq!(&r.body[..], b"body");
        assert!(r.headers.get("Content-Length").is_none());
    }

    #[test]
    fn limits_are_enforced() {
        let small = Limits {
            max_message: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse_with(INVITE.as_bytes(), &small),
            Err(ParseError::TooLarge { .. })
        ));
        let few = Limits {
            max_headers: 3,
            ..Limits::default()
        };
        assert!(matches!(
            parse_with(INVITE.as_bytes(), &few),
            Err(ParseError::TooManyHeaders { .. })
        ));
        let short = Limits {
            max_header_line: 20,
            ..Limits::default()
        };
        assert!(matches!(
            parse_with(INVITE.as_bytes(), &short),
            Err(ParseError::HeaderLineTooLong { .. })
        ));
    }

    #[test]
    fn folded_lines_are_unfolded() {
        let msg = INVITE.replace("CSeq: 1 INVITE\r\n", "CSeq: 1\r\n  INVITE\r\n");
        let Message::Request(r) = parse(msg.as_bytes()).unwrap() else {
            panic!("request")
        };
        assert_eq!(r.cseq().unwrap().method, Method::Invite);
    }

    #[test]
    fn status_line_forms() {
        assert_eq!(
            parse_status_line("SIP/2.0 100 ").unwrap(),
            (100, String::new())
        );
        assert!(parse_status_line("SIP/2.0 4294967301 no").is_err());
        assert!(parse_status_line("SIP/2.0 099 no").is_err());
        assert!(parse_status_line("SIP/7.0 200 OK").is_err());
    }
}
