//! Issue 9, "mode-blind boards", as players meet it: every run carries the mode it was
//! played in; the public board ranks Exam runs only and can be filtered by seed and mode; a
//! competition can require Exam and refuses other runs with a reason; a competition says how
//! two seeds of one scenario count; runs stored before modes existed read as `unknown`.

mod common;

use common::*;
use quorum_proto::api::{exam_required_message, Counting, PlayMode, EXAM_REQUIRED};
use quorum_sim::scenario::Lang;
use serde_json::{json, Value};

async fn submit_to(
    server: &TestServer,
    player: &str,
    code: &str,
    replay: &quorum_sim::Replay,
) -> (u16, Value) {
    server
        .post(
            "/api/runs",
            &json!({ "player": player, "competition": code, "replay": replay }),
        )
        .await
}

fn players(board: &Value) -> Vec<(String, String)> {
    board["runs"]
        .as_array()
        .unwrap_or_else(|| panic!("not a board: {board}"))
        .iter()
        .map(|r| {
            (
                r["player"].as_str().unwrap().to_string(),
                r["mode"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mentor_run_is_kept_but_not_ranked_beside_exam_runs() {
    let server = TestServer::start().await;
    // Mia plays the careful line with Mentor's forecasts; Ann the same line in Exam; Tom
    // falls into the trap in Exam. Mia's score is as high as Ann's, but she had help.
    let (status, mia) = server
        .submit("Mia", &replay_in(PlayMode::Mentor, 1, careful_actions()))
        .await;
    assert_eq!(status, 201, "{mia}");
    assert_eq!(mia["mode"], "mentor");
    assert_eq!(mia["rank"], 1, "first on the Mentor board");
    let (_, ann) = server
        .submit("Ann", &replay(1, careful_actions_later(1)))
        .await;
    assert_eq!(
        (ann["mode"].as_str(), ann["rank"].as_i64()),
        (Some("exam"), Some(1))
    );
    assert_eq!(ann["score"], mia["score"]);
    let (_, tom) = server.submit("Tom", &replay(1, trap_actions())).await;
    assert_eq!(
        tom["rank"], 2,
        "Mia's run does not push Tom down the public board"
    );

    // The public board: Exam runs only, and it says so.
    let (status, board) = server.get("/api/leaderboard?scenario=seed-ami-trap").await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["mode"], "exam");
    assert_eq!(players(&board), pairs(&[("Ann", "exam"), ("Tom", "exam")]));

    // Mia's run is kept: on the Mentor board, on `mode=all`, and as a ghost.
    let (_, mentor) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&mode=mentor")
        .await;
    assert_eq!(players(&mentor), pairs(&[("Mia", "mentor")]));
    let (_, all) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&mode=all")
        .await;
    assert_eq!(all["mode"], Value::Null);
    assert_eq!(
        players(&all),
        pairs(&[("Mia", "mentor"), ("Ann", "exam"), ("Tom", "exam")])
    );
    let (_, ghost) = server.get(&format!("/api/runs/{}", mia["id"])).await;
    assert_eq!(
        (ghost["mode"].as_str(), ghost["replay"]["mode"].as_str()),
        (Some("mentor"), Some("mentor"))
    );

    // The same actions declared in another mode are the same run: the stored one answers.
    let (status, again) = server
        .submit(
            "Ann",
            &replay_in(PlayMode::WhatIf, 1, careful_actions_later(1)),
        )
        .await;
    assert_eq!(
        (status, again["mode"].as_str(), &again["id"]),
        (200, Some("exam"), &ann["id"]),
        "{again}"
    );
    // And nobody else can enter Mia's run as their own in another mode.
    let (status, copy) = server.submit("Eve", &replay(1, careful_actions())).await;
    assert_eq!((status, code(&copy)), (409, "run_taken"), "{copy}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_filters_by_seed_and_mode_and_refuses_bad_filters() {
    let server = TestServer::start().await;
    server.submit("Ann", &replay(1, careful_actions())).await;
    server.submit("Bob", &replay(2, careful_actions())).await;
    server.submit("Cat", &replay(2, trap_actions())).await;
    server
        .submit(
            "Dan",
            &replay_in(PlayMode::Mentor, 2, careful_actions_later(1)),
        )
        .await;

    let (status, seed2) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&seed=2")
        .await;
    assert_eq!(status, 200, "{seed2}");
    assert_eq!(
        (seed2["seed"].as_u64(), seed2["mode"].as_str()),
        (Some(2), Some("exam"))
    );
    assert_eq!(players(&seed2), pairs(&[("Bob", "exam"), ("Cat", "exam")]));
    assert_eq!(
        seed2["runs"][1]["rank"], 2,
        "ranks count within the filtered board"
    );
    let (_, seed2_mentor) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&seed=2&mode=mentor")
        .await;
    assert_eq!(players(&seed2_mentor), pairs(&[("Dan", "mentor")]));
    let (_, seed1) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&seed=1&mode=all")
        .await;
    assert_eq!(players(&seed1), pairs(&[("Ann", "exam")]));

    for (query, says) in [
        (
            "mode=Exam",
            "`mode` must be exam, mentor, what-if, unknown or all",
        ),
        ("mode=mentr", "(got \"mentr\")"),
        (
            "seed=-1",
            "`seed` must be a whole number from 0 to 9007199254740991",
        ),
        ("seed=three", "(got \"three\")"),
        ("seed=9007199254740992", "`seed` must be a whole number"),
    ] {
        let (status, body) = server
            .get(&format!("/api/leaderboard?scenario=seed-ami-trap&{query}"))
            .await;
        assert_eq!(
            (status, code(&body)),
            (400, "invalid_query"),
            "{query}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{query}: {message}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_competition_requires_exam_by_default_and_refuses_other_runs_with_a_reason() {
    let server = TestServer::start().await;
    let (status, created) = server
        .create_competition(&open_competition(
            "Exam day",
            json!([{ "id": "seed-ami-trap", "seeds": [1] }]),
        ))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["require_exam"], true,
        "new competitions require Exam"
    );
    let code_str = created["code"].as_str().unwrap();

    for mode in [PlayMode::Mentor, PlayMode::WhatIf, PlayMode::Unknown] {
        let (status, body) = submit_to(
            &server,
            "Mia",
            code_str,
            &replay_in(mode, 1, careful_actions()),
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (403, EXAM_REQUIRED),
            "{mode:?}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert_eq!(message, exam_required_message("Exam day", mode, Lang::En));
        assert!(message.contains("counts only Exam runs"), "{message}");
    }
    // The game says it in Japanese from the same code.
    let ja = exam_required_message("Exam day", PlayMode::Mentor, Lang::Ja);
    assert!(ja.contains("試験モード") && ja.contains("メンター"), "{ja}");
    let (_, mentor_body) = submit_to(
        &server,
        "Mia",
        code_str,
        &replay_in(PlayMode::Mentor, 1, careful_actions()),
    )
    .await;
    assert!(mentor_body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Mentor mode"));

    // Nothing refused was stored; the Exam run is accepted and is the only one in the table.
    let (status, ok) = submit_to(&server, "Mia", code_str, &replay(1, careful_actions())).await;
    assert_eq!((status, ok["mode"].as_str()), (201, Some("exam")), "{ok}");
    let (_, view) = server.get(&format!("/api/competitions/{code_str}")).await;
    assert_eq!(view["individuals"].as_array().unwrap().len(), 1);
    assert_eq!(view["individuals"][0]["runs"], 1);

    // An organiser may open a practice competition to every mode.
    let mut practice = open_competition(
        "Practice day",
        json!([{ "id": "seed-ami-trap", "seeds": [1] }]),
    );
    practice["require_exam"] = json!(false);
    let (status, created) = server.create_competition(&practice).await;
    assert_eq!(
        (status, created["require_exam"].as_bool()),
        (201, Some(false)),
        "{created}"
    );
    let practice_code = created["code"].as_str().unwrap();
    let (status, body) = submit_to(
        &server,
        "Mia",
        practice_code,
        &replay_in(PlayMode::Mentor, 1, careful_actions()),
    )
    .await;
    assert_eq!(
        (status, body["competition_rank"].as_i64()),
        (201, Some(1)),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seeds_of_one_scenario_count_as_the_best_run_and_the_competition_says_so() {
    let server = TestServer::start().await;
    let (_, created) = server
        .create_competition(&open_competition(
            "Two draws",
            json!([{ "id": "seed-ami-trap", "seeds": [1, 2] }]),
        ))
        .await;
    assert_eq!(created["counting"], Counting::BestRunPerScenario.as_str());
    let code_str = created["code"].as_str().unwrap();
    let (_, trap) = submit_to(&server, "Ann", code_str, &replay(1, trap_actions())).await;
    let (_, careful) = submit_to(&server, "Ann", code_str, &replay(2, careful_actions())).await;
    assert!(careful["score"].as_i64() > trap["score"].as_i64());

    let (_, view) = server.get(&format!("/api/competitions/{code_str}")).await;
    assert_eq!(view["counting"], "best-run-per-scenario");
    let ann = &view["individuals"][0];
    assert_eq!(ann["runs"], 2, "both runs are listed as played");
    assert_eq!(
        ann["total"], careful["score"],
        "only the best of the two seeds counts"
    );
    assert_eq!(ann["bests"].as_array().unwrap().len(), 1);
    assert_eq!(
        ann["bests"][0]["seed"], 2,
        "the counted run's seed is shown"
    );
    assert_eq!(ann["bests"][0]["run_id"], careful["id"]);
    // The sentence the game puts beside the tables.
    assert!(Counting::BestRunPerScenario
        .explain(Lang::En)
        .contains("only your best run counts"));
    assert!(Counting::BestRunPerScenario
        .explain(Lang::Ja)
        .contains("最高スコア"));
    server.stop().await;
}

/// A database written by the `drill` before modes: schema version 1, one competition, one
/// run whose replay has no `mode`.
fn old_database(path: &std::path::Path, replay: &quorum_sim::Replay) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(drill::db::MIGRATIONS[0]).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    let (replay_json, replay_hash) = drill::server::api::canonical_replay(replay);
    assert!(!replay_json.contains("mode"), "{replay_json}");
    let report = quorum_sim::replay::verify(replay).unwrap();
    let now = drill::timefmt::now_ms();
    conn.execute(
        "INSERT INTO competitions (code, name, starts_at_ms, ends_at_ms, created_at_ms)
         VALUES ('K7M2QX9P', 'Old cup', ?1, ?2, ?1)",
        rusqlite::params![now - 3_600_000, now + 3_600_000],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO competition_scenarios VALUES (1, 0, 'seed-ami-trap', '[1]')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO runs (created_at_ms, player, team, competition_id, scenario_id, scenario_hash,
            seed, sim_version, replay_hash, replay_json, score, grade, outage_ms, requests_total,
            requests_failed, reads_failed, writes_failed, time_to_green_ms, final_health, event_log_hash)
         VALUES (?1, 'Old', NULL, 0, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, 0, 0, 0, 0, 0, NULL, 'green', ?9)",
        rusqlite::params![
            now,
            report.scenario_id,
            report.scenario_hash,
            report.sim_version,
            replay_hash,
            replay_json,
            report.score,
            report.grade,
            report.event_log_hash
        ],
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_stored_before_modes_read_as_unknown_and_are_not_ranked_as_exam() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/drill.db");
    let old = replay_in(PlayMode::Unknown, 1, careful_actions());
    old_database(&db, &old);
    let server = TestServer::start_with(|config| config.db_path = db.clone()).await;

    let (_, run) = server.get("/api/runs/1").await;
    assert_eq!(
        (run["player"].as_str(), run["mode"].as_str()),
        (Some("Old"), Some("unknown")),
        "{run}"
    );
    let (_, board) = server.get("/api/leaderboard?scenario=seed-ami-trap").await;
    assert!(
        players(&board).is_empty(),
        "an unknown run is not ranked as Exam: {board}"
    );
    let (_, unknown) = server
        .get("/api/leaderboard?scenario=seed-ami-trap&mode=unknown")
        .await;
    assert_eq!(players(&unknown), pairs(&[("Old", "unknown")]));

    // The old run belongs to the old player: a new identity can neither enter the same
    // replay nor take the old name (migration 3 gave it a tokenless identity and a skeleton).
    let (status, again) = server.submit("Old", &old).await;
    assert_eq!((status, code(&again)), (409, "run_taken"), "{again}");
    let (status, again) = server.submit("old", &replay(1, trap_actions())).await;
    assert_eq!((status, code(&again)), (409, "name_taken"), "{again}");

    // A competition created before keeps its rules: it admits every mode.
    let (_, cup) = server.get("/api/competitions/K7M2QX9P").await;
    assert_eq!(cup["require_exam"], false, "{cup}");
    let (status, body) = submit_to(
        &server,
        "Mia",
        "K7M2QX9P",
        &replay_in(PlayMode::Mentor, 1, careful_actions()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    server.stop().await;

    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, drill::db::MIGRATIONS.len());
}
