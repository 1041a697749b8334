//! SIPp as an inbound trunk: a call to an inbound number from the trunk's address, no
//! credentials, reaches the call center's IVR application, which plays a prompt and hangs up
//! (a BYE from the switch ends SIPp's scenario).

use std::path::Path;

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
    with_ivr_trunk(&store, app.url("/ivr"), TRUNK_IP, DID);
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let sip = start_with_ivr(&store, bus, dir.path()).await;

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
