//! Team-drill rooms on loopback (issue 14). `cargo bench -p drill --bench rooms`.
//!
//! A release `drill serve` child; the members are WebSocket clients in this process, each
//! running the sim from its room's log (`quorum_proto::lockstep::Follower`) and reporting
//! its event-log hash at every checkpoint, as the game will.
//!
//! 1. 50 rooms × 4 members (commander, operator, communications, game master) at 1×: each
//!    operator proposes a read-only call about once a second; the figure is the time from
//!    the operator's send to the stamped entry received by every member of the room, p50 /
//!    p99 / max over all intents. Target p99 ≤ 150 ms: a miss exits 1.
//! 2. The server's RSS (VmRSS of the child) with no room, with 50 and with 200 rooms of 4
//!    connected members: per room = the growth / rooms.
//! 3. 200 rooms × 4 members held for `QD_BENCH_HOLD_S` (default 30 s) at 16× (8 checkpoints
//!    each): divergences flagged by the server must be 0 (else exit 1).
//!
//! Knobs: `QD_BENCH_ROOMS_P99` (rooms of step 1, default 50), `QD_BENCH_INTENT_S` (seconds of
//! intents in step 1, default 20), `QD_BENCH_HOLD_S`.

#[path = "../tests/common/child.rs"]
mod child;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use quorum_proto::lockstep::Follower;
use quorum_proto::team::*;
use quorum_sim::{scenario, Action, ApiRequest};
use tokio_tungstenite::tungstenite::Message;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    process: std::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_drill"));
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--rate-limit", "0"])
            .args(["--identity-rate", "0", "--max-connections-per-ip", "4000"])
            .arg("--db")
            .arg(dir.path().join("drill.db"))
            .arg("--dist")
            .arg(&dist)
            .stderr(std::process::Stdio::null());
        let (process, addr, _) = child::spawn_serve(command);
        Server {
            process,
            addr,
            _dir: dir,
        }
    }

    /// The child's resident set, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// When each member of a room received each entry (seq → times).
type Received = Arc<Mutex<HashMap<u64, Vec<Instant>>>>;

struct Room {
    operator: tokio::sync::mpsc::UnboundedSender<ClientMsg>,
    received: Received,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

async fn open_room(http: &reqwest::Client, addr: &str, speed: u32, seed: u64) -> RoomOpened {
    http.post(format!("http://{addr}/api/rooms"))
        .json(&serde_json::json!({"scenario_id": "seed-ami-trap", "seed": seed, "speed": speed}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// One member: follows the log, reports checkpoints, notes when each entry arrived.
async fn member(
    addr: &str,
    code: &str,
    hello: ClientMsg,
    received: Received,
    divergences: Arc<AtomicU64>,
) -> (
    tokio::sync::mpsc::UnboundedSender<ClientMsg>,
    tokio::task::JoinHandle<()>,
) {
    let url = format!("ws://{addr}/api/rooms/{code}/ws");
    let (ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let (mut sink, mut stream) = ws.split();
    let (tx, mut outbox) = tokio::sync::mpsc::unbounded_channel::<ClientMsg>();
    sink.send(Message::Text(serde_json::to_string(&hello).unwrap().into()))
        .await
        .unwrap();
    let task = tokio::spawn(async move {
        let mut follower: Option<Follower> = None;
        let mut clock: Option<(u64, u64)> = None;
        loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(Ok(Message::Text(text))) = msg else { return };
                    let at = Instant::now();
                    let Ok(msg) = serde_json::from_str::<ServerMsg>(&text) else { continue };
                    match msg {
                        ServerMsg::Welcome { room, log, .. } => {
                            let s = scenario::builtin(&room.scenario_id).unwrap();
                            let mut f = Follower::new(s, room.seed);
                            for e in &log { f.take(e).unwrap(); }
                            follower = Some(f);
                        }
                        ServerMsg::Entry { entry } => {
                            received.lock().unwrap().entry(entry.seq).or_default().push(at);
                            if let Some(f) = follower.as_mut() { f.take(&entry).unwrap(); }
                        }
                        ServerMsg::Clock { until_ms, last_seq } => clock = Some((until_ms, last_seq)),
                        ServerMsg::Divergence { .. } => { divergences.fetch_add(1, Ordering::Relaxed); }
                        _ => {}
                    }
                    if let (Some(f), Some((until, seq))) = (follower.as_mut(), clock) {
                        if f.last_seq() >= seq {
                            let mut reports = Vec::new();
                            f.run_to(until, |sim| reports.push((sim.now_ms(), sim.event_log_hash())));
                            for (tick_ms, hash) in reports {
                                let text = serde_json::to_string(&ClientMsg::Checkpoint { tick_ms, hash }).unwrap();
                                if sink.send(Message::Text(text.into())).await.is_err() { return; }
                            }
                        }
                    }
                }
                Some(out) = outbox.recv() => {
                    let text = serde_json::to_string(&out).unwrap();
                    if sink.send(Message::Text(text.into())).await.is_err() { return; }
                }
            }
        }
    });
    (tx, task)
}

async fn room(
    http: &reqwest::Client,
    addr: &str,
    speed: u32,
    seed: u64,
    divergences: &Arc<AtomicU64>,
) -> Room {
    let opened = open_room(http, addr, speed, seed).await;
    let received: Received = Arc::default();
    let hello = |role: Role, name: &str, key: Option<String>| ClientMsg::Hello {
        role,
        name: name.into(),
        last_seq: None,
        token: None,
        host_key: key,
        identity: None,
    };
    let mut tasks = Vec::new();
    let mut operator = None;
    for (role, name) in [
        (Role::Commander, "ic"),
        (Role::Operator, "op"),
        (Role::Communications, "comms"),
        (Role::GameMaster, "gm"),
    ] {
        let key = (role == Role::GameMaster).then(|| opened.host_key.clone());
        let (tx, task) = member(
            addr,
            &opened.code,
            hello(role, name, key),
            received.clone(),
            divergences.clone(),
        )
        .await;
        if role == Role::Operator {
            operator = Some(tx);
        }
        tasks.push(task);
    }
    Room {
        operator: operator.unwrap(),
        received,
        tasks,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let p99_rooms = env_u64("QD_BENCH_ROOMS_P99", 50);
    let intent_s = env_u64("QD_BENCH_INTENT_S", 20);
    let hold_s = env_u64("QD_BENCH_HOLD_S", 30);
    let server = Server::start();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let divergences = Arc::new(AtomicU64::new(0));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_empty = server.rss_kib();

    // 1. Latency at 1×.
    let mut rooms = Vec::new();
    for i in 0..p99_rooms {
        rooms.push(room(&http, &server.addr, 1, i + 1, &divergences).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_50 = server.rss_kib();
    let health = Action::Api {
        via: None,
        request: ApiRequest::ClusterHealth,
    };
    // (room, time sent, entries the room had when sent)
    let mut sent: Vec<(usize, Instant, usize)> = Vec::new();
    let started = Instant::now();
    let mut k = 0usize;
    while started.elapsed() < Duration::from_secs(intent_s) {
        // One intent per room per second, spread over the second.
        let r = k % rooms.len();
        let had = rooms[r].received.lock().unwrap().len();
        sent.push((r, Instant::now(), had));
        rooms[r]
            .operator
            .send(ClientMsg::Propose {
                action: health.clone(),
            })
            .unwrap();
        k += 1;
        tokio::time::sleep(Duration::from_millis(1000 / rooms.len() as u64)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Each intent's entry: in a room, the operator's actions come in the order sent; match
    // the n-th intent of a room with the n-th health entry, by seq order.
    let mut latencies_ms: Vec<f64> = Vec::new();
    let mut missing = 0usize;
    for (r, room) in rooms.iter().enumerate() {
        let got = room.received.lock().unwrap().clone();
        let mut seqs: Vec<&u64> = got.keys().collect();
        seqs.sort();
        // Entries that every member received, after the ones before the first intent.
        let mine: Vec<&(usize, Instant, usize)> = sent.iter().filter(|s| s.0 == r).collect();
        let first = mine.first().map_or(0, |s| s.2);
        // The room's entries after the joins: joins are 4 entries, then only the intents.
        let entries: Vec<&u64> = seqs.into_iter().filter(|s| **s as usize > first).collect();
        for (n, (_, at, _)) in mine.iter().enumerate() {
            let Some(seq) = entries.get(n) else {
                missing += 1;
                continue;
            };
            let times = &got[*seq];
            if times.len() < 4 {
                missing += 1;
                continue;
            }
            let last = times.iter().max().unwrap();
            latencies_ms.push(last.duration_since(*at).as_secs_f64() * 1000.0);
        }
    }
    latencies_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p50 = percentile(&latencies_ms, 0.50);
    let p99 = percentile(&latencies_ms, 0.99);
    let max = latencies_ms.last().copied().unwrap_or(f64::NAN);
    println!(
        "rooms: {p99_rooms} rooms x 4 members at 1x, {} intents: operator's send -> entry at every member p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms (target p99 <= 150 ms; {missing} missing)",
        latencies_ms.len()
    );
    for r in rooms.drain(..) {
        for t in r.tasks {
            t.abort();
        }
    }

    // 2–3. 200 rooms at 16×, held.
    let mut held = Vec::new();
    for i in 0..200 {
        held.push(room(&http, &server.addr, 16, 1000 + i, &divergences).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_250 = server.rss_kib();
    let per_room_50 = rss_50.saturating_sub(rss_empty) as f64 / p99_rooms as f64;
    let per_room_250 = rss_250.saturating_sub(rss_empty) as f64 / (p99_rooms + 200) as f64;
    println!(
        "rooms: server RSS {rss_empty} KiB empty, {rss_50} KiB with {p99_rooms} rooms ({per_room_50:.0} KiB a room), {rss_250} KiB with {} rooms opened ({per_room_250:.0} KiB a room; 200 with members)",
        p99_rooms + 200
    );
    let cpu_before = cpu_ticks(server.process.id());
    let hold_started = Instant::now();
    tokio::time::sleep(Duration::from_secs(hold_s)).await;
    let cpu_s = (cpu_ticks(server.process.id()) - cpu_before) as f64 / 100.0;
    let alive = held
        .iter()
        .filter(|r| r.tasks.iter().all(|t| !t.is_finished()))
        .count();
    let flagged = divergences.load(Ordering::Relaxed);
    println!(
        "rooms: 200 rooms x 4 members at 16x held {:.0} s ({} sim checkpoints each): {alive} rooms with all members connected, {flagged} divergences flagged; server CPU {:.2} core-s/s ({:.1} ms/s a room)",
        hold_started.elapsed().as_secs_f64(),
        hold_s * 16 / 60,
        cpu_s / hold_s as f64,
        cpu_s * 1000.0 / hold_s as f64 / 200.0
    );
    let mut failed = false;
    if p99.is_nan() || p99 > 150.0 || missing > 0 {
        eprintln!("rooms: p99 target missed (or intents lost)");
        failed = true;
    }
    if flagged > 0 || alive < 200 {
        eprintln!("rooms: divergence or dropped members while held");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}

/// utime + stime of a process, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields after the command: state is 0, utime is 11, stime 12.
    get(11) + get(12)
}
