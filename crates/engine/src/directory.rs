//! The extension cache in front of the store: the registrar needs a password per REGISTER,
//! and SQLite must stay off the SIP path, so lookups are cached for a short TTL — misses
//! included, so a scan of unknown users costs no more than a brute force on a real one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use sb_store::{Extension, ExtensionKind};

/// More entries than this and the cache drops stale ones (then everything, if need be):
/// a spray of random user names must not grow memory without bound.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone)]
struct Cached {
    /// The type-1 extension of this SIP user; `None` when there is none.
    extension: Option<Extension>,
    fetched_at: Instant,
}

/// The digest password of `extension` when it is the type-1 extension of `user`.
fn password_of(user: &str, extension: Option<&Extension>) -> Option<String> {
    extension.and_then(|e| match &e.kind {
        ExtensionKind::Terminal { user: u, password } if u == user => Some(password.clone()),
        _ => None,
    })
}

/// Cached answers to "what is the password of SIP user U?". Cloning shares the cache, so
/// the HTTP side can drop an entry the moment an extension changes.
#[derive(Debug, Clone)]
pub struct Directory {
    entries: Arc<DashMap<String, Cached>>,
    ttl: Duration,
}

impl Directory {
    /// An empty cache whose entries live for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Directory {
            entries: Arc::new(DashMap::new()),
            ttl,
        }
    }

    /// `Some(password)` when a fresh answer is cached (`Some(None)`: no such terminal),
    /// `None` when the store must be asked.
    pub fn password(&self, now: Instant, user: &str) -> Option<Option<String>> {
        let extension = self.extension(now, user)?;
        Some(password_of(user, extension.as_ref()))
    }

    /// `Some(extension)` when a fresh answer is cached (`Some(None)`: no such terminal),
    /// `None` when the store must be asked.
    pub fn extension(&self, now: Instant, user: &str) -> Option<Option<Extension>> {
        // Clone out of the guard: a dashmap Ref must not outlive this expression.
        let cached = self.entries.get(user).map(|e| e.clone())?;
        (now.saturating_duration_since(cached.fetched_at) < self.ttl).then_some(cached.extension)
    }

    /// Records what the store said about `user`; only type-1 extensions have a password.
    pub fn insert(
        &self,
        now: Instant,
        user: &str,
        extension: Option<&Extension>,
    ) -> Option<String> {
        let password = password_of(user, extension);
        let extension = password.as_ref().and(extension).cloned();
        if self.entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            self.entries
                .retain(|_, c| now.saturating_duration_since(c.fetched_at) < ttl);
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.clear();
            }
        }
        self.entries.insert(
            user.to_owned(),
            Cached {
                extension,
                fetched_at: now,
            },
        );
        password
    }

    /// Forgets `user`, so the next REGISTER reads the store again.
    pub fn forget(&self, user: &str) {
        self.entries.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_store::{CallCenterId, ExtensionId};
    use sb_testkit::FakeClock;

    fn terminal(user: &str, password: &str) -> Extension {
        Extension {
            id: ExtensionId("e1".into()),
            callcenter_id: CallCenterId("c1".into()),
            kind: ExtensionKind::Terminal {
                user: user.into(),
                password: password.into(),
            },
            created_at: 0,
        }
    }

    #[test]
    fn hits_until_the_ttl_then_misses() {
        let clock = FakeClock::new();
        let dir = Directory::new(Duration::from_secs(10));
        assert_eq!(dir.password(clock.now(), "1001"), None);
        dir.insert(clock.now(), "1001", Some(&terminal("1001", "pw123456")));
        dir.insert(clock.now(), "nobody", None);
        assert_eq!(
            dir.password(clock.now(), "1001"),
            Some(Some("pw123456".into()))
        );
        assert_eq!(dir.password(clock.now(), "nobody"), Some(None));
        clock.advance(Duration::from_secs(10));
        assert_eq!(dir.password(clock.now(), "1001"), None);
    }

    #[test]
    fn forget_and_non_terminals() {
        let clock = FakeClock::new();
        let dir = Directory::new(Duration::from_secs(10));
        let mut gw = terminal("x", "y");
        gw.kind = ExtensionKind::Gateway {
            ipaddr: "192.0.2.1".into(),
        };
        assert_eq!(dir.insert(clock.now(), "x", Some(&gw)), None);
        dir.insert(clock.now(), "1001", Some(&terminal("1001", "pw123456")));
        dir.forget("1001");
        assert_eq!(dir.password(clock.now(), "1001"), None);
    }
}
