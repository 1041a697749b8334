//! SIP messages: parsing with limits, typed accessors, building and serialising.
//!
//! We parse SIP ourselves rather than through `rsip` 0.4: that crate rejects valid RFC 4475
//! torture messages (`wsinv`: it cannot tokenize a legal extension method and request-URI),
//! returns compact forms (`v:`, `f:`, `i:`…) as unknown headers, keeps only the first value
//! of comma-joined `Via: a, b`, and reports errors as strings. The parser here normalises
//! compact forms (RFC 3261 §7.3.3) and splits multi-value headers (§7.3.1) on the way in,
//! enforces size limits, validates the header fields a transaction or dialog relies on, and
//! reports a structured [`ParseError`] so the engine can answer 400 or drop.

mod build;
mod header;
mod names;
mod params;
pub(crate) mod parse;
mod semantics;
mod uri;

pub use header::{CSeq, Contact, Method, NameAddr, Via};
pub use params::Params;
pub use parse::{parse, parse_with, Limits};
pub use semantics::{check_request, RequestError};
pub use uri::{Scheme, Uri};

pub use build::{default_reason, NewRequest};
pub(crate) use header::parse_delta;
pub(crate) use params::{is_token, is_token_char};

use std::borrow::Cow;

use bytes::Bytes;

/// Why bytes are not a SIP message we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The message is larger than [`Limits::max_message`].
    #[error("message of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// More header fields than [`Limits::max_headers`].
    #[error("more than {limit} header fields")]
    TooManyHeaders {
        /// Configured limit.
        limit: usize,
    },
    /// A header line longer than [`Limits::max_header_line`].
    #[error("header line of {length} bytes exceeds the limit of {limit}")]
    HeaderLineTooLong {
        /// Line length.
        length: usize,
        /// Configured limit.
        limit: usize,
    },
    /// No empty line ends the header section.
    #[error("header section is not terminated by an empty line")]
    UnterminatedHeaders,
    /// The header section is not UTF-8.
    #[error("header section is not valid UTF-8")]
    NotUtf8,
    /// The first line is neither a Request-Line nor a Status-Line (§7.1, §7.2).
    #[error("malformed start line: {line:?}")]
    InvalidStartLine {
        /// The line (truncated).
        line: String,
    },
    /// A version other than SIP/2.0 (§7.1; RFC 4475 §3.1.2.16).
    #[error("unsupported SIP version {version:?}")]
    UnsupportedVersion {
        /// The version found.
        version: String,
    },
    /// A status code outside 100–699 (§7.2).
    #[error("invalid status code {code:?}")]
    InvalidStatus {
        /// The code as written.
        code: String,
    },
    /// A method that is not a token.
    #[error("invalid method {method:?}")]
    InvalidMethod {
        /// The method (truncated).
        method: String,
    },
    /// A header line without `name:`.
    #[error("malformed header line {line:?}")]
    InvalidHeaderLine {
        /// The line (truncated).
        line: String,
    },
    /// A typed header whose value does not parse.
    #[error("invalid {name} header value {value:?}")]
    InvalidHeader {
        /// Canonical header name.
        name: &'static str,
        /// The value (truncated).
        value: String,
    },
    /// An empty element in a comma-separated list (RFC 4475 §3.1.2.1).
    #[error("empty element in {name} list")]
    EmptyListElement {
        /// Header name.
        name: String,
    },
    /// A URI that does not parse.
    #[error("invalid URI {uri:?}: {reason}")]
    InvalidUri {
        /// The URI (truncated).
        uri: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A name-addr / addr-spec that does not parse.
    #[error("invalid address {value:?}: {reason}")]
    InvalidNameAddr {
        /// The value (truncated).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A malformed `;name=value` parameter.
    #[error("invalid parameter {param:?}")]
    InvalidParam {
        /// The parameter (truncated).
        param: String,
    },
    /// A header required by §8.1.1 is missing.
    #[error("missing required header {name}")]
    MissingHeader {
        /// Canonical header name.
        name: &'static str,
    },
    /// A single-valued header appears more than once (RFC 4475 §3.3.8).
    #[error("header {name} appears more than once")]
    DuplicateHeader {
        /// Canonical header name.
        name: &'static str,
    },
    /// Content-Length disagrees with the bytes present (RFC 4475 §3.1.2.2).
    #[error("Content-Length {declared} but {available} body bytes")]
    ContentLengthMismatch {
        /// Declared length.
        declared: usize,
        /// Bytes after the header section.
        available: usize,
    },
    /// CSeq method differs from the request method (§8.1.1.5; RFC 4475 §3.1.2.17).
    #[error("CSeq method {cseq} does not match request method {method}")]
    CSeqMethodMismatch {
        /// Request-Line method.
        method: String,
        /// CSeq method.
        cseq: String,
    },
}

/// Header fields in wire order, one value per entry (lists already split).
///
/// `Content-Length` is framing, not content: the parser checks it and drops it, and the
/// serialiser writes it from the body, so the two can never disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(Cow<'static, str>, String)>);

impl Headers {
    /// The first value of `name` (case-insensitive, full name).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).next()
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Appends a value. Known names are stored in their canonical spelling.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((names::canonical(name).0, value.into()));
    }

    pub(crate) fn push_name(&mut self, name: Cow<'static, str>, value: String) {
        self.0.push((name, value));
    }

    /// Inserts a value before all others (used for Via, §8.1.1.7).
    pub fn push_front(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(0, (names::canonical(name).0, value.into()));
    }

    /// Replaces every value of `name` by one value, at the position of the first.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .0
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                self.0[i].1 = value;
                let mut seen = 0;
                self.0.retain(|(n, _)| {
                    let keep = !n.eq_ignore_ascii_case(name) || seen == 0;
                    if n.eq_ignore_ascii_case(name) {
                        seen += 1;
                    }
                    keep
                });
            }
            None => self.push(name, value),
        }
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Iterates `(name, value)` in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Header fields.
    pub headers: Headers,
    /// Body (Content-Length is computed when serialising).
    pub body: Bytes,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, 100–699.
    pub status: u16,
    /// Reason phrase (may be empty, RFC 4475 §3.1.1.13).
    pub reason: String,
    /// Header fields.
    pub headers: Headers,
    /// Body.
    pub body: Bytes,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// Header fields of either kind.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// Serialises to wire bytes.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

/// Accessors shared by requests and responses; each re-reads its header, so a message
/// edited by hand answers consistently.
pub trait SipHeaders {
    /// The header fields.
    fn headers(&self) -> &Headers;

    /// Every Via, top first.
    fn vias(&self) -> Vec<Via> {
        self.headers()
            .get_all("Via")
            .filter_map(|v| Via::parse(v).ok())
            .collect()
    }
    /// The top Via.
    fn top_via(&self) -> Option<Via> {
        self.headers().get("Via").and_then(|v| Via::parse(v).ok())
    }
    /// From.
    fn from(&self) -> Option<NameAddr> {
        self.headers()
            .get("From")
            .and_then(|v| NameAddr::parse(v).ok())
    }
    /// To.
    fn to(&self) -> Option<NameAddr> {
        self.headers()
            .get("To")
            .and_then(|v| NameAddr::parse(v).ok())
    }
    /// Call-ID.
    fn call_id(&self) -> Option<&str> {
        self.headers().get("Call-ID")
    }
    /// CSeq.
    fn cseq(&self) -> Option<CSeq> {
        self.headers().get("CSeq").and_then(|v| CSeq::parse(v).ok())
    }
    /// Every Contact value.
    fn contacts(&self) -> Vec<Contact> {
        self.headers()
            .get_all("Contact")
            .filter_map(|v| Contact::parse(v).ok())
            .collect()
    }
    /// Expires, in seconds.
    fn expires(&self) -> Option<u32> {
        self.headers()
            .get("Expires")
            .and_then(|v| parse_delta(v.trim()))
    }
    /// Max-Forwards.
    fn max_forwards(&self) -> Option<u8> {
        self.headers()
            .get("Max-Forwards")
            .and_then(|v| v.trim().parse().ok())
    }
    /// Content-Type.
    fn content_type(&self) -> Option<&str> {
        self.headers().get("Content-Type")
    }
    /// Authorization (raw; parse with [`crate::auth::AuthParams::parse`]).
    fn authorization(&self) -> Option<&str> {
        self.headers().get("Authorization")
    }
    /// Proxy-Authorization (raw).
    fn proxy_authorization(&self) -> Option<&str> {
        self.headers().get("Proxy-Authorization")
    }
    /// User-Agent.
    fn user_agent(&self) -> Option<&str> {
        self.headers().get("User-Agent")
    }
    /// Record-Route entries, top first.
    fn record_route(&self) -> Vec<NameAddr> {
        self.headers()
            .get_all("Record-Route")
            .filter_map(|v| NameAddr::parse(v).ok())
            .collect()
    }
    /// Route entries, top first.
    fn route(&self) -> Vec<NameAddr> {
        self.headers()
            .get_all("Route")
            .filter_map(|v| NameAddr::parse(v).ok())
            .collect()
    }
}

impl SipHeaders for Request {
    fn headers(&self) -> &Headers {
        &self.headers
    }
}

impl SipHeaders for Response {
    fn headers(&self) -> &Headers {
        &self.headers
    }
}
