//! The web app's traffic: per tick, aggregate counts of reads and writes through a client
//! that round-robins the nodes it knows, marks a failing node dead and retries it later.
//! Outcomes are counted, not simulated one request at a time, so long drills stay cheap.
//!
//! Reads are searches over the whole index: a search that cannot reach one copy of a shard
//! tries another, and fails only if some shard has no answering copy (a partial result is
//! an error to the app: the documented choice). Without a master, nodes serve searches from
//! the last known cluster state (no-master block `write`). A connection refused (a node that
//! exited cleanly) is retried on another node, as the official clients do.
//!
//! Writes go to one shard's primary, which waits for every in-sync copy. They stall (the
//! client waits, then gives up at its timeout) while a copy is on a member that does not
//! answer (replication has no timeout: until the master removes that node, ~30 s) and while
//! there is no master (the no-master block is retried until the request's 1 min timeout):
//! a one-second election only delays them. They fail at once when the primary is gone or
//! the index is read-only.
//!
//! A node that is up but not an answering member of the cluster fails every request at once
//! (a 503; Elasticsearch would retry its retryable blocks up to the request's timeout first).
//!
//! A trainee's own searches and indexes (`drill live`) meet the same rules, one request at a
//! time ([`AppOutcome`], `Sim::app_outcome`), and are counted with the app's at the end of
//! the sim second they arrived in ([`crate::Action::AppRequests`]).
//!
//! This module owns the client, the counters and the samples ([`TrafficState`]) and reads
//! the cluster through what it is handed (the reach of each pool node, the health); the
//! bridge that builds that view from the simulation is `engine/traffic.rs`.

use serde::{Deserialize, Serialize};

use crate::event::{AlarmFigures, Health};
use crate::model::InstanceId;
use crate::report::{Cause, OutageSpan};
use crate::rng::Prng;
use crate::scenario::Traffic;
use crate::timing::*;

/// Success fractions are fixed-point with this many fractional bits, so that the per-tick
/// arithmetic shifts instead of dividing (a 64-bit division by a constant costs several
/// multiplications in wasm32, which has no multiply-high).
const FRACTION_BITS: u32 = 20;
pub(crate) const ONE: u64 = 1 << FRACTION_BITS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolEntry {
    pub instance: InstanceId,
    pub dead_until_ms: u64,
    pub failing_since_ms: Option<u64>,
}

impl PoolEntry {
    pub fn new(instance: InstanceId) -> PoolEntry {
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
    /// The process answers: this fraction (× 2^20) of reads and of writes succeeds, and this
    /// fraction of writes stalls (no answer yet: the client waits, up to its timeout).
    Serving {
        read_ok: u64,
        write_ok: u64,
        write_stall: u64,
    },
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
    pub(crate) cursor: u32,
    request_carry: u32,
    read_carry: u32,
    ok_read_carry: u64,
    ok_write_carry: u64,
    stall_carry: u64,
    /// Writes waiting for an answer, by the time the client gives up on them (oldest first).
    pending_writes: Vec<(u64, u32)>,
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

/// How a write to one shard of the app's index fares now ([`crate::Sim::app_outcome`]'s and
/// the app client's shared rule, per shard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardWrite {
    Writable,
    /// It waits: the no-master block (`no_master`) is retried up to the request's timeout; a
    /// copy on a member that does not answer holds it (replication has no timeout).
    Stalls {
        no_master: bool,
    },
    /// Flood stage: the index is read-only, a 429 at once.
    ReadOnly,
    /// The shard's primary has no answering copy: it fails at once (the documented choice).
    NoPrimary,
}

/// A request a trainee sends to the app's index with the real tools (`drill live`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppRequest {
    /// `_search` / `_count` over the whole index.
    Search,
    /// One document indexed; it goes to the shard after the last one this node's requests
    /// went to (*chosen*: round robin per node, as the app's client spreads its writes).
    Index,
}

/// What one request to the app's index, sent to one node, meets now: the rule the app's own
/// traffic follows, so a trainee's `curl` and the app can never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppOutcome {
    /// Searched; or the document was indexed.
    Served,
    /// A search that found no answering copy of `failed` of the index's `total` shards: a
    /// partial result (an error to the app, the documented choice), or no result at all.
    ShardsFailed { failed: u32, total: u32 },
    /// An index into shard `shard`, as [`ShardWrite`] says.
    Write { shard: u32, write: ShardWrite },
    /// The process answers but is not an answering member of the app's cluster (it has not
    /// joined, or was removed): every request fails, as the app's client sees it.
    NotInCluster,
    /// The node does not answer (its port refuses or stays silent): the request never
    /// arrives, and nothing is counted.
    Unreachable,
}

impl AppOutcome {
    /// Counted as a served request (else a failed one).
    pub fn served(self) -> bool {
        matches!(
            self,
            AppOutcome::Served
                | AppOutcome::Write {
                    write: ShardWrite::Writable,
                    ..
                }
        )
    }

    /// An index that waits (counted when it is answered or given up).
    pub fn stalls(self) -> bool {
        matches!(
            self,
            AppOutcome::Write {
                write: ShardWrite::Stalls { .. },
                ..
            }
        )
    }
}

/// The most requests one [`crate::Action::AppRequests`] may carry (*chosen*: far above what
/// one node's tools send in a sim second; a replay claiming more is refused).
pub const MAX_APP_REQUESTS_PER_ACTION: u32 = 100_000;

/// A trainee's app requests of the current sim second, counted into the traffic at its end.
#[derive(Clone, Debug, Default)]
pub(crate) struct AppPending {
    pub reads: u64,
    pub reads_failed: u64,
    pub writes: u64,
    pub writes_failed: u64,
    /// Documents indexed, by shard position.
    pub ops: Vec<u64>,
}

/// The open [`crate::Action::AppRequests`] of one node: more requests in the same sim second
/// that meet the same cluster are added to it.
#[derive(Clone, Debug)]
pub(crate) struct AppBucket {
    pub via: String,
    pub action_index: usize,
    pub event_index: usize,
    pub second: u64,
    /// The search's outcome, then each shard's write outcome, when it opened.
    pub seen: Vec<AppOutcome>,
}

/// `count` requests at success fraction `fraction` (× 2^20), with the carried remainder:
/// the whole number that succeed.
fn take(carry: &mut u64, count: u32, fraction: u64) -> u32 {
    *carry += u64::from(count) * fraction;
    let whole = (*carry >> FRACTION_BITS) as u32;
    *carry &= ONE - 1;
    whole
}

/// The outage rule: without a master, or red (a primary with no answering copy), the app
/// is down.
pub fn is_outage(health: Health) -> bool {
    matches!(health, Health::NoMaster | Health::Red)
}

/// What a tick of traffic reports back to the simulation.
pub(crate) struct TickOutcome {
    /// Writes that succeeded (indexed documents, for the shards).
    pub ok_writes: u32,
    /// A trainee's documents indexed this second, by shard position.
    pub app_ops: Vec<u64>,
    /// An outage began this tick.
    pub outage_opened: bool,
    /// The 5xx alarm changed: (firing, text, figures).
    pub alarm: Option<(bool, String, AlarmFigures)>,
}

/// The web app's side of the simulation: its client, the counters, the samples and the
/// traffic's own random stream.
#[derive(Clone, Debug)]
pub struct TrafficState {
    pub(crate) client: Client,
    pub(crate) metrics: Metrics,
    pub(crate) samples: Vec<Sample>,
    pub(crate) rng: Prng,
    /// A trainee's app requests of this sim second ([`crate::Action::AppRequests`]).
    pub(crate) app: AppPending,
    /// Per node: the shard position its next indexed document goes to.
    pub(crate) app_next_shard: Vec<(String, u32)>,
    pub(crate) app_buckets: Vec<AppBucket>,
}

impl TrafficState {
    pub(crate) fn new(rng: Prng) -> TrafficState {
        TrafficState {
            client: Client::default(),
            metrics: Metrics::default(),
            samples: Vec::new(),
            rng,
            app: AppPending::default(),
            app_next_shard: Vec::new(),
            app_buckets: Vec::new(),
        }
    }

    /// Replaces the client's pool with `members` (the master's node list, by instance),
    /// keeping what it knew of each; `true` if the pool changed.
    pub(crate) fn sniffed(&mut self, members: &[InstanceId]) -> bool {
        let mut pool: Vec<PoolEntry> = Vec::new();
        for &idx in members {
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
            return true;
        }
        false
    }

    /// One tick of traffic at `now`. `second`: this tick ends sim second `second` (else
    /// `None`). `nominal` is the scenario's node count, `health` the main cluster's.
    /// Per-tick counts are small, so they are `u32`; totals are `u64`.
    pub(crate) fn tick(
        &mut self,
        now: u64,
        second: Option<u64>,
        traffic: &Traffic,
        nominal: u32,
        health: Health,
    ) -> TickOutcome {
        let minute = second.is_some_and(|s| s.is_multiple_of(60));
        // Requests this tick, with seeded noise.
        self.client.request_carry += traffic.requests_per_s * TICK_MS as u32;
        let mut n = self.client.request_carry / 1000;
        self.client.request_carry %= 1000;
        let spread = n * traffic.noise_percent / 100;
        if spread > 0 {
            n = n - spread + self.rng.below(2 * spread + 1);
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
        let (mut stalled, mut stalling) = (0u32, false);
        // Requests refused at connect (a node that exited cleanly): the client retries them
        // on the next node, which answers as the serving ones do.
        let (mut refused_r, mut refused_w) = (0u32, 0u32);
        let mut retry: Option<(u64, u64, u64)> = None;
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
                Reach::Serving {
                    read_ok,
                    write_ok,
                    write_stall,
                } => {
                    entry.failing_since_ms = None;
                    let c = &mut self.client;
                    ok_reads += take(&mut c.ok_read_carry, r, read_ok);
                    ok_writes += take(&mut c.ok_write_carry, w, write_ok);
                    stalled += take(&mut c.stall_carry, w, write_stall);
                    stalling |= write_stall > 0;
                    if read_ok > 0 || write_ok > 0 || write_stall > 0 {
                        serving += 1;
                        retry.get_or_insert((read_ok, write_ok, write_stall));
                    }
                }
                Reach::Refused => {
                    entry.dead_until_ms = now + CLIENT_DEAD_RETRY_MS;
                    refused_r += r;
                    refused_w += w;
                }
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
        if let Some((read_ok, write_ok, write_stall)) = retry {
            let c = &mut self.client;
            ok_reads += take(&mut c.ok_read_carry, refused_r, read_ok);
            ok_writes += take(&mut c.ok_write_carry, refused_w, write_ok);
            stalled += take(&mut c.stall_carry, refused_w, write_stall);
        }
        // Stalled writes wait; once nothing stalls they are answered (a one-second election
        // only delays them), else the client gives up on them at its timeout.
        let stalled = stalled.min(writes - ok_writes.min(writes));
        if stalled > 0 {
            // The client gives up first (its timeout is shorter than the server's retry).
            let deadline = now + CLIENT_TIMEOUT_MS.min(WRITE_RETRY_TIMEOUT_MS);
            match self.client.pending_writes.last_mut() {
                Some((at, count)) if *at == deadline => *count += stalled,
                _ => self.client.pending_writes.push((deadline, stalled)),
            }
        }
        let (mut answered, mut expired, mut waited_ms) = (0u32, 0u32, 0u64);
        if !stalling {
            for (deadline, count) in self.client.pending_writes.drain(..) {
                answered += count;
                waited_ms =
                    waited_ms.max(now + CLIENT_TIMEOUT_MS.min(WRITE_RETRY_TIMEOUT_MS) - deadline);
            }
        } else {
            while let Some(&(deadline, count)) = self.client.pending_writes.first() {
                if deadline > now {
                    break;
                }
                expired += count;
                self.client.pending_writes.remove(0);
            }
        }
        timeouts += expired;
        self.client.cursor = self.client.cursor.wrapping_add(1);
        let failed_reads = reads - ok_reads.min(reads);
        // This tick's writes that neither succeeded nor wait, and the waits that ran out.
        let failed_writes = writes - ok_writes.min(writes) - stalled + expired;
        let ok_writes = ok_writes.min(writes) + answered;

        // Latency: base figures scaled by the share of nodes carrying the load, raised by
        // running recoveries; timeouts dominate p99 when they happen.
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
        // Writes answered after a wait took that long.
        p99 = p99.max(waited_ms as u32);

        let ok_w = ok_writes;

        // A trainee's requests of the second that ends now count with the app's.
        let app = if second.is_some() {
            std::mem::take(&mut self.app)
        } else {
            AppPending::default()
        };
        let sat = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let m = &mut self.metrics;
        m.reads_total += app.reads;
        m.writes_total += app.writes;
        m.reads_failed += app.reads_failed;
        m.writes_failed += app.writes_failed;
        m.minute_total += app.reads + app.writes;
        m.minute_failed += app.reads_failed + app.writes_failed;
        let app_ok = app.reads + app.writes - app.reads_failed - app.writes_failed;
        m.second.ok = m.second.ok.saturating_add(sat(app_ok));
        m.second.failed_reads = m.second.failed_reads.saturating_add(sat(app.reads_failed));
        m.second.failed_writes = m
            .second
            .failed_writes
            .saturating_add(sat(app.writes_failed));
        m.reads_total += u64::from(reads);
        m.writes_total += u64::from(writes);
        m.reads_failed += u64::from(failed_reads);
        m.writes_failed += u64::from(failed_writes);
        m.minute_total += u64::from(n);
        m.minute_failed += u64::from(failed_reads + failed_writes);

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
        let opened = self.track_outage(now, outage);

        let s = &mut self.metrics.second;
        s.ok += ok_reads.min(reads) + ok_writes;
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
                sample.p50_ms += self.rng.below(sample.p50_ms / 5 + 1);
            }
            if sample.p99_ms < timeout {
                sample.p99_ms += self.rng.below(sample.p99_ms / 5 + 1);
            }
            self.samples.push(sample);
        }
        TickOutcome {
            app_ops: app.ops,
            ok_writes: ok_w,
            outage_opened: opened,
            alarm: if minute { self.minute_alarm() } else { None },
        }
    }

    /// Opens or closes the outage span; `true` when one opened (its causes are the
    /// bridge's to name, with [`TrafficState::open_outage`]).
    fn track_outage(&mut self, now: u64, outage: bool) -> bool {
        let open = self
            .metrics
            .outages
            .last()
            .is_some_and(|o| o.end_ms.is_none());
        if outage && !open {
            return true;
        }
        if !outage && open {
            if let Some(o) = self.metrics.outages.last_mut() {
                o.end_ms = Some(now - TICK_MS);
            }
        }
        false
    }

    /// Records the outage that opened this tick (at `now`), with its causes.
    pub(crate) fn open_outage(
        &mut self,
        now: u64,
        causes: Vec<Cause>,
        explanation: String,
        explanation_ja: String,
    ) {
        self.metrics.outages.push(OutageSpan {
            start_ms: now - TICK_MS,
            end_ms: None,
            causes,
            explanation,
            explanation_ja,
            chain: Vec::new(),
        });
    }

    /// The 5xx alarm, once a minute: `(firing, text)` when it changes.
    fn minute_alarm(&mut self) -> Option<(bool, String, AlarmFigures)> {
        let m = &mut self.metrics;
        let (total, failed) = (m.minute_total, m.minute_failed);
        m.minute_total = 0;
        m.minute_failed = 0;
        let firing = total > 0 && failed * 100 > total;
        if firing != m.error_alarm {
            m.error_alarm = firing;
            let (text, figures) = if firing {
                let percent = failed * 100 / total;
                (
                    format!("search 5xx rate {percent}% > 1% over the last minute ({failed} of {total} requests failed)"),
                    AlarmFigures::ErrorRate { percent, failed, total },
                )
            } else {
                (
                    "search 5xx rate back under 1%".to_string(),
                    AlarmFigures::None,
                )
            };
            return Some((firing, text, figures));
        }
        None
    }
}
