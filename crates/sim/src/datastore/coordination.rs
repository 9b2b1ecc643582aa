//! Cluster coordination, modelled on Elasticsearch 7.x/8.x: the master's follower checks and
//! the followers' leader checks, master step-down, elections, joins and join validation, the
//! voting configuration and its exclusions, and the bootstrap of a new cluster.

use crate::engine::{Sim, MAIN};
use crate::event::EventKind;
use crate::model::*;
use crate::timers::Timer;
use crate::timing::*;
use crate::vecmap::VecSet;

/// The voting configuration as the datastore panel shows it ([`Sim::voting_view`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VotingView {
    /// The voting nodes in the configuration's order, and whether each answers.
    pub voters: Vec<(NodeKey, bool)>,
    pub answering: usize,
    /// Votes needed: a majority of the configuration.
    pub quorum: usize,
}

impl VotingView {
    /// Enough voters answer to elect or keep a master.
    pub fn has_quorum(&self) -> bool {
        self.answering >= self.quorum
    }
}

/// How a member looks to the master's follower checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
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
    pub(crate) fn seen(&self, member: &Member) -> Seen {
        let inst = &self.ec2[member.instance];
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

    pub(crate) fn running_ephemeral(&self, idx: InstanceId) -> Option<u64> {
        match self.ec2[idx].es {
            EsProc::Running { ephemeral, .. } if !self.is_frozen(idx) => Some(ephemeral),
            _ => None,
        }
    }

    /// The node on instance `idx` is a responsive member of cluster `c` (the index into
    /// `clusters()`, 0 for the main one).
    pub fn is_member_responsive(&self, c: usize, idx: impl Into<InstanceId>) -> bool {
        self.member_up(ClusterId::new(c), idx.into())
    }

    /// The node on `idx` is a responsive member of cluster `c`.
    #[inline]
    pub(crate) fn member_up(&self, c: ClusterId, idx: InstanceId) -> bool {
        let Some(node) = self.ec2[idx].volume.as_ref().and_then(|v| v.node) else {
            return false;
        };
        match self.ds[c].members.get(&node) {
            Some(m) => m.instance == idx && self.running_ephemeral(idx) == Some(m.ephemeral),
            None => false,
        }
    }

    /// The voting configuration of cluster `c` as an operator reads it: each voter in order,
    /// whether its node answers as a member, and the quorum the configuration needs. The
    /// datastore panel shows this; it must not recount it.
    pub fn voting_view(&self, c: ClusterId) -> VotingView {
        let cluster = &self.ds[c];
        let voters: Vec<(NodeKey, bool)> = cluster
            .voting
            .iter()
            .map(|k| {
                let up = cluster
                    .members
                    .get(k)
                    .is_some_and(|m| self.member_up(c, m.instance));
                (*k, up)
            })
            .collect();
        VotingView {
            answering: voters.iter().filter(|(_, up)| *up).count(),
            quorum: cluster.quorum(),
            voters,
        }
    }

    /// The cluster's master is elected and answers.
    pub fn master_responsive(&self, c: ClusterId) -> bool {
        let cluster = &self.ds[c];
        match cluster.master.and_then(|m| cluster.members.get(&m)) {
            Some(member) => self.seen(member) == Seen::Responsive,
            None => false,
        }
    }

    pub(crate) fn coordinate(&mut self, c: ClusterId) {
        if c == MAIN {
            self.check_bootstrap();
        }
        self.check_master(c);
        if self.ds[c].master.is_some() {
            if self.master_responsive(c) {
                self.check_followers(c);
                self.check_joins(c);
                self.reconfigure(c);
            }
        } else {
            self.check_election(c);
        }
        if !self.ds[c].exclusion_calls.is_empty() {
            self.answer_exclusion_calls(c);
        }
    }

    pub(crate) fn check_master(&mut self, c: ClusterId) {
        let now = self.now_ms;
        let Some(master) = self.ds[c].master else {
            return;
        };
        let Some(member) = self.ds[c].members.get(&master).copied() else {
            self.lose_master(c, master, "master left the cluster".into());
            return;
        };
        match self.seen(&member) {
            Seen::Responsive if self.ec2[member.instance].fs_unhealthy => self.lose_master(
                c,
                master,
                "becoming candidate: onLeaderFailure (leader check: health check failed)".into(),
            ),
            Seen::Responsive => {
                self.ds[c].master_silent_since_ms = None;
                // A master must publish every change to a quorum of the voting configuration;
                // once too many voters have left, publications fail and it steps down.
                let cluster = &self.ds[c];
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
                let since = match self.ds[c].master_silent_since_ms {
                    Some(since) => since,
                    None => {
                        self.ds[c].master_silent_since_ms = Some(now);
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

    pub(crate) fn lose_master(&mut self, c: ClusterId, master: NodeKey, reason: String) {
        let node = self.node_name(master);
        let cluster = &mut self.ds[c];
        cluster.master = None;
        cluster.master_silent_since_ms = None;
        cluster.election_at_ms = None;
        cluster.last_no_quorum_log_ms = None;
        let term = cluster.term;
        self.emit(EventKind::MasterLost { node, term, reason });
        self.dirty = true;
    }

    pub(crate) fn check_followers(&mut self, c: ClusterId) {
        let now = self.now_ms;
        let master = self.ds[c].master;
        let members: Vec<(NodeKey, Member)> =
            self.ds[c].members.iter().map(|(k, m)| (*k, *m)).collect();
        for (node, member) in members {
            if Some(node) == master {
                continue;
            }
            match self.seen(&member) {
                // The follower answers that its own health check failed: removed at once.
                Seen::Responsive if self.ec2[member.instance].fs_unhealthy => {
                    self.remove_member(c, node, "health check failed".into())
                }
                Seen::Responsive => {
                    if let Some(m) = self.ds[c].members.get_mut(&node) {
                        m.silent_since_ms = None;
                    }
                }
                Seen::Closed => self.remove_member(c, node, "disconnected".into()),
                Seen::Silent => {
                    let since = match member.silent_since_ms {
                        Some(since) => since,
                        None => {
                            if let Some(m) = self.ds[c].members.get_mut(&node) {
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
    pub(crate) fn remove_member(&mut self, c: ClusterId, node: NodeKey, reason: String) {
        let name = self.node_name(node);
        let Some(member) = self.ds[c].members.remove(&node) else {
            return;
        };
        self.ds[c].version += 1;
        self.emit(EventKind::NodeLeft {
            node: name.clone(),
            reason,
        });
        let now = self.now_ms;
        for s in 0..self.ds[c].shards.len() {
            let shard = &mut self.ds[c].shards[s];
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
                if let Some(disk) = self.ec2[member.instance]
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
    pub(crate) fn fail_recoveries_from(&mut self, c: ClusterId, s: usize, node: NodeKey) {
        let failed: Vec<u64> = self.ds[c].shards[s]
            .copies
            .iter()
            .filter(|cp| matches!(&cp.state, CopyState::Initializing(r) if r.source == Some(node)))
            .map(|cp| cp.alloc)
            .collect();
        for alloc in failed {
            self.fail_initializing(c, s, alloc, "recovery source left");
        }
    }

    pub(crate) fn fail_initializing(&mut self, c: ClusterId, s: usize, alloc: u64, why: &str) {
        let shard = &mut self.ds[c].shards[s];
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

    pub(crate) fn check_joins(&mut self, c: ClusterId) {
        let now = self.now_ms;
        for idx in self.ec2.ids() {
            let Some(ephemeral) = self.running_ephemeral(idx) else {
                continue;
            };
            let EsProc::Running { since_ms, .. } = self.ec2[idx].es else {
                continue;
            };
            // An unhealthy node sends no join.
            if now < since_ms + DISCOVERY_MS || self.ec2[idx].fs_unhealthy {
                continue;
            }
            let Some(volume) = self.ec2[idx].volume.as_ref() else {
                continue;
            };
            let Some(node) = volume.node else { continue };
            let home = volume.cluster;
            // Already a member here (or of its own cluster)?
            if self.ds.clusters().iter().any(|cl| {
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
                        || self.ds[h]
                            .members
                            .get(&node)
                            .is_some_and(|m| m.instance == idx)
                    {
                        continue;
                    }
                    let reason = format!(
                        "This node previously joined a cluster with UUID [{}] and is now trying to join a different cluster with UUID [{}]. This is forbidden and usually indicates an incorrect discovery or cluster bootstrapping configuration. Note that the cluster UUID persists across restarts and can only be changed by deleting the contents of the node's data path(s) which will also remove any data held by this node.",
                        self.ds[h].uuid, self.ds[c].uuid
                    );
                    self.reject_join(idx, reason);
                    continue;
                }
                None if c != MAIN => continue,
                None if !self.ec2[idx]
                    .volume
                    .as_ref()
                    .is_some_and(|v| v.initial_master_nodes.is_empty())
                    && !self.master_responsive(c) =>
                {
                    continue
                }
                _ => {}
            }
            if let Some(existing) = self.ds[c].members.get(&node).copied() {
                if existing.instance == idx {
                    // The same node restarted before the master noticed: replace it.
                    self.remove_member(c, node, "restarted".into());
                } else {
                    let reason = format!(
                        "can't add node {}, found existing node {} with the same id but is a different node instance",
                        self.discovery_node(node, idx),
                        self.discovery_node(node, existing.instance)
                    );
                    self.reject_join(idx, reason);
                    continue;
                }
            }
            self.ds[c].members.insert(
                node,
                Member {
                    instance: idx,
                    ephemeral,
                    silent_since_ms: None,
                },
            );
            self.ds[c].version += 1;
            if let Some(v) = self.ec2[idx].volume.as_mut() {
                v.cluster = Some(c);
            }
            let master = self.ds[c]
                .master
                .map(|m| self.node_name(m))
                .unwrap_or_default();
            let name = self.ec2[idx].name.clone();
            self.emit(EventKind::NodeJoined {
                node: name,
                node_id: self.ds.node_id(node).to_owned(),
                master,
            });
            self.dirty = true;
        }
    }

    /// A node as Elasticsearch's `DiscoveryNode` prints it: `{name}{id}{ip}{ip:9300}`.
    pub(crate) fn discovery_node(&self, node: NodeKey, idx: InstanceId) -> String {
        let inst = &self.ec2[idx];
        let ip = &inst.private_ip;
        format!(
            "{{{}}}{{{}}}{{{ip}}}{{{ip}:9300}}",
            inst.name,
            self.ds.node_id(node)
        )
    }

    pub(crate) fn reject_join(&mut self, idx: InstanceId, reason: String) {
        let now = self.now_ms;
        let last = self.ec2[idx].last_join_reject_log_ms;
        if last.is_none_or(|t| now >= t + JOIN_RETRY_LOG_MS) {
            self.ec2[idx].last_join_reject_log_ms = Some(now);
            let node = self.ec2[idx].name.clone();
            self.emit(EventKind::JoinRejected { node, reason });
        }
    }

    /// The voting configuration after a change of members or exclusions, by Elasticsearch's
    /// `Reconfigurator` (auto-shrink on): the live, non-excluded master-eligible nodes rounded
    /// down to an odd count; with fewer than 3 of those, 3 while 3 or more non-excluded nodes
    /// of the current configuration remain (live or not), else 1. Preferred in order: the
    /// master, live voters, other live nodes, then voters that are away. Excluding one node
    /// of three thus leaves the master voting alone. An excluded master abdicates once the
    /// configuration without it commits.
    pub(crate) fn reconfigure(&mut self, c: ClusterId) {
        let cluster = &self.ds[c];
        let excluded = |node: NodeKey| cluster.exclusions.contains(&self.node_name(node));
        let responsive = |k: &NodeKey| {
            cluster
                .members
                .get(k)
                .is_some_and(|m| self.seen(m) == Seen::Responsive)
        };
        // Candidates in preference order (a stable insertion: no sort code for a few nodes).
        let rank = |k: NodeKey| {
            let live = responsive(&k);
            let group = match (live, Some(k) == cluster.master, cluster.voting.contains(&k)) {
                (true, true, _) => 0,
                (true, false, true) => 1,
                (true, false, false) => 2,
                (false, _, _) => 3,
            };
            (group, k)
        };
        let mut candidates: Vec<NodeKey> = Vec::new();
        let away_voters = cluster.voting.iter().copied().filter(|k| !responsive(k));
        let live_members = cluster.members.keys().copied().filter(|k| responsive(k));
        for k in live_members.chain(away_voters) {
            if excluded(k) || candidates.contains(&k) {
                continue;
            }
            let at = candidates.partition_point(|other| rank(*other) <= rank(k));
            candidates.insert(at, k);
        }
        let live_count = candidates.iter().filter(|k| responsive(k)).count();
        let config_count = cluster.voting.iter().filter(|k| !excluded(**k)).count();
        let target = if live_count >= 3 {
            live_count - (1 - live_count % 2)
        } else if config_count >= 3 {
            3
        } else {
            1
        };
        let next: VecSet<NodeKey> = candidates.iter().copied().take(target).collect();
        if next == cluster.voting || next.is_empty() {
            return;
        }
        // The new configuration needs a quorum of live nodes, else it stays as it is; the
        // change commits only with a quorum of both the old and the new configuration.
        let live_in = |set: &VecSet<NodeKey>| set.iter().filter(|k| responsive(k)).count();
        if live_in(&cluster.voting) < cluster.quorum() || live_in(&next) < next.len() / 2 + 1 {
            return;
        }
        let names: Vec<String> = next.iter().map(|k| self.node_name(*k)).collect();
        let master = cluster.master;
        let successor = next.iter().copied().find(|k| Some(*k) != master);
        let cluster = &mut self.ds[c];
        cluster.voting = next;
        cluster.version += 1;
        self.emit(EventKind::VotingConfig { nodes: names });
        self.dirty = true;
        if let (Some(master), Some(successor)) = (master, successor) {
            if !self.ds[c].voting.contains(&master) {
                let to = self.node_name(successor);
                self.lose_master(
                    c,
                    master,
                    format!("becoming candidate: after abdicating to {{{to}}}"),
                );
            }
        }
    }

    pub(crate) fn check_election(&mut self, c: ClusterId) {
        let now = self.now_ms;
        let cluster = self.ds[c].clone();
        // Voters whose process answers and whose data path belongs to this cluster.
        let mut alive: Vec<(NodeKey, InstanceId)> = Vec::new();
        for (idx, inst) in self.ec2.ids().zip(self.ec2.instances()) {
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            let (Some(node), Some(home)) = (v.node, v.cluster) else {
                continue;
            };
            // An unhealthy node takes no part in elections.
            if home != c
                || self.running_ephemeral(idx).is_none()
                || inst.fs_unhealthy
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
                    self.ds[c].election_at_ms = Some(at);
                    self.schedule_at(at, Timer::Wake);
                }
                Some(at) if now >= at => self.elect(c, &alive),
                Some(_) => {}
            }
            return;
        }
        self.ds[c].election_at_ms = None;
        let due = cluster
            .last_no_quorum_log_ms
            .is_none_or(|t| now >= t + NO_QUORUM_LOG_MS);
        if !due {
            return;
        }
        self.ds[c].last_no_quorum_log_ms = Some(now);
        self.schedule(NO_QUORUM_LOG_MS, Timer::Wake);
        // ClusterFormationFailureHelper's words: the voters by node id, and what this node
        // has discovered, as DiscoveryNode prints them.
        let ids: Vec<&str> = cluster
            .voting
            .iter()
            .map(|k| self.ds.node_ids[k.index()].as_str())
            .collect();
        let requires = match ids.len() {
            1 => format!("a node with id [{}]", ids.join(", ")),
            2 => format!("two nodes with ids [{}]", ids.join(", ")),
            _ => format!(
                "at least {} nodes with ids from [{}]",
                cluster.quorum(),
                ids.join(", ")
            ),
        };
        let discovered: Vec<String> = alive
            .iter()
            .map(|(k, idx)| self.discovery_node(*k, *idx))
            .collect();
        let term = cluster.term;
        let version = cluster.version;
        let loggers: Vec<String> = self
            .ec2
            .ids()
            .filter(|idx| {
                self.running_ephemeral(*idx).is_some()
                    && self.ec2[*idx]
                        .volume
                        .as_ref()
                        .is_some_and(|v| v.cluster == Some(c))
            })
            .map(|idx| self.ec2[idx].name.clone())
            .collect();
        for node in loggers {
            let message = format!(
                "master not discovered or elected yet, an election requires {requires}, have only discovered non-quorum [{}]; discovery will continue using [{}] from hosts providers; node term {term}, last-accepted version {version} in term {term}",
                discovered.join(", "),
                self.scenario.topology.nodes.join(", ")
            );
            self.emit(EventKind::NoQuorum { node, message });
        }
    }

    pub(crate) fn elect(&mut self, c: ClusterId, alive: &[(NodeKey, InstanceId)]) {
        let now = self.now_ms;
        let winner = alive[self.ds.rng.range(0, alive.len() as u64 - 1) as usize].0;
        // The new master's cluster state: everyone answering joins it; members that went
        // silent keep being checked from now on; members whose connection closed are gone.
        let voters: Vec<String> = alive.iter().map(|(k, _)| self.node_name(*k)).collect();
        let term = self.ds[c].term + 1;
        let node = self.node_name(winner);
        self.emit(EventKind::MasterElected { node, term, voters });
        let previous: Vec<(NodeKey, Member)> =
            self.ds[c].members.iter().map(|(k, m)| (*k, *m)).collect();
        for (node, member) in previous {
            match self.seen(&member) {
                Seen::Responsive => {}
                Seen::Silent => {
                    if let Some(m) = self.ds[c].members.get_mut(&node) {
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
            self.ds[c].members.insert(
                *node,
                Member {
                    instance: *idx,
                    ephemeral,
                    silent_since_ms: None,
                },
            );
        }
        let cluster = &mut self.ds[c];
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
    pub(crate) fn check_bootstrap(&mut self) {
        let now = self.now_ms;
        if self.master_responsive(MAIN) {
            return;
        }
        for idx in self.ec2.ids() {
            let Some(_) = self.running_ephemeral(idx) else {
                continue;
            };
            let EsProc::Running { since_ms, .. } = self.ec2[idx].es else {
                continue;
            };
            let Some(v) = self.ec2[idx].volume.as_ref() else {
                continue;
            };
            let name = self.ec2[idx].name.clone();
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
            let fresh: Vec<InstanceId> = self
                .ec2
                .ids()
                .filter(|j| {
                    self.running_ephemeral(*j).is_some()
                        && listed.contains(&self.ec2[*j].name)
                        && self.ec2[*j]
                            .volume
                            .as_ref()
                            .is_some_and(|v| v.cluster.is_none() && v.node.is_some())
                })
                .collect();
            if fresh.len() < listed.len() / 2 + 1 {
                continue;
            }
            let uuid = self.random_id(22);
            let c = ClusterId::new(self.ds.clusters().len());
            let mut cluster = Cluster::new(uuid.clone());
            let mut voters = Vec::new();
            for j in &fresh {
                let node = self.ec2[*j]
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
                voters.push(self.ec2[*j].name.clone());
                if *j == idx {
                    cluster.master = Some(node);
                }
                self.ec2[*j].volume.as_mut().expect("volume").cluster = Some(c);
            }
            self.ds.push(cluster);
            self.emit(EventKind::ClusterBootstrapped {
                node: name,
                cluster_uuid: uuid,
                voters,
            });
            self.dirty = true;
        }
    }
}
