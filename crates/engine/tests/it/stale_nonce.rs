//! A nonce older than its lifetime is refused with `stale=true` (RFC 7616 §3.3); the
//! phone retries with the new nonce without asking its user again.

use std::time::Duration;

use crate::support::*;

#[actix_rt::test]
async fn expired_nonce_is_stale_then_the_retry_binds() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |c| c.nonce_ttl = Duration::from_secs(30)).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    let first = phone.register(600);
    let challenge = phone.exchange(&first).await;
    h.clock.advance(Duration::from_secs(31));
    let late = phone.register(600);
    let late = phone.authorize(late, &challenge);
    let stale = phone.exchange(&late).await;
    assert_eq!(stale.status, 401);
    assert!(stale
        .headers
        .get_all("WWW-Authenticate")
        .all(|v| v.contains("stale=true")));
    let retry = phone.register(600);
    let retry = phone.authorize(retry, &stale);
    assert_eq!(phone.exchange(&retry).await.status, 200);
    h.sip.shutdown().await;
}
