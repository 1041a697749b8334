//! RFC 3261 §10.3 step 6: an expiry below the minimum gets 423 with Min-Expires, and a
//! registration expires on time.

use std::time::Duration;

use crate::support::*;

#[actix_rt::test]
async fn too_brief_gets_423_with_min_expires() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |c| c.min_expires = 60).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    let answer = phone.register_with_auth(10).await;
    assert_eq!(answer.status, 423);
    assert_eq!(answer.headers.get("Min-Expires"), Some("60"));
    assert!(h.sip.registrations_of(USER).await.unwrap().is_empty());
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn a_binding_lapses_at_its_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    assert_eq!(phone.register_with_auth(120).await.status, 200);
    h.clock.advance(Duration::from_secs(119));
    assert_eq!(h.sip.registrations_of(USER).await.unwrap().len(), 1);
    h.clock.advance(Duration::from_secs(1));
    assert!(h.sip.registrations_of(USER).await.unwrap().is_empty());
    h.sip.shutdown().await;
}
