//! Request parameters: one extractor for JSON bodies, form bodies and query strings alike.
//!
//! SPEC §2: an endpoint's parameters may arrive as `application/json`, as a form body, or in
//! the query string, with the seeds' own spellings. [`Params`] merges the query string and the
//! body (the body wins on a clash), reads every value through `Coerce` so text fills typed
//! fields, and turns any problem into an [`ApiError`] naming the parameter. Bodies are limited
//! to [`BODY_LIMIT`] bytes.

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::coerce::Coerce;
use crate::envelope::ApiError;

/// The largest parameter body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The spellings the seeds use for the background-dialling flag; all mean `background`.
pub const BACKGROUND_SPELLINGS: [&str; 3] = ["background", "backgound", "backgroud"];

/// An endpoint's parameters, from the query string and a JSON or form body.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Params<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let query = req.query_string().to_owned();
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read_limited(&mut payload, BODY_LIMIT).await?;
            let mut fields = pairs_to_map(parse_pairs(&query, "query string")?);
            for (k, v) in parse_body(content_type.as_deref(), &body)? {
                fields.insert(k, v);
            }
            decode(Value::Object(fields)).map(Params)
        })
    }
}

/// Deserialises parameters from a merged JSON object, mapping errors to [`ApiError`].
pub fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(Coerce(value)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        parameter_error(&path, &inner)
    })
}

/// Names the parameter a serde error is about, and says what is expected.
fn parameter_error(path: &str, msg: &str) -> ApiError {
    let quoted = |prefix: &str| {
        msg.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let join = |field: String| {
        if path == "." || path.is_empty() {
            field
        } else {
            format!("{path}.{field}")
        }
    };
    if let Some(field) = quoted("missing field `") {
        return ApiError::bad(join(field), "is required");
    }
    if let Some(field) = quoted("unknown field `") {
        let expected = msg.split_once(", expected ").map(|(_, e)| e).unwrap_or("");
        // serde_path_to_error's path already ends at the unknown field.
        let name = if path == "." { field } else { path.to_owned() };
        return ApiError::bad(
            name,
            format!("is not a parameter of this endpoint (expected {expected})"),
        );
    }
    if let Some(field) = quoted("duplicate field `") {
        return ApiError::bad(
            join(field),
            "is given more than once (under several spellings?)",
        );
    }
    let name = if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    ApiError::bad(name, msg.to_owned())
}

pub(crate) async fn read_limited<S, E>(payload: &mut S, limit: usize) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedBody {
            format: "request",
            problem: e.to_string(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse_pairs(text: &str, what: &'static str) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(text).map_err(|e| ApiError::MalformedBody {
        format: what,
        problem: e.to_string(),
    })
}

/// Form and query pairs as a JSON object; a key given several times becomes a list, and a
/// key with an empty value (`from=`) counts as not given, as HTML forms send it.
fn pairs_to_map(pairs: Vec<(String, String)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in pairs.into_iter().filter(|(_, v)| !v.is_empty()) {
        match map.get_mut(&k) {
            Some(Value::Array(list)) => list.push(Value::String(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(v)]);
            }
            None => {
                map.insert(k, Value::String(v));
            }
        }
    }
    map
}

fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let mime = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let json = match mime.as_str() {
        "application/json" => true,
        "application/x-www-form-urlencoded" => false,
        // No content type: a body that opens like a JSON object is one.
        "" => body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
        other => {
            return Err(ApiError::UnsupportedMediaType {
                found: other.to_owned(),
            })
        }
    };
    if json {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::MalformedBody {
                format: "JSON",
                problem: "the body must be a JSON object of parameters".to_owned(),
            }),
            Err(e) => Err(ApiError::MalformedBody {
                format: "JSON",
                problem: e.to_string(),
            }),
        }
    } else {
        let text = std::str::from_utf8(body).map_err(|e| ApiError::MalformedBody {
            format: "form",
            problem: e.to_string(),
        })?;
        Ok(pairs_to_map(parse_pairs(text, "form")?))
    }
}

/// The `{id}` segment of a call-center route; named, so the long form's extra
/// `{callcenter_id}` segment does not disturb it.
#[derive(Debug, serde::Deserialize)]
pub struct IdPath {
    /// The id in the path.
    pub id: String,
}

/// A list request's paging parameters (SPEC §2).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct Paging {
    /// Page number, from 1.
    #[serde(rename = "pageNo")]
    pub page_no: Option<u32>,
    /// Rows per page, ≤ 2000, default 20.
    #[serde(rename = "pageSize")]
    pub page_size: Option<u32>,
}

impl Paging {
    /// Largest page size.
    pub const MAX_SIZE: u32 = 2000;
    /// Page size when none is asked for.
    pub const DEFAULT_SIZE: u32 = 20;

    /// The validated page.
    pub fn page(self) -> Result<sb_store::Page, ApiError> {
        let no = self.page_no.unwrap_or(1);
        if no == 0 {
            return Err(ApiError::bad("pageNo", "must be 1 or more"));
        }
        let size = self.page_size.unwrap_or(Self::DEFAULT_SIZE);
        if size == 0 || size > Self::MAX_SIZE {
            return Err(ApiError::bad(
                "pageSize",
                format!("must be between 1 and {}", Self::MAX_SIZE),
            ));
        }
        Ok(sb_store::Page { no, size })
    }
}

/// Checks a list's `begin_from`/`begin_to` window: `begin_from <= begin_time < begin_to`, so
/// `begin_to` must be later than `begin_from` when both are given.
pub fn begin_window(from: Option<u64>, to: Option<u64>) -> Result<(), ApiError> {
    match (from, to) {
        (Some(from), Some(to)) if to <= from => Err(ApiError::bad(
            "begin_to",
            format!(
                "must be later than `begin_from` ({from}): the range is \
                 begin_from <= begin_time < begin_to, found {to}"
            ),
        )),
        _ => Ok(()),
    }
}

/// The list shape of SPEC §2.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageOf<T> {
    /// Rows per page.
    pub page_size: u32,
    /// Offset of this page's first row in the whole list, from 0.
    pub start_index: u64,
    /// Rows in the whole list.
    pub total_count: u64,
    /// Pages in the whole list.
    pub total_page_count: u64,
    /// This page's number, from 1.
    pub current_page_no: u32,
    /// The rows.
    pub result: Vec<T>,
}

impl<T> PageOf<T> {
    /// Builds the list shape from a store page.
    pub fn new(page: sb_store::Page, total: u64, result: Vec<T>) -> Self {
        Self {
            page_size: page.size,
            start_index: page.offset(),
            total_count: total,
            total_page_count: total.div_ceil(u64::from(page.size)),
            current_page_no: page.no,
            result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_become_lists() {
        let m = pairs_to_map(vec![
            ("a".into(), "1".into()),
            ("b".into(), "x".into()),
            ("a".into(), "2".into()),
            ("a".into(), "3".into()),
            ("empty".into(), "".into()),
        ]);
        assert_eq!(
            Value::Object(m),
            serde_json::json!({"a": ["1", "2", "3"], "b": "x"})
        );
    }

    #[test]
    fn body_sniffing_and_errors() {
        assert!(parse_body(None, b"{\"a\":1}").unwrap().contains_key("a"));
        assert!(parse_body(None, b"a=1").unwrap().contains_key("a"));
        assert!(matches!(
            parse_body(Some("application/json"), b"[1]"),
            Err(ApiError::MalformedBody { .. })
        ));
        assert!(matches!(
            parse_body(Some("application/json"), b"{\"a\":"),
            Err(ApiError::MalformedBody { .. })
        ));
        assert!(matches!(
            parse_body(Some("text/xml"), b"<a/>"),
            Err(ApiError::UnsupportedMediaType { .. })
        ));
        assert!(parse_body(Some("text/xml"), b"  ").unwrap().is_empty());
    }

    #[test]
    fn paging_rules() {
        let p = |no, size| Paging {
            page_no: no,
            page_size: size,
        };
        assert_eq!(
            p(None, None).page().unwrap(),
            sb_store::Page { no: 1, size: 20 }
        );
        assert!(p(Some(0), None).page().is_err());
        assert!(p(None, Some(2001)).page().is_err());
        assert!(p(None, Some(0)).page().is_err());
        let list = PageOf::new(sb_store::Page { no: 2, size: 20 }, 41, vec![()]);
        assert_eq!((list.start_index, list.total_page_count), (20, 3));
    }

    #[test]
    fn serde_errors_name_the_parameter() {
        let e = parameter_error(".", "missing field `to`");
        assert_eq!(e.to_string(), "invalid parameter `to`: is required");
        let e = parameter_error("settings.x", "unknown field `x`, expected `a` or `b`");
        assert!(
            e.to_string().starts_with("invalid parameter `settings.x`"),
            "{e}"
        );
        let e = parameter_error(
            "max_answer_seconds",
            "invalid type: string \"a\", expected u32",
        );
        assert!(e.to_string().contains("`max_answer_seconds`"), "{e}");
    }
}
