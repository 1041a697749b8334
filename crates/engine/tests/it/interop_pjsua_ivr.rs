//! SPEC §10 end to end with a real phone: a PJSIP caller on a trunk's address dials an
//! inbound number; the application (a scripted HTTP server) answers `ivr_start` with a
//! `<get>`, the caller sends RFC 4733 digits, the application receives `keys=…` on `next`
//! and answers `play`, then `hangup`, and the switch hangs up.

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
    with_ivr_trunk(&store, app.url("/ivr"), TRUNK_IP, DID);
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let sip = start_with_ivr(&store, bus, dir.path()).await;

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
    assert_eq!(legs_left(&sip).await, 0);
    sip.shutdown().await;
}
