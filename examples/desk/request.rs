//! Turning a command into the exact path and body the API expects: the seeds' parameter
//! names and spellings (`backgound` for callout/callagent, `backgroud` for the invitations,
//! `queueId`, `conversationId`, `voiceIoMode`), one pure function so all of it is unit-tested.

use std::path::PathBuf;

use sb_ivr::callback::percent_encode_into;
use serde_json::{json, Map, Value};

use super::cli::{Command, Dial, Select};
use super::{ApiRequest, Method};
use crate::ivr::xml::El;

/// Why a command could not be turned into a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// An `--enqueue-file` could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A `NAME=SCORE` whose score is not a number.
    #[error("`{given}`: expected NAME=SCORE with a whole-number score")]
    BadSkill {
        /// What was given.
        given: String,
    },
    /// No selection was given (clap enforces one; a hand-built `Select` may not).
    #[error("choose the agent with --skill, --to-agent, --enqueue or --enqueue-file")]
    NoSelection,
}

impl Select {
    /// The `<enqueue>` document this selection stands for; the short forms are built with
    /// escaping, a queue timeout of 60 s and the built-in hold music while waiting.
    pub fn enqueue_xml(&self) -> Result<String, InputError> {
        let selector = match (
            &self.skill,
            &self.to_agent,
            &self.enqueue,
            &self.enqueue_file,
        ) {
            (Some(skill), ..) => El::new("skill").attr("name", skill),
            (_, Some(agent), ..) => El::new("agent").attr("name", agent),
            (_, _, Some(xml), _) => return Ok(xml.clone()),
            (_, _, _, Some(path)) => {
                return std::fs::read_to_string(path).map_err(|source| InputError::Read {
                    path: path.clone(),
                    source,
                })
            }
            _ => return Err(InputError::NoSelection),
        };
        let doc = El::new("enqueue")
            .attr("wait_voice", "hold_music")
            .child(El::new("route").child(selector.attr("queue_timeout", 60)));
        Ok(doc.render())
    }
}

/// `NAME=SCORE` or `NAME` (score 0 for `login`).
fn skill_score(given: &str, default: Option<i64>) -> Result<(String, i64), InputError> {
    let bad = || InputError::BadSkill {
        given: given.to_owned(),
    };
    match given.split_once('=') {
        Some((name, score)) => Ok((name.to_owned(), score.trim().parse().map_err(|_| bad())?)),
        None => default.map(|d| (given.to_owned(), d)).ok_or_else(bad),
    }
}

/// A JSON object from `(name, value)` pairs, leaving out `None`s.
fn body(fields: &[(&str, Option<Value>)]) -> Option<Value> {
    let map: Map<String, Value> = fields
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v)))
        .collect();
    Some(Value::Object(map))
}

fn some<T: Into<Value>>(v: T) -> Option<Value> {
    Some(v.into())
}

impl Dial {
    fn fields(&self) -> Vec<(&'static str, Option<Value>)> {
        vec![
            ("to", some(self.to.as_str())),
            ("from", self.from.as_deref().map(Value::from)),
            ("max_dial_seconds", self.max_dial_seconds.map(Value::from)),
            ("max_answer_seconds", some(self.max_answer_seconds)),
        ]
    }
}

/// Builds paths under `/v1/callcenter`, in the long form when a call-center id is given.
#[derive(Debug, Clone)]
pub struct Paths {
    prefix: String,
}

impl Paths {
    /// The short form, or the long one for `callcenter`.
    pub fn new(callcenter: Option<&str>) -> Self {
        let mut prefix = "/v1/callcenter".to_owned();
        if let Some(id) = callcenter {
            prefix.push('/');
            percent_encode_into(id, &mut prefix);
        }
        Self { prefix }
    }

    /// `…/{segments}`, each segment percent-encoded.
    pub fn at(&self, segments: &[&str]) -> String {
        let mut path = self.prefix.clone();
        for s in segments {
            path.push('/');
            percent_encode_into(s, &mut path);
        }
        path
    }
}

fn post(path: String, body: Option<Value>) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path,
        query: Vec::new(),
        body: body.or_else(|| Some(json!({}))),
    }
}

fn get(path: String, query: Vec<(String, String)>) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path,
        query,
        body: None,
    }
}

impl Command {
    /// The request this command makes. `Watch` is a stream, not a request: see
    /// [`super::sse`]; here it is the stream's first request.
    pub fn request(&self, paths: &Paths) -> Result<ApiRequest, InputError> {
        use Command as C;
        let op = |name: &str, op: &str| paths.at(&["agent", name, op]);
        Ok(match self {
            C::Login {
                name,
                extension,
                num,
                state,
                skills,
            } => login(paths, name, extension, num, state, skills)?,
            C::Skills {
                name,
                set,
                remove,
                clear,
            } => skill_opts(paths, name, set, remove, *clear)?,
            C::Logout { name, force } => ApiRequest {
                method: Method::Delete,
                path: paths.at(&["agent", name]),
                query: vec![("force".into(), force.to_string())],
                body: None,
            },
            C::Keepalive { name } => get(op(name, "keepalive"), Vec::new()),
            C::State { name, state } => {
                post(op(name, "state"), body(&[("state", some(state.as_str()))]))
            }
            C::Agents { name: Some(name) } => get(paths.at(&["agent", name]), Vec::new()),
            C::Agents { name: None } => get(paths.at(&["agent"]), Vec::new()),
            C::Reject { name, task, data } => post(
                op(name, "reject"),
                body(&[
                    ("task_id", some(task.as_str())),
                    ("data", data.as_deref().map(Value::from)),
                ]),
            ),
            C::Callout {
                name,
                dial,
                background,
            } => {
                let mut fields = dial.fields();
                fields.push(("backgound", some(*background)));
                post(op(name, "callout"), body(&fields))
            }
            C::CallAgent {
                name,
                select,
                background,
            } => post(
                op(name, "callagent"),
                body(&[
                    ("enqueue", some(select.enqueue_xml()?)),
                    ("backgound", some(*background)),
                ]),
            ),
            C::ForwardAgent {
                name,
                queue_id,
                select,
            } => post(
                op(name, "forwardAgent"),
                body(&[
                    ("queueId", some(queue_id.as_str())),
                    ("enqueue", some(select.enqueue_xml()?)),
                ]),
            ),
            C::XferAgent {
                name,
                conversation,
                select,
                keep,
            } => post(
                op(name, "xferAgent"),
                body(&[
                    ("conversationId", some(conversation.as_str())),
                    ("queue", some(select.enqueue_xml()?)),
                    ("release", some(!keep)),
                ]),
            ),
            C::XferOut {
                name,
                conversation,
                dial,
                keep,
            } => {
                let mut fields = vec![("conversationId", some(conversation.as_str()))];
                fields.extend(dial.fields());
                fields.push(("release", some(!keep)));
                post(op(name, "xferOut"), body(&fields))
            }
            C::Pause { name, conversation } => post(
                op(name, "pause"),
                body(&[("conversationId", some(conversation.as_str()))]),
            ),
            C::Resume {
                name,
                conversation,
                mode,
            } => post(op(name, "resume"), mode_body(conversation, *mode)),
            C::SetMode {
                name,
                conversation,
                mode,
            } => post(
                op(name, "setVoiceIoMode"),
                mode_body(conversation, Some(*mode)),
            ),
            C::Join {
                name,
                conversation,
                mode,
            } => post(op(name, "join"), mode_body(conversation, *mode)),
            C::Depart {
                name,
                conversation,
                data,
            } => post(
                op(name, "depart"),
                body(&[
                    ("conversationId", some(conversation.as_str())),
                    ("data", data.as_deref().map(Value::from)),
                ]),
            ),
            C::InviteAgent {
                name,
                conversation,
                select,
                background,
                mode,
            } => post(
                op(name, "inviteAgent"),
                body(&[
                    ("conversationId", some(conversation.as_str())),
                    ("enqueue", some(select.enqueue_xml()?)),
                    ("backgroud", some(*background)),
                    ("voiceIoMode", mode.map(Value::from)),
                ]),
            ),
            C::InviteOut {
                name,
                conversation,
                dial,
                background,
                mode,
            } => {
                let mut fields = vec![("conversationId", some(conversation.as_str()))];
                fields.extend(dial.fields());
                fields.push(("backgroud", some(*background)));
                fields.push(("voiceIoMode", mode.map(Value::from)));
                post(op(name, "inviteOut"), body(&fields))
            }
            C::Watch { since, .. } => super::sse::stream_request(paths, *since),
        })
    }
}

/// `POST /agent`: the skills as `{name, score, enabled: true}`.
fn login(
    paths: &Paths,
    name: &str,
    extension: &str,
    num: &Option<String>,
    state: &Option<String>,
    skills: &[String],
) -> Result<ApiRequest, InputError> {
    let skills = skills
        .iter()
        .map(|s| {
            let (name, score) = skill_score(s, Some(0))?;
            Ok(json!({"name": name, "score": score, "enabled": true}))
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    let fields = [
        ("name", some(name)),
        ("extension", some(extension)),
        ("num", num.as_deref().map(Value::from)),
        ("state", state.as_deref().map(Value::from)),
        (
            "skills",
            (!skills.is_empty()).then_some(Value::Array(skills)),
        ),
    ];
    Ok(post(paths.at(&["agent"]), body(&fields)))
}

/// `POST /agent/{name}/skills`: `opt` 0 clears, 2 removes, 1 adds or updates, in that order.
fn skill_opts(
    paths: &Paths,
    name: &str,
    set: &[String],
    remove: &[String],
    clear: bool,
) -> Result<ApiRequest, InputError> {
    let mut opts = Vec::new();
    if clear {
        opts.push(json!({"opt": 0}));
    }
    opts.extend(remove.iter().map(|r| json!({"opt": 2, "name": r})));
    for s in set {
        let (skill, score) = skill_score(s, None)?;
        opts.push(json!({"opt": 1, "name": skill, "score": score, "enabled": true}));
    }
    let path = paths.at(&["agent", name, "skills"]);
    Ok(post(path, Some(json!({ "opts": opts }))))
}

fn mode_body(conversation: &str, mode: Option<i64>) -> Option<Value> {
    body(&[
        ("conversationId", some(conversation)),
        ("voiceIoMode", mode.map(Value::from)),
    ])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use clap::Parser;

    use super::*;
    use crate::desk::cli::Cli;

    fn request(args: &[&str]) -> ApiRequest {
        let mut argv = vec!["agent_desk", "--token", "t"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        cli.command
            .request(&Paths::new(cli.callcenter.as_deref()))
            .unwrap()
    }

    fn posted(args: &[&str]) -> (String, Value) {
        let req = request(args);
        assert_eq!(req.method, Method::Post, "{args:?}");
        (req.path, req.body.expect("a POST has a body"))
    }

    const SKILL_SALES: &str = "<enqueue wait_voice=\"hold_music\">\n  <route>\n    \
        <skill name=\"sales\" queue_timeout=\"60\"/>\n  </route>\n</enqueue>\n";

    #[test]
    fn every_agent_operation_posts_the_seed_s_names() {
        let c = "0123456789abcdef0123456789abcdef";
        let cases: Vec<(Vec<&str>, &str, Value)> = vec![
            (
                vec!["reject", "alice", "--task", "t1", "--data", "busy"],
                "reject",
                json!({"task_id": "t1", "data": "busy"}),
            ),
            (
                vec![
                    "callout",
                    "alice",
                    "10086",
                    "--max-answer-seconds",
                    "60",
                    "--from",
                    "4001",
                ],
                "callout",
                json!({"to": "10086", "from": "4001", "max_answer_seconds": 60, "backgound": false}),
            ),
            (
                vec!["callagent", "alice", "--skill", "sales", "--background"],
                "callagent",
                json!({"enqueue": SKILL_SALES, "backgound": true}),
            ),
            (
                vec![
                    "forwardAgent",
                    "alice",
                    "--queue-id",
                    "q1",
                    "--skill",
                    "sales",
                ],
                "forwardAgent",
                json!({"queueId": "q1", "enqueue": SKILL_SALES}),
            ),
            (
                vec![
                    "xfer-agent",
                    "alice",
                    "--conversation",
                    c,
                    "--skill",
                    "sales",
                    "--keep",
                ],
                "xferAgent",
                json!({"conversationId": c, "queue": SKILL_SALES, "release": false}),
            ),
            (
                vec![
                    "xferOut",
                    "alice",
                    "--conversation",
                    c,
                    "110",
                    "--max-answer-seconds",
                    "5",
                    "--max-dial-seconds",
                    "30",
                ],
                "xferOut",
                json!({"conversationId": c, "to": "110", "max_dial_seconds": 30,
                    "max_answer_seconds": 5, "release": true}),
            ),
            (
                vec!["pause", "alice", "--conversation", c],
                "pause",
                json!({"conversationId": c}),
            ),
            (
                vec!["resume", "alice", "--conversation", c, "--mode", "2"],
                "resume",
                json!({"conversationId": c, "voiceIoMode": 2}),
            ),
            (
                vec![
                    "setVoiceIoMode",
                    "alice",
                    "--conversation",
                    c,
                    "--mode",
                    "4",
                ],
                "setVoiceIoMode",
                json!({"conversationId": c, "voiceIoMode": 4}),
            ),
            (
                vec!["join", "alice", "--conversation", c],
                "join",
                json!({"conversationId": c}),
            ),
            (
                vec![
                    "depart",
                    "alice",
                    "--conversation",
                    c,
                    "--data",
                    "no_survey",
                ],
                "depart",
                json!({"conversationId": c, "data": "no_survey"}),
            ),
            (
                vec![
                    "invite-agent",
                    "alice",
                    "--conversation",
                    c,
                    "--to-agent",
                    "bob",
                    "--mode",
                    "3",
                ],
                "inviteAgent",
                json!({"conversationId": c, "backgroud": false, "voiceIoMode": 3,
                    "enqueue": "<enqueue wait_voice=\"hold_music\">\n  <route>\n    \
                                <agent name=\"bob\" queue_timeout=\"60\"/>\n  </route>\n</enqueue>\n"}),
            ),
            (
                vec![
                    "inviteOut",
                    "alice",
                    "--conversation",
                    c,
                    "120",
                    "--max-answer-seconds",
                    "9",
                    "--background",
                ],
                "inviteOut",
                json!({"conversationId": c, "to": "120", "max_answer_seconds": 9, "backgroud": true}),
            ),
        ];
        assert_eq!(cases.len(), 13, "SPEC §6 has 13 operations");
        for (args, op, body) in cases {
            let (path, got) = posted(&args);
            assert_eq!(path, format!("/v1/callcenter/agent/alice/{op}"), "{args:?}");
            assert_eq!(got, body, "{args:?}");
        }
    }

    #[test]
    fn login_state_and_skills() {
        let (path, body) = posted(&[
            "login",
            "alice",
            "--extension",
            "e1",
            "--num",
            "1001",
            "--skill",
            "sales=80",
            "--skill",
            "general",
        ]);
        assert_eq!(path, "/v1/callcenter/agent");
        assert_eq!(
            body,
            json!({"name": "alice", "extension": "e1", "num": "1001", "skills": [
            {"name": "sales", "score": 80, "enabled": true},
            {"name": "general", "score": 0, "enabled": true}]})
        );
        let (path, body) = posted(&["state", "alice", "busy/after_call_work"]);
        assert_eq!(path, "/v1/callcenter/agent/alice/state");
        assert_eq!(body, json!({"state": "busy/after_call_work"}));
        let (path, body) = posted(&[
            "skills", "alice", "--clear", "--remove", "old", "--set", "vip=9",
        ]);
        assert_eq!(path, "/v1/callcenter/agent/alice/skills");
        assert_eq!(
            body,
            json!({"opts": [{"opt": 0}, {"opt": 2, "name": "old"},
                                         {"opt": 1, "name": "vip", "score": 9, "enabled": true}]})
        );
        let logout = request(&["logout", "alice", "--force"]);
        assert_eq!(
            (logout.method, logout.path.as_str()),
            (Method::Delete, "/v1/callcenter/agent/alice")
        );
        assert_eq!(logout.query, vec![("force".to_owned(), "true".to_owned())]);
        assert_eq!(
            request(&["keepalive", "alice"]).path,
            "/v1/callcenter/agent/alice/keepalive"
        );
        assert_eq!(request(&["agents"]).path, "/v1/callcenter/agent");
    }

    #[test]
    fn the_long_form_and_odd_names_are_encoded() {
        let req = request(&[
            "--callcenter",
            "cc1",
            "pause",
            "a/b c",
            "--conversation",
            "x",
        ]);
        assert_eq!(req.path, "/v1/callcenter/cc1/agent/a%2Fb%20c/pause");
        let watch = request(&["watch", "--since", "41"]);
        assert_eq!(watch.path, "/v1/callcenter/events/stream");
        assert_eq!(watch.query, vec![("since".to_owned(), "41".to_owned())]);
    }

    #[test]
    fn selections_are_escaped_and_required() {
        let stored: std::collections::HashMap<String, sb_acd::enqueue::Condition> =
            std::collections::HashMap::new();
        let mut skills = sb_acd::skill::SkillInterner::new();
        sb_acd::enqueue::parse(SKILL_SALES, &stored, &mut skills).expect("a valid <enqueue>");
        let (_, body) = posted(&["callagent", "alice", "--skill", "a\"<b"]);
        assert!(body["enqueue"]
            .as_str()
            .unwrap()
            .contains("name=\"a&quot;&lt;b\""));
        let mut argv = vec!["agent_desk", "--token", "t", "callagent", "alice"];
        assert!(
            Cli::try_parse_from(argv.clone()).is_err(),
            "a selection is required"
        );
        argv.extend(["--skill", "x", "--to-agent", "y"]);
        assert!(Cli::try_parse_from(argv).is_err(), "only one selection");
        let bad = Cli::try_parse_from([
            "agent_desk",
            "--token",
            "t",
            "login",
            "a",
            "--extension",
            "e",
            "--skill",
            "x=high",
        ])
        .unwrap();
        assert!(bad.command.request(&Paths::new(None)).is_err());
    }
}
