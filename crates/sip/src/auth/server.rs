//! The registrar/UAS side: nonces that expire and refuse replays, and a verifier that does
//! the same work whether or not the user exists.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::digest::{constant_time_eq, hmac_sha256, response, Algorithm, DigestInput};
use super::params::{write_params, AuthParams};
use super::AuthError;

/// Issues and checks nonces of the form `hex(issued_ms, serial) . hex(hmac)`: the issue
/// time travels in the nonce and the HMAC stops forgery, so expiry needs no table; a
/// table keyed by nonce keeps only the highest `nc` seen, to refuse replays.
#[derive(Debug)]
pub struct NonceManager {
    key: [u8; 32],
    epoch: Instant,
    lifetime: Duration,
    serial: u64,
    highest_nc: HashMap<String, (u32, u64)>,
    /// When (ms since `epoch`) expired counts are next dropped. Pruning walks every count, so
    /// it runs at most once a second rather than on every challenge: under load there are
    /// hundreds of thousands of live nonces.
    next_prune_ms: u64,
}

/// What checking a nonce says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Ours and within its lifetime.
    Fresh,
    /// Ours but expired: answer with `stale=true` (RFC 7616 §3.3).
    Stale,
    /// Not ours, or tampered with.
    Invalid,
}

/// The longest time between two prunes of expired nonce counts.
const PRUNE_EVERY_MS: u64 = 1000;

impl NonceManager {
    /// A manager with a secret key from the caller's RNG. `epoch` is any instant at or
    /// before the first `now` it will see.
    pub fn new(key: [u8; 32], lifetime: Duration, epoch: Instant) -> Self {
        NonceManager {
            key,
            epoch,
            lifetime,
            serial: 0,
            highest_nc: HashMap::new(),
            next_prune_ms: 0,
        }
    }

    fn millis(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    /// A new nonce.
    pub fn issue(&mut self, now: Instant) -> String {
        self.serial += 1;
        let body = format!("{:016x}{:016x}", self.millis(now), self.serial);
        let mac = hmac_sha256(&self.key, body.as_bytes());
        let now_ms = self.millis(now);
        if now_ms >= self.next_prune_ms {
            self.prune(now);
            let life = u64::try_from(self.lifetime.as_millis()).unwrap_or(u64::MAX);
            self.next_prune_ms = now_ms.saturating_add(life.clamp(1, PRUNE_EVERY_MS));
        }
        format!("{body}.{}", hex::encode(&mac[..16]))
    }

    /// Checks origin and age.
    pub fn check(&self, now: Instant, nonce: &str) -> NonceState {
        let Some(issued) = self.issued_ms(nonce) else {
            return NonceState::Invalid;
        };
        let age = self.millis(now).saturating_sub(issued);
        if u128::from(age) > self.lifetime.as_millis() {
            NonceState::Stale
        } else {
            NonceState::Fresh
        }
    }

    fn issued_ms(&self, nonce: &str) -> Option<u64> {
        let (body, mac) = nonce.split_once('.')?;
        if body.len() != 32 || !body.is_ascii() {
            return None;
        }
        let expected = hex::encode(&hmac_sha256(&self.key, body.as_bytes())[..16]);
        if !constant_time_eq(&expected, mac) {
            return None;
        }
        u64::from_str_radix(&body[..16], 16).ok()
    }

    /// Records `nc` for `nonce`; `false` if it is not above every count seen (replay).
    pub fn accept_nc(&mut self, nonce: &str, nc: u32) -> bool {
        let issued = self.issued_ms(nonce).unwrap_or(0);
        match self.highest_nc.get_mut(nonce) {
            Some((seen, _)) if nc <= *seen => false,
            Some((seen, _)) => {
                *seen = nc;
                true
            }
            None => {
                self.highest_nc.insert(nonce.to_owned(), (nc, issued));
                true
            }
        }
    }

    /// Forgets counts of expired nonces: they can only be answered with stale now.
    fn prune(&mut self, now: Instant) {
        let now_ms = self.millis(now);
        let life = u64::try_from(self.lifetime.as_millis()).unwrap_or(u64::MAX);
        self.highest_nc
            .retain(|_, (_, issued)| now_ms.saturating_sub(*issued) <= life);
    }
}

/// Digest authentication for one realm.
#[derive(Debug)]
pub struct DigestServer {
    realm: String,
    nonces: NonceManager,
    algorithms: Vec<Algorithm>,
}

/// Why a request is not authenticated. Unknown user and wrong password are one variant
/// on purpose: nothing outside may tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No credentials for our realm: challenge.
    Missing,
    /// Credentials that do not parse or lack fields.
    Malformed(AuthError),
    /// Unknown user or wrong password.
    BadCredentials,
    /// Right password, expired nonce: challenge with `stale=true`.
    Stale,
    /// `nc` not above the last one seen for this nonce.
    Replay,
}

/// A challenge to send: status 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`),
/// one header value per algorithm, strongest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// 401 or 407.
    pub status: u16,
    /// Header name.
    pub header: &'static str,
    /// Header values.
    pub values: Vec<String>,
}

impl DigestServer {
    /// A verifier for `realm` offering `algorithms` (e.g. SHA-256 then MD5).
    pub fn new(realm: &str, algorithms: Vec<Algorithm>, nonces: NonceManager) -> Self {
        DigestServer {
            realm: realm.to_owned(),
            nonces,
            algorithms,
        }
    }

    /// The challenge for a rejection; `proxy` picks 407 over 401.
    pub fn challenge(&mut self, now: Instant, rejection: &Rejection, proxy: bool) -> Challenge {
        let nonce = self.nonces.issue(now);
        let stale = matches!(rejection, Rejection::Stale);
        let values = self
            .algorithms
            .iter()
            .map(|alg| {
                let mut p = vec![
                    ("realm", self.realm.as_str(), true),
                    ("nonce", nonce.as_str(), true),
                    ("algorithm", alg.as_str(), false),
                    ("qop", "auth", true),
                ];
                if stale {
                    p.push(("stale", "true", false));
                }
                write_params(&p)
            })
            .collect();
        let (status, header) = if proxy {
            (407, "Proxy-Authenticate")
        } else {
            (401, "WWW-Authenticate")
        };
        Challenge {
            status,
            header,
            values,
        }
    }

    /// Verifies an Authorization value. `password` is the stored password of the named
    /// user, `None` if there is no such user: a dummy is hashed instead, so both failures
    /// cost the same and look the same. Returns the authenticated username.
    pub fn verify(
        &mut self,
        now: Instant,
        method: &str,
        authorization: Option<&str>,
        password: impl FnOnce(&str) -> Option<String>,
    ) -> Result<String, Rejection> {
        let creds = AuthParams::parse(authorization.ok_or(Rejection::Missing)?)
            .map_err(Rejection::Malformed)?;
        if !creds.is_digest() || creds.get("realm") != Some(self.realm.as_str()) {
            return Err(Rejection::Missing);
        }
        let f = Fields::read(&creds, &self.algorithms).map_err(Rejection::Malformed)?;
        let state = self.nonces.check(now, f.nonce);
        let known = password(f.username);
        // Unknown users are hashed against a dummy password, so timing does not differ.
        let secret = known
            .as_deref()
            .unwrap_or("\u{0}switchboard-no-such-user\u{0}");
        let expected = response(&DigestInput {
            algorithm: f.algorithm,
            username: f.username,
            realm: &self.realm,
            password: secret,
            nonce: f.nonce,
            cnonce: f.cnonce,
            nc: f.nc,
            qop: f.qop,
            method,
            uri: f.uri,
        });
        let matches = constant_time_eq(&expected, &f.response.to_ascii_lowercase());
        if !matches || known.is_none() || state == NonceState::Invalid {
            return Err(Rejection::BadCredentials);
        }
        if state == NonceState::Stale {
            return Err(Rejection::Stale);
        }
        if f.qop.is_some() && !self.nonces.accept_nc(f.nonce, f.nc) {
            return Err(Rejection::Replay);
        }
        Ok(f.username.to_owned())
    }
}

/// The credential fields a verification needs (RFC 7616 §3.4).
struct Fields<'a> {
    username: &'a str,
    nonce: &'a str,
    uri: &'a str,
    response: &'a str,
    algorithm: Algorithm,
    qop: Option<&'a str>,
    cnonce: &'a str,
    nc: u32,
}

impl<'a> Fields<'a> {
    fn read(creds: &'a AuthParams, offered: &[Algorithm]) -> Result<Self, AuthError> {
        let field = |name: &'static str| creds.get(name).ok_or(AuthError::MissingParam { name });
        let algorithm = Algorithm::parse(creds.get("algorithm"))
            .filter(|a| offered.contains(a))
            .ok_or(AuthError::UnsupportedAlgorithm)?;
        let qop = creds.get("qop");
        let (cnonce, nc) = match qop {
            Some("auth") => (field("cnonce")?, parse_nc(creds.get("nc"))?),
            Some(_) => return Err(AuthError::UnsupportedQop),
            None => (creds.get("cnonce").unwrap_or(""), 0),
        };
        Ok(Fields {
            username: field("username")?,
            nonce: field("nonce")?,
            uri: field("uri")?,
            response: field("response")?,
            algorithm,
            qop,
            cnonce,
            nc,
        })
    }
}

/// `nc` is exactly 8 hex digits (RFC 7616 §3.4) — not decimal, whatever rsip believes.
fn parse_nc(nc: Option<&str>) -> Result<u32, AuthError> {
    let nc = nc.ok_or(AuthError::InvalidNc)?;
    if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthError::InvalidNc);
    }
    u32::from_str_radix(nc, 16).map_err(|_| AuthError::InvalidNc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_round_trip_expiry_and_tamper() {
        let t0 = sb_testkit::FakeClock::new().now();
        let mut m = NonceManager::new([7; 32], Duration::from_secs(30), t0);
        let n = m.issue(t0);
        assert_eq!(m.check(t0 + Duration::from_secs(30), &n), NonceState::Fresh);
        assert_eq!(m.check(t0 + Duration::from_secs(31), &n), NonceState::Stale);
        let mut forged = n.clone();
        forged.replace_range(0..1, if n.starts_with('0') { "1" } else { "0" });
        assert_eq!(m.check(t0, &forged), NonceState::Invalid);
        assert_eq!(m.check(t0, "garbage"), NonceState::Invalid);
    }

    #[test]
    fn expired_counts_are_dropped_within_a_second_not_on_every_challenge() {
        let t0 = sb_testkit::FakeClock::new().now();
        let life = Duration::from_secs(30);
        let mut m = NonceManager::new([3; 32], life, t0);
        let old = m.issue(t0);
        assert!(m.accept_nc(&old, 1));
        // Live counts stay, whatever the number of challenges in between.
        for i in 0..100 {
            let n = m.issue(t0 + Duration::from_secs(10) + Duration::from_millis(i));
            assert!(m.accept_nc(&n, 1));
        }
        assert_eq!(m.highest_nc.len(), 101);
        assert!(!m.accept_nc(&old, 1), "a live count still refuses a replay");
        // Once the first nonce is past its lifetime, the next prune (at most a second
        // later) forgets it, and only it.
        let later = t0 + life + Duration::from_millis(50);
        m.issue(later);
        m.issue(later + Duration::from_secs(1));
        assert!(!m.highest_nc.contains_key(&old));
        assert_eq!(m.highest_nc.len(), 100);
    }

    #[test]
    fn nc_must_increase() {
        let t0 = sb_testkit::FakeClock::new().now();
        let mut m = NonceManager::new([1; 32], Duration::from_secs(30), t0);
        let n = m.issue(t0);
        assert!(m.accept_nc(&n, 1));
        assert!(!m.accept_nc(&n, 1));
        assert!(m.accept_nc(&n, 2));
    }

    #[test]
    fn nc_is_hex() {
        assert_eq!(parse_nc(Some("0000000a")), Ok(10));
        assert!(parse_nc(Some("1")).is_err());
        assert!(parse_nc(Some("0000000g")).is_err());
    }
}
