//! SPEC §11 delivery: in order, at least once, retried, parked, resumed.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sb_store::{CallCenterId, NewCallCenter, Page, Settings, SqliteStore, StoreHandle};
use serde_json::Map;
use switchboard_events::dispatcher::{self, DeliveryConfig, Report};
use switchboard_events::EventBus;
use tokio::sync::broadcast;

use crate::receiver::Receiver;

fn fast() -> DeliveryConfig {
    DeliveryConfig {
        timeout: Duration::from_secs(5),
        retry_delays: vec![Duration::from_millis(5); 3],
        probe_interval: Duration::from_millis(10),
        probe_max: Duration::from_millis(40),
    }
}

fn setup(callback: Option<String>) -> (StoreHandle, CallCenterId) {
    let store = StoreHandle::new(SqliteStore::open_in_memory().unwrap());
    let cc = store
        .blocking()
        .create_callcenter(
            &NewCallCenter {
                name: "a".into(),
                ivr_url: None,
                callback_url: callback,
                settings: Settings::default(),
            },
            1,
        )
        .unwrap()
        .id;
    (store, cc)
}

fn fields(n: u64) -> Map<String, serde_json::Value> {
    let mut m = Map::new();
    m.insert("n".into(), n.into());
    m
}

/// Waits (bounded) for a report matching `want`.
async fn wait_for(
    reports: &mut broadcast::Receiver<Report>,
    want: impl Fn(&Report) -> bool,
) -> Report {
    let deadline = Duration::from_secs(20);
    tokio::time::timeout(deadline, async {
        loop {
            match reports.recv().await {
                Ok(r) if want(&r) => return r,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("reports closed: {e}"),
            }
        }
    })
    .await
    .expect("the report arrives in time")
}

fn delivered(seq: u64) -> impl Fn(&Report) -> bool {
    move |r| matches!(r, Report::Delivered { seq: s, .. } if *s == seq)
}

#[actix_rt::test]
async fn events_arrive_in_order_with_their_sequence_numbers() {
    let rx = Receiver::default();
    let (store, cc) = setup(Some(rx.start()));
    let (bus, wake) = EventBus::new(store);
    let d = dispatcher::spawn(&bus, wake, fast());
    let mut reports = d.reports();
    for n in 1..=5 {
        bus.publish(&cc, "callcenter.test", fields(n))
            .await
            .unwrap();
    }
    wait_for(&mut reports, delivered(5)).await;
    assert_eq!(rx.accepted(), [1, 2, 3, 4, 5]);
    let seen = rx.seen.lock().unwrap();
    let body = &seen[2].1;
    assert_eq!(body["action"], "event_notify");
    assert_eq!(body["event"], "callcenter.test");
    assert_eq!(body["callcenter_id"], cc.as_str());
    assert_eq!(body["n"], 3);
    assert!(body["current_time"].as_u64().unwrap() > 1_600_000_000_000);
}

#[actix_rt::test]
async fn receiver_down_then_up_gets_every_event_once_in_order() {
    let rx = Receiver::default();
    let (store, cc) = setup(Some(rx.start()));
    rx.status.store(503, Ordering::SeqCst);
    let (bus, wake) = EventBus::new(store.clone());
    let d = dispatcher::spawn(&bus, wake, fast());
    let mut reports = d.reports();
    for n in 1..=3 {
        bus.publish(&cc, "callcenter.test", fields(n))
            .await
            .unwrap();
    }
    wait_for(&mut reports, |r| matches!(r, Report::Parked { seq: 1, .. })).await;
    // 1 attempt + 3 retries, and nothing later is sent past the parked event.
    assert!(
        rx.attempted().iter().all(|&s| s == 1),
        "{:?}",
        rx.attempted()
    );
    assert!(rx.attempted().len() >= 4);
    let key = cc.clone();
    let parked = store
        .run(move |s| s.parked_events(&key, Page { no: 1, size: 10 }))
        .await
        .unwrap();
    assert_eq!(parked.rows[0].seq, 1, "the parked event is visible");
    assert!(parked.rows[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("503"));

    rx.status.store(200, Ordering::SeqCst);
    wait_for(&mut reports, delivered(3)).await;
    assert_eq!(rx.accepted(), [1, 2, 3], "each once, in order");
    let key = cc.clone();
    let left = store
        .run(move |s| s.undelivered_events(&key, 10))
        .await
        .unwrap();
    assert!(left.is_empty());
}

#[actix_rt::test]
async fn a_restarted_dispatcher_delivers_what_was_left() {
    let rx = Receiver::default();
    let (store, cc) = setup(Some(rx.start()));
    {
        // Published while no dispatcher runs (as if the process died before delivering).
        let (bus, _wake) = EventBus::new(store.clone());
        for n in 1..=3 {
            bus.publish(&cc, "callcenter.test", fields(n))
                .await
                .unwrap();
        }
    }
    assert!(rx.attempted().is_empty());
    let (bus, wake) = EventBus::new(store);
    let d = dispatcher::spawn(&bus, wake, fast());
    let mut reports = d.reports();
    bus.publish(&cc, "callcenter.test", fields(4))
        .await
        .unwrap();
    wait_for(&mut reports, delivered(4)).await;
    assert_eq!(rx.accepted(), [1, 2, 3, 4]);
}

#[actix_rt::test]
async fn without_a_callback_url_events_are_only_logged() {
    let (store, cc) = setup(None);
    let (bus, wake) = EventBus::new(store.clone());
    let d = dispatcher::spawn(&bus, wake, fast());
    let mut reports = d.reports();
    bus.publish(&cc, "callcenter.test", fields(1))
        .await
        .unwrap();
    wait_for(&mut reports, |r| {
        matches!(r, Report::NoReceiver { seq: 1, .. })
    })
    .await;
    let key = cc.clone();
    let all = store
        .run(move |s| s.events_after(&key, 0, 10))
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "kept for the live stream's replay");
}

#[actix_rt::test]
async fn live_subscribers_see_events_in_sequence() {
    let (store, cc) = setup(None);
    let (bus, _wake) = EventBus::new(store);
    let mut live = bus.subscribe();
    let publisher = bus.clone();
    let key = cc.clone();
    let tasks: Vec<_> = (1..=20)
        .map(|n| {
            let b = publisher.clone();
            let k = key.clone();
            actix_rt::spawn(
                async move { b.publish(&k, "callcenter.test", fields(n)).await.unwrap() },
            )
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let seqs: Vec<u64> = (0..20).map(|_| live.try_recv().unwrap().seq).collect();
    assert_eq!(
        seqs,
        (1..=20).collect::<Vec<_>>(),
        "concurrent publishes broadcast in order"
    );
}
