//! SPEC §4: the state API sets only idle, busy[/x], away[/x], never while fetching or
//! talking, and sends no event.

use sb_acd::agent::{AgentError, AgentState};
use sb_acd::conversation::ConversationId;
use switchboard_engine::acd::{AcdError, ReturnTo, RingOutcome};

use crate::acd_support::*;

#[actix_rt::test]
async fn settable_states_are_set_silently() {
    let t = start().await;
    t.hub
        .login(&t.cc, t.login_request("a1", &[]))
        .await
        .unwrap();
    for s in ["busy/after_call_work", "away/lunch", "idle", "busy"] {
        let v = t.hub.set_state(&t.cc, &name("a1"), state(s)).await.unwrap();
        assert_eq!(v.state.to_string(), s);
    }
    for s in ["talking", "fetching/x", "online"] {
        let got = t.hub.set_state(&t.cc, &name("a1"), state(s)).await;
        assert!(
            matches!(got, Err(AcdError::Agent(AgentError::NotSettable { .. }))),
            "{s}: {got:?}"
        );
    }
    t.settle().await;
    assert!(t.state_changes("a1").is_empty());
}

#[actix_rt::test]
async fn refused_while_fetching_and_talking() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    let (task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    let got = t.hub.set_state(&t.cc, &name("a1"), state("busy")).await;
    assert!(
        matches!(got, Err(AcdError::Agent(AgentError::EngineOwned { .. }))),
        "{got:?}"
    );
    t.phones.finish(0, RingOutcome::Answered);
    t.settle().await;
    let conv = ConversationId("c1".into());
    t.hub
        .conversation_entered(
            &t.cc,
            &name("a1"),
            conv.clone(),
            ReturnTo::Reserve(state("busy/acw")),
        )
        .await
        .unwrap();
    let got = t.hub.set_state(&t.cc, &name("a1"), AgentState::IDLE).await;
    assert!(
        matches!(got, Err(AcdError::Agent(AgentError::EngineOwned { .. }))),
        "{got:?}"
    );
    t.hub
        .conversation_left(&t.cc, &name("a1"), conv)
        .await
        .unwrap();
    t.settle().await;
    assert_eq!(
        t.agent_state("a1").await,
        "busy/acw",
        "the task's reserve_state"
    );
    assert_eq!(
        t.state_changes("a1"),
        vec![
            ("idle".to_owned(), format!("fetching/{task}")),
            (format!("fetching/{task}"), "talking".to_owned()),
            ("talking".to_owned(), "busy/acw".to_owned()),
        ]
    );
    t.hub
        .set_state(&t.cc, &name("a1"), AgentState::IDLE)
        .await
        .unwrap();
}

#[actix_rt::test]
async fn leaving_idle_is_not_offered_a_task_afterwards() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    t.hub
        .set_state(&t.cc, &name("a1"), state("away/lunch"))
        .await
        .unwrap();
    let (task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    assert!(t.phones.rings().is_empty());
    let q = t.hub.queue(&t.cc).await.unwrap();
    assert_eq!((q.len(), q[0].id, q[0].position), (1, task, Some(1)));
    t.hub
        .set_state(&t.cc, &name("a1"), AgentState::IDLE)
        .await
        .unwrap();
    t.settle().await;
    assert_eq!(
        t.phones.rings().len(),
        1,
        "idle again: it takes the waiting task"
    );
}
