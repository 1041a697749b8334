//! Extensions (SPEC §3) and the registrar's persisted bindings.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::model::new_id;
use crate::{CallCenterId, Page, Paged, StoreError};

/// An extension's id: 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExtensionId(pub String);

impl std::fmt::Display for ExtensionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How an agent is reached (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ExtensionKind {
    /// Type 1: a SIP terminal that registers with a user name and password.
    Terminal {
        /// SIP user, unique on the server.
        user: String,
        /// Digest password.
        password: String,
    },
    /// Type 2: a SIP gateway at an address.
    Gateway {
        /// `ip` or `ip:port`.
        ipaddr: String,
    },
    /// Type 3: a telephone number reached through a trunk.
    Number {
        /// The number.
        telnum: String,
    },
}

impl ExtensionKind {
    /// The SPEC's type number: 1, 2 or 3.
    pub fn type_code(&self) -> u8 {
        match self {
            ExtensionKind::Terminal { .. } => 1,
            ExtensionKind::Gateway { .. } => 2,
            ExtensionKind::Number { .. } => 3,
        }
    }
}

/// An extension of a call center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Its id.
    pub id: ExtensionId,
    /// Its call center.
    pub callcenter_id: CallCenterId,
    /// What it is.
    pub kind: ExtensionKind,
    /// Creation time, ms since the Unix epoch.
    pub created_at: u64,
}

/// One registrar binding of a type-1 extension, as kept across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRecord {
    /// The extension's SIP user.
    pub user: String,
    /// The Contact URI as the phone wrote it.
    pub contact: String,
    /// When the binding expires, ms since the Unix epoch.
    pub expires_unix_ms: u64,
    /// The phone's User-Agent.
    pub user_agent: Option<String>,
    /// Where the REGISTER came from, `ip:port`.
    pub source: String,
    /// `udp` or `tcp`.
    pub transport: String,
    /// The REGISTER's Call-ID.
    pub call_id: String,
    /// The REGISTER's CSeq number.
    pub cseq: u32,
}

const COLUMNS: &str = "id, callcenter_id, type, sip_user, password, ipaddr, telnum, created_at";

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Extension> {
    let code: u8 = row.get(2)?;
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default())
    };
    let kind = match code {
        1 => ExtensionKind::Terminal {
            user: text(3)?,
            password: text(4)?,
        },
        2 => ExtensionKind::Gateway { ipaddr: text(5)? },
        _ => ExtensionKind::Number { telnum: text(6)? },
    };
    Ok(Extension {
        id: ExtensionId(row.get(0)?),
        callcenter_id: CallCenterId(row.get(1)?),
        kind,
        created_at: u64::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
    })
}

pub(crate) fn create(
    conn: &Connection,
    cc: &CallCenterId,
    kind: &ExtensionKind,
    now_ms: u64,
) -> Result<Extension, StoreError> {
    crate::sqlite::require_callcenter(conn, cc)?;
    let (user, password, ipaddr, telnum) = match kind {
        ExtensionKind::Terminal { user, password } => (Some(user), Some(password), None, None),
        ExtensionKind::Gateway { ipaddr } => (None, None, Some(ipaddr), None),
        ExtensionKind::Number { telnum } => (None, None, None, Some(telnum)),
    };
    if let Some(user) = user {
        let taken: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM extensions WHERE sip_user = ?1",
                [user],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some() {
            // The owner may be another tenant's extension: never say which.
            return Err(StoreError::Conflict {
                what: "SIP user",
                value: user.clone(),
                owner: "another extension on this server".to_owned(),
            });
        }
    }
    let ext = Extension {
        id: ExtensionId(new_id()),
        callcenter_id: cc.clone(),
        kind: kind.clone(),
        created_at: now_ms,
    };
    conn.execute(
        &format!("INSERT INTO extensions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            ext.id.0,
            cc.as_str(),
            kind.type_code(),
            user,
            password,
            ipaddr,
            telnum,
            i64::try_from(now_ms).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(ext)
}

pub(crate) fn one(
    conn: &Connection,
    cc: &CallCenterId,
    id: &ExtensionId,
) -> Result<Option<Extension>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM extensions WHERE id = ?1 AND callcenter_id = ?2"),
            [id.0.as_str(), cc.as_str()],
            from_row,
        )
        .optional()?)
}

pub(crate) fn by_user(conn: &Connection, user: &str) -> Result<Option<Extension>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM extensions WHERE sip_user = ?1"),
            [user],
            from_row,
        )
        .optional()?)
}

pub(crate) fn list(
    conn: &Connection,
    cc: &CallCenterId,
    page: Page,
) -> Result<Paged<Extension>, StoreError> {
    let listing = crate::sqlite::Listing {
        table: "extensions",
        columns: COLUMNS,
        and: "",
        order: "created_at, rowid",
    };
    listing.page(conn, cc, page, from_row)
}

pub(crate) fn delete(
    conn: &mut Connection,
    cc: &CallCenterId,
    id: &ExtensionId,
) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    let user: Option<Option<String>> = tx
        .query_row(
            "SELECT sip_user FROM extensions WHERE id = ?1 AND callcenter_id = ?2",
            [id.0.as_str(), cc.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(user) = user else { return Ok(false) };
    if let Some(user) = user {
        tx.execute("DELETE FROM registrations WHERE sip_user = ?1", [user])?;
    }
    tx.execute("DELETE FROM extensions WHERE id = ?1", [id.0.as_str()])?;
    tx.commit()?;
    Ok(true)
}

pub(crate) fn replace_registrations(
    conn: &mut Connection,
    user: &str,
    records: &[RegistrationRecord],
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM registrations WHERE sip_user = ?1", [user])?;
    for r in records {
        tx.execute(
            "INSERT OR REPLACE INTO registrations
             (sip_user, contact, expires_unix_ms, user_agent, source, transport, call_id, cseq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                user,
                r.contact,
                i64::try_from(r.expires_unix_ms).unwrap_or(i64::MAX),
                r.user_agent,
                r.source,
                r.transport,
                r.call_id,
                r.cseq
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn registrations(
    conn: &Connection,
    user: Option<&str>,
) -> Result<Vec<RegistrationRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT sip_user, contact, expires_unix_ms, user_agent, source, transport, call_id, cseq
         FROM registrations WHERE (?1 IS NULL OR sip_user = ?1) ORDER BY sip_user, contact",
    )?;
    let rows = stmt
        .query_map([user], |row| {
            Ok(RegistrationRecord {
                user: row.get(0)?,
                contact: row.get(1)?,
                expires_unix_ms: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                user_agent: row.get(3)?,
                source: row.get(4)?,
                transport: row.get(5)?,
                call_id: row.get(6)?,
                cseq: row.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
