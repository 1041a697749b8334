//! SPEC §5: an agent is active (mode ≠ 4) in at most one conversation, whatever sequence of
//! joins, mode changes and departures happens (proptest).

use proptest::prelude::*;
use switchboard_acd::agent::AgentName;
use switchboard_acd::conversation::{Board, ConversationId, MemberId, Mode};

#[derive(Debug, Clone)]
enum Op {
    Join {
        conv: usize,
        agent: usize,
        mode: Option<i64>,
    },
    SetMode {
        conv: usize,
        agent: usize,
        mode: i64,
    },
    Leave {
        conv: usize,
        agent: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4usize, 0..3usize, prop::option::of(0..5i64))
            .prop_map(|(conv, agent, mode)| Op::Join { conv, agent, mode }),
        (0..4usize, 0..3usize, 1..5i64).prop_map(|(conv, agent, mode)| Op::SetMode {
            conv,
            agent,
            mode
        }),
        (0..4usize, 0..3usize).prop_map(|(conv, agent)| Op::Leave { conv, agent }),
    ]
}

fn agent(i: usize) -> AgentName {
    AgentName::new(&format!("ag{i}")).expect("valid")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn active_in_at_most_one(ops in prop::collection::vec(op(), 1..80)) {
        let mut b = Board::new();
        let convs: Vec<ConversationId> = (0..4).map(|i| ConversationId(format!("c{i}"))).collect();
        for c in &convs {
            b.create(c.clone(), 0).expect("fresh");
            // An outside caller keeps each conversation alive until agents leave.
            b.join(c, MemberId::Call(format!("k-{c}")), Mode::BOTH, 0).expect("open");
        }
        for (t, op) in ops.iter().enumerate() {
            let now = t as u64;
            let (changes, target, mode) = match op {
                Op::Join { conv, agent: a, mode } => {
                    let Ok(m) = Mode::for_join(*mode) else { continue };
                    (b.join(&convs[*conv], MemberId::Agent(agent(*a)), m, now), *conv, Some(m))
                }
                Op::SetMode { conv, agent: a, mode } => {
                    let m = Mode::new(*mode).expect("1-4");
                    (b.set_mode(&convs[*conv], &MemberId::Agent(agent(*a)), m), *conv, Some(m))
                }
                Op::Leave { conv, agent: a } => {
                    let _ = b.leave(&convs[*conv], &MemberId::Agent(agent(*a)), now);
                    (Ok(Vec::new()), *conv, None)
                }
            };
            if let Ok(changes) = changes {
                for ch in &changes {
                    prop_assert_eq!(ch.mode, Mode::HOLD);
                    prop_assert_ne!(&ch.conversation, &convs[target]);
                }
                if mode == Some(Mode::HOLD) {
                    prop_assert!(changes.is_empty(), "holding never changes other conversations");
                }
            }
            for a in 0..3 {
                prop_assert!(b.active_of(&agent(a)).len() <= 1, "agent {} active in {:?}", a, b.active_of(&agent(a)));
            }
        }
    }
}
