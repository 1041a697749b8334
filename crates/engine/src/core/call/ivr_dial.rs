//! The IVR's `<dial>` and `<connect>` (SPEC §10): the caller's session asks for a number to
//! be called out through the call center's trunk; this module tries the numbers in order,
//! plays ringback to the caller, keeps the answered party up, and bridges the two in a
//! media conversation with the voice modes `<connect mode>` asks for.
//!
//! The dialled party is a plain outbound leg with no peer: its progress, answer and end
//! come here from [`super::bridge`] (see [`Core::ivr_dial_progress`],
//! [`Core::ivr_dial_answered`] and [`Core::ivr_dial_leg_ended`]), and the outcomes go to
//! the session as [`IvrMessage::DialEnded`], [`IvrMessage::ConnectEnded`] and
//! [`IvrMessage::ConnectFailed`].

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use sb_ivr::interp::DialOutcome;
use sb_ivr::model::{ConnectMode, RingbackStop};
use sb_media::mixer::{PlayId as MediaPlayId, VoiceMode};
use sb_media::player::Prompt;
use sb_media::tone::ToneKind;
use sb_mediaworker::{ConversationId, LegId};
use sb_store::CallCenterId;

use super::leg::EndReason;
use super::route::OutboundTarget;
use super::{CallId, CallTimer};
use crate::core::Core;
use crate::ivr::{ConnectRequest, DialRequest, IvrMessage};

/// The dials of IVR calls, both ways.
#[derive(Debug, Default)]
pub(crate) struct IvrDials {
    /// Caller's leg → its dial.
    by_caller: HashMap<CallId, IvrDial>,
    /// Dialled party's leg → its caller's leg.
    by_party: HashMap<CallId, CallId>,
}

/// One `<dial>` of an IVR call, from its first number to the end of its party.
#[derive(Debug)]
struct IvrDial {
    cc: CallCenterId,
    /// Numbers not tried yet.
    numbers: VecDeque<String>,
    from: Option<String>,
    max_dial: Duration,
    max_call: Option<Duration>,
    ringback: Option<Prompt>,
    ringback_stop: RingbackStop,
    /// What plays to the caller while a number rings.
    ringing: Option<MediaPlayId>,
    /// How the last number that did not answer ended.
    last: DialOutcome,
    party: Option<Party>,
}

/// Where the dialled party is.
#[derive(Debug)]
enum Party {
    /// `number` rings as `leg`; `early` carries its early media to the caller.
    Ringing {
        leg: CallId,
        number: String,
        early: Option<ConversationId>,
    },
    /// It answered and waits for a `<connect>`.
    Answered { leg: CallId },
    /// It is bridged with the caller since `since`.
    Connected {
        leg: CallId,
        conversation: ConversationId,
        since: Instant,
    },
}

impl Party {
    fn leg(&self) -> &CallId {
        match self {
            Party::Ringing { leg, .. } | Party::Answered { leg } | Party::Connected { leg, .. } => {
                leg
            }
        }
    }

    /// The media conversation joining the party with the caller, if there is one.
    fn conversation(&self) -> Option<ConversationId> {
        match self {
            Party::Ringing { early, .. } => *early,
            Party::Answered { .. } => None,
            Party::Connected { conversation, .. } => Some(*conversation),
        }
    }
}

/// The dial outcome a number that did not answer stands for.
fn outcome_of(reason: EndReason) -> DialOutcome {
    match reason {
        EndReason::Rejected(486 | 600) => DialOutcome::Busy,
        // 480 and 408 are how carriers say nobody picked up; 487 follows our own CANCEL.
        EndReason::NoAnswer | EndReason::Rejected(408 | 480 | 487) => DialOutcome::NoAnswer,
        EndReason::Rejected(_) => DialOutcome::Rejected,
        _ => DialOutcome::Failed,
    }
}

/// The voice modes (SPEC §5) of the caller (first party) and the dialled party (second).
fn connect_modes(mode: ConnectMode) -> (VoiceMode, VoiceMode) {
    match mode {
        ConnectMode::Both => (VoiceMode::Both, VoiceMode::Both),
        // The conversation hears the caller and plays to the dialled party only.
        ConnectMode::SecondHearsFirst => (VoiceMode::HeardOnly, VoiceMode::PlayedOnly),
        ConnectMode::FirstHearsSecond => (VoiceMode::PlayedOnly, VoiceMode::HeardOnly),
    }
}

impl Core {
    /// Starts `caller`'s `<dial>`: ringback to the caller, then the first number that can
    /// be placed. A dial already there (a party kept from an earlier `<dial>`) is given up
    /// first.
    pub(super) fn ivr_dial(&mut self, now: Instant, caller: &CallId, request: DialRequest) {
        self.drop_ivr_dial(now, caller);
        if self.answered_media(caller).is_none() {
            // The caller is hanging up (its session hears it): nothing may be left ringing.
            tracing::info!(call_id = %caller, "IVR dial for a call that is not up");
            return self.tell_dial(caller, DialOutcome::Failed);
        }
        let Some(cc) = self
            .calls
            .legs
            .get(caller)
            .and_then(|l| l.callcenter.clone())
        else {
            tracing::info!(call_id = %caller, "IVR dial without a call center");
            return self.tell_dial(caller, DialOutcome::Failed);
        };
        let dial = IvrDial {
            cc,
            numbers: request.numbers.into(),
            from: request.from,
            max_dial: request.max_dial_duration,
            max_call: request.max_call_duration,
            ringback: request.ringback,
            ringback_stop: request.ringback_stop,
            ringing: None,
            last: DialOutcome::Failed,
            party: None,
        };
        self.calls.ivr.dials.by_caller.insert(caller.clone(), dial);
        self.start_ringback(caller);
        self.next_ivr_number(now, caller);
    }

    /// Places the next number of `caller`'s dial that can be placed, or ends the dial with
    /// the outcome of the last one when none is left.
    fn next_ivr_number(&mut self, now: Instant, caller: &CallId) {
        loop {
            let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(caller) else {
                return;
            };
            let Some(number) = dial.numbers.pop_front() else {
                let outcome = dial.last.clone();
                self.drop_ivr_dial(now, caller);
                return self.tell_dial(caller, outcome);
            };
            match self.place_ivr_number(now, caller, &number) {
                Ok(leg) => {
                    let party = Party::Ringing {
                        leg: leg.clone(),
                        number,
                        early: None,
                    };
                    if let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(caller) {
                        dial.party = Some(party);
                    }
                    self.calls.ivr.dials.by_party.insert(leg, caller.clone());
                    return;
                }
                Err(outcome) => {
                    if let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(caller) {
                        dial.last = outcome;
                    }
                }
            }
        }
    }

    /// Calls `number` out through the call center's trunk, if its outbound patterns allow
    /// the number (the toll-fraud guard of SPEC §13 holds for IVR applications too).
    fn place_ivr_number(
        &mut self,
        now: Instant,
        caller: &CallId,
        number: &str,
    ) -> Result<CallId, DialOutcome> {
        let dial = self
            .calls
            .ivr
            .dials
            .by_caller
            .get(caller)
            .ok_or(DialOutcome::Failed)?;
        let (max_dial, from) = (dial.max_dial, dial.from.clone());
        let routes = self.routes.current();
        let allowed = routes
            .settings(&dial.cc)
            .is_some_and(|s| s.allows_outbound(number));
        if !allowed {
            tracing::info!(call_id = %caller, %number, "IVR dial to a number the call center does not allow");
            return Err(DialOutcome::Rejected);
        }
        let target = routes
            .outbound(&dial.cc, |id| self.trunks.usable(id))
            .and_then(|trunk| OutboundTarget::trunk(trunk, number, from.as_deref()))
            .ok_or(DialOutcome::Failed)?;
        let leg = self
            .originate(now, target, None)
            .map_err(|_| DialOutcome::Failed)?;
        self.calls.arm(&leg, CallTimer::NoAnswer, now + max_dial);
        tracing::info!(call_id = %caller, dialled = %leg, %number, "IVR dial");
        Ok(leg)
    }

    /// The dialled party rings or sends early media. `false` when `leg` is no IVR dial's.
    pub(super) fn ivr_dial_progress(&mut self, leg: &CallId, early_media: bool) -> bool {
        let Some(caller) = self.calls.ivr.dials.by_party.get(leg).cloned() else {
            return false;
        };
        let wanted = self
            .calls
            .ivr
            .dials
            .by_caller
            .get(&caller)
            .is_some_and(|d| {
                d.ringback_stop == RingbackStop::EarlyMedia
                    && matches!(d.party, Some(Party::Ringing { early: None, .. }))
            });
        if !early_media || !wanted {
            return true;
        }
        // `dial_voice_stop_cond` 2: the caller hears the callee's own ringback instead.
        self.stop_ringback(&caller);
        let early = self.join(&caller, leg, (VoiceMode::PlayedOnly, VoiceMode::HeardOnly));
        if let Some(Some(Party::Ringing { early: slot, .. })) = self
            .calls
            .ivr
            .dials
            .by_caller
            .get_mut(&caller)
            .map(|d| d.party.as_mut())
        {
            *slot = early;
        }
        true
    }

    /// The dialled party answered: the ringback stops, its `max_call_duration` starts, and
    /// the session hears which number answered. `false` when `leg` is no IVR dial's.
    pub(super) fn ivr_dial_answered(&mut self, now: Instant, leg: &CallId) -> bool {
        let Some(caller) = self.calls.ivr.dials.by_party.get(leg).cloned() else {
            return false;
        };
        self.stop_ringback(&caller);
        let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(&caller) else {
            return true;
        };
        let Some(Party::Ringing { number, early, .. }) = dial.party.take() else {
            return true;
        };
        dial.party = Some(Party::Answered { leg: leg.clone() });
        let limit = dial
            .max_call
            .map_or(self.call_cfg.max_call, |m| m.min(self.call_cfg.max_call));
        if let Some(c) = early {
            let _ = self.media.unbridge(c);
        }
        self.calls.arm(leg, CallTimer::MaxDuration, now + limit);
        self.tell_dial(&caller, DialOutcome::Answered { number });
        true
    }

    /// Bridges `caller` with the party its dial left answered.
    pub(super) fn ivr_connect(&mut self, now: Instant, caller: &CallId, request: ConnectRequest) {
        let party = match self.calls.ivr.dials.by_caller.get(caller) {
            Some(IvrDial {
                party: Some(Party::Answered { leg }),
                ..
            }) => leg.clone(),
            _ => {
                tracing::info!(call_id = %caller, "IVR connect without an answered party");
                return self.tell_ivr(caller, IvrMessage::ConnectFailed);
            }
        };
        let Some(conversation) = self.join(caller, &party, connect_modes(request.mode)) else {
            return self.tell_ivr(caller, IvrMessage::ConnectFailed);
        };
        if let Some(prompt) = request.prompt {
            for leg in [caller, &party] {
                if let Some(media) = self.calls.legs.get(leg).map(|l| l.media) {
                    let _ = self.media.play_prompt(media, prompt.clone());
                }
            }
        }
        if let Some(max) = request.max_duration {
            self.limit_bridge(&party, now + max);
        }
        if let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(caller) {
            dial.party = Some(Party::Connected {
                leg: party,
                conversation,
                since: now,
            });
        }
    }

    /// The bridge ends by hanging the party up at `at`, or at its own limit if sooner.
    fn limit_bridge(&mut self, party: &CallId, at: Instant) {
        let limit = self
            .calls
            .legs
            .get(party)
            .and_then(|l| l.timers.get(&CallTimer::MaxDuration).copied())
            .map_or(at, |own| own.min(at));
        self.calls.arm(party, CallTimer::MaxDuration, limit);
    }

    /// A leg ended: a caller's dial ends with it (its party is hung up); a dialled party's
    /// end moves its dial on (the next number, or the end of the bridge).
    pub(super) fn ivr_dial_leg_ended(&mut self, now: Instant, id: &CallId, reason: EndReason) {
        if self.calls.ivr.dials.by_caller.contains_key(id) {
            return self.drop_ivr_dial(now, id);
        }
        let Some(caller) = self.calls.ivr.dials.by_party.remove(id) else {
            return;
        };
        let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(&caller) else {
            return;
        };
        match dial.party.take() {
            Some(Party::Ringing { early, .. }) => {
                dial.last = outcome_of(reason);
                let more = !dial.numbers.is_empty();
                if let Some(c) = early {
                    let _ = self.media.unbridge(c);
                }
                tracing::info!(call_id = %caller, dialled = %id, reason = reason.as_str(), "IVR dial attempt ended");
                if more {
                    // Early media may have replaced the ringback: the next number rings.
                    self.start_ringback(&caller);
                }
                self.next_ivr_number(now, &caller);
            }
            Some(Party::Connected {
                conversation,
                since,
                ..
            }) => {
                let _ = self.media.unbridge(conversation);
                self.calls.ivr.dials.by_caller.remove(&caller);
                let duration = now.saturating_duration_since(since);
                self.tell_ivr(&caller, IvrMessage::ConnectEnded { duration });
            }
            // Nobody waits for an answered party that was never bridged.
            Some(Party::Answered { .. }) | None => {
                self.calls.ivr.dials.by_caller.remove(&caller);
            }
        }
    }

    /// Gives `caller`'s dial up, whatever its state: the ringback stops, the party (ringing
    /// or answered) is hung up, and nothing more is reported.
    pub(super) fn drop_ivr_dial(&mut self, now: Instant, caller: &CallId) {
        self.stop_ringback(caller);
        let Some(dial) = self.calls.ivr.dials.by_caller.remove(caller) else {
            return;
        };
        let Some(party) = dial.party else {
            return;
        };
        if let Some(c) = party.conversation() {
            let _ = self.media.unbridge(c);
        }
        let leg = party.leg();
        self.calls.ivr.dials.by_party.remove(leg);
        self.hangup(now, leg, EndReason::Released);
    }

    /// A media conversation of the caller and the party with these modes; `None` (logged)
    /// when the media plane refuses it.
    fn join(
        &mut self,
        caller: &CallId,
        party: &CallId,
        (caller_mode, party_mode): (VoiceMode, VoiceMode),
    ) -> Option<ConversationId> {
        let media = |id: &CallId| self.calls.legs.get(id).map(|l| l.media);
        let (a, b): (LegId, LegId) = (media(caller)?, media(party)?);
        let joined = self.media.create_conversation(Some(a)).and_then(|c| {
            let added = self
                .media
                .add_member(c, a, caller_mode)
                .and_then(|()| self.media.add_member(c, b, party_mode));
            match added {
                Ok(()) => Ok(c),
                Err(error) => {
                    let _ = self.media.unbridge(c);
                    Err(error)
                }
            }
        });
        match joined {
            Ok(c) => Some(c),
            Err(error) => {
                tracing::warn!(call_id = %caller, dialled = %party, %error, "IVR parties not joined");
                None
            }
        }
    }

    /// Plays the dial's ringback (its `<play>`, else the region's tone) to the caller.
    fn start_ringback(&mut self, caller: &CallId) {
        let Some(dial) = self.calls.ivr.dials.by_caller.get(caller) else {
            return;
        };
        if dial.ringing.is_some() {
            return;
        }
        let play = match dial.ringback.clone() {
            Some(prompt) => self.play_loop(caller, prompt),
            None => {
                let cc = dial.cc.clone();
                self.play_tone(caller, &cc, ToneKind::Ringback)
            }
        };
        if let Some(dial) = self.calls.ivr.dials.by_caller.get_mut(caller) {
            dial.ringing = play;
        }
    }

    fn stop_ringback(&mut self, caller: &CallId) {
        let play = self
            .calls
            .ivr
            .dials
            .by_caller
            .get_mut(caller)
            .and_then(|d| d.ringing.take());
        if let Some(play) = play {
            let _ = self.media.stop_play(play);
        }
    }

    fn tell_dial(&mut self, caller: &CallId, outcome: DialOutcome) {
        self.tell_ivr(caller, IvrMessage::DialEnded(outcome));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_the_dial_results_of_spec_10() {
        assert_eq!(outcome_of(EndReason::Rejected(486)), DialOutcome::Busy);
        assert_eq!(outcome_of(EndReason::Rejected(600)), DialOutcome::Busy);
        assert_eq!(outcome_of(EndReason::NoAnswer), DialOutcome::NoAnswer);
        assert_eq!(outcome_of(EndReason::Rejected(480)), DialOutcome::NoAnswer);
        assert_eq!(outcome_of(EndReason::Rejected(603)), DialOutcome::Rejected);
        assert_eq!(outcome_of(EndReason::Rejected(404)), DialOutcome::Rejected);
        assert_eq!(outcome_of(EndReason::Timeout), DialOutcome::Failed);
        assert_eq!(outcome_of(EndReason::TransportError), DialOutcome::Failed);
    }

    #[test]
    fn connect_modes_name_who_hears_whom_from_the_conversations_side() {
        let (caller, party) = connect_modes(ConnectMode::SecondHearsFirst);
        assert_eq!(
            (caller, party),
            (VoiceMode::HeardOnly, VoiceMode::PlayedOnly)
        );
        let (caller, party) = connect_modes(ConnectMode::FirstHearsSecond);
        assert_eq!(
            (caller, party),
            (VoiceMode::PlayedOnly, VoiceMode::HeardOnly)
        );
        let both = connect_modes(ConnectMode::Both);
        assert_eq!(both, (VoiceMode::Both, VoiceMode::Both));
    }
}
