//! Leaderboard benchmark: verified submissions per second and submit latency.
//!
//! `cargo bench -p drill --bench submit` (release profile). Prints:
//!
//! 1. Re-simulation cost alone: `seed-ami-trap` (45 sim-minutes) replays verified on one
//!    core and on every core, and the same scenario stretched to 60 sim-minutes (a copy of the
//!    file with `duration = "60:00"`, run directly: the server accepts only built-in
//!    scenarios, and no built-in one lasts 60 minutes).
//! 2. End to end over loopback: a real server (in-process, temporary SQLite database, WAL,
//!    synchronous=FULL, rate limit off) and 200 concurrent HTTP clients in the same process
//!    submitting distinct `seed-ami-trap` replays; submissions per second and p50/p99/max
//!    latency. Client and server share the machine's cores.
//!
//! Knobs: `QD_BENCH_SUBMISSIONS` (default 2000), `QD_BENCH_CLIENTS` (default 200).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use drill::server::{self, ServerConfig};
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

async fn end_to_end(total: usize, clients: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path().join("bench.db"), dir.path().join("dist"));
    config.rate_limit_per_minute = 0;
    config.identity_rate_per_hour = 0;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, config, async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(120))
        .no_proxy()
        .build()
        .unwrap();
    let replays = Arc::new(replays(total));
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
                base.clone(),
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
                        serde_json::json!({ "player": format!("bench-{c}"), "replay": replay });
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
    println!(
        "end to end, {clients} concurrent clients, {total} submissions of seed-ami-trap (45 sim-min): \
         {:.0} verified submissions/s, latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {errors} errors",
        total as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
    let _ = stop.send(());
    let _ = server.await;
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
    runtime.block_on(end_to_end(
        env_usize("QD_BENCH_SUBMISSIONS", 2000),
        env_usize("QD_BENCH_CLIENTS", 200),
    ));
}
