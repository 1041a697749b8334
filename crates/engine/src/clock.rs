//! Where the engine reads time: the only module allowed to ask the operating system.
//!
//! The sans-IO cores take `now` as an argument; the endpoint asks its [`Clock`] once per
//! event and passes the answer down. Tests swap in a [`ManualClock`] to expire nonces,
//! bans and bindings without sleeping.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of monotonic and wall-clock time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Monotonic now, for timers and ages.
    fn now(&self) -> Instant;
    /// Wall-clock now in Unix milliseconds, for stored records.
    fn unix_ms(&self) -> u64;
}

/// The operating system's clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned read of the monotonic clock
    fn now(&self) -> Instant {
        Instant::now()
    }

    #[allow(clippy::disallowed_methods)] // the one sanctioned read of the wall clock
    fn unix_ms(&self) -> u64 {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told, shareable across threads (unlike the cores' test
/// clock), for driving a running endpoint in tests and simulations.
#[derive(Debug, Clone)]
pub struct ManualClock {
    base: Instant,
    base_unix_ms: u64,
    elapsed: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock starting at `base` (monotonic) and `base_unix_ms` (wall clock).
    pub fn new(base: Instant, base_unix_ms: u64) -> Self {
        ManualClock {
            base,
            base_unix_ms,
            elapsed: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    /// A clock anchored at the system's present moment.
    pub fn starting_now() -> Self {
        let system = SystemClock;
        ManualClock::new(system.now(), system.unix_ms())
    }

    /// Moves both readings forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut elapsed = self.elapsed.lock().unwrap_or_else(|p| p.into_inner());
        *elapsed += by;
    }

    fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + self.elapsed()
    }

    fn unix_ms(&self) -> u64 {
        let ms = u64::try_from(self.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.base_unix_ms.saturating_add(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_both_readings_together() {
        let clock = ManualClock::starting_now();
        let (t0, w0) = (clock.now(), clock.unix_ms());
        let shared = clock.clone();
        shared.advance(Duration::from_millis(1500));
        assert_eq!(clock.now() - t0, Duration::from_millis(1500));
        assert_eq!(clock.unix_ms() - w0, 1500);
    }
}
