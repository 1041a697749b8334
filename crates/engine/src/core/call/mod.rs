//! Calls: back-to-back user agent legs anchored in the media plane.
//!
//! Every call the endpoint carries is one or more `Leg`s: an inbound leg is the UAS side
//! of an INVITE that reached us, an outbound leg the UAC side of one we sent. A leg owns
//! its SIP dialog and its RTP endpoint ([`crate::media::MediaPlane`]); two legs are
//! bridged by a two-member conversation in the media plane, so the same voice-mode
//! machinery that runs call-center conversations carries a plain PBX call.
//!
//! Like the rest of [`super::Core`], nothing here awaits: SIP goes through the
//! transaction layer, media commands are non-blocking, and every timer is an entry in
//! the calls table's queue that the shell wakes up for.

mod bridge;
mod in_dialog;
mod invite;
mod ivr;
mod ivr_dial;
mod leg;
mod member;
pub(crate) mod ops;
mod originate;
mod route;
mod timer;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use sb_mediaworker::LegId;
use sb_sip::dialog::DialogId;
use sb_sip::transaction::TransactionId;

pub use ivr::IvrOp;
pub(crate) use leg::Leg;
pub use leg::{CallRecord, EndReason, LegDirection, LegState};
pub use originate::Originated;
pub use timer::CallTimer;

/// A call leg's id as the API and the records show it: 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub String);

impl std::fmt::Display for CallId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Limits and policies of calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallConfig {
    /// How long an outbound leg may ring before it is cancelled (no answer).
    pub max_dial: Duration,
    /// Longest call, from answer to forced hang-up.
    pub max_call: Duration,
    /// RFC 4028 session interval we ask for and impose, seconds.
    pub session_expires: u32,
    /// RFC 4028 smallest session interval we accept, seconds (at least 90, §5).
    pub min_se: u32,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            max_dial: Duration::from_secs(60),
            max_call: Duration::from_secs(4 * 3600),
            session_expires: 1800,
            min_se: 90,
        }
    }
}

/// What a client transaction of a leg was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The initial INVITE (or its authenticated retry).
    Invite,
    /// A re-INVITE we sent (session refresh).
    Reinvite,
    /// BYE.
    Bye,
    /// CANCEL.
    Cancel,
}

/// Every live leg and the indexes that find one from a SIP event.
#[derive(Debug, Default)]
pub(crate) struct Calls {
    pub legs: HashMap<CallId, Leg>,
    /// INVITE server transactions (initial and re-INVITEs) → their leg.
    pub server_txns: HashMap<TransactionId, CallId>,
    /// Client transactions → their leg and what they were for.
    pub client_txns: HashMap<TransactionId, (CallId, Purpose)>,
    /// Dialogs → their leg.
    pub dialogs: HashMap<DialogId, CallId>,
    /// RTP endpoints → their leg.
    pub media_legs: HashMap<LegId, CallId>,
    /// RTP endpoints closed, until their quality figures arrive → their leg.
    pub closing: HashMap<LegId, CallId>,
    /// Armed call timers, mirrored in each leg's own list.
    pub timers: BTreeSet<(Instant, CallId, CallTimer)>,
    /// Set by a graceful shutdown: new calls get 503.
    pub draining: bool,
    /// Calls driven by IVR sessions.
    pub ivr: ivr::IvrCalls,
}

impl Calls {
    /// The earliest call timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(at, _, _)| *at)
    }

    /// Arms `timer` for `leg` at `at`, replacing an earlier arming of the same timer.
    pub fn arm(&mut self, id: &CallId, timer: CallTimer, at: Instant) {
        let Some(leg) = self.legs.get_mut(id) else {
            return;
        };
        if let Some(old) = leg.timers.insert(timer, at) {
            self.timers.remove(&(old, id.clone(), timer));
        }
        self.timers.insert((at, id.clone(), timer));
    }

    /// Disarms `timer` of `leg`.
    pub fn disarm(&mut self, id: &CallId, timer: CallTimer) {
        if let Some(at) = self.legs.get_mut(id).and_then(|l| l.timers.remove(&timer)) {
            self.timers.remove(&(at, id.clone(), timer));
        }
    }

    /// Takes the next timer due at `now`, if any.
    pub fn pop_due(&mut self, now: Instant) -> Option<(CallId, CallTimer)> {
        let (at, _, _) = self.timers.first()?;
        if *at > now {
            return None;
        }
        let (_, id, timer) = self.timers.pop_first()?;
        if let Some(leg) = self.legs.get_mut(&id) {
            leg.timers.remove(&timer);
        }
        Some((id, timer))
    }

    /// Forgets a leg and its index entries.
    pub fn remove(&mut self, id: &CallId) -> Option<Leg> {
        let leg = self.legs.remove(id)?;
        for (timer, at) in &leg.timers {
            self.timers.remove(&(*at, id.clone(), *timer));
        }
        if let Some(d) = &leg.dialog {
            self.dialogs.remove(&d.id);
        }
        self.media_legs.remove(&leg.media);
        self.server_txns.retain(|_, c| c != id);
        self.client_txns.retain(|_, (c, _)| c != id);
        Some(leg)
    }

    /// Number of live legs.
    pub fn len(&self) -> usize {
        self.legs.len()
    }

    /// The leg a client transaction belongs to.
    pub fn client(&self, txn: TransactionId) -> Option<(CallId, Purpose)> {
        self.client_txns.get(&txn).cloned()
    }
}
