//! Typed views of the header fields the engine reads (RFC 3261 §20).

use std::fmt;

use super::params::{is_token, is_token_char, parse_params, Params};
use super::uri::{parse_hostport, Uri};
use super::ParseError;

/// A SIP method (RFC 3261 §7.1 and extensions).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// RFC 3261
    Invite,
    /// RFC 3261
    Ack,
    /// RFC 3261
    Bye,
    /// RFC 3261
    Cancel,
    /// RFC 3261
    Register,
    /// RFC 3261
    Options,
    /// RFC 6086
    Info,
    /// RFC 3311
    Update,
    /// RFC 3262
    Prack,
    /// RFC 6665
    Subscribe,
    /// RFC 6665
    Notify,
    /// RFC 3515
    Refer,
    /// RFC 3428
    Message,
    /// RFC 3903
    Publish,
    /// Any other token; methods are case-sensitive (§7.1), so `invite` lands here.
    Extension(String),
}

impl Method {
    /// Parses a method token.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if !is_token(s) {
            return Err(ParseError::InvalidMethod {
                method: s.chars().take(40).collect(),
            });
        }
        Ok(match s {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            other => Method::Extension(other.to_owned()),
        })
    }

    /// The method as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Extension(s) => s,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `CSeq: 4711 INVITE` (RFC 3261 §20.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number, below 2^31.
    pub seq: u32,
    /// Method.
    pub method: Method,
}

impl CSeq {
    /// Parses the header value.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = || ParseError::InvalidHeader {
            name: "CSeq",
            value: s.chars().take(80).collect(),
        };
        let mut it = s.split([' ', '\t']).filter(|p| !p.is_empty());
        let (num, method) = (it.next().ok_or_else(bad)?, it.next().ok_or_else(bad)?);
        if it.next().is_some() || num.len() > 10 || !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let seq: u32 = num.parse().map_err(|_| bad())?;
        if seq > crate::rfc::MAX_CSEQ {
            return Err(bad());
        }
        Ok(CSeq {
            seq,
            method: Method::parse(method)?,
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// `["display"] <uri>;params` or `uri;params` (RFC 3261 §20.10, §25.1 name-addr / addr-spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name without quotes (escapes kept), if any.
    pub display_name: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters after the URI (`tag`, `expires`, `q`…).
    pub params: Params,
}

impl NameAddr {
    /// A bare `<uri>`.
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display_name: None,
            uri,
            params: Params::default(),
        }
    }

    /// Parses a From/To/Contact/Route value.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim_matches([' ', '\t']);
        let bad = |reason: &'static str| ParseError::InvalidNameAddr {
            value: s.chars().take(80).collect(),
            reason,
        };
        let (display_name, rest) = if let Some(stripped) = s.strip_prefix('"') {
            let end =
                closing_quote(stripped).ok_or_else(|| bad("unterminated quoted display name"))?;
            let rest = stripped[end + 1..].trim_start_matches([' ', '\t']);
            if !rest.starts_with('<') {
                return Err(bad("quoted display name not followed by <uri>"));
            }
            (Some(stripped[..end].to_owned()), rest)
        } else {
            let stop = s
                .find(|c: char| !(c.is_ascii() && is_token_char(c as u8)) && c != ' ' && c != '\t')
                .unwrap_or(s.len());
            if s[stop..].starts_with('<') {
                let dn = s[..stop].trim_matches([' ', '\t']);
                ((!dn.is_empty()).then(|| dn.to_owned()), &s[stop..])
            } else {
                return Self::parse_addr_spec(s).map_err(|_| bad("invalid addr-spec"));
            }
        };
        let inner_end = rest.find('>').ok_or_else(|| bad("missing >"))?;
        let uri = Uri::parse(&rest[1..inner_end])?;
        let params = parse_header_params(&rest[inner_end + 1..])?;
        Ok(NameAddr {
            display_name,
            uri,
            params,
        })
    }

    /// addr-spec form: the URI ends at the first `;` and may not hold `?` or `,`
    /// (§20.10; RFC 4475 §3.1.2.13).
    fn parse_addr_spec(s: &str) -> Result<Self, ParseError> {
        let (uri, params) = match s.split_once(';') {
            Some((u, p)) => (u.trim_end(), Some(p)),
            None => (s, None),
        };
        if uri.contains(['?', ',']) {
            return Err(ParseError::InvalidNameAddr {
                value: s.chars().take(80).collect(),
                reason: "URI with ? or , must be enclosed in <>",
            });
        }
        let uri = Uri::parse(uri)?;
        let params = match params {
            Some(p) => parse_params(p, ';')?,
            None => Params::default(),
        };
        Ok(NameAddr {
            display_name: None,
            uri,
            params,
        })
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag").flatten()
    }
}

fn closing_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Header parameters after `>`: empty, or `;a=b;c` with optional whitespace.
fn parse_header_params(s: &str) -> Result<Params, ParseError> {
    let s = s.trim_matches([' ', '\t']);
    if s.is_empty() {
        return Ok(Params::default());
    }
    let rest = s
        .strip_prefix(';')
        .ok_or_else(|| ParseError::InvalidParam {
            param: s.chars().take(80).collect(),
        })?;
    parse_params(rest, ';')
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(dn) = &self.display_name {
            write!(f, "\"{dn}\" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// One Contact value: `*` or an address (RFC 3261 §20.10).
// `*` is rare and short-lived; boxing the common case would cost an allocation per contact.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *`, only legal in REGISTER with `Expires: 0` (§10.2.2).
    Star,
    /// An address with its parameters.
    Addr(NameAddr),
}

impl Contact {
    /// Parses one Contact value.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.trim() == "*" {
            Ok(Contact::Star)
        } else {
            NameAddr::parse(s).map(Contact::Addr)
        }
    }

    /// The `expires` parameter as seconds, if present and numeric.
    pub fn expires(&self) -> Option<u32> {
        match self {
            Contact::Star => None,
            Contact::Addr(a) => a.params.get("expires").flatten().and_then(parse_delta),
        }
    }
}

/// delta-seconds (RFC 3261 §20.19): values beyond 2^32-1 saturate, per §25.1's advice to
/// treat overlarge deltas as 2^32-1 rather than rejecting them.
pub(crate) fn parse_delta(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        s.parse::<u64>()
            .map_or(u32::MAX, |v| u32::try_from(v).unwrap_or(u32::MAX)),
    )
}

/// One Via value (RFC 3261 §20.42).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Transport token, upper-cased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`…).
    pub transport: String,
    /// sent-by host.
    pub host: String,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters (`branch`, `received`, `rport`, `maddr`, `ttl`).
    pub params: Params,
}

impl Via {
    /// Our own Via for a new request (§8.1.1.7): `branch` must be unique and start with
    /// [`crate::rfc::MAGIC_COOKIE`]; `rport` asks for RFC 3581 symmetric responses.
    pub fn new(
        transport: crate::transport::Transport,
        host: &str,
        port: Option<u16>,
        branch: &str,
        rport: bool,
    ) -> Self {
        let mut params = Params::default();
        params.set("branch", Some(branch));
        if rport {
            params.set("rport", None);
        }
        Via {
            transport: transport.as_str().to_owned(),
            host: host.to_owned(),
            port,
            params,
        }
    }

    /// Parses one Via value.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = || ParseError::InvalidHeader {
            name: "Via",
            value: s.chars().take(80).collect(),
        };
        // sent-protocol = name SLASH version SLASH transport, SLASH allowing LWS.
        let mut parts = s.splitn(3, '/');
        let (name, version, rest) = (
            parts.next().ok_or_else(bad)?.trim(),
            parts.next().ok_or_else(bad)?.trim(),
            parts.next().ok_or_else(bad)?.trim_start(),
        );
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(bad());
        }
        let t_end = rest.find([' ', '\t']).ok_or_else(bad)?;
        let transport = &rest[..t_end];
        if !is_token(transport) {
            return Err(bad());
        }
        let rest = rest[t_end..].trim_start();
        let (sent_by, params) = match rest.split_once(';') {
            Some((a, p)) => (a.trim_end(), Some(p)),
            None => (rest.trim_end(), None),
        };
        let (host, port) = parse_hostport(sent_by).map_err(|_| bad())?;
        let params = match params {
            Some(p) => parse_params(p, ';')?,
            None => Params::default(),
        };
        Ok(Via {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        })
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch").flatten()
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&str> {
        self.params.get("received").flatten()
    }

    /// The `rport` parameter: `None` absent, `Some(None)` present without value (RFC 3581 §3).
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// `host[:port]` of sent-by.
    pub fn sent_by(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SIP/2.0/{} {}{}",
            self.transport,
            self.sent_by(),
            self.params
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_addr_forms() {
        let a = NameAddr::parse("\"Alice \\\"A\\\"\" <sip:alice@example.com>;tag=1928").unwrap();
        assert_eq!(a.display_name.as_deref(), Some("Alice \\\"A\\\""));
        assert_eq!(a.tag(), Some("1928"));
        let b = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(b.display_name.as_deref(), Some("caller"));
        let c = NameAddr::parse("sip:bob@example.com;tag=x").unwrap();
        assert_eq!(c.uri.user.as_deref(), Some("bob"));
        assert_eq!(c.tag(), Some("x"));
    }

    #[test]
    fn name_addr_rejects_malformed() {
        assert!(NameAddr::parse("\"Mr. J. User <sip:j.user@example.com>").is_err());
        assert!(NameAddr::parse("sip:user@example.com?Route=%3Csip:example.com%3E").is_err());
        assert!(NameAddr::parse("\"W\" < sip:t.watson@example.org >").is_err());
        assert!(NameAddr::parse("Bell, Alexander <sip:a.g.bell@example.com>").is_err());
        assert!(NameAddr::parse("<sip:a@b>;;").is_err());
    }

    #[test]
    fn via_with_rport_and_spaces_around_slashes() {
        let v = Via::parse("SIP / 2.0 / udp host.example.com:5062;branch=z9hG4bK77;rport").unwrap();
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.sent_by(), "host.example.com:5062");
        assert_eq!(v.branch(), Some("z9hG4bK77"));
        assert_eq!(v.rport(), Some(None));
    }

    #[test]
    fn cseq_limits() {
        assert_eq!(CSeq::parse("4711 INVITE").unwrap().seq, 4711);
        assert!(CSeq::parse("36893488147419103232 INVITE").is_err());
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("1").is_err());
    }

    #[test]
    fn delta_saturates() {
        assert_eq!(parse_delta("10000000000000000000000"), Some(u32::MAX));
        assert_eq!(parse_delta("-1"), None);
    }
}
