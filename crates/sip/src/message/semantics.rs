//! Checks a UAS makes on a well-formed request before acting on it (RFC 3261 §8.2.2).

use super::header::Method;
use super::uri::Scheme;
use super::{Request, Response};

/// A well-formed request we will not process; [`RequestError::response`] is the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The Request-URI scheme is not one we serve (§8.2.2.1; RFC 4475 §3.3.2, §3.3.3).
    #[error("unsupported URI scheme {scheme}")]
    UnsupportedUriScheme {
        /// The scheme.
        scheme: String,
    },
    /// `Require` lists extensions we lack (§8.2.2.3; RFC 4475 §3.3.5).
    #[error("unsupported extensions {unsupported:?}")]
    BadExtension {
        /// The option-tags we do not support.
        unsupported: Vec<String>,
    },
}

impl RequestError {
    /// 416 or 420 (with `Unsupported`), built from the request.
    pub fn response(&self, request: &Request, to_tag: &str) -> Response {
        match self {
            RequestError::UnsupportedUriScheme { .. } => {
                Response::from_request(request, 416, Some(to_tag))
            }
            RequestError::BadExtension { unsupported } => {
                let mut r = Response::from_request(request, 420, Some(to_tag));
                for tag in unsupported {
                    r.headers.push("Unsupported", tag.clone());
                }
                r
            }
        }
    }
}

/// Checks the Request-URI scheme (sip, sips, tel) and `Require` against `supported`
/// option-tags. `Require` is not examined on ACK and CANCEL (§8.2.2.3).
pub fn check_request(request: &Request, supported: &[&str]) -> Result<(), RequestError> {
    if let Scheme::Other(scheme) = &request.uri.scheme {
        return Err(RequestError::UnsupportedUriScheme {
            scheme: scheme.clone(),
        });
    }
    if matches!(request.method, Method::Ack | Method::Cancel) {
        return Ok(());
    }
    let unsupported: Vec<String> = request
        .headers
        .get_all("Require")
        .filter(|tag| !supported.iter().any(|s| s.eq_ignore_ascii_case(tag)))
        .map(str::to_owned)
        .collect();
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(RequestError::BadExtension { unsupported })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};

    fn req(method: &str, uri: &str) -> Request {
        let raw = format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n\
             From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\nCall-ID: c\r\n\
             CSeq: 1 {method}\r\nRequire: 100rel\r\nContent-Length: 0\r\n\r\n"
        );
        match parse(raw.as_bytes()).expect("valid") {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!("request"),
        }
    }

    #[test]
    fn tel_is_served_and_require_is_checked_case_insensitively() {
        assert!(check_request(&req("OPTIONS", "tel:+15551234"), &["100REL"]).is_ok());
        assert!(check_request(&req("OPTIONS", "sip:b@example.com"), &[]).is_err());
    }

    #[test]
    fn ack_and_cancel_skip_require() {
        assert!(check_request(&req("ACK", "sip:b@example.com"), &[]).is_ok());
        assert!(check_request(&req("CANCEL", "sip:b@example.com"), &[]).is_ok());
    }
}
