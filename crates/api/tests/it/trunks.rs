//! SPEC §3 trunk endpoints: storage and validation.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::*;

#[actix_rt::test]
async fn trunk_crud_hides_the_password() {
    let app = app(state()).await;
    let (cc, _) = create_callcenter(&app, "a").await;
    let (status, body) = call(
        &app,
        TestRequest::post()
            .uri("/v1/trunks")
            .insert_header(bearer(ADMIN))
            .set_json(json!({
                "name": "carrier", "host": "127.0.0.2", "username": "acct", "password": "s3cret",
                "register": true, "from_numbers": ["+12125550100"], "callcenter_id": cc,
                "inbound_numbers": ["+12125550100", "4008001234"]
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let t = &body["data"];
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["port"], 5060);
    assert_eq!(t["port_given"], false);
    assert_eq!(t["transport"], "udp");
    assert_eq!(t["has_password"], true);
    assert!(t.get("password").is_none());
    assert!(!body.to_string().contains("s3cret"));

    let (status, body) = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/trunks/{id}"))
            .insert_header(bearer(ADMIN))
            .set_json(json!({
                "name": "carrier", "host": "sip.example.com", "port": 5080, "transport": "tcp",
                "callcenter_id": cc, "inbound_numbers": ["4008001234"]
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["port"], 5080);
    assert_eq!(body["data"]["transport"], "tcp");
    assert_eq!(
        body["data"]["has_password"], false,
        "an update replaces the definition"
    );

    let (_, body) = call(
        &app,
        TestRequest::get()
            .uri("/v1/trunks")
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(body["data"]["totalCount"], 1);
    assert_eq!(
        body["data"]["result"][0]["inbound_numbers"],
        json!(["4008001234"])
    );

    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/trunks/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/trunks/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 404, &id);
}

#[actix_rt::test]
async fn trunk_validation_names_each_field() {
    let app = app(state()).await;
    let (cc, _) = create_callcenter(&app, "a").await;
    let base =
        json!({"name": "t", "host": "127.0.0.2", "callcenter_id": cc, "inbound_numbers": []});
    let cases = [
        (json!({"port": 0}), 400, "`port`"),
        (json!({"port": 70000}), 400, "`port`"),
        (json!({"transport": "tls"}), 400, "tls is not supported yet"),
        (json!({"transport": "sctp"}), 400, "`transport`"),
        (
            json!({"password": "x"}),
            400,
            "`username`: is required when a password",
        ),
        (
            json!({"register": true, "username": "u"}),
            400,
            "`register`",
        ),
        (
            json!({"inbound_numbers": ["12ab"]}),
            400,
            "`inbound_numbers`",
        ),
        (json!({"from_numbers": ["+"]}), 400, "`from_numbers`"),
        (json!({"host": "sip://x"}), 400, "`host`"),
        (json!({"callcenter_id": "f".repeat(32)}), 404, "callcenter"),
    ];
    for (patch, status, needle) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let got = call(
            &app,
            TestRequest::post()
                .uri("/v1/trunks")
                .insert_header(bearer(ADMIN))
                .set_json(&body),
        )
        .await;
        assert_error(&got, status, needle);
    }
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("inbound_numbers");
    let got = call(
        &app,
        TestRequest::post()
            .uri("/v1/trunks")
            .insert_header(bearer(ADMIN))
            .set_json(&missing),
    )
    .await;
    assert_error(&got, 400, "`inbound_numbers`: is required");
}
