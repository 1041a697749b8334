//! Framing SIP messages out of a stream transport (RFC 3261 §18.3, RFC 5626 §3.5.1).
//!
//! On TCP/TLS the only message boundary is `Content-Length`, which is mandatory there.
//! Between messages a peer may send RFC 5626 keep-alives: a double CRLF "ping", to which
//! we answer a single CRLF "pong" ([`PONG`]).

use bytes::{Bytes, BytesMut};

use crate::message::parse::{find, parse_content_length};

/// What we write back for a CRLFCRLF ping (RFC 5626 §4.4.1).
pub const PONG: &[u8] = b"\r\n";

/// Why a stream cannot be framed; the connection should be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// The header section grew past the limit without ending.
    #[error("header section exceeds {limit} bytes")]
    HeadersTooLong {
        /// Limit in bytes.
        limit: usize,
    },
    /// No Content-Length on a stream (§18.3 makes it mandatory there).
    #[error("message on a stream transport has no Content-Length")]
    MissingContentLength,
    /// Content-Length is not a number.
    #[error("invalid Content-Length {value:?}")]
    InvalidContentLength {
        /// As written (truncated).
        value: String,
    },
    /// Header section plus declared body exceed the message limit.
    #[error("message of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Declared total size.
        size: usize,
        /// Limit in bytes.
        limit: usize,
    },
}

/// One unit read from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message (header section and body), ready for [`crate::message::parse`].
    Message(Bytes),
    /// A CRLFCRLF keep-alive ping: write [`PONG`] back.
    Ping,
    /// A single CRLF pong answering our ping.
    Pong,
}

/// Largest message framed, as for datagrams.
pub const MAX_MESSAGE: usize = crate::rfc::MAX_DATAGRAM;

/// Takes the next frame out of `buf`, or `None` if more bytes are needed. Stateless:
/// each call rescans the buffer, so a connection object should prefer [`Framer`].
pub fn next_frame(buf: &mut BytesMut) -> Result<Option<Frame>, FramingError> {
    Framer::default().next_frame(buf)
}

/// Per-connection framing state: remembers how far the header terminator search got, so
/// a peer trickling a large header one byte per segment costs linear, not quadratic, work.
#[derive(Debug, Default, Clone)]
pub struct Framer {
    searched: usize,
}

impl Framer {
    /// Takes the next frame out of `buf` (the same buffer on every call), or `None` if
    /// more bytes are needed.
    pub fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FramingError> {
        if let Some(frame) = keep_alive(buf) {
            self.searched = 0;
            return Ok(frame);
        }
        // Resume a few bytes back: the terminator may straddle the previous end.
        let from = self.searched.saturating_sub(3);
        let Some(offset) = find(&buf[from..], b"\r\n\r\n") else {
            if buf.len() > MAX_MESSAGE {
                return Err(FramingError::HeadersTooLong { limit: MAX_MESSAGE });
            }
            self.searched = buf.len();
            return Ok(None);
        };
        let head_end = from + offset;
        self.searched = head_end;
        let body_len = content_length(&buf[..head_end])?;
        let total = head_end + 4 + body_len;
        if total > MAX_MESSAGE {
            return Err(FramingError::TooLarge {
                size: total,
                limit: MAX_MESSAGE,
            });
        }
        if buf.len() < total {
            return Ok(None);
        }
        self.searched = 0;
        Ok(Some(Frame::Message(buf.split_to(total).freeze())))
    }
}

/// RFC 5626 keep-alives at a message boundary: `Some(None)` means wait for one more byte.
fn keep_alive(buf: &mut BytesMut) -> Option<Option<Frame>> {
    if buf.starts_with(b"\r\n\r\n") {
        let _ = buf.split_to(4);
        return Some(Some(Frame::Ping));
    }
    // A lone "\r", or "\r\n\r", may be the start of a ping: wait for the rest. A bare
    // "\r\n" is taken as a pong; a ping split after its first CRLF would read as two
    // pongs, which peers avoid by sending the four bytes in one write.
    if buf[..] == b"\r"[..] || buf[..] == b"\r\n\r"[..] {
        return Some(None);
    }
    if buf.starts_with(b"\r\n") {
        let _ = buf.split_to(2);
        return Some(Some(Frame::Pong));
    }
    None
}

/// Takes the next message out of `buf`, consuming keep-alives on the way; `None` when
/// more bytes are needed. Callers that must answer pings use [`next_frame`].
pub fn next_message(buf: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
    loop {
        match next_frame(buf)? {
            Some(Frame::Message(m)) => return Ok(Some(m)),
            Some(Frame::Ping | Frame::Pong) => continue,
            None => return Ok(None),
        }
    }
}

fn content_length(head: &[u8]) -> Result<usize, FramingError> {
    // Header names are ASCII; a non-UTF-8 line cannot be Content-Length, so skip it.
    for line in head.split(|&b| b == b'\n') {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l") {
            return parse_content_length(value.trim()).map_err(|_| {
                FramingError::InvalidContentLength {
                    value: value.trim().chars().take(40).collect(),
                }
            });
        }
    }
    Err(FramingError::MissingContentLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc";

    #[test]
    fn frames_two_messages_split_across_reads() {
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&MSG[..10]);
        assert_eq!(next_message(&mut buf).unwrap(), None);
        buf.extend_from_slice(&MSG[10..]);
        buf.extend_from_slice(MSG);
        assert_eq!(next_message(&mut buf).unwrap().as_deref(), Some(MSG));
        assert_eq!(next_message(&mut buf).unwrap().as_deref(), Some(MSG));
        assert!(buf.is_empty());
    }

    #[test]
    fn ping_and_pong() {
        let mut buf = BytesMut::from(&b"\r\n\r\n\r\n"[..]);
        assert_eq!(next_frame(&mut buf).unwrap(), Some(Frame::Ping));
        assert_eq!(next_frame(&mut buf).unwrap(), Some(Frame::Pong));
        assert_eq!(next_frame(&mut buf).unwrap(), None);
        let mut partial = BytesMut::from(&b"\r\n\r"[..]);
        assert_eq!(next_frame(&mut partial).unwrap(), None);
    }

    #[test]
    fn missing_or_bad_content_length_is_an_error() {
        let mut buf = BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\n\r\n"[..]);
        assert_eq!(
            next_frame(&mut buf),
            Err(FramingError::MissingContentLength)
        );
        let mut buf = BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n"[..]);
        assert!(matches!(
            next_frame(&mut buf),
            Err(FramingError::InvalidContentLength { .. })
        ));
    }

    #[test]
    fn framer_resumes_its_search_across_reads() {
        let mut framer = Framer::default();
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        let ping: &[u8] = b"\r\n\r\n";
        for chunk in MSG.chunks(3).chain([ping]).chain(MSG.chunks(5)) {
            buf.extend_from_slice(chunk);
            while let Some(f) = framer.next_frame(&mut buf).unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(
            frames,
            vec![
                Frame::Message(Bytes::from_static(MSG)),
                Frame::Ping,
                Frame::Message(Bytes::from_static(MSG)),
            ]
        );
    }

    #[test]
    fn oversized_headers_are_refused() {
        let mut buf = BytesMut::from(&vec![b'a'; MAX_MESSAGE + 1][..]);
        assert!(matches!(
            next_frame(&mut buf),
            Err(FramingError::HeadersTooLong { .. })
        ));
    }
}
