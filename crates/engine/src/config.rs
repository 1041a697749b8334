//! The endpoint's settings, with defaults that are safe on a public address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use sb_sip::auth::Algorithm;

use crate::clock::{Clock, SystemClock};
use crate::core::call::CallConfig;

/// Per-source-IP token bucket (every datagram or framed TCP message costs one token).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// `false` turns the limit off.
    pub enabled: bool,
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size: the largest burst accepted after a quiet period.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            enabled: true,
            per_second: 50.0,
            burst: 100,
        }
    }
}

/// Temporary bans of sources that keep failing authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BanPolicy {
    /// `false` turns bans off.
    pub enabled: bool,
    /// Failed authentications within [`BanPolicy::window`] that trigger a ban.
    pub max_failures: u32,
    /// The sliding window the failures are counted in.
    pub window: Duration,
    /// How long a banned source's packets are dropped.
    pub ban_for: Duration,
}

impl Default for BanPolicy {
    fn default() -> Self {
        BanPolicy {
            enabled: true,
            max_failures: 10,
            window: Duration::from_secs(60),
            ban_for: Duration::from_secs(300),
        }
    }
}

/// Everything [`crate::SipEndpoint::start`] needs.
#[derive(Debug, Clone)]
pub struct SipConfig {
    /// UDP and TCP listen address; port 0 picks a free port (the same one for both
    /// transports when possible).
    pub listen: SocketAddr,
    /// The address written into Contact headers when behind NAT (SPEC §14).
    pub public_ip: Option<IpAddr>,
    /// Digest realm of the registrar.
    pub realm: String,
    /// Digest algorithms offered, one challenge header each, in this order. RFC 7616 §3.7
    /// puts the preferred first; some clients (SIPp 3.6, older phones) only read the first
    /// header and only know MD5, so deployments with such clients put MD5 first.
    pub digest_algorithms: Vec<Algorithm>,
    /// Per-source rate limit.
    pub rate_limit: RateLimit,
    /// Ban policy.
    pub ban: BanPolicy,
    /// Most TCP connections open at once; further ones are closed on accept.
    pub tcp_max_connections: usize,
    /// A TCP connection without traffic (RFC 5626 CRLF keep-alives count) for this long
    /// is closed.
    pub tcp_idle: Duration,
    /// How long a nonce is fresh; older ones get `stale=true` (RFC 7616 §3.3).
    pub nonce_ttl: Duration,
    /// How long an extension looked up in the store is trusted before looking again.
    pub extension_cache_ttl: Duration,
    /// Registration expiry policy (RFC 3261 §10.3).
    pub min_expires: u32,
    /// Longest registration granted, in seconds.
    pub max_expires: u32,
    /// Granted when a REGISTER names no expiry, in seconds.
    pub default_expires: u32,
    /// Call limits and session timers.
    pub calls: CallConfig,
    /// The media plane the endpoint starts for its calls' RTP.
    pub media: sb_mediaworker::EngineConfig,
    /// Where the endpoint reads time.
    pub clock: Arc<dyn Clock>,
}

impl SipConfig {
    /// The defaults, listening on `listen`.
    pub fn new(listen: SocketAddr) -> Self {
        SipConfig {
            listen,
            public_ip: None,
            realm: "switchboard".to_owned(),
            digest_algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            rate_limit: RateLimit::default(),
            ban: BanPolicy::default(),
            tcp_max_connections: 10_000,
            tcp_idle: Duration::from_secs(600),
            nonce_ttl: Duration::from_secs(300),
            extension_cache_ttl: Duration::from_secs(10),
            min_expires: 60,
            max_expires: 7200,
            default_expires: 3600,
            calls: CallConfig::default(),
            media: sb_mediaworker::EngineConfig {
                // SPEC §14's default RTP range.
                ports: 20_000..=29_999,
                ..sb_mediaworker::EngineConfig::default()
            },
            clock: Arc::new(SystemClock),
        }
    }
}

impl Default for SipConfig {
    /// SPEC §14's default: `0.0.0.0:5060`.
    fn default() -> Self {
        SipConfig::new(SocketAddr::from(([0, 0, 0, 0], 5060)))
    }
}
