//! The two shapes most handlers end in: "look it up or answer 404" and "delete it or answer 404".

use actix_web::HttpResponse;
use sb_store::{Store, StoreError};

use crate::admin::IdView;
use crate::envelope::{ok, ApiError};
use crate::AppState;

/// Runs a store lookup; `None` becomes 404 naming `what` and `id`.
pub(crate) async fn one<T, F>(
    state: &AppState,
    what: &'static str,
    id: &str,
    op: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<Option<T>, StoreError> + Send + 'static,
{
    state
        .store
        .run(op)
        .await?
        .ok_or_else(|| ApiError::not_found(what, id))
}

/// Runs a store deletion; answers `{id}`, or 404 when there was nothing to delete.
pub(crate) async fn deleted<F>(
    state: &AppState,
    what: &'static str,
    id: String,
    op: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&dyn Store) -> Result<bool, StoreError> + Send + 'static,
{
    if state.store.run(op).await? {
        Ok(ok(IdView { id }))
    } else {
        Err(ApiError::not_found(what, id))
    }
}
