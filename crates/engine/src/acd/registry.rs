//! Where the hub finds a call center's router and its agents' actors, and the read model
//! of the agents that the list API pages through without asking any actor.

use std::collections::BTreeMap;

use actix::Addr;
use dashmap::DashMap;
use sb_acd::agent::AgentName;
use sb_store::CallCenterId;

use super::agent::AgentActor;
use super::hub::AgentView;
use super::router::RouterActor;

pub(crate) struct Slot {
    pub(crate) addr: Addr<AgentActor>,
    pub(crate) view: AgentView,
}

pub(crate) struct Center {
    pub(crate) router: Addr<RouterActor>,
    pub(crate) agents: BTreeMap<AgentName, Slot>,
}

/// Every call center with a running router. Guards are never held across an `.await`.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) centers: DashMap<CallCenterId, Center>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("centers", &self.centers.len())
            .finish()
    }
}

impl Registry {
    pub(crate) fn agent(&self, cc: &CallCenterId, name: &AgentName) -> Option<Addr<AgentActor>> {
        let center = self.centers.get(cc)?;
        center.agents.get(name).map(|s| s.addr.clone())
    }

    pub(crate) fn router(&self, cc: &CallCenterId) -> Option<Addr<RouterActor>> {
        self.centers.get(cc).map(|c| c.router.clone())
    }

    /// Replaces the view of a running agent.
    /// Logged-in agents by base state (`idle`, `busy`, …), over every call center.
    pub(crate) fn census(&self) -> std::collections::BTreeMap<String, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for center in self.centers.iter() {
            for slot in center.agents.values() {
                let state = slot.view.state.to_string();
                let base = state.split('/').next().unwrap_or_default().to_owned();
                *counts.entry(base).or_insert(0) += 1;
            }
        }
        counts
    }

    pub(crate) fn update(&self, cc: &CallCenterId, view: AgentView) {
        if let Some(mut center) = self.centers.get_mut(cc) {
            if let Some(slot) = center.agents.get_mut(&view.name) {
                slot.view = view;
            }
        }
    }

    /// Forgets an agent, but only the actor `addr` (a newer login keeps its slot).
    pub(crate) fn remove(&self, cc: &CallCenterId, name: &AgentName, addr: &Addr<AgentActor>) {
        if let Some(mut center) = self.centers.get_mut(cc) {
            if center.agents.get(name).is_some_and(|s| &s.addr == addr) {
                center.agents.remove(name);
            }
        }
    }
}
