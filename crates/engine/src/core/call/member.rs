//! What the conversation layer needs of legs: their media endpoints, word of their end,
//! numbers dialled through a trunk, and per-call limits (SPEC §6 `max_dial_seconds`,
//! `max_answer_seconds`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sb_media::mixer::PlayId as MediaPlayId;
use sb_media::tone::{Region, ToneKind};
use sb_mediaworker::LegId;
use sb_store::{CallCenterId, Settings, ToneRegion};

use super::leg::{EndReason, LegState};
use super::route::OutboundTarget;
use super::{CallId, CallTimer};
use crate::core::{Core, Effect};
use crate::media::MediaPlane;

impl Core {
    /// The media endpoint of a leg that is answered and not ending.
    pub fn answered_media(&self, call: &CallId) -> Option<LegId> {
        self.calls
            .legs
            .get(call)
            .filter(|l| matches!(l.state, LegState::Answered | LegState::Confirmed))
            .map(|l| l.media)
    }

    /// Reports the leg's end as [`Effect::LegEnded`] from now on; `false` when the leg is
    /// not answered (or gone).
    pub fn watch_call(&mut self, call: &CallId) -> bool {
        match self.calls.legs.get_mut(call) {
            Some(l) if matches!(l.state, LegState::Answered | LegState::Confirmed) => {
                l.watched = true;
                true
            }
            _ => false,
        }
    }

    /// Stops reporting the leg's end (it left its conversations but stays up).
    pub fn unwatch_call(&mut self, call: &CallId) {
        if let Some(l) = self.calls.legs.get_mut(call) {
            l.watched = false;
        }
    }

    /// Calls `number` through `cc`'s trunk as leg `call`; the outcome comes back as
    /// [`Effect::Originated`]. `max_dial` replaces the engine's no-answer limit.
    #[allow(clippy::too_many_arguments)]
    pub fn dial_number(
        &mut self,
        now: Instant,
        unix_ms: u64,
        call: CallId,
        cc: &CallCenterId,
        number: &str,
        from: Option<&str>,
        max_dial: Option<Duration>,
    ) {
        self.unix_ms = unix_ms;
        let routes = self.routes.current();
        let target = routes
            .outbound(cc, |id| self.trunks.usable(id))
            .and_then(|trunk| OutboundTarget::trunk(trunk, number, from));
        let placed = match target {
            Some(target) => self.originate(now, target, Some(call.clone())),
            None => Err(EndReason::Rejected(503)),
        };
        match placed {
            Ok(id) => {
                if let Some(leg) = self.calls.legs.get_mut(&id) {
                    leg.notify = true;
                }
                if let Some(limit) = max_dial {
                    self.calls.arm(&id, CallTimer::NoAnswer, now + limit);
                }
            }
            Err(reason) => self.effects.push_back(Effect::Originated {
                call,
                outcome: super::Originated::Failed(reason),
            }),
        }
        self.pump(now);
    }

    /// Whether `cc` has a trunk that can carry a call out now.
    pub fn can_dial_out(&self, cc: &CallCenterId) -> bool {
        self.routes
            .current()
            .outbound(cc, |id| self.trunks.usable(id))
            .is_some()
    }

    /// Hangs an answered leg up `max` from now (`max_answer_seconds`).
    pub fn limit_call(&mut self, now: Instant, call: &CallId, max: Duration) {
        self.calls.arm(call, CallTimer::MaxDuration, now + max);
    }

    /// Plays a call-progress tone of `cc`'s region (setting `tone_region`) to a leg until
    /// stopped.
    pub fn play_tone(
        &mut self,
        call: &CallId,
        cc: &CallCenterId,
        kind: ToneKind,
    ) -> Option<MediaPlayId> {
        let media = self.calls.legs.get(call)?.media;
        let region = match self.routes.current().settings(cc).map(|s| s.tone_region) {
            Some(ToneRegion::US) => Region::Us,
            Some(ToneRegion::EU) => Region::Eu,
            _ => Region::Cn,
        };
        self.media.play_tone(media, region, kind).ok()
    }

    /// `cc`'s settings (defaults when it has none).
    pub fn settings_of(&self, cc: &CallCenterId) -> Settings {
        self.routes
            .current()
            .settings(cc)
            .cloned()
            .unwrap_or_default()
    }

    /// The media plane, for the conversation mixers.
    pub fn media_plane(&self) -> Arc<dyn MediaPlane> {
        Arc::clone(&self.media)
    }
}
