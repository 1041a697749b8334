//! Receiver statistics of one incoming stream (RFC 3550 appendix A.1 sequence tracking,
//! A.3 loss, A.8 interarrival jitter).

use std::time::Instant;

use super::{dlsr_units, ntp_middle, ReportBlockValues};
use crate::rtp::RtpPacket;
use crate::SAMPLE_RATE;

/// A.1: a jump of more than this many packets ahead is a restart, not loss.
const MAX_DROPOUT: u16 = 3000;
/// A.1: a packet this far behind is misordered or duplicated, not a restart.
const MAX_MISORDER: u16 = 100;
/// A.1: packets in sequence before a new source is believed.
const MIN_SEQUENTIAL: u32 = 2;
/// What the receiver statistics made of one packet (RFC 3550 A.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqUpdate {
    /// Counted; carries the extended sequence number.
    Counted(u64),
    /// The source is still on probation (too few packets in sequence).
    Probation,
    /// A large jump: dropped unless the next packet confirms it as a restart.
    Jump,
}

/// Receiver statistics of one incoming stream.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    ssrc: u32,
    max_seq: u16,
    cycles: u64,
    base_seq: u64,
    bad_seq: u32,
    probation: u32,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    epoch: Instant,
    transit: Option<i64>,
    /// Interarrival jitter in timestamp units, scaled by 16 as A.8's integer form.
    jitter_q4: u64,
    last_sr: Option<(u32, Instant)>,
}

/// Loss and jitter of a stream as a call-quality record reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualityStats {
    /// Packets counted as received (duplicates included, as A.3 counts them).
    pub received: u64,
    /// Packets expected from the sequence numbers.
    pub expected: u64,
    /// Cumulative packets lost (negative with duplicates).
    pub lost: i64,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: u32,
}

impl ReceiverStats {
    /// Statistics for a stream whose first packet is `first`, arrived at `now`.
    pub fn new(now: Instant, first: &RtpPacket<'_>) -> Self {
        let mut s = Self {
            ssrc: first.ssrc,
            max_seq: first.seq.wrapping_sub(1),
            cycles: 0,
            base_seq: u64::from(first.seq),
            bad_seq: u32::from(u16::MAX) + 2,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            epoch: now,
            transit: None,
            jitter_q4: 0,
            last_sr: None,
        };
        s.update(now, first);
        s
    }

    /// The source this stream tracks.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u64::from(seq);
        self.max_seq = seq;
        self.bad_seq = u32::from(u16::MAX) + 2;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Accounts for one packet of this source (A.1 `update_seq` and A.8 jitter).
    pub fn update(&mut self, now: Instant, pkt: &RtpPacket<'_>) -> SeqUpdate {
        let seq = pkt.seq;
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    return self.count(now, pkt);
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqUpdate::Probation;
        }
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                // In order with a permissible gap, and the 16-bit number wrapped.
                self.cycles += 1 << 16;
            }
            self.max_seq = seq;
        } else if udelta <= u16::MAX - MAX_MISORDER {
            // A very large jump: believe it only if the next packet follows it.
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
            } else {
                self.bad_seq = u32::from(seq.wrapping_add(1));
                return SeqUpdate::Jump;
            }
        }
        // Otherwise a duplicate or reordered packet: counted, max unchanged.
        self.count(now, pkt)
    }

    fn count(&mut self, now: Instant, pkt: &RtpPacket<'_>) -> SeqUpdate {
        self.received += 1;
        self.update_jitter(now, pkt.timestamp);
        let ext = self.cycles + u64::from(pkt.seq);
        SeqUpdate::Counted(ext)
    }

    fn update_jitter(&mut self, now: Instant, ts: u32) {
        // Arrival in timestamp units since the first packet (A.8); the offset to the
        // sender's clock cancels out in the difference of transits.
        let since = now.saturating_duration_since(self.epoch);
        let arrival = (since.as_micros() * u128::from(SAMPLE_RATE) / 1_000_000) as i64;
        let transit = arrival.wrapping_sub(i64::from(ts));
        if let Some(prev) = self.transit {
            // Timestamps wrap at 2^32: reduce the difference to the 32-bit range.
            let d = i64::from((transit.wrapping_sub(prev)) as i32).unsigned_abs();
            // J += (|D| - J) / 16, in the Q4 integer form of A.8.
            let j = self.jitter_q4;
            self.jitter_q4 = (j + d).saturating_sub((j + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Highest extended sequence number seen.
    pub fn extended_max(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    /// Interarrival jitter in timestamp units (A.8).
    pub fn jitter(&self) -> u32 {
        (self.jitter_q4 >> 4).min(u64::from(u32::MAX)) as u32
    }

    /// Loss and jitter so far.
    pub fn quality(&self) -> QualityStats {
        let expected = (self.extended_max() + 1).saturating_sub(self.base_seq);
        QualityStats {
            received: self.received,
            expected,
            lost: expected as i64 - self.received as i64,
            jitter_ms: self.jitter() * 1000 / SAMPLE_RATE,
        }
    }

    /// Notes a sender report from this source, for LSR/DLSR in our next report.
    pub fn on_sender_report(&mut self, now: Instant, ntp: u64) {
        self.last_sr = Some((ntp_middle(ntp), now));
    }

    /// Makes the report block for this source and starts a new interval (A.3).
    pub fn report_block(&mut self, now: Instant) -> ReportBlockValues {
        let q = self.quality();
        let expected_interval = q.expected.saturating_sub(self.expected_prior);
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.expected_prior = q.expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        // The cumulative count is a signed 24-bit field (RFC 3550 §6.4.1).
        let cumulative_lost = q.lost.clamp(-0x80_0000, 0x7F_FFFF) as i32;
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (lsr, dlsr_units(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        ReportBlockValues {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost,
            extended_highest_seq: self.extended_max() as u32,
            jitter: self.jitter(),
            lsr,
            dlsr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_testkit::FakeClock;
    use std::time::Duration;

    fn pkt(seq: u16, ts: u32) -> RtpPacket<'static> {
        RtpPacket {
            ssrc: 42,
            seq,
            timestamp: ts,
            payload_type: 0,
            marker: false,
            payload: &[],
        }
    }

    #[test]
    fn counts_loss_and_wraps() {
        let clock = FakeClock::new();
        let mut st = ReceiverStats::new(clock.now(), &pkt(65530, 0));
        for i in 1..20u16 {
            clock.advance(Duration::from_millis(20));
            // Lose every fifth packet.
            if i % 5 == 0 {
                continue;
            }
            st.update(
                clock.now(),
                &pkt(65530u16.wrapping_add(i), u32::from(i) * 160),
            );
        }
        let q = st.quality();
        // Probation swallowed the first packet; base is 65531, max 65530+19 wrapped.
        assert_eq!(
            st.extended_max(),
            (1 << 16) + u64::from(65530u16.wrapping_add(19))
        );
        assert_eq!(q.expected, 19);
        assert_eq!(q.lost, 3);
        assert_eq!(q.jitter_ms, 0, "perfectly paced packets have no jitter");
        let rb = st.report_block(clock.now());
        assert_eq!(rb.cumulative_lost, 3);
        assert_eq!(rb.fraction_lost, (3 * 256 / 19) as u8);
        // A second report with no new packets has no fractional loss.
        assert_eq!(st.report_block(clock.now()).fraction_lost, 0);
    }

    #[test]
    fn jitter_follows_a8() {
        let clock = FakeClock::new();
        let mut st = ReceiverStats::new(clock.now(), &pkt(1, 0));
        // Alternate 10 ms and 30 ms gaps: |D| = 80 samples each time after the first.
        for i in 2..400u16 {
            let gap = if i % 2 == 0 { 10 } else { 30 };
            clock.advance(Duration::from_millis(gap));
            st.update(clock.now(), &pkt(i, u32::from(i - 1) * 160));
        }
        let j = st.jitter();
        assert!((75..=80).contains(&j), "{j}");
        assert_eq!(st.quality().jitter_ms, j / 8);
    }

    #[test]
    fn a_restart_is_believed_after_two_packets() {
        let clock = FakeClock::new();
        let mut st = ReceiverStats::new(clock.now(), &pkt(100, 0));
        st.update(clock.now(), &pkt(101, 160));
        st.update(clock.now(), &pkt(102, 320));
        assert_eq!(st.update(clock.now(), &pkt(30_000, 480)), SeqUpdate::Jump);
        assert_eq!(
            st.update(clock.now(), &pkt(30_001, 640)),
            SeqUpdate::Counted(30_001)
        );
        assert_eq!(st.quality().expected, 1);
    }
}
