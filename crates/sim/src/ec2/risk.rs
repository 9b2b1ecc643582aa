//! The risk assessment: judges an action against the state it is applied to and names the
//! penalty it earns.

use crate::action::Action;
use crate::engine::{Sim, MAIN};
use crate::event::{Health, InstanceState};
use crate::model::{InstanceId, Op};
use crate::report::{Penalty, Risk};
use crate::scenario::Lang;

impl Sim {
    /// Judges an action against the state it is applied to. Returns the penalty it earns if
    /// it is accepted.
    pub(crate) fn assess_risk(&self, index: usize, action: &Action) -> Option<Penalty> {
        let penalty = |points: i64, risk: Risk| {
            Some(Penalty {
                at_ms: self.now_ms,
                action_index: index,
                points,
                reason: risk.text(Lang::En),
                risk: Some(risk),
            })
        };
        let takes_down = |idx: InstanceId| -> bool {
            let inst = &self.ec2[idx];
            match action {
                Action::Reboot { .. } => {
                    inst.state == InstanceState::Running && inst.op == Op::None
                }
                Action::Stop { .. } => inst.state == InstanceState::Running,
                Action::Terminate { .. } => inst.state != InstanceState::Terminated,
                Action::CreateImage {
                    no_reboot: false, ..
                } => inst.state == InstanceState::Running,
                _ => false,
            }
        };
        let target = action.target().and_then(|name| self.ec2.by_name(name));
        match action {
            // The actual risk, not the verb: a copy of a node's disk whose node is still an
            // answering member collides with it (same node id); a copy of a dead node's disk
            // rejoins as that node with its stale data, as Elasticsearch allows (AWS's way
            // out of an instance stuck in `stopping`).
            Action::Launch { image, .. } if image != "base" && image != "ami-0base" => {
                let node = self
                    .ec2
                    .images
                    .iter()
                    .find(|i| &i.name == image || &i.id == image)
                    .filter(|i| i.volume.installed)
                    .and_then(|i| i.volume.node)?;
                let cluster = &self.ds[MAIN];
                let alive = cluster
                    .members
                    .get(&node)
                    .is_some_and(|m| self.is_responsive(m.instance));
                if alive {
                    return penalty(300, Risk::CloneLaunch);
                }
                None
            }
            Action::Setup {
                initial_master_nodes,
                ..
            } if !initial_master_nodes.is_empty() => penalty(500, Risk::InitialMasterNodes),
            _ => {
                let idx = target?;
                if !takes_down(idx) || !self.is_responsive(idx) {
                    return None;
                }
                let cluster = &self.ds[MAIN];
                let node = self.ec2[idx].volume.as_ref().and_then(|v| v.node)?;
                let member = cluster
                    .members
                    .get(&node)
                    .is_some_and(|m| m.instance == idx);
                if !member {
                    return None;
                }
                if let Action::Terminate { .. } = action {
                    if let Some(shard) = cluster.shards.iter().find(|s| {
                        s.copies.iter().any(|c| c.node == node && c.is_active())
                            && s.copies.iter().filter(|c| c.is_active()).count() == 1
                    }) {
                        return penalty(
                            1000,
                            Risk::OnlyCopy {
                                shard: shard.number,
                            },
                        );
                    }
                }
                let live_voters = cluster
                    .voting
                    .iter()
                    .filter(|n| {
                        cluster
                            .members
                            .get(n)
                            .is_some_and(|m| self.is_responsive(m.instance))
                    })
                    .count();
                if cluster.voting.contains(&node)
                    && live_voters.saturating_sub(1) < cluster.quorum()
                {
                    return penalty(
                        1000,
                        Risk::QuorumNeeded {
                            node: self.ec2[idx].name.clone(),
                            up: live_voters,
                            voters: cluster.voting.len(),
                            need: cluster.quorum(),
                        },
                    );
                }
                if cluster.health != Health::Green {
                    return penalty(
                        300,
                        Risk::RedundancyReduced {
                            node: self.ec2[idx].name.clone(),
                            health: cluster.health,
                        },
                    );
                }
                None
            }
        }
    }
}
