//! Trunks as SIP peers we keep an eye on: an OPTIONS ping per interval marks each one up
//! or down (any answer means up, RFC 3261 §11), calls leave only through trunks that are
//! up, and trunks with `register` keep a registration at the provider, refreshed before
//! it lapses and retried with a growing back-off when it fails.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use sb_sip::auth::DigestClient;
use sb_sip::message::{Method, NameAddr, NewRequest, Response, SipHeaders, Uri};
use sb_sip::transaction::TransactionId;
use sb_store::TrunkId;

use super::Core;
use crate::routes::TrunkRoute;

/// How often a trunk is pinged.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Registration interval asked of providers.
pub const REGISTER_EXPIRES: u32 = 600;
/// First retry after a failed registration; doubled up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(30);
/// Longest pause between registration attempts.
pub const RETRY_MAX: Duration = Duration::from_secs(600);

/// What a trunk timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TrunkTimer {
    Ping,
    Register,
}

/// What a trunk transaction was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrunkOp {
    Ping,
    Register,
}

/// One trunk's standing.
#[derive(Debug)]
struct TrunkState {
    /// `None` until the first ping answers or times out.
    up: Option<bool>,
    call_id: String,
    tag: String,
    cseq: u32,
    auth: Option<DigestClient>,
    auth_tries: u8,
    registered: bool,
    backoff: Duration,
}

/// Every trunk's standing and timers.
#[derive(Debug, Default)]
pub(crate) struct Trunks {
    states: HashMap<TrunkId, TrunkState>,
    txns: HashMap<TransactionId, (TrunkId, TrunkOp)>,
    timers: BTreeSet<(Instant, TrunkId, TrunkTimer)>,
}

impl Trunks {
    /// The earliest trunk timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(at, _, _)| *at)
    }

    /// Whether calls may leave through `trunk`: not known to be down.
    pub fn usable(&self, trunk: &TrunkId) -> bool {
        self.states.get(trunk).is_none_or(|s| s.up != Some(false))
    }

    fn arm(&mut self, trunk: &TrunkId, timer: TrunkTimer, at: Instant) {
        self.timers.retain(|(_, t, k)| !(t == trunk && *k == timer));
        self.timers.insert((at, trunk.clone(), timer));
    }
}

impl Core {
    /// Follows the routing snapshot: new trunks are pinged (and registered) at once,
    /// removed ones forgotten.
    pub(super) fn sync_trunks(&mut self, now: Instant) {
        let routes = self.routes.current();
        let live: Vec<&TrunkRoute> = routes
            .trunks()
            .iter()
            .filter(|t| t.dest().is_some())
            .collect();
        self.trunks
            .states
            .retain(|id, _| live.iter().any(|t| t.trunk.id == *id));
        let known: std::collections::HashSet<TrunkId> =
            self.trunks.states.keys().cloned().collect();
        self.trunks.timers.retain(|(_, id, _)| known.contains(id));
        for t in live {
            if self.trunks.states.contains_key(&t.trunk.id) {
                continue;
            }
            let def = &t.trunk.def;
            let auth = match (&def.username, &def.password) {
                (Some(u), Some(p)) => Some(DigestClient::new(u, p)),
                _ => None,
            };
            let state = TrunkState {
                up: None,
                call_id: format!("{}@switchboard", self.random_hex(12)),
                tag: self.random_hex(6),
                cseq: 0,
                auth,
                auth_tries: 0,
                registered: false,
                backoff: RETRY_FIRST,
            };
            self.trunks.states.insert(t.trunk.id.clone(), state);
            self.trunks.arm(&t.trunk.id, TrunkTimer::Ping, now);
            if def.register {
                self.trunks.arm(&t.trunk.id, TrunkTimer::Register, now);
            }
        }
        self.routes_seen = std::sync::Arc::as_ptr(&routes) as usize;
    }

    /// Fires due trunk timers.
    pub(super) fn on_trunk_timers(&mut self, now: Instant) {
        let current = std::sync::Arc::as_ptr(&self.routes.current()) as usize;
        if current != self.routes_seen {
            self.sync_trunks(now);
        }
        while let Some((at, id, timer)) = self.trunks.timers.first().cloned() {
            if at > now {
                break;
            }
            self.trunks.timers.pop_first();
            match timer {
                TrunkTimer::Ping => {
                    self.trunk_request(now, &id, TrunkOp::Ping, None);
                    self.trunks.arm(&id, TrunkTimer::Ping, now + PING_EVERY);
                }
                TrunkTimer::Register => self.trunk_request(now, &id, TrunkOp::Register, None),
            }
        }
    }

    /// Sends OPTIONS or REGISTER to a trunk (with `authorization` for a challenged retry).
    fn trunk_request(
        &mut self,
        now: Instant,
        id: &TrunkId,
        op: TrunkOp,
        authorization: Option<(&'static str, String)>,
    ) {
        let routes = self.routes.current();
        let Some(route) = routes.trunk(id) else {
            return;
        };
        let Some(dest) = route.dest() else {
            return;
        };
        let def = &route.trunk.def;
        let transport = match def.transport {
            sb_store::Transport::Tcp => sb_sip::transport::Transport::Tcp,
            _ => sb_sip::transport::Transport::Udp,
        };
        let host = self.host_toward(dest.ip());
        let via = self.new_via(host, transport);
        let contact = self.contact_for(host, transport);
        let Some(state) = self.trunks.states.get_mut(id) else {
            return;
        };
        state.cseq += 1;
        let user = def
            .username
            .clone()
            .unwrap_or_else(|| "switchboard".to_owned());
        let aor = NameAddr::new(Uri::sip(Some(&user), &def.host, None));
        let (method, uri, to, call_id) = match op {
            TrunkOp::Ping => (
                Method::Options,
                Uri::sip(None, &def.host, def.port),
                NameAddr::new(Uri::sip(None, &def.host, None)),
                // A fresh Call-ID per ping: each is a transaction of its own, outside
                // any dialog, and carriers track them as such.
                format!("ping-{}-{}", state.cseq, state.call_id),
            ),
            TrunkOp::Register => (
                Method::Register,
                Uri::sip(None, &def.host, def.port),
                aor.clone(),
                state.call_id.clone(),
            ),
        };
        let mut request = NewRequest {
            method,
            uri,
            from: aor.with_tag(&state.tag),
            to,
            call_id,
            cseq: state.cseq,
            via,
            contact: (op == TrunkOp::Register).then_some(contact),
        }
        .build();
        if op == TrunkOp::Register {
            request
                .headers
                .push("Expires", REGISTER_EXPIRES.to_string());
        }
        request.headers.push("User-Agent", "Switchboard");
        if let Some((name, value)) = authorization {
            request.headers.push(name, value);
        }
        match self.layer.send_request(now, request, dest, transport) {
            Ok(txn) => {
                self.trunks.txns.insert(txn, (id.clone(), op));
            }
            Err(error) => tracing::debug!(trunk = %def.name, %error, "trunk request not sent"),
        }
    }

    /// A response to a trunk transaction; `false` when the transaction is not a trunk's.
    pub(super) fn on_trunk_response(
        &mut self,
        now: Instant,
        txn: TransactionId,
        r: &Response,
    ) -> bool {
        let Some((id, op)) = self.trunks.txns.get(&txn).cloned() else {
            return false;
        };
        if r.status < 200 {
            return true;
        }
        self.trunks.txns.remove(&txn);
        match op {
            TrunkOp::Ping => self.trunk_is(&id, true),
            TrunkOp::Register => self.on_register_answer(now, &id, r),
        }
        true
    }

    /// A trunk transaction timed out or its transport failed; `false` when not a trunk's.
    pub(super) fn on_trunk_failure(&mut self, now: Instant, txn: TransactionId) -> bool {
        let Some((id, op)) = self.trunks.txns.remove(&txn) else {
            return false;
        };
        match op {
            TrunkOp::Ping => self.trunk_is(&id, false),
            TrunkOp::Register => self.register_failed(now, &id, None),
        }
        true
    }

    fn trunk_is(&mut self, id: &TrunkId, up: bool) {
        let Some(state) = self.trunks.states.get_mut(id) else {
            return;
        };
        if state.up != Some(up) {
            let name = self
                .routes
                .current()
                .trunk(id)
                .map(|t| t.trunk.def.name.clone())
                .unwrap_or_default();
            if up {
                tracing::info!(trunk = %name, "trunk up");
            } else {
                tracing::warn!(trunk = %name, "trunk down: no answer to OPTIONS");
            }
            metrics::gauge!("switchboard_trunk_up", "trunk" => name).set(f64::from(u8::from(up)));
        }
        state.up = Some(up);
    }

    fn on_register_answer(&mut self, now: Instant, id: &TrunkId, r: &Response) {
        self.trunk_is(id, true);
        match r.status {
            200..=299 => {
                let granted = r
                    .contacts()
                    .into_iter()
                    .find_map(|c| c.expires())
                    .or_else(|| r.expires())
                    .unwrap_or(REGISTER_EXPIRES)
                    .max(10);
                if let Some(state) = self.trunks.states.get_mut(id) {
                    state.registered = true;
                    state.auth_tries = 0;
                    state.backoff = RETRY_FIRST;
                }
                // Refresh at half the granted time, well before it lapses.
                let refresh = Duration::from_secs(u64::from(granted) / 2);
                self.trunks.arm(id, TrunkTimer::Register, now + refresh);
            }
            401 | 407 => {
                let cnonce = self.random_hex(8);
                let routes = self.routes.current();
                let uri = routes
                    .trunk(id)
                    .map(|t| Uri::sip(None, &t.trunk.def.host, t.trunk.def.port).to_string())
                    .unwrap_or_default();
                let proxy = r.status == 407;
                let header = if proxy {
                    "Proxy-Authenticate"
                } else {
                    "WWW-Authenticate"
                };
                let challenges: Vec<&str> = r.headers.get_all(header).collect();
                let answer = self.trunks.states.get_mut(id).and_then(|s| {
                    if s.auth_tries >= 2 {
                        return None;
                    }
                    s.auth_tries += 1;
                    s.auth
                        .as_mut()?
                        .authorize(&challenges, proxy, "REGISTER", &uri, &cnonce)
                        .ok()
                });
                match answer {
                    Some(auth) => {
                        let name = if proxy {
                            "Proxy-Authorization"
                        } else {
                            "Authorization"
                        };
                        self.trunk_request(now, id, TrunkOp::Register, Some((name, auth.value)));
                    }
                    None => self.register_failed(now, id, Some(r.status)),
                }
            }
            status => self.register_failed(now, id, Some(status)),
        }
    }

    fn register_failed(&mut self, now: Instant, id: &TrunkId, status: Option<u16>) {
        let Some(state) = self.trunks.states.get_mut(id) else {
            return;
        };
        state.registered = false;
        state.auth_tries = 0;
        let wait = state.backoff;
        state.backoff = (state.backoff * 2).min(RETRY_MAX);
        tracing::warn!(trunk = %id.0, ?status, retry_in = ?wait, "trunk registration failed");
        self.trunks.arm(id, TrunkTimer::Register, now + wait);
    }

    /// Whether the trunk holds a registration at its provider now.
    pub fn trunk_registered(&self, id: &TrunkId) -> bool {
        self.trunks.states.get(id).is_some_and(|s| s.registered)
    }

    /// Whether the trunk answered its last OPTIONS (`None`: not asked yet).
    pub fn trunk_up(&self, id: &TrunkId) -> Option<bool> {
        self.trunks.states.get(id).and_then(|s| s.up)
    }
}
