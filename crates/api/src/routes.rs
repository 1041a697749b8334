//! The routing table: one place that says which handler answers which path.
//!
//! Every call-center route is written once in `callcenter_routes` and mounted under both
//! path forms of SPEC §2: `/v1/callcenter/{callcenter_id}/…` and the short
//! `/v1/callcenter/…`. The long form's id only matches 32 hex digits, so a short-form path,
//! which always starts with a word such as `agent`, never reads as a long-form one.

use actix_web::{web, HttpRequest, HttpResponse, Route};

use crate::envelope::ApiError;
use crate::{
    admin, agent_membership, agent_ops, agents, calls, conditions, conversation_records,
    conversations, events, extensions, invitations, media, queue, recordings, tenant, trunks,
};

/// The long form's call-center segment.
pub const LONG_FORM: &str = "/{callcenter_id:[0-9a-f]{32}}";

/// A resource whose other methods are answered 405 in the envelope.
fn resource(path: &str, routes: Vec<Route>) -> actix_web::Resource {
    routes
        .into_iter()
        .fold(web::resource(path), |r, route| r.route(route))
        .default_service(web::to(method_not_allowed))
}

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", vec![web::get().to(healthz)]))
        .service(resource("/metrics", vec![web::get().to(metrics)]))
        .service(resource(
            "/v1/openapi.json",
            vec![web::get().to(crate::openapi::serve)],
        ))
        .service(resource(
            "/v1/callcenters",
            vec![web::post().to(admin::create), web::get().to(admin::list)],
        ))
        .service(resource(
            "/v1/callcenters/{id}",
            vec![
                web::get().to(admin::get),
                web::post().to(admin::update),
                web::delete().to(admin::delete),
            ],
        ))
        .service(resource(
            "/v1/callcenters/{id}/tokens",
            vec![web::post().to(admin::issue_token)],
        ))
        .service(resource(
            "/v1/callcenters/{id}/tokens/{token}",
            vec![web::delete().to(admin::revoke_token)],
        ))
        .service(resource(
            "/v1/trunks",
            vec![web::post().to(trunks::create), web::get().to(trunks::list)],
        ))
        .service(resource(
            "/v1/trunks/{id}",
            vec![
                web::get().to(trunks::get),
                web::post().to(trunks::update),
                web::delete().to(trunks::delete),
            ],
        ))
        .service(
            web::scope("/v1/callcenter")
                .configure(|cfg| {
                    for prefix in [LONG_FORM, ""] {
                        callcenter_routes(cfg, prefix);
                    }
                })
                .default_service(web::to(no_route)),
        )
        .default_service(web::to(no_route));
}

/// Every call-center route, under `prefix` (the long form's id segment, or nothing).
fn callcenter_routes(cfg: &mut web::ServiceConfig, prefix: &str) {
    let at = |path: &str| format!("{prefix}{path}");
    cfg.service(resource(&at(""), vec![web::get().to(tenant::own)]))
        .service(resource(
            &at("/extension"),
            vec![
                web::post().to(extensions::create),
                web::get().to(extensions::list),
            ],
        ))
        .service(resource(
            &at("/extension/{id}"),
            vec![
                web::get().to(extensions::get),
                web::delete().to(extensions::delete),
            ],
        ))
        .service(resource(&at("/call"), vec![web::get().to(calls::list)]))
        .service(resource(&at("/call/{id}"), vec![web::get().to(calls::get)]))
        .service(resource(
            &at("/condition"),
            vec![
                web::post().to(conditions::create),
                web::get().to(conditions::list),
            ],
        ))
        .service(resource(
            &at("/condition/{id}"),
            vec![
                web::get().to(conditions::get),
                web::post().to(conditions::update),
                web::delete().to(conditions::delete),
            ],
        ))
        .service(resource(
            &at("/agent"),
            vec![web::post().to(agents::login), web::get().to(agents::list)],
        ))
        .service(resource(
            &at("/agent/{name}"),
            vec![web::get().to(agents::get), web::delete().to(agents::logout)],
        ))
        .service(resource(
            &at("/agent/{name}/keepalive"),
            vec![web::get().to(agents::keepalive)],
        ))
        .service(resource(
            &at("/agent/{name}/extension"),
            vec![web::post().to(agents::set_extension)],
        ))
        .service(resource(
            &at("/agent/{name}/state"),
            vec![web::post().to(agents::set_state)],
        ))
        .service(resource(
            &at("/agent/{name}/skills"),
            vec![web::post().to(agents::set_skills)],
        ))
        .configure(|cfg| agent_operation_routes(cfg, prefix))
        .configure(|cfg| conversation_routes(cfg, prefix))
        .service(resource(&at("/queue"), vec![web::get().to(queue::list)]))
        .service(resource(
            &at("/queue/{id}"),
            vec![web::get().to(queue::get), web::delete().to(queue::cancel)],
        ))
        .service(resource(&at("/media"), vec![web::get().to(media::list)]))
        .service(resource(
            &at("/media/{file_name}"),
            vec![
                web::put().to(media::put),
                web::get().to(media::get),
                web::delete().to(media::delete),
            ],
        ))
        .service(resource(
            &at("/recording"),
            vec![web::get().to(recordings::list)],
        ))
        .service(resource(
            &at("/recording/{id}"),
            vec![web::get().to(recordings::get)],
        ))
        .service(resource(
            &at("/recording/{id}/file"),
            // HEAD answers the same headers; the HTTP layer leaves the body out.
            vec![
                web::get().to(recordings::file),
                web::head().to(recordings::file),
            ],
        ))
        .service(resource(
            &at("/events"),
            vec![web::get().to(events::replay)],
        ))
        .service(resource(
            &at("/events/stream"),
            vec![web::get().to(events::stream)],
        ))
        .service(resource(
            &at("/events/parked"),
            vec![web::get().to(events::parked)],
        ))
        .service(resource(
            &at("/events/test"),
            vec![web::post().to(events::test)],
        ));
}

/// The agent operations of SPEC §6, each a `POST` on `/agent/{name}/<operation>`.
fn agent_operation_routes(cfg: &mut web::ServiceConfig, prefix: &str) {
    let operations: [(&str, Route); 13] = [
        ("reject", web::post().to(agent_ops::reject)),
        ("callout", web::post().to(agent_ops::callout)),
        ("callagent", web::post().to(agent_ops::callagent)),
        ("forwardAgent", web::post().to(agent_ops::forward_agent)),
        ("xferAgent", web::post().to(agent_ops::xfer_agent)),
        ("xferOut", web::post().to(agent_ops::xfer_out)),
        ("pause", web::post().to(agent_membership::pause)),
        ("resume", web::post().to(agent_membership::resume)),
        (
            "setVoiceIoMode",
            web::post().to(agent_membership::set_voice_io_mode),
        ),
        ("join", web::post().to(agent_membership::join)),
        ("depart", web::post().to(agent_membership::depart)),
        (
            "inviteAgent",
            web::post().to(invitations::agent_invite_agent),
        ),
        ("inviteOut", web::post().to(invitations::agent_invite_out)),
    ];
    for (operation, route) in operations {
        cfg.service(resource(
            &format!("{prefix}/agent/{{name}}/{operation}"),
            vec![route],
        ));
    }
}

/// The conversation endpoints of SPEC §7. Reading and dissolving share one resource: two
/// resources on one path would answer 405 for the second one's method.
fn conversation_routes(cfg: &mut web::ServiceConfig, prefix: &str) {
    let at = |path: &str| format!("{prefix}{path}");
    cfg.service(resource(
        &at("/conversation"),
        vec![web::get().to(conversation_records::list)],
    ))
    .service(resource(
        &at("/conversation/{id}"),
        vec![
            web::get().to(conversation_records::get),
            web::delete().to(conversations::dissolve),
        ],
    ))
    .service(resource(
        &at("/conversation/{id}/agent/{name}/lsm"),
        vec![web::post().to(conversations::lsm)],
    ))
    .service(resource(
        &at("/conversation/{id}/invite_agent"),
        vec![web::post().to(invitations::invite_agent)],
    ))
    .service(resource(
        &at("/conversation/{id}/invite_out"),
        vec![web::post().to(invitations::invite_out)],
    ));
}

/// Prometheus exposition; unauthenticated like `/healthz` (the API listens on loopback by
/// default; see the operations guide for exposing it).
async fn metrics(state: web::Data<crate::AppState>) -> Result<HttpResponse, ApiError> {
    let render = state.metrics.clone().ok_or(ApiError::Unavailable(
        "metrics are not enabled on this server",
    ))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body((render.0)()))
}

/// Counts every request by method, route pattern and status, and times it.
pub fn observe<B>(
    req: actix_web::dev::ServiceRequest,
    srv: &impl actix_web::dev::Service<
        actix_web::dev::ServiceRequest,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
) -> impl std::future::Future<Output = Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>>
{
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = std::time::Instant::now();
    let fut = srv.call(req);
    async move {
        let res = fut.await?;
        let status = res.status().as_u16().to_string();
        metrics::counter!("switchboard_http_requests_total",
            "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
        metrics::histogram!("switchboard_http_request_duration_seconds", "route" => route)
            .record(started.elapsed().as_secs_f64());
        Ok(res)
    }
}

async fn healthz() -> HttpResponse {
    crate::envelope::ok(serde_json::json!({"status": "ok"}))
}

async fn no_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NoRoute {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    })
}

async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    })
}
