//! The endpoint's side of IVR sessions: the port each session calls (it becomes endpoint
//! commands), and the table of session handles the endpoint reports through.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use sb_acd::enqueue::{Condition, ConditionInput};
use sb_acd::skill::SkillInterner;
use sb_ivr::model::KeySet;
use sb_media::player::Prompt;
use sb_store::{CallCenterId, Page, StoreHandle};
use tokio::sync::mpsc;

use crate::core::call::{CallId, IvrOp};
use crate::endpoint::Command;
use crate::ivr::PromptResolver;
use crate::ivr::{
    self, CallControl, ConnectRequest, DialRequest, EnqueueRequest, IvrCall, IvrHandle, IvrMedia,
    IvrMessage, IvrServices, PlayId, PortError, QueueVocabulary, RejectReason,
};

/// What one IVR session calls: every method becomes a command to the endpoint task.
#[derive(Debug, Clone)]
pub(crate) struct IvrPort {
    call: CallId,
    callcenter: CallCenterId,
    commands: mpsc::Sender<Command>,
}

impl IvrPort {
    fn send(&self, op: IvrOp) -> Result<(), PortError> {
        self.command(Command::Ivr {
            call: self.call.clone(),
            op,
        })
    }

    fn command(&self, command: Command) -> Result<(), PortError> {
        self.commands.try_send(command).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => PortError::Overloaded { layer: "call" },
            mpsc::error::TrySendError::Closed(_) => PortError::CallGone,
        })
    }
}

impl IvrMedia for IvrPort {
    fn play(&mut self, id: PlayId, prompt: Prompt, _: KeySet) -> Result<(), PortError> {
        self.send(IvrOp::Play { id, prompt })
    }

    fn stop_play(&mut self, id: PlayId) {
        let _ = self.send(IvrOp::StopPlay(id));
    }

    fn start_recording(&mut self, path: &Path) -> Result<(), PortError> {
        self.send(IvrOp::StartRecording(path.to_path_buf()))
    }

    fn stop_recording(&mut self) {
        let _ = self.send(IvrOp::StopRecording);
    }

    fn send_dtmf(&mut self, digits: &str) -> Result<(), PortError> {
        self.send(IvrOp::SendDtmf(digits.to_owned()))
    }
}

impl CallControl for IvrPort {
    fn answer(&mut self) -> Result<(), PortError> {
        self.send(IvrOp::Answer)
    }

    fn reject(&mut self, reason: RejectReason) {
        let _ = self.send(IvrOp::Reject(reason));
    }

    fn hang_up(&mut self) {
        let _ = self.send(IvrOp::HangUp);
    }

    fn dial(&mut self, request: DialRequest) -> Result<(), PortError> {
        if request.numbers.is_empty() {
            return Err(PortError::NotPossible {
                what: "<dial> without a number",
            });
        }
        self.send(IvrOp::Dial(request))
    }

    fn cancel_dial(&mut self) {
        let _ = self.send(IvrOp::CancelDial);
    }

    fn connect(&mut self, request: ConnectRequest) -> Result<(), PortError> {
        self.send(IvrOp::Connect(request))
    }

    fn enqueue(&mut self, request: EnqueueRequest) -> Result<(), PortError> {
        self.command(Command::Enqueue {
            call: self.call.clone(),
            callcenter: self.callcenter.clone(),
            request,
        })
    }

    fn leave_queue(&mut self) {
        let _ = self.command(Command::LeaveQueue {
            call: self.call.clone(),
        });
    }
}

/// A new session's particulars, from the core's [`crate::core::Effect::StartIvr`].
#[derive(Debug)]
pub(crate) struct NewSession {
    pub call: CallId,
    pub callcenter: CallCenterId,
    pub ivr_url: String,
    pub from: String,
    pub to: String,
}

/// The sessions the endpoint runs.
#[derive(Debug)]
pub(crate) struct IvrLink {
    services: IvrServices,
    store: StoreHandle,
    commands: mpsc::Sender<Command>,
    handles: HashMap<CallId, IvrHandle>,
    /// Calls that ended before their session's handle arrived.
    gone: HashSet<CallId>,
}

impl IvrLink {
    pub fn new(services: IvrServices, store: StoreHandle, commands: mpsc::Sender<Command>) -> Self {
        IvrLink {
            services,
            store,
            commands,
            handles: HashMap::new(),
            gone: HashSet::new(),
        }
    }

    /// Starts a session in a task of its own: it loads the call center's conditions (to
    /// check `<enqueue>`), starts, and reports its handle and its end to the endpoint.
    pub fn start(&self, new: NewSession) {
        let services = self.services.clone();
        let store = self.store.clone();
        let commands = self.commands.clone();
        tokio::spawn(async move {
            let vocabulary = vocabulary(&store, &new.callcenter).await;
            let port = IvrPort {
                call: new.call.clone(),
                callcenter: new.callcenter.clone(),
                commands: commands.clone(),
            };
            let call = IvrCall {
                callcenter: new.callcenter,
                ivr_url: new.ivr_url,
                call_id: new.call.0.clone(),
                from: new.from,
                to: new.to,
                user_data: None,
                vocabulary,
            };
            let (handle, session) = ivr::start(services, call, port.clone(), port);
            let started = Command::IvrStarted {
                call: new.call.clone(),
                handle,
            };
            if commands.send(started).await.is_err() {
                return;
            }
            let end = session.finished().await;
            tracing::debug!(call_id = %new.call, ?end, "IVR session ended");
            let _ = commands.send(Command::IvrEnded { call: new.call }).await;
        });
    }

    /// Sessions running.
    pub fn sessions(&self) -> usize {
        self.handles.len()
    }

    /// The prompt resolver the sessions use (call-center prompts use it too).
    pub fn prompts(&self) -> PromptResolver {
        self.services.prompts().clone()
    }

    /// The media library, for conversation recordings.
    pub fn files(&self) -> Option<sb_store::files::FileLibrary> {
        self.services.files().cloned()
    }

    /// A session is up: from now on its call's events reach it.
    pub fn started(&mut self, call: CallId, handle: IvrHandle) {
        if self.gone.remove(&call) {
            let _ = handle.send(IvrMessage::CallerHungUp);
        }
        self.handles.insert(call, handle);
    }

    /// Hands `message` to the session of `call`.
    pub fn tell(&mut self, call: CallId, message: IvrMessage) {
        match self.handles.get(&call) {
            Some(handle) => {
                if let Err(error) = handle.send(message) {
                    tracing::debug!(call_id = %call, ?error, "IVR session did not take a message");
                }
            }
            None if message == IvrMessage::CallerHungUp => {
                self.gone.insert(call);
            }
            None => {}
        }
    }

    /// A session ended.
    pub fn ended(&mut self, call: &CallId) {
        self.handles.remove(call);
        self.gone.remove(call);
    }
}

/// The call center's stored conditions, compiled, for checking `<enqueue>`. A store
/// failure leaves none (a document naming one then fails to check, and says why).
async fn vocabulary(store: &StoreHandle, cc: &CallCenterId) -> QueueVocabulary {
    let key = cc.clone();
    let rows = store
        .run(move |s| s.list_conditions(&key, Page { no: 1, size: 2000 }))
        .await;
    let mut skills = SkillInterner::default();
    let mut conditions = HashMap::new();
    match rows {
        Ok(page) => {
            for r in page.rows {
                let input = ConditionInput {
                    where_: Some(&r.def.where_),
                    sort: r.def.sort.as_deref(),
                    priority: Some(i64::from(r.def.priority)),
                    queue_timeout: Some(i64::from(r.def.queue_timeout)),
                    fetch_timeout: Some(i64::from(r.def.fetch_timeout)),
                    remark: r.def.remark.as_deref(),
                };
                if let Ok(c) = Condition::new(&input, &mut skills) {
                    conditions.insert(r.id.0, c);
                }
            }
        }
        Err(error) => {
            tracing::warn!(callcenter = %cc.0, %error, "conditions not loaded for an IVR call")
        }
    }
    QueueVocabulary::new(Arc::new(conditions), Arc::new(Mutex::new(skills)))
}
