//! Symmetric RTP latching (GUIDE §4, RFC 4961 symmetric RTP): send media back to the
//! address the peer's RTP actually comes from, which behind NAT differs from the SDP's
//! `c=` line. To resist RTP hijacking, a new source address is only believed after
//! several packets from it in sequence; stray or spoofed packets never move the latch.

use std::net::SocketAddr;

use crate::rtp::seq_delta;

/// Packets in sequence from one address before the latch moves to it.
pub const DEFAULT_PACKETS_TO_LATCH: u8 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Candidate {
    addr: SocketAddr,
    ssrc: u32,
    last_seq: u16,
    run: u8,
}

/// Where to send a leg's RTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpLatch {
    current: SocketAddr,
    latched: bool,
    candidate: Option<Candidate>,
    needed: u8,
}

impl RtpLatch {
    /// Starts from the address the SDP announced.
    pub fn new(signalled: SocketAddr, packets_to_latch: u8) -> Self {
        Self {
            current: signalled,
            latched: false,
            candidate: None,
            needed: packets_to_latch.max(1),
        }
    }

    /// Where media goes now.
    pub fn destination(&self) -> SocketAddr {
        self.current
    }

    /// Whether the destination was learnt from received RTP.
    pub fn is_latched(&self) -> bool {
        self.latched
    }

    /// The SDP changed (re-INVITE): start from the new address and learn again.
    pub fn resignal(&mut self, signalled: SocketAddr) {
        self.current = signalled;
        self.latched = false;
        self.candidate = None;
    }

    /// Notes a valid RTP packet from `from`; returns the new destination when the latch
    /// moves.
    pub fn on_packet(&mut self, from: SocketAddr, ssrc: u32, seq: u16) -> Option<SocketAddr> {
        if from == self.current {
            // Media from where we send: nothing to learn, and a rival run is broken.
            self.latched = true;
            self.candidate = None;
            return None;
        }
        let c = match self.candidate.as_mut() {
            Some(c) if c.addr == from && c.ssrc == ssrc && seq_delta(seq, c.last_seq) == 1 => {
                c.last_seq = seq;
                c.run += 1;
                c
            }
            _ => {
                self.candidate = Some(Candidate {
                    addr: from,
                    ssrc,
                    last_seq: seq,
                    run: 1,
                });
                self.candidate.as_mut()?
            }
        };
        if c.run >= self.needed {
            self.current = from;
            self.latched = true;
            self.candidate = None;
            return Some(from);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn latches_after_packets_in_sequence() {
        let mut l = RtpLatch::new(addr("192.0.2.1:4000"), 4);
        let nat = addr("198.51.100.7:61000");
        for seq in 65_534..65_537u32 {
            assert_eq!(l.on_packet(nat, 9, seq as u16), None);
        }
        assert_eq!(l.on_packet(nat, 9, 1), Some(nat));
        assert_eq!(l.destination(), nat);
        assert!(l.is_latched());
    }

    #[test]
    fn spoofed_or_out_of_sequence_packets_do_not_move_it() {
        let mut l = RtpLatch::new(addr("192.0.2.1:4000"), 3);
        let evil = addr("203.0.113.66:5000");
        for seq in [10u16, 12, 14, 16, 18] {
            assert_eq!(l.on_packet(evil, 1, seq), None);
        }
        // Interleaved genuine media resets the rival's run.
        l.on_packet(evil, 1, 20);
        l.on_packet(evil, 1, 21);
        l.on_packet(addr("192.0.2.1:4000"), 7, 100);
        assert_eq!(l.on_packet(evil, 1, 22), None);
        assert_eq!(l.destination(), addr("192.0.2.1:4000"));
        // A different SSRC breaks a run too.
        l.on_packet(evil, 1, 30);
        l.on_packet(evil, 1, 31);
        assert_eq!(l.on_packet(evil, 2, 32), None);
    }

    #[test]
    fn resignal_starts_over() {
        let mut l = RtpLatch::new(addr("192.0.2.1:4000"), 1);
        let nat = addr("198.51.100.7:61000");
        assert_eq!(l.on_packet(nat, 9, 5), Some(nat));
        l.resignal(addr("192.0.2.9:4002"));
        assert!(!l.is_latched());
        assert_eq!(l.destination(), addr("192.0.2.9:4002"));
    }
}
