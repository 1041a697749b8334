//! [`CallCenterHub`]: the one handle the API and the calls layer hold.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use rand::rngs::StdRng;
use rand::{RngCore as _, SeedableRng as _};
use sb_acd::agent::{
    Agent, AgentName, AgentPolicy, AgentState, Base, ReturnTo, Skill, SkillOpt, Skills,
};
use sb_acd::conversation::ConversationId;
use sb_acd::enqueue::{parse, Condition, ConditionLookup};
use sb_acd::routing::{FailCause, TaskId, TaskKind};
use sb_acd::skill::SkillInterner;
use sb_events::EventBus;
use sb_store::{
    AgentRecord, CallCenterId, ConditionId, ConditionRecord, ExtensionId, Page, Settings,
    StoreHandle,
};
use tokio::sync::mpsc;

use super::agent::{self as agent_msg, AgentActor};
use super::connector::{AgentCallId, AgentConnector};
use super::persist::AgentWriter;
use super::publish::Publisher;
use super::registry::{Center, Registry, Slot};
use super::router::{self, RouterActor};
use super::AcdError;
use crate::clock::Clock;

/// What the hub needs to run.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Call centers, extensions, conditions, and where agents are kept.
    pub store: StoreHandle,
    /// Where `callcenter.*` events go.
    pub events: EventBus,
    /// Time for timers and records.
    pub clock: Arc<dyn Clock>,
    /// Rings agents' extensions.
    pub connector: Arc<dyn AgentConnector>,
    /// Seeds task ids and `choice="random"`; `None` seeds from the operating system.
    pub seed: Option<u64>,
}

/// A logged-in agent as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentView {
    /// Name.
    pub name: AgentName,
    /// Job number.
    pub num: Option<String>,
    /// Current state.
    pub state: AgentState,
    /// Skills in the order they were added.
    pub skills: Vec<Skill>,
    /// Bound extension.
    pub extension: ExtensionId,
    /// Login time, ms since the Unix epoch.
    pub login_time: u64,
}

/// A login (`POST /callcenter/agent`), validated by the caller.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// Name, unique in the call center.
    pub name: AgentName,
    /// Job number.
    pub num: Option<String>,
    /// A settable state to start in; `online` when absent.
    pub state: Option<AgentState>,
    /// Initial skills.
    pub skills: Skills,
    /// The extension's id (must exist in the call center).
    pub extension: ExtensionId,
}

/// A new queue task.
#[derive(Debug, Clone)]
pub struct TaskRequest {
    /// What creates it.
    pub kind: TaskKind,
    /// The `<enqueue>` document (SPEC §8).
    pub xml: String,
    /// The call waiting for an agent, if any.
    pub origin_call_id: Option<String>,
    /// Overrides the document's `user_data`.
    pub user_data: Option<String>,
    /// Where the task's progress goes (the IVR session or operation that created it).
    pub reports: Option<mpsc::UnboundedSender<TaskUpdate>>,
    /// An agent never offered this task: the one that asked for it (`callagent`,
    /// `xferAgent`), which may well be idle while its own phone rings.
    pub exclude: Option<AgentName>,
}

/// A task's progress, for whoever created it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskUpdate {
    /// An agent was selected and its extension rings.
    Ringing {
        /// The task.
        task: TaskId,
        /// The agent.
        agent: AgentName,
        /// Its extension.
        extension: ExtensionId,
        /// The ringing call.
        call: AgentCallId,
    },
    /// The agent answered: `call` is its agent connection, ready to join a conversation.
    Succeeded {
        /// The task.
        task: TaskId,
        /// The agent.
        agent: AgentName,
        /// Its extension.
        extension: ExtensionId,
        /// The answered call.
        call: AgentCallId,
    },
    /// The task ended without an agent.
    Failed {
        /// The task.
        task: TaskId,
        /// Why.
        cause: FailCause,
        /// `data` of a reject, for the IVR's `<next>` request.
        data: Option<String>,
    },
}

/// A waiting or ringing task as `GET /callcenter/queue` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueView {
    /// Task id.
    pub id: TaskId,
    /// What created it.
    pub kind: TaskKind,
    /// 1-based place among waiting tasks; `None` while it rings an agent.
    pub position: Option<usize>,
    /// Time since it was enqueued.
    pub waiting: Duration,
    /// When it was enqueued, ms since the Unix epoch.
    pub enqueue_time: u64,
    /// The call waiting, if any.
    pub origin_call_id: Option<String>,
    /// The task's user data.
    pub user_data: Option<String>,
    /// The agent being rung.
    pub agent: Option<AgentName>,
    /// The stored condition of its current route, if it is one.
    pub condition_id: Option<String>,
    /// Index of its current route.
    pub route: usize,
}

/// What every actor of the hub shares.
pub(crate) struct Shared {
    pub(crate) store: StoreHandle,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) connector: Arc<dyn AgentConnector>,
    pub(crate) publisher: Publisher,
    pub(crate) writer: AgentWriter,
    pub(crate) registry: Registry,
    arbiter: ArbiterHandle,
    rng: Mutex<StdRng>,
}

impl Shared {
    fn random(&self) -> u128 {
        // The RNG holds no invariant a panic elsewhere could break: keep using it.
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64())
    }
}

/// The call-center engine's handle: agents, their states and queue tasks. Cheap to clone;
/// every method answers once the owning actor has decided.
#[derive(Clone)]
pub struct CallCenterHub {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CallCenterHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallCenterHub")
            .field("registry", &self.shared.registry)
            .finish_non_exhaustive()
    }
}

fn policy(settings: &Settings) -> AgentPolicy {
    AgentPolicy {
        max_no_answer: settings.max_no_answer.max(1),
        keepalive_timeout: Duration::from_secs(u64::from(settings.keepalive_timeout.max(1))),
    }
}

/// A call center's entry with a fresh router actor.
fn new_center(shared: &Arc<Shared>, cc: &CallCenterId) -> Center {
    // Truncating the random value keeps 64 random bits, all a seed needs.
    let (cc, seed, sh) = (cc.clone(), shared.random() as u64, Arc::clone(shared));
    Center {
        router: RouterActor::start_in_arbiter(&shared.arbiter, move |_| {
            RouterActor::new(cc, seed, sh)
        }),
        agents: BTreeMap::new(),
    }
}

/// Records which stored conditions a document names, to load them before the real parse.
#[derive(Default)]
struct Wanted(RefCell<Vec<String>>);

impl ConditionLookup for Wanted {
    fn condition(&self, id: &str) -> Option<Condition> {
        let mut ids = self.0.borrow_mut();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
        None
    }
}

/// How often the agents-by-state gauges are published.
const AGENT_CENSUS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Publishes `switchboard_agents{state}` from the read model until the hub is gone. States
/// that emptied are set to zero, so a gauge never sticks at its last value.
fn spawn_agent_census(shared: std::sync::Weak<Shared>) {
    tokio::spawn(async move {
        let mut seen: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let mut tick = tokio::time::interval(AGENT_CENSUS_EVERY);
        loop {
            tick.tick().await;
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let counts = shared.registry.census();
            for state in &seen {
                if !counts.contains_key(state) {
                    metrics::gauge!("switchboard_agents", "state" => state.clone()).set(0.0);
                }
            }
            for (state, n) in &counts {
                metrics::gauge!("switchboard_agents", "state" => state.clone()).set(*n as f64);
                seen.insert(state.clone());
            }
        }
    });
}

impl CallCenterHub {
    /// Starts the hub on the current actix arbiter and brings back the agents that were
    /// logged in when the server stopped (one that was fetching or talking comes back idle).
    pub async fn start(config: HubConfig) -> Result<Self, AcdError> {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let shared = Arc::new(Shared {
            publisher: Publisher::spawn(config.events),
            writer: AgentWriter::spawn(config.store.clone()),
            store: config.store,
            clock: config.clock,
            connector: config.connector,
            registry: Registry::default(),
            arbiter: Arbiter::current(),
            rng: Mutex::new(rng),
        });
        let hub = Self { shared };
        hub.reload().await?;
        spawn_agent_census(Arc::downgrade(&hub.shared));
        Ok(hub)
    }

    async fn reload(&self) -> Result<(), AcdError> {
        let rows = self
            .shared
            .store
            .run(|s| {
                let agents = s.logged_in_agents()?;
                let mut out = Vec::with_capacity(agents.len());
                for a in agents {
                    let cc = s.callcenter(&a.callcenter_id)?;
                    out.push((a, cc.map(|c| c.settings)));
                }
                Ok(out)
            })
            .await?;
        let count = rows.len();
        for (rec, settings) in rows {
            let Some(settings) = settings else { continue };
            let cc = rec.callcenter_id.clone();
            let name = rec.name.clone();
            match self.restore(rec, &settings) {
                Ok(()) => {}
                Err(error) => {
                    tracing::warn!(callcenter = %cc, agent = %name, %error, "stored agent not restored");
                    self.shared.writer.delete(&cc, &name);
                }
            }
        }
        tracing::info!(agents = count, "logged-in agents restored");
        Ok(())
    }

    /// Rebuilds one stored agent. The engine-owned states cannot be true any more (their calls
    /// died with the process), so they come back as `idle`.
    fn restore(&self, rec: AgentRecord, settings: &Settings) -> Result<(), AcdError> {
        let name = AgentName::new(&rec.name).map_err(|_| AcdError::UnknownAgent {
            name: rec.name.clone(),
        })?;
        let state = rec.state.parse::<AgentState>().unwrap_or(AgentState::IDLE);
        let state = match state.base() {
            Base::Online => None,
            Base::Fetching | Base::Talking => Some(AgentState::IDLE),
            _ => Some(state),
        };
        let skills = Skills::new(
            rec.skills
                .iter()
                .filter_map(|s| Skill::new(&s.name, i64::from(s.score), s.enabled).ok()),
        );
        let core = Agent::login(
            self.shared.clock.now(),
            name,
            rec.num,
            state,
            skills,
            policy(settings),
        )?;
        self.spawn_agent(
            &rec.callcenter_id,
            core,
            ExtensionId(rec.extension_id),
            rec.login_time,
        )
        .map(|_| ())
    }

    fn spawn_agent(
        &self,
        cc: &CallCenterId,
        core: Agent,
        extension: ExtensionId,
        login_time: u64,
    ) -> Result<AgentView, AcdError> {
        let shared = &self.shared;
        let mut center = shared
            .registry
            .centers
            .entry(cc.clone())
            .or_insert_with(|| new_center(shared, cc));
        if center.agents.contains_key(core.name()) {
            return Err(AcdError::AlreadyLoggedIn {
                name: core.name().clone(),
            });
        }
        let name = core.name().clone();
        let actor = AgentActor::new(
            cc.clone(),
            core,
            extension,
            login_time,
            center.router.clone(),
            Arc::clone(shared),
        );
        let view = actor.view();
        let addr = AgentActor::start_in_arbiter(&shared.arbiter, move |_| actor);
        center.agents.insert(
            name,
            Slot {
                addr,
                view: view.clone(),
            },
        );
        Ok(view)
    }

    /// Logs an agent in (409 when it already is).
    pub async fn login(&self, cc: &CallCenterId, req: LoginRequest) -> Result<AgentView, AcdError> {
        let (key, ext) = (cc.clone(), req.extension.clone());
        let (center, extension) = self
            .shared
            .store
            .run(move |s| Ok((s.callcenter(&key)?, s.extension(&key, &ext)?)))
            .await?;
        let settings = center
            .ok_or_else(|| AcdError::UnknownCallCenter { id: cc.0.clone() })?
            .settings;
        if extension.is_none() {
            return Err(AcdError::UnknownExtension {
                id: req.extension.0,
            });
        }
        if self.shared.registry.agent(cc, &req.name).is_some() {
            return Err(AcdError::AlreadyLoggedIn { name: req.name });
        }
        let core = Agent::login(
            self.shared.clock.now(),
            req.name,
            req.num,
            req.state,
            req.skills,
            policy(&settings),
        )?;
        self.spawn_agent(cc, core, req.extension, self.shared.clock.unix_ms())
    }

    fn addr(&self, cc: &CallCenterId, name: &AgentName) -> Result<Addr<AgentActor>, AcdError> {
        self.shared
            .registry
            .agent(cc, name)
            .ok_or_else(|| AcdError::UnknownAgent {
                name: name.as_str().to_owned(),
            })
    }

    /// Logs an agent out; refused while it is in a call unless `force`, which hangs up first.
    pub async fn logout(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        force: bool,
    ) -> Result<(), AcdError> {
        self.addr(cc, name)?
            .send(agent_msg::Logout { force })
            .await?
    }

    /// A keepalive: pushes the agent's logout deadline out.
    pub async fn keepalive(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
    ) -> Result<AgentView, AcdError> {
        self.addr(cc, name)?.send(agent_msg::Keepalive).await?
    }

    /// One agent, as its actor sees it now.
    pub async fn agent(&self, cc: &CallCenterId, name: &AgentName) -> Result<AgentView, AcdError> {
        Ok(self.addr(cc, name)?.send(agent_msg::Look).await?)
    }

    /// A page of a call center's logged-in agents, by name, and how many there are. Read
    /// from the hub's read model: no actor is asked.
    pub fn agents(&self, cc: &CallCenterId, page: Page) -> (Vec<AgentView>, u64) {
        let Some(center) = self.shared.registry.centers.get(cc) else {
            return (Vec::new(), 0);
        };
        let total = center.agents.len() as u64;
        let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
        let rows = center
            .agents
            .values()
            .skip(skip)
            .take(page.size as usize)
            .map(|s| s.view.clone())
            .collect();
        (rows, total)
    }

    /// Binds another extension (it must exist in the call center).
    pub async fn set_extension(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        extension: ExtensionId,
    ) -> Result<AgentView, AcdError> {
        let addr = self.addr(cc, name)?;
        let (key, ext) = (cc.clone(), extension.clone());
        let found = self
            .shared
            .store
            .run(move |s| s.extension(&key, &ext))
            .await?;
        if found.is_none() {
            return Err(AcdError::UnknownExtension { id: extension.0 });
        }
        addr.send(agent_msg::SetExtension(extension)).await?
    }

    /// The state API: only `idle`, `busy[/x]`, `away[/x]`; 409 while fetching or talking.
    pub async fn set_state(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        state: AgentState,
    ) -> Result<AgentView, AcdError> {
        self.addr(cc, name)?
            .send(agent_msg::SetState(state))
            .await?
    }

    /// Applies skill `opts` in order.
    pub async fn set_skills(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        opts: Vec<SkillOpt>,
    ) -> Result<AgentView, AcdError> {
        self.addr(cc, name)?
            .send(agent_msg::SetSkills(opts))
            .await?
    }

    fn router(&self, cc: &CallCenterId) -> Option<Addr<RouterActor>> {
        self.shared.registry.router(cc)
    }

    fn ensure_router(&self, cc: &CallCenterId) -> Addr<RouterActor> {
        let shared = &self.shared;
        shared
            .registry
            .centers
            .entry(cc.clone())
            .or_insert_with(|| new_center(shared, cc))
            .router
            .clone()
    }

    /// Loads the stored conditions an `<enqueue>` document names.
    async fn conditions_of(
        &self,
        cc: &CallCenterId,
        xml: &str,
    ) -> Result<Vec<ConditionRecord>, AcdError> {
        let wanted = Wanted::default();
        let _ = parse(xml, &wanted, &mut SkillInterner::new());
        let ids = wanted.0.into_inner();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let key = cc.clone();
        Ok(self
            .shared
            .store
            .run(move |s| {
                let mut out = Vec::new();
                for id in ids {
                    out.extend(s.condition(&key, &ConditionId(id))?);
                }
                Ok(out)
            })
            .await?)
    }

    /// Checks an `<enqueue>` document as a task would read it (400 material), and returns
    /// what it says (voices, timeouts, `reserve_state`).
    pub async fn check_enqueue(
        &self,
        cc: &CallCenterId,
        xml: &str,
    ) -> Result<sb_acd::enqueue::Enqueue, AcdError> {
        let conditions = self.conditions_of(cc, xml).await?;
        router::compile(xml, &conditions, &mut SkillInterner::new())
    }

    /// Queues an event on the call center's ordered event stream.
    pub fn publish(
        &self,
        cc: &CallCenterId,
        name: &'static str,
        fields: serde_json::Map<String, serde_json::Value>,
    ) {
        self.shared.publisher.send(cc, name, fields);
    }

    /// Queues a task; its progress goes to `req.reports` and the call center's events.
    pub async fn enqueue(&self, cc: &CallCenterId, req: TaskRequest) -> Result<TaskId, AcdError> {
        let key = cc.clone();
        if self.router(cc).is_none()
            && self
                .shared
                .store
                .run(move |s| s.callcenter(&key))
                .await?
                .is_none()
        {
            return Err(AcdError::UnknownCallCenter { id: cc.0.clone() });
        }
        let conditions = self.conditions_of(cc, &req.xml).await?;
        let task = TaskId(self.shared.random());
        self.ensure_router(cc)
            .send(router::NewTask {
                task,
                kind: req.kind,
                xml: req.xml,
                conditions,
                origin_call_id: req.origin_call_id,
                user_data: req.user_data,
                reports: req.reports,
                exclude: req.exclude,
            })
            .await?
    }

    /// Ends a task: `cancel` from the API, `hangup` when the caller left.
    pub async fn cancel(
        &self,
        cc: &CallCenterId,
        task: TaskId,
        cause: FailCause,
    ) -> Result<(), AcdError> {
        let router = self.router(cc).ok_or_else(|| AcdError::UnknownTask {
            id: task.to_string(),
        })?;
        router.send(router::Cancel { task, cause }).await?
    }

    /// Waiting tasks in the order agents will take them, then the ringing ones.
    pub async fn queue(&self, cc: &CallCenterId) -> Result<Vec<QueueView>, AcdError> {
        match self.router(cc) {
            Some(r) => Ok(r.send(router::Queue(None)).await?),
            None => Ok(Vec::new()),
        }
    }

    /// One waiting or ringing task.
    pub async fn queue_task(&self, cc: &CallCenterId, task: TaskId) -> Result<QueueView, AcdError> {
        let unknown = || AcdError::UnknownTask {
            id: task.to_string(),
        };
        let router = self.router(cc).ok_or_else(unknown)?;
        router
            .send(router::Queue(Some(task)))
            .await?
            .into_iter()
            .next()
            .ok_or_else(unknown)
    }

    /// The agent operation `reject`: the agent refuses the task it is offered.
    pub async fn reject(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        task: TaskId,
        data: Option<String>,
    ) -> Result<(), AcdError> {
        self.addr(cc, name)?
            .send(agent_msg::Reject { task, data })
            .await?
    }

    /// The agent operation `forwardAgent`: the offered task is queued again with `xml`'s
    /// selection, as a `fwd_agent` task; this agent's offer ends with `forward`.
    pub async fn forward(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        task: TaskId,
        xml: String,
    ) -> Result<(), AcdError> {
        let addr = self.addr(cc, name)?;
        let conditions = self.conditions_of(cc, &xml).await?;
        addr.send(agent_msg::Forward {
            task,
            xml,
            conditions,
        })
        .await?
    }

    /// The calls layer: the agent's connection joined `conversation` (→ `talking`).
    pub async fn conversation_entered(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        conversation: ConversationId,
        then: ReturnTo,
    ) -> Result<(), AcdError> {
        self.addr(cc, name)?
            .send(agent_msg::Enter { conversation, then })
            .await?
    }

    /// The calls layer: the agent left `conversation`; after its last one it moves on.
    pub async fn conversation_left(
        &self,
        cc: &CallCenterId,
        name: &AgentName,
        conversation: ConversationId,
    ) -> Result<(), AcdError> {
        self.addr(cc, name)?
            .send(agent_msg::Exit(conversation))
            .await?
    }

    /// Waits until every agent change and event queued so far is in the store.
    pub async fn flush(&self) {
        self.shared.writer.flush().await;
        self.shared.publisher.flush().await;
    }
}
