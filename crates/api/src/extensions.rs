//! Extensions (SPEC §3): how agents are reached. Type 1 is a registering SIP phone, type 2 a
//! SIP gateway, type 3 a number through a trunk. Type-1 extensions show their registrations.

use actix_web::{web, HttpResponse};
use sb_store::{Extension, ExtensionId, ExtensionKind, RegistrationRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::IdView;
use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, PageOf, Paging, Params};
use crate::{validate, AppState};

/// Body of `POST /callcenter/extension`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExtension {
    /// 1 = SIP terminal (`user`, `password`), 2 = SIP gateway (`ipaddr`), 3 = number (`telnum`).
    #[serde(rename = "type")]
    pub kind: u8,
    /// Type 1: SIP user, 6–12 letters or digits, unique on the server.
    pub user: Option<String>,
    /// Type 1: password, 6–12 letters or digits.
    pub password: Option<String>,
    /// Type 2: the gateway's `ip` or `ip:port`.
    pub ipaddr: Option<String>,
    /// Type 3: the telephone number.
    pub telnum: Option<String>,
}

/// One registration of a type-1 extension.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    /// The phone's Contact URI.
    pub contact: String,
    /// Seconds until it expires.
    pub expires: u64,
    /// The phone's User-Agent.
    pub user_agent: Option<String>,
    /// Where the REGISTER came from, `ip:port`.
    pub source: String,
}

/// An extension as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionView {
    /// Id.
    pub id: String,
    /// 1, 2 or 3.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Type 1: SIP user.
    pub user: Option<String>,
    /// Type 1: password.
    pub password: Option<String>,
    /// Type 2: gateway address.
    pub ipaddr: Option<String>,
    /// Type 3: number.
    pub telnum: Option<String>,
    /// Type 1: current registrations (absent for other types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registrations: Option<Vec<RegistrationView>>,
    /// Creation time (ms since the Unix epoch).
    pub created_at: u64,
}

impl ExtensionView {
    fn new(e: Extension, regs: Option<Vec<RegistrationView>>) -> Self {
        let mut v = Self {
            id: e.id.0,
            kind: e.kind.type_code(),
            user: None,
            password: None,
            ipaddr: None,
            telnum: None,
            registrations: None,
            created_at: e.created_at,
        };
        match e.kind {
            ExtensionKind::Terminal { user, password } => {
                v.user = Some(user);
                v.password = Some(password);
                v.registrations = Some(regs.unwrap_or_default());
            }
            ExtensionKind::Gateway { ipaddr } => v.ipaddr = Some(ipaddr),
            ExtensionKind::Number { telnum } => v.telnum = Some(telnum),
            _ => {}
        }
        v
    }
}

fn alnum(field: &str, value: &str) -> Result<(), ApiError> {
    if (6..=12).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(ApiError::bad(field, "must be 6 to 12 letters or digits"))
    }
}

fn gateway_addr(value: &str) -> Result<(), ApiError> {
    let ok = value.parse::<std::net::IpAddr>().is_ok()
        || value
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.port() != 0);
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad("ipaddr", "must be an IP address, or ip:port"))
    }
}

/// Checks the body and returns what it describes; fields of another type are refused.
fn kind_of(b: CreateExtension) -> Result<ExtensionKind, ApiError> {
    let unused = |name: &str, present: bool, kind: u8| {
        if present {
            Err(ApiError::bad(
                name,
                format!("is not used by type {kind} extensions"),
            ))
        } else {
            Ok(())
        }
    };
    let required = |name: &str, v: Option<String>, kind: u8| {
        v.ok_or_else(|| ApiError::bad(name, format!("is required for type {kind} extensions")))
    };
    match b.kind {
        1 => {
            unused("ipaddr", b.ipaddr.is_some(), 1)?;
            unused("telnum", b.telnum.is_some(), 1)?;
            let user = required("user", b.user, 1)?;
            let password = required("password", b.password, 1)?;
            alnum("user", &user)?;
            alnum("password", &password)?;
            Ok(ExtensionKind::Terminal { user, password })
        }
        2 => {
            unused("user", b.user.is_some(), 2)?;
            unused("password", b.password.is_some(), 2)?;
            unused("telnum", b.telnum.is_some(), 2)?;
            let ipaddr = required("ipaddr", b.ipaddr, 2)?;
            gateway_addr(&ipaddr)?;
            Ok(ExtensionKind::Gateway { ipaddr })
        }
        3 => {
            unused("user", b.user.is_some(), 3)?;
            unused("password", b.password.is_some(), 3)?;
            unused("ipaddr", b.ipaddr.is_some(), 3)?;
            let telnum = required("telnum", b.telnum, 3)?;
            validate::phone_number("telnum", &telnum)?;
            Ok(ExtensionKind::Number { telnum })
        }
        other => Err(ApiError::bad(
            "type",
            format!("{other} is not 1 (SIP terminal), 2 (SIP gateway) or 3 (number)"),
        )),
    }
}

/// Live registrations of a SIP user, as the registrar last wrote them.
fn live(records: &[RegistrationRecord], user: &str, now_ms: u64) -> Vec<RegistrationView> {
    records
        .iter()
        .filter(|r| r.user == user && r.expires_unix_ms > now_ms)
        .map(|r| RegistrationView {
            contact: r.contact.clone(),
            expires: (r.expires_unix_ms - now_ms).div_ceil(1000),
            user_agent: r.user_agent.clone(),
            source: r.source.clone(),
        })
        .collect()
}

fn user_of(e: &Extension) -> Option<&str> {
    match &e.kind {
        ExtensionKind::Terminal { user, .. } => Some(user),
        _ => None,
    }
}

/// Creates an extension.
#[utoipa::path(post, path = "/v1/callcenter/{callcenter_id}/extension", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)")),
    request_body = CreateExtension,
    responses((status = 200, body = Envelope<ExtensionView>),
              (status = 409, description = "The SIP user is taken")),
    security(("callcenter" = [])))]
pub async fn create(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(body): Params<CreateExtension>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind_of(body)?;
    let now = state.clock.unix_ms();
    let cc = tenant.id;
    let ext = state
        .store
        .run(move |s| s.create_extension(&cc, &kind, now))
        .await?;
    if let Some(user) = user_of(&ext) {
        changed(&state, user);
    }
    Ok(ok(ExtensionView::new(ext, None)))
}

/// Lists the call center's extensions, with each type-1 extension's registrations.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/extension", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<ExtensionView>>)),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let cc = tenant.id;
    let (got, regs) = state
        .store
        .run(move |s| {
            let got = s.list_extensions(&cc, page)?;
            let mut regs = Vec::new();
            for user in got.rows.iter().filter_map(user_of) {
                regs.extend(s.registrations(Some(user))?);
            }
            Ok((got, regs))
        })
        .await?;
    let now = state.clock.unix_ms();
    let rows = got
        .rows
        .into_iter()
        .map(|e| {
            let r = user_of(&e).map(|u| live(&regs, u, now));
            ExtensionView::new(e, r)
        })
        .collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One extension, with its registrations when it is a SIP terminal.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/extension/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Extension id")),
    responses((status = 200, body = Envelope<ExtensionView>), (status = 404, description = "Unknown id")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let id = ExtensionId(path.into_inner().id);
    let cc = tenant.id;
    let key = id.clone();
    let found = state
        .store
        .run(move |s| {
            let Some(e) = s.extension(&cc, &key)? else {
                return Ok(None);
            };
            let regs = match user_of(&e) {
                Some(u) => s.registrations(Some(u))?,
                None => Vec::new(),
            };
            Ok(Some((e, regs)))
        })
        .await?;
    let (e, regs) = found.ok_or_else(|| ApiError::not_found("extension", id.0))?;
    let now = state.clock.unix_ms();
    let r = user_of(&e).map(|u| live(&regs, u, now));
    Ok(ok(ExtensionView::new(e, r)))
}

/// Deletes an extension (its registrations go with it).
#[utoipa::path(delete, path = "/v1/callcenter/{callcenter_id}/extension/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Extension id")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "Unknown id")),
    security(("callcenter" = [])))]
pub async fn delete(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let id = ExtensionId(path.into_inner().id);
    let cc = tenant.id;
    let key = id.clone();
    let gone = state
        .store
        .run(move |s| {
            let user = s
                .extension(&cc, &key)?
                .and_then(|e| user_of(&e).map(str::to_owned));
            Ok(s.delete_extension(&cc, &key)?.then_some(user))
        })
        .await?;
    match gone {
        Some(user) => {
            if let Some(user) = user {
                changed(&state, &user);
            }
            Ok(ok(IdView { id: id.0 }))
        }
        None => Err(ApiError::not_found("extension", id.0)),
    }
}

/// Tells the SIP side that `user`'s extension changed.
fn changed(state: &AppState, user: &str) {
    if let Some(hook) = &state.on_extension_change {
        (hook.0)(user);
    }
}
