//! SPEC §2 auth: admin vs call-center tokens, both path forms, and tenant isolation.

use actix_web::test::TestRequest;

use crate::common::*;

#[actix_rt::test]
async fn a_callcenter_token_works_on_both_path_forms_of_its_own_routes() {
    let app = app(state()).await;
    let (id, token) = create_callcenter(&app, "support").await;
    for uri in [format!("/v1/callcenter/{id}"), "/v1/callcenter".to_owned()] {
        let (status, body) = call(
            &app,
            TestRequest::get().uri(&uri).insert_header(bearer(&token)),
        )
        .await;
        assert_eq!(status, 200, "{uri}: {body}");
        assert_eq!(body["code"], "000000");
        assert_eq!(body["data"]["id"], id.as_str());
        assert!(
            body["data"].get("token").is_none(),
            "tokens are never listed"
        );
    }
}

#[actix_rt::test]
async fn another_tenants_id_is_404_and_shows_nothing() {
    let app = app(state()).await;
    let (_a, token_a) = create_callcenter(&app, "a").await;
    let (b, _token_b) = create_callcenter(&app, "b").await;
    let got = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{b}"))
            .insert_header(bearer(&token_a)),
    )
    .await;
    assert_error(&got, 404, &b);
    // Exactly what an id that exists nowhere gets.
    let nowhere = "0".repeat(32);
    let other = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{nowhere}"))
            .insert_header(bearer(&token_a)),
    )
    .await;
    assert_eq!(other.0, got.0);
    assert_eq!(other.1["code"], got.1["code"]);
}

#[actix_rt::test]
async fn missing_and_wrong_tokens_are_401() {
    let app = app(state()).await;
    let got = call(&app, TestRequest::get().uri("/v1/callcenters")).await;
    assert_error(&got, 401, "Authorization");
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenters")
            .insert_header(bearer("nope")),
    )
    .await;
    assert_error(&got, 401, "unknown or revoked token");
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter")
            .insert_header(("Authorization", "Basic abc")),
    )
    .await;
    assert_error(&got, 401, "Bearer");
}

#[actix_rt::test]
async fn a_callcenter_token_cannot_use_admin_routes() {
    let app = app(state()).await;
    let (_id, token) = create_callcenter(&app, "a").await;
    for req in [
        TestRequest::get().uri("/v1/callcenters"),
        TestRequest::get().uri("/v1/trunks"),
        TestRequest::post()
            .uri("/v1/callcenters")
            .set_json(serde_json::json!({"name": "x"})),
    ] {
        let got = call(&app, req.insert_header(bearer(&token))).await;
        assert_error(&got, 403, "admin token");
    }
}

#[actix_rt::test]
async fn the_admin_token_reaches_a_callcenter_by_the_long_form_only() {
    let app = app(state()).await;
    let (id, _token) = create_callcenter(&app, "a").await;
    let (status, body) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter")
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 400, "callcenter_id");
}

#[actix_rt::test]
async fn revoked_tokens_stop_working_and_new_ones_start() {
    let app = app(state()).await;
    let (id, first) = create_callcenter(&app, "a").await;
    let (status, body) = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/callcenters/{id}/tokens"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let second = body["data"]["token"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenters/{id}/tokens/{first}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter")
            .insert_header(bearer(&first)),
    )
    .await;
    assert_error(&got, 401, "revoked");
    let (status, _) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter")
            .insert_header(bearer(&second)),
    )
    .await;
    assert_eq!(status, 200);
    // Revoking it again, or through another call center, finds nothing.
    let got = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenters/{id}/tokens/{first}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 404, "token");
}

#[actix_rt::test]
async fn deleting_a_callcenter_revokes_its_tokens() {
    let app = app(state()).await;
    let (id, token) = create_callcenter(&app, "a").await;
    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenters/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 401, "unknown or revoked");
}
