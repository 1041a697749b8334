//! Where a new INVITE goes (SPEC §13): from a trunk to the IVR of an inbound number; from
//! an authenticated extension to another extension of its call center, to an inbound
//! number, or out through a trunk when the call center's patterns allow the number.

use std::net::SocketAddr;
use std::time::Instant;

use sb_sip::auth::DigestClient;
use sb_sip::message::Uri;
use sb_sip::transport::Transport;
use sb_store::{CallCenterId, Extension, ExtensionKind};

use crate::core::{Core, Parked};
use crate::routes::TrunkRoute;

/// Where an outbound leg goes and what it says about itself.
#[derive(Debug)]
pub(crate) struct OutboundTarget {
    /// Request-URI.
    pub uri: Uri,
    /// Next hop.
    pub dest: SocketAddr,
    /// Transport to it.
    pub transport: Transport,
    /// From user (caller id).
    pub from_user: String,
    /// Host of From and To (ours for phones, the trunk's for trunks).
    pub domain: Option<String>,
    /// To user.
    pub to_user: String,
    /// Credentials for a trunk that challenges.
    pub auth: Option<DigestClient>,
    /// The call center the call belongs to.
    pub callcenter: Option<CallCenterId>,
}

/// A store transport as the SIP layer names it.
fn sip_transport(t: sb_store::Transport) -> Transport {
    match t {
        sb_store::Transport::Tcp => Transport::Tcp,
        _ => Transport::Udp,
    }
}

impl OutboundTarget {
    /// A call to `number` out through `trunk`, showing `from` (or the trunk's first
    /// caller id) as the caller.
    pub fn trunk(trunk: &TrunkRoute, number: &str, from: Option<&str>) -> Option<Self> {
        let def = &trunk.trunk.def;
        let dest = trunk.dest()?;
        let from_user = from
            .map(str::to_owned)
            .or_else(|| def.from_numbers.first().cloned())
            .unwrap_or_else(|| "anonymous".to_owned());
        let auth = match (&def.username, &def.password) {
            (Some(u), Some(p)) => Some(DigestClient::new(u, p)),
            _ => None,
        };
        Some(OutboundTarget {
            uri: Uri::sip(Some(number), &def.host, def.port),
            dest,
            transport: sip_transport(def.transport),
            from_user,
            domain: Some(def.host.clone()),
            to_user: number.to_owned(),
            auth,
            callcenter: Some(def.callcenter_id.clone()),
        })
    }
}

/// The SIP user of a type-1 extension.
pub(crate) fn terminal_user(ext: &Extension) -> Option<&str> {
    match &ext.kind {
        ExtensionKind::Terminal { user, .. } => Some(user),
        _ => None,
    }
}

impl Core {
    /// An INVITE from a trunk: its Request-URI user must be one of the trunk's call
    /// center's inbound numbers.
    pub(super) fn route_from_trunk(&mut self, now: Instant, p: Parked, trunk: &TrunkRoute) {
        let tag = self.tag(&p.request);
        let number = p.request.uri.user.clone().unwrap_or_default();
        let routes = self.routes.current();
        let owned = routes
            .inbound(&number)
            .filter(|t| t.trunk.def.callcenter_id == trunk.trunk.def.callcenter_id);
        match owned {
            Some(t) => {
                let cc = t.trunk.def.callcenter_id.clone();
                self.start_ivr(now, p, cc);
            }
            None => {
                tracing::info!(%number, trunk = %trunk.trunk.def.name, "inbound call to an unknown number");
                let r = sb_sip::message::Response::from_request(&p.request, 404, Some(&tag));
                self.respond(now, p.id, r);
            }
        }
    }

    /// An authenticated extension's call.
    pub(super) fn route_from_extension(&mut self, now: Instant, mut p: Parked, caller: Extension) {
        let tag = self.tag(&p.request);
        let cc = caller.callcenter_id.clone();
        let Some(target) = p.request.uri.user.clone() else {
            let r = sb_sip::message::Response::from_request(&p.request, 404, Some(&tag));
            return self.respond(now, p.id, r);
        };
        let routes = self.routes.current();
        if routes
            .inbound(&target)
            .is_some_and(|t| t.trunk.def.callcenter_id == cc)
        {
            return self.start_ivr(now, p, cc);
        }
        match self.directory.extension(now, &target) {
            None => {
                p.caller = Some(caller);
                self.park(now, target, p);
            }
            Some(Some(callee)) if callee.callcenter_id == cc => {
                self.call_extension(now, p, &caller, &callee);
            }
            Some(_) => {
                let allowed = routes
                    .settings(&cc)
                    .is_some_and(|s| s.allows_outbound(&target));
                // The call center's first trunk that is not known to be down.
                let trunk = routes.outbound(&cc, |id| self.trunks.usable(id));
                match (allowed, trunk) {
                    (true, Some(trunk)) => {
                        let target = OutboundTarget::trunk(trunk, &target, None);
                        match target {
                            Some(t) => {
                                self.bridge_call(now, p, Some(cc), &caller_name(&caller), vec![t]);
                            }
                            None => self.refuse(now, &p, 503),
                        }
                    }
                    (true, None) => self.refuse(now, &p, 503),
                    (false, _) => {
                        tracing::info!(%target, caller = terminal_user(&caller).unwrap_or_default(), "outbound number not allowed");
                        self.refuse(now, &p, 403);
                    }
                }
            }
        }
    }

    /// Rings every registered contact of `callee` at once.
    fn call_extension(&mut self, now: Instant, p: Parked, caller: &Extension, callee: &Extension) {
        let user = terminal_user(callee).unwrap_or_default().to_owned();
        let mut bindings = self.registrar.bindings(&user, now);
        if bindings.is_empty() {
            return self.refuse(now, &p, 480);
        }
        // Most recent registration first: the order the forks are sent in.
        bindings.sort_by_key(|b| std::cmp::Reverse(b.expires_at));
        let targets = bindings
            .into_iter()
            .map(|b| OutboundTarget {
                uri: b.contact.uri,
                dest: b.source,
                transport: b.transport,
                from_user: caller_name(caller),
                domain: None,
                to_user: user.clone(),
                auth: None,
                callcenter: Some(callee.callcenter_id.clone()),
            })
            .collect();
        let cc = Some(caller.callcenter_id.clone());
        self.bridge_call(now, p, cc, &caller_name(caller), targets);
    }

    /// Answers a new INVITE with a final error.
    pub(super) fn refuse(&mut self, now: Instant, p: &Parked, status: u16) {
        let tag = self.tag(&p.request);
        let r = sb_sip::message::Response::from_request(&p.request, status, Some(&tag));
        self.respond(now, p.id, r);
    }
}

fn caller_name(ext: &Extension) -> String {
    terminal_user(ext).unwrap_or("anonymous").to_owned()
}
