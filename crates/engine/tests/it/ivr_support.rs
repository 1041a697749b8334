//! An IVR application on loopback (a scripted HTTP/1.1 server running on the test's own
//! runtime, so paused time cannot overtake it), fakes of the media and call layers that
//! report every call, and a harness wiring them to a session.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sb_ivr::model::KeySet;
use sb_media::player::Prompt;
use sb_store::{CallCenterId, FileLibrary, NewCallCenter, Settings, SqliteStore, StoreHandle};
use serde_json::Value;
use switchboard_engine::clock::Clock;
use switchboard_engine::ivr::{
    self, CallControl, ConnectRequest, DialRequest, EnqueueRequest, IvrCall, IvrConfig, IvrHandle,
    IvrMedia, IvrServices, IvrSession, PlayId, PortError, QueueVocabulary, RejectReason,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};

/// Bound on every wait in these tests: a missing step fails the test instead of hanging it.
pub const WITHIN: Duration = Duration::from_secs(120);
pub const CALL_ID: &str = "call-1";

/// Asserts that `waited` is `expected`, give or take tokio's timer granularity: each of
/// `timers` sleeps may end up to a millisecond late.
pub fn assert_waited(waited: Duration, expected: Duration, timers: u32) {
    let slack = Duration::from_millis(u64::from(timers));
    assert!(
        waited >= expected && waited <= expected + slack,
        "waited {waited:?}, expected {expected:?} (+ up to {slack:?})"
    );
}

/// One request the application received.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub content_type: Option<String>,
    pub body: String,
}

impl Req {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query parameters, decoded.
    pub fn query(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        serde_urlencoded::from_str(query).expect("the engine encodes queries correctly")
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// How the application answers.
pub enum Reply {
    Xml(String),
    Bytes(Vec<u8>),
    Status(u16),
    /// Keep the connection open and never answer.
    Silent,
}

type Script = dyn Fn(&str, &Req) -> Reply + Send + Sync;

/// The scripted application.
pub struct App {
    pub base: String,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl App {
    /// Serves `script(base_url, request)` on 127.0.0.1.
    pub async fn start(script: impl Fn(&str, &Req) -> Reply + Send + Sync + 'static) -> App {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let (seen, base_c) = (Arc::clone(&requests), base.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, script, base) = (Arc::clone(&seen), Arc::clone(&script), base_c.clone());
                tokio::spawn(serve(stream, seen, script, base));
            }
        });
        App { base, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    seen: Arc<Mutex<Vec<Req>>>,
    script: Arc<Script>,
    base: String,
) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    seen.lock().unwrap().push(req.clone());
    let (status, body) = match script(&base, &req) {
        Reply::Xml(xml) => (200, xml.into_bytes()),
        Reply::Bytes(bytes) => (200, bytes),
        Reply::Status(status) => (status, Vec::new()),
        Reply::Silent => {
            // Hold the connection until the client gives up.
            let mut sink = [0u8; 256];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            return;
        }
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Req> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let mut words = head.split_whitespace();
    Some(Req {
        method: words.next()?.to_owned(),
        target: words.next()?.to_owned(),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&raw[head_end..head_end + length]).into_owned(),
    })
}

/// A document with one action and a `<next>`.
pub fn doc(action: &str, next: Option<&str>) -> Reply {
    let next = next.map_or(String::new(), |url| format!("<next tag=\"t\">{url}</next>"));
    Reply::Xml(format!("<response>{action}{next}</response>"))
}

/// Everything the session asked of the media and call layers.
#[derive(Debug, Clone)]
pub enum Op {
    Play { id: PlayId, samples: usize },
    StopPlay(PlayId),
    StartRecording(std::path::PathBuf),
    StopRecording,
    SendDtmf(String),
    Answer,
    Reject(RejectReason),
    HangUp,
    Dial(Vec<String>),
    CancelDial,
    Connect,
    Enqueue(EnqueueRequest),
    LeaveQueue,
}

#[derive(Debug, Clone)]
pub struct Fake(mpsc::UnboundedSender<Op>);

impl Fake {
    fn note(&self, op: Op) {
        let _ = self.0.send(op);
    }
}

impl IvrMedia for Fake {
    fn play(&mut self, id: PlayId, prompt: Prompt, _keys: KeySet) -> Result<(), PortError> {
        self.note(Op::Play {
            id,
            samples: prompt.samples().len(),
        });
        Ok(())
    }
    fn stop_play(&mut self, id: PlayId) {
        self.note(Op::StopPlay(id));
    }
    fn start_recording(&mut self, path: &std::path::Path) -> Result<(), PortError> {
        self.note(Op::StartRecording(path.to_path_buf()));
        Ok(())
    }
    fn stop_recording(&mut self) {
        self.note(Op::StopRecording);
    }
    fn send_dtmf(&mut self, digits: &str) -> Result<(), PortError> {
        self.note(Op::SendDtmf(digits.to_owned()));
        Ok(())
    }
}

impl CallControl for Fake {
    fn answer(&mut self) -> Result<(), PortError> {
        self.note(Op::Answer);
        Ok(())
    }
    fn reject(&mut self, reason: RejectReason) {
        self.note(Op::Reject(reason));
    }
    fn hang_up(&mut self) {
        self.note(Op::HangUp);
    }
    fn dial(&mut self, request: DialRequest) -> Result<(), PortError> {
        self.note(Op::Dial(request.numbers));
        Ok(())
    }
    fn cancel_dial(&mut self) {
        self.note(Op::CancelDial);
    }
    fn connect(&mut self, _request: ConnectRequest) -> Result<(), PortError> {
        self.note(Op::Connect);
        Ok(())
    }
    fn enqueue(&mut self, request: EnqueueRequest) -> Result<(), PortError> {
        self.note(Op::Enqueue(request));
        Ok(())
    }
    fn leave_queue(&mut self) {
        self.note(Op::LeaveQueue);
    }
}

/// Follows tokio's clock, so paused time moves the interpreter's `now` too.
#[derive(Debug)]
pub struct TokioClock;

impl Clock for TokioClock {
    #[allow(clippy::disallowed_methods)] // the test's time source is tokio's (paused) clock
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
    fn unix_ms(&self) -> u64 {
        1_700_000_000_000
    }
}

/// A call center, an event bus, a media library and the fakes, around one session.
pub struct Harness {
    pub session: Option<IvrSession>,
    pub handle: Option<IvrHandle>,
    pub ops: mpsc::UnboundedReceiver<Op>,
    pub events: broadcast::Receiver<Arc<sb_store::StoredEvent>>,
    pub files: FileLibrary,
    pub store: StoreHandle,
    pub cc: CallCenterId,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Starts the session of [`CALL_ID`] against `ivr_url`, with `configure` adjusting the
    /// defaults and `user_data` attached to the call.
    pub async fn start(
        ivr_url: String,
        user_data: Option<&str>,
        configure: impl FnOnce(&mut IvrConfig),
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreHandle::new(SqliteStore::open_in_memory().unwrap());
        let cc = store
            .blocking()
            .create_callcenter(
                &NewCallCenter {
                    name: "ivr".into(),
                    ivr_url: Some(ivr_url.clone()),
                    callback_url: None,
                    settings: Settings::default(),
                },
                1,
            )
            .unwrap()
            .id;
        let (bus, _wake) = sb_events::EventBus::new(store.clone());
        let events = bus.subscribe();
        let files = FileLibrary::new(dir.path().join("media"));
        let mut config = IvrConfig::new(Some(files.clone()), dir.path().join("cache"));
        configure(&mut config);
        let services = IvrServices::new(config, bus, Arc::new(TokioClock)).unwrap();
        let (tx, ops) = mpsc::unbounded_channel();
        let call = IvrCall {
            callcenter: cc.clone(),
            ivr_url,
            call_id: CALL_ID.into(),
            from: "+8613800000000".into(),
            to: "4001".into(),
            user_data: user_data.map(str::to_owned),
            vocabulary: QueueVocabulary::empty(),
        };
        let (handle, session) = ivr::start(services, call, Fake(tx.clone()), Fake(tx));
        Harness {
            handle: Some(handle),
            session: Some(session),
            ops,
            events,
            files,
            store,
            cc,
            _dir: dir,
        }
    }

    /// The next thing the session asked of the media or call layer.
    pub async fn op(&mut self) -> Op {
        tokio::time::timeout(WITHIN, self.ops.recv())
            .await
            .expect("the session acts in time")
            .expect("the session is alive")
    }

    /// Waits for the session's end.
    pub async fn finished(&mut self) -> ivr::SessionEnd {
        let session = self.session.take().expect("not awaited yet");
        tokio::time::timeout(WITHIN, session.finished())
            .await
            .expect("the session ends in time")
            .expect("the session did not panic")
    }

    /// Every event published so far: (name, body).
    pub fn published(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            out.push((e.name.clone(), serde_json::from_str(&e.body).unwrap()));
        }
        out
    }

    pub fn send(&self, message: ivr::IvrMessage) {
        let handle = self.handle.as_ref().expect("the handle is kept");
        handle.send(message).expect("the session takes messages");
    }
}
