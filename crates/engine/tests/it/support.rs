//! A scripted phone (UDP or TCP) built from the sip crate's builders and digest client,
//! and a harness that starts the endpoint on a fresh SQLite data directory.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bytes::BytesMut;
use sb_sip::auth::DigestClient;
use sb_sip::framing::{Frame, Framer};
use sb_sip::message::{parse, Message, Method, NameAddr, NewRequest, Request, Response, Uri, Via};
use sb_sip::transport::Transport;
use sb_store::{ExtensionKind, NewCallCenter, SqliteStore, StoreHandle};
use switchboard_engine::clock::ManualClock;
use switchboard_engine::{SipConfig, SipEndpoint, SipHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

pub const USER: &str = "1001";
pub const PASSWORD: &str = "secret99";
/// Bound on every wait for an answer: a missing answer fails the test instead of hanging it.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);

pub struct Harness {
    pub sip: SipHandle,
    pub store: StoreHandle,
    pub clock: ManualClock,
}

/// A data directory with one call center and the type-1 extension `USER`/`PASSWORD`.
pub fn seeded_store(dir: &Path) -> StoreHandle {
    let store = StoreHandle::new(SqliteStore::open(dir).expect("the data dir opens"));
    let s = store.blocking();
    let cc = s
        .create_callcenter(&NewCallCenter::named("support"), 1)
        .expect("call center created");
    let kind = ExtensionKind::Terminal {
        user: USER.into(),
        password: PASSWORD.into(),
    };
    s.create_extension(&cc.id, &kind, 1)
        .expect("extension created");
    store
}

pub async fn start_with(store: StoreHandle, tweak: impl FnOnce(&mut SipConfig)) -> Harness {
    let clock = ManualClock::starting_now();
    let mut cfg = SipConfig::new("127.0.0.1:0".parse().expect("literal"));
    cfg.clock = std::sync::Arc::new(clock.clone());
    tweak(&mut cfg);
    let sip = SipEndpoint::start(cfg, store.clone())
        .await
        .expect("the endpoint starts");
    Harness { sip, store, clock }
}

pub async fn start(dir: &Path, tweak: impl FnOnce(&mut SipConfig)) -> Harness {
    start_with(seeded_store(dir), tweak).await
}

enum Link {
    Udp(UdpSocket),
    Tcp {
        stream: TcpStream,
        buf: BytesMut,
        framer: Framer,
    },
}

/// A phone that speaks just enough SIP to register.
pub struct Phone {
    link: Link,
    pub local: SocketAddr,
    pub server: SocketAddr,
    pub digest: DigestClient,
    pub user: String,
    pub call_id: String,
    pub cseq: u32,
    branch: u32,
}

impl Phone {
    pub async fn udp(bind_ip: &str, server: SocketAddr, user: &str, password: &str) -> Phone {
        let sock = UdpSocket::bind((bind_ip, 0)).await.expect("bind");
        let local = sock.local_addr().expect("bound");
        Phone::new(Link::Udp(sock), local, server, user, password)
    }

    pub async fn tcp(server: SocketAddr, user: &str, password: &str) -> Phone {
        let stream = TcpStream::connect(server).await.expect("connect");
        let local = stream.local_addr().expect("connected");
        let link = Link::Tcp {
            stream,
            buf: BytesMut::new(),
            framer: Framer::default(),
        };
        Phone::new(link, local, server, user, password)
    }

    fn new(link: Link, local: SocketAddr, server: SocketAddr, user: &str, password: &str) -> Phone {
        Phone {
            link,
            local,
            server,
            digest: DigestClient::new(user, password),
            user: user.into(),
            call_id: format!("{}-{}@test", user, local.port()),
            cseq: 0,
            branch: 0,
        }
    }

    fn transport(&self) -> Transport {
        match self.link {
            Link::Udp(_) => Transport::Udp,
            Link::Tcp { .. } => Transport::Tcp,
        }
    }

    /// A new out-of-dialog request from this phone, with a fresh branch and CSeq.
    pub fn request(&mut self, method: Method) -> Request {
        self.cseq += 1;
        self.branch += 1;
        let host = self.local.ip().to_string();
        let aor = Uri::sip(Some(&self.user), "switchboard.test", None);
        NewRequest {
            uri: Uri::sip(None, "switchboard.test", None),
            from: NameAddr::new(aor.clone()).with_tag("phone-tag"),
            to: NameAddr::new(aor),
            call_id: self.call_id.clone(),
            cseq: self.cseq,
            via: Via::new(
                self.transport(),
                &host,
                Some(self.local.port()),
                &format!("z9hG4bK{}x{}", self.local.port(), self.branch),
                true,
            ),
            contact: Some(NameAddr::new(Uri::sip(
                Some(&self.user),
                &host,
                Some(self.local.port()),
            ))),
            method,
        }
        .build()
    }

    pub fn register(&mut self, expires: u32) -> Request {
        let mut r = self.request(Method::Register);
        r.headers.push("Expires", expires.to_string());
        r
    }

    /// `request` with credentials answering `challenge`.
    pub fn authorize(&mut self, mut request: Request, challenge: &Response) -> Request {
        let values: Vec<&str> = challenge.headers.get_all("WWW-Authenticate").collect();
        let auth = self
            .digest
            .authorize(
                &values,
                false,
                "REGISTER",
                &request.uri.to_string(),
                "c0ffee42",
            )
            .expect("a challenge we can answer");
        request.headers.push(auth.header, auth.value);
        request
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        match &mut self.link {
            Link::Udp(sock) => {
                sock.send_to(bytes, self.server).await.expect("send");
            }
            Link::Tcp { stream, .. } => stream.write_all(bytes).await.expect("write"),
        }
    }

    pub async fn send(&mut self, request: &Request) {
        let bytes = request.to_bytes();
        self.send_raw(&bytes).await;
    }

    /// The next message, within [`ANSWER_WITHIN`].
    pub async fn recv_message(&mut self) -> Message {
        tokio::time::timeout(ANSWER_WITHIN, self.recv_inner())
            .await
            .expect("an answer arrives in time")
    }

    async fn recv_inner(&mut self) -> Message {
        match &mut self.link {
            Link::Udp(sock) => {
                let mut buf = vec![0u8; 65_536];
                let (n, _) = sock.recv_from(&mut buf).await.expect("recv");
                parse(&buf[..n]).expect("the server sends valid SIP")
            }
            Link::Tcp {
                stream,
                buf,
                framer,
            } => loop {
                match framer.next_frame(buf).expect("the server frames correctly") {
                    Some(Frame::Message(bytes)) => {
                        return parse(&bytes).expect("the server sends valid SIP")
                    }
                    Some(_) => continue,
                    None => {
                        let n = stream.read_buf(buf).await.expect("read");
                        assert!(n > 0, "the server closed the connection");
                    }
                }
            },
        }
    }

    pub async fn recv(&mut self) -> Response {
        match self.recv_message().await {
            Message::Response(r) => r,
            Message::Request(r) => panic!("expected a response, got {}", r.method),
        }
    }

    /// Raw bytes of the next datagram (UDP only).
    pub async fn recv_datagram(&mut self) -> Vec<u8> {
        let Link::Udp(sock) = &self.link else {
            panic!("datagrams are UDP")
        };
        let mut buf = vec![0u8; 65_536];
        let (n, _) = tokio::time::timeout(ANSWER_WITHIN, sock.recv_from(&mut buf))
            .await
            .expect("an answer arrives in time")
            .expect("recv");
        buf.truncate(n);
        buf
    }

    /// `true` when a datagram is waiting right now (UDP only); never waits.
    pub fn has_pending_datagram(&self) -> bool {
        let Link::Udp(sock) = &self.link else {
            panic!("datagrams are UDP")
        };
        let mut buf = [0u8; 16];
        sock.try_recv_from(&mut buf).is_ok()
    }

    /// Sends an RFC 5626 CRLF ping and waits for the pong (TCP only).
    pub async fn ping(&mut self) {
        self.send_raw(b"\r\n\r\n").await;
        let Link::Tcp {
            stream,
            buf,
            framer,
        } = &mut self.link
        else {
            panic!("keep-alives here are TCP")
        };
        let pong = async {
            loop {
                match framer.next_frame(buf).expect("the server frames correctly") {
                    Some(Frame::Pong) => return,
                    Some(_) => panic!("expected a pong"),
                    None => assert!(stream.read_buf(buf).await.expect("read") > 0, "closed"),
                }
            }
        };
        tokio::time::timeout(ANSWER_WITHIN, pong)
            .await
            .expect("pong in time");
    }

    /// `true` when the server closes this TCP connection within [`ANSWER_WITHIN`].
    pub async fn wait_closed(&mut self) -> bool {
        let Link::Tcp { stream, .. } = &mut self.link else {
            panic!("connections are TCP")
        };
        let mut rest = Vec::new();
        let read = tokio::time::timeout(ANSWER_WITHIN, stream.read_to_end(&mut rest)).await;
        matches!(read, Ok(Ok(_)))
    }

    /// Sends `request` and returns the answer.
    pub async fn exchange(&mut self, request: &Request) -> Response {
        self.send(request).await;
        self.recv().await
    }

    /// REGISTER, answer the 401, return the final response.
    pub async fn register_with_auth(&mut self, expires: u32) -> Response {
        let first = self.register(expires);
        let challenge = self.exchange(&first).await;
        assert_eq!(challenge.status, 401, "first REGISTER is challenged");
        let retry = self.register(expires);
        let retry = self.authorize(retry, &challenge);
        self.exchange(&retry).await
    }
}

/// Proves that everything sent to the endpoint before now has been processed: the endpoint
/// handles messages in arrival order, so once a fresh source's OPTIONS is answered, any
/// earlier packet was either answered or dropped.
pub async fn barrier(server: SocketAddr, from_ip: &str) {
    let mut probe = Phone::udp(from_ip, server, "probe", "x").await;
    let options = probe.request(Method::Options);
    let answer = probe.exchange(&options).await;
    assert_eq!(answer.status, 200);
}

/// A call center whose IVR application is at `ivr_url`, with a trunk at `trunk_ip` (any
/// port) delivering calls to `did`; returns the call center's id.
pub fn with_ivr_trunk(
    store: &StoreHandle,
    ivr_url: String,
    trunk_ip: &str,
    did: &str,
) -> sb_store::CallCenterId {
    let s = store.blocking();
    let cc = s
        .extension_by_user(USER)
        .expect("the store answers")
        .expect("the seeded extension")
        .callcenter_id;
    let update = sb_store::CallCenterUpdate {
        name: None,
        ivr_url: Some(Some(ivr_url)),
        callback_url: None,
        settings: None,
    };
    s.update_callcenter(&cc, &update, 2)
        .expect("call center updated");
    let def = sb_store::TrunkDef {
        name: "carrier".into(),
        host: trunk_ip.into(),
        port: None,
        transport: sb_store::Transport::Udp,
        username: None,
        password: None,
        register: false,
        from_numbers: vec![],
        callcenter_id: cc.clone(),
        inbound_numbers: vec![did.into()],
    };
    s.create_trunk(&def, 2).expect("trunk created");
    cc
}

/// The endpoint on real time with one media worker and IVR sessions publishing on `bus`
/// (prompts cached under `dir`).
pub async fn start_with_ivr(
    store: &StoreHandle,
    bus: sb_events::EventBus,
    dir: &Path,
) -> SipHandle {
    use switchboard_engine::ivr::{IvrConfig, IvrServices};
    let config = IvrConfig::new(None, dir.join("prompt-cache"));
    let clock = std::sync::Arc::new(switchboard_engine::clock::SystemClock);
    let services = IvrServices::new(config, bus, clock).expect("IVR services start");
    let mut cfg = SipConfig::new("127.0.0.1:0".parse().expect("literal"));
    cfg.media.workers = 1;
    SipEndpoint::start_with(cfg, store.clone(), Some(services))
        .await
        .expect("the endpoint starts")
}

/// The call legs still up after they had up to 5 s to end. A peer program may exit as soon
/// as it has answered the switch's last BYE, before the switch has read that answer.
pub async fn legs_left(sip: &switchboard_engine::SipHandle) -> usize {
    let mut left = usize::MAX;
    for _ in 0..100 {
        left = sip.call_legs().await.unwrap_or(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    left
}
