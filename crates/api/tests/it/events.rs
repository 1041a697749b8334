//! SPEC §11 events for applications: replay, resumable SSE stream, parked list, test event.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::test::{self, TestRequest};

use crate::common::*;

async fn publish_test_events<S, B>(app: &S, token: &str, n: u64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: MessageBody,
{
    for i in 1..=n {
        let (status, got) = call(
            app,
            TestRequest::post()
                .uri("/v1/callcenter/events/test")
                .insert_header(bearer(token))
                .set_json(serde_json::json!({"message": format!("m{i}")})),
        )
        .await;
        assert_eq!(status, 200, "{got}");
    }
}

/// Reads SSE frames from a streaming body until `n` events have arrived; returns their ids.
async fn read_ids<B: MessageBody>(body: &mut std::pin::Pin<Box<B>>, n: usize) -> Vec<u64> {
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let ids: Vec<u64> = text
                .lines()
                .filter_map(|l| l.strip_prefix("id: ").map(|v| v.parse().unwrap()))
                .collect();
            if ids.len() >= n {
                return ids;
            }
            let chunk = std::future::poll_fn(|cx| body.as_mut().poll_next(cx))
                .await
                .expect("the stream stays open")
                .unwrap_or_else(|_| panic!("the stream fails"));
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    })
    .await
    .expect("the events arrive in time")
}

#[actix_rt::test]
async fn test_events_are_numbered_and_replayable() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    publish_test_events(&app, &token, 3).await;
    let (_, got) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{cc}/events?since=1"))
            .insert_header(bearer(&token)),
    )
    .await;
    let rows = got["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["seq"], 2);
    assert_eq!(rows[0]["event"], "callcenter.test");
    assert_eq!(rows[0]["delivery"], "pending");
    assert_eq!(rows[0]["body"]["message"], "m2");
    assert_eq!(rows[0]["body"]["action"], "event_notify");
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/events?limit=0")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 400, "`limit`");
}

#[actix_rt::test]
async fn the_stream_replays_what_was_missed_then_follows_live() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    publish_test_events(&app, &token, 5).await;
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/events/stream?since=2")
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let mut body = Box::pin(res.into_body());
    assert_eq!(read_ids(&mut body, 3).await, [3, 4, 5]);
    publish_test_events(&app, &token, 1).await;
    assert_eq!(read_ids(&mut body, 1).await, [6], "then live events");
    drop(body);

    // A reconnect with Last-Event-ID gets exactly what came after it.
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/events/stream")
            .insert_header(bearer(&token))
            .insert_header(("Last-Event-ID", "4"))
            .to_request(),
    )
    .await;
    let mut body = Box::pin(res.into_body());
    assert_eq!(read_ids(&mut body, 2).await, [5, 6]);
}

#[actix_rt::test]
async fn without_since_the_stream_starts_at_now_and_sees_only_its_tenant() {
    let app = app(state()).await;
    let (_a, token_a) = create_callcenter(&app, "a").await;
    let (_b, token_b) = create_callcenter(&app, "b").await;
    publish_test_events(&app, &token_a, 2).await;
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/events/stream")
            .insert_header(bearer(&token_a))
            .to_request(),
    )
    .await;
    let mut body = Box::pin(res.into_body());
    publish_test_events(&app, &token_b, 2).await;
    publish_test_events(&app, &token_a, 1).await;
    assert_eq!(
        read_ids(&mut body, 1).await,
        [3],
        "a's next event only, none of b's"
    );
}

#[actix_rt::test]
async fn parked_list_starts_empty_and_bad_last_event_id_is_400() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let (_, got) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/events/parked")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(got["data"]["totalCount"], 0);
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/events/stream")
            .insert_header(bearer(&token))
            .insert_header(("Last-Event-ID", "abc")),
    )
    .await;
    assert_error(&got, 400, "Last-Event-ID");
}
