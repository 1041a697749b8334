//! The whole call-center story through the running binary, with real phones: IVR, DTMF,
//! queueing by skill, wait music and `play_num`, talk, a supervisor listening in, a
//! transfer, the return to the IVR with `data` and a survey digit, beside a SIPp caller who
//! abandons the queue (tests/interop/pjsua/story.py tells it and proves by ear who hears
//! what). This test serves the IVR application, then checks what the application received,
//! every webhook in order, the conversation records and the recording.

mod app;

use serde_json::{json, Value};

use crate::conversations::Site;
use app::{ivr_requests, IvrApp};

const NUMBER: &str = "4009";
const SIPP_NUMBER: &str = "4010";
const CUSTOMER_IP: &str = "127.0.0.9";
const SIPP_IP: &str = "127.0.0.10";

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
            "alice009",
            "alice009pw",
            "bob00009",
            "bob00009pw",
            "sue00009",
            "sue00009pw",
            NUMBER,
            SIPP_NUMBER,
            SIPP_IP,
        ],
    );
    println!("{}", run.output);
    assert!(run.success, "the story script failed:\n{}", run.output);

    let (customer, sipp) = ivr_requests(&app);
    let events = site.await_event("the customer's call end", |e| {
        e["event"] == "ivr.call_end" && e["call_id"] == customer.call_id
    });
    let story = Story::read(&events, &customer.call_id, &sipp.call_id);
    story.in_order();
    story.per_party();

    // What the IVR application received: the customer's key, the enqueue's outputs with
    // the departing agent's data, the survey digit; SIPp's key from the pcap, and nothing
    // after it hung up in the queue.
    customer.expect_paths(&["/ivr", "/menu", "/after", "/survey"]);
    let after = &customer.requests[2];
    assert_eq!(customer.requests[1].param("keys").as_deref(), Some("1"));
    assert_eq!(after.param("type").as_deref(), Some("enqueue"));
    assert_eq!(after.param("result").as_deref(), Some("success"));
    assert_eq!(after.param("agent_name").as_deref(), Some("bob"));
    assert_eq!(after.param("data").as_deref(), Some("survey"));
    assert_eq!(after.param("conversation_id"), Some(story.second.clone()));
    assert_eq!(customer.requests[3].param("keys").as_deref(), Some("4"));
    sipp.expect_paths(&["/ivr", "/menu"]);
    assert_eq!(sipp.requests[1].param("keys").as_deref(), Some("1"));

    records(&site, &story);
    assert!(site.terminate(), "the server stops cleanly");
}

/// The webhooks of the story and the two conversations it made.
struct Story<'a> {
    events: &'a [Value],
    customer: &'a str,
    sipp: &'a str,
    /// The customer's queue conversation with alice (and sue).
    first: String,
    /// The conversation with bob the transfer made.
    second: String,
}

impl<'a> Story<'a> {
    fn read(events: &'a [Value], customer: &'a str, sipp: &'a str) -> Story<'a> {
        let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "every event once, no gaps");
        let begins: Vec<String> = events
            .iter()
            .filter(|e| e["event"] == "callcenter.conversation.begin")
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            begins.len(),
            2,
            "the queue's and the transfer's: {begins:?}"
        );
        Story {
            events,
            customer,
            sipp,
            first: begins[0].clone(),
            second: begins[1].clone(),
        }
    }

    /// The place of the first event named `name` whose fields include `fields`.
    fn at(&self, name: &str, fields: &Value) -> usize {
        let matches = |e: &Value| {
            e["event"] == name && fields.as_object().unwrap().iter().all(|(k, v)| &e[k] == v)
        };
        self.events
            .iter()
            .position(matches)
            .unwrap_or_else(|| panic!("no {name} with {fields} among {:#?}", self.events))
    }

    /// The story's steps happened in the order told, each step's events in causal order.
    fn in_order(&self) {
        let (c, s) = (self.customer, self.sipp);
        let (c1, c2) = (self.first.as_str(), self.second.as_str());
        let enter =
            |who: &str, conv: &str| json!({"name": who, "type": "enter", "conversation_id": conv});
        let exit =
            |who: &str, conv: &str| json!({"name": who, "type": "exit", "conversation_id": conv});
        let steps = [
            ("ivr.get_end", json!({"call_id": c})),
            (
                "callcenter.queue.select",
                json!({"type": "ivr", "agent_name": "alice", "origin_call_id": c, "user_data": "story"}),
            ),
            (
                "callcenter.queue.success",
                json!({"type": "ivr", "agent_name": "alice", "origin_call_id": c}),
            ),
            (
                "callcenter.conversation.begin",
                json!({"id": c1, "type": "queue", "user_data": "story"}),
            ),
            ("callcenter.agent.conversation_changed", enter("alice", c1)),
            ("ivr.get_end", json!({"call_id": s})),
            (
                "ivr.put_end",
                json!({"call_id": s, "result": "fail", "cause": "hangup"}),
            ),
            ("ivr.call_end", json!({"call_id": s})),
            (
                "callcenter.queue.select",
                json!({"type": "invite_agent", "agent_name": "sue"}),
            ),
            (
                "callcenter.queue.success",
                json!({"type": "invite_agent", "agent_name": "sue"}),
            ),
            ("callcenter.agent.conversation_changed", enter("sue", c1)),
            ("callcenter.agent.conversation_changed", exit("sue", c1)),
            ("callcenter.agent.conversation_changed", exit("alice", c1)),
            (
                "callcenter.conversation.end",
                json!({"id": c1, "end_reason": "member_left"}),
            ),
            (
                "callcenter.queue.select",
                json!({"type": "xfer_agent", "agent_name": "bob", "origin_call_id": c}),
            ),
            (
                "callcenter.queue.success",
                json!({"type": "xfer_agent", "agent_name": "bob", "origin_call_id": c}),
            ),
            (
                "callcenter.conversation.begin",
                json!({"id": c2, "type": "queue"}),
            ),
            ("callcenter.agent.conversation_changed", enter("bob", c2)),
            ("callcenter.agent.conversation_changed", exit("bob", c2)),
            (
                "ivr.put_end",
                json!({"call_id": c, "result": "success", "agent_name": "bob", "conversation_id": c2}),
            ),
            ("ivr.get_end", json!({"call_id": c, "keys": "4"})),
            ("ivr.call_end", json!({"call_id": c})),
        ];
        let places: Vec<usize> = steps.iter().map(|(name, f)| self.at(name, f)).collect();
        for (i, pair) in places.windows(2).enumerate() {
            assert!(
                pair[0] < pair[1],
                "{} {} came before {} {}",
                steps[i + 1].0,
                steps[i + 1].1,
                steps[i].0,
                steps[i].1
            );
        }
        // The abandoned caller's task failed, once; the conversation ended after it.
        self.at(
            "callcenter.queue.fail",
            &json!({"origin_call_id": s, "cause": "hangup"}),
        );
        let fails = self.named("callcenter.queue.fail");
        assert_eq!(fails.len(), 1, "only the abandoned task fails: {fails:#?}");
        assert_eq!(self.named("ivr.call_end").len(), 2);
    }

    fn named(&self, name: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == name).collect()
    }

    /// Each agent went idle → fetching → talking → idle once, entered and left exactly
    /// one conversation; each conversation began and ended once.
    fn per_party(&self) {
        for (agent, conv) in [
            ("alice", &self.first),
            ("sue", &self.first),
            ("bob", &self.second),
        ] {
            let states: Vec<&str> = self
                .named("callcenter.agent.state_changed")
                .into_iter()
                .filter(|e| e["name"] == agent)
                .map(|e| {
                    e["latest_state"]
                        .as_str()
                        .unwrap()
                        .split('/')
                        .next()
                        .unwrap()
                })
                .collect();
            assert_eq!(states, ["fetching", "talking", "idle"], "{agent}");
            let changes: Vec<(&str, &str)> = self
                .named("callcenter.agent.conversation_changed")
                .into_iter()
                .filter(|e| e["name"] == agent)
                .map(|e| {
                    (
                        e["type"].as_str().unwrap(),
                        e["conversation_id"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                changes,
                [("enter", conv.as_str()), ("exit", conv.as_str())],
                "{agent}"
            );
        }
        for conv in [&self.first, &self.second] {
            for name in [
                "callcenter.conversation.begin",
                "callcenter.conversation.end",
            ] {
                let n = self.named(name).iter().filter(|e| &e["id"] == conv).count();
                assert_eq!(n, 1, "{name} of {conv}");
            }
        }
    }
}

/// The conversation records and the first conversation's recording.
fn records(site: &Site, story: &Story<'_>) {
    let first = site.api(
        "GET",
        &format!("/v1/callcenter/conversation/{}", story.first),
        json!({}),
    );
    assert_eq!(first["state"], "completed", "{first}");
    assert_eq!(first["type"], "queue", "{first}");
    assert_eq!(first["end_reason"], "member_left", "{first}");
    let names: Vec<&Value> = first["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["name"])
        .collect();
    assert_eq!(
        names,
        [&Value::Null, &json!("alice"), &json!("sue")],
        "{first}"
    );
    let second = site.api(
        "GET",
        &format!("/v1/callcenter/conversation/{}", story.second),
        json!({}),
    );
    let names: Vec<&Value> = second["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["name"])
        .collect();
    assert_eq!(names, [&Value::Null, &json!("bob")], "{second}");
    for record in [&first, &second] {
        let members = record["members"].as_array().unwrap();
        assert!(members.iter().all(|m| !m["end_time"].is_null()), "{record}");
    }
    let sue = site.api("GET", "/v1/callcenter/conversation?agent=sue", json!({}));
    assert_eq!(sue["totalCount"], 1, "{sue}");
    assert_eq!(sue["result"][0]["id"], json!(story.first), "{sue}");

    // The queue asked for a recording: the end event names it, and it lasts as long as
    // the conversation did.
    let end = story.at("callcenter.conversation.end", &json!({"id": story.first}));
    let file = story.events[end]["record_file"]
        .as_str()
        .expect("record_file");
    let path = format!("/v1/callcenter/recording/{file}");
    let row = site.eventually_api("the recording's row", &path);
    assert_eq!(row["kind"], "conversation", "{row}");
    assert_eq!(row["conversation_id"], json!(story.first), "{row}");
    let lasted = first["end_time"].as_u64().unwrap() - first["begin_time"].as_u64().unwrap();
    let recorded = row["duration_ms"].as_u64().unwrap();
    assert!(
        recorded > 5_000 && recorded.abs_diff(lasted) < 2_000,
        "recorded {recorded} ms of a {lasted} ms conversation: {row}"
    );
    site.assert_recording_is_wav(&path);
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
