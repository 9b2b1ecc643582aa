//! The Elasticsearch REST API of one node, on its own port.
//!
//! The port follows the node ([`slot`]): while its process answers the listener is open;
//! while the process is down the listener is closed, so connections are refused (not
//! accepted and reset); while the guest is frozen or the instance is not running the
//! listener accepts and never answers, so clients see their own timeouts.
//!
//! Reads (`_cluster/health`, `_cat/*`, `GET _cluster/settings`, `_nodes/stats/fs`) are
//! recorded as the sim's read-only API actions and answered from the sim's views at the
//! moment they arrive: a node outside a cluster with a master waits `master_timeout`
//! (default 30 s of sim time) for one, then answers 503 `master_not_discovered_exception`,
//! as Elasticsearch does. Writes (`PUT _cluster/settings`, voting exclusions, `_flush`) are
//! applied as actions and answered with the sim's own `ApiResponse` (status and body).
//! Search and index on `app` are counted into the drill's traffic: the sim decides each by
//! the rule its own app traffic follows ([`Sim::app_outcome`]) and records them as
//! [`Action::AppRequests`] (one per node and sim second, with counts); this file only
//! renders the outcome in Elasticsearch's shapes. Sources of those shapes (Elasticsearch's
//! code, as `/work/shared/docs/fidelity.md`'s "errors without a master" row): the blocks'
//! ids, texts and statuses are `GatewayService.STATE_NOT_RECOVERED_BLOCK` (1, "state not
//! recovered / initialized", 503, every level), `NoMasterBlockService`'s write block (2, "no
//! master", 503) and `IndexMetadata.INDEX_READ_ONLY_ALLOW_DELETE_BLOCK` (12, "disk usage
//! exceeded flood-stage watermark, index has read-only-allow-delete block", 429); a search
//! with unreachable shards is partial by default (`allow_partial_search_results`), 503
//! `search_phase_execution_exception` "all shards failed" when none answers. Where the sim
//! fails a request at once (a missing primary, a node outside the cluster) Elasticsearch
//! would retry the retryable blocks up to the request's timeout first: the sim's choice,
//! documented in `quorum_sim::traffic`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use quorum_sim::datastore::api::{error_json, Reach};
use quorum_sim::time::fmt_clock;
use quorum_sim::{
    Action, AllocationEnable, ApiRequest, AppOutcome, AppRequest, ClusterId, Health, ShardWrite,
    Sim,
};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::Shared;

/// The version `GET /` reports (*chosen*: the sim models 7.17/8.x behaviour alike).
pub const ES_VERSION: &str = "8.15.0";
/// The app's index.
pub const INDEX: &str = "app";
/// `master_timeout`'s and `timeout`'s default (Elasticsearch's 30 s).
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// An index request's `timeout` default (Elasticsearch's 1 min: how long a write retries
/// the no-master block).
const INDEX_TIMEOUT_MS: u64 = 60_000;
/// 2026-01-01T00:00:00Z: the drill's 00:00 as `_cat/health`'s `epoch` (*chosen*).
const DRILL_EPOCH_S: u64 = 1_767_225_600;

/// Keeps node `name`'s port in the state `reach` says, serving it while it answers.
pub async fn slot(
    shared: Arc<Shared>,
    name: String,
    addr: SocketAddr,
    mut reach: watch::Receiver<Reach>,
) {
    let router = router(shared, name.clone());
    // Connections being served and the ones a frozen guest holds unanswered.
    let mut conns: JoinSet<()> = JoinSet::new();
    let mut silent: Vec<tokio::net::TcpStream> = Vec::new();
    let mut listener: Option<TcpListener> = None;
    loop {
        let want = *reach.borrow_and_update();
        match want {
            Reach::Refuses => {
                // The process is gone: its connections reset, new ones are refused.
                conns.abort_all();
                silent.clear();
                listener = None;
            }
            Reach::Answers => silent.clear(),
            Reach::Silent => {}
        }
        if want != Reach::Refuses && listener.is_none() {
            listener = bind(addr).await;
            if listener.is_none() {
                eprintln!("drill live: cannot listen on {addr} for {name}");
            }
        }
        let Some(l) = listener.as_ref() else {
            if reach.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            changed = reach.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            accepted = l.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if *reach.borrow() == Reach::Answers {
                    let router = router.clone();
                    conns.spawn(async move {
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let service = hyper::service::service_fn(move |req| {
                            router.clone().oneshot(req)
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await;
                    });
                } else {
                    silent.push(stream);
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Binds `addr`, retrying briefly (the port was just released by this process).
async fn bind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..50 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return Some(l);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    None
}

fn router(shared: Arc<Shared>, node: String) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (shared, node) = (shared.clone(), node.clone());
            async move { handle(&shared, &node, method, uri, headers, body).await }
        },
    )
}

/// A parsed query string.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(uri: &Uri) -> Query {
        Query(serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default())
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// A flag like `?v` or `?v=true`.
    fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.is_empty() || v == "true")
    }
    /// A time value (`30s`, `500ms`, `1m`) in ms, or the default.
    fn time_ms(&self, key: &str, default: u64) -> Result<u64, EsError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_time_ms(v).ok_or_else(|| EsError {
                status: 400,
                kind: "illegal_argument_exception",
                reason: format!("failed to parse setting [{key}] with value [{v}] as a time value: unit is missing or unrecognized"),
            }),
        }
    }
}

/// An Elasticsearch error before it is a response.
struct EsError {
    status: u16,
    kind: &'static str,
    reason: String,
}

impl EsError {
    fn response(&self) -> Response {
        es_error(self.status, self.kind, &self.reason)
    }
}

/// Elasticsearch's time units: `nanos`, `micros`, `ms`, `s`, `m`, `h`, `d`.
pub fn parse_time_ms(v: &str) -> Option<u64> {
    // Elasticsearch takes `-1` (no timeout) and `0` without a unit.
    match v {
        "-1" => return Some(u64::MAX),
        "0" => return Some(0),
        _ => {}
    }
    let split = v.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = v.split_at(split);
    let n: u64 = n.parse().ok()?;
    // A value past u64's milliseconds is refused (a 400, as an unparsable one), not wrapped.
    match unit {
        "nanos" => Some(n / 1_000_000),
        "micros" => Some(n / 1_000),
        "ms" => Some(n),
        "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => None,
    }
}

fn with_product(mut r: Response) -> Response {
    r.headers_mut().insert(
        "X-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    r
}

fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    with_product(
        (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            body,
        )
            .into_response(),
    )
}

fn text_response(body: String) -> Response {
    with_product(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
            body,
        )
            .into_response(),
    )
}

fn es_error(status: u16, kind: &str, reason: &str) -> Response {
    json_response(status, error_json(kind, Some(reason), status))
}

/// A node that stopped answering after the connection was accepted: nothing comes back
/// (the slot closes the connection when the port closes).
async fn silence() -> Response {
    std::future::pending().await
}

async fn handle(
    shared: &Shared,
    node: &str,
    method: Method,
    uri: Uri,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = Query::parse(&uri);
    let path = uri.path();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let get = method == Method::GET || method == Method::HEAD;
    let post = method == Method::POST;
    let master_timeout = match q.time_ms("master_timeout", DEFAULT_TIMEOUT_MS) {
        Ok(ms) => ms,
        Err(e) => return e.response(),
    };
    let api = |request: ApiRequest| Action::Api {
        via: Some(node.to_string()),
        request,
    };
    match segs.as_slice() {
        [] if get => root(shared, node).await,
        ["_cluster", "health"] | ["_cluster", "health", _] if get => {
            let timeout = match q.time_ms("timeout", DEFAULT_TIMEOUT_MS) {
                Ok(ms) => ms,
                Err(e) => return e.response(),
            };
            let wait_for = match q.get("wait_for_status") {
                None => None,
                Some(s) => match parse_health(s) {
                    Some(h) => Some(h),
                    None => {
                        return es_error(
                            400,
                            "illegal_argument_exception",
                            &format!("unknown cluster health status [{s}]"),
                        )
                    }
                },
            };
            health(shared, node, master_timeout, timeout, wait_for).await
        }
        ["_cat", "health"] if get => {
            read(
                shared,
                node,
                api(ApiRequest::ClusterHealth),
                master_timeout,
                |sim, c| cat_health(sim, c, &q),
            )
            .await
        }
        ["_cat", "nodes"] if get => {
            read(
                shared,
                node,
                api(ApiRequest::CatNodes),
                master_timeout,
                |sim, c| {
                    let text = sim.cat_nodes(c);
                    let rows = sim
                        .cat_nodes_rows(c)
                        .into_iter()
                        .map(|r| {
                            vec![
                                r.ip,
                                r.heap_percent.to_string(),
                                r.ram_percent.to_string(),
                                r.cpu.to_string(),
                                r.load_1m,
                                r.load_5m.into(),
                                r.load_15m.into(),
                                r.node_role.into(),
                                r.master.into(),
                                r.name,
                            ]
                        })
                        .collect();
                    cat(&text, rows, &q)
                },
            )
            .await
        }
        ["_cat", "master"] if get => {
            read(
                shared,
                node,
                api(ApiRequest::CatNodes),
                master_timeout,
                |sim, c| {
                    let rows: Vec<Vec<String>> = sim
                        .cat_nodes_rows(c)
                        .into_iter()
                        .filter(|r| r.master == "*")
                        .map(|r| vec![r.id, r.ip.clone(), r.ip, r.name])
                        .collect();
                    let text = table(&["id", "host", "ip", "node"], &rows);
                    cat(&text, rows, &q)
                },
            )
            .await
        }
        ["_cat", "shards"] | ["_cat", "shards", _] if get => {
            read(
                shared,
                node,
                api(ApiRequest::CatShards),
                master_timeout,
                |sim, c| {
                    let text = sim.cat_shards(c);
                    let rows = sim
                        .cat_shards_rows(c)
                        .into_iter()
                        .map(|r| {
                            vec![
                                r.index.into(),
                                r.shard.to_string(),
                                r.prirep.into(),
                                r.state,
                                r.docs,
                                r.store,
                                r.ip,
                                r.node,
                            ]
                        })
                        .collect();
                    cat(&text, rows, &q)
                },
            )
            .await
        }
        ["_cat", "allocation"] | ["_cat", "allocation", _] if get => {
            read(
                shared,
                node,
                api(ApiRequest::CatAllocation),
                master_timeout,
                |sim, c| {
                    let text = sim.cat_allocation(c);
                    let bytes = quorum_sim::event::fmt_bytes;
                    let rows = sim
                        .cat_allocation_rows(c)
                        .into_iter()
                        .map(|r| {
                            vec![
                                r.shards.to_string(),
                                bytes(r.indices_bytes),
                                bytes(r.used_bytes),
                                bytes(r.avail_bytes),
                                bytes(r.total_bytes),
                                r.percent.to_string(),
                                r.ip.clone(),
                                r.ip,
                                r.name,
                            ]
                        })
                        .collect();
                    cat(&text, rows, &q)
                },
            )
            .await
        }
        ["_nodes", "stats"] | ["_nodes", "stats", ..] if get => {
            read(
                shared,
                node,
                api(ApiRequest::CatAllocation),
                master_timeout,
                |sim, c| json_response(200, nodes_stats_fs(sim, c).to_string()),
            )
            .await
        }
        ["_cluster", "settings"] if get => {
            read(
                shared,
                node,
                api(ApiRequest::GetSettings),
                master_timeout,
                |sim, c| {
                    let enable = sim.clusters()[c.index()].allocation;
                    json_response(
                        200,
                        quorum_sim::datastore::api::settings_json(enable, false),
                    )
                },
            )
            .await
        }
        ["_cluster", "settings"] if method == Method::PUT => match parse_settings(&body) {
            Ok(enable) => write(shared, api(ApiRequest::SetAllocation { enable })).await,
            Err(e) => e.response(),
        },
        ["_cluster", "voting_config_exclusions"] if post => {
            if q.get("node_ids").is_some() {
                return es_error(
                    400,
                    "illegal_argument_exception",
                    "this drill supports node_names only (node_ids are random per drill)",
                );
            }
            match q.get("node_names") {
                Some(names) if !names.is_empty() => {
                    let node_names = names.split(',').map(str::to_string).collect();
                    write(shared, api(ApiRequest::AddVotingExclusions { node_names })).await
                }
                _ => es_error(
                    400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: Please set node identifiers correctly. One and only one of [node_name], [node_names] and [node_ids] has to be set;",
                ),
            }
        }
        // 7.x's path form.
        ["_cluster", "voting_config_exclusions", names] if post => {
            let node_names = names.split(',').map(str::to_string).collect();
            write(shared, api(ApiRequest::AddVotingExclusions { node_names })).await
        }
        ["_cluster", "voting_config_exclusions"] if method == Method::DELETE => {
            write(shared, api(ApiRequest::ClearVotingExclusions)).await
        }
        ["_flush"] | [_, "_flush"] if post || get => write(shared, api(ApiRequest::Flush)).await,
        ["_search"] | [INDEX, "_search"] | [INDEX, "_count"] if post || get => {
            search(shared, node, segs.last() == Some(&"_count")).await
        }
        [INDEX, "_doc"] | [INDEX, "_doc", _] | [INDEX, "_create", _]
            if post || method == Method::PUT =>
        {
            let timeout = match q.time_ms("timeout", INDEX_TIMEOUT_MS) {
                Ok(ms) => ms,
                Err(e) => return e.response(),
            };
            index_doc(shared, node, segs.get(2).copied(), timeout).await
        }
        [index, "_search" | "_count" | "_doc"] | [index, "_doc", _] if *index != INDEX => es_error(
            404,
            "index_not_found_exception",
            &format!("no such index [{index}]"),
        ),
        _ => json_response(
            400,
            json!({
                "error": format!("no handler found for uri [{}] and method [{}]", path, method),
            })
            .to_string(),
        ),
    }
}

fn parse_health(s: &str) -> Option<Health> {
    match s {
        "green" => Some(Health::Green),
        "yellow" => Some(Health::Yellow),
        "red" => Some(Health::Red),
        _ => None,
    }
}

/// `GET /`: answered by the node itself, no master needed; not recorded.
async fn root(shared: &Shared, node: &str) -> Response {
    let answer = {
        let core = shared.lock();
        let sim = &core.sim;
        match sim.instance_by_name(node) {
            Some(idx) if sim.reach(idx) == Reach::Answers => {
                let uuid = sim.api_cluster(idx).map_or("_na_".to_string(), |(c, _)| {
                    sim.clusters()[c.index()].uuid.clone()
                });
                Some(uuid)
            }
            _ => None,
        }
    };
    let Some(uuid) = answer else {
        return silence().await;
    };
    let body = json!({
        "name": node,
        "cluster_name": "search-cluster",
        "cluster_uuid": uuid,
        "version": {
            "number": ES_VERSION,
            "build_flavor": "default",
            "build_type": "deb",
            "lucene_version": "9.11.1",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0"
        },
        "tagline": "You Know, for Search"
    });
    json_response(200, serde_json::to_string_pretty(&body).unwrap_or_default())
}

/// What a handler found under the lock.
enum Found<T> {
    Answer(T),
    /// The node does not answer (any more): nothing comes back.
    Silent,
    /// Not yet: look again at the next tick.
    Wait,
}

/// A read: recorded (within the budget), then answered from the sim's view once the node
/// knows a master that answers, or 503 at `master_timeout`.
async fn read<F>(
    shared: &Shared,
    node: &str,
    action: Action,
    master_timeout_ms: u64,
    render: F,
) -> Response
where
    F: Fn(&Sim, ClusterId) -> Response,
{
    let needs_master = match &action {
        Action::Api { request, .. } => request.needs_master(),
        _ => true,
    };
    let mut deadline = None;
    loop {
        let found = {
            let mut core = shared.lock();
            if deadline.is_none() {
                // The first look: recorded, and answered under the same lock.
                core.record_read(action.clone());
                deadline = Some(core.sim.now_ms().saturating_add(master_timeout_ms));
            }
            let deadline = deadline.unwrap_or(0);
            let sim = &core.sim;
            match sim.instance_by_name(node) {
                Some(idx) if sim.reach(idx) == Reach::Answers => match sim.api_cluster(idx) {
                    Some((c, master)) if master || !needs_master => Found::Answer(render(sim, c)),
                    _ if sim.now_ms() >= deadline || sim.is_over() => Found::Answer(json_response(
                        503,
                        error_json("master_not_discovered_exception", None, 503),
                    )),
                    _ => Found::Wait,
                },
                _ => Found::Silent,
            }
        };
        match found {
            Found::Answer(r) => return r,
            Found::Silent => return silence().await,
            Found::Wait => shared.next_tick().await,
        }
    }
}

/// A state-changing call: applied, answered with the sim's `ApiResponse`.
async fn write(shared: &Shared, action: Action) -> Response {
    let rx = {
        let mut core = shared.lock();
        core.apply_api(action)
    };
    let Some(rx) = rx else {
        return es_error(
            429,
            "es_rejected_execution_exception",
            "drill live: the drill is over, or its replay is full (1,500 actions or 256 KiB)",
        );
    };
    match rx.await {
        // The sim answered like curl: the node stopped answering meanwhile.
        Ok((0, _)) | Err(_) => silence().await,
        Ok((400, reason)) if !reason.starts_with('{') => {
            es_error(400, "illegal_argument_exception", &reason)
        }
        Ok((status, body)) if body.is_empty() => json_response(status, "{}".into()),
        Ok((status, body)) => json_response(status, body),
    }
}

/// `_cluster/health` with `wait_for_status` and `timeout`: 408 with `timed_out: true` when
/// the status is not reached in time, as Elasticsearch answers.
async fn health(
    shared: &Shared,
    node: &str,
    master_timeout_ms: u64,
    timeout_ms: u64,
    wait_for: Option<Health>,
) -> Response {
    let action = Action::Api {
        via: Some(node.to_string()),
        request: ApiRequest::ClusterHealth,
    };
    let started = {
        let core = shared.lock();
        core.sim.now_ms()
    };
    let first = read(shared, node, action, master_timeout_ms, |sim, c| {
        json_response(200, sim.health_json(c))
    })
    .await;
    let Some(want) = wait_for else {
        return first;
    };
    if first.status() != StatusCode::OK {
        return first;
    }
    let deadline = started.saturating_add(timeout_ms);
    loop {
        let found = {
            let core = shared.lock();
            let sim = &core.sim;
            match sim.instance_by_name(node).map(|idx| sim.api_cluster(idx)) {
                None => Found::Silent,
                Some(Some((c, true))) => {
                    let health = sim.clusters()[c.index()].health;
                    let reached = health != Health::NoMaster && health <= want;
                    if reached || sim.now_ms() >= deadline || sim.is_over() {
                        let mut body: Value =
                            serde_json::from_str(&sim.health_json(c)).unwrap_or(Value::Null);
                        body["timed_out"] = Value::Bool(!reached);
                        let status = if reached { 200 } else { 408 };
                        Found::Answer(json_response(
                            status,
                            serde_json::to_string_pretty(&body).unwrap_or_default(),
                        ))
                    } else {
                        Found::Wait
                    }
                }
                Some(_) => Found::Answer(json_response(
                    503,
                    error_json("master_not_discovered_exception", None, 503),
                )),
            }
        };
        match found {
            Found::Answer(r) => return r,
            Found::Silent => return silence().await,
            Found::Wait => shared.next_tick().await,
        }
    }
}

/// A `_cat` answer: the sim's text table (without its header unless `v`), or the chosen
/// columns (`h`), or JSON (`format=json`).
fn cat(text: &str, rows: Vec<Vec<String>>, q: &Query) -> Response {
    let headers: Vec<&str> = text
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let chosen: Option<Vec<usize>> = q.get("h").map(|h| {
        h.split(',')
            .filter_map(|name| headers.iter().position(|c| *c == name.trim()))
            .collect()
    });
    if q.get("format") == Some("json") {
        let cols: Vec<usize> = chosen.unwrap_or_else(|| (0..headers.len()).collect());
        let list: Vec<Value> = rows
            .iter()
            .map(|row| {
                let mut obj = serde_json::Map::new();
                for &i in &cols {
                    let v = row.get(i).cloned().unwrap_or_default();
                    let v = if v.is_empty() {
                        Value::Null
                    } else {
                        Value::String(v)
                    };
                    obj.insert(headers[i].to_string(), v);
                }
                Value::Object(obj)
            })
            .collect();
        return json_response(200, Value::Array(list).to_string());
    }
    let out = match chosen {
        None => {
            if q.flag("v") {
                text.to_string()
            } else {
                text.lines().skip(1).map(|l| format!("{l}\n")).collect()
            }
        }
        Some(cols) => {
            let names: Vec<&str> = cols.iter().map(|&i| headers[i]).collect();
            let picked: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    cols.iter()
                        .map(|&i| r.get(i).cloned().unwrap_or_default())
                        .collect()
                })
                .collect();
            let t = table(&names, &picked);
            if q.flag("v") {
                t
            } else {
                t.lines().skip(1).map(|l| format!("{l}\n")).collect()
            }
        }
    };
    text_response(out)
}

/// A text table with a header, columns padded to their widest cell.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                l.push_str(&format!("{cell:<w$} ", w = widths[i]));
            }
        }
        l.push('\n');
        l
    };
    let mut out = line(headers.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// `_cat/health` from the sim's `_cluster/health`.
fn cat_health(sim: &Sim, c: ClusterId, q: &Query) -> Response {
    let h: Value = serde_json::from_str(&sim.health_json(c)).unwrap_or(Value::Null);
    let n = |k: &str| h[k].as_u64().unwrap_or(0).to_string();
    let secs = sim.now_ms() / 1000;
    let clock = fmt_clock(sim.now_ms());
    let percent = format!(
        "{:.1}%",
        h["active_shards_percent_as_number"].as_f64().unwrap_or(0.0)
    );
    let row = vec![
        (DRILL_EPOCH_S + secs).to_string(),
        format!("00:{clock}"),
        "search-cluster".to_string(),
        h["status"].as_str().unwrap_or("red").to_string(),
        n("number_of_nodes"),
        n("number_of_data_nodes"),
        n("active_shards"),
        n("active_primary_shards"),
        n("relocating_shards"),
        n("initializing_shards"),
        n("unassigned_shards"),
        n("number_of_pending_tasks"),
        "-".to_string(),
        percent,
    ];
    let headers = [
        "epoch",
        "timestamp",
        "cluster",
        "status",
        "node.total",
        "node.data",
        "shards",
        "pri",
        "relo",
        "init",
        "unassign",
        "pending_tasks",
        "max_task_wait_time",
        "active_shards_percent",
    ];
    let rows = vec![row];
    let text = table(&headers, &rows);
    cat(&text, rows, q)
}

/// `_nodes/stats/fs` from the sim's `_cat/allocation` rows (bytes).
fn nodes_stats_fs(sim: &Sim, c: ClusterId) -> Value {
    let ids: Vec<(String, String)> = sim
        .cat_nodes_rows(c)
        .into_iter()
        .map(|r| (r.name, r.id))
        .collect();
    let mut nodes = serde_json::Map::new();
    let rows = sim.cat_allocation_rows(c);
    for r in &rows {
        let id = ids
            .iter()
            .find(|(n, _)| *n == r.name)
            .map_or(r.name.clone(), |(_, id)| id.clone());
        nodes.insert(
            id,
            json!({
                "timestamp": (DRILL_EPOCH_S * 1000) + sim.now_ms(),
                "name": r.name,
                "transport_address": format!("{}:9300", r.ip),
                "host": r.ip,
                "ip": format!("{}:9300", r.ip),
                "roles": ["data", "ingest", "master"],
                "fs": {
                    "timestamp": (DRILL_EPOCH_S * 1000) + sim.now_ms(),
                    "total": {
                        "total_in_bytes": r.total_bytes,
                        "free_in_bytes": r.avail_bytes,
                        "available_in_bytes": r.avail_bytes,
                    },
                    "data": [{
                        "path": "/var/lib/elasticsearch",
                        "mount": "/ (/dev/nvme0n1p1)",
                        "type": "ext4",
                        "total_in_bytes": r.total_bytes,
                        "free_in_bytes": r.avail_bytes,
                        "available_in_bytes": r.avail_bytes,
                    }],
                }
            }),
        );
    }
    json!({
        "_nodes": {"total": rows.len(), "successful": rows.len(), "failed": 0},
        "cluster_name": "search-cluster",
        "nodes": nodes,
    })
}

/// `PUT _cluster/settings`: `cluster.routing.allocation.enable`, persistent or transient,
/// flat or nested; `null` resets it to `all`. Other settings are refused as unknown.
fn parse_settings(body: &[u8]) -> Result<AllocationEnable, EsError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| EsError {
        status: 400,
        kind: "x_content_parse_exception",
        reason: format!("[1:1] failed to parse the request body: {e}"),
    })?;
    let mut found = None;
    for scope in ["persistent", "transient"] {
        let Some(obj) = v.get(scope) else { continue };
        let mut flat = serde_json::Map::new();
        flatten("", obj, &mut flat);
        for (key, value) in flat {
            if key != "cluster.routing.allocation.enable" {
                return Err(EsError {
                    status: 400,
                    kind: "illegal_argument_exception",
                    reason: format!("{scope} setting [{key}], not recognized by this drill (it supports cluster.routing.allocation.enable)"),
                });
            }
            let enable = match &value {
                Value::Null => Some(AllocationEnable::All),
                Value::String(s) => AllocationEnable::parse(s),
                _ => None,
            };
            found = Some(enable.ok_or_else(|| EsError {
                status: 400,
                kind: "illegal_argument_exception",
                reason: format!("Illegal allocation.enable value [{value}]"),
            })?);
        }
    }
    found.ok_or_else(|| EsError {
        status: 400,
        kind: "action_request_validation_exception",
        reason: "Validation Failed: 1: no settings to update;".into(),
    })
}

fn flatten(prefix: &str, v: &Value, out: &mut serde_json::Map<String, Value>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, child, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// The answer when the replay has no room for another action: the request is not counted,
/// and says so (as a full write queue answers: 429).
fn replay_full() -> Response {
    es_error(
        429,
        "es_rejected_execution_exception",
        "drill live: the drill is over, or its replay is full (1,500 actions or 256 KiB)",
    )
}

/// The documents in `app`: the active primaries' counts.
fn app_docs(sim: &Sim) -> u64 {
    sim.cat_shards_rows(ClusterId::MAIN)
        .iter()
        .filter(|r| r.prirep == "p" && (r.state == "STARTED" || r.state == "RELOCATING"))
        .filter_map(|r| r.docs.parse::<u64>().ok())
        .sum()
}

/// The block a node that is up but not in the cluster answers with: it has no cluster state
/// from a master (Elasticsearch's `STATE_NOT_RECOVERED_BLOCK`, and for writes
/// `NO_MASTER_BLOCK_WRITES` too).
const NOT_RECOVERED: &str =
    "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];";

/// `_search` / `_count` on `app`, counted into the drill's traffic: the sim decides
/// ([`Sim::app_outcome`], the app's own rule) and records it ([`super::Core::record_app`]);
/// this renders it. A shard without an answering copy makes the result partial (200 with
/// `_shards.failed`, which the app counts as failed) or, for every shard, a 503.
async fn search(shared: &Shared, node: &str, count: bool) -> Response {
    let found = {
        let mut core = shared.lock();
        core.record_app(node, AppRequest::Search)
            .map(|o| (o, app_docs(&core.sim), core.sim.main_cluster().shards.len()))
    };
    let Some((outcome, docs, total)) = found else {
        return replay_full();
    };
    let failed = match outcome {
        AppOutcome::Unreachable => return silence().await,
        AppOutcome::NotInCluster => return es_error(503, "cluster_block_exception", NOT_RECOVERED),
        AppOutcome::ShardsFailed { failed, total } if failed >= total => {
            let body = json!({
                "error": {
                    "root_cause": [],
                    "type": "search_phase_execution_exception",
                    "reason": "all shards failed",
                    "phase": "query",
                    "grouped": true,
                    "failed_shards": []
                },
                "status": 503
            });
            return json_response(503, body.to_string());
        }
        AppOutcome::ShardsFailed { failed, .. } => failed as usize,
        _ => 0,
    };
    let mut shards =
        json!({"total": total, "successful": total - failed, "skipped": 0, "failed": failed});
    if failed > 0 {
        let reason = json!({"type": "no_shard_available_action_exception", "reason": null});
        shards["failures"] = json!([{"shard": -1, "index": INDEX, "reason": reason}]);
    }
    let body = if count {
        json!({"count": docs, "_shards": shards})
    } else {
        json!({
            "took": 3,
            "timed_out": false,
            "_shards": shards,
            "hits": {"total": {"value": docs.min(10_000), "relation": if docs > 10_000 { "gte" } else { "eq" }}, "max_score": null, "hits": []}
        })
    };
    json_response(200, body.to_string())
}

/// Indexing a document into `app`, counted into the drill's traffic. The sim decides
/// ([`Sim::app_outcome`]): a write that stalls (the no-master block, a copy on a silent
/// member) waits, as Elasticsearch retries it, until it no longer stalls or `timeout`
/// (default 1 min) passes, and is recorded when it is answered; the flood-stage block is a
/// 429, a missing primary a 503, at once.
async fn index_doc(shared: &Shared, node: &str, id: Option<&str>, timeout_ms: u64) -> Response {
    let (id, deadline) = {
        let mut core = shared.lock();
        let id = match id {
            Some(id) => id.to_string(),
            None => core.request_id().replace('-', "")[..20].to_string(),
        };
        (id, core.sim.now_ms().saturating_add(timeout_ms))
    };
    let outcome = loop {
        let decided = {
            let mut core = shared.lock();
            let waiting = core.sim.app_outcome(node, AppRequest::Index).stalls();
            if waiting && core.sim.now_ms() < deadline && !core.sim.is_over() {
                None
            } else {
                Some(core.record_app(node, AppRequest::Index))
            }
        };
        match decided {
            Some(Some(outcome)) => break outcome,
            Some(None) => return replay_full(),
            None => shared.next_tick().await,
        }
    };
    match outcome {
        AppOutcome::Unreachable => silence().await,
        AppOutcome::NotInCluster => es_error(
            503,
            "cluster_block_exception",
            &format!("{NOT_RECOVERED}[SERVICE_UNAVAILABLE/2/no master];"),
        ),
        AppOutcome::Write { shard, write } => match write {
            ShardWrite::Writable => {
                let body = json!({
                    "_index": INDEX, "_id": id, "_version": 1, "result": "created",
                    "_shards": {"total": 2, "successful": 2, "failed": 0},
                    "_seq_no": 0, "_primary_term": 1
                });
                json_response(201, body.to_string())
            }
            ShardWrite::ReadOnly => es_error(429, "cluster_block_exception", "index [app] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];"),
            ShardWrite::NoPrimary => es_error(
                503,
                "unavailable_shards_exception",
                &format!("[{INDEX}][{shard}] primary shard is not active"),
            ),
            ShardWrite::Stalls { no_master: true } => es_error(
                503,
                "cluster_block_exception",
                "blocked by: [SERVICE_UNAVAILABLE/2/no master];",
            ),
            // Replication has no timeout: the client gives up first (counted as failed).
            ShardWrite::Stalls { no_master: false } => silence().await,
        },
        // Not an index outcome.
        AppOutcome::Served | AppOutcome::ShardsFailed { .. } => json_response(500, "{}".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_value_past_the_millisecond_range_is_refused_not_wrapped() {
        assert_eq!(parse_time_ms("213503982335d"), None);
        assert_eq!(parse_time_ms("18446744073709551615s"), None);
        assert_eq!(parse_time_ms("18446744073709551615ms"), Some(u64::MAX));
        assert_eq!(parse_time_ms("99999999999999999999ms"), None);
        assert_eq!(parse_time_ms("-1"), Some(u64::MAX));
        assert_eq!(parse_time_ms("0"), Some(0));
        assert_eq!(parse_time_ms("-2"), None);
    }

    #[test]
    fn time_values_read_like_elasticsearch() {
        assert_eq!(parse_time_ms("30s"), Some(30_000));
        assert_eq!(parse_time_ms("500ms"), Some(500));
        assert_eq!(parse_time_ms("2m"), Some(120_000));
        assert_eq!(parse_time_ms("30"), None);
        assert_eq!(parse_time_ms("s"), None);
        assert_eq!(parse_time_ms("3x"), None);
    }

    #[test]
    fn settings_bodies_flat_and_nested() {
        let flat = br#"{"persistent":{"cluster.routing.allocation.enable":"primaries"}}"#;
        assert_eq!(parse_settings(flat).ok(), Some(AllocationEnable::Primaries));
        let nested = br#"{"transient":{"cluster":{"routing":{"allocation":{"enable":null}}}}}"#;
        assert_eq!(parse_settings(nested).ok(), Some(AllocationEnable::All));
        assert!(parse_settings(br#"{"persistent":{"x.y":1}}"#).is_err());
        assert!(parse_settings(b"not json").is_err());
    }
}
