//! The endpoint's logic, kept synchronous: the shell (`endpoint`) reads the
//! clock and sockets, calls [`Core`], then performs the [`Effect`]s it queued. Nothing
//! here awaits, so a slow store or a stuck peer never stalls SIP processing.

pub mod call;
mod digest;
pub(crate) mod methods;
mod register;
mod trunk;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::SeedableRng as _;
use sb_sip::malformed;
use sb_sip::message::{parse, Message, Method, ParseError, Request, Response, SipHeaders};
use sb_sip::registrar::{Binding, Registrar, RegistrarConfig, StoredBinding};
use sb_sip::transaction::{Event, Input, Output, TransactionId, TransactionLayer};
use sb_sip::transport::Transport;
use sb_store::{Extension, RegistrationRecord, StoreError};
use sha2::{Digest as _, Sha256};

use crate::config::SipConfig;
use crate::directory::Directory;
use crate::media::MediaPlane;
use crate::persist::Write;
use crate::routes::Routes;
use crate::security::{Gate, Verdict};
use crate::transport::udp::Datagram;
use crate::transport::Inbound;
use call::{CallConfig, CallRecord, Calls};
use digest::ShardedDigest;

/// How often idle rate-limit buckets and lapsed bans are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// REGISTERs waiting for a store lookup before new ones get 503.
const MAX_PARKED: usize = 4096;

/// Something for the shell to do.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Put bytes on the wire.
    Transmit {
        /// Where to.
        dest: SocketAddr,
        /// Over what.
        transport: Transport,
        /// The message.
        bytes: Bytes,
    },
    /// Ask the store for this SIP user's extension, then call [`Core::on_lookup`].
    Lookup(String),
    /// Persist a user's bindings (write-behind).
    Persist(Write),
    /// A call leg was answered: its record so far (end fields not yet meaningful), noted
    /// as in progress so that a crash still leaves a record of it.
    CallAnswered(CallRecord),
    /// A call leg ended: its record, for the call detail records.
    CallEnded(CallRecord),
    /// The RTCP figures of a leg whose record went out before the media plane had them.
    CallQuality {
        /// The leg.
        call: call::CallId,
        /// Packets lost from the peer.
        packets_lost: i64,
        /// Interarrival jitter from the peer, ms.
        jitter_ms: u32,
    },
    /// Start an IVR session for an inbound call (answer [`Core::on_ivr`]'s requests, or
    /// call [`Core::ivr_unavailable`]).
    StartIvr {
        /// The caller's leg.
        call: call::CallId,
        /// Its call center.
        callcenter: sb_store::CallCenterId,
        /// The call center's `ivr_url`.
        ivr_url: String,
        /// The caller.
        from: String,
        /// The number dialled.
        to: String,
    },
    /// A call the engine placed ([`Core::originate_to_extension`]) was answered or failed.
    Originated {
        /// The leg.
        call: call::CallId,
        /// How it went.
        outcome: call::Originated,
    },
    /// A call the engine placed rings (180, or 183 with or without early media): the
    /// number dialled is alerting, so whoever waits for it may hear ringback now.
    Ringing {
        /// The leg.
        call: call::CallId,
    },
    /// A leg watched for a conversation ([`Core::watch_call`]) ended.
    LegEnded {
        /// The leg.
        call: call::CallId,
        /// Why.
        reason: call::EndReason,
    },
    /// Tell an IVR session what happened on its call.
    Ivr {
        /// The call.
        call: call::CallId,
        /// What happened.
        message: crate::ivr::IvrMessage,
    },
}

/// A REGISTER or INVITE waiting for an extension to come back from the store.
#[derive(Debug)]
pub(crate) struct Parked {
    pub id: TransactionId,
    pub request: Request,
    pub source: SocketAddr,
    pub transport: Transport,
    /// An INVITE's caller, once authenticated (so a second lookup, for the callee, does
    /// not verify the same credentials twice: their nonce count would look replayed).
    pub caller: Option<Extension>,
    /// Lookups this request has waited for.
    pub attempts: u8,
}

/// Lookups one request may wait for before it gets 503 (a caller and a callee need two).
const MAX_ATTEMPTS: u8 = 3;

/// What the calls layer needs from outside the SIP stack.
#[derive(Debug, Clone)]
pub struct CallDeps {
    /// The media plane.
    pub media: Arc<dyn MediaPlane>,
    /// Trunks and call center settings.
    pub routes: Routes,
}

/// Transactions, registrar, digest auth and the abuse gate of one endpoint.
#[derive(Debug)]
pub struct Core {
    layer: TransactionLayer,
    registrar: Registrar,
    /// No binding expires before this (`None`: no bindings). A lower bound, not the exact
    /// minimum: asking the registrar means scanning every binding, too dear to do per
    /// message, so it is recomputed only when it comes due.
    bindings_due: Option<Instant>,
    auth: ShardedDigest,
    gate: Gate,
    directory: Directory,
    parked: HashMap<String, Vec<Parked>>,
    parked_count: usize,
    tag_key: [u8; 32],
    contact: Option<String>,
    next_prune: Instant,
    /// Wall-clock time of the event being handled, for stored records.
    unix_ms: u64,
    effects: VecDeque<Effect>,
    calls: Calls,
    call_cfg: CallConfig,
    media: Arc<dyn MediaPlane>,
    routes: Routes,
    rng: StdRng,
    trunks: trunk::Trunks,
    /// The routing snapshot the trunk table was last synced with (its address).
    routes_seen: usize,
    /// The bound UDP address.
    local: SocketAddr,
    public_ip: Option<std::net::IpAddr>,
}

impl Core {
    /// A core for `cfg`; the keys come from the caller's RNG, `local` is the bound UDP
    /// address (for the Contact of OPTIONS answers).
    pub fn new(
        cfg: &SipConfig,
        now: Instant,
        keys: ([u8; 32], [u8; 32]),
        directory: Directory,
        local: SocketAddr,
        deps: CallDeps,
    ) -> Self {
        let auth = ShardedDigest::new(
            &cfg.realm,
            &cfg.digest_algorithms,
            keys.0,
            cfg.nonce_ttl,
            now,
        );
        let registrar = Registrar::new(RegistrarConfig {
            default_expires: cfg.default_expires,
            min_expires: cfg.min_expires,
            max_expires: cfg.max_expires,
        });
        let host = cfg
            .public_ip
            .or((!local.ip().is_unspecified()).then_some(local.ip()));
        let mut core = Core {
            layer: TransactionLayer::default(),
            registrar,
            bindings_due: None,
            auth,
            gate: Gate::new(cfg.rate_limit, cfg.ban),
            directory,
            parked: HashMap::new(),
            parked_count: 0,
            tag_key: keys.1,
            contact: host.map(|h| format!("<sip:{}>", SocketAddr::new(h, local.port()))),
            next_prune: now + PRUNE_EVERY,
            unix_ms: 0,
            effects: VecDeque::new(),
            calls: Calls::default(),
            call_cfg: cfg.calls.clone(),
            media: deps.media,
            routes: deps.routes,
            rng: StdRng::from_seed(keys.1),
            trunks: trunk::Trunks::default(),
            routes_seen: 0,
            local,
            public_ip: cfg.public_ip,
        };
        core.sync_trunks(now);
        core
    }

    /// The next effect to perform, until `None`.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// When [`Core::on_timeout`] should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.layer.poll_timeout(),
            self.bindings_due,
            Some(self.next_prune),
            self.calls.poll_timeout(),
            self.trunks.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// One message from the network, still to be parsed (TCP).
    pub fn on_inbound(&mut self, now: Instant, unix_ms: u64, inbound: Inbound) {
        if self.admit(now, unix_ms, &inbound) {
            let parsed = parse(&inbound.bytes);
            self.on_message(now, inbound, parsed);
        }
    }

    /// One datagram, parsed already by the UDP reader.
    pub fn on_datagram(&mut self, now: Instant, unix_ms: u64, datagram: Datagram) {
        if self.admit(now, unix_ms, &datagram.inbound) {
            self.on_message(now, datagram.inbound, datagram.parsed);
        }
    }

    /// The abuse gate: `false` drops the message unanswered.
    fn admit(&mut self, now: Instant, unix_ms: u64, inbound: &Inbound) -> bool {
        self.unix_ms = unix_ms;
        let source = inbound.source;
        // A trunk is a carrier sending every caller's calls from one address: the per-IP
        // budget meant for phones and scanners would throttle real traffic.
        if self.routes.current().trunk_from(source).is_some() {
            return true;
        }
        match self.gate.admit(now, source.ip()) {
            Verdict::Accept => true,
            verdict => {
                tracing::trace!(%source, ?verdict, "dropped");
                false
            }
        }
    }

    fn on_message(&mut self, now: Instant, inbound: Inbound, parsed: Result<Message, ParseError>) {
        let Inbound {
            bytes,
            source,
            transport,
        } = inbound;
        let message = match parsed {
            Ok(message) => message,
            Err(error) => {
                tracing::debug!(%source, %error, "unparseable message");
                self.answer_malformed(&bytes, source, transport);
                return;
            }
        };
        let is_request = matches!(message, Message::Request(_));
        let input = Input::Received {
            message,
            source,
            transport,
        };
        if let Err(error) = self.layer.handle_input(now, input) {
            tracing::debug!(%source, %error, "message refused by the transaction layer");
            if is_request {
                self.answer_malformed(&bytes, source, transport);
            }
        }
        self.pump(now);
    }

    /// The store's answer to an [`Effect::Lookup`].
    pub fn on_lookup(
        &mut self,
        now: Instant,
        unix_ms: u64,
        user: &str,
        result: Result<Option<Extension>, Arc<StoreError>>,
    ) {
        self.unix_ms = unix_ms;
        let waiting = self.parked.remove(user).unwrap_or_default();
        self.parked_count -= waiting.len();
        match result {
            Ok(extension) => {
                let password = self.directory.insert(now, user, extension.as_ref());
                for p in waiting {
                    if p.request.method == Method::Invite {
                        self.on_invite(now, p);
                    } else {
                        self.finish_register(now, p, password.clone());
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%user, %error, "extension lookup failed");
                for p in waiting {
                    let mut r =
                        Response::from_request(&p.request, 503, Some(&self.tag(&p.request)));
                    r.headers.push("Retry-After", "5");
                    self.respond(now, p.id, r);
                }
            }
        }
        self.pump(now);
    }

    /// Fires due transaction timers, expires bindings and prunes the gate.
    pub fn on_timeout(&mut self, now: Instant, unix_ms: u64) {
        self.unix_ms = unix_ms;
        self.layer.handle_timeout(now);
        self.on_call_timers(now);
        self.on_trunk_timers(now);
        self.expire_bindings(now, unix_ms);
        if now >= self.next_prune {
            self.gate.prune(now);
            self.next_prune = now + PRUNE_EVERY;
        }
        self.pump(now);
    }

    /// Removes lapsed bindings and queues the writes, only when one may have lapsed:
    /// transaction timers fire thousands of times a second under load, and a pass over
    /// the registrar on each would cost more than the REGISTERs themselves.
    fn expire_bindings(&mut self, now: Instant, unix_ms: u64) {
        if self.bindings_due.is_none_or(|due| now < due) {
            return;
        }
        let expired = self.registrar.expire(now);
        self.bindings_due = self.registrar.poll_timeout();
        let users: HashSet<String> = expired.into_iter().map(|(user, _)| user).collect();
        for user in users {
            tracing::info!(%user, "registration expired");
            let records = self.registrations(&user, now, unix_ms);
            self.effects
                .push_back(Effect::Persist(Write { user, records }));
        }
    }

    /// Lowers the expiry bound to cover bindings just added or refreshed.
    fn bindings_changed(&mut self, bindings: &[Binding]) {
        let earliest = bindings.iter().map(|b| b.expires_at).min();
        self.bindings_due = match (self.bindings_due, earliest) {
            (Some(due), Some(at)) => Some(due.min(at)),
            (due, at) => due.or(at),
        };
    }

    /// The live bindings of `user`, in stored form.
    pub fn registrations(&self, user: &str, now: Instant, unix_ms: u64) -> Vec<RegistrationRecord> {
        records_of(user, &self.registrar.bindings(user, now), now, unix_ms)
    }

    /// Loads persisted bindings; returns how many were skipped (expired or unreadable).
    pub fn import(
        &mut self,
        now: Instant,
        unix_ms: u64,
        records: Vec<RegistrationRecord>,
    ) -> usize {
        let total = records.len();
        let stored: Vec<StoredBinding> = records.into_iter().filter_map(stored_of).collect();
        let unreadable = total - stored.len();
        let skipped = self.registrar.import(now, unix_ms, stored);
        self.bindings_due = self.registrar.poll_timeout();
        unreadable + skipped
    }

    /// Drains the transaction layer: transmits become effects, new requests are served.
    fn pump(&mut self, now: Instant) {
        while let Some(output) = self.layer.poll_output() {
            match output {
                Output::Transmit(t) => self.effects.push_back(Effect::Transmit {
                    dest: t.dest,
                    transport: t.transport,
                    bytes: t.bytes,
                }),
                Output::Event(Event::Request {
                    id,
                    request,
                    source,
                    transport,
                }) => self.on_request(now, id, request, source, transport),
                Output::Event(Event::Ack { request, .. }) => self.on_ack(&request),
                Output::Event(Event::Cancelled { invite, .. }) => self.on_cancelled(now, invite),
                Output::Event(Event::Response { id, response }) => {
                    if !self.on_trunk_response(now, id, &response) {
                        self.on_call_response(now, id, response);
                    }
                }
                Output::Event(Event::StrayResponse { response, .. }) => {
                    self.on_stray_response(now, &response);
                }
                Output::Event(Event::Timeout { id, timer }) => {
                    if !self.on_trunk_failure(now, id) {
                        self.on_call_txn_failed(now, id, Some(timer));
                    }
                }
                Output::Event(Event::TransportError { id }) => {
                    if !self.on_trunk_failure(now, id) {
                        self.on_call_txn_failed(now, id, None);
                    }
                }
                Output::Event(Event::Terminated { id }) => self.on_call_txn_terminated(id),
                Output::Event(event) => tracing::trace!(?event, "transaction event"),
            }
        }
    }

    /// An event from the media plane.
    pub fn on_media_event(&mut self, now: Instant, unix_ms: u64, event: &sb_mediaworker::Event) {
        self.unix_ms = unix_ms;
        self.on_media(now, event);
        self.pump(now);
    }

    /// Graceful shutdown, first step: new calls get 503 from now on.
    pub fn stop_taking_calls(&mut self) {
        self.drain_calls();
    }

    /// Graceful shutdown, last step: BYE (or CANCEL, or a final answer) on every leg.
    pub fn end_all_calls(&mut self, now: Instant, unix_ms: u64) {
        self.unix_ms = unix_ms;
        self.hangup_all(now);
        self.pump(now);
    }

    /// Parks `p` behind a store lookup of `user` (one lookup per user at a time).
    pub(crate) fn park(&mut self, now: Instant, user: String, mut p: Parked) {
        p.attempts += 1;
        if self.parked_count >= MAX_PARKED || p.attempts > MAX_ATTEMPTS {
            let mut r = Response::from_request(&p.request, 503, Some(&self.tag(&p.request)));
            r.headers.push("Retry-After", "5");
            self.respond(now, p.id, r);
            return;
        }
        let waiting = self.parked.entry(user.clone()).or_default();
        if waiting.is_empty() {
            self.effects.push_back(Effect::Lookup(user));
        }
        waiting.push(p);
        self.parked_count += 1;
    }

    fn respond(&mut self, now: Instant, id: TransactionId, response: Response) {
        if let Err(error) = self.layer.respond(now, id, response) {
            tracing::debug!(%error, "response not sent");
        }
    }

    fn answer_malformed(&mut self, raw: &[u8], source: SocketAddr, transport: Transport) {
        if let Some(bytes) = malformed::bad_request(raw) {
            self.effects.push_back(Effect::Transmit {
                dest: source,
                transport,
                bytes,
            });
        }
    }

    /// A To tag for our final responses outside dialogs: derived from the Call-ID under a
    /// secret, so it leaks nothing and two answers to the same Call-ID carry the same tag.
    fn tag(&self, request: &Request) -> String {
        let mut h = Sha256::new();
        h.update(self.tag_key);
        h.update(request.call_id().unwrap_or_default().as_bytes());
        hex::encode(&h.finalize()[..6])
    }
}

/// A binding list in the store's form; `now_unix_ms` is the wall time matching `now`.
fn records_of(
    user: &str,
    bindings: &[Binding],
    now: Instant,
    now_unix_ms: u64,
) -> Vec<RegistrationRecord> {
    bindings
        .iter()
        .map(|b| {
            let left = b.expires_at.saturating_duration_since(now).as_millis();
            RegistrationRecord {
                user: user.to_owned(),
                contact: b.contact.to_string(),
                expires_unix_ms: now_unix_ms
                    .saturating_add(u64::try_from(left).unwrap_or(u64::MAX)),
                user_agent: b.user_agent.clone(),
                source: b.source.to_string(),
                transport: b.transport.as_str().to_ascii_lowercase(),
                call_id: b.call_id.clone(),
                cseq: b.cseq,
            }
        })
        .collect()
}

fn stored_of(r: RegistrationRecord) -> Option<StoredBinding> {
    let transport = match r.transport.as_str() {
        "udp" => Transport::Udp,
        "tcp" => Transport::Tcp,
        _ => return None,
    };
    Some(StoredBinding {
        aor: r.user,
        contact: r.contact,
        expires_unix_ms: r.expires_unix_ms,
        user_agent: r.user_agent,
        source: r.source.parse().ok()?,
        transport,
        call_id: r.call_id,
        cseq: r.cseq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_sip::auth::DigestClient;
    use sb_store::{CallCenterId, ExtensionId, ExtensionKind};
    use sb_testkit::FakeClock;

    const PHONE: &str = "192.0.2.10:5060";

    struct Fixture {
        clock: FakeClock,
        core: Core,
        client: DigestClient,
        cseq: u32,
    }

    impl Fixture {
        fn new() -> Self {
            let clock = FakeClock::new();
            let cfg = SipConfig::new("127.0.0.1:5060".parse().unwrap());
            let directory = Directory::new(Duration::from_secs(3600));
            let extension = Extension {
                id: ExtensionId("e1".into()),
                callcenter_id: CallCenterId("c1".into()),
                kind: ExtensionKind::Terminal {
                    user: "1001".into(),
                    password: "pw123456".into(),
                },
                created_at: 0,
            };
            directory.insert(clock.now(), "1001", Some(&extension));
            let local = cfg.listen;
            let deps = CallDeps {
                media: Arc::new(crate::media::FakeMedia::new()),
                routes: Routes::default(),
            };
            let core = Core::new(
                &cfg,
                clock.now(),
                ([1; 32], [2; 32]),
                directory,
                local,
                deps,
            );
            let client = DigestClient::new("1001", "pw123456");
            Fixture {
                clock,
                core,
                client,
                cseq: 0,
            }
        }

        fn send(&mut self, expires: u32, authorization: Option<&str>) -> Response {
            self.cseq += 1;
            let auth = authorization.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
            let raw = format!(
                "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
                 Via: SIP/2.0/UDP {PHONE};branch=z9hG4bK{n}\r\n\
                 Max-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag=a1\r\n\
                 To: <sip:1001@127.0.0.1>\r\nCall-ID: c1@test\r\nCSeq: {n} REGISTER\r\n\
                 Contact: <sip:1001@{PHONE}>\r\nExpires: {expires}\r\n{auth}\
                 Content-Length: 0\r\n\r\n",
                n = self.cseq
            );
            let inbound = Inbound {
                bytes: Bytes::from(raw),
                source: PHONE.parse().unwrap(),
                transport: Transport::Udp,
            };
            let now = self.clock.now();
            self.core.on_inbound(now, self.clock.unix_ms(), inbound);
            let mut answer = None;
            while let Some(effect) = self.core.poll_effect() {
                if let Effect::Transmit { bytes, .. } = effect {
                    match parse(&bytes).unwrap() {
                        Message::Response(r) => answer = Some(r),
                        Message::Request(r) => panic!("unexpected request {r:?}"),
                    }
                }
            }
            answer.expect("every REGISTER is answered")
        }

        fn register(&mut self, expires: u32) -> u16 {
            let challenge = self.send(expires, None);
            assert_eq!(challenge.status, 401);
            let values: Vec<&str> = challenge.headers.get_all("WWW-Authenticate").collect();
            let auth = self
                .client
                .authorize(&values, false, "REGISTER", "sip:127.0.0.1", "0a4f113b")
                .unwrap();
            self.send(expires, Some(&auth.value)).status
        }

        /// Runs the timers at `now`; returns the persisted binding sets queued.
        fn tick(&mut self) -> Vec<Write> {
            self.core.on_timeout(self.clock.now(), self.clock.unix_ms());
            std::iter::from_fn(|| self.core.poll_effect())
                .filter_map(|e| match e {
                    Effect::Persist(w) => Some(w),
                    _ => None,
                })
                .collect()
        }
    }

    #[test]
    fn a_lapsed_binding_is_written_away_on_time() {
        let mut f = Fixture::new();
        assert_eq!(f.register(120), 200);
        f.clock.advance(Duration::from_secs(119));
        assert!(f.tick().is_empty());
        assert!(f
            .core
            .poll_timeout()
            .is_some_and(|at| at <= f.clock.now() + Duration::from_secs(1)));
        f.clock.advance(Duration::from_secs(1));
        let writes = f.tick();
        assert_eq!(writes.len(), 1);
        assert_eq!(writes[0].user, "1001");
        assert!(writes[0].records.is_empty());
        assert!(f.core.registrations("1001", f.clock.now(), 0).is_empty());
    }

    #[test]
    fn a_shorter_refresh_brings_the_expiry_forward() {
        let mut f = Fixture::new();
        assert_eq!(f.register(600), 200);
        f.clock.advance(Duration::from_secs(10));
        assert_eq!(f.register(60), 200);
        f.clock.advance(Duration::from_secs(60));
        let writes = f.tick();
        assert_eq!(writes.len(), 1);
        assert!(writes[0].records.is_empty());
    }

    #[test]
    fn a_longer_refresh_outlives_the_first_expiry() {
        let mut f = Fixture::new();
        assert_eq!(f.register(60), 200);
        f.clock.advance(Duration::from_secs(30));
        assert_eq!(f.register(600), 200);
        f.clock.advance(Duration::from_secs(31));
        // The first expiry passes: a spurious wake-up finds nothing to remove...
        assert!(f.tick().is_empty());
        assert_eq!(f.core.registrations("1001", f.clock.now(), 0).len(), 1);
        // ...and the next wake-up is the refreshed expiry, not a busy loop.
        let next = f.core.poll_timeout().unwrap();
        assert!(next > f.clock.now());
        f.clock.advance(Duration::from_secs(569));
        assert_eq!(f.tick().len(), 1);
    }
}
