//! The timers of a call leg, in one enum (GUIDE §2).

/// What a call timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallTimer {
    /// An outbound leg rang for `max_dial` without an answer: cancel it.
    NoAnswer,
    /// An answered call reached `max_call`: hang up both legs.
    MaxDuration,
    /// RFC 4028 §10: no session refresh arrived in time: the peer is gone.
    SessionExpiry,
    /// RFC 4028 §10: time for us, the refresher, to send a refresh.
    SessionRefresh,
}
