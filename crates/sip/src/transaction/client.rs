//! Client transactions: INVITE (§17.1.1, RFC 6026 §8.4) and non-INVITE (§17.1.2).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::message::{Method, Request, Response};
use crate::rfc;
use crate::transport::Transport;

use super::key::ClientKey;
use super::{Config, Event, Output, Timer, TransactionId, Transmit};

/// What a transaction needs from the layer while it runs one step.
pub(crate) struct Ctx<'a> {
    pub now: Instant,
    pub cfg: &'a Config,
    pub out: &'a mut VecDeque<Output>,
}

impl Ctx<'_> {
    pub fn event(&mut self, event: Event) {
        self.out.push_back(Output::Event(event));
    }

    pub fn transmit(&mut self, dest: SocketAddr, transport: Transport, bytes: Bytes) {
        self.out.push_back(Output::Transmit(Transmit {
            dest,
            transport,
            bytes,
        }));
    }
}

/// Client states; `Calling` is the INVITE name for `Trying`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientState {
    Calling,
    Trying,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

#[derive(Debug)]
pub(crate) struct ClientTxn {
    pub id: TransactionId,
    pub key: ClientKey,
    pub state: ClientState,
    pub timers: Vec<(Timer, Instant)>,
    invite: bool,
    request: Request,
    bytes: Bytes,
    dest: SocketAddr,
    transport: Transport,
    interval: Duration,
    ack: Option<Bytes>,
}

impl ClientTxn {
    /// Sends the request and arms A/B (INVITE) or E/F (non-INVITE).
    pub fn start(
        id: TransactionId,
        key: ClientKey,
        request: Request,
        dest: SocketAddr,
        transport: Transport,
        ctx: &mut Ctx<'_>,
    ) -> Self {
        let invite = request.method == Method::Invite;
        let bytes = request.to_bytes();
        let mut txn = ClientTxn {
            id,
            key,
            state: if invite {
                ClientState::Calling
            } else {
                ClientState::Trying
            },
            timers: Vec::new(),
            invite,
            request,
            bytes: bytes.clone(),
            dest,
            transport,
            interval: ctx.cfg.t1,
            ack: None,
        };
        ctx.transmit(dest, transport, bytes);
        let (retransmit, timeout) = if invite {
            (Timer::A, Timer::B)
        } else {
            (Timer::E, Timer::F)
        };
        if !transport.is_reliable() {
            txn.arm(retransmit, ctx.now + ctx.cfg.t1);
        }
        txn.arm(timeout, ctx.now + 64 * ctx.cfg.t1);
        txn
    }

    fn arm(&mut self, timer: Timer, at: Instant) {
        self.disarm(timer);
        self.timers.push((timer, at));
    }

    fn disarm(&mut self, timer: Timer) {
        self.timers.retain(|(t, _)| *t != timer);
    }

    fn terminate(&mut self) {
        self.state = ClientState::Terminated;
        self.timers.clear();
    }

    /// A response matched this transaction.
    pub fn on_response(&mut self, response: Response, ctx: &mut Ctx<'_>) {
        if self.invite {
            self.on_invite_response(response, ctx);
        } else {
            self.on_non_invite_response(response, ctx);
        }
    }

    fn on_invite_response(&mut self, response: Response, ctx: &mut Ctx<'_>) {
        let status = response.status;
        match self.state {
            ClientState::Calling | ClientState::Proceeding => {
                self.disarm(Timer::A);
                self.disarm(Timer::B);
                if status < 200 {
                    self.state = ClientState::Proceeding;
                } else if status < 300 {
                    // RFC 6026 §8.4: wait in Accepted for 2xx retransmissions from forks.
                    self.state = ClientState::Accepted;
                    self.arm(Timer::M, ctx.now + 64 * ctx.cfg.t1);
                } else {
                    let ack = build_ack(&self.request, &response).to_bytes();
                    ctx.transmit(self.dest, self.transport, ack.clone());
                    self.ack = Some(ack);
                    if self.transport.is_reliable() {
                        self.terminate();
                    } else {
                        self.state = ClientState::Completed;
                        let d = rfc::TIMER_D_UNRELIABLE.max(64 * ctx.cfg.t1);
                        self.arm(Timer::D, ctx.now + d);
                    }
                }
                ctx.event(Event::Response {
                    id: self.id,
                    response,
                });
            }
            // §17.1.1.2: a retransmitted final response gets the ACK again, not the TU.
            ClientState::Completed if status >= 300 => {
                if let Some(ack) = &self.ack {
                    ctx.transmit(self.dest, self.transport, ack.clone());
                }
            }
            ClientState::Accepted if (200..300).contains(&status) => ctx.event(Event::Response {
                id: self.id,
                response,
            }),
            _ => {}
        }
    }

    fn on_non_invite_response(&mut self, response: Response, ctx: &mut Ctx<'_>) {
        if !matches!(self.state, ClientState::Trying | ClientState::Proceeding) {
            return;
        }
        if response.status < 200 {
            self.state = ClientState::Proceeding;
        } else {
            self.disarm(Timer::E);
            self.disarm(Timer::F);
            if self.transport.is_reliable() {
                self.terminate();
            } else {
                self.state = ClientState::Completed;
                self.arm(Timer::K, ctx.now + ctx.cfg.t4);
            }
        }
        ctx.event(Event::Response {
            id: self.id,
            response,
        });
    }

    /// `timer` fired.
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_>) {
        match timer {
            Timer::A => {
                ctx.transmit(self.dest, self.transport, self.bytes.clone());
                self.interval *= 2;
                self.arm(Timer::A, ctx.now + self.interval);
            }
            Timer::E => {
                ctx.transmit(self.dest, self.transport, self.bytes.clone());
                // §17.1.2.2: doubling capped at T2 in Trying, T2 flat in Proceeding.
                self.interval = if self.state == ClientState::Proceeding {
                    ctx.cfg.t2
                } else {
                    (self.interval * 2).min(ctx.cfg.t2)
                };
                self.arm(Timer::E, ctx.now + self.interval);
            }
            Timer::B | Timer::F => {
                ctx.event(Event::Timeout { id: self.id, timer });
                self.terminate();
            }
            _ => self.terminate(),
        }
    }

    /// The transport failed (§17.1.4).
    pub fn on_transport_error(&mut self, ctx: &mut Ctx<'_>) {
        ctx.event(Event::TransportError { id: self.id });
        self.terminate();
    }
}

/// The ACK a client INVITE transaction sends for a non-2xx final (§17.1.1.3).
pub(crate) fn build_ack(invite: &Request, response: &Response) -> Request {
    let mut ack = Request::new(Method::Ack, invite.uri.clone());
    if let Some(via) = invite.headers.get("Via") {
        ack.headers.push("Via", via);
    }
    ack.headers
        .push("Max-Forwards", rfc::DEFAULT_MAX_FORWARDS.to_string());
    for (name, source) in [
        ("From", &invite.headers),
        ("To", &response.headers),
        ("Call-ID", &invite.headers),
    ] {
        if let Some(v) = source.get(name) {
            ack.headers.push(name, v);
        }
    }
    let seq = crate::message::SipHeaders::cseq(invite).map_or(0, |c| c.seq);
    ack.headers.push("CSeq", format!("{seq} ACK"));
    for route in invite.headers.get_all("Route") {
        ack.headers.push("Route", route);
    }
    ack
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message, SipHeaders};

    #[test]
    fn ack_for_non_2xx_keeps_top_via_and_routes_and_takes_the_response_to() {
        let raw = "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n\
            From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\nCall-ID: c\r\nCSeq: 7 INVITE\r\n\
            Route: <sip:p.example.com;lr>\r\nContent-Length: 0\r\n\r\n";
        let Ok(Message::Request(invite)) = parse(raw.as_bytes()) else {
            panic!("request")
        };
        let resp = Response::from_request(&invite, 486, Some("t9"));
        let ack = build_ack(&invite, &resp);
        assert_eq!(ack.headers.get("CSeq"), Some("7 ACK"));
        assert_eq!(ack.vias().len(), 1);
        assert_eq!(ack.to().unwrap().tag(), Some("t9"));
        assert_eq!(ack.route().len(), 1);
        assert_eq!(ack.uri, invite.uri);
    }
}
