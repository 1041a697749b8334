//! SIPp as an inbound trunk: a call to an inbound number from the trunk's address, no
//! credentials, reaches the call center's IVR application, which plays a prompt and hangs up
//! (a BYE from the switch ends SIPp's scenario).

use std::path::Path;

use crate::interop::{free_port, interop_file, run};
use crate::ivr_support::{doc, App, Reply};
use crate::support::*;

const DID: &str = "4003";
const TRUNK_IP: &str = "127.0.0.5";

/// SIPp's arguments for one carrier call from `trunk_ip` to the inbound number.
fn carrier_call(trunk_ip: &str, sip: &switchboard_engine::SipHandle) -> Vec<String> {
    [
        "-sf",
        interop_file("sipp/inbound_trunk_uac.xml").to_str().unwrap(),
        "-s",
        DID,
        "-i",
        trunk_ip,
        "-p",
        &free_port(trunk_ip).to_string(),
        "-m",
        "1",
        "-timeout",
        "20s",
        "-timeout_error",
        &sip.local_addrs().udp.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

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

    let args = carrier_call(TRUNK_IP, &sip);
    let result = run(Path::new("sipp"), &args, dir.path()).await;
    assert!(result.success, "SIPp carrier failed:\n{}", result.output);
    let paths: Vec<String> = app.requests().iter().map(|r| r.path().to_owned()).collect();
    assert_eq!(paths, ["/ivr", "/bye"]);
    sip.shutdown().await;
}

/// While a carrier call is up, its answered leg is noted in progress: if the process died
/// now, the next start would still write its record (ended `restart`). Here the "next
/// start" runs beside the live call, so afterwards the call's own end replaces it.
#[actix_rt::test]
async fn an_answered_call_leaves_a_record_even_if_the_process_dies() {
    let app = App::start(|base, req| match req.path() {
        "/ivr" => doc(r#"<pause duration="3"/>"#, Some(&format!("{base}/bye"))),
        "/bye" => Reply::Xml("<response><hangup/></response>".into()),
        _ => Reply::Status(404),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    with_ivr_trunk(&store, app.url("/ivr"), "127.0.0.15", DID);
    let (bus, _wake) = sb_events::EventBus::new(store.clone());
    let sip = start_with_ivr(&store, bus, dir.path()).await;
    let cc = store
        .blocking()
        .list_callcenters(sb_store::Page { no: 1, size: 10 })
        .unwrap()
        .rows
        .remove(0)
        .id;

    let args = carrier_call("127.0.0.15", &sip);
    let crash_restart = async {
        // The record is written behind (within half a second of the answer).
        for _ in 0..40 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let now = sb_events::now_ms();
            let closed = store
                .run(move |s| s.close_interrupted_calls(now))
                .await
                .unwrap();
            if closed > 0 {
                return closed;
            }
        }
        0
    };
    let (result, closed) = tokio::join!(run(Path::new("sipp"), &args, dir.path()), crash_restart);
    assert!(result.success, "SIPp carrier failed:\n{}", result.output);
    assert_eq!(closed, 1, "the answered inbound leg was noted in progress");
    assert_eq!(legs_left(&sip).await, 0);
    sip.shutdown().await;
    let calls = store
        .blocking()
        .list_calls(&cc, sb_store::Page { no: 1, size: 10 })
        .unwrap();
    assert_eq!(calls.total, 1);
    let call = &calls.rows[0];
    assert!(call.answer_time.is_some());
    assert_ne!(
        call.end_reason,
        sb_store::CALL_INTERRUPTED,
        "the call's own end replaces the record a restart wrote"
    );
}
