//! No agent takes the call (or the caller asks for it): the caller leaves a voicemail.

use sb_ivr::interp::ActionError;
use sb_ivr::model::Action;
use switchboard_examples::ivr::Voicemail;

use crate::ivr_harness::{app_with, config, follow, next_path, start};

#[actix_rt::test]
async fn a_queue_timeout_leads_to_a_recorded_voicemail() {
    let (app, state) = app_with(config()).await;
    let menu = start(&app, "v1", "+15550002", "4008001234").await;
    let queued = follow(&app, "v1", &menu, &[("keys", "1")], None).await;

    let failed = [("result", "fail"), ("cause", "timeout")];
    let sorry = follow(&app, "v1", &queued, &failed, None).await;
    assert!(matches!(sorry.action, Action::Play(_)));
    assert_eq!(next_path(&sorry), "/ivr/voicemail");

    let record = follow(&app, "v1", &sorry, &[("keys", "")], None).await;
    let Action::Record(r) = &record.action else {
        panic!("a recording: {:?}", record.action)
    };
    assert_eq!(r.max_duration.as_secs(), 120);
    assert!(r.beeping);
    assert_eq!(next_path(&record), "/ivr/recorded");

    let thanks = follow(
        &app,
        "v1",
        &record,
        &[("record_id", "r-77"), ("keys", "#")],
        None,
    )
    .await;
    assert_eq!(next_path(&thanks), "/ivr/bye");
    assert_eq!(
        state.voicemails(),
        vec![Voicemail {
            call_id: "v1".into(),
            caller: "+15550002".into(),
            line: "sales".into(),
            record_id: "r-77".into(),
        }]
    );
}

#[actix_rt::test]
async fn key_3_rejects_and_failed_enqueues_all_go_to_voicemail() {
    let (app, _) = app_with(config()).await;
    let menu = start(&app, "v2", "1003", "4008001234").await;
    let direct = follow(&app, "v2", &menu, &[("keys", "3")], None).await;
    assert_eq!(next_path(&direct), "/ivr/voicemail");

    let queued = follow(&app, "v2", &menu, &[("keys", "2")], None).await;
    let rejected = [("result", "fail"), ("cause", "reject"), ("data", "busy")];
    let sorry = follow(&app, "v2", &queued, &rejected, None).await;
    assert_eq!(next_path(&sorry), "/ivr/voicemail");
    let broken = follow(&app, "v2", &queued, &[], Some(ActionError::EnqueueFailed)).await;
    assert_eq!(next_path(&broken), "/ivr/voicemail");
}

#[actix_rt::test]
async fn a_caller_gone_is_hung_up_and_a_failed_recording_is_not_kept() {
    let (app, state) = app_with(config()).await;
    let menu = start(&app, "v3", "1004", "4008001234").await;
    let queued = follow(&app, "v3", &menu, &[("keys", "1")], None).await;
    let gone = follow(
        &app,
        "v3",
        &queued,
        &[("result", "fail"), ("cause", "hangup")],
        None,
    )
    .await;
    assert_eq!(gone.action, Action::Hangup);
    assert!(gone.next.is_none());

    let sorry = follow(&app, "v3", &menu, &[("keys", "3")], None).await;
    let record = follow(&app, "v3", &sorry, &[("keys", "")], None).await;
    let failed = follow(&app, "v3", &record, &[], Some(ActionError::RecordFailed)).await;
    assert_eq!(next_path(&failed), "/ivr/bye");
    assert!(state.voicemails().is_empty());
}
