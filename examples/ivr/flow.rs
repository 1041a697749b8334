//! The call flow as pure functions: a request's parameters in, the answer document out.

use sb_ivr::callback::percent_encode_into;
use sb_ivr::IvrStart;
use serde::{Deserialize, Serialize};

use super::xml::El;
use super::{paths, Config};

/// Most characters of a caller's number carried from step to step.
const CALLER_CHARS: usize = 64;
/// Most characters of an agent's `data` kept with a survey. `data` may be 4096 bytes, and a
/// `<next>` URL at most 2048 characters, so only its start travels on.
pub const NOTE_CHARS: usize = 200;
/// Most characters of the other echoed values (agent names, ids, line names).
const ID_CHARS: usize = 64;
/// How many times the menu is offered before the caller is let go.
pub const MENU_ATTEMPTS: u32 = 3;
/// The `data` with which an agent's `depart` skips the survey.
pub const NO_SURVEY: &str = "no_survey";

/// The prompts, each a media file of the call center, an `http(s)` URL, or a built-in prompt
/// (`hold_music`, `beep`, `digit_0` … `digit_9`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompts {
    /// Greets the caller (first menu only).
    pub welcome: String,
    /// "For sales press 1, for support 2, to leave a message 3."
    pub menu: String,
    /// Looped while the caller waits for an agent (`wait_voice`).
    pub wait: String,
    /// Played to a caller its agent holds (`hold_voice`).
    pub hold: String,
    /// Played before the agent's number (`pre_num_voice`); none when `None`.
    pub agent_is: Option<String>,
    /// Played after the agent's number (`post_num_voice`); none when `None`.
    pub at_service: Option<String>,
    /// "Rate us from 1 to 5."
    pub survey: String,
    /// "Thank you."
    pub thanks: String,
    /// "No agent is free; leave a message after the beep."
    pub sorry: String,
    /// "Goodbye."
    pub goodbye: String,
}

impl Default for Prompts {
    /// File names to upload with `PUT /v1/callcenter/media/{file_name}`, except the waiting
    /// and hold music, which default to the built-in `hold_music`.
    fn default() -> Self {
        Self {
            welcome: "welcome.wav".into(),
            menu: "menu.wav".into(),
            wait: "hold_music".into(),
            hold: "hold_music".into(),
            agent_is: None,
            at_service: None,
            survey: "survey.wav".into(),
            thanks: "thanks.wav".into(),
            sorry: "sorry.wav".into(),
            goodbye: "goodbye.wav".into(),
        }
    }
}

/// A prompt name [`Prompts::set`] does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown prompt `{0}`; expected one of: {list}", list = Prompts::NAMES.join(", "))]
pub struct UnknownPrompt(pub String);

impl Prompts {
    /// The names [`Prompts::set`] takes.
    pub const NAMES: [&'static str; 10] = [
        "welcome",
        "menu",
        "wait",
        "hold",
        "agent_is",
        "at_service",
        "survey",
        "thanks",
        "sorry",
        "goodbye",
    ];

    /// Replaces one prompt by name; an empty `source` removes `agent_is`/`at_service`.
    pub fn set(&mut self, name: &str, source: &str) -> Result<(), UnknownPrompt> {
        let optional = (!source.is_empty()).then(|| source.to_owned());
        match name {
            "welcome" => self.welcome = source.to_owned(),
            "menu" => self.menu = source.to_owned(),
            "wait" => self.wait = source.to_owned(),
            "hold" => self.hold = source.to_owned(),
            "survey" => self.survey = source.to_owned(),
            "thanks" => self.thanks = source.to_owned(),
            "sorry" => self.sorry = source.to_owned(),
            "goodbye" => self.goodbye = source.to_owned(),
            "agent_is" => self.agent_is = optional,
            "at_service" => self.at_service = optional,
            other => return Err(UnknownPrompt(other.to_owned())),
        }
        Ok(())
    }
}

/// One route of a queue line: agents with `skill` enabled, best score first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRoute {
    /// The skill.
    pub skill: String,
    /// Priority among waiting tasks, 0–99 (larger first).
    pub priority: u8,
    /// Seconds before overflowing to the next route (or failing after the last).
    pub queue_timeout: u32,
    /// Seconds an agent's phone may ring, 1–60.
    pub fetch_timeout: u32,
}

impl SkillRoute {
    fn new(skill: &str, priority: u8, queue_timeout: u32) -> Self {
        Self {
            skill: skill.to_owned(),
            priority,
            queue_timeout,
            fetch_timeout: 20,
        }
    }
}

/// A queue the menu offers: its name (sent in `user_data` and kept with surveys) and routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// The line's name.
    pub name: String,
    /// Tried in order.
    pub routes: Vec<SkillRoute>,
}

/// The two queue lines of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lines {
    /// Key 1.
    pub sales: QueueLine,
    /// Key 2.
    pub support: QueueLine,
}

impl Default for Lines {
    /// Sales agents first, then anyone with `general`; support likewise, waiting longer.
    fn default() -> Self {
        Self {
            sales: QueueLine {
                name: "sales".into(),
                routes: vec![
                    SkillRoute::new("sales", 10, 60),
                    SkillRoute::new("general", 10, 60),
                ],
            },
            support: QueueLine {
                name: "support".into(),
                routes: vec![
                    SkillRoute::new("support", 5, 120),
                    SkillRoute::new("general", 5, 60),
                ],
            },
        }
    }
}

/// The query parameters of a `<next>` request: the engine's (SPEC §10) and this
/// application's own, which it put in the `<next>` URL under names the engine never uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    /// The call.
    pub call_id: String,
    /// The action that ended (`get`, `enqueue`, …).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The `<next tag>`.
    pub tag: Option<String>,
    /// Why the action failed, when it did.
    pub error: Option<String>,
    /// Keys of `<get>`/`<play>`/`<record>`.
    pub keys: Option<String>,
    /// `<enqueue>`: `success` or `fail`.
    pub result: Option<String>,
    /// `<enqueue>`: why it failed.
    pub cause: Option<String>,
    /// `<enqueue>`: the agent reached.
    pub agent_name: Option<String>,
    /// `<enqueue>`: the caller's conversation.
    pub conversation_id: Option<String>,
    /// `<enqueue>`: what the agent passed to `reject` or `depart`.
    pub data: Option<String>,
    /// `<record>`: the recording.
    pub record_id: Option<String>,
    /// Ours: the caller's number.
    pub caller: Option<String>,
    /// Ours: the queue line chosen.
    pub line: Option<String>,
    /// Ours: how many times the menu was offered.
    pub attempt: Option<u32>,
    /// Ours: the agent that served the caller.
    pub agent: Option<String>,
    /// Ours: the conversation the survey is about.
    pub conversation: Option<String>,
    /// Ours: the start of the agent's `data`.
    pub note: Option<String>,
}

/// A completed survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyResult {
    /// The call.
    pub call_id: String,
    /// The caller's number.
    pub caller: String,
    /// The queue line.
    pub line: String,
    /// The agent rated.
    pub agent: String,
    /// The conversation rated.
    pub conversation_id: String,
    /// 1–5.
    pub score: u8,
    /// The start of what the agent passed to `depart`.
    pub note: String,
}

/// A message left by a caller no agent could take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voicemail {
    /// The call.
    pub call_id: String,
    /// The caller's number.
    pub caller: String,
    /// The queue line that had no agent.
    pub line: String,
    /// The recording (`GET /v1/callcenter/recording/{record_id}`).
    pub record_id: String,
}

/// `text` cut to at most `max` characters.
fn clip(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(at, _)| &text[..at])
}

fn field(value: &Option<String>, max: usize) -> &str {
    clip(value.as_deref().unwrap_or(""), max)
}

impl Config {
    /// The absolute URL of `path` with `params` percent-encoded in its query string.
    pub fn url(&self, path: &str, params: &[(&str, &str)]) -> String {
        let mut url = format!("{}{}", self.public_url, path);
        for (i, (name, value)) in params.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            percent_encode_into(name, &mut url);
            url.push('=');
            percent_encode_into(value, &mut url);
        }
        url
    }
}

/// `<response>` with one action and an optional `<next tag>`.
fn respond(action: El, next: Option<(&str, String)>) -> El {
    let response = El::new("response").child(action);
    match next {
        Some((tag, url)) => response.child(El::new("next").attr("tag", tag).text(url)),
        None => response,
    }
}

fn play(source: &str) -> El {
    El::new("play").text(source)
}

/// Says goodbye, then hangs up.
fn goodbye(cfg: &Config) -> El {
    respond(
        play(&cfg.prompts.goodbye),
        Some(("bye", cfg.url(paths::BYE, &[]))),
    )
}

/// The answer to `ivr_start`: the welcome menu, or `<hangup/>` (the call is refused) for a
/// number this application does not serve.
pub fn start(cfg: &Config, call: &IvrStart) -> El {
    if !cfg.numbers.is_empty() && !cfg.numbers.contains(&call.to) {
        return respond(El::new("hangup"), None);
    }
    menu_doc(cfg, clip(&call.from, CALLER_CHARS), 1)
}

fn menu_doc(cfg: &Config, caller: &str, attempt: u32) -> El {
    let prompt = if attempt == 1 {
        El::new("playlist")
            .child(play(&cfg.prompts.welcome))
            .child(play(&cfg.prompts.menu))
    } else {
        play(&cfg.prompts.menu)
    };
    let get = El::new("get")
        .attr("valid_keys", "123")
        .attr("max_keys", 1)
        .attr("first_key_timeout", 8)
        .child(prompt);
    let attempt = attempt.to_string();
    let next = cfg.url(paths::MENU, &[("caller", caller), ("attempt", &attempt)]);
    respond(get, Some(("menu", next)))
}

/// The answer to the menu's keys.
pub fn menu(cfg: &Config, cb: &Callback) -> El {
    let caller = field(&cb.caller, CALLER_CHARS);
    let line = match cb.keys.as_deref() {
        Some("1") => &cfg.lines.sales,
        Some("2") => &cfg.lines.support,
        Some("3") => return voicemail_doc(cfg, caller, "menu"),
        _ => {
            let attempt = cb.attempt.unwrap_or(1).saturating_add(1);
            return if attempt > MENU_ATTEMPTS {
                goodbye(cfg)
            } else {
                menu_doc(cfg, caller, attempt)
            };
        }
    };
    let next = cfg.url(paths::QUEUE, &[("caller", caller), ("line", &line.name)]);
    respond(enqueue(cfg, line, caller), Some(("queue", next)))
}

/// The `<enqueue>` of a queue line. `user_data` travels with every event of the task, so a
/// dashboard sees the line and the caller without asking this application.
fn enqueue(cfg: &Config, line: &QueueLine, caller: &str) -> El {
    let p = &cfg.prompts;
    let mut el = El::new("enqueue")
        .attr("wait_voice", &p.wait)
        .attr("hold_voice", &p.hold)
        .attr("play_num", "true");
    if let Some(pre) = &p.agent_is {
        el = el.attr("pre_num_voice", pre);
    }
    if let Some(post) = &p.at_service {
        el = el.attr("post_num_voice", post);
    }
    el = el
        .attr("choice", "lru")
        .attr("fail_overflow", "true")
        .attr("conversation_timeout", 3600)
        .attr("user_data", format!("line={};caller={caller}", line.name));
    if cfg.record {
        el = el.attr("record", "true");
    }
    for r in &line.routes {
        let skill = El::new("skill")
            .attr("name", &r.skill)
            .attr("priority", r.priority)
            .attr("queue_timeout", r.queue_timeout)
            .attr("fetch_timeout", r.fetch_timeout);
        el = el.child(El::new("route").child(skill));
    }
    el
}

/// The answer to an `<enqueue>`'s outcome: the survey after a conversation, a voicemail
/// when no agent was reached, `<hangup/>` when the caller is gone.
pub fn queue_outcome(cfg: &Config, cb: &Callback) -> El {
    let caller = field(&cb.caller, CALLER_CHARS);
    let line = field(&cb.line, ID_CHARS);
    if cb.cause.as_deref() == Some("hangup") {
        return respond(El::new("hangup"), None);
    }
    if cb.error.is_some() || cb.result.as_deref() != Some("success") {
        return voicemail_doc(cfg, caller, line);
    }
    if cb.data.as_deref() == Some(NO_SURVEY) {
        return goodbye(cfg);
    }
    let get = El::new("get")
        .attr("valid_keys", "12345")
        .attr("max_keys", 1)
        .attr("first_key_timeout", 10)
        .child(play(&cfg.prompts.survey));
    let params = [
        ("caller", caller),
        ("line", line),
        ("agent", field(&cb.agent_name, ID_CHARS)),
        ("conversation", field(&cb.conversation_id, ID_CHARS)),
        ("note", field(&cb.data, NOTE_CHARS)),
    ];
    respond(get, Some(("survey", cfg.url(paths::SURVEY, &params))))
}

/// The survey's key: a result to keep (when a score was given), and thanks.
pub fn survey(cfg: &Config, cb: &Callback) -> (El, Option<SurveyResult>) {
    let score = match cb.keys.as_deref() {
        Some(k @ ("1" | "2" | "3" | "4" | "5")) if cb.error.is_none() => k.parse::<u8>().ok(),
        _ => None,
    };
    let Some(score) = score else {
        return (goodbye(cfg), None);
    };
    let result = SurveyResult {
        call_id: clip(&cb.call_id, ID_CHARS).to_owned(),
        caller: field(&cb.caller, CALLER_CHARS).to_owned(),
        line: field(&cb.line, ID_CHARS).to_owned(),
        agent: field(&cb.agent, ID_CHARS).to_owned(),
        conversation_id: field(&cb.conversation, ID_CHARS).to_owned(),
        score,
        note: field(&cb.note, NOTE_CHARS).to_owned(),
    };
    let thanks = respond(
        play(&cfg.prompts.thanks),
        Some(("bye", cfg.url(paths::BYE, &[]))),
    );
    (thanks, Some(result))
}

/// The apology, then on to [`paths::VOICEMAIL`].
fn voicemail_doc(cfg: &Config, caller: &str, line: &str) -> El {
    let next = cfg.url(paths::VOICEMAIL, &[("caller", caller), ("line", line)]);
    respond(play(&cfg.prompts.sorry), Some(("voicemail", next)))
}

/// After the apology: record up to two minutes, `#` to stop.
pub fn voicemail(cfg: &Config, cb: &Callback) -> El {
    let record = El::new("record")
        .attr("max_duration", 120)
        .attr("beeping", "true")
        .attr("finish_keys", "#");
    let params = [
        ("caller", field(&cb.caller, CALLER_CHARS)),
        ("line", field(&cb.line, ID_CHARS)),
    ];
    respond(
        record,
        Some(("recorded", cfg.url(paths::RECORDED, &params))),
    )
}

/// The recording's outcome: a voicemail to keep (unless recording failed), and thanks.
pub fn recorded(cfg: &Config, cb: &Callback) -> (El, Option<Voicemail>) {
    let record_id = match (&cb.error, &cb.record_id) {
        (None, Some(id)) if !id.is_empty() => id,
        _ => return (goodbye(cfg), None),
    };
    let mail = Voicemail {
        call_id: clip(&cb.call_id, ID_CHARS).to_owned(),
        caller: field(&cb.caller, CALLER_CHARS).to_owned(),
        line: field(&cb.line, ID_CHARS).to_owned(),
        record_id: clip(record_id, ID_CHARS).to_owned(),
    };
    let thanks = respond(
        play(&cfg.prompts.thanks),
        Some(("bye", cfg.url(paths::BYE, &[]))),
    );
    (thanks, Some(mail))
}

/// The last step.
pub fn bye() -> El {
    respond(El::new("hangup"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("坐席坐席", 2), "坐席");
        assert_eq!(clip("ab", 5), "ab");
        assert_eq!(clip("", 0), "");
    }

    #[test]
    fn urls_percent_encode_what_they_carry() {
        let cfg = Config::new("http://app:9000/", Vec::new()).unwrap();
        assert_eq!(
            cfg.url("/ivr/menu", &[("caller", "+1 555&x"), ("attempt", "2")]),
            "http://app:9000/ivr/menu?caller=%2B1%20555%26x&attempt=2"
        );
        assert_eq!(cfg.url("/ivr/bye", &[]), "http://app:9000/ivr/bye");
    }

    #[test]
    fn prompts_are_set_by_name() {
        let mut p = Prompts::default();
        p.set("welcome", "hello.wav").unwrap();
        p.set("agent_is", "agent.wav").unwrap();
        assert_eq!(p.welcome, "hello.wav");
        assert_eq!(p.agent_is.as_deref(), Some("agent.wav"));
        p.set("agent_is", "").unwrap();
        assert_eq!(p.agent_is, None);
        assert!(p
            .set("nope", "x")
            .unwrap_err()
            .to_string()
            .contains("welcome"));
    }

    #[test]
    fn a_bad_public_url_is_refused() {
        assert!(Config::new("ftp://x", Vec::new()).is_err());
        assert!(Config::new(&format!("http://{}", "a".repeat(2000)), Vec::new()).is_err());
    }
}
