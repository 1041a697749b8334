//! Registrations survive a restart: written behind to SQLite, imported on start.

use sb_store::{SqliteStore, StoreHandle};

use crate::support::*;

#[actix_rt::test]
async fn bindings_come_back_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    assert_eq!(phone.register_with_auth(600).await.status, 200);
    let before = h.sip.registrations_of(USER).await.unwrap();
    h.sip.shutdown().await;
    drop(h.store);

    let store = StoreHandle::new(SqliteStore::open(dir.path()).unwrap());
    let persisted = store.blocking().registrations(Some(USER)).unwrap();
    assert_eq!(persisted.len(), 1);
    let h = start_with(store, |_| {}).await;
    let after = h.sip.registrations_of(USER).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].contact, before[0].contact);
    assert_eq!(after[0].source, before[0].source);
    assert_eq!(after[0].call_id, before[0].call_id);
    h.sip.shutdown().await;
}
