//! Recording records (SPEC §3, §7, §10): one row per finished recording — an IVR `<record>`
//! or a recorded conversation — naming the WAV in the call center's [`crate::FileLibrary`]
//! that holds its audio, so `GET /callcenter/recording[/{id}]` can list, describe and serve it.
//!
//! **Id scheme.** A recording's id is the library file name of its WAV (as the IVR's
//! `record_id` already is), so `id == file` for every row the engine writes; `file` stays a
//! column of its own so a file can be renamed or shared without changing the id callers hold.
//! Both must be valid library names ([`crate::files::valid_file_name`]);
//! [`conversation_recording_name`] makes one for a conversation.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::conversation::Conditions;
use crate::files::valid_file_name;
use crate::{CallCenterId, Page, Paged, StoreError};

/// What was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordingKind {
    /// A caller's message, taken by an IVR `<record>` action (`record_id`).
    Ivr,
    /// A whole conversation, mixed (`record_file` of the conversation).
    Conversation,
}

impl RecordingKind {
    /// The kind as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ivr => "ivr",
            Self::Conversation => "conversation",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        match stored {
            "ivr" => Some(Self::Ivr),
            "conversation" => Some(Self::Conversation),
            _ => None,
        }
    }
}

/// One finished recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingRow {
    /// The recording's id: its library file name (see the module's id scheme).
    pub id: String,
    /// Its call center.
    pub callcenter_id: CallCenterId,
    /// What was recorded.
    pub kind: RecordingKind,
    /// The call leg recorded (IVR), or the one that began the conversation, if known.
    pub call_id: Option<String>,
    /// The conversation recorded, for conversation recordings.
    pub conversation_id: Option<String>,
    /// The WAV's name in the call center's file library.
    pub file: String,
    /// When recording began, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it ended.
    pub end_time: u64,
    /// Length of the audio in milliseconds.
    pub duration_ms: u64,
    /// Size of the WAV file in bytes.
    pub bytes: u64,
}

/// Which recordings [`crate::Store::list_recordings`] returns; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingFilter {
    /// Recordings of this conversation.
    pub conversation_id: Option<String>,
    /// Recordings of this call leg.
    pub call_id: Option<String>,
    /// Recordings of this kind.
    pub kind: Option<RecordingKind>,
    /// `begin_time >=` this (ms).
    pub begin_from: Option<u64>,
    /// `begin_time <` this (ms).
    pub begin_to: Option<u64>,
}

/// The id (and file name) of a conversation's recording: `conv-<conversation id>.wav`. An id
/// that cannot appear in a file name (conversation ids are 32 hex digits, so only a foreign
/// one) is replaced by a 64-bit FNV-1a hash of it in hex, so the name is always valid.
pub fn conversation_recording_name(conversation_id: &str) -> String {
    let plain = format!("conv-{conversation_id}.wav");
    if valid_file_name(&plain) {
        return plain;
    }
    let hash = conversation_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("conv-{hash:016x}.wav")
}

const COLUMNS: &str = "id, callcenter_id, kind, call_id, conversation_id, file, begin_ms, \
                       end_ms, duration_ms, bytes";

/// Inserts or replaces a recording. As for conversations, `WHERE EXISTS` drops a row whose
/// call center is gone, and the conflict's `WHERE` keeps another call center's id untouched.
const UPSERT: &str = "INSERT INTO recordings (id, callcenter_id, kind, call_id, \
     conversation_id, file, begin_ms, end_ms, duration_ms, bytes)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
     WHERE EXISTS (SELECT 1 FROM callcenters WHERE id = ?2)
     ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, call_id = excluded.call_id,
       conversation_id = excluded.conversation_id, file = excluded.file,
       begin_ms = excluded.begin_ms, end_ms = excluded.end_ms,
       duration_ms = excluded.duration_ms, bytes = excluded.bytes
     WHERE recordings.callcenter_id = excluded.callcenter_id";

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<RecordingRow> {
    let kind: String = row.get(2)?;
    Ok(RecordingRow {
        id: row.get(0)?,
        callcenter_id: CallCenterId(row.get(1)?),
        // The table's CHECK constraint admits only the two stored spellings.
        kind: RecordingKind::parse(&kind).unwrap_or(RecordingKind::Ivr),
        call_id: row.get(3)?,
        conversation_id: row.get(4)?,
        file: row.get(5)?,
        begin_time: unsigned(row.get(6)?),
        end_time: unsigned(row.get(7)?),
        duration_ms: unsigned(row.get(8)?),
        bytes: unsigned(row.get(9)?),
    })
}

/// Checks that the id and the file are names the library can hold.
fn check(row: &RecordingRow) -> Result<(), StoreError> {
    for (what, value) in [("recording id", &row.id), ("recording file", &row.file)] {
        if !valid_file_name(value) {
            return Err(StoreError::Invalid {
                what,
                value: value.clone(),
                expected: "1 to 128 of letters, digits, `.`, `_` and `-`, not starting with `.`",
            });
        }
    }
    Ok(())
}

/// Stores (or replaces) one recording.
pub(crate) fn save(conn: &Connection, r: &RecordingRow) -> Result<(), StoreError> {
    check(r)?;
    let written = conn.prepare_cached(UPSERT)?.execute(params![
        r.id,
        r.callcenter_id.as_str(),
        r.kind.as_str(),
        r.call_id,
        r.conversation_id,
        r.file,
        ms(r.begin_time),
        ms(r.end_time),
        ms(r.duration_ms),
        ms(r.bytes),
    ])?;
    if written == 0 {
        tracing::debug!(callcenter = %r.callcenter_id, recording = %r.id,
            "recording of a deleted call center (or another's id) not saved");
    }
    Ok(())
}

pub(crate) fn one(
    conn: &Connection,
    cc: &CallCenterId,
    id: &str,
) -> Result<Option<RecordingRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM recordings WHERE id = ?1 AND callcenter_id = ?2"),
            [id, cc.as_str()],
            from_row,
        )
        .optional()?)
}

/// A call center's recordings matching `filter`, newest first.
pub(crate) fn list(
    conn: &Connection,
    cc: &CallCenterId,
    filter: &RecordingFilter,
    page: Page,
) -> Result<Paged<RecordingRow>, StoreError> {
    let (from, to) = (filter.begin_from.map(ms), filter.begin_to.map(ms));
    let kind = filter.kind.map(RecordingKind::as_str);
    let mut and = Conditions::default();
    if let Some(conversation) = &filter.conversation_id {
        and.add("AND conversation_id = ?N", conversation);
    }
    if let Some(call) = &filter.call_id {
        and.add("AND call_id = ?N", call);
    }
    if let Some(kind) = &kind {
        and.add("AND kind = ?N", kind);
    }
    if let Some(from) = &from {
        and.add("AND begin_ms >= ?N", from);
    }
    if let Some(to) = &to {
        and.add("AND begin_ms < ?N", to);
    }
    let listing = crate::sqlite::Listing {
        table: "recordings",
        columns: COLUMNS,
        and: &and.sql,
        order: "begin_ms DESC, id",
    };
    listing.page_with(conn, cc, &and.values, page, from_row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewCallCenter, SqliteStore, Store};

    const ALL: Page = Page { no: 1, size: 100 };

    fn callcenter(store: &SqliteStore) -> CallCenterId {
        let new = NewCallCenter::named("c");
        store.create_callcenter(&new, 1).unwrap().id
    }

    fn ivr(id: &str, cc: &CallCenterId, call: &str, begin: u64) -> RecordingRow {
        RecordingRow {
            id: id.into(),
            callcenter_id: cc.clone(),
            kind: RecordingKind::Ivr,
            call_id: Some(call.into()),
            conversation_id: None,
            file: id.into(),
            begin_time: begin,
            end_time: begin + 40,
            duration_ms: 40,
            bytes: 44 + 40 * 16,
        }
    }

    fn conv(id: &str, cc: &CallCenterId, conversation: &str, begin: u64) -> RecordingRow {
        RecordingRow {
            kind: RecordingKind::Conversation,
            conversation_id: Some(conversation.into()),
            call_id: Some("agent-leg".into()),
            ..ivr(id, cc, "unused", begin)
        }
    }

    fn ids(page: &Paged<RecordingRow>) -> Vec<&str> {
        page.rows.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn round_trip_and_replace() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        let mut row = conv("conv-c1.wav", &cc, "c1", 1_000);
        row.call_id = None;
        store.save_recording(&row).unwrap();
        assert_eq!(
            store.recording(&cc, "conv-c1.wav").unwrap(),
            Some(row.clone())
        );
        assert_eq!(store.recording(&cc, "nope.wav").unwrap(), None);
        let longer = RecordingRow {
            end_time: 9_000,
            duration_ms: 8_000,
            bytes: 128_044,
            ..row
        };
        store.save_recording(&longer).unwrap();
        assert_eq!(store.recording(&cc, "conv-c1.wav").unwrap(), Some(longer));
        let page = store.list_recordings(&cc, &RecordingFilter::default(), ALL);
        assert_eq!(page.unwrap().total, 1, "saved twice, stored once");
        let json = serde_json::to_value(store.recording(&cc, "conv-c1.wav").unwrap()).unwrap();
        assert_eq!(json["kind"], "conversation");
    }

    #[test]
    fn names_that_cannot_be_files_are_refused() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        let bad_id = ivr("../escape.wav", &cc, "call", 1);
        let err = store.save_recording(&bad_id).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    what: "recording id",
                    ..
                }
            ),
            "{err}"
        );
        let bad_file = RecordingRow {
            file: ".hidden.wav".into(),
            ..ivr("ok.wav", &cc, "call", 1)
        };
        let err = store.save_recording(&bad_file).unwrap_err();
        assert!(err.to_string().contains(".hidden.wav"), "{err}");
        assert_eq!(store.recording(&cc, "ok.wav").unwrap(), None);
    }

    /// Six recordings of one call center, one per 100 ms, and one of another.
    fn fixture(store: &SqliteStore, cc: &CallCenterId, other: &CallCenterId) {
        for row in [
            ivr("a.wav", cc, "call-1", 100),
            conv("b.wav", cc, "c1", 200),
            ivr("c.wav", cc, "call-1", 300),
            conv("d.wav", cc, "c2", 400),
            ivr("e.wav", cc, "call-2", 500),
            conv("f.wav", cc, "c1", 600),
            ivr("x.wav", other, "call-1", 350),
        ] {
            store.save_recording(&row).unwrap();
        }
    }

    #[test]
    fn every_filter_alone_and_combined() {
        let store = SqliteStore::open_in_memory().unwrap();
        let (cc, other) = (callcenter(&store), callcenter(&store));
        fixture(&store, &cc, &other);
        let list = |f: RecordingFilter| {
            let page = store.list_recordings(&cc, &f, ALL).unwrap();
            assert_eq!(page.total as usize, page.rows.len());
            ids(&page).into_iter().map(String::from).collect::<Vec<_>>()
        };
        let f = RecordingFilter::default;
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            list(f()),
            ["f.wav", "e.wav", "d.wav", "c.wav", "b.wav", "a.wav"]
        );
        let kind = |k| RecordingFilter {
            kind: Some(k),
            ..f()
        };
        assert_eq!(list(kind(RecordingKind::Ivr)), ["e.wav", "c.wav", "a.wav"]);
        assert_eq!(
            list(kind(RecordingKind::Conversation)),
            ["f.wav", "d.wav", "b.wav"]
        );
        let c1 = RecordingFilter {
            conversation_id: s("c1"),
            ..f()
        };
        assert_eq!(list(c1), ["f.wav", "b.wav"]);
        let call1 = RecordingFilter {
            call_id: s("call-1"),
            ..f()
        };
        assert_eq!(
            list(call1.clone()),
            ["c.wav", "a.wav"],
            "not x.wav of the other"
        );
        let window = RecordingFilter {
            begin_from: Some(200),
            begin_to: Some(600),
            ..f()
        };
        assert_eq!(list(window.clone()), ["e.wav", "d.wav", "c.wav", "b.wav"]);
        assert_eq!(
            list(RecordingFilter {
                conversation_id: s("c1"),
                ..window
            }),
            ["b.wav"]
        );
        assert_eq!(
            list(RecordingFilter {
                kind: Some(RecordingKind::Conversation),
                ..call1
            }),
            Vec::<String>::new()
        );
        let quote = RecordingFilter {
            call_id: s("x' OR '1'='1"),
            ..f()
        };
        assert!(list(quote).is_empty(), "values are bound, not spliced");
    }

    #[test]
    fn pages_count_every_matching_row() {
        let store = SqliteStore::open_in_memory().unwrap();
        let (cc, other) = (callcenter(&store), callcenter(&store));
        fixture(&store, &cc, &other);
        let page = |no| {
            store
                .list_recordings(&cc, &RecordingFilter::default(), Page { no, size: 4 })
                .unwrap()
        };
        assert_eq!((page(1).total, page(1).rows.len()), (6, 4));
        assert_eq!((page(2).total, ids(&page(2))), (6, vec!["b.wav", "a.wav"]));
        assert_eq!(page(3).rows.len(), 0);
    }

    #[test]
    fn another_tenants_rows_are_never_returned_or_taken_over() {
        let store = SqliteStore::open_in_memory().unwrap();
        let (a, b) = (callcenter(&store), callcenter(&store));
        let mine = ivr("same.wav", &a, "call-a", 100);
        store.save_recording(&mine).unwrap();
        store
            .save_recording(&ivr("same.wav", &b, "call-b", 200))
            .unwrap();
        assert_eq!(store.recording(&a, "same.wav").unwrap(), Some(mine));
        assert_eq!(store.recording(&b, "same.wav").unwrap(), None);
        let none = store.list_recordings(&b, &RecordingFilter::default(), ALL);
        assert_eq!(none.unwrap().total, 0);
    }

    #[test]
    fn a_deleted_callcenters_rows_go_with_it_and_late_ones_are_dropped() {
        let store = SqliteStore::open_in_memory().unwrap();
        let (live, gone) = (callcenter(&store), callcenter(&store));
        store
            .save_recording(&ivr("old.wav", &gone, "c", 1))
            .unwrap();
        assert!(store.delete_callcenter(&gone).unwrap());
        store
            .save_recording(&ivr("late.wav", &gone, "c", 2))
            .unwrap();
        store
            .save_recording(&ivr("kept.wav", &live, "c", 3))
            .unwrap();
        assert_eq!(store.recording(&gone, "old.wav").unwrap(), None);
        assert_eq!(store.recording(&gone, "late.wav").unwrap(), None);
        let all = store.list_recordings(&live, &RecordingFilter::default(), ALL);
        assert_eq!(ids(&all.unwrap()), ["kept.wav"]);
    }

    #[test]
    fn a_version_7_database_gains_recordings_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(crate::sqlite::DB_FILE)).unwrap();
            for sql in &crate::sqlite::MIGRATIONS[..7] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 7).unwrap();
            conn.execute_batch(
                "INSERT INTO callcenters VALUES ('cc', 'old', NULL, NULL, '{}', 1, 1);
                 INSERT INTO conversations (id, callcenter_id, kind, state, begin_ms, members)
                 VALUES ('c1', 'cc', 'queue', 'completed', 5, '[]');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            crate::sqlite::MIGRATIONS.len()
        );
        let cc = CallCenterId("cc".into());
        assert_eq!(
            store.conversation(&cc, "c1").unwrap().unwrap().begin_time,
            5
        );
        let row = conv("conv-c1.wav", &cc, "c1", 5);
        store.save_recording(&row).unwrap();
        assert_eq!(store.recording(&cc, "conv-c1.wav").unwrap(), Some(row));
    }

    #[test]
    fn conversation_names_are_valid_files_and_stable() {
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(conversation_recording_name(hex), format!("conv-{hex}.wav"));
        for odd in ["a/b", "", "x y", &"z".repeat(200)] {
            let name = conversation_recording_name(odd);
            assert!(valid_file_name(&name), "{odd:?} → {name}");
            assert_eq!(name, conversation_recording_name(odd), "deterministic");
        }
        assert_ne!(
            conversation_recording_name("a/b"),
            conversation_recording_name("a/c")
        );
    }
}
