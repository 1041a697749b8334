//! Conversations are recorded when the call center's `record` setting or the `<enqueue>`
//! asks (SPEC §7): the mixer writes a staged WAV from the start, the record and events carry
//! its id as `record_file`, and once the media plane reports the file complete it is
//! published in the library with a row describing it.

use sb_acd::conversation::ConversationId;
use sb_store::files::FileLibrary;
use sb_store::RecordingKind;
use switchboard_engine::conversation::{Operation, Out, Recorded, Terms};

use super::support::*;
use crate::calls::net::{cc, Net, Phone};

fn library() -> (tempfile::TempDir, FileLibrary) {
    let dir = tempfile::tempdir().unwrap();
    let files = FileLibrary::new(dir.path());
    (dir, files)
}

/// The only mixer's id and where it records, if it does.
fn mixer(net: &Net) -> (sb_mediaworker::ConversationId, Option<std::path::PathBuf>) {
    let (id, m) = net.media.conversations().pop().expect("a mixer");
    (id, m.recording)
}

fn dissolve(net: &mut Net, conversation: &ConversationId) {
    let op = Operation::Dissolve {
        conversation: conversation.clone(),
    };
    net.conv_step(|c, ctx| c.run(ctx, &cc(), op, None)).unwrap();
}

fn recorded(net: &mut Net) -> Option<Recorded> {
    net.conv.out.iter().find_map(|o| match o {
        Out::Recorded(r) => Some((**r).clone()),
        _ => None,
    })
}

#[test]
fn a_call_center_that_records_everything_records_the_queue_conversation() {
    let mut net = Net::recording_everything();
    let (_dir, files) = library();
    net.conv.set_files(Some(files.clone()));
    let mut trunk = Phone::trunk();
    let (conversation, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    let (media, staged) = mixer(&net);
    let staged = staged.expect("recording from the start");
    let name = format!("conv-{}.wav", conversation.0);
    assert_eq!(
        net.row(&conversation.0).unwrap().record_file.as_deref(),
        Some(name.as_str())
    );

    // The mixer writes the file; here the test stands for it: one second of audio.
    std::fs::write(&staged, vec![0u8; 44 + 16_000]).unwrap();
    dissolve(&mut net, &conversation);
    let end = net.row(&conversation.0).unwrap();
    assert_eq!(end.state, "completed");
    assert_eq!(end.record_file.as_deref(), Some(name.as_str()));
    assert!(
        recorded(&mut net).is_none(),
        "not before the file is complete"
    );

    net.conv_step(|c, ctx| assert!(c.on_recording_done(ctx, media, true)));
    let done = recorded(&mut net).expect("the finished recording");
    let row = done.publish(&files).expect("published");
    assert_eq!(row.id, name);
    assert_eq!(row.kind, RecordingKind::Conversation);
    assert_eq!(
        row.conversation_id.as_deref(),
        Some(conversation.0.as_str())
    );
    assert_eq!(row.duration_ms, 1000);
    assert_eq!(row.bytes, 44 + 16_000);
    assert!(
        files.stat(&cc(), &name).unwrap().is_some(),
        "in the library"
    );
    assert!(!staged.exists(), "moved, not copied");
    net.conv_step(|c, ctx| {
        assert!(
            !c.on_recording_done(ctx, media, true),
            "reported once, and never for a mixer it does not record"
        )
    });
}

#[test]
fn the_enqueue_asks_for_a_recording_of_one_conversation() {
    let mut net = Net::for_conversations(0);
    let (_dir, files) = library();
    net.conv.set_files(Some(files.clone()));
    let mut trunk = Phone::trunk();
    let (plain, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    assert_eq!(mixer(&net).1, None, "the call center does not record");
    dissolve(&mut net, &plain);
    let terms = Terms {
        record: true,
        ..Terms::default()
    };
    let (conversation, _, _) = queue_conversation_on(&mut net, &mut trunk, "1003", &terms);
    let (media, staged) = mixer(&net);
    assert!(staged.is_some(), "<enqueue record=\"true\">");

    dissolve(&mut net, &conversation);
    net.conv_step(|c, ctx| assert!(c.on_recording_done(ctx, media, false)));
    let failed = recorded(&mut net).unwrap();
    assert!(
        failed.publish(&files).is_none(),
        "a failed file is not published"
    );
    assert!(files.list(&cc()).unwrap().is_empty());
}

#[test]
fn without_a_library_nothing_is_recorded() {
    let mut net = Net::recording_everything();
    let mut trunk = Phone::trunk();
    let (conversation, _, _) = queue_conversation(&mut net, &mut trunk, "1002");
    assert_eq!(mixer(&net).1, None);
    assert_eq!(net.row(&conversation.0).unwrap().record_file, None);
}

#[test]
fn a_recorded_caller_stays_recorded_after_a_transfer() {
    let mut net = Net::for_conversations(0);
    let (_dir, files) = library();
    net.conv.set_files(Some(files));
    let mut trunk = Phone::trunk();
    let terms = Terms {
        record: true,
        ..Terms::default()
    };
    let (old, _, _) = queue_conversation_on(&mut net, &mut trunk, "1002", &terms);
    assert!(net.row(&old.0).unwrap().record_file.is_some());
    // The transfer's own <enqueue> says nothing about recording.
    let xfer = Operation::XferAgent {
        agent: agent("1002"),
        conversation: old.clone(),
        queue: String::new(),
        release: true,
    };
    let ticket = run_task(&mut net, xfer, Some("1002")).unwrap();
    hung_up(&mut net, &Phone::new("1002"));
    task_created(&mut net, &ticket, 7);
    task_found(&mut net, &ticket, 7, "1003", "found-1003");
    let new = cid(ticket.created.conversation_id.as_deref().unwrap());
    assert!(running(&net, &new));
    assert_eq!(
        net.row(&new.0).unwrap().record_file,
        Some(format!("conv-{}.wav", new.0)),
        "the caller's <enqueue record=\"true\"> covers where it is transferred"
    );
    assert!(mixer(&net).1.is_some(), "the new mixer records");
}
