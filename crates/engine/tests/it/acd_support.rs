//! A call-center harness: an in-memory store with one call center and two extensions, the hub
//! on a `ManualClock`, a scripted connector, and helpers that let every actor finish what it
//! was told before a test looks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sb_acd::agent::{AgentName, AgentState, Skill, Skills};
use sb_store::{
    CallCenterId, ExtensionId, ExtensionKind, NewCallCenter, Settings, SqliteStore, StoreHandle,
};
use serde_json::Value;
use switchboard_engine::acd::{
    AgentCallId, AgentConnector, CallCenterHub, HubConfig, LoginRequest, RingOutcome, RingReply,
    RingRequest, TaskId, TaskKind, TaskRequest, TaskUpdate,
};
use switchboard_engine::clock::ManualClock;
use tokio::sync::mpsc;

/// Rings nobody: records each ring so the test decides its outcome.
#[derive(Debug, Default)]
pub struct ScriptedPhones {
    rings: Mutex<Vec<(RingRequest, RingReply, AgentCallId)>>,
    pub cancelled: Mutex<Vec<AgentCallId>>,
    pub hung_up: Mutex<Vec<String>>,
}

impl AgentConnector for ScriptedPhones {
    fn ring(&self, req: RingRequest, reply: RingReply) -> AgentCallId {
        let mut rings = self.rings.lock().unwrap();
        let call = AgentCallId(format!("call{}", rings.len() + 1));
        rings.push((req, reply, call.clone()));
        call
    }

    fn cancel(&self, call: &AgentCallId) {
        self.cancelled.lock().unwrap().push(call.clone());
    }

    fn hang_up_agent(&self, _: &CallCenterId, agent: &AgentName) {
        self.hung_up.lock().unwrap().push(agent.as_str().to_owned());
    }
}

impl ScriptedPhones {
    /// (agent, task, call) of every ring so far, in order.
    pub fn rings(&self) -> Vec<(String, TaskId, AgentCallId)> {
        self.rings
            .lock()
            .unwrap()
            .iter()
            .map(|(r, _, c)| (r.agent.as_str().to_owned(), r.task, c.clone()))
            .collect()
    }

    /// Ends ring number `i` (from 0) with `outcome`.
    pub fn finish(&self, i: usize, outcome: RingOutcome) {
        let rings = self.rings.lock().unwrap();
        let (_, reply, call) = &rings[i];
        reply.report(call.clone(), outcome);
    }

    pub fn cancelled(&self) -> Vec<AgentCallId> {
        self.cancelled.lock().unwrap().clone()
    }
}

pub struct Cc {
    pub hub: CallCenterHub,
    pub store: StoreHandle,
    pub clock: ManualClock,
    pub phones: Arc<ScriptedPhones>,
    pub cc: CallCenterId,
    pub ext: ExtensionId,
}

/// A store with one call center (`settings`) and two extensions.
pub fn seeded(settings: Settings) -> (StoreHandle, CallCenterId, ExtensionId, ExtensionId) {
    let store = StoreHandle::new(SqliteStore::open_in_memory().unwrap());
    let s = store.blocking();
    let cc = s
        .create_callcenter(
            &NewCallCenter {
                name: "support".into(),
                ivr_url: None,
                callback_url: None,
                settings,
            },
            1,
        )
        .unwrap()
        .id;
    let ext = |telnum: &str| {
        s.create_extension(
            &cc,
            &ExtensionKind::Number {
                telnum: telnum.into(),
            },
            1,
        )
        .unwrap()
        .id
    };
    let (a, b) = (ext("13800000001"), ext("13800000002"));
    (store, cc, a, b)
}

/// Starts a hub over `store` (paused tokio time is the test's business).
pub async fn hub_on(
    store: StoreHandle,
    clock: &ManualClock,
    phones: &Arc<ScriptedPhones>,
) -> CallCenterHub {
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    CallCenterHub::start(HubConfig {
        store,
        events: bus,
        clock: Arc::new(clock.clone()),
        connector: phones.clone(),
        seed: Some(7),
    })
    .await
    .unwrap()
}

pub async fn start_with(settings: Settings) -> Cc {
    tokio::time::pause();
    let (store, cc, ext, _) = seeded(settings);
    let clock = ManualClock::starting_now();
    let phones = Arc::new(ScriptedPhones::default());
    let hub = hub_on(store.clone(), &clock, &phones).await;
    Cc {
        hub,
        store,
        clock,
        phones,
        cc,
        ext,
    }
}

pub async fn start() -> Cc {
    start_with(Settings::default()).await
}

pub fn name(s: &str) -> AgentName {
    AgentName::new(s).unwrap()
}

pub fn state(s: &str) -> AgentState {
    s.parse().unwrap()
}

impl Cc {
    pub fn login_request(&self, agent: &str, skills: &[(&str, i64)]) -> LoginRequest {
        LoginRequest {
            name: name(agent),
            num: Some("1001".into()),
            state: None,
            skills: Skills::new(skills.iter().map(|(n, s)| Skill::new(n, *s, true).unwrap())),
            extension: self.ext.clone(),
        }
    }

    /// Logs `agent` in with `skills` and makes it idle.
    pub async fn idle_agent(&self, agent: &str, skills: &[(&str, i64)]) {
        self.hub
            .login(&self.cc, self.login_request(agent, skills))
            .await
            .unwrap();
        self.hub
            .set_state(&self.cc, &name(agent), AgentState::IDLE)
            .await
            .unwrap();
        self.settle().await;
    }

    /// Queues a task with `xml`; its updates arrive on the receiver.
    pub async fn enqueue(&self, xml: &str) -> (TaskId, mpsc::UnboundedReceiver<TaskUpdate>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = self
            .hub
            .enqueue(
                &self.cc,
                TaskRequest {
                    kind: TaskKind::Ivr,
                    xml: xml.into(),
                    origin_call_id: Some("caller1".into()),
                    user_data: None,
                    reports: Some(tx),
                    exclude: None,
                },
            )
            .await
            .unwrap();
        self.settle().await;
        (task, rx)
    }

    /// Lets every message in flight be handled: a few round trips through every agent and the
    /// router (each answered after what was queued before it), then the write-behinds.
    pub async fn settle(&self) {
        for _ in 0..4 {
            let (agents, _) = self
                .hub
                .agents(&self.cc, sb_store::Page { no: 1, size: 2000 });
            for a in agents {
                let _ = self.hub.agent(&self.cc, &a.name).await;
            }
            let _ = self.hub.queue(&self.cc).await;
        }
        self.hub.flush().await;
    }

    /// Moves the engine clock and tokio's paused clock together, then settles. Tokio's timer
    /// wheel rounds deadlines up to the next millisecond, so its clock goes 1 ms further for a
    /// timer due exactly at the new time to fire; the actors read time from `clock` only.
    pub async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        tokio::time::advance(by + Duration::from_millis(1)).await;
        self.settle().await;
    }

    pub async fn agent_state(&self, agent: &str) -> String {
        self.hub
            .agent(&self.cc, &name(agent))
            .await
            .unwrap()
            .state
            .to_string()
    }

    /// Every event recorded so far: (name, body).
    pub fn events(&self) -> Vec<(String, Value)> {
        self.store
            .blocking()
            .events_after(&self.cc, 0, 10_000)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, serde_json::from_str(&e.body).unwrap()))
            .collect()
    }

    /// `(previous, latest)` of every `state_changed` of `agent`.
    pub fn state_changes(&self, agent: &str) -> Vec<(String, String)> {
        self.events()
            .into_iter()
            .filter(|(n, b)| n == "callcenter.agent.state_changed" && b["name"] == agent)
            .map(|(_, b)| {
                (
                    b["previous_state"].as_str().unwrap().to_owned(),
                    b["latest_state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Bodies of the `callcenter.queue.<kind>` events.
    pub fn queue_events(&self, kind: &str) -> Vec<Value> {
        let want = format!("callcenter.queue.{kind}");
        self.events()
            .into_iter()
            .filter(|(n, _)| *n == want)
            .map(|(_, b)| b)
            .collect()
    }
}

/// `<enqueue>` with one `<skill>` route.
pub fn skill_route(skill: &str, extra: &str) -> String {
    format!(r#"<enqueue><route><skill name="{skill}" {extra}/></route></enqueue>"#)
}

/// Drains the updates received so far.
pub fn updates(rx: &mut mpsc::UnboundedReceiver<TaskUpdate>) -> Vec<TaskUpdate> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}
