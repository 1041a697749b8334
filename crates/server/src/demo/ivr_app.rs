//! The demo's IVR application: a tiny HTTP server on loopback that answers the server's
//! IVR requests with XML (SPEC §10): a menu key, the queue by skill with the agent's job
//! number announced, and a survey key when the caller comes back from its conversation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::report::{Line, Who};
use super::DemoError;

/// One request the IVR application received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The path (`/ivr`, `/menu`, `/after`, `/survey`).
    pub path: String,
    /// Query parameters (and `call_id` of the `ivr_start` body).
    pub params: HashMap<String, String>,
}

/// The running application.
#[derive(Debug, Clone)]
pub struct IvrApp {
    /// Its base URL.
    pub base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl IvrApp {
    /// Serves on a free loopback port; every request is logged to `log`.
    pub async fn start(log: mpsc::UnboundedSender<Line>) -> Result<IvrApp, DemoError> {
        let listener =
            TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|source| DemoError::Bind {
                    what: "HTTP",
                    source,
                })?;
        let addr: SocketAddr = listener.local_addr().map_err(|source| DemoError::Bind {
            what: "HTTP",
            source,
        })?;
        let app = IvrApp {
            base: format!("http://{addr}"),
            hits: Arc::default(),
        };
        let served = app.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (app, log) = (served.clone(), log.clone());
                tokio::spawn(async move { app.serve(stream, log).await });
            }
        });
        Ok(app)
    }

    /// The requests so far, in order.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn serve(&self, mut stream: TcpStream, log: mpsc::UnboundedSender<Line>) {
        let Some((target, body)) = read_request(&mut stream).await else {
            return;
        };
        let hit = parse_hit(&target, &body);
        let xml = answer(&self.base, &hit);
        let _ = log.send(Line::new(Who::Ivr, narrate(&hit)));
        self.hits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(hit);
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{xml}",
            xml.len()
        );
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

/// Reads one HTTP/1.1 request: its target and body (bounded to 64 KiB).
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 65_536 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        let Some(head_end) = text.find("\r\n\r\n") else {
            continue;
        };
        let head = &text[..head_end];
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        if buf.len() < head_end + 4 + length {
            continue;
        }
        let target = head.split_whitespace().nth(1)?.to_owned();
        let body = String::from_utf8_lossy(&buf[head_end + 4..head_end + 4 + length]).into_owned();
        return Some((target, body));
    }
}

/// The path and parameters of a request (`ivr_start`'s JSON body gives `call_id`).
fn parse_hit(target: &str, body: &str) -> Hit {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut params: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap_or_default();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        for key in ["call_id", "from", "to", "action"] {
            if let Some(s) = v[key].as_str() {
                params.insert(key.to_owned(), s.to_owned());
            }
        }
    }
    Hit {
        path: path.to_owned(),
        params,
    }
}

fn param<'a>(hit: &'a Hit, key: &str) -> &'a str {
    hit.params.get(key).map_or("", String::as_str)
}

/// What the application answers: the demo's call flow.
fn answer(base: &str, hit: &Hit) -> String {
    let action = match hit.path.as_str() {
        "/ivr" => format!(
            r#"<get valid_keys="123" max_keys="1" first_key_timeout="15"/><next tag="menu">{base}/menu</next>"#
        ),
        "/menu" if param(hit, "keys") == "1" => format!(
            r#"<enqueue play_num="true" user_data="demo"><route><skill name="billing" queue_timeout="40"/></route></enqueue><next tag="after-queue">{base}/after</next>"#
        ),
        "/after" if param(hit, "result") == "success" => format!(
            r#"<get valid_keys="12345" max_keys="1" first_key_timeout="15"/><next tag="survey">{base}/survey</next>"#
        ),
        // The caller hangs up during the pause.
        "/survey" => r#"<pause duration="20"/>"#.to_owned(),
        _ => "<hangup/>".to_owned(),
    };
    format!("<response>{action}</response>")
}

/// The log line for a request.
fn narrate(hit: &Hit) -> String {
    match hit.path.as_str() {
        "/ivr" => format!(
            "ivr_start for a call from {} to {}: asks for a menu key",
            param(hit, "from"),
            param(hit, "to")
        ),
        "/menu" => format!(
            "menu key {:?}: queue by skill billing, announce the agent's number",
            param(hit, "keys")
        ),
        "/after" => format!(
            "caller is back: result={} agent_name={} data={:?}; asks for a survey key",
            param(hit, "result"),
            param(hit, "agent_name"),
            param(hit, "data")
        ),
        "/survey" => format!("survey key {:?}: thanks, waits", param(hit, "keys")),
        other => format!("unexpected request {other}: hangs up"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_give_their_parameters() {
        let hit = parse_hit(
            "/after?call_id=c1&type=enqueue&result=success&data=a%20b+c",
            "",
        );
        assert_eq!(hit.path, "/after");
        assert_eq!(param(&hit, "data"), "a b c");
        assert_eq!(param(&hit, "result"), "success");
        let start = parse_hit(
            "/ivr",
            r#"{"action":"ivr_start","call_id":"c9","from":"5551"}"#,
        );
        assert_eq!(param(&start, "call_id"), "c9");
        let raw = parse_hit("/after?a=100%&b=%4", "");
        assert_eq!(param(&raw, "a"), "100%");
        assert_eq!(param(&raw, "b"), "%4");
    }

    #[test]
    fn the_flow_is_menu_queue_survey() {
        let base = "http://127.0.0.1:1";
        let start = answer(base, &parse_hit("/ivr", "{}"));
        assert!(
            start.contains("<get ") && start.contains("/menu</next>"),
            "{start}"
        );
        let queue = answer(base, &parse_hit("/menu?keys=1", ""));
        assert!(queue.contains(r#"<skill name="billing""#), "{queue}");
        assert!(queue.contains("/after</next>"), "{queue}");
        assert_eq!(
            answer(base, &parse_hit("/menu?keys=9", "")),
            "<response><hangup/></response>"
        );
        let survey = answer(base, &parse_hit("/after?result=success", ""));
        assert!(survey.contains("/survey</next>"), "{survey}");
        assert!(answer(base, &parse_hit("/survey?keys=5", "")).contains("<pause"));
    }
}
