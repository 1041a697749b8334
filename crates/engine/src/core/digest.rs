//! Digest authentication (RFC 7616) split into shards by address-of-record.
//!
//! [`NonceManager`] forgets the `nc` counts of expired nonces by walking its whole table
//! each time it issues a nonce, and that table holds every nonce answered within the
//! nonce lifetime: under a REGISTER storm one challenge costs a pass over hundreds of
//! thousands of entries. Splitting the work over [`SHARDS`] independent managers, each
//! with its own key, divides that pass by the shard count.
//!
//! A REGISTER's shard is chosen by its To user (the address-of-record), for the challenge
//! and for the credentials answering it alike, so a phone's retry always meets the
//! manager that issued its nonce, and replay protection (RFC 7616 §3.4.5) is untouched:
//! each nonce's counts live in exactly one shard. The one visible difference: a nonce
//! issued for one AOR and presented for another no longer verifies (it is another
//! shard's, so it looks forged) and is answered with a fresh challenge.

use std::time::{Duration, Instant};

use sb_sip::auth::{Algorithm, Challenge, DigestServer, NonceManager, Rejection};
use sha2::{Digest as _, Sha256};

/// Independent nonce managers. A power of two, so the shard is a mask of the hash.
pub const SHARDS: usize = 64;

/// Digest challenges and verification for one realm, sharded by address-of-record.
#[derive(Debug)]
pub struct ShardedDigest {
    shards: Vec<DigestServer>,
}

impl ShardedDigest {
    /// Shards for `realm`; each shard's nonce key is derived from `key`, so nonces of one
    /// shard never verify in another.
    pub fn new(
        realm: &str,
        algorithms: &[Algorithm],
        key: [u8; 32],
        lifetime: Duration,
        now: Instant,
    ) -> Self {
        let shards = (0..SHARDS)
            .map(|i| {
                let nonces = NonceManager::new(shard_key(&key, i), lifetime, now);
                DigestServer::new(realm, algorithms.to_vec(), nonces)
            })
            .collect();
        ShardedDigest { shards }
    }

    /// A challenge for a REGISTER to `aor_user` (see [`DigestServer::challenge`]).
    pub fn challenge(
        &mut self,
        now: Instant,
        aor_user: &str,
        rejection: &Rejection,
        proxy: bool,
    ) -> Challenge {
        self.shard(aor_user).challenge(now, rejection, proxy)
    }

    /// Verifies credentials sent in a REGISTER to `aor_user` (see [`DigestServer::verify`]).
    pub fn verify(
        &mut self,
        now: Instant,
        aor_user: &str,
        method: &str,
        authorization: Option<&str>,
        password: impl FnOnce(&str) -> Option<String>,
    ) -> Result<String, Rejection> {
        self.shard(aor_user)
            .verify(now, method, authorization, password)
    }

    fn shard(&mut self, aor_user: &str) -> &mut DigestServer {
        let index = shard_of(aor_user);
        // Invariant: shard_of masks with SHARDS - 1 and `new` built SHARDS servers.
        &mut self.shards[index]
    }
}

/// FNV-1a of the user, masked: stable for the life of the process, which is all a
/// nonce needs (nonces do not survive a restart: the keys are new each start).
fn shard_of(aor_user: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in aor_user.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // The mask keeps the value below SHARDS, so the narrowing cannot lose anything.
    (h & (SHARDS as u64 - 1)) as usize
}

fn shard_key(key: &[u8; 32], index: usize) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(index.to_be_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_sip::auth::DigestClient;
    use sb_testkit::FakeClock;

    fn answer(d: &mut ShardedDigest, now: Instant, aor: &str, client: &mut DigestClient) -> String {
        let ch = d.challenge(now, aor, &Rejection::Missing, false);
        let values: Vec<&str> = ch.values.iter().map(String::as_str).collect();
        let auth = client
            .authorize(&values, false, "REGISTER", "sip:sb", "c0ffee")
            .expect("our own challenge is answerable");
        auth.value
    }

    #[test]
    fn round_trip_then_replay_refused() {
        let clock = FakeClock::new();
        let mut d = digest(clock.now());
        let mut client = DigestClient::new("1001", "pw123456");
        let value = answer(&mut d, clock.now(), "1001", &mut client);
        let pw = |_: &str| Some("pw123456".to_owned());
        let ok = d.verify(clock.now(), "1001", "REGISTER", Some(&value), pw);
        assert_eq!(ok, Ok("1001".to_owned()));
        let again = d.verify(clock.now(), "1001", "REGISTER", Some(&value), pw);
        assert_eq!(again, Err(Rejection::Replay));
    }

    #[test]
    fn nonce_of_another_shard_is_refused() {
        let clock = FakeClock::new();
        let mut d = digest(clock.now());
        let other = (1000..2000)
            .map(|u| u.to_string())
            .find(|u| shard_of(u) != shard_of("1001"))
            .expect("1000 users fill every shard");
        let mut client = DigestClient::new("1001", "pw123456");
        let value = answer(&mut d, clock.now(), &other, &mut client);
        let pw = |_: &str| Some("pw123456".to_owned());
        let got = d.verify(clock.now(), "1001", "REGISTER", Some(&value), pw);
        assert_eq!(got, Err(Rejection::BadCredentials));
    }

    #[test]
    fn expired_nonce_is_stale() {
        let clock = FakeClock::new();
        let mut d = digest(clock.now());
        let mut client = DigestClient::new("1001", "pw123456");
        let value = answer(&mut d, clock.now(), "1001", &mut client);
        clock.advance(Duration::from_secs(301));
        let pw = |_: &str| Some("pw123456".to_owned());
        let got = d.verify(clock.now(), "1001", "REGISTER", Some(&value), pw);
        assert_eq!(got, Err(Rejection::Stale));
    }

    fn digest(now: Instant) -> ShardedDigest {
        ShardedDigest::new(
            "sb",
            &[Algorithm::Md5],
            [7u8; 32],
            Duration::from_secs(300),
            now,
        )
    }

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(shard_of("1001"), shard_of("1001"));
        let used: std::collections::HashSet<usize> =
            (1000..2000).map(|u| shard_of(&u.to_string())).collect();
        assert_eq!(used.len(), SHARDS);
        assert!(used.iter().all(|&s| s < SHARDS));
    }

    #[test]
    fn shard_keys_differ() {
        assert_ne!(shard_key(&[1; 32], 0), shard_key(&[1; 32], 1));
    }
}
