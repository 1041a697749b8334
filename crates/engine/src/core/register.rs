//! REGISTER for type-1 extensions (RFC 3261 §10.3 with RFC 7616 digest).
//!
//! An unknown user and a wrong password must be indistinguishable from outside: both
//! reach [`DigestServer::verify`] (which hashes a dummy password for the unknown user),
//! both count toward a ban, and both are answered by the same challenge.

use std::net::SocketAddr;
use std::time::Instant;

use sb_sip::auth::{AuthParams, Rejection};
use sb_sip::message::{Request, Response, SipHeaders};
use sb_sip::registrar::Registrar;
use sb_sip::transaction::TransactionId;
use sb_sip::transport::Transport;

use super::{records_of, Core, Effect, Parked};
use crate::persist::Write;

impl Core {
    /// Starts a REGISTER: answers at once when the password is cached (or not needed),
    /// otherwise parks it behind one store lookup per user.
    pub(super) fn on_register(
        &mut self,
        now: Instant,
        id: TransactionId,
        request: Request,
        source: SocketAddr,
        transport: Transport,
    ) {
        let parked = Parked {
            id,
            request,
            source,
            transport,
            caller: None,
            attempts: 0,
        };
        let Some(user) = self.credentials_user(&parked.request) else {
            // No credentials for our realm: the challenge needs no password.
            self.finish_register(now, parked, None);
            return;
        };
        if let Some(password) = self.directory.password(now, &user) {
            self.finish_register(now, parked, password);
            return;
        }
        self.park(now, user, parked);
    }

    /// The username of digest credentials addressed to our realm, if any.
    fn credentials_user(&self, request: &Request) -> Option<String> {
        let creds = AuthParams::parse(request.authorization()?).ok()?;
        if !creds.is_digest() {
            return None;
        }
        creds.get("username").map(str::to_owned)
    }

    /// Verifies and binds, with the password of the credentials' user (`None`: no such
    /// type-1 extension, or no credentials).
    pub(super) fn finish_register(&mut self, now: Instant, p: Parked, password: Option<String>) {
        let tag = self.tag(&p.request);
        let call_id = p.request.call_id().unwrap_or_default().to_owned();
        let Some(aor_user) = p.request.to().and_then(|to| to.uri.user) else {
            let r = Response::from_request(&p.request, 404, Some(&tag));
            self.respond(now, p.id, r);
            return;
        };
        let verdict = self.auth.verify(
            now,
            &aor_user,
            "REGISTER",
            p.request.authorization(),
            |_| password,
        );
        match verdict {
            Ok(user) if user == aor_user => self.bind(now, p, &user, &tag),
            Ok(user) => {
                // Authenticated, but as someone else: no one binds another's AOR.
                tracing::warn!(%user, aor = %aor_user, source = %p.source, %call_id, "REGISTER for another user");
                self.gate.auth_failed(now, p.source.ip());
                let r = Response::from_request(&p.request, 403, Some(&tag));
                self.respond(now, p.id, r);
            }
            Err(rejection) => self.challenge(now, &p, &rejection, &tag, &aor_user),
        }
    }

    /// Answers with a digest challenge (401 for REGISTER, 407 for INVITE), counting a
    /// failed attempt toward the source's ban.
    pub(super) fn challenge(
        &mut self,
        now: Instant,
        p: &Parked,
        rejection: &Rejection,
        tag: &str,
        aor_user: &str,
    ) {
        let failed = !matches!(rejection, Rejection::Missing | Rejection::Stale);
        if failed {
            let banned = self.gate.auth_failed(now, p.source.ip());
            tracing::info!(
                user = %aor_user,
                source = %p.source,
                method = %p.request.method,
                call_id = p.request.call_id().unwrap_or_default(),
                banned,
                "authentication failed"
            );
        }
        let proxy = p.request.method == sb_sip::message::Method::Invite;
        let ch = self.auth.challenge(now, aor_user, rejection, proxy);
        let mut r = Response::from_request(&p.request, ch.status, Some(tag));
        for value in ch.values {
            r.headers.push(ch.header, value);
        }
        self.respond(now, p.id, r);
    }

    fn bind(&mut self, now: Instant, p: Parked, user: &str, tag: &str) {
        match self
            .registrar
            .register(now, user, &p.request, p.source, p.transport)
        {
            Ok(bindings) => {
                self.bindings_changed(&bindings);
                // Debug, not info: at thousands of REGISTERs a second a line each would
                // cost more than the REGISTER; failures and expiries stay at info.
                tracing::debug!(
                    %user,
                    source = %p.source,
                    call_id = p.request.call_id().unwrap_or_default(),
                    contacts = bindings.len(),
                    "registered"
                );
                let r = Registrar::ok_response(&p.request, &bindings, now, tag);
                self.respond(now, p.id, r);
                let records = records_of(user, &bindings, now, self.unix_ms);
                self.effects.push_back(Effect::Persist(Write {
                    user: user.to_owned(),
                    records,
                }));
            }
            Err(error) => {
                tracing::info!(%user, source = %p.source, %error, "REGISTER refused");
                let r = self.registrar.error_response(&p.request, &error, tag);
                self.respond(now, p.id, r);
            }
        }
    }
}
