//! Token buckets per source IP.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use crate::config::RateLimit;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// A token bucket per source IP: `per_second` refill, `burst` capacity.
#[derive(Debug)]
pub struct RateLimiter {
    policy: RateLimit,
    buckets: HashMap<IpAddr, Bucket>,
}

impl RateLimiter {
    /// A limiter with `policy`.
    pub fn new(policy: RateLimit) -> Self {
        RateLimiter {
            policy,
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `ip`; `false` when its bucket is empty.
    pub fn take(&mut self, now: Instant, ip: IpAddr) -> bool {
        if !self.policy.enabled {
            return true;
        }
        let burst = f64::from(self.policy.burst);
        let bucket = self.buckets.entry(ip).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.policy.per_second).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Drops buckets that have refilled completely: they are the same as no bucket.
    pub fn prune(&mut self, now: Instant) {
        let (rate, burst) = (self.policy.per_second, f64::from(self.policy.burst));
        self.buckets.retain(|_, b| {
            let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
            b.tokens + elapsed * rate < burst
        });
    }

    /// Number of sources tracked.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// `true` when no source is tracked.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_testkit::FakeClock;
    use std::time::Duration;

    fn limiter() -> RateLimiter {
        RateLimiter::new(RateLimit {
            enabled: true,
            per_second: 10.0,
            burst: 20,
        })
    }

    #[test]
    fn burst_then_refill_at_the_rate() {
        let clock = FakeClock::new();
        let mut l = limiter();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..20).all(|_| l.take(clock.now(), ip)));
        assert!(!l.take(clock.now(), ip));
        clock.advance(Duration::from_millis(100));
        assert!(l.take(clock.now(), ip));
        assert!(!l.take(clock.now(), ip));
    }

    #[test]
    fn sources_are_independent_and_pruned_when_full() {
        let clock = FakeClock::new();
        let mut l = limiter();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        while l.take(clock.now(), a) {}
        assert!(l.take(clock.now(), b));
        clock.advance(Duration::from_secs(3));
        l.prune(clock.now());
        assert!(l.is_empty());
    }

    #[test]
    fn disabled_accepts_everything() {
        let clock = FakeClock::new();
        let mut l = RateLimiter::new(RateLimit {
            enabled: false,
            ..RateLimit::default()
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..10_000).all(|_| l.take(clock.now(), ip)));
        assert_eq!(l.len(), 0);
    }
}
