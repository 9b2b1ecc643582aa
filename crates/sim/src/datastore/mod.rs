//! The datastore: cluster coordination (fault detection, elections, joins, voting
//! configuration), shard allocation and peer recovery, modelled on Elasticsearch 7.x/8.x.

pub(crate) mod api;

use crate::action::AllocationEnable;
use crate::engine::{Sim, MAIN};
use crate::event::{EventKind, Health, RecoveryKind};
use crate::model::*;
use crate::rng::Prng;
use crate::timers::Timer;
use crate::timing::*;
use crate::vecmap::VecSet;

/// The datastore's part of the simulation: the clusters (the main one first), the node ids
/// persisted on data paths (by `NodeKey`), the next shard allocation id, and the
/// datastore's random stream.
#[derive(Clone, Debug)]
pub struct DatastoreState {
    pub(crate) clusters: Vec<Cluster>,
    /// Datastore node ids (the 22-character ids ES persists), by `NodeKey`.
    pub(crate) node_ids: Vec<String>,
    pub(crate) next_alloc: u64,
    pub(crate) rng: Prng,
}

impl DatastoreState {
    pub(crate) fn new(rng: Prng) -> DatastoreState {
        DatastoreState {
            clusters: Vec::new(),
            node_ids: Vec::new(),
            next_alloc: 1,
            rng,
        }
    }

    /// Records a new node identity with ES id `id`.
    pub(crate) fn new_node_key(&mut self, id: String) -> NodeKey {
        self.node_ids.push(id);
        NodeKey::new(self.node_ids.len() - 1)
    }

    /// A node's ES id string.
    pub(crate) fn node_id(&self, node: NodeKey) -> &str {
        &self.node_ids[node.index()]
    }
}

/// How a member looks to the master's follower checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Responsive,
    /// The connection was closed (clean shutdown, or the node restarted): noticed at once.
    Closed,
    /// No answer: noticed after the checks time out.
    Silent,
}

impl Sim {
    /// Inlined (with `is_frozen`): the recovery and coordination loops call it per member
    /// per tick, and at the wasm build's opt-level "s" it would stay a call.
    #[inline]
    fn seen(&self, member: &Member) -> Seen {
        let inst = &self.ec2.instances[member.instance];
        match inst.es {
            EsProc::Running { ephemeral, .. } if ephemeral == member.ephemeral => {
                if self.is_frozen(member.instance) {
                    Seen::Silent
                } else {
                    Seen::Responsive
                }
            }
            // A new process answers the checks and says it is not that node.
            EsProc::Running { .. } => Seen::Closed,
            _ => {
                if inst.last_exit == Some((member.ephemeral, true)) {
                    Seen::Closed
                } else {
                    Seen::Silent
                }
            }
        }
    }

    fn running_ephemeral(&self, idx: usize) -> Option<u64> {
        match self.ec2.instances[idx].es {
            EsProc::Running { ephemeral, .. } if !self.is_frozen(idx) => Some(ephemeral),
            _ => None,
        }
    }

    /// The node on `idx` is a responsive member of cluster `c`.
    pub fn is_member_responsive(&self, c: usize, idx: usize) -> bool {
        let Some(node) = self.ec2.instances[idx].volume.as_ref().and_then(|v| v.node) else {
            return false;
        };
        match self.ds.clusters[c].members.get(&node) {
            Some(m) => m.instance == idx && self.running_ephemeral(idx) == Some(m.ephemeral),
            None => false,
        }
    }

    /// The cluster's master is elected and answers.
    pub fn master_responsive(&self, c: usize) -> bool {
        let cluster = &self.ds.clusters[c];
        match cluster.master.and_then(|m| cluster.members.get(&m)) {
            Some(member) => self.seen(member) == Seen::Responsive,
            None => false,
        }
    }

    pub(crate) fn coordinate(&mut self, c: usize) {
        if c == MAIN {
            self.check_bootstrap();
        }
        self.check_master(c);
        if self.ds.clusters[c].master.is_some() {
            if self.master_responsive(c) {
                self.check_followers(c);
                self.check_joins(c);
                self.reconfigure(c);
            }
        } else {
            self.check_election(c);
        }
    }

    fn check_master(&mut self, c: usize) {
        let now = self.now_ms;
        let Some(master) = self.ds.clusters[c].master else {
            return;
        };
        let Some(member) = self.ds.clusters[c].members.get(&master).copied() else {
            self.lose_master(c, master, "master left the cluster".into());
            return;
        };
        match self.seen(&member) {
            Seen::Responsive => {
                self.ds.clusters[c].master_silent_since_ms = None;
                // A master must publish every change to a quorum of the voting configuration;
                // once too many voters have left, publications fail and it steps down.
                let cluster = &self.ds.clusters[c];
                let reachable = cluster
                    .voting
                    .iter()
                    .filter(|k| {
                        cluster
                            .members
                            .get(k)
                            .is_some_and(|m| self.seen(m) != Seen::Closed)
                    })
                    .count();
                if reachable < cluster.quorum() {
                    self.lose_master(
                        c,
                        master,
                        "becoming candidate: publication failed: not enough votes from the voting configuration".into(),
                    );
                }
            }
            Seen::Closed => self.lose_master(
                c,
                master,
                "becoming candidate: onLeaderFailure (leader disconnected)".into(),
            ),
            Seen::Silent => {
                let since = match self.ds.clusters[c].master_silent_since_ms {
                    Some(since) => since,
                    None => {
                        self.ds.clusters[c].master_silent_since_ms = Some(now);
                        self.schedule(FAULT_DETECTION_MS, Timer::Wake);
                        now
                    }
                };
                if now >= since + FAULT_DETECTION_MS {
                    self.lose_master(
                        c,
                        master,
                        "becoming candidate: onLeaderFailure (leader check: 3 consecutive checks timed out after 10s)".into(),
                    );
                }
            }
        }
    }

    fn lose_master(&mut self, c: usize, master: NodeKey, reason: String) {
        let node = self.node_name(master);
        let cluster = &mut self.ds.clusters[c];
        cluster.master = None;
        cluster.master_silent_since_ms = None;
        cluster.election_at_ms = None;
        cluster.last_no_quorum_log_ms = None;
        let term = cluster.term;
        self.emit(EventKind::MasterLost { node, term, reason });
        self.dirty = true;
    }

    fn check_followers(&mut self, c: usize) {
        let now = self.now_ms;
        let master = self.ds.clusters[c].master;
        let members: Vec<(NodeKey, Member)> = self.ds.clusters[c]
            .members
            .iter()
            .map(|(k, m)| (*k, *m))
            .collect();
        for (node, member) in members {
            if Some(node) == master {
                continue;
            }
            match self.seen(&member) {
                Seen::Responsive => {
                    if let Some(m) = self.ds.clusters[c].members.get_mut(&node) {
                        m.silent_since_ms = None;
                    }
                }
                Seen::Closed => self.remove_member(c, node, "disconnected".into()),
                Seen::Silent => {
                    let since = match member.silent_since_ms {
                        Some(since) => since,
                        None => {
                            if let Some(m) = self.ds.clusters[c].members.get_mut(&node) {
                                m.silent_since_ms = Some(now);
                            }
                            self.schedule(FAULT_DETECTION_MS, Timer::Wake);
                            now
                        }
                    };
                    if now >= since + FAULT_DETECTION_MS {
                        self.remove_member(
                            c,
                            node,
                            "followers check retry count exceeded [timeouts=3, failures=0]".into(),
                        );
                    }
                }
            }
        }
    }

    /// The master removes a node: its primaries fail over to in-sync replicas, its copies
    /// become unassigned (replicas wait for the delayed-allocation timeout).
    fn remove_member(&mut self, c: usize, node: NodeKey, reason: String) {
        let name = self.node_name(node);
        let Some(member) = self.ds.clusters[c].members.remove(&node) else {
            return;
        };
        self.ds.clusters[c].version += 1;
        self.emit(EventKind::NodeLeft {
            node: name.clone(),
            reason,
        });
        let now = self.now_ms;
        for s in 0..self.ds.clusters[c].shards.len() {
            let shard = &mut self.ds.clusters[c].shards[s];
            let ops = shard.ops;
            let mut lost: Vec<ShardCopy> = Vec::new();
            shard.copies.retain(|copy| {
                if copy.node == node {
                    lost.push(copy.clone());
                    false
                } else {
                    true
                }
            });
            if lost.is_empty() {
                self.fail_recoveries_from(c, s, node);
                continue;
            }
            let mut events = Vec::new();
            for copy in lost {
                if let Some(disk) = self.ec2.instances[member.instance]
                    .volume
                    .as_mut()
                    .and_then(|v| v.shards.get_mut(&shard.number))
                {
                    if disk.alloc == copy.alloc && copy.is_active() {
                        disk.ops = ops;
                    }
                }
                shard.leases.insert(node, now + RETENTION_LEASE_MS);
                // A relocation target that lost its source is cancelled; a relocating source
                // that leaves takes its target with it.
                if let CopyState::Relocating { target } = copy.state {
                    shard.copies.retain(|cp| cp.alloc != target);
                }
                if let CopyState::Initializing(r) = &copy.state {
                    if let Some(from) = r.relocating_from {
                        for cp in shard.copies.iter_mut() {
                            if cp.alloc == from {
                                cp.state = CopyState::Started;
                            }
                        }
                        continue;
                    }
                }
                let mut primary_lost = false;
                if copy.primary && copy.is_active() {
                    let promoted = shard.copies.iter_mut().find(|cp| {
                        !cp.primary && cp.is_active() && shard.in_sync.contains(&cp.alloc)
                    });
                    match promoted {
                        Some(replica) => {
                            replica.primary = true;
                            shard.primary_term += 1;
                            events.push((
                                Some(replica.node),
                                EventKind::ShardPromoted {
                                    shard: shard.number,
                                    node: String::new(),
                                },
                            ));
                        }
                        None => primary_lost = true,
                    }
                }
                if copy.is_active() && shard.copies.iter().any(|cp| cp.is_active()) {
                    shard.in_sync.remove(&copy.alloc);
                }
                let delayed_ms = if primary_lost {
                    0
                } else {
                    DELAYED_ALLOCATION_MS
                };
                shard.unassigned.push(Unassigned {
                    primary: primary_lost,
                    reason: format!("NODE_LEFT [{name}]"),
                    since_ms: now,
                    delayed_until_ms: now + delayed_ms,
                    last_node: Some(node),
                });
                events.push((
                    None,
                    EventKind::ShardUnassigned {
                        shard: shard.number,
                        primary: primary_lost,
                        reason: format!("NODE_LEFT [{name}]"),
                        delayed_ms,
                    },
                ));
            }
            for (promoted, mut event) in events {
                if let (Some(key), EventKind::ShardPromoted { node, .. }) = (promoted, &mut event) {
                    *node = self.node_name(key);
                }
                self.emit(event);
            }
            self.fail_recoveries_from(c, s, node);
        }
        self.schedule(DELAYED_ALLOCATION_MS, Timer::Wake);
        self.dirty = true;
    }

    /// Recoveries copying from a node that left fail; the copies become unassigned again.
    fn fail_recoveries_from(&mut self, c: usize, s: usize, node: NodeKey) {
        let failed: Vec<u64> = self.ds.clusters[c].shards[s]
            .copies
            .iter()
            .filter(|cp| matches!(&cp.state, CopyState::Initializing(r) if r.source == Some(node)))
            .map(|cp| cp.alloc)
            .collect();
        for alloc in failed {
            self.fail_initializing(c, s, alloc, "recovery source left");
        }
    }

    fn fail_initializing(&mut self, c: usize, s: usize, alloc: u64, why: &str) {
        let shard = &mut self.ds.clusters[c].shards[s];
        let Some(pos) = shard.copies.iter().position(|cp| cp.alloc == alloc) else {
            return;
        };
        let copy = shard.copies.remove(pos);
        if let CopyState::Initializing(r) = &copy.state {
            if let Some(from) = r.relocating_from {
                for cp in shard.copies.iter_mut() {
                    if cp.alloc == from {
                        cp.state = CopyState::Started;
                    }
                }
                return;
            }
        }
        let number = shard.number;
        shard.unassigned.push(Unassigned {
            primary: copy.primary,
            reason: format!("ALLOCATION_FAILED [{why}]"),
            since_ms: self.now_ms,
            delayed_until_ms: self.now_ms,
            last_node: Some(copy.node),
        });
        self.emit(EventKind::ShardUnassigned {
            shard: number,
            primary: copy.primary,
            reason: format!("ALLOCATION_FAILED [{why}]"),
            delayed_ms: 0,
        });
        self.dirty = true;
    }

    fn check_joins(&mut self, c: usize) {
        let now = self.now_ms;
        for idx in 0..self.ec2.instances.len() {
            let Some(ephemeral) = self.running_ephemeral(idx) else {
                continue;
            };
            let EsProc::Running { since_ms, .. } = self.ec2.instances[idx].es else {
                continue;
            };
            if now < since_ms + DISCOVERY_MS {
                continue;
            }
            let Some(volume) = self.ec2.instances[idx].volume.as_ref() else {
                continue;
            };
            let Some(node) = volume.node else { continue };
            let home = volume.cluster;
            // Already a member here (or of its own cluster)?
            if self.ds.clusters.iter().any(|cl| {
                cl.members
                    .get(&node)
                    .is_some_and(|m| m.instance == idx && m.ephemeral == ephemeral)
            }) {
                continue;
            }
            match home {
                Some(h) if h != c => {
                    // Discovery (seed hosts) finds the main cluster; a node of another cluster
                    // is refused.
                    if c != MAIN
                        || self.ds.clusters[h]
                            .members
                            .get(&node)
                            .is_some_and(|m| m.instance == idx)
                    {
                        continue;
                    }
                    let reason = format!(
                        "This node previously joined a cluster with UUID [{}] and is now trying to join a different cluster with UUID [{}]. This is forbidden and usually indicates an incorrect discovery or cluster bootstrapping configuration. Note that the cluster UUID persists across restarts and can only be changed by deleting the contents of the node's data path(s) which will also remove any data held by this node.",
                        self.ds.clusters[h].uuid, self.ds.clusters[c].uuid
                    );
                    self.reject_join(idx, reason);
                    continue;
                }
                None if c != MAIN => continue,
                None if !self.ec2.instances[idx]
                    .volume
                    .as_ref()
                    .is_some_and(|v| v.initial_master_nodes.is_empty())
                    && !self.master_responsive(c) =>
                {
                    continue
                }
                _ => {}
            }
            if let Some(existing) = self.ds.clusters[c].members.get(&node).copied() {
                if existing.instance == idx {
                    // The same node restarted before the master noticed: replace it.
                    self.remove_member(c, node, "restarted".into());
                } else {
                    let other = &self.ec2.instances[existing.instance];
                    let reason = format!(
                        "node-join: failed to join: found existing node {{{}}}{{{}}}{{{}}} with the same id but is a different node instance",
                        other.name, self.ds.node_ids[node.index()], other.private_ip
                    );
                    self.reject_join(idx, reason);
                    continue;
                }
            }
            self.ds.clusters[c].members.insert(
                node,
                Member {
                    instance: idx,
                    ephemeral,
                    silent_since_ms: None,
                },
            );
            self.ds.clusters[c].version += 1;
            if let Some(v) = self.ec2.instances[idx].volume.as_mut() {
                v.cluster = Some(c);
            }
            let master = self.ds.clusters[c]
                .master
                .map(|m| self.node_name(m))
                .unwrap_or_default();
            let name = self.ec2.instances[idx].name.clone();
            self.emit(EventKind::NodeJoined {
                node: name,
                node_id: self.ds.node_ids[node.index()].clone(),
                master,
            });
            self.dirty = true;
        }
    }

    fn reject_join(&mut self, idx: usize, reason: String) {
        let now = self.now_ms;
        let last = self.ec2.instances[idx].last_join_reject_log_ms;
        if last.is_none_or(|t| now >= t + JOIN_RETRY_LOG_MS) {
            self.ec2.instances[idx].last_join_reject_log_ms = Some(now);
            let node = self.ec2.instances[idx].name.clone();
            self.emit(EventKind::JoinRejected { node, reason });
        }
    }

    /// Auto-shrinking voting configuration: the largest odd number of live master-eligible
    /// nodes, never fewer than 3 unless exclusions say so; current voters are kept first.
    fn reconfigure(&mut self, c: usize) {
        let cluster = &self.ds.clusters[c];
        let excluded = |node: NodeKey| cluster.exclusions.contains(&self.node_name(node));
        // Live nodes, current voters first, the master first among those, then by key.
        let rank = |k: NodeKey| (!cluster.voting.contains(&k), Some(k) != cluster.master, k);
        let mut live: Vec<NodeKey> = Vec::new();
        for (k, m) in &cluster.members {
            if self.seen(m) == Seen::Responsive && !excluded(*k) {
                // Inserted in order (a stable insertion: no sort code for a few nodes).
                let at = live.partition_point(|other| rank(*other) <= rank(*k));
                live.insert(at, *k);
            }
        }
        let mut next: VecSet<NodeKey>;
        if live.len() >= 3 {
            let n = if live.len() % 2 == 1 {
                live.len()
            } else {
                live.len() - 1
            };
            next = live[..n].iter().copied().collect();
        } else {
            next = cluster
                .voting
                .iter()
                .copied()
                .filter(|k| !excluded(*k))
                .collect();
            for k in &live {
                if next.len() >= 3 {
                    break;
                }
                next.insert(*k);
            }
        }
        if next == cluster.voting || next.is_empty() {
            return;
        }
        // The change commits only with a quorum of both the old and the new configuration.
        let live_in = |set: &VecSet<NodeKey>| {
            set.iter()
                .filter(|k| {
                    live.contains(k)
                        || (excluded(**k)
                            && cluster
                                .members
                                .get(k)
                                .is_some_and(|m| self.seen(m) == Seen::Responsive))
                })
                .count()
        };
        if live_in(&cluster.voting) < cluster.quorum() || live_in(&next) < next.len() / 2 + 1 {
            return;
        }
        let names: Vec<String> = next.iter().map(|k| self.node_name(*k)).collect();
        let cluster = &mut self.ds.clusters[c];
        cluster.voting = next;
        cluster.version += 1;
        self.emit(EventKind::VotingConfig { nodes: names });
        self.dirty = true;
    }

    fn check_election(&mut self, c: usize) {
        let now = self.now_ms;
        let cluster = self.ds.clusters[c].clone();
        // Voters whose process answers and whose data path belongs to this cluster.
        let mut alive: Vec<(NodeKey, usize)> = Vec::new();
        for (idx, inst) in self.ec2.instances.iter().enumerate() {
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            let (Some(node), Some(home)) = (v.node, v.cluster) else {
                continue;
            };
            if home != c
                || self.running_ephemeral(idx).is_none()
                || alive.iter().any(|(n, _)| *n == node)
            {
                continue;
            }
            if cluster.voting.contains(&node) {
                alive.push((node, idx));
            }
        }
        if alive.len() >= cluster.quorum() {
            match cluster.election_at_ms {
                None => {
                    let delay = self.ds.rng.range(ELECTION_MS.0, ELECTION_MS.1);
                    let at = now + delay.div_ceil(TICK_MS) * TICK_MS;
                    self.ds.clusters[c].election_at_ms = Some(at);
                    self.schedule_at(at, Timer::Wake);
                }
                Some(at) if now >= at => self.elect(c, &alive),
                Some(_) => {}
            }
            return;
        }
        self.ds.clusters[c].election_at_ms = None;
        let due = cluster
            .last_no_quorum_log_ms
            .is_none_or(|t| now >= t + NO_QUORUM_LOG_MS);
        if !due {
            return;
        }
        self.ds.clusters[c].last_no_quorum_log_ms = Some(now);
        self.schedule(NO_QUORUM_LOG_MS, Timer::Wake);
        let ids: Vec<String> = cluster
            .voting
            .iter()
            .map(|k| {
                format!(
                    "{{{}}}{{{}}}",
                    self.node_name(*k),
                    self.ds.node_ids[k.index()]
                )
            })
            .collect();
        let discovered: Vec<String> = alive.iter().map(|(k, _)| self.node_name(*k)).collect();
        let quorum = cluster.quorum();
        let term = cluster.term;
        let version = cluster.version;
        let loggers: Vec<String> = (0..self.ec2.instances.len())
            .filter(|idx| {
                self.running_ephemeral(*idx).is_some()
                    && self.ec2.instances[*idx]
                        .volume
                        .as_ref()
                        .is_some_and(|v| v.cluster == Some(c))
            })
            .map(|idx| self.ec2.instances[idx].name.clone())
            .collect();
        for node in loggers {
            let message = format!(
                "master not discovered or elected yet, an election requires at least {quorum} nodes with ids from [{}], have discovered [{}] which is not a quorum; discovery will continue using [{}] from hosts providers; node term {term}, last-accepted version {version} in term {term}",
                ids.join(", "),
                discovered.join(", "),
                self.scenario.topology.nodes.join(", ")
            );
            self.emit(EventKind::NoQuorum { node, message });
        }
    }

    fn elect(&mut self, c: usize, alive: &[(NodeKey, usize)]) {
        let now = self.now_ms;
        let winner = alive[self.ds.rng.range(0, alive.len() as u64 - 1) as usize].0;
        // The new master's cluster state: everyone answering joins it; members that went
        // silent keep being checked from now on; members whose connection closed are gone.
        let voters: Vec<String> = alive.iter().map(|(k, _)| self.node_name(*k)).collect();
        let term = self.ds.clusters[c].term + 1;
        let node = self.node_name(winner);
        self.emit(EventKind::MasterElected { node, term, voters });
        let previous: Vec<(NodeKey, Member)> = self.ds.clusters[c]
            .members
            .iter()
            .map(|(k, m)| (*k, *m))
            .collect();
        for (node, member) in previous {
            match self.seen(&member) {
                Seen::Responsive => {}
                Seen::Silent => {
                    if let Some(m) = self.ds.clusters[c].members.get_mut(&node) {
                        m.silent_since_ms = Some(now);
                    }
                }
                Seen::Closed => {
                    self.remove_member(c, node, "disconnected".into());
                }
            }
        }
        for (node, idx) in alive {
            let ephemeral = self
                .running_ephemeral(*idx)
                .expect("alive voter is running");
            self.ds.clusters[c].members.insert(
                *node,
                Member {
                    instance: *idx,
                    ephemeral,
                    silent_since_ms: None,
                },
            );
        }
        let cluster = &mut self.ds.clusters[c];
        cluster.term = term;
        cluster.version += 1;
        cluster.master = Some(winner);
        cluster.election_at_ms = None;
        cluster.last_no_quorum_log_ms = None;
        // The delayed-allocation countdown restarts on a master failover.
        for shard in cluster.shards.iter_mut() {
            for u in shard.unassigned.iter_mut() {
                if u.delayed_until_ms > now {
                    u.delayed_until_ms = now + DELAYED_ALLOCATION_MS;
                }
            }
        }
        self.schedule(DELAYED_ALLOCATION_MS, Timer::Wake);
        self.schedule(FAULT_DETECTION_MS, Timer::Wake);
        self.dirty = true;
    }

    /// A fresh node with `cluster.initial_master_nodes` that finds no elected master
    /// bootstraps a new cluster from the listed nodes it can see — a new, empty cluster.
    fn check_bootstrap(&mut self) {
        let now = self.now_ms;
        if self.master_responsive(MAIN) {
            return;
        }
        for idx in 0..self.ec2.instances.len() {
            let Some(_) = self.running_ephemeral(idx) else {
                continue;
            };
            let EsProc::Running { since_ms, .. } = self.ec2.instances[idx].es else {
                continue;
            };
            let Some(v) = self.ec2.instances[idx].volume.as_ref() else {
                continue;
            };
            let name = self.ec2.instances[idx].name.clone();
            if v.cluster.is_some()
                || v.initial_master_nodes.is_empty()
                || !v.initial_master_nodes.contains(&name)
            {
                continue;
            }
            if now < since_ms + BOOTSTRAP_AFTER_MS {
                continue;
            }
            // Fresh, responsive nodes named in the list.
            let listed = v.initial_master_nodes.clone();
            let fresh: Vec<usize> = (0..self.ec2.instances.len())
                .filter(|j| {
                    self.running_ephemeral(*j).is_some()
                        && listed.contains(&self.ec2.instances[*j].name)
                        && self.ec2.instances[*j]
                            .volume
                            .as_ref()
                            .is_some_and(|v| v.cluster.is_none() && v.node.is_some())
                })
                .collect();
            if fresh.len() < listed.len() / 2 + 1 {
                continue;
            }
            let uuid = self.random_id(22);
            let c = self.ds.clusters.len();
            let mut cluster = Cluster::new(uuid.clone());
            let mut voters = Vec::new();
            for j in &fresh {
                let node = self.ec2.instances[*j]
                    .volume
                    .as_ref()
                    .and_then(|v| v.node)
                    .expect("fresh node has an id");
                let ephemeral = self.running_ephemeral(*j).expect("running");
                cluster.members.insert(
                    node,
                    Member {
                        instance: *j,
                        ephemeral,
                        silent_since_ms: None,
                    },
                );
                cluster.voting.insert(node);
                voters.push(self.ec2.instances[*j].name.clone());
                if *j == idx {
                    cluster.master = Some(node);
                }
                self.ec2.instances[*j]
                    .volume
                    .as_mut()
                    .expect("volume")
                    .cluster = Some(c);
            }
            self.ds.clusters.push(cluster);
            self.emit(EventKind::ClusterBootstrapped {
                node: name,
                cluster_uuid: uuid,
                voters,
            });
            self.dirty = true;
        }
    }

    // ---- Disk watermarks ----------------------------------------------------------------

    /// The disk watermark level of a member (0 none, 1 low, 2 high, 3 flood stage).
    fn disk_level(&self, c: usize, node: NodeKey) -> u8 {
        self.ds.clusters[c]
            .disk_levels
            .get(&node)
            .copied()
            .unwrap_or(0)
    }

    /// The master reads every member's disk use and applies the watermarks.
    pub(crate) fn disk_watermarks(&mut self, c: usize) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        let members: Vec<(NodeKey, usize)> = self.ds.clusters[c]
            .members
            .iter()
            .filter(|(_, m)| self.seen(m) == Seen::Responsive)
            .map(|(k, m)| (*k, m.instance))
            .collect();
        for (node, idx) in &members {
            let Some(v) = self.ec2.instances[*idx].volume.as_ref() else {
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
            let name = self.ec2.instances[*idx].name.clone();
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
            self.ds.clusters[c].disk_levels.insert(*node, level);
            self.emit(EventKind::DiskWatermark {
                node: name,
                message,
            });
            self.dirty = true;
        }
        let cluster = &self.ds.clusters[c];
        let flooded: Vec<String> = members
            .iter()
            .filter(|(n, _)| {
                self.disk_level(c, *n) >= 3 && cluster.shards.iter().any(|s| s.holds(*n))
            })
            .map(|(_, idx)| self.ec2.instances[*idx].name.clone())
            .collect();
        // Since 7.4 the block is released by itself once every node is under the high watermark.
        let all_under_high = members.iter().all(|(n, _)| self.disk_level(c, *n) < 2);
        if !cluster.read_only && !flooded.is_empty() && !cluster.shards.is_empty() {
            self.ds.clusters[c].read_only = true;
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
            self.ds.clusters[c].read_only = false;
            self.emit(EventKind::IndexBlock {
                blocked: false,
                message: "releasing read-only-allow-delete block on indices: [[app]]".into(),
            });
            self.dirty = true;
        }
    }

    /// Copies on a node over the high watermark move to a node under the low one.
    fn move_off_full_nodes(&mut self, c: usize, live: &[NodeKey]) {
        for &full in live {
            if self.disk_level(c, full) < 2 {
                continue;
            }
            for s in 0..self.ds.clusters[c].shards.len() {
                if self.recoveries_on(c, full).1 >= CONCURRENT_RECOVERIES {
                    return;
                }
                let shard = &self.ds.clusters[c].shards[s];
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

    fn relocate(
        &mut self,
        c: usize,
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
        for cp in self.ds.clusters[c].shards[s].copies.iter_mut() {
            if cp.alloc == source_alloc {
                cp.state = CopyState::Relocating {
                    target: target_alloc,
                };
            }
        }
        let number = self.ds.clusters[c].shards[s].number;
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

    // ---- Allocation -------------------------------------------------------------------

    fn recoveries_on(&self, c: usize, node: NodeKey) -> (usize, usize) {
        let (mut incoming, mut outgoing) = (0, 0);
        for shard in &self.ds.clusters[c].shards {
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

    fn lease_valid(&self, c: usize, s: usize, node: NodeKey) -> bool {
        self.ds.clusters[c].shards[s]
            .leases
            .get(&node)
            .is_some_and(|expiry| *expiry > self.now_ms)
    }

    /// The disk copy of shard `s` on the instance running `node`, if it belongs to cluster `c`.
    fn disk_copy(&self, c: usize, s: usize, node: NodeKey) -> Option<DiskCopy> {
        let member = self.ds.clusters[c].members.get(&node)?;
        let v = self.ec2.instances[member.instance].volume.as_ref()?;
        if v.cluster != Some(c) {
            return None;
        }
        v.shards.get(&(s as u32)).copied()
    }

    pub(crate) fn allocate(&mut self, c: usize) {
        if !self.master_responsive(c) {
            return;
        }
        let enable = self.ds.clusters[c].allocation;
        let live: Vec<NodeKey> = self.ds.clusters[c]
            .members
            .iter()
            .filter(|(_, m)| self.seen(m) == Seen::Responsive)
            .map(|(k, _)| *k)
            .collect();
        for s in 0..self.ds.clusters[c].shards.len() {
            // Unassigned primaries: only a node holding an in-sync copy may take one.
            if enable != AllocationEnable::None {
                let mut u = 0;
                while u < self.ds.clusters[c].shards[s].unassigned.len() {
                    if !self.ds.clusters[c].shards[s].unassigned[u].primary {
                        u += 1;
                        continue;
                    }
                    let shard = &self.ds.clusters[c].shards[s];
                    let holder = live.iter().copied().find(|n| {
                        !shard.holds(*n)
                            && self
                                .disk_copy(c, s, *n)
                                .is_some_and(|d| shard.in_sync.contains(&d.alloc))
                    });
                    match holder {
                        Some(node) => {
                            let disk = self.disk_copy(c, s, node).expect("holder has a disk copy");
                            self.ds.clusters[c].shards[s].unassigned.remove(u);
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
            // A node that returns with a copy it can bring up to date by replaying operations
            // wins over a file-based rebuild elsewhere: the rebuild is cancelled.
            let shard = &self.ds.clusters[c].shards[s];
            let returning = live.iter().copied().find(|n| {
                !shard.holds(*n) && self.disk_copy(c, s, *n).is_some() && self.lease_valid(c, s, *n)
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
                    "cancelled: a copy that can recover by operations returned",
                );
            }
            let mut u = 0;
            while u < self.ds.clusters[c].shards[s].unassigned.len() {
                let shard = &self.ds.clusters[c].shards[s];
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
                self.ds.clusters[c].shards[s].unassigned.remove(u);
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

    fn copies_on(&self, c: usize, node: NodeKey) -> usize {
        self.ds.clusters[c]
            .shards
            .iter()
            .filter(|s| s.holds(node))
            .count()
    }

    /// Moves copies from the fullest to the emptiest node once every shard is active
    /// (`cluster.routing.allocation.allow_rebalance: indices_all_active`).
    fn rebalance(&mut self, c: usize, live: &[NodeKey]) {
        let cluster = &self.ds.clusters[c];
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
        for s in 0..self.ds.clusters[c].shards.len() {
            if moves >= CONCURRENT_REBALANCE || self.copies_on(c, from) < self.copies_on(c, to) + 2
            {
                break;
            }
            let shard = &self.ds.clusters[c].shards[s];
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
    fn start_recovery(
        &mut self,
        c: usize,
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
                let missing = self.ds.clusters[c].shards[s].ops.saturating_sub(have);
                (missing * DOC_BYTES + OPS_RECOVERY_BASE_BYTES).min(shard_bytes)
            }
        };
        let shard = &mut self.ds.clusters[c].shards[s];
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

    /// Copies bytes for every running recovery, throttled per node, and finishes the ones
    /// that are complete.
    pub(crate) fn progress_recoveries(&mut self) {
        let per_tick = RECOVERY_BYTES_PER_S * TICK_MS / 1000;
        for c in 0..self.ds.clusters.len() {
            let mut any = false;
            for shard in &self.ds.clusters[c].shards {
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
            for s in 0..self.ds.clusters[c].shards.len() {
                for i in 0..self.ds.clusters[c].shards[s].copies.len() {
                    let cluster = &self.ds.clusters[c];
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
                        let CopyState::Initializing(r) =
                            &mut self.ds.clusters[c].shards[s].copies[i].state
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
                        done.push((s, self.ds.clusters[c].shards[s].copies[i].alloc));
                    }
                }
            }
            for (s, alloc) in done {
                self.finish_recovery(c, s, alloc);
            }
        }
    }

    fn finish_recovery(&mut self, c: usize, s: usize, alloc: u64) {
        let now = self.now_ms;
        let shard = &mut self.ds.clusters[c].shards[s];
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
                if let Some(m) = self.ds.clusters[c].members.get(&src.node).copied() {
                    let number = self.ds.clusters[c].shards[s].number;
                    if let Some(v) = self.ec2.instances[m.instance].volume.as_mut() {
                        v.shards.remove(&number);
                    }
                }
            }
        }
        let shard = &self.ds.clusters[c].shards[s];
        let (number, ops) = (shard.number, shard.ops);
        if let Some(m) = self.ds.clusters[c].members.get(&node).copied() {
            if let Some(v) = self.ec2.instances[m.instance].volume.as_mut() {
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

    /// Health as the master computes it; `NoMaster` when there is no elected master.
    pub(crate) fn update_health(&mut self) {
        for c in 0..self.ds.clusters.len() {
            let cluster = &self.ds.clusters[c];
            let next = if cluster.master.is_none() {
                Health::NoMaster
            } else {
                compute_health(&cluster.shards)
            };
            if next != cluster.health {
                let from = cluster.health;
                self.ds.clusters[c].health = next;
                if c == MAIN {
                    self.emit(EventKind::HealthChanged { from, to: next });
                }
            }
        }
    }
}

/// How many byte-copying recoveries (not existing-store ones) the busier of `target` and
/// `source` takes part in, as target or as source. Counted when needed rather than
/// tabulated: a few copies, one pass, and no allocation per tick.
fn busiest(shards: &[Shard], target: NodeKey, source: Option<NodeKey>) -> u64 {
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
