//! Cluster health: green, yellow, red, or no master.

use crate::engine::{Sim, MAIN};
use crate::event::{EventKind, Health};
use crate::model::*;

impl Sim {
    /// Health as the master computes it; `NoMaster` when there is no elected master.
    pub(crate) fn update_health(&mut self) {
        for c in self.ds.ids() {
            let cluster = &self.ds[c];
            let next = if cluster.master.is_none() {
                Health::NoMaster
            } else {
                compute_health(&cluster.shards)
            };
            if next != cluster.health {
                let from = cluster.health;
                self.ds[c].health = next;
                if c == MAIN {
                    self.emit(EventKind::HealthChanged { from, to: next });
                }
            }
        }
    }
}

/// green: every copy started; yellow: a replica missing or recovering; red: a primary
/// missing. A relocation target does not count: its source still serves.
pub fn compute_health(shards: &[Shard]) -> Health {
    let mut health = Health::Green;
    for shard in shards {
        if shard.active_primary().is_none() {
            return Health::Red;
        }
        let recovering = shard.copies.iter().any(|cp| {
            matches!(&cp.state, CopyState::Initializing(r) if r.relocating_from.is_none())
                && !cp.primary
        });
        if !shard.unassigned.is_empty() || recovering {
            health = Health::Yellow;
        }
    }
    health
}
