//! The order in which a tick visits legs and conversations.
//!
//! A tick must receive every member of a conversation before mixing it, and mix every
//! conversation of a leg before sending to it. Doing each of the three for all legs in
//! turn satisfies that, but visits every leg's state three times, a thousand other legs
//! apart: each visit finds it evicted by the other legs' socket calls, and the worker
//! spends more time waiting on memory than working (docs/performance.md).
//!
//! Legs that share no conversation do not affect each other, so the tick can instead go
//! group by group: the legs and conversations linked through membership form a group,
//! and the tick receives a group's legs, mixes its conversations and sends to its legs
//! before it moves to the next group. Each leg's state is then still in cache at its
//! second and third visit. The result is the same audio, frame for frame.
//!
//! The order changes only when a command changes legs or memberships, so it is rebuilt
//! at most once per tick, and only after such a command.

use super::ids::IdMap;
use super::leg::LegSlot;
use super::state::Conversation;
use super::table::{Pos, Table};
use crate::command::{ConversationId, LegId};

/// The worker's legs.
pub(crate) type Legs = Table<LegId, LegSlot>;
/// The worker's conversations.
pub(crate) type Conversations = Table<ConversationId, Conversation>;

/// One thing a tick does, to the leg or conversation at a position of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Read the leg's socket and take its frame for the mixers.
    Receive(Pos),
    /// Run the conversation's mixer and hand its members their audio; its members are
    /// `Plan::members[from..to]`.
    Mix { conv: Pos, from: u32, to: u32 },
    /// Build and send the leg's packet.
    Send(Pos),
}

/// What a tick walks: its steps, and each conversation's members with their positions,
/// in member-id order (the order the mixer takes inputs and gives deliveries in).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    pub members: Vec<(LegId, Pos)>,
}

impl Plan {
    /// The members of a [`Step::Mix`].
    pub fn members_of(&self, from: u32, to: u32) -> &[(LegId, Pos)] {
        self.members
            .get(from as usize..to as usize)
            .unwrap_or_default()
    }
}

/// The plan of a tick, rebuilt when marked stale.
#[derive(Debug)]
pub(crate) struct TickOrder {
    plan: Plan,
    stale: bool,
}

impl Default for TickOrder {
    fn default() -> Self {
        Self {
            plan: Plan::default(),
            stale: true,
        }
    }
}

impl TickOrder {
    /// Notes that legs or memberships changed.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// The plan for the current legs and conversations, rebuilding it if stale. The
    /// caller hands it back with [`TickOrder::restore`], so the tick can borrow the
    /// worker's state mutably while it walks the plan, and its vectors are reused.
    pub fn take(&mut self, legs: &Legs, conversations: &Conversations) -> Plan {
        if self.stale {
            build(legs, conversations, &mut self.plan);
            self.stale = false;
        }
        std::mem::take(&mut self.plan)
    }

    /// Gives back what [`TickOrder::take`] lent.
    pub fn restore(&mut self, plan: Plan) {
        self.plan = plan;
    }
}

/// Fills `plan` group by group: receive the group's legs, mix its conversations, send
/// to its legs. Legs are visited in id order, so the order does not depend on hashing.
fn build(legs: &Legs, conversations: &Conversations, plan: &mut Plan) {
    plan.steps.clear();
    plan.members.clear();
    let mut ids: Vec<LegId> = legs.keys().copied().collect();
    ids.sort_unstable();
    let mut seen_legs: IdMap<LegId, ()> = IdMap::default();
    let mut seen_convs: IdMap<ConversationId, ()> = IdMap::default();
    let mut group_legs = Vec::new();
    let mut group_convs = Vec::new();
    for start in ids {
        if seen_legs.insert(start, ()).is_some() {
            continue;
        }
        group_legs.clear();
        group_convs.clear();
        group_legs.push(start);
        // Breadth first over membership: legs bring their conversations, conversations
        // their members. `group_legs` doubles as the queue.
        let mut next = 0;
        while let Some(&leg) = group_legs.get(next) {
            next += 1;
            let Some(slot) = legs.get(&leg) else { continue };
            for &c in &slot.conversations {
                if seen_convs.insert(c, ()).is_some() {
                    continue;
                }
                group_convs.push(c);
                let Some(conv) = conversations.get(&c) else {
                    continue;
                };
                for &member in &conv.members {
                    if legs.contains_key(&member) && seen_legs.insert(member, ()).is_none() {
                        group_legs.push(member);
                    }
                }
            }
        }
        let leg_pos = || group_legs.iter().filter_map(|l| legs.pos(l));
        plan.steps.extend(leg_pos().map(Step::Receive));
        for c in &group_convs {
            push_mix(plan, legs, conversations, c);
        }
        plan.steps.extend(leg_pos().map(Step::Send));
    }
    // Conversations no leg is in still run: their playbacks and recordings go on.
    let mut lonely: Vec<ConversationId> = conversations
        .keys()
        .filter(|c| !seen_convs.contains_key(c))
        .copied()
        .collect();
    lonely.sort_unstable();
    for c in &lonely {
        push_mix(plan, legs, conversations, c);
    }
}

fn push_mix(plan: &mut Plan, legs: &Legs, conversations: &Conversations, c: &ConversationId) {
    let (Some(conv), Some(pos)) = (conversations.get(c), conversations.pos(c)) else {
        return;
    };
    // Positions fit u32 (see `Table`), and so do the member entries of one plan.
    let from = u32::try_from(plan.members.len()).unwrap_or(u32::MAX);
    plan.members.extend(
        conv.members
            .iter()
            .filter_map(|id| Some((*id, legs.pos(id)?))),
    );
    let to = u32::try_from(plan.members.len()).unwrap_or(u32::MAX);
    plan.steps.push(Step::Mix {
        conv: pos,
        from,
        to,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Direction, LegSpec};
    use rand::SeedableRng;
    use sb_media::codec::Codec;
    use sb_media::mixer::{Mixer, MixerConfig};
    use std::net::UdpSocket;

    fn leg(id: u64, convs: &[u64]) -> LegSlot {
        let spec = LegSpec {
            remote: "127.0.0.1:9".parse().unwrap(),
            codec: Codec::Pcmu,
            telephone_event_pt: Some(101),
            direction: Direction::SendRecv,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(id);
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut slot = LegSlot::new(crate::clock::now(), LegId(id), socket, spec, &mut rng);
        slot.conversations = convs.iter().map(|&c| ConversationId(c)).collect();
        slot
    }

    /// Legs 1–7 and conversations 10–13: 10 = {1, 2} and 11 = {2, 3} link legs 1–3;
    /// 12 = {5, 7}; 13 has no members; legs 4 and 6 are in none.
    fn world() -> (Legs, Conversations) {
        let memberships: [(u64, &[u64]); 7] = [
            (7, &[12]),
            (3, &[11]),
            (1, &[10]),
            (2, &[10, 11]),
            (6, &[]),
            (5, &[12]),
            (4, &[]),
        ];
        let mut legs = Legs::default();
        for (id, convs) in memberships {
            legs.insert(LegId(id), leg(id, convs));
        }
        let mut conversations = Conversations::default();
        for (c, members) in [
            (12u64, vec![5u64, 7]),
            (10, vec![1, 2]),
            (13, vec![]),
            (11, vec![2, 3]),
        ] {
            let conv = Conversation {
                mixer: Mixer::new(MixerConfig::default()),
                members: members.into_iter().map(LegId).collect(),
            };
            conversations.insert(ConversationId(c), conv);
        }
        (legs, conversations)
    }

    /// The plan with positions turned back into ids, members listed after each mix.
    fn named(plan: &Plan, legs: &Legs, conversations: &Conversations) -> Vec<String> {
        let leg_id = |p: Pos| {
            legs.keys()
                .find(|id| legs.pos(id) == Some(p))
                .map_or(u64::MAX, |id| id.0)
        };
        plan.steps
            .iter()
            .map(|s| match *s {
                Step::Receive(p) => format!("R{}", leg_id(p)),
                Step::Send(p) => format!("S{}", leg_id(p)),
                Step::Mix { conv, from, to } => {
                    let c = conversations
                        .keys()
                        .find(|c| conversations.pos(c) == Some(conv))
                        .map_or(u64::MAX, |c| c.0);
                    let members: Vec<String> = plan
                        .members_of(from, to)
                        .iter()
                        .map(|(id, p)| {
                            assert_eq!(legs.pos(id), Some(*p), "member {id:?} at its position");
                            id.0.to_string()
                        })
                        .collect();
                    format!("M{c}[{}]", members.join(","))
                }
            })
            .collect()
    }

    #[test]
    fn linked_legs_are_received_mixed_and_sent_together() {
        let (legs, conversations) = world();
        let mut order = TickOrder::default();
        let plan = order.take(&legs, &conversations);
        assert_eq!(
            named(&plan, &legs, &conversations),
            [
                "R1", "R2", "R3", "M10[1,2]", "M11[2,3]", "S1", "S2", "S3", // linked by 2
                "R4", "S4", // alone
                "R5", "R7", "M12[5,7]", "S5", "S7", // one conversation
                "R6", "S6",    // alone
                "M13[]", // no members, still mixed
            ]
        );
        order.restore(plan);
    }

    #[test]
    fn the_plan_is_kept_until_marked_stale() {
        let (mut legs, conversations) = world();
        let mut order = TickOrder::default();
        let first = order.take(&legs, &conversations);
        let steps = first.steps.len();
        order.restore(first);
        legs.remove(&LegId(4));
        let kept = order.take(&legs, &conversations);
        assert_eq!(kept.steps.len(), steps, "not rebuilt without a mark");
        order.restore(kept);
        order.mark_stale();
        let rebuilt = order.take(&legs, &conversations);
        assert_eq!(
            rebuilt.steps.len(),
            steps - 2,
            "leg 4's receive and send are gone"
        );
        assert!(!named(&rebuilt, &legs, &conversations).contains(&"R4".to_string()));
    }

    #[test]
    fn a_member_missing_from_the_legs_is_left_out_of_its_mix() {
        let (mut legs, conversations) = world();
        legs.remove(&LegId(7));
        let plan = TickOrder::default().take(&legs, &conversations);
        let names = named(&plan, &legs, &conversations);
        assert!(names.contains(&"M12[5]".to_string()), "{names:?}");
    }
}
