//! The event log and webhook outbox (SPEC §11): every event a call center emits, numbered,
//! kept until delivered (and afterwards, for replay to live-stream clients).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{CallCenterId, Page, Paged, StoreError};

/// Where an event stands with the call center's webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Not delivered yet; the dispatcher will try (again).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every retry failed; still undelivered and shown to operators. Delivery resumes from here
    /// once the receiver answers again.
    Parked,
    /// The call center has no `callback_url`; kept only for the log and live stream.
    NoReceiver,
}

impl DeliveryState {
    fn code(self) -> i64 {
        match self {
            DeliveryState::Pending => 0,
            DeliveryState::Delivered => 1,
            DeliveryState::Parked => 2,
            DeliveryState::NoReceiver => 3,
        }
    }

    fn from_code(code: i64) -> Self {
        match code {
            1 => DeliveryState::Delivered,
            2 => DeliveryState::Parked,
            3 => DeliveryState::NoReceiver,
            _ => DeliveryState::Pending,
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    /// Its call center.
    pub callcenter_id: CallCenterId,
    /// Its number: 1, 2, 3 … per call center, without gaps.
    pub seq: u64,
    /// Event name, e.g. `callcenter.agent.state_changed`.
    pub name: String,
    /// The JSON body exactly as delivered.
    pub body: String,
    /// When it happened, ms since the Unix epoch.
    pub created_at: u64,
    /// Delivery state.
    pub state: DeliveryState,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
}

const COLUMNS: &str = "callcenter_id, seq, name, body, created_at, state, attempts, last_error";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let u = |i: usize| -> rusqlite::Result<u64> {
        Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
    };
    Ok(StoredEvent {
        callcenter_id: CallCenterId(row.get(0)?),
        seq: u(1)?,
        name: row.get(2)?,
        body: row.get(3)?,
        created_at: u(4)?,
        state: DeliveryState::from_code(row.get(5)?),
        attempts: row.get(6)?,
        last_error: row.get(7)?,
    })
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn append(
    conn: &mut Connection,
    cc: &CallCenterId,
    name: &str,
    payload: &serde_json::Map<String, serde_json::Value>,
    now_ms: u64,
) -> Result<StoredEvent, StoreError> {
    let tx = conn.transaction()?;
    let last: Option<i64> = tx
        .query_row(
            "SELECT MAX(seq) FROM events WHERE callcenter_id = ?1",
            [cc.as_str()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let seq = u64::try_from(last.unwrap_or(0)).unwrap_or(0) + 1;
    let mut body = payload.clone();
    body.insert("seq".to_owned(), seq.into());
    // Serialising a JSON map cannot fail.
    let body = serde_json::to_string(&body).expect("a JSON map serialises");
    tx.execute(
        "INSERT INTO events (callcenter_id, seq, name, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![cc.as_str(), i(seq), name, body, i(now_ms)],
    )?;
    tx.commit()?;
    Ok(StoredEvent {
        callcenter_id: cc.clone(),
        seq,
        name: name.to_owned(),
        body,
        created_at: now_ms,
        state: DeliveryState::Pending,
        attempts: 0,
        last_error: None,
    })
}

pub(crate) fn after(
    conn: &Connection,
    cc: &CallCenterId,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE callcenter_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(params![cc.as_str(), i(after_seq), limit], from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(crate) fn undelivered(
    conn: &Connection,
    cc: &CallCenterId,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE callcenter_id = ?1 AND state IN (0, 2)
         ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![cc.as_str(), limit], from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(crate) fn callcenters_with_undelivered(
    conn: &Connection,
) -> Result<Vec<CallCenterId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT callcenter_id FROM events WHERE state IN (0, 2) ORDER BY callcenter_id",
    )?;
    let rows = stmt
        .query_map([], |r| r.get(0).map(CallCenterId))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(crate) fn set_state(
    conn: &Connection,
    cc: &CallCenterId,
    seq: u64,
    state: DeliveryState,
    error: Option<&str>,
    now_ms: u64,
) -> Result<(), StoreError> {
    let attempt = i64::from(matches!(
        state,
        DeliveryState::Pending | DeliveryState::Parked
    ));
    let delivered_at = (state == DeliveryState::Delivered).then_some(i(now_ms));
    conn.execute(
        "UPDATE events SET state = ?3, attempts = attempts + ?4, last_error = ?5,
         delivered_at = COALESCE(?6, delivered_at) WHERE callcenter_id = ?1 AND seq = ?2",
        params![
            cc.as_str(),
            i(seq),
            state.code(),
            attempt,
            error,
            delivered_at
        ],
    )?;
    Ok(())
}

pub(crate) fn parked(
    conn: &Connection,
    cc: &CallCenterId,
    page: Page,
) -> Result<Paged<StoredEvent>, StoreError> {
    let listing = crate::sqlite::Listing {
        table: "events",
        columns: COLUMNS,
        and: "AND state = 2",
        order: "seq",
    };
    listing.page(conn, cc, page, from_row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewCallCenter, SqliteStore, Store};

    fn payload() -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("event".into(), "callcenter.test".into());
        m
    }

    #[test]
    fn sequence_numbers_are_per_callcenter_without_gaps() {
        let store = SqliteStore::open_in_memory().unwrap();
        let new = |n: &str| NewCallCenter::named(n);
        let a = store.create_callcenter(&new("a"), 1).unwrap().id;
        let b = store.create_callcenter(&new("b"), 1).unwrap().id;
        let seqs: Vec<u64> = (0..3)
            .map(|_| store.append_event(&a, "x", &payload(), 5).unwrap().seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(store.append_event(&b, "x", &payload(), 5).unwrap().seq, 1);
        let e = &store.events_after(&a, 1, 10).unwrap()[0];
        assert_eq!(e.seq, 2);
        let body: serde_json::Value = serde_json::from_str(&e.body).unwrap();
        assert_eq!(body["seq"], 2, "the body carries its own sequence number");

        store
            .set_event_state(&a, 1, DeliveryState::Delivered, None, 9)
            .unwrap();
        store
            .set_event_state(&a, 2, DeliveryState::Parked, Some("503"), 9)
            .unwrap();
        let left: Vec<u64> = store
            .undelivered_events(&a, 10)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(left, [2, 3]);
        let parked = store.parked_events(&a, Page { no: 1, size: 10 }).unwrap();
        assert_eq!((parked.total, parked.rows[0].attempts), (1, 1));
        assert_eq!(parked.rows[0].last_error.as_deref(), Some("503"));
        assert_eq!(
            store.callcenters_with_undelivered_events().unwrap().len(),
            2
        );
    }
}
