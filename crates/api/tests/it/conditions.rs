//! SPEC §3 conditions: validated by compiling, errors with positions, tenancy, both forms.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::*;

#[actix_rt::test]
async fn create_update_get_list_delete() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (status, got) = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/condition")
            .insert_header(bearer(&token))
            .set_json(json!({
                "where": "has(\"billing\") && get(\"billing\") >= 5;", "sort": "get(\"billing\")",
                "priority": 10, "queue_timeout": 30
            })),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let id = got["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(got["data"]["fetch_timeout"], 45, "default fetch_timeout");
    let form = "where=has(%22vip%22)&queue_timeout=60&fetch_timeout=20&priority=99";
    let (status, got) = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/callcenter/{cc}/condition/{id}"))
            .insert_header(bearer(&token))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(form),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["where"], "has(\"vip\")");
    assert_eq!(got["data"]["priority"], 99);
    assert!(
        got["data"]["sort"].is_null(),
        "an update replaces the whole definition"
    );
    let (_, got) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/condition/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(got["data"]["fetch_timeout"], 20);
    let (_, got) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/condition")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(got["data"]["totalCount"], 1);
    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/condition/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/condition/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 404, &id);
}

#[actix_rt::test]
async fn bad_conditions_are_refused_with_the_field_and_position() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let cases = [
        (
            json!({"where": "has(\"x\") &&", "queue_timeout": 30}),
            "`where`",
        ),
        (
            json!({"where": "get(\"x\") > ", "queue_timeout": 30}),
            "column",
        ),
        (
            json!({"where": "has(\"x\")", "sort": "has(\"x\")", "queue_timeout": 30}),
            "`sort`",
        ),
        (
            json!({"where": "has(\"x\")", "queue_timeout": 0}),
            "`queue_timeout` must be 1 to 1000",
        ),
        (
            json!({"where": "has(\"x\")", "queue_timeout": 30, "fetch_timeout": 61}),
            "`fetch_timeout`",
        ),
        (
            json!({"where": "has(\"x\")", "queue_timeout": 30, "priority": 100}),
            "`priority`",
        ),
        (
            json!({"where": "has(\"x\")"}),
            "`queue_timeout`: is required",
        ),
        (
            json!({"where": "nope(\"x\")", "queue_timeout": 30}),
            "unknown function `nope`",
        ),
    ];
    for (body, needle) in cases {
        let got = call(
            &app,
            TestRequest::post()
                .uri("/v1/callcenter/condition")
                .insert_header(bearer(&token))
                .set_json(&body),
        )
        .await;
        assert_error(&got, 400, needle);
    }
}

#[actix_rt::test]
async fn another_tenants_condition_is_404() {
    let app = app(state()).await;
    let (_a, token_a) = create_callcenter(&app, "a").await;
    let (_b, token_b) = create_callcenter(&app, "b").await;
    let (_, got) = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/condition")
            .insert_header(bearer(&token_a))
            .set_json(json!({"where": "has(\"x\")", "queue_timeout": 30})),
    )
    .await;
    let id = got["data"]["id"].as_str().unwrap().to_owned();
    for req in [
        TestRequest::get().uri(&format!("/v1/callcenter/condition/{id}")),
        TestRequest::delete().uri(&format!("/v1/callcenter/condition/{id}")),
        TestRequest::post()
            .uri(&format!("/v1/callcenter/condition/{id}"))
            .set_json(json!({"where": "has(\"y\")", "queue_timeout": 5})),
    ] {
        let got = call(&app, req.insert_header(bearer(&token_b))).await;
        assert_error(&got, 404, &id);
    }
}
