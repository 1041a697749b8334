//! Conversation records (SPEC §7): the engine keeps live conversations in memory and writes
//! each one's record behind it — at its beginning, at every membership or mode change, and at
//! its end — so `GET /callcenter/conversation[/{id}]` can read running and completed ones alike.
//!
//! Members are kept as JSON text in the row; the agent names among them are also kept in
//! `conversation_agents`, so listing "conversations agent X was ever in" is an indexed lookup.

use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};
use serde::{Deserialize, Serialize};

use crate::{CallCenterId, Page, Paged, StoreError};

/// One conversation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationRow {
    /// The conversation's id.
    pub id: String,
    /// Its call center.
    pub callcenter_id: CallCenterId,
    /// `type`: queue | call_out | call_agent | call_in
    #[serde(rename = "type")]
    pub kind: String,
    /// running | completed
    pub state: String,
    /// The queue task that created it, if one did.
    pub queue_id: Option<String>,
    /// The stored condition that task used, if any.
    pub condition_id: Option<String>,
    /// The agent connection's call leg that began it, if any.
    pub agent_call_id: Option<String>,
    /// When it began, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it ended.
    pub end_time: Option<u64>,
    /// Why it ended: dissolved | member_left | timeout | error
    pub end_reason: Option<String>,
    /// The id of its recording, if it was recorded.
    pub record_file: Option<String>,
    /// Every member that ever joined, in join order.
    pub members: Vec<MemberRow>,
}

/// One member of a conversation, present or gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    /// The agent's name, for agents.
    pub name: Option<String>,
    /// The agent's extension id, for agents.
    pub extension_id: Option<String>,
    /// The member's call leg.
    pub call_id: String,
    /// Voice mode 1–4 (SPEC §5).
    pub mode: u8,
    /// When it joined, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it left.
    pub end_time: Option<u64>,
}

/// Which conversations [`crate::Store::list_conversations`] returns; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    /// Exactly this state.
    pub state: Option<String>,
    /// Conversations this agent (by name) was ever a member of.
    pub agent: Option<String>,
    /// Exactly this `type`.
    pub kind: Option<String>,
    /// `begin_time >=` this (ms).
    pub begin_from: Option<u64>,
    /// `begin_time <` this (ms).
    pub begin_to: Option<u64>,
}

const COLUMNS: &str = "id, callcenter_id, kind, state, queue_id, condition_id, agent_call_id, \
                       begin_ms, end_ms, end_reason, record_file, members";

/// Inserts or replaces a conversation. The `WHERE EXISTS` drops a row whose call center was
/// deleted while the write was queued; the conflict's `WHERE` keeps an id that is already
/// another call center's from being taken over.
const UPSERT: &str = "INSERT INTO conversations (id, callcenter_id, kind, state, queue_id, \
     condition_id, agent_call_id, begin_ms, end_ms, end_reason, record_file, members)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
     WHERE EXISTS (SELECT 1 FROM callcenters WHERE id = ?2)
     ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, state = excluded.state,
       queue_id = excluded.queue_id, condition_id = excluded.condition_id,
       agent_call_id = excluded.agent_call_id, begin_ms = excluded.begin_ms,
       end_ms = excluded.end_ms, end_reason = excluded.end_reason,
       record_file = excluded.record_file, members = excluded.members
     WHERE conversations.callcenter_id = excluded.callcenter_id";

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn encode(members: &[MemberRow]) -> String {
    // Strings, integers and options of them always serialise to JSON.
    serde_json::to_string(members).expect("member rows serialise")
}

fn decode(json: &str) -> Result<Vec<MemberRow>, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        what: "conversation members",
        source,
    })
}

/// A row with its members still encoded, as `from_row` reads it.
type Raw = (ConversationRow, String);

fn from_row(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        ConversationRow {
            id: row.get(0)?,
            callcenter_id: CallCenterId(row.get(1)?),
            kind: row.get(2)?,
            state: row.get(3)?,
            queue_id: row.get(4)?,
            condition_id: row.get(5)?,
            agent_call_id: row.get(6)?,
            begin_time: unsigned(row.get(7)?),
            end_time: row.get::<_, Option<i64>>(8)?.map(unsigned),
            end_reason: row.get(9)?,
            record_file: row.get(10)?,
            members: Vec::new(),
        },
        row.get(11)?,
    ))
}

fn finish((mut row, members): Raw) -> Result<ConversationRow, StoreError> {
    row.members = decode(&members)?;
    Ok(row)
}

/// Upserts every row in one transaction and keeps each one's agent index current.
pub(crate) fn save(conn: &mut Connection, rows: &[ConversationRow]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare_cached(UPSERT)?;
        let mut forget =
            tx.prepare_cached("DELETE FROM conversation_agents WHERE conversation_id = ?1")?;
        let mut remember = tx.prepare_cached(
            "INSERT OR IGNORE INTO conversation_agents (callcenter_id, agent, conversation_id)
             VALUES (?1, ?2, ?3)",
        )?;
        for r in rows {
            let written = upsert.execute(params![
                r.id,
                r.callcenter_id.as_str(),
                r.kind,
                r.state,
                r.queue_id,
                r.condition_id,
                r.agent_call_id,
                ms(r.begin_time),
                r.end_time.map(ms),
                r.end_reason,
                r.record_file,
                encode(&r.members),
            ])?;
            if written == 0 {
                tracing::debug!(callcenter = %r.callcenter_id, conversation_id = %r.id,
                    "conversation of a deleted call center (or another's id) not saved");
                continue;
            }
            forget.execute([&r.id])?;
            for name in r.members.iter().filter_map(|m| m.name.as_deref()) {
                remember.execute(params![r.callcenter_id.as_str(), name, r.id])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn one(
    conn: &Connection,
    cc: &CallCenterId,
    id: &str,
) -> Result<Option<ConversationRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM conversations WHERE id = ?1 AND callcenter_id = ?2"),
        [id, cc.as_str()],
        from_row,
    )
    .optional()?
    .map(finish)
    .transpose()
}

/// The `AND …` conditions of a filter and the values they bind, numbered after `?1` (the
/// call center, bound by [`crate::sqlite::Listing`]).
#[derive(Default)]
pub(crate) struct Conditions<'a> {
    pub(crate) sql: String,
    pub(crate) values: Vec<&'a dyn ToSql>,
}

impl<'a> Conditions<'a> {
    /// Appends `template` (fixed SQL) with its `?N` bound to `value`.
    pub(crate) fn add(&mut self, template: &str, value: &'a dyn ToSql) {
        self.values.push(value);
        let n = self.values.len() + 1;
        self.sql.push(' ');
        self.sql.push_str(&template.replace("?N", &format!("?{n}")));
    }
}

/// A call center's conversations matching `filter`, newest first.
pub(crate) fn list(
    conn: &Connection,
    cc: &CallCenterId,
    filter: &ConversationFilter,
    page: Page,
) -> Result<Paged<ConversationRow>, StoreError> {
    let (from, to) = (filter.begin_from.map(ms), filter.begin_to.map(ms));
    let mut and = Conditions::default();
    if let Some(state) = &filter.state {
        and.add("AND state = ?N", state);
    }
    if let Some(kind) = &filter.kind {
        and.add("AND kind = ?N", kind);
    }
    if let Some(from) = &from {
        and.add("AND begin_ms >= ?N", from);
    }
    if let Some(to) = &to {
        and.add("AND begin_ms < ?N", to);
    }
    if let Some(agent) = &filter.agent {
        and.add(
            "AND id IN (SELECT conversation_id FROM conversation_agents
                        WHERE callcenter_id = ?1 AND agent = ?N)",
            agent,
        );
    }
    let listing = crate::sqlite::Listing {
        table: "conversations",
        columns: COLUMNS,
        and: &and.sql,
        order: "begin_ms DESC, id",
    };
    let raw = listing.page_with(conn, cc, &and.values, page, from_row)?;
    Ok(Paged {
        rows: raw.rows.into_iter().map(finish).collect::<Result<_, _>>()?,
        total: raw.total,
    })
}

/// Completes every conversation still marked running (the process that ran it is gone):
/// `end_reason` `error`, ended now, and so is every member still in it.
pub(crate) fn close_running(conn: &mut Connection, now_ms: u64) -> Result<u64, StoreError> {
    let tx = conn.transaction()?;
    let running: Vec<(String, String)> = tx
        // A literal, not a parameter, so the partial index of running rows applies.
        .prepare("SELECT id, members FROM conversations WHERE state = 'running'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    {
        let mut close = tx.prepare(
            "UPDATE conversations SET state = 'completed', end_reason = 'error', end_ms = ?2,
             members = ?3 WHERE id = ?1",
        )?;
        for (id, members) in &running {
            let mut members = decode(members)?;
            for m in &mut members {
                m.end_time.get_or_insert(now_ms);
            }
            close.execute(params![id, ms(now_ms), encode(&members)])?;
        }
    }
    tx.commit()?;
    Ok(u64::try_from(running.len()).unwrap_or(u64::MAX))
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

    fn agent(name: &str, begin: u64, end: Option<u64>) -> MemberRow {
        MemberRow {
            name: Some(name.into()),
            extension_id: Some(format!("ext-{name}")),
            call_id: format!("call-{name}"),
            mode: 1,
            begin_time: begin,
            end_time: end,
        }
    }

    fn outside(call_id: &str, begin: u64) -> MemberRow {
        MemberRow {
            name: None,
            extension_id: None,
            call_id: call_id.into(),
            mode: 4,
            begin_time: begin,
            end_time: None,
        }
    }

    fn conv(
        id: &str,
        cc: &CallCenterId,
        kind: &str,
        begin: u64,
        agents: &[&str],
    ) -> ConversationRow {
        let mut members = vec![outside(&format!("cust-{id}"), begin)];
        members.extend(agents.iter().map(|a| agent(a, begin + 1, None)));
        ConversationRow {
            id: id.into(),
            callcenter_id: cc.clone(),
            kind: kind.into(),
            state: "running".into(),
            queue_id: Some(format!("q-{id}")),
            condition_id: None,
            agent_call_id: Some("call-agent".into()),
            begin_time: begin,
            end_time: None,
            end_reason: None,
            record_file: None,
            members,
        }
    }

    fn completed(mut row: ConversationRow, end: u64) -> ConversationRow {
        row.state = "completed".into();
        row.end_time = Some(end);
        row.end_reason = Some("member_left".into());
        row
    }

    fn ids(page: &Paged<ConversationRow>) -> Vec<&str> {
        page.rows.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn round_trip_with_members() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        let mut row = completed(conv("c1", &cc, "queue", 1_000, &["alice"]), 9_000);
        row.condition_id = Some("cond".into());
        row.record_file = Some("rec-1".into());
        row.members.push(agent("bob", 2_000, Some(3_000)));
        store
            .save_conversations(std::slice::from_ref(&row))
            .unwrap();
        assert_eq!(store.conversation(&cc, "c1").unwrap(), Some(row.clone()));
        assert_eq!(store.conversation(&cc, "nope").unwrap(), None);
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(
            json["type"], "queue",
            "serialised with the SPEC's field name"
        );
        assert_eq!(json["members"][2]["end_time"], 3_000);
    }

    #[test]
    fn upsert_replaces_the_row_and_its_agent_index() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        let first = conv("c1", &cc, "queue", 1_000, &["alice"]);
        store
            .save_conversations(std::slice::from_ref(&first))
            .unwrap();
        let mut second = first.clone();
        second.members.push(agent("bob", 1_500, None));
        second.members[0].mode = 1;
        let second = completed(second, 2_000);
        store
            .save_conversations(&[second.clone(), second.clone()])
            .unwrap();
        assert_eq!(store.conversation(&cc, "c1").unwrap(), Some(second));
        assert_eq!(
            store
                .list_conversations(&cc, &Default::default(), ALL)
                .unwrap()
                .total,
            1
        );
        let by = |name: &str| ConversationFilter {
            agent: Some(name.into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&cc, &by("bob"), ALL)
                .unwrap()
                .total,
            1
        );
        // A rewrite without an agent (the engine's record is the truth) drops it from the index.
        let mut third = first;
        third.members.truncate(1);
        store.save_conversations(&[third]).unwrap();
        assert_eq!(
            store
                .list_conversations(&cc, &by("alice"), ALL)
                .unwrap()
                .total,
            0
        );
    }

    /// Six conversations of one call center for the filter tests, one per 100 ms, mixing
    /// kinds, states and agents.
    fn filter_fixture(store: &SqliteStore, cc: &CallCenterId) {
        store
            .save_conversations(&[
                conv("a", cc, "queue", 100, &["alice"]),
                completed(conv("b", cc, "queue", 200, &["alice", "bob"]), 250),
                conv("c", cc, "call_out", 300, &["bob"]),
                completed(conv("d", cc, "call_agent", 400, &["carol", "alice"]), 450),
                completed(conv("e", cc, "call_out", 500, &[]), 550),
                conv("f", cc, "call_in", 600, &["alice"]),
            ])
            .unwrap();
    }

    #[test]
    fn every_filter_alone_and_combined() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        filter_fixture(&store, &cc);
        let list = |f: ConversationFilter| {
            let page = store.list_conversations(&cc, &f, ALL).unwrap();
            assert_eq!(page.total as usize, page.rows.len());
            ids(&page).into_iter().map(String::from).collect::<Vec<_>>()
        };
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(list(Default::default()), ["f", "e", "d", "c", "b", "a"]);
        let f = ConversationFilter::default;
        assert_eq!(
            list(ConversationFilter {
                state: s("running"),
                ..f()
            }),
            ["f", "c", "a"]
        );
        assert_eq!(
            list(ConversationFilter {
                state: s("completed"),
                ..f()
            }),
            ["e", "d", "b"]
        );
        assert_eq!(
            list(ConversationFilter {
                kind: s("call_out"),
                ..f()
            }),
            ["e", "c"]
        );
        assert_eq!(
            list(ConversationFilter {
                agent: s("alice"),
                ..f()
            }),
            ["f", "d", "b", "a"]
        );
        assert_eq!(
            list(ConversationFilter {
                agent: s("nobody"),
                ..f()
            }),
            Vec::<String>::new()
        );
        assert_eq!(
            list(ConversationFilter {
                begin_from: Some(300),
                ..f()
            }),
            ["f", "e", "d", "c"]
        );
        assert_eq!(
            list(ConversationFilter {
                begin_to: Some(300),
                ..f()
            }),
            ["b", "a"]
        );
        let window = ConversationFilter {
            begin_from: Some(200),
            begin_to: Some(500),
            ..f()
        };
        assert_eq!(list(window.clone()), ["d", "c", "b"]);
        let alice_done = ConversationFilter {
            state: s("completed"),
            agent: s("alice"),
            ..window
        };
        assert_eq!(list(alice_done.clone()), ["d", "b"]);
        assert_eq!(
            list(ConversationFilter {
                kind: s("queue"),
                ..alice_done
            }),
            ["b"]
        );
        let quote = ConversationFilter {
            kind: s("queue' OR '1'='1"),
            ..f()
        };
        assert_eq!(
            list(quote),
            Vec::<String>::new(),
            "values are bound, not spliced"
        );
    }

    #[test]
    fn pages_count_every_matching_row() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        filter_fixture(&store, &cc);
        let page = |no, filter: &ConversationFilter| {
            store
                .list_conversations(&cc, filter, Page { no, size: 2 })
                .unwrap()
        };
        let all = ConversationFilter::default();
        let p2 = page(2, &all);
        assert_eq!((p2.total, ids(&p2)), (6, vec!["d", "c"]));
        let p4 = page(4, &all);
        assert_eq!((p4.total, p4.rows.len()), (6, 0));
        let alice = ConversationFilter {
            agent: Some("alice".into()),
            ..all
        };
        let last = page(2, &alice);
        assert_eq!((last.total, ids(&last)), (4, vec!["b", "a"]));
    }

    #[test]
    fn agent_filter_finds_a_member_that_already_left() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        let mut row = conv("c1", &cc, "queue", 100, &["alice"]);
        row.members.push(agent("bob", 110, Some(120)));
        store.save_conversations(&[row]).unwrap();
        let bob = ConversationFilter {
            agent: Some("bob".into()),
            ..Default::default()
        };
        let page = store.list_conversations(&cc, &bob, ALL).unwrap();
        assert_eq!(ids(&page), ["c1"]);
        assert_eq!(page.rows[0].members[2].end_time, Some(120));
    }

    #[test]
    fn close_running_completes_rows_and_their_members() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cc = callcenter(&store);
        let mut left_early = conv("r1", &cc, "queue", 100, &["alice"]);
        left_early.members.push(agent("bob", 110, Some(150)));
        let done = completed(conv("done", &cc, "call_out", 50, &["carol"]), 80);
        store
            .save_conversations(&[
                left_early,
                conv("r2", &cc, "call_in", 200, &[]),
                done.clone(),
            ])
            .unwrap();
        assert_eq!(store.close_running_conversations(1_000).unwrap(), 2);
        let r1 = store.conversation(&cc, "r1").unwrap().unwrap();
        assert_eq!(
            (r1.state.as_str(), r1.end_reason.as_deref(), r1.end_time),
            ("completed", Some("error"), Some(1_000))
        );
        let ends: Vec<Option<u64>> = r1.members.iter().map(|m| m.end_time).collect();
        assert_eq!(ends, [Some(1_000), Some(1_000), Some(150)]);
        let r2 = store.conversation(&cc, "r2").unwrap().unwrap();
        assert_eq!(r2.members[0].end_time, Some(1_000));
        assert_eq!(store.conversation(&cc, "done").unwrap(), Some(done));
        assert_eq!(store.close_running_conversations(2_000).unwrap(), 0);
    }

    #[test]
    fn another_tenants_rows_are_never_returned_or_taken_over() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a = callcenter(&store);
        let b = callcenter(&store);
        let mine = conv("shared-id", &a, "queue", 100, &["alice"]);
        store
            .save_conversations(&[mine.clone(), conv("theirs", &b, "queue", 200, &["alice"])])
            .unwrap();
        // The same id written for b must not move a's row.
        store
            .save_conversations(&[conv("shared-id", &b, "call_out", 300, &["mallory"])])
            .unwrap();
        assert_eq!(store.conversation(&a, "shared-id").unwrap(), Some(mine));
        assert_eq!(store.conversation(&b, "shared-id").unwrap(), None);
        assert_eq!(store.conversation(&a, "theirs").unwrap(), None);
        let alice = ConversationFilter {
            agent: Some("alice".into()),
            ..Default::default()
        };
        assert_eq!(
            ids(&store.list_conversations(&a, &alice, ALL).unwrap()),
            ["shared-id"]
        );
        assert_eq!(
            ids(&store.list_conversations(&b, &alice, ALL).unwrap()),
            ["theirs"]
        );
        let mallory = ConversationFilter {
            agent: Some("mallory".into()),
            ..Default::default()
        };
        assert_eq!(
            store.list_conversations(&b, &mallory, ALL).unwrap().total,
            0
        );
    }

    #[test]
    fn a_deleted_callcenters_rows_neither_fail_nor_appear() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let live = callcenter(&store);
        let gone = callcenter(&store);
        store
            .save_conversations(&[conv("old", &gone, "queue", 50, &["alice"])])
            .unwrap();
        assert!(store.delete_callcenter(&gone).unwrap());
        let ghost = CallCenterId("0".repeat(32));
        store
            .save_conversations(&[
                conv("late", &gone, "queue", 100, &["alice"]),
                conv("kept", &live, "queue", 200, &["alice"]),
                conv("never", &ghost, "queue", 300, &["bob"]),
            ])
            .unwrap();
        assert_eq!(store.conversation(&gone, "late").unwrap(), None);
        assert_eq!(
            ids(&store
                .list_conversations(&live, &Default::default(), ALL)
                .unwrap()),
            ["kept"]
        );
        // Nothing of the deleted call center is left behind, index included.
        let raw = Connection::open(dir.path().join(crate::sqlite::DB_FILE)).unwrap();
        let count = |sql: &str| raw.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM conversations"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM conversation_agents"), 1);
        assert_eq!(store.close_running_conversations(400).unwrap(), 1);
    }
}
