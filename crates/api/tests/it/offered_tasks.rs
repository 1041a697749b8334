//! SPEC §6 `reject` and `forwardAgent`: an agent being offered a task refuses it or hands it
//! on, through the call-center engine, in both path forms, with parameters checked before
//! the agent is looked up.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;

const XML: &str = r#"<enqueue><route><skill name="billing"/></route></enqueue>"#;

fn post(uri: &str, token: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(bearer(token))
        .set_json(body)
}

async fn agent_state<S, B>(app: &S, token: &str, name: &str) -> String
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
        TestRequest::get()
            .uri(&format!("/v1/callcenter/agent/{name}"))
            .insert_header(bearer(token)),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    got["data"]["state"].as_str().unwrap().to_owned()
}

/// A call center with idle agent `a1` (skill billing) being offered a task; returns the
/// call center's id, its token and the task id.
async fn offered<S, B>(app: &S, hub: &sb_engine::acd::CallCenterHub) -> (String, String, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (cc, token) = create_callcenter(app, "a").await;
    let (status, ext) = call(
        app,
        post(
            "/v1/callcenter/extension",
            &token,
            json!({"type": 3, "telnum": "13800000001"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{ext}");
    let (status, got) = call(
        app,
        post(
            "/v1/callcenter/agent",
            &token,
            json!({"name": "a1", "extension": ext["data"]["id"], "state": "idle",
                   "skills": [{"name": "billing", "score": 1}]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let task = hub
        .enqueue(
            &sb_store::CallCenterId(cc.clone()),
            sb_engine::acd::TaskRequest {
                kind: sb_engine::acd::TaskKind::Ivr,
                xml: XML.into(),
                origin_call_id: None,
                user_data: None,
                reports: None,
                exclude: None,
            },
        )
        .await
        .unwrap()
        .to_string();
    assert_eq!(
        agent_state(app, &token, "a1").await,
        format!("fetching/{task}")
    );
    (cc, token, task)
}

#[actix_rt::test]
async fn an_agent_rejects_the_task_it_is_offered() {
    let (state, hub) = acd_state().await;
    let app = app(state).await;
    let (cc, token, task) = offered(&app, &hub).await;
    let other = "0".repeat(32);
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/a1/reject",
            &token,
            json!({"task_id": other}),
        ),
    )
    .await;
    assert_error(&got, 409, "not being offered");
    let (status, got) = call(
        &app,
        post(
            &format!("/v1/callcenter/{cc}/agent/a1/reject"),
            &token,
            json!({"task_id": task, "data": "busy with another customer"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"], json!({"task_id": task}));
    assert_eq!(agent_state(&app, &token, "a1").await, "idle");
    let again = call(
        &app,
        post(
            "/v1/callcenter/agent/a1/reject",
            &token,
            json!({"task_id": task}),
        ),
    )
    .await;
    assert_error(&again, 409, "not being offered");
}

#[actix_rt::test]
async fn an_agent_forwards_the_task_it_is_offered() {
    let (state, hub) = acd_state().await;
    let app = app(state).await;
    let (cc, token, task) = offered(&app, &hub).await;
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/a1/forwardAgent",
            &token,
            json!({"queueId": task, "enqueue": "<enqueue><route><nope/></route></enqueue>"}),
        ),
    )
    .await;
    assert_error(&got, 400, "`enqueue`");
    let forward_to = r#"<enqueue><route><skill name="sales"/></route></enqueue>"#;
    let (status, got) = call(
        &app,
        post(
            &format!("/v1/callcenter/{cc}/agent/a1/forwardAgent"),
            &token,
            json!({"queueId": task, "enqueue": forward_to}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"], json!({"task_id": task}));
    // Nobody has the skill the task now asks for: it waits, as a `fwd_agent` task.
    let (status, got) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/queue/{task}"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["type"], "fwd_agent");
    assert_eq!(agent_state(&app, &token, "a1").await, "idle");
}

#[actix_rt::test]
async fn parameters_are_checked_before_the_agent() {
    let (state, _hub) = acd_state().await;
    let app = app(state).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let task = "f".repeat(32);
    let cases = [
        ("reject", json!({}), "`task_id`: is required"),
        ("reject", json!({"task_id": "t1"}), "`task_id`"),
        (
            "reject",
            json!({"task_id": task, "data": "x".repeat(4097)}),
            "`data`",
        ),
        (
            "reject",
            json!({"task_id": task, "queueId": task}),
            "`queueId`",
        ),
        (
            "forwardAgent",
            json!({"enqueue": XML}),
            "`queueId`: is required",
        ),
        (
            "forwardAgent",
            json!({"queueId": task}),
            "`enqueue`: is required",
        ),
        (
            "forwardAgent",
            json!({"queueId": "g".repeat(32), "enqueue": XML}),
            "`queueId`",
        ),
        (
            "forwardAgent",
            json!({"queueId": task, "enqueue": ""}),
            "`enqueue`",
        ),
    ];
    for (op, body, needle) in cases {
        // `ghost` is not logged in: the malformed request is still a 400.
        let got = call(
            &app,
            post(&format!("/v1/callcenter/agent/ghost/{op}"), &token, body),
        )
        .await;
        assert_error(&got, 400, needle);
    }
    for (op, body) in [
        ("reject", json!({"task_id": task})),
        ("forwardAgent", json!({"queueId": task, "enqueue": XML})),
    ] {
        let got = call(
            &app,
            post(&format!("/v1/callcenter/agent/ghost/{op}"), &token, body),
        )
        .await;
        assert_error(&got, 404, "ghost");
    }
}

#[actix_rt::test]
async fn without_the_engine_reject_and_forward_answer_503() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let task = "f".repeat(32);
    for uri in [
        "/v1/callcenter/agent/a1/reject".to_owned(),
        format!("/v1/callcenter/{cc}/agent/a1/reject"),
    ] {
        let got = call(&app, post(&uri, &token, json!({"task_id": task}))).await;
        assert_error(&got, 503, "engine");
    }
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/a1/forwardAgent",
            &token,
            json!({"queueId": task, "enqueue": XML}),
        ),
    )
    .await;
    assert_error(&got, 503, "engine");
    let got = call(
        &app,
        post(
            "/v1/callcenter/agent/a1/forwardAgent",
            &token,
            json!({"queueId": task}),
        ),
    )
    .await;
    assert_error(&got, 400, "`enqueue`");
}
