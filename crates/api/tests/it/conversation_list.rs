//! `GET /callcenter/conversation`: the paged list of a call center's conversations, newest
//! first, narrowed by `state`, `agent`, `type` and the `begin_from`/`begin_to` range; bad
//! filter values are 400s naming the parameter; another call center's rows never show.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::conversation_get::{completed, running, save};

/// Lists with `query` in the short form; returns the page's ids and the envelope's data.
async fn list<S, B>(app: &S, token: &str, query: &str) -> (Vec<String>, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let req = TestRequest::get()
        .uri(&format!("/v1/callcenter/conversation?{query}"))
        .insert_header(bearer(token));
    let (status, got) = call(app, req).await;
    assert_eq!(status, 200, "{query}: {got}");
    let ids = got["data"]["result"]
        .as_array()
        .expect("a result list")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_owned())
        .collect();
    (ids, got["data"].clone())
}

/// Six conversations of `cc`, one per 100 ms, mixing types, states and agents (bob leaves
/// `b` before it ends), and one of another call center with the same agent names.
async fn fixture(store: &sb_store::StoreHandle, cc: &str, other: &str) {
    let mut b = running("b", cc, "queue", 200, &["alice", "bob"]);
    b.members[2].end_time = Some(230);
    save(
        store,
        vec![
            running("a", cc, "queue", 100, &["alice"]),
            completed(b, 250),
            running("c", cc, "call_out", 300, &["bob"]),
            completed(
                running("d", cc, "call_agent", 400, &["carol", "alice"]),
                450,
            ),
            completed(running("e", cc, "call_out", 500, &[]), 550),
            running("f", cc, "call_in", 600, &["alice"]),
            running("x", other, "queue", 350, &["alice", "bob"]),
        ],
    )
    .await;
}

#[actix_rt::test]
async fn each_filter_narrows_the_list() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, _) = create_callcenter(&app, "b").await;
    fixture(&store, &cc, &other).await;

    let cases: [(&str, &[&str]); 13] = [
        ("", &["f", "e", "d", "c", "b", "a"]),
        ("state=running", &["f", "c", "a"]),
        ("state=completed", &["e", "d", "b"]),
        ("agent=alice", &["f", "d", "b", "a"]),
        // A member that left before the end still counts.
        ("agent=bob", &["c", "b"]),
        ("agent=nobody", &[]),
        ("type=queue", &["b", "a"]),
        ("type=call_out", &["e", "c"]),
        ("type=call_agent", &["d"]),
        ("type=call_in", &["f"]),
        ("begin_from=300", &["f", "e", "d", "c"]),
        ("begin_from=200&begin_to=500", &["d", "c", "b"]),
        (
            "state=completed&agent=alice&type=queue&begin_to=300",
            &["b"],
        ),
    ];
    for (query, want) in cases {
        let (ids, data) = list(&app, &token, query).await;
        assert_eq!(ids, want, "{query}");
        assert_eq!(data["totalCount"], want.len(), "{query}");
    }
    // The rows are full conversations, as GET /conversation/{id} shows them.
    let (_, data) = list(&app, &token, "type=call_agent").await;
    let d = &data["result"][0];
    assert_eq!(
        (&d["state"], &d["end_reason"], &d["channel_id"]),
        (&json!("completed"), &json!("member_left"), &Value::Null)
    );
    assert_eq!(d["members"].as_array().map(Vec::len), Some(3));
}

#[actix_rt::test]
async fn filters_arrive_in_a_body_too_and_in_the_long_form() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, _) = create_callcenter(&app, "b").await;
    fixture(&store, &cc, &other).await;
    let req = TestRequest::get()
        .uri(&format!("/v1/callcenter/{cc}/conversation"))
        .insert_header(bearer(&token))
        .set_json(json!({"agent": "bob", "state": "running"}));
    let (status, got) = call(&app, req).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["result"][0]["id"], "c");
    assert_eq!(got["data"]["totalCount"], 1);
}

#[actix_rt::test]
async fn pages_carry_the_list_envelope() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, _) = create_callcenter(&app, "b").await;
    fixture(&store, &cc, &other).await;

    let (ids, data) = list(&app, &token, "pageNo=2&pageSize=4").await;
    assert_eq!(ids, ["b", "a"]);
    assert_eq!(
        (
            &data["pageSize"],
            &data["startIndex"],
            &data["totalCount"],
            &data["totalPageCount"],
            &data["currentPageNo"],
        ),
        (&json!(4), &json!(4), &json!(6), &json!(2), &json!(2))
    );
    let (ids, data) = list(&app, &token, "agent=alice&pageSize=3").await;
    assert_eq!(ids, ["f", "d", "b"]);
    assert_eq!(
        (&data["totalCount"], &data["totalPageCount"]),
        (&json!(4), &json!(2))
    );
    let (ids, data) = list(&app, &token, "pageNo=9").await;
    assert!(ids.is_empty());
    assert_eq!(data["totalCount"], 6);
    let (_, data) = list(&app, &token, "").await;
    assert_eq!(data["pageSize"], 20, "the default page size");
}

#[actix_rt::test]
async fn another_call_centers_conversations_never_show() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, other_token) = create_callcenter(&app, "b").await;
    fixture(&store, &cc, &other).await;
    let (ids, _) = list(&app, &token, "begin_from=350&begin_to=351").await;
    assert!(ids.is_empty(), "{ids:?}");
    let (ids, _) = list(&app, &other_token, "agent=alice").await;
    assert_eq!(ids, ["x"]);
    let (_, fresh) = create_callcenter(&app, "c").await;
    let (ids, data) = list(&app, &fresh, "").await;
    assert!(ids.is_empty());
    assert_eq!(data["totalCount"], 0);
}

#[actix_rt::test]
async fn bad_filters_are_400_naming_the_parameter() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let long_name = format!("agent={}", "a".repeat(33));
    let cases = [
        ("state=ended", "`state`"),
        ("state=Running", "`state`"),
        ("type=callout", "`type`"),
        ("agent=al%20ice", "`agent`"),
        (long_name.as_str(), "`agent`"),
        ("begin_from=yesterday", "`begin_from`"),
        ("begin_to=-5", "`begin_to`"),
        ("begin_from=500&begin_to=400", "`begin_to`"),
        ("begin_from=500&begin_to=500", "`begin_to`"),
        ("pageNo=0", "`pageNo`"),
        ("pageSize=2001", "`pageSize`"),
        ("stat=running", "`stat`"),
    ];
    for (query, needle) in cases {
        let req = TestRequest::get()
            .uri(&format!("/v1/callcenter/conversation?{query}"))
            .insert_header(bearer(&token));
        assert_error(&call(&app, req).await, 400, needle);
    }
}
