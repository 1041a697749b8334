//! The agent operations of SPEC §6 (seed 000) that act on queue tasks and calls: refusing
//! or forwarding an offered task, calling out, calling another agent, and transferring.
//! Each is a `POST` under `…/agent/{name}/<operation>` that answers at once with the ids it
//! created; outcomes follow as events. Holding, joining and leaving are in
//! [`crate::agent_membership`], the invitations in [`crate::invitations`].
//!
//! `reject` and `forwardAgent` act on a queue task and go to the call-center hub; the rest
//! go to the call engine's conversations. Parameters keep the seeds' names and spellings
//! (`backgound` for callout/callagent, `backgroud` for the invitations, and `background`
//! everywhere), and all of them are checked before the agent or any id is looked up.

use actix_web::{web, HttpResponse};
use sb_acd::agent::AgentName;
use sb_engine::acd::TaskId;
use sb_engine::conversation::Operation;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::agents::{hub, NamePath};
use crate::auth::Tenant;
use crate::conversations::{
    conversation_param, data_param, dial_params, enqueue_param, run, CreatedJson, Spelling,
    AGENT_OP,
};
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::Params;
use crate::AppState;

/// The agent of the path; a name no agent can have is a bad parameter.
pub(crate) fn agent(path: web::Path<NamePath>) -> Result<AgentName, ApiError> {
    AgentName::new(&path.into_inner().name).map_err(|e| ApiError::bad("name", e.to_string()))
}

/// A queue task id parameter: 32 hex digits.
fn task_param(field: &str, value: &str) -> Result<TaskId, ApiError> {
    if value.len() == 32 {
        if let Ok(n) = u128::from_str_radix(value, 16) {
            return Ok(TaskId(n));
        }
    }
    Err(ApiError::bad(
        field,
        "must be a queue task id: 32 hex digits",
    ))
}

/// Body of `reject`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// The task the agent is being offered.
    pub task_id: String,
    /// Handed back to the IVR's `<enqueue>` `<next>` request (at most 4096 bytes).
    pub data: Option<String>,
}

/// The agent refuses the task it is being offered (it is `fetching`): the task ends with
/// cause `reject` and `data` travels back to the IVR. Hanging up or not answering the
/// ringing extension also fails the offer, without data.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/reject", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = RejectBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The task's id (task_id)"),
              (status = 400, description = "A parameter is missing or malformed"),
              (status = 404, description = "The agent is not logged in"),
              (status = 409, description = "The agent is not being offered that task"),
              (status = 503, description = "The call-center engine is not running")),
    security(("callcenter" = [])))]
pub async fn reject(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<RejectBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let task = task_param("task_id", &body.task_id)?;
    let data = data_param(body.data)?;
    let name = agent(path)?;
    hub(&state)?.reject(&tenant.id, &name, task, data).await?;
    Ok(ok(task_created(task)))
}

fn task_created(task: TaskId) -> CreatedJson {
    CreatedJson {
        task_id: Some(task.to_string()),
        ..CreatedJson::default()
    }
}

/// Body of `forwardAgent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardAgentBody {
    /// The task the agent is being offered.
    #[serde(rename = "queueId")]
    pub queue_id: String,
    /// `<enqueue>` XML selecting the agents to hand the task to.
    pub enqueue: String,
}

/// Before accepting an offered task, hands it to other agents: the task is queued again
/// with the new selection (type `fwd_agent`), and this agent's offer ends with cause
/// `forward`. The task is never offered to this agent again.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/forwardAgent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = ForwardAgentBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The task's id (task_id)"),
              (status = 400, description = "A parameter is missing or malformed (the <enqueue> with line and column)"),
              (status = 404, description = "The agent is not logged in"),
              (status = 409, description = "The agent is not being offered that task"),
              (status = 503, description = "The call-center engine is not running")),
    security(("callcenter" = [])))]
pub async fn forward_agent(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<ForwardAgentBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let task = task_param("queueId", &body.queue_id)?;
    let xml = enqueue_param("enqueue", body.enqueue)?;
    let name = agent(path)?;
    hub(&state)?.forward(&tenant.id, &name, task, xml).await?;
    Ok(ok(task_created(task)))
}

/// Body of `callout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalloutBody {
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
    /// Background dialling (default false); also accepted as `background` or `backgroud`.
    /// False: the agent's current conversation is held, the agent hears dial tone and
    /// ringback and joins in mode 1. True: the agent stays where it is, hears nothing of the
    /// dialling, and joins the new conversation held (mode 4).
    #[serde(
        default,
        rename = "backgound",
        alias = "background",
        alias = "backgroud"
    )]
    pub background: bool,
}

/// Calls a number through the call center's trunk: a new `call_out` conversation with the
/// agent and the number. An agent without a connection has its extension rung first; the
/// number is dialled once it answers.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/callout", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = CalloutBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The new conversation's and call's ids"),
              (status = 400, description = "A parameter is missing or out of range"),
              (status = 404, description = "The agent is not logged in"),
              (status = 409, description = "The agent's extension is still being rung, or the call center cannot dial the number"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn callout(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<CalloutBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let dial = dial_params(
        body.to,
        body.from,
        body.max_dial_seconds,
        body.max_answer_seconds,
    )?;
    let agent = agent(path)?;
    let op = Operation::Callout {
        agent,
        dial,
        background: body.background,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `callagent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallAgentBody {
    /// `<enqueue>` XML selecting the agent called (only idle agents match).
    pub enqueue: String,
    /// Background dialling (default false); also accepted as `background` or `backgroud`.
    /// False: the agent's current conversation is held and the agent hears the queue prompt.
    /// True: the agent stays where it is and joins the new conversation held (mode 4).
    #[serde(
        default,
        rename = "backgound",
        alias = "background",
        alias = "backgroud"
    )]
    pub background: bool,
}

/// Calls another agent found by a queue task (type `call_agent`): a new `call_agent`
/// conversation with both. The caller hears the queue prompt instead of ringback. The
/// task never selects the calling agent itself.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/callagent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = CallAgentBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The new conversation's and queue task's ids"),
              (status = 400, description = "A parameter is missing or malformed (the <enqueue> with line and column)"),
              (status = 404, description = "The agent is not logged in"),
              (status = 409, description = "The agent's extension is still being rung"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn callagent(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<CallAgentBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let enqueue = enqueue_param("enqueue", body.enqueue)?;
    let agent = agent(path)?;
    let op = Operation::CallAgent {
        agent,
        enqueue,
        background: body.background,
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

/// Body of `xferAgent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct XferAgentBody {
    /// The one-to-one conversation whose other party is transferred.
    #[serde(rename = "conversationId")]
    pub conversation_id: String,
    /// `<enqueue>` XML selecting the agent transferred to.
    pub queue: String,
    /// True (default): the agent leaves and the conversation ends at once. False: both stay
    /// held while the task runs; the party returns to mode 1 if it fails.
    pub release: Option<bool>,
}

/// Transfers the other party of a one-to-one conversation to an agent found by a queue
/// task (type `xfer_agent`); the party lands in a new conversation with that agent. Once
/// started, nobody else may join the old conversation. The task never selects the
/// transferring agent.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/xferAgent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = XferAgentBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The queue task's id"),
              (status = 400, description = "A parameter is missing or malformed (the <enqueue> with line and column)"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation is not one-to-one, has ended, is already being transferred, or the agent is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn xfer_agent(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<XferAgentBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let queue = enqueue_param("queue", body.queue)?;
    let agent = agent(path)?;
    let op = Operation::XferAgent {
        agent,
        conversation,
        queue,
        release: body.release.unwrap_or(true),
    };
    let spelling = Spelling {
        enqueue: "queue",
        ..AGENT_OP
    };
    run(&state, &tenant.id, op, spelling).await
}

/// Body of `xferOut`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct XferOutBody {
    /// The one-to-one conversation whose other party is transferred.
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
    /// True (default): the agent leaves and the conversation ends at once. False: both stay
    /// held while the number is dialled; the party returns to mode 1 if it fails.
    pub release: Option<bool>,
}

/// Transfers the other party of a one-to-one conversation to a number; the parties hear
/// dial tone and ringback instead of the queue prompt.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/xferOut", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = XferOutBody,
    responses((status = 200, body = Envelope<CreatedJson>, description = "The new call's id"),
              (status = 400, description = "A parameter is missing or out of range"),
              (status = 404, description = "The agent is not logged in, or the conversation is unknown"),
              (status = 409, description = "The conversation is not one-to-one, has ended, is already being transferred, the agent is not in it, or the number cannot be dialled"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn xfer_out(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<XferOutBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_param("conversationId", body.conversation_id)?;
    let dial = dial_params(
        body.to,
        body.from,
        body.max_dial_seconds,
        body.max_answer_seconds,
    )?;
    let agent = agent(path)?;
    let op = Operation::XferOut {
        agent,
        conversation,
        dial,
        release: body.release.unwrap_or(true),
    };
    run(&state, &tenant.id, op, AGENT_OP).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::params::decode;

    #[test]
    fn the_background_flag_has_three_spellings() {
        for spelling in ["backgound", "background", "backgroud"] {
            let body: CalloutBody =
                decode(json!({"to": "110", "max_answer_seconds": "60", spelling: "true"})).unwrap();
            assert!(body.background, "{spelling}");
            let body: CallAgentBody =
                decode(json!({"enqueue": "<enqueue/>", spelling: 1})).unwrap();
            assert!(body.background, "{spelling}");
        }
        let body: CalloutBody = decode(json!({"to": "110", "max_answer_seconds": 60})).unwrap();
        assert!(!body.background);
    }

    #[test]
    fn task_ids_are_32_hex_digits() {
        let id = "0123456789abcdef0123456789ABCDEF";
        assert_eq!(
            task_param("task_id", id).unwrap().to_string(),
            id.to_lowercase()
        );
        for bad in ["", "xyz", &"0".repeat(31), &"g".repeat(32), &"0".repeat(33)] {
            let e = task_param("queueId", bad).unwrap_err().to_string();
            assert!(e.contains("`queueId`"), "{e}");
        }
    }
}
