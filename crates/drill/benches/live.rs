//! `drill live` benchmark: request latency per endpoint under 50 concurrent clients at 1×,
//! and the drift between sim time and wall clock × speed.
//!
//! `cargo bench -p drill --bench live` (release profile). Starts a live drill in-process on
//! loopback (`sandbox`, seed 1, 1×) and, for each endpoint in turn, runs 50 clients (one
//! keep-alive connection each) for `QD_BENCH_LIVE_SECS` (default 5) seconds, each sending a
//! request every `QD_BENCH_LIVE_PACE_MS` (default 10: 5,000 requests/s in all, far above
//! what trainees' tools send), then back to back (pace 0: as many as two shared cores
//! serve, which measures the scheduler as much as the server); prints p50/p99/max per
//! endpoint and pace. The target holds for the paced run. Then runs a drill at 10× for
//! `QD_BENCH_DRIFT_SECS` (default 60: ten sim minutes) under 50 clients polling
//! `_cluster/health`, and prints the largest |sim time − wall × speed| seen by the ticker.
//! Exits non-zero if an endpoint's p99 is over 5 ms or the drift over 100 ms.
//!
//! The issue's long run: `QD_LIVE_DRIFT_WALL_S=600` runs the drift part for that many wall
//! seconds at `QD_LIVE_DRIFT_SPEED` (default 1×, so 600 s is ten sim minutes of the
//! 30-minute sandbox), with the 50 clients each sending one request every
//! `QD_LIVE_DRIFT_PACE_MS` (default 100 in this mode) that acts on the sim: in turn
//! `_cluster/health`, a search on `app` and a document indexed into it.
//! `QD_LIVE_ONLY=drift` or `=latency` runs one part.

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use drill::live::{self, LiveConfig};

const TARGET_P99_MS: f64 = 5.0;
const TARGET_DRIFT_MS: f64 = 100.0;
const CLIENTS: usize = 50;
const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

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

fn secs(var: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
    )
}

fn free_ports(n: u16, from: u16) -> u16 {
    (from..60_000)
        .step_by(n as usize)
        .find(|&base| (0..n).all(|k| TcpListener::bind((LOCALHOST, base + k)).is_ok()))
        .expect("free ports")
}

async fn start(speed: f64, from: u16) -> live::LiveHandle {
    let config = LiveConfig {
        scenario: quorum_sim::scenario::builtin("sandbox")
            .expect("sandbox")
            .clone(),
        seed: 1,
        speed,
        bind: LOCALHOST,
        es_port: free_ports(8, from),
        ec2_port: 0,
        view: None,
    };
    let handle = live::start(config).await.expect("drill live");
    tokio::time::sleep(Duration::from_millis(100)).await;
    handle
}

#[derive(Clone)]
enum Req {
    Get(String),
    Ec2(String, &'static str),
    /// A JSON body posted (a document indexed).
    Post(String, &'static str),
    /// `_cluster/health`, a search and an index on the app's index, in turn (from `es`).
    Mixed(String),
}

/// `CLIENTS` clients sending `req` back to back for `how_long`; every latency.
async fn load(req: Req, how_long: Duration, pace: Duration) -> Vec<Duration> {
    let end = Instant::now() + how_long;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let req = req.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut times = Vec::new();
            let mut next = Instant::now();
            let mut turn = 0usize;
            while Instant::now() < end {
                turn += 1;
                if !pace.is_zero() {
                    tokio::time::sleep_until(next.into()).await;
                    next += pace;
                }
                let t = Instant::now();
                let r = match &req {
                    Req::Get(url) => http.get(url).send().await,
                    Req::Ec2(url, action) => {
                        http.post(url)
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(format!("Action={action}&Version=2016-11-15"))
                            .send()
                            .await
                    }
                    Req::Post(url, body) => {
                        http.post(url)
                            .header("content-type", "application/json")
                            .body(*body)
                            .send()
                            .await
                    }
                    Req::Mixed(es) => match turn % 3 {
                        0 => http.get(format!("{es}/_cluster/health")).send().await,
                        1 => http.get(format!("{es}/app/_search")).send().await,
                        _ => {
                            http.post(format!("{es}/app/_doc"))
                                .header("content-type", "application/json")
                                .body(r#"{"message":"bench"}"#)
                                .send()
                                .await
                        }
                    },
                };
                let r = r.expect("answered");
                // The mixed load meets what the sandbox does (its answers are the sim's);
                // only the time to the answer is measured.
                let mixed = matches!(req, Req::Mixed(_));
                assert!(mixed || r.status().is_success(), "{}", r.status());
                r.bytes().await.expect("body");
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    all
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let only = std::env::var("QD_LIVE_ONLY").unwrap_or_default();
    let long_wall_s: Option<u64> = std::env::var("QD_LIVE_DRIFT_WALL_S")
        .ok()
        .and_then(|v| v.parse().ok());
    let failed = runtime.block_on(async {
        let mut failed = false;
        if only != "drift" {
            failed |= latency().await;
        }
        if only != "latency" {
            failed |= drift(long_wall_s).await;
        }
        failed
    });
    if failed {
        std::process::exit(1);
    }
}

/// p99 per endpoint under 50 clients at 1×; `true` if a target is missed.
async fn latency() -> bool {
    let mut failed = false;
    {
        let handle = start(1.0, 27_000).await;
        let es = format!("http://{}", handle.es_addr(1));
        let ec2 = format!("http://{}/", handle.ec2_addr);
        let endpoints = [
            (
                "GET _cluster/health",
                Req::Get(format!("{es}/_cluster/health")),
            ),
            ("GET _cat/nodes?v", Req::Get(format!("{es}/_cat/nodes?v"))),
            (
                "GET _cat/shards?format=json",
                Req::Get(format!("{es}/_cat/shards?format=json")),
            ),
            (
                "GET _nodes/stats/fs",
                Req::Get(format!("{es}/_nodes/stats/fs")),
            ),
            ("GET app/_search", Req::Get(format!("{es}/app/_search"))),
            (
                "POST app/_doc",
                Req::Post(format!("{es}/app/_doc"), r#"{"message":"bench"}"#),
            ),
            (
                "EC2 DescribeInstances",
                Req::Ec2(ec2.clone(), "DescribeInstances"),
            ),
            (
                "EC2 DescribeInstanceStatus",
                Req::Ec2(ec2.clone(), "DescribeInstanceStatus"),
            ),
        ];
        let how_long = secs("QD_BENCH_LIVE_SECS", 5);
        let pace_ms: u64 = std::env::var("QD_BENCH_LIVE_PACE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        for (name, req) in endpoints {
            for pace in [pace_ms, 0] {
                let times = load(req.clone(), how_long, Duration::from_millis(pace)).await;
                let p99 = ms(percentile(&times, 99.0));
                let (how, verdict) = if pace == 0 {
                    // As many requests as two shared cores serve: a figure, not the target's
                    // load (the paced run is).
                    (
                        "back to back".to_string(),
                        if p99 <= TARGET_P99_MS {
                            "within it, though it applies to the paced run"
                        } else {
                            "over, but it applies to the paced run"
                        },
                    )
                } else {
                    failed |= p99 > TARGET_P99_MS;
                    (
                        format!("one request per {pace} ms each"),
                        if p99 <= TARGET_P99_MS { "ok" } else { "OVER" },
                    )
                };
                println!(
                    "live latency {name}: {} requests by {CLIENTS} clients at 1x ({how}), p50 {:.2} ms, p99 {p99:.2} ms, max {:.2} ms (target p99 <= {TARGET_P99_MS} ms: {verdict})",
                    times.len(),
                    ms(percentile(&times, 50.0)),
                    ms(*times.last().unwrap_or(&Duration::ZERO)),
                );
            }
        }
        handle.stop().await;
    }
    failed
}

/// The drift between sim time and wall clock × speed under 50 clients; `true` if over.
/// `long_wall_s`: the issue's long run (1×, requests that act), else 60 s at 10×.
async fn drift(long_wall_s: Option<u64>) -> bool {
    let env_f64 = |var: &str| std::env::var(var).ok().and_then(|v| v.parse::<f64>().ok());
    let env_u64 = |var: &str| std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok());
    let (speed, run, pace_ms) = match long_wall_s {
        Some(wall_s) => (
            env_f64("QD_LIVE_DRIFT_SPEED").unwrap_or(1.0),
            Duration::from_secs(wall_s),
            env_u64("QD_LIVE_DRIFT_PACE_MS").unwrap_or(100),
        ),
        None => (
            10.0,
            secs("QD_BENCH_DRIFT_SECS", 60),
            env_u64("QD_BENCH_LIVE_PACE_MS").unwrap_or(10),
        ),
    };
    let mut failed = false;
    {
        let handle = start(speed, 28_000).await;
        let es = format!("http://{}", handle.es_addr(1));
        let req = match long_wall_s {
            Some(_) => Req::Mixed(es),
            None => Req::Get(format!("{es}/_cluster/health")),
        };
        let started = Instant::now();
        let times = load(req, run, Duration::from_millis(pace_ms)).await;
        let sim_ms = handle.shared().lock().sim.now_ms();
        let outcome = handle.stop().await;
        let drift = outcome.max_drift_ms;
        let verdict = if drift <= TARGET_DRIFT_MS {
            "ok"
        } else {
            "OVER"
        };
        failed |= drift > TARGET_DRIFT_MS;
        println!(
            "live drift: {:.0} s wall at {speed}x ({} sim, {} requests by {CLIENTS} clients meanwhile, one per {pace_ms} ms each): max |sim − wall × speed| {drift:.1} ms where requests act (target <= {TARGET_DRIFT_MS} ms: {verdict}); before an advance at most {:.1} ms behind, {} of {} advances more than 100 ms behind (the 5 ms ticker descheduled)",
            started.elapsed().as_secs_f64(),
            quorum_sim::time::fmt_clock(sim_ms),
            times.len(),
            outcome.max_lag_ms,
            outcome.lagged,
            outcome.advances
        );
    }
    failed
}
