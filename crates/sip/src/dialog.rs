//! Dialogs (RFC 3261 §12): identity, CSeq spaces, remote target and route set, and the
//! requests built inside them. Also CANCEL construction (§9.1).

use std::collections::HashMap;

use crate::message::{CSeq, Method, NameAddr, Request, Response, SipHeaders, Uri, Via};
use crate::rfc;

/// Why a request or response cannot be used with a dialog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    /// A header the dialog needs is missing or malformed.
    #[error("missing or invalid {name}")]
    MissingHeader {
        /// Header name.
        name: &'static str,
    },
    /// The message has no tag where §12.1 requires one.
    #[error("missing {side} tag")]
    MissingTag {
        /// "From" or "To".
        side: &'static str,
    },
    /// §12.2.2: an in-dialog request with a CSeq lower than the last one (answer 500).
    #[error("CSeq {received} is lower than {last}")]
    CSeqOutOfOrder {
        /// CSeq of the request.
        received: u32,
        /// Highest CSeq seen.
        last: u32,
    },
    /// §12.2.2: no dialog matches (answer 481).
    #[error("no dialog matches the request")]
    NoDialog,
}

impl DialogError {
    /// The status code a UAS answers with (§12.2.2).
    pub fn status(&self) -> u16 {
        match self {
            DialogError::CSeqOutOfOrder { .. } => 500,
            DialogError::NoDialog => 481,
            _ => 400,
        }
    }
}

/// Dialog identity: Call-ID and the two tags, from our point of view (§12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The id an incoming request belongs to: To tag is ours, From tag theirs (§12.2.2).
    pub fn of_incoming(request: &Request) -> Option<Self> {
        Some(DialogId {
            call_id: request.call_id()?.to_owned(),
            local_tag: request.to()?.tag()?.to_owned(),
            remote_tag: request.from()?.tag()?.to_owned(),
        })
    }
}

/// Which side created the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We sent the INVITE.
    Uac,
    /// We received it.
    Uas,
}

/// Early until a 2xx confirms it (§12.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a 1xx with a To tag.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
}

/// One dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Identity.
    pub id: DialogId,
    /// Our side.
    pub role: Role,
    /// Early or confirmed.
    pub state: DialogState,
    /// Our address with our tag (From of our requests).
    pub local: NameAddr,
    /// Their address with their tag (To of our requests).
    pub remote: NameAddr,
    /// Last CSeq we used.
    pub local_seq: u32,
    /// Highest CSeq the peer used, once known.
    pub remote_seq: Option<u32>,
    /// Where our requests go (their Contact), refreshed by target-refresh requests (§12.2).
    pub remote_target: Uri,
    /// Route set, in the order our requests list it.
    pub route_set: Vec<NameAddr>,
    /// Our Contact, put on target-refresh requests.
    pub local_contact: Option<NameAddr>,
    /// CSeq of the last INVITE we sent in this dialog, for its ACK (§13.2.2.4).
    pub invite_seq: u32,
}

fn first_contact<M: SipHeaders>(m: &M) -> Option<NameAddr> {
    m.contacts().into_iter().find_map(|c| match c {
        crate::message::Contact::Addr(a) => Some(a),
        crate::message::Contact::Star => None,
    })
}

impl Dialog {
    /// UAC side, from our INVITE and a 1xx/2xx with a To tag (§12.1.2). The route set is
    /// the Record-Route of the response, reversed.
    pub fn uac(invite: &Request, response: &Response) -> Result<Self, DialogError> {
        let local = invite
            .from()
            .ok_or(DialogError::MissingHeader { name: "From" })?;
        let remote = response
            .to()
            .ok_or(DialogError::MissingHeader { name: "To" })?;
        let id = DialogId {
            call_id: invite
                .call_id()
                .ok_or(DialogError::MissingHeader { name: "Call-ID" })?
                .to_owned(),
            local_tag: local
                .tag()
                .ok_or(DialogError::MissingTag { side: "From" })?
                .to_owned(),
            remote_tag: remote
                .tag()
                .ok_or(DialogError::MissingTag { side: "To" })?
                .to_owned(),
        };
        let seq = invite
            .cseq()
            .ok_or(DialogError::MissingHeader { name: "CSeq" })?
            .seq;
        let remote_target = first_contact(response)
            .map(|c| c.uri)
            .unwrap_or_else(|| invite.uri.clone());
        let mut route_set = response.record_route();
        route_set.reverse();
        Ok(Dialog {
            id,
            role: Role::Uac,
            state: state_for(response.status),
            local,
            remote,
            local_seq: seq,
            remote_seq: None,
            remote_target,
            route_set,
            local_contact: first_contact(invite),
            invite_seq: seq,
        })
    }

    /// UAS side, from the INVITE and the tag we put in our answer (§12.1.1). The route
    /// set is the Record-Route of the request, in order.
    pub fn uas(
        request: &Request,
        local_tag: &str,
        local_contact: Option<NameAddr>,
        status: u16,
    ) -> Result<Self, DialogError> {
        let remote = request
            .from()
            .ok_or(DialogError::MissingHeader { name: "From" })?;
        let local = request
            .to()
            .ok_or(DialogError::MissingHeader { name: "To" })?
            .with_tag(local_tag);
        let id = DialogId {
            call_id: request
                .call_id()
                .ok_or(DialogError::MissingHeader { name: "Call-ID" })?
                .to_owned(),
            local_tag: local_tag.to_owned(),
            remote_tag: remote
                .tag()
                .ok_or(DialogError::MissingTag { side: "From" })?
                .to_owned(),
        };
        let seq = request
            .cseq()
            .ok_or(DialogError::MissingHeader { name: "CSeq" })?
            .seq;
        let remote_target = first_contact(request)
            .ok_or(DialogError::MissingHeader { name: "Contact" })?
            .uri;
        Ok(Dialog {
            id,
            role: Role::Uas,
            state: state_for(status),
            local,
            remote,
            local_seq: 0,
            remote_seq: Some(seq),
            remote_target,
            route_set: request.record_route(),
            local_contact,
            invite_seq: 0,
        })
    }

    /// A response to one of our in-dialog requests: a 2xx confirms an early dialog and, for
    /// a target refresh (INVITE, UPDATE), replaces the remote target (§12.2.1.2).
    pub fn on_response(&mut self, response: &Response) {
        if !(200..300).contains(&response.status) {
            return;
        }
        self.state = DialogState::Confirmed;
        let refresh = response
            .cseq()
            .is_some_and(|c| is_target_refresh(&c.method));
        if refresh {
            if let Some(c) = first_contact(response) {
                self.remote_target = c.uri;
            }
        }
    }

    /// Checks an incoming in-dialog request (§12.2.2): CSeq must not go down (ACK and
    /// CANCEL reuse their INVITE's number), and a target refresh updates the remote target.
    pub fn on_request(&mut self, request: &Request) -> Result<(), DialogError> {
        let cseq = request
            .cseq()
            .ok_or(DialogError::MissingHeader { name: "CSeq" })?;
        if !matches!(request.method, Method::Ack | Method::Cancel) {
            if let Some(last) = self.remote_seq {
                if cseq.seq < last {
                    return Err(DialogError::CSeqOutOfOrder {
                        received: cseq.seq,
                        last,
                    });
                }
            }
            self.remote_seq = Some(cseq.seq);
        }
        if is_target_refresh(&request.method) {
            if let Some(c) = first_contact(request) {
                self.remote_target = c.uri;
            }
        }
        Ok(())
    }

    /// A new in-dialog request (§12.2.1.1) with the next CSeq. `via` carries the sent-by
    /// and a fresh branch, chosen by the caller.
    pub fn request(&mut self, method: Method, via: &Via) -> Request {
        self.local_seq += 1;
        if method == Method::Invite {
            self.invite_seq = self.local_seq;
        }
        self.build(method, self.local_seq, via)
    }

    /// The ACK for a 2xx to our INVITE (§13.2.2.4): same CSeq number as that INVITE, and
    /// its own transaction-less branch.
    pub fn ack(&self, via: &Via) -> Request {
        self.build(Method::Ack, self.invite_seq, via)
    }

    fn build(&self, method: Method, seq: u32, via: &Via) -> Request {
        let (uri, routes) = self.request_target();
        let mut req = Request::new(method.clone(), uri);
        req.headers.push("Via", via.to_string());
        req.headers
            .push("Max-Forwards", rfc::DEFAULT_MAX_FORWARDS.to_string());
        req.headers.push("From", self.local.to_string());
        req.headers.push("To", self.remote.to_string());
        req.headers.push("Call-ID", self.id.call_id.clone());
        req.headers.push(
            "CSeq",
            CSeq {
                seq,
                method: method.clone(),
            }
            .to_string(),
        );
        for r in routes {
            req.headers.push("Route", r);
        }
        if is_target_refresh(&method) {
            if let Some(c) = &self.local_contact {
                req.headers.push("Contact", c.to_string());
            }
        }
        req
    }

    /// §12.2.1.1: loose routing (first route has `lr`, or no routes) sends to the remote
    /// target with the route set as Route; strict routing puts the first route in the
    /// Request-URI and appends the remote target as the last Route.
    fn request_target(&self) -> (Uri, Vec<String>) {
        match self.route_set.first() {
            None => (self.remote_target.clone(), Vec::new()),
            Some(first) if first.uri.params.contains("lr") => (
                self.remote_target.clone(),
                self.route_set.iter().map(ToString::to_string).collect(),
            ),
            Some(first) => {
                let mut uri = first.uri.clone();
                uri.headers = None;
                let mut routes: Vec<String> = self.route_set[1..]
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                routes.push(format!("<{}>", self.remote_target));
                (uri, routes)
            }
        }
    }
}

fn state_for(status: u16) -> DialogState {
    if status < 200 {
        DialogState::Early
    } else {
        DialogState::Confirmed
    }
}

/// Requests that refresh the remote target (§12.2; RFC 3311 §5.2 for UPDATE).
fn is_target_refresh(method: &Method) -> bool {
    matches!(method, Method::Invite | Method::Update)
}

/// The dialogs of one endpoint, keyed by [`DialogId`].
#[derive(Debug, Default)]
pub struct Dialogs {
    map: HashMap<DialogId, Dialog>,
}

impl Dialogs {
    /// Adds or replaces a dialog.
    pub fn insert(&mut self, dialog: Dialog) {
        self.map.insert(dialog.id.clone(), dialog);
    }

    /// Removes a dialog (after BYE).
    pub fn remove(&mut self, id: &DialogId) -> Option<Dialog> {
        self.map.remove(id)
    }

    /// Looks up a dialog.
    pub fn get_mut(&mut self, id: &DialogId) -> Option<&mut Dialog> {
        self.map.get_mut(id)
    }

    /// Routes an incoming in-dialog request (one with a To tag) to its dialog, applying
    /// [`Dialog::on_request`]. Errors carry the status to answer (481, 500).
    pub fn on_request(&mut self, request: &Request) -> Result<&mut Dialog, DialogError> {
        let id = DialogId::of_incoming(request).ok_or(DialogError::NoDialog)?;
        let dialog = self.map.get_mut(&id).ok_or(DialogError::NoDialog)?;
        dialog.on_request(request)?;
        Ok(dialog)
    }

    /// Number of dialogs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` if none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The CANCEL for an INVITE we sent (§9.1): same Request-URI, Call-ID, To, From, CSeq
/// number and top Via (so the same branch), Route copied, method CANCEL.
pub fn cancel_for(invite: &Request) -> Request {
    let mut cancel = Request::new(Method::Cancel, invite.uri.clone());
    if let Some(via) = invite.headers.get("Via") {
        cancel.headers.push("Via", via);
    }
    cancel
        .headers
        .push("Max-Forwards", rfc::DEFAULT_MAX_FORWARDS.to_string());
    for name in ["From", "To", "Call-ID"] {
        if let Some(v) = invite.headers.get(name) {
            cancel.headers.push(name, v);
        }
    }
    let seq = invite.cseq().map_or(0, |c| c.seq);
    cancel.headers.push("CSeq", format!("{seq} CANCEL"));
    for r in invite.headers.get_all("Route") {
        cancel.headers.push("Route", r);
    }
    cancel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_statuses_follow_12_2_2() {
        assert_eq!(DialogError::NoDialog.status(), 481);
        assert_eq!(
            DialogError::CSeqOutOfOrder {
                received: 1,
                last: 2
            }
            .status(),
            500
        );
        assert_eq!(DialogError::MissingTag { side: "To" }.status(), 400);
    }

    #[test]
    fn only_invite_and_update_refresh_the_target() {
        assert!(is_target_refresh(&Method::Invite));
        assert!(is_target_refresh(&Method::Update));
        assert!(!is_target_refresh(&Method::Bye));
        assert!(!is_target_refresh(&Method::Info));
    }

    #[test]
    fn early_for_1xx_confirmed_otherwise() {
        assert_eq!(state_for(183), DialogState::Early);
        assert_eq!(state_for(200), DialogState::Confirmed);
    }
}
