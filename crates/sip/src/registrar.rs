//! Registrar bindings (RFC 3261 §10.3), pure: the engine persists them through
//! [`Registrar::export`] / [`Registrar::import`].
//!
//! A REGISTER is applied all-or-nothing (§10.3 step 8): every contact is checked first
//! (423, 400, CSeq order), then the bindings change.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::message::{Contact, NameAddr, Request, Response, SipHeaders, Uri};
use crate::transport::Transport;

/// Expiry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Used when neither the Contact nor the request says (§10.2.1.1 suggests 3600).
    pub default_expires: u32,
    /// Shorter non-zero requests get 423 Interval Too Brief (§10.3 step 6).
    pub min_expires: u32,
    /// Longer requests are shortened to this.
    pub max_expires: u32,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        RegistrarConfig {
            default_expires: 3600,
            min_expires: 60,
            max_expires: 7200,
        }
    }
}

/// Why a REGISTER is refused; [`RegisterError::status`] is the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// An expiry below the minimum (answer 423 with Min-Expires).
    #[error("expires {requested} below minimum {min_expires}")]
    IntervalTooBrief {
        /// What was asked.
        requested: u32,
        /// Our minimum.
        min_expires: u32,
    },
    /// `Contact: *` with other contacts or a non-zero Expires (§10.2.2; answer 400).
    #[error("Contact: * needs Expires: 0 and no other contact")]
    InvalidWildcard,
    /// Same Call-ID, CSeq not higher than the stored binding (§10.3 step 7).
    #[error("CSeq {received} not above {stored} for this Call-ID")]
    OutOfOrder {
        /// CSeq received.
        received: u32,
        /// CSeq stored.
        stored: u32,
    },
    /// Missing Call-ID or CSeq.
    #[error("missing {name}")]
    MissingHeader {
        /// Header name.
        name: &'static str,
    },
}

impl RegisterError {
    /// The status to answer.
    pub fn status(&self) -> u16 {
        match self {
            RegisterError::IntervalTooBrief { .. } => 423,
            RegisterError::OutOfOrder { .. } => 500,
            _ => 400,
        }
    }
}

/// One contact bound to an address-of-record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The Contact, parameters included (`expires` removed).
    pub contact: NameAddr,
    /// When it lapses.
    pub expires_at: Instant,
    /// User-Agent of the REGISTER.
    pub user_agent: Option<String>,
    /// Where the REGISTER came from.
    pub source: SocketAddr,
    /// Its transport.
    pub transport: Transport,
    /// Call-ID of the REGISTER.
    pub call_id: String,
    /// CSeq of the REGISTER.
    pub cseq: u32,
}

impl Binding {
    /// Seconds left at `now`, rounded up.
    pub fn remaining(&self, now: Instant) -> u32 {
        let left = self.expires_at.saturating_duration_since(now);
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        u32::try_from(secs).unwrap_or(u32::MAX)
    }
}

/// A binding in wall-clock form, for storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBinding {
    /// Address-of-record.
    pub aor: String,
    /// Contact as written.
    pub contact: String,
    /// Expiry, Unix milliseconds.
    pub expires_unix_ms: u64,
    /// User-Agent.
    pub user_agent: Option<String>,
    /// Source `ip:port`.
    pub source: SocketAddr,
    /// Transport.
    pub transport: Transport,
    /// Call-ID.
    pub call_id: String,
    /// CSeq.
    pub cseq: u32,
}

/// All bindings, by address-of-record.
#[derive(Debug, Default)]
pub struct Registrar {
    cfg: RegistrarConfig,
    aors: HashMap<String, Vec<Binding>>,
}

/// The canonical AOR of a REGISTER: `sip:user@host` of its To URI, host lower-cased.
pub fn aor_of(request: &Request) -> Option<String> {
    let to = request.to()?;
    Some(aor_key(&to.uri))
}

fn aor_key(uri: &Uri) -> String {
    match &uri.user {
        Some(u) => format!("sip:{u}@{}", uri.host.to_ascii_lowercase()),
        None => format!("sip:{}", uri.host.to_ascii_lowercase()),
    }
}

/// §19.1.4-style identity for contacts: scheme, user, host (case-insensitive), port.
fn same_contact(a: &Uri, b: &Uri) -> bool {
    a.scheme == b.scheme
        && a.user == b.user
        && a.host.eq_ignore_ascii_case(&b.host)
        && a.port == b.port
}

/// §10.3 step 7: a binding from the same Call-ID may only be changed by a higher CSeq.
/// `uri` limits the check to one contact; `None` checks them all (for `Contact: *`).
fn check_order(
    existing: &[Binding],
    call_id: &str,
    cseq: u32,
    uri: Option<&Uri>,
) -> Result<(), RegisterError> {
    for b in existing {
        let relevant = uri.is_none_or(|u| same_contact(&b.contact.uri, u));
        if relevant && b.call_id == call_id && cseq <= b.cseq {
            return Err(RegisterError::OutOfOrder {
                received: cseq,
                stored: b.cseq,
            });
        }
    }
    Ok(())
}

/// One planned change.
enum Change {
    Upsert(NameAddr, u32),
    Remove(Uri),
    RemoveAll,
}

impl Registrar {
    /// A registrar with `cfg`.
    pub fn new(cfg: RegistrarConfig) -> Self {
        Registrar {
            cfg,
            aors: HashMap::new(),
        }
    }

    /// Applies a REGISTER for `aor`; returns the bindings after it (§10.3 step 8).
    pub fn register(
        &mut self,
        now: Instant,
        aor: &str,
        request: &Request,
        source: SocketAddr,
        transport: Transport,
    ) -> Result<Vec<Binding>, RegisterError> {
        let call_id = request
            .call_id()
            .ok_or(RegisterError::MissingHeader { name: "Call-ID" })?
            .to_owned();
        let cseq = request
            .cseq()
            .ok_or(RegisterError::MissingHeader { name: "CSeq" })?
            .seq;
        let changes = self.plan(aor, request, &call_id, cseq)?;
        let existing = self.aors.entry(aor.to_owned()).or_default();
        for change in changes {
            match change {
                Change::RemoveAll => existing.clear(),
                Change::Remove(uri) => existing.retain(|b| !same_contact(&b.contact.uri, &uri)),
                Change::Upsert(contact, secs) => {
                    existing.retain(|b| !same_contact(&b.contact.uri, &contact.uri));
                    existing.push(Binding {
                        contact,
                        expires_at: now + Duration::from_secs(u64::from(secs)),
                        user_agent: request.user_agent().map(str::to_owned),
                        source,
                        transport,
                        call_id: call_id.clone(),
                        cseq,
                    });
                }
            }
        }
        Ok(self.bindings(aor, now))
    }

    /// Validates everything before anything changes.
    fn plan(
        &self,
        aor: &str,
        request: &Request,
        call_id: &str,
        cseq: u32,
    ) -> Result<Vec<Change>, RegisterError> {
        let contacts = request.contacts();
        let header_expires = request.expires();
        let existing = self.aors.get(aor).map(Vec::as_slice).unwrap_or_default();
        if contacts.contains(&Contact::Star) {
            if contacts.len() != 1 || header_expires != Some(0) {
                return Err(RegisterError::InvalidWildcard);
            }
            check_order(existing, call_id, cseq, None)?;
            return Ok(vec![Change::RemoveAll]);
        }
        let mut changes = Vec::new();
        for contact in contacts {
            // §10.3 step 6: the Contact's expires param, else the Expires header, else ours.
            let requested = contact
                .expires()
                .or(header_expires)
                .unwrap_or(self.cfg.default_expires);
            let Contact::Addr(mut addr) = contact else {
                continue;
            };
            check_order(existing, call_id, cseq, Some(&addr.uri))?;
            if requested == 0 {
                changes.push(Change::Remove(addr.uri));
                continue;
            }
            if requested < self.cfg.min_expires {
                return Err(RegisterError::IntervalTooBrief {
                    requested,
                    min_expires: self.cfg.min_expires,
                });
            }
            addr.params.remove("expires");
            changes.push(Change::Upsert(addr, requested.min(self.cfg.max_expires)));
        }
        Ok(changes)
    }

    /// Current, unexpired bindings of `aor`.
    pub fn bindings(&self, aor: &str, now: Instant) -> Vec<Binding> {
        self.aors
            .get(aor)
            .map(|v| v.iter().filter(|b| b.expires_at > now).cloned().collect())
            .unwrap_or_default()
    }

    /// Removes every binding of `aor` (the extension was deleted) and returns them.
    pub fn remove_aor(&mut self, aor: &str) -> Vec<Binding> {
        self.aors.remove(aor).unwrap_or_default()
    }

    /// Every address-of-record with at least one binding, for listings.
    pub fn aors(&self) -> impl Iterator<Item = &str> {
        self.aors
            .iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(aor, _)| aor.as_str())
    }

    /// Removes and returns every binding expired at `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<(String, Binding)> {
        let mut gone = Vec::new();
        for (aor, list) in &mut self.aors {
            let (dead, live): (Vec<Binding>, Vec<Binding>) =
                list.drain(..).partition(|b| b.expires_at <= now);
            *list = live;
            gone.extend(dead.into_iter().map(|b| (aor.clone(), b)));
        }
        self.aors.retain(|_, list| !list.is_empty());
        gone
    }

    /// The earliest expiry, to schedule [`Registrar::expire`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.aors.values().flatten().map(|b| b.expires_at).min()
    }

    /// The 200 OK for a REGISTER: every current binding with its remaining expiry
    /// (§10.3 step 8).
    pub fn ok_response(
        request: &Request,
        bindings: &[Binding],
        now: Instant,
        to_tag: &str,
    ) -> Response {
        let mut resp = Response::from_request(request, 200, Some(to_tag));
        for b in bindings {
            let mut c = b.contact.clone();
            c.params.set("expires", Some(&b.remaining(now).to_string()));
            resp.headers.push("Contact", c.to_string());
        }
        resp
    }

    /// The error response, with Min-Expires on 423 (§10.3 step 6).
    pub fn error_response(
        &self,
        request: &Request,
        error: &RegisterError,
        to_tag: &str,
    ) -> Response {
        let mut resp = Response::from_request(request, error.status(), Some(to_tag));
        if let RegisterError::IntervalTooBrief { min_expires, .. } = error {
            resp.headers.push("Min-Expires", min_expires.to_string());
        }
        resp
    }

    /// Every binding in wall-clock form; `now_unix_ms` is the wall time matching `now`.
    pub fn export(&self, now: Instant, now_unix_ms: u64) -> Vec<StoredBinding> {
        let mut out = Vec::new();
        for (aor, list) in &self.aors {
            for b in list.iter().filter(|b| b.expires_at > now) {
                let left =
                    u64::try_from(b.expires_at.duration_since(now).as_millis()).unwrap_or(u64::MAX);
                out.push(StoredBinding {
                    aor: aor.clone(),
                    contact: b.contact.to_string(),
                    expires_unix_ms: now_unix_ms.saturating_add(left),
                    user_agent: b.user_agent.clone(),
                    source: b.source,
                    transport: b.transport,
                    call_id: b.call_id.clone(),
                    cseq: b.cseq,
                });
            }
        }
        out
    }

    /// Loads bindings saved by [`Registrar::export`]; expired or unparseable ones are
    /// skipped and counted in the return value.
    pub fn import(&mut self, now: Instant, now_unix_ms: u64, stored: Vec<StoredBinding>) -> usize {
        let mut skipped = 0;
        for s in stored {
            let Ok(contact) = NameAddr::parse(&s.contact) else {
                skipped += 1;
                continue;
            };
            if s.expires_unix_ms <= now_unix_ms {
                skipped += 1;
                continue;
            }
            let left = Duration::from_millis(s.expires_unix_ms - now_unix_ms);
            self.aors.entry(s.aor).or_default().push(Binding {
                contact,
                expires_at: now + left,
                user_agent: s.user_agent,
                source: s.source,
                transport: s.transport,
                call_id: s.call_id,
                cseq: s.cseq,
            });
        }
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_rounds_up_partial_seconds() {
        let clock = sb_testkit::FakeClock::new();
        let b = Binding {
            contact: NameAddr::parse("<sip:a@10.0.0.1>").unwrap(),
            expires_at: clock.now() + Duration::from_millis(59_001),
            user_agent: None,
            source: "10.0.0.1:5060".parse().unwrap(),
            transport: Transport::Udp,
            call_id: "c".into(),
            cseq: 1,
        };
        assert_eq!(b.remaining(clock.now()), 60);
        assert_eq!(b.remaining(clock.now() + Duration::from_secs(100)), 0);
    }

    #[test]
    fn contact_identity_ignores_host_case_and_params() {
        let a = Uri::parse("sip:u@Host.example.com;transport=tcp").unwrap();
        let b = Uri::parse("sip:u@host.EXAMPLE.com").unwrap();
        let c = Uri::parse("sip:u@host.example.com:5070").unwrap();
        assert!(same_contact(&a, &b));
        assert!(!same_contact(&a, &c));
    }

    #[test]
    fn remove_aor_forgets_everything_for_that_aor() {
        let clock = sb_testkit::FakeClock::new();
        let mut reg = Registrar::default();
        reg.aors.insert(
            "sip:1001@x".into(),
            vec![Binding {
                contact: NameAddr::parse("<sip:a@10.0.0.1>").unwrap(),
                expires_at: clock.now() + Duration::from_secs(60),
                user_agent: None,
                source: "10.0.0.1:5060".parse().unwrap(),
                transport: Transport::Udp,
                call_id: "c".into(),
                cseq: 1,
            }],
        );
        assert_eq!(reg.aors().collect::<Vec<_>>(), vec!["sip:1001@x"]);
        assert_eq!(reg.remove_aor("sip:1001@x").len(), 1);
        assert!(reg.bindings("sip:1001@x", clock.now()).is_empty());
        assert_eq!(reg.aors().count(), 0);
    }

    #[test]
    fn error_statuses() {
        assert_eq!(RegisterError::InvalidWildcard.status(), 400);
        assert_eq!(
            RegisterError::OutOfOrder {
                received: 1,
                stored: 1
            }
            .status(),
            500
        );
        assert_eq!(
            RegisterError::IntervalTooBrief {
                requested: 1,
                min_expires: 60
            }
            .status(),
            423
        );
    }
}
