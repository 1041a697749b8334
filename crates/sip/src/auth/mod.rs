//! Digest authentication, both sides, written here (RFC 7616, RFC 2617, RFC 3261 §22).
//!
//! rsip's digest support parses `nc` as decimal and computes `-sess` wrongly; this module
//! treats `nc` as the 8 hex digits the RFC defines, computes `-sess` HA1 as
//! H(H(user:realm:password):nonce:cnonce), and parses challenge/credential headers with
//! its own bounded parser.

mod client;
mod digest;
mod params;
mod server;

pub use client::{Authorization, DigestClient};
pub use digest::{ha1, response, response_from_ha1, Algorithm, DigestInput};
pub use params::AuthParams;
pub use server::{Challenge, DigestServer, NonceManager, NonceState, Rejection};

/// Why an authentication header cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Syntax error at byte offset `at`.
    #[error("malformed auth header at byte {at}")]
    Malformed {
        /// Byte offset.
        at: usize,
    },
    /// A parameter given twice.
    #[error("parameter {name} given twice")]
    DuplicateParam {
        /// Lower-cased name.
        name: String,
    },
    /// More parameters than we accept.
    #[error("more than {limit} parameters")]
    TooManyParams {
        /// Limit.
        limit: usize,
    },
    /// A required parameter is missing.
    #[error("missing parameter {name}")]
    MissingParam {
        /// Name.
        name: &'static str,
    },
    /// No algorithm we support.
    #[error("unsupported digest algorithm")]
    UnsupportedAlgorithm,
    /// qop other than `auth` (auth-int is not supported).
    #[error("unsupported qop")]
    UnsupportedQop,
    /// `nc` is not 8 hex digits.
    #[error("nc must be 8 hex digits")]
    InvalidNc,
}
