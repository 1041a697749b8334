//! The `[sip]` table of the configuration file: the SIP endpoint's security and registrar
//! policy. Every key is optional; an absent one keeps the endpoint's default.
//!
//! ```toml
//! [sip]
//! realm = "switchboard"
//! digest_algorithms = ["SHA-256", "MD5"]
//! rate_limit = true              # per source IP, every request costs one token
//! rate_limit_per_second = 50
//! rate_limit_burst = 100
//! ban = true                     # temporary ban after repeated authentication failures
//! ban_failures = 10
//! ban_window_seconds = 60
//! ban_seconds = 300
//! tcp_max_connections = 10000
//! tcp_idle_seconds = 600
//! nonce_ttl_seconds = 300
//! min_expires = 60
//! max_expires = 7200
//! default_expires = 3600
//! ```

use std::time::Duration;

use sb_engine::SipConfig;
use sb_sip::auth::Algorithm;
use serde::{Deserialize, Serialize};

/// The optional SIP settings of the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SipSettings {
    /// Digest realm.
    pub realm: Option<String>,
    /// Digest algorithms offered, preferred first: `SHA-256`, `MD5`.
    pub digest_algorithms: Option<Vec<String>>,
    /// Per-source rate limiting on or off.
    pub rate_limit: Option<bool>,
    /// Requests per second each source may send.
    pub rate_limit_per_second: Option<f64>,
    /// Burst allowed after a quiet period.
    pub rate_limit_burst: Option<u32>,
    /// Temporary bans on or off.
    pub ban: Option<bool>,
    /// Failed authentications that trigger a ban.
    pub ban_failures: Option<u32>,
    /// Window the failures are counted in, seconds.
    pub ban_window_seconds: Option<u64>,
    /// Length of a ban, seconds.
    pub ban_seconds: Option<u64>,
    /// Most TCP connections at once.
    pub tcp_max_connections: Option<usize>,
    /// Idle TCP connections are closed after this many seconds.
    pub tcp_idle_seconds: Option<u64>,
    /// Nonce lifetime, seconds.
    pub nonce_ttl_seconds: Option<u64>,
    /// Shortest registration accepted (423 below), seconds.
    pub min_expires: Option<u32>,
    /// Longest registration granted, seconds.
    pub max_expires: Option<u32>,
    /// Registration granted when a REGISTER names none, seconds.
    pub default_expires: Option<u32>,
}

/// A `[sip]` value that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("[sip] {key}: {problem}")]
pub struct SipSettingsError {
    /// The key.
    pub key: &'static str,
    /// What is wrong and what is expected.
    pub problem: String,
}

fn bad(key: &'static str, problem: impl Into<String>) -> SipSettingsError {
    SipSettingsError {
        key,
        problem: problem.into(),
    }
}

impl SipSettings {
    /// Checks the values without applying them.
    pub fn check(&self) -> Result<(), SipSettingsError> {
        self.apply(&mut SipConfig::new(([127, 0, 0, 1], 0).into()))
    }

    /// Applies the keys that are present to `cfg`.
    pub fn apply(&self, cfg: &mut SipConfig) -> Result<(), SipSettingsError> {
        if let Some(realm) = &self.realm {
            if realm.is_empty() || realm.len() > 64 || realm.contains('"') {
                return Err(bad("realm", "must be 1 to 64 characters without quotes"));
            }
            cfg.realm.clone_from(realm);
        }
        if let Some(names) = &self.digest_algorithms {
            let algs = names
                .iter()
                .map(|n| match n.to_ascii_uppercase().as_str() {
                    "MD5" => Ok(Algorithm::Md5),
                    "SHA-256" => Ok(Algorithm::Sha256),
                    other => Err(bad(
                        "digest_algorithms",
                        format!("`{other}` is not SHA-256 or MD5"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            if algs.is_empty() {
                return Err(bad("digest_algorithms", "offer at least one algorithm"));
            }
            cfg.digest_algorithms = algs;
        }
        if let Some(on) = self.rate_limit {
            cfg.rate_limit.enabled = on;
        }
        if let Some(r) = self.rate_limit_per_second {
            if !(r.is_finite() && r > 0.0) {
                return Err(bad("rate_limit_per_second", "must be above 0"));
            }
            cfg.rate_limit.per_second = r;
        }
        if let Some(b) = self.rate_limit_burst {
            if b == 0 {
                return Err(bad("rate_limit_burst", "must be 1 or more"));
            }
            cfg.rate_limit.burst = b;
        }
        if let Some(on) = self.ban {
            cfg.ban.enabled = on;
        }
        if let Some(n) = self.ban_failures {
            if n == 0 {
                return Err(bad("ban_failures", "must be 1 or more"));
            }
            cfg.ban.max_failures = n;
        }
        let secs = |key, v: u64| {
            if v == 0 {
                Err(bad(key, "must be 1 second or more"))
            } else {
                Ok(Duration::from_secs(v))
            }
        };
        if let Some(v) = self.ban_window_seconds {
            cfg.ban.window = secs("ban_window_seconds", v)?;
        }
        if let Some(v) = self.ban_seconds {
            cfg.ban.ban_for = secs("ban_seconds", v)?;
        }
        if let Some(n) = self.tcp_max_connections {
            if n == 0 {
                return Err(bad("tcp_max_connections", "must be 1 or more"));
            }
            cfg.tcp_max_connections = n;
        }
        if let Some(v) = self.tcp_idle_seconds {
            cfg.tcp_idle = secs("tcp_idle_seconds", v)?;
        }
        if let Some(v) = self.nonce_ttl_seconds {
            cfg.nonce_ttl = secs("nonce_ttl_seconds", v)?;
        }
        if let Some(v) = self.min_expires {
            cfg.min_expires = v;
        }
        if let Some(v) = self.max_expires {
            cfg.max_expires = v;
        }
        if let Some(v) = self.default_expires {
            cfg.default_expires = v;
        }
        if !(cfg.min_expires <= cfg.default_expires && cfg.default_expires <= cfg.max_expires) {
            return Err(bad(
                "default_expires",
                "must lie between min_expires and max_expires",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_keys_keep_the_defaults() {
        let mut cfg = SipConfig::new(([127, 0, 0, 1], 0).into());
        let before = (cfg.rate_limit, cfg.ban, cfg.realm.clone());
        SipSettings::default().apply(&mut cfg).unwrap();
        assert_eq!((cfg.rate_limit, cfg.ban, cfg.realm.clone()), before);
    }

    #[test]
    fn keys_apply_and_bad_values_name_the_key() {
        let s: SipSettings = toml::from_str(
            "rate_limit = false\nban_failures = 3\nban_seconds = 60\ndigest_algorithms = [\"MD5\"]\nrealm = \"pbx\"\n",
        )
        .unwrap();
        let mut cfg = SipConfig::new(([127, 0, 0, 1], 0).into());
        s.apply(&mut cfg).unwrap();
        assert!(!cfg.rate_limit.enabled);
        assert_eq!(cfg.ban.max_failures, 3);
        assert_eq!(cfg.ban.ban_for, Duration::from_secs(60));
        assert_eq!(cfg.digest_algorithms, vec![Algorithm::Md5]);
        assert_eq!(cfg.realm, "pbx");
        for (text, key) in [
            ("digest_algorithms = [\"SHA-512\"]", "digest_algorithms"),
            ("rate_limit_per_second = 0.0", "rate_limit_per_second"),
            ("min_expires = 4000", "default_expires"),
            ("realm = \"\"", "realm"),
        ] {
            let s: SipSettings = toml::from_str(text).unwrap();
            let e = s.check().unwrap_err();
            assert_eq!(e.key, key, "{text}");
        }
        assert!(toml::from_str::<SipSettings>("rate_limt = 1").is_err());
    }
}
