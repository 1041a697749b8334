//! Conversations (SPEC §7): dissolving one and setting a member's mode (`lsm`); the
//! invitations are in [`crate::invitations`]. Also what every conversation
//! operation shares with the agent operations of [`crate::agent_ops`]: the checks of their
//! common parameters, the call into the engine's [`Conversations`] handle, the answer shape
//! and the mapping of its errors.
//!
//! Every parameter is checked before the engine is asked anything, so a malformed request
//! about an unknown conversation is a 400, and a server without the call engine answers 503
//! only to well-formed requests.

use actix_web::{web, HttpResponse};
use sb_acd::conversation::ConversationError as RuleError;
use sb_engine::acd::AcdError;
use sb_engine::conversation::{
    ConversationError, ConversationId, Conversations, Created, Dial, Mode, Operation,
};
use sb_store::CallCenterId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, Params};
use crate::validate;
use crate::AppState;

/// Largest `data` handed back to an IVR, in bytes.
pub const DATA_LIMIT: usize = 4 * 1024;
/// Largest `<enqueue>` document, in bytes.
pub const ENQUEUE_LIMIT: usize = 64 * 1024;
/// Longest `max_dial_seconds`: an hour of ringing.
pub const MAX_DIAL_SECONDS: i64 = 3600;
/// Longest `max_answer_seconds`: a day.
pub const MAX_ANSWER_SECONDS: i64 = 86_400;

impl From<ConversationError> for ApiError {
    fn from(e: ConversationError) -> Self {
        match e {
            ConversationError::UnknownConversation { id } => {
                ApiError::not_found("conversation", id)
            }
            e @ (ConversationError::Ended { .. }
            | ConversationError::NotMember { .. }
            | ConversationError::AlreadyMember { .. }
            | ConversationError::Locked { .. }
            | ConversationError::NotOneToOne { .. }
            | ConversationError::PartyIsAgent { .. }
            | ConversationError::CannotDial { .. }) => ApiError::Conflict(e.to_string()),
            ConversationError::Rules(e @ RuleError::BadMode { .. }) => {
                ApiError::bad("mode", e.to_string())
            }
            ConversationError::Rules(e) => ApiError::Conflict(e.to_string()),
            ConversationError::Acd(e) => ApiError::from(e),
            ConversationError::Store(e) => ApiError::from(e),
            ConversationError::Stopped => ApiError::Unavailable("the call engine is not running"),
            other => {
                let reference = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(%reference, error = %other, "conversation operation failed");
                ApiError::Internal { reference }
            }
        }
    }
}

/// How an endpoint spells the parameters the engine may still refuse (SPEC §2: errors name
/// the parameter as the caller sent it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spelling {
    /// The voice-mode parameter: `voiceIoMode` (agent operations) or `mode`.
    pub mode: &'static str,
    /// The `<enqueue>` parameter: `enqueue`, or `queue` for `xferAgent`.
    pub enqueue: &'static str,
}

/// The agent operations' spelling.
pub(crate) const AGENT_OP: Spelling = Spelling {
    mode: "voiceIoMode",
    enqueue: "enqueue",
};

/// The conversation endpoints' spelling.
pub(crate) const CONVERSATION: Spelling = Spelling {
    mode: "mode",
    enqueue: "enqueue",
};

/// The engine's handle, or 503 on a server that runs without the call engine.
fn engine(state: &AppState) -> Result<&Conversations, ApiError> {
    state
        .conversations
        .as_ref()
        .ok_or(ApiError::Unavailable("the call engine is not running"))
}

/// Runs a validated operation and answers with the ids it created.
pub(crate) async fn run(
    state: &AppState,
    cc: &CallCenterId,
    op: Operation,
    spelling: Spelling,
) -> Result<HttpResponse, ApiError> {
    let created = engine(state)?
        .run(cc, op)
        .await
        .map_err(|e| refused(e, spelling))?;
    Ok(ok(CreatedJson::from(created)))
}

/// An engine refusal, naming the parameter as this endpoint spells it.
fn refused(e: ConversationError, spelling: Spelling) -> ApiError {
    match e {
        ConversationError::Rules(e @ RuleError::BadMode { .. }) => {
            ApiError::bad(spelling.mode, e.to_string())
        }
        ConversationError::Acd(e @ AcdError::BadEnqueue { .. }) => {
            ApiError::bad(spelling.enqueue, e.to_string())
        }
        other => ApiError::from(other),
    }
}

/// What an operation created, answered at once; outcomes follow as events.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CreatedJson {
    /// The conversation it created or works on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The call it placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The queue task it created (or acted on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

impl From<Created> for CreatedJson {
    fn from(c: Created) -> Self {
        Self {
            conversation_id: c.conversation_id,
            call_id: c.call_id,
            task_id: c.task_id,
        }
    }
}

/// An id as the engine makes them (UUID hex); generous so other opaque ids pass too.
fn id_shaped(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `conversationId` of an agent operation.
pub(crate) fn conversation_param(field: &str, value: String) -> Result<ConversationId, ApiError> {
    if id_shaped(&value) {
        Ok(ConversationId(value))
    } else {
        Err(ApiError::bad(
            field,
            "must be a conversation id: 1 to 64 letters, digits, `_` or `-`",
        ))
    }
}

/// The `{id}` of a conversation path: anything that cannot be an id is an unknown one.
pub(crate) fn conversation_path(id: String) -> Result<ConversationId, ApiError> {
    if id_shaped(&id) {
        Ok(ConversationId(id))
    } else {
        Err(ApiError::not_found("conversation", id))
    }
}

/// An `<enqueue>` document parameter: not empty, at most [`ENQUEUE_LIMIT`] bytes. Its
/// content is checked by the engine, which also resolves the conditions it names.
pub(crate) fn enqueue_param(field: &str, value: String) -> Result<String, ApiError> {
    if value.trim().is_empty() || value.len() > ENQUEUE_LIMIT {
        return Err(ApiError::bad(
            field,
            format!("must be an <enqueue> XML document of at most {ENQUEUE_LIMIT} bytes"),
        ));
    }
    Ok(value)
}

/// `data` for an IVR: at most [`DATA_LIMIT`] bytes.
pub(crate) fn data_param(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(d) if d.len() > DATA_LIMIT => Err(ApiError::bad(
            "data",
            format!("must be at most {DATA_LIMIT} bytes"),
        )),
        other => Ok(other),
    }
}

fn seconds(field: &str, value: i64, max: i64) -> Result<u32, ApiError> {
    match u32::try_from(value) {
        Ok(s) if (1..=max).contains(&value) => Ok(s),
        _ => Err(ApiError::bad(
            field,
            format!("must be 1 to {max} seconds, found {value}"),
        )),
    }
}

/// The dialling parameters `to`, `from`, `max_dial_seconds`, `max_answer_seconds`.
pub(crate) fn dial_params(
    to: String,
    from: Option<String>,
    max_dial_seconds: Option<i64>,
    max_answer_seconds: i64,
) -> Result<Dial, ApiError> {
    validate::phone_number("to", &to)?;
    if let Some(f) = &from {
        validate::phone_number("from", f)?;
    }
    let max_dial_seconds = max_dial_seconds
        .map(|s| seconds("max_dial_seconds", s, MAX_DIAL_SECONDS))
        .transpose()?;
    let max_answer_seconds = seconds("max_answer_seconds", max_answer_seconds, MAX_ANSWER_SECONDS)?;
    Ok(Dial {
        to,
        from,
        max_dial_seconds,
        max_answer_seconds,
    })
}

/// A mode check's refusal as a parameter error.
pub(crate) fn mode_param(field: &str, mode: Result<Mode, RuleError>) -> Result<Mode, ApiError> {
    mode.map_err(|e| ApiError::bad(field, e.to_string()))
}

/// Dissolves a conversation: every member leaves; IVR callers return to their IVR, other
/// outside calls are hung up, agents without other conversations are disconnected.
#[utoipa::path(delete, path = "/v1/callcenter/{callcenter_id}/conversation/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 404, description = "Unknown conversation"),
              (status = 409, description = "The conversation has already ended"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn dissolve(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversation_path(path.into_inner().id)?;
    run(
        &state,
        &tenant.id,
        Operation::Dissolve { conversation },
        CONVERSATION,
    )
    .await
}

/// The `{id}` and `{name}` segments of `lsm`.
#[derive(Debug, Deserialize)]
pub struct MemberPath {
    /// The conversation.
    pub id: String,
    /// An agent's name, or an outside member's `call_id`.
    pub name: String,
}

/// Body of `POST …/conversation/{id}/agent/{name}/lsm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LsmBody {
    /// The member's voice mode: 1 both ways, 2 the conversation only hears the member,
    /// 3 the member only hears the conversation, 4 neither (hold).
    #[schema(minimum = 1, maximum = 4)]
    pub mode: i64,
}

/// Sets a member's voice mode (listen/speak mode). The member is named by agent name, or by
/// `call_id` for an outside call. A mode other than 4 for an agent puts it on hold (4) in
/// its other conversations.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/conversation/{id}/agent/{name}/lsm", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Conversation id"),
           ("name" = String, Path, description = "An agent's name, or an outside member's call_id")),
    request_body = LsmBody,
    responses((status = 200, body = Envelope<CreatedJson>),
              (status = 400, description = "`mode` is missing or not 1 to 4, or `name` cannot name a member"),
              (status = 404, description = "Unknown conversation"),
              (status = 409, description = "The conversation has ended, or the member is not in it"),
              (status = 503, description = "The call engine is not running")),
    security(("callcenter" = [])))]
pub async fn lsm(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<LsmBody>,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    let mode = mode_param("mode", Mode::new(body.mode))?;
    let MemberPath { id, name } = path.into_inner();
    if !id_shaped(&name) {
        return Err(ApiError::bad(
            "name",
            "must be an agent's name or a call_id: 1 to 64 letters, digits, `_` or `-`",
        ));
    }
    let conversation = conversation_path(id)?;
    let op = Operation::Lsm {
        conversation,
        member: name,
        mode,
    };
    run(&state, &tenant.id, op, CONVERSATION).await
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;

    use super::*;

    fn status(e: ConversationError) -> (u16, String) {
        let api = refused(e, AGENT_OP);
        (api.status_code().as_u16(), api.to_string())
    }

    #[test]
    fn engine_refusals_map_to_statuses() {
        let id = || "c1".to_owned();
        let (s, msg) = status(ConversationError::UnknownConversation { id: id() });
        assert_eq!((s, msg.as_str()), (404, "conversation c1 not found"));
        for e in [
            ConversationError::Ended { id: id() },
            ConversationError::Locked { id: id() },
            ConversationError::NotOneToOne {
                id: id(),
                members: 3,
            },
            ConversationError::PartyIsAgent { id: id() },
            ConversationError::CannotDial {
                to: "110".into(),
                why: "no trunk",
            },
            ConversationError::NotMember {
                member: "a1".into(),
                conversation: id(),
            },
            ConversationError::AlreadyMember {
                member: "a1".into(),
                conversation: id(),
            },
            ConversationError::Rules(RuleError::Exists(ConversationId(id()))),
        ] {
            let text = e.to_string();
            assert_eq!(status(e), (409, text));
        }
        assert_eq!(status(ConversationError::Stopped).0, 503);
        let (s, msg) = status(ConversationError::Acd(AcdError::UnknownAgent {
            name: "ghost".into(),
        }));
        assert_eq!(s, 404);
        assert!(msg.contains("ghost"), "{msg}");
        let (s, _) = status(ConversationError::Store(sb_store::StoreError::NotFound {
            what: "extension",
            id: "e1".into(),
        }));
        assert_eq!(s, 404);
    }

    #[test]
    fn bad_modes_and_documents_name_the_parameter_as_spelled() {
        let bad_mode = || {
            ConversationError::Rules(RuleError::BadMode {
                found: 9,
                allowed: "1-4",
            })
        };
        let (s, msg) = status(bad_mode());
        assert_eq!(s, 400);
        assert!(msg.contains("`voiceIoMode`"), "{msg}");
        let plain = ApiError::from(bad_mode()).to_string();
        assert!(plain.contains("`mode`"), "{plain}");
        let xfer = Spelling {
            mode: "voiceIoMode",
            enqueue: "queue",
        };
        let e = refused(
            ConversationError::Acd(AcdError::BadEnqueue {
                diagnostics: Vec::new(),
            }),
            xfer,
        );
        assert!(e.to_string().contains("`queue`"), "{e}");
    }

    #[test]
    fn parameter_checks() {
        assert!(dial_params("+8613800138000".into(), Some("*99#".into()), Some(60), 600).is_ok());
        let err = |r: Result<Dial, ApiError>| r.unwrap_err().to_string();
        assert!(err(dial_params("12a".into(), None, None, 60)).contains("`to`"));
        assert!(err(dial_params("1".into(), Some("x".into()), None, 60)).contains("`from`"));
        assert!(err(dial_params("1".into(), None, Some(0), 60)).contains("`max_dial_seconds`"));
        assert!(err(dial_params("1".into(), None, Some(3601), 60)).contains("max_dial_seconds"));
        assert!(err(dial_params("1".into(), None, None, 0)).contains("`max_answer_seconds`"));
        assert!(err(dial_params("1".into(), None, None, 86_401)).contains("max_answer_seconds"));
        assert!(dial_params("1".into(), None, None, 86_400).is_ok());
        assert!(conversation_param("conversationId", "ab-12_c".into()).is_ok());
        assert!(conversation_param("conversationId", String::new()).is_err());
        assert!(conversation_param("conversationId", "a b".into()).is_err());
        assert!(conversation_param("conversationId", "a".repeat(65)).is_err());
        assert!(enqueue_param("enqueue", " ".into()).is_err());
        assert!(enqueue_param("enqueue", "x".repeat(ENQUEUE_LIMIT + 1)).is_err());
        assert!(data_param(Some("x".repeat(DATA_LIMIT))).is_ok());
        assert!(data_param(Some("x".repeat(DATA_LIMIT + 1))).is_err());
    }
}
