//! A PJSIP phone registered as an agent's extension rings when a queue task selects the
//! agent; nobody picks up, so `fetch_timeout` fails the offer (the phone gets CANCEL) and,
//! with `max_no_answer` 1, the agent goes to `away/no_answer` (SPEC §4, §8).

use std::sync::Arc;
use std::time::Duration;

use sb_acd::agent::{AgentName, AgentState};
use sb_store::{CallCenterUpdate, ExtensionKind, Settings};
use switchboard_engine::acd::{
    CallCenterHub, FailCause, HubConfig, LoginRequest, TaskKind, TaskRequest, TaskUpdate,
};
use switchboard_engine::clock::SystemClock;
use switchboard_engine::{SipConfig, SipEndpoint};

use crate::interop::{interop_file, python, root, run};
use crate::support::*;

const AGENT_USER: &str = "2002";
const AGENT_PASSWORD: &str = "agentpw88";

#[actix_rt::test]
async fn an_unanswered_offer_rings_the_phone_then_cancels_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let s = store.blocking();
    let cc = s.extension_by_user(USER).unwrap().unwrap().callcenter_id;
    let update = CallCenterUpdate {
        name: None,
        ivr_url: None,
        callback_url: None,
        settings: Some(Settings {
            max_no_answer: 1,
            ..Settings::default()
        }),
    };
    s.update_callcenter(&cc, &update, 2).unwrap();
    let kind = ExtensionKind::Terminal {
        user: AGENT_USER.into(),
        password: AGENT_PASSWORD.into(),
    };
    let extension = s.create_extension(&cc, &kind, 2).unwrap().id;

    let mut cfg = SipConfig::new("127.0.0.1:0".parse().unwrap());
    cfg.media.workers = 1;
    let sip = SipEndpoint::start(cfg, store.clone()).await.unwrap();
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let hub = CallCenterHub::start(HubConfig {
        store: store.clone(),
        events: bus,
        clock: Arc::new(SystemClock),
        connector: Arc::new(sip.agent_connector(store.clone())),
        seed: Some(3),
    })
    .await
    .unwrap();

    let args: Vec<String> = vec![
        interop_file("pjsua/agent_rings.py")
            .to_string_lossy()
            .into_owned(),
        sip.local_addrs().udp.to_string(),
        AGENT_USER.into(),
        AGENT_PASSWORD.into(),
    ];
    let phone = tokio::spawn(async move { run(&python(), &args, &root()).await });
    // The phone is ready once it is registered (bounded: a phone that never registers
    // fails the test below).
    for _ in 0..200 {
        if !sip.registrations_of(AGENT_USER).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let bob = AgentName::new("bob").unwrap();
    let login = LoginRequest {
        name: bob.clone(),
        num: None,
        state: Some(AgentState::IDLE),
        skills: Default::default(),
        extension,
    };
    hub.login(&cc, login).await.unwrap();
    let (tx, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let task = hub
        .enqueue(
            &cc,
            TaskRequest {
                kind: TaskKind::CallAgent,
                xml: r#"<enqueue><route><agent name="bob" fetch_timeout="2" queue_timeout="60"/></route></enqueue>"#.into(),
                origin_call_id: None,
                user_data: None,
                reports: Some(tx),
                exclude: None,
            },
        )
        .await
        .unwrap();

    let result = phone.await.unwrap();
    assert!(result.success, "pjsua agent failed:\n{}", result.output);
    assert!(result.output.contains("rang and was cancelled"));
    let first = updates.recv().await.expect("the task reports");
    assert!(matches!(first, TaskUpdate::Ringing { .. }), "{first:?}");
    let view = hub.agent(&cc, &bob).await.unwrap();
    assert_eq!(view.state.to_string(), "away/no_answer");
    // The route named only bob, who is away now: the task is over rather than waiting.
    let ended = hub.cancel(&cc, task, FailCause::Cancel).await;
    assert!(ended.is_err(), "{ended:?}");
    hub.flush().await;
    sip.shutdown().await;
}
