//! One call leg's media endpoint, sans-IO: everything between the leg's UDP socket and
//! the mixer. The media worker hands it datagrams and ticks; it hands back frames for the
//! mixer, datagrams to send, and events (digits, latching, RTCP reports).
//!
//! - Incoming: RTP/RTCP demultiplexing on one port (RFC 5761), symmetric-RTP latching
//!   ([`crate::latch`]), receiver statistics ([`crate::rtcp`]), RFC 4733 events on the
//!   negotiated payload type, G.711 decoding into the jitter buffer, and in-band DTMF
//!   detection on what is played out (optional).
//! - Outgoing: one RTP packet per tick from the mixer's payload, or a telephone-event
//!   packet while digits are being sent; RTCP reports on a timer ([`MediaLeg::poll_timeout`]).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::codec::{Codec, CodecError};
use crate::dtmf::{
    Digit, DtmfDigit, DtmfReceiver, DtmfSender, InbandDetector, ReportPolicy, TelephoneEvent,
};
use crate::jitter::{FrameKind, JitterBuffer, JitterConfig, JitterStats};
use crate::latch::{RtpLatch, DEFAULT_PACKETS_TO_LATCH};
use crate::rtcp::{self, QualityStats, ReceiverStats, ReportBlockValues, RtcpError};
use crate::rtp::{self, RtpError, RtpPacket, RtpSender};
use crate::{Frame, FRAME_SAMPLES, SILENCE};

/// RFC 3550 §6.2 minimum report interval for a two-party session.
const RTCP_INTERVAL: Duration = Duration::from_secs(5);
/// Length of a digit sent with [`MediaLeg::send_digits`], and the pause between digits.
const DIGIT_MS: u32 = 100;
const DIGIT_GAP_FRAMES: u8 = 3;

/// What a leg was negotiated to use (from SDP offer/answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegConfig {
    /// Audio codec.
    pub codec: Codec,
    /// The peer's telephone-event payload type, if it offered one (never assume 101).
    pub telephone_event_pt: Option<u8>,
    /// Where the SDP says to send media.
    pub remote: SocketAddr,
    /// Jitter buffer tunables.
    pub jitter: JitterConfig,
    /// When RFC 4733 digits are reported.
    pub dtmf_policy: ReportPolicy,
    /// Also detect DTMF tones in the audio (for peers without telephone-event).
    pub inband_dtmf: bool,
    /// Our RTCP CNAME.
    pub cname: String,
}

/// Why a datagram or a send was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LegError {
    /// Malformed RTP.
    #[error(transparent)]
    Rtp(#[from] RtpError),
    /// Malformed RTCP, or a report that does not fit.
    #[error(transparent)]
    Rtcp(#[from] RtcpError),
    /// An audio payload in another codec or of another size.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A telephone-event payload too short.
    #[error(transparent)]
    Dtmf(#[from] crate::dtmf::DtmfError),
    /// RTP from a different payload type than negotiated.
    #[error("payload type {found}, negotiated {expected}")]
    UnexpectedPayloadType {
        /// The audio payload type negotiated.
        expected: u8,
        /// What arrived.
        found: u8,
    },
}

/// What a leg reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegEvent {
    /// A key pressed on the far end.
    Digit(DtmfDigit),
    /// Media now goes to this address (learnt from the peer's RTP).
    Latched(SocketAddr),
    /// The peer reported on our stream.
    RemoteReport {
        /// What it said.
        block: ReportBlockValues,
        /// Round-trip time, when the peer had our SR.
        round_trip: Option<Duration>,
    },
    /// The peer's source said BYE.
    Bye,
}

/// One leg's media state.
#[derive(Debug)]
pub struct MediaLeg {
    cfg: LegConfig,
    tx: RtpSender,
    latch: RtpLatch,
    stats: Option<ReceiverStats>,
    jitter: JitterBuffer,
    dtmf_rx: DtmfReceiver,
    inband: Option<InbandDetector>,
    dtmf_tx: Option<DtmfSender>,
    digits_out: VecDeque<Digit>,
    gap: u8,
    events: VecDeque<LegEvent>,
    next_rtcp: Instant,
    /// Our last SR: its NTP middle bits and when it left, for RTT (RFC 3550 §6.4.1).
    last_sr: Option<(u32, Instant)>,
    /// Whether the last [`MediaLeg::pop_frame`] gave a frame (it lives in the jitter
    /// buffer, which keeps the frame it played last for concealment).
    holding: bool,
}

impl MediaLeg {
    /// A leg starting at `now`; SSRC, first sequence number and timestamp come from `rng`.
    pub fn new(now: Instant, cfg: LegConfig, rng: &mut impl Rng) -> Self {
        Self {
            tx: RtpSender::random(rng, cfg.codec.payload_type()),
            latch: RtpLatch::new(cfg.remote, DEFAULT_PACKETS_TO_LATCH),
            stats: None,
            jitter: JitterBuffer::new(cfg.jitter),
            dtmf_rx: DtmfReceiver::new(cfg.dtmf_policy),
            inband: cfg.inband_dtmf.then(InbandDetector::new),
            dtmf_tx: None,
            digits_out: VecDeque::new(),
            gap: 0,
            events: VecDeque::new(),
            next_rtcp: now + RTCP_INTERVAL,
            last_sr: None,
            holding: false,
            cfg,
        }
    }

    /// Where media goes now.
    pub fn destination(&self) -> SocketAddr {
        self.latch.destination()
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.tx.ssrc()
    }

    /// Loss and jitter of what we receive (None before any RTP).
    pub fn quality(&self) -> Option<QualityStats> {
        self.stats.as_ref().map(ReceiverStats::quality)
    }

    /// Memory outside the leg itself that its next tick will most likely touch (see
    /// [`JitterBuffer::upcoming_memory`]).
    pub fn upcoming_memory(&self, visit: impl FnMut(*const u8, usize)) {
        self.jitter.upcoming_memory(visit);
    }

    /// The jitter buffer's counters.
    pub fn jitter_stats(&self) -> JitterStats {
        self.jitter.stats()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<LegEvent> {
        self.events.pop_front()
    }

    /// Handles one datagram received from `from` on the leg's port.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), LegError> {
        if rtp::is_rtcp(bytes) {
            return self.handle_rtcp(now, bytes);
        }
        let pkt = RtpPacket::parse(bytes)?;
        match self.stats.as_mut() {
            Some(s) if s.ssrc() == pkt.ssrc => {
                s.update(now, &pkt);
            }
            _ => self.stats = Some(ReceiverStats::new(now, &pkt)),
        }
        if let Some(addr) = self.latch.on_packet(from, pkt.ssrc, pkt.seq) {
            self.events.push_back(LegEvent::Latched(addr));
        }
        if Some(pkt.payload_type) == self.cfg.telephone_event_pt {
            let ev = TelephoneEvent::parse(pkt.payload)?;
            self.dtmf_rx.on_packet(pkt.timestamp, pkt.marker, ev);
            while let Some(d) = self.dtmf_rx.poll_digit() {
                self.events.push_back(LegEvent::Digit(d));
            }
            // Events share the audio's sequence space: fill their place with silence so
            // the jitter buffer does not count them as loss.
            self.jitter
                .push(now, pkt.ssrc, pkt.seq, pkt.timestamp, &SILENCE);
            return Ok(());
        }
        let expected = self.cfg.codec.payload_type();
        if pkt.payload_type != expected {
            return Err(LegError::UnexpectedPayloadType {
                expected,
                found: pkt.payload_type,
            });
        }
        let mut pcm = SILENCE;
        self.cfg.codec.decode_frame(pkt.payload, &mut pcm)?;
        self.jitter
            .push(now, pkt.ssrc, pkt.seq, pkt.timestamp, &pcm);
        Ok(())
    }

    fn handle_rtcp(&mut self, now: Instant, bytes: &[u8]) -> Result<(), LegError> {
        let summary = rtcp::parse_compound(bytes)?;
        for sr in &summary.senders {
            if let Some(s) = self.stats.as_mut().filter(|s| s.ssrc() == sr.ssrc) {
                s.on_sender_report(now, sr.ntp);
            }
        }
        for (_, block) in summary
            .blocks
            .iter()
            .filter(|(_, b)| b.ssrc == self.tx.ssrc())
        {
            // RTT = arrival - our SR's departure - the peer's hold time (DLSR), measured
            // on our own clock rather than the wall clock.
            let round_trip = self
                .last_sr
                .filter(|(lsr, _)| block.lsr != 0 && *lsr == block.lsr)
                .and_then(|(_, sent)| {
                    let dlsr = Duration::from_micros((u64::from(block.dlsr) * 1_000_000) >> 16);
                    now.saturating_duration_since(sent).checked_sub(dlsr)
                });
            self.events.push_back(LegEvent::RemoteReport {
                block: *block,
                round_trip,
            });
        }
        if !summary.byes.is_empty() {
            self.events.push_back(LegEvent::Bye);
        }
        Ok(())
    }

    /// The frame to give the mixer this tick, or None while nothing is playing.
    pub fn pop_frame(&mut self) -> Option<&Frame> {
        let (frame, kind) = self.jitter.pop();
        self.holding = kind != FrameKind::Silence;
        if !self.holding {
            return None;
        }
        if let Some(det) = self.inband.as_mut() {
            if let Some(d) = det.process(frame) {
                self.events.push_back(LegEvent::Digit(d));
            }
        }
        Some(frame)
    }

    /// The frame the last [`MediaLeg::pop_frame`] gave, until the next call.
    pub fn frame(&self) -> Option<&Frame> {
        self.holding.then(|| self.jitter.played())
    }

    /// [`MediaLeg::frame`], to process in place (noise suppression, gain). Concealment
    /// then repeats the processed audio.
    pub fn frame_mut(&mut self) -> Option<&mut Frame> {
        self.holding.then(|| self.jitter.played_mut())
    }

    /// Queues digits to send as RFC 4733 events (characters that are not keys are
    /// skipped). Needs a negotiated telephone-event payload type; returns how many digits
    /// were queued.
    pub fn send_digits(&mut self, digits: &str) -> usize {
        if self.cfg.telephone_event_pt.is_none() {
            return 0;
        }
        let before = self.digits_out.len();
        self.digits_out
            .extend(digits.chars().filter_map(Digit::from_char));
        self.digits_out.len() - before
    }

    /// Writes this tick's packet into `out`: the mixer's encoded `payload`, or a
    /// telephone-event packet while digits are being sent. Returns the datagram length.
    pub fn write_frame(
        &mut self,
        payload: &[u8; FRAME_SAMPLES],
        out: &mut [u8],
    ) -> Result<usize, LegError> {
        if let Some(n) = self.write_dtmf(out)? {
            return Ok(n);
        }
        Ok(self.tx.write_frame(payload, out)?)
    }

    fn write_dtmf(&mut self, out: &mut [u8]) -> Result<Option<usize>, LegError> {
        let Some(pt) = self.cfg.telephone_event_pt else {
            return Ok(None);
        };
        if self.dtmf_tx.is_none() {
            if self.gap > 0 {
                self.gap -= 1;
                return Ok(None);
            }
            let Some(d) = self.digits_out.pop_front() else {
                return Ok(None);
            };
            self.dtmf_tx = Some(DtmfSender::new(d, self.tx.next_timestamp(), DIGIT_MS, 10));
        }
        let Some(p) = self.dtmf_tx.as_mut().and_then(DtmfSender::next_packet) else {
            return Ok(None);
        };
        if self.dtmf_tx.as_ref().is_some_and(DtmfSender::is_done) {
            self.dtmf_tx = None;
            self.gap = DIGIT_GAP_FRAMES;
        }
        let n = self
            .tx
            .write_packet(pt, p.marker, p.timestamp, &p.event.to_bytes(), out)?;
        self.tx.advance_frames(1);
        Ok(Some(n))
    }

    /// When the leg next wants [`MediaLeg::handle_timeout`] (its RTCP report).
    pub fn poll_timeout(&self) -> Instant {
        self.next_rtcp
    }

    /// Writes the RTCP report due at `now` into `out` (`unix_ms` is the wall clock for the
    /// SR's NTP stamp); returns its length, or None if nothing is due yet.
    pub fn handle_timeout(
        &mut self,
        now: Instant,
        unix_ms: u64,
        out: &mut [u8],
    ) -> Result<Option<usize>, LegError> {
        if now < self.next_rtcp {
            return Ok(None);
        }
        self.next_rtcp = now + RTCP_INTERVAL;
        let block = self.stats.as_mut().map(|s| s.report_block(now));
        let blocks = block.as_slice();
        let n = if self.tx.packet_count() > 0 {
            let n = rtcp::write_sender_report(&self.tx, unix_ms, blocks, &self.cfg.cname, out)?;
            self.last_sr = Some((rtcp::ntp_middle(rtcp::ntp_from_unix_ms(unix_ms)), now));
            n
        } else {
            rtcp::write_receiver_report(self.tx.ssrc(), blocks, &self.cfg.cname, out)?
        };
        Ok(Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goertzel::amplitude;
    use rand::SeedableRng;
    use sb_testkit::FakeClock;

    fn cfg(remote: &str) -> LegConfig {
        LegConfig {
            codec: Codec::Pcma,
            telephone_event_pt: Some(101),
            remote: remote.parse().unwrap(),
            jitter: JitterConfig::default(),
            dtmf_policy: ReportPolicy::OnEnd,
            inband_dtmf: false,
            cname: "leg@test".into(),
        }
    }

    fn tone(tick: u64) -> [u8; FRAME_SAMPLES] {
        let mut pcm = [0i16; FRAME_SAMPLES];
        for (k, s) in pcm.iter_mut().enumerate() {
            let n = (tick * 160 + k as u64) as f64;
            *s = (4000.0 * (std::f64::consts::TAU * 1000.0 * n / 8000.0).sin()) as i16;
        }
        let mut enc = [0u8; FRAME_SAMPLES];
        Codec::Pcma.encode_frame(&pcm, &mut enc);
        enc
    }

    /// Sends `from_leg`'s RTCP report, if due, to `to_leg` after 30 ms in flight.
    fn rtcp_hop(
        clock: &FakeClock,
        from_leg: &mut MediaLeg,
        to_leg: &mut MediaLeg,
        from: SocketAddr,
        buf: &mut [u8],
    ) {
        if let Some(n) = from_leg
            .handle_timeout(clock.now(), clock.unix_ms(), buf)
            .unwrap()
        {
            clock.advance(Duration::from_millis(30));
            to_leg
                .handle_datagram(clock.now(), from, &buf[..n])
                .unwrap();
        }
    }

    #[test]
    fn two_legs_exchange_audio_digits_and_reports() {
        let clock = FakeClock::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let a_addr: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        // B's SDP says 198.51.100.2 but its packets come from a NAT's address.
        let b_nat: SocketAddr = "203.0.113.9:61000".parse().unwrap();
        let mut a = MediaLeg::new(clock.now(), cfg("198.51.100.2:5000"), &mut rng);
        let mut b = MediaLeg::new(clock.now(), cfg("192.0.2.1:4000"), &mut rng);
        assert_eq!(a.send_digits("4x2#"), 3);
        let mut buf = [0u8; 512];
        let mut heard = Vec::new();
        for t in 0..400u64 {
            let n = a.write_frame(&tone(t), &mut buf).unwrap();
            b.handle_datagram(clock.now(), a_addr, &buf[..n]).unwrap();
            let n = b.write_frame(&tone(t), &mut buf).unwrap();
            a.handle_datagram(clock.now(), b_nat, &buf[..n]).unwrap();
            if let Some(f) = b.pop_frame() {
                heard.push(*f);
            }
            a.pop_frame();
            rtcp_hop(&clock, &mut a, &mut b, a_addr, &mut buf);
            rtcp_hop(&clock, &mut b, &mut a, b_nat, &mut buf);
            clock.advance(Duration::from_millis(20));
        }
        let b_events: Vec<_> = std::iter::from_fn(|| b.poll_event()).collect();
        let digits: String = b_events
            .iter()
            .filter_map(|e| match e {
                LegEvent::Digit(d) => Some(d.digit.as_char()),
                _ => None,
            })
            .collect();
        assert_eq!(digits, "42#");
        let a_events: Vec<_> = std::iter::from_fn(|| a.poll_event()).collect();
        assert!(a_events.contains(&LegEvent::Latched(b_nat)));
        assert_eq!(a.destination(), b_nat);
        let rtt = a_events.iter().find_map(|e| match e {
            LegEvent::RemoteReport {
                round_trip: Some(r),
                ..
            } => Some(*r),
            _ => None,
        });
        // Each direction of RTCP took 30 ms of fake time.
        let rtt = rtt.expect("an RTT from B's report on A's SR");
        assert!((50..=70).contains(&rtt.as_millis()), "{rtt:?}");
        // B heard A's tone; the digits' places were filled with silence, not loss.
        let last = heard.last().unwrap();
        assert!(amplitude(last, 1000.0) > 3000.0);
        assert_eq!(b.jitter_stats().lost, 0, "{:?}", b.jitter_stats());
        assert_eq!(b.quality().unwrap().lost, 0);
    }

    #[test]
    fn the_popped_frame_stays_readable_and_editable_until_the_next_pop() {
        let clock = FakeClock::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let peer: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let mut leg = MediaLeg::new(clock.now(), cfg("192.0.2.1:4000"), &mut rng);
        let mut tx = RtpSender::new(1, 1, 1, 8);
        let mut buf = [0u8; 200];
        assert!(leg.pop_frame().is_none());
        assert!(leg.frame().is_none() && leg.frame_mut().is_none());
        let mut played = None;
        for t in 0..10 {
            let n = tx.write_frame(&tone(t), &mut buf).unwrap();
            leg.handle_datagram(clock.now(), peer, &buf[..n]).unwrap();
            clock.advance(Duration::from_millis(20));
            if let Some(f) = leg.pop_frame() {
                played = Some(*f);
                break;
            }
        }
        let played = played.expect("the buffer started playing");
        assert_eq!(leg.frame(), Some(&played));
        leg.frame_mut().unwrap()[0] = 1234;
        assert_eq!(leg.frame().unwrap()[0], 1234);
        // The stream stops: concealment repeats, then fades to silence and no frame.
        let mut concealed = 0;
        while let Some(f) = leg.pop_frame().copied() {
            assert_eq!(leg.frame(), Some(&f));
            concealed += 1;
            assert!(concealed < 100, "concealment ends");
        }
        assert!(leg.frame().is_none());
    }

    #[test]
    fn wrong_payload_type_is_refused() {
        let clock = FakeClock::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let mut leg = MediaLeg::new(clock.now(), cfg("192.0.2.1:4000"), &mut rng);
        let mut tx = RtpSender::new(1, 1, 1, 0);
        let mut buf = [0u8; 200];
        let n = tx.write_frame(&[0xFF; 160], &mut buf).unwrap();
        let err = leg
            .handle_datagram(clock.now(), "192.0.2.1:4000".parse().unwrap(), &buf[..n])
            .unwrap_err();
        assert!(matches!(
            err,
            LegError::UnexpectedPayloadType {
                expected: 8,
                found: 0
            }
        ));
        assert!(leg
            .handle_datagram(
                clock.now(),
                "192.0.2.1:4000".parse().unwrap(),
                &[0x80, 200, 0, 9]
            )
            .is_err());
    }

    #[test]
    fn without_telephone_event_digits_are_not_queued() {
        let clock = FakeClock::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut c = cfg("192.0.2.1:4000");
        c.telephone_event_pt = None;
        let mut leg = MediaLeg::new(clock.now(), c, &mut rng);
        assert_eq!(leg.send_digits("123"), 0);
        assert_eq!(
            leg.handle_timeout(clock.now(), 0, &mut [0u8; 256]).unwrap(),
            None
        );
        let n = leg
            .handle_timeout(leg.poll_timeout(), 0, &mut [0u8; 256])
            .unwrap();
        assert!(n.is_some(), "a receiver report once due");
    }
}
