//! The agent operations of SPEC §6 that change the agent's own place in a conversation:
//! hold (`pause`), unhold (`resume`), `setVoiceIoMode`, `join` and `depart`. Whatever the
//! operation, an agent ends up active (a mode other than 4) in at most one conversation:
//! the engine holds its others.

use actix_web::{web, HttpResponse};
use sb_engine::conversation::{Mode, Operation};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::agent_ops::agent;
use crate::agents::NamePath;
use crate::auth::Tenant;
use crate::conversations::{
    conversation_param, data_param, mode_param, run, CreatedJson, AGENT_OP,
};
use crate::envelope::{ApiError, Envelope};
use crate::params::Params;
use crate::AppState;

/// Body of `pause`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    /// The conversation the agent holds.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
}

/// Hold: the agent's voice mode in the conversation becomes 4 (as `setVoiceIoMode` 4).
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/pause", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = PauseBody,
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 400, description = "`conversationId` is missing or malformed"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or the agent is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn pause(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<PauseBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let agent = agent(path)?;
    let op = Operation::Pause {
        agent,
        conversation,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `resume`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeBody {
    /// The conversation the agent takes off hold.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// The agent's mode afterwards, 1–3 (default 1); 4 would not resume anything.
    #[serde(rename = "voiceIoMode")]
    #[schema(minimum = 1, maximum = 3)]
    pub voice_io_mode: Option<i64>,
}

/// Unhold: the agent's mode in the conversation becomes `voiceIoMode`, and its other
/// conversations go on hold (4).
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/resume", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = ResumeBody,
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 400, description = "`conversationId` is missing, or `voiceIoMode` is not 1 to 3"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or the agent is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn resume(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<ResumeBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let mode = mode_param("voiceIoMode", Mode::for_resume(body.voice_io_mode))?;
    let agent = agent(path)?;
    let op = Operation::Resume {
        agent,
        conversation,
        mode,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `setVoiceIoMode`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetVoiceIoModeBody {
    /// The conversation.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// 1 both ways (default), 2 the conversation only hears the agent, 3 the agent only
    /// hears the conversation, 4 neither (hold).
    #[serde(rename = "voiceIoMode")]
    #[schema(minimum = 1, maximum = 4)]
    pub voice_io_mode: Option<i64>,
}

/// Sets the agent's voice mode in the conversation; 4 is hold, and any other mode puts
/// the agent's other conversations on hold.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/setVoiceIoMode", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = SetVoiceIoModeBody,
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 400, description = "`conversationId` is missing, or `voiceIoMode` is not 1 to 4"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or the agent is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn set_voice_io_mode(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<SetVoiceIoModeBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let mode = mode_param(
        "voiceIoMode",
        body.voice_io_mode.map_or(Ok(Mode::BOTH), Mode::new),
    )?;
    let agent = agent(path)?;
    let op = Operation::SetVoiceIoMode {
        agent,
        conversation,
        mode,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `join`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    /// The conversation to join.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// The agent's mode in it, 0–4; 0 or absent means 1 (a supervisor listening uses 3).
    #[serde(rename = "voiceIoMode")]
    #[schema(minimum = 0, maximum = 4)]
    pub voice_io_mode: Option<i64>,
}

/// The agent joins an existing conversation through its connection, ringing its extension
/// first if it has none.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/join", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = JoinBody,
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 400, description = "`conversationId` is missing, or `voiceIoMode` is not 0 to 4"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or is being transferred, or the agent is already in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn join(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<JoinBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let mode = mode_param("voiceIoMode", Mode::for_join(body.voice_io_mode))?;
    let agent = agent(path)?;
    let op = Operation::Join {
        agent,
        conversation,
        mode,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `depart`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartBody {
    /// The conversation to leave.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// Handed to an outside member that goes back to its IVR (at most 4096 bytes).
    pub data: Option<String>,
}

/// The agent leaves the conversation. A conversation left with fewer than two members
/// ends; an IVR caller goes back to its IVR with `data`; an agent left in no conversation
/// has its connection hung up.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/depart", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = DepartBody,
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 400, description = "A parameter is missing or too long"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or the agent is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn depart(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<DepartBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let data = data_param(body.data)?;
    let agent = agent(path)?;
    let op = Operation::Depart {
        agent,
        conversation,
        data,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}
