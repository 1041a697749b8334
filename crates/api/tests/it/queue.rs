//! SPEC §3 queue tasks: list with position and waiting time, one task, cancel; both forms.

use actix_web::test::TestRequest;
use sb_engine::acd::{TaskKind, TaskRequest};

use crate::common::*;

#[actix_rt::test]
async fn list_get_and_cancel_in_both_forms() {
    let (state, hub) = acd_state().await;
    let app = app(state).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (_cc_b, token_b) = create_callcenter(&app, "b").await;
    let key = sb_store::CallCenterId(cc.clone());
    let mut ids = Vec::new();
    for prio in [1, 5] {
        let task = hub
            .enqueue(
                &key,
                TaskRequest {
                    kind: TaskKind::Ivr,
                    xml: format!(
                        r#"<enqueue user_data="u{prio}"><route><skill name="billing" priority="{prio}"/></route></enqueue>"#
                    ),
                    origin_call_id: Some(format!("call{prio}")),
                    user_data: None,
                    reports: None,
                    exclude: None,
                },
            )
            .await
            .unwrap();
        ids.push(task.to_string());
    }
    let (status, got) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/queue")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let rows = &got["data"]["result"];
    assert_eq!(got["data"]["totalCount"], 2);
    assert_eq!(rows[0]["id"], ids[1].as_str(), "higher priority first");
    assert_eq!(rows[0]["position"], 1);
    assert_eq!(rows[0]["type"], "ivr");
    assert_eq!(rows[0]["origin_call_id"], "call5");
    assert_eq!(rows[0]["user_data"], "u5");
    assert!(rows[0]["waiting_time"].is_u64());
    let (status, got) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{cc}/queue/{}", ids[0]))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!((status, got["data"]["position"].as_u64()), (200, Some(2)));
    let other = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/queue/{}", ids[0]))
            .insert_header(bearer(&token_b)),
    )
    .await;
    assert_error(&other, 404, &ids[0]);
    let other = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/queue/{}", ids[0]))
            .insert_header(bearer(&token_b)),
    )
    .await;
    assert_error(&other, 404, "queue");
    let (status, got) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/{cc}/queue/{}", ids[0]))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(
        (status, got["data"]["id"].as_str()),
        (200, Some(ids[0].as_str()))
    );
    let gone = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenter/queue/{}", ids[0]))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&gone, 404, "queue");
    let bad = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/queue/not-a-task")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&bad, 404, "not-a-task");
    let bad = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/queue?pageNo=0")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&bad, 400, "`pageNo`");
    let (_, got) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/queue")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(got["data"]["totalCount"], 1);
}

#[actix_rt::test]
async fn without_the_engine_the_endpoints_answer_503() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/queue")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 503, "engine");
}
