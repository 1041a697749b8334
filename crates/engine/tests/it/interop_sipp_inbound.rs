//! SIPp as an inbound trunk: a call to an inbound number from the trunk's address, no
//! credentials, reaches the call center's IVR application, which plays a prompt and hangs up
//! (a BYE from the switch ends SIPp's scenario).

use std::path::Path;
use std::sync::Arc;

use sb_store::{CallCenterUpdate, TrunkDef};
use switchboard_engine::clock::SystemClock;
use switchboard_engine::ivr::{IvrConfig, IvrServices};
use switchboard_engine::{SipConfig, SipEndpoint};

use crate::interop::{free_port, interop_file, run};
use crate::ivr_support::{doc, App, Reply};
use crate::support::*;

const DID: &str = "4003";
const TRUNK_IP: &str = "127.0.0.5";

#[actix_rt::test]
async fn a_sipp_carrier_call_reaches_the_ivr_and_is_hung_up_by_it() {
    let app = App::start(|base, req| match req.path() {
        "/ivr" => doc("<play>beep</play>", Some(&format!("{base}/bye"))),
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

    let args: Vec<String> = [
        "-sf",
        interop_file("sipp/inbound_trunk_uac.xml").to_str().unwrap(),
        "-s",
        DID,
        "-i",
        TRUNK_IP,
        "-p",
        &free_port(TRUNK_IP).to_string(),
        "-m",
        "1",
        "-timeout",
        "20s",
        "-timeout_error",
        &sip.local_addrs().udp.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let result = run(Path::new("sipp"), &args, dir.path()).await;
    assert!(result.success, "SIPp carrier failed:\n{}", result.output);
    let paths: Vec<String> = app.requests().iter().map(|r| r.path().to_owned()).collect();
    assert_eq!(paths, ["/ivr", "/bye"]);
    sip.shutdown().await;
}
