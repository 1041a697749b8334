//! `GET /callcenter/recording`: the paged list of a call center's recordings, newest first,
//! narrowed by `conversation_id`, `call_id`, `kind` and the `begin_from`/`begin_to` range; bad
//! values are 400s naming the parameter; another call center's rows never show.

use actix_web::test::TestRequest;
use serde_json::Value;

use crate::common::*;
use crate::recording_metadata::{conversation, get, ivr, save_recordings};

/// Lists with `query` in `form` (`""` short, or `/{cc}` long); returns the ids and the data.
async fn list<S, B>(app: &S, token: &str, form: &str, query: &str) -> (Vec<String>, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let uri = format!("/v1/callcenter{form}/recording?{query}");
    let (status, got) = call(app, get(&uri, token)).await;
    assert_eq!(status, 200, "{query}: {got}");
    let ids = got["data"]["result"]
        .as_array()
        .expect("a result list")
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_owned())
        .collect();
    (ids, got["data"].clone())
}

/// Six recordings of `cc`, one per 100 ms, and one of `other` on the same call and
/// conversation ids.
async fn fixture(store: &sb_store::StoreHandle, cc: &str, other: &str) {
    save_recordings(
        store,
        vec![
            ivr("a.wav", cc, "leg-1", 100, 10),
            conversation("b.wav", cc, "conv-1", 200, 10),
            ivr("c.wav", cc, "leg-1", 300, 10),
            conversation("d.wav", cc, "conv-2", 400, 10),
            ivr("e.wav", cc, "leg-2", 500, 10),
            conversation("f.wav", cc, "conv-1", 600, 10),
            ivr("x.wav", other, "leg-1", 350, 10),
            conversation("y.wav", other, "conv-1", 450, 10),
        ],
    )
    .await;
}

#[actix_rt::test]
async fn each_filter_narrows_the_list_in_both_path_forms() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, _) = create_callcenter(&app, "b").await;
    fixture(&store, &cc, &other).await;
    let long = format!("/{cc}");
    let cases: [(&str, &[&str]); 9] = [
        ("", &["f.wav", "e.wav", "d.wav", "c.wav", "b.wav", "a.wav"]),
        ("kind=ivr", &["e.wav", "c.wav", "a.wav"]),
        ("kind=conversation", &["f.wav", "d.wav", "b.wav"]),
        ("conversation_id=conv-1", &["f.wav", "b.wav"]),
        ("call_id=leg-1", &["c.wav", "a.wav"]),
        ("begin_from=300", &["f.wav", "e.wav", "d.wav", "c.wav"]),
        ("begin_to=300", &["b.wav", "a.wav"]),
        (
            "begin_from=200&begin_to=500&kind=conversation",
            &["d.wav", "b.wav"],
        ),
        ("call_id=leg-1&kind=conversation", &[]),
    ];
    for (query, want) in cases {
        for form in ["", long.as_str()] {
            let (ids, data) = list(&app, &token, form, query).await;
            assert_eq!(ids, want, "{form} ?{query}");
            assert_eq!(data["totalCount"], want.len(), "{query}");
        }
    }
    // Filters may come as a JSON body too, as every parameter may.
    let req = get("/v1/callcenter/recording", &token)
        .set_json(serde_json::json!({"kind": "ivr", "call_id": "leg-2"}));
    let (status, got) = call(&app, req).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["result"][0]["id"], "e.wav");
}

#[actix_rt::test]
async fn pages_count_every_matching_row() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, _) = create_callcenter(&app, "b").await;
    fixture(&store, &cc, &other).await;
    let (ids, data) = list(&app, &token, "", "pageNo=2&pageSize=4").await;
    assert_eq!(ids, ["b.wav", "a.wav"]);
    assert_eq!(data["pageSize"], 4);
    assert_eq!(data["startIndex"], 4);
    assert_eq!(data["totalCount"], 6);
    assert_eq!(data["totalPageCount"], 2);
    assert_eq!(data["currentPageNo"], 2);
    let (ids, data) = list(&app, &token, "", "kind=ivr&pageSize=2").await;
    assert_eq!(ids, ["e.wav", "c.wav"]);
    assert_eq!(
        (data["totalCount"].as_u64(), data["totalPageCount"].as_u64()),
        (Some(3), Some(2))
    );
    let (ids, data) = list(&app, &token, "", "pageNo=9").await;
    assert!(ids.is_empty());
    assert_eq!(data["totalCount"], 6);
}

#[actix_rt::test]
async fn bad_values_are_400_naming_the_parameter() {
    let app = app(state()).await;
    let (_, token) = create_callcenter(&app, "a").await;
    let long_id = "x".repeat(300);
    let cases = [
        ("kind=video".to_owned(), "`kind`"),
        ("kind=IVR".to_owned(), "`kind`"),
        ("begin_from=yesterday".to_owned(), "`begin_from`"),
        ("begin_to=-1".to_owned(), "`begin_to`"),
        ("begin_from=500&begin_to=500".to_owned(), "`begin_to`"),
        (format!("call_id={long_id}"), "`call_id`"),
        (format!("conversation_id={long_id}"), "`conversation_id`"),
        ("pageSize=2001".to_owned(), "`pageSize`"),
        ("pageNo=0".to_owned(), "`pageNo`"),
        ("type=ivr".to_owned(), "`type`"),
    ];
    for (query, name) in cases {
        let req = TestRequest::get()
            .uri(&format!("/v1/callcenter/recording?{query}"))
            .insert_header(bearer(&token));
        assert_error(&call(&app, req).await, 400, name);
    }
}
