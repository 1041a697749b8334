//! SPEC §4, rule by rule, on the agent state machine.

use std::time::Duration;

use sb_testkit::FakeClock;
use switchboard_acd::agent::{
    Agent, AgentError, AgentPolicy, AgentState, Reported, ReturnTo, Skills, StateChanged,
};
use switchboard_acd::conversation::ConversationId;
use switchboard_acd::routing::TaskId;

use crate::support::name;

fn st(s: &str) -> AgentState {
    s.parse().expect("valid state")
}

fn login(clock: &FakeClock) -> Agent {
    Agent::login(
        clock.now(),
        name("a1"),
        Some("1001".into()),
        None,
        Skills::default(),
        AgentPolicy::default(),
    )
    .unwrap()
}

fn events(a: &mut Agent) -> Vec<(String, String)> {
    std::iter::from_fn(|| a.poll_event())
        .map(|e: StateChanged| (e.previous.to_string(), e.latest.to_string()))
        .collect()
}

fn conv(s: &str) -> ConversationId {
    ConversationId(s.into())
}

#[test]
fn online_only_after_login_and_never_again() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    assert_eq!(a.state(), &AgentState::ONLINE);
    assert_eq!(
        a.set_state(st("online")),
        Err(AgentError::NotSettable {
            requested: st("online")
        })
    );
    a.set_state(st("busy")).unwrap();
    // An agent-initiated call from busy returns to busy; from online it would return idle.
    let mut b = login(&clock);
    b.enter_conversation(conv("c"), ReturnTo::Previous).unwrap();
    b.leave_conversation(&conv("c")).unwrap();
    assert_eq!(b.state(), &AgentState::IDLE, "online never comes back");
    // A login may ask for a settable state, never an engine one.
    let ok = Agent::login(
        clock.now(),
        name("a2"),
        None,
        Some(st("away/lunch")),
        Skills::default(),
        AgentPolicy::default(),
    );
    assert_eq!(ok.unwrap().state(), &st("away/lunch"));
    let bad = Agent::login(
        clock.now(),
        name("a3"),
        None,
        Some(st("talking")),
        Skills::default(),
        AgentPolicy::default(),
    );
    assert!(matches!(bad, Err(AgentError::NotSettable { .. })));
}

#[test]
fn api_sets_idle_busy_away_silently() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    for s in [
        "idle",
        "busy",
        "busy/after_call_work",
        "away",
        "away/lunch",
        "idle",
    ] {
        a.set_state(st(s)).unwrap();
        assert_eq!(a.state(), &st(s));
    }
    for s in ["fetching", "talking", "fetching/x"] {
        assert!(
            matches!(a.set_state(st(s)), Err(AgentError::NotSettable { .. })),
            "{s}"
        );
    }
    assert!(
        events(&mut a).is_empty(),
        "the agent's own calls send no event"
    );
}

#[test]
fn api_refused_while_fetching_or_talking() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    a.set_state(st("idle")).unwrap();
    a.offer(TaskId(1)).unwrap();
    assert_eq!(a.state().to_string(), format!("fetching/{}", TaskId(1)));
    let err = a.set_state(st("busy")).unwrap_err();
    assert!(matches!(err, AgentError::EngineOwned { .. }));
    a.fetch_answered();
    a.enter_conversation(conv("c"), ReturnTo::Reserve(AgentState::IDLE))
        .unwrap();
    assert_eq!(a.state(), &AgentState::TALKING);
    assert!(matches!(
        a.set_state(st("away")),
        Err(AgentError::EngineOwned { .. })
    ));
}

#[test]
fn only_idle_agents_are_offered() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    assert!(
        matches!(a.offer(TaskId(1)), Err(AgentError::NotIdle { .. })),
        "online is not idle"
    );
    a.set_state(st("busy")).unwrap();
    assert!(matches!(
        a.offer(TaskId(1)),
        Err(AgentError::NotIdle { .. })
    ));
}

#[test]
fn queue_conversation_ends_in_reserve_state() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    a.set_state(st("idle")).unwrap();
    a.offer(TaskId(9)).unwrap();
    a.fetch_answered();
    a.enter_conversation(conv("q"), ReturnTo::Reserve(st("busy/after_call_work")))
        .unwrap();
    // A second (agent-initiated) conversation does not decide: the last one to end does.
    a.enter_conversation(conv("out"), ReturnTo::Previous)
        .unwrap();
    a.leave_conversation(&conv("out")).unwrap();
    assert_eq!(a.state(), &AgentState::TALKING);
    a.leave_conversation(&conv("q")).unwrap();
    assert_eq!(a.state(), &st("busy/after_call_work"));
    let fetching = format!("fetching/{}", TaskId(9));
    assert_eq!(
        events(&mut a),
        vec![
            ("idle".to_owned(), fetching.clone()),
            (fetching, "talking".to_owned()),
            ("talking".to_owned(), "busy/after_call_work".to_owned()),
        ]
    );
}

#[test]
fn agent_initiated_call_returns_to_previous_state() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    a.set_state(st("away/lunch")).unwrap();
    a.enter_conversation(conv("out"), ReturnTo::Previous)
        .unwrap();
    a.leave_conversation(&conv("out")).unwrap();
    assert_eq!(a.state(), &st("away/lunch"));
    assert_eq!(events(&mut a).len(), 2, "both engine moves are reported");
    assert!(matches!(
        a.leave_conversation(&conv("out")),
        Err(AgentError::NotInConversation { .. })
    ));
}

#[test]
fn failed_fetches_go_idle_then_away_no_answer() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    a.set_state(st("idle")).unwrap();
    for t in 1..=2 {
        a.offer(TaskId(t)).unwrap();
        a.fetch_failed(TaskId(t)).unwrap();
        assert_eq!(a.state(), &AgentState::IDLE);
    }
    a.offer(TaskId(3)).unwrap();
    a.fetch_failed(TaskId(3)).unwrap();
    assert_eq!(a.state(), &st("away/no_answer"));
    assert_eq!(a.failed_fetches(), 3);
}

#[test]
fn a_successful_fetch_resets_the_count() {
    let clock = FakeClock::new();
    let policy = AgentPolicy {
        max_no_answer: 2,
        ..AgentPolicy::default()
    };
    let mut a = Agent::login(
        clock.now(),
        name("a"),
        None,
        Some(AgentState::IDLE),
        Skills::default(),
        policy,
    )
    .unwrap();
    a.offer(TaskId(1)).unwrap();
    a.fetch_failed(TaskId(1)).unwrap();
    a.offer(TaskId(2)).unwrap();
    a.fetch_answered();
    assert_eq!(a.failed_fetches(), 0);
    a.enter_conversation(conv("c"), ReturnTo::Reserve(AgentState::IDLE))
        .unwrap();
    a.leave_conversation(&conv("c")).unwrap();
    a.offer(TaskId(3)).unwrap();
    a.fetch_failed(TaskId(3)).unwrap();
    assert_eq!(
        a.state(),
        &AgentState::IDLE,
        "one failure after a success is not two in a row"
    );
}

#[test]
fn keepalive_timeout_logs_out_with_offline_event() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    assert_eq!(
        a.poll_timeout(),
        Some(clock.now() + Duration::from_secs(120))
    );
    clock.advance(Duration::from_secs(100));
    a.keepalive(clock.now()).unwrap();
    clock.advance(Duration::from_secs(119));
    a.handle_timeout(clock.now());
    assert!(!a.is_logged_out());
    clock.advance(Duration::from_secs(1));
    a.handle_timeout(clock.now());
    assert!(a.is_logged_out());
    let e = a.poll_event().unwrap();
    assert_eq!(
        (e.previous.to_string(), e.latest.clone()),
        ("online".to_owned(), Reported::Offline)
    );
    assert_eq!(e.latest.to_string(), "offline");
    assert_eq!(a.poll_timeout(), None);
    assert_eq!(a.set_state(AgentState::IDLE), Err(AgentError::LoggedOut));
}

#[test]
fn own_logout_is_silent() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    a.logout();
    clock.advance(Duration::from_secs(500));
    a.handle_timeout(clock.now());
    assert!(a.poll_event().is_none());
}

#[test]
fn a_withdrawn_offer_returns_to_idle_without_counting_a_failure() {
    let clock = FakeClock::new();
    let mut a = login(&clock);
    a.set_state(st("idle")).unwrap();
    a.offer(TaskId(1)).unwrap();
    a.fetch_failed(TaskId(1)).unwrap();
    a.offer(TaskId(2)).unwrap();
    let _ = events(&mut a);
    a.offer_withdrawn(TaskId(3)).unwrap();
    assert_eq!(a.state().base(), switchboard_acd::agent::Base::Fetching);
    a.offer_withdrawn(TaskId(2)).unwrap();
    assert_eq!(a.state(), &AgentState::IDLE);
    assert_eq!(a.failed_fetches(), 1);
    assert_eq!(
        events(&mut a),
        vec![(format!("fetching/{}", TaskId(2)), "idle".to_owned())]
    );
}
