//! RFC 4733 receiver: turns a stream of telephone-event packets into one digit per event.
//!
//! An event is identified by its RTP timestamp (§2.5.2.1: all packets of one event
//! carry the event's start timestamp). Retransmitted updates and the three redundant
//! end packets (§2.5.1.4) of the same event are absorbed.

use super::{Digit, DtmfDigit, TelephoneEvent};
use crate::SAMPLE_RATE;

/// When a digit is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportPolicy {
    /// On the first end packet (the duration is then known). The default: a digit is
    /// never reported for an event whose end was never seen unless another event
    /// follows.
    #[default]
    OnEnd,
    /// On the first packet of the event (lowest latency for IVR menus); the duration
    /// reported is what that packet says.
    OnStart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Current {
    timestamp: u32,
    event: u8,
    /// Duration of earlier segments of a long event, in timestamp units.
    prior: u32,
    duration: u16,
    reported: bool,
    ended: bool,
}

/// The RFC 4733 receiver of one leg.
///
/// Feed packets with [`DtmfReceiver::on_packet`], then drain digits with
/// [`DtmfReceiver::poll_digit`] (one packet can complete two digits when it starts a new
/// event while the previous one is still unreported).
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    policy: ReportPolicy,
    current: Option<Current>,
    /// At most two digits wait: a flushed previous event and the new one.
    ready: [Option<DtmfDigit>; 2],
}

impl DtmfReceiver {
    /// A receiver reporting digits per `policy`.
    pub fn new(policy: ReportPolicy) -> Self {
        Self {
            policy,
            current: None,
            ready: [None; 2],
        }
    }

    /// Takes one telephone-event packet: its RTP timestamp, marker bit and parsed
    /// payload. Events that are not DTMF keys (e.g. flash) are deduplicated but never
    /// reported.
    pub fn on_packet(&mut self, timestamp: u32, marker: bool, ev: TelephoneEvent) {
        if self.continues_long_event(timestamp, marker, &ev) {
            return self.on_packet(timestamp, marker, ev);
        }
        // Same timestamp, same event: more of it. A different key, or a marker bit after
        // the end, is a new event even on the same timestamp: RFC 4733 §2.5.1.2 wants a
        // new one, but a sender whose audio clock stands still (no audio source) reuses it.
        let same = |c: &&mut Current| {
            c.timestamp == timestamp && c.event == ev.event && !(marker && c.ended)
        };
        if let Some(cur) = self.current.as_mut().filter(same) {
            if cur.ended {
                // A redundant end packet, or a late update after the end.
                return;
            }
            cur.duration = cur.duration.max(ev.duration);
            if ev.end {
                cur.ended = true;
                if !cur.reported {
                    cur.reported = true;
                    let d = digit(cur.event, cur.total());
                    self.push(d);
                }
            }
            return;
        }
        // A new event. A previous one never reported (its end packets were all lost)
        // is reported now, so no key is lost.
        if let Some(prev) = self.current.filter(|c| !c.reported) {
            self.push(digit(prev.event, prev.total()));
        }
        let report_now = ev.end || self.policy == ReportPolicy::OnStart;
        self.current = Some(Current {
            timestamp,
            event: ev.event,
            prior: 0,
            duration: ev.duration,
            reported: report_now,
            ended: ev.end,
        });
        if report_now {
            self.push(digit(ev.event, u32::from(ev.duration)));
        }
    }

    /// RFC 4733 §2.5.1.3: an event longer than the 16-bit duration field goes on in a new
    /// segment with a later timestamp and no marker bit. Such a packet moves the current
    /// event to the new timestamp instead of starting a new key.
    fn continues_long_event(&mut self, timestamp: u32, marker: bool, ev: &TelephoneEvent) -> bool {
        let Some(cur) = self.current.as_mut() else {
            return false;
        };
        let later = (timestamp.wrapping_sub(cur.timestamp) as i32) > 0;
        if marker || cur.ended || cur.event != ev.event || !later {
            return false;
        }
        cur.prior += timestamp.wrapping_sub(cur.timestamp);
        cur.timestamp = timestamp;
        cur.duration = 0;
        true
    }

    fn push(&mut self, d: Option<DtmfDigit>) {
        let Some(d) = d else { return };
        if let Some(slot) = self.ready.iter_mut().find(|s| s.is_none()) {
            *slot = Some(d);
        } else {
            // Both slots full means the caller did not drain: keep the newest two.
            self.ready[0] = self.ready[1].take();
            self.ready[1] = Some(d);
        }
    }

    /// The next digit heard, oldest first.
    pub fn poll_digit(&mut self) -> Option<DtmfDigit> {
        let d = self.ready[0].take();
        self.ready[0] = self.ready[1].take();
        d
    }

    /// Reports an event still pending (its end never arrived), e.g. when the stream
    /// stops or the call ends; drain with [`DtmfReceiver::poll_digit`].
    pub fn finish(&mut self) {
        if let Some(c) = self.current.as_mut().filter(|c| !c.reported) {
            c.reported = true;
            let d = digit(c.event, c.total());
            self.push(d);
        }
    }
}

impl Current {
    fn total(&self) -> u32 {
        self.prior.saturating_add(u32::from(self.duration))
    }
}

fn digit(event: u8, duration: u32) -> Option<DtmfDigit> {
    Digit::from_event(event).map(|digit| DtmfDigit {
        digit,
        duration_ms: (u64::from(duration) * 1000 / u64::from(SAMPLE_RATE)) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
    }

    fn feed(rx: &mut DtmfReceiver, ts: u32, e: TelephoneEvent) -> String {
        rx.on_packet(ts, false, e);
        std::iter::from_fn(|| rx.poll_digit())
            .map(|d| d.digit.as_char())
            .collect()
    }

    #[test]
    fn one_digit_per_event_with_redundant_ends() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 1000, ev(7, false, 160)), "");
        assert_eq!(feed(&mut rx, 1000, ev(7, false, 320)), "");
        rx.on_packet(1000, false, ev(7, true, 800));
        let d = rx.poll_digit().unwrap();
        assert_eq!(d.digit.as_char(), '7');
        assert_eq!(d.duration_ms, 100);
        assert_eq!(feed(&mut rx, 1000, ev(7, true, 800)), "");
        assert_eq!(feed(&mut rx, 1000, ev(7, true, 800)), "");
        rx.finish();
        assert_eq!(rx.poll_digit(), None);
    }

    #[test]
    fn on_start_reports_at_once_and_only_once() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnStart);
        assert_eq!(feed(&mut rx, 5, ev(11, false, 160)), "#");
        assert_eq!(feed(&mut rx, 5, ev(11, false, 320)), "");
        assert_eq!(feed(&mut rx, 5, ev(11, true, 480)), "");
    }

    #[test]
    fn lost_end_is_flushed_by_the_next_event() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 100, ev(1, false, 160)), "");
        assert_eq!(feed(&mut rx, 2000, ev(2, false, 160)), "1");
        assert_eq!(feed(&mut rx, 2000, ev(2, true, 640)), "2");
    }

    #[test]
    fn one_packet_can_complete_two_digits() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 100, ev(4, false, 160)), "");
        assert_eq!(feed(&mut rx, 2000, ev(5, true, 640)), "45");
    }

    #[test]
    fn finish_reports_a_pending_event() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 100, ev(9, false, 480)), "");
        rx.finish();
        let d = rx.poll_digit().unwrap();
        assert_eq!((d.digit.as_char(), d.duration_ms), ('9', 60));
        rx.finish();
        assert_eq!(rx.poll_digit(), None);
    }

    #[test]
    fn only_end_packets_arrived() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 9, ev(0, true, 400)), "0");
        assert_eq!(feed(&mut rx, 9, ev(0, true, 400)), "");
    }

    #[test]
    fn flash_is_not_a_digit() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 9, ev(16, true, 400)), "");
        rx.finish();
        assert_eq!(rx.poll_digit(), None);
    }

    #[test]
    fn keys_on_a_timestamp_that_stood_still_are_still_keys() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        let mut keys = String::new();
        for event in [1, 2, 11] {
            rx.on_packet(5000, true, ev(event, false, 160));
            for _ in 0..3 {
                rx.on_packet(5000, false, ev(event, true, 1600));
            }
            while let Some(d) = rx.poll_digit() {
                keys.push(d.digit.as_char());
            }
        }
        assert_eq!(keys, "12#");
    }

    #[test]
    fn same_key_twice_is_two_events() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        assert_eq!(feed(&mut rx, 100, ev(3, true, 400)), "3");
        assert_eq!(feed(&mut rx, 1700, ev(3, true, 400)), "3");
    }

    #[test]
    fn a_long_event_in_segments_is_one_key() {
        let mut rx = DtmfReceiver::new(ReportPolicy::OnEnd);
        rx.on_packet(1000, true, ev(8, false, 160));
        rx.on_packet(1000, false, ev(8, false, 65_535));
        // Next segment: later timestamp, no marker.
        rx.on_packet(66_535, false, ev(8, false, 160));
        rx.on_packet(66_535, false, ev(8, true, 8_000));
        let d = rx.poll_digit().unwrap();
        assert_eq!(d.digit.as_char(), '8');
        assert_eq!(d.duration_ms, (65_535 + 8_000) / 8);
        assert_eq!(rx.poll_digit(), None);
        // The same key pressed again is a new event: it comes with the marker.
        rx.on_packet(80_000, true, ev(8, true, 800));
        assert_eq!(rx.poll_digit().map(|d| d.digit.as_char()), Some('8'));
    }
}
