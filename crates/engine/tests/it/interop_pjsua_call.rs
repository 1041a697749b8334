//! Two PJSIP phones call each other through the switch; each plays a distinct tone and
//! records what it hears, and Goertzel analysis (in `tests/interop/pjsua/call.py`) proves
//! each hears the other and not itself — with real RTP through the media workers.

use std::sync::Arc;

use sb_store::ExtensionKind;
use switchboard_engine::clock::SystemClock;

use crate::interop::{interop_file, python, root, run};
use crate::support::*;

const CALLEE: &str = "1002";
const CALLEE_PASSWORD: &str = "secret88";

async fn call(extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let s = store.blocking();
    let cc = s.extension_by_user(USER).unwrap().unwrap().callcenter_id;
    let kind = ExtensionKind::Terminal {
        user: CALLEE.into(),
        password: CALLEE_PASSWORD.into(),
    };
    s.create_extension(&cc, &kind, 1).unwrap();
    let h = start_with(store, |cfg| {
        // Real time: the media workers and the phones run on it anyway.
        cfg.clock = Arc::new(SystemClock);
        cfg.media.workers = 1;
    })
    .await;
    let mut args: Vec<String> = vec![
        interop_file("pjsua/call.py").to_string_lossy().into_owned(),
        h.sip.local_addrs().udp.to_string(),
        USER.into(),
        PASSWORD.into(),
        CALLEE.into(),
        CALLEE_PASSWORD.into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let result = run(&python(), &args, &root()).await;
    assert!(result.success, "pjsua call failed:\n{}", result.output);
    println!("{}", result.output.trim());
    assert_eq!(legs_left(&h.sip).await, 0, "both legs ended");
    h.sip.shutdown().await;
    // Both legs left a call record (written behind, flushed by the shutdown).
    let page = sb_store::Page { no: 1, size: 10 };
    let records = h.store.blocking().list_calls(&cc, page).unwrap();
    assert_eq!(records.total, 2, "{:?}", records.rows);
    let mut directions: Vec<&str> = records.rows.iter().map(|r| r.direction.as_str()).collect();
    directions.sort_unstable();
    assert_eq!(directions, ["inbound", "outbound"]);
    for r in &records.rows {
        assert!(
            r.answer_time.is_some() && r.end_time >= r.start_time,
            "{r:?}"
        );
        assert_eq!(r.status, Some(200));
    }
    assert!(records.rows.iter().any(|r| r.end_reason == "hangup"));
}

#[actix_rt::test]
async fn two_pjsip_phones_hear_each_other_and_not_themselves() {
    call(&[]).await;
}

#[actix_rt::test]
async fn a_call_survives_the_phones_own_hold_and_unhold() {
    call(&["--hold"]).await;
}
