//! The digest computation itself (RFC 7616 §3.4.1–3.4.3; RFC 2617 §3.2.2 for no-qop).

use md5::Md5;
use sha2::{Digest as _, Sha256};

/// A digest algorithm (RFC 7616 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// MD5 (legacy; still what most phones speak).
    Md5,
    /// MD5-sess.
    Md5Sess,
    /// SHA-256.
    Sha256,
    /// SHA-256-sess.
    Sha256Sess,
}

impl Algorithm {
    /// Parses the `algorithm` token; absent means MD5 (RFC 7616 §3.3).
    pub fn parse(s: Option<&str>) -> Option<Self> {
        let s = s.unwrap_or("MD5");
        [Self::Md5, Self::Md5Sess, Self::Sha256, Self::Sha256Sess]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// The token.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Preference when several are offered: SHA-256 family first (RFC 7616 §3.7).
    pub fn strength(self) -> u8 {
        match self {
            Self::Sha256 => 4,
            Self::Sha256Sess => 3,
            Self::Md5 => 2,
            Self::Md5Sess => 1,
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }

    /// H(data) as lower-case hex.
    pub fn hash(self, data: &[u8]) -> String {
        match self {
            Self::Md5 | Self::Md5Sess => hex::encode(Md5::digest(data)),
            Self::Sha256 | Self::Sha256Sess => hex::encode(Sha256::digest(data)),
        }
    }
}

/// The values one digest response is computed from.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Username.
    pub username: &'a str,
    /// Realm.
    pub realm: &'a str,
    /// Password.
    pub password: &'a str,
    /// Server nonce.
    pub nonce: &'a str,
    /// Client nonce (required with qop and with -sess).
    pub cnonce: &'a str,
    /// Nonce count, 8 hex digits on the wire.
    pub nc: u32,
    /// `Some("auth")`, or `None` for RFC 2069/2617 no-qop.
    pub qop: Option<&'a str>,
    /// Request method.
    pub method: &'a str,
    /// digest-uri.
    pub uri: &'a str,
}

/// HA1 (RFC 7616 §3.4.2): for -sess, H(H(user:realm:pass):nonce:cnonce).
pub fn ha1(i: &DigestInput<'_>) -> String {
    let base = i
        .algorithm
        .hash(format!("{}:{}:{}", i.username, i.realm, i.password).as_bytes());
    if i.algorithm.is_sess() {
        i.algorithm
            .hash(format!("{base}:{}:{}", i.nonce, i.cnonce).as_bytes())
    } else {
        base
    }
}

/// The `response` value, from a precomputed HA1 (so a server can work from stored HA1s).
pub fn response_from_ha1(ha1: &str, i: &DigestInput<'_>) -> String {
    let ha2 = i
        .algorithm
        .hash(format!("{}:{}", i.method, i.uri).as_bytes());
    let data = match i.qop {
        Some(qop) => format!("{ha1}:{}:{:08x}:{}:{qop}:{ha2}", i.nonce, i.nc, i.cnonce),
        None => format!("{ha1}:{}:{ha2}", i.nonce),
    };
    i.algorithm.hash(data.as_bytes())
}

/// The `response` value.
pub fn response(i: &DigestInput<'_>) -> String {
    response_from_ha1(&ha1(i), i)
}

/// Compares two strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA-256 (RFC 2104), for nonce integrity.
pub(crate) fn hmac_sha256(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(data)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2_shape() {
        // RFC 4231 test case 2 uses a 4-byte key; zero-padded to 32 bytes it is the same key.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = hmac_sha256(&key, b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
