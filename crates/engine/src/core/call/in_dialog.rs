//! Requests inside a call's dialog (BYE, re-INVITE, UPDATE, INFO, OPTIONS), the ACK of
//! our 2xx, CANCEL, transaction outcomes, call timers and media-plane events.

use std::time::Instant;

use bytes::Bytes;
use sb_mediaworker::Event as MediaEvent;
use sb_sip::dialog::DialogId;
use sb_sip::message::{Method, Request, Response, SipHeaders};
use sb_sip::sdp::accept_answer;
use sb_sip::transaction::{Timer, TransactionId};

use super::bridge::{sdp_body, session_expires};
use super::leg::{leg_spec, EndReason, LegState};
use super::ops::SUPPORTED;
use super::{CallId, CallTimer, Purpose};
use crate::core::methods::ALLOW;
use crate::core::Core;

impl Core {
    /// A request with a To tag: it belongs to a dialog of one of our legs (§12.2.2).
    pub(in crate::core) fn on_in_dialog(
        &mut self,
        now: Instant,
        txn: TransactionId,
        request: Request,
    ) {
        let leg = DialogId::of_incoming(&request).and_then(|d| self.calls.dialogs.get(&d).cloned());
        let Some(id) = leg else {
            let r = Response::from_request(&request, 481, None);
            return self.respond(now, txn, r);
        };
        let checked = self
            .calls
            .legs
            .get_mut(&id)
            .and_then(|l| l.dialog.as_mut())
            .map(|d| d.on_request(&request));
        if let Some(Err(error)) = checked {
            let r = Response::from_request(&request, error.status(), None);
            return self.respond(now, txn, r);
        }
        match request.method {
            Method::Bye => {
                let r = Response::from_request(&request, 200, None);
                self.respond(now, txn, r);
                let ending = self
                    .calls
                    .legs
                    .get(&id)
                    .is_some_and(|l| l.state == LegState::Ending);
                if !ending {
                    tracing::info!(call_id = %id, "BYE from the peer");
                    self.end_leg(now, &id, EndReason::RemoteHangup);
                }
            }
            Method::Invite | Method::Update => self.on_refresh(now, txn, &id, &request),
            Method::Info => {
                let r = Response::from_request(&request, 200, None);
                self.respond(now, txn, r);
                if let Some(key) = info_dtmf(&request) {
                    self.info_digit(&id, key);
                }
            }
            Method::Options | Method::Notify => {
                let r = Response::from_request(&request, 200, None);
                self.respond(now, txn, r);
            }
            _ => {
                let mut r = Response::from_request(&request, 405, None);
                r.headers.push("Allow", ALLOW);
                self.respond(now, txn, r);
            }
        }
    }

    /// A re-INVITE or UPDATE: a new offer (a phone's hold or unhold), or a session
    /// refresh (RFC 4028) without one.
    fn on_refresh(&mut self, now: Instant, txn: TransactionId, id: &CallId, request: &Request) {
        let offer = match sdp_body(request, &request.body) {
            Ok(offer) => offer,
            Err(()) => {
                let r = Response::from_request(request, 400, None);
                return self.respond(now, txn, r);
            }
        };
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if leg.state == LegState::Ending {
            let r = Response::from_request(request, 481, None);
            return self.respond(now, txn, r);
        }
        let body = match (&offer, &request.method) {
            (Some(offer), _) => match leg.sdp.answer(offer, &leg.local_media) {
                Ok((answer, params)) => {
                    let _ = self.media.update_leg(leg.media, leg_spec(&params));
                    tracing::debug!(call_id = %id, direction = ?params.direction, "media renegotiated");
                    leg.params = Some(params);
                    Some(Bytes::from(answer.to_string()))
                }
                Err(_) => {
                    let r = Response::from_request(request, 488, None);
                    return self.respond(now, txn, r);
                }
            },
            // A re-INVITE without an offer wants ours in the 2xx (answer in the ACK).
            (None, Method::Invite) => {
                leg.offer_in_2xx = true;
                Some(Bytes::from(leg.sdp.offer(&leg.local_media).to_string()))
            }
            (None, _) => None,
        };
        if let Some((secs, refresher)) = session_expires(request) {
            let interval = std::time::Duration::from_secs(u64::from(secs.max(90)));
            let we_refresh = matches!(
                (refresher.as_deref(), leg.direction),
                (Some("uas"), super::LegDirection::Inbound)
                    | (Some("uac"), super::LegDirection::Outbound)
            );
            leg.session = Some((interval, we_refresh));
        }
        let (host, transport, session, direction) =
            (leg.local_host, leg.transport, leg.session, leg.direction);
        let contact = self.contact_for(host, transport);
        let mut r = Response::from_request(request, 200, None);
        r.headers.push("Contact", contact.to_string());
        r.headers.push("Allow", ALLOW);
        r.headers.push("Supported", SUPPORTED);
        if let Some((interval, we_refresh)) = session {
            let who = match (we_refresh, direction) {
                (true, super::LegDirection::Inbound) | (false, super::LegDirection::Outbound) => {
                    "uas"
                }
                _ => "uac",
            };
            r.headers.push(
                "Session-Expires",
                format!("{};refresher={who}", interval.as_secs()),
            );
        }
        if let Some(body) = body {
            r.headers.push("Content-Type", "application/sdp");
            r.body = body;
        }
        if request.method == Method::Invite {
            self.track_server_txn(txn, id);
        }
        self.respond(now, txn, r);
        self.arm_session(now, id);
    }

    /// The ACK for a 2xx we sent (initial or re-INVITE).
    pub(in crate::core) fn on_ack(&mut self, request: &Request) {
        let Some(id) =
            DialogId::of_incoming(request).and_then(|d| self.calls.dialogs.get(&d).cloned())
        else {
            return;
        };
        let Some(leg) = self.calls.legs.get_mut(&id) else {
            return;
        };
        if leg.state == LegState::Answered {
            leg.state = LegState::Confirmed;
        }
        if leg.offer_in_2xx {
            leg.offer_in_2xx = false;
            if let Ok(Some(answer)) = sdp_body(request, &request.body) {
                match accept_answer(&answer, &leg.local_media) {
                    Ok(params) => {
                        let _ = self.media.update_leg(leg.media, leg_spec(&params));
                        leg.params = Some(params);
                    }
                    Err(error) => tracing::info!(call_id = %id, %error, "unusable SDP in ACK"),
                }
            }
        }
    }

    /// The caller cancelled its INVITE (the layer already answered the CANCEL).
    pub(in crate::core) fn on_cancelled(&mut self, now: Instant, invite: TransactionId) {
        let Some(id) = self.calls.server_txns.get(&invite).cloned() else {
            return;
        };
        let unanswered = self
            .calls
            .legs
            .get(&id)
            .is_some_and(|l| matches!(l.state, LegState::Incoming | LegState::Early));
        if unanswered {
            tracing::info!(call_id = %id, "caller cancelled");
            self.hangup(now, &id, EndReason::RemoteHangup);
        }
    }

    /// A response to one of our client transactions.
    pub(in crate::core) fn on_call_response(
        &mut self,
        now: Instant,
        txn: TransactionId,
        r: Response,
    ) {
        let Some((id, purpose)) = self.calls.client(txn) else {
            return;
        };
        match purpose {
            Purpose::Invite => self.on_invite_response(now, &id, txn, r),
            Purpose::Reinvite => self.on_reinvite_response(now, &id, &r),
            Purpose::Bye | Purpose::Cancel if r.status >= 200 => {
                self.calls.client_txns.remove(&txn);
                self.transaction_done(&id);
            }
            Purpose::Bye | Purpose::Cancel => {}
        }
    }

    fn on_reinvite_response(&mut self, now: Instant, id: &CallId, r: &Response) {
        match r.status {
            100..=199 => {}
            200..=299 => {
                self.send_ack(now, id, None);
                if let Some(leg) = self.calls.legs.get_mut(id) {
                    if let Ok(Some(answer)) = sdp_body(r, &r.body) {
                        if let Ok(params) = accept_answer(&answer, &leg.local_media) {
                            let _ = self.media.update_leg(leg.media, leg_spec(&params));
                            leg.params = Some(params);
                        }
                    }
                }
                self.arm_session(now, id);
            }
            // RFC 4028 §10: a refresh answered 408 or 481 means the session is gone.
            408 | 481 => self.hangup(now, id, EndReason::SessionExpired),
            _ => self.arm_session(now, id),
        }
    }

    /// One of a leg's closing transactions finished.
    fn transaction_done(&mut self, id: &CallId) {
        if let Some(leg) = self.calls.legs.get_mut(id) {
            leg.pending = leg.pending.saturating_sub(1);
        }
        self.reap(id);
    }

    /// A 2xx matching no transaction: a retransmission after ours ended; ACK it again.
    pub(in crate::core) fn on_stray_response(&mut self, now: Instant, r: &Response) {
        if !(200..300).contains(&r.status) || r.cseq().is_none_or(|c| c.method != Method::Invite) {
            return;
        }
        let id = (|| {
            let d = DialogId {
                call_id: r.call_id()?.to_owned(),
                local_tag: r.from()?.tag()?.to_owned(),
                remote_tag: r.to()?.tag()?.to_owned(),
            };
            self.calls.dialogs.get(&d).cloned()
        })();
        let Some(leg) = id.and_then(|id| self.calls.legs.get(&id)) else {
            return;
        };
        if let Some(ack) = leg.last_ack.clone() {
            let (remote, transport) = (leg.remote, leg.transport);
            self.send_stateless(now, ack, remote, transport);
        }
    }

    /// A transaction timed out (timer B/F, or L with the 2xx never acknowledged) or its
    /// transport failed.
    pub(in crate::core) fn on_call_txn_failed(
        &mut self,
        now: Instant,
        txn: TransactionId,
        timer: Option<Timer>,
    ) {
        if let Some((id, purpose)) = self.calls.client(txn) {
            self.calls.client_txns.remove(&txn);
            let ending = self
                .calls
                .legs
                .get(&id)
                .is_some_and(|l| l.state == LegState::Ending);
            let reason = if timer.is_some() {
                EndReason::Timeout
            } else {
                EndReason::TransportError
            };
            match purpose {
                Purpose::Invite if ending => self.transaction_done(&id),
                Purpose::Invite => self.end_leg(now, &id, reason),
                Purpose::Reinvite => self.hangup(now, &id, EndReason::SessionExpired),
                Purpose::Bye | Purpose::Cancel => self.transaction_done(&id),
            }
        } else if let Some(id) = self.calls.server_txns.get(&txn).cloned() {
            let answered = self
                .calls
                .legs
                .get(&id)
                .is_some_and(|l| l.state == LegState::Answered);
            if answered && matches!(timer, Some(Timer::L | Timer::H) | None) {
                tracing::info!(call_id = %id, "2xx never acknowledged");
                if let Some(leg) = self.calls.legs.get_mut(&id) {
                    leg.state = LegState::Confirmed;
                }
                self.hangup(now, &id, EndReason::Timeout);
            }
        }
    }

    /// A transaction is gone: drop its index entry.
    pub(in crate::core) fn on_call_txn_terminated(&mut self, txn: TransactionId) {
        self.calls.server_txns.remove(&txn);
        // An INVITE client transaction ends after its final response (or 2xx wait); the
        // dialog carries on without it. BYE and CANCEL are forgotten at their final answer.
        if matches!(self.calls.client_txns.get(&txn), Some((_, Purpose::Invite))) {
            self.calls.client_txns.remove(&txn);
        }
    }

    /// Call timers that came due.
    pub(in crate::core) fn on_call_timers(&mut self, now: Instant) {
        while let Some((id, timer)) = self.calls.pop_due(now) {
            match timer {
                CallTimer::NoAnswer => {
                    tracing::info!(call_id = %id, "no answer");
                    self.hangup(now, &id, EndReason::NoAnswer);
                }
                CallTimer::MaxDuration => self.hangup(now, &id, EndReason::MaxDuration),
                CallTimer::SessionExpiry => {
                    tracing::info!(call_id = %id, "session expired without refresh");
                    self.hangup(now, &id, EndReason::SessionExpired);
                }
                CallTimer::SessionRefresh => self.refresh_session(now, &id),
            }
        }
    }

    /// RFC 4028: we are the refresher — re-INVITE with the same session.
    fn refresh_session(&mut self, now: Instant, id: &CallId) {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if leg.state != LegState::Confirmed {
            return;
        }
        let body = Bytes::from(leg.sdp.offer(&leg.local_media).to_string());
        let interval = leg.session.map_or(1800, |(i, _)| i.as_secs());
        let who = match leg.direction {
            super::LegDirection::Inbound => "uas",
            super::LegDirection::Outbound => "uac",
        };
        let sent = self.send_in_dialog(now, id, Method::Invite, Purpose::Reinvite, |r| {
            r.headers
                .push("Session-Expires", format!("{interval};refresher={who}"));
            r.headers.push("Supported", SUPPORTED);
            r.headers.push("Content-Type", "application/sdp");
            r.body = body;
        });
        if !sent {
            self.hangup(now, id, EndReason::Error);
        }
    }

    /// What the media plane reports about a call's RTP.
    pub(in crate::core) fn on_media(&mut self, now: Instant, event: &MediaEvent) {
        self.ivr_media_event(event);
        if let MediaEvent::LegClosed { leg, quality, .. } = event {
            let Some(call) = self.calls.closing.remove(leg) else {
                return;
            };
            let Some(q) = quality else {
                return;
            };
            let figures = (q.lost, q.jitter_ms);
            metrics::histogram!("switchboard_rtp_jitter_ms").record(f64::from(q.jitter_ms));
            if let Ok(lost) = u64::try_from(q.lost) {
                metrics::counter!("switchboard_rtp_packets_lost_total").increment(lost);
            }
            match self.calls.legs.get_mut(&call) {
                Some(l) => l.quality = Some(figures),
                None => self.effects.push_back(crate::core::Effect::CallQuality {
                    call,
                    packets_lost: figures.0,
                    jitter_ms: figures.1,
                }),
            }
            return;
        }
        if let MediaEvent::RtpTimeout { leg, silent_for } = event {
            let Some(id) = self.calls.media_legs.get(leg).cloned() else {
                return;
            };
            // A phone that holds with a=inactive or a=recvonly sends nothing, rightly.
            let expects_rtp = self
                .calls
                .legs
                .get(&id)
                .and_then(|l| l.params.as_ref())
                .is_some_and(|p| {
                    matches!(
                        p.direction,
                        sb_sip::sdp::Direction::SendRecv | sb_sip::sdp::Direction::RecvOnly
                    )
                });
            let answered = self.calls.legs.get(&id).is_some_and(|l| l.answered());
            if expects_rtp && answered {
                tracing::info!(call_id = %id, ?silent_for, "no RTP: hanging up");
                self.hangup(now, &id, EndReason::RtpTimeout);
            }
        }
    }

    /// Graceful shutdown: refuse new calls from now on.
    pub fn drain_calls(&mut self) {
        self.calls.draining = true;
    }

    /// Hangs up every call (end of a graceful shutdown).
    pub fn hangup_all(&mut self, now: Instant) {
        let ids: Vec<CallId> = self.calls.legs.keys().cloned().collect();
        for id in ids {
            self.hangup(now, &id, EndReason::Shutdown);
        }
    }

    /// Number of live call legs.
    pub fn call_legs(&self) -> usize {
        self.calls.len()
    }

    /// Live legs by state, and how many pairs of legs share a conversation: a scan of
    /// every leg, for metrics a few times a minute, not per message.
    pub fn call_census(&self) -> ([(&'static str, usize); 6], usize) {
        let mut counts = [
            ("incoming", 0),
            ("calling", 0),
            ("early", 0),
            ("answered", 0),
            ("confirmed", 0),
            ("ending", 0),
        ];
        let mut bridged = 0;
        for leg in self.calls.legs.values() {
            let slot = match leg.state {
                LegState::Incoming => 0,
                LegState::Calling => 1,
                LegState::Early => 2,
                LegState::Answered => 3,
                LegState::Confirmed => 4,
                LegState::Ending => 5,
            };
            counts[slot].1 += 1;
            bridged += usize::from(leg.conversation.is_some());
        }
        (counts, bridged / 2)
    }
}

/// The key of a SIP INFO carrying DTMF: `application/dtmf-relay` (`Signal=5`) or
/// `application/dtmf` (`5`), the two forms phones send when they do not use RFC 4733.
pub(super) fn info_dtmf(request: &Request) -> Option<char> {
    let kind = request.content_type()?.trim().to_ascii_lowercase();
    let body = std::str::from_utf8(&request.body).ok()?;
    let value = match kind.split(';').next()?.trim() {
        "application/dtmf-relay" => body.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            k.trim().eq_ignore_ascii_case("signal").then(|| v.trim())
        })?,
        "application/dtmf" => body.trim(),
        _ => return None,
    };
    let key = match value {
        "10" => '*',
        "11" => '#',
        v if v.len() == 1 => v.chars().next()?.to_ascii_uppercase(),
        _ => return None,
    };
    matches!(key, '0'..='9' | '*' | '#' | 'A'..='D').then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_sip::message::{parse, Message};

    fn info(ctype: &str, body: &str) -> Request {
        let raw = format!(
            "INFO sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n\
             To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 INFO\r\nContent-Type: {ctype}\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        match parse(raw.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!("a request"),
        }
    }

    #[test]
    fn dtmf_relay_and_plain_dtmf_bodies() {
        assert_eq!(
            info_dtmf(&info(
                "application/dtmf-relay",
                "Signal=5\r\nDuration=160\r\n"
            )),
            Some('5')
        );
        assert_eq!(
            info_dtmf(&info("application/dtmf-relay", "Signal= #\r\n")),
            Some('#')
        );
        assert_eq!(
            info_dtmf(&info("application/dtmf-relay", "Signal=11\r\n")),
            Some('#')
        );
        assert_eq!(info_dtmf(&info("application/dtmf", "7")), Some('7'));
        assert_eq!(info_dtmf(&info("application/dtmf", "x")), None);
        assert_eq!(info_dtmf(&info("text/plain", "Signal=5")), None);
    }
}
