//! SIP operations on a leg: responses on its INVITE, requests in its dialog, and the
//! addresses we write about ourselves.

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use rand::RngCore as _;
use sb_sip::dialog::{cancel_for, Dialog};
use sb_sip::message::{Method, NameAddr, Request, Response, Uri, Via};
use sb_sip::rfc::MAGIC_COOKIE;
use sb_sip::transaction::{Input, TransactionId};
use sb_sip::transport::Transport;

use super::leg::{LegDirection, LegState};
use super::{CallId, Purpose};
use crate::core::methods::ALLOW;
use crate::core::Core;

/// Option-tags we support (RFC 4028 session timers).
pub const SUPPORTED: &str = "timer";

impl Core {
    /// Random lowercase hex of `bytes` bytes.
    pub(in crate::core) fn random_hex(&mut self, bytes: usize) -> String {
        let mut buf = vec![0u8; bytes];
        self.rng.fill_bytes(&mut buf);
        hex::encode(buf)
    }

    /// A fresh call id.
    pub(in crate::core) fn new_call_id(&mut self) -> CallId {
        CallId(self.random_hex(16))
    }

    /// The SIP address we give a peer at `peer`: the public address when configured, the
    /// listen address when it is a specific one, else the one the kernel routes from.
    pub(in crate::core) fn host_toward(&self, peer: IpAddr) -> IpAddr {
        self.public_ip
            .or((!self.local.ip().is_unspecified()).then_some(self.local.ip()))
            .unwrap_or_else(|| self.media.address_toward(peer))
    }

    /// The RTP address we advertise to a peer at `peer`.
    pub(in crate::core) fn media_ip(&self, peer: IpAddr) -> IpAddr {
        self.public_ip
            .unwrap_or_else(|| self.media.address_toward(peer))
    }

    /// A Via for a new request from `host` with a fresh branch.
    pub(in crate::core) fn new_via(&mut self, host: IpAddr, transport: Transport) -> Via {
        let branch = format!("{MAGIC_COOKIE}{}", self.random_hex(10));
        Via::new(
            transport,
            &host_text(host),
            Some(self.local.port()),
            &branch,
            true,
        )
    }

    /// Our Contact as seen from a peer reached over `transport`.
    pub(in crate::core) fn contact_for(&self, host: IpAddr, transport: Transport) -> NameAddr {
        let mut uri = Uri::sip(None, &host_text(host), Some(self.local.port()));
        if transport == Transport::Tcp {
            uri.params.set("transport", Some("tcp"));
        }
        NameAddr::new(uri)
    }

    /// Responds on an inbound leg's INVITE. A 1xx (but 100) or 2xx creates or confirms
    /// the dialog (§12.1.1); `sdp` attaches our answer (or offer, for a late offer).
    pub(in crate::core) fn respond_leg(
        &mut self,
        now: Instant,
        id: &CallId,
        status: u16,
        sdp: Option<Bytes>,
    ) {
        let Some(leg) = self.calls.legs.get(id) else {
            return;
        };
        let Some(txn) = leg.invite_txn else {
            return;
        };
        let contact = self.contact_for(leg.local_host, leg.transport);
        let mut r = if (101..300).contains(&status) {
            Response::dialog_response(&leg.invite, status, &leg.local_tag, &contact)
        } else {
            Response::from_request(&leg.invite, status, Some(&leg.local_tag))
        };
        if status >= 200 {
            r.headers.push("Allow", ALLOW);
            r.headers.push("Supported", SUPPORTED);
        }
        if (200..300).contains(&status) {
            if let Some((interval, we_refresh)) = leg.session {
                let refresher = if we_refresh { "uas" } else { "uac" };
                r.headers.push(
                    "Session-Expires",
                    format!("{};refresher={refresher}", interval.as_secs()),
                );
                if supports_timer(&leg.invite) {
                    r.headers.push("Require", "timer");
                }
            }
        }
        if let Some(body) = sdp {
            r.headers.push("Content-Type", "application/sdp");
            r.body = body;
        }
        let dialog = ((101..300).contains(&status))
            .then(|| Dialog::uas(&leg.invite, &leg.local_tag, Some(contact), status).ok())
            .flatten();
        self.respond(now, txn, r);
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if let Some(dialog) = dialog {
            match &mut leg.dialog {
                Some(existing) => existing.state = dialog.state,
                None => {
                    self.calls.dialogs.insert(dialog.id.clone(), id.clone());
                    leg.dialog = Some(dialog);
                }
            }
        }
        if status >= 200 {
            leg.final_status = Some(status);
        }
    }

    /// Sends a request inside a leg's dialog (BYE, re-INVITE) and remembers its
    /// transaction. `false` when the leg has no dialog or the layer refused.
    pub(in crate::core) fn send_in_dialog(
        &mut self,
        now: Instant,
        id: &CallId,
        method: Method,
        purpose: Purpose,
        decorate: impl FnOnce(&mut Request),
    ) -> bool {
        let Some((host, transport, remote)) = self.leg_route(id) else {
            return false;
        };
        let via = self.new_via(host, transport);
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return false;
        };
        let Some(dialog) = leg.dialog.as_mut() else {
            return false;
        };
        let mut request = dialog.request(method, &via);
        decorate(&mut request);
        match self.layer.send_request(now, request, remote, transport) {
            Ok(txn) => {
                self.calls.client_txns.insert(txn, (id.clone(), purpose));
                true
            }
            Err(error) => {
                tracing::debug!(call_id = %id, %error, "in-dialog request not sent");
                false
            }
        }
    }

    /// Sends the ACK for a 2xx to our INVITE (§13.2.2.4) and keeps it for
    /// retransmitted 2xx responses.
    pub(in crate::core) fn send_ack(&mut self, now: Instant, id: &CallId, body: Option<Bytes>) {
        let Some((host, transport, remote)) = self.leg_route(id) else {
            return;
        };
        let via = self.new_via(host, transport);
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        let Some(dialog) = leg.dialog.as_ref() else {
            return;
        };
        let mut ack = dialog.ack(&via);
        if let Some(body) = body {
            ack.headers.push("Content-Type", "application/sdp");
            ack.body = body;
        }
        leg.last_ack = Some(ack.clone());
        self.send_stateless(now, ack, remote, transport);
    }

    /// Sends a message outside any transaction.
    pub(in crate::core) fn send_stateless(
        &mut self,
        now: Instant,
        request: Request,
        dest: std::net::SocketAddr,
        transport: Transport,
    ) {
        let input = Input::SendStateless {
            message: sb_sip::message::Message::Request(request),
            dest,
            transport,
        };
        if let Err(error) = self.layer.handle_input(now, input) {
            tracing::debug!(%error, "stateless send refused");
        }
    }

    /// Sends CANCEL for an outbound leg's INVITE (§9.1).
    pub(in crate::core) fn send_cancel(&mut self, now: Instant, id: &CallId) {
        let Some(leg) = self.calls.legs.get(id) else {
            return;
        };
        debug_assert_eq!(leg.direction, LegDirection::Outbound);
        let cancel = cancel_for(&leg.invite);
        let (remote, transport) = (leg.remote, leg.transport);
        match self.layer.send_request(now, cancel, remote, transport) {
            Ok(txn) => {
                self.calls
                    .client_txns
                    .insert(txn, (id.clone(), Purpose::Cancel));
                if let Some(leg) = self.calls.legs.get_mut(id) {
                    leg.pending += 1;
                }
            }
            Err(error) => tracing::debug!(call_id = %id, %error, "CANCEL not sent"),
        }
    }

    /// Sends BYE on a leg with a dialog; the leg waits for its answer.
    pub(in crate::core) fn send_bye(&mut self, now: Instant, id: &CallId) {
        if self.send_in_dialog(now, id, Method::Bye, Purpose::Bye, |_| {}) {
            if let Some(leg) = self.calls.legs.get_mut(id) {
                leg.pending += 1;
                leg.state = LegState::Ending;
            }
        }
    }

    /// Where a leg's requests go from: our address toward the peer, the transport, and
    /// the peer's address.
    pub(in crate::core) fn leg_route(
        &self,
        id: &CallId,
    ) -> Option<(IpAddr, Transport, std::net::SocketAddr)> {
        self.calls
            .legs
            .get(id)
            .map(|l| (l.local_host, l.transport, l.remote))
    }

    /// Registers the INVITE server transaction of a leg.
    pub(in crate::core) fn track_server_txn(&mut self, txn: TransactionId, id: &CallId) {
        self.calls.server_txns.insert(txn, id.clone());
    }
}

/// An IP as a SIP host (IPv6 in brackets, RFC 3261 §25.1).
pub fn host_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Whether a request says `Supported: timer` (RFC 4028 §3).
pub fn supports_timer(request: &Request) -> bool {
    request
        .headers
        .get_all("Supported")
        .chain(request.headers.get_all("Require"))
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("timer"))
}
