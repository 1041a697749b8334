//! SPEC §6: `reject` ends the offer with `reject` and carries `data` back; `forwardAgent`
//! queues the task again with a new selection.

use sb_acd::agent::AgentState;
use switchboard_engine::acd::{AcdError, FailCause, TaskUpdate};

use crate::acd_support::*;

#[actix_rt::test]
async fn reject_fails_the_task_with_data() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    let (task, mut rx) = t.enqueue(&skill_route("billing", "")).await;
    let wrong = t
        .hub
        .reject(&t.cc, &name("a1"), sb_acd::routing::TaskId(1), None)
        .await;
    assert!(
        matches!(wrong, Err(AcdError::NotOffered { .. })),
        "{wrong:?}"
    );
    t.hub
        .reject(&t.cc, &name("a1"), task, Some("busy now".into()))
        .await
        .unwrap();
    t.settle().await;
    assert_eq!(t.phones.cancelled().len(), 1);
    assert_eq!(t.agent_state("a1").await, "idle");
    assert_eq!(
        updates(&mut rx).last(),
        Some(&TaskUpdate::Failed {
            task,
            cause: FailCause::Reject,
            data: Some("busy now".into())
        })
    );
    assert_eq!(t.queue_events("fail")[0]["cause"], "reject");
}

#[actix_rt::test]
async fn forward_requeues_the_task_for_other_agents() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    t.idle_agent("b2", &[]).await;
    t.hub
        .set_state(&t.cc, &name("b2"), state("busy"))
        .await
        .unwrap();
    let (task, mut rx) = t.enqueue(&skill_route("billing", "")).await;
    assert_eq!(t.phones.rings()[0].0, "a1");
    let bad = t
        .hub
        .forward(&t.cc, &name("a1"), task, "<enqueue/>".into())
        .await;
    assert!(matches!(bad, Err(AcdError::BadEnqueue { .. })), "{bad:?}");
    t.hub
        .forward(
            &t.cc,
            &name("a1"),
            task,
            r#"<enqueue><route><agent name="b2"/></route></enqueue>"#.into(),
        )
        .await
        .unwrap();
    t.settle().await;
    assert_eq!(t.agent_state("a1").await, "idle");
    let q = t.hub.queue_task(&t.cc, task).await.unwrap();
    assert_eq!(q.kind.as_str(), "fwd_agent");
    assert_eq!(q.position, Some(1));
    assert_eq!(t.queue_events("fail")[0]["cause"], "forward");
    assert!(
        !updates(&mut rx)
            .iter()
            .any(|u| matches!(u, TaskUpdate::Failed { .. })),
        "a forwarded task is still alive"
    );
    t.hub
        .set_state(&t.cc, &name("b2"), AgentState::IDLE)
        .await
        .unwrap();
    t.settle().await;
    assert_eq!(t.phones.rings()[1].0, "b2");
    assert_eq!(t.queue_events("select")[1]["type"], "fwd_agent");
}

#[actix_rt::test]
async fn a_forwarded_task_goes_to_other_agents_only() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 9)]).await;
    let (task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    assert_eq!(t.phones.rings()[0].0, "a1");
    // The same selection: `a1` is back to idle and still the best match, but it passed the
    // task on, so the task waits for someone else.
    t.hub
        .forward(&t.cc, &name("a1"), task, skill_route("billing", ""))
        .await
        .unwrap();
    t.settle().await;
    assert_eq!(t.agent_state("a1").await, "idle");
    assert_eq!(t.phones.rings().len(), 1, "a1 is not rung again");
    assert_eq!(
        t.hub.queue_task(&t.cc, task).await.unwrap().position,
        Some(1)
    );
    t.idle_agent("b2", &[("billing", 1)]).await;
    t.settle().await;
    assert_eq!(t.phones.rings()[1].0, "b2");
}
