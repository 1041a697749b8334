//! Logged-in agents (SPEC §3), kept so an agent comes back from a restart with its
//! configuration intact. The engine writes these rows behind its agent actors; the store only
//! keeps text and never interprets a state or a skill.

use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::{CallCenterId, StoreError};

/// One stored skill of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSkillRecord {
    /// Skill name.
    pub name: String,
    /// Score.
    pub score: i32,
    /// Whether routing uses it.
    pub enabled: bool,
}

/// A logged-in agent as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// Its call center.
    pub callcenter_id: CallCenterId,
    /// The agent's name, unique in its call center.
    pub name: String,
    /// Job number.
    pub num: Option<String>,
    /// The state as text (`idle`, `away/lunch`, …).
    pub state: String,
    /// Skills, in the order they were added.
    pub skills: Vec<AgentSkillRecord>,
    /// The bound extension's id.
    pub extension_id: String,
    /// Login time, ms since the Unix epoch.
    pub login_time: u64,
}

const COLUMNS: &str = "callcenter_id, name, num, state, skills, extension_id, login_time";

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn save(conn: &Connection, rec: &AgentRecord) -> Result<(), StoreError> {
    // Serialising a plain vector of our own structs cannot fail.
    let skills = serde_json::to_string(&rec.skills).expect("skill records serialise");
    let n = conn.execute(
        &format!(
            "INSERT INTO agents ({COLUMNS})
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM callcenters WHERE id = ?1)
             ON CONFLICT(callcenter_id, name) DO UPDATE SET num = excluded.num,
               state = excluded.state, skills = excluded.skills,
               extension_id = excluded.extension_id, login_time = excluded.login_time"
        ),
        params![
            rec.callcenter_id.as_str(),
            rec.name,
            rec.num,
            rec.state,
            skills,
            rec.extension_id,
            ms(rec.login_time)
        ],
    )?;
    if n == 0 {
        // The call center was deleted while the write was queued: nothing to keep.
        tracing::debug!(callcenter = %rec.callcenter_id, agent = %rec.name, "agent of a deleted call center not saved");
    }
    Ok(())
}

pub(crate) fn delete(conn: &Connection, cc: &CallCenterId, name: &str) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM agents WHERE callcenter_id = ?1 AND name = ?2",
        [cc.as_str(), name],
    )?;
    Ok(n > 0)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<(AgentRecord, String)> {
    Ok((
        AgentRecord {
            callcenter_id: CallCenterId(row.get(0)?),
            name: row.get(1)?,
            num: row.get(2)?,
            state: row.get(3)?,
            skills: Vec::new(),
            extension_id: row.get(5)?,
            login_time: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
        },
        row.get(4)?,
    ))
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<AgentRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM agents ORDER BY callcenter_id, login_time, name"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut rec, skills) = row?;
        rec.skills = serde_json::from_str(&skills).map_err(|source| StoreError::Corrupt {
            what: "agent skills",
            source,
        })?;
        out.push(rec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewCallCenter, SqliteStore, Store};

    #[test]
    fn save_replace_list_delete() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = store
            .create_callcenter(&NewCallCenter::named("a"), 1)
            .unwrap()
            .id;
        let mut rec = AgentRecord {
            callcenter_id: cc.clone(),
            name: "2019".into(),
            num: Some("7".into()),
            state: "online".into(),
            skills: vec![AgentSkillRecord {
                name: "billing".into(),
                score: 5,
                enabled: true,
            }],
            extension_id: "e1".into(),
            login_time: 10,
        };
        store.save_agent(&rec).unwrap();
        rec.state = "away/lunch".into();
        store.save_agent(&rec).unwrap();
        assert_eq!(store.logged_in_agents().unwrap(), vec![rec.clone()]);
        let ghost = AgentRecord {
            callcenter_id: CallCenterId("0".repeat(32)),
            ..rec.clone()
        };
        store.save_agent(&ghost).unwrap();
        assert_eq!(store.logged_in_agents().unwrap().len(), 1);
        assert!(store.delete_agent(&cc, "2019").unwrap());
        assert!(!store.delete_agent(&cc, "2019").unwrap());
        store.save_agent(&rec).unwrap();
        assert!(store.delete_callcenter(&cc).unwrap());
        assert!(store.logged_in_agents().unwrap().is_empty());
    }
}
