//! Stored agent-selection conditions (SPEC §3). The store keeps their text; the call-center
//! crate validates and compiles them.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::model::new_id;
use crate::{CallCenterId, Page, Paged, StoreError};

/// A condition's id: 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConditionId(pub String);

/// What a condition says, as validated by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionDef {
    /// Boolean expression selecting agents.
    #[serde(rename = "where")]
    pub where_: String,
    /// Numeric expression ranking them (larger first).
    pub sort: Option<String>,
    /// 0–99, larger first among waiting tasks.
    pub priority: u8,
    /// Seconds a task waits on it before overflowing, 1–1000.
    pub queue_timeout: u32,
    /// Seconds an agent's extension may ring, 1–60.
    pub fetch_timeout: u32,
    /// Free text.
    pub remark: Option<String>,
}

/// A stored condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionRecord {
    /// Its id.
    pub id: ConditionId,
    /// Its call center.
    pub callcenter_id: CallCenterId,
    /// Its definition.
    #[serde(flatten)]
    pub def: ConditionDef,
    /// Creation time, ms since the Unix epoch.
    pub created_at: u64,
    /// Last update, ms since the Unix epoch.
    pub updated_at: u64,
}

const COLUMNS: &str = "id, callcenter_id, where_expr, sort_expr, priority, queue_timeout, \
                       fetch_timeout, remark, created_at, updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ConditionRecord> {
    let ms = |i: usize| -> rusqlite::Result<u64> {
        Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
    };
    Ok(ConditionRecord {
        id: ConditionId(row.get(0)?),
        callcenter_id: CallCenterId(row.get(1)?),
        def: ConditionDef {
            where_: row.get(2)?,
            sort: row.get(3)?,
            priority: row.get(4)?,
            queue_timeout: row.get(5)?,
            fetch_timeout: row.get(6)?,
            remark: row.get(7)?,
        },
        created_at: ms(8)?,
        updated_at: ms(9)?,
    })
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn create(
    conn: &Connection,
    cc: &CallCenterId,
    def: &ConditionDef,
    now_ms: u64,
) -> Result<ConditionRecord, StoreError> {
    crate::sqlite::require_callcenter(conn, cc)?;
    let rec = ConditionRecord {
        id: ConditionId(new_id()),
        callcenter_id: cc.clone(),
        def: def.clone(),
        created_at: now_ms,
        updated_at: now_ms,
    };
    conn.execute(
        &format!(
            "INSERT INTO conditions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"
        ),
        params![
            rec.id.0,
            cc.as_str(),
            def.where_,
            def.sort,
            def.priority,
            def.queue_timeout,
            def.fetch_timeout,
            def.remark,
            ms(now_ms)
        ],
    )?;
    Ok(rec)
}

pub(crate) fn one(
    conn: &Connection,
    cc: &CallCenterId,
    id: &ConditionId,
) -> Result<Option<ConditionRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM conditions WHERE id = ?1 AND callcenter_id = ?2"),
            [id.0.as_str(), cc.as_str()],
            from_row,
        )
        .optional()?)
}

pub(crate) fn list(
    conn: &Connection,
    cc: &CallCenterId,
    page: Page,
) -> Result<Paged<ConditionRecord>, StoreError> {
    let listing = crate::sqlite::Listing {
        table: "conditions",
        columns: COLUMNS,
        and: "",
        order: "created_at, rowid",
    };
    listing.page(conn, cc, page, from_row)
}

pub(crate) fn update(
    conn: &Connection,
    cc: &CallCenterId,
    id: &ConditionId,
    def: &ConditionDef,
    now_ms: u64,
) -> Result<Option<ConditionRecord>, StoreError> {
    let n = conn.execute(
        "UPDATE conditions SET where_expr = ?3, sort_expr = ?4, priority = ?5, queue_timeout = ?6,
         fetch_timeout = ?7, remark = ?8, updated_at = ?9 WHERE id = ?1 AND callcenter_id = ?2",
        params![
            id.0,
            cc.as_str(),
            def.where_,
            def.sort,
            def.priority,
            def.queue_timeout,
            def.fetch_timeout,
            def.remark,
            ms(now_ms)
        ],
    )?;
    if n == 0 {
        return Ok(None);
    }
    one(conn, cc, id)
}

pub(crate) fn delete(
    conn: &Connection,
    cc: &CallCenterId,
    id: &ConditionId,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM conditions WHERE id = ?1 AND callcenter_id = ?2",
        [id.0.as_str(), cc.as_str()],
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewCallCenter, SqliteStore, Store};

    #[test]
    fn crud_within_a_tenant() {
        let store = SqliteStore::open_in_memory().unwrap();
        let new = |name: &str| NewCallCenter::named(name);
        let a = store.create_callcenter(&new("a"), 1).unwrap().id;
        let b = store.create_callcenter(&new("b"), 1).unwrap().id;
        let mut def = ConditionDef {
            where_: "has(\"billing\")".into(),
            sort: Some("get(\"billing\")".into()),
            priority: 10,
            queue_timeout: 30,
            fetch_timeout: 45,
            remark: None,
        };
        let c = store.create_condition(&a, &def, 2).unwrap();
        assert_eq!(store.condition(&a, &c.id).unwrap().unwrap(), c);
        assert_eq!(store.condition(&b, &c.id).unwrap(), None);
        def.priority = 20;
        let u = store.update_condition(&a, &c.id, &def, 3).unwrap().unwrap();
        assert_eq!((u.def.priority, u.created_at, u.updated_at), (20, 2, 3));
        assert_eq!(store.update_condition(&b, &c.id, &def, 3).unwrap(), None);
        assert_eq!(
            store
                .list_conditions(&a, Page { no: 1, size: 5 })
                .unwrap()
                .total,
            1
        );
        assert!(!store.delete_condition(&b, &c.id).unwrap());
        assert!(store.delete_condition(&a, &c.id).unwrap());
    }
}
