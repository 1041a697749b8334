//! RTCP on rtcp-types (RFC 3550 §6): per-stream receiver statistics (sequence tracking
//! of appendix A.1, loss of A.3, interarrival jitter of A.8), sender and receiver
//! report generation, and parsing of the reports a peer sends us.

use std::time::{Duration, Instant};

use rtcp_types::{
    Compound, Packet, ReceiverReport, ReportBlock, RtcpPacketWriterExt, RtcpParseError,
    RtcpWriteError, Sdes, SdesChunk, SdesItem, SenderReport,
};

use crate::rtp::{RtpPacket, RtpSender};
use crate::SAMPLE_RATE;

/// A.1: a jump of more than this many packets ahead is a restart, not loss.
const MAX_DROPOUT: u16 = 3000;
/// A.1: a packet this far behind is misordered or duplicated, not a restart.
const MAX_MISORDER: u16 = 100;
/// A.1: packets in sequence before a new source is believed.
const MIN_SEQUENTIAL: u32 = 2;
/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET_S: u64 = 2_208_988_800;

/// Why an RTCP packet could not be parsed or written.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// The compound packet or one of its parts is malformed.
    #[error("malformed RTCP: {source}")]
    Parse {
        /// What rtcp-types found.
        #[from]
        source: RtcpParseError,
    },
    /// The report does not fit the output buffer or a field is out of range.
    #[error("cannot write RTCP: {source}")]
    Write {
        /// What rtcp-types refused.
        #[from]
        source: RtcpWriteError,
    },
}

/// The 64-bit NTP timestamp for a Unix time in milliseconds (RFC 3550 §4).
pub fn ntp_from_unix_ms(unix_ms: u64) -> u64 {
    let secs = unix_ms / 1000 + NTP_UNIX_OFFSET_S;
    let frac = ((unix_ms % 1000) << 32) / 1000;
    (secs << 32) | frac
}

/// The middle 32 bits of an NTP timestamp, as LSR and DLSR use them (RFC 3550 §6.4.1).
pub fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

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

/// A duration in the 1/65536 s units of DLSR.
fn dlsr_units(d: Duration) -> u32 {
    ((d.as_micros() << 16) / 1_000_000).min(u128::from(u32::MAX)) as u32
}

/// One RFC 3550 §6.4.1 report block, ours or a peer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlockValues {
    /// The source reported on.
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (signed 24 bits).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the last SR's NTP timestamp (0: none).
    pub lsr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub dlsr: u32,
}

impl ReportBlockValues {
    fn to_builder(self) -> rtcp_types::ReportBlockBuilder {
        ReportBlock::builder(self.ssrc)
            .fraction_lost(self.fraction_lost)
            .cumulative_lost((self.cumulative_lost as u32) & 0x00FF_FFFF)
            .extended_sequence_number(self.extended_highest_seq)
            .interarrival_jitter(self.jitter)
            .last_sender_report_timestamp(self.lsr)
            .delay_since_last_sender_report_timestamp(self.dlsr)
    }

    fn from_block(b: &ReportBlock<'_>) -> Self {
        // Sign-extend the 24-bit cumulative count.
        let raw = b.cumulative_lost() & 0x00FF_FFFF;
        let cumulative_lost = ((raw << 8) as i32) >> 8;
        Self {
            ssrc: b.ssrc(),
            fraction_lost: b.fraction_lost(),
            cumulative_lost,
            extended_highest_seq: b.extended_sequence_number(),
            jitter: b.interarrival_jitter(),
            lsr: b.last_sender_report_timestamp(),
            dlsr: b.delay_since_last_sender_report_timestamp(),
        }
    }

    /// Round-trip time from this block, given when it arrived as the middle 32 bits of
    /// an NTP time (RFC 3550 §6.4.1: A - LSR - DLSR). None when the peer had no SR.
    pub fn round_trip(&self, arrival_ntp_middle: u32) -> Option<Duration> {
        if self.lsr == 0 {
            return None;
        }
        let rtt = arrival_ntp_middle
            .wrapping_sub(self.lsr)
            .wrapping_sub(self.dlsr);
        // A negative result (clock steps) wraps to a huge value: refuse it.
        if rtt > 0x8000_0000 {
            return None;
        }
        Some(Duration::from_micros((u64::from(rtt) * 1_000_000) >> 16))
    }
}

/// Writes a compound SR + SDES(CNAME) for `sender` (RFC 3550 §6.1), with report blocks
/// for the streams we receive. `unix_ms` is the wall clock the caller read.
pub fn write_sender_report(
    sender: &RtpSender,
    unix_ms: u64,
    blocks: &[ReportBlockValues],
    cname: &str,
    out: &mut [u8],
) -> Result<usize, RtcpError> {
    let mut sr = SenderReport::builder(sender.ssrc())
        .ntp_timestamp(ntp_from_unix_ms(unix_ms))
        .rtp_timestamp(sender.next_timestamp())
        .packet_count(sender.packet_count())
        .octet_count(sender.octet_count());
    for b in blocks {
        sr = sr.add_report_block(b.to_builder());
    }
    let sdes = Sdes::builder().add_chunk(
        SdesChunk::builder(sender.ssrc()).add_item(SdesItem::builder(SdesItem::CNAME, cname)),
    );
    Ok(Compound::builder()
        .add_packet(sr)
        .add_packet(sdes)
        .write_into(out)?)
}

/// Writes a compound RR + SDES(CNAME) for a leg that does not send.
pub fn write_receiver_report(
    our_ssrc: u32,
    blocks: &[ReportBlockValues],
    cname: &str,
    out: &mut [u8],
) -> Result<usize, RtcpError> {
    let mut rr = ReceiverReport::builder(our_ssrc);
    for b in blocks {
        rr = rr.add_report_block(b.to_builder());
    }
    let sdes = Sdes::builder().add_chunk(
        SdesChunk::builder(our_ssrc).add_item(SdesItem::builder(SdesItem::CNAME, cname)),
    );
    Ok(Compound::builder()
        .add_packet(rr)
        .add_packet(sdes)
        .write_into(out)?)
}

/// Sender information of a peer's SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Its NTP wall clock when it sent the SR.
    pub ntp: u64,
    /// The RTP timestamp matching that instant.
    pub rtp_timestamp: u32,
    /// Packets it has sent.
    pub packet_count: u32,
    /// Payload octets it has sent.
    pub octet_count: u32,
}

/// What a peer's compound RTCP packet told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RtcpSummary {
    /// Sender reports.
    pub senders: Vec<SenderInfo>,
    /// Report blocks (from SRs and RRs), with the reporter's SSRC.
    pub blocks: Vec<(u32, ReportBlockValues)>,
    /// SSRCs that said BYE.
    pub byes: Vec<u32>,
}

/// Parses a compound RTCP packet. Never panics; unknown packet types are skipped.
pub fn parse_compound(bytes: &[u8]) -> Result<RtcpSummary, RtcpError> {
    let mut summary = RtcpSummary::default();
    for packet in Compound::parse(bytes)? {
        match packet? {
            Packet::Sr(sr) => {
                summary.senders.push(SenderInfo {
                    ssrc: sr.ssrc(),
                    ntp: sr.ntp_timestamp(),
                    rtp_timestamp: sr.rtp_timestamp(),
                    packet_count: sr.packet_count(),
                    octet_count: sr.octet_count(),
                });
                for b in sr.report_blocks() {
                    summary
                        .blocks
                        .push((sr.ssrc(), ReportBlockValues::from_block(&b)));
                }
            }
            Packet::Rr(rr) => {
                for b in rr.report_blocks() {
                    summary
                        .blocks
                        .push((rr.ssrc(), ReportBlockValues::from_block(&b)));
                }
            }
            Packet::Bye(bye) => summary.byes.extend(bye.ssrcs()),
            _ => {}
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_testkit::FakeClock;

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

    #[test]
    fn sr_round_trip_through_rtcp_types() {
        let clock = FakeClock::new();
        let mut st = ReceiverStats::new(clock.now(), &pkt(1, 0));
        for i in 2..50u16 {
            clock.advance(Duration::from_millis(20));
            if i != 30 {
                st.update(clock.now(), &pkt(i, u32::from(i - 1) * 160));
            }
        }
        let ntp = ntp_from_unix_ms(clock.unix_ms());
        st.on_sender_report(clock.now(), ntp);
        clock.advance(Duration::from_millis(500));
        let block = st.report_block(clock.now());
        assert_eq!(block.lsr, ntp_middle(ntp));
        assert_eq!(block.dlsr, 32768, "half a second in 1/65536 s");

        let mut tx = RtpSender::new(7, 0, 0, 0);
        let mut rtp = [0u8; 200];
        tx.write_frame(&[0; 160], &mut rtp).unwrap();
        let mut buf = [0u8; 512];
        let n =
            write_sender_report(&tx, clock.unix_ms(), &[block], "sb@example", &mut buf).unwrap();
        let s = parse_compound(&buf[..n]).unwrap();
        assert_eq!(s.senders.len(), 1);
        assert_eq!(s.senders[0].ssrc, 7);
        assert_eq!(s.senders[0].packet_count, 1);
        assert_eq!(s.senders[0].ntp, ntp_from_unix_ms(clock.unix_ms()));
        assert_eq!(s.blocks, vec![(7, block)]);

        // The peer answers 20 ms after our report arrived: RTT as A - LSR - DLSR.
        let echoed = ReportBlockValues {
            lsr: ntp_middle(ntp_from_unix_ms(clock.unix_ms())),
            dlsr: dlsr_units(Duration::from_millis(20)),
            ..block
        };
        clock.advance(Duration::from_millis(120));
        let rtt = echoed
            .round_trip(ntp_middle(ntp_from_unix_ms(clock.unix_ms())))
            .unwrap();
        assert!((99..=101).contains(&rtt.as_millis()), "{rtt:?}");
    }

    #[test]
    fn rr_and_negative_loss() {
        let block = ReportBlockValues {
            ssrc: 9,
            fraction_lost: 0,
            cumulative_lost: -3,
            extended_highest_seq: 77,
            jitter: 12,
            lsr: 0,
            dlsr: 0,
        };
        let mut buf = [0u8; 256];
        let n = write_receiver_report(5, &[block], "x", &mut buf).unwrap();
        let s = parse_compound(&buf[..n]).unwrap();
        assert!(s.senders.is_empty());
        assert_eq!(s.blocks, vec![(5, block)]);
        assert_eq!(block.round_trip(1234), None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_compound(&[]).is_err());
        assert!(parse_compound(&[0x80, 200, 0xFF, 0xFF]).is_err());
        assert!(write_receiver_report(1, &[], "x", &mut [0u8; 4]).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn parse_never_panics(
            pt in 192u8..=210,
            count in 0u8..32,
            len_words in proptest::prelude::any::<u16>(),
            rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
        ) {
            // A plausible header so parsing goes past the first checks.
            let mut b = vec![0x80 | (count & 0x1F), pt];
            b.extend_from_slice(&len_words.to_be_bytes());
            b.extend(rest);
            let _ = parse_compound(&b);
        }
    }
}
