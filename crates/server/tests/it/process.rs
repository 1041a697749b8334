//! Starting and stopping the real binary.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `switchboard` and the lines it printed up to "listening".
pub struct Server {
    child: Child,
    pub http: SocketAddr,
    pub banner: Vec<String>,
}

impl Server {
    /// Starts the binary on a free loopback port with `data_dir`, waiting for it to serve.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["--data-dir"])
            .arg(data_dir)
            .args([
                "--http-listen",
                "127.0.0.1:0",
                "--sip-listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the switchboard binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        loop {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
                let _ = child.kill();
                let status = child.wait();
                panic!("the server did not print its address within 30 s ({status:?})");
            };
            if let Some(addr) = line.strip_prefix("HTTP API listening on http://") {
                let http = addr.parse().expect("a socket address");
                return Server {
                    child,
                    http,
                    banner,
                };
            }
            banner.push(line);
        }
    }

    /// The value after `label` in the banner.
    pub fn banner_value(&self, label: &str) -> Option<String> {
        self.banner
            .iter()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
    }

    /// The SIP UDP address it printed (`ip:port`).
    pub fn sip_udp(&self) -> String {
        self.banner
            .iter()
            .find_map(|l| l.strip_prefix("SIP listening on udp://"))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the SIP address is printed")
            .to_owned()
    }

    /// An API call with `token` that must succeed; its `data`.
    pub fn api(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let r = sb_testkit::http::request(
            self.http,
            method,
            path,
            Some(token),
            Some(&body.to_string()),
        )
        .expect("the API answers");
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("a JSON envelope");
        assert_eq!(v["code"], "000000", "{method} {path} {body}: {}", r.body);
        v["data"].clone()
    }

    /// Sends SIGTERM and returns whether the process exited successfully within 30 s.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status.success();
            }
            // Polling a child's exit status has no blocking-with-timeout form in std.
            std::thread::park_timeout(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        false
    }
}

impl Server {
    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
