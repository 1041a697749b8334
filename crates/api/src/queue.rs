//! Queue tasks (SPEC §3): the waiting and ringing tasks with their position and waiting time,
//! and cancelling one (it fails with cause `cancel`).

use actix_web::{web, HttpResponse};
use sb_engine::acd::{FailCause, QueueView, TaskId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::IdView;
use crate::agents::hub;
use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, PageOf, Paging, Params};
use crate::AppState;

/// A waiting or ringing queue task.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueJson {
    /// Task id (`queue_id`).
    pub id: String,
    /// `ivr`, `call_agent`, `fwd_agent`, `xfer_agent` or `invite_agent`.
    #[serde(rename = "type")]
    pub kind: String,
    /// 1-based place among waiting tasks; null while it rings an agent.
    pub position: Option<usize>,
    /// Milliseconds since it was queued.
    pub waiting_time: u64,
    /// When it was queued (ms since the Unix epoch).
    pub enqueue_time: u64,
    /// The call waiting for an agent.
    pub origin_call_id: Option<String>,
    /// The agent being rung.
    pub agent_name: Option<String>,
    /// The stored condition of its current route, if it is one.
    pub condition_id: Option<String>,
    /// Index of its current `<route>`, from 0.
    pub route: usize,
    /// The task's `user_data`.
    pub user_data: Option<String>,
}

impl From<QueueView> for QueueJson {
    fn from(v: QueueView) -> Self {
        Self {
            id: v.id.to_string(),
            kind: v.kind.as_str().to_owned(),
            position: v.position,
            waiting_time: u64::try_from(v.waiting.as_millis()).unwrap_or(u64::MAX),
            enqueue_time: v.enqueue_time,
            origin_call_id: v.origin_call_id,
            agent_name: v.agent.map(|a| a.as_str().to_owned()),
            condition_id: v.condition_id,
            route: v.route,
            user_data: v.user_data,
        }
    }
}

/// A task id from the path: 32 hex digits, anything else is an unknown task.
fn task_id(path: web::Path<IdPath>) -> Result<TaskId, ApiError> {
    let id = path.into_inner().id;
    if id.len() == 32 {
        if let Ok(n) = u128::from_str_radix(&id, 16) {
            return Ok(TaskId(n));
        }
    }
    Err(ApiError::not_found("queue", id))
}

/// Lists the waiting tasks in the order agents will take them, then the ringing ones.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/queue", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<QueueJson>>)),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let all = hub(&state)?.queue(&tenant.id).await?;
    let total = all.len() as u64;
    let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let rows = all
        .into_iter()
        .skip(skip)
        .take(page.size as usize)
        .map(QueueJson::from)
        .collect();
    Ok(ok(PageOf::new(page, total, rows)))
}

/// One waiting or ringing task.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/queue/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Envelope<QueueJson>), (status = 404, description = "Not waiting or ringing")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let task = task_id(path)?;
    let view = hub(&state)?.queue_task(&tenant.id, task).await?;
    Ok(ok(QueueJson::from(view)))
}

/// Cancels a task: it fails with cause `cancel`, and an agent being rung for it is released.
#[utoipa::path(delete, path = "/v1/callcenter/{callcenter_id}/queue/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "Not waiting or ringing")),
    security(("callcenter" = [])))]
pub async fn cancel(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let task = task_id(path)?;
    hub(&state)?
        .cancel(&tenant.id, task, FailCause::Cancel)
        .await?;
    Ok(ok(IdView {
        id: task.to_string(),
    }))
}
