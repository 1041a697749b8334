//! The one place the media plane reads the clocks. Every other module takes `now` as an
//! argument, so the tick logic stays testable and the clock reads stay countable.

#![allow(clippy::disallowed_methods)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The monotonic clock, for tick deadlines and packet arrival times.
pub fn now() -> Instant {
    Instant::now()
}

/// The wall clock in Unix milliseconds, for RTCP sender reports' NTP stamps
/// (RFC 3550 §6.4.1). A clock set before 1970 reads as 0.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Sleeps until `deadline` (returns at once if it has passed). Sleeping to an absolute
/// instant, rather than for a fixed period after the work, keeps ticks from drifting.
pub fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        std::thread::sleep(deadline - now);
    }
}
