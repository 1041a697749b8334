//! RTCP on rtcp-types (RFC 3550 §6): per-stream receiver statistics (sequence tracking
//! of appendix A.1, loss of A.3, interarrival jitter of A.8), sender and receiver
//! report generation, and parsing of the reports a peer sends us.

use std::time::Duration;

use rtcp_types::{
    Compound, Packet, ReceiverReport, ReportBlock, RtcpPacketWriterExt, RtcpParseError,
    RtcpWriteError, Sdes, SdesChunk, SdesItem, SenderReport,
};

mod stats;

pub use stats::{QualityStats, ReceiverStats, SeqUpdate};

use crate::rtp::RtpSender;

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
    use crate::rtp::RtpPacket;
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
