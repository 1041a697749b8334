//! Conversation membership and voice-mode rules (SPEC §5, §7), pure.
//!
//! An agent may sit in several conversations but be *active* (mode ≠ 4) in at most one:
//! every operation that gives an agent a mode other than 4 returns the holds it implies in
//! its other conversations, already applied here, for the engine to pass on to the mixers.

use std::collections::HashMap;
use std::fmt;

use crate::agent::AgentName;

/// A conversation id (opaque, UUID hex in the engine).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(pub String);

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who a member is: an agent (through its connection) or an outside call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MemberId {
    /// An agent.
    Agent(AgentName),
    /// An outside call, by `call_id`.
    Call(String),
}

/// A voice mode 1–4 (SPEC §5 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mode(u8);

impl Mode {
    /// Both ways.
    pub const BOTH: Mode = Mode(1);
    /// Hold: neither way.
    pub const HOLD: Mode = Mode(4);

    /// A mode from its number, 1–4.
    pub fn new(n: i64) -> Result<Self, ConversationError> {
        match n {
            1..=4 => Ok(Mode(n as u8)),
            found => Err(ConversationError::BadMode {
                found,
                allowed: "1-4",
            }),
        }
    }

    /// `join`'s `voiceIoMode`: 0 or absent means 1.
    pub fn for_join(n: Option<i64>) -> Result<Self, ConversationError> {
        match n {
            None | Some(0) => Ok(Mode::BOTH),
            Some(n) => Mode::new(n),
        }
    }

    /// `resume`'s `voiceIoMode`: 1–3 (absent means 1); 4 would not resume anything.
    pub fn for_resume(n: Option<i64>) -> Result<Self, ConversationError> {
        match n {
            None => Ok(Mode::BOTH),
            Some(n @ 1..=3) => Ok(Mode(n as u8)),
            Some(found) => Err(ConversationError::BadMode {
                found,
                allowed: "1-3",
            }),
        }
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether the member hears the conversation (modes 1, 3).
    pub fn hears(self) -> bool {
        matches!(self.0, 1 | 3)
    }
}

/// Why a conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// `DELETE /conversation/{id}`.
    Dissolved,
    /// Fewer than two members remained.
    MemberLeft,
    /// `conversation_timeout` passed.
    Timeout,
    /// The engine could not keep it going.
    Error,
}

impl EndReason {
    /// The wire name of `end_reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Dissolved => "dissolved",
            EndReason::MemberLeft => "member_left",
            EndReason::Timeout => "timeout",
            EndReason::Error => "error",
        }
    }
}

/// One member, kept after it leaves (with `end_ms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Who.
    pub id: MemberId,
    /// Current mode.
    pub mode: Mode,
    /// Joined at, Unix ms.
    pub begin_ms: u64,
    /// Left at, Unix ms.
    pub end_ms: Option<u64>,
}

/// A mode the engine must apply to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeChange {
    /// The conversation.
    pub conversation: ConversationId,
    /// The member.
    pub member: MemberId,
    /// Its new mode.
    pub mode: Mode,
}

/// A conversation's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// Every member that ever joined, in order.
    pub members: Vec<Member>,
    /// Began at, Unix ms.
    pub begin_ms: u64,
    /// Set once it ended: why and when.
    pub ended: Option<(EndReason, u64)>,
    /// Set by a transfer: nobody else may join.
    pub locked: bool,
}

impl Conversation {
    fn present(&self, who: &MemberId) -> Option<usize> {
        self.members
            .iter()
            .position(|m| &m.id == who && m.end_ms.is_none())
    }

    /// Members still in the conversation.
    pub fn current(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.end_ms.is_none())
    }
}

/// Why a membership operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversationError {
    /// A mode number out of range.
    #[error("voice mode must be {allowed}, found {found}")]
    BadMode {
        /// What arrived.
        found: i64,
        /// The allowed range.
        allowed: &'static str,
    },
    /// No such conversation.
    #[error("conversation {0} does not exist")]
    Unknown(ConversationId),
    /// Conversation already exists.
    #[error("conversation {0} already exists")]
    Exists(ConversationId),
    /// The conversation has ended.
    #[error("conversation {0} has ended")]
    Ended(ConversationId),
    /// A transfer is running: nobody else may join.
    #[error("conversation {0} is being transferred; nobody else may join")]
    Locked(ConversationId),
    /// The member is not (or no longer) in the conversation.
    #[error("{member:?} is not in conversation {conversation}")]
    NotMember {
        /// The conversation.
        conversation: ConversationId,
        /// The member.
        member: MemberId,
    },
    /// The member is already in the conversation.
    #[error("{member:?} is already in conversation {conversation}")]
    AlreadyMember {
        /// The conversation.
        conversation: ConversationId,
        /// The member.
        member: MemberId,
    },
}

/// Every conversation and who is in it.
#[derive(Debug, Default, Clone)]
pub struct Board {
    conversations: HashMap<ConversationId, Conversation>,
}

impl Board {
    /// An empty board.
    pub fn new() -> Self {
        Self::default()
    }

    /// A conversation by id.
    pub fn get(&self, id: &ConversationId) -> Option<&Conversation> {
        self.conversations.get(id)
    }

    /// Starts an empty conversation.
    pub fn create(&mut self, id: ConversationId, now_ms: u64) -> Result<(), ConversationError> {
        if self.conversations.contains_key(&id) {
            return Err(ConversationError::Exists(id));
        }
        let conv = Conversation {
            id: id.clone(),
            members: Vec::new(),
            begin_ms: now_ms,
            ended: None,
            locked: false,
        };
        self.conversations.insert(id, conv);
        Ok(())
    }

    fn running(&mut self, id: &ConversationId) -> Result<&mut Conversation, ConversationError> {
        let conv = self
            .conversations
            .get_mut(id)
            .ok_or_else(|| ConversationError::Unknown(id.clone()))?;
        if conv.ended.is_some() {
            return Err(ConversationError::Ended(id.clone()));
        }
        Ok(conv)
    }

    /// Adds a member; an agent joining in a mode other than 4 is held everywhere else.
    pub fn join(
        &mut self,
        id: &ConversationId,
        who: MemberId,
        mode: Mode,
        now_ms: u64,
    ) -> Result<Vec<ModeChange>, ConversationError> {
        let conv = self.running(id)?;
        if conv.locked {
            return Err(ConversationError::Locked(id.clone()));
        }
        if conv.present(&who).is_some() {
            return Err(ConversationError::AlreadyMember {
                conversation: id.clone(),
                member: who,
            });
        }
        conv.members.push(Member {
            id: who.clone(),
            mode,
            begin_ms: now_ms,
            end_ms: None,
        });
        Ok(self.hold_others(id, &who, mode))
    }

    /// Sets a member's mode (`lsm`, `setVoiceIoMode`, `pause` with 4, `resume` with 1–3).
    pub fn set_mode(
        &mut self,
        id: &ConversationId,
        who: &MemberId,
        mode: Mode,
    ) -> Result<Vec<ModeChange>, ConversationError> {
        let conv = self.running(id)?;
        let i = conv
            .present(who)
            .ok_or_else(|| ConversationError::NotMember {
                conversation: id.clone(),
                member: who.clone(),
            })?;
        conv.members[i].mode = mode;
        Ok(self.hold_others(id, who, mode))
    }

    /// The SPEC §5 rule: an agent active here is put on hold in every other conversation.
    fn hold_others(
        &mut self,
        active: &ConversationId,
        who: &MemberId,
        mode: Mode,
    ) -> Vec<ModeChange> {
        let mut changes = Vec::new();
        if mode == Mode::HOLD || !matches!(who, MemberId::Agent(_)) {
            return changes;
        }
        for conv in self.conversations.values_mut() {
            if &conv.id == active || conv.ended.is_some() {
                continue;
            }
            if let Some(i) = conv.present(who) {
                if conv.members[i].mode != Mode::HOLD {
                    conv.members[i].mode = Mode::HOLD;
                    changes.push(ModeChange {
                        conversation: conv.id.clone(),
                        member: who.clone(),
                        mode: Mode::HOLD,
                    });
                }
            }
        }
        changes.sort_by(|a, b| a.conversation.cmp(&b.conversation));
        changes
    }

    /// A member leaves; with fewer than two members left the conversation ends
    /// (`member_left`) and the reason is returned.
    pub fn leave(
        &mut self,
        id: &ConversationId,
        who: &MemberId,
        now_ms: u64,
    ) -> Result<Option<EndReason>, ConversationError> {
        let conv = self.running(id)?;
        let i = conv
            .present(who)
            .ok_or_else(|| ConversationError::NotMember {
                conversation: id.clone(),
                member: who.clone(),
            })?;
        conv.members[i].end_ms = Some(now_ms);
        if conv.current().count() < 2 {
            Self::finish(conv, EndReason::MemberLeft, now_ms);
            return Ok(Some(EndReason::MemberLeft));
        }
        Ok(None)
    }

    /// Ends a conversation for `reason` (dissolve, timeout, error): every member leaves.
    pub fn end(
        &mut self,
        id: &ConversationId,
        reason: EndReason,
        now_ms: u64,
    ) -> Result<Vec<MemberId>, ConversationError> {
        let conv = self.running(id)?;
        let left = conv.current().map(|m| m.id.clone()).collect();
        Self::finish(conv, reason, now_ms);
        Ok(left)
    }

    fn finish(conv: &mut Conversation, reason: EndReason, now_ms: u64) {
        for m in conv.members.iter_mut().filter(|m| m.end_ms.is_none()) {
            m.end_ms = Some(now_ms);
        }
        conv.ended = Some((reason, now_ms));
    }

    /// A transfer started: nobody else may join from now on.
    pub fn lock(&mut self, id: &ConversationId) -> Result<(), ConversationError> {
        self.running(id)?.locked = true;
        Ok(())
    }

    /// A transfer failed: others may join again.
    pub fn unlock(&mut self, id: &ConversationId) -> Result<(), ConversationError> {
        self.running(id)?.locked = false;
        Ok(())
    }

    /// Running conversations the member is in now, in id order.
    pub fn conversations_of(&self, who: &MemberId) -> Vec<ConversationId> {
        let mut v: Vec<_> = self
            .conversations
            .values()
            .filter(|c| c.ended.is_none() && c.present(who).is_some())
            .map(|c| c.id.clone())
            .collect();
        v.sort();
        v
    }

    /// The one conversation where the agent is active (mode ≠ 4), if any.
    pub fn active_of(&self, agent: &AgentName) -> Vec<&ConversationId> {
        let who = MemberId::Agent(agent.clone());
        let mut v: Vec<_> = self
            .conversations
            .values()
            .filter(|c| c.ended.is_none())
            .filter(|c| c.current().any(|m| m.id == who && m.mode != Mode::HOLD))
            .map(|c| &c.id)
            .collect();
        v.sort();
        v
    }

    /// Forgets an ended conversation once it has been recorded.
    pub fn remove(&mut self, id: &ConversationId) -> Option<Conversation> {
        self.conversations.remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(s: &str) -> ConversationId {
        ConversationId(s.into())
    }
    fn agent(s: &str) -> MemberId {
        MemberId::Agent(AgentName::new(s).unwrap())
    }

    #[test]
    fn active_in_one_only() {
        let mut b = Board::new();
        b.create(cid("a"), 0).unwrap();
        b.create(cid("b"), 0).unwrap();
        assert!(b
            .join(&cid("a"), agent("x"), Mode::BOTH, 1)
            .unwrap()
            .is_empty());
        let changes = b
            .join(&cid("b"), agent("x"), Mode::for_join(Some(0)).unwrap(), 2)
            .unwrap();
        assert_eq!(
            changes,
            vec![ModeChange {
                conversation: cid("a"),
                member: agent("x"),
                mode: Mode::HOLD
            }]
        );
        let changes = b
            .set_mode(&cid("a"), &agent("x"), Mode::for_resume(Some(3)).unwrap())
            .unwrap();
        assert_eq!(changes[0].conversation, cid("b"));
        assert_eq!(b.active_of(&AgentName::new("x").unwrap()), vec![&cid("a")]);
    }

    #[test]
    fn mode_ranges() {
        assert_eq!(Mode::for_join(None), Ok(Mode::BOTH));
        assert!(Mode::for_resume(Some(4)).is_err());
        assert!(Mode::new(5).is_err());
        assert!(Mode::new(0).is_err());
        assert!(Mode::new(3).unwrap().hears() && !Mode::new(2).unwrap().hears());
    }

    #[test]
    fn ends_when_fewer_than_two_remain_and_keeps_leavers() {
        let mut b = Board::new();
        b.create(cid("c"), 0).unwrap();
        b.join(&cid("c"), agent("x"), Mode::BOTH, 1).unwrap();
        b.join(&cid("c"), MemberId::Call("k1".into()), Mode::BOTH, 1)
            .unwrap();
        b.join(&cid("c"), agent("y"), Mode::new(3).unwrap(), 2)
            .unwrap();
        assert_eq!(b.leave(&cid("c"), &agent("y"), 5), Ok(None));
        assert_eq!(
            b.leave(&cid("c"), &agent("x"), 6),
            Ok(Some(EndReason::MemberLeft))
        );
        let c = b.get(&cid("c")).unwrap();
        assert_eq!(c.ended, Some((EndReason::MemberLeft, 6)));
        assert!(c.members.iter().all(|m| m.end_ms.is_some()));
        assert_eq!(c.members.len(), 3);
        assert!(matches!(
            b.join(&cid("c"), agent("z"), Mode::BOTH, 7),
            Err(ConversationError::Ended(_))
        ));
    }

    #[test]
    fn dissolve_timeout_and_lock() {
        let mut b = Board::new();
        b.create(cid("c"), 0).unwrap();
        b.join(&cid("c"), agent("x"), Mode::BOTH, 1).unwrap();
        b.lock(&cid("c")).unwrap();
        assert!(matches!(
            b.join(&cid("c"), agent("y"), Mode::BOTH, 2),
            Err(ConversationError::Locked(_))
        ));
        assert_eq!(
            b.end(&cid("c"), EndReason::Dissolved, 3).unwrap(),
            vec![agent("x")]
        );
        assert_eq!(EndReason::Timeout.as_str(), "timeout");
        assert!(b.end(&cid("c"), EndReason::Timeout, 4).is_err());
    }
}
