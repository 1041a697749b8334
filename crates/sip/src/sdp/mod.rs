//! SDP (RFC 8866) for audio calls, and RFC 3264 offer/answer.
//!
//! We parse and print SDP with the small parser below rather than the `sdp` crate
//! (webrtc-rs): that crate follows WebRTC's needs (ICE, DTLS, bundle), pulls in `url` and
//! `rand`, and reports errors as strings; a softswitch talking to phones and trunks needs
//! none of that, but does need every line kept in order, hostile input refused with a line
//! number, and the legacy `c=0.0.0.0` hold form understood.

mod negotiate;

use std::fmt::{self, Write as _};

pub use negotiate::{accept_answer, Codec, Direction, LocalMedia, MediaParams, SdpSession};

/// Why SDP was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    /// A line does not parse.
    #[error("line {line}: {reason}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A mandatory line (`v=`, `o=`, `s=`, `t=`) is missing.
    #[error("missing {kind}= line")]
    MissingLine {
        /// Line type.
        kind: char,
    },
    /// An audio stream has no connection address.
    #[error("media {index} has no c= line")]
    MissingConnection {
        /// 0-based m= index.
        index: usize,
    },
    /// No audio stream shares a codec with us (answer 488).
    #[error("no acceptable audio stream")]
    NotAcceptable,
    /// Too many lines.
    #[error("more than {limit} lines")]
    TooLarge {
        /// Limit.
        limit: usize,
    },
}

/// Most lines accepted in one description.
const MAX_LINES: usize = 1024;

/// `o=` (RFC 8866 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Username (`-` if none).
    pub username: String,
    /// Session id.
    pub session_id: u64,
    /// Session version.
    pub session_version: u64,
    /// Address type (`IP4`/`IP6`).
    pub addr_type: String,
    /// Unicast address.
    pub address: String,
}

/// `c=` (RFC 8866 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `IP4` or `IP6`.
    pub addr_type: String,
    /// Address (TTL/count suffixes dropped).
    pub address: String,
}

/// `a=name[:value]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value.
    pub value: Option<String>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `video`, …
    pub kind: String,
    /// Port; 0 rejects/disables the stream (RFC 3264 §5.1, §6).
    pub port: u16,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub proto: String,
    /// Formats (payload types for RTP).
    pub formats: Vec<String>,
    /// Media-level `c=`.
    pub connection: Option<Connection>,
    /// Other lines (`b=`, `i=`, `k=`) as `(type, value)`.
    pub other: Vec<(char, String)>,
    /// Attributes in order.
    pub attributes: Vec<Attribute>,
}

impl Media {
    /// The first value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        find_attr(&self.attributes, name)
    }

    /// The encoding name and clock rate a payload type maps to (`a=rtpmap`, else the
    /// static table of RFC 3551 §6 for 0 and 8).
    pub fn rtpmap(&self, pt: &str) -> Option<(String, u32)> {
        for a in self.attributes.iter().filter(|a| a.name == "rtpmap") {
            let Some((num, enc)) = a.value.as_deref().and_then(|v| v.split_once(' ')) else {
                continue;
            };
            if num == pt {
                let mut parts = enc.split('/');
                let name = parts.next().unwrap_or_default().to_owned();
                let rate = parts.next().and_then(|r| r.parse().ok()).unwrap_or(0);
                return Some((name, rate));
            }
        }
        match pt {
            "0" => Some(("PCMU".into(), 8000)),
            "8" => Some(("PCMA".into(), 8000)),
            _ => None,
        }
    }
}

fn find_attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<Option<&'a str>> {
    attrs
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.value.as_deref())
}

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`.
    pub origin: Origin,
    /// `s=`.
    pub session_name: String,
    /// Session-level `c=`.
    pub connection: Option<Connection>,
    /// `t=` value.
    pub timing: String,
    /// Other session-level lines (`i=`, `u=`, `e=`, `p=`, `b=`, `r=`, `z=`, `k=`).
    pub other: Vec<(char, String)>,
    /// Session-level attributes.
    pub attributes: Vec<Attribute>,
    /// Media sections.
    pub media: Vec<Media>,
}

impl SessionDescription {
    /// Parses SDP text (CRLF or LF line ends).
    pub fn parse(text: &str) -> Result<Self, SdpError> {
        let mut b = Builder::default();
        for (idx, raw) in text.split('\n').enumerate() {
            let line_no = idx + 1;
            if line_no > MAX_LINES {
                return Err(SdpError::TooLarge { limit: MAX_LINES });
            }
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if !line.is_empty() {
                b.line(line).map_err(|reason| SdpError::Syntax {
                    line: line_no,
                    reason,
                })?;
            }
        }
        b.finish()
    }

    /// Session-level attribute.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        find_attr(&self.attributes, name)
    }
}

/// Accumulates lines in order (RFC 8866 §5: session lines, then media sections).
#[derive(Default)]
struct Builder {
    version_seen: bool,
    origin: Option<Origin>,
    session_name: Option<String>,
    timing: Option<String>,
    connection: Option<Connection>,
    other: Vec<(char, String)>,
    attributes: Vec<Attribute>,
    media: Vec<Media>,
}

impl Builder {
    fn line(&mut self, line: &str) -> Result<(), &'static str> {
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_lowercase() {
            return Err("expected <type>=<value>");
        }
        // The check above makes byte 1 an ASCII '=', so byte 2 starts a character.
        let (kind, value) = (bytes[0] as char, &line[2..]);
        if !self.version_seen {
            if kind != 'v' || value != "0" {
                return Err("first line must be v=0");
            }
            self.version_seen = true;
            return Ok(());
        }
        match (kind, self.media.last_mut()) {
            ('o', None) => self.origin = Some(parse_origin(value).ok_or("bad o= line")?),
            ('s', None) => self.session_name = Some(value.to_owned()),
            ('t', None) => self.timing = Some(value.to_owned()),
            ('c', None) => self.connection = Some(parse_connection(value).ok_or("bad c= line")?),
            ('c', Some(m)) => m.connection = Some(parse_connection(value).ok_or("bad c= line")?),
            ('a', None) => self.attributes.push(parse_attribute(value)),
            ('a', Some(m)) => m.attributes.push(parse_attribute(value)),
            ('m', _) => self.media.push(parse_media(value).ok_or("bad m= line")?),
            ('v' | 'o' | 's' | 't', Some(_)) => return Err("session line inside media"),
            (k, None) => self.other.push((k, value.to_owned())),
            (k, Some(m)) => m.other.push((k, value.to_owned())),
        }
        Ok(())
    }

    fn finish(self) -> Result<SessionDescription, SdpError> {
        if !self.version_seen {
            return Err(SdpError::MissingLine { kind: 'v' });
        }
        Ok(SessionDescription {
            origin: self.origin.ok_or(SdpError::MissingLine { kind: 'o' })?,
            session_name: self
                .session_name
                .ok_or(SdpError::MissingLine { kind: 's' })?,
            connection: self.connection,
            timing: self.timing.ok_or(SdpError::MissingLine { kind: 't' })?,
            other: self.other,
            attributes: self.attributes,
            media: self.media,
        })
    }
}

fn parse_origin(v: &str) -> Option<Origin> {
    let p: Vec<&str> = v.split(' ').collect();
    let [username, id, version, "IN", addr_type, address] = p[..] else {
        return None;
    };
    Some(Origin {
        username: username.to_owned(),
        session_id: id.parse().ok()?,
        session_version: version.parse().ok()?,
        addr_type: addr_type.to_owned(),
        address: address.to_owned(),
    })
}

fn parse_connection(v: &str) -> Option<Connection> {
    let p: Vec<&str> = v.split(' ').collect();
    let ["IN", addr_type, address] = p[..] else {
        return None;
    };
    let address = address.split('/').next()?;
    if address.is_empty() {
        return None;
    }
    Some(Connection {
        addr_type: addr_type.to_owned(),
        address: address.to_owned(),
    })
}

fn parse_attribute(v: &str) -> Attribute {
    match v.split_once(':') {
        Some((n, val)) => Attribute {
            name: n.to_owned(),
            value: Some(val.to_owned()),
        },
        None => Attribute {
            name: v.to_owned(),
            value: None,
        },
    }
}

fn parse_media(v: &str) -> Option<Media> {
    let mut p = v.split(' ');
    let kind = p.next()?.to_owned();
    let port = p.next()?.split('/').next()?.parse().ok()?;
    let proto = p.next()?.to_owned();
    let formats: Vec<String> = p.map(str::to_owned).collect();
    if kind.is_empty()
        || proto.is_empty()
        || formats.is_empty()
        || formats.iter().any(String::is_empty)
    {
        return None;
    }
    Some(Media {
        kind,
        port,
        proto,
        formats,
        connection: None,
        other: Vec::new(),
        attributes: Vec::new(),
    })
}

fn write_attrs(f: &mut String, attrs: &[Attribute]) {
    for a in attrs {
        // Writing into a String cannot fail.
        let _ = match &a.value {
            Some(v) => write!(f, "a={}:{v}\r\n", a.name),
            None => write!(f, "a={}\r\n", a.name),
        };
    }
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from("v=0\r\n");
        let o = &self.origin;
        let _ = write!(
            s,
            "o={} {} {} IN {} {}\r\ns={}\r\n",
            o.username, o.session_id, o.session_version, o.addr_type, o.address, self.session_name
        );
        if let Some(c) = &self.connection {
            let _ = write!(s, "c=IN {} {}\r\n", c.addr_type, c.address);
        }
        for (k, v) in self.other.iter().filter(|(k, _)| *k == 'b') {
            let _ = write!(s, "{k}={v}\r\n");
        }
        let _ = write!(s, "t={}\r\n", self.timing);
        for (k, v) in self.other.iter().filter(|(k, _)| *k != 'b') {
            let _ = write!(s, "{k}={v}\r\n");
        }
        write_attrs(&mut s, &self.attributes);
        for m in &self.media {
            let _ = write!(
                s,
                "m={} {} {} {}\r\n",
                m.kind,
                m.port,
                m.proto,
                m.formats.join(" ")
            );
            for (k, v) in &m.other {
                let _ = write!(s, "{k}={v}\r\n");
            }
            if let Some(c) = &m.connection {
                let _ = write!(s, "c=IN {} {}\r\n", c.addr_type, c.address);
            }
            write_attrs(&mut s, &m.attributes);
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n\
        s=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 97\r\n\
        a=rtpmap:0 PCMU/8000\r\na=rtpmap:97 telephone-event/8000\r\na=ptime:20\r\n\
        m=video 51372 RTP/AVP 31\r\n";

    #[test]
    fn parses_and_prints_back() {
        let sd = SessionDescription::parse(OFFER).unwrap();
        assert_eq!(sd.origin.session_version, 2_890_844_526);
        assert_eq!(sd.media.len(), 2);
        assert_eq!(
            sd.media[0].rtpmap("97"),
            Some(("telephone-event".into(), 8000))
        );
        assert_eq!(sd.media[0].rtpmap("8"), Some(("PCMA".into(), 8000)));
        assert_eq!(SessionDescription::parse(&sd.to_string()).unwrap(), sd);
    }

    #[test]
    fn rejects_malformed_with_line_numbers() {
        assert_eq!(
            SessionDescription::parse("v=1\r\n"),
            Err(SdpError::Syntax {
                line: 1,
                reason: "first line must be v=0"
            })
        );
        assert!(matches!(
            SessionDescription::parse("v=0\r\no=x\r\n"),
            Err(SdpError::Syntax { line: 2, .. })
        ));
        assert_eq!(
            SessionDescription::parse("v=0\r\ns=-\r\nt=0 0\r\n"),
            Err(SdpError::MissingLine { kind: 'o' })
        );
        assert!(SessionDescription::parse("").is_err());
        assert!(SessionDescription::parse("v=0\r\nm=audio x RTP/AVP 0\r\n").is_err());
    }
}
