//! What the SIP side must know about trunks and call centers to route a call (SPEC §13),
//! as an in-memory snapshot: trunks and call centers are few and change rarely, and a call
//! must never wait on the store to learn where it goes.
//!
//! [`Routes`] is shared: the endpoint reads the current [`RouteTable`] per INVITE, and the
//! HTTP side calls [`Routes::reload`] after a trunk or call center changes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
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
///
/// Reloads may overlap (every admin change starts one, and resolving trunk hosts takes a
/// variable time), so each carries the number of its start: a reload installs its table
/// only if no reload that started later has installed one already. A later start read the
/// store later, so the table that stays is always one read after the last change.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    table: Arc<RwLock<Installed>>,
    started: Arc<AtomicU64>,
}

#[derive(Debug, Default)]
struct Installed {
    /// The start number of the reload that installed `table` (0: set directly).
    generation: u64,
    table: Arc<RouteTable>,
}

impl Routes {
    /// A handle on `table`.
    pub fn new(table: RouteTable) -> Self {
        Routes {
            table: Arc::new(RwLock::new(Installed {
                generation: 0,
                table: Arc::new(table),
            })),
            started: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The current snapshot.
    pub fn current(&self) -> Arc<RouteTable> {
        let guard = self.table.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard.table)
    }

    /// Replaces the snapshot.
    pub fn set(&self, table: RouteTable) {
        let generation = self.begin();
        self.install(generation, table);
    }

    /// Numbers a reload (or a direct set) as it starts.
    fn begin(&self) -> u64 {
        self.started.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Installs `table` unless a reload that started after `generation` already did.
    /// Returns whether it did.
    fn install(&self, generation: u64, table: RouteTable) -> bool {
        let mut guard = self.table.write().unwrap_or_else(|p| p.into_inner());
        if guard.generation > generation {
            return false;
        }
        *guard = Installed {
            generation,
            table: Arc::new(table),
        };
        true
    }

    /// Reads trunks and call centers from the store again, resolving trunk hosts.
    pub async fn reload(&self, store: &StoreHandle) -> Result<(), StoreError> {
        let generation = self.begin();
        let table = load(store).await?;
        if !self.install(generation, table) {
            tracing::debug!(generation, "a later reload's routes were kept");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_ivr_url(url: &str) -> RouteTable {
        let cc = CallCenterId("cc".into());
        RouteTable::default().with_ivr_urls([(cc, url.to_owned())].into())
    }

    fn url(routes: &Routes) -> Option<String> {
        let cc = CallCenterId("cc".into());
        routes.current().ivr_url(&cc).map(str::to_owned)
    }

    #[test]
    fn an_earlier_reload_finishing_last_does_not_undo_a_later_one() {
        let routes = Routes::default();
        let (first, second) = (routes.begin(), routes.begin());
        // The second reload (read after the last change) finishes first...
        assert!(routes.install(second, with_ivr_url("http://new")));
        // ...and the first, slower one (read before it) must not replace it.
        assert!(!routes.install(first, with_ivr_url("http://old")));
        assert_eq!(url(&routes).as_deref(), Some("http://new"));
        // A reload that starts afterwards installs as usual.
        routes.set(with_ivr_url("http://newer"));
        assert_eq!(url(&routes).as_deref(), Some("http://newer"));
    }
}
