//! Recording a conversation (SPEC §7): when its call center's `record` setting or its
//! `<enqueue record="true">` asks, the mixer writes the whole conversation's mix to a
//! staged WAV in the call center's file library from the moment its mixer exists. The
//! recording's id (`record_file`) is known at once, so the conversation's events and record
//! carry it; the file is published and its row stored once the mixer is gone and the media
//! plane reports the file complete.

use std::path::PathBuf;

use sb_acd::conversation::ConversationId;
use sb_store::files::FileLibrary;
use sb_store::{CallCenterId, RecordingKind, RecordingRow};

use super::link::{ConvLink, Ctx, Out};

/// A conversation's recording in progress.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Its call center.
    pub cc: CallCenterId,
    /// The conversation recorded.
    pub conversation: ConversationId,
    /// The recording's id and library file name.
    pub name: String,
    /// Where the media plane writes it until it is published.
    pub staged: PathBuf,
    /// When it began, ms since the Unix epoch.
    pub begin_ms: u64,
}

/// A recording the media plane finished (or gave up on): the endpoint publishes the file
/// and stores its row ([`Recorded::publish`]).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// What was recorded.
    pub recording: Recording,
    /// Whether the file is complete.
    pub complete: bool,
    /// When it ended, ms since the Unix epoch.
    pub end_ms: u64,
}

impl Recorded {
    /// Publishes the file under its name and describes it for the store; `None` (and the
    /// staged file removed) when the recording failed or the file cannot be moved. Blocking.
    pub fn publish(&self, files: &FileLibrary) -> Option<RecordingRow> {
        let r = &self.recording;
        if !self.complete {
            let _ = std::fs::remove_file(&r.staged);
            return None;
        }
        let meta = match files.adopt(&r.cc, &r.name, &r.staged) {
            Ok(meta) => meta,
            Err(error) => {
                tracing::warn!(conversation_id = %r.conversation, %error, "conversation recording not published");
                return None;
            }
        };
        let duration_ms = meta.pcm_duration_ms();
        Some(RecordingRow {
            id: r.name.clone(),
            callcenter_id: r.cc.clone(),
            kind: RecordingKind::Conversation,
            call_id: None,
            conversation_id: Some(r.conversation.0.clone()),
            file: r.name.clone(),
            begin_time: r.begin_ms,
            end_time: self.end_ms,
            duration_ms,
            bytes: meta.size,
        })
    }
}

impl ConvLink {
    /// Where recordings go; without a library nothing is recorded.
    pub fn set_files(&mut self, files: Option<FileLibrary>) {
        self.files = files;
    }

    /// Starts recording `conversation` if it has a mixer, is not recorded yet, and its call
    /// center or its `<enqueue>` asks for it.
    pub(super) fn maybe_record(&mut self, ctx: &mut Ctx<'_>, conversation: &ConversationId) {
        let Some(l) = self.live.get(conversation) else {
            return;
        };
        let (Some(media), None, Some(files)) = (l.media, &l.record_file, &self.files) else {
            return;
        };
        if !l.record && !ctx.core.settings_of(&l.cc).record {
            return;
        }
        let cc = l.cc.clone();
        let name = sb_store::conversation_recording_name(&conversation.0);
        let staged = match files.staging_path(&cc, &name) {
            Ok(path) => path,
            Err(error) => {
                tracing::warn!(conversation_id = %conversation, %error, "conversation not recorded");
                return;
            }
        };
        if let Err(error) = ctx.core.media_plane().record_conversation(media, &staged) {
            tracing::warn!(conversation_id = %conversation, %error, "conversation not recorded");
            return;
        }
        let recording = Recording {
            cc,
            conversation: conversation.clone(),
            name: name.clone(),
            staged,
            begin_ms: ctx.ms,
        };
        self.recordings.insert(media, recording);
        if let Some(l) = self.live.get_mut(conversation) {
            l.record_file = Some(name);
        }
    }

    /// The media plane finished (`complete`) or gave up a recording file of `media`;
    /// `false` when it was not a conversation's.
    pub fn on_recording_done(
        &mut self,
        ctx: &mut Ctx<'_>,
        media: sb_mediaworker::ConversationId,
        complete: bool,
    ) -> bool {
        let Some(recording) = self.recordings.remove(&media) else {
            return false;
        };
        self.out.push(Out::Recorded(Box::new(Recorded {
            recording,
            complete,
            end_ms: ctx.ms,
        })));
        true
    }
}
