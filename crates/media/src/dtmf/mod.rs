//! DTMF: RFC 4733 telephone-events (receiver and sender) and in-band detection.
//!
//! RFC 4733 is the primary path: one event per digit, identified by its RTP timestamp,
//! retransmitted as its duration grows and closed by three end packets. The in-band
//! detector is a fallback for peers that send tones inside the audio.

pub mod event;
pub mod inband;
pub mod receiver;
pub mod sender;

pub use event::{DtmfError, TelephoneEvent};
pub use inband::InbandDetector;
pub use receiver::{DtmfReceiver, ReportPolicy};
pub use sender::DtmfSender;

/// A DTMF key (RFC 4733 §3.2 events 0–15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digit(u8);

impl Digit {
    const CHARS: [char; 16] = [
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
    ];

    /// The key for an event code 0–15.
    pub fn from_event(code: u8) -> Option<Self> {
        (code < 16).then_some(Self(code))
    }

    /// The key for a character (`0-9`, `*`, `#`, `A-D`, case-insensitive).
    pub fn from_char(c: char) -> Option<Self> {
        let up = c.to_ascii_uppercase();
        Self::CHARS
            .iter()
            .position(|&k| k == up)
            .map(|i| Self(i as u8))
    }

    /// The RFC 4733 event code.
    pub fn event_code(self) -> u8 {
        self.0
    }

    /// The key as a character.
    pub fn as_char(self) -> char {
        Self::CHARS[usize::from(self.0)]
    }

    /// Row and column frequencies in Hz (ITU-T Q.23).
    pub fn frequencies(self) -> (f64, f64) {
        const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
        const COLS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
        // Keypad layout: 1 2 3 A / 4 5 6 B / 7 8 9 C / * 0 # D.
        let (r, c) = match self.as_char() {
            '1' => (0, 0),
            '2' => (0, 1),
            '3' => (0, 2),
            'A' => (0, 3),
            '4' => (1, 0),
            '5' => (1, 1),
            '6' => (1, 2),
            'B' => (1, 3),
            '7' => (2, 0),
            '8' => (2, 1),
            '9' => (2, 2),
            'C' => (2, 3),
            '*' => (3, 0),
            '0' => (3, 1),
            '#' => (3, 2),
            _ => (3, 3),
        };
        (ROWS[r], COLS[c])
    }
}

impl std::fmt::Display for Digit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// A digit heard on a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfDigit {
    /// Which key.
    pub digit: Digit,
    /// How long it was held, in milliseconds (as far as known when reported).
    pub duration_ms: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_and_codes() {
        for (i, c) in "0123456789*#ABCD".chars().enumerate() {
            let d = Digit::from_char(c).unwrap();
            assert_eq!(d.event_code(), i as u8);
            assert_eq!(d.as_char(), c);
            assert_eq!(Digit::from_event(i as u8), Some(d));
        }
        assert_eq!(Digit::from_char('x'), None);
        assert_eq!(Digit::from_event(16), None);
        assert_eq!(Digit::from_char('a').map(|d| d.as_char()), Some('A'));
        assert_eq!(
            Digit::from_char('5').unwrap().frequencies(),
            (770.0, 1336.0)
        );
    }
}
