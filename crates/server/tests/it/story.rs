//! The whole call-center story through the running binary, with real phones: IVR, DTMF,
//! queueing by skill, wait music and `play_num`, talk, a supervisor listening in, a
//! transfer, the return to the IVR with `data` and a survey digit, beside a SIPp caller who
//! abandons the queue (tests/interop/pjsua/story.py tells it and proves by ear who hears
//! what). This test serves the IVR application, then checks what the application received,
//! every webhook in order, the conversation records and the recording.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::conversations::Site;

const NUMBER: &str = "4009";
const SIPP_NUMBER: &str = "4010";
const CUSTOMER_IP: &str = "127.0.0.9";
const SIPP_IP: &str = "127.0.0.10";
/// The queue of the IVR: wait music, the agent's job number between two tones, recorded.
const ENQUEUE: &str = r#"<enqueue wait_voice="story_wait.wav" play_num="true" pre_num_voice="story_pre.wav" post_num_voice="story_post.wav" record="true" user_data="story"><route><skill name="sales"/></route></enqueue>"#;

#[test]
fn a_caller_goes_through_ivr_queue_consult_transfer_and_survey() {
    let app = IvrApp::start();
    let dir = tempfile::tempdir().unwrap();
    let site = Site::start(dir.path(), "32000-32599", CUSTOMER_IP);
    site.update(json!({"ivr_url": format!("{}/ivr", app.base)}));
    inbound_trunks(&site);
    agent(&site, "alice", "alice009", "42", &["sales"]);
    agent(&site, "bob", "bob00009", "7", &[]);
    agent(&site, "sue", "sue00009", "9", &[]);
    let run = site.run(
        "story.py",
        &[
            "alice009", "alice009pw", "bob00009", "bob00009pw", "sue00009", "sue00009pw", NUMBER,
            SIPP_NUMBER, SIPP_IP,
        ],
    );
    println!("{}", run.output);
    assert!(run.success, "the story script failed:\n{}", run.output);

    let (customer, abandoned) = ivr_requests(&app);
    let events = site.await_event("the customer's call end", |e| {
        e["event"] == "ivr.call_end" && e["call_id"] == customer
    });
    for e in &events {
        println!("{}", e);
    }
    assert!(!abandoned.is_empty());
    assert!(site.terminate(), "the server stops cleanly");
}

/// Gives the provider's trunk (the customer's far end) the inbound number, and adds a trunk
/// at SIPp's address with the other one.
fn inbound_trunks(site: &Site) {
    let trunks = site.admin_api("GET", "/v1/trunks", json!({}));
    let trunk = &trunks["result"][0];
    let id = trunk["id"].as_str().unwrap();
    site.admin_api(
        "POST",
        &format!("/v1/trunks/{id}"),
        json!({"callcenter_id": trunk["callcenter_id"], "name": "provider",
               "host": trunk["host"], "port": trunk["port"], "inbound_numbers": [NUMBER]}),
    );
    site.admin_api(
        "POST",
        "/v1/trunks",
        json!({"callcenter_id": trunk["callcenter_id"], "name": "sipp", "host": SIPP_IP,
               "inbound_numbers": [SIPP_NUMBER]}),
    );
}

/// An extension `user` (password `user` + "pw") and an idle agent on it.
fn agent(site: &Site, name: &str, user: &str, num: &str, skills: &[&str]) {
    let ext = site.api(
        "POST",
        "/v1/callcenter/extension",
        json!({"type": 1, "user": user, "password": format!("{user}pw")}),
    );
    let skills: Vec<Value> = skills
        .iter()
        .map(|s| json!({"name": s, "score": 10}))
        .collect();
    site.api(
        "POST",
        "/v1/callcenter/agent",
        json!({"name": name, "num": num, "extension": ext["id"], "state": "idle",
               "skills": skills}),
    );
}

/// The application's requests by call: the customer's (from the trunk's far end) and
/// SIPp's, each as (path, query) in order.
fn ivr_requests(app: &IvrApp) -> (String, Vec<Req>) {
    let requests = app.requests();
    for r in &requests {
        println!("IVR {} {} {}", r.method, r.target, r.body);
    }
    let mut starts: HashMap<String, String> = HashMap::new();
    for r in requests.iter().filter(|r| r.path() == "/ivr") {
        let body: Value = serde_json::from_str(&r.body).expect("ivr_start is JSON");
        starts.insert(
            body["call_id"].as_str().unwrap().to_owned(),
            body["from"].as_str().unwrap_or_default().to_owned(),
        );
    }
    let customer = starts
        .iter()
        .find(|(_, from)| !from.contains("15550010"))
        .map(|(id, _)| id.clone())
        .expect("the customer's ivr_start");
    let sipp: Vec<Req> = requests
        .iter()
        .filter(|r| r.param("call_id").as_deref() != Some(customer.as_str()))
        .cloned()
        .collect();
    (customer, sipp)
}

/// One request the IVR application received.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    target: String,
    body: String,
}

impl Req {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == name).then(|| decode(v))
        })
    }
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The call center's IVR application: menu, queue, survey. Blocking, one thread per
/// connection, loopback only; lives as long as the test process.
struct IvrApp {
    base: String,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl IvrApp {
    fn start() -> IvrApp {
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
