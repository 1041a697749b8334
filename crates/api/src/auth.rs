//! Bearer-token authentication (SPEC §2).
//!
//! Two kinds of token: the admin token, which manages call centers and trunks, and call-center
//! tokens, each belonging to one call center. Tokens are only ever kept as SHA-256 hashes; they
//! carry 244 random bits, so a fast hash is enough. A request about another tenant's ids gets
//! exactly the answer an unknown id gets (404), never data.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use sb_store::CallCenterId;
use sha2::{Digest, Sha256};

use crate::envelope::ApiError;
use crate::AppState;

/// A fresh API token: `sb_` and 64 hex digits (two random UUIDs, 244 random bits).
pub fn new_token() -> String {
    format!(
        "sb_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The hex SHA-256 of a token, as stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two equal-length byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The admin token.
    Admin,
    /// A call center's token.
    Tenant(CallCenterId),
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "missing Authorization header; send `Authorization: Bearer <token>`",
        ))?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("Authorization header is not ASCII"))?;
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "Authorization must be `Bearer <token>`",
        ));
    }
    Ok(token.trim().to_owned())
}

/// Resolves the caller from the request's bearer token.
pub async fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let token = bearer(req)?;
    let state = state(req)?;
    let hash = hash_token(&token);
    if constant_time_eq(hash.as_bytes(), state.admin_token_hash.as_bytes()) {
        return Ok(Caller::Admin);
    }
    let owner = state
        .store
        .run(move |s| s.token_owner(&hash))
        .await
        .map_err(ApiError::from)?;
    owner
        .map(Caller::Tenant)
        .ok_or(ApiError::Unauthorized("unknown or revoked token"))
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal {
            reference: "app state missing".to_owned(),
        })
}

/// Extractor: the caller holds the admin token.
#[derive(Debug)]
pub struct Admin;

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match authenticate(&req).await? {
                Caller::Admin => Ok(Admin),
                Caller::Tenant(_) => Err(ApiError::Forbidden(
                    "this endpoint needs the admin token; a call center's token cannot use it",
                )),
            }
        })
    }
}

/// Extractor: the call center a call-center route is about.
///
/// Long form `/v1/callcenter/{callcenter_id}/…`: the id must be the token's own call center
/// (or any existing one for the admin token); anything else is 404. Short form
/// `/v1/callcenter/…`: the token's call center.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The call center.
    pub id: CallCenterId,
}

impl FromRequest for Tenant {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req).await?;
            let in_path = req
                .match_info()
                .get("callcenter_id")
                .map(CallCenterId::from);
            match (caller, in_path) {
                (Caller::Tenant(own), None) => Ok(Tenant { id: own }),
                (Caller::Tenant(own), Some(asked)) if own == asked => Ok(Tenant { id: own }),
                (Caller::Tenant(_), Some(asked)) => Err(ApiError::not_found("callcenter", asked.0)),
                (Caller::Admin, None) => Err(ApiError::bad(
                    "callcenter_id",
                    "the admin token belongs to no call center; use /v1/callcenter/{callcenter_id}/…",
                )),
                (Caller::Admin, Some(asked)) => {
                    let state = state(&req)?;
                    let id = asked.clone();
                    let found = state.store.run(move |s| s.callcenter(&id)).await?;
                    match found {
                        Some(_) => Ok(Tenant { id: asked }),
                        None => Err(ApiError::not_found("callcenter", asked.0)),
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hash_stably() {
        let a = new_token();
        assert!(a.starts_with("sb_") && a.len() == 67);
        assert_ne!(a, new_token());
        assert_eq!(hash_token("x"), hash_token("x"));
        assert_eq!(hash_token("x").len(), 64);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
