//! SPEC §3 extensions: all three types, validation, tenancy, both path forms, registrations.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::*;

#[actix_rt::test]
async fn all_three_types_on_both_path_forms() {
    let state = state();
    let app = app(state.clone()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let bodies = [
        json!({"type": 1, "user": "agent1001", "password": "pw123456"}),
        json!({"type": 2, "ipaddr": "127.0.0.3:5070"}),
        json!({"type": "3", "telnum": "13800138000"}),
    ];
    let mut ids = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let uri = if i % 2 == 0 {
            "/v1/callcenter/extension".to_owned()
        } else {
            format!("/v1/callcenter/{cc}/extension")
        };
        let (status, got) = call(
            &app,
            TestRequest::post()
                .uri(&uri)
                .insert_header(bearer(&token))
                .set_json(body),
        )
        .await;
        assert_eq!(status, 200, "{got}");
        ids.push(got["data"]["id"].as_str().unwrap().to_owned());
    }
    let (_, one) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{cc}/extension/{}", ids[0]))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(one["data"]["type"], 1);
    assert_eq!(one["data"]["user"], "agent1001");
    assert_eq!(one["data"]["password"], "pw123456");
    assert_eq!(one["data"]["registrations"], json!([]));
    let (_, list) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(&token)),
    )
    .await;
    let rows = list["data"]["result"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["ipaddr"], "127.0.0.3:5070");
    assert!(rows[1].get("registrations").is_none());
    assert_eq!(rows[2]["telnum"], "13800138000");
    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/extension/{}", ids[1]))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/extension/{}", ids[1]))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 404, &ids[1]);
}

#[actix_rt::test]
async fn registrations_show_until_they_expire() {
    let state = state();
    let app = app(state.clone()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let (_, got) = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(&token))
            .set_json(json!({"type": 1, "user": "agent2002", "password": "pw123456"})),
    )
    .await;
    let id = got["data"]["id"].as_str().unwrap().to_owned();
    let now = FixedClock.unix_ms_value();
    let rec = |contact: &str, expires_unix_ms| sb_store::RegistrationRecord {
        user: "agent2002".into(),
        contact: contact.into(),
        expires_unix_ms,
        user_agent: Some("PJSUA v2.15".into()),
        source: "127.0.0.1:5062".into(),
        transport: "udp".into(),
        call_id: "abc".into(),
        cseq: 3,
    };
    let records = vec![
        rec("sip:agent2002@127.0.0.1:5062", now + 3_600_000),
        rec("sip:old@127.0.0.1:5064", now - 1),
    ];
    state
        .store
        .run(move |s| s.replace_registrations("agent2002", &records))
        .await
        .unwrap();
    let (_, one) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/extension/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(
        one["data"]["registrations"],
        json!([{"contact": "sip:agent2002@127.0.0.1:5062", "expires": 3600,
                "user_agent": "PJSUA v2.15", "source": "127.0.0.1:5062"}])
    );
}

#[actix_rt::test]
async fn validation_names_each_field() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let cases = [
        (json!({"type": 4}), "`type`"),
        (
            json!({"type": 1, "user": "abc", "password": "pw123456"}),
            "`user`: must be 6 to 12",
        ),
        (
            json!({"type": 1, "user": "agent1001", "password": "pw!23456"}),
            "`password`",
        ),
        (
            json!({"type": 1, "password": "pw123456"}),
            "`user`: is required for type 1",
        ),
        (
            json!({"type": 1, "user": "agent1001", "password": "pw123456", "telnum": "1"}),
            "`telnum`: is not used by type 1",
        ),
        (json!({"type": 2, "ipaddr": "gw.example.com"}), "`ipaddr`"),
        (json!({"type": 3, "telnum": "call me"}), "`telnum`"),
        (json!({"user": "agent1001"}), "`type`: is required"),
    ];
    for (body, needle) in cases {
        let got = call(
            &app,
            TestRequest::post()
                .uri("/v1/callcenter/extension")
                .insert_header(bearer(&token))
                .set_json(&body),
        )
        .await;
        assert_error(&got, 400, needle);
    }
}

#[actix_rt::test]
async fn sip_users_are_unique_and_tenants_are_isolated() {
    let app = app(state()).await;
    let (_a, token_a) = create_callcenter(&app, "a").await;
    let (_b, token_b) = create_callcenter(&app, "b").await;
    let phone = json!({"type": 1, "user": "agent3003", "password": "pw123456"});
    let (_, got) = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(&token_a))
            .set_json(&phone),
    )
    .await;
    let id = got["data"]["id"].as_str().unwrap().to_owned();
    let clash = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(&token_b))
            .set_json(&phone),
    )
    .await;
    assert_error(
        &clash,
        409,
        "SIP user agent3003 is already used by another extension",
    );
    for req in [
        TestRequest::get().uri(&format!("/v1/callcenter/extension/{id}")),
        TestRequest::delete().uri(&format!("/v1/callcenter/extension/{id}")),
    ] {
        let got = call(&app, req.insert_header(bearer(&token_b))).await;
        assert_error(&got, 404, &id);
    }
}

#[actix_rt::test]
async fn the_sip_side_hears_of_created_and_deleted_phones() {
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = heard.clone();
    let state = state().with_extension_hook(switchboard_api::ExtensionHook(std::sync::Arc::new(
        move |user: &str| sink.lock().unwrap().push(user.to_owned()),
    )));
    let app = app(state).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let (_, got) = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(&token))
            .set_json(json!({"type": 1, "user": "agent4004", "password": "pw123456"})),
    )
    .await;
    let id = got["data"]["id"].as_str().unwrap().to_owned();
    call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(&token))
            .set_json(json!({"type": 3, "telnum": "13800138000"})),
    )
    .await;
    call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/extension/{id}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(
        *heard.lock().unwrap(),
        ["agent4004", "agent4004"],
        "created, then deleted; numbers are not SIP users"
    );
}
