//! SPEC §6 agent operations that go to the call engine: every parameter is checked (presence,
//! type, range, the seeds' spellings) before anything is looked up, in both path forms and
//! from JSON, form and query alike. This server runs without the call engine, so a request
//! that passes validation is answered 503, which is what these tests look for.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;

const XML: &str = r#"<enqueue><route><skill name="billing"/></route></enqueue>"#;
const CONVERSATION: &str = "0123456789abcdef0123456789abcdef";

fn post(uri: &str, token: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(bearer(token))
        .set_json(body)
}

/// Each operation with a minimal valid body and the parameters it requires.
fn operations() -> Vec<(&'static str, Value, &'static [&'static str])> {
    vec![
        (
            "callout",
            json!({"to": "13800138000", "max_answer_seconds": 60}),
            &["to", "max_answer_seconds"],
        ),
        ("callagent", json!({"enqueue": XML}), &["enqueue"]),
        (
            "xferAgent",
            json!({"conversationId": CONVERSATION, "queue": XML}),
            &["conversationId", "queue"],
        ),
        (
            "xferOut",
            json!({"conversationId": CONVERSATION, "to": "+8613800138000",
                   "max_answer_seconds": 600}),
            &["conversationId", "to", "max_answer_seconds"],
        ),
        (
            "pause",
            json!({"conversationId": CONVERSATION}),
            &["conversationId"],
        ),
        (
            "resume",
            json!({"conversationId": CONVERSATION}),
            &["conversationId"],
        ),
        (
            "setVoiceIoMode",
            json!({"conversationId": CONVERSATION, "voiceIoMode": 4}),
            &["conversationId"],
        ),
        (
            "join",
            json!({"conversationId": CONVERSATION}),
            &["conversationId"],
        ),
        (
            "depart",
            json!({"conversationId": CONVERSATION, "data": "back to the menu"}),
            &["conversationId"],
        ),
        (
            "inviteAgent",
            json!({"conversationId": CONVERSATION, "enqueue": XML}),
            &["conversationId", "enqueue"],
        ),
        (
            "inviteOut",
            json!({"conversationId": CONVERSATION, "to": "13800138000",
                   "max_answer_seconds": 60}),
            &["conversationId", "to", "max_answer_seconds"],
        ),
    ]
}

fn with(body: &Value, key: &str, value: Value) -> Value {
    let mut b = body.clone();
    b[key] = value;
    b
}

#[actix_rt::test]
async fn valid_requests_reach_the_engine_in_both_path_forms() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    for (op, body, _) in operations() {
        for uri in [
            format!("/v1/callcenter/agent/a1/{op}"),
            format!("/v1/callcenter/{cc}/agent/a1/{op}"),
        ] {
            let got = call(&app, post(&uri, &token, &body)).await;
            assert_error(&got, 503, "the call engine is not running");
        }
        let get = TestRequest::get()
            .uri(&format!("/v1/callcenter/agent/a1/{op}"))
            .insert_header(bearer(&token));
        assert_error(&call(&app, get).await, 405, "GET");
    }
}

#[actix_rt::test]
async fn a_missing_required_parameter_is_named() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    for (op, body, required) in operations() {
        for name in required {
            let mut b = body.clone();
            b.as_object_mut().unwrap().remove(*name);
            let got = call(
                &app,
                post(&format!("/v1/callcenter/agent/a1/{op}"), &token, &b),
            )
            .await;
            assert_error(&got, 400, &format!("`{name}`: is required"));
        }
        let got = call(
            &app,
            post(
                &format!("/v1/callcenter/agent/a1/{op}"),
                &token,
                &with(&body, "bogus", json!(1)),
            ),
        )
        .await;
        assert_error(&got, 400, "`bogus`");
    }
}

#[actix_rt::test]
async fn out_of_range_values_are_refused() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let all = operations();
    let body = |op: &str| all.iter().find(|(o, ..)| *o == op).unwrap().1.clone();
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("callout", "to", json!("12a"), "`to`"),
        ("callout", "to", json!("1".repeat(33)), "`to`"),
        ("callout", "from", json!("alice"), "`from`"),
        (
            "callout",
            "max_dial_seconds",
            json!(0),
            "`max_dial_seconds`",
        ),
        (
            "callout",
            "max_dial_seconds",
            json!(3601),
            "`max_dial_seconds`",
        ),
        (
            "callout",
            "max_answer_seconds",
            json!(0),
            "`max_answer_seconds`",
        ),
        (
            "callout",
            "max_answer_seconds",
            json!(86_401),
            "`max_answer_seconds`",
        ),
        (
            "callout",
            "max_answer_seconds",
            json!("soon"),
            "`max_answer_seconds`",
        ),
        ("callout", "backgound", json!("maybe"), "backgound"),
        ("callagent", "enqueue", json!(""), "`enqueue`"),
        ("xferAgent", "queue", json!("  "), "`queue`"),
        ("xferAgent", "release", json!("perhaps"), "`release`"),
        (
            "xferAgent",
            "conversationId",
            json!("a b"),
            "`conversationId`",
        ),
        (
            "xferOut",
            "max_dial_seconds",
            json!(-5),
            "`max_dial_seconds`",
        ),
        ("pause", "conversationId", json!(""), "`conversationId`"),
        ("resume", "voiceIoMode", json!(4), "`voiceIoMode`"),
        ("resume", "voiceIoMode", json!(0), "`voiceIoMode`"),
        ("setVoiceIoMode", "voiceIoMode", json!(5), "`voiceIoMode`"),
        ("setVoiceIoMode", "voiceIoMode", json!(0), "`voiceIoMode`"),
        ("join", "voiceIoMode", json!(5), "`voiceIoMode`"),
        ("join", "voiceIoMode", json!(-1), "`voiceIoMode`"),
        ("depart", "data", json!("x".repeat(4097)), "`data`"),
        ("inviteAgent", "voiceIoMode", json!(7), "`voiceIoMode`"),
        ("inviteOut", "to", json!("+"), "`to`"),
        ("inviteOut", "voiceIoMode", json!(5), "`voiceIoMode`"),
    ];
    for (op, key, value, needle) in cases {
        let got = call(
            &app,
            post(
                &format!("/v1/callcenter/agent/a1/{op}"),
                &token,
                &with(&body(op), key, value.clone()),
            ),
        )
        .await;
        assert_error(&got, 400, needle);
    }
    // The edges of each range are accepted.
    let cases: Vec<(&str, &str, Value)> = vec![
        ("callout", "max_dial_seconds", json!(3600)),
        ("callout", "max_answer_seconds", json!(86_400)),
        ("callout", "to", json!("*99#")),
        ("resume", "voiceIoMode", json!(3)),
        ("setVoiceIoMode", "voiceIoMode", json!(1)),
        ("join", "voiceIoMode", json!(0)),
        ("join", "voiceIoMode", json!(4)),
        ("inviteAgent", "voiceIoMode", json!(0)),
        ("depart", "data", json!("x".repeat(4096))),
        ("xferAgent", "release", json!(false)),
    ];
    for (op, key, value) in cases {
        let got = call(
            &app,
            post(
                &format!("/v1/callcenter/agent/a1/{op}"),
                &token,
                &with(&body(op), key, value),
            ),
        )
        .await;
        assert_error(&got, 503, "call engine");
    }
}

#[actix_rt::test]
async fn every_background_spelling_is_the_same_flag() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let all = operations();
    for op in ["callout", "callagent", "inviteAgent", "inviteOut"] {
        let body = &all.iter().find(|(o, ..)| *o == op).unwrap().1;
        let uri = format!("/v1/callcenter/agent/a1/{op}");
        for spelling in ["background", "backgound", "backgroud"] {
            for value in [json!(true), json!("false"), json!(1)] {
                let got = call(&app, post(&uri, &token, &with(body, spelling, value))).await;
                assert_error(&got, 503, "call engine");
            }
        }
        let twice = with(
            &with(body, "background", json!(true)),
            "backgroud",
            json!(true),
        );
        let got = call(&app, post(&uri, &token, &twice)).await;
        assert_error(&got, 400, "more than once");
    }
}

#[actix_rt::test]
async fn form_and_query_parameters_arrive_as_text() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let form = |uri: &str, body: &str| {
        TestRequest::post()
            .uri(uri)
            .insert_header(bearer(&token))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(body.to_owned())
    };
    let got = call(
        &app,
        form(
            &format!("/v1/callcenter/{cc}/agent/a1/callout"),
            "to=%2B8613800138000&max_dial_seconds=30&max_answer_seconds=600&backgound=true",
        ),
    )
    .await;
    assert_error(&got, 503, "call engine");
    let got = call(
        &app,
        form(
            "/v1/callcenter/agent/a1/xferOut",
            &format!("conversationId={CONVERSATION}&to=110&max_answer_seconds=10&release=0"),
        ),
    )
    .await;
    assert_error(&got, 503, "call engine");
    let got = call(
        &app,
        form(
            "/v1/callcenter/agent/a1/callout",
            "to=110&max_answer_seconds=ten",
        ),
    )
    .await;
    assert_error(&got, 400, "`max_answer_seconds`");
    let query = TestRequest::post()
        .uri(&format!(
            "/v1/callcenter/agent/a1/resume?conversationId={CONVERSATION}&voiceIoMode=2"
        ))
        .insert_header(bearer(&token));
    assert_error(&call(&app, query).await, 503, "call engine");
    let query = TestRequest::post()
        .uri(&format!(
            "/v1/callcenter/agent/a1/resume?conversationId={CONVERSATION}&voiceIoMode=4"
        ))
        .insert_header(bearer(&token));
    assert_error(&call(&app, query).await, 400, "`voiceIoMode`");
}

#[actix_rt::test]
async fn malformed_bodies_and_names_are_refused_first() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    for (op, body, _) in operations() {
        let broken = TestRequest::post()
            .uri(&format!("/v1/callcenter/agent/a1/{op}"))
            .insert_header(bearer(&token))
            .insert_header(("Content-Type", "application/json"))
            .set_payload("{\"conversationId\": ");
        assert_error(&call(&app, broken).await, 400, "malformed JSON body");
        let not_object = TestRequest::post()
            .uri(&format!("/v1/callcenter/agent/a1/{op}"))
            .insert_header(bearer(&token))
            .insert_header(("Content-Type", "application/json"))
            .set_payload("[1]");
        assert_error(&call(&app, not_object).await, 400, "JSON object");
        // A name no agent can have is a bad parameter, not an engine question.
        let got = call(
            &app,
            post(&format!("/v1/callcenter/agent/a.b/{op}"), &token, &body),
        )
        .await;
        assert_error(&got, 400, "`name`");
    }
    let unauthenticated = TestRequest::post()
        .uri("/v1/callcenter/agent/a1/pause")
        .set_json(json!({"conversationId": CONVERSATION}));
    assert_error(&call(&app, unauthenticated).await, 401, "Authorization");
}
