//! Transaction matching keys (RFC 3261 §17.1.3, §17.2.3).

use crate::message::{Method, Request, SipHeaders};
use crate::rfc::MAGIC_COOKIE;

use super::TransactionError;

/// Client side: the branch of our top Via plus the CSeq method (§17.1.3), so a CANCEL and
/// its INVITE, which share a branch, stay apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    pub branch: String,
    pub method: Method,
}

/// Server side key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ServerKey {
    /// §17.2.3: branch, sent-by and method (ACK counted as INVITE).
    Rfc3261 {
        branch: String,
        sent_by: String,
        method: Method,
    },
    /// §17.2.3, last paragraphs: requests from RFC 2543 elements, without the magic
    /// cookie, match on Request-URI, From tag, Call-ID, CSeq number and top Via. The To tag
    /// of an ACK is checked separately against the response we sent.
    Rfc2543 {
        request_uri: String,
        from_tag: String,
        call_id: String,
        cseq: u32,
        via: String,
        method: Method,
    },
}

impl ServerKey {
    /// The key of `request`, with its method replaced by `method` (ACK and CANCEL look up
    /// their INVITE this way).
    pub fn of(request: &Request, method: Method) -> Result<Self, TransactionError> {
        let via = request
            .top_via()
            .ok_or(TransactionError::MissingHeader { name: "Via" })?;
        if let Some(branch) = via.branch().filter(|b| b.starts_with(MAGIC_COOKIE)) {
            return Ok(ServerKey::Rfc3261 {
                branch: branch.to_owned(),
                sent_by: via.sent_by().to_ascii_lowercase(),
                method,
            });
        }
        let cseq = request
            .cseq()
            .ok_or(TransactionError::MissingHeader { name: "CSeq" })?;
        let from_tag = request
            .from()
            .and_then(|f| f.tag().map(str::to_owned))
            .unwrap_or_default();
        Ok(ServerKey::Rfc2543 {
            request_uri: request.uri.to_string(),
            from_tag,
            call_id: request.call_id().unwrap_or_default().to_owned(),
            cseq: cseq.seq,
            via: via.to_string(),
            method,
        })
    }

    /// `true` for keys from RFC 2543 peers, whose ACK also needs the To tag checked.
    pub fn is_legacy(&self) -> bool {
        matches!(self, ServerKey::Rfc2543 { .. })
    }
}

/// The method a request matches under: ACK belongs to the INVITE transaction.
pub(crate) fn matching_method(method: &Method) -> Method {
    match method {
        Method::Ack => Method::Invite,
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};

    fn req(branch: &str) -> Request {
        let raw = format!(
            "ACK sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP Host.Example.com:5060;branch={branch}\r\n\
             From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>;tag=t\r\nCall-ID: c\r\n\
             CSeq: 4 ACK\r\nContent-Length: 0\r\n\r\n"
        );
        match parse(raw.as_bytes()).expect("valid") {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!("request"),
        }
    }

    #[test]
    fn cookie_branch_keys_on_branch_sent_by_and_method() {
        let key = ServerKey::of(&req("z9hG4bKx"), matching_method(&Method::Ack)).unwrap();
        assert_eq!(
            key,
            ServerKey::Rfc3261 {
                branch: "z9hG4bKx".into(),
                sent_by: "host.example.com:5060".into(),
                method: Method::Invite,
            }
        );
        assert!(!key.is_legacy());
    }

    #[test]
    fn legacy_branch_keys_on_dialog_fields() {
        let key = ServerKey::of(&req("1234"), Method::Invite).unwrap();
        let ServerKey::Rfc2543 {
            from_tag,
            cseq,
            call_id,
            ..
        } = &key
        else {
            panic!("legacy key")
        };
        assert_eq!((from_tag.as_str(), *cseq, call_id.as_str()), ("f", 4, "c"));
        assert!(key.is_legacy());
    }
}
