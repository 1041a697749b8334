//! Admin endpoints: call centers and their tokens (SPEC §3). Admin token only.

use actix_web::{web, HttpResponse};
use sb_store::{CallCenter, CallCenterId, CallCenterUpdate, NewCallCenter, Settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{hash_token, new_token, Admin};
use crate::envelope::{ok, ApiError};
use crate::params::{PageOf, Paging, Params};
use crate::{crud, validate, AppState};

/// Body of `POST /v1/callcenters`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCallCenter {
    /// Display name, 1–64 characters.
    pub name: String,
    /// Where the IVR starts (`ivr_start` POSTs), http(s).
    pub ivr_url: Option<String>,
    /// Where events are posted, http(s).
    pub callback_url: Option<String>,
    /// Settings; omitted fields take their defaults.
    pub settings: Option<Settings>,
}

/// Body of `POST /v1/callcenters/{id}`: fields present replace the stored ones; `null` clears a URL.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCallCenter {
    /// New display name.
    pub name: Option<String>,
    /// New IVR URL, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ivr_url: Option<Option<String>>,
    /// New webhook URL, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub callback_url: Option<Option<String>>,
    /// New settings, replacing the old ones whole.
    pub settings: Option<Settings>,
}

/// Distinguishes a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A call center as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallCenterView {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// API token; only in the answer that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// IVR URL.
    pub ivr_url: Option<String>,
    /// Webhook URL.
    pub callback_url: Option<String>,
    /// Settings.
    pub settings: Settings,
    /// Creation time (ms since the Unix epoch).
    pub created_at: u64,
    /// Last update (ms since the Unix epoch).
    pub updated_at: u64,
}

impl CallCenterView {
    /// The view of a stored call center, optionally with a fresh token.
    pub fn new(cc: CallCenter, token: Option<String>) -> Self {
        Self {
            id: cc.id.0,
            name: cc.name,
            token,
            ivr_url: cc.ivr_url,
            callback_url: cc.callback_url,
            settings: cc.settings,
            created_at: cc.created_at,
            updated_at: cc.updated_at,
        }
    }
}

/// A freshly issued token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// The call center it belongs to.
    pub callcenter_id: String,
    /// The token; shown once, stored only hashed.
    pub token: String,
}

fn check_urls(ivr: Option<&str>, callback: Option<&str>) -> Result<(), ApiError> {
    if let Some(u) = ivr {
        validate::http_url("ivr_url", u)?;
    }
    if let Some(u) = callback {
        validate::http_url("callback_url", u)?;
    }
    Ok(())
}

/// Creates a call center and its first API token.
#[utoipa::path(post, path = "/v1/callcenters", tag = "admin",
    request_body = CreateCallCenter,
    responses((status = 200, description = "Created; `data.token` is its API token", body = Envelope<CallCenterView>)),
    security(("admin" = [])))]
pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    Params(p): Params<CreateCallCenter>,
) -> Result<HttpResponse, ApiError> {
    validate::name("name", &p.name)?;
    check_urls(p.ivr_url.as_deref(), p.callback_url.as_deref())?;
    let settings = p.settings.unwrap_or_default();
    validate::settings(&settings)?;
    let (cc, token) = create_with_token(
        &state,
        NewCallCenter {
            name: p.name,
            ivr_url: p.ivr_url,
            callback_url: p.callback_url,
            settings,
        },
    )
    .await?;
    state.routing_changed();
    Ok(ok(CallCenterView::new(cc, Some(token))))
}

/// Creates a call center and one token for it; used by the endpoint and by first start.
pub async fn create_with_token(
    state: &AppState,
    new: NewCallCenter,
) -> Result<(CallCenter, String), ApiError> {
    let token = new_token();
    let hash = hash_token(&token);
    let now = state.clock.unix_ms();
    let cc = state
        .store
        .run(move |s| {
            let cc = s.create_callcenter(&new, now)?;
            s.add_token(&cc.id, &hash, now)?;
            Ok(cc)
        })
        .await?;
    Ok((cc, token))
}

/// Lists call centers.
#[utoipa::path(get, path = "/v1/callcenters", tag = "admin",
    params(("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<CallCenterView>>)),
    security(("admin" = [])))]
pub async fn list(
    _: Admin,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let got = state.store.run(move |s| s.list_callcenters(page)).await?;
    let rows = got
        .rows
        .into_iter()
        .map(|cc| CallCenterView::new(cc, None))
        .collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One call center.
#[utoipa::path(get, path = "/v1/callcenters/{id}", tag = "admin",
    params(("id" = String, Path, description = "Call center id")),
    responses((status = 200, body = Envelope<CallCenterView>), (status = 404, description = "Unknown id")),
    security(("admin" = [])))]
pub async fn get(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = CallCenterId(path.into_inner());
    let cc = fetch(&state, id).await?;
    Ok(ok(CallCenterView::new(cc, None)))
}

/// Loads a call center or answers 404.
pub async fn fetch(state: &AppState, id: CallCenterId) -> Result<CallCenter, ApiError> {
    let key = id.clone();
    crud::one(state, "callcenter", &id.0, move |s| s.callcenter(&key)).await
}

/// Updates a call center.
#[utoipa::path(post, path = "/v1/callcenters/{id}", tag = "admin",
    params(("id" = String, Path, description = "Call center id")),
    request_body = UpdateCallCenter,
    responses((status = 200, body = Envelope<CallCenterView>), (status = 404, description = "Unknown id")),
    security(("admin" = [])))]
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    Params(p): Params<UpdateCallCenter>,
) -> Result<HttpResponse, ApiError> {
    if let Some(n) = &p.name {
        validate::name("name", n)?;
    }
    check_urls(
        p.ivr_url.clone().flatten().as_deref(),
        p.callback_url.clone().flatten().as_deref(),
    )?;
    if let Some(s) = &p.settings {
        validate::settings(s)?;
    }
    let id = CallCenterId(path.into_inner());
    let update = CallCenterUpdate {
        name: p.name,
        ivr_url: p.ivr_url,
        callback_url: p.callback_url,
        settings: p.settings,
    };
    let now = state.clock.unix_ms();
    let key = id.clone();
    let cc = crud::one(&state, "callcenter", &id.0, move |s| {
        s.update_callcenter(&key, &update, now)
    })
    .await?;
    state.routing_changed();
    Ok(ok(CallCenterView::new(cc, None)))
}

/// Deletes a call center, its tokens, records and files (refused while trunks point at it).
#[utoipa::path(delete, path = "/v1/callcenters/{id}", tag = "admin",
    params(("id" = String, Path, description = "Call center id")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "Unknown id"),
              (status = 409, description = "Trunks still deliver calls to it")),
    security(("admin" = [])))]
pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = CallCenterId(path.into_inner());
    let key = id.clone();
    let answer = crud::deleted(&state, "callcenter", id.0.clone(), move |s| {
        s.delete_callcenter(&key)
    })
    .await;
    state.routing_changed();
    if let (Ok(_), Some(files)) = (&answer, state.files.clone()) {
        // Its rows are gone; its prompts and recordings on disk go with them.
        let removed = web::block(move || files.delete_all(&id)).await;
        if let Err(error) = removed
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        {
            tracing::warn!(%error, "files of a deleted call center not removed");
        }
    }
    answer
}

/// An id.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdView {
    /// The id.
    pub id: String,
}

/// Issues another API token for a call center.
#[utoipa::path(post, path = "/v1/callcenters/{id}/tokens", tag = "admin",
    params(("id" = String, Path, description = "Call center id")),
    responses((status = 200, body = Envelope<TokenView>), (status = 404, description = "Unknown id")),
    security(("admin" = [])))]
pub async fn issue_token(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = CallCenterId(path.into_inner());
    let token = new_token();
    let hash = hash_token(&token);
    let now = state.clock.unix_ms();
    let key = id.clone();
    state
        .store
        .run(move |s| s.add_token(&key, &hash, now))
        .await?;
    Ok(ok(TokenView {
        callcenter_id: id.0,
        token,
    }))
}

/// Revokes one of a call center's tokens.
#[utoipa::path(delete, path = "/v1/callcenters/{id}/tokens/{token}", tag = "admin",
    params(("id" = String, Path, description = "Call center id"),
           ("token" = String, Path, description = "The token to revoke")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "Not a token of this call center")),
    security(("admin" = [])))]
pub async fn revoke_token(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, token) = path.into_inner();
    let id = CallCenterId(id);
    let hash = hash_token(&token);
    let key = id.clone();
    crud::deleted(&state, "token of callcenter", id.0, move |s| {
        s.revoke_token(&key, &hash)
    })
    .await
}

use crate::envelope::Envelope;
