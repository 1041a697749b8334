//! What the SIP side must know about trunks and call centers to route a call (SPEC §13),
//! as an in-memory snapshot: trunks and call centers are few and change rarely, and a call
//! must never wait on the store to learn where it goes.
//!
//! [`Routes`] is shared: the endpoint reads the current [`RouteTable`] per INVITE, and the
//! HTTP side calls [`Routes::reload`] after a trunk or call center changes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};

use sb_store::{CallCenterId, Page, Settings, StoreError, StoreHandle, Trunk, TrunkId};

/// Rows per store page while loading.
const PAGE: u32 = 500;

/// One trunk with the addresses its host resolved to.
#[derive(Debug, Clone)]
pub struct TrunkRoute {
    /// The stored trunk.
    pub trunk: Trunk,
    /// Where it lives: its host's addresses, with its port (5060 when unset).
    pub addrs: Vec<SocketAddr>,
}

impl TrunkRoute {
    /// Whether a request from `source` comes from this trunk: its address, and its port
    /// when one is configured (SPEC §3).
    fn matches(&self, source: SocketAddr) -> bool {
        self.addrs.iter().any(|a| {
            a.ip() == source.ip() && self.trunk.def.port.is_none_or(|p| p == source.port())
        })
    }

    /// Where requests to the trunk go.
    pub fn dest(&self) -> Option<SocketAddr> {
        self.addrs.first().copied()
    }
}

/// The routing snapshot.
#[derive(Debug, Default)]
pub struct RouteTable {
    trunks: Vec<TrunkRoute>,
    /// Inbound number (without a leading `+`) → index in `trunks`.
    numbers: HashMap<String, usize>,
    settings: HashMap<CallCenterId, Settings>,
    ivr_urls: HashMap<CallCenterId, String>,
}

/// A number as compared: a leading `+` is not significant.
fn normal(number: &str) -> &str {
    number.strip_prefix('+').unwrap_or(number)
}

impl RouteTable {
    /// A table from already resolved trunks and call center settings.
    pub fn new(trunks: Vec<TrunkRoute>, settings: HashMap<CallCenterId, Settings>) -> Self {
        let mut numbers = HashMap::new();
        for (index, t) in trunks.iter().enumerate() {
            for n in &t.trunk.def.inbound_numbers {
                numbers.entry(normal(n).to_owned()).or_insert(index);
            }
        }
        RouteTable {
            trunks,
            numbers,
            settings,
            ivr_urls: HashMap::new(),
        }
    }

    /// The same table, knowing each call center's `ivr_url`.
    pub fn with_ivr_urls(mut self, urls: HashMap<CallCenterId, String>) -> Self {
        self.ivr_urls = urls;
        self
    }

    /// A call center's `ivr_url`.
    pub fn ivr_url(&self, cc: &CallCenterId) -> Option<&str> {
        self.ivr_urls.get(cc).map(String::as_str)
    }

    /// The trunk a request from `source` came from.
    pub fn trunk_from(&self, source: SocketAddr) -> Option<&TrunkRoute> {
        self.trunks.iter().find(|t| t.matches(source))
    }

    /// The trunk that owns inbound number `number`.
    pub fn inbound(&self, number: &str) -> Option<&TrunkRoute> {
        self.numbers.get(normal(number)).map(|i| &self.trunks[*i])
    }

    /// The trunk outbound calls of `cc` leave through: its first one that resolved and
    /// that `usable` (trunk health) does not rule out.
    pub fn outbound(
        &self,
        cc: &CallCenterId,
        usable: impl Fn(&TrunkId) -> bool,
    ) -> Option<&TrunkRoute> {
        self.trunks
            .iter()
            .find(|t| t.trunk.def.callcenter_id == *cc && t.dest().is_some() && usable(&t.trunk.id))
    }

    /// A trunk by id.
    pub fn trunk(&self, id: &TrunkId) -> Option<&TrunkRoute> {
        self.trunks.iter().find(|t| t.trunk.id == *id)
    }

    /// Every trunk.
    pub fn trunks(&self) -> &[TrunkRoute] {
        &self.trunks
    }

    /// A call center's settings.
    pub fn settings(&self, cc: &CallCenterId) -> Option<&Settings> {
        self.settings.get(cc)
    }
}

/// The shared, swappable snapshot.
#[derive(Debug, Clone, Default)]
pub struct Routes(Arc<RwLock<Arc<RouteTable>>>);

impl Routes {
    /// A handle on `table`.
    pub fn new(table: RouteTable) -> Self {
        Routes(Arc::new(RwLock::new(Arc::new(table))))
    }

    /// The current snapshot.
    pub fn current(&self) -> Arc<RouteTable> {
        let guard = self.0.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard)
    }

    /// Replaces the snapshot.
    pub fn set(&self, table: RouteTable) {
        let mut guard = self.0.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(table);
    }

    /// Reads trunks and call centers from the store again, resolving trunk hosts.
    pub async fn reload(&self, store: &StoreHandle) -> Result<(), StoreError> {
        let table = load(store).await?;
        self.set(table);
        Ok(())
    }
}

/// Loads every trunk and call center; a trunk whose host does not resolve is kept (it
/// still matches nothing) and logged.
pub async fn load(store: &StoreHandle) -> Result<RouteTable, StoreError> {
    let trunks = all_pages(store, |s, page| s.list_trunks(page)).await?;
    let centers = all_pages(store, |s, page| s.list_callcenters(page)).await?;
    let mut routes = Vec::with_capacity(trunks.len());
    for trunk in trunks {
        let addrs = resolve(&trunk.def.host, trunk.def.port.unwrap_or(5060)).await;
        if addrs.is_empty() {
            tracing::warn!(trunk = %trunk.def.name, host = %trunk.def.host, "trunk host does not resolve");
        }
        routes.push(TrunkRoute { trunk, addrs });
    }
    let urls = centers
        .iter()
        .filter_map(|c| Some((c.id.clone(), c.ivr_url.clone()?)))
        .collect();
    let settings = centers.into_iter().map(|c| (c.id, c.settings)).collect();
    Ok(RouteTable::new(routes, settings).with_ivr_urls(urls))
}

async fn all_pages<T: Send + 'static>(
    store: &StoreHandle,
    list: impl Fn(&dyn sb_store::Store, Page) -> Result<sb_store::Paged<T>, StoreError>
        + Send
        + Sync
        + Clone
        + 'static,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for no in 1.. {
        let list = list.clone();
        let page = store.run(move |s| list(s, Page { no, size: PAGE })).await?;
        let done = page.rows.len() < PAGE as usize;
        out.extend(page.rows);
        if done {
            break;
        }
    }
    Ok(out)
}

async fn resolve(host: &str, port: u16) -> Vec<SocketAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![SocketAddr::new(ip, port)];
    }
    match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => addrs.collect(),
        Err(error) => {
            tracing::debug!(%host, %error, "trunk host lookup failed");
            Vec::new()
        }
    }
}
