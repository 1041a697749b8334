//! Test support for Switchboard.
//!
//! The protocol and domain cores (`sip`, `media`, `acd`, `ivr`) never read the clock: every
//! entry point takes the current time as an argument. Tests drive them with [`FakeClock`],
//! which only moves when the test says so, so a timer that should fire after 32 s fires in
//! a test that takes microseconds, and the same test gives the same answer every run.
//!
//! ```
//! use std::time::Duration;
//! use switchboard_testkit::FakeClock;
//!
//! let clock = FakeClock::new();
//! let start = clock.now();
//! clock.advance(Duration::from_millis(500));
//! assert_eq!(clock.now() - start, Duration::from_millis(500));
//! assert_eq!(clock.unix_ms() - FakeClock::EPOCH_UNIX_MS, 500);
//! ```
//!
//! [`http`] is a tiny blocking HTTP client for end-to-end tests of the `switchboard` binary.
//!
//! This crate never sleeps and never spawns threads.

pub mod http;

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A hand-advanced clock.
///
/// It yields [`Instant`]s (what the cores take as `now`) and Unix milliseconds (what records
/// carry), both moving together and only through [`FakeClock::advance`].
#[derive(Debug, Clone)]
pub struct FakeClock {
    base: Instant,
    elapsed: Cell<Duration>,
}

/// One `Instant` for the whole test process, so clocks made in one test compare sensibly.
fn process_base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    // The only clock read in the test support: an anchor, never used to measure anything.
    *BASE.get_or_init(Instant::now)
}

impl FakeClock {
    /// The Unix time, in milliseconds, that a new clock shows: 2026-01-01T00:00:00Z.
    pub const EPOCH_UNIX_MS: u64 = 1_767_225_600_000;

    /// A clock at its start; [`FakeClock::now`] is the same until [`FakeClock::advance`].
    pub fn new() -> Self {
        Self {
            base: process_base(),
            elapsed: Cell::new(Duration::ZERO),
        }
    }

    /// The current fake instant.
    pub fn now(&self) -> Instant {
        self.base + self.elapsed.get()
    }

    /// The current fake wall-clock time in milliseconds since the Unix epoch.
    pub fn unix_ms(&self) -> u64 {
        let ms = u64::try_from(self.elapsed.get().as_millis()).unwrap_or(u64::MAX);
        Self::EPOCH_UNIX_MS.saturating_add(ms)
    }

    /// Time spent since the clock was made.
    pub fn elapsed(&self) -> Duration {
        self.elapsed.get()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.elapsed.set(self.elapsed.get() + by);
    }

    /// Moves the clock forward to `to`; an instant in the past leaves it where it is.
    pub fn advance_to(&self, to: Instant) {
        if let Some(by) = to.checked_duration_since(self.now()) {
            self.advance(by);
        }
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_only_when_told() {
        let clock = FakeClock::new();
        let t0 = clock.now();
        assert_eq!(clock.now(), t0);
        clock.advance(Duration::from_secs(32));
        assert_eq!(clock.now() - t0, Duration::from_secs(32));
        assert_eq!(clock.unix_ms(), FakeClock::EPOCH_UNIX_MS + 32_000);
    }

    #[test]
    fn advance_to_never_goes_back() {
        let clock = FakeClock::new();
        let t0 = clock.now();
        clock.advance(Duration::from_secs(5));
        clock.advance_to(t0);
        assert_eq!(clock.elapsed(), Duration::from_secs(5));
        clock.advance_to(t0 + Duration::from_secs(9));
        assert_eq!(clock.elapsed(), Duration::from_secs(9));
    }

    #[test]
    fn clocks_share_an_anchor() {
        let a = FakeClock::new();
        let b = FakeClock::new();
        assert_eq!(a.now(), b.now());
    }
}
