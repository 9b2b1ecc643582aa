//! The bridge between the simulation and the traffic model (`crate::traffic`): it builds
//! the view of the cluster the client reads (what a request to each pool node meets) and
//! applies a tick's outcome (indexed documents, outage spans and their causes, alarms).

use crate::action::Action;
use crate::datastore::coordination::Seen;
use crate::engine::{Sim, MAIN};
use crate::event::{EventKind, Health};
use crate::model::{CopyState, EsProc, InstanceId, NodeKey, Os, Shard};
use crate::report::Cause;
use crate::scenario::{fault_label, Lang};
use crate::time::fmt_clock;
use crate::timing::*;
use crate::traffic::{
    is_outage, AppBucket, AppOutcome, AppRequest, Reach, ShardWrite, MAX_APP_REQUESTS_PER_ACTION,
    ONE,
};

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

    /// Whether `node` is an answering member of the main cluster.
    fn answering(&self, node: NodeKey) -> bool {
        self.ds[MAIN]
            .members
            .get(&node)
            .is_some_and(|m| self.member_up(MAIN, m.instance))
    }

    /// What a request to one shard of the app's index meets now: whether a search reaches a
    /// copy of it, and how a write to it fares. The one rule the app's own traffic
    /// ([`Sim::client_refresh`]) and a trainee's search or index ([`Sim::app_outcome`]) share.
    fn shard_reach(
        &self,
        shard: &Shard,
        master_known: bool,
        master_ok: bool,
    ) -> (bool, ShardWrite) {
        let cluster = &self.ds[MAIN];
        // Still a member, but its follower checks get no answer (a hung host or OS).
        let silent = |node: NodeKey| {
            cluster
                .members
                .get(&node)
                .is_some_and(|m| self.seen(m) == Seen::Silent)
        };
        // Counted in one pass, not collected: this runs on every state change.
        let (mut active, mut live, mut hung) = (0u64, 0u64, 0u64);
        for copy in shard.copies.iter().filter(|c| c.is_active()) {
            active += 1;
            live += u64::from(self.answering(copy.node));
            hung += u64::from(silent(copy.node));
        }
        let primary_ok = shard
            .active_primary()
            .is_some_and(|p| self.answering(p.node));
        let replicas_ok = live == active;
        let write = if cluster.read_only {
            // At flood stage the index is read-only: every write gets a 429 at once.
            ShardWrite::ReadOnly
        } else if !master_known || hung > 0 || (primary_ok && !master_ok && !replicas_ok) {
            // The no-master block is retried until the request's timeout; a write waits
            // for every in-sync copy, and replication has no timeout: a copy on a silent
            // member stalls it until the master removes that node. So does a copy to be
            // failed while the master does not answer.
            ShardWrite::Stalls {
                no_master: !master_known,
            }
        } else if primary_ok {
            ShardWrite::Writable
        } else {
            ShardWrite::NoPrimary
        };
        // A search that cannot reach one copy of a shard tries another: it fails only
        // when no copy answers. Without a master it runs on the last known state.
        (live > 0, write)
    }

    /// Recomputes what a request to each pool node meets; refreshes the pool from the
    /// cluster's node list on the sniff interval.
    pub(crate) fn client_refresh(&mut self) {
        let cluster = &self.ds[MAIN];
        let master_known = cluster.master.is_some();
        let master_ok = self.master_responsive(MAIN);
        let shards = cluster.shards.len().max(1) as u64;
        let (mut writable, mut stalled) = (0, 0);
        let mut readable = true;
        for shard in &cluster.shards {
            let (found, write) = self.shard_reach(shard, master_known, master_ok);
            readable &= found;
            match write {
                ShardWrite::Stalls { .. } => stalled += 1,
                ShardWrite::Writable => writable += 1,
                ShardWrite::ReadOnly | ShardWrite::NoPrimary => {}
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

    /// What a trainee's `request` sent to node `via` meets now: the app's own rule
    /// ([`Sim::shard_reach`] per shard, and the app client's view of the node). `drill live`
    /// renders it in Elasticsearch's shapes; [`crate::Action::AppRequests`] counts it.
    pub fn app_outcome(&self, via: &str, request: AppRequest) -> AppOutcome {
        let seen = self.app_seen(via);
        let next = self.app_next(via);
        Self::pick(&seen, request, next)
    }

    fn pick(seen: &[AppOutcome], request: AppRequest, next: u32) -> AppOutcome {
        match (request, seen) {
            (AppRequest::Search, [search, ..]) => *search,
            (AppRequest::Index, [node, shards @ ..]) => match node {
                AppOutcome::NotInCluster | AppOutcome::Unreachable => *node,
                _ if shards.is_empty() => AppOutcome::ShardsFailed {
                    failed: 0,
                    total: 0,
                },
                _ => shards[next as usize % shards.len()],
            },
            (_, []) => AppOutcome::Unreachable,
        }
    }

    /// The shard position node `via`'s next document goes to.
    fn app_next(&self, via: &str) -> u32 {
        let next = &self.traffic.app_next_shard;
        next.iter().find(|(v, _)| v == via).map_or(0, |(_, n)| *n)
    }

    /// What every app request to `via` meets now: the search's outcome, then each shard's
    /// write outcome (or the node's, when it serves none).
    fn app_seen(&self, via: &str) -> Vec<AppOutcome> {
        use crate::datastore::api::Reach as Port;
        let Some(idx) = self.ec2.by_name(via) else {
            return vec![AppOutcome::Unreachable];
        };
        if self.reach(idx) != Port::Answers {
            return vec![AppOutcome::Unreachable];
        }
        if !self.member_up(MAIN, idx) {
            // Up but not in the cluster: the app's client gets a 503 for everything.
            return vec![AppOutcome::NotInCluster];
        }
        let cluster = &self.ds[MAIN];
        let master_known = cluster.master.is_some();
        let master_ok = self.master_responsive(MAIN);
        let total = cluster.shards.len() as u32;
        let mut failed = 0;
        let mut seen = vec![AppOutcome::Served];
        for (shard, s) in cluster.shards.iter().zip(0..) {
            let (found, write) = self.shard_reach(shard, master_known, master_ok);
            failed += u32::from(!found);
            seen.push(AppOutcome::Write { shard: s, write });
        }
        if failed > 0 {
            seen[0] = AppOutcome::ShardsFailed { failed, total };
        }
        seen
    }

    /// `Action::AppRequests`: counts `searches` and `indexes` sent to `via` now into the
    /// traffic of this sim second, each with the outcome [`Sim::app_outcome`] gives it.
    pub(crate) fn app_requests(
        &mut self,
        index: usize,
        via: &str,
        searches: u32,
        indexes: u32,
    ) -> Result<(), String> {
        self.find(via)?;
        if searches.saturating_add(indexes) > MAX_APP_REQUESTS_PER_ACTION {
            return Err(format!(
                "at most {MAX_APP_REQUESTS_PER_ACTION} requests per app-requests action"
            ));
        }
        let seen = self.app_seen(via);
        if seen == [AppOutcome::Unreachable] {
            return Err(format!(
                "{via} does not answer: the requests never reached it"
            ));
        }
        self.count_app(via, &seen, searches, indexes);
        let bucket = AppBucket {
            via: via.to_string(),
            action_index: index,
            // `apply` inserts the ActionAccepted event here (this action emits nothing).
            event_index: self.events.len(),
            second: self.now_ms / 1000,
            seen,
        };
        let buckets = &mut self.traffic.app_buckets;
        buckets.retain(|b| b.via != via);
        buckets.push(bucket);
        Ok(())
    }

    fn count_app(&mut self, via: &str, seen: &[AppOutcome], searches: u32, indexes: u32) {
        let first = self.app_next(via);
        let p = &mut self.traffic.app;
        p.reads += u64::from(searches);
        if !Self::pick(seen, AppRequest::Search, 0).served() {
            p.reads_failed += u64::from(searches);
        }
        p.writes += u64::from(indexes);
        let shards = seen.len().saturating_sub(1) as u32;
        if shards == 0
            || !matches!(
                seen[0],
                AppOutcome::Served | AppOutcome::ShardsFailed { .. }
            )
        {
            p.writes_failed += u64::from(indexes);
        } else {
            // Round robin from `first`: shard position k gets indexes / n, and one more if it
            // is among the first indexes % n after `first` (no per-request loop).
            if p.ops.len() < shards as usize {
                p.ops.resize(shards as usize, 0);
            }
            for k in 0..shards {
                let n = indexes / shards
                    + u32::from((k + shards - first % shards) % shards < indexes % shards);
                if Self::pick(seen, AppRequest::Index, k).served() {
                    p.ops[k as usize] += u64::from(n);
                } else {
                    p.writes_failed += u64::from(n);
                }
            }
        }
        if indexes > 0 {
            let next = (first + indexes % shards.max(1)) % shards.max(1);
            let list = &mut self.traffic.app_next_shard;
            match list.iter_mut().find(|(v, _)| v == via) {
                Some(entry) => entry.1 = next,
                None => list.push((via.to_string(), next)),
            }
        }
    }

    /// A trainee's app request to `via` now, added to the node's open
    /// [`crate::Action::AppRequests`] if it is of this sim second and the cluster meets it as
    /// it met the ones before (so the replay, applying the action with its counts when it
    /// opened, counts it the same). `false`: there is none such; apply a new action.
    pub fn add_app_request(&mut self, via: &str, request: AppRequest) -> bool {
        let seen = self.app_seen(via);
        let second = self.now_ms / 1000;
        let Some(b) = self
            .traffic
            .app_buckets
            .iter()
            .find(|b| b.via == via && b.second == second && b.seen == seen)
        else {
            return false;
        };
        let (action_index, event_index) = (b.action_index, b.event_index);
        let Some(Action::AppRequests {
            searches, indexes, ..
        }) = self.actions.get(action_index).map(|t| &t.action)
        else {
            return false;
        };
        let (mut s, mut i) = (*searches, *indexes);
        if s.saturating_add(i) >= MAX_APP_REQUESTS_PER_ACTION {
            return false;
        }
        match request {
            AppRequest::Search => s += 1,
            AppRequest::Index => i += 1,
        }
        let amended = Action::AppRequests {
            via: via.to_string(),
            searches: s,
            indexes: i,
        };
        match self.events.get_mut(event_index).map(|e| &mut e.kind) {
            Some(EventKind::ActionAccepted { index, action }) if *index == action_index => {
                *action = amended.clone();
            }
            _ => return false,
        }
        self.actions[action_index].action = amended;
        let (searches, indexes) = match request {
            AppRequest::Search => (1, 0),
            AppRequest::Index => (0, 1),
        };
        self.count_app(via, &seen, searches, indexes);
        true
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
        // Degraded time past the case's par is what the par score charges.
        if !self.traffic.client.redundant && self.par_ms.is_some_and(|par| now > par) {
            self.degraded_beyond_par_ms += TICK_MS;
        }
        // Indexed documents land on the shards whose primary took them.
        let shards = &mut self.ds[MAIN].shards;
        for (shard, n) in shards.iter_mut().zip(&outcome.app_ops) {
            shard.ops += n;
        }
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
