//! Leaderboard benchmark: verified submissions per second and submit latency.
//!
//! `cargo bench -p drill --bench submit` (release profile). Prints:
//!
//! 1. Re-simulation cost alone: `seed-ami-trap` (45 sim-minutes) replays verified on one
//!    core and on every core, and the same scenario stretched to 60 sim-minutes (a copy of the
//!    file with `duration = "60:00"`, run directly: the server accepts only built-in
//!    scenarios, and no built-in one lasts 60 minutes).
//! 2. End to end over loopback: a release `drill serve` child process (temporary SQLite
//!    database, WAL, synchronous=FULL, rate limit off, default caps but the per-address one,
//!    since every bench client has the same address), and HTTP clients in this process
//!    submitting distinct `seed-ami-trap` replays: 50 concurrent clients, then 500, twice
//!    (the better wave of each count is its rate); verified submissions per second and
//!    p50/p99/max latency of each wave, then the server's RSS (from /proc) right after the
//!    last 500-client burst. Client and server share the
//!    machine's cores.
//!
//! Targets (issue 12), each missed one printed as `TARGET MISSED: …` and the bench exits 1:
//! no errors; the rate at 500 clients at most 20% below the rate at 50; RSS after the
//! 500-client burst at most 64 MB.
//!
//! Knob: `QD_BENCH_SUBMISSIONS` per wave (default 2500).

#[path = "../tests/common/child.rs"]
mod child;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quorum_sim::{scenario, Action, ApiRequest, Replay, TimedAction};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn at(s: u64, action: Action) -> TimedAction {
    TimedAction {
        at_ms: s * 1000,
        action,
    }
}

/// A few kinds of drill, so that the load is not one path through the engine.
fn actions(i: usize) -> Vec<TimedAction> {
    match i % 4 {
        0 => vec![],
        1 => vec![
            at(
                60,
                Action::Api {
                    via: None,
                    request: ApiRequest::ClusterHealth,
                },
            ),
            at(120, Action::Wait),
        ],
        2 => vec![at(
            120,
            Action::CreateImage {
                instance: "node-2".into(),
                name: None,
                description: None,
                no_reboot: true,
            },
        )],
        _ => vec![at(
            120,
            Action::CreateImage {
                instance: "node-2".into(),
                name: None,
                description: None,
                no_reboot: false,
            },
        )],
    }
}

fn replays(n: usize) -> Vec<Replay> {
    let trap = scenario::builtin("seed-ami-trap").expect("seed-ami-trap");
    (0..n)
        .map(|i| Replay::new(trap, i as u64 + 1, actions(i)))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn engine_only(cores: usize) {
    let sample = replays(200);
    // Warm up.
    for r in sample.iter().take(8) {
        quorum_sim::replay::verify(r).expect("valid replay");
    }
    let started = Instant::now();
    for r in &sample {
        std::hint::black_box(quorum_sim::replay::verify(r).expect("valid replay"));
    }
    let one = started.elapsed();
    println!(
        "verify seed-ami-trap (45 sim-min), 1 core:        {:>8.2} ms/replay  {:>8.0} replays/s",
        ms(one) / sample.len() as f64,
        sample.len() as f64 / one.as_secs_f64()
    );

    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = sample.get(i) else { break };
                std::hint::black_box(quorum_sim::replay::verify(r).expect("valid replay"));
            });
        }
    });
    let all = started.elapsed();
    println!(
        "verify seed-ami-trap (45 sim-min), {cores} cores:       {:>8.2} ms/replay  {:>8.0} replays/s",
        ms(all) / sample.len() as f64,
        sample.len() as f64 / all.as_secs_f64()
    );

    let source = scenario::BUILTIN_SOURCES
        .iter()
        .find(|(id, _)| *id == "seed-ami-trap")
        .unwrap()
        .1;
    let sixty = scenario::parse(&source.replace("duration = \"45:00\"", "duration = \"60:00\""))
        .expect("60-minute seed-ami-trap");
    assert_eq!(sixty.duration_ms, 3_600_000);
    let n = 100;
    let started = Instant::now();
    for i in 0..n {
        std::hint::black_box(quorum_sim::run(&sixty, i as u64 + 1, &actions(i)));
    }
    let t = started.elapsed();
    println!(
        "run seed-ami-trap stretched to 60 sim-min, 1 core: {:>8.2} ms/run      {:>8.0} runs/s (x{cores} cores ≈ {:.0}/s)",
        ms(t) / n as f64,
        n as f64 / t.as_secs_f64(),
        cores as f64 * n as f64 / t.as_secs_f64()
    );
}

/// A release `drill serve` child (the binary this bench was built with) on an ephemeral
/// port, with a fresh database; stopped on drop.
struct Child {
    process: std::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Child {
    fn start() -> Child {
        let dir = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_drill"));
        command
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--rate-limit",
                "0",
                "--identity-rate",
                "0",
            ])
            // Every bench client has the same address.
            .args(["--max-connections-per-ip", "1000"])
            .arg("--db")
            .arg(dir.path().join("bench.db"))
            .arg("--dist")
            .arg(dir.path().join("no-dist"))
            .stderr(std::process::Stdio::null());
        let (process, addr, _) = child::spawn_serve(command);
        Child {
            process,
            base: format!("http://{addr}"),
            _dir: dir,
        }
    }

    /// A field of /proc/<pid>/status, in kB as Linux writes it (`VmRSS`, `VmHWM`) or a count
    /// (`Threads`).
    fn status(&self, field: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.process.id()))
            .unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

struct Wave {
    per_s: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
}

/// `total` distinct submissions (`first_seed` on) from `clients` concurrent clients, each on
/// its own connection.
async fn wave(base: &str, first_seed: usize, total: usize, clients: usize) -> Wave {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(120))
        .no_proxy()
        .build()
        .unwrap();
    let trap = scenario::builtin("seed-ami-trap").expect("seed-ami-trap");
    let replays: Arc<Vec<Replay>> = Arc::new(
        (0..total)
            .map(|i| Replay::new(trap, (first_seed + i) as u64, actions(i)))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    // One identity per client, made before the clock starts.
    let mut tokens = Vec::with_capacity(clients);
    for _ in 0..clients {
        let minted: serde_json::Value = client
            .post(format!("{base}/api/identities"))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("an identity")
            .json()
            .await
            .expect("an identity's JSON");
        tokens.push(minted["token"].as_str().expect("a token").to_string());
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, base, replays, next, token) = (
                client.clone(),
                base.to_string(),
                replays.clone(),
                next.clone(),
                tokens[c].clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(replay) = replays.get(i) else { break };
                    let body =
                        serde_json::json!({ "player": format!("bench-{first_seed}-{c}"), "replay": replay });
                    let t0 = Instant::now();
                    let ok = match client
                        .post(format!("{base}/api/runs"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    latencies.push(t0.elapsed());
                    errors += usize::from(!ok);
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.unwrap();
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Wave {
        per_s: (total - errors) as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        max: *latencies.last().unwrap_or(&Duration::ZERO),
        errors,
    }
}

/// The targets of issue 12.
const RSS_TARGET_KB: u64 = 64 * 1024;
const MAX_DROP_AT_500: f64 = 0.20;

/// End to end over loopback against a `drill serve` child: 50 concurrent clients, then 500;
/// the server's memory after the 500-client burst. Returns the targets missed.
async fn end_to_end(total: usize) -> Vec<String> {
    let server = Child::start();
    let mut missed = Vec::new();
    // Warm up: the database file, the connection pools, the allocator.
    let _ = wave(&server.base, 1_000_000, 200, 50).await;
    let idle_kb = server.status("VmRSS");
    // Two rounds of 50 then 500 clients: each count meets a database of about the same
    // size in its turn, and the better of its two waves is its rate (another process on the
    // machine can only slow a wave down, so the better one is the nearer to what the
    // server itself can do). Both waves are printed.
    let mut best = [0.0f64; 2];
    for (wave_no, (slot, clients)) in [(0usize, 50usize), (1, 500), (0, 50), (1, 500)]
        .into_iter()
        .enumerate()
    {
        let w = wave(&server.base, 1 + wave_no * total, total, clients).await;
        println!(
            "end to end, {clients} concurrent clients, {total} submissions of seed-ami-trap (45 sim-min): \
             {:.0} verified submissions/s, latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors",
            w.per_s,
            ms(w.p50),
            ms(w.p99),
            ms(w.max),
            w.errors,
        );
        if w.errors > 0 {
            missed.push(format!("{} errors at {clients} clients", w.errors));
        }
        best[slot] = best[slot].max(w.per_s);
    }
    let rates = best;
    let after_kb = server.status("VmRSS");
    let peak_kb = server.status("VmHWM");
    let threads = server.status("Threads");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled_kb = server.status("VmRSS");
    println!(
        "server memory: RSS {:.1} MB idle, {:.1} MB right after the 500-client burst, \
         {:.1} MB 2 s later (peak {:.1} MB, {threads} threads); target <= {} MB after",
        idle_kb as f64 / 1024.0,
        after_kb as f64 / 1024.0,
        settled_kb as f64 / 1024.0,
        peak_kb as f64 / 1024.0,
        RSS_TARGET_KB / 1024
    );
    if after_kb > RSS_TARGET_KB {
        missed.push(format!(
            "RSS after the 500-client burst is {:.1} MB, over {} MB",
            after_kb as f64 / 1024.0,
            RSS_TARGET_KB / 1024
        ));
    }
    let (at_50, at_500) = (rates[0], rates[1]);
    println!(
        "rate at 500 clients / at 50 (better wave of each: {at_500:.0}/s, {at_50:.0}/s): {:.2} (target >= {:.2})",
        at_500 / at_50,
        1.0 - MAX_DROP_AT_500
    );
    if at_500 < at_50 * (1.0 - MAX_DROP_AT_500) {
        missed.push(format!(
            "{at_500:.0}/s at 500 clients is more than {:.0}% below {at_50:.0}/s at 50",
            MAX_DROP_AT_500 * 100.0
        ));
    }
    missed
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is ignored.
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    println!(
        "drill submit benchmark on {cores} cores (sim_version {})",
        quorum_sim::SIM_VERSION
    );
    engine_only(cores);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let missed = runtime.block_on(end_to_end(env_usize("QD_BENCH_SUBMISSIONS", 2500)));
    for m in &missed {
        println!("TARGET MISSED: {m}");
    }
    if !missed.is_empty() {
        std::process::exit(1);
    }
}
