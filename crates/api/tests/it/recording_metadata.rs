//! `GET /callcenter/recording/{id}`: a recording's metadata as the engine recorded it, in both
//! path forms, for IVR and conversation recordings alike; a conversation's `record_file`
//! leads to its recording.

use actix_web::test::TestRequest;
use sb_store::{CallCenterId, RecordingKind, RecordingRow, StoreHandle};
use serde_json::json;

use crate::common::*;
use crate::conversation_get::{completed, running, save};

/// An IVR recording of `cc` taken on `call`, `ms` long, beginning at `begin`.
pub fn ivr(id: &str, cc: &str, call: &str, begin: u64, ms: u64) -> RecordingRow {
    RecordingRow {
        id: id.into(),
        callcenter_id: CallCenterId(cc.into()),
        kind: RecordingKind::Ivr,
        call_id: Some(call.into()),
        conversation_id: None,
        file: id.into(),
        begin_time: begin,
        end_time: begin + ms,
        duration_ms: ms,
        bytes: 44 + ms * 16,
    }
}

/// A recording of conversation `conv` of `cc`.
pub fn conversation(id: &str, cc: &str, conv: &str, begin: u64, ms: u64) -> RecordingRow {
    RecordingRow {
        kind: RecordingKind::Conversation,
        call_id: None,
        conversation_id: Some(conv.into()),
        ..ivr(id, cc, "", begin, ms)
    }
}

pub async fn save_recordings(store: &StoreHandle, rows: Vec<RecordingRow>) {
    store
        .run(move |s| rows.iter().try_for_each(|r| s.save_recording(r)))
        .await
        .expect("recordings saved");
}

pub fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(bearer(token))
}

#[actix_rt::test]
async fn an_ivr_recording_in_both_path_forms() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let row = ivr("rec-0123456789abcdef-1.wav", &cc, "leg-1", 1_000, 2_500);
    save_recordings(&store, vec![row]).await;

    let expected = json!({
        "id": "rec-0123456789abcdef-1.wav",
        "kind": "ivr",
        "call_id": "leg-1",
        "conversation_id": null,
        "file": "rec-0123456789abcdef-1.wav",
        "begin_time": 1_000,
        "end_time": 3_500,
        "duration_ms": 2_500,
        "bytes": 44 + 2_500 * 16,
    });
    for uri in [
        "/v1/callcenter/recording/rec-0123456789abcdef-1.wav".to_owned(),
        format!("/v1/callcenter/{cc}/recording/rec-0123456789abcdef-1.wav"),
    ] {
        let (status, got) = call(&app, get(&uri, &token)).await;
        assert_eq!(status, 200, "{uri}: {got}");
        assert_eq!(got["code"], "000000");
        assert_eq!(got["data"], expected, "{uri}");
    }
    // The admin token reaches it through the long form too.
    let uri = format!("/v1/callcenter/{cc}/recording/rec-0123456789abcdef-1.wav");
    let (status, got) = call(&app, get(&uri, ADMIN)).await;
    assert_eq!((status, &got["data"]["id"]), (200, &expected["id"]));
}

#[actix_rt::test]
async fn a_conversations_record_file_is_its_recording_id() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let conv_id = "0123456789abcdef0123456789abcdef";
    let name = sb_store::conversation_recording_name(conv_id);
    let mut row = completed(running(conv_id, &cc, "queue", 1_000, &["alice"]), 9_000);
    row.record_file = Some(name.clone());
    save(&store, vec![row]).await;
    save_recordings(
        &store,
        vec![conversation(&name, &cc, conv_id, 1_000, 8_000)],
    )
    .await;

    let (_, conv) = call(
        &app,
        get(&format!("/v1/callcenter/conversation/{conv_id}"), &token),
    )
    .await;
    let record_file = conv["data"]["record_file"].as_str().expect("recorded");
    let (status, got) = call(
        &app,
        get(&format!("/v1/callcenter/recording/{record_file}"), &token),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["kind"], "conversation");
    assert_eq!(got["data"]["conversation_id"], conv_id);
    assert!(got["data"]["call_id"].is_null());
    assert_eq!(got["data"]["duration_ms"], 8_000);
}

#[actix_rt::test]
async fn metadata_does_not_need_the_file() {
    // Asking for JSON (or nothing in particular) never touches the library: the row is the
    // answer, whether or not the WAV is still there.
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    save_recordings(&store, vec![ivr("gone.wav", &cc, "leg", 1, 10)]).await;
    for accept in [None, Some("application/json"), Some("*/*")] {
        let mut req = get("/v1/callcenter/recording/gone.wav", &token);
        if let Some(a) = accept {
            req = req.insert_header(("Accept", a));
        }
        let (status, got) = call(&app, req).await;
        assert_eq!(status, 200, "{accept:?}: {got}");
        assert_eq!(got["data"]["file"], "gone.wav");
    }
}
