//! Trunk endpoints (SPEC §3). Admin token only. Storage and validation; the SIP side of a
//! trunk (registration, outbound INVITE, inbound matching) reads these records.

use actix_web::{web, HttpResponse};
use sb_store::{CallCenterId, Transport, Trunk, TrunkDef, TrunkId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::IdView;
use crate::auth::Admin;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{PageOf, Paging, Params};
use crate::{crud, validate, AppState};

/// The SIP port used when a trunk gives none.
pub const DEFAULT_PORT: u16 = 5060;

/// Body of `POST /v1/trunks` and `POST /v1/trunks/{id}` (a full replacement).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrunkBody {
    /// Display name, 1–64 characters.
    pub name: String,
    /// The provider's host name or IP address.
    pub host: String,
    /// The provider's port (default 5060). When given, inbound calls must also come from it.
    pub port: Option<u32>,
    /// `udp` (default) or `tcp`.
    pub transport: Option<String>,
    /// Digest user name.
    pub username: Option<String>,
    /// Digest password (never shown again).
    pub password: Option<String>,
    /// Register to the provider (needs `username` and `password`).
    pub register: Option<bool>,
    /// Caller ids for outbound calls.
    pub from_numbers: Option<Vec<String>>,
    /// The call center this trunk serves.
    pub callcenter_id: String,
    /// Numbers (DIDs) whose calls start that call center's IVR.
    pub inbound_numbers: Vec<String>,
}

/// A trunk as the API shows it (without its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct TrunkView {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider host.
    pub host: String,
    /// Provider port (5060 when none was given).
    pub port: u16,
    /// Whether the port was given, so inbound calls must come from it.
    pub port_given: bool,
    /// `udp` or `tcp`.
    pub transport: String,
    /// Digest user name.
    pub username: Option<String>,
    /// Whether a password is set.
    pub has_password: bool,
    /// Registers to the provider.
    pub register: bool,
    /// Caller ids for outbound calls.
    pub from_numbers: Vec<String>,
    /// The call center it serves.
    pub callcenter_id: String,
    /// Its inbound numbers.
    pub inbound_numbers: Vec<String>,
    /// Creation time (ms since the Unix epoch).
    pub created_at: u64,
    /// Last update (ms since the Unix epoch).
    pub updated_at: u64,
}

impl From<Trunk> for TrunkView {
    fn from(t: Trunk) -> Self {
        Self {
            id: t.id.0,
            name: t.def.name,
            host: t.def.host,
            port: t.def.port.unwrap_or(DEFAULT_PORT),
            port_given: t.def.port.is_some(),
            transport: t.def.transport.as_str().to_owned(),
            username: t.def.username,
            has_password: t.def.password.is_some(),
            register: t.def.register,
            from_numbers: t.def.from_numbers,
            callcenter_id: t.def.callcenter_id.0,
            inbound_numbers: t.def.inbound_numbers,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

fn credential(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > max || value.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad(
            field,
            format!("must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(())
}

fn numbers(field: &str, list: &[String]) -> Result<(), ApiError> {
    if list.len() > 1000 {
        return Err(ApiError::bad(field, "at most 1000 numbers"));
    }
    list.iter()
        .try_for_each(|n| validate::phone_number(field, n))
}

/// Checks a body and turns it into a trunk definition.
fn definition(b: TrunkBody) -> Result<TrunkDef, ApiError> {
    validate::name("name", &b.name)?;
    validate::host("host", &b.host)?;
    let port = match b.port {
        None => None,
        Some(p @ 1..=65535) => Some(u16::try_from(p).unwrap_or(DEFAULT_PORT)),
        Some(_) => return Err(ApiError::bad("port", "must be 1 to 65535")),
    };
    let transport = match b.transport.as_deref() {
        None => Transport::Udp,
        Some("tls") => {
            return Err(ApiError::bad(
                "transport",
                "tls is not supported yet; use udp or tcp",
            ))
        }
        Some(t) => Transport::parse(t)
            .ok_or_else(|| ApiError::bad("transport", format!("`{t}` is not udp or tcp")))?,
    };
    if let Some(u) = &b.username {
        credential("username", u, 64)?;
    }
    if let Some(p) = &b.password {
        credential("password", p, 128)?;
        if b.username.is_none() {
            return Err(ApiError::bad(
                "username",
                "is required when a password is given",
            ));
        }
    }
    let register = b.register.unwrap_or(false);
    if register && (b.username.is_none() || b.password.is_none()) {
        return Err(ApiError::bad(
            "register",
            "needs username and password to register to the provider",
        ));
    }
    let from_numbers = b.from_numbers.unwrap_or_default();
    numbers("from_numbers", &from_numbers)?;
    numbers("inbound_numbers", &b.inbound_numbers)?;
    if b.callcenter_id.is_empty() {
        return Err(ApiError::bad("callcenter_id", "is required"));
    }
    Ok(TrunkDef {
        name: b.name,
        host: b.host,
        port,
        transport,
        username: b.username,
        password: b.password,
        register,
        from_numbers,
        callcenter_id: CallCenterId(b.callcenter_id),
        inbound_numbers: b.inbound_numbers,
    })
}

/// Creates a trunk.
#[utoipa::path(post, path = "/v1/trunks", tag = "admin", request_body = TrunkBody,
    responses((status = 200, body = Envelope<TrunkView>),
              (status = 404, description = "Unknown callcenter_id"),
              (status = 409, description = "An inbound number belongs to another trunk")),
    security(("admin" = [])))]
pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    Params(body): Params<TrunkBody>,
) -> Result<HttpResponse, ApiError> {
    let def = definition(body)?;
    let now = state.clock.unix_ms();
    let trunk = state.store.run(move |s| s.create_trunk(&def, now)).await?;
    state.routing_changed();
    Ok(ok(TrunkView::from(trunk)))
}

/// Lists trunks.
#[utoipa::path(get, path = "/v1/trunks", tag = "admin",
    params(("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<TrunkView>>)),
    security(("admin" = [])))]
pub async fn list(
    _: Admin,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let got = state.store.run(move |s| s.list_trunks(page)).await?;
    let rows = got.rows.into_iter().map(TrunkView::from).collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One trunk.
#[utoipa::path(get, path = "/v1/trunks/{id}", tag = "admin",
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 200, body = Envelope<TrunkView>), (status = 404, description = "Unknown id")),
    security(("admin" = [])))]
pub async fn get(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = TrunkId(path.into_inner());
    let key = id.clone();
    let trunk = crud::one(&state, "trunk", &id.0, move |s| s.trunk(&key)).await?;
    Ok(ok(TrunkView::from(trunk)))
}

/// Replaces a trunk's definition.
#[utoipa::path(post, path = "/v1/trunks/{id}", tag = "admin", request_body = TrunkBody,
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 200, body = Envelope<TrunkView>), (status = 404, description = "Unknown id"),
              (status = 409, description = "An inbound number belongs to another trunk")),
    security(("admin" = [])))]
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    Params(body): Params<TrunkBody>,
) -> Result<HttpResponse, ApiError> {
    let def = definition(body)?;
    let id = TrunkId(path.into_inner());
    let now = state.clock.unix_ms();
    let key = id.clone();
    let trunk = crud::one(&state, "trunk", &id.0, move |s| {
        s.update_trunk(&key, &def, now)
    })
    .await?;
    state.routing_changed();
    Ok(ok(TrunkView::from(trunk)))
}

/// Deletes a trunk.
#[utoipa::path(delete, path = "/v1/trunks/{id}", tag = "admin",
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "Unknown id")),
    security(("admin" = [])))]
pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = TrunkId(path.into_inner());
    let key = id.clone();
    let answer = crud::deleted(&state, "trunk", id.0, move |s| s.delete_trunk(&key)).await;
    state.routing_changed();
    answer
}
