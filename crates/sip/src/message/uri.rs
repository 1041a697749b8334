//! SIP and other URIs (RFC 3261 §19.1, §25.1), kept as they appear on the wire.
//!
//! Escapes (`%HH`) are validated but not decoded: comparisons that need decoding
//! (§19.1.4) happen where they are needed, and printing gives back the same octets.

use std::fmt;

use super::params::{parse_params, Params};
use super::ParseError;

/// The scheme of a URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
    /// `tel:` (RFC 3966), kept opaque.
    Tel,
    /// Any other syntactically valid scheme, lower-cased; kept opaque (RFC 4475 §3.3.2).
    Other(String),
}

impl Scheme {
    fn as_str(&self) -> &str {
        match self {
            Scheme::Sip => "sip",
            Scheme::Sips => "sips",
            Scheme::Tel => "tel",
            Scheme::Other(s) => s,
        }
    }
}

/// A URI: structured for `sip:`/`sips:`, opaque text otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// The scheme.
    pub scheme: Scheme,
    /// User part, still escaped (SIP URIs only).
    pub user: Option<String>,
    /// Password part, still escaped (SIP URIs only; deprecated by §22.1 but legal).
    pub password: Option<String>,
    /// Host: a name, dotted IPv4 or a bracketed IPv6 reference. Empty for opaque URIs.
    pub host: String,
    /// Explicit port.
    pub port: Option<u16>,
    /// `;name=value` URI parameters.
    pub params: Params,
    /// The `?` header part, still escaped.
    pub headers: Option<String>,
    /// Everything after `scheme:` for URIs that are not `sip:`/`sips:`.
    pub opaque: Option<String>,
}

impl Uri {
    /// A `sip:` URI with the given user and host.
    pub fn sip(user: Option<&str>, host: &str, port: Option<u16>) -> Self {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_owned),
            password: None,
            host: host.to_owned(),
            port,
            params: Params::default(),
            headers: None,
            opaque: None,
        }
    }

    /// Parses a URI; whitespace anywhere is an error (RFC 4475 §3.1.2.8).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = |reason: &'static str| ParseError::InvalidUri {
            uri: truncate(s),
            reason,
        };
        if s.bytes()
            .any(|b| b.is_ascii_whitespace() || b < 0x21 || b == 0x7f)
        {
            return Err(bad("contains whitespace or control characters"));
        }
        let (scheme, rest) = s.split_once(':').ok_or_else(|| bad("missing scheme"))?;
        let scheme = parse_scheme(scheme).ok_or_else(|| bad("invalid scheme"))?;
        if rest.is_empty() {
            return Err(bad("empty after scheme"));
        }
        match scheme {
            Scheme::Sip | Scheme::Sips => parse_sip(scheme, rest).map_err(bad),
            other => {
                if rest.bytes().any(|b| matches!(b, b'<' | b'>' | b'"')) {
                    return Err(bad("delimiter inside opaque URI"));
                }
                Ok(Uri {
                    scheme: other,
                    user: None,
                    password: None,
                    host: String::new(),
                    port: None,
                    params: Params::default(),
                    headers: None,
                    opaque: Some(rest.to_owned()),
                })
            }
        }
    }

    /// `true` for `sip:` and `sips:`.
    pub fn is_sip(&self) -> bool {
        matches!(self.scheme, Scheme::Sip | Scheme::Sips)
    }

    /// `host[:port]` as written.
    pub fn host_port(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

fn parse_scheme(s: &str) -> Option<Scheme> {
    let mut chars = s.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some(if s.eq_ignore_ascii_case("sip") {
        Scheme::Sip
    } else if s.eq_ignore_ascii_case("sips") {
        Scheme::Sips
    } else if s.eq_ignore_ascii_case("tel") {
        Scheme::Tel
    } else {
        Scheme::Other(s.to_ascii_lowercase())
    })
}

fn parse_sip(scheme: Scheme, rest: &str) -> Result<Uri, &'static str> {
    // '@' is never legal unescaped in params or headers, so the last one ends userinfo.
    let (userinfo, hostpart) = match rest.rfind('@') {
        Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
        None => (None, rest),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(ui) => parse_userinfo(ui)?,
    };
    let (before_headers, headers) = match hostpart.split_once('?') {
        Some((a, h)) => (a, Some(h)),
        None => (hostpart, None),
    };
    if let Some(h) = headers {
        if h.is_empty() || !valid_chars(h, is_header_char) {
            return Err("invalid headers part");
        }
    }
    let (hostport, params) = match before_headers.split_once(';') {
        Some((hp, ps)) => (hp, Some(ps)),
        None => (before_headers, None),
    };
    let (host, port) = parse_hostport(hostport)?;
    let params = match params {
        Some(ps) => parse_params(ps, ';').map_err(|_| "invalid URI parameter")?,
        None => Params::default(),
    };
    Ok(Uri {
        scheme,
        user,
        password,
        host,
        port,
        params,
        headers: headers.map(str::to_owned),
        opaque: None,
    })
}

type UserInfo = (Option<String>, Option<String>);

/// `user[:password]`, both still escaped (RFC 3261 §25.1 userinfo).
fn parse_userinfo(ui: &str) -> Result<UserInfo, &'static str> {
    let (u, p) = match ui.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (ui, None),
    };
    if u.is_empty() || !valid_chars(u, is_user_char) {
        return Err("invalid user part");
    }
    if p.is_some_and(|p| !valid_chars(p, is_password_char)) {
        return Err("invalid password part");
    }
    Ok((Some(u.to_owned()), p.map(str::to_owned)))
}

/// Parses `host[:port]`, host being a name, IPv4 or `[IPv6]` (RFC 3261 §25.1).
pub(crate) fn parse_hostport(s: &str) -> Result<(String, Option<u16>), &'static str> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']').ok_or("unterminated IPv6 reference")?;
        let v6 = &rest[..end];
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("invalid IPv6 reference");
        }
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err("garbage after IPv6 reference"),
        };
        (&s[..end + 2], port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err("empty host");
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("invalid host");
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| "port out of range")?)
        }
        Some(_) => return Err("invalid port"),
    };
    Ok((host.to_owned(), port))
}

fn valid_chars(s: &str, allowed: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
        } else if allowed(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// `unreserved` of RFC 3261 §25.1.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
        )
}

fn is_user_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

fn is_header_char(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$' | b'&' | b'='
        )
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.scheme.as_str())?;
        if let Some(opaque) = &self.opaque {
            return f.write_str(opaque);
        }
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            f.write_str("@")?;
        }
        f.write_str(&self.host_port())?;
        for (name, value) in self.params.iter() {
            match value {
                Some(v) => write!(f, ";{name}={v}")?,
                None => write!(f, ";{name}")?,
            }
        }
        if let Some(h) = &self.headers {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_password_host_port_params() {
        let u = Uri::parse("sip:alice:pw@example.com:5070;transport=tcp;lr").unwrap();
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("pw"));
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.params.get("transport"), Some(Some("tcp")));
        assert!(u.params.contains("lr"));
        assert_eq!(
            u.to_string(),
            "sip:alice:pw@example.com:5070;transport=tcp;lr"
        );
    }

    #[test]
    fn semicolon_in_user_part_is_kept_in_user() {
        let u = Uri::parse("sip:user;par=u%40example.net@example.com").unwrap();
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        assert_eq!(u.host, "example.com");
    }

    #[test]
    fn ipv6_reference_with_port() {
        let u = Uri::parse("sip:[2001:db8::10]:5070").unwrap();
        assert_eq!(u.host, "[2001:db8::10]");
        assert_eq!(u.port, Some(5070));
    }

    #[test]
    fn rejects_whitespace_bad_escapes_and_ports() {
        assert!(Uri::parse("sip:user@example.com; lr").is_err());
        assert!(Uri::parse("sip:us%4@example.com").is_err());
        assert!(Uri::parse("sip:us%4").is_err());
        assert!(Uri::parse("sip:user@example.com:99999").is_err());
        assert!(Uri::parse("<sip:user@example.com>").is_err());
        assert!(Uri::parse("sip:").is_err());
    }

    #[test]
    fn unknown_scheme_is_opaque() {
        let u = Uri::parse("nobodyKnowsThisScheme:totallyopaquecontent").unwrap();
        assert_eq!(u.scheme, Scheme::Other("nobodyknowsthisscheme".into()));
        assert!(!u.is_sip());
    }
}
