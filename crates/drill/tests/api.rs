//! HTTP tests of `drill serve` against a real server on loopback (in-process, ephemeral
//! port, temporary database): every rejection, tampered replays, ranking with the server's
//! own score, idempotency, competitions, and the security defaults.

mod common;

use common::*;
use quorum_sim::replay::MAX_ACTIONS;
use quorum_sim::{scenario, Action, SIM_VERSION};
use serde_json::{json, Value};

macro_rules! server_test {
    ($name:ident, $server:ident, $body:block) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let $server = TestServer::start().await;
            $body
            $server.stop().await;
        }
    };
}

async fn assert_rejected(
    server: &TestServer,
    body: &Value,
    status: u16,
    expected_code: &str,
) -> Value {
    let (got, response) = server.post("/api/runs", body).await;
    assert_eq!(
        (got, code(&response)),
        (status, expected_code),
        "{response}"
    );
    assert!(response["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    response
}

/// Runs stored, listed or not.
async fn stored_runs(server: &TestServer) -> usize {
    server.sql_i64("SELECT COUNT(*) FROM runs").await as usize
}

// ---- Basics ------------------------------------------------------------------------------

server_test!(health_and_version, server, {
    let (status, body) = server.get("/api/health").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = server.get("/api/version").await;
    assert_eq!(status, 200);
    assert_eq!(body["sim_version"], json!(SIM_VERSION));
    let scenarios = body["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), scenario::all().len());
    let trap = scenarios
        .iter()
        .find(|s| s["id"] == "seed-ami-trap")
        .unwrap();
    assert_eq!(
        trap["hash"],
        json!(scenario::builtin("seed-ami-trap").unwrap().hash)
    );
});

server_test!(serves_the_game_and_json_404s_under_api, server, {
    let response = server.client.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.text().await.unwrap().contains("Quorum Drill"));
    let response = server
        .client
        .get(server.url("/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The game's files are compressed for clients that accept it.
    let big = "let x = 'a';\n".repeat(2_000);
    std::fs::write(server.dir.path().join("dist/big.js"), &big).unwrap();
    for encoding in ["br", "gzip"] {
        let response = server
            .client
            .get(server.url("/big.js"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
        assert!(response.bytes().await.unwrap().len() < big.len() / 10);
    }
    // A precompressed copy is served as it is.
    std::fs::write(server.dir.path().join("dist/big.js.br"), b"precompressed").unwrap();
    let response = server
        .client
        .get(server.url("/big.js"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "br");
    assert_eq!(&response.bytes().await.unwrap()[..], b"precompressed");
    // Unknown pages get the game's index (it routes itself), with a 404 status.
    let response = server
        .client
        .get(server.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Quorum Drill"));
    let (status, body) = server.get("/api/no-such-endpoint").await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let response = server
        .client
        .delete(server.url("/api/runs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
});

server_test!(no_cors_headers_unless_configured, server, {
    let response = server
        .client
        .get(server.url("/api/version"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let response = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/api/runs"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_only_for_the_configured_origin() {
    let server =
        TestServer::start_with(|c| c.cors_origin = Some("https://game.example".into())).await;
    let response = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/api/runs"))
        .header("origin", "https://game.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://game.example"
    );
    let response = server
        .client
        .get(server.url("/api/version"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    // Only the configured origin is ever allowed (browsers compare it with their own).
    let allowed = response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap());
    assert!(
        allowed.is_none() || allowed == Some("https://game.example"),
        "{allowed:?}"
    );
    server.stop().await;
}

// ---- Rejections, one each ----------------------------------------------------------------

server_test!(rejects_malformed_json, server, {
    let (status, body) = server
        .post_raw(
            "/api/runs",
            b"{\"player\": \"ann\", \"replay\": {".to_vec(),
            "application/json",
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "malformed_json"));
});

server_test!(rejects_a_body_of_the_wrong_shape, server, {
    assert_rejected(&server, &json!({ "player": "ann" }), 400, "invalid_request").await;
    let mut replay = serde_json::to_value(replay(1, vec![])).unwrap();
    replay["seed"] = json!(-1);
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        400,
        "invalid_request",
    )
    .await;
    replay["seed"] = json!(1);
    replay["cheat"] = json!(true);
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        400,
        "invalid_request",
    )
    .await;
});

server_test!(rejects_a_body_that_is_not_json_typed, server, {
    let body =
        serde_json::to_vec(&json!({ "player": "ann", "replay": replay(1, vec![]) })).unwrap();
    let (status, body) = server.post_raw("/api/runs", body, "text/plain", None).await;
    assert_eq!((status, code(&body)), (415, "unsupported_media_type"));
});

server_test!(rejects_a_body_over_256_kib, server, {
    let mut body =
        serde_json::to_vec(&json!({ "player": "ann", "replay": replay(1, vec![]) })).unwrap();
    body.truncate(body.len() - 1);
    body.extend_from_slice(format!(", \"pad\": \"{}\"}}", "x".repeat(300 * 1024)).as_bytes());
    let (status, body) = server
        .post_raw("/api/runs", body, "application/json", None)
        .await;
    assert_eq!((status, code(&body)), (413, "body_too_large"));
    assert_eq!(stored_runs(&server).await, 0);
});

server_test!(rejects_too_many_actions, server, {
    let actions = (0..=MAX_ACTIONS as u64)
        .map(|i| at(0, i % 60, Action::Wait))
        .map(|mut a| {
            a.at_ms = 1000;
            a
        });
    let replay = replay(1, actions.collect());
    let body = assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "too_many_actions",
    )
    .await;
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&MAX_ACTIONS.to_string()));
});

server_test!(rejects_actions_past_the_scenarios_end, server, {
    let replay = replay(1, vec![at(1, 0, Action::Wait), at(45, 1, Action::Wait)]);
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "action_after_end",
    )
    .await;
});

server_test!(rejects_actions_out_of_order, server, {
    let replay = replay(1, vec![at(5, 0, Action::Wait), at(4, 0, Action::Wait)]);
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "actions_out_of_order",
    )
    .await;
});

server_test!(rejects_an_unknown_scenario, server, {
    let mut replay = replay(1, vec![]);
    replay.scenario_id = "no-such-drill".into();
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "unknown_scenario",
    )
    .await;
});

server_test!(
    rejects_another_sim_version_and_says_which_it_runs,
    server,
    {
        let mut replay = replay(1, vec![]);
        replay.sim_version = SIM_VERSION + 1;
        let body = assert_rejected(
            &server,
            &json!({ "player": "ann", "replay": replay }),
            422,
            "sim_version_mismatch",
        )
        .await;
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("this server runs sim_version {SIM_VERSION}")),
            "{message}"
        );
    }
);

server_test!(rejects_another_replay_format, server, {
    let mut replay = replay(1, vec![]);
    replay.format_version += 1;
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "unsupported_format",
    )
    .await;
});

server_test!(rejects_a_seed_out_of_range, server, {
    let replay = replay(quorum_sim::replay::MAX_SEED + 1, vec![]);
    assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "seed_out_of_range",
    )
    .await;
});

server_test!(rejects_invalid_player_names, server, {
    let long = "a".repeat(33);
    for bad in [
        "",
        "   ",
        "a\u{0}b",
        "line\nbreak",
        "<b>x</b>",
        "x\u{202E}y",
        long.as_str(),
    ] {
        let body = json!({ "player": bad, "replay": replay(1, vec![]) });
        assert_rejected(&server, &body, 422, "invalid_name").await;
    }
    assert_eq!(stored_runs(&server).await, 0);
});

server_test!(rejects_invalid_team_names, server, {
    for bad in ["bad\tteam", "team;drop", &"字".repeat(33)] {
        let body = json!({ "player": "ann", "team": bad, "replay": replay(1, vec![]) });
        assert_rejected(&server, &body, 422, "invalid_name").await;
    }
});

server_test!(rejects_an_unknown_competition_code, server, {
    let body = json!({ "player": "ann", "competition": "ZZZZZZZZ", "replay": replay(1, vec![]) });
    assert_rejected(&server, &body, 422, "unknown_competition").await;
    let body = json!({ "player": "ann", "competition": "'; DROP TABLE runs; --", "replay": replay(1, vec![]) });
    assert_rejected(&server, &body, 422, "unknown_competition").await;
});

async fn competition_at(server: &TestServer, starts: i64, ends: i64) -> String {
    let now = drill::timefmt::now_ms();
    let (status, body) = server
        .create_competition(&json!({
            "name": "Game day",
            "starts_at": drill::timefmt::to_rfc3339(now + starts),
            "ends_at": drill::timefmt::to_rfc3339(now + ends),
            "scenarios": [{ "id": "seed-ami-trap", "seeds": [1, 2] }],
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    body["code"].as_str().unwrap().to_string()
}

server_test!(rejects_a_competition_that_has_not_started, server, {
    let code = competition_at(&server, 3_600_000, 7_200_000).await;
    let body = json!({ "player": "ann", "competition": code, "replay": replay(1, vec![]) });
    let response = assert_rejected(&server, &body, 403, "competition_not_open").await;
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not started"));
});

server_test!(rejects_a_competition_that_has_ended, server, {
    let code = competition_at(&server, -7_200_000, -3_600_000).await;
    let body = json!({ "player": "ann", "competition": code, "replay": replay(1, vec![]) });
    let response = assert_rejected(&server, &body, 403, "competition_not_open").await;
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ended"));
});

server_test!(rejects_a_seed_outside_the_competitions_seeds, server, {
    let code = competition_at(&server, -3_600_000, 3_600_000).await;
    let body = json!({ "player": "ann", "competition": code, "replay": replay(3, vec![]) });
    assert_rejected(&server, &body, 422, "seed_not_in_competition").await;
});

server_test!(rejects_a_scenario_outside_the_competition, server, {
    let code = competition_at(&server, -3_600_000, 3_600_000).await;
    let sandbox = quorum_sim::Replay::new(scenario::builtin("sandbox").unwrap(), 1, vec![]);
    let body = json!({ "player": "ann", "competition": code, "replay": sandbox });
    assert_rejected(&server, &body, 422, "scenario_not_in_competition").await;
});

server_test!(rejects_a_claimed_score_that_does_not_match, server, {
    let mut replay = claimed_replay(1, careful_actions());
    replay.claimed_score = Some(replay.claimed_score.unwrap() + 1);
    let body = assert_rejected(
        &server,
        &json!({ "player": "ann", "replay": replay }),
        422,
        "claimed_score_mismatch",
    )
    .await;
    // The message does not hand out the real score to guess against.
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not match"));
    assert_eq!(stored_runs(&server).await, 0);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_submissions_per_address() {
    let server = TestServer::start_with(|c| c.rate_limit_per_minute = 5).await;
    let body = json!({ "player": "", "replay": replay(1, vec![]) });
    for _ in 0..5 {
        let (status, _) = server.post("/api/runs", &body).await;
        assert_eq!(status, 422);
    }
    let response = server
        .client
        .post(server.url("/api/runs"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=13).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "rate_limited");
    // Reads are not limited.
    let (status, _) = server.get("/api/version").await;
    assert_eq!(status, 200);
    server.stop().await;
}

// ---- Tampering ---------------------------------------------------------------------------

server_test!(tampered_replays_are_all_rejected, server, {
    let honest = claimed_replay(1, careful_actions());

    // A changed action (No reboot dropped) no longer produces the claimed score.
    let mut changed_action = honest.clone();
    changed_action.actions[1].action = Action::CreateImage {
        instance: "node-2".into(),
        name: None,
        description: None,
        no_reboot: false,
    };
    assert_rejected(
        &server,
        &json!({ "player": "eve", "replay": changed_action }),
        422,
        "claimed_score_mismatch",
    )
    .await;

    // A changed seed: pick one that scores differently under the same actions.
    let seed = (2..200)
        .find(|s| claimed_replay(*s, careful_actions()).claimed_score != honest.claimed_score)
        .expect("some seed scores differently");
    let mut changed_seed = honest.clone();
    changed_seed.seed = seed;
    assert_rejected(
        &server,
        &json!({ "player": "eve", "replay": changed_seed }),
        422,
        "claimed_score_mismatch",
    )
    .await;

    // A changed claimed score.
    let mut changed_claim = honest.clone();
    changed_claim.claimed_score = Some(10_000);
    if changed_claim.claimed_score == honest.claimed_score {
        changed_claim.claimed_score = Some(9_999);
    }
    assert_rejected(
        &server,
        &json!({ "player": "eve", "replay": changed_claim }),
        422,
        "claimed_score_mismatch",
    )
    .await;

    // Another scenario's hash under this scenario's id.
    let mut other_hash = honest.clone();
    other_hash.scenario_hash = scenario::builtin("sandbox").unwrap().hash.clone();
    assert_rejected(
        &server,
        &json!({ "player": "eve", "replay": other_hash }),
        422,
        "scenario_hash_mismatch",
    )
    .await;

    assert_eq!(stored_runs(&server).await, 0);
    let (status, _) = server.submit("eve", &honest).await;
    assert_eq!(status, 201);
    assert_eq!(stored_runs(&server).await, 1);
});

// ---- Acceptance, ranking, idempotency ----------------------------------------------------

server_test!(
    valid_replays_are_ranked_with_the_servers_own_score,
    server,
    {
        let careful = replay(4, careful_actions()); // no claimed score: the server scores it
        let trap = replay(4, trap_actions());
        let careful_report = quorum_sim::replay::verify(&careful).unwrap();
        let trap_report = quorum_sim::replay::verify(&trap).unwrap();
        assert!(
            careful_report.score > trap_report.score,
            "the trap must score lower"
        );

        let (status, first) = server
            .post(
                "/api/runs",
                &json!({ "player": "Trapper", "team": "Red", "replay": trap }),
            )
            .await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(first["score"], json!(trap_report.score));
        assert_eq!(first["rank"], json!(1));
        assert_eq!(first["created"], json!(true));
        assert_eq!(first["event_log_hash"], json!(trap_report.event_log_hash));
        assert_eq!(first["outage_ms"], json!(trap_report.outage_ms));

        let (status, second) = server
            .post(
                "/api/runs",
                &json!({ "player": "  山田 ", "replay": careful }),
            )
            .await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["score"], json!(careful_report.score));
        assert_eq!(second["player"], json!("山田"));
        assert_eq!(second["rank"], json!(1));

        let (status, board) = server.get("/api/leaderboard?scenario=seed-ami-trap").await;
        assert_eq!(status, 200);
        let runs = board["runs"].as_array().unwrap();
        let order: Vec<(&str, i64)> = runs
            .iter()
            .map(|r| (r["player"].as_str().unwrap(), r["score"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            order,
            [
                ("山田", careful_report.score),
                ("Trapper", trap_report.score)
            ]
        );
        assert_eq!(runs[1]["team"], json!("Red"));
        assert_eq!(runs[0]["rank"], json!(1));

        // An equal score ranks after the earlier submission (the same careful image, a
        // second later: another run with the same score).
        let mut later = careful_actions();
        later[1].at_ms += 1000;
        let later = replay(4, later);
        assert_eq!(
            quorum_sim::replay::verify(&later).unwrap().score,
            careful_report.score
        );
        let (status, third) = server
            .post("/api/runs", &json!({ "player": "Late", "replay": later }))
            .await;
        assert_eq!(status, 201, "{third}");
        assert_eq!(third["rank"], json!(2));

        // The stored run gives back the replay (for ghost replays) and the server's report.
        let id = second["id"].as_i64().unwrap();
        let (status, run) = server.get(&format!("/api/runs/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(run["score"], json!(careful_report.score));
        let stored: quorum_sim::Replay = serde_json::from_value(run["replay"].clone()).unwrap();
        assert_eq!(stored, careful);
        assert_eq!(
            quorum_sim::replay::verify(&stored).unwrap().event_log_hash,
            run["event_log_hash"].as_str().unwrap()
        );

        // Filters: one identity's runs (by its player_id).
        let trapper = first["player_id"].as_i64().unwrap();
        let (_, mine) = server
            .get(&format!(
                "/api/leaderboard?scenario=seed-ami-trap&player={trapper}"
            ))
            .await;
        assert_eq!(mine["runs"].as_array().unwrap().len(), 1);
        let (_, top) = server
            .get("/api/leaderboard?scenario=seed-ami-trap&limit=1")
            .await;
        assert_eq!(top["runs"].as_array().unwrap().len(), 1);
        let (_, other_seed) = server
            .get("/api/leaderboard?scenario=seed-ami-trap&seed=5")
            .await;
        assert_eq!(other_seed["runs"].as_array().unwrap().len(), 0);
    }
);

server_test!(resubmitting_the_same_replay_is_idempotent, server, {
    let replay = claimed_replay(2, careful_actions());
    let (status, first) = server.submit("ann", &replay).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = server.submit("ann", &replay).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["created"], json!(false));
    assert_eq!(again["score"], first["score"]);
    // Without the claimed score it is the same replay.
    let mut unclaimed = replay.clone();
    unclaimed.claimed_score = None;
    let (status, again) = server.submit(" ann ", &unclaimed).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]));
    // A wrong claim is still refused, even for a stored replay.
    let mut wrong = replay.clone();
    wrong.claimed_score = Some(wrong.claimed_score.unwrap() - 1);
    let (status, body) = server.submit("ann", &wrong).await;
    assert_eq!((status, code(&body)), (422, "claimed_score_mismatch"));
    // Another player submitting the same replay is refused: a run counts once.
    let (status, other) = server.submit("bob", &replay).await;
    assert_eq!((status, code(&other)), (409, "run_taken"), "{other}");
    assert_eq!(stored_runs(&server).await, 1);
});

// ---- Reads -------------------------------------------------------------------------------

server_test!(unknown_runs_and_bad_queries_are_clean_errors, server, {
    for path in [
        "/api/runs/999",
        "/api/runs/abc",
        "/api/runs/-1",
        "/api/runs/0",
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!((status, code(&body)), (404, "not_found"), "{path}");
    }
    let (status, body) = server.get("/api/leaderboard").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
    let (status, body) = server.get("/api/leaderboard?scenario=nope").await;
    assert_eq!((status, code(&body)), (404, "unknown_scenario"));
    let (status, body) = server
        .get("/api/leaderboard?scenario=sandbox&limit=0")
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
    let (status, body) = server.get("/api/leaderboard?scenario=sandbox&seed=x").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
    let (status, body) = server
        .get("/api/leaderboard?scenario=sandbox&competition=NOPE2345")
        .await;
    assert_eq!((status, code(&body)), (404, "unknown_competition"));
    let (status, body) = server.get("/api/competitions/NOPE2345").await;
    assert_eq!((status, code(&body)), (404, "unknown_competition"));
    let (status, body) = server.get("/api/leaderboard?scenario=sandbox").await;
    assert_eq!((status, body["runs"].clone()), (200, json!([])));
});

// ---- Competitions ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competitions_cannot_be_created_without_an_admin_token_configured() {
    let server = TestServer::start_with(|c| c.admin_token = None).await;
    let body = open_competition("Game day", json!([{ "id": "seed-ami-trap", "seeds": [1] }]));
    let (status, response) = server.create_competition(&body).await;
    assert_eq!((status, code(&response)), (503, "competitions_disabled"));
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("QD_ADMIN_TOKEN"));
    server.stop().await;
}

server_test!(creating_a_competition_needs_the_admin_token, server, {
    let body = serde_json::to_vec(&open_competition(
        "Game day",
        json!([{ "id": "seed-ami-trap", "seeds": [1] }]),
    ))
    .unwrap();
    for token in [
        None,
        Some("wrong"),
        Some(""),
        Some("test-admin-token-012345678"),
    ] {
        let (status, response) = server
            .post_raw("/api/competitions", body.clone(), "application/json", token)
            .await;
        assert_eq!(
            (status, code(&response)),
            (401, "unauthorized"),
            "{token:?}"
        );
    }
    let (status, response) = server
        .post_raw(
            "/api/competitions",
            body,
            "application/json",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 201, "{response}");
});

server_test!(invalid_competitions_are_refused, server, {
    let cases = [
        open_competition("", json!([{ "id": "seed-ami-trap", "seeds": [1] }])),
        open_competition("Game day", json!([])),
        open_competition("Game day", json!([{ "id": "nope", "seeds": [1] }])),
        open_competition("Game day", json!([{ "id": "seed-ami-trap", "seeds": [] }])),
        open_competition(
            "Game day",
            json!([{ "id": "sandbox", "seeds": [1] }, { "id": "sandbox", "seeds": [2] }]),
        ),
        json!({ "name": "x", "starts_at": "tomorrow", "ends_at": "2030-01-01T00:00:00Z", "scenarios": [{ "id": "sandbox", "seeds": [1] }] }),
        json!({ "name": "x", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z", "scenarios": [{ "id": "sandbox", "seeds": [1] }] }),
    ];
    for body in cases {
        let (status, response) = server.create_competition(&body).await;
        assert_eq!(
            (status, code(&response)),
            (422, "invalid_competition"),
            "{body}"
        );
    }
});

server_test!(a_competition_ranks_players_and_teams, server, {
    let (status, created) = server
        .create_competition(&open_competition(
            "Game day 5",
            json!([{ "id": "seed-ami-trap", "seeds": [1, 2] }, { "id": "sandbox", "seeds": [7] }]),
        ))
        .await;
    assert_eq!(status, 201, "{created}");
    let code_str = created["code"].as_str().unwrap().to_string();
    assert_eq!(code_str.len(), 8);
    assert_eq!(created["status"], json!("open"));

    let sandbox = quorum_sim::Replay::new(scenario::builtin("sandbox").unwrap(), 7, vec![])
        .with_mode(quorum_sim::replay::PlayMode::Exam);
    let score = |r: &quorum_sim::Replay| quorum_sim::replay::verify(r).unwrap().score;
    let mut careful_later = careful_actions();
    careful_later[1].at_ms += 1000;
    let (trap1, careful1, careful2, trap2, careful1_later) = (
        replay(1, trap_actions()),
        replay(1, careful_actions()),
        replay(2, careful_actions()),
        replay(2, trap_actions()),
        replay(1, careful_later),
    );
    let submissions = [
        ("ann", Some("Red"), &trap1),
        ("ann", Some("Red"), &careful1),
        ("ann", Some("Red"), &sandbox),
        ("bob", Some("Red"), &careful2),
        ("cat", Some("Blue"), &trap2),
        ("dan", None, &careful1_later),
    ];
    for (player, team, replay) in submissions {
        // Codes are case-insensitive.
        let body = json!({ "player": player, "team": team, "competition": code_str.to_lowercase(), "replay": replay });
        let (status, response) = server.post("/api/runs", &body).await;
        assert_eq!(status, 201, "{response}");
        assert_eq!(response["competition"], json!(code_str));
        assert!(response["competition_rank"].as_i64().is_some());
    }
    let ann_total = score(&trap1).max(score(&careful1)) + score(&sandbox);
    let bob_total = score(&careful2);
    let (status, view) = server.get(&format!("/api/competitions/{code_str}")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["name"], json!("Game day 5"));
    assert_eq!(view["scenarios"][0]["seeds"], json!([1, 2]));
    let individuals = view["individuals"].as_array().unwrap();
    assert_eq!(individuals.len(), 4);
    assert_eq!(individuals[0]["player"], json!("ann"));
    assert_eq!(individuals[0]["total"], json!(ann_total));
    assert_eq!(individuals[0]["runs"], json!(3));
    let teams = view["teams"].as_array().unwrap();
    let summary: Vec<(&str, i64)> = teams
        .iter()
        .map(|t| (t["team"].as_str().unwrap(), t["total"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("Red", ann_total + bob_total), ("Blue", score(&trap2))]
    );

    // The competition leaderboard holds only its runs.
    let (_, outside) = server.submit("zed", &replay(9, careful_actions())).await;
    assert_eq!(outside["competition"], Value::Null);
    let (_, board) = server
        .get(&format!(
            "/api/leaderboard?scenario=seed-ami-trap&competition={code_str}"
        ))
        .await;
    // Each player's best run: ann, bob, cat, dan (ann's other run is behind hers).
    assert_eq!(board["runs"].as_array().unwrap().len(), 4);
    assert!(board["runs"][0]["player_runs"].as_u64().unwrap() >= 1);
    let (_, board) = server.get("/api/leaderboard?scenario=seed-ami-trap").await;
    assert_eq!(board["runs"].as_array().unwrap().len(), 5);
});

server_test!(
    an_idle_planned_work_drill_is_stored_at_the_sims_objective_score,
    server,
    {
        // Idling through the rolling restart leaves the objective undone: the server stores the
        // sim's 7,500 (C), not the 10,000 a green cluster alone would earn.
        let s = scenario::builtin("rolling-restart").unwrap();
        let idle = quorum_sim::replay::Replay::new(s, 1, Vec::new())
            .with_mode(quorum_sim::replay::PlayMode::Exam);
        let report = quorum_sim::replay::verify(&idle).unwrap();
        assert_eq!((report.score, report.grade.as_str()), (7_500, "C"));
        let (status, run) = server
            .post("/api/runs", &json!({ "player": "Idler", "replay": idle }))
            .await;
        assert_eq!(status, 201, "{run}");
        assert_eq!(run["score"], json!(7_500));
        assert_eq!(run["grade"], json!("C"));
    }
);
