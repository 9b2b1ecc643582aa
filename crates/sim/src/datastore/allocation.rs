//! Shard allocation: in-sync primaries only, delayed allocation, throttled recoveries,
//! rebalancing, and the start of each peer recovery.

use crate::action::AllocationEnable;
use crate::engine::Sim;
use crate::event::{EventKind, RecoveryKind};
use crate::model::*;
use crate::timers::Timer;
use crate::timing::*;

use super::coordination::Seen;

impl Sim {
    pub(crate) fn recoveries_on(&self, c: ClusterId, node: NodeKey) -> (usize, usize) {
        let (mut incoming, mut outgoing) = (0, 0);
        for shard in &self.ds[c].shards {
            for copy in &shard.copies {
                if let CopyState::Initializing(r) = &copy.state {
                    if copy.node == node {
                        incoming += 1;
                    }
                    if r.source == Some(node) {
                        outgoing += 1;
                    }
                }
            }
        }
        (incoming, outgoing)
    }

    pub(crate) fn lease_valid(&self, c: ClusterId, s: usize, node: NodeKey) -> bool {
        self.ds[c].shards[s]
            .leases
            .get(&node)
            .is_some_and(|expiry| *expiry > self.now_ms)
    }

    /// The disk copy of shard `s` on the instance running `node`, if it belongs to cluster `c`.
    pub(crate) fn disk_copy(&self, c: ClusterId, s: usize, node: NodeKey) -> Option<DiskCopy> {
        let member = self.ds[c].members.get(&node)?;
        let v = self.ec2[member.instance].volume.as_ref()?;
        if v.cluster != Some(c) {
            return None;
        }
        v.shards.get(&(s as u32)).copied()
    }

    pub(crate) fn allocate(&mut self, c: ClusterId) {
        if !self.master_responsive(c) {
            return;
        }
        let enable = self.ds[c].allocation;
        let live: Vec<NodeKey> = self.ds[c]
            .members
            .iter()
            .filter(|(_, m)| self.seen(m) == Seen::Responsive)
            .map(|(k, _)| *k)
            .collect();
        for s in 0..self.ds[c].shards.len() {
            // Unassigned primaries: only a node holding an in-sync copy may take one.
            // `new_primaries` allocates primaries of new indices only (none arise here).
            if matches!(enable, AllocationEnable::All | AllocationEnable::Primaries) {
                let mut u = 0;
                while u < self.ds[c].shards[s].unassigned.len() {
                    if !self.ds[c].shards[s].unassigned[u].primary {
                        u += 1;
                        continue;
                    }
                    let shard = &self.ds[c].shards[s];
                    let holder = live.iter().copied().find(|n| {
                        !shard.holds(*n)
                            && self
                                .disk_copy(c, s, *n)
                                .is_some_and(|d| shard.in_sync.contains(&d.alloc))
                    });
                    match holder {
                        Some(node) => {
                            let disk = self.disk_copy(c, s, node).expect("holder has a disk copy");
                            self.ds[c].shards[s].unassigned.remove(u);
                            self.start_recovery(
                                c,
                                s,
                                node,
                                disk.alloc,
                                true,
                                RecoveryKind::ExistingStore,
                                None,
                                None,
                            );
                        }
                        None => u += 1,
                    }
                }
            }
            if enable != AllocationEnable::All {
                continue;
            }
            // A node that returns with a copy that can do a no-op recovery (it holds every
            // operation the primary has) wins over a file-based rebuild elsewhere: the
            // rebuild is cancelled. With writes flowing the returning copy is behind, and
            // the rebuild goes on.
            let shard = &self.ds[c].shards[s];
            let returning = live.iter().copied().find(|n| {
                !shard.holds(*n)
                    && self.disk_copy(c, s, *n).is_some_and(|d| d.ops >= shard.ops)
                    && self.lease_valid(c, s, *n)
            });
            let rebuild = shard.copies.iter().find(|cp| {
                matches!(&cp.state, CopyState::Initializing(r) if r.kind == RecoveryKind::FileBased && r.relocating_from.is_none())
                    && !cp.primary
            });
            if let (Some(_), Some(rebuild)) = (returning, rebuild) {
                let alloc = rebuild.alloc;
                self.fail_initializing(
                    c,
                    s,
                    alloc,
                    "cancelled: a copy that can do a no-op recovery returned",
                );
            }
            let mut u = 0;
            while u < self.ds[c].shards[s].unassigned.len() {
                let shard = &self.ds[c].shards[s];
                let un = shard.unassigned[u].clone();
                if un.primary {
                    u += 1;
                    continue;
                }
                let Some(primary) = shard.active_primary().map(|p| p.node) else {
                    break;
                };
                let candidates: Vec<NodeKey> = live
                    .iter()
                    .copied()
                    .filter(|n| !shard.holds(*n) && self.disk_level(c, *n) == 0)
                    .collect();
                // A node that comes back with its copy gets it at once: that is the point of
                // delayed allocation.
                let returning = candidates
                    .iter()
                    .copied()
                    .filter(|n| self.disk_copy(c, s, *n).is_some() && self.lease_valid(c, s, *n))
                    .min_by_key(|n| (Some(*n) != un.last_node, *n));
                let target = match returning {
                    Some(n) => Some(n),
                    None if un.delayed_until_ms > self.now_ms => None,
                    None => {
                        let (_, out) = self.recoveries_on(c, primary);
                        if out >= CONCURRENT_RECOVERIES {
                            None
                        } else {
                            candidates
                                .iter()
                                .copied()
                                .filter(|n| self.recoveries_on(c, *n).0 < CONCURRENT_RECOVERIES)
                                .min_by_key(|n| (self.copies_on(c, *n), *n))
                        }
                    }
                };
                let Some(node) = target else {
                    u += 1;
                    continue;
                };
                self.ds[c].shards[s].unassigned.remove(u);
                let kind = if self.disk_copy(c, s, node).is_some() && self.lease_valid(c, s, node) {
                    RecoveryKind::OpsBased
                } else {
                    RecoveryKind::FileBased
                };
                let alloc = self.ds.next_alloc;
                self.ds.next_alloc += 1;
                self.start_recovery(c, s, node, alloc, false, kind, Some(primary), None);
            }
        }
        if enable == AllocationEnable::All {
            self.move_off_full_nodes(c, &live);
            self.rebalance(c, &live);
        }
    }

    pub(crate) fn copies_on(&self, c: ClusterId, node: NodeKey) -> usize {
        self.ds[c].shards.iter().filter(|s| s.holds(node)).count()
    }

    /// Moves copies from the fullest to the emptiest node once every shard is active
    /// (`cluster.routing.allocation.allow_rebalance: indices_all_active`).
    pub(crate) fn rebalance(&mut self, c: ClusterId, live: &[NodeKey]) {
        let cluster = &self.ds[c];
        let all_active = cluster.shards.iter().all(|s| {
            s.unassigned.is_empty() && s.copies.iter().all(|cp| cp.state == CopyState::Started)
        });
        if !all_active || live.len() < 2 {
            return;
        }
        let Some(&from) = live
            .iter()
            .max_by_key(|n| (self.copies_on(c, **n), std::cmp::Reverse(**n)))
        else {
            return;
        };
        let Some(&to) = live
            .iter()
            .filter(|n| self.disk_level(c, **n) == 0)
            .min_by_key(|n| (self.copies_on(c, **n), **n))
        else {
            return;
        };
        let mut moves = 0;
        for s in 0..self.ds[c].shards.len() {
            if moves >= CONCURRENT_REBALANCE || self.copies_on(c, from) < self.copies_on(c, to) + 2
            {
                break;
            }
            let shard = &self.ds[c].shards[s];
            if shard.holds(to) {
                continue;
            }
            let Some(copy) = shard.copies.iter().find(|cp| cp.node == from) else {
                continue;
            };
            let Some(primary) = shard.active_primary().map(|p| p.node) else {
                continue;
            };
            let source_alloc = copy.alloc;
            self.relocate(c, s, source_alloc, from, to, primary);
            moves += 1;
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start_recovery(
        &mut self,
        c: ClusterId,
        s: usize,
        node: NodeKey,
        alloc: u64,
        primary: bool,
        kind: RecoveryKind,
        source: Option<NodeKey>,
        relocating_from: Option<u64>,
    ) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        let bytes_total = match kind {
            RecoveryKind::ExistingStore => 0,
            RecoveryKind::FileBased => shard_bytes,
            RecoveryKind::OpsBased => {
                let have = self.disk_copy(c, s, node).map(|d| d.ops).unwrap_or(0);
                let missing = self.ds[c].shards[s].ops.saturating_sub(have);
                (missing * DOC_BYTES + OPS_RECOVERY_BASE_BYTES).min(shard_bytes)
            }
        };
        let shard = &mut self.ds[c].shards[s];
        shard.copies.push(ShardCopy {
            alloc,
            node,
            primary,
            state: CopyState::Initializing(Recovery {
                kind,
                source,
                bytes_total,
                bytes_done: 0,
                started_ms: self.now_ms,
                relocating_from,
            }),
        });
        shard.leases.insert(node, u64::MAX);
        let number = shard.number;
        let (node_name, from) = (self.node_name(node), source.map(|n| self.node_name(n)));
        self.emit(EventKind::RecoveryStarted {
            shard: number,
            node: node_name,
            from,
            recovery: kind,
            bytes: bytes_total,
        });
        match kind {
            RecoveryKind::ExistingStore => self.schedule(EXISTING_STORE_MS, Timer::Wake),
            RecoveryKind::OpsBased => self.schedule(OPS_RECOVERY_MIN_MS, Timer::Wake),
            RecoveryKind::FileBased => {}
        }
        self.dirty = true;
    }
}

/// How many byte-copying recoveries (not existing-store ones) the busier of `target` and
/// `source` takes part in, as target or as source. Counted when needed rather than
/// tabulated: a few copies, one pass, and no allocation per tick.
pub(crate) fn busiest(shards: &[Shard], target: NodeKey, source: Option<NodeKey>) -> u64 {
    let (mut on_target, mut on_source) = (0, 0);
    for shard in shards {
        for cp in &shard.copies {
            if let CopyState::Initializing(r) = &cp.state {
                if r.kind != RecoveryKind::ExistingStore {
                    on_target += u64::from(cp.node == target) + u64::from(r.source == Some(target));
                    if let Some(src) = source {
                        on_source += u64::from(cp.node == src) + u64::from(r.source == Some(src));
                    }
                }
            }
        }
    }
    on_target.max(on_source)
}
