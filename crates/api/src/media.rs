//! Media files (SPEC §3): the prompts a call center's IVR and queues play.
//!
//! An upload is checked by decoding it: 8 or 16 kHz PCM, μ-law and A-law are read directly,
//! other rates and stereo are converted, anything else is refused with what was found and what
//! is supported. The file is stored as 8 kHz 16-bit mono PCM, the media engine's own format, so
//! playing it never resamples on the real-time threads.

use actix_web::http::header::{ACCEPT, CONTENT_TYPE};
use actix_web::{web, HttpRequest, HttpResponse};
use sb_media::wav::{self, ReadLimits, WavEncoding};
use sb_store::files::valid_file_name;
use sb_store::{CallCenterId, FileLibrary, FileMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::IdView;
use crate::auth::Tenant;
use crate::envelope::{ok, ApiError, Envelope};
use crate::params::read_limited;
use crate::AppState;

/// The largest upload accepted (a 48 kHz stereo file of about 5 minutes).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;
/// The longest prompt accepted.
pub const MAX_SECONDS: u32 = 1800;

/// The `{file_name}` segment.
#[derive(Debug, Deserialize)]
pub struct NamePath {
    /// File name.
    pub file_name: String,
}

/// A stored media file.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    /// File name, as IVR documents and `<enqueue>` attributes name it.
    pub name: String,
    /// Stored size in bytes (8 kHz 16-bit mono WAV).
    pub size: u64,
    /// Length in milliseconds.
    pub duration_ms: u64,
    /// Last change, ms since the Unix epoch.
    pub modified_at: u64,
}

impl From<FileMeta> for MediaView {
    fn from(m: FileMeta) -> Self {
        Self {
            duration_ms: m.pcm_duration_ms(),
            name: m.name,
            size: m.size,
            modified_at: m.modified_at,
        }
    }
}

fn library(state: &AppState) -> Result<FileLibrary, ApiError> {
    state.files.clone().ok_or(ApiError::Unavailable(
        "media files are not configured on this server",
    ))
}

fn checked_name(name: &str) -> Result<(), ApiError> {
    if valid_file_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad(
            "file_name",
            "must be 1 to 128 of letters, digits, `.`, `_` and `-`, not starting with `.`",
        ))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f).await.map_err(|e| {
        let reference = uuid::Uuid::new_v4().simple().to_string();
        tracing::error!(%reference, error = %e, "media file task failed");
        ApiError::Internal { reference }
    })?
}

fn io_error(e: std::io::Error) -> ApiError {
    let reference = uuid::Uuid::new_v4().simple().to_string();
    tracing::error!(%reference, error = %e, "media file I/O failed");
    ApiError::Internal { reference }
}

/// Uploads (or replaces) a WAV file.
#[utoipa::path(put, path = "/v1/callcenter/{callcenter_id}/media/{file_name}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("file_name" = String, Path, description = "File name, e.g. `hold.wav`")),
    request_body(content = Vec<u8>, content_type = "audio/wav", description = "A WAV file"),
    responses((status = 200, body = Envelope<MediaView>),
              (status = 400, description = "Not a WAV file Switchboard can play, with what was found"),
              (status = 413, description = "Larger than 64 MiB")),
    security(("callcenter" = [])))]
pub async fn put(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<NamePath>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner().file_name;
    checked_name(&name)?;
    if let Some(ct) = req.headers().get(CONTENT_TYPE) {
        let ct = String::from_utf8_lossy(ct.as_bytes()).to_ascii_lowercase();
        let mime = ct.split(';').next().unwrap_or("").trim();
        if !matches!(
            mime,
            "audio/wav"
                | "audio/x-wav"
                | "audio/wave"
                | "audio/vnd.wave"
                | "application/octet-stream"
        ) {
            return Err(ApiError::UnsupportedMediaType {
                found: mime.to_owned(),
            });
        }
    }
    let body = read_limited(&mut payload, UPLOAD_LIMIT).await?;
    let lib = library(&state)?;
    let cc = tenant.id;
    let meta = blocking(move || {
        let pcm = wav::decode_with(
            &body,
            ReadLimits {
                max_seconds: MAX_SECONDS,
            },
        )
        .map_err(|e| ApiError::bad("body", format!("not a playable WAV file: {e}")))?;
        if pcm.is_empty() {
            return Err(ApiError::bad("body", "the WAV file holds no audio"));
        }
        let stored = wav::encode(&pcm, WavEncoding::Pcm16);
        lib.put(&cc, &name, &stored).map_err(io_error)
    })
    .await?;
    Ok(ok(MediaView::from(meta)))
}

/// Lists the call center's media files.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/media", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)")),
    responses((status = 200, body = Envelope<Vec<MediaView>>)),
    security(("callcenter" = [])))]
pub async fn list(tenant: Tenant, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let lib = library(&state)?;
    let cc = tenant.id;
    let files = blocking(move || lib.list(&cc).map_err(io_error)).await?;
    Ok(ok(files
        .into_iter()
        .map(MediaView::from)
        .collect::<Vec<_>>()))
}

/// One media file: its metadata, or the WAV itself with `Accept: audio/wav`.
#[utoipa::path(get, path = "/v1/callcenter/{callcenter_id}/media/{file_name}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("file_name" = String, Path, description = "File name")),
    responses((status = 200, body = Envelope<MediaView>, description = "Metadata; the WAV with Accept: audio/wav"),
              (status = 404, description = "No such file")),
    security(("callcenter" = [])))]
pub async fn get(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<NamePath>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner().file_name;
    checked_name(&name)?;
    let wants_audio = req
        .headers()
        .get(ACCEPT)
        .is_some_and(|a| String::from_utf8_lossy(a.as_bytes()).contains("audio/"));
    let lib = library(&state)?;
    let cc: CallCenterId = tenant.id;
    let key = name.clone();
    if wants_audio {
        let bytes = blocking(move || lib.read(&cc, &key).map_err(io_error)).await?;
        let bytes = bytes.ok_or_else(|| ApiError::not_found("media file", name))?;
        return Ok(HttpResponse::Ok().content_type("audio/wav").body(bytes));
    }
    let meta = blocking(move || lib.stat(&cc, &key).map_err(io_error)).await?;
    let meta = meta.ok_or_else(|| ApiError::not_found("media file", name))?;
    Ok(ok(MediaView::from(meta)))
}

/// Deletes a media file.
#[utoipa::path(delete, path = "/v1/callcenter/{callcenter_id}/media/{file_name}", tag = "callcenter",
    params(("callcenter_id" = String, Path, description = "Call center id (or omit the segment)"),
           ("file_name" = String, Path, description = "File name")),
    responses((status = 200, body = Envelope<IdView>), (status = 404, description = "No such file")),
    security(("callcenter" = [])))]
pub async fn delete(
    tenant: Tenant,
    state: web::Data<AppState>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner().file_name;
    checked_name(&name)?;
    let lib = library(&state)?;
    let cc = tenant.id;
    let key = name.clone();
    if blocking(move || lib.delete(&cc, &key).map_err(io_error)).await? {
        Ok(ok(IdView { id: name }))
    } else {
        Err(ApiError::not_found("media file", name))
    }
}
