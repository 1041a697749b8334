//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes and
//! served at `/v1/openapi.json`.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{
    admin, agent_membership, agent_ops, agents, calls, conditions, conversation_records,
    conversations, events, extensions, invitations, media, queue, recordings, tenant, trunks,
};

/// The API's OpenAPI description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Call-center softswitch API. Every response is the envelope \
            `{\"code\", \"msg\", \"data\"}`: code `000000` on success, otherwise a stable \
            six-digit code whose first three digits are the HTTP status. Parameters may be sent \
            as a JSON body, a form body or a query string. Every `/v1/callcenter/{callcenter_id}/…` \
            path also exists without the id segment (`/v1/callcenter/…`), meaning the call \
            center of the API token.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        admin::create, admin::list, admin::get, admin::update, admin::delete,
        admin::issue_token, admin::revoke_token,
        trunks::create, trunks::list, trunks::get, trunks::update, trunks::delete,
        tenant::own,
        extensions::create, extensions::list, extensions::get, extensions::delete,
        calls::list, calls::get,
        conditions::create, conditions::list, conditions::get, conditions::update,
        conditions::delete,
        agents::login, agents::list, agents::get, agents::logout, agents::keepalive,
        agents::set_extension, agents::set_state, agents::set_skills,
        agent_ops::reject, agent_ops::callout, agent_ops::callagent, agent_ops::forward_agent,
        agent_ops::xfer_agent, agent_ops::xfer_out,
        agent_membership::pause, agent_membership::resume, agent_membership::set_voice_io_mode,
        agent_membership::join, agent_membership::depart,
        invitations::agent_invite_agent, invitations::agent_invite_out,
        conversations::dissolve, conversations::lsm,
        conversation_records::list, conversation_records::get,
        invitations::invite_agent, invitations::invite_out,
        queue::list, queue::get, queue::cancel,
        media::put, media::list, media::get, media::delete,
        recordings::list, recordings::get, recordings::file,
        events::replay, events::stream, events::parked, events::test,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "admin", description = "Call centers, their tokens, and trunks (admin token)"),
        (name = "callcenter", description = "A call center's own resources (its API token)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for name in ["admin", "callcenter"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(if name == "admin" {
                            "The admin token (printed at first start, or --admin-token)"
                        } else {
                            "A call center's API token"
                        }))
                        .build(),
                ),
            );
        }
    }
}

/// The document as JSON text.
pub fn json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

pub(crate) async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json())
}
