//! The response envelope and error codes of SPEC §2.
//!
//! Every answer is `{"code": "000000", "msg": "...", "data": ...}`; failures carry a fitting
//! HTTP status and a stable six-digit code whose first three digits are that status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The success code.
pub const OK: &str = "000000";

/// The JSON body of every response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// `000000` on success, otherwise an [`ApiError`] code.
    #[schema(example = "000000")]
    pub code: &'static str,
    /// What happened, or what was wrong and how to fix it.
    pub msg: String,
    /// The result; `null` on failure.
    pub data: Option<T>,
}

/// A successful response with `data`.
pub fn ok<T: Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope {
        code: OK,
        msg: "ok".to_owned(),
        data: Some(data),
    })
}

/// Why a request failed. Each variant has one HTTP status and one stable code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A parameter is missing, of the wrong type or out of range.
    #[error("invalid parameter `{name}`: {problem}")]
    BadParameter {
        /// The parameter, spelled as in the API (dotted for nested fields).
        name: String,
        /// What was wrong and what is expected.
        problem: String,
    },
    /// The body is not well-formed JSON or form data.
    #[error("malformed {format} body: {problem}")]
    MalformedBody {
        /// `JSON` or `form`.
        format: &'static str,
        /// The parser's complaint, with its position.
        problem: String,
    },
    /// The body's content type is not one the endpoint reads.
    #[error("unsupported Content-Type `{found}`; send application/json or application/x-www-form-urlencoded")]
    UnsupportedMediaType {
        /// The content type that arrived.
        found: String,
    },
    /// The body is larger than the endpoint accepts.
    #[error("request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// No usable credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Valid credentials that may not use this endpoint.
    #[error("{0}")]
    Forbidden(&'static str),
    /// An id that does not exist (or belongs to another call center, which looks the same).
    #[error("{what} {id} not found")]
    NotFound {
        /// The kind of thing.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A record exists but the file holding its content does not (deleted from the data
    /// directory, or never published).
    #[error(
        "{what} {id} exists, but its file {file} is no longer in the call center's files \
         (deleted or moved from the data directory); its metadata can still be read"
    )]
    FileMissing {
        /// The kind of record.
        what: &'static str,
        /// The record's id.
        id: String,
        /// The file it names.
        file: String,
    },
    /// No such route.
    #[error("no route {method} {path}; the endpoints are listed at /v1/openapi.json")]
    NoRoute {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// The route exists but not with this method.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// The request conflicts with the current state (SPEC §2: 409).
    #[error("{0}")]
    Conflict(String),
    /// The server cannot take the request now (shutting down, overloaded).
    #[error("{0}")]
    Unavailable(&'static str),
    /// A failure inside the server; details are in its log.
    #[error("internal error; see the server log (request {reference})")]
    Internal {
        /// A reference to find the log line.
        reference: String,
    },
}

impl ApiError {
    /// A parameter problem.
    pub fn bad(name: impl Into<String>, problem: impl Into<String>) -> Self {
        ApiError::BadParameter {
            name: name.into(),
            problem: problem.into(),
        }
    }

    /// An unknown id.
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        ApiError::NotFound {
            what,
            id: id.into(),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadParameter { .. } => "400001",
            ApiError::MalformedBody { .. } => "400002",
            ApiError::UnsupportedMediaType { .. } => "415001",
            ApiError::BodyTooLarge { .. } => "413001",
            ApiError::Unauthorized(_) => "401001",
            ApiError::Forbidden(_) => "403001",
            ApiError::NotFound { .. } => "404001",
            ApiError::NoRoute { .. } => "404002",
            ApiError::FileMissing { .. } => "404003",
            ApiError::MethodNotAllowed { .. } => "405001",
            ApiError::Conflict(_) => "409001",
            ApiError::Unavailable(_) => "503001",
            ApiError::Internal { .. } => "500001",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParameter { .. } | ApiError::MalformedBody { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } | ApiError::NoRoute { .. } | ApiError::FileMissing { .. } => {
                StatusCode::NOT_FOUND
            }
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unauthorized(_)) {
            res.insert_header(("WWW-Authenticate", "Bearer"));
        }
        res.json(Envelope::<()> {
            code: self.code(),
            msg: self.to_string(),
            data: None,
        })
    }
}

impl From<sb_store::StoreError> for ApiError {
    fn from(e: sb_store::StoreError) -> Self {
        use sb_store::StoreError as S;
        match e {
            S::NotFound { what, id } => ApiError::NotFound { what, id },
            S::Conflict { what, value, owner } => {
                ApiError::Conflict(format!("{what} {value} is already used by {owner}"))
            }
            S::InUse { what, users } => ApiError::Conflict(format!(
                "{what} is still used by {users}; remove them first"
            )),
            other => {
                let reference = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(%reference, error = %other, "store operation failed");
                ApiError::Internal { reference }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_start_with_their_status() {
        let all = [
            ApiError::bad("x", "y"),
            ApiError::MalformedBody {
                format: "JSON",
                problem: "p".into(),
            },
            ApiError::UnsupportedMediaType {
                found: "a/b".into(),
            },
            ApiError::BodyTooLarge { limit: 1 },
            ApiError::Unauthorized("u"),
            ApiError::Forbidden("f"),
            ApiError::not_found("agent", "1"),
            ApiError::NoRoute {
                method: "GET".into(),
                path: "/".into(),
            },
            ApiError::MethodNotAllowed {
                method: "PUT".into(),
                path: "/".into(),
            },
            ApiError::FileMissing {
                what: "recording",
                id: "r".into(),
                file: "r.wav".into(),
            },
            ApiError::Conflict("c".into()),
            ApiError::Unavailable("s"),
            ApiError::Internal {
                reference: "r".into(),
            },
        ];
        for e in all {
            let status = e.status_code().as_u16().to_string();
            assert!(e.code().starts_with(&status), "{e:?}");
            assert_eq!(e.code().len(), 6);
        }
    }
}
