//! Peer recovery: bytes copied at the recovery rate per node, operations replayed, and the
//! copy started when it is done.

use crate::engine::Sim;
use crate::event::{EventKind, RecoveryKind};
use crate::model::*;
use crate::timing::*;

use super::allocation::busiest;
use super::coordination::Seen;

impl Sim {
    /// Copies bytes for every running recovery, throttled per node, and finishes the ones
    /// that are complete.
    pub(crate) fn progress_recoveries(&mut self) {
        let per_tick = RECOVERY_BYTES_PER_S * TICK_MS / 1000;
        for c in self.ds.ids() {
            let mut any = false;
            for shard in &self.ds[c].shards {
                any |= shard
                    .copies
                    .iter()
                    .any(|cp| matches!(cp.state, CopyState::Initializing(_)));
            }
            if !any {
                continue;
            }
            // Only a master marks a recovery done; asked once, and only when one completes.
            let mut master_ok: Option<bool> = None;
            let mut done: Vec<(usize, u64)> = Vec::new();
            for s in 0..self.ds[c].shards.len() {
                for i in 0..self.ds[c].shards[s].copies.len() {
                    let cluster = &self.ds[c];
                    let cp = &cluster.shards[s].copies[i];
                    let CopyState::Initializing(r) = &cp.state else {
                        continue;
                    };
                    let answers = |n: NodeKey| {
                        cluster
                            .members
                            .get(&n)
                            .is_some_and(|m| self.seen(m) == Seen::Responsive)
                    };
                    if !answers(cp.node) || !r.source.is_none_or(answers) {
                        continue;
                    }
                    let now = self.now_ms;
                    let complete = if r.kind == RecoveryKind::ExistingStore {
                        now >= r.started_ms + EXISTING_STORE_MS
                    } else {
                        // Each node's bandwidth is split between the recoveries it takes part
                        // in; the busier end sets the pace.
                        let step = per_tick / busiest(&cluster.shards, cp.node, r.source).max(1);
                        let CopyState::Initializing(r) = &mut self.ds[c].shards[s].copies[i].state
                        else {
                            unreachable!()
                        };
                        r.bytes_done = (r.bytes_done + step).min(r.bytes_total);
                        let min_ms = if r.kind == RecoveryKind::OpsBased {
                            OPS_RECOVERY_MIN_MS
                        } else {
                            0
                        };
                        r.bytes_done >= r.bytes_total && now >= r.started_ms + min_ms
                    };
                    if complete && *master_ok.get_or_insert_with(|| self.master_responsive(c)) {
                        done.push((s, self.ds[c].shards[s].copies[i].alloc));
                    }
                }
            }
            for (s, alloc) in done {
                self.finish_recovery(c, s, alloc);
            }
        }
    }

    pub(crate) fn finish_recovery(&mut self, c: ClusterId, s: usize, alloc: u64) {
        let now = self.now_ms;
        let shard = &mut self.ds[c].shards[s];
        let Some(pos) = shard.copies.iter().position(|cp| cp.alloc == alloc) else {
            return;
        };
        let CopyState::Initializing(r) = shard.copies[pos].state.clone() else {
            return;
        };
        shard.copies[pos].state = CopyState::Started;
        shard.in_sync.insert(alloc);
        let node = shard.copies[pos].node;
        if let Some(from) = r.relocating_from {
            if let Some(src_pos) = shard.copies.iter().position(|cp| cp.alloc == from) {
                let src = shard.copies.remove(src_pos);
                shard.in_sync.remove(&from);
                shard.leases.insert(src.node, now + RETENTION_LEASE_MS);
                let pos = shard
                    .copies
                    .iter()
                    .position(|cp| cp.alloc == alloc)
                    .expect("target copy");
                shard.copies[pos].primary |= src.primary;
                // The source deletes its files once the relocation completes.
                if let Some(m) = self.ds[c].members.get(&src.node).copied() {
                    let number = self.ds[c].shards[s].number;
                    if let Some(v) = self.ec2[m.instance].volume.as_mut() {
                        v.shards.remove(&number);
                    }
                }
            }
        }
        let shard = &self.ds[c].shards[s];
        let (number, ops) = (shard.number, shard.ops);
        if let Some(m) = self.ds[c].members.get(&node).copied() {
            if let Some(v) = self.ec2[m.instance].volume.as_mut() {
                v.shards.insert(number, DiskCopy { alloc, ops });
            }
        }
        let name = self.node_name(node);
        self.emit(EventKind::RecoveryDone {
            shard: number,
            node: name,
            recovery: r.kind,
            took_ms: now - r.started_ms,
        });
        self.dirty = true;
    }
}
