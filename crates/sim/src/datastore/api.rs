//! The datastore REST API as the API console sees it: realistic JSON and `_cat` text,
//! including the 503s of a cluster without a master (after `master_timeout`).

use serde::Serialize;

use crate::action::{AllocationEnable, ApiRequest};
use crate::engine::Sim;
use crate::event::{EventKind, Health};
use crate::model::{ClusterId, CopyState, ExclusionCall, NodeKey};
use crate::timers::Timer;
use crate::timing::*;

impl Sim {
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
        if !self.is_responsive(idx) {
            let inst = &self.ec2[idx];
            if self.is_frozen(idx) || inst.state != crate::event::InstanceState::Running {
                let body = format!(
                    "curl: (28) Failed to connect to {} port 9200 after 30001 ms: Connection timed out",
                    inst.private_ip
                );
                self.schedule(30_000, Timer::Deliver(Box::new(reply(0, body))));
            } else {
                let body = format!(
                    "curl: (7) Failed to connect to {} port 9200: Connection refused",
                    inst.private_ip
                );
                self.schedule(TICK_MS, Timer::Deliver(Box::new(reply(0, body))));
            }
            return Ok(());
        }
        // The node's cluster, if it is a member of one.
        let cluster = self.ds.ids().find(|c| self.member_up(*c, idx));
        let master_ok = cluster.is_some_and(|c| self.master_responsive(c));
        let needs_master = !matches!(request, ApiRequest::Flush);
        if needs_master && !master_ok {
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
                (
                    200,
                    pretty(&ShardsBody {
                        _shards: ShardCounts {
                            total,
                            successful: ok,
                            failed: 0,
                        },
                    }),
                )
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
        ) = (0, 0, 0, 0, 0, 0);
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
        pretty(&HealthBody {
            cluster_name: "search-cluster",
            status,
            timed_out: false,
            number_of_nodes: nodes,
            number_of_data_nodes: nodes,
            active_primary_shards: active_primary,
            active_shards: active,
            relocating_shards: relocating,
            initializing_shards: initializing,
            unassigned_shards: unassigned,
            delayed_unassigned_shards: delayed,
            number_of_pending_tasks: 0,
            number_of_in_flight_fetch: 0,
            task_max_waiting_in_queue_millis: 0,
            active_shards_percent_as_number: percent,
        })
    }

    pub fn cat_nodes(&self, c: ClusterId) -> String {
        let cluster = &self.ds[c];
        let mut out = String::from("ip           heap.percent ram.percent cpu load_1m load_5m load_15m node.role   master name\n");
        for (node, member) in &cluster.members {
            let inst = &self.ec2[member.instance];
            let master = if cluster.master == Some(*node) {
                "*"
            } else {
                "-"
            };
            let load = self.traffic.client.active_recoveries * 40 + 12;
            out.push_str(&format!(
                "{:<12} {:>12} {:>11} {:>3} {:>7} {:>7} {:>8} {:<11} {:<6} {}\n",
                inst.private_ip,
                42 + (member.ephemeral % 20),
                88 + (member.ephemeral % 7),
                3 + self.traffic.client.active_recoveries * 9,
                format!("{}.{:02}", load / 100, load % 100),
                "0.10",
                "0.09",
                "cdfhilmrstw",
                master,
                inst.name
            ));
        }
        out
    }

    pub fn cat_allocation(&self, c: ClusterId) -> String {
        let cluster = &self.ds[c];
        let shard_bytes = self.scenario.topology.shard_bytes;
        let mut out = String::from("shards disk.indices disk.used disk.avail disk.total disk.percent host         ip           node\n");
        for (node, member) in &cluster.members {
            let inst = &self.ec2[member.instance];
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            let shards = cluster.shards.iter().filter(|s| s.holds(*node)).count();
            let used = v.used_bytes(shard_bytes);
            out.push_str(&format!(
                "{:>6} {:>12} {:>9} {:>10} {:>10} {:>12} {:<12} {:<12} {}\n",
                shards,
                crate::event::fmt_bytes(v.shards.len() as u64 * shard_bytes),
                crate::event::fmt_bytes(used),
                crate::event::fmt_bytes(v.capacity_bytes - used),
                crate::event::fmt_bytes(v.capacity_bytes),
                v.used_percent(shard_bytes),
                inst.private_ip,
                inst.private_ip,
                inst.name
            ));
        }
        out
    }

    pub fn cat_shards(&self, c: ClusterId) -> String {
        let cluster = &self.ds[c];
        let mut out =
            String::from("index shard prirep state        docs   store ip           node\n");
        let docs_per_shard = self.scenario.topology.shard_bytes / DOC_BYTES;
        let store = crate::event::fmt_bytes(self.scenario.topology.shard_bytes);
        for shard in &cluster.shards {
            let docs = docs_per_shard + shard.ops;
            for cp in &shard.copies {
                let (ip, name) = match cluster.members.get(&cp.node) {
                    Some(m) => (
                        self.ec2[m.instance].private_ip.clone(),
                        self.ec2[m.instance].name.clone(),
                    ),
                    None => ("-".into(), self.node_name(cp.node)),
                };
                let (state, node) = match &cp.state {
                    CopyState::Started => ("STARTED".to_string(), name),
                    CopyState::Relocating { .. } => {
                        ("RELOCATING".to_string(), format!("{name} -> relocating"))
                    }
                    CopyState::Initializing(r) => {
                        let pct = (r.bytes_done * 100).checked_div(r.bytes_total).unwrap_or(0);
                        ("INITIALIZING".to_string(), format!("{name} ({pct}%)"))
                    }
                };
                out.push_str(&format!(
                    "app   {:<5} {:<6} {:<12} {:>8} {:>7} {:<12} {}\n",
                    shard.number,
                    if cp.primary { "p" } else { "r" },
                    state,
                    docs,
                    store,
                    ip,
                    node
                ));
            }
            for u in &shard.unassigned {
                out.push_str(&format!(
                    "app   {:<5} {:<6} {:<12} {:>8} {:>7} {:<12} {}\n",
                    shard.number,
                    if u.primary { "p" } else { "r" },
                    "UNASSIGNED",
                    "",
                    "",
                    "",
                    u.reason
                ));
            }
        }
        out
    }
}

fn settings_json(enable: AllocationEnable, acknowledged: bool) -> String {
    // `enable: all` is the default, which Elasticsearch does not list.
    let cluster = (enable != AllocationEnable::All).then(|| ClusterSettings {
        routing: RoutingSettings {
            allocation: AllocationSettings {
                enable: enable.as_str(),
            },
        },
    });
    pretty(&SettingsBody {
        acknowledged: acknowledged.then_some(true),
        persistent: PersistentSettings { cluster },
        transient: EmptyObject {},
    })
}

fn error_json(kind: &str, reason: Option<&str>, status: u16) -> String {
    let cause = ErrorCause { kind, reason };
    pretty(&ErrorBody {
        error: ErrorDetail {
            root_cause: vec![ErrorCause { kind, reason }],
            kind: cause.kind,
            reason: cause.reason,
        },
        status,
    })
}

// Response bodies as structs: serde keeps declaration order, so the JSON reads in the same
// order as Elasticsearch's (no order-preserving map needed).

#[derive(Serialize)]
struct SettingsBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    acknowledged: Option<bool>,
    persistent: PersistentSettings,
    transient: EmptyObject,
}

#[derive(Serialize)]
struct PersistentSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterSettings>,
}

#[derive(Serialize)]
struct ClusterSettings {
    routing: RoutingSettings,
}

#[derive(Serialize)]
struct RoutingSettings {
    allocation: AllocationSettings,
}

#[derive(Serialize)]
struct AllocationSettings {
    enable: &'static str,
}

/// `{}`.
#[derive(Serialize)]
struct EmptyObject {}

#[derive(Serialize)]
struct HealthBody<'a> {
    cluster_name: &'a str,
    status: &'a str,
    timed_out: bool,
    number_of_nodes: usize,
    number_of_data_nodes: usize,
    active_primary_shards: usize,
    active_shards: usize,
    relocating_shards: usize,
    initializing_shards: usize,
    unassigned_shards: usize,
    delayed_unassigned_shards: usize,
    number_of_pending_tasks: u32,
    number_of_in_flight_fetch: u32,
    task_max_waiting_in_queue_millis: u32,
    active_shards_percent_as_number: f64,
}

#[derive(Serialize)]
struct ShardsBody {
    _shards: ShardCounts,
}

#[derive(Serialize)]
struct ShardCounts {
    total: usize,
    successful: usize,
    failed: usize,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
    status: u16,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    root_cause: Vec<ErrorCause<'a>>,
    #[serde(rename = "type")]
    kind: &'a str,
    reason: Option<&'a str>,
}

#[derive(Serialize, Clone, Copy)]
struct ErrorCause<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    reason: Option<&'a str>,
}

fn pretty(value: &impl Serialize) -> String {
    crate::json::to_string_pretty(value).expect("JSON values serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

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
