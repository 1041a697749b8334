//! SPEC §8: a route's `queue_timeout` overflows to the next route; after the last one the
//! task fails with `timeout`.

use std::time::Duration;

use switchboard_engine::acd::{FailCause, TaskUpdate};

use crate::acd_support::*;

#[actix_rt::test]
async fn overflow_to_the_next_route_then_fail() {
    let t = start().await;
    t.idle_agent("b2", &[]).await;
    t.hub
        .set_state(&t.cc, &name("b2"), state("busy"))
        .await
        .unwrap();
    let xml = r#"<enqueue><route><skill name="billing" queue_timeout="10"/></route><route><agent name="b2" queue_timeout="5"/></route></enqueue>"#;
    let (task, mut rx) = t.enqueue(xml).await;
    t.advance(Duration::from_secs(9)).await;
    assert_eq!(t.hub.queue(&t.cc).await.unwrap()[0].route, 0);
    t.advance(Duration::from_secs(1)).await;
    assert_eq!(t.hub.queue(&t.cc).await.unwrap()[0].route, 1);
    assert!(t.phones.rings().is_empty());
    t.advance(Duration::from_secs(5)).await;
    assert!(t.hub.queue(&t.cc).await.unwrap().is_empty());
    assert_eq!(
        updates(&mut rx),
        vec![TaskUpdate::Failed {
            task,
            cause: FailCause::Timeout,
            data: None
        }]
    );
    let fail = t.queue_events("fail");
    assert_eq!(fail[0]["cause"], "timeout");
    assert!(fail[0]["agent_name"].is_null());
}

#[actix_rt::test]
async fn an_overflowed_task_rings_the_next_routes_agent() {
    let t = start().await;
    t.idle_agent("b2", &[]).await;
    let xml = r#"<enqueue><route><skill name="billing" queue_timeout="10"/></route><route><agent name="b2"/></route></enqueue>"#;
    let (task, _rx) = t.enqueue(xml).await;
    assert!(t.phones.rings().is_empty());
    t.advance(Duration::from_secs(10)).await;
    assert_eq!(t.phones.rings()[0].0, "b2");
    assert_eq!(t.phones.rings()[0].1, task);
    let select = t.queue_events("select");
    assert_eq!(select.len(), 1);
    assert_eq!(select[0]["agent_call_id"], "call1");
    assert_eq!(select[0]["agent_extension_id"], t.ext.0);
    assert_eq!(select[0]["type"], "ivr");
}
