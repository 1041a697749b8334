//! The call-center path end to end with real phones: a PJSIP caller on a trunk dials an
//! inbound number, the IVR application answers `<enqueue>` naming an agent, the switch rings
//! the agent's PJSIP phone (registered as an extension), joins the two — each hears the
//! other's tone and not its own — and when the agent hangs up, the caller goes back to the
//! IVR with `result=success` and the agent's name on `next`.

use std::sync::Arc;

use sb_acd::agent::{AgentName, AgentState};
use sb_store::ExtensionKind;
use switchboard_engine::acd::{CallCenterHub, HubConfig, LoginRequest};
use switchboard_engine::clock::SystemClock;

use crate::interop::{interop_file, python, root, run};
use crate::ivr_support::{doc, App, Reply};
use crate::support::*;

const DID: &str = "4002";
const TRUNK_IP: &str = "127.0.0.4";
const AGENT_USER: &str = "2001";
const AGENT_PASSWORD: &str = "agentpw77";

#[actix_rt::test]
async fn a_caller_queues_talks_to_the_agent_and_returns_to_the_ivr() {
    let app = App::start(|base, req| match req.path() {
        "/ivr" => doc(
            r#"<enqueue wait_voice="hold_music" play_num="true" pre_num_voice="beep"><route><agent name="alice"/></route></enqueue>"#,
            Some(&format!("{base}/after")),
        ),
        "/after" => Reply::Xml("<response><hangup/></response>".into()),
        _ => Reply::Status(404),
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let cc = with_ivr_trunk(&store, app.url("/ivr"), TRUNK_IP, DID);
    let s = store.blocking();
    let kind = ExtensionKind::Terminal {
        user: AGENT_USER.into(),
        password: AGENT_PASSWORD.into(),
    };
    let agent_extension = s.create_extension(&cc, &kind, 2).unwrap().id;

    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let sip = start_with_ivr(&store, bus.clone(), dir.path()).await;
    let hub = CallCenterHub::start(HubConfig {
        store: store.clone(),
        events: bus,
        clock: Arc::new(SystemClock),
        connector: Arc::new(sip.agent_connector(store.clone())),
        seed: Some(7),
    })
    .await
    .unwrap();
    sip.attach_acd(hub.clone()).await.unwrap();
    let login = LoginRequest {
        name: AgentName::new("alice").unwrap(),
        num: Some("1234".into()),
        state: Some(AgentState::IDLE),
        skills: Default::default(),
        extension: agent_extension,
    };
    hub.login(&cc, login).await.unwrap();

    let args: Vec<String> = vec![
        interop_file("pjsua/queue_call.py")
            .to_string_lossy()
            .into_owned(),
        sip.local_addrs().udp.to_string(),
        AGENT_USER.into(),
        AGENT_PASSWORD.into(),
        DID.into(),
        "--caller-bind".into(),
        TRUNK_IP.into(),
    ];
    let result = run(&python(), &args, &root()).await;
    assert!(
        result.success,
        "pjsua queue call failed:\n{}",
        result.output
    );
    println!("{}", result.output.trim());

    let requests = app.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path()).collect();
    assert_eq!(paths, ["/ivr", "/after"], "{requests:?}");
    let after = &requests[1];
    assert_eq!(after.param("type").as_deref(), Some("enqueue"));
    assert_eq!(
        after.param("result").as_deref(),
        Some("success"),
        "{}",
        after.target
    );
    assert_eq!(after.param("agent_name").as_deref(), Some("alice"));
    assert!(after
        .param("conversation_id")
        .is_some_and(|c| c.len() == 32));
    hub.flush().await;
    assert_eq!(legs_left(&sip).await, 0);
    sip.shutdown().await;
}
