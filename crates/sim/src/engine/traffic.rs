//! The bridge between the simulation and the traffic model (`crate::traffic`): it builds
//! the view of the cluster the client reads (what a request to each pool node meets) and
//! applies a tick's outcome (indexed documents, outage spans and their causes, alarms).

use crate::datastore::coordination::Seen;
use crate::engine::{Sim, MAIN};
use crate::event::{EventKind, Health};
use crate::model::{CopyState, EsProc, InstanceId, NodeKey, Os};
use crate::report::Cause;
use crate::scenario::{fault_label, Lang};
use crate::time::fmt_clock;
use crate::timing::*;
use crate::traffic::{is_outage, Reach, ONE};

impl Sim {
    /// The outage clock is running: the main cluster has no master or is red, or the last
    /// sampled second had an outage and has just ended (the traffic panel's state).
    /// The CloudWatch alarms in ALARM now, by name, sorted (the notifications badge): the
    /// status-check and disk alarms of every instance, and `search-5xx-rate`.
    pub fn alarms_in_alarm(&self) -> Vec<String> {
        let mut names: Vec<String> = self.ec2.alarms().cloned().collect();
        if self.traffic.metrics.error_alarm {
            names.push("search-5xx-rate".into());
        }
        crate::vecmap::sort_small_by(&mut names, |a, b| a > b);
        names
    }

    pub fn in_outage(&self) -> bool {
        let now = self.now_ms;
        let last = self.traffic.samples.last().copied().unwrap_or_default();
        is_outage(self.ds[MAIN].health) || (last.outage && last.at_ms + 1000 >= now && now > 0)
    }

    /// How long the outage in progress has lasted, if one is.
    pub fn current_outage_ms(&self) -> Option<u64> {
        self.traffic
            .metrics
            .outages
            .last()
            .filter(|o| o.end_ms.is_none())
            .map(|o| self.now_ms.saturating_sub(o.start_ms))
    }

    /// The cluster is fully redundant: green, and every voting node is an answering member
    /// of a voting configuration of at least 3.
    pub fn fully_redundant(&self) -> bool {
        let cluster = &self.ds[MAIN];
        cluster.health == Health::Green
            && cluster.voting.len() >= 3
            && cluster.voting.iter().all(|k| {
                cluster
                    .members
                    .get(k)
                    .is_some_and(|m| self.member_up(MAIN, m.instance))
            })
    }

    /// Recomputes what a request to each pool node meets; refreshes the pool from the
    /// cluster's node list on the sniff interval.
    pub(crate) fn client_refresh(&mut self) {
        let cluster = &self.ds[MAIN];
        let master_known = cluster.master.is_some();
        let master_ok = self.master_responsive(MAIN);
        let shards = cluster.shards.len().max(1) as u64;
        let answering = |node: NodeKey| {
            cluster
                .members
                .get(&node)
                .is_some_and(|m| self.member_up(MAIN, m.instance))
        };
        // Still a member, but its follower checks get no answer (a hung host or OS).
        let silent = |node: NodeKey| {
            cluster
                .members
                .get(&node)
                .is_some_and(|m| self.seen(m) == Seen::Silent)
        };
        let (mut writable, mut stalled) = (0, 0);
        let mut readable = true;
        for shard in &cluster.shards {
            // Counted in one pass, not collected: this runs on every state change.
            let (mut active, mut live, mut hung) = (0u64, 0u64, 0u64);
            for copy in shard.copies.iter().filter(|c| c.is_active()) {
                active += 1;
                live += u64::from(answering(copy.node));
                hung += u64::from(silent(copy.node));
            }
            // A search that cannot reach one copy of a shard tries another: it fails only
            // when no copy answers. Without a master it runs on the last known state.
            readable &= live > 0;
            let primary_ok = shard.active_primary().is_some_and(|p| answering(p.node));
            let replicas_ok = live == active;
            if cluster.read_only {
                // At flood stage the index is read-only: every write gets a 429 at once.
            } else if !master_known || hung > 0 || (primary_ok && !master_ok && !replicas_ok) {
                // The no-master block is retried until the request's timeout; a write waits
                // for every in-sync copy, and replication has no timeout: a copy on a silent
                // member stalls it until the master removes that node. So does a copy to be
                // failed while the master does not answer.
                stalled += 1;
            } else if primary_ok {
                writable += 1;
            }
        }
        let read_ok = if readable { ONE } else { 0 };
        let write_stall = stalled * ONE / shards;
        let write_ok = writable * ONE / shards;
        // Refilled in place: the buffer is reused across refreshes.
        let mut reach = std::mem::take(&mut self.traffic.client.reach);
        reach.clear();
        for entry in &self.traffic.client.pool {
            let idx = entry.instance;
            let inst = &self.ec2[idx];
            let r = if self.member_up(MAIN, idx) {
                Reach::Serving {
                    read_ok,
                    write_ok,
                    write_stall,
                }
            } else if matches!(inst.es, EsProc::Running { .. }) && !self.is_frozen(idx) {
                // Up but not in the cluster: every request gets a 503.
                Reach::Serving {
                    read_ok: 0,
                    write_ok: 0,
                    write_stall: 0,
                }
            } else if !self.is_frozen(idx)
                && matches!(inst.os, Os::Up | Os::Booting | Os::ShuttingDown)
                && inst.state == crate::event::InstanceState::Running
            {
                Reach::Refused
            } else {
                Reach::Timeout
            };
            reach.push(r);
        }
        self.traffic.client.reach = reach;
        let mut active = 0;
        for shard in &self.ds[MAIN].shards {
            active += shard
                .copies
                .iter()
                .filter(|c| matches!(c.state, CopyState::Initializing(_)))
                .count() as u64;
        }
        self.traffic.client.active_recoveries = active;
        self.traffic.client.redundant = self.fully_redundant();
    }

    fn sniff(&mut self) {
        if !self.master_responsive(MAIN) {
            return;
        }
        let members: Vec<InstanceId> = self.ds[MAIN].members.values().map(|m| m.instance).collect();
        if self.traffic.sniffed(&members) {
            self.client_refresh();
        }
    }

    /// One tick of traffic: sniff on the interval, send the tick's requests, then index the
    /// documents written and record what the tick started.
    pub(crate) fn traffic_tick(&mut self, second: Option<u64>) {
        let now = self.now_ms;
        if second.is_some_and(|s| s.is_multiple_of(CLIENT_SNIFF_MS / 1000)) {
            self.sniff();
        }
        let nominal = self.scenario.topology.nodes.len() as u32;
        let health = self.ds[MAIN].health;
        let outcome = self
            .traffic
            .tick(now, second, &self.scenario.traffic, nominal, health);
        // Indexed documents land on the shards whose primary took them.
        let shards = &mut self.ds[MAIN].shards;
        if !shards.is_empty() && outcome.ok_writes > 0 {
            let count = shards.len() as u32;
            let cursor = self.traffic.client.cursor;
            for (i, shard) in shards.iter_mut().enumerate() {
                let extra = (i as u32).wrapping_add(cursor) % count < outcome.ok_writes % count;
                shard.ops += u64::from(outcome.ok_writes / count + u32::from(extra));
            }
        }

        if outcome.outage_opened {
            let (causes, explanation, explanation_ja) = self.explain_outage();
            self.traffic
                .open_outage(now, causes, explanation, explanation_ja);
        }
        if let Some((firing, text, figures)) = outcome.alarm {
            self.emit(EventKind::Alarm {
                name: "search-5xx-rate".into(),
                alarm: firing,
                text,
                figures,
            });
        }
    }

    /// Names why the cluster is down: the causes recorded on the voting nodes that are away.
    fn explain_outage(&self) -> (Vec<Cause>, String, String) {
        let cluster = &self.ds[MAIN];
        let mut causes: Vec<Cause> = Vec::new();
        let (mut away, mut away_ja): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for node in &cluster.voting {
            let idx = cluster.members.get(node).map(|m| m.instance).or_else(|| {
                self.ec2
                    .instances()
                    .iter()
                    .rposition(|i| i.volume.as_ref().and_then(|v| v.node) == Some(*node))
                    .map(InstanceId::new)
            });
            let Some(idx) = idx else { continue };
            if self.member_up(MAIN, idx) {
                continue;
            }
            let inst = &self.ec2[idx];
            match &inst.down_cause {
                Some(Cause::Fault { node, fault, at_ms }) => {
                    let at = fmt_clock(*at_ms);
                    away.push(format!("{node} was down ({fault} at {at})"));
                    away_ja.push(format!(
                        "{node} がダウン（{at} に{}）",
                        fault_label(fault, Lang::Ja)
                    ));
                }
                Some(Cause::Action {
                    node,
                    action_index,
                    action,
                    at_ms,
                }) => {
                    let (n, at) = (action_index + 1, fmt_clock(*at_ms));
                    away.push(format!(
                        "{node} was down (your action #{n} `{action}` at {at})"
                    ));
                    away_ja.push(format!(
                        "{node} がダウン（あなたの操作 #{n} `{action}`、{at}）"
                    ));
                }
                None => {
                    away.push(format!("{} was not in the cluster", inst.name));
                    away_ja.push(format!("{} はクラスタにいなかった", inst.name));
                }
            }
            if let Some(cause) = &inst.down_cause {
                if !causes.contains(cause) {
                    causes.push(cause.clone());
                }
            }
        }
        let voters: Vec<String> = cluster.voting.iter().map(|k| self.node_name(*k)).collect();
        let quorum = cluster.quorum();
        let (en, ja) = if cluster.health == Health::Red {
            (
                format!("The cluster was red: a primary shard had no copy on an answering node. {}", away.join("; ")),
                format!("クラスタは red: あるプライマリシャードのコピーが応答するノードに1つもなかった。{}", away_ja.join("、")),
            )
        } else {
            let who = if away.is_empty() {
                "the voting nodes could not be reached".to_string()
            } else {
                away.join(" and ")
            };
            let who_ja = if away_ja.is_empty() {
                "投票ノードに到達できなかった".to_string()
            } else {
                away_ja.join("、")
            };
            (
                format!(
                    "No master: an election needs {quorum} of [{}]; {who}.",
                    voters.join(", ")
                ),
                format!(
                    "マスター不在: 選出には [{}] のうち {quorum} 台が必要。{who_ja}。",
                    voters.join(", ")
                ),
            )
        };
        (causes, en, ja)
    }
}
