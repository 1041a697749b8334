//! SPEC §10 `<dial>` + `<connect>` end to end with real phones: a PJSIP caller on one
//! trunk's address dials an inbound number; the application answers `<dial>` with a
//! nested `<connect>`; the switch calls the number out through the call center's trunk,
//! whose far end is a second PJSIP phone on another loopback address; each hears the
//! other's tone and not its own. When the far end hangs up, the caller goes back to the
//! IVR, whose `next` request carries the dial's and the connect's outputs.

use sb_store::{Settings, TrunkDef};

use crate::interop::{free_port, interop_file, python, root, run};
use crate::ivr_support::{doc, App, Reply};
use crate::support::*;

const DID: &str = "4003";
const CALLER_IP: &str = "127.0.0.6";
const FAR_IP: &str = "127.0.0.7";
const DIALLED: &str = "5550123";

#[actix_rt::test]
async fn a_trunk_caller_is_dialled_through_to_a_far_end_and_back_to_the_ivr() {
    let app = App::start(|base, req| match req.path() {
        "/ivr" => doc(
            &format!(
                r#"<dial max_dial_duration="20"><number>{DIALLED}</number><connect mode="1"/></dial>"#
            ),
            Some(&format!("{base}/after")),
        ),
        "/after" => Reply::Xml("<response><hangup/></response>".into()),
        _ => Reply::Status(404),
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let far_port = free_port(FAR_IP);
    let cc = store
        .blocking()
        .extension_by_user(USER)
        .unwrap()
        .expect("the seeded extension")
        .callcenter_id;
    // The outbound trunk comes first: calls out leave through the first usable trunk.
    let out = TrunkDef {
        name: "carrier-out".into(),
        host: FAR_IP.into(),
        port: Some(far_port),
        transport: sb_store::Transport::Udp,
        username: None,
        password: None,
        register: false,
        from_numbers: vec!["4000".into()],
        callcenter_id: cc.clone(),
        inbound_numbers: vec![],
    };
    store.blocking().create_trunk(&out, 1).unwrap();
    with_ivr_trunk(&store, app.url("/ivr"), CALLER_IP, DID);
    let settings = sb_store::CallCenterUpdate {
        name: None,
        ivr_url: None,
        callback_url: None,
        settings: Some(Settings {
            outbound_patterns: vec!["555.".into()],
            ..Settings::default()
        }),
    };
    store
        .blocking()
        .update_callcenter(&cc, &settings, 3)
        .unwrap();

    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let sip = start_with_ivr(&store, bus, dir.path()).await;
    let args: Vec<String> = vec![
        interop_file("pjsua/dial_call.py")
            .to_string_lossy()
            .into_owned(),
        sip.local_addrs().udp.to_string(),
        DID.into(),
        DIALLED.into(),
        "--caller-bind".into(),
        CALLER_IP.into(),
        "--far-end".into(),
        format!("{FAR_IP}:{far_port}"),
    ];
    let result = run(&python(), &args, &root()).await;
    assert!(result.success, "pjsua IVR dial failed:\n{}", result.output);
    println!("{}", result.output.trim());

    let requests = app.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path()).collect();
    assert_eq!(paths, ["/ivr", "/after"], "{requests:?}");
    let after = &requests[1];
    assert_eq!(after.param("type").as_deref(), Some("dial"));
    assert_eq!(
        after.param("dial_result").as_deref(),
        Some("answered"),
        "{}",
        after.target
    );
    assert_eq!(after.param("dial_number").as_deref(), Some(DIALLED));
    let talked: u64 = after
        .param("connect_duration")
        .and_then(|d| d.parse().ok())
        .expect("a connect_duration");
    assert!(talked >= 3, "they talked for the tones' length: {talked}");
    assert_eq!(legs_left(&sip).await, 0);
    sip.shutdown().await;
}
