//! SPEC §10 end to end with a real phone: a PJSIP caller on a trunk's address dials an
//! inbound number; the application (a scripted HTTP server) answers `ivr_start` with a
//! `<get>`, the caller sends RFC 4733 digits, the application receives `keys=…` on `next`
//! and answers `play`, then `hangup`, and the switch hangs up.

use std::sync::Arc;

use sb_store::{CallCenterUpdate, TrunkDef};
use switchboard_engine::clock::SystemClock;
use switchboard_engine::ivr::{IvrConfig, IvrServices};
use switchboard_engine::{SipConfig, SipEndpoint};

use crate::interop::{interop_file, python, root, run};
use crate::ivr_support::{doc, App, Reply};
use crate::support::*;

const DID: &str = "4001";
const TRUNK_IP: &str = "127.0.0.3";

#[actix_rt::test]
async fn a_trunk_caller_walks_the_ivr_with_its_keypad() {
    let app = App::start(|base, req| match req.path() {
        "/ivr" => doc(
            r##"<get max_keys="4" finish_keys="#" first_key_timeout="10"><play>beep</play></get>"##,
            Some(&format!("{base}/keys")),
        ),
        "/keys" => doc("<play>beep</play>", Some(&format!("{base}/bye"))),
        "/bye" => Reply::Xml("<response><hangup/></response>".into()),
        _ => Reply::Status(404),
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let s = store.blocking();
    let cc = s.extension_by_user(USER).unwrap().unwrap().callcenter_id;
    let update = CallCenterUpdate {
        name: None,
        ivr_url: Some(Some(app.url("/ivr"))),
        callback_url: None,
        settings: None,
    };
    s.update_callcenter(&cc, &update, 2).unwrap();
    let def = TrunkDef {
        name: "carrier".into(),
        host: TRUNK_IP.into(),
        port: None,
        transport: sb_store::Transport::Udp,
        username: None,
        password: None,
        register: false,
        from_numbers: vec![],
        callcenter_id: cc,
        inbound_numbers: vec![DID.into()],
    };
    s.create_trunk(&def, 2).unwrap();

    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let config = IvrConfig::new(None, dir.path().join("prompt-cache"));
    let services = IvrServices::new(config, bus, Arc::new(SystemClock)).unwrap();
    let mut cfg = SipConfig::new("127.0.0.1:0".parse().unwrap());
    cfg.media.workers = 1;
    let sip = SipEndpoint::start_with(cfg, store.clone(), Some(services))
        .await
        .expect("the endpoint starts");

    let args: Vec<String> = vec![
        interop_file("pjsua/ivr_call.py")
            .to_string_lossy()
            .into_owned(),
        sip.local_addrs().udp.to_string(),
        DID.into(),
        "12#".into(),
        "--bind".into(),
        TRUNK_IP.into(),
    ];
    let result = run(&python(), &args, &root()).await;
    assert!(result.success, "pjsua IVR call failed:\n{}", result.output);

    let requests = app.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path()).collect();
    assert_eq!(paths, ["/ivr", "/keys", "/bye"], "{requests:?}");
    let keys = &requests[1];
    assert_eq!(keys.param("keys").as_deref(), Some("12"), "{}", keys.target);
    assert_eq!(keys.param("type").as_deref(), Some("get"));
    let start: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(start["action"], "ivr_start");
    assert_eq!(start["to"], DID);
    assert_eq!(sip.call_legs().await.unwrap(), 0);
    sip.shutdown().await;
}
