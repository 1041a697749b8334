//! Server transactions: INVITE (§17.2.1, RFC 6026 §8.5–8.7) and non-INVITE (§17.2.2).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::message::{Method, Request, Response, SipHeaders};
use crate::transport::{response_target, ResponseTarget, Transport};

use super::client::Ctx;
use super::key::ServerKey;
use super::{Event, Timer, TransactionError, TransactionId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerState {
    Trying,
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

impl ServerState {
    fn name(self) -> &'static str {
        match self {
            ServerState::Trying => "Trying",
            ServerState::Proceeding => "Proceeding",
            ServerState::Completed => "Completed",
            ServerState::Confirmed => "Confirmed",
            ServerState::Accepted => "Accepted",
            ServerState::Terminated => "Terminated",
        }
    }
}

/// What became of an ACK that matched an INVITE server transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckOutcome {
    Absorbed,
    ToTu,
}

#[derive(Debug)]
pub(crate) struct ServerTxn {
    pub id: TransactionId,
    pub state: ServerState,
    pub timers: Vec<(Timer, Instant)>,
    pub key: ServerKey,
    pub last_status: Option<u16>,
    pub to_tag: Option<String>,
    /// Call-ID, CSeq number and From tag: how an ACK for our 2xx, which carries a branch
    /// of its own, finds this transaction (§13.2.2.4, §17.1.1.3).
    pub ack_key: Option<(String, u32, String)>,
    awaiting_ack: bool,
    invite: bool,
    dest: SocketAddr,
    transport: Transport,
    interval: Duration,
    last: Option<Bytes>,
}

impl ServerTxn {
    /// A server transaction for a new request, already stamped with `received`/`rport`.
    pub fn new(
        id: TransactionId,
        key: ServerKey,
        request: Request,
        source: SocketAddr,
        transport: Transport,
        t1: Duration,
    ) -> Self {
        let invite = request.method == Method::Invite;
        // §18.2.2: streams answer on the connection (the source); datagrams per Via. A Via
        // naming a host we would have to resolve falls back to the source address.
        let dest = match (transport.is_reliable(), request.top_via()) {
            (false, Some(via)) => match response_target(&via, transport) {
                ResponseTarget::Addr(addr) => addr,
                ResponseTarget::Resolve { .. } => source,
            },
            _ => source,
        };
        ServerTxn {
            id,
            state: if invite {
                ServerState::Proceeding
            } else {
                ServerState::Trying
            },
            timers: Vec::new(),
            key,
            last_status: None,
            to_tag: None,
            ack_key: invite.then(|| ack_key_of(&request)).flatten(),
            awaiting_ack: false,
            invite,
            dest,
            transport,
            interval: t1,
            last: None,
        }
    }

    fn arm(&mut self, timer: Timer, at: Instant) {
        self.timers.retain(|(t, _)| *t != timer);
        self.timers.push((timer, at));
    }

    fn terminate(&mut self) {
        self.state = ServerState::Terminated;
        self.timers.clear();
    }

    /// `true` once a final response has been sent.
    pub fn answered(&self) -> bool {
        self.last_status.is_some_and(|s| s >= 200)
    }

    fn resend_last(&self, ctx: &mut Ctx<'_>) {
        if let Some(bytes) = &self.last {
            ctx.transmit(self.dest, self.transport, bytes.clone());
        }
    }

    /// The same request arrived again.
    pub fn on_retransmit(&mut self, ctx: &mut Ctx<'_>) {
        match self.state {
            // §17.2.1 and §17.2.2: answer a retransmission with the last response sent.
            ServerState::Proceeding | ServerState::Completed => self.resend_last(ctx),
            // Trying has nothing to resend; Accepted absorbs (RFC 6026 §8.7); Confirmed
            // absorbs.
            _ => {}
        }
    }

    /// An ACK matched this INVITE transaction.
    pub fn on_ack(&mut self, ctx: &mut Ctx<'_>) -> AckOutcome {
        match self.state {
            ServerState::Completed => {
                self.timers.clear();
                if self.transport.is_reliable() {
                    self.terminate();
                } else {
                    self.state = ServerState::Confirmed;
                    self.arm(Timer::I, ctx.now + ctx.cfg.t4);
                }
                AckOutcome::Absorbed
            }
            ServerState::Accepted => {
                self.ack_2xx();
                AckOutcome::ToTu
            }
            _ => AckOutcome::Absorbed,
        }
    }

    /// The ACK for our 2xx arrived: stop retransmitting it.
    pub fn ack_2xx(&mut self) {
        self.awaiting_ack = false;
        self.timers.retain(|(t, _)| *t != Timer::G);
    }

    /// The TU sends `response`.
    pub fn respond(
        &mut self,
        response: Response,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), TransactionError> {
        let status = response.status;
        let allowed = match self.state {
            ServerState::Trying | ServerState::Proceeding => true,
            ServerState::Accepted => (200..300).contains(&status),
            _ => false,
        };
        if !allowed {
            return Err(TransactionError::ResponseNotAllowed {
                id: self.id,
                status,
                state: self.state.name(),
            });
        }
        let bytes = response.to_bytes();
        ctx.transmit(self.dest, self.transport, bytes.clone());
        self.last = Some(bytes);
        self.last_status = Some(status);
        if let Some(tag) = response.to().and_then(|t| t.tag().map(str::to_owned)) {
            self.to_tag = Some(tag);
        }
        if status < 200 {
            if !self.invite {
                self.state = ServerState::Proceeding;
            }
        } else if self.invite {
            self.after_invite_final(status, ctx);
        } else if self.transport.is_reliable() {
            self.terminate();
        } else {
            self.state = ServerState::Completed;
            self.arm(Timer::J, ctx.now + 64 * ctx.cfg.t1);
        }
        Ok(())
    }

    fn after_invite_final(&mut self, status: u16, ctx: &mut Ctx<'_>) {
        if status < 300 {
            if self.state != ServerState::Accepted {
                self.state = ServerState::Accepted;
                self.arm(Timer::L, ctx.now + 64 * ctx.cfg.t1);
                if ctx.cfg.retransmit_2xx && !self.transport.is_reliable() {
                    self.awaiting_ack = true;
                    self.interval = ctx.cfg.t1;
                    self.arm(Timer::G, ctx.now + self.interval);
                }
            }
            return;
        }
        self.state = ServerState::Completed;
        if !self.transport.is_reliable() {
            self.interval = ctx.cfg.t1;
            self.arm(Timer::G, ctx.now + self.interval);
        }
        self.arm(Timer::H, ctx.now + 64 * ctx.cfg.t1);
    }

    /// `timer` fired.
    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_>) {
        match timer {
            Timer::G => {
                self.resend_last(ctx);
                self.interval = (self.interval * 2).min(ctx.cfg.t2);
                self.arm(Timer::G, ctx.now + self.interval);
            }
            Timer::H => {
                ctx.event(Event::Timeout { id: self.id, timer });
                self.terminate();
            }
            Timer::L if self.awaiting_ack => {
                ctx.event(Event::Timeout { id: self.id, timer });
                self.terminate();
            }
            _ => self.terminate(),
        }
    }

    /// The transport failed (§17.2.4).
    pub fn on_transport_error(&mut self, ctx: &mut Ctx<'_>) {
        ctx.event(Event::TransportError { id: self.id });
        self.terminate();
    }
}

/// The dialog-level identity an ACK for a 2xx shares with its INVITE.
pub(crate) fn ack_key_of(request: &Request) -> Option<(String, u32, String)> {
    Some((
        request.call_id()?.to_owned(),
        request.cseq()?.seq,
        request.from()?.tag()?.to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};
    use crate::transaction::Config;
    use std::collections::VecDeque;

    #[test]
    fn datagram_responses_follow_received_and_rport_while_streams_use_the_source() {
        let raw = "OPTIONS sip:b@example.com SIP/2.0\r\n\
            Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=203.0.113.4;rport=6000\r\n\
            From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\nCall-ID: c\r\n\
            CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        let Ok(Message::Request(req)) = parse(raw.as_bytes()) else {
            panic!("request")
        };
        let key = ServerKey::of(&req, Method::Options).unwrap();
        let source: SocketAddr = "198.51.100.1:7000".parse().unwrap();
        let cfg = Config::default();
        let mut out = VecDeque::new();
        let mut ctx = Ctx {
            now: sb_testkit::FakeClock::new().now(),
            cfg: &cfg,
            out: &mut out,
        };
        let mut udp = ServerTxn::new(
            TransactionId(1),
            key.clone(),
            req.clone(),
            source,
            Transport::Udp,
            cfg.t1,
        );
        udp.respond(Response::from_request(&req, 200, Some("t")), &mut ctx)
            .unwrap();
        let mut tcp = ServerTxn::new(
            TransactionId(2),
            key,
            req.clone(),
            source,
            Transport::Tcp,
            cfg.t1,
        );
        tcp.respond(Response::from_request(&req, 200, Some("t")), &mut ctx)
            .unwrap();
        let dests: Vec<SocketAddr> = out
            .iter()
            .filter_map(|o| match o {
                crate::transaction::Output::Transmit(t) => Some(t.dest),
                crate::transaction::Output::Event(_) => None,
            })
            .collect();
        assert_eq!(dests, vec!["203.0.113.4:6000".parse().unwrap(), source]);
        assert_eq!(tcp.state, ServerState::Terminated, "J is zero on streams");
        assert_eq!(udp.state, ServerState::Completed);
    }
}
