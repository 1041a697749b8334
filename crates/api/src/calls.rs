//! Call detail records (`GET /callcenter/call[/{id}]`): one per call leg, newest first,
//! with times, parties, how it ended and the RTCP figures of what the peer sent.

use actix_web::{web, HttpResponse};
use sb_store::CallRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, PageOf, Paging, Params};
use crate::{crud, AppState};

/// One call leg as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallView {
    /// The leg's id (`call_id` in events and operations).
    pub call_id: String,
    /// The SIP Call-ID of its dialog.
    pub sip_call_id: String,
    /// `inbound` (it reached the switch) or `outbound` (the switch placed it).
    pub direction: String,
    /// Calling party.
    pub from: String,
    /// Called party.
    pub to: String,
    /// The other leg of a bridged call, if any.
    pub peer_call_id: Option<String>,
    /// When it started, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it was answered, if it was.
    pub answer_time: Option<u64>,
    /// When it ended.
    pub end_time: u64,
    /// Why it ended: `hangup`, `peer_hangup`, `rejected`, `no_answer`, `max_duration`,
    /// `session_expired`, `rtp_timeout`, `timeout`, `transport_error`, `shutdown`,
    /// `released`, `error`.
    pub end_reason: String,
    /// Final SIP status of its INVITE.
    pub status: Option<u16>,
    /// RTP packets lost from the peer (RTCP), when measured.
    pub packets_lost: Option<i64>,
    /// Interarrival jitter from the peer in ms (RTCP), when measured.
    pub jitter_ms: Option<u32>,
}

impl From<CallRow> for CallView {
    fn from(r: CallRow) -> Self {
        CallView {
            call_id: r.id,
            sip_call_id: r.sip_call_id,
            direction: r.direction,
            from: r.from,
            to: r.to,
            peer_call_id: r.peer_id,
            begin_time: r.start_time,
            answer_time: r.answer_time,
            end_time: r.end_time,
            end_reason: r.end_reason,
            status: r.status,
            packets_lost: r.packets_lost,
            jitter_ms: r.jitter_ms,
        }
    }
}

/// Lists call records, newest first.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/call", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20")),
    responses((status = 200, body = Envelope<PageOf<CallView>>)),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<Paging>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let cc = tenant.id;
    let got = state.store.run(move |s| s.list_calls(&cc, page)).await?;
    let rows = got.rows.into_iter().map(CallView::from).collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One call record.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/call/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "The leg's call_id")),
    responses((status = 200, body = Envelope<CallView>), (status = 404, description = "Unknown id")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let cc = tenant.id;
    let key = id.clone();
    let rec = crud::one(&state, "call", &id, move |s| s.call(&cc, &key)).await?;
    Ok(ok(CallView::from(rec)))
}
