//! The transaction layer: matching, dispatch and the timer queue.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use crate::message::{Message, Method, Request, Response, SipHeaders};
use crate::rfc::MAGIC_COOKIE;
use crate::transport::{stamp_received, Transport};

use super::client::{ClientState, ClientTxn, Ctx};
use super::key::{matching_method, ClientKey, ServerKey};
use super::server::{AckOutcome, ServerState, ServerTxn};
use super::{Config, Event, Input, Output, Timer, TransactionError, TransactionId};

/// All client and server transactions of one SIP endpoint.
#[derive(Debug, Default)]
pub struct TransactionLayer {
    cfg: Config,
    next_id: u64,
    clients: HashMap<TransactionId, ClientTxn>,
    servers: HashMap<TransactionId, ServerTxn>,
    client_index: HashMap<ClientKey, TransactionId>,
    server_index: HashMap<ServerKey, TransactionId>,
    /// Armed timers; every entry mirrors one in a transaction's own list.
    queue: BTreeSet<(Instant, TransactionId, Timer)>,
    /// Accepted INVITE server transactions by Call-ID, CSeq and From tag, so the ACK for
    /// a 2xx (new branch) can stop its retransmissions.
    accepted: HashMap<(String, u32, String), TransactionId>,
    /// What each transaction has in `queue`, so re-syncing one costs O(its timers).
    armed: HashMap<TransactionId, Vec<(Timer, Instant)>>,
    out: VecDeque<Output>,
}

impl TransactionLayer {
    /// A layer with the given timer configuration. T1 is raised to at least 1 ms and T2
    /// to at least T1, so a zero in a config file cannot make timers re-fire forever.
    pub fn new(mut cfg: Config) -> Self {
        cfg.t1 = cfg.t1.max(std::time::Duration::from_millis(1));
        cfg.t2 = cfg.t2.max(cfg.t1);
        TransactionLayer {
            cfg,
            ..Self::default()
        }
    }

    /// Feeds one input. Returns the id of the transaction the input created or touched,
    /// when there is one (a new client transaction for [`Input::SendRequest`]).
    pub fn handle_input(
        &mut self,
        now: Instant,
        input: Input,
    ) -> Result<Option<TransactionId>, TransactionError> {
        match input {
            Input::Received {
                message: Message::Request(request),
                source,
                transport,
            } => self.on_request(now, request, source, transport),
            Input::Received {
                message: Message::Response(response),
                source,
                ..
            } => {
                self.on_response(now, response, source);
                Ok(None)
            }
            Input::SendRequest {
                request,
                dest,
                transport,
            } => self.send_request(now, request, dest, transport).map(Some),
            Input::Respond { id, response } => self.respond(now, id, response).map(|()| Some(id)),
            Input::SendStateless {
                message,
                dest,
                transport,
            } => {
                self.out.push_back(Output::Transmit(super::Transmit {
                    dest,
                    transport,
                    bytes: message.to_bytes(),
                }));
                Ok(None)
            }
            Input::TransportFailed { id } => self.transport_failed(now, id).map(|()| Some(id)),
        }
    }

    /// The next thing to do, until `None`.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`TransactionLayer::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.queue.first().map(|(at, _, _)| *at)
    }

    /// Fires every timer due at or before `now`, in deadline order.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, id, timer)) = self.queue.first() {
            if at > now {
                break;
            }
            self.queue.pop_first();
            let mut ctx = Ctx {
                now: at,
                cfg: &self.cfg,
                out: &mut self.out,
            };
            if let Some(txn) = self.clients.get_mut(&id) {
                txn.timers.retain(|(t, a)| !(*t == timer && *a == at));
                txn.on_timer(timer, &mut ctx);
                self.sync_client(id);
            } else if let Some(txn) = self.servers.get_mut(&id) {
                txn.timers.retain(|(t, a)| !(*t == timer && *a == at));
                txn.on_timer(timer, &mut ctx);
                self.sync_server(id);
            }
        }
    }

    /// Number of live transactions (client + server).
    pub fn len(&self) -> usize {
        debug_assert!(
            self.accepted.len() <= self.servers.len(),
            "accepted index leaks"
        );
        self.clients.len() + self.servers.len()
    }

    /// `true` when no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn allocate(&mut self) -> TransactionId {
        self.next_id += 1;
        TransactionId(self.next_id)
    }

    /// Starts a client transaction for `request` (§17.1).
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Request,
        dest: std::net::SocketAddr,
        transport: Transport,
    ) -> Result<TransactionId, TransactionError> {
        if request.method == Method::Ack {
            return Err(TransactionError::AckIsNotATransaction);
        }
        let branch = request
            .top_via()
            .and_then(|v| v.branch().map(str::to_owned))
            .filter(|b| b.starts_with(MAGIC_COOKIE))
            .ok_or(TransactionError::MissingBranch)?;
        let key = ClientKey {
            branch: branch.clone(),
            method: request.method.clone(),
        };
        if self.client_index.contains_key(&key) {
            return Err(TransactionError::DuplicateTransaction { branch });
        }
        let id = self.allocate();
        let mut ctx = Ctx {
            now,
            cfg: &self.cfg,
            out: &mut self.out,
        };
        let txn = ClientTxn::start(id, key.clone(), request, dest, transport, &mut ctx);
        self.client_index.insert(key, id);
        self.clients.insert(id, txn);
        self.sync_client(id);
        Ok(id)
    }

    /// Sends `response` on server transaction `id`.
    pub fn respond(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Response,
    ) -> Result<(), TransactionError> {
        let txn = self
            .servers
            .get_mut(&id)
            .ok_or(TransactionError::UnknownTransaction { id })?;
        let mut ctx = Ctx {
            now,
            cfg: &self.cfg,
            out: &mut self.out,
        };
        let result = txn.respond(response, &mut ctx);
        self.sync_server(id);
        result
    }

    fn transport_failed(
        &mut self,
        now: Instant,
        id: TransactionId,
    ) -> Result<(), TransactionError> {
        let mut ctx = Ctx {
            now,
            cfg: &self.cfg,
            out: &mut self.out,
        };
        if let Some(txn) = self.clients.get_mut(&id) {
            txn.on_transport_error(&mut ctx);
            self.sync_client(id);
        } else if let Some(txn) = self.servers.get_mut(&id) {
            txn.on_transport_error(&mut ctx);
            self.sync_server(id);
        } else {
            return Err(TransactionError::UnknownTransaction { id });
        }
        Ok(())
    }

    fn on_response(&mut self, now: Instant, response: Response, source: SocketAddr) {
        // §18.1.2: a response with more than one Via was meant for a proxy; a UA drops it.
        if response.headers.get_all("Via").nth(1).is_some() {
            return;
        }
        let key = response.top_via().and_then(|via| {
            Some(ClientKey {
                branch: via.branch()?.to_owned(),
                method: response.cseq()?.method,
            })
        });
        let Some(id) = key.and_then(|k| self.client_index.get(&k).copied()) else {
            self.out
                .push_back(Output::Event(Event::StrayResponse { response, source }));
            return;
        };
        let mut ctx = Ctx {
            now,
            cfg: &self.cfg,
            out: &mut self.out,
        };
        if let Some(txn) = self.clients.get_mut(&id) {
            txn.on_response(response, &mut ctx);
            self.sync_client(id);
        }
    }

    fn on_request(
        &mut self,
        now: Instant,
        mut request: Request,
        source: SocketAddr,
        transport: Transport,
    ) -> Result<Option<TransactionId>, TransactionError> {
        let key = ServerKey::of(&request, matching_method(&request.method))?;
        if request.method == Method::Ack {
            return Ok(self.on_ack(now, key, request, source));
        }
        if let Some(&id) = self.server_index.get(&key) {
            let mut ctx = Ctx {
                now,
                cfg: &self.cfg,
                out: &mut self.out,
            };
            if let Some(txn) = self.servers.get_mut(&id) {
                txn.on_retransmit(&mut ctx);
            }
            return Ok(Some(id));
        }
        stamp_received(&mut request, source)
            .map_err(|_| TransactionError::MissingHeader { name: "Via" })?;
        let id = self.allocate();
        let txn = ServerTxn::new(
            id,
            key.clone(),
            request.clone(),
            source,
            transport,
            self.cfg.t1,
        );
        self.server_index.insert(key, id);
        self.servers.insert(id, txn);
        match request.method {
            Method::Cancel => self.on_cancel(now, id, request)?,
            Method::Invite if self.cfg.auto_trying => {
                let trying = Response::from_request(&request, 100, None);
                self.emit_request(id, request.clone(), source, transport);
                self.respond(now, id, trying)?;
            }
            _ => self.emit_request(id, request, source, transport),
        }
        Ok(Some(id))
    }

    fn emit_request(
        &mut self,
        id: TransactionId,
        request: Request,
        source: SocketAddr,
        transport: Transport,
    ) {
        self.out.push_back(Output::Event(Event::Request {
            id,
            request,
            source,
            transport,
        }));
    }

    fn on_ack(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: Request,
        source: SocketAddr,
    ) -> Option<TransactionId> {
        let id = self.server_index.get(&key).copied().filter(|id| {
            // RFC 2543 ACKs also carry the To tag of the response they acknowledge.
            !key.is_legacy()
                || self.servers.get(id).is_some_and(|t| {
                    t.to_tag.as_deref() == request.to().as_ref().and_then(|to| to.tag())
                })
        });
        if id.is_none() {
            self.ack_for_2xx(&request);
        }
        let outcome = match id.and_then(|id| self.servers.get_mut(&id)) {
            Some(txn) => {
                let mut ctx = Ctx {
                    now,
                    cfg: &self.cfg,
                    out: &mut self.out,
                };
                txn.on_ack(&mut ctx)
            }
            None => AckOutcome::ToTu,
        };
        if let Some(id) = id {
            self.sync_server(id);
        }
        if outcome == AckOutcome::ToTu {
            self.out
                .push_back(Output::Event(Event::Ack { request, source }));
        }
        id
    }

    /// An ACK with a branch of its own acknowledges a 2xx (§13.2.2.4): stop resending it.
    fn ack_for_2xx(&mut self, ack: &Request) {
        let Some(key) = super::server::ack_key_of(ack) else {
            return;
        };
        if let Some(&id) = self.accepted.get(&key) {
            if let Some(txn) = self.servers.get_mut(&id) {
                txn.ack_2xx();
            }
            self.sync_server(id);
        }
    }

    /// §9.2: a CANCEL is answered by its own transaction; it cancels the INVITE server
    /// transaction with the same key (method aside) if that one has not answered yet.
    fn on_cancel(
        &mut self,
        now: Instant,
        id: TransactionId,
        cancel: Request,
    ) -> Result<(), TransactionError> {
        let invite_key = ServerKey::of(&cancel, Method::Invite)?;
        let invite = self.server_index.get(&invite_key).copied();
        let pending = invite.filter(|i| {
            self.servers
                .get(i)
                .is_some_and(|t| !t.answered() && t.state == ServerState::Proceeding)
        });
        let (status, to_tag) = match invite {
            None => (481, None),
            Some(i) => (200, self.servers.get(&i).and_then(|t| t.to_tag.clone())),
        };
        let response = Response::from_request(&cancel, status, to_tag.as_deref());
        self.respond(now, id, response)?;
        if let Some(invite) = pending {
            self.out
                .push_back(Output::Event(Event::Cancelled { invite, cancel }));
        }
        Ok(())
    }

    /// Mirrors a transaction's armed timers into the queue.
    fn requeue(&mut self, id: TransactionId, timers: Option<&[(Timer, Instant)]>) {
        for (timer, at) in self.armed.remove(&id).unwrap_or_default() {
            self.queue.remove(&(at, id, timer));
        }
        if let Some(timers) = timers {
            for &(timer, at) in timers {
                self.queue.insert((at, id, timer));
            }
            self.armed.insert(id, timers.to_vec());
        }
    }

    fn sync_client(&mut self, id: TransactionId) {
        let Some(txn) = self.clients.get(&id) else {
            return;
        };
        if txn.state == ClientState::Terminated {
            self.requeue(id, None);
            if let Some(txn) = self.clients.remove(&id) {
                self.client_index.remove(&txn.key);
            }
            self.out.push_back(Output::Event(Event::Terminated { id }));
            return;
        }
        let timers = txn.timers.clone();
        self.requeue(id, Some(&timers));
    }

    fn sync_server(&mut self, id: TransactionId) {
        let Some(txn) = self.servers.get(&id) else {
            return;
        };
        if txn.state == ServerState::Terminated {
            self.requeue(id, None);
            if let Some(txn) = self.servers.remove(&id) {
                self.server_index.remove(&txn.key);
                if let Some(k) = txn
                    .ack_key
                    .as_ref()
                    .filter(|k| self.accepted.get(*k) == Some(&id))
                {
                    self.accepted.remove(k);
                }
            }
            self.out.push_back(Output::Event(Event::Terminated { id }));
            return;
        }
        if txn.state == ServerState::Accepted {
            if let Some(k) = &txn.ack_key {
                self.accepted.insert(k.clone(), id);
            }
        }
        let timers = txn.timers.clone();
        self.requeue(id, Some(&timers));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};

    fn options(branch: &str) -> Request {
        let raw = format!(
            "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch={branch}\r\n\
             From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\nCall-ID: c\r\n\
             CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        match parse(raw.as_bytes()).expect("valid") {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!("request"),
        }
    }

    #[test]
    fn zero_t1_is_raised_so_timers_make_progress() {
        let now = sb_testkit::FakeClock::new().now();
        let cfg = crate::transaction::Config {
            t1: std::time::Duration::ZERO,
            ..Default::default()
        };
        let mut layer = TransactionLayer::new(cfg);
        let dest = "192.0.2.1:5060".parse().unwrap();
        layer
            .send_request(now, options("z9hG4bKz"), dest, Transport::Udp)
            .unwrap();
        layer.handle_timeout(now + std::time::Duration::from_secs(1));
        assert!(layer.is_empty(), "timer F (64 ms) fired and ended it");
    }

    #[test]
    fn empty_layer_wants_no_wakeup() {
        assert_eq!(TransactionLayer::default().poll_timeout(), None);
    }

    #[test]
    fn duplicate_client_branch_is_refused_and_unknown_ids_reported() {
        let now = sb_testkit::FakeClock::new().now();
        let dest = "192.0.2.1:5060".parse().unwrap();
        let mut layer = TransactionLayer::default();
        let id = layer
            .send_request(now, options("z9hG4bKd"), dest, Transport::Udp)
            .unwrap();
        assert!(matches!(
            layer.send_request(now, options("z9hG4bKd"), dest, Transport::Udp),
            Err(TransactionError::DuplicateTransaction { .. })
        ));
        assert!(matches!(
            layer.respond(
                now,
                id,
                Response::from_request(&options("z9hG4bKd"), 200, None)
            ),
            Err(TransactionError::UnknownTransaction { .. })
        ));
    }
}
