//! A deterministic network around the endpoint's synchronous core: scripted phones and
//! trunks exchange parsed messages with it on a fake clock, store lookups are answered
//! from a fixture, and the media plane is [`FakeMedia`].

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sb_media::mixer::{PlayId, VoiceMode};
use sb_media::player::Prompt;
use sb_media::tone::{Region, ToneKind};
use sb_mediaworker::{ConversationId as MediaConversation, EngineError, LegId, LegSpec};
use sb_sip::auth::DigestClient;
use sb_sip::message::{parse, Message, Request, Response, SipHeaders};
use sb_sip::transport::Transport;
use sb_store::{
    CallCenterId, Extension, ExtensionId, ExtensionKind, RegistrationRecord, Settings, Trunk,
    TrunkDef, TrunkId,
};
use sb_testkit::FakeClock;
use switchboard_engine::conversation::{ConvLink, Ctx};
use switchboard_engine::core::call::IvrOp;
use switchboard_engine::core::{CallDeps, Core, Effect};
use switchboard_engine::directory::Directory;
use switchboard_engine::media::{FakeMedia, MediaPlane};
use switchboard_engine::routes::{RouteTable, Routes, TrunkRoute};
use switchboard_engine::transport::Inbound;
use switchboard_engine::{CallId, CallRecord, SipConfig};

/// The switch's address.
pub const SWITCH: &str = "127.0.0.1:5060";
/// The trunk provider's address.
pub const TRUNK: &str = "192.0.2.99:5060";
/// The inbound number of the trunk.
pub const DID: &str = "8001";
/// The call center's IVR application (never fetched: tests play the session's part).
pub const IVR_URL: &str = "http://ivr.invalid/start";
/// Extensions of the call center, with their passwords.
pub const USERS: [(&str, &str); 3] = [
    ("1001", "pw1001x"),
    ("1002", "pw1002x"),
    ("1003", "pw1003x"),
];

/// The switch and everything around it.
pub struct Net {
    pub clock: FakeClock,
    pub core: Core,
    pub media: Arc<FakeMedia>,
    /// What is played to single legs (tones, prompts), over [`Net::media`].
    pub plays: Arc<Tracked>,
    inbox: HashMap<SocketAddr, VecDeque<Message>>,
    pub records: Vec<CallRecord>,
    /// Legs noted in progress when answered (`Effect::CallAnswered`).
    pub answered: Vec<CallRecord>,
    /// The trunk leaves OPTIONS pings unanswered (it is down).
    pub trunk_silent: bool,
    /// OPTIONS pings the trunk received.
    pub pings: usize,
    /// Conversations, driven like the endpoint task drives them.
    pub conv: ConvLink,
    /// IVR calls started (`None`) and what their sessions were told, in order.
    pub ivr: Vec<(
        switchboard_engine::CallId,
        Option<switchboard_engine::ivr::IvrMessage>,
    )>,
    /// Inbound calls that asked for an IVR session, in order.
    pub ivr_calls: Vec<CallId>,
    /// Conversation records as they would be stored, in order (see [`Net::rows`]).
    rows: tokio::sync::mpsc::UnboundedReceiver<sb_store::ConversationRow>,
    stored: Vec<sb_store::ConversationRow>,
}

pub fn cc() -> CallCenterId {
    CallCenterId("c1".into())
}

pub fn extension(user: &str) -> Option<Extension> {
    let (user, password) = USERS.iter().find(|(u, _)| *u == user)?;
    Some(Extension {
        id: ExtensionId(format!("e{user}")),
        callcenter_id: cc(),
        kind: ExtensionKind::Terminal {
            user: (*user).into(),
            password: (*password).into(),
        },
        created_at: 0,
    })
}

fn trunk(register: bool) -> TrunkRoute {
    TrunkRoute {
        trunk: Trunk {
            id: TrunkId("t1".into()),
            def: TrunkDef {
                name: "provider".into(),
                host: "192.0.2.99".into(),
                port: Some(5060),
                transport: sb_store::Transport::Udp,
                username: Some("acct".into()),
                password: Some("trunkpw".into()),
                register,
                from_numbers: vec!["4000".into()],
                callcenter_id: cc(),
                inbound_numbers: vec![DID.into()],
            },
            created_at: 0,
            updated_at: 0,
        },
        addrs: vec![TRUNK.parse().unwrap()],
    }
}

impl Net {
    /// The switch with phones 1002 and 1003 registered, and a trunk whose numbers
    /// starting with 555 extensions may dial.
    pub fn new() -> Net {
        Net::build(false, false)
    }

    /// As [`Net::new`], with a trunk that registers at its provider.
    pub fn with_registering_trunk() -> Net {
        Net::build(true, false)
    }

    /// As [`Net::new`], with the per-address rate limit on (burst 100).
    pub fn with_rate_limit() -> Net {
        Net::build(false, true)
    }

    /// As [`Net::new`], for conversation scenarios: calls on [`DID`] start an IVR session
    /// the test plays (see [`Net::ivr_caller`]) and conversations last at most
    /// `conversation_timeout` seconds (0: no limit).
    pub fn for_conversations(conversation_timeout: u32) -> Net {
        let settings = Settings {
            outbound_patterns: vec!["555.".into()],
            conversation_timeout,
            ..Settings::default()
        };
        Net::build_with(false, false, settings)
    }

    /// As [`Net::for_conversations`], for a call center that records every conversation.
    pub fn recording_everything() -> Net {
        let settings = Settings {
            outbound_patterns: vec!["555.".into()],
            record: true,
            ..Settings::default()
        };
        Net::build_with(false, false, settings)
    }

    fn build(register: bool, rate_limit: bool) -> Net {
        let settings = Settings {
            outbound_patterns: vec!["555.".into()],
            ..Settings::default()
        };
        Net::build_with(register, rate_limit, settings)
    }

    fn build_with(register: bool, rate_limit: bool, settings: Settings) -> Net {
        let clock = FakeClock::new();
        let mut cfg = SipConfig::new(SWITCH.parse().unwrap());
        cfg.rate_limit.enabled = rate_limit;
        // Calls to the DID start an IVR session (the session itself is the test's).
        let routes = Routes::new(
            RouteTable::new(
                vec![trunk(register)],
                [(cc(), settings)].into_iter().collect(),
            )
            .with_ivr_urls([(cc(), IVR_URL.into())].into_iter().collect()),
        );
        let media = Arc::new(FakeMedia::new());
        let plays = Arc::new(Tracked::new(Arc::clone(&media)));
        let deps = CallDeps {
            media: Arc::clone(&plays) as _,
            routes,
        };
        let directory = Directory::new(Duration::from_secs(3600));
        let mut core = Core::new(
            &cfg,
            clock.now(),
            ([7; 32], [9; 32]),
            directory,
            cfg.listen,
            deps,
        );
        let records = ["1002", "1003"]
            .iter()
            .map(|u| RegistrationRecord {
                user: (*u).into(),
                contact: format!("<sip:{u}@{}>", phone_addr(u)),
                expires_unix_ms: clock.unix_ms() + 3_600_000,
                user_agent: Some("scripted".into()),
                source: phone_addr(u).to_string(),
                transport: "udp".into(),
                call_id: format!("reg-{u}"),
                cseq: 1,
            })
            .collect();
        core.import(clock.now(), clock.unix_ms(), records);
        let mut net = Net {
            clock,
            core,
            media,
            plays,
            inbox: HashMap::new(),
            records: Vec::new(),
            answered: Vec::new(),
            trunk_silent: false,
            pings: 0,
            conv: ConvLink::default(),
            ivr: Vec::new(),
            ivr_calls: Vec::new(),
            rows: tokio::sync::mpsc::unbounded_channel().1,
            stored: Vec::new(),
        };
        net.rows = net.conv.rows_to_channel();
        // What is due at start (the first trunk ping, a trunk's registration) goes out.
        net.advance(Duration::ZERO);
        net
    }

    /// Registers another device of `user` at `addr` (an extension may have several).
    pub fn register_also(&mut self, user: &str, addr: SocketAddr) {
        let records = vec![RegistrationRecord {
            user: user.into(),
            contact: format!("<sip:{user}@{addr}>"),
            expires_unix_ms: self.clock.unix_ms() + 3_000_000,
            user_agent: Some("second device".into()),
            source: addr.to_string(),
            transport: "udp".into(),
            call_id: format!("reg-{user}-{addr}"),
            cseq: 1,
        }];
        self.core
            .import(self.clock.now(), self.clock.unix_ms(), records);
    }

    /// Delivers raw bytes from `from` to the switch.
    pub fn send(&mut self, from: SocketAddr, bytes: Bytes) {
        let inbound = Inbound {
            bytes,
            source: from,
            transport: Transport::Udp,
        };
        self.core
            .on_inbound(self.clock.now(), self.clock.unix_ms(), inbound);
        self.flush();
    }

    /// Lets `by` pass and fires what came due (the core's timers and conversation
    /// deadlines).
    pub fn advance(&mut self, by: Duration) {
        let end = self.clock.now() + by;
        let next = |net: &Net| {
            [net.core.poll_timeout(), net.conv.next_deadline()]
                .into_iter()
                .flatten()
                .min()
                .filter(|at| *at <= end)
        };
        while let Some(at) = next(self) {
            self.clock.advance_to(at.max(self.clock.now()));
            self.core.on_timeout(self.clock.now(), self.clock.unix_ms());
            self.flush();
            self.conv_timers();
        }
        self.clock.advance_to(end);
        self.core.on_timeout(self.clock.now(), self.clock.unix_ms());
        self.flush();
        self.conv_timers();
    }

    fn conv_timers(&mut self) {
        if self
            .conv
            .next_deadline()
            .is_some_and(|d| d <= self.clock.now())
        {
            self.conv_step(|c, ctx| c.on_timer(ctx));
        }
    }

    /// Every version of every conversation record written so far, oldest first.
    pub fn rows(&mut self) -> &[sb_store::ConversationRow] {
        while let Ok(row) = self.rows.try_recv() {
            self.stored.push(row);
        }
        &self.stored
    }

    /// The latest record of a conversation.
    pub fn row(&mut self, id: &str) -> Option<sb_store::ConversationRow> {
        self.rows().iter().rev().find(|r| r.id == id).cloned()
    }

    /// An outside caller on the trunk dials [`DID`] and its IVR answers: the caller's
    /// call, answered, as an IVR `<enqueue>` would hand it to a queue conversation.
    pub fn ivr_caller(&mut self, trunk: &mut Phone) -> CallId {
        let before = self.ivr_calls.len();
        trunk.dial_unchallenged(self, DID);
        assert_eq!(self.ivr_calls.len(), before + 1, "the DID starts an IVR");
        let call = self.ivr_calls[before].clone();
        let (now, ms) = (self.clock.now(), self.clock.unix_ms());
        self.core.on_ivr(now, ms, &call, IvrOp::Answer);
        self.flush();
        let ok = self.response(trunk.addr, 200);
        trunk.ack(self, &ok);
        call
    }

    /// The engine rings extension `user` as call `id` and the phone answers: the call a
    /// queue task hands over when the agent it found picks up.
    pub fn answered_agent_call(&mut self, user: &str, id: &str) -> CallId {
        let call = CallId(id.into());
        let ext = extension(user).expect("a known extension");
        let (now, ms) = (self.clock.now(), self.clock.unix_ms());
        self.core
            .originate_to_extension(now, ms, call.clone(), &ext, "callcenter");
        self.flush();
        let phone = Phone::new(user);
        let ring = self.request(phone.addr, "INVITE");
        phone.reply(self, &ring, 200, Some(sdp(phone.rtp(), "sendrecv")));
        self.request(phone.addr, "ACK");
        call
    }

    /// Delivers what the core queued outside a message or a timer (a direct call on it).
    pub fn flush_now(&mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        let trunk: SocketAddr = TRUNK.parse().unwrap();
        let mut pongs = Vec::new();
        let mut conv = Vec::new();
        let mut ringing = Vec::new();
        while let Some(effect) = self.core.poll_effect() {
            match effect {
                Effect::Transmit { dest, bytes, .. } => {
                    let message = parse(&bytes).expect("the switch sends parseable SIP");
                    // The trunk answers its keep-alive pings itself.
                    if let Message::Request(r) = &message {
                        if dest == trunk && r.method.as_str() == "OPTIONS" {
                            self.pings += 1;
                            if !self.trunk_silent {
                                pongs.push(Response::from_request(r, 200, Some("pong")).to_bytes());
                            }
                            continue;
                        }
                    }
                    self.inbox.entry(dest).or_default().push_back(message);
                }
                Effect::Lookup(user) => {
                    let ext = extension(&user);
                    let (now, ms) = (self.clock.now(), self.clock.unix_ms());
                    self.core.on_lookup(now, ms, &user, Ok(ext));
                }
                Effect::CallEnded(record) => self.records.push(record),
                Effect::CallAnswered(record) => self.answered.push(record),
                Effect::Originated { call, outcome } => conv.push((call, Some(outcome))),
                Effect::LegEnded { call, .. } => conv.push((call, None)),
                Effect::Ringing { call } => ringing.push(call),
                Effect::StartIvr { call, .. } => {
                    self.ivr_calls.push(call.clone());
                    self.ivr.push((call, None));
                }
                Effect::Ivr { call, message } => self.ivr.push((call, Some(message))),
                _ => {}
            }
        }
        for call in ringing {
            self.conv_step(|link, ctx| link.on_ringing(ctx, &call));
        }
        for (call, outcome) in conv.drain(..) {
            self.conv_step(|link, ctx| match outcome {
                Some(outcome) => link.on_originated(ctx, &call, outcome),
                None => link.on_leg_ended(ctx, &call),
            });
        }
        for pong in pongs {
            self.send(trunk, pong);
        }
    }

    /// Runs a conversation step as the endpoint would, then delivers what it caused.
    pub fn conv_step<R>(&mut self, step: impl FnOnce(&mut ConvLink, &mut Ctx<'_>) -> R) -> R {
        let mut ctx = Ctx {
            core: &mut self.core,
            now: self.clock.now(),
            ms: self.clock.unix_ms(),
        };
        let result = step(&mut self.conv, &mut ctx);
        self.flush();
        result
    }

    /// Everything sent to `at` so far.
    pub fn take(&mut self, at: SocketAddr) -> Vec<Message> {
        self.inbox.remove(&at).map(Vec::from).unwrap_or_default()
    }

    /// The next request for `at`, which must be a `method`.
    pub fn request(&mut self, at: SocketAddr, method: &str) -> Request {
        let queue = self.inbox.entry(at).or_default();
        while let Some(m) = queue.pop_front() {
            match m {
                Message::Request(r) if r.method.as_str() == method => return r,
                Message::Request(r) => panic!("expected {method} at {at}, got {}", r.method),
                Message::Response(_) => continue,
            }
        }
        panic!("no {method} for {at}")
    }

    /// The next response for `at` other than 100, which must have `status`.
    pub fn response(&mut self, at: SocketAddr, status: u16) -> Response {
        let queue = self.inbox.entry(at).or_default();
        while let Some(m) = queue.pop_front() {
            match m {
                Message::Response(r) if r.status == 100 => continue,
                Message::Response(r) => {
                    assert_eq!(r.status, status, "response for {at}: {}", r.status);
                    return r;
                }
                Message::Request(r) => panic!("expected {status} at {at}, got {}", r.method),
            }
        }
        panic!("no {status} for {at}")
    }

    /// Nothing more for `at`.
    pub fn quiet(&mut self, at: SocketAddr) {
        let left: Vec<String> = self
            .take(at)
            .into_iter()
            .filter(|m| !matches!(m, Message::Response(r) if r.status == 100))
            .map(|m| match m {
                Message::Request(r) => r.method.to_string(),
                Message::Response(r) => r.status.to_string(),
            })
            .collect();
        assert!(left.is_empty(), "unexpected for {at}: {left:?}");
    }
}

/// Where a scripted phone lives.
pub fn phone_addr(user: &str) -> SocketAddr {
    let last: u8 = user[user.len() - 1..].parse().unwrap_or(0);
    SocketAddr::from(([192, 0, 2, 10 + last], 5060))
}

/// An SDP offer or answer for RTP at `addr`.
pub fn sdp(addr: SocketAddr, direction: &str) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na={direction}\r\n",
        ip = addr.ip(),
        port = addr.port()
    )
}

/// A scripted UA: a phone of the call center, or the trunk provider.
pub struct Phone {
    pub addr: SocketAddr,
    pub user: String,
    client: DigestClient,
    pub call_id: String,
    pub tag: String,
    cseq: u32,
    branch: u32,
    /// The To of the dialog of our INVITE, with the switch's tag, once answered.
    pub remote: Option<String>,
    /// Extra header lines for our INVITEs.
    pub extra: String,
}

impl Phone {
    /// Extension `user`'s phone.
    pub fn new(user: &str) -> Phone {
        let password = USERS.iter().find(|(u, _)| *u == user).map_or("", |p| p.1);
        Phone {
            addr: phone_addr(user),
            user: user.into(),
            client: DigestClient::new(user, password),
            call_id: format!("call-{user}@test"),
            tag: format!("t{user}"),
            cseq: 0,
            branch: 0,
            remote: None,
            extra: String::new(),
        }
    }

    /// The trunk provider (it only answers).
    pub fn trunk() -> Phone {
        let mut p = Phone::new("trunk");
        p.addr = TRUNK.parse().unwrap();
        p
    }

    /// The media address this phone puts in its SDP.
    pub fn rtp(&self) -> SocketAddr {
        SocketAddr::new(self.addr.ip(), 40_000)
    }

    fn via(&mut self) -> String {
        self.branch += 1;
        format!(
            "SIP/2.0/UDP {};branch=z9hG4bK{}-{}",
            self.addr, self.user, self.branch
        )
    }

    fn invite_text(&mut self, target: &str, auth: Option<&str>) -> String {
        self.cseq += 1;
        let body = sdp(self.rtp(), "sendrecv");
        let auth = auth.map_or(String::new(), |a| format!("Proxy-Authorization: {a}\r\n"));
        format!(
            "INVITE sip:{target}@{SWITCH} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@{SWITCH}>;tag={tag}\r\nTo: <sip:{target}@{SWITCH}>\r\n\
             Call-ID: {cid}\r\nCSeq: {n} INVITE\r\nContact: <sip:{user}@{addr}>\r\n{auth}{extra}\
             Content-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{body}",
            via = self.via(),
            user = self.user,
            tag = self.tag,
            cid = self.call_id,
            n = self.cseq,
            addr = self.addr,
            extra = self.extra,
            len = body.len(),
        )
    }

    /// Dials `target`: INVITE, the 407 challenge, the INVITE with credentials.
    pub fn dial(&mut self, net: &mut Net, target: &str) {
        let first = self.invite_text(target, None);
        net.send(self.addr, Bytes::from(first));
        let challenge = net.response(self.addr, 407);
        self.ack_failure(net, &challenge);
        let values: Vec<&str> = challenge.headers.get_all("Proxy-Authenticate").collect();
        let uri = format!("sip:{target}@{SWITCH}");
        let auth = self
            .client
            .authorize(&values, true, "INVITE", &uri, "c0ffee")
            .expect("a challenge we can answer");
        let second = self.invite_text(target, Some(&auth.value));
        net.send(self.addr, Bytes::from(second));
    }

    /// Sends an INVITE without credentials (the refusal comes before any challenge).
    pub fn dial_unchallenged(&mut self, net: &mut Net, target: &str) {
        let text = self.invite_text(target, None);
        net.send(self.addr, Bytes::from(text));
    }

    /// ACK for a non-2xx final response to our INVITE (§17.1.1.3, same branch).
    pub fn ack_failure(&mut self, net: &mut Net, r: &Response) {
        let via = r.headers.get("Via").unwrap_or_default().to_owned();
        let to = r.headers.get("To").unwrap_or_default().to_owned();
        let n = r.cseq().map_or(1, |c| c.seq);
        let text = format!(
            "ACK sip:x@{SWITCH} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@{SWITCH}>;tag={tag}\r\nTo: {to}\r\nCall-ID: {cid}\r\n\
             CSeq: {n} ACK\r\nContent-Length: 0\r\n\r\n",
            user = self.user,
            tag = self.tag,
            cid = self.call_id,
        );
        net.send(self.addr, Bytes::from(text));
    }

    /// Takes the 2xx to our INVITE and ACKs it.
    pub fn ack(&mut self, net: &mut Net, ok: &Response) {
        let to = ok.headers.get("To").unwrap_or_default().to_owned();
        self.remote = Some(to.clone());
        let n = ok.cseq().map_or(1, |c| c.seq);
        let text = format!(
            "ACK sip:x@{SWITCH} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@{SWITCH}>;tag={tag}\r\nTo: {to}\r\nCall-ID: {cid}\r\n\
             CSeq: {n} ACK\r\nContent-Length: 0\r\n\r\n",
            via = self.via(),
            user = self.user,
            tag = self.tag,
            cid = self.call_id,
        );
        net.send(self.addr, Bytes::from(text));
    }

    /// A request in the dialog of our INVITE (BYE, re-INVITE with `body`).
    pub fn in_dialog(&mut self, net: &mut Net, method: &str, body: Option<String>) {
        self.cseq += 1;
        let to = self.remote.clone().expect("an answered call");
        let body = body.unwrap_or_default();
        let ctype = if body.is_empty() {
            ""
        } else {
            "Content-Type: application/sdp\r\n"
        };
        let text = format!(
            "{method} sip:x@{SWITCH} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@{SWITCH}>;tag={tag}\r\nTo: {to}\r\nCall-ID: {cid}\r\n\
             CSeq: {n} {method}\r\nContact: <sip:{user}@{addr}>\r\n{ctype}Content-Length: {len}\r\n\r\n{body}",
            via = self.via(),
            user = self.user,
            tag = self.tag,
            cid = self.call_id,
            n = self.cseq,
            addr = self.addr,
            len = body.len(),
        );
        net.send(self.addr, Bytes::from(text));
    }

    /// CANCEL of our last INVITE (same branch as that INVITE, §9.1).
    pub fn cancel(&mut self, net: &mut Net, target: &str) {
        let text = format!(
            "CANCEL sip:{target}@{SWITCH} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};branch=z9hG4bK{user}-{b}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:{user}@{SWITCH}>;tag={tag}\r\nTo: <sip:{target}@{SWITCH}>\r\n\
             Call-ID: {cid}\r\nCSeq: {n} CANCEL\r\nContent-Length: 0\r\n\r\n",
            addr = self.addr,
            user = self.user,
            b = self.branch,
            tag = self.tag,
            cid = self.call_id,
            n = self.cseq,
        );
        net.send(self.addr, Bytes::from(text));
    }

    /// Answers a request the switch sent us; `tag` is our To tag (None for 100 or a
    /// request inside a dialog).
    pub fn reply(&self, net: &mut Net, req: &Request, status: u16, sdp_body: Option<String>) {
        let mut r = Response::from_request(req, status, Some(&format!("{}x", self.tag)));
        r.headers
            .push("Contact", format!("<sip:{}@{}>", self.user, self.addr));
        if let Some(body) = sdp_body {
            r.headers.push("Content-Type", "application/sdp");
            r.body = Bytes::from(body);
        }
        net.send(self.addr, r.to_bytes());
    }

    /// A request of the switch's dialog with us (as UAS): BYE or re-INVITE, from our side.
    pub fn request_to_switch(&mut self, net: &mut Net, invite: &Request, method: &str) {
        self.cseq += 1;
        let from = invite.headers.get("To").unwrap_or_default();
        let to = invite.headers.get("From").unwrap_or_default();
        let cid = invite.call_id().unwrap_or_default();
        let text = format!(
            "{method} sip:x@{SWITCH} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
             From: {from};tag={tag}x\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: {n} {method}\r\n\
             Content-Length: 0\r\n\r\n",
            via = self.via(),
            tag = self.tag,
            n = 100 + self.cseq,
        );
        net.send(self.addr, Bytes::from(text));
    }
}

/// The RTP address an SDP body names.
pub fn sdp_addr(body: &[u8]) -> SocketAddr {
    let text = std::str::from_utf8(body).unwrap();
    let sd = sb_sip::sdp::SessionDescription::parse(text).unwrap();
    let ip = sd.connection.as_ref().unwrap().address.parse().unwrap();
    SocketAddr::new(ip, sd.media[0].port)
}

/// What a leg is played on its own (besides the conversation it is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// A call-progress tone (ringback, dial tone).
    Tone(ToneKind),
    /// A prompt looped until stopped (the queue prompt, hold music).
    Looped,
    /// A prompt played once.
    Once,
}

#[derive(Debug, Default)]
struct TrackState {
    next: u64,
    /// Our play id → the leg, what, the inner id, and whether it still plays.
    plays: std::collections::BTreeMap<u64, (LegId, Heard, PlayId, bool)>,
    /// The prompt each looped play plays.
    loops: HashMap<u64, Prompt>,
}

/// [`FakeMedia`] with an account of what is played to single legs and what was stopped,
/// so scenarios can say who hears ringback or the queue prompt.
#[derive(Debug)]
pub struct Tracked {
    inner: Arc<FakeMedia>,
    state: Mutex<TrackState>,
}

impl Tracked {
    fn new(inner: Arc<FakeMedia>) -> Self {
        Tracked {
            inner,
            state: Mutex::new(TrackState::default()),
        }
    }

    fn track(
        &self,
        leg: LegId,
        what: Heard,
        inner: Result<PlayId, EngineError>,
    ) -> Result<PlayId, EngineError> {
        let inner = inner?;
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let id = s.next;
        s.plays.insert(id, (leg, what, inner, true));
        Ok(PlayId(id))
    }

    /// The prompts still looping to `leg`, oldest first.
    pub fn looping(&self, leg: LegId) -> Vec<Prompt> {
        let s = self.state.lock().unwrap();
        s.plays
            .iter()
            .filter(|(_, (l, what, _, on))| *l == leg && *on && *what == Heard::Looped)
            .filter_map(|(id, _)| s.loops.get(id).cloned())
            .collect()
    }

    /// What still plays to `leg`, oldest first.
    pub fn playing(&self, leg: LegId) -> Vec<Heard> {
        let legs = self.inner.legs();
        if !legs.iter().any(|(l, _)| *l == leg) {
            return Vec::new();
        }
        self.state
            .lock()
            .unwrap()
            .plays
            .values()
            .filter(|(l, _, _, on)| *l == leg && *on)
            .map(|(_, what, _, _)| *what)
            .collect()
    }
}

impl MediaPlane for Tracked {
    fn create_leg(&self, spec: LegSpec) -> Result<(LegId, SocketAddr), EngineError> {
        self.inner.create_leg(spec)
    }
    fn update_leg(&self, leg: LegId, spec: LegSpec) -> Result<(), EngineError> {
        self.inner.update_leg(leg, spec)
    }
    fn destroy_leg(&self, leg: LegId) -> Result<(), EngineError> {
        // A leg's playbacks end with it.
        for (l, _, _, on) in self.state.lock().unwrap().plays.values_mut() {
            if *l == leg {
                *on = false;
            }
        }
        self.inner.destroy_leg(leg)
    }
    fn bridge(&self, a: LegId, b: LegId) -> Result<MediaConversation, EngineError> {
        self.inner.bridge(a, b)
    }
    fn unbridge(&self, conversation: MediaConversation) -> Result<(), EngineError> {
        self.inner.unbridge(conversation)
    }
    fn create_conversation(&self, near: Option<LegId>) -> Result<MediaConversation, EngineError> {
        self.inner.create_conversation(near)
    }
    fn add_member(
        &self,
        c: MediaConversation,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        self.inner.add_member(c, leg, mode)
    }
    fn remove_member(&self, c: MediaConversation, leg: LegId) -> Result<(), EngineError> {
        self.inner.remove_member(c, leg)
    }
    fn set_mode(
        &self,
        c: MediaConversation,
        leg: LegId,
        mode: VoiceMode,
    ) -> Result<(), EngineError> {
        self.inner.set_mode(c, leg, mode)
    }
    fn set_hold_prompt(
        &self,
        c: MediaConversation,
        prompt: Option<Prompt>,
    ) -> Result<(), EngineError> {
        self.inner.set_hold_prompt(c, prompt)
    }
    fn record_conversation(&self, c: MediaConversation, path: &Path) -> Result<(), EngineError> {
        self.inner.record_conversation(c, path)
    }
    fn play_tone(&self, leg: LegId, region: Region, kind: ToneKind) -> Result<PlayId, EngineError> {
        self.track(
            leg,
            Heard::Tone(kind),
            self.inner.play_tone(leg, region, kind),
        )
    }
    fn stop_play(&self, play: PlayId) -> Result<(), EngineError> {
        let inner = {
            let mut s = self.state.lock().unwrap();
            s.plays.get_mut(&play.0).map(|p| {
                p.3 = false;
                p.2
            })
        };
        match inner {
            Some(inner) => self.inner.stop_play(inner),
            None => Ok(()),
        }
    }
    fn play_prompt(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError> {
        self.track(leg, Heard::Once, self.inner.play_prompt(leg, prompt))
    }
    fn play_loop(&self, leg: LegId, prompt: Prompt) -> Result<PlayId, EngineError> {
        let play = self.track(
            leg,
            Heard::Looped,
            self.inner.play_loop(leg, prompt.clone()),
        )?;
        self.state.lock().unwrap().loops.insert(play.0, prompt);
        Ok(play)
    }
    fn play_number(
        &self,
        leg: LegId,
        pre: Option<Prompt>,
        num: &str,
        post: Option<Prompt>,
    ) -> Result<PlayId, EngineError> {
        self.track(
            leg,
            Heard::Once,
            self.inner.play_number(leg, pre, num, post),
        )
    }
    fn send_digits(&self, leg: LegId, digits: &str) -> Result<(), EngineError> {
        self.inner.send_digits(leg, digits)
    }
    fn record_leg(&self, leg: LegId, path: &Path) -> Result<MediaConversation, EngineError> {
        self.inner.record_leg(leg, path)
    }
    fn stop_recording(&self, c: MediaConversation) -> Result<(), EngineError> {
        self.inner.stop_recording(c)
    }
    fn address_toward(&self, peer: IpAddr) -> IpAddr {
        self.inner.address_toward(peer)
    }
}
