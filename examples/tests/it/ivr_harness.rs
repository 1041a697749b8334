//! Drives the IVR application the way Switchboard does: the `ivr_start` JSON built by
//! `sb_ivr::IvrStart`, each `<next>` URL built by `sb_ivr::next_url` from the action's
//! outputs, and every answer parsed by `sb_ivr::parse_checked` (with the `<enqueue>` checked
//! by the call-center parser), so a document our own server would refuse fails the test.

use std::collections::HashMap;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App};
use sb_acd::enqueue::{Condition, Enqueue};
use sb_acd::skill::SkillInterner;
use sb_ivr::interp::{ActionError, Completion, Outputs};
use sb_ivr::model::{Action, Response};
use sb_ivr::IvrStart;
use switchboard_examples::ivr::{configure, AppState, Config};

pub const PUBLIC: &str = "http://ivr.test:9000";

pub async fn app_with(
    config: Config,
) -> (
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
    web::Data<AppState>,
) {
    let state = web::Data::new(AppState::new(config));
    let app = test::init_service(App::new().configure(configure(state.clone()))).await;
    (app, state)
}

pub fn config() -> Config {
    Config::new(PUBLIC, Vec::new()).expect("a valid public URL")
}

/// Parses an answer as the engine does, with the `<enqueue>` checked.
pub fn parse(text: &str) -> Response {
    let conditions: HashMap<String, Condition> = HashMap::new();
    match sb_ivr::parse_checked(text, &conditions, &mut SkillInterner::new()) {
        Ok(response) => response,
        Err(diagnostics) => panic!("invalid IVR document:\n{diagnostics}\n---\n{text}"),
    }
}

/// The `<enqueue>` of an answer, modelled by the call-center parser.
pub fn enqueue_of(response: &Response) -> Enqueue {
    let Action::Enqueue(xml) = &response.action else {
        panic!("expected an <enqueue>, got {:?}", response.action);
    };
    let conditions: HashMap<String, Condition> = HashMap::new();
    sb_acd::enqueue::parse(&xml.xml, &conditions, &mut SkillInterner::new())
        .expect("checked by parse_checked already")
}

pub async fn body_of(res: ServiceResponse<impl MessageBody>) -> String {
    assert!(res.status().is_success(), "status {}", res.status());
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = test::read_body(res).await;
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    assert!(
        content_type.starts_with("application/xml") || content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    text
}

/// `POST`s `ivr_start` for a call from `from` to `to`.
pub async fn start<S, B>(app: &S, call_id: &str, from: &str, to: &str) -> Response
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let body = IvrStart::incoming(call_id, from, to, None);
    let req = test::TestRequest::post()
        .uri("/ivr")
        .insert_header(("Content-Type", "application/json"))
        .set_payload(serde_json::to_vec(&body).expect("plain strings"))
        .to_request();
    parse(&body_of(test::call_service(app, req).await).await)
}

/// Ends `previous`'s action with `outputs` (and `error`) and `GET`s its `<next>` URL.
pub async fn follow<S, B>(
    app: &S,
    call_id: &str,
    previous: &Response,
    outputs: &[(&'static str, &str)],
    error: Option<ActionError>,
) -> Response
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let next = previous.next.as_ref().expect("the answer has a <next>");
    let mut out = Outputs::default();
    for (name, value) in outputs {
        out.push(name, *value);
    }
    let done = Completion {
        outputs: out,
        error,
        call_ended: false,
    };
    let url = sb_ivr::next_url(next, call_id, &previous.action, &done);
    let path = url
        .strip_prefix(PUBLIC)
        .unwrap_or_else(|| panic!("{url} is not under {PUBLIC}"));
    let req = test::TestRequest::get().uri(path).to_request();
    parse(&body_of(test::call_service(app, req).await).await)
}

/// The `<next>` path of an answer, without the public URL and the query.
pub fn next_path(response: &Response) -> &str {
    let url = &response.next.as_ref().expect("a <next>").url;
    let path = url.strip_prefix(PUBLIC).expect("under the public URL");
    path.split('?').next().unwrap_or(path)
}
