//! The web app's traffic: per tick, aggregate counts of reads and writes through a client
//! that round-robins the nodes it knows, marks a failing node dead and retries it later.
//! Outcomes are counted, not simulated one request at a time, so long drills stay cheap.
//!
//! Reads are searches over the whole index: one fails if some shard has no answering copy
//! (a partial result is an error to the app). Writes go to one shard's primary: they fail
//! without a master (no-master block `write`, HTTP 503) or when that primary is unreachable.

use serde::{Deserialize, Serialize};

use crate::engine::{Sim, MAIN};
use crate::event::{EventKind, Health};
use crate::model::{CopyState, EsProc, Os};
use crate::report::{Cause, OutageSpan};
use crate::time::fmt_clock;
use crate::timing::*;

/// Success fractions are fixed-point with this many fractional bits, so that the per-tick
/// arithmetic shifts instead of dividing (a 64-bit division by a constant costs several
/// multiplications in wasm32, which has no multiply-high).
const FRACTION_BITS: u32 = 20;
const ONE: u64 = 1 << FRACTION_BITS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolEntry {
    pub instance: usize,
    pub dead_until_ms: u64,
    pub failing_since_ms: Option<u64>,
}

impl PoolEntry {
    pub fn new(instance: usize) -> PoolEntry {
        PoolEntry {
            instance,
            dead_until_ms: 0,
            failing_since_ms: None,
        }
    }
}

/// What a request sent to a node meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reach {
    /// The process answers: this fraction (× 2^20) of reads and of writes succeeds.
    Serving { read_ok: u64, write_ok: u64 },
    /// Connection refused: fails fast.
    Refused,
    /// No answer: fails after the client's timeout.
    #[default]
    Timeout,
}

#[derive(Clone, Debug, Default)]
pub struct Client {
    pub pool: Vec<PoolEntry>,
    pub(crate) reach: Vec<Reach>,
    cursor: u32,
    request_carry: u32,
    read_carry: u32,
    ok_read_carry: u64,
    ok_write_carry: u64,
    pub(crate) active_recoveries: u64,
    /// `fully_redundant()` as of the last refresh (it only changes when the state does).
    pub(crate) redundant: bool,
}

/// Running totals and the state of the outage and redundancy clocks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    pub reads_total: u64,
    pub writes_total: u64,
    pub reads_failed: u64,
    pub writes_failed: u64,
    pub outage_ms: u64,
    pub degraded_ms: u64,
    /// Start of the current stretch of full redundancy.
    pub redundant_since_ms: Option<u64>,
    pub outages: Vec<OutageSpan>,
    /// 5xx alarm state.
    pub error_alarm: bool,
    minute_total: u64,
    minute_failed: u64,
    second: Sample,
}

/// One sim second of traffic, for charts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// End of the second, ms.
    pub at_ms: u64,
    pub ok: u32,
    pub failed_reads: u32,
    pub failed_writes: u32,
    pub p50_ms: u32,
    pub p99_ms: u32,
    pub outage: bool,
    pub health: Option<Health>,
}

/// The outage rule: without a master, or red (a primary with no answering copy), the app
/// is down.
pub fn is_outage(health: Health) -> bool {
    matches!(health, Health::NoMaster | Health::Red)
}

impl Sim {
    /// The outage clock is running: the main cluster has no master or is red, or the last
    /// sampled second had an outage and has just ended (the traffic panel's state).
    pub fn in_outage(&self) -> bool {
        let now = self.now_ms;
        let last = self.samples.last().copied().unwrap_or_default();
        is_outage(self.clusters[MAIN].health)
            || (last.outage && last.at_ms + 1000 >= now && now > 0)
    }

    /// How long the outage in progress has lasted, if one is.
    pub fn current_outage_ms(&self) -> Option<u64> {
        self.metrics
            .outages
            .last()
            .filter(|o| o.end_ms.is_none())
            .map(|o| self.now_ms.saturating_sub(o.start_ms))
    }

    /// The cluster is fully redundant: green, and every voting node is an answering member
    /// of a voting configuration of at least 3.
    pub fn fully_redundant(&self) -> bool {
        let cluster = &self.clusters[MAIN];
        cluster.health == Health::Green
            && cluster.voting.len() >= 3
            && cluster.voting.iter().all(|k| {
                cluster
                    .members
                    .get(k)
                    .is_some_and(|m| self.is_member_responsive(MAIN, m.instance))
            })
    }

    /// Recomputes what a request to each pool node meets; refreshes the pool from the
    /// cluster's node list on the sniff interval.
    pub(crate) fn client_refresh(&mut self) {
        let cluster = &self.clusters[MAIN];
        let master_known = cluster.master.is_some();
        let master_ok = self.master_responsive(MAIN);
        let shards = cluster.shards.len().max(1) as u64;
        let answering = |node: usize| {
            cluster
                .members
                .get(&node)
                .is_some_and(|m| self.is_member_responsive(MAIN, m.instance))
        };
        let mut writable = 0;
        let mut read_ok = ONE;
        for shard in &cluster.shards {
            // Counted in one pass, not collected: this runs on every state change.
            let (mut active, mut live) = (0u64, 0u64);
            for copy in shard.copies.iter().filter(|c| c.is_active()) {
                active += 1;
                live += u64::from(answering(copy.node));
            }
            read_ok = (read_ok * live).checked_div(active).unwrap_or(0);
            let primary_ok = shard.active_primary().is_some_and(|p| answering(p.node));
            let replicas_ok = live == active;
            // At flood stage the index is read-only: every write gets a 429.
            if master_known && primary_ok && (master_ok || replicas_ok) && !cluster.read_only {
                writable += 1;
            }
        }
        let write_ok = writable * ONE / shards;
        // Refilled in place: the buffer is reused across refreshes.
        let mut reach = std::mem::take(&mut self.client.reach);
        reach.clear();
        for entry in &self.client.pool {
            let idx = entry.instance;
            let inst = &self.instances[idx];
            let r = if self.is_member_responsive(MAIN, idx) {
                Reach::Serving { read_ok, write_ok }
            } else if matches!(inst.es, EsProc::Running { .. }) && !self.is_frozen(idx) {
                // Up but not in the cluster: every request gets a 503.
                Reach::Serving {
                    read_ok: 0,
                    write_ok: 0,
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
        self.client.reach = reach;
        let mut active = 0;
        for shard in &self.clusters[MAIN].shards {
            active += shard
                .copies
                .iter()
                .filter(|c| matches!(c.state, CopyState::Initializing(_)))
                .count() as u64;
        }
        self.client.active_recoveries = active;
        self.client.redundant = self.fully_redundant();
    }

    fn sniff(&mut self) {
        if !self.master_responsive(MAIN) {
            return;
        }
        let members: Vec<usize> = self.clusters[MAIN]
            .members
            .values()
            .map(|m| m.instance)
            .collect();
        let mut pool: Vec<PoolEntry> = Vec::new();
        for idx in members {
            let entry = self
                .client
                .pool
                .iter()
                .find(|e| e.instance == idx)
                .copied()
                .unwrap_or(PoolEntry::new(idx));
            // Kept sorted by instance as it is built (a stable insertion: no sort code).
            let at = pool.partition_point(|e| e.instance <= idx);
            pool.insert(at, entry);
        }
        if pool != self.client.pool {
            self.client.pool = pool;
            self.client_refresh();
        }
    }

    /// One tick of traffic. `second`: this tick ends sim second `second` (else `None`).
    /// Per-tick counts are small, so they are `u32`; totals are `u64`.
    pub(crate) fn traffic_tick(&mut self, second: Option<u64>) {
        let now = self.now_ms;
        if second.is_some_and(|s| s.is_multiple_of(CLIENT_SNIFF_MS / 1000)) {
            self.sniff();
        }
        let minute = second.is_some_and(|s| s.is_multiple_of(60));
        let traffic = &self.scenario.traffic;
        // Requests this tick, with seeded noise.
        self.client.request_carry += traffic.requests_per_s * TICK_MS as u32;
        let mut n = self.client.request_carry / 1000;
        self.client.request_carry %= 1000;
        let spread = n * traffic.noise_percent / 100;
        if spread > 0 {
            n = n - spread + self.rng_traffic.below(2 * spread + 1);
        }
        self.client.read_carry += n * traffic.read_percent;
        let reads = self.client.read_carry / 100;
        self.client.read_carry %= 100;
        let writes = n - reads;

        // The client sends to the nodes it does not hold dead; if it holds all dead, to all.
        // (No per-tick allocation: this loop runs 36,000 times a simulated hour.)
        let pool_len = self.client.pool.len();
        let alive = self
            .client
            .pool
            .iter()
            .filter(|e| e.dead_until_ms <= now)
            .count();
        let skip_dead = alive > 0;
        let count = if skip_dead { alive } else { pool_len };
        let k = count.max(1) as u32;
        // Round-robin: each node gets total / k, and the remainder goes one each to the nodes
        // after the cursor. The divisions are the same for every node: done once a tick.
        let (reads_each, reads_rest) = (reads / k, reads % k);
        let (writes_each, writes_rest) = (writes / k, writes % k);
        let cursor = self.client.cursor % k;
        let (mut ok_reads, mut ok_writes, mut timeouts, mut serving) = (0u32, 0u32, 0u32, 0u32);
        // `(j + k - cursor) % k` for the j-th node sent to: j < k and cursor < k, so one
        // conditional subtraction is the remainder.
        let mut pos = k - cursor;
        for t in 0..pool_len {
            if skip_dead && self.client.pool[t].dead_until_ms > now {
                continue;
            }
            if pos >= k {
                pos -= k;
            }
            let r = reads_each + u32::from(pos < reads_rest);
            let w = writes_each + u32::from(pos < writes_rest);
            pos += 1;
            let reach = self.client.reach.get(t).copied().unwrap_or_default();
            let entry = &mut self.client.pool[t];
            match reach {
                Reach::Serving { read_ok, write_ok } => {
                    entry.failing_since_ms = None;
                    self.client.ok_read_carry += u64::from(r) * read_ok;
                    ok_reads += (self.client.ok_read_carry >> FRACTION_BITS) as u32;
                    self.client.ok_read_carry &= ONE - 1;
                    self.client.ok_write_carry += u64::from(w) * write_ok;
                    ok_writes += (self.client.ok_write_carry >> FRACTION_BITS) as u32;
                    self.client.ok_write_carry &= ONE - 1;
                    if read_ok > 0 || write_ok > 0 {
                        serving += 1;
                    }
                }
                Reach::Refused => entry.dead_until_ms = now + CLIENT_DEAD_RETRY_MS,
                Reach::Timeout => {
                    timeouts += r + w;
                    let since = *entry.failing_since_ms.get_or_insert(now);
                    if now >= since + CLIENT_TIMEOUT_MS {
                        entry.dead_until_ms = now + CLIENT_DEAD_RETRY_MS;
                        entry.failing_since_ms = None;
                    }
                }
            }
        }
        self.client.cursor = self.client.cursor.wrapping_add(1);
        let failed_reads = reads - ok_reads.min(reads);
        let failed_writes = writes - ok_writes.min(writes);

        // Latency: base figures scaled by the share of nodes carrying the load, raised by
        // running recoveries; timeouts dominate p99 when they happen.
        let nominal = self.scenario.topology.nodes.len() as u32;
        let load_pct = (100 * nominal).checked_div(serving).unwrap_or(100);
        let rec = self.client.active_recoveries as u32;
        let mut p50 = LATENCY_P50_MS as u32 * load_pct / 100 + RECOVERY_P50_MS as u32 * rec;
        let mut p99 = LATENCY_P99_MS as u32 * load_pct / 100 + RECOVERY_P99_MS as u32 * rec;
        if n > 0 && timeouts * 100 >= n {
            p99 = CLIENT_TIMEOUT_MS as u32;
        }
        if n > 0 && timeouts * 2 >= n {
            p50 = CLIENT_TIMEOUT_MS as u32;
        }

        // Indexed documents land on the shards whose primary took them.
        let ok_w = ok_writes.min(writes);
        let shards = &mut self.clusters[MAIN].shards;
        if !shards.is_empty() && ok_w > 0 {
            let count = shards.len() as u32;
            let cursor = self.client.cursor;
            for (i, shard) in shards.iter_mut().enumerate() {
                let extra = (i as u32).wrapping_add(cursor) % count < ok_w % count;
                shard.ops += u64::from(ok_w / count + u32::from(extra));
            }
        }

        let m = &mut self.metrics;
        m.reads_total += u64::from(reads);
        m.writes_total += u64::from(writes);
        m.reads_failed += u64::from(failed_reads);
        m.writes_failed += u64::from(failed_writes);
        m.minute_total += u64::from(n);
        m.minute_failed += u64::from(failed_reads + failed_writes);

        let health = self.clusters[MAIN].health;
        let outage = is_outage(health);
        if outage {
            m.outage_ms += TICK_MS;
        }
        let redundant = self.client.redundant;
        if redundant {
            if self.metrics.redundant_since_ms.is_none() {
                self.metrics.redundant_since_ms = Some(now - TICK_MS);
            }
        } else {
            self.metrics.degraded_ms += TICK_MS;
            self.metrics.redundant_since_ms = None;
        }
        self.track_outage(outage);

        let s = &mut self.metrics.second;
        s.ok += ok_reads.min(reads) + ok_writes.min(writes);
        s.failed_reads += failed_reads;
        s.failed_writes += failed_writes;
        s.p50_ms = s.p50_ms.max(p50);
        s.p99_ms = s.p99_ms.max(p99);
        s.outage |= outage;
        s.health = Some(s.health.map_or(health, |h| h.max(health)));
        if second.is_some() {
            let mut sample = std::mem::take(&mut self.metrics.second);
            sample.at_ms = now;
            // Seeded jitter, once a second (the chart's resolution), unless timeouts set it.
            let timeout = CLIENT_TIMEOUT_MS as u32;
            if sample.p50_ms < timeout {
                sample.p50_ms += self.rng_traffic.below(sample.p50_ms / 5 + 1);
            }
            if sample.p99_ms < timeout {
                sample.p99_ms += self.rng_traffic.below(sample.p99_ms / 5 + 1);
            }
            self.samples.push(sample);
        }
        if minute {
            self.minute_alarm();
        }
    }

    fn track_outage(&mut self, outage: bool) {
        let now = self.now_ms;
        let open = self
            .metrics
            .outages
            .last()
            .is_some_and(|o| o.end_ms.is_none());
        if outage && !open {
            let (causes, explanation, explanation_ja) = self.explain_outage();
            self.metrics.outages.push(OutageSpan {
                start_ms: now - TICK_MS,
                end_ms: None,
                causes,
                explanation,
                explanation_ja,
                chain: Vec::new(),
            });
        } else if !outage && open {
            if let Some(o) = self.metrics.outages.last_mut() {
                o.end_ms = Some(now - TICK_MS);
            }
        }
    }

    /// Names why the cluster is down: the causes recorded on the voting nodes that are away.
    fn explain_outage(&self) -> (Vec<Cause>, String, String) {
        let cluster = &self.clusters[MAIN];
        let mut causes: Vec<Cause> = Vec::new();
        let (mut away, mut away_ja): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for node in &cluster.voting {
            let idx = cluster.members.get(node).map(|m| m.instance).or_else(|| {
                self.instances
                    .iter()
                    .rposition(|i| i.volume.as_ref().and_then(|v| v.node) == Some(*node))
            });
            let Some(idx) = idx else { continue };
            if self.is_member_responsive(MAIN, idx) {
                continue;
            }
            let inst = &self.instances[idx];
            match &inst.down_cause {
                Some(Cause::Fault { node, fault, at_ms }) => {
                    let at = fmt_clock(*at_ms);
                    away.push(format!("{node} was down ({fault} at {at})"));
                    away_ja.push(format!("{node} がダウン（{at} の {fault}）"));
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

    fn minute_alarm(&mut self) {
        let m = &mut self.metrics;
        let (total, failed) = (m.minute_total, m.minute_failed);
        m.minute_total = 0;
        m.minute_failed = 0;
        let firing = total > 0 && failed * 100 > total;
        if firing != m.error_alarm {
            m.error_alarm = firing;
            let text = if firing {
                format!("search 5xx rate {}% > 1% over the last minute ({failed} of {total} requests failed)", failed * 100 / total)
            } else {
                "search 5xx rate back under 1%".to_string()
            };
            self.emit(EventKind::Alarm {
                name: "search-5xx-rate".into(),
                alarm: firing,
                text,
            });
        }
    }
}
