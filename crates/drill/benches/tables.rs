//! Competition table benchmark: one page of the tables of a competition with 10,000 runs.
//!
//! `cargo bench -p drill --bench tables` (release profile). Builds a database with one
//! competition over three scenarios (two seeds each): 2,000 identities in 400 teams of 5,
//! 5 runs each (10,000 runs), written straight into the migrated schema; then serves it
//! (in-process, loopback) and times `GET /api/competitions/{code}?limit=50` (a page of the
//! individual table and a page of the team table, computed in SQL, brotli-compressed as a
//! browser asks): the first page 200 times, then every page of the individual table by its
//! cursor. Prints p50/p99/max and exits non-zero when p99 is over the target, 20 ms a page.
//! Also times a page of the public board of the scenario with the most runs (each player's
//! best, from `best_runs`), first page and deep, against the same target (*chosen*: a board
//! is read as often as a table).
//!
//! Knobs: `QD_BENCH_TABLE_RUNS` (default 10000).

use std::time::{Duration, Instant};

use drill::server::{self, ServerConfig};
use rusqlite::params;

/// The target: p99 of one page.
const TARGET_P99_MS: f64 = 20.0;

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

/// Writes the competition and `runs` runs; returns its join code.
fn seed_database(path: &std::path::Path, runs: usize) -> String {
    let mut conn = drill::db::open_writer(path).expect("database");
    let tx = conn.transaction().unwrap();
    let now = drill::timefmt::now_ms();
    let code = "BENCH234";
    tx.execute(
        "INSERT INTO competitions (code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam, team_cap)
         VALUES (?1, 'Bench cup', ?2, ?3, ?2, 1, 5)",
        params![code, now - 3_600_000, now + 3_600_000],
    )
    .unwrap();
    let competition: i64 = tx.last_insert_rowid();
    let scenarios = ["seed-ami-trap", "sandbox", "disk-full"];
    for (position, id) in scenarios.iter().enumerate() {
        tx.execute(
            "INSERT INTO competition_scenarios (competition_id, position, scenario_id, seeds)
             VALUES (?1, ?2, ?3, '[1,2]')",
            params![competition, position as i64, id],
        )
        .unwrap();
    }
    let players = runs.div_ceil(5);
    for p in 0..players {
        tx.execute(
            "INSERT INTO identities (token_sha256, created_at_ms) VALUES (?1, ?2)",
            params![format!("token-{p}").into_bytes(), now],
        )
        .unwrap();
        let identity = tx.last_insert_rowid();
        let name = format!("player {p}");
        tx.execute(
            "INSERT INTO names (board_id, identity_id, name, skeleton) VALUES (?1, ?2, ?3, ?3)",
            params![competition, identity, name],
        )
        .unwrap();
        if p % 5 == 0 {
            tx.execute(
                "INSERT INTO teams (board_id, name, skeleton) VALUES (?1, ?2, ?2)",
                params![competition, format!("team {}", p / 5)],
            )
            .unwrap();
        }
        let team: i64 = tx
            .query_row(
                "SELECT id FROM teams WHERE board_id = ?1 AND name = ?2",
                params![competition, format!("team {}", p / 5)],
                |r| r.get(0),
            )
            .unwrap();
        tx.execute(
            "INSERT INTO team_members (board_id, identity_id, team_id) VALUES (?1, ?2, ?3)",
            params![competition, identity, team],
        )
        .unwrap();
        for k in 0..5usize {
            let i = p * 5 + k;
            if i >= runs {
                break;
            }
            let scenario = scenarios[k % 3];
            // Scores spread with ties, like a real game day's.
            let score = 5_000 + ((i * 7_919) % 5_000) as i64;
            tx.execute(
                "INSERT INTO runs (created_at_ms, player, team, competition_id, scenario_id,
                    scenario_hash, seed, sim_version, replay_hash, replay_json, score, grade,
                    outage_ms, requests_total, requests_failed, reads_failed, writes_failed,
                    time_to_green_ms, final_health, event_log_hash, mode, identity_id, team_id,
                    canonical_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'h', ?6, ?7, ?8, '{}', ?9, 'A', 0, 0, 0, 0, 0, NULL,
                    'green', 'e', 'exam', ?10, ?11, ?8)",
                params![
                    now,
                    name,
                    format!("team {}", p / 5),
                    competition,
                    scenario,
                    (1 + k % 2) as i64,
                    quorum_sim::SIM_VERSION,
                    format!("run-{i}"),
                    score,
                    identity,
                    team,
                ],
            )
            .unwrap();
        }
    }
    // The standings, as the server keeps them on every write.
    drill::db::refresh_standings(&tx, None, None).unwrap();
    drill::db::refresh_best(&tx, None).unwrap();
    tx.commit().unwrap();
    code.to_string()
}

async fn bench(runs: usize) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tables.db");
    let started = Instant::now();
    let code = seed_database(&db, runs);
    if let Ok(keep) = std::env::var("QD_BENCH_KEEP_DB") {
        std::fs::copy(&db, keep).unwrap();
    }
    println!(
        "competition table: {runs} runs written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The SQL alone, on one connection: the part of a page the store answers for.
    let board_ok;
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let id: i64 = conn
            .query_row(
                "SELECT id FROM competitions WHERE code = ?1",
                [&code],
                |r| r.get(0),
            )
            .unwrap();
        let mut sql = Vec::new();
        for _ in 0..100 {
            let t0 = Instant::now();
            let (rows, _) = drill::server::tables::individuals(&conn, id, None, 50).unwrap();
            let (teams, _) = drill::server::tables::teams(&conn, id, None, 50).unwrap();
            assert_eq!((rows.len(), teams.len()), (50, 50));
            sql.push(t0.elapsed());
        }
        sql.sort();
        println!(
            "competition table page, SQL only: p50 {:.1} ms, p99 {:.1} ms",
            ms(percentile(&sql, 50.0)),
            ms(percentile(&sql, 99.0))
        );
        // The public board of the scenario with the most runs: each player's best, a page
        // of 25 (the game's), first page and deep.
        let mut board = Vec::new();
        for i in 0..100 {
            let filter = drill::db::BoardFilter {
                scenario_id: "seed-ami-trap".into(),
                scenario_hash: "h".into(),
                sim_version: quorum_sim::SIM_VERSION,
                mode: Some(quorum_sim::replay::PlayMode::Exam),
                limit: 25,
                after: (i % 2 == 1).then_some(drill::db::BoardCursor {
                    score: 7_500,
                    id: 1,
                    rank: 1_000,
                }),
                ..drill::db::BoardFilter::default()
            };
            let t0 = Instant::now();
            let rows = drill::db::leaderboard(&conn, &filter).unwrap();
            assert_eq!(rows.len(), 25);
            board.push(t0.elapsed());
        }
        board.sort();
        let board_p99 = ms(percentile(&board, 99.0));
        board_ok = board_p99 <= TARGET_P99_MS;
        println!(
            "public board page (25 of each player's best, {runs} runs), SQL only: p50 {:.1} ms, p99 {board_p99:.1} ms; \
             target p99 <= {TARGET_P99_MS} ms: {}",
            ms(percentile(&board, 50.0)),
            if board_ok { "met" } else { "MISSED" }
        );
    }
    let config = ServerConfig::new(&db, dir.path().join("dist"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, config, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()
        .unwrap();
    let page = |query: String| {
        let (client, url) = (
            client.clone(),
            format!("{base}/api/competitions/{code}?limit=50{query}"),
        );
        async move {
            let t0 = Instant::now();
            let response = client
                .get(url)
                .header("accept-encoding", "br")
                .send()
                .await
                .expect("a page");
            assert_eq!(response.status().as_u16(), 200);
            let bytes = response.bytes().await.expect("its body");
            (t0.elapsed(), bytes.len())
        }
    };
    // Warm up (the page cache, prepared statements).
    for _ in 0..5 {
        page(String::new()).await;
    }
    let mut latencies = Vec::new();
    let mut size = 0;
    for _ in 0..200 {
        let (t, bytes) = page(String::new()).await;
        latencies.push(t);
        size = bytes;
    }
    // Every page of the individual table, by cursor (read the cursor uncompressed).
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let t0 = Instant::now();
        let view: serde_json::Value = client
            .get(format!(
                "{base}/api/competitions/{code}?limit=50&individuals_after={after}"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        latencies.push(t0.elapsed());
        pages += 1;
        match view["individuals_next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    latencies.sort();
    let p99 = ms(percentile(&latencies, 99.0));
    let ok = p99 <= TARGET_P99_MS;
    println!(
        "competition table page (50 players + 50 teams, {runs} runs, {pages} pages walked, {size} bytes br): \
         latency p50 {:.1} ms, p99 {p99:.1} ms, max {:.1} ms; target p99 <= {TARGET_P99_MS} ms: {}",
        ms(percentile(&latencies, 50.0)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
        if ok { "met" } else { "MISSED" }
    );
    let _ = stop.send(());
    let _ = server.await;
    ok && board_ok
}

fn main() {
    let runs = std::env::var("QD_BENCH_TABLE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if !runtime.block_on(bench(runs)) {
        std::process::exit(1);
    }
}
