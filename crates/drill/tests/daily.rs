//! Issue 10, the daily drill as players meet it: everyone plays the same scenario and seed on
//! a calendar day (`quorum_sim::daily::drill_for_day`), the server accepts a run as that day's
//! daily drill only for that scenario and seed and only for today ±1 day (time zones), and the
//! daily board lists only the runs submitted as that day's drill. A run also carries the
//! player's branch-case coverage, which the server keeps.

mod common;

use common::*;
use quorum_sim::{PlayMode, Replay};
use serde_json::{json, Value};

fn today() -> u32 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    (ms / 86_400_000) as u32
}

fn daily_replay(day: u32) -> Replay {
    let (id, seed) = quorum_sim::daily::drill_for_day(day);
    let scenario = quorum_sim::scenario::builtin(id).unwrap();
    Replay::new(scenario, seed, Vec::new()).with_mode(PlayMode::Exam)
}

fn players(board: &Value) -> Vec<&str> {
    board["runs"]
        .as_array()
        .unwrap_or_else(|| panic!("not a board: {board}"))
        .iter()
        .map(|r| r["player"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_drill_has_its_own_board_and_takes_only_its_days_seed() {
    let server = TestServer::start().await;
    let day = today();
    let replay = daily_replay(day);
    let board = format!("/api/leaderboard?scenario={}&mode=all", replay.scenario_id);

    // Ann plays today's drill from the home screen; her game says which day it was.
    let coverage = json!([{ "case": "recovery=early", "handled_cleanly": true }]);
    let (status, ann) = server
        .post(
            "/api/runs",
            &json!({ "player": "Ann", "daily": day, "coverage": coverage, "replay": replay }),
        )
        .await;
    assert_eq!(status, 201, "{ann}");
    // Yesterday's drill, for a player whose calendar is a day behind, is still open.
    let (status, body) = server
        .post(
            "/api/runs",
            &json!({ "player": "Kai", "daily": day - 1, "replay": daily_replay(day - 1) }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // Cy plays the same scenario and seed from the seed field: a normal run, not a daily one.
    // (Her own run: she images a node with No reboot. The same actions as Ann's would be
    // Ann's run, 409 `run_taken`.)
    let scenario = quorum_sim::scenario::builtin(&replay.scenario_id).unwrap();
    let cy = Replay::new(
        scenario,
        replay.seed,
        vec![at(
            2,
            0,
            quorum_sim::Action::CreateImage {
                instance: scenario.topology.nodes[1].clone(),
                name: None,
                description: None,
                no_reboot: true,
            },
        )],
    )
    .with_mode(PlayMode::Exam);
    let (status, body) = server.submit("Cy", &cy).await;
    assert_eq!(status, 201, "{body}");

    // Another seed cannot be passed off as today's drill…
    let mut other = replay.clone();
    other.seed += 1;
    let (status, body) = server
        .post(
            "/api/runs",
            &json!({ "player": "Bob", "daily": day, "replay": other }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("not_daily_drill")),
        "{body}"
    );
    // …nor a drill of next week.
    let (status, body) = server
        .post(
            "/api/runs",
            &json!({ "player": "Bob", "daily": day + 7, "replay": daily_replay(day + 7) }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("daily_out_of_window")),
        "{body}"
    );

    // The daily board shows today's daily runs only; the scenario's board shows every run.
    let (status, daily) = server.get(&format!("{board}&daily={day}")).await;
    assert_eq!(status, 200, "{daily}");
    assert_eq!(players(&daily), ["Ann"]);
    let (_, all) = server.get(&board).await;
    let mut everyone = players(&all);
    everyone.sort_unstable();
    assert!(
        everyone.contains(&"Ann") && everyone.contains(&"Cy"),
        "{all}"
    );

    // The coverage Ann's game sent is stored with her run.
    let stored = server
        .sql_text("SELECT coverage FROM runs WHERE player = 'Ann'")
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&stored.unwrap()).unwrap(),
        json!([{ "case": "recovery=early", "handled_cleanly": true }])
    );
    server.stop().await;
}
