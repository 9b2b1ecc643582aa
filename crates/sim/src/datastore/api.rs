//! The datastore REST API as the API console sees it: realistic JSON and `_cat` text,
//! including the 503s of a cluster without a master (after `master_timeout`).

use crate::action::{AllocationEnable, ApiRequest};
use crate::engine::Sim;
use crate::event::{EventKind, Health};
use crate::json::{reindent, write_str, write_u64, Obj};
use crate::model::{ClusterId, CopyState, ExclusionCall, NodeKey};
use crate::timers::Timer;
use crate::timing::*;
use crate::world::ids::InstanceId;

/// What a connection to a node's REST port meets (`curl node-2:9200`), the one rule for the
/// API console's curl errors and `drill live`'s listeners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The datastore process answers.
    Answers,
    /// The guest is up but nothing listens on the port (the process is down, rebooting,
    /// not installed): the connection is refused at once.
    Refuses,
    /// Nothing answers at all (a frozen guest, an instance not running): the client's
    /// connection times out.
    Silent,
}

/// One row of `_cat/nodes`, as the text table prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatNodeRow {
    pub ip: String,
    pub heap_percent: u64,
    pub ram_percent: u64,
    pub cpu: u64,
    pub load_1m: String,
    pub load_5m: &'static str,
    pub load_15m: &'static str,
    pub node_role: &'static str,
    /// `*` for the elected master, else `-`.
    pub master: &'static str,
    pub name: String,
    /// The node's Elasticsearch id (`_cat/master`'s `id`).
    pub id: String,
}

/// One row of `_cat/allocation`, in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatAllocationRow {
    pub shards: usize,
    pub indices_bytes: u64,
    pub used_bytes: u64,
    pub avail_bytes: u64,
    pub total_bytes: u64,
    pub percent: u64,
    pub ip: String,
    pub name: String,
}

/// One row of `_cat/shards`; the empty strings of an unassigned copy are as the text prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatShardRow {
    pub index: &'static str,
    pub shard: u32,
    pub prirep: &'static str,
    pub state: String,
    pub docs: String,
    pub store: String,
    pub ip: String,
    /// The node column (`node-2`, `node-2 (45%)`), or an unassigned copy's reason.
    pub node: String,
}

impl Sim {
    /// What a connection to the REST port of the instance `idx` meets now.
    pub fn reach(&self, idx: impl Into<InstanceId>) -> Reach {
        let idx = idx.into();
        if self.is_responsive(idx) {
            Reach::Answers
        } else if self.is_frozen(idx) || self.ec2[idx].state != crate::event::InstanceState::Running
        {
            Reach::Silent
        } else {
            Reach::Refuses
        }
    }

    /// The cluster the node on `idx` answers for, if it is an answering member of one, and
    /// whether that cluster's master answers (what a read needs, else 503
    /// `master_not_discovered_exception` after `master_timeout`).
    pub fn api_cluster(&self, idx: impl Into<InstanceId>) -> Option<(ClusterId, bool)> {
        let idx = idx.into();
        let c = self.ds.ids().find(|c| self.member_up(*c, idx))?;
        Some((c, self.master_responsive(c)))
    }

    pub(crate) fn api(
        &mut self,
        index: usize,
        via: Option<&str>,
        request: &ApiRequest,
    ) -> Result<(), String> {
        let idx = match via {
            Some(name) => self
                .ec2
                .by_name(name)
                .ok_or_else(|| format!("curl: (6) Could not resolve host: {name}"))?,
            None => {
                // Like the app's client: any node that answers, else the first one known.
                let any = self
                    .ec2
                    .ids()
                    .find(|i| self.ds.ids().any(|c| self.member_up(c, *i)))
                    .or_else(|| self.ec2.ids().find(|i| self.is_responsive(*i)))
                    .or_else(|| self.traffic.client.pool.first().map(|e| e.instance));
                any.ok_or_else(|| "curl: (7) Failed to connect: no node to send to".to_string())?
            }
        };
        let via_name = self.ec2[idx].name.clone();
        let line = request.http_line();
        let reply = |status: u16, body: String| EventKind::ApiResponse {
            index,
            via: via_name.clone(),
            request: line.clone(),
            status,
            body,
        };
        match self.reach(idx) {
            Reach::Answers => {}
            Reach::Silent => {
                let body = format!(
                    "curl: (28) Failed to connect to {} port 9200 after 30001 ms: Connection timed out",
                    self.ec2[idx].private_ip
                );
                self.schedule(30_000, Timer::Deliver(Box::new(reply(0, body))));
                return Ok(());
            }
            Reach::Refuses => {
                let body = format!(
                    "curl: (7) Failed to connect to {} port 9200: Connection refused",
                    self.ec2[idx].private_ip
                );
                self.schedule(TICK_MS, Timer::Deliver(Box::new(reply(0, body))));
                return Ok(());
            }
        }
        // The node's cluster, if it is a member of one.
        let cluster = self.ds.ids().find(|c| self.member_up(*c, idx));
        let master_ok = cluster.is_some_and(|c| self.master_responsive(c));
        if request.needs_master() && !master_ok {
            let body = error_json("master_not_discovered_exception", None, 503);
            self.schedule(
                MASTER_TIMEOUT_MS,
                Timer::Deliver(Box::new(reply(503, body))),
            );
            return Ok(());
        }
        let c = cluster.unwrap_or(crate::engine::MAIN);
        let (status, body) = match request {
            ApiRequest::ClusterHealth => (200, self.health_json(c)),
            ApiRequest::CatNodes => (200, self.cat_nodes(c)),
            ApiRequest::CatShards => (200, self.cat_shards(c)),
            ApiRequest::CatAllocation => (200, self.cat_allocation(c)),
            ApiRequest::GetSettings => (200, settings_json(self.ds[c].allocation, false)),
            ApiRequest::SetAllocation { enable } => {
                self.ds[c].allocation = *enable;
                self.ds[c].version += 1;
                self.dirty = true;
                (200, settings_json(*enable, true))
            }
            ApiRequest::AddVotingExclusions { node_names } => {
                let existing = self.ds[c].exclusions.len();
                if existing + node_names.len() > MAX_VOTING_EXCLUSIONS {
                    let reason = format!(
                        "add voting config exclusions request for nodes named [{}] would add [{}] exclusions to the existing [{existing}] which would exceed the maximum of [{MAX_VOTING_EXCLUSIONS}] set by [cluster.max_voting_config_exclusions]",
                        node_names.join(", "),
                        node_names.len()
                    );
                    (
                        400,
                        error_json("illegal_argument_exception", Some(&reason), 400),
                    )
                } else {
                    for name in node_names {
                        self.ds[c].exclusions.insert(name.clone());
                    }
                    self.dirty = true;
                    // Answers once the configuration has dropped them (or times out).
                    self.wait_for_exclusions(c, false, node_names.clone(), index, via_name, line);
                    return Ok(());
                }
            }
            ApiRequest::ClearVotingExclusions => {
                // `wait_for_removal=true` (the default): answers once the excluded nodes have
                // left the cluster (or times out, keeping the exclusions).
                let nodes: Vec<String> = self.ds[c].exclusions.iter().cloned().collect();
                self.dirty = true;
                self.wait_for_exclusions(c, true, nodes, index, via_name, line);
                return Ok(());
            }
            ApiRequest::Flush => {
                let shards = &self.ds[c].shards;
                let total: usize = shards.len() * (1 + self.scenario.topology.replicas as usize);
                let ok = shards
                    .iter()
                    .flat_map(|s| s.copies.iter())
                    .filter(|cp| cp.is_active() && self.node_answers(c, cp.node))
                    .count();
                (200, shards_json(total, ok))
            }
        };
        self.schedule(TICK_MS, Timer::Deliver(Box::new(reply(status, body))));
        Ok(())
    }

    /// Queues a voting-exclusion call and answers it at once if its condition already holds.
    fn wait_for_exclusions(
        &mut self,
        c: ClusterId,
        clear: bool,
        nodes: Vec<String>,
        index: usize,
        via: String,
        request: String,
    ) {
        self.ds[c].exclusion_calls.push(ExclusionCall {
            clear,
            nodes,
            deadline_ms: self.now_ms + VOTING_EXCLUSIONS_TIMEOUT_MS,
            index,
            via,
            request,
        });
        self.schedule(VOTING_EXCLUSIONS_TIMEOUT_MS, Timer::Wake);
        self.answer_exclusion_calls(c);
    }

    /// Answers the voting-exclusion calls whose condition holds (200) or whose timeout has
    /// passed (429 `timeout_exception`, as `ElasticsearchTimeoutException` answers).
    pub(crate) fn answer_exclusion_calls(&mut self, c: ClusterId) {
        let mut i = 0;
        while i < self.ds[c].exclusion_calls.len() {
            let call = self.ds[c].exclusion_calls[i].clone();
            let cluster = &self.ds[c];
            let done = call.nodes.iter().all(|name| {
                let key = self
                    .ec2
                    .by_name(name)
                    .and_then(|idx| self.ec2[idx].volume.as_ref().and_then(|v| v.node));
                key.is_none_or(|k| {
                    if call.clear {
                        !cluster.members.contains_key(&k)
                    } else {
                        !cluster.voting.contains(&k)
                    }
                })
            });
            let (status, body) = if done {
                if call.clear {
                    self.ds[c].exclusions.clear();
                    self.dirty = true;
                }
                (200, String::new())
            } else if self.now_ms >= call.deadline_ms {
                let listed: Vec<String> =
                    call.nodes.iter().map(|n| self.exclusion_label(n)).collect();
                let reason = if call.clear {
                    format!("timed out waiting for removal of nodes; if nodes should not be removed, set waitForRemoval to false. [{}]", listed.join(", "))
                } else {
                    format!(
                        "timed out waiting for voting config exclusions [{}] to take effect",
                        listed.join(", ")
                    )
                };
                (429, error_json("timeout_exception", Some(&reason), 429))
            } else {
                i += 1;
                continue;
            };
            self.ds[c].exclusion_calls.remove(i);
            self.emit(EventKind::ApiResponse {
                index: call.index,
                via: call.via,
                request: call.request,
                status,
                body,
            });
        }
    }

    /// A voting exclusion as Elasticsearch prints it: `{node id}{node name}`.
    fn exclusion_label(&self, name: &str) -> String {
        let id = self
            .ec2
            .by_name(name)
            .and_then(|idx| self.ec2[idx].volume.as_ref().and_then(|v| v.node))
            .map_or("_absent_", |k| self.ds.node_id(k));
        format!("{{{id}}}{{{name}}}")
    }

    fn node_answers(&self, c: ClusterId, node: NodeKey) -> bool {
        self.ds[c]
            .members
            .get(&node)
            .is_some_and(|m| self.member_up(c, m.instance))
    }

    pub fn health_json(&self, c: ClusterId) -> String {
        let cluster = &self.ds[c];
        let (
            mut active_primary,
            mut active,
            mut relocating,
            mut initializing,
            mut unassigned,
            mut delayed,
        ) = (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
        for shard in &cluster.shards {
            for cp in &shard.copies {
                match cp.state {
                    CopyState::Started => active += 1,
                    CopyState::Relocating { .. } => {
                        active += 1;
                        relocating += 1;
                    }
                    CopyState::Initializing(ref r) if r.relocating_from.is_some() => {}
                    CopyState::Initializing(_) => initializing += 1,
                }
                if cp.primary && cp.is_active() {
                    active_primary += 1;
                }
            }
            unassigned += shard.unassigned.len();
            delayed += shard
                .unassigned
                .iter()
                .filter(|u| u.delayed_until_ms > self.now_ms)
                .count();
        }
        let total = active + initializing + unassigned;
        let percent = if total == 0 {
            100.0
        } else {
            active as f64 * 100.0 / total as f64
        };
        let nodes = cluster.members.len();
        let status = match cluster.health {
            Health::NoMaster => "red",
            h => h.as_str(),
        };
        health_json(
            status,
            nodes,
            [
                active_primary,
                active,
                relocating,
                initializing,
                unassigned,
                delayed,
            ],
            percent,
        )
    }

    /// `_cat/nodes`'s rows (the text table and `format=json` are views of them).
    pub fn cat_nodes_rows(&self, c: ClusterId) -> Vec<CatNodeRow> {
        let cluster = &self.ds[c];
        let mut rows = Vec::new();
        for (node, member) in &cluster.members {
            let inst = &self.ec2[member.instance];
            let master = if cluster.master == Some(*node) {
                "*"
            } else {
                "-"
            };
            let load = self.traffic.client.active_recoveries * 40 + 12;
            rows.push(CatNodeRow {
                ip: inst.private_ip.clone(),
                heap_percent: 42 + (member.ephemeral % 20),
                ram_percent: 88 + (member.ephemeral % 7),
                cpu: 3 + self.traffic.client.active_recoveries * 9,
                load_1m: format!("{}.{:02}", load / 100, load % 100),
                load_5m: "0.10",
                load_15m: "0.09",
                node_role: "cdfhilmrstw",
                master,
                name: inst.name.clone(),
                id: self.ds.node_id(*node).to_string(),
            });
        }
        rows
    }

    pub fn cat_nodes(&self, c: ClusterId) -> String {
        let mut out = String::from("ip           heap.percent ram.percent cpu load_1m load_5m load_15m node.role   master name\n");
        for r in self.cat_nodes_rows(c) {
            out.push_str(&format!(
                "{:<12} {:>12} {:>11} {:>3} {:>7} {:>7} {:>8} {:<11} {:<6} {}\n",
                r.ip,
                r.heap_percent,
                r.ram_percent,
                r.cpu,
                r.load_1m,
                r.load_5m,
                r.load_15m,
                r.node_role,
                r.master,
                r.name
            ));
        }
        out
    }

    /// `_cat/allocation`'s rows, in bytes (also `_nodes/stats/fs`).
    pub fn cat_allocation_rows(&self, c: ClusterId) -> Vec<CatAllocationRow> {
        let cluster = &self.ds[c];
        let shard_bytes = self.scenario.topology.shard_bytes;
        let mut rows = Vec::new();
        for (node, member) in &cluster.members {
            let inst = &self.ec2[member.instance];
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            let used = v.used_bytes(shard_bytes);
            rows.push(CatAllocationRow {
                shards: cluster.shards.iter().filter(|s| s.holds(*node)).count(),
                indices_bytes: v.shards.len() as u64 * shard_bytes,
                used_bytes: used,
                avail_bytes: v.capacity_bytes - used,
                total_bytes: v.capacity_bytes,
                percent: v.used_percent(shard_bytes),
                ip: inst.private_ip.clone(),
                name: inst.name.clone(),
            });
        }
        rows
    }

    pub fn cat_allocation(&self, c: ClusterId) -> String {
        let mut out = String::from("shards disk.indices disk.used disk.avail disk.total disk.percent host         ip           node\n");
        for r in self.cat_allocation_rows(c) {
            out.push_str(&format!(
                "{:>6} {:>12} {:>9} {:>10} {:>10} {:>12} {:<12} {:<12} {}\n",
                r.shards,
                crate::event::fmt_bytes(r.indices_bytes),
                crate::event::fmt_bytes(r.used_bytes),
                crate::event::fmt_bytes(r.avail_bytes),
                crate::event::fmt_bytes(r.total_bytes),
                r.percent,
                r.ip,
                r.ip,
                r.name
            ));
        }
        out
    }

    /// `_cat/shards`'s rows.
    pub fn cat_shards_rows(&self, c: ClusterId) -> Vec<CatShardRow> {
        let cluster = &self.ds[c];
        let mut rows = Vec::new();
        let docs_per_shard = self.scenario.topology.shard_bytes / DOC_BYTES;
        let store = crate::event::fmt_bytes(self.scenario.topology.shard_bytes);
        for shard in &cluster.shards {
            let docs = docs_per_shard + shard.ops;
            let at = |node| match cluster.members.get(&node) {
                Some(m) => (
                    self.ec2[m.instance].private_ip.clone(),
                    self.ec2[m.instance].name.clone(),
                ),
                None => ("-".into(), self.node_name(node)),
            };
            let copy = |alloc| shard.copies.iter().find(|x| x.alloc == alloc);
            for cp in &shard.copies {
                let (ip, name) = at(cp.node);
                // A relocation's target is the same kind of copy as its source (a primary's
                // target is a primary), as Elasticsearch lists it.
                let primary = match &cp.state {
                    CopyState::Initializing(r) => r
                        .relocating_from
                        .and_then(copy)
                        .map_or(cp.primary, |source| source.primary),
                    _ => cp.primary,
                };
                let (state, node) = match &cp.state {
                    CopyState::Started => ("STARTED".to_string(), name),
                    // Elasticsearch's node column for a relocating copy: the source, then
                    // the target's address, node id and name (`RestShardsAction`:
                    // `node -> ip id name`).
                    CopyState::Relocating { target } => {
                        let to = copy(*target).map(|t| {
                            let (to_ip, to_name) = at(t.node);
                            format!("{to_ip} {} {to_name}", self.ds.node_id(t.node))
                        });
                        (
                            "RELOCATING".to_string(),
                            format!("{name} -> {}", to.unwrap_or_else(|| "-".into())),
                        )
                    }
                    CopyState::Initializing(r) => {
                        let pct = (r.bytes_done * 100).checked_div(r.bytes_total).unwrap_or(0);
                        ("INITIALIZING".to_string(), format!("{name} ({pct}%)"))
                    }
                };
                rows.push(CatShardRow {
                    index: "app",
                    shard: shard.number,
                    prirep: if primary { "p" } else { "r" },
                    state,
                    docs: docs.to_string(),
                    store: store.clone(),
                    ip,
                    node,
                });
            }
            for u in &shard.unassigned {
                rows.push(CatShardRow {
                    index: "app",
                    shard: shard.number,
                    prirep: if u.primary { "p" } else { "r" },
                    state: "UNASSIGNED".into(),
                    docs: String::new(),
                    store: String::new(),
                    ip: String::new(),
                    node: u.reason.clone(),
                });
            }
        }
        rows
    }

    pub fn cat_shards(&self, c: ClusterId) -> String {
        let mut out =
            String::from("index shard prirep state        docs   store ip           node\n");
        for r in self.cat_shards_rows(c) {
            out.push_str(&format!(
                "{:<5} {:<5} {:<6} {:<12} {:>8} {:>7} {:<12} {}\n",
                r.index, r.shard, r.prirep, r.state, r.docs, r.store, r.ip, r.node
            ));
        }
        out
    }
}

// The answers are written with the hand-written JSON writer (`crate::json`), fields in
// Elasticsearch's order, then re-indented as serde_json's pretty printer would: byte for
// byte what the former serde structs wrote (kept in the tests, which compare).

/// `_cluster/settings` as Elasticsearch writes it (`acknowledged` for a `PUT`'s answer).
pub fn settings_json(enable: AllocationEnable, acknowledged: bool) -> String {
    let mut out = String::from("{");
    if acknowledged {
        out.push_str("\"acknowledged\":true,");
    }
    out.push_str("\"persistent\":{");
    // `enable: all` is the default, which Elasticsearch does not list.
    if enable != AllocationEnable::All {
        out.push_str("\"cluster\":{\"routing\":{\"allocation\":{\"enable\":");
        write_str(&mut out, enable.as_str());
        out.push_str("}}}");
    }
    out.push_str("},\"transient\":{}}");
    reindent(&out)
}

/// An Elasticsearch error body: `{"error":{"root_cause":[…],"type":…,"reason":…},"status":…}`.
pub fn error_json(kind: &str, reason: Option<&str>, status: u16) -> String {
    let mut cause = String::new();
    Obj::new(&mut cause)
        .field("type", &kind)
        .field("reason", &reason)
        .end();
    let mut out = String::from("{\"error\":{\"root_cause\":[");
    out.push_str(&cause);
    out.push_str("],");
    out.push_str(&cause[1..]);
    out.push_str(",\"status\":");
    write_u64(&mut out, u64::from(status));
    out.push('}');
    reindent(&out)
}

/// `counts`: active primary, active, relocating, initializing, unassigned and delayed
/// unassigned shards.
fn health_json(status: &str, nodes: usize, counts: [usize; 6], percent: f64) -> String {
    let [active_primary, active, relocating, initializing, unassigned, delayed] = counts;
    let mut out = String::new();
    Obj::new(&mut out)
        .field("cluster_name", &"search-cluster")
        .field("status", &status)
        .field("timed_out", &false)
        .field("number_of_nodes", &nodes)
        .field("number_of_data_nodes", &nodes)
        .field("active_primary_shards", &active_primary)
        .field("active_shards", &active)
        .field("relocating_shards", &relocating)
        .field("initializing_shards", &initializing)
        .field("unassigned_shards", &unassigned)
        .field("delayed_unassigned_shards", &delayed)
        .field("number_of_pending_tasks", &0u32)
        .field("number_of_in_flight_fetch", &0u32)
        .field("task_max_waiting_in_queue_millis", &0u32)
        .field("active_shards_percent_as_number", &percent)
        .end();
    reindent(&out)
}

fn shards_json(total: usize, successful: usize) -> String {
    let mut out = String::from("{\"_shards\":");
    Obj::new(&mut out)
        .field("total", &total)
        .field("successful", &successful)
        .field("failed", &0usize)
        .end();
    out.push('}');
    reindent(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The structs the answers were written from through serde before the hand-written
    /// writer: the writer must write the same bytes.
    mod serde_bodies {
        use serde::Serialize;

        #[derive(Serialize)]
        pub struct SettingsBody {
            #[serde(skip_serializing_if = "Option::is_none")]
            pub acknowledged: Option<bool>,
            pub persistent: PersistentSettings,
            pub transient: EmptyObject,
        }
        #[derive(Serialize)]
        pub struct PersistentSettings {
            #[serde(skip_serializing_if = "Option::is_none")]
            pub cluster: Option<ClusterSettings>,
        }
        #[derive(Serialize)]
        pub struct ClusterSettings {
            pub routing: RoutingSettings,
        }
        #[derive(Serialize)]
        pub struct RoutingSettings {
            pub allocation: AllocationSettings,
        }
        #[derive(Serialize)]
        pub struct AllocationSettings {
            pub enable: &'static str,
        }
        #[derive(Serialize)]
        pub struct EmptyObject {}
        #[derive(Serialize)]
        pub struct HealthBody<'a> {
            pub cluster_name: &'a str,
            pub status: &'a str,
            pub timed_out: bool,
            pub number_of_nodes: usize,
            pub number_of_data_nodes: usize,
            pub active_primary_shards: usize,
            pub active_shards: usize,
            pub relocating_shards: usize,
            pub initializing_shards: usize,
            pub unassigned_shards: usize,
            pub delayed_unassigned_shards: usize,
            pub number_of_pending_tasks: u32,
            pub number_of_in_flight_fetch: u32,
            pub task_max_waiting_in_queue_millis: u32,
            pub active_shards_percent_as_number: f64,
        }
        #[derive(Serialize)]
        pub struct ShardsBody {
            pub _shards: ShardCounts,
        }
        #[derive(Serialize)]
        pub struct ShardCounts {
            pub total: usize,
            pub successful: usize,
            pub failed: usize,
        }
        #[derive(Serialize)]
        pub struct ErrorBody<'a> {
            pub error: ErrorDetail<'a>,
            pub status: u16,
        }
        #[derive(Serialize)]
        pub struct ErrorDetail<'a> {
            pub root_cause: Vec<ErrorCause<'a>>,
            #[serde(rename = "type")]
            pub kind: &'a str,
            pub reason: Option<&'a str>,
        }
        #[derive(Serialize, Clone, Copy)]
        pub struct ErrorCause<'a> {
            #[serde(rename = "type")]
            pub kind: &'a str,
            pub reason: Option<&'a str>,
        }
    }

    #[test]
    fn the_answers_are_what_serde_json_wrote() {
        use serde_bodies::*;
        let pretty = |v: &dyn erased::Pretty| v.pretty();
        for enable in [
            AllocationEnable::All,
            AllocationEnable::Primaries,
            AllocationEnable::NewPrimaries,
            AllocationEnable::None,
        ] {
            for acknowledged in [false, true] {
                let cluster = (enable != AllocationEnable::All).then(|| ClusterSettings {
                    routing: RoutingSettings {
                        allocation: AllocationSettings {
                            enable: enable.as_str(),
                        },
                    },
                });
                let body = SettingsBody {
                    acknowledged: acknowledged.then_some(true),
                    persistent: PersistentSettings { cluster },
                    transient: EmptyObject {},
                };
                assert_eq!(settings_json(enable, acknowledged), pretty(&body));
            }
        }
        for (kind, reason, status) in [
            (
                "illegal_argument_exception",
                Some("a \"quoted\" \\ reason\n 日本 🚀"),
                400u16,
            ),
            ("master_not_discovered_exception", None, 503),
            ("", Some(""), 0),
            ("x", None, u16::MAX),
        ] {
            let cause = ErrorCause { kind, reason };
            let body = ErrorBody {
                error: ErrorDetail {
                    root_cause: vec![cause],
                    kind,
                    reason,
                },
                status,
            };
            assert_eq!(error_json(kind, reason, status), pretty(&body));
        }
        for (total, successful) in [(0, 0), (6, 4), (usize::MAX, 1)] {
            let body = ShardsBody {
                _shards: ShardCounts {
                    total,
                    successful,
                    failed: 0,
                },
            };
            assert_eq!(shards_json(total, successful), pretty(&body));
        }
        for total in 0..=40usize {
            for active in 0..=total {
                let percent = if total == 0 {
                    100.0
                } else {
                    active as f64 * 100.0 / total as f64
                };
                let counts = [active / 2, active, active / 3, total - active, 0, total];
                let body = HealthBody {
                    cluster_name: "search-cluster",
                    status: ["green", "yellow", "red"][active % 3],
                    timed_out: false,
                    number_of_nodes: total % 4,
                    number_of_data_nodes: total % 4,
                    active_primary_shards: counts[0],
                    active_shards: counts[1],
                    relocating_shards: counts[2],
                    initializing_shards: counts[3],
                    unassigned_shards: counts[4],
                    delayed_unassigned_shards: counts[5],
                    number_of_pending_tasks: 0,
                    number_of_in_flight_fetch: 0,
                    task_max_waiting_in_queue_millis: 0,
                    active_shards_percent_as_number: percent,
                };
                assert_eq!(
                    health_json(body.status, total % 4, counts, percent),
                    pretty(&body)
                );
            }
        }
        for x in [f64::NAN, f64::INFINITY, 1e21, 1e-7, -0.0, 0.1 + 0.2] {
            assert_eq!(
                crate::json::to_string(&x),
                serde_json::to_string(&x).unwrap()
            );
        }
    }

    mod erased {
        pub trait Pretty {
            fn pretty(&self) -> String;
        }
        impl<T: serde::Serialize> Pretty for T {
            fn pretty(&self) -> String {
                serde_json::to_string_pretty(self).unwrap()
            }
        }
    }

    #[test]
    fn settings_bodies_read_like_elasticsearch() {
        let bodies = [
            settings_json(AllocationEnable::All, false),
            settings_json(AllocationEnable::NewPrimaries, false),
            settings_json(AllocationEnable::All, true),
            settings_json(AllocationEnable::Primaries, true),
        ];
        expect_test::expect![[r#"
            {
              "persistent": {},
              "transient": {}
            }
            ---
            {
              "persistent": {
                "cluster": {
                  "routing": {
                    "allocation": {
                      "enable": "new_primaries"
                    }
                  }
                }
              },
              "transient": {}
            }
            ---
            {
              "acknowledged": true,
              "persistent": {},
              "transient": {}
            }
            ---
            {
              "acknowledged": true,
              "persistent": {
                "cluster": {
                  "routing": {
                    "allocation": {
                      "enable": "primaries"
                    }
                  }
                }
              },
              "transient": {}
            }"#]]
        .assert_eq(&bodies.join("\n---\n"));
    }
}
