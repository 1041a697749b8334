//! What the demo prints: timestamped lines of the event log (who did what, what the server
//! said), the checks with their evidence, and the final summary. Formatting is pure so
//! the wording is tested.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

/// Who a log line is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A simulated person (caller, agent, supervisor), by name.
    Person(String),
    /// The demo's IVR application.
    Ivr,
    /// An event from the server's stream.
    Server,
    /// The demo itself (API calls, steps).
    Demo,
}

impl Who {
    fn label(&self) -> &str {
        match self {
            Who::Person(name) => name,
            Who::Ivr => "ivr app",
            Who::Server => "server",
            Who::Demo => "demo",
        }
    }
}

/// One line of the event log, before it is stamped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// About whom.
    pub who: Who,
    /// What happened.
    pub text: String,
}

impl Line {
    /// A line about `who`.
    pub fn new(who: Who, text: String) -> Line {
        Line { who, text }
    }
}

/// `  12.345 s  alice      answers`: a line stamped with the time since the start.
pub fn stamp(at: Duration, line: &Line) -> String {
    format!(
        "{:>7.3} s  {:<10} {}",
        at.as_secs_f64(),
        line.who.label(),
        line.text
    )
}

/// An id as `28bc…0001`: ids of one server share their start and differ at the end.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return id.to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

fn short(v: &Value) -> String {
    v.as_str().map_or_else(|| "-".into(), short_id)
}

/// A state with its task id shortened (`fetching/9a47…9b7b`).
fn state(v: &Value) -> String {
    let s = text(v);
    match s.split_once('/') {
        Some((base, ext)) if ext.len() == 32 && ext.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("{base}/{}", short_id(ext))
        }
        _ => s.to_owned(),
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("-")
}

/// A server event (the webhook body) as a log line; None for events not worth a line.
pub fn describe(event: &Value) -> Option<String> {
    let name = event["event"].as_str()?;
    let line = match name {
        "callcenter.queue.select" => format!(
            "queue.select    task {} ({}) rings {}",
            short(&event["id"]),
            text(&event["type"]),
            text(&event["agent_name"])
        ),
        "callcenter.queue.success" => format!(
            "queue.success   task {} connected {}",
            short(&event["id"]),
            text(&event["agent_name"])
        ),
        "callcenter.queue.fail" => format!(
            "queue.fail      task {} cause {}",
            short(&event["id"]),
            text(&event["cause"])
        ),
        "callcenter.agent.state_changed" => format!(
            "agent {} {} → {}",
            text(&event["name"]),
            state(&event["previous_state"]),
            state(&event["latest_state"])
        ),
        "callcenter.agent.conversation_changed" => format!(
            "agent {} {}s conversation {}",
            text(&event["name"]),
            text(&event["type"]),
            short(&event["conversation_id"])
        ),
        "callcenter.conversation.begin" => format!(
            "conversation {} begins ({})",
            short(&event["id"]),
            text(&event["type"])
        ),
        "callcenter.conversation.parts_changed" => {
            let members = event["members"].as_array().map_or_else(Vec::new, |ms| {
                ms.iter()
                    .filter(|m| m["end_time"].is_null())
                    .map(|m| {
                        let who = m["name"].as_str().unwrap_or("caller");
                        format!("{who}:{}", m["mode"])
                    })
                    .collect()
            });
            format!(
                "conversation {} members {}",
                short(&event["id"]),
                members.join(" ")
            )
        }
        "callcenter.conversation.end" => format!(
            "conversation {} ends ({})",
            short(&event["id"]),
            text(&event["end_reason"])
        ),
        other if other.starts_with("ivr.") => match event["call_id"].as_str() {
            Some(_) => format!("{other} call {}", short(&event["call_id"])),
            None => other.to_owned(),
        },
        _ => return None,
    };
    Some(line)
}

/// One verified claim about the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The claim, e.g. "caller hears alice".
    pub claim: String,
    /// Whether the evidence supports it.
    pub passed: bool,
    /// The evidence, e.g. "1400 Hz in 96% of 20 × 50 ms".
    pub evidence: String,
}

impl Check {
    /// `✓ caller hears alice (1800 Hz in 96% …)` or `✗ …`.
    pub fn line(&self) -> String {
        let mark = if self.passed { '✓' } else { '✗' };
        format!("{mark} {} ({})", self.claim, self.evidence)
    }
}

/// The final summary: every check, the verdict and the elapsed time.
pub fn summary(checks: &[Check], elapsed: Duration, failure: Option<&str>) -> String {
    let passed = checks.iter().filter(|c| c.passed).count();
    let mut out = String::from("\nSummary\n");
    for c in checks {
        let _ = writeln!(out, "  {}", c.line());
    }
    if let Some(why) = failure {
        let _ = writeln!(out, "  ✗ the story did not finish: {why}");
    }
    let all = passed == checks.len() && failure.is_none() && !checks.is_empty();
    let verdict = if all { "PASS" } else { "FAIL" };
    let _ = writeln!(
        out,
        "{verdict}: {passed}/{} checks passed in {:.1} s",
        checks.len(),
        elapsed.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_are_stamped_and_aligned() {
        let l = Line::new(Who::Person("alice".into()), "answers".into());
        assert_eq!(
            stamp(Duration::from_millis(12_345), &l),
            " 12.345 s  alice      answers"
        );
        let s = Line::new(Who::Server, "x".into());
        assert_eq!(stamp(Duration::ZERO, &s), "  0.000 s  server     x");
    }

    #[test]
    fn server_events_read_as_sentences() {
        let select = json!({"event": "callcenter.queue.select", "id": "0123456789abcdef",
                            "type": "ivr", "agent_name": "alice"});
        assert_eq!(
            describe(&select).unwrap(),
            "queue.select    task 0123…cdef (ivr) rings alice"
        );
        let state = json!({"event": "callcenter.agent.state_changed", "name": "bob",
                           "previous_state": "idle",
                           "latest_state": "fetching/9a478e61088c1ccf66b1ce985ce79b7b"});
        assert_eq!(
            describe(&state).unwrap(),
            "agent bob idle → fetching/9a47…9b7b"
        );
        let parts = json!({"event": "callcenter.conversation.parts_changed", "id": "feedbeef00",
            "members": [{"name": "alice", "mode": 1, "end_time": null},
                        {"call_id": "c", "mode": 1, "end_time": null},
                        {"name": "sam", "mode": 3, "end_time": 5}]});
        assert_eq!(
            describe(&parts).unwrap(),
            "conversation feedbeef00 members alice:1 caller:1"
        );
        let ivr = json!({"event": "ivr.get_end", "call_id": "abcdef0123"});
        assert_eq!(short_id("28bc687425ed05b00000000000000002"), "28bc…0002");
        assert_eq!(describe(&ivr).unwrap(), "ivr.get_end call abcdef0123");
        assert_eq!(
            describe(&json!({"event": "ivr.call_end"})).unwrap(),
            "ivr.call_end"
        );
        assert_eq!(describe(&json!({"event": "callcenter.test"})), None);
        assert_eq!(describe(&json!({"no": "event"})), None);
    }

    #[test]
    fn the_summary_passes_only_when_every_check_does() {
        let ok = Check {
            claim: "caller hears alice".into(),
            passed: true,
            evidence: "1800 Hz in 100% of 20 × 50 ms".into(),
        };
        let text = summary(
            std::slice::from_ref(&ok),
            Duration::from_millis(31_250),
            None,
        );
        assert!(text.contains("  ✓ caller hears alice (1800 Hz"), "{text}");
        assert!(
            text.ends_with("PASS: 1/1 checks passed in 31.2 s\n"),
            "{text}"
        );

        let bad = Check {
            passed: false,
            ..ok.clone()
        };
        let text = summary(&[ok.clone(), bad], Duration::from_secs(2), None);
        assert!(text.contains("  ✗ caller hears alice"), "{text}");
        assert!(text.contains("FAIL: 1/2 checks passed"), "{text}");

        let text = summary(&[ok], Duration::from_secs(2), Some("deadline"));
        assert!(
            text.contains("the story did not finish: deadline"),
            "{text}"
        );
        assert!(text.contains("FAIL: 1/1"), "{text}");
        assert!(summary(&[], Duration::ZERO, None).contains("FAIL: 0/0"));
    }
}
