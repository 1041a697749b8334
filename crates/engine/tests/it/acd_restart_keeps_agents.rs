//! Agents come back from a restart with their configuration; engine-owned states come back
//! idle.

use sb_acd::agent::AgentState;

use crate::acd_support::*;

#[actix_rt::test]
async fn agents_survive_a_restart() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 5)]).await;
    t.hub
        .login(&t.cc, t.login_request("b2", &[("en", 2)]))
        .await
        .unwrap();
    t.hub
        .set_state(&t.cc, &name("b2"), state("away/lunch"))
        .await
        .unwrap();
    t.hub
        .login(&t.cc, t.login_request("c3", &[]))
        .await
        .unwrap();
    t.hub.logout(&t.cc, &name("c3"), false).await.unwrap();
    let (task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    assert_eq!(t.agent_state("a1").await, format!("fetching/{task}"));
    t.settle().await;

    let hub2 = hub_on(t.store.clone(), &t.clock, &t.phones).await;
    let (agents, total) = hub2.agents(&t.cc, sb_store::Page { no: 1, size: 10 });
    assert_eq!(total, 2);
    let a1 = &agents[0];
    assert_eq!((a1.name.as_str(), &a1.state), ("a1", &AgentState::IDLE));
    assert_eq!(a1.skills[0].name, "billing");
    assert_eq!(a1.skills[0].score, 5);
    assert_eq!(a1.extension, t.ext);
    assert_eq!(a1.num.as_deref(), Some("1001"));
    assert_eq!(agents[1].state.to_string(), "away/lunch");
    // The restored agent routes: a new task reaches it.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    hub2.enqueue(
        &t.cc,
        switchboard_engine::acd::TaskRequest {
            kind: switchboard_engine::acd::TaskKind::Ivr,
            xml: skill_route("billing", ""),
            origin_call_id: None,
            user_data: Some("u".into()),
            reports: Some(tx),
            exclude: None,
        },
    )
    .await
    .unwrap();
    let _ = hub2.agent(&t.cc, &name("a1")).await;
    let _ = hub2.queue(&t.cc).await;
    let _ = hub2.agent(&t.cc, &name("a1")).await;
    assert_eq!(t.phones.rings().len(), 2);
}
