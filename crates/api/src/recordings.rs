//! Recordings (SPEC §3, §7, §10): `GET /callcenter/recording` (the filtered, paged list),
//! `GET /callcenter/recording/{id}` (metadata, or the WAV with `Accept: audio/wav`) and
//! `GET /callcenter/recording/{id}/file` (the WAV).
//!
//! The rows are the engine's records of finished recordings ([`sb_store::RecordingRow`]); the
//! audio is the WAV they name in the call center's file library, streamed from disk in chunks
//! with single-range `Range` support ([`crate::byte_range`]) so a player can seek in a long
//! conversation without the server reading it whole.

use std::io::{Read as _, Seek as _, SeekFrom};

use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::Stream;
use sb_store::files::valid_file_name;
use sb_store::{CallCenterId, FileLibrary, RecordingFilter, RecordingKind, RecordingRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::byte_range::{self, ByteRange};
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::{IdPath, PageOf, Paging, Params};
use crate::{crud, AppState};

/// The longest `call_id` or `conversation_id` filter value accepted.
pub const ID_FILTER_LIMIT: usize = 256;
/// How much of a WAV one read from disk takes while streaming it.
const CHUNK: u64 = 64 * 1024;
/// The stable code of a `Range` that lies outside the file (HTTP 416).
const RANGE_NOT_SATISFIABLE: &str = "416001";

/// A finished recording.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingView {
    /// The recording's id: an IVR `<record>`'s `record_id`, or a conversation's
    /// `record_file`.
    pub id: String,
    /// What was recorded: `ivr` (a `<record>` action) or `conversation`.
    pub kind: RecordingKind,
    /// The call leg recorded (IVR), or the one that began the conversation; null if unknown.
    pub call_id: Option<String>,
    /// The conversation recorded; null for IVR recordings.
    pub conversation_id: Option<String>,
    /// The WAV's name in the call center's file library.
    pub file: String,
    /// When recording began, ms since the Unix epoch.
    pub begin_time: u64,
    /// When it ended, ms since the Unix epoch.
    pub end_time: u64,
    /// Length of the audio in milliseconds.
    pub duration_ms: u64,
    /// Size of the WAV file in bytes.
    pub bytes: u64,
}

impl From<RecordingRow> for RecordingView {
    fn from(r: RecordingRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            call_id: r.call_id,
            conversation_id: r.conversation_id,
            file: r.file,
            begin_time: r.begin_time,
            end_time: r.end_time,
            duration_ms: r.duration_ms,
            bytes: r.bytes,
        }
    }
}

/// A WAV file: 8 kHz 16-bit mono PCM, as Switchboard records.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct WavFile(pub Vec<u8>);

/// Parameters of the recording list: paging and the filters, each of which narrows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Page number, from 1.
    #[serde(rename = "pageNo")]
    pub page_no: Option<u32>,
    /// Rows per page, ≤ 2000, default 20.
    #[serde(rename = "pageSize")]
    pub page_size: Option<u32>,
    /// Only recordings of this conversation.
    pub conversation_id: Option<String>,
    /// Only recordings of this call leg.
    pub call_id: Option<String>,
    /// Only recordings of this kind.
    pub kind: Option<RecordingKind>,
    /// Only recordings that began at or after this time (ms since the Unix epoch).
    pub begin_from: Option<u64>,
    /// Only recordings that began before this time (ms since the Unix epoch).
    pub begin_to: Option<u64>,
}

fn id_filter(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.trim().is_empty() || v.len() > ID_FILTER_LIMIT => Err(ApiError::bad(
            name,
            format!("must be an id of 1 to {ID_FILTER_LIMIT} characters"),
        )),
        other => Ok(other),
    }
}

impl ListParams {
    /// The validated page and filter.
    pub fn query(self) -> Result<(sb_store::Page, RecordingFilter), ApiError> {
        let page = Paging {
            page_no: self.page_no,
            page_size: self.page_size,
        }
        .page()?;
        crate::params::begin_window(self.begin_from, self.begin_to)?;
        let filter = RecordingFilter {
            conversation_id: id_filter("conversation_id", self.conversation_id)?,
            call_id: id_filter("call_id", self.call_id)?,
            kind: self.kind,
            begin_from: self.begin_from,
            begin_to: self.begin_to,
        };
        Ok((page, filter))
    }
}

/// Lists recordings, newest `begin_time` first.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/recording", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("pageNo" = Option<u32>, Query, description = "Page, from 1"),
           ("pageSize" = Option<u32>, Query, description = "Rows per page, ≤ 2000, default 20"),
           ("conversation_id" = Option<String>, Query, description = "Only recordings of this conversation"),
           ("call_id" = Option<String>, Query, description = "Only recordings of this call leg"),
           ("kind" = Option<RecordingKind>, Query, description = "Only recordings of this kind: `ivr` or `conversation`"),
           ("begin_from" = Option<u64>, Query, description = "Only recordings that began at or after this time (ms since the Unix epoch)"),
           ("begin_to" = Option<u64>, Query, description = "Only recordings that began before this time (ms since the Unix epoch); later than `begin_from`")),
    responses((status = 200, body = Envelope<PageOf<RecordingView>>),
              (status = 400, description = "A paging or filter parameter is not valid; the message names it")),
    security(("callcenter" = [])))]
pub async fn list(
    tenant: Tenant,
    state: web::Data<AppState>,
    Params(p): Params<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, filter) = p.query()?;
    let cc = tenant.id;
    let got = state
        .store
        .run(move |s| s.list_recordings(&cc, &filter, page))
        .await?;
    let rows = got.rows.into_iter().map(RecordingView::from).collect();
    Ok(ok(PageOf::new(page, got.total, rows)))
}

/// One recording: its metadata, or the WAV itself when the request prefers `audio/wav`
/// (as `GET …/recording/{id}/file` answers it).
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/recording/{id}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Recording id (`record_id`, `record_file`)"),
           ("Accept" = Option<String>, Header, description = "`audio/wav` for the WAV instead of the metadata"),
           ("Range" = Option<String>, Header, description = "With `Accept: audio/wav`: one byte range, e.g. `bytes=0-1023`")),
    responses((status = 200, description = "Metadata; the WAV with Accept: audio/wav",
                content((Envelope<RecordingView> = "application/json"), (WavFile = "audio/wav"))),
              (status = 206, description = "With Accept: audio/wav and Range: that part of the WAV", body = WavFile, content_type = "audio/wav"),
              (status = 404, description = "No recording with this id in this call center; or, for the WAV, its file is gone"),
              (status = 416, description = "The Range lies outside the file")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let row = lookup(&state, tenant.id, path.into_inner().id).await?;
    if prefers_wav(req.headers().get(header::ACCEPT)) {
        serve(&state, row, &req).await
    } else {
        Ok(ok(RecordingView::from(row)))
    }
}

/// A recording's WAV, with `Content-Length` and single-range `Range` support.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/recording/{id}/file", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("id" = String, Path, description = "Recording id (`record_id`, `record_file`)"),
           ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023` or `bytes=-44`")),
    responses((status = 200, description = "The WAV", body = WavFile, content_type = "audio/wav"),
              (status = 206, description = "The part of the WAV the Range asked for", body = WavFile, content_type = "audio/wav"),
              (status = 404, description = "No recording with this id in this call center, or its file is gone"),
              (status = 416, description = "The Range lies outside the file")),
    security(("callcenter" = [])))]
pub async fn file(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let row = lookup(&state, tenant.id, path.into_inner().id).await?;
    serve(&state, row, &req).await
}

/// The call center's recording `id`; anything that cannot be a recording id is an unknown one.
async fn lookup(state: &AppState, cc: CallCenterId, id: String) -> Result<RecordingRow, ApiError> {
    if !valid_file_name(&id) {
        return Err(ApiError::not_found("recording", id));
    }
    let key = id.clone();
    crud::one(state, "recording", &id, move |s| s.recording(&cc, &key)).await
}

/// Whether an `Accept` header prefers a WAV to JSON: some audio type is acceptable (q > 0)
/// and no JSON type is preferred to it. No header, or `*/*` alone, means JSON.
pub fn prefers_wav(accept: Option<&HeaderValue>) -> bool {
    let Some(text) = accept.and_then(|a| a.to_str().ok()) else {
        return false;
    };
    let (mut audio, mut json) = (0.0_f32, 0.0_f32);
    for range in text.split(',') {
        let mut parts = range.split(';');
        let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match mime.as_str() {
            "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" | "audio/*" => {
                audio = audio.max(q);
            }
            "application/json" | "application/*" | "*/*" => json = json.max(q),
            _ => {}
        }
    }
    audio > 0.0 && audio >= json
}

fn library(state: &AppState) -> Result<FileLibrary, ApiError> {
    state.files.clone().ok_or(ApiError::Unavailable(
        "recordings are not available: this server has no data directory for files",
    ))
}

fn internal(error: &dyn std::fmt::Display) -> ApiError {
    let reference = uuid::Uuid::new_v4().simple().to_string();
    tracing::error!(%reference, %error, "recording file could not be read");
    ApiError::Internal { reference }
}

/// What opening a recording's file found.
enum Opened {
    /// The file, positioned at the range's start, its whole size and its entity tag.
    Ready(std::fs::File, u64, ByteRange, String),
    /// The file is not in the library.
    Missing,
    /// The range lies outside a file of this size.
    Unsatisfiable(u64),
}

/// Answers with a recording's WAV: all of it, or the one range the request asks for.
async fn serve(
    state: &AppState,
    row: RecordingRow,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let lib = library(state)?;
    let text = |name| {
        req.headers()
            .get(name)
            .and_then(|r| r.to_str().ok())
            .map(str::to_owned)
    };
    let (range, if_range) = (text(header::RANGE), text(header::IF_RANGE));
    let (cc, file) = (row.callcenter_id.clone(), row.file.clone());
    let opened = web::block(move || open(&lib, &cc, &file, range.as_deref(), if_range.as_deref()))
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| internal(&e))?;
    let missing = || ApiError::FileMissing {
        what: "recording",
        id: row.id.clone(),
        file: row.file.clone(),
    };
    let (file, size, range, etag) = match opened {
        Opened::Ready(file, size, range, etag) => (file, size, range, etag),
        Opened::Missing => return Err(missing()),
        Opened::Unsatisfiable(size) => return Ok(unsatisfiable(size)),
    };
    let mut res = if range.is_whole(size) {
        HttpResponse::Ok()
    } else {
        let mut partial = HttpResponse::build(StatusCode::PARTIAL_CONTENT);
        partial.insert_header((header::CONTENT_RANGE, range.content_range(size)));
        partial
    };
    res.content_type("audio/wav")
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", row.file),
        ));
    Ok(res.body(SizedStream::new(range.len(), chunks(file, range.len()))))
}

/// Opens `name` (blocking) and positions it at the requested range.
fn open(
    lib: &FileLibrary,
    cc: &CallCenterId,
    name: &str,
    range: Option<&str>,
    if_range: Option<&str>,
) -> std::io::Result<Opened> {
    // A stored name the library could never hold cannot have a file.
    if !valid_file_name(name) {
        return Ok(Opened::Missing);
    }
    let Some((mut file, meta)) = lib.open(cc, name)? else {
        return Ok(Opened::Missing);
    };
    // A strong validator: a recording is written once, so size and time name its content.
    let etag = format!("\"{:x}-{:x}\"", meta.size, meta.modified_at);
    // RFC 9110 §13.1.5: a range is served only for the representation the client holds;
    // anything but our current entity tag (a date, an older tag) gets the whole file.
    let range = range.filter(|_| if_range.is_none_or(|v| v.trim() == etag));
    let range = match range.map(|r| byte_range::parse(r, meta.size)) {
        None => ByteRange::whole(meta.size),
        Some(Ok(Some(r))) => r,
        // RFC 9110 §14.2: a Range the server does not understand is ignored.
        Some(Ok(None)) => ByteRange::whole(meta.size),
        Some(Err(byte_range::Unsatisfiable)) => return Ok(Opened::Unsatisfiable(meta.size)),
    };
    file.seek(SeekFrom::Start(range.start))?;
    Ok(Opened::Ready(file, meta.size, range, etag))
}

/// The 416 answer: the envelope, and `Content-Range: bytes */size` (RFC 9110 §15.5.17).
fn unsatisfiable(size: u64) -> HttpResponse {
    HttpResponse::build(StatusCode::RANGE_NOT_SATISFIABLE)
        .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
        .json(Envelope::<()> {
            code: RANGE_NOT_SATISFIABLE,
            msg: format!(
                "the Range lies outside the recording's {size} bytes; ask for bytes 0 to {}",
                size.saturating_sub(1)
            ),
            data: None,
        })
}

/// `len` bytes of `file` from its current position, read in [`CHUNK`]s on the blocking pool.
fn chunks(
    file: std::fs::File,
    len: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    futures_util::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = left.min(CHUNK);
        let (file, buf) = web::block(move || {
            // `want` is at most CHUNK, which fits any usize.
            let mut buf = vec![0; usize::try_from(want).unwrap_or(0)];
            file.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(Some((Bytes::from(buf), (file, left - want))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: serde_json::Value) -> Result<ListParams, ApiError> {
        crate::params::decode(value)
    }

    #[test]
    fn filters_reach_the_store_in_its_spelling() {
        let p = params(serde_json::json!({
            "pageNo": "3", "pageSize": "7", "conversation_id": "c1", "call_id": "leg",
            "kind": "conversation", "begin_from": "100", "begin_to": 200,
        }))
        .unwrap();
        let (page, filter) = p.query().unwrap();
        assert_eq!(page, sb_store::Page { no: 3, size: 7 });
        assert_eq!(
            filter,
            RecordingFilter {
                conversation_id: Some("c1".into()),
                call_id: Some("leg".into()),
                kind: Some(RecordingKind::Conversation),
                begin_from: Some(100),
                begin_to: Some(200),
            }
        );
        let (_, none) = params(serde_json::json!({})).unwrap().query().unwrap();
        assert_eq!(none, RecordingFilter::default());
    }

    #[test]
    fn bad_filters_name_their_parameter() {
        let err = |v: serde_json::Value| match params(v).and_then(ListParams::query) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        };
        assert!(err(serde_json::json!({"kind": "video"})).contains("`kind`"));
        assert!(err(serde_json::json!({"begin_from": "noon"})).contains("`begin_from`"));
        assert!(err(serde_json::json!({"begin_to": -5})).contains("`begin_to`"));
        let reversed = err(serde_json::json!({"begin_from": 9, "begin_to": 3}));
        assert!(reversed.contains("`begin_to`"), "{reversed}");
        assert!(err(serde_json::json!({"call_id": " "})).contains("`call_id`"));
        let long = "x".repeat(ID_FILTER_LIMIT + 1);
        assert!(err(serde_json::json!({ "conversation_id": long })).contains("`conversation_id`"));
        assert!(err(serde_json::json!({"pageNo": 0})).contains("`pageNo`"));
        assert!(err(serde_json::json!({"type": "ivr"})).contains("`type`"));
    }

    #[test]
    fn accept_negotiation() {
        let prefers = |v: &str| prefers_wav(Some(&HeaderValue::from_str(v).unwrap()));
        assert!(!prefers_wav(None));
        for wav in [
            "audio/wav",
            "audio/x-wav",
            "Audio/WAV",
            "audio/*",
            "audio/wav, application/json",
            "application/json;q=0.5, audio/wav",
            "audio/wav, */*",
        ] {
            assert!(prefers(wav), "{wav}");
        }
        for json in [
            "*/*",
            "application/json",
            "application/json, audio/wav;q=0.8",
            "audio/wav;q=0",
            "text/html",
            "",
        ] {
            assert!(!prefers(json), "{json}");
        }
    }

    #[test]
    fn the_view_has_every_field_and_the_kind_in_lower_case() {
        let row = RecordingRow {
            id: "rec-1.wav".into(),
            callcenter_id: CallCenterId("cc".into()),
            kind: RecordingKind::Ivr,
            call_id: Some("leg".into()),
            conversation_id: None,
            file: "rec-1.wav".into(),
            begin_time: 1,
            end_time: 2,
            duration_ms: 1,
            bytes: 60,
        };
        let json = serde_json::to_value(RecordingView::from(row)).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "begin_time",
                "bytes",
                "call_id",
                "conversation_id",
                "duration_ms",
                "end_time",
                "file",
                "id",
                "kind"
            ],
            "no call center id"
        );
        assert_eq!(json["kind"], "ivr");
        assert!(json["conversation_id"].is_null());
    }
}
