//! SPEC §4: a failed fetch returns the agent to idle; `max_no_answer` failures in a row send
//! it to away/no_answer. A ring that outlives `fetch_timeout` is a failed fetch too.

use std::time::Duration;

use sb_store::Settings;
use switchboard_engine::acd::{FailCause, RingFailure, RingOutcome, TaskUpdate};

use crate::acd_support::*;

#[actix_rt::test]
async fn a_failed_ring_returns_the_agent_to_idle_and_fails_the_task() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    let (task, mut rx) = t.enqueue(&skill_route("billing", "")).await;
    t.phones.finish(0, RingOutcome::Failed(RingFailure::Busy));
    t.settle().await;
    assert_eq!(t.agent_state("a1").await, "idle");
    assert_eq!(
        updates(&mut rx).last(),
        Some(&TaskUpdate::Failed {
            task,
            cause: FailCause::CallFail,
            data: None
        })
    );
    let fail = t.queue_events("fail");
    assert_eq!(fail.len(), 1);
    assert_eq!(fail[0]["cause"], "call_fail");
    assert_eq!(fail[0]["agent_name"], "a1");
    assert_eq!(fail[0]["id"], task.to_string());
}

#[actix_rt::test]
async fn max_no_answer_failures_in_a_row_send_the_agent_away() {
    let t = start_with(Settings {
        max_no_answer: 2,
        ..Settings::default()
    })
    .await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    t.enqueue(&skill_route("billing", "")).await;
    t.phones
        .finish(0, RingOutcome::Failed(RingFailure::NoAnswer));
    t.settle().await;
    assert_eq!(t.agent_state("a1").await, "idle");
    t.enqueue(&skill_route("billing", "")).await;
    t.phones
        .finish(1, RingOutcome::Failed(RingFailure::Rejected));
    t.settle().await;
    assert_eq!(t.agent_state("a1").await, "away/no_answer");
    let last = t.state_changes("a1").pop().unwrap();
    assert_eq!(last.1, "away/no_answer");
    // Away agents are not offered anything.
    t.enqueue(&skill_route("billing", "")).await;
    assert_eq!(t.phones.rings().len(), 2);
}

#[actix_rt::test]
async fn fetch_timeout_stops_the_ring_and_counts_as_a_failure() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    let xml = r#"<enqueue fail_overflow="true"><route><skill name="billing" fetch_timeout="20"/></route><route><skill name="billing" queue_timeout="5"/></route></enqueue>"#;
    let (task, mut rx) = t.enqueue(xml).await;
    t.advance(Duration::from_secs(19)).await;
    assert_eq!(t.agent_state("a1").await, format!("fetching/{task}"));
    t.advance(Duration::from_secs(1)).await;
    let first = t.phones.rings()[0].2.clone();
    assert_eq!(t.phones.cancelled(), vec![first]);
    // With fail_overflow the task moved on, and the agent (idle again) was rung once more.
    assert_eq!(t.phones.rings().len(), 2);
    assert_eq!(t.agent_state("a1").await, format!("fetching/{task}"));
    t.phones.finish(1, RingOutcome::Answered);
    t.settle().await;
    assert!(matches!(
        updates(&mut rx).last(),
        Some(TaskUpdate::Succeeded { .. })
    ));
    let changes = t.state_changes("a1");
    assert_eq!(changes[1], (format!("fetching/{task}"), "idle".to_owned()));
}

#[actix_rt::test]
async fn without_telephony_an_offer_fails_at_once_and_the_agent_stays_routable() {
    use std::sync::Arc;
    use switchboard_engine::acd::{CallCenterHub, HubConfig, NoTelephony, TaskKind, TaskRequest};
    let (store, cc, ext, _) = seeded(Settings::default());
    let clock = switchboard_engine::clock::ManualClock::starting_now();
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let hub = CallCenterHub::start(HubConfig {
        store,
        events: bus,
        clock: Arc::new(clock),
        connector: Arc::new(NoTelephony::default()),
        seed: Some(3),
    })
    .await
    .unwrap();
    let mut req = switchboard_engine::acd::LoginRequest {
        name: name("a1"),
        num: None,
        state: Some(sb_acd::agent::AgentState::IDLE),
        skills: sb_acd::agent::Skills::new(
            [sb_acd::agent::Skill::new("billing", 1, true).unwrap()],
        ),
        extension: ext,
    };
    req.num = Some("7".into());
    hub.login(&cc, req).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = hub
        .enqueue(
            &cc,
            TaskRequest {
                kind: TaskKind::Ivr,
                xml: skill_route("billing", ""),
                origin_call_id: None,
                user_data: None,
                reports: Some(tx),
                exclude: None,
            },
        )
        .await
        .unwrap();
    let last = loop {
        match rx.recv().await.unwrap() {
            u @ TaskUpdate::Failed { .. } => break u,
            _ => continue,
        }
    };
    assert_eq!(
        last,
        TaskUpdate::Failed {
            task,
            cause: FailCause::CallFail,
            data: None
        }
    );
    let _ = hub.queue(&cc).await;
    let a1 = hub.agent(&cc, &name("a1")).await.unwrap();
    assert_eq!(a1.state.to_string(), "idle");
}
