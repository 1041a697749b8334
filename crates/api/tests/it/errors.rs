//! SPEC §2: every error class answers in the envelope with its status and a helpful message.

use actix_web::test::TestRequest;

use crate::common::*;

#[actix_rt::test]
async fn unknown_route_is_404_in_the_envelope() {
    let app = app(state()).await;
    let got = call(&app, TestRequest::get().uri("/v2/nothing")).await;
    assert_error(&got, 404, "no route GET /v2/nothing");
    let got = call(
        &app,
        TestRequest::get().uri("/v1/callcenter/agent/x/unknown"),
    )
    .await;
    assert_error(&got, 404, "no route");
}

#[actix_rt::test]
async fn wrong_method_is_405_in_the_envelope() {
    let app = app(state()).await;
    let got = call(
        &app,
        TestRequest::put()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 405, "PUT");
    let got = call(&app, TestRequest::delete().uri("/healthz")).await;
    assert_error(&got, 405, "DELETE");
}

#[actix_rt::test]
async fn malformed_json_is_400_with_the_parser_position() {
    let app = app(state()).await;
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .insert_header(("Content-Type", "application/json"))
            .set_payload("{\"name\": \"x\",,}"),
    )
    .await;
    assert_error(&got, 400, "malformed JSON body");
    assert!(
        got.1["msg"].as_str().unwrap().contains("column"),
        "{}",
        got.1
    );
}

#[actix_rt::test]
async fn a_json_array_body_is_refused() {
    let app = app(state()).await;
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!(["x"])),
    )
    .await;
    assert_error(&got, 400, "JSON object");
}

#[actix_rt::test]
async fn wrong_types_and_ranges_name_the_field() {
    let app = app(state()).await;
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": "x", "settings": {"max_no_answer": "many"}})),
    )
    .await;
    assert_error(&got, 400, "`settings.max_no_answer`");
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": "x", "settings": {"max_no_answer": 0}})),
    )
    .await;
    assert_error(&got, 400, "`settings.max_no_answer`: must be 1 to 100");
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": "x", "ivr_url": "ftp://x"})),
    )
    .await;
    assert_error(&got, 400, "`ivr_url`");
}

#[actix_rt::test]
async fn missing_and_unknown_parameters_are_named() {
    let app = app(state()).await;
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({})),
    )
    .await;
    assert_error(&got, 400, "`name`: is required");
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": "x", "callback": "http://x"})),
    )
    .await;
    assert_error(&got, 400, "`callback`: is not a parameter");
}

#[actix_rt::test]
async fn oversized_bodies_are_413() {
    let app = app(state()).await;
    let big = format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(switchboard_api::params::BODY_LIMIT)
    );
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(big),
    )
    .await;
    assert_error(&got, 413, "larger than");
}

#[actix_rt::test]
async fn unsupported_content_type_is_415() {
    let app = app(state()).await;
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .insert_header(("Content-Type", "text/xml"))
            .set_payload("<name>x</name>"),
    )
    .await;
    assert_error(&got, 415, "text/xml");
}

#[actix_rt::test]
async fn conflicts_are_409() {
    let app = app(state()).await;
    let (id, _) = create_callcenter(&app, "a").await;
    let trunk = serde_json::json!({"name": "t", "host": "127.0.0.2", "callcenter_id": id, "inbound_numbers": ["8001"]});
    let (status, _) = call(
        &app,
        TestRequest::post()
            .uri("/v1/trunks")
            .insert_header(bearer(ADMIN))
            .set_json(&trunk),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/trunks")
            .insert_header(bearer(ADMIN))
            .set_json(&trunk),
    )
    .await;
    assert_error(&got, 409, "inbound number 8001 is already used by trunk");
    let got = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenters/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 409, "still used by trunk");
}

#[actix_rt::test]
async fn parameters_are_checked_before_ids_are_looked_up() {
    let app = app(state()).await;
    let unknown = "f".repeat(32);
    // Malformed body AND unknown id: 400, not 404.
    let got = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/trunks/{unknown}"))
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": "t", "host": "bad host!", "callcenter_id": unknown, "inbound_numbers": []})),
    )
    .await;
    assert_error(&got, 400, "`host`");
    let got = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/callcenters/{unknown}"))
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": ""})),
    )
    .await;
    assert_error(&got, 400, "`name`");
    let got = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/callcenters/{unknown}"))
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({"name": "fine"})),
    )
    .await;
    assert_error(&got, 404, &unknown);
}

#[actix_rt::test]
async fn healthz_answers_without_a_token() {
    let app = app(state()).await;
    let (status, body) = call(&app, TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "ok");
}

#[actix_rt::test]
async fn openapi_document_lists_the_endpoints() {
    let app = app(state()).await;
    let (status, doc) = call(&app, TestRequest::get().uri("/v1/openapi.json")).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/callcenters",
        "/v1/callcenters/{id}",
        "/v1/callcenters/{id}/tokens",
        "/v1/callcenters/{id}/tokens/{token}",
        "/v1/trunks",
        "/v1/trunks/{id}",
        "/v1/callcenter/{callcenter_id}",
        "/v1/callcenter/{callcenter_id}/extension",
        "/v1/callcenter/{callcenter_id}/extension/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from {:?}", paths.keys());
    }
    assert!(doc["components"]["securitySchemes"]["admin"].is_object());
}
