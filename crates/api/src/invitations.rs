//! Inviting an agent or a number into a conversation: by an agent (`inviteAgent`,
//! `inviteOut` of SPEC §6, where the inviter is held while it runs unless it asks for
//! background) or by the conversation endpoints of SPEC §7 (`invite_agent`, `invite_out`,
//! which have no inviter and so always run in the background).

use actix_web::{web, HttpResponse};
use sb_engine::conversation::{Mode, Operation};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::agent_ops::agent;
use crate::agents::NamePath;
use crate::auth::Tenant;
use crate::conversations::{
    conversation_param, conversation_path, dial_params, enqueue_param, mode_param, run,
    CreatedJson, AGENT_OP, CONVERSATION,
};
use crate::envelope::{ApiError, Envelope};
use crate::params::{IdPath, Params};
use crate::AppState;

/// Body of the agent operation `inviteAgent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentInviteAgentBody {
    /// The conversation the agent is invited into.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// `<enqueue>` XML selecting the invited agent (only idle agents match).
    pub enqueue: String,
    /// Background (default false); also accepted as `background` or `backgound`. False: the
    /// inviter is held and hears the queue prompt while the task runs. True: nothing changes
    /// for the inviter.
    #[serde(
        default,
        rename = "backgroud",
        alias = "background",
        alias = "backgound"
    )]
    pub background: bool,
    /// The invited agent's mode once it joins, 0–4; 0 or absent means 1.
    #[serde(rename = "voiceIoMode")]
    #[schema(minimum = 0, maximum = 4)]
    pub voice_io_mode: Option<i64>,
}

/// Finds an idle agent with a queue task (type `invite_agent`) and adds it to the
/// conversation in `voiceIoMode`.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/inviteAgent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "The inviting agent's name")),
    request_body = AgentInviteAgentBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The queue task's id"),
              (status = 400, description = "A parameter is missing or malformed (the <enqueue> with line and column)"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or is being transferred, or the agent is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn agent_invite_agent(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<AgentInviteAgentBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let enqueue = enqueue_param("enqueue", body.enqueue)?;
    let mode = mode_param("voiceIoMode", Mode::for_join(body.voice_io_mode))?;
    let agent = agent(path)?;
    let op = Operation::InviteAgent {
        agent: Some(agent),
        conversation,
        enqueue,
        background: body.background,
        mode,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of the agent operation `inviteOut`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentInviteOutBody {
    /// The conversation the number is added to.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// The number called: an optional `+` and 1–32 digits, `*` or `#`.
    pub to: String,
    /// Caller id shown (same shape); one of the trunk's `from_numbers` when absent.
    pub from: Option<String>,
    /// How long it may ring, 1–3600 s (the engine's default when absent).
    #[schema(minimum = 1, maximum = 3600)]
    pub max_dial_seconds: Option<i64>,
    /// How long the answered call may last, 1–86400 s.
    #[schema(minimum = 1, maximum = 86400)]
    pub max_answer_seconds: i64,
    /// Background (default false); also accepted as `background` or `backgound`. False: the
    /// inviter is held and hears dial tone and ringback. True: nothing changes for it.
    #[serde(
        default,
        rename = "backgroud",
        alias = "background",
        alias = "backgound"
    )]
    pub background: bool,
    /// The new member's mode once it answers, 0–4; 0 or absent means 1.
    #[serde(rename = "voiceIoMode")]
    #[schema(minimum = 0, maximum = 4)]
    pub voice_io_mode: Option<i64>,
}

/// Dials a number through the call center's trunk and adds it to the conversation.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/inviteOut", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "The inviting agent's name")),
    request_body = AgentInviteOutBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The new call's id"),
              (status = 400, description = "A parameter is missing or out of range"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation has ended or is being transferred, the agent is not in it, or the number cannot be dialled"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn agent_invite_out(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<AgentInviteOutBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let dial = dial_params(
        body.to,
        body.from,
        body.max_dial_seconds,
        body.max_answer_seconds,
    )?;
    let mode = mode_param("voiceIoMode", Mode::for_join(body.voice_io_mode))?;
    let agent = agent(path)?;
    let op = Operation::InviteOut {
        agent: Some(agent),
        conversation,
        dial,
        background: body.background,
        mode,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `POST …/conversation/{id}/invite_agent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteAgentBody {
    /// `<enqueue>` XML selecting the agent (only idle agents match).
    pub enqueue: String,
    /// The invited agent's voice mode once it joins, 1–4 (default 1).
    #[schema(minimum = 1, maximum = 4)]
    pub mode: Option<i64>,
}

/// Invites an agent found by a queue task (type `invite_agent`) into the conversation.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/conversation/{id}/invite_agent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Conversation id")),
    request_body = InviteAgentBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The queue task's id (task_id)"),
              (status = 400, description = "A parameter is missing or malformed (the <enqueue> with line and column)"),
              (status = 404, description = "Unknown conversation"),
              (status = 409, description = "The conversation has ended or is being transferred"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn invite_agent(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<InviteAgentBody>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let enqueue = enqueue_param("enqueue", body.enqueue)?;
    let mode = invited_mode(body.mode)?;
    let conversation = conversation_path(path.into_inner().id)?;
    let op = Operation::InviteAgent {
        agent: None,
        conversation,
        enqueue,
        background: true,
        mode,
    };
    run(&state, &tenant.id, op, CONVERSATION).await
}

/// The `mode` of a conversation invitation: 1–4, absent means 1.
fn invited_mode(mode: Option<i64>) -> Result<Mode, ApiError> {
    mode_param("mode", mode.map_or(Ok(Mode::BOTH), Mode::new))
}

/// Body of `POST …/conversation/{id}/invite_out`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteOutBody {
    /// The number called: an optional `+` and 1–32 digits, `*` or `#`.
    pub to: String,
    /// Caller id shown (same shape); one of the trunk's `from_numbers` when absent.
    pub from: Option<String>,
    /// How long it may ring, 1–3600 s (the engine's default when absent).
    #[schema(minimum = 1, maximum = 3600)]
    pub max_dial_seconds: Option<i64>,
    /// How long the answered call may last, 1–86400 s.
    #[schema(minimum = 1, maximum = 86400)]
    pub max_answer_seconds: i64,
    /// The new member's voice mode once it answers, 1–4 (default 1).
    #[schema(minimum = 1, maximum = 4)]
    pub mode: Option<i64>,
}

/// Dials a number through the call center's trunk and adds it to the conversation.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/conversation/{id}/invite_out", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Conversation id")),
    request_body = InviteOutBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The call's id (call_id)"),
              (status = 400, description = "A parameter is missing or out of range"),
              (status = 404, description = "Unknown conversation"),
              (status = 409, description = "The conversation has ended or is being transferred, or the call center cannot dial the number"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn invite_out(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<InviteOutBody>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let dial = dial_params(
        body.to,
        body.from,
        body.max_dial_seconds,
        body.max_answer_seconds,
    )?;
    let mode = invited_mode(body.mode)?;
    let conversation = conversation_path(path.into_inner().id)?;
    let op = Operation::InviteOut {
        agent: None,
        conversation,
        dial,
        background: true,
        mode,
    };
    run(&state, &tenant.id, op, CONVERSATION).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::params::decode;

    #[test]
    fn the_background_flag_has_three_spellings() {
        for spelling in ["backgroud", "background", "backgound"] {
            let body: AgentInviteAgentBody =
                decode(json!({"conversationId": "c1", "enqueue": "<enqueue/>", spelling: true}))
                    .unwrap();
            assert!(body.background, "{spelling}");
            let body: AgentInviteOutBody = decode(json!({"conversationId": "c1", "to": "110",
                "max_answer_seconds": 60, spelling: "1"}))
            .unwrap();
            assert!(body.background, "{spelling}");
        }
        let body: AgentInviteOutBody =
            decode(json!({"conversationId": "c1", "to": "110", "max_answer_seconds": 60})).unwrap();
        assert!(!body.background);
    }

    #[test]
    fn a_conversation_invitation_defaults_to_both_ways() {
        assert_eq!(invited_mode(None).unwrap(), Mode::BOTH);
        assert_eq!(invited_mode(Some(4)).unwrap(), Mode::HOLD);
        for bad in [0, 5, -1] {
            let e = invited_mode(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("`mode`"), "{e}");
        }
    }
}
