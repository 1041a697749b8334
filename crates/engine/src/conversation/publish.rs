//! What leaves the conversations: agent changes for the hub (in order, on one task),
//! conversation and agent events (SPEC §11), and records written behind to the store.

use sb_acd::agent::{AgentName, ReturnTo};
use sb_acd::conversation::{ConversationId, MemberId};
use sb_store::{CallCenterId, ConversationRow, MemberRow, StoreHandle};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::link::ConvLink;
use crate::acd::CallCenterHub;

/// `callcenter.conversation.begin`.
pub const CONVERSATION_BEGIN: &str = "callcenter.conversation.begin";
/// `callcenter.conversation.end`.
pub const CONVERSATION_END: &str = "callcenter.conversation.end";
/// `callcenter.conversation.parts_changed`.
pub const CONVERSATION_PARTS_CHANGED: &str = "callcenter.conversation.parts_changed";
/// `callcenter.agent.conversation_changed`.
pub const AGENT_CONVERSATION_CHANGED: &str = "callcenter.agent.conversation_changed";

/// An agent change the hub must hear, in the order the conversations made them.
#[derive(Debug)]
pub(crate) enum HubCall {
    Entered(CallCenterId, AgentName, ConversationId, ReturnTo),
    Left(CallCenterId, AgentName, ConversationId),
}

/// One task that tells the hub every agent change in order (an agent entering and then
/// leaving must never arrive the other way round).
pub(crate) fn spawn_hub_calls(hub: CallCenterHub) -> mpsc::UnboundedSender<HubCall> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(call) = rx.recv().await {
            let result = match &call {
                HubCall::Entered(cc, agent, conv, then) => {
                    hub.conversation_entered(cc, agent, conv.clone(), then.clone())
                        .await
                }
                HubCall::Left(cc, agent, conv) => {
                    hub.conversation_left(cc, agent, conv.clone()).await
                }
            };
            if let Err(error) = result {
                tracing::debug!(?call, %error, "agent change not applied");
            }
        }
    });
    tx
}

/// Writes conversation records behind the endpoint, batching whatever queued up.
pub(crate) fn spawn_row_writer(store: StoreHandle) -> mpsc::UnboundedSender<ConversationRow> {
    let (tx, mut rx) = mpsc::unbounded_channel::<ConversationRow>();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut rows = vec![first];
            while let Ok(more) = rx.try_recv() {
                rows.push(more);
            }
            // Later versions of a row replace earlier ones in the same batch.
            let mut seen = std::collections::HashSet::new();
            rows.reverse();
            rows.retain(|r| seen.insert(r.id.clone()));
            rows.reverse();
            if let Err(error) = store.run(move |s| s.save_conversations(&rows)).await {
                tracing::error!(%error, "conversation records not written");
            }
        }
    });
    tx
}

impl ConvLink {
    /// Sends every version of every conversation record to the returned receiver, in
    /// order, instead of writing them to the store: for a shell with a writer of its own,
    /// and for tests, which see what would be stored.
    pub fn rows_to_channel(&mut self) -> mpsc::UnboundedReceiver<ConversationRow> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.rows = Some(tx);
        rx
    }

    /// The conversation's record as it stands.
    pub(crate) fn row(&self, id: &ConversationId) -> Option<ConversationRow> {
        let l = self.live.get(id)?;
        let conv = self.boards.get(&l.cc)?.get(id)?;
        let members = conv
            .members
            .iter()
            .map(|m| {
                let (name, extension_id) = match &m.id {
                    MemberId::Agent(a) => (
                        Some(a.to_string()),
                        l.extensions.get(a).map(|e| e.0.clone()),
                    ),
                    MemberId::Call(_) => (None, None),
                };
                let call_id = l.calls.get(&m.id).map(|c| c.0.clone()).unwrap_or_default();
                MemberRow {
                    name,
                    extension_id,
                    call_id,
                    mode: m.mode.get(),
                    begin_time: m.begin_ms,
                    end_time: m.end_ms,
                }
            })
            .collect();
        Some(ConversationRow {
            id: id.0.clone(),
            callcenter_id: l.cc.clone(),
            kind: l.kind.as_str().to_owned(),
            state: if conv.ended.is_some() {
                "completed"
            } else {
                "running"
            }
            .to_owned(),
            queue_id: l.queue_id.clone(),
            condition_id: l.condition_id.clone(),
            agent_call_id: l.agent_call_id.clone(),
            begin_time: conv.begin_ms,
            end_time: conv.ended.map(|(_, at)| at),
            end_reason: conv.ended.map(|(r, _)| r.as_str().to_owned()),
            record_file: l.record_file.clone(),
            members,
        })
    }

    fn publish_row(&self, id: &ConversationId, event: &'static str) {
        let Some(row) = self.row(id) else {
            return;
        };
        if let Some(hub) = &self.hub {
            let mut fields = match serde_json::to_value(&row) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            fields.remove("callcenter_id");
            fields.insert("channel_id".into(), Value::Null);
            if let Some(data) = self.live.get(id).and_then(|l| l.user_data.clone()) {
                fields.insert("user_data".into(), data.into());
            }
            hub.publish(&row.callcenter_id, event, fields);
        }
        if let Some(rows) = &self.rows {
            let _ = rows.send(row);
        }
    }

    pub(super) fn publish_begin(&self, id: &ConversationId) {
        self.publish_row(id, CONVERSATION_BEGIN);
    }

    pub(super) fn publish_parts(&self, id: &ConversationId) {
        self.publish_row(id, CONVERSATION_PARTS_CHANGED);
    }

    pub(super) fn publish_end(&self, id: &ConversationId) {
        self.publish_row(id, CONVERSATION_END);
    }

    pub(super) fn publish_agent_changed(
        &self,
        cc: &CallCenterId,
        agent: &AgentName,
        conversation: &ConversationId,
        kind: &'static str,
    ) {
        let Some(hub) = &self.hub else {
            return;
        };
        let mut f = Map::new();
        f.insert("name".into(), agent.as_str().into());
        f.insert("type".into(), kind.into());
        f.insert("conversation_id".into(), conversation.0.clone().into());
        hub.publish(cc, AGENT_CONVERSATION_CHANGED, f);
    }
}
