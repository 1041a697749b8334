//! SPEC §3 media files: WAV validated on upload and stored in the engine's format.

use actix_web::test::TestRequest;

use crate::common::*;

/// A 16-bit PCM WAV of a 440 Hz tone, `seconds` long, at `rate` with `channels`.
fn wav(rate: u32, channels: u16, seconds: f64) -> Vec<u8> {
    let frames = (f64::from(rate) * seconds) as usize;
    let mut data = Vec::with_capacity(frames * 2 * usize::from(channels));
    for i in 0..frames {
        let v = (f64::sin(i as f64 * 2.0 * std::f64::consts::PI * 440.0 / f64::from(rate)) * 8000.0)
            as i16;
        for _ in 0..channels {
            data.extend_from_slice(&v.to_le_bytes());
        }
    }
    let block = 2 * channels;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

#[actix_rt::test]
async fn upload_converts_to_8khz_and_lists_gets_downloads_deletes() {
    let app = app(state()).await;
    let (cc, token) = create_callcenter(&app, "a").await;
    let (status, got) = call(
        &app,
        TestRequest::put()
            .uri("/v1/callcenter/media/hold.wav")
            .insert_header(bearer(&token))
            .insert_header(("Content-Type", "audio/wav"))
            .set_payload(wav(16_000, 2, 1.5)),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["name"], "hold.wav");
    assert_eq!(got["data"]["duration_ms"], 1500);
    assert_eq!(
        got["data"]["size"],
        44 + 12_000 * 2,
        "stored as 8 kHz 16-bit mono"
    );

    let (_, list) = call(
        &app,
        TestRequest::get()
            .uri(&format!("/v1/callcenter/{cc}/media"))
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    let res = actix_web::test::call_service(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/media/hold.wav")
            .insert_header(bearer(&token))
            .insert_header(("Accept", "audio/wav"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("content-type").unwrap(), "audio/wav");
    let body = actix_web::test::read_body(res).await;
    assert_eq!(&body[..4], b"RIFF");
    assert_eq!(sb_media::wav::decode(&body).unwrap().len(), 12_000);

    let (status, _) = call(
        &app,
        TestRequest::delete()
            .uri("/v1/callcenter/media/hold.wav")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/media/hold.wav")
            .insert_header(bearer(&token)),
    )
    .await;
    assert_error(&got, 404, "hold.wav");
}

#[actix_rt::test]
async fn bad_uploads_say_what_was_wrong() {
    let app = app(state()).await;
    let (_cc, token) = create_callcenter(&app, "a").await;
    let put = |name: &str, ct: &str, body: Vec<u8>| {
        TestRequest::put()
            .uri(&format!("/v1/callcenter/media/{name}"))
            .insert_header(bearer(&token))
            .insert_header(("Content-Type", ct.to_owned()))
            .set_payload(body)
    };
    let got = call(
        &app,
        put("x.wav", "audio/wav", b"not a wave file at all".to_vec()),
    )
    .await;
    assert_error(&got, 400, "not a playable WAV file");
    let mut truncated = wav(8_000, 1, 0.5);
    truncated.truncate(30);
    let got = call(&app, put("x.wav", "audio/wav", truncated)).await;
    assert_error(&got, 400, "`body`");
    let got = call(&app, put("x.wav", "text/plain", wav(8_000, 1, 0.1))).await;
    assert_error(&got, 415, "text/plain");
    let got = call(&app, put(".hidden.wav", "audio/wav", wav(8_000, 1, 0.1))).await;
    assert_error(&got, 400, "`file_name`");
    let got = call(
        &app,
        put("..%2Fescape.wav", "audio/wav", wav(8_000, 1, 0.1)),
    )
    .await;
    assert!(got.0 == 400 || got.0 == 404, "{got:?}");
}

#[actix_rt::test]
async fn another_tenants_files_are_invisible() {
    let app = app(state()).await;
    let (_a, token_a) = create_callcenter(&app, "a").await;
    let (_b, token_b) = create_callcenter(&app, "b").await;
    let (status, _) = call(
        &app,
        TestRequest::put()
            .uri("/v1/callcenter/media/wait.wav")
            .insert_header(bearer(&token_a))
            .set_payload(wav(8_000, 1, 0.2)),
    )
    .await;
    assert_eq!(status, 200);
    let got = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/media/wait.wav")
            .insert_header(bearer(&token_b)),
    )
    .await;
    assert_error(&got, 404, "wait.wav");
    let (_, list) = call(
        &app,
        TestRequest::get()
            .uri("/v1/callcenter/media")
            .insert_header(bearer(&token_b)),
    )
    .await;
    assert_eq!(list["data"], serde_json::json!([]));
}
