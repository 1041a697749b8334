//! RFC 4733 sender: one event per key, sent as a packet every 20 ms with the event's
//! start timestamp and a growing duration, then three end packets (§2.5.1.4).

use super::{Digit, TelephoneEvent};
use crate::{FRAME_SAMPLES, SAMPLE_RATE};

/// The end packet is sent this many times in all (§2.5.1.4 recommends three).
const END_PACKETS: u8 = 3;

/// One telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// Set on the first packet of the event (§2.5.1.3).
    pub marker: bool,
    /// The event's start timestamp, the same for every packet of the event.
    pub timestamp: u32,
    /// The payload.
    pub event: TelephoneEvent,
}

/// Sends one key press, a packet per 20 ms tick.
///
/// Drive it from the audio stream's tick: while it yields packets, send them in the
/// stream's sequence space (`RtpSender::write_packet`) instead of audio, and move the
/// stream's frame counter on by one (`RtpSender::advance_frames(1)`).
#[derive(Debug, Clone)]
pub struct DtmfSender {
    digit: Digit,
    timestamp: u32,
    total: u16,
    sent: u16,
    volume: u8,
    ends_left: u8,
    started: bool,
}

impl DtmfSender {
    /// A key press of `duration_ms` (clamped to what the 16-bit duration field holds,
    /// and at least one frame) starting at RTP timestamp `timestamp`, at `volume` -dBm0.
    pub fn new(digit: Digit, timestamp: u32, duration_ms: u32, volume: u8) -> Self {
        let samples = (u64::from(duration_ms) * u64::from(SAMPLE_RATE) / 1000)
            .clamp(FRAME_SAMPLES as u64, u64::from(u16::MAX));
        Self {
            digit,
            timestamp,
            total: samples as u16,
            sent: 0,
            volume: volume.min(63),
            ends_left: END_PACKETS,
            started: false,
        }
    }

    /// Whether every packet, the redundant ends included, was sent.
    pub fn is_done(&self) -> bool {
        self.ends_left == 0
    }

    /// The packet for this tick, or None when the event is over.
    pub fn next_packet(&mut self) -> Option<DtmfPacket> {
        if self.ends_left == 0 {
            return None;
        }
        let marker = !self.started;
        self.started = true;
        let end =
            self.sent >= self.total || self.sent.saturating_add(FRAME_SAMPLES as u16) >= self.total;
        if end {
            self.sent = self.total;
            self.ends_left -= 1;
        } else {
            self.sent += FRAME_SAMPLES as u16;
        }
        Some(DtmfPacket {
            marker,
            timestamp: self.timestamp,
            event: TelephoneEvent {
                event: self.digit.event_code(),
                end,
                volume: self.volume,
                duration: self.sent,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_sequence_of_a_100_ms_key() {
        let d = Digit::from_char('5').unwrap();
        let mut tx = DtmfSender::new(d, 4242, 100, 10);
        let packets: Vec<_> = std::iter::from_fn(|| tx.next_packet()).collect();
        let durations: Vec<u16> = packets.iter().map(|p| p.event.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = packets.iter().map(|p| p.event.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        assert!(packets[0].marker);
        assert!(packets[1..].iter().all(|p| !p.marker));
        assert!(packets
            .iter()
            .all(|p| p.timestamp == 4242 && p.event.event == 5));
        assert!(tx.is_done());
    }

    #[test]
    fn a_very_short_press_is_still_one_frame_and_three_ends() {
        let mut tx = DtmfSender::new(Digit::from_char('#').unwrap(), 0, 1, 99);
        let packets: Vec<_> = std::iter::from_fn(|| tx.next_packet()).collect();
        assert_eq!(packets.len(), 3);
        assert!(packets[0].marker && packets.iter().all(|p| p.event.end));
        assert_eq!(packets[0].event.volume, 63);
        assert_eq!(packets[0].event.duration, 160);
    }

    #[test]
    fn long_press_clamps_duration() {
        let mut tx = DtmfSender::new(Digit::from_char('1').unwrap(), 0, 60_000, 10);
        let last = std::iter::from_fn(|| tx.next_packet()).last().unwrap();
        assert_eq!(last.event.duration, u16::MAX);
    }
}
