//! Invariant checks over the whole state, run every tick by the swarm tests (and available
//! to any test). Each returns a sentence naming what broke.

use crate::datastore::compute_health;
use crate::engine::Sim;
use crate::event::{Health, InstanceState};
use crate::model::{CopyState, EsProc};
use crate::vecmap::VecSet;

impl Sim {
    /// Checks the state's internal consistency. `Err` names the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (c, cluster) in self.ds.clusters().iter().enumerate() {
            if cluster.voting.is_empty() {
                return Err(format!("cluster {c}: empty voting configuration"));
            }
            if let Some(master) = cluster.master {
                if !cluster.members.contains_key(&master) {
                    return Err(format!("cluster {c}: master {master} is not a member"));
                }
                if compute_health(&cluster.shards) != cluster.health {
                    return Err(format!(
                        "cluster {c}: health {:?} does not match the shards ({:?})",
                        cluster.health,
                        compute_health(&cluster.shards)
                    ));
                }
            } else if cluster.health != Health::NoMaster {
                return Err(format!(
                    "cluster {c}: no master but health {:?}",
                    cluster.health
                ));
            }
            let mut instances = VecSet::new();
            for (node, member) in &cluster.members {
                if !instances.insert(member.instance) {
                    return Err(format!(
                        "cluster {c}: instance {} is two members",
                        member.instance
                    ));
                }
                // A terminated instance's volume is gone; the member waits to be removed.
                let volume = self.ec2[member.instance].volume.as_ref();
                if volume.is_some_and(|v| v.node != Some(*node)) {
                    return Err(format!(
                        "cluster {c}: member {node} runs on an instance without its node id"
                    ));
                }
            }
            let wanted = 1 + self.scenario.topology.replicas as usize;
            for shard in &cluster.shards {
                let primaries = shard
                    .copies
                    .iter()
                    .filter(|cp| cp.primary && cp.is_active())
                    .count();
                if primaries > 1 {
                    return Err(format!(
                        "shard {}: {primaries} active primaries",
                        shard.number
                    ));
                }
                let mut nodes = VecSet::new();
                for cp in &shard.copies {
                    if !nodes.insert(cp.node) {
                        return Err(format!(
                            "shard {}: two copies on node {}",
                            shard.number, cp.node
                        ));
                    }
                    if !cluster.members.contains_key(&cp.node) {
                        return Err(format!(
                            "shard {}: copy on non-member node {}",
                            shard.number, cp.node
                        ));
                    }
                }
                let relocation_targets = shard
                    .copies
                    .iter()
                    .filter(|cp| matches!(&cp.state, CopyState::Initializing(r) if r.relocating_from.is_some()))
                    .count();
                let counted = shard.copies.len() - relocation_targets + shard.unassigned.len();
                if counted != wanted {
                    return Err(format!(
                        "shard {}: {} copies and {} unassigned, expected {wanted} in all",
                        shard.number,
                        shard.copies.len() - relocation_targets,
                        shard.unassigned.len()
                    ));
                }
                for cp in &shard.copies {
                    if let CopyState::Initializing(r) = &cp.state {
                        if r.bytes_done > r.bytes_total {
                            return Err(format!("shard {}: recovery past its total", shard.number));
                        }
                    }
                }
            }
        }
        for inst in self.ec2.instances() {
            let off = matches!(
                inst.state,
                InstanceState::Stopped | InstanceState::Terminated
            );
            if off && inst.es != EsProc::Stopped {
                return Err(format!(
                    "{} is {} but its datastore runs",
                    inst.name,
                    inst.state.as_str()
                ));
            }
            if inst.state == InstanceState::Terminated && inst.volume.is_some() {
                return Err(format!(
                    "{} is terminated but still has its root volume",
                    inst.name
                ));
            }
        }
        let m = &self.traffic.metrics;
        if m.outage_ms > self.now_ms || m.degraded_ms > self.now_ms {
            return Err("outage or degraded time exceeds the elapsed time".into());
        }
        if m.reads_failed > m.reads_total || m.writes_failed > m.writes_total {
            return Err("more failed requests than requests".into());
        }
        Ok(())
    }
}
