//! The telephone-event payload (RFC 4733 §2.3).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |     event     |E|R| volume    |          duration             |
//! ```

/// Why a telephone-event payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DtmfError {
    /// Fewer than the four bytes of one event.
    #[error("telephone-event payload of {found} bytes, at least {expected} needed")]
    TooShort {
        /// Bytes one event takes.
        expected: usize,
        /// Bytes that arrived.
        found: usize,
    },
}

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (0–15 are DTMF keys, 16 is flash).
    pub event: u8,
    /// The E bit: this packet ends the event.
    pub end: bool,
    /// Power level in -dBm0, 0–63.
    pub volume: u8,
    /// Duration so far, in timestamp units, from the event's timestamp.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Bytes in one event.
    pub const LEN: usize = 4;

    /// Parses the first event of a payload (RFC 4733 §2.5.1.5: a longer payload carries
    /// further events of the same packet only under RFC 2198 redundancy, which is
    /// negotiated separately; the first four bytes are the current event).
    pub fn parse(payload: &[u8]) -> Result<Self, DtmfError> {
        let b: &[u8; 4] = payload
            .get(..Self::LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(DtmfError::TooShort {
                expected: Self::LEN,
                found: payload.len(),
            })?;
        Ok(Self {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3F,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// The four payload bytes (the R bit is sent as 0).
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4733_layout() {
        let e = TelephoneEvent::parse(&[5, 0x8A, 0x03, 0x20]).unwrap();
        assert_eq!(
            e,
            TelephoneEvent {
                event: 5,
                end: true,
                volume: 10,
                duration: 800
            }
        );
        assert_eq!(e.to_bytes(), [5, 0x8A, 0x03, 0x20]);
        // The reserved bit is ignored on receipt.
        assert_eq!(TelephoneEvent::parse(&[5, 0xCA, 0x03, 0x20]).unwrap(), e);
        assert_eq!(
            TelephoneEvent::parse(&[1, 2]),
            Err(DtmfError::TooShort {
                expected: 4,
                found: 2
            })
        );
    }
}
