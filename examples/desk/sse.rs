//! Following `GET /v1/callcenter/events/stream` (Server-Sent Events): each frame's `id:` is
//! the event's sequence number, `event:` its name and `data:` the webhook body. After a
//! dropped connection the desk reconnects with `since=<last id>`, so no event is lost or
//! shown twice.

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

use serde_json::Value;

use super::client::{Client, DeskError};
use super::request::Paths;
use super::{ApiRequest, Method};

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The last `id:` seen (it carries over to later events, as the SSE rules say).
    pub id: Option<String>,
    /// The `event:` name (`message` when absent).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// An incremental Server-Sent Events parser: feed it lines, get events at blank lines.
#[derive(Debug, Default)]
pub struct SseParser {
    last_id: Option<String>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Takes one line (without its end of line; a trailing `\r` is dropped) and returns the
    /// event a blank line completes. Comments (`:`) and unknown fields are ignored.
    pub fn line(&mut self, line: &str) -> Option<SseEvent> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            let event = self.event.take();
            let data = self.data.take()?;
            return Some(SseEvent {
                id: self.last_id.clone(),
                event: event.unwrap_or_else(|| "message".to_owned()),
                data,
            });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }
}

/// One line for a person: `#seq event key=value …` with the body's scalar fields (arrays as
/// their length), leaving out what every event has (`action`, `event`, `current_time`,
/// `callcenter_id`, and `seq`, already shown first).
pub fn summary(e: &SseEvent) -> String {
    let mut line = format!("#{} {}", e.id.as_deref().unwrap_or("?"), e.event);
    let Ok(Value::Object(body)) = serde_json::from_str::<Value>(&e.data) else {
        line.push(' ');
        line.push_str(&e.data);
        return line;
    };
    for (k, v) in &body {
        if matches!(
            k.as_str(),
            "action" | "event" | "current_time" | "callcenter_id" | "seq"
        ) {
            continue;
        }
        let shown = match v {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Array(items) => format!("[{}]", items.len()),
            Value::Object(_) => "{…}".to_owned(),
            other => other.to_string(),
        };
        line.push_str(&format!(" {k}={shown}"));
    }
    line
}

/// How to follow the stream.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Replay the events after this sequence number first.
    pub since: Option<u64>,
    /// Stop after this many events.
    pub count: Option<u64>,
    /// Wait before reconnecting; doubled after each failed attempt, up to 30 s.
    pub retry: Duration,
}

/// The stream's request, resuming after `since`.
pub fn stream_request(paths: &Paths, since: Option<u64>) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: paths.at(&["events", "stream"]),
        query: since
            .iter()
            .map(|s| ("since".to_owned(), s.to_string()))
            .collect(),
        body: None,
    }
}

/// Prints one summary line per event to `out` until `count` events were shown; reports
/// reconnections on `log`. The first connection's failure is returned at once (a wrong URL
/// or token should not loop); later drops are retried, refusals by the API are returned.
pub fn watch(
    client: &Client,
    paths: &Paths,
    w: &Watch,
    out: &mut impl Write,
    log: &mut impl Write,
) -> Result<u64, DeskError> {
    let mut last = w.since;
    let mut shown = 0u64;
    let mut connected_once = false;
    let mut delay = w.retry;
    loop {
        if w.count.is_some_and(|c| shown >= c) {
            return Ok(shown);
        }
        let response = match client.open_stream(&stream_request(paths, last)) {
            Ok(r) => r,
            Err(e @ DeskError::Transport { .. }) if connected_once => {
                writeln!(log, "watch: {e}; retrying in {delay:?}")?;
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(30));
                continue;
            }
            Err(e) => return Err(e),
        };
        connected_once = true;
        delay = w.retry;
        let mut parser = SseParser::default();
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { break };
            let Some(event) = parser.line(&line) else {
                continue;
            };
            writeln!(out, "{}", summary(&event))?;
            out.flush()?;
            if let Some(seq) = event.id.as_deref().and_then(|id| id.parse().ok()) {
                last = Some(seq);
            }
            shown += 1;
            if w.count.is_some_and(|c| shown >= c) {
                return Ok(shown);
            }
        }
        let since = last.map_or("now".to_owned(), |s| s.to_string());
        writeln!(log, "watch: stream closed; reconnecting after {since}")?;
        std::thread::sleep(delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(p: &mut SseParser, text: &str) -> Vec<SseEvent> {
        text.split('\n').filter_map(|l| p.line(l)).collect()
    }

    #[test]
    fn frames_become_events_and_comments_are_skipped() {
        let mut p = SseParser::default();
        let text = ": keepalive\n\nid: 7\nevent: callcenter.test\ndata: {\"a\":1}\n\n\
                    id: 8\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\n";
        let got = feed(&mut p, text);
        assert_eq!(
            got,
            vec![
                SseEvent {
                    id: Some("7".into()),
                    event: "callcenter.test".into(),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    id: Some("8".into()),
                    event: "x".into(),
                    data: "one\ntwo".into()
                },
            ]
        );
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_and_names_default_to_message() {
        let mut p = SseParser::default();
        assert!(feed(&mut p, "event: lonely\n\n").is_empty());
        let got = feed(&mut p, "data: hi\n\n");
        assert_eq!(got[0].event, "message", "the name does not carry over");
    }

    #[test]
    fn the_summary_shows_the_fields_that_matter() {
        let e = SseEvent {
            id: Some("12".into()),
            event: "callcenter.agent.state_changed".into(),
            data: r#"{"action":"event_notify","event":"callcenter.agent.state_changed","current_time":1,
                     "callcenter_id":"cc","seq":12,"name":"alice","previous_state":"idle","latest_state":"fetching/t1","user_data":null,
                     "members":[1,2]}"#
                .into(),
        };
        assert_eq!(
            summary(&e),
            "#12 callcenter.agent.state_changed latest_state=fetching/t1 members=[2] name=alice previous_state=idle"
        );
        let raw = SseEvent {
            id: None,
            event: "m".into(),
            data: "plain".into(),
        };
        assert_eq!(summary(&raw), "#? m plain");
    }
}
