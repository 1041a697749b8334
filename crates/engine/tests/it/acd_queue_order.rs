//! SPEC §8: a freed agent takes the highest-priority waiting task, then the oldest.

use std::time::Duration;

use switchboard_engine::acd::RingOutcome;

use crate::acd_support::*;

#[actix_rt::test]
async fn priority_then_age() {
    let t = start().await;
    t.hub
        .login(&t.cc, t.login_request("a1", &[("billing", 1)]))
        .await
        .unwrap();
    let low = r#"<enqueue><route><skill name="billing" priority="1"/></route></enqueue>"#;
    let high = r#"<enqueue><route><skill name="billing" priority="9"/></route></enqueue>"#;
    let (t_low, _r1) = t.enqueue(low).await;
    t.advance(Duration::from_secs(1)).await;
    let (t_high1, _r2) = t.enqueue(high).await;
    t.advance(Duration::from_secs(1)).await;
    let (t_high2, _r3) = t.enqueue(high).await;
    t.advance(Duration::from_secs(1)).await;

    let q = t.hub.queue(&t.cc).await.unwrap();
    let order: Vec<_> = q.iter().map(|e| (e.id, e.position)).collect();
    assert_eq!(
        order,
        vec![(t_high1, Some(1)), (t_high2, Some(2)), (t_low, Some(3))]
    );
    assert_eq!(q[2].waiting, Duration::from_secs(3));
    assert_eq!(q[2].origin_call_id.as_deref(), Some("caller1"));

    let mut taken = Vec::new();
    for i in 0..3 {
        t.hub
            .set_state(&t.cc, &name("a1"), sb_acd::agent::AgentState::IDLE)
            .await
            .unwrap();
        t.settle().await;
        taken.push(t.phones.rings()[i].1);
        t.phones.finish(i, RingOutcome::Answered);
        t.settle().await;
        let conv = sb_acd::conversation::ConversationId(format!("c{i}"));
        t.hub
            .conversation_entered(
                &t.cc,
                &name("a1"),
                conv.clone(),
                switchboard_engine::acd::ReturnTo::Reserve(state("busy")),
            )
            .await
            .unwrap();
        t.hub
            .conversation_left(&t.cc, &name("a1"), conv)
            .await
            .unwrap();
    }
    assert_eq!(taken, vec![t_high1, t_high2, t_low]);
    assert_eq!(t.queue_events("success").len(), 3);
}
