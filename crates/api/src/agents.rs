//! Agents (SPEC §3, §4): login, logout, keepalive, the list, and the agent's own changes of
//! extension, state and skills. Every call goes to the engine's [`CallCenterHub`]; this module
//! only checks the shapes of parameters (all of them before any id is looked up).

use actix_web::{web, HttpResponse};
use sb_acd::agent::{validate_num, AgentError, AgentName, AgentState, Skill, SkillOpt, Skills};
use sb_engine::acd::{AcdError, AgentView, CallCenterHub, LoginRequest};
use sb_store::ExtensionId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{PageOf, Paging, Params};
use crate::AppState;

impl From<AcdError> for ApiError {
    fn from(e: AcdError) -> Self {
        match e {
            AcdError::UnknownCallCenter { id } => ApiError::not_found("callcenter", id),
            AcdError::UnknownAgent { name } => ApiError::not_found("agent", name),
            AcdError::UnknownExtension { id } => ApiError::not_found("extension", id),
            AcdError::UnknownTask { id } => ApiError::not_found("queue", id),
            AcdError::Agent(e @ AgentError::NotSettable { .. }) => {
                ApiError::bad("state", e.to_string())
            }
            AcdError::BadEnqueue { .. } => ApiError::bad("enqueue", e.to_string()),
            AcdError::Store(e) => ApiError::from(e),
            AcdError::Stopped => ApiError::Unavailable("the call-center engine is not running"),
            e @ (AcdError::AlreadyLoggedIn { .. }
            | AcdError::InCall { .. }
            | AcdError::NotOffered { .. }
            | AcdError::Agent(_)) => ApiError::Conflict(e.to_string()),
            other => {
                let reference = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(%reference, error = %other, "call-center operation failed");
                ApiError::Internal { reference }
            }
        }
    }
}

/// The hub, or 503 on a server that runs without the call-center engine.
pub(crate) fn hub(state: &AppState) -> Result<&CallCenterHub, ApiError> {
    state.acd.as_ref().ok_or(ApiError::Unavailable(
        "the call-center engine is not running",
    ))
}

/// One skill of a login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillBody {
    /// Skill name, 1–64 printable characters.
    pub name: String,
    /// 0–1000000 (default 0).
    pub score: Option<i64>,
    /// Whether routing uses it (default true at login).
    pub enabled: Option<bool>,
}

/// Body of `POST /callcenter/agent`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Unique in the call center: 1–32 of `[A-Za-z0-9_]`.
    pub name: String,
    /// Job number, digits (announced to callers with `play_num`).
    pub num: Option<String>,
    /// `idle`, `busy[/x]` or `away[/x]`; `online` when absent.
    pub state: Option<String>,
    /// Initial skills.
    pub skills: Option<Vec<SkillBody>>,
    /// The id of the extension that reaches the agent.
    pub extension: String,
}

/// A skill as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkillView {
    /// Name.
    pub name: String,
    /// Score.
    pub score: i32,
    /// Whether routing uses it.
    pub enabled: bool,
}

/// A logged-in agent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentJson {
    /// Name.
    pub name: String,
    /// Job number.
    pub num: Option<String>,
    /// `online`, `idle`, `fetching/<task>`, `talking`, `busy[/x]` or `away[/x]`.
    pub state: String,
    /// Skills in the order they were added.
    pub skills: Vec<SkillView>,
    /// The bound extension's id.
    pub extension: String,
    /// Login time (ms since the Unix epoch).
    pub login_time: u64,
}

impl From<AgentView> for AgentJson {
    fn from(v: AgentView) -> Self {
        Self {
            name: v.name.as_str().to_owned(),
            num: v.num,
            state: v.state.to_string(),
            skills: v
                .skills
                .into_iter()
                .map(|s| SkillView {
                    name: s.name,
                    score: s.score,
                    enabled: s.enabled,
                })
                .collect(),
            extension: v.extension.0,
            login_time: v.login_time,
        }
    }
}

/// The `{name}` segment.
#[derive(Debug, Deserialize)]
pub struct NamePath {
    /// The agent's name.
    pub name: String,
}

/// A path name that cannot be an agent's is an unknown agent.
fn agent_name(path: web::Path<NamePath>) -> Result<AgentName, ApiError> {
    let name = path.into_inner().name;
    AgentName::new(&name).map_err(|_| ApiError::not_found("agent", name))
}

fn settable_state(field: &str, text: &str) -> Result<AgentState, ApiError> {
    let s: AgentState = text
        .parse()
        .map_err(|e: sb_acd::agent::StateError| ApiError::bad(field, e.to_string()))?;
    if !s.is_settable() {
        return Err(ApiError::bad(
            field,
            format!("`{s}` cannot be set; use idle, busy[/x] or away[/x]"),
        ));
    }
    Ok(s)
}

fn login_request(b: LoginBody) -> Result<LoginRequest, ApiError> {
    let name = AgentName::new(&b.name).map_err(|e| ApiError::bad("name", e.to_string()))?;
    if let Some(num) = &b.num {
        validate_num(num).map_err(|e| ApiError::bad("num", e.to_string()))?;
    }
    let state = b
        .state
        .as_deref()
        .map(|s| settable_state("state", s))
        .transpose()?;
    let mut skills = Vec::new();
    for (i, s) in b.skills.unwrap_or_default().into_iter().enumerate() {
        let skill = Skill::new(&s.name, s.score.unwrap_or(0), s.enabled.unwrap_or(true))
            .map_err(|e| ApiError::bad(format!("skills[{i}]"), e.to_string()))?;
        skills.push(skill);
    }
    if b.extension.is_empty() {
        return Err(ApiError::bad("extension", "must be an extension id"));
    }
    Ok(LoginRequest {
        name,
        num: b.num,
        state,
        skills: Skills::new(skills),
        extension: ExtensionId(b.extension),
    })
}

/// Logs an agent in.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)")),
    request_body = LoginBody,
    responses((status = 200, body = Envelope<AgentJson>),
              (status = 400, description = "A parameter is malformed"),
              (status = 404, description = "Unknown extension"),
              (status = 409, description = "The agent is already logged in")),
    security(("callcenter" = [])))]
pub async fn login(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let req = login_request(body)?;
    let view = hub(&state)?.login(&tenant.id, req).await?;
    Ok(ok(AgentJson::from(view)))
}

/// `force` of a logout.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogoutParams {
    /// Hang up the agent's calls first instead of refusing (default false).
    pub force: Option<bool>,
}

/// The name of an agent that was logged out.
#[derive(Debug, Serialize, ToSchema)]
pub struct NameView {
    /// The agent's name.
    pub name: String,
}

/// Logs an agent out; refused while it is in a call unless `force=true`.
#[utoipa::path(delete, path = "/v1/callcenter/{callcenter_id}/agent/{name}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name"),
           ("force" = Option<bool>, Query, description = "Hang up the agent's calls first (default false)")),
    responses((status = 200, body = Envelope<NameView>), (status = 404, description = "Not logged in"),
              (status = 409, description = "The agent is in a call and `force` is not true")),
    security(("callcenter" = [])))]
pub async fn logout(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<LogoutParams>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let name = agent_name(path)?;
    hub(&state)?
        .logout(&tenant.id, &name, p.force.unwrap_or(false))
        .await?;
    Ok(ok(NameView {
        name: name.as_str().to_owned(),
    }))
}

/// Keeps the agent logged in (it is logged out after `keepalive_timeout` seconds without one).
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/agent/{name}/keepalive", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    responses((status = 200, body = Envelope<AgentJson>), (status = 404, description = "Not logged in")),
    security(("callcenter" = [])))]
pub async fn keepalive(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let name = agent_name(path)?;
    let view = hub(&state)?.keepalive(&tenant.id, &name).await?;
    Ok(ok(AgentJson::from(view)))
}

/// Lists the logged-in agents, by name.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/agent", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<AgentJson>>)),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let (rows, total) = hub(&state)?.agents(&tenant.id, page);
    let rows = rows.into_iter().map(AgentJson::from).collect();
    Ok(ok(PageOf::new(page, total, rows)))
}

/// One logged-in agent.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/agent/{name}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    responses((status = 200, body = Envelope<AgentJson>), (status = 404, description = "Not logged in")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let name = agent_name(path)?;
    let view = hub(&state)?.agent(&tenant.id, &name).await?;
    Ok(ok(AgentJson::from(view)))
}

/// Body of `POST …/agent/{name}/extension`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    /// The id of the extension that reaches the agent from now on.
    pub id: String,
}

/// Binds the agent to another extension.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/extension", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = ExtensionBody,
    responses((status = 200, body = Envelope<AgentJson>), (status = 404, description = "Unknown agent or extension")),
    security(("callcenter" = [])))]
pub async fn set_extension(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<ExtensionBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    if body.id.is_empty() {
        return Err(ApiError::bad("id", "must be an extension id"));
    }
    let name = agent_name(path)?;
    let view = hub(&state)?
        .set_extension(&tenant.id, &name, ExtensionId(body.id))
        .await?;
    Ok(ok(AgentJson::from(view)))
}

/// Body of `POST …/agent/{name}/state`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    /// `idle`, `busy[/x]` or `away[/x]`.
    pub state: String,
}

/// Sets the agent's state; refused while it is fetching or talking.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/state", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = StateBody,
    responses((status = 200, body = Envelope<AgentJson>),
              (status = 400, description = "Not idle, busy[/x] or away[/x]"),
              (status = 404, description = "Not logged in"),
              (status = 409, description = "The agent is fetching or talking")),
    security(("callcenter" = [])))]
pub async fn set_state(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<StateBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let to = settable_state("state", &body.state)?;
    let name = agent_name(path)?;
    let view = hub(&state)?.set_state(&tenant.id, &name, to).await?;
    Ok(ok(AgentJson::from(view)))
}

/// One entry of `opts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillOptBody {
    /// 1 add or update, 2 delete, 0 delete all.
    pub opt: i64,
    /// The skill (opt 1 and 2).
    pub name: Option<String>,
    /// New score (opt 1; kept, or 0 for a new skill, when absent).
    pub score: Option<i64>,
    /// New enabled flag (opt 1; kept, or false for a new skill, when absent).
    pub enabled: Option<bool>,
}

/// Body of `POST …/agent/{name}/skills`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillsBody {
    /// Applied in order.
    pub opts: Vec<SkillOptBody>,
}

/// Changes the agent's skills.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/agent/{name}/skills", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("name" = String, Path, description = "Agent name")),
    request_body = SkillsBody,
    responses((status = 200, body = Envelope<AgentJson>),
              (status = 400, description = "An opt is malformed (named by its index)"),
              (status = 404, description = "Not logged in")),
    security(("callcenter" = [])))]
pub async fn set_skills(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<SkillsBody>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let opts = body
        .opts
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            SkillOpt::from_parts(i, o.opt, o.name.as_deref(), o.score, o.enabled)
                .map_err(|e| ApiError::bad(format!("opts[{i}]"), e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let name = agent_name(path)?;
    let view = hub(&state)?.set_skills(&tenant.id, &name, opts).await?;
    Ok(ok(AgentJson::from(view)))
}
