//! What the endpoint answers to each method. Every request gets a final response
//! (RFC 3261 §8.2); INVITEs and in-dialog requests go to the calls layer ([`super::call`]),
//! which routes nothing from an unauthenticated source.

use std::net::SocketAddr;
use std::time::Instant;

use sb_sip::message::{check_request, Method, Request, Response, SipHeaders};
use sb_sip::transaction::TransactionId;
use sb_sip::transport::Transport;

use super::Core;

/// Methods this endpoint implements (the Allow header, §20.5).
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER";

impl Core {
    /// Serves a new server transaction.
    pub(super) fn on_request(
        &mut self,
        now: Instant,
        id: TransactionId,
        request: Request,
        source: SocketAddr,
        transport: Transport,
    ) {
        let tag = self.tag(&request);
        tracing::debug!(
            method = %request.method,
            call_id = request.call_id().unwrap_or_default(),
            %source,
            "request"
        );
        // §8.2.2: unsupported URI schemes (416) and Require (420) before anything else.
        if let Err(error) = check_request(&request, &["timer"]) {
            let r = error.response(&request, &tag);
            self.respond(now, id, r);
            return;
        }
        let response = match request.method {
            Method::Register => return self.on_register(now, id, request, source, transport),
            Method::Options => self.options_ok(&request, &tag),
            Method::Invite => {
                let parked = super::Parked {
                    id,
                    request,
                    source,
                    transport,
                    caller: None,
                    attempts: 0,
                };
                return self.on_invite(now, parked);
            }
            // In-dialog methods belong to a call's dialog (§12.2.2); without a To tag
            // there is none, and an unmatched CANCEL was answered by the layer.
            Method::Bye
            | Method::Info
            | Method::Update
            | Method::Prack
            | Method::Notify
            | Method::Refer
                if request.to().is_some_and(|t| t.tag().is_some()) =>
            {
                return self.on_in_dialog(now, id, request);
            }
            Method::Bye
            | Method::Info
            | Method::Update
            | Method::Prack
            | Method::Notify
            | Method::Refer
            | Method::Cancel => Response::from_request(&request, 481, Some(&tag)),
            // Known methods we do not offer: 405 with Allow (§8.2.1).
            Method::Subscribe | Method::Publish | Method::Message => {
                with_allow(Response::from_request(&request, 405, Some(&tag)))
            }
            // Unknown methods: 501 (§8.2.1).
            _ => with_allow(Response::from_request(&request, 501, Some(&tag))),
        };
        self.respond(now, id, response);
    }

    /// §11.2: 200 with what we accept and allow.
    fn options_ok(&self, request: &Request, tag: &str) -> Response {
        let mut r = with_allow(Response::from_request(request, 200, Some(tag)));
        r.headers.push("Accept", "application/sdp");
        if let Some(contact) = &self.contact {
            r.headers.push("Contact", contact.clone());
        }
        r
    }
}

fn with_allow(mut response: Response) -> Response {
    response.headers.push("Allow", ALLOW);
    response
}
