//! SPEC §3 admin endpoints for call centers.

use actix_web::test::TestRequest;

use crate::common::*;

#[actix_rt::test]
async fn create_get_update_list_delete() {
    let app = app(state()).await;
    let (status, body) = call(
        &app,
        TestRequest::post()
            .uri("/v1/callcenters")
            .insert_header(bearer(ADMIN))
            .set_json(serde_json::json!({
                "name": "support", "ivr_url": "http://127.0.0.1:9000/ivr",
                "settings": {"max_no_answer": 5, "outbound_patterns": ["1NXXNXXXXXX"]}
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    let id = data["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(data["token"].as_str().unwrap().starts_with("sb_"));
    assert_eq!(data["settings"]["max_no_answer"], 5);
    assert_eq!(
        data["settings"]["keepalive_timeout"], 120,
        "defaults fill the rest"
    );

    let (status, body) = call(
        &app,
        TestRequest::post()
            .uri(&format!("/v1/callcenters/{id}"))
            .insert_header(bearer(ADMIN))
            .set_json(
                serde_json::json!({"callback_url": "https://hooks.example.com/x", "ivr_url": null}),
            ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["callback_url"], "https://hooks.example.com/x");
    assert!(body["data"]["ivr_url"].is_null(), "null clears");
    assert_eq!(body["data"]["name"], "support", "absent fields are kept");
    assert_eq!(body["data"]["settings"]["max_no_answer"], 5);

    let (_, body) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenters/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(body["data"]["callback_url"], "https://hooks.example.com/x");
    assert!(body["data"].get("token").is_none());

    for n in 0..4 {
        create_callcenter(&app, &format!("cc{n}")).await;
    }
    let (_, body) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenters?pageNo=2&pageSize=2")
            .insert_header(bearer(ADMIN)),
    )
    .await;
    let page = &body["data"];
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["totalPageCount"], 3);
    assert_eq!(page["currentPageNo"], 2);
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["pageSize"], 2);
    assert_eq!(page["result"].as_array().unwrap().len(), 2);

    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenters?pageSize=5000")
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 400, "`pageSize`");

    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/v1/callcenters/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenters/{id}"))
            .insert_header(bearer(ADMIN)),
    )
    .await;
    assert_error(&got, 404, &id);
}
