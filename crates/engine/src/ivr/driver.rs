//! The session task: the document loop of SPEC §10 around the step interpreter.

use std::path::PathBuf;
use std::time::Instant;

use sb_ivr::interp::{ActionError, Completion, Effect, Input, Outputs, PlayId, Session};
use sb_ivr::model::{Action, KeySet, Response, Source};
use sb_ivr::IvrStart;
use sb_media::player::Prompt;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use super::http::{self, Request};
use super::ports::{
    CallControl, ConnectRequest, DialRequest, EnqueueRequest, IvrMedia, IvrMessage, RejectReason,
};
use super::{IvrCall, IvrServices, SessionEnd};

/// Longest `detail` put in an event: diagnostics of a bad document can be long.
const MAX_DETAIL_CHARS: usize = 1000;

/// What a callback gave.
enum Fetched {
    /// A valid document.
    Document(Response),
    /// The caller hung up while waiting.
    CallerLeft,
    /// No usable document: the `error` code and a `detail` for the event.
    Unusable(&'static str, String),
}

/// What woke the session while an action runs.
enum Wake {
    Input(Input),
    Timer(Instant),
    Nothing,
    /// Every handle is gone and the hang-up that implies did not end the action.
    Closed,
}

/// A recording in progress: its future name and where it is written meanwhile.
struct Recording {
    name: String,
    staged: PathBuf,
    begin_ms: u64,
}

pub(super) struct Driver<M, C> {
    services: IvrServices,
    call: IvrCall,
    media: M,
    control: C,
    inbox: mpsc::Receiver<IvrMessage>,
    next_play_id: u64,
    playing: Option<PlayId>,
    recording: Option<Recording>,
    recordings: u32,
    /// The closed mailbox was already reported as the caller hanging up.
    orphaned: bool,
}

impl<M: IvrMedia, C: CallControl> Driver<M, C> {
    pub(super) fn new(
        services: IvrServices,
        call: IvrCall,
        media: M,
        control: C,
        inbox: mpsc::Receiver<IvrMessage>,
    ) -> Self {
        Self {
            services,
            call,
            media,
            control,
            inbox,
            next_play_id: 1,
            playing: None,
            recording: None,
            recordings: 0,
            orphaned: false,
        }
    }

    /// Runs the call's IVR from `ivr_start` to its end.
    pub(super) async fn run(mut self) -> SessionEnd {
        let c = &self.call;
        let start = IvrStart::incoming(&c.call_id, &c.from, &c.to, c.user_data.as_deref());
        // Invariant: a struct of strings always serialises.
        let body = serde_json::to_vec(&start).expect("ivr_start is plain strings");
        let url = self.call.ivr_url.clone();
        let mut response = match self.fetch(Request::PostJson(&url, &body)).await {
            Fetched::Document(response) => response,
            Fetched::CallerLeft => return self.caller_left().await,
            Fetched::Unusable(error, detail) => {
                self.control.reject(RejectReason::Busy);
                self.call_end(&[("error", error), ("detail", &detail), ("url", &url)])
                    .await;
                return SessionEnd::Rejected {
                    reason: RejectReason::Busy,
                };
            }
        };
        if matches!(response.action, Action::Hangup) {
            self.control.reject(RejectReason::Declined);
            self.call_end(&[]).await;
            return SessionEnd::Rejected {
                reason: RejectReason::Declined,
            };
        }
        if let Err(error) = self.control.answer() {
            tracing::info!(call_id = %self.call.call_id, %error, "IVR call could not be answered");
            return self.caller_left().await;
        }
        loop {
            let done = self.run_action(&response.action).await;
            if done.call_ended {
                return match response.action {
                    Action::Hangup => SessionEnd::HungUp { error: None },
                    _ => SessionEnd::CallerLeft,
                };
            }
            let Some(next) = &response.next else {
                self.control.hang_up();
                self.call_end(&[]).await;
                return SessionEnd::HungUp { error: None };
            };
            let url = sb_ivr::next_url(next, &self.call.call_id, &response.action, &done);
            response = match self.fetch(Request::Get(&url)).await {
                Fetched::Document(next) => next,
                Fetched::CallerLeft => return self.caller_left().await,
                Fetched::Unusable(error, detail) => {
                    self.control.hang_up();
                    self.call_end(&[("error", error), ("detail", &detail), ("url", &url)])
                        .await;
                    return SessionEnd::HungUp { error: Some(error) };
                }
            };
        }
    }

    async fn caller_left(&mut self) -> SessionEnd {
        self.call_end(&[]).await;
        SessionEnd::CallerLeft
    }

    /// Makes a callback and parses its answer, while watching for the caller hanging up.
    /// Other messages meanwhile are stale (a late key, a playback that already ended).
    async fn fetch(&mut self, request: Request<'_>) -> Fetched {
        let services = &self.services;
        let fetching = http::fetch(&services.client, &services.callbacks, request);
        tokio::pin!(fetching);
        let bytes = loop {
            tokio::select! {
                result = &mut fetching => break result,
                message = self.inbox.recv() => match message {
                    Some(IvrMessage::CallerHungUp) | None => return Fetched::CallerLeft,
                    Some(_) => {}
                },
            }
        };
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::warn!(call_id = %self.call.call_id, %error, "IVR application gave no answer");
                return Fetched::Unusable(error.code(), error.to_string());
            }
        };
        match self.call.vocabulary.parse(&bytes) {
            Ok(response) => Fetched::Document(response),
            Err(diagnostics) => {
                let detail: String = diagnostics
                    .to_string()
                    .chars()
                    .take(MAX_DETAIL_CHARS)
                    .collect();
                tracing::warn!(call_id = %self.call.call_id, %detail, "IVR document refused");
                Fetched::Unusable("bad_document", detail)
            }
        }
    }

    /// Runs one action to its completion.
    async fn run_action(&mut self, action: &Action) -> Completion {
        let clock = std::sync::Arc::clone(&self.services.clock);
        let mut session = Session::start_at(clock.now(), action, self.next_play_id);
        loop {
            while let Some(effect) = session.poll_output() {
                if let Effect::Finished(done) = effect {
                    self.next_play_id = session.next_play_id();
                    self.playing = None;
                    return done;
                }
                if let Some(input) = self.perform(effect).await {
                    session.handle_input(clock.now(), input);
                }
            }
            match self.wake(session.poll_timeout()).await {
                Wake::Input(input) => session.handle_input(clock.now(), input),
                // The timer fired, so it is at least its deadline, whatever the clock says.
                Wake::Timer(at) => session.handle_timeout(clock.now().max(at)),
                Wake::Nothing => {}
                // Nobody can report the end of what runs (a recording's file): give up.
                Wake::Closed => {
                    self.call_end(&[]).await;
                    return Completion {
                        outputs: Outputs::default(),
                        error: None,
                        call_ended: true,
                    };
                }
            }
        }
    }

    /// Waits for the next message or the interpreter's timer.
    async fn wake(&mut self, deadline: Option<Instant>) -> Wake {
        let now = self.services.clock.now();
        let sleep = deadline.map(|at| tokio::time::sleep(at.saturating_duration_since(now)));
        let message = match sleep {
            Some(sleep) => tokio::select! {
                message = self.inbox.recv() => message,
                () = sleep => return deadline.map_or(Wake::Nothing, Wake::Timer),
            },
            None => self.inbox.recv().await,
        };
        match message {
            // Every handle is gone: nobody can tell us about this call any more.
            None if !self.orphaned => {
                self.orphaned = true;
                Wake::Input(Input::CallerHungUp)
            }
            None => Wake::Closed,
            Some(message) => self.input(message).await.map_or(Wake::Nothing, Wake::Input),
        }
    }

    /// The interpreter's input for a message, if it means anything now.
    async fn input(&mut self, message: IvrMessage) -> Option<Input> {
        Some(match message {
            IvrMessage::Digit(c) => Input::Dtmf(c),
            IvrMessage::PlaybackDone(id) => {
                if self.playing == Some(id) {
                    self.playing = None;
                }
                Input::PlaybackDone(id)
            }
            IvrMessage::PlaybackFailed(id) if self.playing == Some(id) => {
                self.playing = None;
                Input::Failed(ActionError::PlayFailed)
            }
            IvrMessage::PlaybackFailed(_) => return None,
            IvrMessage::RecordingFinished => return self.recording_finished().await,
            IvrMessage::RecordingFailed => {
                let recording = self.recording.take()?;
                let _ = tokio::fs::remove_file(&recording.staged).await;
                Input::Failed(ActionError::RecordFailed)
            }
            IvrMessage::DtmfSent => Input::DtmfSent,
            IvrMessage::DialEnded(outcome) => Input::DialResult(outcome),
            IvrMessage::ConnectEnded { duration } => Input::ConnectEnded { duration },
            IvrMessage::ConnectFailed => Input::Failed(ActionError::ConnectFailed),
            IvrMessage::EnqueueEnded(outcome) => Input::EnqueueEnded(outcome),
            IvrMessage::CallerHungUp => Input::CallerHungUp,
        })
    }

    /// Performs one effect; an input to feed back when it could not be carried out.
    async fn perform(&mut self, effect: Effect) -> Option<Input> {
        let done = Ok(());
        let result = match effect {
            Effect::Play {
                id,
                source,
                finish_on_keys,
            } => self.play(id, &source, finish_on_keys).await,
            // Only a playback still running is stopped: one that ended, or never started
            // because its prompt failed, needs no command.
            Effect::StopPlay { id } if self.playing == Some(id) => {
                self.playing = None;
                self.media.stop_play(id);
                done
            }
            Effect::StartRecording { .. } => self.start_recording().await,
            Effect::StopRecording => {
                self.media.stop_recording();
                done
            }
            Effect::SendDtmf(digits) => {
                (self.media.send_dtmf(&digits)).map_err(|_| ActionError::SendDtmfFailed)
            }
            dial @ Effect::Dial { .. } => self.dial(dial).await,
            Effect::CancelDial => {
                self.control.cancel_dial();
                done
            }
            Effect::Connect {
                mode,
                max_duration,
                prompt,
            } => {
                let prompt = self.optional_prompt(prompt.as_ref()).await;
                let request = ConnectRequest {
                    mode,
                    max_duration,
                    prompt,
                };
                (self.control.connect(request)).map_err(|_| ActionError::ConnectFailed)
            }
            Effect::Enqueue(xml) => {
                let user_data = self.call.user_data.clone();
                (self.control.enqueue(EnqueueRequest { xml, user_data }))
                    .map_err(|_| ActionError::EnqueueFailed)
            }
            Effect::LeaveQueue => {
                self.control.leave_queue();
                done
            }
            Effect::HangUp => {
                self.control.hang_up();
                done
            }
            Effect::Event(event, outputs) => {
                self.publish(event.name(), &outputs).await;
                done
            }
            // `Finished` is taken by `run_action`; a stale `StopPlay` needs nothing.
            _ => done,
        };
        result.err().map(Input::Failed)
    }

    async fn play(&mut self, id: PlayId, source: &Source, keys: KeySet) -> Result<(), ActionError> {
        let prompt = self.prompt(source).await.ok_or(ActionError::PlayFailed)?;
        if let Err(error) = self.media.play(id, prompt, keys) {
            tracing::info!(call_id = %self.call.call_id, %error, "IVR prompt not played");
            return Err(ActionError::PlayFailed);
        }
        self.playing = Some(id);
        Ok(())
    }

    async fn dial(&mut self, dial: Effect) -> Result<(), ActionError> {
        let Effect::Dial {
            numbers,
            from,
            max_dial_duration,
            max_call_duration,
            ringback,
            ringback_stop,
        } = dial
        else {
            return Ok(());
        };
        let ringback = self.optional_prompt(ringback.as_ref()).await;
        let request = DialRequest {
            numbers,
            from,
            max_dial_duration,
            max_call_duration,
            ringback,
            ringback_stop,
        };
        (self.control.dial(request)).map_err(|_| ActionError::DialFailed)
    }

    /// The audio of a prompt; `None` (logged) when it cannot be played.
    async fn prompt(&self, source: &Source) -> Option<Prompt> {
        match self
            .services
            .prompts
            .resolve(&self.call.callcenter, source)
            .await
        {
            Ok(prompt) => Some(prompt),
            Err(error) => {
                tracing::warn!(call_id = %self.call.call_id, %error, "IVR prompt unavailable");
                None
            }
        }
    }

    /// A ringback or bridge prompt: when it cannot be played, the call goes on without it.
    async fn optional_prompt(&self, source: Option<&Source>) -> Option<Prompt> {
        self.prompt(source?).await
    }

    async fn start_recording(&mut self) -> Result<(), ActionError> {
        let failed = Err(ActionError::RecordFailed);
        let Some(files) = self.services.files.clone() else {
            tracing::warn!(call_id = %self.call.call_id, "no media library: <record> cannot be stored");
            return failed;
        };
        self.recordings += 1;
        let name = recording_name(&self.call.call_id, self.recordings);
        let (cc, owned) = (self.call.callcenter.clone(), name.clone());
        let staged = tokio::task::spawn_blocking(move || files.staging_path(&cc, &owned)).await;
        let Ok(Ok(staged)) = staged else {
            return failed;
        };
        if self.media.start_recording(&staged).is_err() {
            return failed;
        }
        let begin_ms = self.services.clock.unix_ms();
        self.recording = Some(Recording {
            name,
            staged,
            begin_ms,
        });
        Ok(())
    }

    /// Publishes the finished recording under its name: the `record_id`.
    async fn recording_finished(&mut self) -> Option<Input> {
        let recording = self.recording.take()?;
        let failed = Some(Input::Failed(ActionError::RecordFailed));
        let Some(files) = self.services.files.clone() else {
            return failed;
        };
        let cc = self.call.callcenter.clone();
        let Recording {
            name,
            staged,
            begin_ms,
        } = recording;
        let record_id = name.clone();
        let (owner, file) = (cc.clone(), name.clone());
        let adopted =
            tokio::task::spawn_blocking(move || files.adopt(&owner, &file, &staged)).await;
        let Ok(Ok(meta)) = adopted else {
            return failed;
        };
        let row = sb_store::RecordingRow {
            id: name.clone(),
            callcenter_id: cc,
            kind: sb_store::RecordingKind::Ivr,
            call_id: Some(self.call.call_id.clone()),
            conversation_id: None,
            file: name,
            begin_time: begin_ms,
            end_time: self.services.clock.unix_ms(),
            duration_ms: meta.pcm_duration_ms(),
            bytes: meta.size,
        };
        let store = self.services.events.store();
        if let Err(error) = store.run(move |s| s.save_recording(&row)).await {
            tracing::warn!(call_id = %self.call.call_id, %error, "recording row not stored");
        }
        Some(Input::RecordingDone { record_id })
    }

    async fn call_end(&self, params: &[(&'static str, &str)]) {
        let mut outputs = Outputs::default();
        for (name, value) in params {
            outputs.push(name, *value);
        }
        self.publish("ivr.call_end", &outputs).await;
    }

    /// Publishes an `ivr.*` event; a store failure is logged, never fatal to the call.
    async fn publish(&self, event: &str, outputs: &Outputs) {
        let mut fields = Map::new();
        fields.insert("call_id".into(), Value::from(self.call.call_id.as_str()));
        if let Some(user_data) = &self.call.user_data {
            fields.insert("user_data".into(), Value::from(user_data.as_str()));
        }
        for (name, value) in outputs.iter() {
            fields.insert(name.into(), Value::from(value));
        }
        let bus = &self.services.events;
        if let Err(error) = bus.publish(&self.call.callcenter, event, fields).await {
            tracing::warn!(call_id = %self.call.call_id, event, %error, "IVR event not recorded");
        }
    }
}

/// A recording's file name: a hash of the call id (which may hold any character) and
/// the recording's number within the call.
fn recording_name(call_id: &str, n: u32) -> String {
    let hash = hex::encode(Sha256::digest(call_id.as_bytes()));
    format!("rec-{}-{n}.wav", &hash[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_names_are_valid_file_names_and_distinct() {
        let a = recording_name("a84b4c76e66710@pc33.atlanta.com", 1);
        let b = recording_name("a84b4c76e66710@pc33.atlanta.com", 2);
        assert!(sb_store::files::valid_file_name(&a), "{a}");
        assert_ne!(a, b);
        assert_ne!(a, recording_name("other", 1));
    }
}
