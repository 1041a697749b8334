//! SPEC §3/§4: login once per name, logout refused while in a call unless forced.

use sb_acd::agent::AgentState;
use switchboard_engine::acd::{AcdError, RingOutcome};

use crate::acd_support::*;

#[actix_rt::test]
async fn a_second_login_of_the_same_name_is_refused() {
    let t = start().await;
    let view = t
        .hub
        .login(&t.cc, t.login_request("a1", &[]))
        .await
        .unwrap();
    assert_eq!(view.state.to_string(), "online", "online right after login");
    let again = t.hub.login(&t.cc, t.login_request("a1", &[])).await;
    assert!(
        matches!(again, Err(AcdError::AlreadyLoggedIn { .. })),
        "{again:?}"
    );
    t.hub.logout(&t.cc, &name("a1"), false).await.unwrap();
    t.hub
        .login(&t.cc, t.login_request("a1", &[]))
        .await
        .unwrap();
}

#[actix_rt::test]
async fn login_needs_an_extension_of_the_call_center() {
    let t = start().await;
    let mut req = t.login_request("a1", &[]);
    req.extension = sb_store::ExtensionId("f".repeat(32));
    let got = t.hub.login(&t.cc, req).await;
    assert!(
        matches!(got, Err(AcdError::UnknownExtension { .. })),
        "{got:?}"
    );
    let mut req = t.login_request("a1", &[]);
    req.state = Some(AgentState::TALKING);
    let got = t.hub.login(&t.cc, req).await;
    assert!(matches!(got, Err(AcdError::Agent(_))), "{got:?}");
}

#[actix_rt::test]
async fn logout_is_refused_while_fetching_unless_forced() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 5)]).await;
    let (task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    assert_eq!(t.agent_state("a1").await, format!("fetching/{task}"));
    let got = t.hub.logout(&t.cc, &name("a1"), false).await;
    assert!(matches!(got, Err(AcdError::InCall { .. })), "{got:?}");
    assert!(t.phones.cancelled().is_empty());
    t.hub.logout(&t.cc, &name("a1"), true).await.unwrap();
    t.settle().await;
    assert_eq!(t.phones.cancelled(), vec![t.phones.rings()[0].2.clone()]);
    assert_eq!(*t.phones.hung_up.lock().unwrap(), vec!["a1".to_owned()]);
    let gone = t.hub.agent(&t.cc, &name("a1")).await;
    assert!(
        matches!(gone, Err(AcdError::UnknownAgent { .. })),
        "{gone:?}"
    );
    // The ring it was given fails with call_fail: nobody else can take it.
    let fail = t.queue_events("fail");
    assert_eq!(fail.len(), 1);
    assert_eq!(fail[0]["cause"], "call_fail");
}

#[actix_rt::test]
async fn logout_is_refused_while_talking_unless_forced() {
    let t = start().await;
    t.idle_agent("a1", &[("billing", 5)]).await;
    let (_task, _rx) = t.enqueue(&skill_route("billing", "")).await;
    t.phones.finish(0, RingOutcome::Answered);
    t.settle().await;
    t.hub
        .conversation_entered(
            &t.cc,
            &name("a1"),
            sb_acd::conversation::ConversationId("c1".into()),
            switchboard_engine::acd::ReturnTo::Reserve(AgentState::IDLE),
        )
        .await
        .unwrap();
    assert_eq!(t.agent_state("a1").await, "talking");
    let got = t.hub.logout(&t.cc, &name("a1"), false).await;
    assert!(matches!(got, Err(AcdError::InCall { .. })), "{got:?}");
    t.hub.logout(&t.cc, &name("a1"), true).await.unwrap();
    assert_eq!(*t.phones.hung_up.lock().unwrap(), vec!["a1".to_owned()]);
}
