//! The router actor: one per call center, wrapping [`sb_acd::routing::Router`].
//!
//! It holds every logged-in agent's routing attributes (told by the agent actors), the
//! call center's skill interner (so agents' skills and `<enqueue>` expressions share ids),
//! and per task what the events need (origin call, user data, the agent being rung). Its one
//! timer runs at the core's `poll_timeout`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use sb_acd::agent::{AgentName, Skills};
use sb_acd::enqueue::{parse, Condition, ConditionInput, Enqueue, Selector};
use sb_acd::routing::{FailCause, Input, Output, Router, TaskId, TaskKind};
use sb_acd::skill::SkillInterner;
use sb_store::{CallCenterId, ConditionRecord, ExtensionId};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::agent::{AgentActor, Ended, Offer, OfferEnded};
use super::connector::AgentCallId;
use super::hub::{QueueView, Shared, TaskUpdate};
use super::publish::{QUEUE_FAIL, QUEUE_SELECT, QUEUE_SUCCESS};
use super::AcdError;

/// What the router keeps about a task beside the core's own record.
#[derive(Debug)]
struct TaskMeta {
    kind: TaskKind,
    q: Arc<Enqueue>,
    route: usize,
    origin_call_id: Option<String>,
    user_data: Option<String>,
    enqueue_time: u64,
    agent: Option<AgentName>,
    extension: Option<ExtensionId>,
    call: Option<AgentCallId>,
    /// `data` of a reject, for the task's owner.
    data: Option<String>,
    reports: Option<mpsc::UnboundedSender<TaskUpdate>>,
}

impl TaskMeta {
    fn condition_id(&self) -> Option<&str> {
        match &self.q.routes.get(self.route)?.selector {
            Selector::Condition { id, .. } => id.as_deref(),
            _ => None,
        }
    }

    fn report(&self, update: TaskUpdate) {
        if let Some(tx) = &self.reports {
            let _ = tx.send(update);
        }
    }

    /// The SPEC §11 fields of `callcenter.queue.*`.
    fn fields(&self, task: TaskId) -> Map<String, Value> {
        let opt = |v: Option<String>| v.map_or(Value::Null, Value::from);
        let mut f = Map::new();
        f.insert("id".into(), task.to_string().into());
        f.insert("type".into(), self.kind.as_str().into());
        f.insert(
            "condition_id".into(),
            opt(self.condition_id().map(str::to_owned)),
        );
        f.insert(
            "agent_name".into(),
            opt(self.agent.as_ref().map(|a| a.as_str().to_owned())),
        );
        f.insert("origin_call_id".into(), opt(self.origin_call_id.clone()));
        f.insert(
            "agent_extension_id".into(),
            opt(self.extension.as_ref().map(|e| e.0.clone())),
        );
        f.insert(
            "agent_call_id".into(),
            opt(self.call.as_ref().map(|c| c.0.clone())),
        );
        f.insert("user_data".into(), opt(self.user_data.clone()));
        f
    }
}

pub(crate) struct RouterActor {
    cc: CallCenterId,
    core: Router,
    interner: SkillInterner,
    agents: HashMap<AgentName, Addr<AgentActor>>,
    tasks: HashMap<TaskId, TaskMeta>,
    /// Agents being rung, and for which task.
    offers: HashMap<AgentName, TaskId>,
    /// A forward in progress: its `forward` failure is not the task's end.
    forwarding: Option<TaskId>,
    timer: Option<(Instant, SpawnHandle)>,
    shared: Arc<Shared>,
}

impl RouterActor {
    pub(crate) fn new(cc: CallCenterId, seed: u64, shared: Arc<Shared>) -> Self {
        Self {
            cc,
            core: Router::new(seed),
            interner: SkillInterner::new(),
            agents: HashMap::new(),
            tasks: HashMap::new(),
            offers: HashMap::new(),
            forwarding: None,
            timer: None,
            shared,
        }
    }

    /// Feeds the core; a refused input is a race already resolved (logged, not an error).
    fn input(&mut self, input: Input) {
        let now = self.shared.clock.now();
        if let Err(error) = self.core.handle_input(now, input) {
            tracing::debug!(callcenter = %self.cc, %error, "router input ignored");
        }
        // A decision (task enqueued → agent, agent idle → task) is made inside the input.
        let took = self.shared.clock.now().saturating_duration_since(now);
        metrics::histogram!("switchboard_routing_decision_duration_seconds")
            .record(took.as_secs_f64());
    }

    /// Publishes the call center's queue: tasks waiting, ringing, and the oldest wait.
    fn queue_gauges(&self) {
        let now = self.shared.clock.now();
        let entries = self.core.queue(now);
        let waiting = entries.iter().filter(|e| e.ringing.is_none()).count();
        let oldest = entries.iter().map(|e| e.waiting).max().unwrap_or_default();
        let cc = self.cc.0.clone();
        metrics::gauge!("switchboard_queue_tasks_waiting", "callcenter" => cc.clone())
            .set(waiting as f64);
        metrics::gauge!("switchboard_queue_tasks_ringing", "callcenter" => cc.clone())
            .set((entries.len() - waiting) as f64);
        metrics::gauge!("switchboard_queue_oldest_wait_seconds", "callcenter" => cc)
            .set(oldest.as_secs_f64());
    }

    /// Performs every output, then re-arms the timer.
    fn drain(&mut self, ctx: &mut Context<Self>) {
        while let Some(out) = self.core.poll_output() {
            self.perform(out);
        }
        self.rearm(ctx);
    }

    fn perform(&mut self, out: Output) {
        match out {
            Output::Offer {
                task, agent, route, ..
            } => {
                if let Some(m) = self.tasks.get_mut(&task) {
                    m.route = route;
                    m.agent = Some(agent.clone());
                    m.extension = None;
                    m.call = None;
                }
                self.offers.insert(agent.clone(), task);
                match self.agents.get(&agent) {
                    Some(addr) => addr.do_send(Offer(task)),
                    None => self.input(Input::OfferFailed {
                        task,
                        cause: FailCause::CallFail,
                    }),
                }
            }
            Output::OfferTimedOut { task, agent } => {
                self.offers.remove(&agent);
                if let Some(addr) = self.agents.get(&agent) {
                    addr.do_send(OfferEnded {
                        task,
                        why: Ended::TimedOut,
                    });
                }
            }
            Output::Overflowed { task, to, .. } => {
                if let Some(m) = self.tasks.get_mut(&task) {
                    m.route = to;
                    m.agent = None;
                    m.extension = None;
                    m.call = None;
                }
            }
            Output::TaskSucceeded { task, agent } => {
                self.offers.remove(&agent);
                if let Some(m) = self.tasks.remove(&task) {
                    self.shared
                        .publisher
                        .send(&self.cc, QUEUE_SUCCESS, m.fields(task));
                    if let (Some(extension), Some(call)) = (m.extension.clone(), m.call.clone()) {
                        m.report(TaskUpdate::Succeeded {
                            task,
                            agent,
                            extension,
                            call,
                        });
                    }
                }
            }
            Output::TaskFailed {
                task,
                cause,
                withdrawn,
            } => self.failed(task, cause, withdrawn),
        }
    }

    fn failed(&mut self, task: TaskId, cause: FailCause, withdrawn: Option<AgentName>) {
        if let Some(agent) = withdrawn {
            self.offers.remove(&agent);
            if let Some(addr) = self.agents.get(&agent) {
                addr.do_send(OfferEnded {
                    task,
                    why: Ended::Withdrawn,
                });
            }
        }
        let forwarded = cause == FailCause::Forward && self.forwarding == Some(task);
        let meta = if forwarded {
            self.tasks.get(&task).map(|m| (m.fields(task), None))
        } else {
            self.tasks.remove(&task).map(|m| {
                let data = m.data.clone();
                (m.fields(task), Some((m, data)))
            })
        };
        let Some((mut fields, owner)) = meta else {
            return;
        };
        fields.insert("cause".into(), cause.as_str().into());
        self.shared.publisher.send(&self.cc, QUEUE_FAIL, fields);
        if let Some((m, data)) = owner {
            m.report(TaskUpdate::Failed { task, cause, data });
        }
    }

    fn rearm(&mut self, ctx: &mut Context<Self>) {
        let want = self.core.poll_timeout();
        if self.timer.as_ref().map(|t| t.0) == want {
            return;
        }
        if let Some((_, h)) = self.timer.take() {
            ctx.cancel_future(h);
        }
        let Some(at) = want else { return };
        let delay = at.saturating_duration_since(self.shared.clock.now());
        let handle = ctx.run_later(delay, |act, ctx| {
            act.timer = None;
            act.core.handle_timeout(act.shared.clock.now());
            act.drain(ctx);
        });
        self.timer = Some((at, handle));
    }

    /// Compiles stored conditions and the document with this call center's interner.
    fn compile(&mut self, xml: &str, conditions: &[ConditionRecord]) -> Result<Enqueue, AcdError> {
        compile(xml, conditions, &mut self.interner)
    }

    fn view(&self, e: sb_acd::routing::QueueEntry) -> Option<QueueView> {
        let m = self.tasks.get(&e.task)?;
        Some(QueueView {
            id: e.task,
            kind: e.kind,
            position: e.position,
            waiting: e.waiting,
            enqueue_time: m.enqueue_time,
            origin_call_id: m.origin_call_id.clone(),
            user_data: m.user_data.clone(),
            agent: e.ringing,
            condition_id: m.condition_id().map(str::to_owned),
            route: e.route,
        })
    }
}

/// How often a router publishes its queue's gauges (a scan of its tasks).
const QUEUE_GAUGES_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Actor for RouterActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.queue_gauges();
        ctx.run_interval(QUEUE_GAUGES_EVERY, |act, _| act.queue_gauges());
    }
}

/// An agent logged in (or came back after a restart).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Join {
    pub(crate) name: AgentName,
    pub(crate) addr: Addr<AgentActor>,
    pub(crate) skills: Skills,
    pub(crate) idle: bool,
}

impl Handler<Join> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: Join, ctx: &mut Context<Self>) {
        let skills = msg.skills.to_set(&mut self.interner);
        self.agents.insert(msg.name.clone(), msg.addr);
        self.input(Input::AgentJoined {
            name: msg.name,
            skills,
            idle: msg.idle,
        });
        self.drain(ctx);
    }
}

/// The agent became idle.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Idle(pub(crate) AgentName);

impl Handler<Idle> for RouterActor {
    type Result = ();

    fn handle(&mut self, Idle(name): Idle, ctx: &mut Context<Self>) {
        self.input(Input::AgentIdle { name });
        self.drain(ctx);
    }
}

/// The agent is no longer idle (the engine moved it).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Unavailable(pub(crate) AgentName);

impl Handler<Unavailable> for RouterActor {
    type Result = ();

    fn handle(&mut self, Unavailable(name): Unavailable, _: &mut Context<Self>) {
        self.input(Input::AgentUnavailable { name });
    }
}

/// The agent wants to leave `idle` through the API: granted unless a task was offered to it
/// already (then the task's id comes back).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), TaskId>")]
pub(crate) struct Claim(pub(crate) AgentName);

impl Handler<Claim> for RouterActor {
    type Result = Result<(), TaskId>;

    fn handle(&mut self, Claim(name): Claim, _: &mut Context<Self>) -> Self::Result {
        if let Some(task) = self.offers.get(&name) {
            return Err(*task);
        }
        self.input(Input::AgentUnavailable { name });
        Ok(())
    }
}

/// The agent's skills changed.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct SetSkills {
    pub(crate) name: AgentName,
    pub(crate) skills: Skills,
}

impl Handler<SetSkills> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: SetSkills, ctx: &mut Context<Self>) {
        let skills = msg.skills.to_set(&mut self.interner);
        self.input(Input::AgentSkills {
            name: msg.name,
            skills,
        });
        self.drain(ctx);
    }
}

/// The agent logged out.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Left(pub(crate) AgentName);

impl Handler<Left> for RouterActor {
    type Result = ();

    fn handle(&mut self, Left(name): Left, ctx: &mut Context<Self>) {
        self.agents.remove(&name);
        self.offers.remove(&name);
        self.input(Input::AgentLeft { name });
        self.drain(ctx);
    }
}

/// A new task.
#[derive(Debug, Message)]
#[rtype(result = "Result<TaskId, AcdError>")]
pub(crate) struct NewTask {
    pub(crate) task: TaskId,
    pub(crate) kind: TaskKind,
    pub(crate) xml: String,
    pub(crate) conditions: Vec<ConditionRecord>,
    pub(crate) origin_call_id: Option<String>,
    pub(crate) user_data: Option<String>,
    pub(crate) reports: Option<mpsc::UnboundedSender<TaskUpdate>>,
    pub(crate) exclude: Option<AgentName>,
}

impl Handler<NewTask> for RouterActor {
    type Result = Result<TaskId, AcdError>;

    fn handle(&mut self, msg: NewTask, ctx: &mut Context<Self>) -> Self::Result {
        let q = Arc::new(self.compile(&msg.xml, &msg.conditions)?);
        let task = msg.task;
        self.tasks.insert(
            task,
            TaskMeta {
                kind: msg.kind,
                q: Arc::clone(&q),
                route: 0,
                origin_call_id: msg.origin_call_id,
                user_data: msg.user_data.or_else(|| q.user_data.clone()),
                enqueue_time: self.shared.clock.unix_ms(),
                agent: None,
                extension: None,
                call: None,
                data: None,
                reports: msg.reports,
            },
        );
        let now = self.shared.clock.now();
        let queued = self.core.handle_input(
            now,
            Input::Enqueue {
                task,
                kind: msg.kind,
                enqueue: q,
                exclude: msg.exclude,
            },
        );
        if let Err(error) = queued {
            // Task ids are random 128-bit values and parse refuses route-less documents, so
            // this is unreachable in practice; answer as for an unknown task rather than panic.
            tracing::error!(callcenter = %self.cc, %task, %error, "task refused by the router");
            self.tasks.remove(&task);
            return Err(AcdError::UnknownTask {
                id: task.to_string(),
            });
        }
        self.drain(ctx);
        Ok(task)
    }
}

/// The agent's extension is ringing for `task`.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct RingStarted {
    pub(crate) task: TaskId,
    pub(crate) agent: AgentName,
    pub(crate) extension: ExtensionId,
    pub(crate) call: AgentCallId,
}

impl Handler<RingStarted> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: RingStarted, _: &mut Context<Self>) {
        if self.offers.get(&msg.agent) != Some(&msg.task) {
            return;
        }
        let Some(m) = self.tasks.get_mut(&msg.task) else {
            return;
        };
        m.extension = Some(msg.extension.clone());
        m.call = Some(msg.call.clone());
        let fields = m.fields(msg.task);
        m.report(TaskUpdate::Ringing {
            task: msg.task,
            agent: msg.agent,
            extension: msg.extension,
            call: msg.call,
        });
        self.shared.publisher.send(&self.cc, QUEUE_SELECT, fields);
    }
}

/// The agent could not take the offer (it left `idle` as the offer travelled).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct OfferRefused {
    pub(crate) task: TaskId,
    pub(crate) agent: AgentName,
}

impl Handler<OfferRefused> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: OfferRefused, ctx: &mut Context<Self>) {
        if self.offers.get(&msg.agent) == Some(&msg.task) {
            self.offers.remove(&msg.agent);
            self.input(Input::OfferFailed {
                task: msg.task,
                cause: FailCause::CallFail,
            });
            self.drain(ctx);
        }
    }
}

/// How the agent's ring ended: answered (`failed: None`) or failed with a cause and data.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct OfferResult {
    pub(crate) task: TaskId,
    pub(crate) agent: AgentName,
    pub(crate) failed: Option<(FailCause, Option<String>)>,
}

impl Handler<OfferResult> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: OfferResult, ctx: &mut Context<Self>) {
        if self.offers.get(&msg.agent) != Some(&msg.task) {
            // The offer already ended here (timed out, withdrawn); the agent was told.
            return;
        }
        self.offers.remove(&msg.agent);
        let input = match msg.failed {
            None => Input::OfferAnswered { task: msg.task },
            Some((cause, data)) => {
                if let Some(m) = self.tasks.get_mut(&msg.task) {
                    m.data = data;
                }
                Input::OfferFailed {
                    task: msg.task,
                    cause,
                }
            }
        };
        self.input(input);
        self.drain(ctx);
    }
}

/// `forwardAgent`: end the offer with `forward` and queue the task again with a new
/// selection, as a `fwd_agent` task.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Forward {
    pub(crate) task: TaskId,
    pub(crate) agent: AgentName,
    pub(crate) xml: String,
    pub(crate) conditions: Vec<ConditionRecord>,
}

impl Handler<Forward> for RouterActor {
    type Result = Result<(), AcdError>;

    fn handle(&mut self, msg: Forward, ctx: &mut Context<Self>) -> Self::Result {
        if self.offers.get(&msg.agent) != Some(&msg.task) {
            return Err(AcdError::NotOffered {
                name: msg.agent,
                task: msg.task,
            });
        }
        let q = Arc::new(self.compile(&msg.xml, &msg.conditions)?);
        self.offers.remove(&msg.agent);
        self.forwarding = Some(msg.task);
        self.input(Input::OfferFailed {
            task: msg.task,
            cause: FailCause::Forward,
        });
        self.drain(ctx);
        self.forwarding = None;
        if let Some(m) = self.tasks.get_mut(&msg.task) {
            m.kind = TaskKind::FwdAgent;
            m.q = Arc::clone(&q);
            m.route = 0;
            m.agent = None;
            m.extension = None;
            m.call = None;
        }
        // "Hand it to other agents": the forwarding agent is never offered it again.
        self.input(Input::Enqueue {
            task: msg.task,
            kind: TaskKind::FwdAgent,
            enqueue: q,
            exclude: Some(msg.agent),
        });
        self.drain(ctx);
        Ok(())
    }
}

/// Cancel a task (`cancel` from the API, `hangup` when the caller leaves).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub(crate) struct Cancel {
    pub(crate) task: TaskId,
    pub(crate) cause: FailCause,
}

impl Handler<Cancel> for RouterActor {
    type Result = Result<(), AcdError>;

    fn handle(&mut self, msg: Cancel, ctx: &mut Context<Self>) -> Self::Result {
        if !self.tasks.contains_key(&msg.task) {
            return Err(AcdError::UnknownTask {
                id: msg.task.to_string(),
            });
        }
        let now = self.shared.clock.now();
        self.core
            .handle_input(
                now,
                Input::Cancel {
                    task: msg.task,
                    cause: msg.cause,
                },
            )
            .map_err(|_| AcdError::UnknownTask {
                id: msg.task.to_string(),
            })?;
        self.drain(ctx);
        Ok(())
    }
}

/// Waiting and ringing tasks (`None`), or one task.
#[derive(Debug, Message)]
#[rtype(result = "Vec<QueueView>")]
pub(crate) struct Queue(pub(crate) Option<TaskId>);

impl Handler<Queue> for RouterActor {
    type Result = MessageResult<Queue>;

    fn handle(&mut self, Queue(one): Queue, _: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let entries = match one {
            Some(id) => self.core.task(now, id).into_iter().collect(),
            None => self.core.queue(now),
        };
        MessageResult(entries.into_iter().filter_map(|e| self.view(e)).collect())
    }
}

/// Compiles stored conditions and an `<enqueue>` document.
pub(super) fn compile(
    xml: &str,
    conditions: &[ConditionRecord],
    interner: &mut SkillInterner,
) -> Result<Enqueue, AcdError> {
    let mut stored = HashMap::new();
    for rec in conditions {
        let input = ConditionInput {
            where_: Some(&rec.def.where_),
            sort: rec.def.sort.as_deref(),
            priority: Some(i64::from(rec.def.priority)),
            queue_timeout: Some(i64::from(rec.def.queue_timeout)),
            fetch_timeout: Some(i64::from(rec.def.fetch_timeout)),
            remark: None,
        };
        // A stored condition was validated when it was written; one that no longer
        // compiles counts as unknown, which the parse reports.
        if let Ok(c) = Condition::new(&input, interner) {
            stored.insert(rec.id.0.clone(), c);
        }
    }
    parse(xml, &stored, interner).map_err(|diagnostics| AcdError::BadEnqueue { diagnostics })
}
