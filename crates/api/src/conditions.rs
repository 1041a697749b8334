//! Stored conditions (SPEC §3): agent-selection rules that `<enqueue>` routes name by id.
//! An expression that does not compile is refused at creation with the position of the error.

use actix_web::{web, HttpResponse};
use sb_acd::enqueue::{Condition, ConditionError, ConditionInput};
use sb_acd::skill::SkillInterner;
use sb_store::{ConditionDef, ConditionId, ConditionRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::IdView;
use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, PageOf, Paging, Params};
use crate::{crud, AppState};

/// Body of `POST /callcenter/condition` and `POST /callcenter/condition/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionBody {
    /// Boolean expression over the agent, e.g. `has("billing") && get("billing") >= 5`.
    #[serde(rename = "where")]
    pub where_: String,
    /// Numeric expression ranking matching agents, larger first, e.g. `get("billing")`.
    pub sort: Option<String>,
    /// 0–99 (default 0); larger goes first among waiting tasks.
    pub priority: Option<i64>,
    /// Seconds a task waits on this condition before overflowing, 1–1000.
    pub queue_timeout: i64,
    /// Seconds an agent's extension may ring, 1–60 (default 45).
    pub fetch_timeout: Option<i64>,
    /// Free text for operators.
    pub remark: Option<String>,
}

/// A condition as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionView {
    /// Id.
    pub id: String,
    /// Boolean expression.
    #[serde(rename = "where")]
    pub where_: String,
    /// Ranking expression.
    pub sort: Option<String>,
    /// Priority.
    pub priority: u8,
    /// Queue timeout, seconds.
    pub queue_timeout: u32,
    /// Fetch timeout, seconds.
    pub fetch_timeout: u32,
    /// Free text.
    pub remark: Option<String>,
    /// Creation time (ms since the Unix epoch).
    pub created_at: u64,
    /// Last update (ms since the Unix epoch).
    pub updated_at: u64,
}

impl From<ConditionRecord> for ConditionView {
    fn from(r: ConditionRecord) -> Self {
        Self {
            id: r.id.0,
            where_: r.def.where_,
            sort: r.def.sort,
            priority: r.def.priority,
            queue_timeout: r.def.queue_timeout,
            fetch_timeout: r.def.fetch_timeout,
            remark: r.def.remark,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn field_of(e: &ConditionError) -> &'static str {
    match e {
        ConditionError::Missing { field }
        | ConditionError::OutOfRange { field, .. }
        | ConditionError::Expression { field, .. } => field,
        _ => "body",
    }
}

/// Validates a body by compiling it, exactly as routing will.
fn definition(b: ConditionBody) -> Result<ConditionDef, ApiError> {
    if b.remark.as_ref().is_some_and(|r| r.chars().count() > 256) {
        return Err(ApiError::bad("remark", "must be at most 256 characters"));
    }
    let input = ConditionInput {
        where_: Some(&b.where_),
        sort: b.sort.as_deref(),
        priority: b.priority,
        queue_timeout: Some(b.queue_timeout),
        fetch_timeout: b.fetch_timeout,
        remark: b.remark.as_deref(),
    };
    let compiled = Condition::new(&input, &mut SkillInterner::default()).map_err(|errors| {
        let first = errors.first().map(field_of).unwrap_or("body");
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError::bad(first, all.join("; "))
    })?;
    Ok(ConditionDef {
        where_: b.where_,
        sort: b.sort,
        priority: compiled.priority,
        queue_timeout: u32::try_from(compiled.queue_timeout.as_secs()).unwrap_or(u32::MAX),
        fetch_timeout: u32::try_from(compiled.fetch_timeout.as_secs()).unwrap_or(u32::MAX),
        remark: b.remark,
    })
}

/// Creates a condition.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/condition", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)")),
    request_body = ConditionBody,
    responses((status = 200, body = Envelope<ConditionView>),
              (status = 400, description = "A field is out of range or an expression does not compile (with its position)")),
    security(("callcenter" = [])))]
pub async fn create(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<ConditionBody>,
) -> Result<HttpResponse, ApiError> {
    let def = definition(body)?;
    let now = state.clock.unix_ms();
    let cc = tenant.id;
    let rec = state
        .store
        .run(move |s| s.create_condition(&cc, &def, now))
        .await?;
    Ok(ok(ConditionView::from(rec)))
}

/// Replaces a condition.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/condition/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Condition id")),
    request_body = ConditionBody,
    responses((status = 200, body = Envelope<ConditionView>), (status = 404, description = "Unknown id")),
    security(("callcenter" = [])))]
pub async fn update(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    Params(body): Params<ConditionBody>,
) -> Result<HttpResponse, ApiError> {
    let def = definition(body)?;
    let id = ConditionId(path.into_inner().id);
    let now = state.clock.unix_ms();
    let cc = tenant.id;
    let key = id.clone();
    let rec = crud::one(&state, "condition", &id.0, move |s| {
        s.update_condition(&cc, &key, &def, now)
    })
    .await?;
    Ok(ok(ConditionView::from(rec)))
}

/// Lists conditions.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/condition", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<ConditionView>>)),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let cc = tenant.id;
    let got = state
        .store
        .run(move |s| s.list_conditions(&cc, page))
        .await?;
    let rows = got.rows.into_iter().map(ConditionView::from).collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One condition.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/condition/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Condition id")),
    responses((status = 200, body = Envelope<ConditionView>), (status = 404, description = "Unknown id")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let id = ConditionId(path.into_inner().id);
    let cc = tenant.id;
    let key = id.clone();
    let rec = crud::one(&state, "condition", &id.0, move |s| s.condition(&cc, &key)).await?;
    Ok(ok(ConditionView::from(rec)))
}

/// Deletes a condition.
#[utoipa::path(delete, path = "/v1/callcenter/{callcenter_id}/condition/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Condition id")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "Unknown id")),
    security(("callcenter" = [])))]
pub async fn delete(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let id = ConditionId(path.into_inner().id);
    let cc = tenant.id;
    let key = id.clone();
    crud::deleted(&state, "condition", id.0, move |s| {
        s.delete_condition(&cc, &key)
    })
    .await
}
