//! A new INVITE: draining check, trunk or extension, digest authentication with 407
//! (RFC 3261 §22.3, RFC 7616), then routing.

use std::time::Instant;

use sb_sip::message::{Response, SipHeaders};
use sb_store::Extension;

use crate::core::{Core, Parked};

impl Core {
    /// Serves an INVITE outside any dialog (a re-INVITE carries a To tag and goes to its
    /// dialog instead).
    pub(in crate::core) fn on_invite(&mut self, now: Instant, mut p: Parked) {
        if p.request.to().is_some_and(|to| to.tag().is_some()) {
            return self.on_in_dialog(now, p.id, p.request);
        }
        if self.calls.draining {
            let tag = self.tag(&p.request);
            let mut r = Response::from_request(&p.request, 503, Some(&tag));
            r.headers.push("Retry-After", "60");
            return self.respond(now, p.id, r);
        }
        let routes = self.routes.current();
        if let Some(trunk) = routes.trunk_from(p.source) {
            return self.route_from_trunk(now, p, trunk);
        }
        if let Some(caller) = p.caller.take() {
            return self.route_from_extension(now, p, caller);
        }
        if let Some((p, caller)) = self.authenticate_invite(now, p) {
            self.route_from_extension(now, p, caller);
        }
    }

    /// Digest-authenticates an INVITE as the extension of its From user, answering 407
    /// (or parking the request behind a store lookup) when it cannot yet.
    fn authenticate_invite(&mut self, now: Instant, p: Parked) -> Option<(Parked, Extension)> {
        let Some(user) = p.request.from().and_then(|f| f.uri.user) else {
            self.refuse(now, &p, 403);
            return None;
        };
        let credentials = p.request.proxy_authorization().map(str::to_owned);
        let extension = match credentials {
            // No credentials: the challenge needs no password.
            None => None,
            Some(_) => match self.directory.extension(now, &user) {
                Some(extension) => extension,
                None => {
                    self.park(now, user, p);
                    return None;
                }
            },
        };
        let password = extension.as_ref().and_then(|e| match &e.kind {
            sb_store::ExtensionKind::Terminal { password, .. } => Some(password.clone()),
            _ => None,
        });
        let verdict = self
            .auth
            .verify(now, &user, "INVITE", credentials.as_deref(), |_| password);
        match (verdict, extension) {
            (Ok(name), Some(extension)) if name == user => Some((p, extension)),
            (Ok(name), _) => {
                tracing::warn!(%name, %user, source = %p.source, "INVITE authenticated as another user");
                self.gate.auth_failed(now, p.source.ip());
                self.refuse(now, &p, 403);
                None
            }
            (Err(rejection), _) => {
                let tag = self.tag(&p.request);
                self.challenge(now, &p, &rejection, &tag, &user);
                None
            }
        }
    }
}
