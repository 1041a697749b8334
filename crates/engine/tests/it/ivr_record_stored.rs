//! `<record>`: the recording is written to a hidden staging file, published in the call
//! center's media library when complete, its name is the `record_id` output, and a
//! recordings row describes it.

use switchboard_engine::ivr::IvrMessage;

use crate::ivr_support::{doc, App, Harness, Op, Reply};

#[actix_rt::test]
async fn the_finished_recording_is_downloadable_under_its_record_id() {
    let app = App::start(|base, req| match req.path() {
        "/start" => doc(
            r##"<record beeping="false" finish_keys="#"/>"##,
            Some(&format!("{base}/saved")),
        ),
        "/saved" => doc("<hangup/>", None),
        _ => Reply::Status(404),
    })
    .await;
    let mut h = Harness::start(app.url("/start"), None, |_| {}).await;
    assert!(matches!(h.op().await, Op::Answer));
    let Op::StartRecording(path) = h.op().await else {
        panic!("recording starts")
    };
    assert!(
        h.files.list(&h.cc).unwrap().is_empty(),
        "nothing visible while recording"
    );
    h.send(IvrMessage::Digit('#'));
    assert!(matches!(h.op().await, Op::StopRecording));
    std::fs::write(&path, b"RIFF-recorded-audio").unwrap();
    h.send(IvrMessage::RecordingFinished);
    assert!(matches!(h.op().await, Op::HangUp));
    h.finished().await;

    let saved = &app.requests()[1];
    let record_id = saved.param("record_id").expect("record_id output");
    assert_eq!(saved.param("keys").as_deref(), Some("#"));
    let stored = h.files.read(&h.cc, &record_id).unwrap();
    assert_eq!(stored.as_deref(), Some(&b"RIFF-recorded-audio"[..]));
    let row = h
        .store
        .blocking()
        .recording(&h.cc, &record_id)
        .unwrap()
        .expect("a recordings row");
    assert_eq!(row.kind, sb_store::RecordingKind::Ivr);
    assert_eq!(row.call_id.as_deref(), Some(crate::ivr_support::CALL_ID));
    assert_eq!(row.file, record_id);
    assert_eq!(row.bytes, 19);
    assert!(row.end_time >= row.begin_time);
}
