//! Temporary bans after repeated authentication failures (a brute-force guard).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

use crate::config::BanPolicy;

#[derive(Debug, Default)]
struct Record {
    failures: VecDeque<Instant>,
    banned_until: Option<Instant>,
}

/// Failure history and bans by source IP.
#[derive(Debug)]
pub struct BanList {
    policy: BanPolicy,
    sources: HashMap<IpAddr, Record>,
}

impl BanList {
    /// A list applying `policy`.
    pub fn new(policy: BanPolicy) -> Self {
        BanList {
            policy,
            sources: HashMap::new(),
        }
    }

    /// `true` while `ip` is banned.
    pub fn is_banned(&self, now: Instant, ip: IpAddr) -> bool {
        self.sources
            .get(&ip)
            .and_then(|r| r.banned_until)
            .is_some_and(|until| now < until)
    }

    /// Counts a failure; `true` when this one starts a ban.
    pub fn failure(&mut self, now: Instant, ip: IpAddr) -> bool {
        if !self.policy.enabled {
            return false;
        }
        let window = self.policy.window;
        let record = self.sources.entry(ip).or_default();
        while record
            .failures
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            record.failures.pop_front();
        }
        record.failures.push_back(now);
        let limit = usize::try_from(self.policy.max_failures).unwrap_or(usize::MAX);
        if record.failures.len() >= limit {
            record.failures.clear();
            record.banned_until = Some(now + self.policy.ban_for);
            return true;
        }
        false
    }

    /// Forgets sources with no live ban and no failure inside the window.
    pub fn prune(&mut self, now: Instant) {
        let window = self.policy.window;
        self.sources.retain(|_, r| {
            let banned = r.banned_until.is_some_and(|u| now < u);
            let recent = r
                .failures
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < window);
            banned || recent
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_testkit::FakeClock;
    use std::time::Duration;

    fn policy() -> BanPolicy {
        BanPolicy {
            enabled: true,
            max_failures: 3,
            window: Duration::from_secs(60),
            ban_for: Duration::from_secs(300),
        }
    }

    #[test]
    fn failures_within_the_window_ban_until_it_lapses() {
        let clock = FakeClock::new();
        let mut bans = BanList::new(policy());
        let ip: IpAddr = "198.51.100.4".parse().unwrap();
        assert!(!bans.failure(clock.now(), ip));
        assert!(!bans.failure(clock.now(), ip));
        assert!(bans.failure(clock.now(), ip));
        assert!(bans.is_banned(clock.now(), ip));
        clock.advance(Duration::from_secs(299));
        assert!(bans.is_banned(clock.now(), ip));
        clock.advance(Duration::from_secs(1));
        assert!(!bans.is_banned(clock.now(), ip));
        bans.prune(clock.now());
        assert!(bans.sources.is_empty());
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_ban() {
        let clock = FakeClock::new();
        let mut bans = BanList::new(policy());
        let ip: IpAddr = "198.51.100.4".parse().unwrap();
        for _ in 0..10 {
            assert!(!bans.failure(clock.now(), ip));
            clock.advance(Duration::from_secs(31));
        }
        assert!(!bans.is_banned(clock.now(), ip));
    }
}
