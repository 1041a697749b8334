//! Call detail records: one row per call leg, written behind the SIP path when the leg
//! ends, with its reception quality added once the media plane reports it.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{CallCenterId, Page, Paged, StoreError};

/// One finished call leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRow {
    /// The leg's id (`call_id` everywhere in the API).
    pub id: String,
    /// Its call center, when known.
    pub callcenter_id: Option<CallCenterId>,
    /// The SIP Call-ID of its dialog.
    pub sip_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Calling party.
    pub from: String,
    /// Called party.
    pub to: String,
    /// The other leg of the call, if it had one.
    pub peer_id: Option<String>,
    /// When the INVITE came or went, ms since the Unix epoch.
    pub start_time: u64,
    /// When it was answered.
    pub answer_time: Option<u64>,
    /// When it ended.
    pub end_time: u64,
    /// Why it ended (`hangup`, `peer_hangup`, `rejected`, `no_answer`, …).
    pub end_reason: String,
    /// The final SIP status of its INVITE.
    pub status: Option<u16>,
    /// RTP packets lost from the peer (RTCP figure), once known.
    pub packets_lost: Option<i64>,
    /// Interarrival jitter from the peer in ms, once known.
    pub jitter_ms: Option<u32>,
}

const COLUMNS: &str = "id, callcenter_id, sip_call_id, direction, from_party, to_party, peer_id, \
                       start_ms, answer_ms, end_ms, end_reason, status, packets_lost, jitter_ms";

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<CallRow> {
    let unsigned = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(CallRow {
        id: row.get(0)?,
        callcenter_id: row.get::<_, Option<String>>(1)?.map(CallCenterId),
        sip_call_id: row.get(2)?,
        direction: row.get(3)?,
        from: row.get(4)?,
        to: row.get(5)?,
        peer_id: row.get(6)?,
        start_time: unsigned(row.get(7)?),
        answer_time: row.get::<_, Option<i64>>(8)?.map(unsigned),
        end_time: unsigned(row.get(9)?),
        end_reason: row.get(10)?,
        status: row.get(11)?,
        packets_lost: row.get(12)?,
        jitter_ms: row.get(13)?,
    })
}

/// A record's values in `COLUMNS` order.
fn values(r: &CallRow) -> [Value; 14] {
    let text = |s: &str| Value::Text(s.to_owned());
    let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
    [
        text(&r.id),
        opt(r.callcenter_id.as_ref().map(|c| text(c.as_str()))),
        text(&r.sip_call_id),
        text(&r.direction),
        text(&r.from),
        text(&r.to),
        opt(r.peer_id.as_deref().map(text)),
        Value::Integer(ms(r.start_time)),
        opt(r.answer_time.map(|t| Value::Integer(ms(t)))),
        Value::Integer(ms(r.end_time)),
        text(&r.end_reason),
        opt(r.status.map(|v| Value::Integer(i64::from(v)))),
        opt(r.packets_lost.map(Value::Integer)),
        opt(r.jitter_ms.map(|v| Value::Integer(i64::from(v)))),
    ]
}

/// Writes records in one transaction; a record of a deleted call center loses its link.
pub(crate) fn insert(conn: &mut Connection, rows: &[CallRow]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(&format!(
            "INSERT OR REPLACE INTO call_records ({COLUMNS}) VALUES \
             (?1, (SELECT id FROM callcenters WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
              ?11, ?12, ?13, ?14)"
        ))?;
        for r in rows {
            stmt.execute(params_from_iter(values(r)))?;
        }
        let mut done = tx.prepare_cached("DELETE FROM calls_in_progress WHERE id = ?1")?;
        for r in rows {
            done.execute([&r.id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// `end_reason` of a leg that was up when its process stopped without ending it.
pub const INTERRUPTED: &str = "restart";

/// Notes answered legs as in progress.
pub(crate) fn began(conn: &mut Connection, rows: &[CallRow]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR REPLACE INTO calls_in_progress (id, callcenter_id, sip_call_id, direction, \
             from_party, to_party, peer_id, start_ms, answer_ms) VALUES \
             (?1, (SELECT id FROM callcenters WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for r in rows {
            // The start of a record: everything up to its answer.
            stmt.execute(params_from_iter(values(r).into_iter().take(9)))?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Turns every leg still in progress into a record ended at `now_ms` ([`INTERRUPTED`]).
pub(crate) fn close_interrupted(conn: &mut Connection, now_ms: u64) -> Result<u64, StoreError> {
    let tx = conn.transaction()?;
    tx.execute(
        &format!(
            "INSERT OR IGNORE INTO call_records ({COLUMNS}) \
             SELECT id, callcenter_id, sip_call_id, direction, from_party, to_party, peer_id, \
                    start_ms, answer_ms, ?1, ?2, 200, NULL, NULL FROM calls_in_progress"
        ),
        params![ms(now_ms), INTERRUPTED],
    )?;
    let n = tx.execute("DELETE FROM calls_in_progress", [])?;
    tx.commit()?;
    Ok(u64::try_from(n).unwrap_or(u64::MAX))
}

/// Adds the reception quality the media plane reported after the leg ended.
pub(crate) fn set_quality(
    conn: &Connection,
    id: &str,
    packets_lost: i64,
    jitter_ms: u32,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE call_records SET packets_lost = ?2, jitter_ms = ?3 WHERE id = ?1",
        params![id, packets_lost, jitter_ms],
    )?;
    Ok(n > 0)
}

pub(crate) fn one(
    conn: &Connection,
    cc: &CallCenterId,
    id: &str,
) -> Result<Option<CallRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM call_records WHERE id = ?1 AND callcenter_id = ?2"),
            [id, cc.as_str()],
            from_row,
        )
        .optional()?)
}

/// A call center's records, newest first.
pub(crate) fn list(
    conn: &Connection,
    cc: &CallCenterId,
    page: Page,
) -> Result<Paged<CallRow>, StoreError> {
    let listing = crate::sqlite::Listing {
        table: "call_records",
        columns: COLUMNS,
        and: "",
        order: "start_ms DESC, id",
    };
    listing.page(conn, cc, page, from_row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewCallCenter, SqliteStore, Store};

    fn row(id: &str, cc: &CallCenterId, start: u64) -> CallRow {
        CallRow {
            id: id.into(),
            callcenter_id: Some(cc.clone()),
            sip_call_id: format!("{id}@test"),
            direction: "inbound".into(),
            from: "1001".into(),
            to: "1002".into(),
            peer_id: None,
            start_time: start,
            answer_time: Some(start + 5),
            end_time: start + 60,
            end_reason: "hangup".into(),
            status: Some(200),
            packets_lost: None,
            jitter_ms: None,
        }
    }

    #[test]
    fn records_are_stored_listed_newest_first_and_get_their_quality() {
        let store = SqliteStore::open_in_memory().unwrap();
        let new = NewCallCenter::named("c");
        let cc = store.create_callcenter(&new, 1).unwrap().id;
        let other = store.create_callcenter(&new, 1).unwrap().id;
        store
            .insert_calls(&[
                row("a", &cc, 100),
                row("b", &cc, 200),
                row("x", &other, 150),
            ])
            .unwrap();
        let page = store.list_calls(&cc, Page { no: 1, size: 10 }).unwrap();
        assert_eq!(page.total, 2);
        let ids: Vec<&str> = page.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert!(
            store.call(&cc, "x").unwrap().is_none(),
            "another call center's"
        );
        assert!(store.set_call_quality("a", 3, 12).unwrap());
        let a = store.call(&cc, "a").unwrap().unwrap();
        assert_eq!((a.packets_lost, a.jitter_ms), (Some(3), Some(12)));
        assert!(!store.set_call_quality("nope", 0, 0).unwrap());
    }

    #[test]
    fn legs_in_progress_at_a_crash_are_closed_on_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let cc = {
            let store = SqliteStore::open(dir.path()).unwrap();
            let new = NewCallCenter::named("c");
            let cc = store.create_callcenter(&new, 1).unwrap().id;
            store
                .calls_began(&[row("up", &cc, 100), row("ended", &cc, 200)])
                .unwrap();
            // "ended" finishes normally; "up" is still up when the process dies.
            store.insert_calls(&[row("ended", &cc, 200)]).unwrap();
            assert!(store.call(&cc, "up").unwrap().is_none(), "not a record yet");
            cc
        };
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.close_interrupted_calls(9_000).unwrap(), 1);
        let up = store
            .call(&cc, "up")
            .unwrap()
            .expect("closed into a record");
        assert_eq!(up.end_reason, INTERRUPTED);
        assert_eq!(
            (up.start_time, up.answer_time, up.end_time),
            (100, Some(105), 9_000)
        );
        assert_eq!(up.sip_call_id, "up@test");
        let ended = store.call(&cc, "ended").unwrap().unwrap();
        assert_eq!(
            ended.end_reason, "hangup",
            "a finished record is left alone"
        );
        assert_eq!(store.close_interrupted_calls(10_000).unwrap(), 0, "once");
    }
}
