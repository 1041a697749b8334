//! SPEC §7 conversation endpoints that change a conversation (dissolve, `lsm`,
//! `invite_agent`, `invite_out`): parameters checked first, both path forms routed. This server
//! runs without the call engine, so a request that passes validation is answered 503.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;

const XML: &str = r#"<enqueue><route><skill name="billing"/></route></enqueue>"#;
const CONVERSATION: &str = "0123456789abcdef0123456789abcdef";

fn post(uri: &str, token: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(bearer(token))
        .set_json(body)
}

#[actix_rt::test]
async fn every_endpoint_is_routed_in_both_forms() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    for prefix in ["/v1/callcenter".to_owned(), format!("/v1/callcenter/{cc}")] {
        let at = |path: &str| format!("{prefix}/conversation/{CONVERSATION}{path}");
        let dissolve = TestRequest::delete()
            .uri(&at(""))
            .insert_header(bearer(&token));
        assert_error(&call(&app, dissolve).await, 503, "call engine");
        let requests = [
            post(&at("/agent/a1/lsm"), &token, json!({"mode": 3})),
            // An outside member is named by its call id.
            post(
                &at(&format!("/agent/{CONVERSATION}/lsm")),
                &token,
                json!({"mode": "4"}),
            ),
            post(&at("/invite_agent"), &token, json!({"enqueue": XML})),
            post(
                &at("/invite_agent"),
                &token,
                json!({"enqueue": XML, "mode": 2}),
            ),
            post(
                &at("/invite_out"),
                &token,
                json!({"to": "13800138000", "max_answer_seconds": 60}),
            ),
            post(
                &at("/invite_out"),
                &token,
                json!({"to": "13800138000", "from": "+861088886666", "max_dial_seconds": 30,
                       "max_answer_seconds": 60, "mode": 3}),
            ),
        ];
        for req in requests {
            assert_error(&call(&app, req).await, 503, "call engine");
        }
    }
}

#[actix_rt::test]
async fn parameters_are_checked_before_the_conversation() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let at = |path: &str| format!("/v1/callcenter/conversation/{CONVERSATION}{path}");
    let cases = [
        (at("/agent/a1/lsm"), json!({}), "`mode`: is required"),
        (at("/agent/a1/lsm"), json!({"mode": 0}), "`mode`"),
        (at("/agent/a1/lsm"), json!({"mode": 5}), "`mode`"),
        (at("/agent/a1/lsm"), json!({"mode": "loud"}), "`mode`"),
        (at("/agent/a.1/lsm"), json!({"mode": 1}), "`name`"),
        (
            at(&format!("/agent/{}/lsm", "a".repeat(65))),
            json!({"mode": 1}),
            "`name`",
        ),
        (at("/invite_agent"), json!({}), "`enqueue`: is required"),
        (at("/invite_agent"), json!({"enqueue": ""}), "`enqueue`"),
        (
            at("/invite_agent"),
            json!({"enqueue": XML, "mode": 0}),
            "`mode`",
        ),
        (
            at("/invite_agent"),
            json!({"enqueue": XML, "backgroud": true}),
            "`backgroud`",
        ),
        (
            at("/invite_out"),
            json!({"max_answer_seconds": 60}),
            "`to`: is required",
        ),
        (
            at("/invite_out"),
            json!({"to": "110"}),
            "`max_answer_seconds`: is required",
        ),
        (
            at("/invite_out"),
            json!({"to": "110", "max_answer_seconds": 86_401}),
            "`max_answer_seconds`",
        ),
        (
            at("/invite_out"),
            json!({"to": "110", "max_answer_seconds": 60, "max_dial_seconds": 0}),
            "`max_dial_seconds`",
        ),
        (
            at("/invite_out"),
            json!({"to": "110", "from": "bob", "max_answer_seconds": 60}),
            "`from`",
        ),
        (
            at("/invite_out"),
            json!({"to": "110", "max_answer_seconds": 60, "mode": 9}),
            "`mode`",
        ),
    ];
    for (uri, body, needle) in cases {
        let got = call(&app, post(&uri, &token, body)).await;
        assert_error(&got, 400, needle);
    }
    // A path id that cannot be a conversation's, with a bad body: the body is named first.
    let got = call(
        &app,
        post(
            "/v1/callcenter/conversation/not%20an%20id/invite_out",
            &token,
            json!({"to": "110"}),
        ),
    )
    .await;
    assert_error(&got, 400, "`max_answer_seconds`");
    let got = call(
        &app,
        post(
            "/v1/callcenter/conversation/not%20an%20id/invite_out",
            &token,
            json!({"to": "110", "max_answer_seconds": 5}),
        ),
    )
    .await;
    assert_error(&got, 404, "conversation");
    let broken = TestRequest::post()
        .uri(&at("/agent/a1/lsm"))
        .insert_header(bearer(&token))
        .insert_header(("Content-Type", "application/json"))
        .set_payload("{\"mode\"");
    assert_error(&call(&app, broken).await, 400, "malformed JSON body");
    let form = TestRequest::post()
        .uri(&at("/invite_out"))
        .insert_header(bearer(&token))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("to=110&max_answer_seconds=60&mode=2");
    assert_error(&call(&app, form).await, 503, "call engine");
    let get = TestRequest::get()
        .uri(&at("/invite_out"))
        .insert_header(bearer(&token));
    assert_error(&call(&app, get).await, 405, "GET");
}
