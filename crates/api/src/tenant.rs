//! Call-center routes that concern the call center itself.

use actix_web::{web, HttpResponse};

use crate::admin::{fetch, CallCenterView};
use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::AppState;

/// The caller's own call center: its settings and URLs (never its tokens).
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id; omit the segment to mean the token's own call center")),
    responses((status = 200, body = Envelope<CallCenterView>), (status = 404, description = "Another tenant's or an unknown id")),
    security(("callcenter" = [])))]
pub async fn own(tenant: Tenant, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let cc = fetch(&state, tenant.id).await?;
    Ok(ok(CallCenterView::new(cc, None)))
}
