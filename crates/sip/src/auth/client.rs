//! The UAC side: answering 401/407 challenges (RFC 7616 §3.4, RFC 3261 §22.2–22.3).

use std::collections::HashMap;

use super::digest::{response, Algorithm, DigestInput};
use super::params::{write_params, AuthParams};
use super::AuthError;

/// Credentials for one account, with a nonce count per nonce.
#[derive(Debug, Clone)]
pub struct DigestClient {
    username: String,
    password: String,
    nc: HashMap<String, u32>,
}

/// The header to add to the retried request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `Authorization` for a 401, `Proxy-Authorization` for a 407.
    pub header: &'static str,
    /// The value.
    pub value: String,
}

impl DigestClient {
    /// An account.
    pub fn new(username: &str, password: &str) -> Self {
        DigestClient {
            username: username.to_owned(),
            password: password.to_owned(),
            nc: HashMap::new(),
        }
    }

    /// Answers the challenge values of a 401 (`proxy == false`) or 407 for `method` on
    /// `uri`, choosing the strongest algorithm offered. `cnonce` comes from the caller's
    /// RNG.
    pub fn authorize(
        &mut self,
        challenges: &[&str],
        proxy: bool,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> Result<Authorization, AuthError> {
        let (algorithm, challenge) = strongest(challenges)?;
        let realm = challenge
            .get("realm")
            .ok_or(AuthError::MissingParam { name: "realm" })?;
        let nonce = challenge
            .get("nonce")
            .ok_or(AuthError::MissingParam { name: "nonce" })?;
        let qop = match challenge.get("qop") {
            None => None,
            Some(list) if list.split(',').any(|q| q.trim() == "auth") => Some("auth"),
            Some(_) => return Err(AuthError::UnsupportedQop),
        };
        let nc = if qop.is_some() {
            self.next_nc(nonce)
        } else {
            0
        };
        let input = DigestInput {
            algorithm,
            username: &self.username,
            realm,
            password: &self.password,
            nonce,
            cnonce,
            nc,
            qop,
            method,
            uri,
        };
        Ok(Authorization {
            header: if proxy {
                "Proxy-Authorization"
            } else {
                "Authorization"
            },
            value: credentials(&input, challenge.get("opaque")),
        })
    }

    /// RFC 7616 §3.4: nc counts requests per nonce, from 1.
    fn next_nc(&mut self, nonce: &str) -> u32 {
        let n = self.nc.entry(nonce.to_owned()).or_insert(0);
        *n += 1;
        *n
    }
}

/// The Digest challenge with the strongest algorithm we support (RFC 7616 §3.7).
fn strongest(challenges: &[&str]) -> Result<(Algorithm, AuthParams), AuthError> {
    let mut best: Option<(Algorithm, AuthParams)> = None;
    for value in challenges {
        let Ok(p) = AuthParams::parse(value) else {
            continue;
        };
        let Some(alg) = p
            .is_digest()
            .then(|| Algorithm::parse(p.get("algorithm")))
            .flatten()
        else {
            continue;
        };
        if best
            .as_ref()
            .is_none_or(|(b, _)| alg.strength() > b.strength())
        {
            best = Some((alg, p));
        }
    }
    best.ok_or(AuthError::UnsupportedAlgorithm)
}

/// The credentials value (RFC 7616 §3.4): `nc` as 8 hex digits.
fn credentials(i: &DigestInput<'_>, opaque: Option<&str>) -> String {
    let resp = response(i);
    let nc_hex = format!("{:08x}", i.nc);
    let mut params = vec![
        ("username", i.username, true),
        ("realm", i.realm, true),
        ("nonce", i.nonce, true),
        ("uri", i.uri, true),
        ("response", resp.as_str(), true),
        ("algorithm", i.algorithm.as_str(), false),
    ];
    if let Some(q) = i.qop {
        params.extend([
            ("qop", q, false),
            ("nc", nc_hex.as_str(), false),
            ("cnonce", i.cnonce, true),
        ]);
    }
    if let Some(opaque) = opaque {
        params.push(("opaque", opaque, true));
    }
    write_params(&params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_int_only_and_foreign_schemes_are_refused() {
        let mut c = DigestClient::new("u", "p");
        let int_only = r#"Digest realm="r", nonce="n", qop="auth-int""#;
        assert_eq!(
            c.authorize(&[int_only], false, "INVITE", "sip:x", "c"),
            Err(AuthError::UnsupportedQop)
        );
        assert_eq!(
            c.authorize(
                &[r#"Basic realm="r""#, "garbage"],
                false,
                "INVITE",
                "sip:x",
                "c"
            ),
            Err(AuthError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn nonce_counts_are_per_nonce() {
        let mut c = DigestClient::new("u", "p");
        let nc = |c: &mut DigestClient, nonce: &str| {
            let ch = format!(r#"Digest realm="r", nonce="{nonce}", qop="auth""#);
            let a = c.authorize(&[&ch], false, "INVITE", "sip:x", "c").unwrap();
            AuthParams::parse(&a.value)
                .unwrap()
                .get("nc")
                .unwrap()
                .to_owned()
        };
        assert_eq!(nc(&mut c, "a"), "00000001");
        assert_eq!(nc(&mut c, "a"), "00000002");
        assert_eq!(nc(&mut c, "b"), "00000001");
    }
}
