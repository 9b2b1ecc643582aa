//! Every response type of `quorum_proto::api` through the server's real handlers: each answer
//! of a running `drill serve` is decoded twice, with the serde derive and with the game's own
//! reader (`quorum_proto::decode`, here over `serde_json::Value`; in the browser over
//! `JSON.parse`), the two must agree, and the fields a player sees are checked. The requests
//! are the proto request types, serialized as the game sends them.

mod common;

use common::*;
use quorum_proto::api::{
    exam_required_message, Board, Compat, Competition, CompetitionRequest,
    CompetitionScenarioRequest, Counting, ErrorBody, Health, IdentityCreated, PlayMode, RunDetail,
    Status, SubmitRequest, SubmitResponse, VersionInfo, EXAM_REQUIRED,
};
use quorum_proto::decode::{self, Decode};
use quorum_proto::names::{self, NameKind};
use quorum_sim::scenario::Lang;
use quorum_sim::{scenario, SIM_VERSION};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An answer's status and body, decoded by both decoders (which must agree).
async fn both<T>(response: reqwest::Response) -> (u16, T)
where
    T: Decode + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let by_serde: T =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("serde cannot read {text}: {e}"));
    let by_game: T =
        decode::from_str(&text).unwrap_or_else(|| panic!("the game's decoder cannot read {text}"));
    assert_eq!(by_game, by_serde, "the two decoders disagree on {text}");
    (status, by_game)
}

async fn get<T>(server: &TestServer, path: &str) -> (u16, T)
where
    T: Decode + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    both(server.client.get(server.url(path)).send().await.unwrap()).await
}

async fn post<B: Serialize, T>(server: &TestServer, path: &str, body: &B, admin: bool) -> (u16, T)
where
    T: Decode + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut request = server
        .client
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap());
    if admin {
        request = request.header("authorization", format!("Bearer {ADMIN_TOKEN}"));
    } else if path == "/api/runs" {
        // A submission carries the identity of its player (one per name in this test).
        let body = serde_json::to_value(body).unwrap();
        let token = server.token_for(body["player"].as_str().unwrap()).await;
        request = request.header("authorization", format!("Bearer {token}"));
    }
    both(request.send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_decodes_into_the_shared_types_on_both_sides() {
    let server = TestServer::start().await;
    let trap = scenario::builtin("seed-ami-trap").unwrap();

    // Health and version: the game checks compatibility from these.
    let (status, health): (_, Health) = get(&server, "/api/health").await;
    assert_eq!((status, health.status.as_str()), (200, "ok"));
    assert_eq!(health.sim_version, SIM_VERSION);
    let (status, version): (_, VersionInfo) = get(&server, "/api/version").await;
    assert_eq!(status, 200);
    assert!(version.server.starts_with("drill "));
    assert_eq!(version.scenarios.len(), scenario::all().len());
    assert_eq!(version.compat(trap), Compat::Ok);
    let mut edited = trap.clone();
    edited.hash = "0".repeat(64);
    assert_eq!(
        version.compat(&edited),
        Compat::Scenario,
        "another file of a built-in"
    );
    let mut company = trap.clone();
    company.id = "acme-ami-trap".into();
    assert_eq!(
        version.compat(&company),
        Compat::Ok,
        "a trainer's scenario: the server finds its published file by hash"
    );
    let sandbox = version
        .scenarios
        .iter()
        .find(|s| s.id == "sandbox")
        .unwrap();
    assert_eq!(sandbox.title.en, "Sandbox");

    // A competition, created by the admin with the proto request type.
    let now = drill::timefmt::now_ms();
    let create = CompetitionRequest {
        name: "Game day".into(),
        starts_at: drill::timefmt::to_rfc3339(now - 60_000),
        ends_at: drill::timefmt::to_rfc3339(now + 3_600_000),
        scenarios: vec![CompetitionScenarioRequest {
            id: trap.id.clone(),
            seeds: vec![2, 1],
        }],
        require_exam: true,
        team_cap: Some(3),
    };
    let (status, created): (_, Competition) =
        post(&server, "/api/competitions", &create, true).await;
    assert_eq!(status, 201);
    assert_eq!(
        (created.name.as_str(), created.status),
        ("Game day", Status::Open)
    );
    assert!(
        quorum_proto::code::is_code(&created.code),
        "{}",
        created.code
    );
    assert_eq!(created.seeds_for(&trap.id), Some(&[1u64, 2][..]));
    assert_eq!(created.scenarios[0].title.as_ref(), Some(&trap.title));
    assert!(created.individuals.is_empty() && created.teams.is_empty());
    assert!(created.require_exam);
    assert_eq!(created.team_cap, 3);
    assert!(created.individuals_next.is_none() && created.teams_next.is_none());

    // An identity, as the game gets one (the token only in this answer).
    let (status, minted): (_, IdentityCreated) =
        post(&server, "/api/identities", &serde_json::json!({}), false).await;
    assert_eq!(status, 201);
    assert!(
        quorum_proto::api::is_token(&minted.token),
        "{}",
        minted.token
    );
    assert_eq!(created.counting, Counting::BestRunPerScenario);
    assert!(matches!(
        created.window(created.now_ms),
        quorum_proto::api::Window::Open { .. }
    ));

    // Two runs, submitted as the game submits them (the code typed in lower case, a dash in it).
    let typed_code = format!(
        "{}-{}",
        &created.code[..4].to_ascii_lowercase(),
        &created.code[4..]
    );
    let careful = claimed_replay(1, careful_actions());
    let ann = SubmitRequest {
        player: " Ann ".into(),
        team: Some("Red".into()),
        competition: Some(typed_code),
        replay: careful.clone(),
        coverage: None,
        daily: None,
    };
    let (status, first): (_, SubmitResponse) = post(&server, "/api/runs", &ann, false).await;
    assert_eq!(status, 201);
    assert!(first.created);
    assert_eq!(first.player, "Ann", "the server trims names like the game");
    assert_eq!(first.team.as_deref(), Some("Red"));
    assert_eq!(first.competition.as_deref(), Some(created.code.as_str()));
    assert_eq!(Some(first.score), careful.claimed_score);
    assert_eq!((first.rank, first.competition_rank), (1, Some(1)));
    assert_eq!(first.url, format!("/api/runs/{}", first.id));
    assert_eq!(first.mode, PlayMode::Exam);

    // A Mentor run is refused by the Exam-only competition, in words the game can show.
    let mentor = SubmitRequest {
        player: "Ann".into(),
        team: None,
        competition: Some(created.code.clone()),
        replay: careful.clone().with_mode(PlayMode::Mentor),
        coverage: None,
        daily: None,
    };
    let (status, error): (_, ErrorBody) = post(&server, "/api/runs", &mentor, false).await;
    assert_eq!((status, error.error.code.as_str()), (403, EXAM_REQUIRED));
    assert_eq!(
        error.error.message,
        exam_required_message("Game day", PlayMode::Mentor, Lang::En)
    );
    let trap_run = replay(2, trap_actions());
    let bob = SubmitRequest {
        player: "Bob".into(),
        team: None,
        competition: None,
        replay: trap_run.clone(),
        coverage: None,
        daily: None,
    };
    let (status, second): (_, SubmitResponse) = post(&server, "/api/runs", &bob, false).await;
    assert_eq!(status, 201);
    assert!(second.score < first.score, "the trap costs points");
    assert_eq!((second.rank, second.competition_rank), (2, None));
    assert_eq!(second.mode, PlayMode::Exam);
    // Cy's own What-if run (the same run as Ann's would be hers: a run counts once).
    let mut later = careful_actions();
    later[1].at_ms += 1000;
    let what_if = SubmitRequest {
        player: "Cy".into(),
        team: None,
        competition: None,
        replay: replay(1, later).with_mode(PlayMode::WhatIf),
        coverage: None,
        daily: None,
    };
    let (status, third): (_, SubmitResponse) = post(&server, "/api/runs", &what_if, false).await;
    assert_eq!((status, third.mode), (201, PlayMode::WhatIf));
    assert_eq!(
        third.rank, 1,
        "first on the What-if board, not beside the Exam runs"
    );
    assert!(second.team.is_none() && second.competition.is_none());
    let (status, again): (_, SubmitResponse) = post(&server, "/api/runs", &bob, false).await;
    assert_eq!((status, again.created, again.id), (200, false, second.id));

    // The board, in the shared ranking order.
    let (status, board): (_, Board) = get(&server, "/api/leaderboard?scenario=seed-ami-trap").await;
    assert_eq!(status, 200);
    assert_eq!(
        (board.scenario.as_str(), board.competition.as_deref()),
        ("seed-ami-trap", None)
    );
    assert_eq!((board.mode, board.seed), (Some(PlayMode::Exam), None));
    assert!(board.runs.iter().all(|r| r.mode == PlayMode::Exam));
    let rows: Vec<(i64, &str, i64)> = board
        .runs
        .iter()
        .map(|r| (r.rank, r.player.as_str(), r.score))
        .collect();
    assert_eq!(rows, [(1, "Ann", first.score), (2, "Bob", second.score)]);
    assert!(board
        .runs
        .windows(2)
        .all(|w| quorum_proto::rank::run_ranks_above(
            (w[0].score, w[0].id),
            (w[1].score, w[1].id)
        )));
    assert_eq!(board.runs[0].team.as_deref(), Some("Red"));
    assert_eq!(board.runs[0].player_id, first.player_id);
    assert_eq!(board.runs[0].player_runs, 1);
    assert!(board.next.is_none() && board.player_id.is_none());
    let (status, all_seed_1): (_, Board) = get(
        &server,
        "/api/leaderboard?scenario=seed-ami-trap&mode=all&seed=1",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!((all_seed_1.mode, all_seed_1.seed), (None, Some(1)));
    let modes: Vec<(&str, PlayMode)> = all_seed_1
        .runs
        .iter()
        .map(|r| (r.player.as_str(), r.mode))
        .collect();
    assert_eq!(modes, [("Ann", PlayMode::Exam), ("Cy", PlayMode::WhatIf)]);
    let (status, error): (_, ErrorBody) = get(
        &server,
        "/api/leaderboard?scenario=seed-ami-trap&mode=ghost",
    )
    .await;
    assert_eq!((status, error.error.code.as_str()), (400, "invalid_query"));
    let url = format!(
        "/api/leaderboard?scenario=seed-ami-trap&competition={}",
        created.code
    );
    let (_, comp_board): (_, Board) = get(&server, &url).await;
    assert_eq!(comp_board.runs.len(), 1);
    assert_eq!(
        comp_board.competition.as_deref(),
        Some(created.code.as_str())
    );

    // One run with its replay: the ghost the game plays.
    let (status, detail): (_, RunDetail) = get(&server, &format!("/api/runs/{}", second.id)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (detail.player.as_str(), detail.score),
        ("Bob", second.score)
    );
    assert_eq!(detail.replay, trap_run);
    assert_eq!(detail.mode, PlayMode::Exam);
    assert_eq!(detail.event_log_hash, second.event_log_hash);

    // The competition's tables.
    let (status, comp): (_, Competition) =
        get(&server, &format!("/api/competitions/{}", created.code)).await;
    assert_eq!(status, 200);
    assert_eq!(
        comp.individuals.len(),
        1,
        "Bob's run was not submitted to it"
    );
    let row = &comp.individuals[0];
    assert_eq!(
        (row.rank, row.player.as_str(), row.total, row.runs),
        (1, "Ann", first.score, 1)
    );
    assert_eq!(row.bests[0].run_id, first.id);
    assert_eq!(row.bests[0].seed, 1);
    assert_eq!(comp.teams.len(), 1);
    assert_eq!(
        (comp.teams[0].team.as_str(), comp.teams[0].total),
        ("Red", first.score)
    );
    assert_eq!(comp.teams[0].members[0].player, "Ann");
    assert!(comp.accepts(&trap.id, 2) && !comp.accepts(&trap.id, 3));

    // Errors: the game shows the server's sentence, which is the shared name rule's.
    let bad = SubmitRequest {
        player: "a  b".into(),
        ..bob.clone()
    };
    let (status, error): (_, ErrorBody) = post(&server, "/api/runs", &bad, false).await;
    assert_eq!((status, error.error.code.as_str()), (422, "invalid_name"));
    assert_eq!(
        error.error.message,
        names::validate(NameKind::Player, "a  b")
            .unwrap_err()
            .to_string()
    );
    let (status, error): (_, ErrorBody) = get(&server, "/api/runs/999").await;
    assert_eq!((status, error.error.code.as_str()), (404, "not_found"));
    server.stop().await;
}

#[test]
fn the_game_decoder_refuses_an_answer_without_a_required_field() {
    let mut answer = serde_json::json!({
        "id": 1, "created": true, "url": "/api/runs/1", "player_id": 7, "player": "Ann", "team": null,
        "competition": null, "scenario_id": "sandbox", "seed": 1, "score": 9000,
        "grade": "A", "mode": "exam", "rank": 1, "competition_rank": null, "outage_ms": 0,
        "requests_total": 10, "requests_failed": 0, "reads_failed": 0, "writes_failed": 0,
        "time_to_green_ms": null, "final_health": "green", "event_log_hash": "ab",
    });
    let ok = SubmitResponse::decode(&answer).expect("a complete answer");
    assert_eq!((ok.score, ok.team, ok.time_to_green_ms), (9000, None, None));
    answer.as_object_mut().unwrap().remove("rank");
    assert_eq!(SubmitResponse::decode(&answer), None);
    answer["rank"] = serde_json::json!("1");
    assert_eq!(
        SubmitResponse::decode(&answer),
        None,
        "a string is not a rank"
    );
    answer["rank"] = serde_json::json!(1);
    answer["mode"] = serde_json::json!("mentr");
    assert_eq!(
        SubmitResponse::decode(&answer),
        None,
        "a misspelt mode is not read as another mode"
    );
    answer["mode"] = serde_json::json!("what-if");
    assert_eq!(
        SubmitResponse::decode(&answer).map(|r| r.mode),
        Some(PlayMode::WhatIf)
    );
}
