//! The [`Router`]: tasks, their routes and timers, and the sans-IO verbs.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::select::{Agents, Slot};
use super::waiting::{Lane, WaitKey, Waiting};
use super::{FailCause, Input, Output, RouterError, TaskId, TaskKind};
use crate::agent::AgentName;
use crate::enqueue::{Enqueue, Route};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting on its route, until `deadline` if the route has a `queue_timeout`.
    Waiting { deadline: Option<Instant> },
    /// Ringing an agent until `deadline` (`fetch_timeout`).
    Offering { agent: Slot, deadline: Instant },
}

#[derive(Debug)]
struct Task {
    kind: TaskKind,
    q: Arc<Enqueue>,
    route: usize,
    enqueued_at: Instant,
    seq: u64,
    stage: Stage,
    /// The waiting lane it is queued in; `None` while ringing or between routes.
    lane: Option<Lane>,
    /// The agent it is never offered to.
    exclude: Option<AgentName>,
}

impl Task {
    fn route(&self) -> &Route {
        // `route` only ever indexes a route that exists: enqueue refuses empty lists and
        // `overflow` fails the task instead of moving past the last one.
        &self.q.routes[self.route]
    }

    fn wait_key(&self, id: TaskId) -> WaitKey {
        (
            Reverse(self.route().priority),
            self.enqueued_at,
            self.seq,
            id,
        )
    }

    fn deadline(&self) -> Option<Instant> {
        match self.stage {
            Stage::Waiting { deadline } => deadline,
            Stage::Offering { deadline, .. } => Some(deadline),
        }
    }
}

/// A task as the queue list API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// The task.
    pub task: TaskId,
    /// What created it.
    pub kind: TaskKind,
    /// 1-based place among waiting tasks; `None` while it rings an agent.
    pub position: Option<usize>,
    /// Time since it was enqueued.
    pub waiting: Duration,
    /// Index of its current route.
    pub route: usize,
    /// The agent it is ringing.
    pub ringing: Option<AgentName>,
}

/// The matching core. See the [module docs](super).
#[derive(Debug)]
pub struct Router {
    agents: Agents,
    tasks: HashMap<TaskId, Task>,
    waiting: Waiting,
    timers: BTreeSet<(Instant, TaskId)>,
    outputs: VecDeque<Output>,
    rng: ChaCha8Rng,
    seq: u64,
    /// How many live tasks exclude each agent; a freed agent with none takes the fast path.
    excluding: HashMap<AgentName, u32>,
}

impl Router {
    /// An empty router; `seed` drives `choice="random"` so runs are reproducible.
    pub fn new(seed: u64) -> Self {
        Self {
            agents: Agents::default(),
            tasks: HashMap::new(),
            waiting: Waiting::default(),
            timers: BTreeSet::new(),
            outputs: VecDeque::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            seq: 0,
            excluding: HashMap::new(),
        }
    }

    /// Applies one event and makes every routing decision it allows.
    pub fn handle_input(&mut self, now: Instant, input: Input) -> Result<(), RouterError> {
        match input {
            Input::AgentJoined { name, skills, idle } => {
                if self.agents.slot(&name).is_some() {
                    return Err(RouterError::DuplicateAgent(name));
                }
                let s = self.agents.insert(name, skills, idle, now);
                self.agent_freed(now, s);
            }
            Input::AgentIdle { name } => {
                let s = self.slot(name)?;
                let freed = self.agents.update(s, |a| {
                    if !a.available {
                        a.idle_since = now;
                    }
                    a.available = true;
                });
                if freed {
                    self.agent_freed(now, s);
                }
            }
            Input::AgentUnavailable { name } => {
                let s = self.slot(name)?;
                self.agents.update(s, |a| a.available = false);
            }
            Input::AgentSkills { name, skills } => {
                let s = self.slot(name)?;
                self.agents.update(s, |a| a.skills = skills);
                self.agent_freed(now, s);
            }
            Input::AgentLeft { name } => {
                let s = self.slot(name)?;
                // Unavailable first, so a failing offer cannot hand it another task.
                self.agents.update(s, |a| a.available = false);
                let offer = self.agents.get(s).and_then(|a| a.offer);
                if let Some(task) = offer {
                    self.offer_failed(now, task, FailCause::CallFail);
                }
                self.agents.remove(s);
            }
            Input::Enqueue {
                task,
                kind,
                enqueue,
                exclude,
            } => self.enqueue(now, task, kind, enqueue, exclude)?,
            Input::OfferAnswered { task } => {
                let agent = self.offering(task)?;
                self.finish(task);
                // Answered means talking: not routable until the engine reports idle again,
                // even if an idle report raced with the ringing.
                self.agents.update(agent, |a| {
                    a.offer = None;
                    a.available = false;
                });
                if let Some(a) = self.agents.get(agent) {
                    self.outputs.push_back(Output::TaskSucceeded {
                        task,
                        agent: a.name.clone(),
                    });
                }
            }
            Input::OfferFailed { task, cause } => {
                self.offering(task)?;
                self.offer_failed(now, task, cause);
            }
            Input::Cancel { task, cause } => {
                let t = self
                    .tasks
                    .get(&task)
                    .ok_or(RouterError::UnknownTask(task))?;
                let rung = match t.stage {
                    Stage::Offering { agent, .. } => Some(agent),
                    Stage::Waiting { .. } => None,
                };
                let withdrawn = rung.and_then(|agent| self.release(agent));
                self.finish(task);
                self.outputs.push_back(Output::TaskFailed {
                    task,
                    cause,
                    withdrawn,
                });
                if let Some(agent) = rung {
                    self.agent_freed(now, agent);
                }
            }
        }
        Ok(())
    }

    /// The next thing for the engine to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The earliest instant a route or fetch timeout falls due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|t| t.0)
    }

    /// Fires every timer due at `now`: waits overflow, rings time out.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, task)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            let Some(t) = self.tasks.get(&task) else {
                continue;
            };
            match t.stage {
                Stage::Waiting { .. } => {
                    self.unwait(task);
                    self.overflow(now, task, FailCause::Timeout);
                }
                Stage::Offering { agent, .. } => {
                    if let Some(a) = self.agents.get(agent) {
                        self.outputs.push_back(Output::OfferTimedOut {
                            task,
                            agent: a.name.clone(),
                        });
                    }
                    self.offer_failed(now, task, FailCause::Timeout);
                }
            }
        }
    }

    /// Waiting and ringing tasks, waiting ones in the order agents will take them.
    pub fn queue(&self, now: Instant) -> Vec<QueueEntry> {
        let mut list: Vec<QueueEntry> = self
            .waiting
            .iter()
            .enumerate()
            .filter_map(|(i, k)| self.entry(now, k.3, Some(i + 1)))
            .collect();
        let mut ringing: Vec<_> = self
            .tasks
            .iter()
            .filter(|(_, t)| matches!(t.stage, Stage::Offering { .. }))
            .filter_map(|(id, _)| self.entry(now, *id, None))
            .collect();
        ringing.sort_by_key(|e| (Reverse(e.waiting), e.task));
        list.extend(ringing);
        list
    }

    /// One task as [`Router::queue`] shows it.
    pub fn task(&self, now: Instant, id: TaskId) -> Option<QueueEntry> {
        let t = self.tasks.get(&id)?;
        let position = match t.stage {
            Stage::Waiting { .. } => Some(self.waiting.position(&t.wait_key(id))),
            Stage::Offering { .. } => None,
        };
        self.entry(now, id, position)
    }

    /// How many tasks are queued (waiting or ringing).
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// How many agents are idle and not being rung.
    pub fn idle_agents(&self) -> usize {
        self.agents.idle_count()
    }

    fn entry(&self, now: Instant, id: TaskId, position: Option<usize>) -> Option<QueueEntry> {
        let t = self.tasks.get(&id)?;
        let ringing = match t.stage {
            Stage::Offering { agent, .. } => self.agents.get(agent).map(|a| a.name.clone()),
            Stage::Waiting { .. } => None,
        };
        Some(QueueEntry {
            task: id,
            kind: t.kind,
            position,
            waiting: now.saturating_duration_since(t.enqueued_at),
            route: t.route,
            ringing,
        })
    }

    fn slot(&self, name: AgentName) -> Result<Slot, RouterError> {
        self.agents
            .slot(&name)
            .ok_or(RouterError::UnknownAgent(name))
    }

    fn offering(&self, task: TaskId) -> Result<Slot, RouterError> {
        match self.tasks.get(&task).map(|t| t.stage) {
            Some(Stage::Offering { agent, .. }) => Ok(agent),
            Some(Stage::Waiting { .. }) => Err(RouterError::NotOffered { task }),
            None => Err(RouterError::UnknownTask(task)),
        }
    }

    fn enqueue(
        &mut self,
        now: Instant,
        id: TaskId,
        kind: TaskKind,
        q: Arc<Enqueue>,
        exclude: Option<AgentName>,
    ) -> Result<(), RouterError> {
        if self.tasks.contains_key(&id) {
            return Err(RouterError::DuplicateTask(id));
        }
        if q.routes.is_empty() {
            return Err(RouterError::NoRoutes(id));
        }
        self.seq += 1;
        let task = Task {
            kind,
            q,
            route: 0,
            enqueued_at: now,
            seq: self.seq,
            stage: Stage::Waiting { deadline: None },
            lane: None,
            exclude,
        };
        if let Some(name) = &task.exclude {
            *self.excluding.entry(name.clone()).or_default() += 1;
        }
        self.tasks.insert(id, task);
        self.start_route(now, id);
        Ok(())
    }

    /// Puts a task on its current route: offer at once if an idle agent fits, fail over at
    /// once for `queue_timeout="0"`, else wait (with a timer when the route has a limit).
    fn start_route(&mut self, now: Instant, id: TaskId) {
        let Some(t) = self.tasks.get(&id) else { return };
        let route = t.route();
        let exclude = t.exclude.as_ref().and_then(|name| self.agents.slot(name));
        if let Some(agent) = self
            .agents
            .choose(&route.selector, t.q.choice, exclude, &mut self.rng)
        {
            self.offer(now, id, agent);
            return;
        }
        let deadline = route.queue_timeout.map(|d| now + d);
        if route.queue_timeout == Some(Duration::ZERO) {
            self.overflow(now, id, FailCause::Timeout);
            return;
        }
        let lane = self.waiting.insert(t.wait_key(id), &route.selector);
        if let Some(t) = self.tasks.get_mut(&id) {
            t.lane = Some(lane);
        }
        self.set_stage(id, Stage::Waiting { deadline });
    }

    /// Takes a task out of the waiting queue, if it is in it.
    fn unwait(&mut self, id: TaskId) {
        let Some(t) = self.tasks.get_mut(&id) else {
            return;
        };
        if let Some(lane) = t.lane.take() {
            self.waiting.remove(&t.wait_key(id), &lane);
        }
    }

    fn set_stage(&mut self, id: TaskId, stage: Stage) {
        let Some(t) = self.tasks.get_mut(&id) else {
            return;
        };
        if let Some(old) = t.deadline() {
            self.timers.remove(&(old, id));
        }
        t.stage = stage;
        if let Some(new) = t.deadline() {
            self.timers.insert((new, id));
        }
    }

    fn offer(&mut self, now: Instant, id: TaskId, agent: Slot) {
        let Some(t) = self.tasks.get(&id) else { return };
        let (route, fetch_timeout) = (t.route, t.route().fetch_timeout);
        self.agents.update(agent, |a| {
            a.offer = Some(id);
            a.available = false;
        });
        self.set_stage(
            id,
            Stage::Offering {
                agent,
                deadline: now + fetch_timeout,
            },
        );
        if let Some(a) = self.agents.get(agent) {
            self.outputs.push_back(Output::Offer {
                task: id,
                agent: a.name.clone(),
                route,
                fetch_timeout,
            });
        }
    }

    /// Moves to the next route, or fails the task with `cause` after the last one.
    fn overflow(&mut self, now: Instant, id: TaskId, cause: FailCause) {
        let Some(t) = self.tasks.get_mut(&id) else {
            return;
        };
        if t.route + 1 >= t.q.routes.len() {
            self.finish(id);
            self.outputs.push_back(Output::TaskFailed {
                task: id,
                cause,
                withdrawn: None,
            });
            return;
        }
        t.route += 1;
        let to = t.route;
        self.outputs.push_back(Output::Overflowed {
            task: id,
            from: to - 1,
            to,
        });
        self.start_route(now, id);
    }

    /// A ringing offer ended without an answer: with `fail_overflow` the task tries its next
    /// route, otherwise it fails with the offer's cause.
    fn offer_failed(&mut self, now: Instant, id: TaskId, cause: FailCause) {
        let Some(t) = self.tasks.get(&id) else { return };
        let Stage::Offering { agent, .. } = t.stage else {
            return;
        };
        let fail_overflow = t.q.fail_overflow && cause != FailCause::Forward;
        self.set_stage(id, Stage::Waiting { deadline: None });
        self.release(agent);
        if fail_overflow {
            self.overflow(now, id, cause);
        } else {
            self.finish(id);
            self.outputs.push_back(Output::TaskFailed {
                task: id,
                cause,
                withdrawn: None,
            });
        }
        // An agent that was reported idle while still being rung is free now.
        if self.agents.get(agent).is_some_and(|a| a.routable()) {
            self.agent_freed(now, agent);
        }
    }

    /// Ends an offer on the agent's side; returns its name.
    fn release(&mut self, agent: Slot) -> Option<AgentName> {
        self.agents.update(agent, |a| a.offer = None);
        self.agents.get(agent).map(|a| a.name.clone())
    }

    /// Forgets a task and its timer and queue place.
    fn finish(&mut self, id: TaskId) {
        self.unwait(id);
        self.set_stage(id, Stage::Waiting { deadline: None });
        let excluded = self.tasks.remove(&id).and_then(|t| t.exclude);
        if let Some(name) = excluded {
            if let Some(n) = self.excluding.get_mut(&name) {
                *n -= 1;
                if *n == 0 {
                    self.excluding.remove(&name);
                }
            }
        }
    }

    /// An agent became routable: it takes the first waiting task it fits, in queue order
    /// (found through the waiting lanes, see [`Waiting::best_for`]).
    fn agent_freed(&mut self, now: Instant, agent: Slot) {
        let Some(a) = self.agents.get(agent).filter(|a| a.routable()) else {
            return;
        };
        let best = if self.excluding.contains_key(&a.name) {
            let tasks = &self.tasks;
            self.waiting.best_for(&a.name, &a.skills, |k| {
                tasks
                    .get(&k.3)
                    .is_some_and(|t| t.exclude.as_ref() == Some(&a.name))
            })
        } else {
            self.waiting.best_for(&a.name, &a.skills, |_| false)
        };
        if let Some(key) = best {
            self.unwait(key.3);
            self.offer(now, key.3, agent);
        }
    }
}
