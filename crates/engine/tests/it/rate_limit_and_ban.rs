//! Per-source rate limiting and temporary bans: dropped silently, other sources served.

use std::time::Duration;

use sb_sip::message::Method;
use switchboard_engine::{BanPolicy, RateLimit};

use crate::support::*;

#[actix_rt::test]
async fn a_source_over_its_rate_is_dropped_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |c| {
        c.rate_limit = RateLimit {
            enabled: true,
            per_second: 1.0,
            burst: 5,
        }
    })
    .await;
    let server = h.sip.local_addrs().udp;
    let mut flood = Phone::udp("127.0.0.2", server, USER, PASSWORD).await;
    for _ in 0..5 {
        let options = flood.request(Method::Options);
        assert_eq!(flood.exchange(&options).await.status, 200);
    }
    let over = flood.request(Method::Options);
    flood.send(&over).await;
    barrier(server, "127.0.0.3").await;
    assert!(
        !flood.has_pending_datagram(),
        "the sixth request is dropped"
    );
    // The bucket refills at its rate.
    h.clock.advance(Duration::from_secs(1));
    let options = flood.request(Method::Options);
    assert_eq!(flood.exchange(&options).await.status, 200);
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn repeated_failures_ban_the_source_until_the_ban_lapses() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |c| {
        c.ban = BanPolicy {
            enabled: true,
            max_failures: 3,
            window: Duration::from_secs(60),
            ban_for: Duration::from_secs(300),
        }
    })
    .await;
    let server = h.sip.local_addrs().udp;
    let mut attacker = Phone::udp("127.0.0.4", server, USER, "guess-123").await;
    for _ in 0..3 {
        assert_eq!(attacker.register_with_auth(600).await.status, 401);
    }
    let options = attacker.request(Method::Options);
    attacker.send(&options).await;
    barrier(server, "127.0.0.5").await;
    assert!(
        !attacker.has_pending_datagram(),
        "a banned source is ignored"
    );

    // The rightful phone on another address is unaffected.
    let mut phone = Phone::udp("127.0.0.6", server, USER, PASSWORD).await;
    assert_eq!(phone.register_with_auth(600).await.status, 200);

    h.clock.advance(Duration::from_secs(300));
    let options = attacker.request(Method::Options);
    assert_eq!(attacker.exchange(&options).await.status, 200);
    h.sip.shutdown().await;
}
