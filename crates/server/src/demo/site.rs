//! The server under demonstration: this same executable started as a child on a fresh
//! data directory and free loopback ports (its own log goes to a file there), the REST
//! calls that set the call center up and steer the calls, and the live event stream.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use super::report::{describe, Line, Who};
use super::DemoError;

/// A running server and what it printed at first start.
#[derive(Debug)]
pub struct Site {
    child: Child,
    /// The HTTP API's address.
    pub http: SocketAddr,
    /// The SIP address (UDP).
    pub sip: SocketAddr,
    /// The admin token.
    pub admin: String,
    /// The default call center's id.
    pub cc: String,
    /// The default call center's API token.
    pub token: String,
    /// Where the server's own log goes.
    pub log_file: PathBuf,
    client: reqwest::Client,
}

/// The value after `label` on one of `lines`.
fn value_after(lines: &[String], label: &str) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
}

/// The first address after `prefix` on one of `lines`.
fn addr_after(lines: &[String], prefix: &str) -> Option<SocketAddr> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
}

impl Site {
    /// Starts `exe` on `data` with RTP ports `rtp` (`LOW-HIGH`) and waits for its banner.
    pub async fn start(exe: &Path, data: &Path, rtp: &str) -> Result<Site, DemoError> {
        let log_file = data.join("server.log");
        let log = std::fs::File::create(&log_file).map_err(DemoError::Spawn)?;
        let mut child = Command::new(exe)
            .arg("--data-dir")
            .arg(data.join("data"))
            .args([
                "--http-listen",
                "127.0.0.1:0",
                "--sip-listen",
                "127.0.0.1:0",
            ])
            .args(["--rtp-ports", rtp, "--shutdown-grace", "1"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(DemoError::Spawn)?;
        let stdout = child.stdout.take().ok_or(DemoError::Banner)?;
        // The server's stdout is read to its end, so it never writes into a closed pipe.
        let (tx, mut rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let banner = async {
            let mut lines = Vec::new();
            while let Some(line) = rx.recv().await {
                let done = line.starts_with("HTTP API listening on http://");
                lines.push(line);
                if done {
                    break;
                }
            }
            lines
        };
        let Ok(lines) = tokio::time::timeout(Duration::from_secs(20), banner).await else {
            let _ = child.kill();
            return Err(DemoError::Banner);
        };
        let parsed = (|| {
            Some((
                addr_after(&lines, "HTTP API listening on http://")?,
                addr_after(&lines, "SIP listening on udp://")?,
                value_after(&lines, "admin token:")?,
                value_after(&lines, "call center id:")?,
                value_after(&lines, "call center API token:")?,
            ))
        })();
        let Some((http, sip, admin, cc, token)) = parsed else {
            let _ = child.kill();
            return Err(DemoError::Banner);
        };
        Ok(Site {
            child,
            http,
            sip,
            admin,
            cc,
            token,
            log_file,
            client: reqwest::Client::new(),
        })
    }

    /// A call-center API call that must succeed; its `data`.
    pub async fn api(&self, method: &str, path: &str, body: Value) -> Result<Value, DemoError> {
        self.call(&self.token, method, path, body).await
    }

    /// An admin API call that must succeed; its `data`.
    pub async fn admin(&self, method: &str, path: &str, body: Value) -> Result<Value, DemoError> {
        self.call(&self.admin, method, path, body).await
    }

    async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, DemoError> {
        let url = format!("http://{}{path}", self.http);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = self
            .client
            .request(method.clone(), &url)
            .bearer_auth(token)
            .timeout(Duration::from_secs(10));
        if method != reqwest::Method::GET {
            req = req
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let failed = |answer: String| DemoError::Api {
            request: format!("{method} {path}"),
            answer,
        };
        let resp = req.send().await.map_err(|e| failed(e.to_string()))?;
        let text = resp.text().await.map_err(|e| failed(e.to_string()))?;
        let v: Value = serde_json::from_str(&text).map_err(|_| failed(text.clone()))?;
        if v["code"] != "000000" {
            return Err(failed(text));
        }
        Ok(v["data"].clone())
    }

    /// Follows the call center's live event stream from the start: every event is kept in
    /// the returned list and, when it is worth a line, sent to `log`.
    pub fn watch(&self, log: mpsc::UnboundedSender<Line>) -> Arc<Mutex<Vec<Value>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let url = format!("http://{}/v1/callcenter/events/stream?since=0", self.http);
        let req = self.client.get(url).bearer_auth(&self.token);
        tokio::spawn(follow(req, seen.clone(), log));
        seen
    }

    /// Stops the server (SIGKILL is enough: its data directory is thrown away).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads the SSE stream until it ends.
async fn follow(
    req: reqwest::RequestBuilder,
    seen: Arc<Mutex<Vec<Value>>>,
    log: mpsc::UnboundedSender<Line>,
) {
    let Ok(mut resp) = req.send().await else {
        let _ = log.send(Line::new(Who::Demo, "the event stream did not open".into()));
        return;
    };
    let mut buf = String::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if let Some(event) = sse_data(&frame) {
                if let Some(text) = describe(&event) {
                    let _ = log.send(Line::new(Who::Server, text));
                }
                seen.lock().unwrap_or_else(|e| e.into_inner()).push(event);
            }
        }
    }
}

/// The JSON of an SSE frame's `data:` lines.
fn sse_data(frame: &str) -> Option<Value> {
    let data: Vec<&str> = frame
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim_start)
        .collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_gives_addresses_and_tokens() {
        let lines: Vec<String> = [
            "Switchboard first start: created the default call center.",
            "  admin token:           sb_admin",
            "  call center id:        abc123",
            "  call center API token: sb_cc",
            "SIP listening on udp://127.0.0.1:5070 and tcp://127.0.0.1:5070",
            "HTTP API listening on http://127.0.0.1:8088",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            value_after(&lines, "admin token:").as_deref(),
            Some("sb_admin")
        );
        assert_eq!(
            value_after(&lines, "call center API token:").as_deref(),
            Some("sb_cc")
        );
        assert_eq!(
            addr_after(&lines, "SIP listening on udp://"),
            Some("127.0.0.1:5070".parse().unwrap())
        );
        assert_eq!(
            addr_after(&lines, "HTTP API listening on http://"),
            Some("127.0.0.1:8088".parse().unwrap())
        );
        assert_eq!(value_after(&lines, "nothing:"), None);
    }

    #[test]
    fn sse_frames_give_their_json() {
        let frame = "id: 3\nevent: callcenter.queue.select\ndata: {\"event\":\"x\",\"seq\":3}\n\n";
        assert_eq!(sse_data(frame).unwrap()["seq"], 3);
        assert_eq!(sse_data(": keep-alive\n\n"), None);
    }
}
