//! First start: the admin token and the default call center.

use std::fmt::Write as _;

use anyhow::Context as _;
use sb_api::auth::{hash_token, new_token};
use sb_api::AppState;
use sb_store::{FileLibrary, NewCallCenter, StoreHandle};

/// Metadata key holding the generated admin token's hash.
const ADMIN_HASH: &str = "admin_token_hash";
/// Metadata key set once the default call center exists.
const INITIALISED: &str = "initialised";

/// What the first start created, for the operator to read once.
#[derive(Debug)]
pub struct FirstStart {
    /// The admin token, when it was generated now (not when it came from the configuration).
    pub admin_token: Option<String>,
    /// The default call center's id.
    pub callcenter_id: String,
    /// Its API token.
    pub callcenter_token: String,
}

impl FirstStart {
    /// The text printed on first start.
    pub fn banner(&self, http: std::net::SocketAddr) -> String {
        let mut out = String::new();
        let admin = self
            .admin_token
            .as_deref()
            .unwrap_or("(from the configuration)");
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "Switchboard first start: created the default call center."
        );
        let _ = writeln!(
            out,
            "Keep these tokens: they are stored only as hashes and not shown again."
        );
        let _ = writeln!(out, "  admin token:           {admin}");
        let _ = writeln!(out, "  call center id:        {}", self.callcenter_id);
        let _ = writeln!(out, "  call center API token: {}", self.callcenter_token);
        let _ = writeln!(out, "Try it:");
        let _ = writeln!(
            out,
            "  curl -s -H 'Authorization: Bearer {}' http://{http}/v1/callcenter",
            self.callcenter_token
        );
        out
    }
}

/// Resolves the admin token's hash and creates the default call center on first start.
pub fn prepare(
    store: &StoreHandle,
    data_dir: &std::path::Path,
    configured_admin_token: Option<&str>,
    clock: std::sync::Arc<dyn sb_api::Clock>,
) -> anyhow::Result<(AppState, Option<FirstStart>)> {
    let db = store.blocking();
    let mut generated = None;
    let admin_hash = match configured_admin_token {
        Some(token) => hash_token(token),
        None => match db.meta(ADMIN_HASH)? {
            Some(hash) => hash,
            None => {
                let token = new_token();
                let hash = hash_token(&token);
                db.set_meta(ADMIN_HASH, &hash)?;
                generated = Some(token);
                hash
            }
        },
    };
    let state = AppState::with_admin_hash(store.clone(), admin_hash, clock)
        .with_files(FileLibrary::new(data_dir.join("media")));
    if db.meta(INITIALISED)?.is_some() {
        if generated.is_some() {
            // The data directory lost its admin hash but has call centers: tell the operator.
            tracing::warn!("generated a new admin token for an existing data directory");
            println!(
                "New admin token: {}",
                generated.as_deref().unwrap_or_default()
            );
        }
        return Ok((state, None));
    }
    let token = new_token();
    let now = state.clock.unix_ms();
    let cc = db
        .create_callcenter(&NewCallCenter::named("default"), now)
        .context("creating the default call center")?;
    db.add_token(&cc.id, &hash_token(&token), now)?;
    db.set_meta(INITIALISED, "1")?;
    Ok((
        state,
        Some(FirstStart {
            admin_token: generated,
            callcenter_id: cc.id.0,
            callcenter_token: token,
        }),
    ))
}
