//! SPEC §4: no keepalive for `keepalive_timeout` → logged out, with an `offline` event.

use std::time::Duration;

use sb_store::Settings;
use switchboard_engine::acd::AcdError;

use crate::acd_support::*;

#[actix_rt::test]
async fn silence_logs_the_agent_out_with_an_offline_event() {
    let t = start().await;
    t.idle_agent("a1", &[]).await;
    t.advance(Duration::from_secs(100)).await;
    t.hub.keepalive(&t.cc, &name("a1")).await.unwrap();
    t.advance(Duration::from_secs(119)).await;
    assert_eq!(
        t.agent_state("a1").await,
        "idle",
        "the keepalive moved the deadline"
    );
    assert!(
        t.state_changes("a1").is_empty(),
        "API changes send no event"
    );
    t.advance(Duration::from_secs(1)).await;
    let gone = t.hub.agent(&t.cc, &name("a1")).await;
    assert!(
        matches!(gone, Err(AcdError::UnknownAgent { .. })),
        "{gone:?}"
    );
    assert_eq!(
        t.state_changes("a1"),
        vec![("idle".to_owned(), "offline".to_owned())]
    );
    assert!(t.store.blocking().logged_in_agents().unwrap().is_empty());
    let again = t.hub.keepalive(&t.cc, &name("a1")).await;
    assert!(matches!(again, Err(AcdError::UnknownAgent { .. })));
}

#[actix_rt::test]
async fn the_timeout_is_the_call_centers_setting() {
    let t = start_with(Settings {
        keepalive_timeout: 30,
        ..Settings::default()
    })
    .await;
    t.idle_agent("a1", &[]).await;
    t.advance(Duration::from_secs(29)).await;
    assert_eq!(t.agent_state("a1").await, "idle");
    t.advance(Duration::from_secs(1)).await;
    assert!(t.hub.agent(&t.cc, &name("a1")).await.is_err());
}
