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
