//! `GET /callcenter/conversation/{id}`: a conversation as the engine recorded it, running or
//! completed, in both path forms; 404 for an unknown id or another call center's; and the
//! same path still dissolves with DELETE.

use actix_web::test::TestRequest;
use sb_store::{CallCenterId, ConversationRow, MemberRow, StoreHandle};
use serde_json::json;

use crate::common::*;

/// An agent member that is still in.
pub fn agent(name: &str, begin: u64) -> MemberRow {
    MemberRow {
        name: Some(name.into()),
        extension_id: Some(format!("ext-{name}")),
        call_id: format!("leg-{name}"),
        mode: 1,
        begin_time: begin,
        end_time: None,
    }
}

/// A running conversation of `cc`: a customer, then `agents`.
pub fn running(id: &str, cc: &str, kind: &str, begin: u64, agents: &[&str]) -> ConversationRow {
    let customer = MemberRow {
        name: None,
        extension_id: None,
        call_id: format!("cust-{id}"),
        mode: 1,
        begin_time: begin,
        end_time: None,
    };
    let mut members = vec![customer];
    members.extend(agents.iter().map(|a| agent(a, begin + 10)));
    ConversationRow {
        id: id.into(),
        callcenter_id: CallCenterId(cc.into()),
        kind: kind.into(),
        state: "running".into(),
        queue_id: None,
        condition_id: None,
        agent_call_id: None,
        begin_time: begin,
        end_time: None,
        end_reason: None,
        record_file: None,
        members,
    }
}

/// `row` ended at `end` because a member left, as did everyone in it.
pub fn completed(mut row: ConversationRow, end: u64) -> ConversationRow {
    row.state = "completed".into();
    row.end_time = Some(end);
    row.end_reason = Some("member_left".into());
    for m in &mut row.members {
        m.end_time.get_or_insert(end);
    }
    row
}

pub async fn save(store: &StoreHandle, rows: Vec<ConversationRow>) {
    store
        .run(move |s| s.save_conversations(&rows))
        .await
        .expect("conversations saved");
}

fn get(uri: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(uri).insert_header(bearer(token))
}

#[actix_rt::test]
async fn a_running_conversation_has_the_spec_shape() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let mut row = running("conv1", &cc, "queue", 1_000, &["alice"]);
    row.queue_id = Some("task1".into());
    row.condition_id = Some("cond1".into());
    row.members[1].mode = 4;
    save(&store, vec![row]).await;

    for uri in [
        "/v1/callcenter/conversation/conv1".to_owned(),
        format!("/v1/callcenter/{cc}/conversation/conv1"),
    ] {
        let (status, got) = call(&app, get(&uri, &token)).await;
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["code"], "000000");
        assert_eq!(
            got["data"],
            json!({
                "id": "conv1", "type": "queue", "state": "running", "channel_id": null,
                "queue_id": "task1", "condition_id": "cond1", "begin_time": 1_000,
                "end_time": null, "end_reason": null, "agent_call_id": null,
                "members": [
                    {"call_id": "cust-conv1", "mode": 1, "begin_time": 1_000, "end_time": null},
                    {"name": "alice", "extension_id": "ext-alice", "call_id": "leg-alice",
                     "mode": 4, "begin_time": 1_010, "end_time": null},
                ],
            }),
            "{uri}"
        );
    }
}

#[actix_rt::test]
async fn a_completed_conversation_keeps_members_that_left_and_its_recording() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let mut row = running("out1", &cc, "call_out", 2_000, &["bob"]);
    row.agent_call_id = Some("leg-bob".into());
    row.members.push(MemberRow {
        end_time: Some(2_500),
        ..agent("carol", 2_100)
    });
    let mut row = completed(row, 3_000);
    row.end_reason = Some("dissolved".into());
    row.record_file = Some("rec-out1".into());
    save(&store, vec![row]).await;

    let (status, got) = call(&app, get("/v1/callcenter/conversation/out1", &token)).await;
    assert_eq!(status, 200, "{got}");
    let data = &got["data"];
    assert_eq!(
        (&data["state"], &data["end_time"], &data["end_reason"]),
        (&json!("completed"), &json!(3_000), &json!("dissolved"))
    );
    assert_eq!(data["type"], "call_out");
    assert_eq!(data["agent_call_id"], "leg-bob");
    assert_eq!(data["record_file"], "rec-out1");
    let ends: Vec<_> = data["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["call_id"].clone(), m["end_time"].clone()))
        .collect();
    assert_eq!(
        ends,
        [
            (json!("cust-out1"), json!(3_000)),
            (json!("leg-bob"), json!(3_000)),
            (json!("leg-carol"), json!(2_500)),
        ]
    );
}

#[actix_rt::test]
async fn unknown_and_other_call_centers_conversations_are_404() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, other_token) = create_callcenter(&app, "b").await;
    save(
        &store,
        vec![
            running("mine", &cc, "queue", 1_000, &["alice"]),
            running("theirs", &other, "queue", 1_000, &["alice"]),
        ],
    )
    .await;

    let unknown = call(&app, get("/v1/callcenter/conversation/nope", &token)).await;
    assert_error(&unknown, 404, "conversation nope not found");
    let theirs = call(&app, get("/v1/callcenter/conversation/theirs", &token)).await;
    assert_error(&theirs, 404, "conversation theirs not found");
    // Naming the other call center in the long form does not help its neighbour's token.
    let long = call(
        &app,
        get(
            &format!("/v1/callcenter/{other}/conversation/theirs"),
            &token,
        ),
    )
    .await;
    assert_error(&long, 404, "callcenter");
    // An id that could never be a conversation's is just as unknown.
    let odd = call(&app, get("/v1/callcenter/conversation/a%20b", &token)).await;
    assert_error(&odd, 404, "conversation");
    // Each call center still sees its own.
    let (status, got) = call(
        &app,
        get("/v1/callcenter/conversation/theirs", &other_token),
    )
    .await;
    assert_eq!((status, &got["data"]["id"]), (200, &json!("theirs")));
}

#[actix_rt::test]
async fn get_and_delete_share_the_path() {
    let st = state();
    let store = st.store.clone();
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    save(
        &store,
        vec![running("conv1", &cc, "queue", 1_000, &["alice"])],
    )
    .await;
    for prefix in ["/v1/callcenter".to_owned(), format!("/v1/callcenter/{cc}")] {
        let uri = format!("{prefix}/conversation/conv1");
        let (status, got) = call(&app, get(&uri, &token)).await;
        assert_eq!(status, 200, "{got}");
        // This server runs without the call engine: DELETE reaches the dissolve handler,
        // which says so, rather than being refused as a method the path lacks.
        let dissolve = TestRequest::delete()
            .uri(&uri)
            .insert_header(bearer(&token));
        assert_error(&call(&app, dissolve).await, 503, "call engine");
        let post = TestRequest::post()
            .uri(&uri)
            .insert_header(bearer(&token))
            .set_json(json!({}));
        assert_error(&call(&app, post).await, 405, "POST");
    }
}
