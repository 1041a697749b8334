//! Two legs as one call: the inbound leg waits while the outbound one rings, hears its
//! progress, is answered when it answers, and ends when it ends — and the other way round.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::RngCore as _;
use sb_sip::dialog::{Dialog, DialogState};
use sb_sip::message::{Method, NameAddr, NewRequest, Request, Response, SipHeaders, Uri};
use sb_sip::sdp::{accept_answer, SdpSession, SessionDescription};
use sb_sip::transaction::TransactionId;
use sb_store::CallCenterId;

use super::leg::{leg_spec, local_media, placeholder_spec, EndReason, Leg, LegDirection, LegState};
use super::ops::{host_text, SUPPORTED};
use super::route::OutboundTarget;
use super::{CallId, CallTimer, Purpose};
use crate::core::methods::ALLOW;
use crate::core::{Core, Effect, Parked};

/// RFC 4028 §10: the refresher's peer gives up this long before the interval ends
/// (the smaller of 32 s and a third of the interval).
fn expiry_margin(interval: Duration) -> Duration {
    Duration::from_secs(32).min(interval / 3)
}

/// Which of two fork failures the caller hears (RFC 3261 §16.7 step 6 in spirit): a 6xx
/// (the user said no everywhere) over busy, busy over anything else.
fn better_failure(kept: Option<EndReason>, new: EndReason) -> EndReason {
    let rank = |r: EndReason| match r {
        EndReason::Rejected(600..=699) => 3,
        EndReason::Rejected(486) => 2,
        EndReason::Rejected(_) => 1,
        _ => 0,
    };
    match kept {
        Some(k) if rank(k) >= rank(new) => k,
        _ => new,
    }
}

/// The SDP body of a message, if it has one.
pub(super) fn sdp_body<M: SipHeaders>(
    m: &M,
    body: &Bytes,
) -> Result<Option<SessionDescription>, ()> {
    if body.is_empty() {
        return Ok(None);
    }
    let is_sdp = m
        .content_type()
        .is_none_or(|t| t.trim().to_ascii_lowercase().starts_with("application/sdp"));
    if !is_sdp {
        return Err(());
    }
    let text = std::str::from_utf8(body).map_err(|_| ())?;
    SessionDescription::parse(text).map(Some).map_err(|_| ())
}

/// `Session-Expires` of a message: the interval and the refresher named, if any.
pub(super) fn session_expires<M: SipHeaders>(m: &M) -> Option<(u32, Option<String>)> {
    // The parser names the compact form `x` in full.
    let value = m.headers().get("Session-Expires")?;
    let mut parts = value.split(';');
    let secs = parts.next()?.trim().parse().ok()?;
    let refresher = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("refresher")
            .then(|| v.trim().to_ascii_lowercase())
    });
    Some((secs, refresher))
}

impl Core {
    /// Connects a new INVITE to `targets`: the inbound leg, then one outbound leg per
    /// target, ringing in parallel (a user's desk phone and softphone); the first to
    /// answer wins and the others are cancelled.
    pub(super) fn bridge_call(
        &mut self,
        now: Instant,
        p: Parked,
        cc: Option<CallCenterId>,
        caller: &str,
        targets: Vec<OutboundTarget>,
    ) {
        let Some(a) = self.accept_inbound(now, p, cc, caller) else {
            return;
        };
        let mut forks = Vec::new();
        let mut failure = EndReason::Error;
        for target in targets {
            match self.originate(now, target, None) {
                Ok(b) => {
                    if let Some(leg) = self.calls.legs.get_mut(&b) {
                        leg.peer = Some(a.clone());
                    }
                    forks.push(b);
                }
                Err(reason) => failure = reason,
            }
        }
        if forks.is_empty() {
            return self.hangup(now, &a, failure);
        }
        tracing::info!(call_id = %a, forks = ?forks, "call routed");
        if let Some(leg) = self.calls.legs.get_mut(&a) {
            leg.forks = forks;
        }
    }

    /// Takes an inbound INVITE as a leg: an RTP endpoint and our answer to its offer.
    /// Answers the INVITE itself (and returns `None`) when it cannot.
    pub(super) fn accept_inbound(
        &mut self,
        now: Instant,
        p: Parked,
        cc: Option<CallCenterId>,
        caller: &str,
    ) -> Option<CallId> {
        let offer = match sdp_body(&p.request, &p.request.body) {
            Ok(offer) => offer,
            Err(()) => {
                self.refuse(now, &p, 400);
                return None;
            }
        };
        let session = match self.session_for_inbound(&p.request) {
            Ok(session) => session,
            Err(min) => {
                let tag = self.tag(&p.request);
                let mut r = Response::from_request(&p.request, 422, Some(&tag));
                r.headers.push("Min-SE", min.to_string());
                self.respond(now, p.id, r);
                return None;
            }
        };
        let (media, rtp) = match self.media.create_leg(placeholder_spec()) {
            Ok(created) => created,
            Err(error) => {
                tracing::warn!(%error, "no RTP endpoint for an inbound call");
                self.refuse(now, &p, 503);
                return None;
            }
        };
        let local = local_media(self.media_ip(p.source.ip()), rtp.port());
        let mut sdp = SdpSession::new(self.rng.next_u64() >> 1);
        let (answer_body, params) = match &offer {
            Some(offer) => match sdp.answer(offer, &local) {
                Ok((answer, params)) => (Some(Bytes::from(answer.to_string())), Some(params)),
                Err(error) => {
                    tracing::info!(%error, "inbound offer not acceptable");
                    let _ = self.media.destroy_leg(media);
                    let tag = self.tag(&p.request);
                    let mut r = Response::from_request(&p.request, 488, Some(&tag));
                    r.headers
                        .push("Warning", "304 switchboard \"Media type not available\"");
                    self.respond(now, p.id, r);
                    return None;
                }
            },
            None => (None, None),
        };
        if let Some(params) = &params {
            let _ = self.media.update_leg(media, leg_spec(params));
        }
        let id = self.new_call_id();
        let local_tag = self.random_hex(8);
        let to = p.request.uri.user.clone().unwrap_or_default();
        let leg = Leg {
            id: id.clone(),
            direction: LegDirection::Inbound,
            state: LegState::Incoming,
            invite_txn: Some(p.id),
            local_tag,
            dialog: None,
            remote: p.source,
            transport: p.transport,
            local_host: self.host_toward(p.source.ip()),
            sdp,
            local_media: local,
            media,
            params,
            answer_body,
            peer: None,
            notify: false,
            watched: false,
            forks: Vec::new(),
            fork_failure: None,
            conversation: None,
            provisional_seen: false,
            cancel_pending: false,
            auth: None,
            auth_tries: 0,
            last_ack: None,
            offer_in_2xx: offer.is_none(),
            session,
            timers: HashMap::new(),
            callcenter: cc,
            from: caller.to_owned(),
            to,
            start_ms: self.unix_ms,
            answer_ms: None,
            final_status: None,
            end_reason: None,
            pending: 0,
            quality: None,
            invite: p.request,
        };
        self.calls.media_legs.insert(media, id.clone());
        self.calls.legs.insert(id.clone(), leg);
        self.track_server_txn(p.id, &id);
        Some(id)
    }

    /// RFC 4028 for an inbound INVITE: `Ok(Some((interval, we_refresh)))` when a session
    /// timer runs, `Err(min_se)` when the asked interval is too short (422).
    fn session_for_inbound(&self, request: &Request) -> Result<Option<(Duration, bool)>, u32> {
        let min = self.call_cfg.min_se.max(90);
        match session_expires(request) {
            Some((secs, _)) if secs < min => Err(min),
            Some((secs, refresher)) => {
                let we = refresher.as_deref() == Some("uas");
                Ok(Some((Duration::from_secs(u64::from(secs)), we)))
            }
            None if super::ops::supports_timer(request) => Ok(Some((
                Duration::from_secs(u64::from(self.call_cfg.session_expires.max(min))),
                false,
            ))),
            None => Ok(None),
        }
    }

    /// Starts an outbound leg: an RTP endpoint, our offer, the INVITE.
    pub(in crate::core) fn originate(
        &mut self,
        now: Instant,
        target: OutboundTarget,
        id: Option<CallId>,
    ) -> Result<CallId, EndReason> {
        let (media, rtp) = self.media.create_leg(placeholder_spec()).map_err(|error| {
            tracing::warn!(%error, "no RTP endpoint for an outbound call");
            EndReason::Error
        })?;
        let host = self.host_toward(target.dest.ip());
        let local = local_media(self.media_ip(target.dest.ip()), rtp.port());
        let mut sdp = SdpSession::new(self.rng.next_u64() >> 1);
        let offer = sdp.offer(&local);
        let tag = self.random_hex(8);
        let sip_call_id = format!("{}@{}", self.random_hex(12), host_text(host));
        let domain = target.domain.clone().unwrap_or_else(|| host_text(host));
        let via = self.new_via(host, target.transport);
        let mut invite = NewRequest {
            method: Method::Invite,
            uri: target.uri.clone(),
            from: NameAddr::new(Uri::sip(Some(&target.from_user), &domain, None)).with_tag(&tag),
            to: NameAddr::new(Uri::sip(Some(&target.to_user), &domain, None)),
            call_id: sip_call_id,
            cseq: 1,
            via,
            contact: Some(self.contact_for(host, target.transport)),
        }
        .build();
        invite.headers.push("Allow", ALLOW);
        invite.headers.push("Supported", SUPPORTED);
        invite.headers.push(
            "Session-Expires",
            self.call_cfg.session_expires.max(90).to_string(),
        );
        invite.headers.push("User-Agent", "Switchboard");
        invite.headers.push("Content-Type", "application/sdp");
        invite.body = Bytes::from(offer.to_string());
        let txn = match self
            .layer
            .send_request(now, invite.clone(), target.dest, target.transport)
        {
            Ok(txn) => txn,
            Err(error) => {
                tracing::warn!(%error, "outbound INVITE not sent");
                let _ = self.media.destroy_leg(media);
                return Err(EndReason::Error);
            }
        };
        let id = id.unwrap_or_else(|| self.new_call_id());
        let leg = Leg {
            id: id.clone(),
            direction: LegDirection::Outbound,
            state: LegState::Calling,
            invite,
            invite_txn: Some(txn),
            local_tag: tag,
            dialog: None,
            remote: target.dest,
            transport: target.transport,
            local_host: host,
            sdp,
            local_media: local,
            media,
            params: None,
            answer_body: None,
            peer: None,
            notify: false,
            watched: false,
            forks: Vec::new(),
            fork_failure: None,
            conversation: None,
            provisional_seen: false,
            cancel_pending: false,
            auth: target.auth,
            auth_tries: 0,
            last_ack: None,
            offer_in_2xx: false,
            session: None,
            timers: HashMap::new(),
            callcenter: target.callcenter,
            from: target.from_user,
            to: target.to_user,
            start_ms: self.unix_ms,
            answer_ms: None,
            final_status: None,
            end_reason: None,
            pending: 0,
            quality: None,
        };
        self.calls.media_legs.insert(media, id.clone());
        self.calls.legs.insert(id.clone(), leg);
        self.calls
            .client_txns
            .insert(txn, (id.clone(), Purpose::Invite));
        let at = now + self.call_cfg.max_dial;
        self.calls.arm(&id, CallTimer::NoAnswer, at);
        Ok(id)
    }

    /// A response to an outbound leg's INVITE.
    pub(super) fn on_invite_response(
        &mut self,
        now: Instant,
        id: &CallId,
        txn: TransactionId,
        r: Response,
    ) {
        match r.status {
            100 => {}
            101..=199 => self.on_provisional(now, id, &r),
            200..=299 => self.on_answer(now, id, &r),
            401 | 407 if self.retry_with_credentials(now, id, txn, &r) => {}
            status => {
                let Some(leg) = self.calls.legs.get_mut(id) else {
                    return;
                };
                leg.final_status = Some(status);
                if leg.state == LegState::Ending {
                    leg.pending = leg.pending.saturating_sub(1);
                    self.reap(id);
                } else {
                    self.end_leg(now, id, EndReason::Rejected(status));
                }
            }
        }
    }

    fn on_provisional(&mut self, now: Instant, id: &CallId, r: &Response) {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        leg.provisional_seen = true;
        if leg.cancel_pending {
            leg.cancel_pending = false;
            self.send_cancel(now, id);
            return;
        }
        if leg.state == LegState::Ending {
            return;
        }
        if leg.dialog.is_none() && r.to().is_some_and(|t| t.tag().is_some()) {
            if let Ok(dialog) = Dialog::uac(&leg.invite, r) {
                self.calls.dialogs.insert(dialog.id.clone(), id.clone());
                leg.dialog = Some(dialog);
            }
        }
        leg.state = LegState::Early;
        let early_media = self.take_answer(id, r);
        self.peer_progress(now, id, early_media);
    }

    /// Applies the SDP answer a response carries; `true` when it had one.
    fn take_answer(&mut self, id: &CallId, r: &Response) -> bool {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return false;
        };
        let Ok(Some(answer)) = sdp_body(r, &r.body) else {
            return false;
        };
        match accept_answer(&answer, &leg.local_media) {
            Ok(params) => {
                let _ = self.media.update_leg(leg.media, leg_spec(&params));
                leg.params = Some(params);
                true
            }
            Err(error) => {
                tracing::info!(call_id = %id, %error, "unusable SDP answer");
                false
            }
        }
    }

    fn on_answer(&mut self, now: Instant, id: &CallId, r: &Response) {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if leg.last_ack.is_some() {
            // A retransmitted 2xx: its ACK was lost (§13.2.2.4).
            if let Some(ack) = leg.last_ack.clone() {
                let (remote, transport) = (leg.remote, leg.transport);
                self.send_stateless(now, ack, remote, transport);
            }
            return;
        }
        match &mut leg.dialog {
            Some(d)
                if d.id.remote_tag
                    == r.to()
                        .and_then(|t| t.tag().map(str::to_owned))
                        .unwrap_or_default() =>
            {
                d.on_response(r);
            }
            _ => {
                if let Ok(dialog) = Dialog::uac(&leg.invite, r) {
                    if let Some(old) = leg.dialog.take() {
                        self.calls.dialogs.remove(&old.id);
                    }
                    self.calls.dialogs.insert(dialog.id.clone(), id.clone());
                    leg.dialog = Some(dialog);
                }
            }
        }
        if let Some(d) = &mut leg.dialog {
            d.state = DialogState::Confirmed;
        }
        let ending = leg.state == LegState::Ending;
        leg.final_status = Some(r.status);
        self.send_ack(now, id, None);
        if ending {
            // Answered after we gave up on it (CANCEL crossed the 200): hang up now.
            if let Some(leg) = self.calls.legs.get_mut(id) {
                leg.pending = leg.pending.saturating_sub(1);
                leg.state = LegState::Confirmed;
            }
            self.send_bye(now, id);
            return;
        }
        self.take_answer(id, r);
        if let Some(leg) = self.calls.legs.get_mut(id) {
            leg.state = LegState::Confirmed;
            leg.answer_ms = Some(self.unix_ms);
            let record = leg.record(self.unix_ms);
            self.effects.push_back(Effect::CallAnswered(record));
        }
        self.calls.disarm(id, CallTimer::NoAnswer);
        self.outbound_session_timer(now, id, r);
        self.peer_answered(now, id);
    }

    /// RFC 4028 on our outbound leg: the 2xx says who refreshes.
    fn outbound_session_timer(&mut self, now: Instant, id: &CallId, r: &Response) {
        let Some((secs, refresher)) = session_expires(r) else {
            return;
        };
        let interval = Duration::from_secs(u64::from(secs.max(90)));
        let we_refresh = refresher.as_deref() != Some("uas");
        if let Some(leg) = self.calls.legs.get_mut(id) {
            leg.session = Some((interval, we_refresh));
        }
        self.arm_session(now, id);
    }

    /// Arms the leg's session timer from its negotiated interval.
    pub(super) fn arm_session(&mut self, now: Instant, id: &CallId) {
        let Some((interval, we_refresh)) = self.calls.legs.get(id).and_then(|l| l.session) else {
            return;
        };
        if we_refresh {
            self.calls
                .arm(id, CallTimer::SessionRefresh, now + interval / 2);
        } else {
            let at = now + interval - expiry_margin(interval);
            self.calls.arm(id, CallTimer::SessionExpiry, at);
        }
    }

    /// A 401/407 to our INVITE: one retry with credentials per challenge.
    fn retry_with_credentials(
        &mut self,
        now: Instant,
        id: &CallId,
        txn: TransactionId,
        r: &Response,
    ) -> bool {
        let cnonce = self.random_hex(8);
        let Some((host, transport, remote)) = self.leg_route(id) else {
            return false;
        };
        let via = self.new_via(host, transport);
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return false;
        };
        if leg.state == LegState::Ending || leg.auth_tries >= 2 {
            return false;
        }
        let Some(client) = leg.auth.as_mut() else {
            return false;
        };
        let proxy = r.status == 407;
        let header = if proxy {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        let challenges: Vec<&str> = r.headers.get_all(header).collect();
        let uri = leg.invite.uri.to_string();
        let Ok(auth) = client.authorize(&challenges, proxy, "INVITE", &uri, &cnonce) else {
            return false;
        };
        let mut invite = leg.invite.clone();
        let seq = invite.cseq().map_or(1, |c| c.seq + 1);
        invite.headers.set("CSeq", format!("{seq} INVITE"));
        invite.headers.set("Via", via.to_string());
        let name = if proxy {
            "Proxy-Authorization"
        } else {
            "Authorization"
        };
        invite.headers.set(name, auth.value);
        leg.auth_tries += 1;
        leg.invite = invite.clone();
        match self.layer.send_request(now, invite, remote, transport) {
            Ok(new_txn) => {
                self.calls.client_txns.remove(&txn);
                self.calls
                    .client_txns
                    .insert(new_txn, (id.clone(), Purpose::Invite));
                if let Some(leg) = self.calls.legs.get_mut(id) {
                    leg.invite_txn = Some(new_txn);
                }
                true
            }
            Err(_) => false,
        }
    }

    /// The outbound leg rings (or plays early media): tell the caller.
    fn peer_progress(&mut self, now: Instant, b: &CallId, early_media: bool) {
        if self.ivr_dial_progress(b, early_media) {
            return;
        }
        let Some(a) = self.calls.legs.get(b).and_then(|l| l.peer.clone()) else {
            if self.calls.legs.get(b).is_some_and(|l| l.notify) {
                self.effects.push_back(Effect::Ringing { call: b.clone() });
            }
            return;
        };
        let Some(leg) = self.calls.legs.get(&a) else {
            return;
        };
        if !matches!(leg.state, LegState::Incoming | LegState::Early) {
            return;
        }
        let body = leg.answer_body.clone();
        if early_media && body.is_some() {
            self.bridge_media(&a, b);
            self.respond_leg(now, &a, 183, body);
        } else if leg.state == LegState::Incoming {
            // One ringing indication, however many devices ring (a 183 without SDP too).
            self.respond_leg(now, &a, 180, None);
        }
        if let Some(leg) = self.calls.legs.get_mut(&a) {
            leg.state = LegState::Early;
        }
    }

    /// The outbound leg answered: it becomes the caller's peer, the other forks are
    /// cancelled, and the caller is bridged and answered.
    fn peer_answered(&mut self, now: Instant, b: &CallId) {
        if self.ivr_dial_answered(now, b) {
            return;
        }
        let Some(a) = self.calls.legs.get(b).and_then(|l| l.peer.clone()) else {
            if self.calls.legs.get(b).is_some_and(|l| l.notify) {
                self.effects.push_back(Effect::Originated {
                    call: b.clone(),
                    outcome: super::Originated::Answered,
                });
            }
            return;
        };
        let Some(leg) = self.calls.legs.get_mut(&a) else {
            return;
        };
        if !matches!(leg.state, LegState::Incoming | LegState::Early) {
            return;
        }
        leg.peer = Some(b.clone());
        let losers: Vec<CallId> = std::mem::take(&mut leg.forks)
            .into_iter()
            .filter(|f| f != b)
            .collect();
        let early = leg.conversation;
        for f in &losers {
            if let Some(l) = self.calls.legs.get_mut(f) {
                l.peer = None;
                // Early media of a fork that lost ends with its CANCEL.
                if l.conversation.is_some() && l.conversation == early {
                    l.conversation = None;
                    if let Some(c) = early {
                        let _ = self.media.unbridge(c);
                    }
                    if let Some(a_leg) = self.calls.legs.get_mut(&a) {
                        a_leg.conversation = None;
                    }
                }
            }
            self.hangup(now, f, EndReason::PeerEnded);
        }
        self.bridge_media(&a, b);
        self.answer_inbound(now, &a);
    }

    /// Puts two legs in one two-member conversation, once.
    pub(super) fn bridge_media(&mut self, a: &CallId, b: &CallId) {
        let (Some(la), Some(lb)) = (self.calls.legs.get(a), self.calls.legs.get(b)) else {
            return;
        };
        if la.conversation.is_some() {
            return;
        }
        match self.media.bridge(la.media, lb.media) {
            Ok(conversation) => {
                for id in [a, b] {
                    if let Some(leg) = self.calls.legs.get_mut(id) {
                        leg.conversation = Some(conversation);
                    }
                }
            }
            Err(error) => tracing::warn!(call_id = %a, %error, "legs not bridged"),
        }
    }

    /// Ends a leg's call from our side, whatever its state: final response, CANCEL or BYE.
    pub(in crate::core) fn hangup(&mut self, now: Instant, id: &CallId, reason: EndReason) {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if leg.end_reason.is_none() {
            leg.end_reason = Some(reason);
        }
        match (leg.direction, leg.state) {
            (_, LegState::Ending) => return,
            (LegDirection::Inbound, LegState::Incoming | LegState::Early) => {
                let status = reason.status();
                self.respond_leg(now, id, status, None);
            }
            (LegDirection::Outbound, LegState::Calling | LegState::Early) => {
                leg.state = LegState::Ending;
                // The INVITE's final answer is still to come (487, or a 200 to BYE).
                leg.pending += 1;
                if leg.provisional_seen {
                    self.send_cancel(now, id);
                } else {
                    leg.cancel_pending = true;
                }
            }
            (
                _,
                LegState::Answered | LegState::Confirmed | LegState::Calling | LegState::Incoming,
            ) => {
                self.send_bye(now, id);
            }
        }
        self.end_leg(now, id, reason);
    }

    /// The leg is over: media released, the other leg hung up, the record written once
    /// no transaction of it is still running.
    pub(in crate::core) fn end_leg(&mut self, now: Instant, id: &CallId, reason: EndReason) {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if leg.end_reason.is_none() {
            leg.end_reason = Some(reason);
        }
        if !matches!(leg.state, LegState::Ending) {
            leg.state = LegState::Ending;
        }
        let peer = leg.peer.clone();
        let unanswered_placed = leg.notify && leg.answer_ms.is_none();
        let watched = std::mem::take(&mut leg.watched);
        let forks = std::mem::take(&mut leg.forks);
        let conversation = leg.conversation.take();
        let media = leg.media;
        let timers: Vec<CallTimer> = leg.timers.keys().copied().collect();
        for t in timers {
            self.calls.disarm(id, t);
        }
        if let Some(c) = conversation {
            let _ = self.media.unbridge(c);
            if let Some(p) = peer.as_ref().and_then(|p| self.calls.legs.get_mut(p)) {
                p.conversation = None;
            }
        }
        if unanswered_placed {
            self.effects.push_back(Effect::Originated {
                call: id.clone(),
                outcome: super::Originated::Failed(reason),
            });
        }
        if watched && !unanswered_placed {
            self.effects.push_back(Effect::LegEnded {
                call: id.clone(),
                reason,
            });
        }
        if self.calls.media_legs.remove(&media).is_some() {
            let _ = self.media.destroy_leg(media);
            self.calls.closing.insert(media, id.clone());
        }
        self.ivr_leg_ended(now, id, reason);
        self.reap(id);
        for fork in forks {
            if let Some(f) = self.calls.legs.get_mut(&fork) {
                f.peer = None;
            }
            self.hangup(now, &fork, EndReason::PeerEnded);
        }
        let Some(peer) = peer else {
            return;
        };
        let for_peer = match reason {
            EndReason::Rejected(code) => EndReason::Rejected(code),
            EndReason::NoAnswer => EndReason::NoAnswer,
            EndReason::Timeout => EndReason::Rejected(408),
            EndReason::Shutdown => EndReason::Shutdown,
            _ => EndReason::PeerEnded,
        };
        // A fork that ended while its siblings still ring leaves the caller waiting.
        let still_forking = self.calls.legs.get_mut(&peer).is_some_and(|p| {
            let was_fork = p.forks.contains(id);
            p.forks.retain(|f| f != id);
            if was_fork {
                p.fork_failure = Some(better_failure(p.fork_failure, for_peer));
            }
            was_fork && !p.forks.is_empty()
        });
        if still_forking {
            return;
        }
        let reason = match self.calls.legs.get_mut(&peer) {
            Some(p) => {
                p.peer = None;
                p.fork_failure.take().unwrap_or(for_peer)
            }
            None => for_peer,
        };
        self.hangup(now, &peer, reason);
    }

    /// Removes an ended leg once nothing of it is still running, and records it.
    pub(super) fn reap(&mut self, id: &CallId) {
        let done = self.calls.legs.get(id).is_some_and(|l| {
            l.end_reason.is_some() && l.pending == 0 && l.state == LegState::Ending
        });
        if !done {
            return;
        }
        if let Some(leg) = self.calls.remove(id) {
            let record = leg.record(self.unix_ms);
            tracing::info!(
                call_id = %record.call_id,
                sip_call_id = %record.sip_call_id,
                reason = record.end_reason.as_str(),
                status = ?record.status,
                "call leg ended"
            );
            self.effects.push_back(Effect::CallEnded(record));
        }
    }
}
