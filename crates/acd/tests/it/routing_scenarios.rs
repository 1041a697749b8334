//! Router behaviours of SPEC §8, one scenario each, on fake time.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_acd::routing::{FailCause, Input, Output, RouterError, TaskId};

use crate::support::{name, offer, Bench};

const SKILL_A: &str = "<enqueue><route><skill name='a'/></route></enqueue>";

#[test]
fn enqueued_task_takes_an_idle_agent_at_once() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1)], true);
    b.task(clock.now(), 1, SKILL_A);
    assert_eq!(b.outputs(), vec![offer(1, "x", 0, 50)]);
    assert_eq!(
        b.router.idle_agents(),
        0,
        "a ringing agent is not offered again"
    );
}

#[test]
fn skill_route_prefers_score_then_longest_idle() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "low", &[("a", 1)], true);
    clock.advance(Duration::from_secs(1));
    b.agent(clock.now(), "hi_new", &[("a", 9)], true);
    b.agent(clock.now(), "hi_newer", &[("a", 9)], false);
    clock.advance(Duration::from_secs(1));
    b.input(
        clock.now(),
        Input::AgentIdle {
            name: name("hi_newer"),
        },
    );
    b.task(
        clock.now(),
        1,
        "<enqueue choice='lru'><route><skill name='a'/></route></enqueue>",
    );
    assert_eq!(b.outputs(), vec![offer(1, "hi_new", 0, 50)]);
}

#[test]
fn condition_route_sorts_and_skips_errors() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "zero", &[("en", 0)], true);
    b.agent(clock.now(), "two", &[("en", 2)], true);
    b.agent(clock.now(), "five", &[("en", 5)], true);
    let asc = "<enqueue><route><condition><where>has('en')</where><sort mode='asc'>10 / get('en')</sort></condition></route></enqueue>";
    // `zero` divides by zero and is skipped; ascending 10/en picks `five` (2) before `two` (5).
    b.task(clock.now(), 1, asc);
    assert_eq!(b.outputs(), vec![offer(1, "five", 0, 45)]);
    let desc = "<enqueue><route><condition><where>has('en')</where><sort>get('en')</sort></condition></route></enqueue>";
    b.task(clock.now(), 2, desc);
    assert_eq!(b.outputs(), vec![offer(2, "two", 0, 45)]);
}

#[test]
fn freed_agent_takes_highest_priority_then_oldest() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1), ("vip", 1)], false);
    b.task(clock.now(), 1, SKILL_A);
    clock.advance(Duration::from_secs(1));
    b.task(
        clock.now(),
        2,
        "<enqueue><route><skill name='a' priority='5'/></route></enqueue>",
    );
    clock.advance(Duration::from_secs(1));
    b.task(
        clock.now(),
        3,
        "<enqueue><route><skill name='a' priority='5'/></route></enqueue>",
    );
    b.task(
        clock.now(),
        4,
        "<enqueue><route><skill name='b' priority='9'/></route></enqueue>",
    );
    assert!(b.outputs().is_empty());
    let q = b.router.queue(clock.now());
    let order: Vec<_> = q.iter().map(|e| (e.task.0, e.position)).collect();
    assert_eq!(
        order,
        vec![(4, Some(1)), (2, Some(2)), (3, Some(3)), (1, Some(4))]
    );
    assert_eq!(
        b.router.task(clock.now(), TaskId(1)).unwrap().waiting,
        Duration::from_secs(2)
    );
    b.input(clock.now(), Input::AgentIdle { name: name("x") });
    assert_eq!(
        b.outputs(),
        vec![offer(2, "x", 0, 50)],
        "task 4 needs skill b; 2 is older than 3"
    );
    assert_eq!(
        b.router.task(clock.now(), TaskId(2)).unwrap().ringing,
        Some(name("x"))
    );
}

#[test]
fn queue_timeout_overflows_then_fails_with_timeout() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    let t0 = clock.now();
    b.task(t0, 1, "<enqueue><route><skill name='a' queue_timeout='30'/></route><route><agent name='boss' queue_timeout='10'/></route></enqueue>");
    assert_eq!(b.router.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    clock.advance(Duration::from_millis(29_999));
    b.router.handle_timeout(clock.now());
    assert!(b.outputs().is_empty());
    clock.advance(Duration::from_millis(1));
    b.router.handle_timeout(clock.now());
    assert_eq!(
        b.outputs(),
        vec![Output::Overflowed {
            task: TaskId(1),
            from: 0,
            to: 1
        }]
    );
    clock.advance_to(b.router.poll_timeout().unwrap());
    assert_eq!(clock.now(), t0 + Duration::from_secs(40));
    b.router.handle_timeout(clock.now());
    assert_eq!(
        b.outputs(),
        vec![Output::TaskFailed {
            task: TaskId(1),
            cause: FailCause::Timeout,
            withdrawn: None
        }]
    );
    assert_eq!(b.router.task_count(), 0);
    assert_eq!(b.router.poll_timeout(), None);
}

#[test]
fn queue_timeout_zero_fails_at_once() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "busy_one", &[("a", 1)], false);
    b.task(clock.now(), 1, "<enqueue><route><agent name='busy_one' queue_timeout='0'/></route><route><skill name='a' queue_timeout='0'/></route></enqueue>");
    assert_eq!(
        b.outputs(),
        vec![
            Output::Overflowed {
                task: TaskId(1),
                from: 0,
                to: 1
            },
            Output::TaskFailed {
                task: TaskId(1),
                cause: FailCause::Timeout,
                withdrawn: None
            }
        ]
    );
}

#[test]
fn overflowed_task_finds_agent_on_next_route() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "y", &[("b", 1)], true);
    b.task(clock.now(), 1, "<enqueue><route><skill name='a' queue_timeout='0'/></route><route><skill name='b'/></route></enqueue>");
    assert_eq!(
        b.outputs(),
        vec![
            Output::Overflowed {
                task: TaskId(1),
                from: 0,
                to: 1
            },
            offer(1, "y", 1, 50)
        ]
    );
}

#[test]
fn fetch_timeout_fails_the_task_without_fail_overflow() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1)], true);
    b.task(
        clock.now(),
        1,
        "<enqueue><route><skill name='a' fetch_timeout='20'/></route></enqueue>",
    );
    b.outputs();
    clock.advance(Duration::from_secs(20));
    b.router.handle_timeout(clock.now());
    assert_eq!(
        b.outputs(),
        vec![
            Output::OfferTimedOut {
                task: TaskId(1),
                agent: name("x")
            },
            Output::TaskFailed {
                task: TaskId(1),
                cause: FailCause::Timeout,
                withdrawn: None
            }
        ]
    );
}

#[test]
fn fail_overflow_moves_a_rejected_task_on() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1)], true);
    b.agent(clock.now(), "y", &[("b", 1)], true);
    b.task(clock.now(), 1, "<enqueue fail_overflow='true'><route><skill name='a'/></route><route><skill name='b'/></route></enqueue>");
    b.outputs();
    b.input(
        clock.now(),
        Input::OfferFailed {
            task: TaskId(1),
            cause: FailCause::Reject,
        },
    );
    assert_eq!(
        b.outputs(),
        vec![
            Output::Overflowed {
                task: TaskId(1),
                from: 0,
                to: 1
            },
            offer(1, "y", 1, 50)
        ]
    );
    b.input(
        clock.now(),
        Input::OfferFailed {
            task: TaskId(1),
            cause: FailCause::CallFail,
        },
    );
    assert_eq!(
        b.outputs(),
        vec![Output::TaskFailed {
            task: TaskId(1),
            cause: FailCause::CallFail,
            withdrawn: None
        }]
    );
}

#[test]
fn answered_offer_succeeds_and_agent_stays_unroutable() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1)], true);
    b.task(clock.now(), 1, SKILL_A);
    b.outputs();
    b.input(clock.now(), Input::OfferAnswered { task: TaskId(1) });
    assert_eq!(
        b.outputs(),
        vec![Output::TaskSucceeded {
            task: TaskId(1),
            agent: name("x")
        }]
    );
    b.task(clock.now(), 2, SKILL_A);
    assert!(
        b.outputs().is_empty(),
        "x is talking until the engine says idle"
    );
    b.input(clock.now(), Input::AgentIdle { name: name("x") });
    assert_eq!(b.outputs(), vec![offer(2, "x", 0, 50)]);
}

#[test]
fn cancel_and_hangup_withdraw_the_offer() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1)], true);
    b.task(clock.now(), 1, SKILL_A);
    b.task(clock.now(), 2, SKILL_A);
    b.outputs();
    b.input(
        clock.now(),
        Input::Cancel {
            task: TaskId(1),
            cause: FailCause::Hangup,
        },
    );
    assert_eq!(
        b.outputs(),
        vec![Output::TaskFailed {
            task: TaskId(1),
            cause: FailCause::Hangup,
            withdrawn: Some(name("x"))
        }]
    );
    b.input(
        clock.now(),
        Input::Cancel {
            task: TaskId(2),
            cause: FailCause::Cancel,
        },
    );
    assert_eq!(
        b.outputs(),
        vec![Output::TaskFailed {
            task: TaskId(2),
            cause: FailCause::Cancel,
            withdrawn: None
        }]
    );
    assert_eq!(
        b.router.handle_input(
            clock.now(),
            Input::Cancel {
                task: TaskId(2),
                cause: FailCause::Cancel
            }
        ),
        Err(RouterError::UnknownTask(TaskId(2)))
    );
}

#[test]
fn agent_leaving_while_rung_fails_the_offer() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("a", 1)], true);
    b.task(clock.now(), 1, SKILL_A);
    b.outputs();
    b.input(clock.now(), Input::AgentLeft { name: name("x") });
    assert_eq!(
        b.outputs(),
        vec![Output::TaskFailed {
            task: TaskId(1),
            cause: FailCause::CallFail,
            withdrawn: None
        }]
    );
    assert!(matches!(
        b.router
            .handle_input(clock.now(), Input::AgentIdle { name: name("x") }),
        Err(RouterError::UnknownAgent(_))
    ));
}

#[test]
fn skill_change_makes_an_idle_agent_match() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "x", &[("b", 1)], true);
    b.task(clock.now(), 1, SKILL_A);
    assert!(b.outputs().is_empty());
    let skills = crate::support::skills(&mut b.skills, &[("a", 3)]);
    b.input(
        clock.now(),
        Input::AgentSkills {
            name: name("x"),
            skills,
        },
    );
    assert_eq!(b.outputs(), vec![offer(1, "x", 0, 50)]);
}

#[test]
fn random_choice_is_reproducible_from_the_seed() {
    let pick = |seed: u64| {
        let clock = FakeClock::new();
        let mut b = Bench {
            router: switchboard_acd::routing::Router::new(seed),
            ..Bench::new()
        };
        for i in 0..20 {
            b.agent(clock.now(), &format!("a{i}"), &[("a", 1)], true);
        }
        b.task(clock.now(), 1, SKILL_A);
        b.outputs()
    };
    assert_eq!(pick(1), pick(1));
    let distinct: std::collections::HashSet<_> =
        (0..10).map(|s| format!("{:?}", pick(s))).collect();
    assert!(distinct.len() > 1, "different seeds spread the choice");
}

#[test]
fn a_task_is_never_offered_to_the_agent_it_excludes() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    // `asker` is the best and longest-idle match on every kind of route.
    b.agent(clock.now(), "asker", &[("a", 9)], true);
    clock.advance(Duration::from_secs(1));
    b.agent(clock.now(), "other", &[("a", 1)], true);
    b.task_excluding(clock.now(), 1, SKILL_A, Some("asker"));
    assert_eq!(b.outputs(), vec![offer(1, "other", 0, 50)]);
    let cond = "<enqueue><route><condition><where>has('a')</where><sort>get('a')</sort></condition></route></enqueue>";
    b.task_excluding(clock.now(), 2, cond, Some("asker"));
    assert_eq!(b.outputs(), vec![], "only the excluded agent is idle");
    let named = "<enqueue><route><agent name='asker' queue_timeout='5'/></route></enqueue>";
    b.task_excluding(clock.now(), 3, named, Some("asker"));
    assert_eq!(
        b.outputs(),
        vec![],
        "naming the excluded agent cannot reach it"
    );
    clock.advance(Duration::from_secs(5));
    b.router.handle_timeout(clock.now());
    assert!(
        matches!(
            b.outputs().as_slice(),
            [Output::TaskFailed {
                task: TaskId(3),
                cause: FailCause::Timeout,
                ..
            }]
        ),
        "it waits out its route instead"
    );
}

#[test]
fn a_freed_agent_passes_over_a_task_that_excludes_it() {
    let clock = FakeClock::new();
    let mut b = Bench::new();
    b.agent(clock.now(), "asker", &[("a", 1)], false);
    b.agent(clock.now(), "other", &[("a", 1)], false);
    b.task_excluding(clock.now(), 1, SKILL_A, Some("asker"));
    clock.advance(Duration::from_secs(1));
    b.task(clock.now(), 2, SKILL_A);
    assert_eq!(b.outputs(), vec![]);
    // The older task heads the lane, but excludes `asker`, which takes the next one.
    b.input(
        clock.now(),
        Input::AgentIdle {
            name: name("asker"),
        },
    );
    assert_eq!(b.outputs(), vec![offer(2, "asker", 0, 50)]);
    b.input(
        clock.now(),
        Input::AgentIdle {
            name: name("other"),
        },
    );
    assert_eq!(b.outputs(), vec![offer(1, "other", 0, 50)]);
    // Once every task excluding it is gone, nothing about `asker` is remembered.
    b.input(clock.now(), Input::OfferAnswered { task: TaskId(1) });
    b.input(clock.now(), Input::OfferAnswered { task: TaskId(2) });
    b.task(clock.now(), 3, SKILL_A);
    b.input(
        clock.now(),
        Input::AgentIdle {
            name: name("asker"),
        },
    );
    assert!(b.outputs().contains(&offer(3, "asker", 0, 50)));
}
