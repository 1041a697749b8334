//! A phone registers over UDP: 401, retry with digest credentials, 200 listing the
//! binding (RFC 3261 §10.3, RFC 7616), visible live through the handle.

use sb_sip::message::SipHeaders;

use crate::support::*;

#[actix_rt::test]
async fn challenge_then_credentials_then_binding_listed() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let server = h.sip.local_addrs().udp;
    let mut phone = Phone::udp("127.0.0.1", server, USER, PASSWORD).await;

    let ok = phone.register_with_auth(600).await;
    assert_eq!(ok.status, 200);
    let contacts: Vec<_> = ok.headers.get_all("Contact").collect();
    assert_eq!(contacts.len(), 1);
    assert!(contacts[0].contains(&format!("{}", phone.local.port())));
    assert!(contacts[0].contains("expires=600"));
    assert!(
        ok.to().unwrap().tag().is_some(),
        "final responses carry a To tag"
    );

    let live = h.sip.registrations_of(USER).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].source, phone.local.to_string());
    assert_eq!(live[0].transport, "udp");
    h.sip.shutdown().await;
}

#[actix_rt::test]
async fn unregister_removes_the_binding() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let mut phone = Phone::udp("127.0.0.1", h.sip.local_addrs().udp, USER, PASSWORD).await;
    assert_eq!(phone.register_with_auth(600).await.status, 200);
    let ok = phone.register_with_auth(0).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers.get_all("Contact").count(), 0);
    assert!(h.sip.registrations_of(USER).await.unwrap().is_empty());
    h.sip.shutdown().await;
}
