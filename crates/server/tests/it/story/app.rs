//! The story's IVR application: a menu, the queue by skill, and a survey after the
//! conversation; and what it received, by call.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// The queue of the IVR: wait music, the agent's job number between two tones, recorded.
const ENQUEUE: &str = r#"<enqueue wait_voice="story_wait.wav" play_num="true" pre_num_voice="story_pre.wav" post_num_voice="story_post.wav" record="true" user_data="story"><route><skill name="sales"/></route></enqueue>"#;

/// One caller's requests to the IVR application, in order.
pub struct Caller {
    pub call_id: String,
    pub requests: Vec<Req>,
}

impl Caller {
    /// Asserts the paths requested, in order.
    pub fn expect_paths(&self, paths: &[&str]) {
        let got: Vec<&str> = self.requests.iter().map(Req::path).collect();
        assert_eq!(got, paths, "{}: {:?}", self.call_id, self.requests);
        let methods: Vec<&str> = self.requests.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(methods[0], "POST", "ivr_start");
        assert!(methods[1..].iter().all(|m| *m == "GET"), "{methods:?}");
    }
}

/// The application's requests by call: the customer's (from the trunk's far end) and
/// SIPp's (whose caller id is +15550010).
pub fn ivr_requests(app: &IvrApp) -> (Caller, Caller) {
    let requests = app.requests();
    let call_of = |r: &Req| match r.path() {
        "/ivr" => serde_json::from_str::<Value>(&r.body).expect("ivr_start is JSON")["call_id"]
            .as_str()
            .map(str::to_owned),
        _ => r.param("call_id"),
    };
    let starts: Vec<Value> = requests
        .iter()
        .filter(|r| r.path() == "/ivr")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(starts.len(), 2, "two calls reached the IVR: {starts:?}");
    let caller = |sipp: bool| {
        let start = starts
            .iter()
            .find(|s| (s["from"] == "+15550010") == sipp)
            .expect("an ivr_start from each caller");
        let call_id = start["call_id"].as_str().unwrap().to_owned();
        let requests = requests
            .iter()
            .filter(|r| call_of(r).as_deref() == Some(call_id.as_str()))
            .cloned()
            .collect();
        Caller { call_id, requests }
    };
    (caller(false), caller(true))
}

/// One request the IVR application received.
#[derive(Debug, Clone)]
pub struct Req {
    method: String,
    target: String,
    body: String,
}

impl Req {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .ok()?
            .into_iter()
            .find_map(|(k, v)| (k == name).then_some(v))
    }
}

/// The call center's IVR application: menu, queue, survey. Blocking, one thread per
/// connection, loopback only; lives as long as the test process.
pub struct IvrApp {
    pub base: String,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl IvrApp {
    pub fn start() -> IvrApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, url) = (Arc::clone(&requests), base.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (seen, url) = (Arc::clone(&seen), url.clone());
                std::thread::spawn(move || serve(stream, &seen, &url));
            }
        });
        IvrApp { base, requests }
    }

    fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }
}

/// What the application answers to `req`.
fn answer(base: &str, req: &Req) -> String {
    let doc = |action: &str, next: &str| {
        format!("<response>{action}<next tag=\"{next}\">{base}/{next}</next></response>")
    };
    let hangup = "<response><hangup/></response>".to_owned();
    match req.path() {
        "/ivr" => doc(
            r#"<get valid_keys="0123456789" max_keys="1" first_key_timeout="10"><play>beep</play></get>"#,
            "menu",
        ),
        "/menu" if req.param("keys").as_deref() == Some("1") => doc(ENQUEUE, "after"),
        "/after" if req.param("result").as_deref() == Some("success") => doc(
            r#"<get valid_keys="12345" max_keys="1" first_key_timeout="10"><play>beep</play></get>"#,
            "survey",
        ),
        _ => hangup,
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Req>>, base: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut words = line.split_whitespace();
    let (method, target) = (
        words.next().unwrap_or("").to_owned(),
        words.next().unwrap_or("").to_owned(),
    );
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req = Req {
        method,
        target,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let xml = answer(base, &req);
    seen.lock().unwrap().push(req);
    let _ = write!(
        writer,
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
        xml.len()
    );
    let _ = writer.flush();
}
