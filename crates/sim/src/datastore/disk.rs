//! Disk watermarks: low (no new replicas here), high (move shards away), flood stage (the
//! index turns read-only until every node is back under the high watermark).

use crate::engine::Sim;
use crate::event::{EventKind, RecoveryKind};
use crate::model::*;
use crate::timing::*;

use super::coordination::Seen;

impl Sim {
    /// The disk watermark level of a member (0 none, 1 low, 2 high, 3 flood stage).
    pub(crate) fn disk_level(&self, c: ClusterId, node: NodeKey) -> u8 {
        self.ds[c].disk_levels.get(&node).copied().unwrap_or(0)
    }

    /// The master reads every member's disk use and applies the watermarks.
    pub(crate) fn disk_watermarks(&mut self, c: ClusterId) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        let members: Vec<(NodeKey, InstanceId)> = self.ds[c]
            .members
            .iter()
            .filter(|(_, m)| self.seen(m) == Seen::Responsive)
            .map(|(k, m)| (*k, m.instance))
            .collect();
        for (node, idx) in &members {
            let Some(v) = self.ec2[*idx].volume.as_ref() else {
                continue;
            };
            let percent = v.used_percent(shard_bytes);
            let level = match percent {
                p if p >= WATERMARK_FLOOD_PERCENT => 3,
                p if p >= WATERMARK_HIGH_PERCENT => 2,
                p if p >= WATERMARK_LOW_PERCENT => 1,
                _ => 0,
            };
            let prev = self.disk_level(c, *node);
            if level == prev {
                continue;
            }
            let free = v.capacity_bytes - v.used_bytes(shard_bytes);
            let name = self.ec2[*idx].name.clone();
            let at = format!(
                "[{}][{name}][/var/lib/elasticsearch] free: {}[{}%]",
                self.ds.node_ids[node.index()],
                crate::event::fmt_bytes(free),
                100 - percent
            );
            let (low, high, flood) = (
                WATERMARK_LOW_PERCENT,
                WATERMARK_HIGH_PERCENT,
                WATERMARK_FLOOD_PERCENT,
            );
            let message = match (level > prev, level) {
                (true, 1) => format!("low disk watermark [{low}%] exceeded on {at}, replicas will not be assigned to this node"),
                (true, 2) => format!("high disk watermark [{high}%] exceeded on {at}, shards will be relocated away from this node"),
                (true, _) => format!("flood stage disk watermark [{flood}%] exceeded on {at}, all indices on this node will be marked read-only"),
                (false, 2) => format!("flood stage disk watermark [{flood}%] no longer exceeded on {at}, but high disk watermark [{high}%] is still exceeded"),
                (false, 1) => format!("high disk watermark [{high}%] no longer exceeded on {at}, but low disk watermark [{low}%] is still exceeded"),
                (false, _) => format!("low disk watermark [{low}%] no longer exceeded on {at}"),
            };
            self.ds[c].disk_levels.insert(*node, level);
            self.emit(EventKind::DiskWatermark {
                node: name,
                message,
            });
            self.dirty = true;
        }
        let cluster = &self.ds[c];
        let flooded: Vec<String> = members
            .iter()
            .filter(|(n, _)| {
                self.disk_level(c, *n) >= 3 && cluster.shards.iter().any(|s| s.holds(*n))
            })
            .map(|(_, idx)| self.ec2[*idx].name.clone())
            .collect();
        // Since 7.4 the block is released by itself once every node is under the high watermark.
        let all_under_high = members.iter().all(|(n, _)| self.disk_level(c, *n) < 2);
        if !cluster.read_only && !flooded.is_empty() && !cluster.shards.is_empty() {
            self.ds[c].read_only = true;
            let message = format!(
                "flood stage on [{}]: index [app] now has index.blocks.read_only_allow_delete; writes fail with 429 cluster_block_exception",
                flooded.join(", ")
            );
            self.emit(EventKind::IndexBlock {
                blocked: true,
                message,
            });
            self.dirty = true;
        } else if cluster.read_only && all_under_high {
            self.ds[c].read_only = false;
            self.emit(EventKind::IndexBlock {
                blocked: false,
                message: "releasing read-only-allow-delete block on indices: [[app]]".into(),
            });
            self.dirty = true;
        }
    }

    /// Copies on a node over the high watermark move to a node under the low one.
    pub(crate) fn move_off_full_nodes(&mut self, c: ClusterId, live: &[NodeKey]) {
        for &full in live {
            if self.disk_level(c, full) < 2 {
                continue;
            }
            for s in 0..self.ds[c].shards.len() {
                if self.recoveries_on(c, full).1 >= CONCURRENT_RECOVERIES {
                    return;
                }
                let shard = &self.ds[c].shards[s];
                let Some(copy) = shard
                    .copies
                    .iter()
                    .find(|cp| cp.node == full && cp.state == CopyState::Started)
                else {
                    continue;
                };
                let Some(primary) = shard.active_primary().map(|p| p.node) else {
                    continue;
                };
                let target = live
                    .iter()
                    .copied()
                    .filter(|n| !shard.holds(*n) && self.disk_level(c, *n) == 0)
                    .filter(|n| self.recoveries_on(c, *n).0 < CONCURRENT_RECOVERIES)
                    .min_by_key(|n| (self.copies_on(c, *n), *n));
                let Some(to) = target else { continue };
                let source_alloc = copy.alloc;
                let source = if copy.primary { full } else { primary };
                self.relocate(c, s, source_alloc, full, to, source);
            }
        }
    }

    pub(crate) fn relocate(
        &mut self,
        c: ClusterId,
        s: usize,
        source_alloc: u64,
        from: NodeKey,
        to: NodeKey,
        source: NodeKey,
    ) {
        let target_alloc = self.ds.next_alloc;
        self.ds.next_alloc += 1;
        let kind = if self.disk_copy(c, s, to).is_some() && self.lease_valid(c, s, to) {
            RecoveryKind::OpsBased
        } else {
            RecoveryKind::FileBased
        };
        for cp in self.ds[c].shards[s].copies.iter_mut() {
            if cp.alloc == source_alloc {
                cp.state = CopyState::Relocating {
                    target: target_alloc,
                };
            }
        }
        let number = self.ds[c].shards[s].number;
        let (from_name, to_name) = (self.node_name(from), self.node_name(to));
        self.emit(EventKind::RelocationStarted {
            shard: number,
            from: from_name,
            to: to_name,
        });
        self.start_recovery(
            c,
            s,
            to,
            target_alloc,
            false,
            kind,
            Some(source),
            Some(source_alloc),
        );
    }
}
