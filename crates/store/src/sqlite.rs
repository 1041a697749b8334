//! The embedded SQLite implementation of [`Store`].
//!
//! One connection behind a mutex: SQLite serialises writers anyway, every call is short, and
//! callers reach it only through [`crate::StoreHandle`]'s blocking pool. WAL journaling with
//! `synchronous=NORMAL` keeps every committed write across a process kill (`kill -9`); only a
//! power loss may drop the last transactions.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::agent::{self, AgentRecord};
use crate::call::{self, CallRow};
use crate::condition::{self, ConditionDef, ConditionId, ConditionRecord};
use crate::conversation::{self, ConversationFilter, ConversationRow};
use crate::event::{self, DeliveryState, StoredEvent};
use crate::extension::{self, Extension, ExtensionId, ExtensionKind, RegistrationRecord};
use crate::model::{new_id, Transport};
use crate::recording::{self, RecordingFilter, RecordingRow};
use crate::{
    CallCenter, CallCenterId, CallCenterUpdate, NewCallCenter, Page, Paged, Settings, Store,
    StoreError, Trunk, TrunkDef, TrunkId,
};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
/// Append only: never edit a migration that has shipped.
pub const MIGRATIONS: &[&str] = &[
    // 1: call centers, tokens, trunks, metadata.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE callcenters (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        ivr_url      TEXT,
        callback_url TEXT,
        settings     TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    CREATE TABLE api_tokens (
        token_hash    TEXT PRIMARY KEY,
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        created_at    INTEGER NOT NULL
    );
    CREATE INDEX api_tokens_by_callcenter ON api_tokens(callcenter_id);
    CREATE TABLE trunks (
        id            TEXT PRIMARY KEY,
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id),
        name          TEXT NOT NULL,
        host          TEXT NOT NULL,
        port          INTEGER,
        transport     TEXT NOT NULL,
        username      TEXT,
        password      TEXT,
        register      INTEGER NOT NULL,
        from_numbers  TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    );
    CREATE TABLE trunk_inbound_numbers (
        number   TEXT PRIMARY KEY,
        trunk_id TEXT NOT NULL REFERENCES trunks(id) ON DELETE CASCADE,
        position INTEGER NOT NULL
    );
    CREATE INDEX trunk_inbound_numbers_by_trunk ON trunk_inbound_numbers(trunk_id);
    "#,
    // 2: extensions and the registrar's bindings.
    r#"
    CREATE TABLE extensions (
        id            TEXT PRIMARY KEY,
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        type          INTEGER NOT NULL CHECK (type IN (1, 2, 3)),
        sip_user      TEXT UNIQUE,
        password      TEXT,
        ipaddr        TEXT,
        telnum        TEXT,
        created_at    INTEGER NOT NULL
    );
    CREATE INDEX extensions_by_callcenter ON extensions(callcenter_id, created_at);
    CREATE TABLE registrations (
        sip_user        TEXT NOT NULL,
        contact         TEXT NOT NULL,
        expires_unix_ms INTEGER NOT NULL,
        user_agent      TEXT,
        source          TEXT NOT NULL,
        transport       TEXT NOT NULL,
        call_id         TEXT NOT NULL,
        cseq            INTEGER NOT NULL,
        PRIMARY KEY (sip_user, contact)
    );
    "#,
    // 3: stored agent-selection conditions.
    r#"
    CREATE TABLE conditions (
        id            TEXT PRIMARY KEY,
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        where_expr    TEXT NOT NULL,
        sort_expr     TEXT,
        priority      INTEGER NOT NULL,
        queue_timeout INTEGER NOT NULL,
        fetch_timeout INTEGER NOT NULL,
        remark        TEXT,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    );
    CREATE INDEX conditions_by_callcenter ON conditions(callcenter_id, created_at);
    "#,
    // 4: the event log and webhook outbox: every event, numbered per call center.
    r#"
    CREATE TABLE events (
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        name          TEXT NOT NULL,
        body          TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        state         INTEGER NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        delivered_at  INTEGER,
        PRIMARY KEY (callcenter_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX events_by_state ON events(state, callcenter_id, seq);
    "#,
    // 5: logged-in agents, so they come back from a restart.
    r#"
    CREATE TABLE agents (
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        num           TEXT,
        state         TEXT NOT NULL,
        skills        TEXT NOT NULL,
        extension_id  TEXT NOT NULL,
        login_time    INTEGER NOT NULL,
        PRIMARY KEY (callcenter_id, name)
    ) WITHOUT ROWID;
    "#,
    // 6: call detail records, one per call leg.
    r#"
    CREATE TABLE call_records (
        id            TEXT PRIMARY KEY,
        callcenter_id TEXT REFERENCES callcenters(id) ON DELETE CASCADE,
        sip_call_id   TEXT NOT NULL,
        direction     TEXT NOT NULL,
        from_party    TEXT NOT NULL,
        to_party      TEXT NOT NULL,
        peer_id       TEXT,
        start_ms      INTEGER NOT NULL,
        answer_ms     INTEGER,
        end_ms        INTEGER NOT NULL,
        end_reason    TEXT NOT NULL,
        status        INTEGER,
        packets_lost  INTEGER,
        jitter_ms     INTEGER
    );
    CREATE INDEX call_records_by_callcenter ON call_records(callcenter_id, start_ms);
    "#,
    // 7: conversation records, written behind the engine, and which agents were in each.
    r#"
    CREATE TABLE conversations (
        id            TEXT PRIMARY KEY,
        callcenter_id TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        kind          TEXT NOT NULL,
        state         TEXT NOT NULL,
        queue_id      TEXT,
        condition_id  TEXT,
        agent_call_id TEXT,
        begin_ms      INTEGER NOT NULL,
        end_ms        INTEGER,
        end_reason    TEXT,
        record_file   TEXT,
        members       TEXT NOT NULL
    );
    CREATE INDEX conversations_by_callcenter ON conversations(callcenter_id, begin_ms);
    CREATE INDEX conversations_running ON conversations(id) WHERE state = 'running';
    CREATE TABLE conversation_agents (
        callcenter_id   TEXT NOT NULL,
        agent           TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        PRIMARY KEY (callcenter_id, agent, conversation_id)
    ) WITHOUT ROWID;
    CREATE INDEX conversation_agents_by_conversation ON conversation_agents(conversation_id);
    "#,
    // 8: recordings (IVR `<record>` and recorded conversations), naming their library file.
    r#"
    CREATE TABLE recordings (
        id              TEXT PRIMARY KEY,
        callcenter_id   TEXT NOT NULL REFERENCES callcenters(id) ON DELETE CASCADE,
        kind            TEXT NOT NULL CHECK (kind IN ('ivr', 'conversation')),
        call_id         TEXT,
        conversation_id TEXT,
        file            TEXT NOT NULL,
        begin_ms        INTEGER NOT NULL,
        end_ms          INTEGER NOT NULL,
        duration_ms     INTEGER NOT NULL,
        bytes           INTEGER NOT NULL
    );
    CREATE INDEX recordings_by_callcenter ON recordings(callcenter_id, begin_ms);
    CREATE INDEX recordings_by_call ON recordings(callcenter_id, call_id);
    CREATE INDEX recordings_by_conversation ON recordings(callcenter_id, conversation_id);
    "#,
    // 9: answered call legs still up, so a crash leaves a record to close on the next start.
    r#"
    CREATE TABLE calls_in_progress (
        id            TEXT PRIMARY KEY,
        callcenter_id TEXT REFERENCES callcenters(id) ON DELETE SET NULL,
        sip_call_id   TEXT NOT NULL,
        direction     TEXT NOT NULL,
        from_party    TEXT NOT NULL,
        to_party      TEXT NOT NULL,
        peer_id       TEXT,
        start_ms      INTEGER NOT NULL,
        answer_ms     INTEGER
    );
    "#,
];

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "switchboard.db";

/// [`Store`] on an embedded SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir`, and migrates it.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let conn = Connection::open(data_dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::with_connection(conn)
    }

    /// A private in-memory database, for tests and examples.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock can only come from a bug in this module; the
        // connection itself stays consistent (SQLite rolls back the open transaction), so
        // carrying on with the inner value is sound.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    if current > supported {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied database migration");
    }
    Ok(())
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn row_ms(row: &Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    Ok(u64::try_from(row.get::<_, i64>(idx)?).unwrap_or(0))
}

const CC_COLUMNS: &str = "id, name, ivr_url, callback_url, settings, created_at, updated_at";

fn callcenter_from_row(row: &Row<'_>) -> rusqlite::Result<(CallCenter, String)> {
    Ok((
        CallCenter {
            id: CallCenterId(row.get(0)?),
            name: row.get(1)?,
            ivr_url: row.get(2)?,
            callback_url: row.get(3)?,
            settings: Settings::default(),
            created_at: row_ms(row, 5)?,
            updated_at: row_ms(row, 6)?,
        },
        row.get(4)?,
    ))
}

fn decode_settings((mut cc, json): (CallCenter, String)) -> Result<CallCenter, StoreError> {
    cc.settings = serde_json::from_str(&json).map_err(|source| StoreError::Corrupt {
        what: "call center settings",
        source,
    })?;
    Ok(cc)
}

fn encode<T: serde::Serialize>(v: &T) -> String {
    // Serialising our own plain structs and string vectors to JSON cannot fail.
    serde_json::to_string(v).expect("settings and number lists serialise")
}

const TRUNK_COLUMNS: &str = "id, callcenter_id, name, host, port, transport, username, password, \
                             register, from_numbers, created_at, updated_at";

struct TrunkRow {
    trunk: Trunk,
    transport: String,
    from_numbers: String,
}

fn trunk_from_row(row: &Row<'_>) -> rusqlite::Result<TrunkRow> {
    Ok(TrunkRow {
        trunk: Trunk {
            id: TrunkId(row.get(0)?),
            def: TrunkDef {
                callcenter_id: CallCenterId(row.get(1)?),
                name: row.get(2)?,
                host: row.get(3)?,
                port: row.get(4)?,
                transport: Transport::Udp,
                username: row.get(6)?,
                password: row.get(7)?,
                register: row.get(8)?,
                from_numbers: Vec::new(),
                inbound_numbers: Vec::new(),
            },
            created_at: row_ms(row, 10)?,
            updated_at: row_ms(row, 11)?,
        },
        transport: row.get(5)?,
        from_numbers: row.get(9)?,
    })
}

fn finish_trunk(conn: &Connection, raw: TrunkRow) -> Result<Trunk, StoreError> {
    let mut trunk = raw.trunk;
    trunk.def.transport = Transport::parse(&raw.transport).unwrap_or_default();
    trunk.def.from_numbers =
        serde_json::from_str(&raw.from_numbers).map_err(|source| StoreError::Corrupt {
            what: "trunk from_numbers",
            source,
        })?;
    let mut stmt = conn.prepare_cached(
        "SELECT number FROM trunk_inbound_numbers WHERE trunk_id = ?1 ORDER BY position",
    )?;
    trunk.def.inbound_numbers = stmt
        .query_map([trunk.id.as_str()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(trunk)
}

/// Inserts a trunk, or replaces the definition of an existing one (keeping `created_at`):
/// the one place that binds a trunk's columns, for create and update alike.
fn write_trunk(
    tx: &rusqlite::Transaction<'_>,
    id: &TrunkId,
    def: &TrunkDef,
    now_ms: u64,
) -> Result<(), StoreError> {
    tx.execute(
        &format!(
            "INSERT INTO trunks ({TRUNK_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
             ON CONFLICT(id) DO UPDATE SET callcenter_id = excluded.callcenter_id,
               name = excluded.name, host = excluded.host, port = excluded.port,
               transport = excluded.transport, username = excluded.username,
               password = excluded.password, register = excluded.register,
               from_numbers = excluded.from_numbers, updated_at = excluded.updated_at"
        ),
        params![
            id.as_str(),
            def.callcenter_id.as_str(),
            def.name,
            def.host,
            def.port,
            def.transport.as_str(),
            def.username,
            def.password,
            def.register,
            encode(&def.from_numbers),
            ms(now_ms)
        ],
    )?;
    Ok(())
}

/// Writes a trunk's inbound numbers, refusing numbers another trunk already has.
fn put_inbound_numbers(
    tx: &rusqlite::Transaction<'_>,
    trunk: &TrunkId,
    numbers: &[String],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM trunk_inbound_numbers WHERE trunk_id = ?1",
        [trunk.as_str()],
    )?;
    for (pos, number) in numbers.iter().enumerate() {
        let owner: Option<String> = tx
            .query_row(
                "SELECT trunk_id FROM trunk_inbound_numbers WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(owner) = owner {
            return Err(StoreError::Conflict {
                what: "inbound number",
                value: number.clone(),
                owner: if owner == trunk.0 {
                    "this trunk (listed twice)".to_owned()
                } else {
                    format!("trunk {owner}")
                },
            });
        }
        tx.execute(
            "INSERT INTO trunk_inbound_numbers (number, trunk_id, position) VALUES (?1, ?2, ?3)",
            params![number, trunk.as_str(), pos],
        )?;
    }
    Ok(())
}

pub(crate) fn require_callcenter(conn: &Connection, id: &CallCenterId) -> Result<(), StoreError> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM callcenters WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound {
            what: "callcenter",
            id: id.0.clone(),
        }),
    }
}

fn count(conn: &Connection, table: &str) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One page of a call center's rows: `SELECT columns FROM table WHERE callcenter_id = ?1
/// {and} ORDER BY {order}`, with the total count of the same rows. `and` is a fixed SQL
/// fragment (never user input: values reach it as [`Listing::page_with`]'s bound parameters)
/// narrowing the rows, or empty.
pub(crate) struct Listing<'a> {
    /// The table.
    pub table: &'a str,
    /// The columns `from_row` reads.
    pub columns: &'a str,
    /// Extra condition, starting with `AND`, or empty.
    pub and: &'a str,
    /// The ORDER BY list.
    pub order: &'a str,
}

impl Listing<'_> {
    /// Runs the listing for `cc`'s page `page`.
    pub(crate) fn page<T>(
        &self,
        conn: &Connection,
        cc: &CallCenterId,
        page: Page,
        from_row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Paged<T>, StoreError> {
        self.page_with(conn, cc, &[], page, from_row)
    }

    /// As [`Listing::page`], with `extra` values bound as `?2`, `?3`, … for `and` to use, so
    /// filter values from a request reach SQLite only as bound parameters.
    pub(crate) fn page_with<T>(
        &self,
        conn: &Connection,
        cc: &CallCenterId,
        extra: &[&dyn rusqlite::ToSql],
        page: Page,
        from_row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Paged<T>, StoreError> {
        let (table, and) = (self.table, self.and);
        let mut bound: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(extra.len() + 3);
        bound.push(&cc.0);
        bound.extend_from_slice(extra);
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE callcenter_id = ?1 {and}"),
            bound.as_slice(),
            |r| r.get(0),
        )?;
        let (limit, offset) = limit_offset(page);
        let (limit_at, offset_at) = (bound.len() + 1, bound.len() + 2);
        bound.push(&limit);
        bound.push(&offset);
        let rows = conn
            .prepare_cached(&format!(
                "SELECT {} FROM {table} WHERE callcenter_id = ?1 {and}
                 ORDER BY {} LIMIT ?{limit_at} OFFSET ?{offset_at}",
                self.columns, self.order
            ))?
            .query_map(bound.as_slice(), from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Paged {
            rows,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}

fn limit_offset(page: Page) -> (i64, i64) {
    (
        i64::from(page.size),
        i64::try_from(page.offset()).unwrap_or(i64::MAX),
    )
}

impl Store for SqliteStore {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    fn create_callcenter(
        &self,
        new: &NewCallCenter,
        now_ms: u64,
    ) -> Result<CallCenter, StoreError> {
        let cc = CallCenter {
            id: CallCenterId(new_id()),
            name: new.name.clone(),
            ivr_url: new.ivr_url.clone(),
            callback_url: new.callback_url.clone(),
            settings: new.settings.clone(),
            created_at: now_ms,
            updated_at: now_ms,
        };
        self.conn().execute(
            &format!("INSERT INTO callcenters ({CC_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![
                cc.id.as_str(),
                cc.name,
                cc.ivr_url,
                cc.callback_url,
                encode(&cc.settings),
                ms(cc.created_at),
                ms(cc.updated_at)
            ],
        )?;
        Ok(cc)
    }

    fn callcenter(&self, id: &CallCenterId) -> Result<Option<CallCenter>, StoreError> {
        let row = self
            .conn()
            .query_row(
                &format!("SELECT {CC_COLUMNS} FROM callcenters WHERE id = ?1"),
                [id.as_str()],
                callcenter_from_row,
            )
            .optional()?;
        row.map(decode_settings).transpose()
    }

    fn list_callcenters(&self, page: Page) -> Result<Paged<CallCenter>, StoreError> {
        let conn = self.conn();
        let total = count(&conn, "callcenters")?;
        let (limit, offset) = limit_offset(page);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CC_COLUMNS} FROM callcenters ORDER BY created_at, rowid LIMIT ?1 OFFSET ?2"
        ))?;
        let rows = stmt
            .query_map(params![limit, offset], callcenter_from_row)?
            .map(|r| decode_settings(r?))
            .collect::<Result<_, _>>()?;
        Ok(Paged { rows, total })
    }

    fn update_callcenter(
        &self,
        id: &CallCenterId,
        update: &CallCenterUpdate,
        now_ms: u64,
    ) -> Result<Option<CallCenter>, StoreError> {
        let Some(mut cc) = self.callcenter(id)? else {
            return Ok(None);
        };
        if let Some(name) = &update.name {
            cc.name.clone_from(name);
        }
        if let Some(url) = &update.ivr_url {
            cc.ivr_url.clone_from(url);
        }
        if let Some(url) = &update.callback_url {
            cc.callback_url.clone_from(url);
        }
        if let Some(settings) = &update.settings {
            cc.settings = settings.clone();
        }
        cc.updated_at = now_ms;
        self.conn().execute(
            "UPDATE callcenters SET name = ?2, ivr_url = ?3, callback_url = ?4, settings = ?5,
             updated_at = ?6 WHERE id = ?1",
            params![
                cc.id.as_str(),
                cc.name,
                cc.ivr_url,
                cc.callback_url,
                encode(&cc.settings),
                ms(cc.updated_at)
            ],
        )?;
        Ok(Some(cc))
    }

    fn delete_callcenter(&self, id: &CallCenterId) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let trunks: Vec<String> = tx
            .prepare("SELECT id FROM trunks WHERE callcenter_id = ?1 ORDER BY id")?
            .query_map([id.as_str()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if !trunks.is_empty() {
            return Err(StoreError::InUse {
                what: "callcenter",
                users: format!("trunk(s) {}", trunks.join(", ")),
            });
        }
        let n = tx.execute("DELETE FROM callcenters WHERE id = ?1", [id.as_str()])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn add_token(
        &self,
        cc: &CallCenterId,
        token_hash: &str,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        require_callcenter(&conn, cc)?;
        conn.execute(
            "INSERT INTO api_tokens (token_hash, callcenter_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash, cc.as_str(), ms(now_ms)],
        )?;
        Ok(())
    }

    fn revoke_token(&self, cc: &CallCenterId, token_hash: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM api_tokens WHERE token_hash = ?1 AND callcenter_id = ?2",
            [token_hash, cc.as_str()],
        )?;
        Ok(n > 0)
    }

    fn token_owner(&self, token_hash: &str) -> Result<Option<CallCenterId>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT callcenter_id FROM api_tokens WHERE token_hash = ?1",
                [token_hash],
                |r| r.get(0).map(CallCenterId),
            )
            .optional()?)
    }

    fn create_trunk(&self, new: &TrunkDef, now_ms: u64) -> Result<Trunk, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        require_callcenter(&tx, &new.callcenter_id)?;
        let id = TrunkId(new_id());
        write_trunk(&tx, &id, new, now_ms)?;
        put_inbound_numbers(&tx, &id, &new.inbound_numbers)?;
        tx.commit()?;
        Ok(Trunk {
            id,
            def: new.clone(),
            created_at: now_ms,
            updated_at: now_ms,
        })
    }

    fn trunk(&self, id: &TrunkId) -> Result<Option<Trunk>, StoreError> {
        let conn = self.conn();
        let raw = conn
            .query_row(
                &format!("SELECT {TRUNK_COLUMNS} FROM trunks WHERE id = ?1"),
                [id.as_str()],
                trunk_from_row,
            )
            .optional()?;
        raw.map(|raw| finish_trunk(&conn, raw)).transpose()
    }

    fn list_trunks(&self, page: Page) -> Result<Paged<Trunk>, StoreError> {
        let conn = self.conn();
        let total = count(&conn, "trunks")?;
        let (limit, offset) = limit_offset(page);
        let raws: Vec<TrunkRow> = conn
            .prepare_cached(&format!(
                "SELECT {TRUNK_COLUMNS} FROM trunks ORDER BY created_at, rowid LIMIT ?1 OFFSET ?2"
            ))?
            .query_map(params![limit, offset], trunk_from_row)?
            .collect::<Result<_, _>>()?;
        let rows = raws
            .into_iter()
            .map(|raw| finish_trunk(&conn, raw))
            .collect::<Result<_, _>>()?;
        Ok(Paged { rows, total })
    }

    fn update_trunk(
        &self,
        id: &TrunkId,
        new: &TrunkDef,
        now_ms: u64,
    ) -> Result<Option<Trunk>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let created_at: Option<i64> = tx
            .query_row(
                "SELECT created_at FROM trunks WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(created_at) = created_at else {
            return Ok(None);
        };
        require_callcenter(&tx, &new.callcenter_id)?;
        write_trunk(&tx, id, new, now_ms)?;
        put_inbound_numbers(&tx, id, &new.inbound_numbers)?;
        tx.commit()?;
        Ok(Some(Trunk {
            id: id.clone(),
            def: new.clone(),
            created_at: u64::try_from(created_at).unwrap_or(0),
            updated_at: now_ms,
        }))
    }

    fn create_extension(
        &self,
        cc: &CallCenterId,
        kind: &ExtensionKind,
        now_ms: u64,
    ) -> Result<Extension, StoreError> {
        extension::create(&self.conn(), cc, kind, now_ms)
    }

    fn extension(
        &self,
        cc: &CallCenterId,
        id: &ExtensionId,
    ) -> Result<Option<Extension>, StoreError> {
        extension::one(&self.conn(), cc, id)
    }

    fn extension_by_user(&self, user: &str) -> Result<Option<Extension>, StoreError> {
        extension::by_user(&self.conn(), user)
    }

    fn list_extensions(
        &self,
        cc: &CallCenterId,
        page: Page,
    ) -> Result<Paged<Extension>, StoreError> {
        extension::list(&self.conn(), cc, page)
    }

    fn delete_extension(&self, cc: &CallCenterId, id: &ExtensionId) -> Result<bool, StoreError> {
        extension::delete(&mut self.conn(), cc, id)
    }

    fn replace_registrations(
        &self,
        user: &str,
        records: &[RegistrationRecord],
    ) -> Result<(), StoreError> {
        extension::replace_registrations(&mut self.conn(), user, records)
    }

    fn registrations(&self, user: Option<&str>) -> Result<Vec<RegistrationRecord>, StoreError> {
        extension::registrations(&self.conn(), user)
    }

    fn create_condition(
        &self,
        cc: &CallCenterId,
        def: &ConditionDef,
        now_ms: u64,
    ) -> Result<ConditionRecord, StoreError> {
        condition::create(&self.conn(), cc, def, now_ms)
    }

    fn condition(
        &self,
        cc: &CallCenterId,
        id: &ConditionId,
    ) -> Result<Option<ConditionRecord>, StoreError> {
        condition::one(&self.conn(), cc, id)
    }

    fn list_conditions(
        &self,
        cc: &CallCenterId,
        page: Page,
    ) -> Result<Paged<ConditionRecord>, StoreError> {
        condition::list(&self.conn(), cc, page)
    }

    fn update_condition(
        &self,
        cc: &CallCenterId,
        id: &ConditionId,
        def: &ConditionDef,
        now_ms: u64,
    ) -> Result<Option<ConditionRecord>, StoreError> {
        condition::update(&self.conn(), cc, id, def, now_ms)
    }

    fn delete_condition(&self, cc: &CallCenterId, id: &ConditionId) -> Result<bool, StoreError> {
        condition::delete(&self.conn(), cc, id)
    }

    fn save_agent(&self, agent: &AgentRecord) -> Result<(), StoreError> {
        agent::save(&self.conn(), agent)
    }

    fn delete_agent(&self, cc: &CallCenterId, name: &str) -> Result<bool, StoreError> {
        agent::delete(&self.conn(), cc, name)
    }

    fn logged_in_agents(&self) -> Result<Vec<AgentRecord>, StoreError> {
        agent::all(&self.conn())
    }

    fn insert_calls(&self, rows: &[CallRow]) -> Result<(), StoreError> {
        call::insert(&mut self.conn(), rows)
    }

    fn calls_began(&self, rows: &[CallRow]) -> Result<(), StoreError> {
        call::began(&mut self.conn(), rows)
    }

    fn close_interrupted_calls(&self, now_ms: u64) -> Result<u64, StoreError> {
        call::close_interrupted(&mut self.conn(), now_ms)
    }

    fn set_call_quality(
        &self,
        id: &str,
        packets_lost: i64,
        jitter_ms: u32,
    ) -> Result<bool, StoreError> {
        call::set_quality(&self.conn(), id, packets_lost, jitter_ms)
    }

    fn call(&self, cc: &CallCenterId, id: &str) -> Result<Option<CallRow>, StoreError> {
        call::one(&self.conn(), cc, id)
    }

    fn list_calls(&self, cc: &CallCenterId, page: Page) -> Result<Paged<CallRow>, StoreError> {
        call::list(&self.conn(), cc, page)
    }

    fn save_conversations(&self, rows: &[ConversationRow]) -> Result<(), StoreError> {
        conversation::save(&mut self.conn(), rows)
    }

    fn conversation(
        &self,
        cc: &CallCenterId,
        id: &str,
    ) -> Result<Option<ConversationRow>, StoreError> {
        conversation::one(&self.conn(), cc, id)
    }

    fn list_conversations(
        &self,
        cc: &CallCenterId,
        filter: &ConversationFilter,
        page: Page,
    ) -> Result<Paged<ConversationRow>, StoreError> {
        conversation::list(&self.conn(), cc, filter, page)
    }

    fn close_running_conversations(&self, now_ms: u64) -> Result<u64, StoreError> {
        conversation::close_running(&mut self.conn(), now_ms)
    }

    fn save_recording(&self, row: &RecordingRow) -> Result<(), StoreError> {
        recording::save(&self.conn(), row)
    }

    fn recording(&self, cc: &CallCenterId, id: &str) -> Result<Option<RecordingRow>, StoreError> {
        recording::one(&self.conn(), cc, id)
    }

    fn list_recordings(
        &self,
        cc: &CallCenterId,
        filter: &RecordingFilter,
        page: Page,
    ) -> Result<Paged<RecordingRow>, StoreError> {
        recording::list(&self.conn(), cc, filter, page)
    }

    fn append_event(
        &self,
        cc: &CallCenterId,
        name: &str,
        payload: &serde_json::Map<String, serde_json::Value>,
        now_ms: u64,
    ) -> Result<StoredEvent, StoreError> {
        event::append(&mut self.conn(), cc, name, payload, now_ms)
    }

    fn events_after(
        &self,
        cc: &CallCenterId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        event::after(&self.conn(), cc, after_seq, limit)
    }

    fn undelivered_events(
        &self,
        cc: &CallCenterId,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        event::undelivered(&self.conn(), cc, limit)
    }

    fn callcenters_with_undelivered_events(&self) -> Result<Vec<CallCenterId>, StoreError> {
        event::callcenters_with_undelivered(&self.conn())
    }

    fn set_event_state(
        &self,
        cc: &CallCenterId,
        seq: u64,
        state: DeliveryState,
        error: Option<&str>,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        event::set_state(&self.conn(), cc, seq, state, error, now_ms)
    }

    fn parked_events(
        &self,
        cc: &CallCenterId,
        page: Page,
    ) -> Result<Paged<StoredEvent>, StoreError> {
        event::parked(&self.conn(), cc, page)
    }

    fn delete_trunk(&self, id: &TrunkId) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute("DELETE FROM trunks WHERE id = ?1", [id.as_str()])?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(store: &SqliteStore, name: &str) -> CallCenter {
        store
            .create_callcenter(
                &NewCallCenter {
                    name: name.into(),
                    ivr_url: Some("http://127.0.0.1:9000/ivr".into()),
                    callback_url: None,
                    settings: Settings::default(),
                },
                1,
            )
            .unwrap()
    }

    fn trunk(cc: &CallCenterId, numbers: &[&str]) -> TrunkDef {
        TrunkDef {
            name: "carrier".into(),
            host: "127.0.0.2".into(),
            port: Some(5060),
            transport: Transport::Udp,
            username: Some("u".into()),
            password: Some("p".into()),
            register: false,
            from_numbers: vec!["4000".into()],
            callcenter_id: cc.clone(),
            inbound_numbers: numbers.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn migrations_run_once_and_record_the_version() {
        let store = SqliteStore::open_in_memory().unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        migrate(&mut store.conn()).unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
    }

    #[test]
    fn a_version_6_database_gains_conversations_and_keeps_its_rows() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute(
            &format!("INSERT INTO callcenters ({CC_COLUMNS}) VALUES ('cc', 'old', NULL, NULL, '{{}}', 1, 1)"),
            [],
        )
        .unwrap();
        let store = SqliteStore::with_connection(conn).unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        let cc = CallCenterId("cc".into());
        assert_eq!(store.callcenter(&cc).unwrap().unwrap().name, "old");
        let row = ConversationRow {
            id: "c1".into(),
            callcenter_id: cc.clone(),
            kind: "queue".into(),
            state: "running".into(),
            queue_id: None,
            condition_id: None,
            agent_call_id: None,
            begin_time: 5,
            end_time: None,
            end_reason: None,
            record_file: None,
            members: Vec::new(),
        };
        store
            .save_conversations(std::slice::from_ref(&row))
            .unwrap();
        assert_eq!(store.conversation(&cc, "c1").unwrap(), Some(row));
    }

    #[test]
    fn refuses_a_newer_schema() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = SqliteStore::with_connection(conn).unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { found: 999, .. }));
    }

    #[test]
    fn callcenter_crud_and_paging() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = cc(&store, "a");
        let _b = cc(&store, "b");
        let c = cc(&store, "c");
        let page = store.list_callcenters(Page { no: 2, size: 2 }).unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(page.rows.len(), 1);
        let updated = store
            .update_callcenter(
                &a.id,
                &CallCenterUpdate {
                    name: Some("renamed".into()),
                    ivr_url: Some(None),
                    ..Default::default()
                },
                9,
            )
            .unwrap()
            .unwrap();
        assert_eq!(updated.name, "renamed");
        assert_eq!(updated.ivr_url, None);
        assert_eq!(updated.updated_at, 9);
        assert_eq!(store.callcenter(&a.id).unwrap().unwrap(), updated);
        assert!(store.delete_callcenter(&c.id).unwrap());
        assert!(!store.delete_callcenter(&c.id).unwrap());
        assert!(store.callcenter(&c.id).unwrap().is_none());
    }

    #[test]
    fn tokens_belong_to_one_callcenter_and_go_with_it() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = cc(&store, "a");
        let b = cc(&store, "b");
        store.add_token(&a.id, "h1", 1).unwrap();
        assert_eq!(store.token_owner("h1").unwrap(), Some(a.id.clone()));
        assert!(
            !store.revoke_token(&b.id, "h1").unwrap(),
            "b cannot revoke a's token"
        );
        assert!(matches!(
            store.add_token(&CallCenterId("nope".into()), "h2", 1),
            Err(StoreError::NotFound { .. })
        ));
        assert!(store.delete_callcenter(&a.id).unwrap());
        assert_eq!(store.token_owner("h1").unwrap(), None);
    }

    #[test]
    fn trunk_crud_and_inbound_number_uniqueness() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = cc(&store, "a");
        let t = store
            .create_trunk(&trunk(&a.id, &["8001", "8002"]), 5)
            .unwrap();
        assert_eq!(store.trunk(&t.id).unwrap().unwrap(), t);
        let clash = store.create_trunk(&trunk(&a.id, &["8002"]), 5).unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        let twice = store
            .create_trunk(&trunk(&a.id, &["9", "9"]), 5)
            .unwrap_err();
        assert!(matches!(twice, StoreError::Conflict { .. }));
        // A failed create leaves nothing behind.
        assert_eq!(
            store.list_trunks(Page { no: 1, size: 10 }).unwrap().total,
            1
        );

        let mut def = trunk(&a.id, &["8002", "8003"]);
        def.name = "renamed".into();
        let updated = store.update_trunk(&t.id, &def, 5).unwrap().unwrap();
        assert_eq!(updated.def.inbound_numbers, vec!["8002", "8003"]);
        assert_eq!(store.trunk(&t.id).unwrap().unwrap().def.name, "renamed");

        let in_use = store.delete_callcenter(&a.id).unwrap_err();
        assert!(matches!(in_use, StoreError::InUse { .. }));
        assert!(store.delete_trunk(&t.id).unwrap());
        assert!(store.delete_callcenter(&a.id).unwrap());
    }

    #[test]
    fn trunk_needs_an_existing_callcenter() {
        let store = SqliteStore::open_in_memory().unwrap();
        let err = store
            .create_trunk(&trunk(&CallCenterId("missing".into()), &[]), 5)
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::NotFound {
                what: "callcenter",
                ..
            }
        ));
    }

    #[test]
    fn extensions_have_server_wide_unique_users_and_stay_in_their_tenant() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = cc(&store, "a").id;
        let b = cc(&store, "b").id;
        let phone = ExtensionKind::Terminal {
            user: "agent1001".into(),
            password: "secret1".into(),
        };
        let e = store.create_extension(&a, &phone, 3).unwrap();
        assert_eq!(store.extension(&a, &e.id).unwrap().unwrap(), e);
        assert_eq!(
            store.extension(&b, &e.id).unwrap(),
            None,
            "not visible to b"
        );
        assert_eq!(store.extension_by_user("agent1001").unwrap().unwrap(), e);
        let clash = store.create_extension(&b, &phone, 3).unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }));
        assert!(
            !clash.to_string().contains(&a.0),
            "the other tenant is not named: {clash}"
        );
        let gw = ExtensionKind::Gateway {
            ipaddr: "127.0.0.3:5060".into(),
        };
        let num = ExtensionKind::Number {
            telnum: "13800138000".into(),
        };
        store.create_extension(&a, &gw, 4).unwrap();
        store.create_extension(&a, &num, 5).unwrap();
        let page = store.list_extensions(&a, Page { no: 1, size: 10 }).unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(page.rows[1].kind, gw);
        assert_eq!(page.rows[2].kind, num);
        assert_eq!(
            store
                .list_extensions(&b, Page { no: 1, size: 10 })
                .unwrap()
                .total,
            0
        );
        assert!(
            !store.delete_extension(&b, &e.id).unwrap(),
            "b cannot delete a's extension"
        );
        assert!(store.delete_extension(&a, &e.id).unwrap());
        assert_eq!(store.extension_by_user("agent1001").unwrap(), None);
    }

    #[test]
    fn registrations_are_replaced_per_user_and_go_with_the_extension() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = cc(&store, "a").id;
        let e = store
            .create_extension(
                &a,
                &ExtensionKind::Terminal {
                    user: "u1000001".into(),
                    password: "p1000001".into(),
                },
                1,
            )
            .unwrap();
        let rec = |contact: &str| RegistrationRecord {
            user: "u1000001".into(),
            contact: contact.into(),
            expires_unix_ms: 99,
            user_agent: Some("PJSUA".into()),
            source: "127.0.0.1:5062".into(),
            transport: "udp".into(),
            call_id: "c".into(),
            cseq: 2,
        };
        store
            .replace_registrations("u1000001", &[rec("sip:a@1"), rec("sip:b@2")])
            .unwrap();
        assert_eq!(store.registrations(Some("u1000001")).unwrap().len(), 2);
        store
            .replace_registrations("u1000001", &[rec("sip:b@2")])
            .unwrap();
        assert_eq!(store.registrations(None).unwrap(), vec![rec("sip:b@2")]);
        assert!(store.delete_extension(&a, &e.id).unwrap());
        assert!(store.registrations(None).unwrap().is_empty());
    }

    #[test]
    fn survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let store = SqliteStore::open(dir.path()).unwrap();
            store.set_meta("k", "v").unwrap();
            cc(&store, "persisted").id
        };
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.meta("k").unwrap().as_deref(), Some("v"));
        assert_eq!(store.callcenter(&id).unwrap().unwrap().name, "persisted");
    }
}
