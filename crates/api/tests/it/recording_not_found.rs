//! Recordings that cannot be had: unknown ids, ids that could never be a recording's, another
//! call center's (in either path form, on every recording route), and a row whose file is
//! gone, which says so rather than looking unknown.

use sb_store::CallCenterId;

use crate::common::*;
use crate::recording_download::put_file;
use crate::recording_metadata::{get, ivr, save_recordings};

#[actix_rt::test]
async fn unknown_and_malformed_ids_are_404() {
    let app = app(state()).await;
    let (_, token) = create_callcenter(&app, "a").await;
    for uri in [
        "/v1/callcenter/recording/nope.wav",
        "/v1/callcenter/recording/nope.wav/file",
    ] {
        assert_error(
            &call(&app, get(uri, &token)).await,
            404,
            "recording nope.wav not found",
        );
    }
    // Names no library file can have are as unknown as any other.
    for odd in [".hidden", "a%20b", &"x".repeat(129)] {
        let uri = format!("/v1/callcenter/recording/{odd}");
        assert_error(&call(&app, get(&uri, &token)).await, 404, "recording");
    }
}

#[actix_rt::test]
async fn another_call_centers_recordings_are_out_of_reach() {
    let st = state();
    let (store, files) = (st.store.clone(), st.files.clone().unwrap());
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (other, other_token) = create_callcenter(&app, "b").await;
    put_file(&files, &other, "theirs.wav", b"RIFF....");
    save_recordings(&store, vec![ivr("theirs.wav", &other, "leg", 1, 10)]).await;

    for suffix in ["", "/file"] {
        let short = format!("/v1/callcenter/recording/theirs.wav{suffix}");
        assert_error(
            &call(&app, get(&short, &token)).await,
            404,
            "recording theirs.wav not found",
        );
        let wav = get(&short, &token).insert_header(("Accept", "audio/wav"));
        assert_error(
            &call(&app, wav).await,
            404,
            "recording theirs.wav not found",
        );
        // Naming the other call center in the long form does not help.
        let long = format!("/v1/callcenter/{other}/recording/theirs.wav{suffix}");
        assert_error(&call(&app, get(&long, &token)).await, 404, "callcenter");
    }
    // Its own call center still reaches it.
    let (status, theirs) = call(
        &app,
        get("/v1/callcenter/recording/theirs.wav", &other_token),
    )
    .await;
    assert_eq!((status, &theirs["data"]["id"]), (200, &"theirs.wav".into()));
    let (status, list) = call(&app, get("/v1/callcenter/recording", &token)).await;
    assert_eq!((status, &list["data"]["totalCount"]), (200, &0.into()));
    let mine = format!("/v1/callcenter/{cc}/recording/theirs.wav");
    assert_error(
        &call(&app, get(&mine, &token)).await,
        404,
        "recording theirs.wav not found",
    );
}

#[actix_rt::test]
async fn a_row_whose_file_is_gone_says_so() {
    let st = state();
    let (store, files) = (st.store.clone(), st.files.clone().unwrap());
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    put_file(&files, &cc, "rec.wav", b"RIFF....WAVE");
    save_recordings(&store, vec![ivr("rec.wav", &cc, "leg", 1, 10)]).await;
    let (status, _) = call(&app, get("/v1/callcenter/recording/rec.wav", &token)).await;
    assert_eq!(status, 200);

    // Deleted behind the record's back (here through the media files API).
    let delete = actix_web::test::TestRequest::delete()
        .uri("/v1/callcenter/media/rec.wav")
        .insert_header(bearer(&token));
    assert_eq!(call(&app, delete).await.0, 200);
    assert!(files
        .stat(&CallCenterId(cc.clone()), "rec.wav")
        .unwrap()
        .is_none());

    let gone = "exists, but its file rec.wav is no longer";
    let file = call(&app, get("/v1/callcenter/recording/rec.wav/file", &token)).await;
    assert_error(&file, 404, gone);
    assert_eq!(file.1["code"], "404003", "not the unknown-id code");
    let wav =
        get("/v1/callcenter/recording/rec.wav", &token).insert_header(("Accept", "audio/wav"));
    assert_error(&call(&app, wav).await, 404, gone);
    // The metadata is still there.
    let (status, meta) = call(&app, get("/v1/callcenter/recording/rec.wav", &token)).await;
    assert_eq!((status, &meta["data"]["id"]), (200, &"rec.wav".into()));
}
