//! SPEC §2 parameter extraction: JSON, form and query alike, with the seeds' spellings.

use actix_web::test::TestRequest;
use actix_web::{test, web, App, HttpResponse};
use serde::Deserialize;
use switchboard_api::params::Params;
use switchboard_api::ApiError;

use crate::common::*;

/// The shape of the seeds' dialling operations: `to` required, numbers, and the background
/// flag under all three of its spellings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Dial {
    to: String,
    from: Option<String>,
    max_dial_seconds: Option<u32>,
    max_answer_seconds: u32,
    #[serde(default, alias = "backgound", alias = "backgroud")]
    background: bool,
}

async fn echo(Params(p): Params<Dial>) -> Result<HttpResponse, ApiError> {
    Ok(switchboard_api::envelope::ok(serde_json::json!({
        "to": p.to, "from": p.from, "max_dial_seconds": p.max_dial_seconds,
        "max_answer_seconds": p.max_answer_seconds, "background": p.background,
    })))
}

async fn dial_app() -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(
        App::new()
            .route("/dial", web::post().to(echo))
            .configure(state().configure()),
    )
    .await
}

fn expect(body: &serde_json::Value, background: bool) {
    assert_eq!(body["code"], "000000", "{body}");
    assert_eq!(body["data"]["to"], "13800138000");
    assert_eq!(body["data"]["max_answer_seconds"], 60);
    assert_eq!(body["data"]["background"], background);
}

#[actix_rt::test]
async fn json_body() {
    let app = dial_app().await;
    for spelling in ["background", "backgound", "backgroud"] {
        let (_, body) = call(
            &app,
            TestRequest::post()
                .uri("/dial")
                .set_json(serde_json::json!({
                    "to": "13800138000", "max_answer_seconds": 60, spelling: true
                })),
        )
        .await;
        expect(&body, true);
    }
}

#[actix_rt::test]
async fn form_body() {
    let app = dial_app().await;
    for spelling in ["background", "backgound", "backgroud"] {
        let (_, body) = call(
            &app,
            TestRequest::post()
                .uri("/dial")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(format!(
                    "to=13800138000&max_answer_seconds=60&{spelling}=true"
                )),
        )
        .await;
        expect(&body, true);
    }
}

#[actix_rt::test]
async fn query_string() {
    let app = dial_app().await;
    for spelling in ["background", "backgound", "backgroud"] {
        let (_, body) = call(
            &app,
            TestRequest::post().uri(&format!(
                "/dial?to=13800138000&max_answer_seconds=60&{spelling}=1"
            )),
        )
        .await;
        expect(&body, true);
    }
}

#[actix_rt::test]
async fn numbers_as_json_numbers_and_flag_defaults_to_false() {
    let app = dial_app().await;
    let (_, body) = call(
        &app,
        TestRequest::post()
            .uri("/dial")
            .set_json(serde_json::json!({"to": 13800138000u64, "max_answer_seconds": "60"})),
    )
    .await;
    expect(&body, false);
}

#[actix_rt::test]
async fn body_overrides_query() {
    let app = dial_app().await;
    let (_, body) = call(
        &app,
        TestRequest::post()
            .uri("/dial?to=1&max_answer_seconds=60")
            .set_json(serde_json::json!({"to": "13800138000"})),
    )
    .await;
    expect(&body, false);
}

#[actix_rt::test]
async fn bad_values_name_the_seed_parameter() {
    let app = dial_app().await;
    let got = call(
        &app,
        TestRequest::post().uri("/dial?to=1&max_answer_seconds=soon"),
    )
    .await;
    assert_error(&got, 400, "`max_answer_seconds`");
    let got = call(
        &app,
        TestRequest::post().uri("/dial?to=1&max_answer_seconds=5&backgound=maybe"),
    )
    .await;
    assert_error(&got, 400, "`backgound`");
    let got = call(&app, TestRequest::post().uri("/dial?max_answer_seconds=5")).await;
    assert_error(&got, 400, "`to`: is required");
    let got = call(
        &app,
        TestRequest::post().uri("/dial?to=1&max_answer_seconds=5&backgound=true&background=false"),
    )
    .await;
    assert_error(&got, 400, "more than once");
}
