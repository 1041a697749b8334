//! Members of a conversation as the mixer sees them: ids, voice modes, codecs and
//! playbacks (their audio is in the tick's scratch).

use crate::codec::Codec;
use crate::player::Source;

/// A member of one conversation's mix (the media worker maps call legs to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberId(pub u64);

/// Names one playback so its end can be reported (`PlaybackDone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlayId(pub u64);

/// A member's voice mode (SPEC §5), named from the conversation's side: does the
/// conversation play to the member, and does it hear the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoiceMode {
    /// 1: played to and heard (the default).
    Both,
    /// 2: heard only; the member receives nothing.
    HeardOnly,
    /// 3: played to only (monitoring); the member is never heard.
    PlayedOnly,
    /// 4: neither (hold).
    Neither,
}

/// A voice-mode number outside 1–4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("voice mode {found}; expected 1 (both), 2 (heard only), 3 (played only) or 4 (hold)")]
pub struct InvalidMode {
    /// The number given.
    pub found: u8,
}

impl VoiceMode {
    /// The mode for its SPEC number.
    pub fn from_number(n: u8) -> Result<Self, InvalidMode> {
        match n {
            1 => Ok(Self::Both),
            2 => Ok(Self::HeardOnly),
            3 => Ok(Self::PlayedOnly),
            4 => Ok(Self::Neither),
            found => Err(InvalidMode { found }),
        }
    }

    /// The SPEC number (1–4).
    pub fn number(self) -> u8 {
        match self {
            Self::Both => 1,
            Self::HeardOnly => 2,
            Self::PlayedOnly => 3,
            Self::Neither => 4,
        }
    }

    /// Whether the conversation plays to the member (modes 1 and 3).
    pub fn plays_to(self) -> bool {
        matches!(self, Self::Both | Self::PlayedOnly)
    }

    /// Whether the conversation hears the member (modes 1 and 2).
    pub fn hears(self) -> bool {
        matches!(self, Self::Both | Self::HeardOnly)
    }
}

/// What a member receives this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryKind {
    /// Nothing (modes 2 and 4 with nothing played to them): send silence or nothing.
    Silence,
    /// The full mix, encoded once per codec and shared with every member receiving it.
    Shared,
    /// A mix made for this member: the mix minus its own voice, or with a prompt over it.
    Own,
}

#[derive(Debug)]
pub(super) struct Member {
    pub(super) id: MemberId,
    pub(super) mode: VoiceMode,
    pub(super) codec: Codec,
    /// Whether the member's input this tick is in the scratch.
    pub(super) has_input: bool,
    pub(super) play: Option<(PlayId, Source)>,
    pub(super) kind: DeliveryKind,
}

impl Member {
    pub(super) fn new(id: MemberId, mode: VoiceMode, codec: Codec) -> Self {
        Self {
            id,
            mode,
            codec,
            has_input: false,
            play: None,
            kind: DeliveryKind::Silence,
        }
    }

    /// Whether this member's voice is in the sum this tick.
    pub(super) fn in_sum(&self) -> bool {
        self.has_input && self.mode.hears()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_table() {
        let table = [
            (1, true, true),
            (2, false, true),
            (3, true, false),
            (4, false, false),
        ];
        for (n, plays, hears) in table {
            let m = VoiceMode::from_number(n).unwrap();
            assert_eq!((m.number(), m.plays_to(), m.hears()), (n, plays, hears));
        }
        assert_eq!(VoiceMode::from_number(0), Err(InvalidMode { found: 0 }));
        assert_eq!(VoiceMode::from_number(5), Err(InvalidMode { found: 5 }));
    }
}
