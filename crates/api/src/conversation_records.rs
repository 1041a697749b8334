//! Reading conversations (SPEC §7): `GET /callcenter/conversation/{id}` and the filtered,
//! paged `GET /callcenter/conversation`.
//!
//! Both read the records the engine writes as conversations run and end, so a running
//! conversation and a completed one look the same here; the changes (dissolve, `lsm`,
//! invitations) go to the engine through [`crate::conversations`].

use actix_web::{web, HttpResponse};
use sb_acd::agent::AgentName;
use sb_store::{ConversationFilter, ConversationRow, MemberRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::conversations::conversation_path;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, PageOf, Paging, Params};
use crate::{crud, AppState};

/// A conversation's `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Still going on.
    Running,
    /// Ended; `end_time` and `end_reason` say when and why.
    Completed,
}

impl ConversationState {
    /// The state as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
        }
    }
}

/// How a conversation came about (its `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationType {
    /// A queue task connected a caller to an agent.
    Queue,
    /// An agent called an outside number.
    CallOut,
    /// An agent called another agent.
    CallAgent,
    /// An extension dialled a number routed straight to a conversation.
    CallIn,
}

impl ConversationType {
    /// The type as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::CallOut => "call_out",
            Self::CallAgent => "call_agent",
            Self::CallIn => "call_in",
        }
    }
}

/// One member of a conversation, present or gone.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// The agent's name; absent for an outside call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The agent's extension id; absent for an outside call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_id: Option<String>,
    /// The member's call leg (for an agent, its agent connection).
    pub call_id: String,
    /// Voice mode: 1 both ways, 2 listen only, 3 speak only, 4 neither (hold).
    #[schema(minimum = 1, maximum = 4)]
    pub mode: u8,
    /// When it joined, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it left; null while it is still in.
    pub end_time: Option<u64>,
}

impl From<MemberRow> for MemberView {
    fn from(m: MemberRow) -> Self {
        Self {
            name: m.name,
            extension_id: m.extension_id,
            call_id: m.call_id,
            mode: m.mode,
            begin_time: m.begin_time,
            end_time: m.end_time,
        }
    }
}

/// A conversation (a multi-party call), running or completed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationView {
    /// The conversation's id.
    pub id: String,
    /// How it came about.
    #[serde(rename = "type")]
    #[schema(value_type = ConversationType)]
    pub kind: String,
    /// Whether it is still going on.
    #[schema(value_type = ConversationState)]
    pub state: String,
    /// Reserved, always null: the upstream platform's work channels do not exist here.
    pub channel_id: Option<String>,
    /// The queue task that created it, if one did.
    pub queue_id: Option<String>,
    /// The stored condition that queue task matched, if any.
    pub condition_id: Option<String>,
    /// When it began, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it ended; null while running.
    pub end_time: Option<u64>,
    /// Why it ended: `dissolved`, `member_left`, `timeout` or `error`; null while running.
    pub end_reason: Option<String>,
    /// The agent's call leg, when an agent's call began it.
    pub agent_call_id: Option<String>,
    /// Every member that ever joined, in join order; members that left keep their
    /// `end_time`.
    pub members: Vec<MemberView>,
    /// The id of its recording, when it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_file: Option<String>,
}

impl From<ConversationRow> for ConversationView {
    fn from(r: ConversationRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            state: r.state,
            channel_id: None,
            queue_id: r.queue_id,
            condition_id: r.condition_id,
            begin_time: r.begin_time,
            end_time: r.end_time,
            end_reason: r.end_reason,
            agent_call_id: r.agent_call_id,
            members: r.members.into_iter().map(MemberView::from).collect(),
            record_file: r.record_file,
        }
    }
}

/// Parameters of the conversation list: paging and the filters, each of which narrows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Page number, from 1.
    #[serde(rename = "pageNo")]
    pub page_no: Option<u32>,
    /// Rows per page, ≤ 2000, default 20.
    #[serde(rename = "pageSize")]
    pub page_size: Option<u32>,
    /// Only conversations in this state.
    pub state: Option<ConversationState>,
    /// Only conversations this agent (by name) was a member of at any time.
    pub agent: Option<String>,
    /// Only conversations of this type.
    #[serde(rename = "type")]
    pub kind: Option<ConversationType>,
    /// Only conversations that began at or after this time (ms since the Unix epoch).
    pub begin_from: Option<u64>,
    /// Only conversations that began before this time (ms since the Unix epoch).
    pub begin_to: Option<u64>,
}

impl ListParams {
    /// The validated page and filter.
    pub fn query(self) -> Result<(sb_store::Page, ConversationFilter), ApiError> {
        let page = Paging {
            page_no: self.page_no,
            page_size: self.page_size,
        }
        .page()?;
        let agent = self
            .agent
            .map(|a| AgentName::new(&a).map_err(|e| ApiError::bad("agent", e.to_string())))
            .transpose()?;
        crate::params::begin_window(self.begin_from, self.begin_to)?;
        let filter = ConversationFilter {
            state: self.state.map(|s| s.as_str().to_owned()),
            agent: agent.map(|a| a.as_str().to_owned()),
            kind: self.kind.map(|k| k.as_str().to_owned()),
            begin_from: self.begin_from,
            begin_to: self.begin_to,
        };
        Ok((page, filter))
    }
}

/// Lists conversations, running and completed, newest `begin_time` first.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/conversation", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20"),
           ("state" = Option<ConversationState>, Query, description = "Only conversations in this state: `running` or `completed`"),
           ("agent" = Option<String>, Query, description = "Only conversations this agent (by name) was a member of at any time"),
           ("type" = Option<ConversationType>, Query, description = "Only conversations of this type: `queue`, `call_out`, `call_agent` or `call_in`"),
           ("begin_from" = Option<u64>, Query, description = "Only conversations that began at or after this time (ms since the Unix epoch)"),
           ("begin_to" = Option<u64>, Query, description = "Only conversations that began before this time (ms since the Unix epoch); later than `begin_from`")),
    responses((status = 200, body = Envelope<PageOf<ConversationView>>),
              (status = 400, description = "A paging or filter parameter is not valid; the message names it")),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, filter) = p.query()?;
    let cc = tenant.id;
    let got = state
        .store
        .run(move |s| s.list_conversations(&cc, &filter, page))
        .await?;
    let rows = got.rows.into_iter().map(ConversationView::from).collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One conversation, running or completed.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/conversation/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Envelope<ConversationView>),
              (status = 404, description = "No conversation with this id in this call center")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_path(path.into_inner().id)?.0;
    let cc = tenant.id;
    let key = id.clone();
    let row = crud::one(&state, "conversation", &id, move |s| {
        s.conversation(&cc, &key)
    })
    .await?;
    Ok(ok(ConversationView::from(row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: serde_json::Value) -> Result<ListParams, ApiError> {
        crate::params::decode(value)
    }

    fn member(name: Option<&str>) -> MemberRow {
        MemberRow {
            name: name.map(str::to_owned),
            extension_id: name.map(|n| format!("ext-{n}")),
            call_id: "leg".into(),
            mode: 2,
            begin_time: 10,
            end_time: None,
        }
    }

    #[test]
    fn filters_reach_the_store_in_its_spelling() {
        let p = params(serde_json::json!({
            "pageNo": "2", "pageSize": "5", "state": "completed", "agent": "alice_1",
            "type": "call_agent", "begin_from": "100", "begin_to": 200,
        }))
        .unwrap();
        let (page, filter) = p.query().unwrap();
        assert_eq!(page, sb_store::Page { no: 2, size: 5 });
        assert_eq!(
            filter,
            ConversationFilter {
                state: Some("completed".into()),
                agent: Some("alice_1".into()),
                kind: Some("call_agent".into()),
                begin_from: Some(100),
                begin_to: Some(200),
            }
        );
        let (_, none) = params(serde_json::json!({})).unwrap().query().unwrap();
        assert_eq!(none, ConversationFilter::default());
    }

    #[test]
    fn bad_filters_name_their_parameter() {
        let err = |v: serde_json::Value| match params(v).and_then(ListParams::query) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        };
        assert!(err(serde_json::json!({"state": "ended"})).contains("`state`"));
        assert!(err(serde_json::json!({"type": "QUEUE"})).contains("`type`"));
        assert!(err(serde_json::json!({"agent": "bad name"})).contains("`agent`"));
        assert!(err(serde_json::json!({"begin_from": "yesterday"})).contains("`begin_from`"));
        assert!(err(serde_json::json!({"begin_to": -1})).contains("`begin_to`"));
        let reversed = err(serde_json::json!({"begin_from": 5, "begin_to": 5}));
        assert!(reversed.contains("`begin_to`"), "{reversed}");
        assert!(err(serde_json::json!({"pageSize": 0})).contains("`pageSize`"));
        assert!(err(serde_json::json!({"agnet": "a"})).contains("`agnet`"));
    }

    #[test]
    fn the_view_has_the_spec_shape() {
        let row = ConversationRow {
            id: "c1".into(),
            callcenter_id: sb_store::CallCenterId("cc".into()),
            kind: "queue".into(),
            state: "running".into(),
            queue_id: Some("q1".into()),
            condition_id: None,
            agent_call_id: None,
            begin_time: 5,
            end_time: None,
            end_reason: None,
            record_file: None,
            members: vec![member(Some("alice")), member(None)],
        };
        let json = serde_json::to_value(ConversationView::from(row.clone())).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "agent_call_id",
                "begin_time",
                "channel_id",
                "condition_id",
                "end_reason",
                "end_time",
                "id",
                "members",
                "queue_id",
                "state",
                "type"
            ],
            "no call center id, and no record_file unless recorded"
        );
        assert!(json["channel_id"].is_null());
        assert_eq!(json["members"][0]["name"], "alice");
        let outside = json["members"][1].as_object().unwrap();
        assert!(!outside.contains_key("name") && !outside.contains_key("extension_id"));
        assert!(outside["end_time"].is_null());
        let recorded = ConversationRow {
            record_file: Some("rec".into()),
            ..row
        };
        let json = serde_json::to_value(ConversationView::from(recorded)).unwrap();
        assert_eq!(json["record_file"], "rec");
    }
}
