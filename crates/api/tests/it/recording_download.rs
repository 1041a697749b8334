//! A recording's WAV: `GET /callcenter/recording/{id}/file`, or `GET …/recording/{id}` with
//! `Accept: audio/wav`; `Content-Type`, `Content-Length`, and single byte ranges (206, 416).

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use sb_media::wav::{self, WavEncoding};
use sb_store::{CallCenterId, FileLibrary};

use crate::common::*;
use crate::recording_metadata::{get, ivr, save_recordings};

/// A recording's WAV: `ms` of a ramp at 8 kHz, as the recorder writes it.
fn recorded_wav(ms: usize) -> Vec<u8> {
    let samples: Vec<i16> = (0..ms * 8).map(|i| (i % 3000) as i16 - 1500).collect();
    wav::encode(&samples, WavEncoding::Pcm16)
}

/// A call center with one recording, `rec.wav`, `ms` long; returns the app, its id, token
/// and the WAV's bytes.
async fn seeded(
    ms: usize,
) -> (
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
    String,
    String,
    Vec<u8>,
) {
    let st = state();
    let (store, files) = (st.store.clone(), st.files.clone().expect("a file library"));
    let app = app(st).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let bytes = recorded_wav(ms);
    put_file(&files, &cc, "rec.wav", &bytes);
    let mut row = ivr("rec.wav", &cc, "leg", 1_000, ms as u64);
    row.bytes = bytes.len() as u64;
    save_recordings(&store, vec![row]).await;
    (app, cc, token, bytes)
}

pub fn put_file(files: &FileLibrary, cc: &str, name: &str, bytes: &[u8]) {
    files
        .put(&CallCenterId(cc.into()), name, bytes)
        .expect("file written");
}

/// An answer: its status, headers and body.
struct Fetched {
    status: u16,
    headers: actix_web::http::header::HeaderMap,
    /// What the HTTP/1 encoder will send as `Content-Length` (it writes the header itself
    /// from the body's declared size, so the header map never holds it).
    content_length: Option<u64>,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    }
}

async fn fetch<S, B>(app: &S, req: TestRequest) -> Fetched
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let content_length = match res.response().body().size() {
        actix_web::body::BodySize::Sized(n) => Some(n),
        _ => None,
    };
    let body = test::read_body(res).await.to_vec();
    Fetched {
        status,
        headers,
        content_length,
        body,
    }
}

#[actix_rt::test]
async fn the_file_route_serves_the_whole_wav_in_both_path_forms() {
    // 10 s: several read chunks, so the streamed body is checked across chunk edges.
    let (app, cc, token, bytes) = seeded(10_000).await;
    for uri in [
        "/v1/callcenter/recording/rec.wav/file".to_owned(),
        format!("/v1/callcenter/{cc}/recording/rec.wav/file"),
    ] {
        let got = fetch(&app, get(&uri, &token)).await;
        assert_eq!(got.status, 200, "{uri}");
        assert_eq!(got.header("content-type").as_deref(), Some("audio/wav"));
        assert_eq!(got.content_length, Some(bytes.len() as u64));
        assert_eq!(got.header("accept-ranges").as_deref(), Some("bytes"));
        assert!(got.body == bytes, "{uri}: the stored bytes, unchanged");
        assert_eq!(wav::decode(&got.body).expect("a WAV").len(), 80_000);
    }
}

#[actix_rt::test]
async fn accept_audio_wav_turns_the_metadata_route_into_a_download() {
    let (app, cc, token, bytes) = seeded(500).await;
    let uri = format!("/v1/callcenter/{cc}/recording/rec.wav");
    for accept in [
        "audio/wav",
        "audio/x-wav, application/json;q=0.5",
        "audio/*",
    ] {
        let req = get(&uri, &token).insert_header(("Accept", accept));
        let got = fetch(&app, req).await;
        assert_eq!(got.status, 200, "{accept}");
        assert_eq!(
            got.header("content-type").as_deref(),
            Some("audio/wav"),
            "{accept}"
        );
        assert!(got.body == bytes, "{accept}");
    }
    for accept in ["application/json", "application/json, audio/wav;q=0.1"] {
        let req = get(&uri, &token).insert_header(("Accept", accept));
        let (status, got) = call(&app, req).await;
        assert_eq!(
            (status, &got["data"]["id"]),
            (200, &"rec.wav".into()),
            "{accept}"
        );
    }
    // A Range goes with the WAV on this route too.
    let req = get(&uri, &token)
        .insert_header(("Accept", "audio/wav"))
        .insert_header(("Range", "bytes=0-43"));
    let got = fetch(&app, req).await;
    assert_eq!(got.status, 206);
    assert_eq!(
        got.header("content-range"),
        Some(format!("bytes 0-43/{}", bytes.len()))
    );
    assert_eq!(got.body, bytes[..44]);
}

#[actix_rt::test]
async fn a_range_serves_that_part() {
    let (app, _, token, bytes) = seeded(1_000).await;
    let size = bytes.len();
    let ranged = |range: &str| {
        get("/v1/callcenter/recording/rec.wav/file", &token)
            .insert_header(("Range", range.to_owned()))
    };
    let cases = [
        ("bytes=100-199", 100..200),
        ("bytes=15000-", 15_000..size),
        ("bytes=-44", size - 44..size),
        ("bytes=16000-99999", 16_000..size),
    ];
    for (range, want) in cases {
        let got = fetch(&app, ranged(range)).await;
        assert_eq!(got.status, 206, "{range}");
        assert_eq!(
            got.header("content-range"),
            Some(format!("bytes {}-{}/{size}", want.start, want.end - 1)),
            "{range}"
        );
        assert_eq!(got.content_length, Some(want.len() as u64), "{range}");
        assert_eq!(got.header("content-type").as_deref(), Some("audio/wav"));
        assert!(got.body == bytes[want.clone()], "{range}");
    }
    // Several ranges, or a header that does not parse, get the whole file.
    for range in ["bytes=0-1,10-11", "bytes=9-2", "lines=1-2"] {
        let got = fetch(&app, ranged(range)).await;
        assert_eq!(got.status, 200, "{range}");
        assert_eq!(got.header("content-range"), None);
        assert_eq!(got.body.len(), size, "{range}");
    }
}

#[actix_rt::test]
async fn a_range_past_the_end_is_416_with_the_size() {
    let (app, _, token, bytes) = seeded(100).await;
    let size = bytes.len();
    let req = get("/v1/callcenter/recording/rec.wav/file", &token)
        .insert_header(("Range", format!("bytes={size}-")));
    let res = test::call_service(&app, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 416);
    assert_eq!(
        res.headers()
            .get("content-range")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("bytes */{size}")
    );
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["code"], "416001");
    assert!(body["data"].is_null());
    assert!(
        body["msg"].as_str().unwrap().contains(&size.to_string()),
        "{body}"
    );
}

#[actix_rt::test]
async fn deleting_the_call_center_deletes_its_files_on_disk() {
    let st = state();
    let files = st.files.clone().expect("a file library");
    let app = app(st).await;
    let (cc, _) = create_callcenter(&app, "gone").await;
    let (other, _) = create_callcenter(&app, "kept").await;
    put_file(&files, &cc, "rec.wav", &recorded_wav(100));
    put_file(&files, &other, "rec.wav", &recorded_wav(100));
    let req = TestRequest::delete()
        .uri(&format!("/v1/callcenters/{cc}"))
        .insert_header(bearer(ADMIN));
    assert_eq!(call(&app, req).await.0, 200);
    assert!(files.list(&CallCenterId(cc)).unwrap().is_empty());
    assert_eq!(
        files.list(&CallCenterId(other)).unwrap().len(),
        1,
        "another call center's files stay"
    );
}

#[actix_rt::test]
async fn head_tells_the_size_without_a_download() {
    let (app, _, token, bytes) = seeded(100).await;
    let req = TestRequest::default()
        .method(actix_web::http::Method::HEAD)
        .uri("/v1/callcenter/recording/rec.wav/file")
        .insert_header(bearer(&token));
    let got = fetch(&app, req).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type").as_deref(), Some("audio/wav"));
    assert_eq!(got.header("accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(got.content_length, Some(bytes.len() as u64));
}

#[actix_rt::test]
async fn if_range_serves_the_range_only_for_the_current_file() {
    let (app, _, token, bytes) = seeded(100).await;
    let uri = "/v1/callcenter/recording/rec.wav/file";
    let etag = fetch(&app, get(uri, &token))
        .await
        .header("etag")
        .expect("an entity tag");
    let ranged = |if_range: &str| {
        get(uri, &token)
            .insert_header(("Range", "bytes=0-9"))
            .insert_header(("If-Range", if_range.to_owned()))
    };
    let same = fetch(&app, ranged(&etag)).await;
    assert_eq!(same.status, 206);
    assert_eq!(same.body, bytes[..10]);
    for stale in ["\"0-0\"", "Sat, 01 Jan 2000 00:00:00 GMT"] {
        let whole = fetch(&app, ranged(stale)).await;
        assert_eq!(whole.status, 200, "{stale}: the whole file instead");
        assert!(whole.body == bytes);
    }
}
