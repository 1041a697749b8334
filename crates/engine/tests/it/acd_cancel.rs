//! SPEC §3: cancelling a task fails it with `cancel`; a ringing agent is released without
//! counting a failed fetch.

use sb_store::Settings;
use switchboard_engine::acd::{AcdError, FailCause, TaskId, TaskUpdate};

use crate::acd_support::*;

#[actix_rt::test]
async fn cancel_a_waiting_task() {
    let t = start().await;
    let (task, mut rx) = t.enqueue(&skill_route("billing", "")).await;
    t.hub.cancel(&t.cc, task, FailCause::Cancel).await.unwrap();
    t.settle().await;
    assert!(t.hub.queue(&t.cc).await.unwrap().is_empty());
    assert_eq!(
        updates(&mut rx),
        vec![TaskUpdate::Failed {
            task,
            cause: FailCause::Cancel,
            data: None
        }]
    );
    assert_eq!(t.queue_events("fail")[0]["cause"], "cancel");
    let again = t.hub.cancel(&t.cc, task, FailCause::Cancel).await;
    assert!(
        matches!(again, Err(AcdError::UnknownTask { .. })),
        "{again:?}"
    );
    let unknown = t.hub.queue_task(&t.cc, TaskId(5)).await;
    assert!(matches!(unknown, Err(AcdError::UnknownTask { .. })));
}

#[actix_rt::test]
async fn cancel_a_ringing_task_releases_the_agent() {
    let t = start_with(Settings {
        max_no_answer: 1,
        ..Settings::default()
    })
    .await;
    t.idle_agent("a1", &[("billing", 1)]).await;
    let (task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    let one = t.hub.queue_task(&t.cc, task).await.unwrap();
    assert_eq!((one.position, one.agent.clone()), (None, Some(name("a1"))));
    t.hub.cancel(&t.cc, task, FailCause::Cancel).await.unwrap();
    t.settle().await;
    assert_eq!(t.phones.cancelled(), vec![t.phones.rings()[0].2.clone()]);
    assert_eq!(
        t.agent_state("a1").await,
        "idle",
        "not the agent's failure, even with max_no_answer=1"
    );
    let fail = t.queue_events("fail");
    assert_eq!(
        (fail[0]["cause"].as_str(), fail[0]["agent_name"].as_str()),
        (Some("cancel"), Some("a1"))
    );
}
