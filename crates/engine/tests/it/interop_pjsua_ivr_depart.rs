//! SPEC §6/§10 end to end with real phones: a PJSIP caller on a trunk keys its choice into
//! a `<get>`, is queued by `<enqueue>` and talks with the agent's PJSIP phone; the agent
//! departs through the conversation API with `data`, which the application receives with
//! the enqueue's outputs on `next`; the caller, back in the IVR, hears a `<play>` and is
//! hung up by the `<hangup>` after it.

use std::sync::Arc;

use sb_acd::agent::{AgentName, AgentState};
use sb_store::ExtensionKind;
use switchboard_engine::acd::{CallCenterHub, HubConfig, LoginRequest};
use switchboard_engine::clock::SystemClock;
use switchboard_engine::conversation::{ConversationId, Operation, AGENT_CONVERSATION_CHANGED};

use crate::interop::{interop_file, python, root, run, PEER_RUNS_WITHIN};
use crate::ivr_support::{doc, App, Reply};
use crate::support::*;

const DID: &str = "4004";
const TRUNK_IP: &str = "127.0.0.8";
const AGENT_USER: &str = "2002";
const AGENT_PASSWORD: &str = "agentpw78";
const DATA: &str = "survey-3";

#[actix_rt::test]
async fn the_agent_departs_with_data_and_the_caller_goes_back_to_the_ivr() {
    let app = App::start(|base, req| match req.path() {
        "/ivr" => doc(
            r##"<get max_keys="1" finish_keys="#" first_key_timeout="10"><play>beep</play></get>"##,
            Some(&format!("{base}/queue")),
        ),
        "/queue" => doc(
            r#"<enqueue wait_voice="hold_music"><route><agent name="bob"/></route></enqueue>"#,
            Some(&format!("{base}/after")),
        ),
        "/after" => doc("<play>beep</play>", Some(&format!("{base}/bye"))),
        "/bye" => Reply::Xml("<response><hangup/></response>".into()),
        _ => Reply::Status(404),
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let cc = with_ivr_trunk(&store, app.url("/ivr"), TRUNK_IP, DID);
    let kind = ExtensionKind::Terminal {
        user: AGENT_USER.into(),
        password: AGENT_PASSWORD.into(),
    };
    let agent_extension = store.blocking().create_extension(&cc, &kind, 2).unwrap().id;

    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let mut events = bus.subscribe();
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
    let bob = AgentName::new("bob").unwrap();
    let login = LoginRequest {
        name: bob.clone(),
        num: Some("1235".into()),
        state: Some(AgentState::IDLE),
        skills: Default::default(),
        extension: agent_extension,
    };
    hub.login(&cc, login).await.unwrap();
    let conversations = sip.conversations(hub.clone(), store.clone());

    let args: Vec<String> = vec![
        interop_file("pjsua/depart_call.py")
            .to_string_lossy()
            .into_owned(),
        sip.local_addrs().udp.to_string(),
        AGENT_USER.into(),
        AGENT_PASSWORD.into(),
        DID.into(),
        "7#".into(),
        "--caller-bind".into(),
        TRUNK_IP.into(),
    ];
    let phones = tokio::spawn(async move { run(&python(), &args, &root()).await });

    // The agent enters the caller's conversation once its phone answers: it departs then.
    let entered = tokio::time::timeout(PEER_RUNS_WITHIN, async {
        loop {
            let event = events.recv().await.expect("the bus runs");
            if event.name != AGENT_CONVERSATION_CHANGED {
                continue;
            }
            let body: serde_json::Value = serde_json::from_str(&event.body).unwrap();
            if body["type"] == "enter" && body["name"] == "bob" {
                let id = body["conversation_id"].as_str().unwrap().to_owned();
                return ConversationId(id);
            }
        }
    })
    .await
    .expect("the agent enters the caller's conversation");
    let depart = Operation::Depart {
        agent: bob,
        conversation: entered,
        data: Some(DATA.into()),
    };
    conversations
        .run(&cc, depart)
        .await
        .expect("the agent departs");

    let result = phones.await.expect("the phones ran");
    let requests = app.requests();
    assert!(
        result.success,
        "pjsua depart call failed:\n{}\n{requests:?}",
        result.output
    );
    println!("{}", result.output.trim());

    let paths: Vec<&str> = requests.iter().map(|r| r.path()).collect();
    assert_eq!(paths, ["/ivr", "/queue", "/after", "/bye"], "{requests:?}");
    assert_eq!(requests[1].param("keys").as_deref(), Some("7"));
    let after = &requests[2];
    assert_eq!(after.param("type").as_deref(), Some("enqueue"));
    assert_eq!(
        after.param("result").as_deref(),
        Some("success"),
        "{}",
        after.target
    );
    assert_eq!(after.param("agent_name").as_deref(), Some("bob"));
    assert_eq!(
        after.param("data").as_deref(),
        Some(DATA),
        "{}",
        after.target
    );
    assert_eq!(requests[3].param("type").as_deref(), Some("play"));
    hub.flush().await;
    assert_eq!(legs_left(&sip).await, 0);
    sip.shutdown().await;
}
