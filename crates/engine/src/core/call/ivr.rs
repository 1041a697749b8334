//! Inbound calls an IVR session drives (SPEC §10): the session (a task of its own, see
//! [`crate::ivr`]) asks for [`IvrOp`]s; this module performs them on the caller's leg and
//! reports what happened as [`Effect::Ivr`] messages, which the shell hands to the
//! session's mailbox.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use sb_media::mixer::PlayId as MediaPlayId;
use sb_media::player::Prompt;
use sb_mediaworker::{ConversationId, Event as MediaEvent};
use sb_sip::message::SipHeaders;
use sb_store::CallCenterId;

use super::leg::{EndReason, LegState};
use super::CallId;
use crate::core::{Core, Effect, Parked};
use crate::ivr::{ConnectRequest, DialRequest, IvrMessage, PlayId as IvrPlayId, RejectReason};

/// What an IVR session asks of its call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum IvrOp {
    /// Answer (200 with our SDP).
    Answer,
    /// Refuse the unanswered call.
    Reject(RejectReason),
    /// Hang up (BYE).
    HangUp,
    /// Play a prompt once to the caller.
    Play {
        /// The session's id for it.
        id: IvrPlayId,
        /// What to play.
        prompt: Prompt,
    },
    /// Stop a playback.
    StopPlay(IvrPlayId),
    /// Record the caller into this file.
    StartRecording(PathBuf),
    /// Stop the recording.
    StopRecording,
    /// Send digits to the caller.
    SendDtmf(String),
    /// Call numbers out for the caller (`<dial>`).
    Dial(DialRequest),
    /// Give up the dial in progress and its party.
    CancelDial,
    /// Bridge the caller with the party its dial left answered (`<connect>`).
    Connect(ConnectRequest),
}

/// The IVR side of the calls table.
#[derive(Debug, Default)]
pub(crate) struct IvrCalls {
    /// Calls with a session.
    pub calls: HashMap<CallId, Option<ConversationId>>,
    /// Media playbacks → their call and the session's id.
    pub plays: HashMap<MediaPlayId, (CallId, IvrPlayId)>,
    /// Leg recordings → their call (kept past the call's end: the file still finishes).
    pub recordings: HashMap<ConversationId, CallId>,
    /// `<dial>`s and their parties.
    pub dials: super::ivr_dial::IvrDials,
}

impl Core {
    /// An inbound-number call: the caller's leg, unanswered, and a session to drive it.
    pub(super) fn start_ivr(&mut self, now: Instant, p: Parked, cc: CallCenterId) {
        let Some(ivr_url) = self.routes.current().ivr_url(&cc).map(str::to_owned) else {
            tracing::info!(callcenter = %cc.0, "IVR call refused: the call center has no ivr_url");
            return self.refuse(now, &p, 480);
        };
        let from = p
            .request
            .from()
            .and_then(|f| f.uri.user)
            .unwrap_or_else(|| "anonymous".to_owned());
        let to = p.request.uri.user.clone().unwrap_or_default();
        let Some(call) = self.accept_inbound(now, p, Some(cc.clone()), &from) else {
            return;
        };
        tracing::info!(call_id = %call, %from, %to, "IVR call");
        self.calls.ivr.calls.insert(call.clone(), None);
        self.effects.push_back(Effect::StartIvr {
            call,
            callcenter: cc,
            ivr_url,
            from,
            to,
        });
    }

    /// The shell could not start a session for `call`.
    pub fn ivr_unavailable(&mut self, now: Instant, unix_ms: u64, call: &CallId) {
        self.unix_ms = unix_ms;
        self.calls.ivr.calls.remove(call);
        self.hangup(now, call, EndReason::Rejected(480));
        self.pump(now);
    }

    /// Performs what `call`'s IVR session asked.
    pub fn on_ivr(&mut self, now: Instant, unix_ms: u64, call: &CallId, op: IvrOp) {
        self.unix_ms = unix_ms;
        let Some(media) = self.calls.legs.get(call).map(|l| l.media) else {
            // The call is gone; its session heard CallerHungUp when it went.
            return;
        };
        match op {
            IvrOp::Answer => self.answer_inbound(now, call),
            IvrOp::Reject(reason) => {
                let status = match reason {
                    RejectReason::Declined => 603,
                    _ => 486,
                };
                self.hangup(now, call, EndReason::Rejected(status));
            }
            IvrOp::HangUp => self.hangup(now, call, EndReason::Released),
            IvrOp::Play { id, prompt } => match self.media.play_prompt(media, prompt) {
                Ok(play) => {
                    self.calls.ivr.plays.insert(play, (call.clone(), id));
                }
                Err(error) => {
                    tracing::warn!(call_id = %call, %error, "IVR prompt not played");
                    self.tell_ivr(call, IvrMessage::PlaybackFailed(id));
                }
            },
            IvrOp::StopPlay(id) => {
                let play = self
                    .calls
                    .ivr
                    .plays
                    .iter()
                    .find(|(_, (c, i))| c == call && *i == id)
                    .map(|(p, _)| *p);
                if let Some(play) = play {
                    let _ = self.media.stop_play(play);
                }
            }
            IvrOp::StartRecording(path) => match self.media.record_leg(media, &path) {
                Ok(conversation) => {
                    self.calls.ivr.recordings.insert(conversation, call.clone());
                    self.calls
                        .ivr
                        .calls
                        .insert(call.clone(), Some(conversation));
                }
                Err(error) => {
                    tracing::warn!(call_id = %call, %error, "IVR recording not started");
                    self.tell_ivr(call, IvrMessage::RecordingFailed);
                }
            },
            IvrOp::StopRecording => self.stop_ivr_recording(call),
            IvrOp::SendDtmf(digits) => {
                if let Err(error) = self.media.send_digits(media, &digits) {
                    tracing::warn!(call_id = %call, %error, "IVR digits not sent");
                }
                // The media plane queues the events at once; the session only waits for
                // the order of things, not for their airtime.
                self.tell_ivr(call, IvrMessage::DtmfSent);
            }
            IvrOp::Dial(request) => self.ivr_dial(now, call, request),
            IvrOp::CancelDial => self.drop_ivr_dial(now, call),
            IvrOp::Connect(request) => self.ivr_connect(now, call, request),
        }
        self.pump(now);
    }

    fn stop_ivr_recording(&mut self, call: &CallId) {
        if let Some(Some(conversation)) = self.calls.ivr.calls.get_mut(call).map(Option::take) {
            if let Err(error) = self.media.stop_recording(conversation) {
                tracing::warn!(call_id = %call, %error, "IVR recording not stopped");
            }
        }
    }

    /// An unanswered inbound leg is answered with our SDP (answer, or offer for a late
    /// offer) and its limits start.
    pub(super) fn answer_inbound(&mut self, now: Instant, id: &CallId) {
        let Some(leg) = self.calls.legs.get_mut(id) else {
            return;
        };
        if !matches!(leg.state, LegState::Incoming | LegState::Early) {
            return;
        }
        let body = if leg.offer_in_2xx {
            Some(bytes::Bytes::from(
                leg.sdp.offer(&leg.local_media).to_string(),
            ))
        } else {
            leg.answer_body.clone()
        };
        self.respond_leg(now, id, 200, body);
        if let Some(leg) = self.calls.legs.get_mut(id) {
            leg.state = LegState::Answered;
            leg.answer_ms = Some(self.unix_ms);
            let record = leg.record(self.unix_ms);
            self.effects
                .push_back(crate::core::Effect::CallAnswered(record));
        }
        let max = now + self.call_cfg.max_call;
        self.calls.arm(id, super::CallTimer::MaxDuration, max);
        self.arm_session(now, id);
    }

    /// Media events an IVR session waits for.
    pub(super) fn ivr_media_event(&mut self, event: &MediaEvent) {
        match event {
            MediaEvent::Digit { leg, digit } => {
                let Some(call) = self.calls.media_legs.get(leg).cloned() else {
                    return;
                };
                if self.calls.ivr.calls.contains_key(&call) {
                    self.tell_ivr(&call, IvrMessage::Digit(digit.digit.as_char()));
                }
            }
            MediaEvent::PlaybackDone { play, .. } => {
                if let Some((call, id)) = self.calls.ivr.plays.remove(play) {
                    self.tell_ivr(&call, IvrMessage::PlaybackDone(id));
                }
            }
            MediaEvent::RecordingFinished { conversation, .. } => {
                if let Some(call) = self.calls.ivr.recordings.remove(conversation) {
                    self.tell_ivr(&call, IvrMessage::RecordingFinished);
                }
            }
            MediaEvent::RecordingFailed { conversation, .. } => {
                if let Some(call) = self.calls.ivr.recordings.remove(conversation) {
                    self.tell_ivr(&call, IvrMessage::RecordingFailed);
                }
            }
            _ => {}
        }
    }

    /// A key sent by SIP INFO on a call's leg.
    pub(super) fn info_digit(&mut self, call: &CallId, key: char) {
        if self.calls.ivr.calls.contains_key(call) {
            self.tell_ivr(call, IvrMessage::Digit(key));
        }
    }

    /// The leg of an IVR call ended: its session hears it, a recording stops, and its
    /// dial ends (or, for a dialled party, the dial moves on).
    pub(super) fn ivr_leg_ended(&mut self, now: Instant, call: &CallId, reason: EndReason) {
        self.ivr_dial_leg_ended(now, call, reason);
        if !self.calls.ivr.calls.contains_key(call) {
            return;
        }
        self.stop_ivr_recording(call);
        self.calls.ivr.calls.remove(call);
        self.calls.ivr.plays.retain(|_, (c, _)| c != call);
        self.tell_ivr(call, IvrMessage::CallerHungUp);
    }

    pub(super) fn tell_ivr(&mut self, call: &CallId, message: IvrMessage) {
        self.effects.push_back(Effect::Ivr {
            call: call.clone(),
            message,
        });
    }
}
