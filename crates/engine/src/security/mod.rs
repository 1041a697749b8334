//! Abuse control in front of the SIP stack: a token bucket per source IP and temporary
//! bans for sources that keep failing digest authentication. Both are pure: every call
//! takes `now`, so tests drive them with a fake clock.

mod ban;
mod rate;

pub use ban::BanList;
pub use rate::RateLimiter;

use std::net::IpAddr;
use std::time::Instant;

use crate::config::{BanPolicy, RateLimit};

/// What to do with a packet from a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process it.
    Accept,
    /// Over its rate: drop silently.
    RateLimited,
    /// Banned: drop silently (answering would tell a scanner it found a SIP server).
    Banned,
}

/// The gate every received message passes before it reaches the transaction layer.
/// (TCP messages are gated before parsing; datagrams are parsed on the UDP reader
/// thread first, which is bounded work that touches no state.)
#[derive(Debug)]
pub struct Gate {
    rate: RateLimiter,
    bans: BanList,
}

impl Gate {
    /// A gate with these policies.
    pub fn new(rate: RateLimit, ban: BanPolicy) -> Self {
        Gate {
            rate: RateLimiter::new(rate),
            bans: BanList::new(ban),
        }
    }

    /// Decides about one message from `ip`. Bans are checked first so a banned source
    /// does not even drain its bucket.
    pub fn admit(&mut self, now: Instant, ip: IpAddr) -> Verdict {
        if self.bans.is_banned(now, ip) {
            return Verdict::Banned;
        }
        if !self.rate.take(now, ip) {
            return Verdict::RateLimited;
        }
        Verdict::Accept
    }

    /// Records a failed authentication; `true` when it starts a ban.
    pub fn auth_failed(&mut self, now: Instant, ip: IpAddr) -> bool {
        self.bans.failure(now, ip)
    }

    /// Forgets idle buckets and lapsed bans, so the tables stay bounded by active sources.
    pub fn prune(&mut self, now: Instant) {
        self.rate.prune(now);
        self.bans.prune(now);
    }
}
