//! Load and crash tests over loopback. Bounded in count and time; they stop by themselves.
//!
//! * 200 concurrent submissions from one client: all stored exactly once, no errors; then
//!   the same 200 again, concurrently: all answered with the stored ids, nothing added.
//! * `kill -9` of the server binary in the middle of a submission load: after a restart on
//!   the same database every run that got a 2xx is there, and `PRAGMA integrity_check` is ok.

mod common;

use common::child;

use std::collections::BTreeSet;

use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use quorum_sim::{Action, Replay};
use serde_json::json;

/// Varied, valid drills: a few actions that differ per index.
fn load_replay(i: u64) -> Replay {
    let mut actions = vec![at(0, 30, Action::Wait)];
    match i % 3 {
        0 => actions.extend(careful_actions()),
        1 => actions.push(at(
            3,
            0,
            Action::Api {
                via: None,
                request: quorum_sim::ApiRequest::ClusterHealth,
            },
        )),
        _ => {}
    }
    replay(i, actions)
}

fn count_runs(db: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT replay_hash, player FROM runs)) FROM runs",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_submissions_are_each_stored_once() {
    const N: u64 = 200;
    // The limiter stays on, raised for one client sending 400 requests at once.
    let server = TestServer::start_with(|c| c.rate_limit_per_minute = 10_000).await;
    let replays: Arc<Vec<Replay>> = Arc::new((1..=N).map(load_replay).collect());
    // One identity per player, made before the load (minting is rate-limited on its own).
    let mut tokens = Vec::new();
    for i in 0..N {
        tokens.push(server.token_for(&format!("player-{i}")).await);
    }
    let tokens = Arc::new(tokens);

    let wave = |server_client: reqwest::Client, url: String| {
        let replays = replays.clone();
        let tokens = tokens.clone();
        async move {
            let started = Instant::now();
            let tasks: Vec<_> = (0..N as usize)
                .map(|i| {
                    let (client, url, replays, tokens) =
                        (server_client.clone(), url.clone(), replays.clone(), tokens.clone());
                    tokio::spawn(async move {
                        // Teams of 4: under the public board's cap of 5.
                        let body = json!({ "player": format!("player-{i}"), "team": format!("team {}", i % 50), "replay": replays[i] });
                        let response = client
                            .post(&url)
                            .bearer_auth(&tokens[i])
                            .json(&body)
                            .send()
                            .await
                            .expect("submission");
                        let status = response.status().as_u16();
                        let body: serde_json::Value = response.json().await.expect("json");
                        (status, body["id"].as_i64())
                    })
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            (results, started.elapsed())
        }
    };

    let url = server.url("/api/runs");
    let (first, elapsed) = tokio::time::timeout(
        Duration::from_secs(120),
        wave(server.client.clone(), url.clone()),
    )
    .await
    .expect("first wave finished in time");
    eprintln!("200 concurrent submissions in {elapsed:?}");
    assert!(first.iter().all(|(status, _)| *status == 201), "{first:?}");
    let ids: BTreeSet<i64> = first.iter().map(|(_, id)| id.unwrap()).collect();
    assert_eq!(ids.len(), N as usize);

    let (second, elapsed) =
        tokio::time::timeout(Duration::from_secs(120), wave(server.client.clone(), url))
            .await
            .expect("second wave finished in time");
    eprintln!("200 concurrent re-submissions in {elapsed:?}");
    assert!(
        second.iter().all(|(status, _)| *status == 200),
        "{second:?}"
    );
    let again: Vec<Option<i64>> = second.iter().map(|(_, id)| *id).collect();
    let before: Vec<Option<i64>> = first.iter().map(|(_, id)| *id).collect();
    assert_eq!(again, before);

    assert_eq!(count_runs(&server.db_path()), (N as i64, N as i64));
    server.stop().await;
}

/// A new identity's token from the server at `base` (`None` if it did not answer).
async fn mint(client: &reqwest::Client, base: &str) -> Option<String> {
    let response = client
        .post(format!("{base}/api/identities"))
        .send()
        .await
        .ok()?;
    let body: serde_json::Value = response.json().await.ok()?;
    body["token"].as_str().map(str::to_string)
}

/// A `drill serve` child process on an ephemeral port.
fn spawn_server(db: &Path, log: &Path) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_drill"));
    command
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
            "--identity-rate",
            "0",
            "--dist",
        ])
        .arg(db.parent().unwrap().join("no-dist"))
        .arg("--db")
        .arg(db)
        .stderr(std::fs::File::create(log).unwrap());
    let (child, addr, _) = child::spawn_serve(command);
    (child, format!("http://{addr}"))
}

#[test]
fn kill_9_mid_load_loses_no_acknowledged_run() {
    const MAX_SUBMISSIONS: usize = 600;
    const KILL_AFTER: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("drill.db");
    let (mut child, base) = spawn_server(&db, &dir.path().join("server-1.log"));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let acked: Arc<Mutex<Vec<(i64, String, u64)>>> = Arc::default();
    let in_flight_at_kill = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .no_proxy()
            .build()
            .unwrap();
        let next = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..16)
            .map(|_| {
                let (client, base, next, acked, in_flight, refused) = (
                    client.clone(),
                    base.clone(),
                    next.clone(),
                    acked.clone(),
                    in_flight.clone(),
                    refused.clone(),
                );
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= MAX_SUBMISSIONS {
                            return;
                        }
                        let seed = i as u64 + 1;
                        let player = format!("crash-{i}");
                        let body = json!({ "player": player, "replay": load_replay(seed) });
                        in_flight.fetch_add(1, Ordering::SeqCst);
                        let Some(token) = mint(&client, &base).await else {
                            in_flight.fetch_sub(1, Ordering::SeqCst);
                            return; // the server is gone
                        };
                        let sent = client
                            .post(format!("{base}/api/runs"))
                            .bearer_auth(token)
                            .json(&body)
                            .send()
                            .await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let Ok(response) = sent else { return }; // the server is gone
                        if response.status().is_success() {
                            let Ok(body) = response.json::<serde_json::Value>().await else {
                                return;
                            };
                            let id = body["id"].as_i64().expect("an acknowledged run has an id");
                            acked.lock().unwrap().push((id, player, seed));
                        } else {
                            eprintln!("submission {i} refused: {}", response.status());
                            refused.store(true, Ordering::SeqCst);
                            return;
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked.lock().unwrap().len() < KILL_AFTER
            && Instant::now() < deadline
            && !refused.load(Ordering::SeqCst)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let in_flight_at_kill = in_flight.load(Ordering::SeqCst);
        child.kill().expect("kill -9"); // SIGKILL on Unix
        for worker in workers {
            tokio::time::timeout(Duration::from_secs(60), worker)
                .await
                .expect("worker stops")
                .unwrap();
        }
        assert!(
            !refused.load(Ordering::SeqCst),
            "the server refused a valid submission"
        );
        in_flight_at_kill
    });
    child.wait().unwrap();
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "killed with {} acknowledged runs and {in_flight_at_kill} requests in flight",
        acked.len()
    );
    assert!(acked.len() >= KILL_AFTER, "the load never got going");
    assert!(
        acked.len() < MAX_SUBMISSIONS,
        "the kill came after the load ended"
    );

    // Restart on the same database: every acknowledged run is there, as acknowledged.
    let (mut child, base) = spawn_server(&db, &dir.path().join("server-2.log"));
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .no_proxy()
            .build()
            .unwrap();
        for (id, player, seed) in &acked {
            let response = client
                .get(format!("{base}/api/runs/{id}"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                200,
                "acknowledged run {id} is missing after the crash"
            );
            let run: serde_json::Value = response.json().await.unwrap();
            assert_eq!(
                (
                    run["player"].as_str().unwrap(),
                    run["seed"].as_u64().unwrap()
                ),
                (player.as_str(), *seed)
            );
        }
        // And the restarted server takes submissions again.
        let body = json!({ "player": "after-crash", "replay": load_replay(9_999) });
        let token = mint(&client, &base)
            .await
            .expect("an identity after the restart");
        let response = client
            .post(format!("{base}/api/runs"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    });
    child.kill().unwrap();
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(drill::db::integrity_check(&conn).unwrap(), "ok");
    let (stored, distinct) = count_runs(&db);
    assert_eq!(stored, distinct);
    assert!(
        stored as usize > acked.len(),
        "{stored} stored, {} acknowledged",
        acked.len()
    );
}
