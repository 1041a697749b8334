//! Conversations with real phones through the running binary: PJSIP agents registered as
//! extensions, a PJSIP far end standing for the trunk's provider, and every operation sent
//! over the REST API (SPEC §5–§7). The scripts prove by ear who hears whom; these tests set
//! the call center up, run them, and check the webhooks and records they leave behind.

mod callouts;
mod modes;
mod transfers;

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

use sb_testkit::http::{request, Receiver};
use serde_json::{json, Value};

use crate::peers::{run_script, Outcome};
use crate::process::Server;

/// Longest a conversation script may run.
const SCRIPT_WITHIN: Duration = Duration::from_secs(150);

/// A running server with one call center, its webhook receiver and a trunk whose far end
/// is a loopback address the script answers on.
pub struct Site {
    pub server: Server,
    admin: String,
    cc: String,
    pub token: String,
    pub sip: String,
    pub hooks: Receiver,
    /// `ip:port` of the trunk's far end.
    pub trunk: String,
}

impl Site {
    /// Starts the binary with RTP ports `rtp` (`LOW-HIGH`, distinct per test so tests can
    /// run side by side) and a trunk to `trunk_ip`.
    pub fn start(data: &Path, rtp: &str, trunk_ip: &str) -> Site {
        let server = Server::start(data, &["--rtp-ports", rtp]);
        let admin = server.banner_value("admin token:").expect("admin token");
        let cc = server.banner_value("call center id:").expect("cc id");
        let token = server
            .banner_value("call center API token:")
            .expect("cc token");
        let sip = server.sip_udp();
        let hooks = Receiver::start(200).expect("a webhook receiver");
        let port = UdpSocket::bind((trunk_ip, 0))
            .and_then(|s| s.local_addr())
            .expect("a free port on the trunk's address")
            .port();
        let site = Site {
            server,
            admin,
            cc,
            token,
            sip,
            hooks,
            trunk: format!("{trunk_ip}:{port}"),
        };
        site.update(json!({"callback_url": site.hooks.url()}));
        site.call(
            &site.admin,
            "POST",
            "/v1/trunks",
            json!({"callcenter_id": site.cc, "name": "provider", "host": trunk_ip,
                   "port": port, "inbound_numbers": []}),
        );
        site
    }

    /// Updates the call center (admin API): `body` as `POST /v1/callcenters/{id}` takes it.
    pub fn update(&self, body: Value) {
        let path = format!("/v1/callcenters/{}", self.cc);
        self.call(&self.admin, "POST", &path, body);
    }

    fn call(&self, token: &str, method: &str, path: &str, body: Value) -> Value {
        self.server.api(token, method, path, body)
    }

    /// An admin API call that must succeed; its `data`.
    pub fn admin_api(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(&self.admin, method, path, body)
    }

    /// A call-center API call that must succeed; its `data`.
    pub fn api(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(&self.token, method, path, body)
    }

    /// Polls a GET (up to 10 s) until it succeeds; its `data`. For what the server writes
    /// behind (records, recordings).
    pub fn eventually_api(&self, what: &str, path: &str) -> Value {
        for _ in 0..200 {
            let r = request(self.server.http, "GET", path, Some(&self.token), None);
            if let Ok(r) = r {
                let v: Value = serde_json::from_str(&r.body).unwrap_or_default();
                if v["code"] == "000000" {
                    return v["data"].clone();
                }
            }
            std::thread::park_timeout(Duration::from_millis(50));
        }
        panic!("{what}: GET {path} never succeeded");
    }

    /// Downloads the recording at `path` (`/v1/callcenter/recording/{file}`) and checks it
    /// is a WAV. The body is text decoded lossily, so the RIFF length's bytes may have
    /// become replacement characters: the WAVE form and its fmt chunk are found by content.
    pub fn assert_recording_is_wav(&self, path: &str) {
        let wav = request(
            self.server.http,
            "GET",
            &format!("{path}/file"),
            Some(&self.token),
            None,
        )
        .expect("the API answers");
        assert_eq!(wav.status, 200);
        assert!(
            wav.body.starts_with("RIFF") && wav.body[4..].contains("WAVEfmt "),
            "not a WAV: {:?}",
            wav.body.get(..16)
        );
    }

    /// An extension `user`/`password` and an idle agent `name` reached there.
    pub fn agent(&self, name: &str, user: &str, password: &str) {
        let ext = self.api(
            "POST",
            "/v1/callcenter/extension",
            json!({"type": 1, "user": user, "password": password}),
        );
        self.api(
            "POST",
            "/v1/callcenter/agent",
            json!({"name": name, "extension": ext["id"], "state": "idle"}),
        );
    }

    /// Runs a conversation script with the site's addresses first, then `rest`.
    pub fn run(&self, script: &str, rest: &[&str]) -> Outcome {
        let mut args = vec![
            self.sip.clone(),
            format!("http://{}", self.server.http),
            self.token.clone(),
            self.trunk.clone(),
        ];
        args.extend(rest.iter().map(|s| (*s).to_owned()));
        run_script(script, &args, SCRIPT_WITHIN)
    }

    /// Stops the server (SIGTERM); whether it exited cleanly.
    pub fn terminate(self) -> bool {
        self.server.terminate()
    }

    /// The webhooks received so far, in sequence order.
    pub fn events(&self) -> Vec<Value> {
        let mut v: Vec<Value> = self
            .hooks
            .seen()
            .iter()
            .filter_map(|(_, body)| serde_json::from_str(body).ok())
            .collect();
        v.sort_by_key(|e| e["seq"].as_u64());
        v.dedup_by_key(|e| e["seq"].as_u64());
        v
    }

    /// Waits (up to 10 s) until a webhook satisfies `found`; all the webhooks then.
    pub fn await_event(&self, what: &str, found: impl Fn(&Value) -> bool) -> Vec<Value> {
        for _ in 0..200 {
            let events = self.events();
            if events.iter().any(&found) {
                return events;
            }
            std::thread::park_timeout(Duration::from_millis(50));
        }
        panic!("no webhook {what} among {:#?}", self.events());
    }
}

/// Samples `/metrics` in the background, keeping each watched series' highest value.
pub struct Gauges {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    worker: std::thread::JoinHandle<Vec<f64>>,
}

impl Gauges {
    /// Stops sampling; the highest value of each series, in the order they were named
    /// (-1 for a series never served).
    pub fn stop(self) -> Vec<f64> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.worker.join().expect("the sampler ends")
    }
}

impl Site {
    /// Samples the series named exactly `series` (with their labels) every 100 ms.
    pub fn watch_metrics(&self, series: &[&str]) -> Gauges {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (http, flag) = (self.server.http, stop.clone());
        let series: Vec<String> = series.iter().map(|s| format!("{s} ")).collect();
        let worker = std::thread::spawn(move || {
            let mut highest = vec![-1.0f64; series.len()];
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                if let Ok(r) = request(http, "GET", "/metrics", None, None) {
                    for line in r.body.lines() {
                        for (i, s) in series.iter().enumerate() {
                            if let Some(v) = line.strip_prefix(s.as_str()) {
                                let v = v.trim().parse().unwrap_or(0.0);
                                highest[i] = f64::max(highest[i], v);
                            }
                        }
                    }
                }
                std::thread::park_timeout(Duration::from_millis(100));
            }
            highest
        });
        Gauges { stop, worker }
    }
}

/// The events named `name` about conversation `id`.
pub fn about<'a>(events: &'a [Value], name: &str, id: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == name && (e["id"] == id || e["conversation_id"] == id))
        .collect()
}
