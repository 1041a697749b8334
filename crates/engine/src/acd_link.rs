//! The endpoint's side of the call center: the [`AgentConnector`] that rings agents'
//! extensions through the endpoint, and the IVR `<enqueue>`s handed to the
//! [`CallCenterHub`], with the caller hearing music while it waits and joined with the agent
//! when the agent answers (SPEC §8, §10).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::rngs::StdRng;
use rand::{RngCore as _, SeedableRng as _};
use sb_acd::agent::{AgentName, AgentState};
use sb_media::mixer::PlayId as MediaPlayId;
use sb_store::{CallCenterId, Extension, StoreHandle};
use tokio::sync::mpsc;

use crate::acd::{
    AgentCallId, AgentConnector, CallCenterHub, FailCause, RingFailure, RingOutcome, RingReply,
    RingRequest, TaskId, TaskKind, TaskRequest, TaskUpdate,
};
use crate::core::call::{CallId, EndReason, Originated};
use crate::endpoint::Command;
use crate::ivr::{
    EnqueueCause, EnqueueOutcome, EnqueueRequest, EnqueueResult, IvrMessage, PromptResolver,
};
use sb_media::player::Prompt;

/// Rings agents through the endpoint; cheap to share.
#[derive(Debug)]
pub struct EndpointConnector {
    commands: mpsc::Sender<Command>,
    store: StoreHandle,
    prefix: u64,
    next: AtomicU64,
}

impl EndpointConnector {
    pub(crate) fn new(commands: mpsc::Sender<Command>, store: StoreHandle) -> Self {
        EndpointConnector {
            commands,
            store,
            prefix: StdRng::from_os_rng().next_u64(),
            next: AtomicU64::new(1),
        }
    }

    fn send(&self, command: Command) {
        if let Err(error) = self.commands.try_send(command) {
            tracing::warn!(%error, "the SIP endpoint did not take a call-center command");
        }
    }
}

impl AgentConnector for EndpointConnector {
    fn ring(&self, req: RingRequest, reply: RingReply) -> AgentCallId {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let call = CallId(format!("{:016x}{n:016x}", self.prefix));
        let (commands, store) = (self.commands.clone(), self.store.clone());
        let agent_call = AgentCallId(call.0.clone());
        tokio::spawn(async move {
            let (cc, id) = (req.callcenter.clone(), req.extension.clone());
            let extension = store.run(move |s| s.extension(&cc, &id)).await;
            let Ok(Some(extension)) = extension else {
                tracing::warn!(agent = %req.agent, extension = %req.extension, "agent extension not found");
                reply.report(
                    AgentCallId(call.0),
                    RingOutcome::Failed(RingFailure::Unreachable),
                );
                return;
            };
            let ring = Command::RingAgent {
                call: call.clone(),
                extension,
                agent: (req.callcenter, req.agent),
                reply: reply.clone(),
            };
            if commands.send(ring).await.is_err() {
                reply.report(
                    AgentCallId(call.0),
                    RingOutcome::Failed(RingFailure::Unreachable),
                );
            }
        });
        agent_call
    }

    fn cancel(&self, call: &AgentCallId) {
        self.send(Command::HangUpCall {
            call: CallId(call.0.clone()),
        });
    }

    fn hang_up_agent(&self, callcenter: &CallCenterId, agent: &AgentName) {
        self.send(Command::HangUpAgent {
            agent: (callcenter.clone(), agent.clone()),
        });
    }
}

/// What the endpoint learns about a queued caller's task.
#[derive(Debug)]
pub(crate) enum QueueNews {
    /// The hub took the task.
    Created(TaskId),
    /// The hub refused it (it already failed).
    Refused,
    /// The task moved on.
    Update(TaskUpdate),
    /// The `<enqueue>`'s `wait_voice`, ready to loop.
    WaitVoice(Prompt),
    /// The `<enqueue>`'s `hold_voice`, for the conversation the caller lands in.
    HoldVoice(Prompt),
    /// `play_num`: the agent's job number with its `pre_num_voice`/`post_num_voice`.
    Announce {
        pre: Option<Prompt>,
        num: String,
        post: Option<Prompt>,
    },
}

/// A caller of an IVR `<enqueue>`.
#[derive(Debug)]
struct Queued {
    cc: CallCenterId,
    task: Option<TaskId>,
    music: Option<MediaPlayId>,
    /// An agent answered: the caller talks to it in a conversation.
    answered: bool,
    voices: Voices,
    /// `hold_voice`, once resolved.
    hold: Option<Prompt>,
    /// The call's own `user_data`.
    user_data: Option<String>,
}

/// The call-center state the endpoint keeps.
#[derive(Debug, Default)]
pub(crate) struct AcdLink {
    hub: Option<CallCenterHub>,
    /// Resolves `wait_voice` and the `play_num` prompts (absent without IVR services).
    prompts: Option<PromptResolver>,
    rings: HashMap<CallId, RingReply>,
    /// Calls to agents' extensions → their agent.
    agent_calls: HashMap<CallId, (CallCenterId, AgentName)>,
    queued: HashMap<CallId, Queued>,
    /// The endpoint's command queue, for news that arrives later.
    news: Option<mpsc::Sender<Command>>,
}

/// A queued caller and the agent that answered, to be put in a conversation.
#[derive(Debug)]
pub(crate) struct Joined {
    pub cc: CallCenterId,
    pub caller: CallId,
    pub agent: AgentName,
    pub extension: sb_store::ExtensionId,
    pub agent_call: CallId,
    pub task: TaskId,
    /// What the `<enqueue>` says about the conversation.
    pub terms: crate::conversation::Terms,
    /// The `<enqueue>`'s `hold_voice`, when it was resolved in time.
    pub hold: Option<Prompt>,
}

/// What the endpoint must do for the link: the core and the IVR are the endpoint's.
pub(crate) enum Do {
    Originate(CallId, Extension),
    HangUp(CallId),
    /// Loop this prompt (or the built-in hold music) to a queued caller.
    PlayMusic(CallId, Option<Prompt>),
    /// Announce an agent's number to a caller.
    PlayNumber(CallId, Option<Prompt>, String, Option<Prompt>),
    StopMusic(MediaPlayId),
    Converse(Box<Joined>),
    /// The caller's conversation plays this `hold_voice` from now on.
    HoldVoice(CallId, Prompt),
    TellIvr(CallId, IvrMessage),
}

impl AcdLink {
    pub fn new(prompts: Option<PromptResolver>) -> Self {
        AcdLink {
            prompts,
            ..AcdLink::default()
        }
    }

    pub fn attach(&mut self, hub: CallCenterHub) {
        self.hub = Some(hub);
    }

    /// Rings an agent's extension.
    pub fn ring(
        &mut self,
        call: CallId,
        extension: Extension,
        agent: (CallCenterId, AgentName),
        reply: RingReply,
    ) -> Vec<Do> {
        self.rings.insert(call.clone(), reply);
        self.agent_calls.insert(call.clone(), agent);
        vec![Do::Originate(call, extension)]
    }

    /// Every call of an agent goes (a forced logout).
    pub fn hang_up_agent(&mut self, agent: &(CallCenterId, AgentName)) -> Vec<Do> {
        self.agent_calls
            .iter()
            .filter(|(_, a)| *a == agent)
            .map(|(c, _)| Do::HangUp(c.clone()))
            .collect()
    }

    /// A placed call was answered or failed: the ringing agent's actor hears it.
    pub fn originated(&mut self, call: &CallId, outcome: Originated) {
        let Some(reply) = self.rings.remove(call) else {
            return;
        };
        let outcome = match outcome {
            Originated::Answered => RingOutcome::Answered,
            Originated::Failed(reason) => RingOutcome::Failed(ring_failure(reason)),
        };
        reply.report(AgentCallId(call.0.clone()), outcome);
    }

    /// Resolves a prompt the `<enqueue>` names, in the background, and hands it back as
    /// `news` for `call`; an unknown one is logged and the built-in music stays.
    fn resolve(
        &self,
        cc: &CallCenterId,
        call: &CallId,
        name: Option<String>,
        news: fn(Prompt) -> QueueNews,
        commands: &mpsc::Sender<Command>,
    ) {
        let (Some(name), Some(prompts)) = (name, self.prompts.clone()) else {
            return;
        };
        let call = call.clone();
        resolve_later(&prompts, cc, name, commands, move |prompt| Command::Queue {
            call,
            news: news(prompt),
        });
    }

    /// An IVR caller enters the queue: music, and the task handed to the hub.
    pub fn enqueue(
        &mut self,
        call: CallId,
        cc: CallCenterId,
        request: EnqueueRequest,
        news: mpsc::Sender<Command>,
    ) -> Vec<Do> {
        let Some(hub) = self.hub.clone() else {
            return vec![Do::TellIvr(call, failed(EnqueueCause::CallFail, None))];
        };
        self.news = Some(news.clone());
        let voices = Voices::of(&request.xml);
        self.resolve(&cc, &call, voices.wait.clone(), QueueNews::WaitVoice, &news);
        self.resolve(&cc, &call, voices.hold.clone(), QueueNews::HoldVoice, &news);
        self.queued.insert(
            call.clone(),
            Queued {
                cc: cc.clone(),
                task: None,
                music: None,
                answered: false,
                voices,
                hold: None,
                user_data: request.user_data.clone(),
            },
        );
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = TaskRequest {
            kind: TaskKind::Ivr,
            xml: request.xml,
            origin_call_id: Some(call.0.clone()),
            user_data: request.user_data,
            reports: Some(tx),
            exclude: None,
        };
        let for_task = call.clone();
        tokio::spawn(async move {
            let first = match hub.enqueue(&cc, task).await {
                Ok(task) => QueueNews::Created(task),
                Err(error) => {
                    tracing::warn!(call_id = %for_task, %error, "enqueue refused");
                    QueueNews::Refused
                }
            };
            let refused = matches!(first, QueueNews::Refused);
            let _ = news
                .send(Command::Queue {
                    call: for_task.clone(),
                    news: first,
                })
                .await;
            if refused {
                return;
            }
            while let Some(update) = rx.recv().await {
                let command = Command::Queue {
                    call: for_task.clone(),
                    news: QueueNews::Update(update),
                };
                if news.send(command).await.is_err() {
                    return;
                }
            }
        });
        vec![Do::PlayMusic(call, None)]
    }

    /// Callers waiting in a queue or talking to the agent they reached.
    pub fn queued_callers(&self) -> usize {
        self.queued.len()
    }

    /// The music a queued caller hears started.
    pub fn music_started(&mut self, call: &CallId, play: MediaPlayId) {
        if let Some(q) = self.queued.get_mut(call) {
            q.music = Some(play);
        }
    }

    /// News of a queued caller's task.
    pub fn queue_news(&mut self, call: &CallId, news: QueueNews) -> Vec<Do> {
        let Some(q) = self.queued.get_mut(call) else {
            return Vec::new();
        };
        match news {
            QueueNews::Created(task) => {
                q.task = Some(task);
                Vec::new()
            }
            QueueNews::Refused => self.leave(call, failed(EnqueueCause::CallFail, None)),
            QueueNews::WaitVoice(prompt) if !q.answered => {
                let mut todo: Vec<Do> = q.music.take().map(Do::StopMusic).into_iter().collect();
                todo.push(Do::PlayMusic(call.clone(), Some(prompt)));
                todo
            }
            QueueNews::WaitVoice(_) => Vec::new(),
            QueueNews::HoldVoice(prompt) if q.answered => vec![Do::HoldVoice(call.clone(), prompt)],
            QueueNews::HoldVoice(prompt) => {
                q.hold = Some(prompt);
                Vec::new()
            }
            QueueNews::Announce { pre, num, post } if q.answered => {
                vec![Do::PlayNumber(call.clone(), pre, num, post)]
            }
            QueueNews::Announce { .. } => Vec::new(),
            QueueNews::Update(TaskUpdate::Succeeded {
                agent,
                call: agent_call,
                extension,
                task,
                ..
            }) => {
                if q.voices.play_num {
                    let (cc, voices) = (q.cc.clone(), q.voices.clone());
                    self.announce(call, &cc, &agent, &voices);
                }
                let Some(q) = self.queued.get_mut(call) else {
                    return Vec::new();
                };
                let mut todo: Vec<Do> = q.music.take().map(Do::StopMusic).into_iter().collect();
                q.answered = true;
                todo.push(Do::Converse(Box::new(Joined {
                    cc: q.cc.clone(),
                    caller: call.clone(),
                    agent,
                    extension,
                    agent_call: CallId(agent_call.0),
                    task,
                    terms: q.voices.terms(q.user_data.clone()),
                    hold: q.hold.clone(),
                })));
                todo
            }
            QueueNews::Update(TaskUpdate::Failed { cause, data, .. }) => {
                self.leave(call, failed(enqueue_cause(cause), data))
            }
            QueueNews::Update(_) => Vec::new(),
        }
    }

    /// Looks the agent's job number and the announcement's prompts up, then has them
    /// played to the caller (SPEC §8 `play_num`).
    fn announce(&self, call: &CallId, cc: &CallCenterId, agent: &AgentName, voices: &Voices) {
        let (Some(hub), Some(news)) = (self.hub.clone(), self.news.clone()) else {
            return;
        };
        let lookup = Announcement {
            hub,
            prompts: self.prompts.clone(),
            cc: cc.clone(),
            agent: agent.clone(),
            pre: voices.pre.clone(),
            post: voices.post.clone(),
        };
        let call = call.clone();
        tokio::spawn(async move {
            let Some((pre, num, post)) = lookup.find().await else {
                return;
            };
            let item = QueueNews::Announce { pre, num, post };
            let _ = news.send(Command::Queue { call, news: item }).await;
        });
    }

    /// The caller hung up while queued: its task is cancelled.
    pub fn caller_left_queue(&mut self, call: &CallId) -> Vec<Do> {
        let Some(q) = self.queued.get(call) else {
            return Vec::new();
        };
        if !q.answered {
            if let (Some(hub), Some(task)) = (self.hub.clone(), q.task) {
                let cc = q.cc.clone();
                tokio::spawn(async move {
                    let _ = hub.cancel(&cc, task, FailCause::Hangup).await;
                });
            }
            self.queued.remove(call);
        }
        Vec::new()
    }

    /// The caller or the agent was gone before they could talk: both go.
    pub fn not_joined(&mut self, caller: &CallId, agent_call: &CallId) -> Vec<Do> {
        let mut todo = vec![Do::HangUp(agent_call.clone())];
        todo.extend(self.leave(caller, failed(EnqueueCause::CallFail, None)));
        todo
    }

    /// The caller's conversation is over (it went back to its IVR or hung up).
    pub fn forget(&mut self, caller: &CallId) {
        self.queued.remove(caller);
    }

    /// A call ended for good.
    pub fn call_ended(&mut self, call: &CallId) {
        self.agent_calls.remove(call);
        self.rings.remove(call);
    }

    fn leave(&mut self, call: &CallId, message: IvrMessage) -> Vec<Do> {
        let Some(q) = self.queued.remove(call) else {
            return Vec::new();
        };
        let mut todo: Vec<Do> = q.music.map(Do::StopMusic).into_iter().collect();
        todo.push(Do::TellIvr(call.clone(), message));
        todo
    }
}

fn failed(cause: EnqueueCause, data: Option<String>) -> IvrMessage {
    IvrMessage::EnqueueEnded(EnqueueOutcome {
        result: EnqueueResult::Fail,
        cause: Some(cause),
        agent_name: None,
        conversation_id: None,
        data,
    })
}

fn enqueue_cause(cause: FailCause) -> EnqueueCause {
    match cause {
        FailCause::Timeout => EnqueueCause::Timeout,
        FailCause::Hangup => EnqueueCause::Hangup,
        FailCause::Cancel => EnqueueCause::Cancel,
        FailCause::Forward => EnqueueCause::Forward,
        FailCause::Reject => EnqueueCause::Reject,
        _ => EnqueueCause::CallFail,
    }
}

fn ring_failure(reason: EndReason) -> RingFailure {
    match reason {
        EndReason::NoAnswer => RingFailure::NoAnswer,
        EndReason::Rejected(486 | 600) => RingFailure::Busy,
        EndReason::Rejected(603 | 607) => RingFailure::Rejected,
        EndReason::RemoteHangup => RingFailure::HangUp,
        _ => RingFailure::Unreachable,
    }
}

/// What a queued caller hears, read from the `<enqueue>` element's attributes (SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Voices {
    /// `wait_voice`: looped while the caller waits and the agent rings.
    pub wait: Option<String>,
    /// `play_num`: announce the agent's job number once connected.
    pub play_num: bool,
    /// `pre_num_voice`.
    pub pre: Option<String>,
    /// `post_num_voice`.
    pub post: Option<String>,
    /// `reserve_state`: the agent's state after the conversation (default `idle`).
    pub reserve: AgentState,
    /// `hold_voice`: played by the conversation to a member left alone hearing it.
    pub hold: Option<String>,
    /// `record`: record the conversation.
    pub record: bool,
    /// `conversation_timeout`, in seconds.
    pub timeout: Option<u64>,
    /// `user_data`.
    pub user_data: Option<String>,
}

impl Default for Voices {
    fn default() -> Self {
        Voices {
            wait: None,
            play_num: false,
            pre: None,
            post: None,
            reserve: AgentState::IDLE,
            hold: None,
            record: false,
            timeout: None,
            user_data: None,
        }
    }
}

impl Voices {
    /// What the document says about the conversation the caller lands in; the call's own
    /// `user_data` (from the IVR) wins over the document's, as for the task.
    pub fn terms(&self, user_data: Option<String>) -> crate::conversation::Terms {
        crate::conversation::Terms {
            reserve: self.reserve.clone(),
            timeout: self
                .timeout
                .filter(|s| *s > 0)
                .map(std::time::Duration::from_secs),
            user_data: user_data.or_else(|| self.user_data.clone()),
            record: self.record,
        }
    }

    /// The root element's attributes; the document was validated when the IVR parsed it,
    /// so anything unreadable here means "nothing special".
    pub fn of(xml: &str) -> Voices {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut voices = Voices::default();
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                    if e.name().as_ref() == b"enqueue" =>
                {
                    for a in e.attributes().flatten() {
                        let value = a
                            .unescape_value()
                            .map(|v| v.trim().to_owned())
                            .unwrap_or_default();
                        let value = (!value.is_empty()).then_some(value);
                        match a.key.as_ref() {
                            b"wait_voice" => voices.wait = value,
                            b"play_num" => voices.play_num = value.as_deref() == Some("true"),
                            b"pre_num_voice" => voices.pre = value,
                            b"post_num_voice" => voices.post = value,
                            b"hold_voice" => voices.hold = value,
                            b"record" => voices.record = value.as_deref() == Some("true"),
                            b"conversation_timeout" => {
                                voices.timeout = value.and_then(|v| v.parse().ok())
                            }
                            b"user_data" => voices.user_data = value,
                            b"reserve_state" => {
                                if let Some(state) = value.and_then(|v| v.parse().ok()) {
                                    voices.reserve = state;
                                }
                            }
                            _ => {}
                        }
                    }
                    return voices;
                }
                Ok(quick_xml::events::Event::Eof) | Err(_) => return voices,
                Ok(_) => {}
            }
        }
    }
}

/// What `play_num` announces (SPEC §8): the agent's job number between the `<enqueue>`'s
/// `pre_num_voice` and `post_num_voice`. For IVR callers and for the party of an
/// operation's task alike.
#[derive(Debug, Clone)]
pub(crate) struct Announcement {
    pub hub: CallCenterHub,
    pub prompts: Option<PromptResolver>,
    pub cc: CallCenterId,
    pub agent: AgentName,
    pub pre: Option<String>,
    pub post: Option<String>,
}

impl Announcement {
    /// The prompt before, the digits, the prompt after; `None` when the agent has no
    /// all-digit `num` (nothing to read out). A prompt that cannot be found is left out.
    pub async fn find(self) -> Option<(Option<Prompt>, String, Option<Prompt>)> {
        let view = self.hub.agent(&self.cc, &self.agent).await.ok()?;
        let digits = |n: &String| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
        let num = view.num.filter(digits)?;
        let mut found = Vec::new();
        for name in [self.pre, self.post] {
            let prompt = match (&self.prompts, name) {
                (Some(p), Some(name)) => p.resolve(&self.cc, &source_of(&name)).await.ok(),
                _ => None,
            };
            found.push(prompt);
        }
        let post = found.pop().flatten();
        let pre = found.pop().flatten();
        Some((pre, num, post))
    }
}

/// Resolves the prompt an `<enqueue>` names (a media file or an http(s) URL) in the
/// background and sends the endpoint `command(prompt)`; one that cannot be found is logged
/// and the built-in music goes on.
pub(crate) fn resolve_later(
    prompts: &PromptResolver,
    cc: &CallCenterId,
    name: String,
    commands: &mpsc::Sender<Command>,
    command: impl FnOnce(Prompt) -> Command + Send + 'static,
) {
    let (prompts, cc, commands) = (prompts.clone(), cc.clone(), commands.clone());
    tokio::spawn(async move {
        match prompts.resolve(&cc, &source_of(&name)).await {
            Ok(prompt) => {
                let _ = commands.send(command(prompt)).await;
            }
            Err(error) => {
                tracing::warn!(%name, %error, "prompt of <enqueue> not found: hold music instead")
            }
        }
    });
}

fn source_of(name: &str) -> sb_ivr::model::Source {
    if name.starts_with("http://") || name.starts_with("https://") {
        sb_ivr::model::Source::Url(name.to_owned())
    } else {
        sb_ivr::model::Source::File(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_come_from_the_root_attributes() {
        let v = Voices::of(
            r#"<enqueue wait_voice="wait.wav" play_num="true" pre_num_voice="agent.wav" hold_voice="hold.wav" record="true"><route><skill name="a"/></route></enqueue>"#,
        );
        assert_eq!(v.wait.as_deref(), Some("wait.wav"));
        assert_eq!(v.hold.as_deref(), Some("hold.wav"));
        assert!(v.record);
        assert!(v.play_num);
        assert_eq!(v.pre.as_deref(), Some("agent.wav"));
        assert_eq!(v.post, None);
        let v = Voices::of(
            r#"<enqueue conversation_timeout="90" user_data="doc"><route><skill name="a"/></route></enqueue>"#,
        );
        let terms = v.terms(None);
        assert_eq!(terms.timeout, Some(std::time::Duration::from_secs(90)));
        assert_eq!(terms.user_data.as_deref(), Some("doc"));
        assert_eq!(
            v.terms(Some("call".into())).user_data.as_deref(),
            Some("call")
        );
        assert_eq!(Voices::of("<enqueue/>"), Voices::default());
        assert_eq!(Voices::of("not xml <"), Voices::default());
        assert!(matches!(
            source_of("https://x/y.wav"),
            sb_ivr::model::Source::Url(_)
        ));
    }
}
