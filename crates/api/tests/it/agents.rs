//! SPEC §3 agents: login, the list, keepalive, extension, state, skills and logout, in both
//! path forms, with parameters checked before ids and tenants kept apart.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;

async fn extension<S, B>(app: &S, token: &str, telnum: &str) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, got) = call(
        app,
        TestRequest::post()
            .uri("/v1/callcenter/extension")
            .insert_header(bearer(token))
            .set_json(json!({"type": 3, "telnum": telnum})),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    got["data"]["id"].as_str().unwrap().to_owned()
}

fn post(uri: &str, token: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(bearer(token))
        .set_json(body)
}

fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(bearer(token))
}

#[actix_rt::test]
async fn login_list_change_and_logout_in_both_forms() {
    let (state, _hub) = acd_state().await;
    let app = app(state).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let ext = extension(&app, &token, "13800000001").await;
    let ext2 = extension(&app, &token, "13800000002").await;
    let (status, got) = call(
        &app,
        post(
            "/v1/callcenter/agent",
            &token,
            json!({"name": "a_2019", "num": "2019", "extension": ext,
                   "skills": [{"name": "billing", "score": 5}]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["state"], "online");
    assert_eq!(
        got["data"]["skills"],
        json!([{"name": "billing", "score": 5, "enabled": true}])
    );
    let again = call(
        &app,
        post(
            &format!("/v1/callcenter/{cc}/agent"),
            &token,
            json!({"name": "a_2019", "extension": ext}),
        ),
    )
    .await;
    assert_error(&again, 409, "already logged in");

    let form = TestRequest::post()
        .uri(&format!("/v1/callcenter/{cc}/agent"))
        .insert_header(bearer(&token))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!("name=b7&extension={ext}&state=away%2Flunch"));
    let (status, got) = call(&app, form).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["state"], "away/lunch");

    let (_, list) = call(&app, get("/v1/callcenter/agent?pageSize=1", &token)).await;
    assert_eq!(list["data"]["totalCount"], 2);
    assert_eq!(list["data"]["result"][0]["name"], "a_2019");
    let (_, page2) = call(
        &app,
        get(
            &format!("/v1/callcenter/{cc}/agent?pageSize=1&pageNo=2"),
            &token,
        ),
    )
    .await;
    assert_eq!(page2["data"]["result"][0]["name"], "b7");

    let (status, got) = call(
        &app,
        post(
            &format!("/v1/callcenter/{cc}/agent/a_2019/state"),
            &token,
            json!({"state": "busy/after_call_work"}),
        ),
    )
    .await;
    assert_eq!(
        (status, got["data"]["state"].as_str()),
        (200, Some("busy/after_call_work"))
    );
    let (status, got) = call(
        &app,
        post(
            "/v1/callcenter/agent/a_2019/extension",
            &token,
            json!({"id": ext2}),
        ),
    )
    .await;
    assert_eq!(
        (status, got["data"]["extension"].as_str()),
        (200, Some(ext2.as_str()))
    );
    let (status, got) = call(
        &app,
        post(
            "/v1/callcenter/agent/a_2019/skills",
            &token,
            json!({"opts": [{"opt": 1, "name": "billing", "enabled": false},
                            {"opt": 1, "name": "vip", "score": 9, "enabled": true},
                            {"opt": 2, "name": "nope"}]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(
        got["data"]["skills"],
        json!([{"name": "billing", "score": 5, "enabled": false},
               {"name": "vip", "score": 9, "enabled": true}])
    );
    let (status, got) = call(&app, get("/v1/callcenter/agent/a_2019/keepalive", &token)).await;
    assert_eq!(
        (status, got["data"]["name"].as_str()),
        (200, Some("a_2019"))
    );
    let (status, got) = call(
        &app,
        get(&format!("/v1/callcenter/{cc}/agent/a_2019"), &token),
    )
    .await;
    assert_eq!((status, got["data"]["num"].as_str()), (200, Some("2019")));

    let (status, got) = call(
        &app,
        TestRequest::delete()
            .uri("/v1/callcenter/agent/a_2019?force=false")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(
        (status, got["data"]["name"].as_str()),
        (200, Some("a_2019"))
    );
    let gone = call(&app, get("/v1/callcenter/agent/a_2019", &token)).await;
    assert_error(&gone, 404, "a_2019");
    let gone = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/{cc}/agent/a_2019"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&gone, 404, "agent a_2019 not found");
}

#[actix_rt::test]
async fn parameters_are_checked_before_ids() {
    let (state, _hub) = acd_state().await;
    let app = app(state).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let ext = extension(&app, &token, "13800000001").await;
    let cases = [
        (json!({"name": "bad name", "extension": ext}), "`name`"),
        (json!({"name": "a1"}), "`extension`: is required"),
        (
            json!({"name": "a1", "extension": ext, "num": "12a"}),
            "`num`",
        ),
        (
            json!({"name": "a1", "extension": ext, "state": "talking"}),
            "`state`",
        ),
        (
            json!({"name": "a1", "extension": ext, "state": "sleeping"}),
            "`state`",
        ),
        (
            json!({"name": "a1", "extension": ext, "skills": [{"name": "x", "score": -1}]}),
            "`skills[0]`",
        ),
        (
            json!({"name": "a1", "extension": "nope", "bogus": 1}),
            "`bogus`",
        ),
    ];
    for (body, needle) in cases {
        let got = call(&app, post("/v1/callcenter/agent", &token, body.clone())).await;
        assert_error(&got, 400, needle);
    }
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent",
            &token,
            json!({"name": "a1", "extension": "f".repeat(32)}),
        ),
    )
    .await;
    assert_error(&got, 404, "extension");
    // An unknown agent with a malformed body is a 400, not a 404.
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/ghost/state",
            &token,
            json!({"state": "lunch"}),
        ),
    )
    .await;
    assert_error(&got, 400, "`state`");
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/ghost/skills",
            &token,
            json!({"opts": [{"opt": 7}]}),
        ),
    )
    .await;
    assert_error(&got, 400, "`opts[0]`");
    let got = call(
        &app,
        post("/v1/callcenter/agent/ghost/extension", &token, json!({})),
    )
    .await;
    assert_error(&got, 400, "`id`");
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/ghost/state",
            &token,
            json!({"state": "idle"}),
        ),
    )
    .await;
    assert_error(&got, 404, "ghost");
    let got = call(&app, get("/v1/callcenter/agent/ghost/keepalive", &token)).await;
    assert_error(&got, 404, "ghost");
    let got = call(&app, get("/v1/callcenter/agent?pageSize=0", &token)).await;
    assert_error(&got, 400, "`pageSize`");
}

#[actix_rt::test]
async fn another_tenants_agent_is_unknown() {
    let (state, _hub) = acd_state().await;
    let app = app(state).await;
    let (cc_a, token_a) = create_callcenter(&app, "a").await;
    let (_cc_b, token_b) = create_callcenter(&app, "b").await;
    let ext = extension(&app, &token_a, "13800000001").await;
    let (status, _) = call(
        &app,
        post(
            "/v1/callcenter/agent",
            &token_a,
            json!({"name": "a1", "extension": ext}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(&app, get("/v1/callcenter/agent/a1", &token_b)).await;
    assert_error(&got, 404, "a1");
    let got = call(
        &app,
        get(&format!("/v1/callcenter/{cc_a}/agent/a1"), &token_b),
    )
    .await;
    assert_error(&got, 404, "callcenter");
    let (_, list) = call(&app, get("/v1/callcenter/agent", &token_b)).await;
    assert_eq!(list["data"]["totalCount"], 0);
    // Another tenant's extension cannot be bound either.
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent",
            &token_b,
            json!({"name": "b1", "extension": ext}),
        ),
    )
    .await;
    assert_error(&got, 404, "extension");
    let got = call(
        &app,
        TestRequest::delete()
            .uri("/v1/callcenter/agent/a1?force=true")
            .insert_header(bearer(&token_b)),
    )
    .await;
    assert_error(&got, 404, "a1");
}

#[actix_rt::test]
async fn state_and_logout_conflicts_while_fetching() {
    let (state, hub) = acd_state().await;
    let app = app(state).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let ext = extension(&app, &token, "13800000001").await;
    let (status, _) = call(
        &app,
        post(
            "/v1/callcenter/agent",
            &token,
            json!({"name": "a1", "extension": ext, "state": "idle",
                   "skills": [{"name": "billing", "score": 1}]}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let cc = sb_store::CallCenterId(cc);
    hub.enqueue(
        &cc,
        sb_engine::acd::TaskRequest {
            kind: sb_engine::acd::TaskKind::Ivr,
            xml: r#"<enqueue><route><skill name="billing"/></route></enqueue>"#.into(),
            origin_call_id: None,
            user_data: None,
            reports: None,
            exclude: None,
        },
    )
    .await
    .unwrap();
    let (_, got) = call(&app, get("/v1/callcenter/agent/a1", &token)).await;
    assert!(
        got["data"]["state"]
            .as_str()
            .unwrap()
            .starts_with("fetching/"),
        "{got}"
    );
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/a1/state",
            &token,
            json!({"state": "busy"}),
        ),
    )
    .await;
    assert_error(&got, 409, "fetching");
    let got = call(
        &app,
        TestRequest::delete()
            .uri("/v1/callcenter/agent/a1")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 409, "force=true");
    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri("/v1/callcenter/agent/a1?force=true")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200);
}
