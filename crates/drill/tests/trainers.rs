//! The trainer API on both backends (SQLite, and PostgreSQL on the test cluster): a trainer
//! made with the admin token, a cohort and its invite code, trainees joining with their
//! player identity, assignments and their results from verified runs (what-if runs are
//! practice), the dashboard sorted, filtered and as CSV, a trainee's runs, comments pinned
//! to sim times that the trainee reads — and a second trainer who sees none of it (404).

mod common;

use common::*;
use quorum_sim::replay::PlayMode;
use serde_json::{json, Value};

macro_rules! on_every_backend {
    ($story:ident) => {
        mod $story {
            use super::common::TestServer;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let server = TestServer::start().await;
                super::$story(&server).await;
                server.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let server = TestServer::start_postgres().await;
                super::$story(&server).await;
                server.stop().await;
            }
        }
    };
}

async fn as_token(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    server
        .send(method, path, body, "application/json", Some(token))
        .await
}

async fn get_as(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    as_token(server, reqwest::Method::GET, path, token, None).await
}

async fn post_as(server: &TestServer, path: &str, token: &str, body: Value) -> (u16, Value) {
    as_token(server, reqwest::Method::POST, path, token, Some(body)).await
}

/// A trainer made with the admin token: its token.
async fn new_trainer(server: &TestServer, name: &str) -> String {
    let (status, body) = post_as(
        server,
        "/api/trainers",
        ADMIN_TOKEN,
        json!({ "name": name }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["token"].as_str().unwrap().starts_with("qdt1_"));
    body["token"].as_str().unwrap().to_string()
}

async fn trainers_cohorts_and_assignments(server: &TestServer) {
    // Only the admin makes trainers; a player's token is not a trainer's.
    let (status, body) = server
        .post("/api/trainers", &json!({ "name": "Eve" }))
        .await;
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
    let kim = new_trainer(server, "Kim").await;
    let lee = new_trainer(server, "Lee").await;
    let (status, body) = server.get("/api/trainer/cohorts").await;
    assert_eq!((status, code(&body)), (401, "trainer_required"));

    // Kim's cohort, with an invite code; Lee has his own and sees only his.
    let (status, cohort) = post_as(
        server,
        "/api/trainer/cohorts",
        &kim,
        json!({ "name": "May hires" }),
    )
    .await;
    assert_eq!(status, 201, "{cohort}");
    let cohort_id = cohort["id"].as_i64().unwrap();
    let invite = cohort["invite_code"].as_str().unwrap().to_string();
    assert_eq!(invite.len(), 8);
    let (_, lees) = post_as(
        server,
        "/api/trainer/cohorts",
        &lee,
        json!({ "name": "Ops" }),
    )
    .await;
    let (status, list) = get_as(server, "/api/trainer/cohorts", &lee).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], lees["id"]);

    // Another trainer's cohort is not found, exactly like a missing one: 404, not 403.
    let kims = format!("/api/trainer/cohorts/{cohort_id}");
    for path in [
        kims.clone(),
        format!("{kims}/dashboard"),
        format!("{kims}/dashboard.csv"),
        "/api/trainer/cohorts/999999".to_string(),
    ] {
        let (status, body) = get_as(server, &path, &lee).await;
        assert_eq!((status, code(&body)), (404, "not_found"), "{path}: {body}");
    }
    let (status, _) = post_as(
        server,
        &format!("{kims}/assignments"),
        &lee,
        json!({ "title": "Hijack", "scenarios": [{ "id": "sandbox" }], "mode": "exam" }),
    )
    .await;
    assert_eq!(status, 404);

    // Two trainees join with their player identities (a bad code is unknown).
    let alice = server.token_for("alice").await;
    let bob = server.token_for("bob").await;
    let (status, body) = post_as(
        server,
        "/api/cohorts/join",
        &alice,
        json!({ "invite_code": "ZZZZZZZZ", "name": "Alice" }),
    )
    .await;
    assert_eq!((status, code(&body)), (404, "unknown_cohort"));
    let spaced = format!("{}-{}", &invite[..4], invite[4..].to_lowercase());
    let (status, joined) = post_as(
        server,
        "/api/cohorts/join",
        &alice,
        json!({ "invite_code": spaced, "name": "Alice" }),
    )
    .await;
    assert_eq!(
        (status, joined["cohort"].as_str()),
        (200, Some("May hires")),
        "{joined}"
    );
    let alice_id = joined["player_id"].as_i64().unwrap();
    let (_, joined) = post_as(
        server,
        "/api/cohorts/join",
        &bob,
        json!({ "invite_code": invite, "name": "Bob" }),
    )
    .await;
    let bob_id = joined["player_id"].as_i64().unwrap();

    // Two assignments: the trap in Exam with a due date already past, and the trap again
    // in Mentor mode with every branch case required.
    let (status, overdue) = post_as(
        server,
        &format!("{kims}/assignments"),
        &kim,
        json!({ "title": "The AMI trap", "scenarios": [{ "id": "seed-ami-trap" }],
                "due_at": "2026-01-01T00:00:00Z", "mode": "exam" }),
    )
    .await;
    assert_eq!(status, 201, "{overdue}");
    let (status, coverage) = post_as(
        server,
        &format!("{kims}/assignments"),
        &kim,
        json!({ "title": "Every case", "scenarios": [{ "id": "seed-ami-trap", "full_coverage": true }],
                "mode": "mentor" }),
    )
    .await;
    assert_eq!(status, 201, "{coverage}");
    let (status, body) = post_as(
        server,
        &format!("{kims}/assignments"),
        &kim,
        json!({ "title": "Nope", "scenarios": [{ "id": "no-such" }], "mode": "exam" }),
    )
    .await;
    assert_eq!((status, code(&body)), (422, "invalid_assignment"));

    // Alice plays the trap carefully in Exam (seed 1: node-1 recovers early); Bob plays it
    // in What-if, which is practice and counts for nothing.
    let (status, alices_run) = server.submit("alice", &replay(1, careful_actions())).await;
    assert_eq!(status, 201, "{alices_run}");
    let alices_run_id = alices_run["id"].as_i64().unwrap();
    let (status, _) = server
        .submit(
            "bob",
            &replay_in(PlayMode::WhatIf, 1, careful_actions_later(3)),
        )
        .await;
    assert_eq!(status, 201);

    // The dashboard: trainees × assignments.
    let (status, board) = get_as(server, &format!("{kims}/dashboard"), &kim).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["assignments"].as_array().unwrap().len(), 2);
    let rows = board["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alice", "Bob"]);
    let alice_cells = &rows[0]["cells"];
    assert_eq!(alice_cells[0]["best_score"], alices_run["score"]);
    assert_eq!(alice_cells[0]["grade"], alices_run["grade"]);
    assert_eq!(
        (
            alice_cells[0]["done"].as_bool(),
            alice_cells[0]["overdue"].as_bool()
        ),
        (Some(true), Some(false))
    );
    // The full-coverage assignment: one case of four handled, three left.
    assert_eq!(alice_cells[1]["cases_covered"], 1);
    assert_eq!(alice_cells[1]["cases_total"], 4);
    assert_eq!(alice_cells[1]["done"], false);
    assert_eq!(
        alice_cells[1]["scenarios"][0]["cases_covered"],
        json!(["recovery=early"])
    );
    let bob_cells = &rows[1]["cells"];
    assert_eq!(
        bob_cells[0]["best_score"],
        Value::Null,
        "what-if is practice"
    );
    assert!(
        bob_cells[0]["last_practised"].is_string(),
        "but it is practice"
    );
    assert_eq!(bob_cells[0]["overdue"], true);

    // Sorted by the first assignment's score, best first; filtered by name and status.
    let first = overdue["id"].as_i64().unwrap();
    let (_, sorted) = get_as(
        server,
        &format!("{kims}/dashboard?sort=score:{first}&desc=true"),
        &kim,
    )
    .await;
    assert_eq!(sorted["rows"][0]["name"], "Alice");
    let (_, sorted) = get_as(
        server,
        &format!("{kims}/dashboard?sort=score:{first}"),
        &kim,
    )
    .await;
    assert_eq!(sorted["rows"][0]["name"], "Bob");
    let (_, late) = get_as(server, &format!("{kims}/dashboard?status=overdue"), &kim).await;
    let late: Vec<&str> = late["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(late, ["Bob"]);
    let (_, named) = get_as(server, &format!("{kims}/dashboard?name=ali"), &kim).await;
    assert_eq!(named["rows"].as_array().unwrap().len(), 1);
    let (status, body) = get_as(server, &format!("{kims}/dashboard?sort=shoe-size"), &kim).await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));

    // The CSV: a header and one line per trainee and assignment.
    let response = server
        .client
        .get(server.url(&format!("{kims}/dashboard.csv?sort=player_id")))
        .bearer_auth(&kim)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 2, "{text}");
    assert!(lines[0].starts_with("player_id,player,assignment_id,assignment,best_score,grade"));
    assert!(
        lines[1].starts_with(&format!(
            "{alice_id},Alice,{first},The AMI trap,{},",
            alices_run["score"]
        )),
        "{text}"
    );

    // The trainee's home screen: their assignments and what is left.
    let (status, mine) = get_as(server, "/api/me/assignments", &alice).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 2);
    assert_eq!(mine[0]["cohort"], "May hires");
    assert_eq!(mine[0]["progress"]["done"], true);
    assert_eq!(
        mine[1]["progress"]["scenarios"][0]["cases_left"],
        json!([
            "recovery=late",
            "recovery=never,setup=ok",
            "recovery=never,setup=fails-once"
        ])
    );

    // A trainee's runs, for their trainer only.
    let alices_runs = format!("{kims}/trainees/{alice_id}/runs");
    let (status, runs) = get_as(server, &alices_runs, &kim).await;
    assert_eq!(status, 200, "{runs}");
    assert_eq!(runs[0]["id"], alices_run_id);
    assert_eq!(runs[0]["branch_case"], "recovery=early");
    assert_eq!(runs[0]["handled_cleanly"], true);
    let (status, _) = get_as(server, &alices_runs, &lee).await;
    assert_eq!(status, 404);
    let (status, _) = get_as(
        server,
        &format!("{kims}/trainees/{}/runs", bob_id + 1000),
        &kim,
    )
    .await;
    assert_eq!(status, 404);

    // Kim comments on Alice's run at 02:00; Alice reads it, Bob and Lee cannot.
    let comments = format!("/api/trainer/runs/{alices_run_id}/comments");
    let (status, comment) = post_as(
        server,
        &comments,
        &kim,
        json!({ "at_ms": 120_000, "body": "Good: No reboot on the image." }),
    )
    .await;
    assert_eq!(status, 201, "{comment}");
    assert_eq!(comment["trainer"], "Kim");
    let (status, body) = post_as(
        server,
        &comments,
        &lee,
        json!({ "at_ms": 1, "body": "Mine now" }),
    )
    .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = post_as(
        server,
        &comments,
        &kim,
        json!({ "at_ms": 99_000_000, "body": "Late" }),
    )
    .await;
    assert_eq!((status, code(&body)), (422, "invalid_comment"));
    let (status, body) =
        post_as(server, &comments, &kim, json!({ "at_ms": 5, "body": "  " })).await;
    assert_eq!((status, code(&body)), (422, "invalid_comment"));
    let mine = format!("/api/me/runs/{alices_run_id}/comments");
    let (status, seen) = get_as(server, &mine, &alice).await;
    assert_eq!(status, 200);
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert_eq!(
        (seen[0]["at_ms"].as_u64(), seen[0]["body"].as_str()),
        (Some(120_000), Some("Good: No reboot on the image."))
    );
    let (status, _) = get_as(server, &mine, &bob).await;
    assert_eq!(status, 404);
    let (_, runs) = get_as(server, &alices_runs, &kim).await;
    assert_eq!(runs[0]["comments"], 1);
    let (status, listed) = get_as(server, &comments, &kim).await;
    assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(1)));

    // Alice also joins Lee's cohort: Lee may now comment on her run, and each trainer reads
    // only their own comments; Alice reads both.
    let (status, body) = post_as(
        server,
        "/api/cohorts/join",
        &alice,
        json!({ "invite_code": lees["invite_code"], "name": "Alice" }),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let (status, body) = post_as(
        server,
        &comments,
        &lee,
        json!({ "at_ms": 60_000, "body": "Lee's note" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, kims_view) = get_as(server, &comments, &kim).await;
    let bodies = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(bodies(&kims_view), ["Good: No reboot on the image."]);
    let (_, lees_view) = get_as(server, &comments, &lee).await;
    assert_eq!(bodies(&lees_view), ["Lee's note"]);
    let (_, seen_now) = get_as(server, &mine, &alice).await;
    assert_eq!(
        bodies(&seen_now),
        ["Lee's note", "Good: No reboot on the image."]
    );

    // Every answer is exactly a `quorum_proto::trainer` type.
    use quorum_proto::trainer as t;
    let typed: t::Dashboard = serde_json::from_value(board.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), board);
    let (_, mine) = get_as(server, "/api/me/assignments", &alice).await;
    let typed: Vec<t::MyAssignment> = serde_json::from_value(mine.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), mine);
    let typed: Vec<t::Comment> = serde_json::from_value(seen.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), seen);
    let typed: Vec<t::TraineeRun> = serde_json::from_value(runs.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), runs);
    let (_, detail) = get_as(server, &kims, &kim).await;
    let typed: t::CohortDetail = serde_json::from_value(detail.clone()).unwrap();
    assert_eq!(typed.trainees.len(), 2);
    assert_eq!(serde_json::to_value(&typed).unwrap(), detail);
}
on_every_backend!(trainers_cohorts_and_assignments);

/// The scenario editor's storage: a trainer imports a copy of a built-in file under an id
/// of its own (a built-in id is refused), saves over the draft, cannot publish it while
/// `drill lint` fails, publishes it once it passes (its hash its identity), cannot change
/// the published version (an edit is a new draft, version 2), exports the file as it was
/// saved — and another trainer sees none of it (404).
async fn scenario_drafts_and_published_versions(server: &TestServer) {
    use quorum_proto::trainer as t;
    let ana = new_trainer(server, "Ana").await;
    let ben = new_trainer(server, "Ben").await;
    let (_, builtin) = quorum_sim::scenario::BUILTIN_SOURCES
        .iter()
        .find(|(id, _)| *id == "seed-ami-trap")
        .unwrap();
    let save = |toml: String| {
        let ana = ana.clone();
        async move {
            post_as(
                server,
                "/api/trainer/scenarios",
                &ana,
                json!({ "toml": toml }),
            )
            .await
        }
    };

    let (status, body) = save(builtin.to_string()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("builtin_scenario_id")),
        "{body}"
    );
    let (status, body) = save("id = \"x\"\n[[oops".into()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_scenario")),
        "{body}"
    );

    let copy = builtin.replacen("id = \"seed-ami-trap\"", "id = \"acme-ami-trap\"", 1);
    // A proof that no longer reaches full redundancy: the second setup after the bad
    // mirror is gone. It parses, and drill lint fails it.
    let broken = copy.replacen("at 11:00 setup node-4", "#", 1);
    assert_ne!(broken, copy);
    assert!(
        !quorum_drill_lint(&broken).ok,
        "the broken copy passes drill lint"
    );
    let (status, draft) = save(broken).await;
    assert_eq!(status, 201, "{draft}");
    let draft: t::AuthoredScenario = serde_json::from_value(draft).unwrap();
    assert_eq!(
        (
            draft.scenario_id.as_str(),
            draft.version,
            draft.status.as_str()
        ),
        ("acme-ami-trap", 1, "draft")
    );
    assert_eq!(draft.hash, None);
    let publish = format!("/api/trainer/scenarios/{}/publish", draft.id);

    let (status, body) = post_as(server, &publish, &ana, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("lint_failed")),
        "{body}"
    );

    // Saved over: the same draft, now passing.
    let (status, saved) = save(copy.clone()).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(
        saved["id"].as_i64(),
        Some(draft.id),
        "the draft is saved over"
    );
    let (status, published) = post_as(server, &publish, &ana, json!({})).await;
    assert_eq!(status, 200, "{published}");
    let published: t::AuthoredScenario = serde_json::from_value(published).unwrap();
    let expected_hash = quorum_sim::scenario::parse(&copy).unwrap().hash;
    assert_eq!(
        (published.status.as_str(), published.hash.as_deref()),
        ("published", Some(expected_hash.as_str()))
    );
    let (status, body) = post_as(server, &publish, &ana, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_published")),
        "{body}"
    );

    // An edit after publishing is version 2's draft; version 1 stays as published.
    let edited = copy.replacen("\n", "\n# edited\n", 1);
    let (_, v2) = save(edited.clone()).await;
    assert_eq!(
        (v2["version"].as_i64(), v2["status"].as_str()),
        (Some(2), Some("draft")),
        "{v2}"
    );
    let (_, list) = get_as(server, "/api/trainer/scenarios", &ana).await;
    let list: Vec<t::AuthoredScenario> = serde_json::from_value(list).unwrap();
    assert_eq!(
        list.iter()
            .map(|s| (s.version, s.status.as_str()))
            .collect::<Vec<_>>(),
        [(1, "published"), (2, "draft")]
    );
    let (status, file) = get_as(
        server,
        &format!("/api/trainer/scenarios/{}/toml", draft.id),
        &ana,
    )
    .await;
    assert_eq!(
        (status, file.as_str()),
        (200, Some(copy.as_str())),
        "export: the published file"
    );

    // Two first saves of a new scenario at once (two tabs, two processes) make one draft.
    let twin = copy.replacen("id = \"acme-ami-trap\"", "id = \"acme-twin\"", 1);
    let (a, b) = tokio::join!(save(twin.clone()), save(twin.clone()));
    assert_eq!((a.0, b.0), (201, 201), "{} {}", a.1, b.1);
    assert_eq!(a.1["id"], b.1["id"], "the later saves over the first");
    let (_, list) = get_as(server, "/api/trainer/scenarios", &ana).await;
    let twins = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["scenario_id"] == "acme-twin")
        .count();
    assert_eq!(twins, 1, "{list}");

    // Another trainer: nothing to see or publish.
    let (_, theirs) = get_as(server, "/api/trainer/scenarios", &ben).await;
    assert_eq!(theirs, json!([]));
    let (status, _) = get_as(
        server,
        &format!("/api/trainer/scenarios/{}/toml", draft.id),
        &ben,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post_as(
        server,
        &format!("/api/trainer/scenarios/{}/publish", v2["id"]),
        &ben,
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
}
on_every_backend!(scenario_drafts_and_published_versions);

/// `drill lint`'s verdict on a file, as the server gives it.
fn quorum_drill_lint(toml: &str) -> quorum_proto::trainer::LintReport {
    drill::server::trainer::lint_toml(toml)
}

/// The company's copy of node-hang without the proof of one branch case.
fn unproven_copy() -> String {
    let (_, builtin) = quorum_sim::scenario::BUILTIN_SOURCES
        .iter()
        .find(|(id, _)| *id == "node-hang")
        .unwrap();
    let copy = builtin.replacen("id = \"node-hang\"", "id = \"acme-node-hang\"", 1);
    let start = copy
        .find("[[proofs]]\ncase = \"reboot=comes-back\"")
        .unwrap();
    let end = start + copy[start..].find("\n[[proofs]]").unwrap() + 1;
    format!("{}{}", &copy[..start], &copy[end..])
}

async fn a_trainers_scenario_is_proven_published_assigned_played_and_scored(server: &TestServer) {
    use quorum_proto::trainer as t;
    use quorum_sim::{script, Replay};
    let ana = new_trainer(server, "Ana").await;
    let toml = unproven_copy();
    let draft_file = quorum_sim::scenario::parse(&toml).unwrap();
    let (status, draft) = post_as(
        server,
        "/api/trainer/scenarios",
        &ana,
        json!({ "toml": toml }),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let draft_id = draft["id"].as_i64().unwrap();
    let lint: t::LintReport = serde_json::from_value(
        post_as(
            server,
            "/api/trainer/scenarios/lint",
            &ana,
            json!({ "toml": toml }),
        )
        .await
        .1,
    )
    .unwrap();
    assert!(!lint.ok);
    assert_eq!(lint.cases, ["reboot=comes-back", "reboot=fsck"]);
    assert!(
        lint.problems
            .iter()
            .any(|p| p.contains("\"reboot=comes-back\" has no proof")),
        "{:?}",
        lint.problems
    );

    // The editor's form: read from the file, written back into it (the rest kept).
    let (status, answer) = post_as(
        server,
        "/api/trainer/scenarios/form",
        &ana,
        json!({ "toml": toml }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let answer: t::FormAnswer = serde_json::from_value(answer).unwrap();
    let mut form = answer.form.expect("the file is TOML");
    assert_eq!((form.id.as_str(), form.faults.len()), ("acme-node-hang", 1));
    form.title_en = "Our silent node".into();
    let (_, written) = post_as(
        server,
        "/api/trainer/scenarios/form",
        &ana,
        json!({ "toml": toml, "form": form }),
    )
    .await;
    let written: t::FormAnswer = serde_json::from_value(written).unwrap();
    let edited = quorum_sim::scenario::parse(&written.toml).unwrap();
    assert_eq!(edited.title.en, "Our silent node");
    assert_eq!(
        edited.runbook, draft_file.runbook,
        "the rest of the file is kept"
    );
    let (status, broken) = post_as(
        server,
        "/api/trainer/scenarios/form",
        &ana,
        json!({ "toml": "[[oops" }),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        broken["form"].is_null() && broken["problem"].is_string(),
        "{broken}"
    );

    // A test run: the file packed for the console; the browser's copy has the file's hash.
    let (status, packed) = post_as(
        server,
        "/api/trainer/scenarios/pack",
        &ana,
        json!({ "toml": toml }),
    )
    .await;
    assert_eq!(status, 200, "{packed}");
    // (Unpacked, not installed: this test process is also the server, which installs none.)
    let installed = quorum_sim::scenario::unpack(packed.as_str().unwrap()).unwrap();
    assert_eq!(installed.hash, draft_file.hash);

    // Proofs: a run with an outage (the trap: restart the whole cluster) is refused; the
    // runbook's clean path becomes the case's proof, and drill lint then passes.
    let seed = draft_file
        .seed_for_case("reboot=comes-back", 1, 100_000)
        .unwrap();
    let proof_url = format!("/api/trainer/scenarios/{draft_id}/proof");
    let trap = script::parse("at 07:00 reboot node-1\nat 07:00 reboot node-2\n").unwrap();
    let (status, body) = post_as(
        server,
        &proof_url,
        &ana,
        json!({ "replay": Replay::new(&draft_file, seed, trap) }),
    )
    .await;
    assert_eq!((status, code(&body)), (422, "proof_refused"), "{body}");
    assert!(body.to_string().contains("outage"), "{body}");
    let clean = script::parse("at 06:30 reboot node-3\n").unwrap();
    let played = Replay::new(&draft_file, seed, clean.clone()).with_mode(PlayMode::Mentor);
    let (status, recorded) = post_as(server, &proof_url, &ana, json!({ "replay": played })).await;
    assert_eq!(status, 200, "{recorded}");
    let recorded: t::ProofRecorded = serde_json::from_value(recorded).unwrap();
    assert_eq!(recorded.case, "reboot=comes-back");
    assert!(recorded.lint.ok, "{:?}", recorded.lint.problems);
    let proven = quorum_sim::scenario::parse(&recorded.toml).unwrap();
    assert_eq!(
        proven
            .proof_for("reboot=comes-back")
            .unwrap()
            .actions
            .trim(),
        "at 06:30 reboot node-3"
    );
    // The draft now holds that file: a run of the file before the proof is of another file.
    let (_, stored) = get_as(
        server,
        &format!("/api/trainer/scenarios/{draft_id}/toml"),
        &ana,
    )
    .await;
    assert_eq!(stored.as_str(), Some(recorded.toml.as_str()));
    let (status, body) = post_as(server, &proof_url, &ana, json!({ "replay": played })).await;
    assert_eq!((status, code(&body)), (422, "proof_refused"), "{body}");

    // Published; served packed by its hash to anyone (a trainee's game), 404 otherwise.
    let (status, published) = post_as(
        server,
        &format!("/api/trainer/scenarios/{draft_id}/publish"),
        &ana,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    let hash = published["hash"].as_str().unwrap().to_string();
    assert_eq!(hash, proven.hash);
    let (status, packed) = server.get(&format!("/api/scenarios/{hash}")).await;
    assert_eq!(status, 200);
    let served = quorum_sim::scenario::unpack(packed.as_str().unwrap()).unwrap();
    assert_eq!(served.hash, hash);
    let (status, _) = server
        .get(&format!("/api/scenarios/{}", "0".repeat(64)))
        .await;
    assert_eq!(status, 404);

    // Assigned by its hash (a hash that names no published file is refused).
    let (_, cohort) = post_as(
        server,
        "/api/trainer/cohorts",
        &ana,
        json!({ "name": "Acme" }),
    )
    .await;
    let cohort_id = cohort["id"].as_i64().unwrap();
    let assign = format!("/api/trainer/cohorts/{cohort_id}/assignments");
    let (status, body) = post_as(
        server,
        &assign,
        &ana,
        json!({ "title": "Ours", "scenarios": [{ "id": "acme-node-hang", "hash": draft_file.hash }], "mode": "exam" }),
    )
    .await;
    assert_eq!((status, code(&body)), (422, "invalid_assignment"), "{body}");
    let (status, assignment) = post_as(
        server,
        &assign,
        &ana,
        json!({ "title": "Ours", "scenarios": [{ "id": "acme-node-hang", "hash": hash }], "mode": "exam", "full_coverage": false }),
    )
    .await;
    assert_eq!(status, 201, "{assignment}");
    assert_eq!(
        assignment["scenarios"][0]["hash"].as_str(),
        Some(hash.as_str())
    );

    // A trainee plays it (the browser's copy) and submits: the server re-simulates it on
    // the stored file and scores it; the assignment is done, on the dashboard too.
    let carol = server.token_for("carol").await;
    let (_, joined) = post_as(
        server,
        "/api/cohorts/join",
        &carol,
        json!({ "invite_code": cohort["invite_code"], "name": "Carol" }),
    )
    .await;
    assert_eq!(joined["cohort"].as_str(), Some("Acme"), "{joined}");
    let run = Replay::new(&served, seed + 1, clean).with_mode(PlayMode::Exam);
    let expected = quorum_sim::run(&proven, run.seed, &run.actions);
    let (status, submitted) = server
        .submit_as(&carol, &json!({ "player": "Carol", "replay": run }))
        .await;
    assert_eq!(status, 201, "{submitted}");
    assert_eq!(submitted["score"].as_i64(), Some(expected.score));
    assert_eq!(submitted["scenario_id"].as_str(), Some("acme-node-hang"));
    let (_, mine) = get_as(server, "/api/me/assignments", &carol).await;
    let mine: Vec<t::MyAssignment> = serde_json::from_value(mine).unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].progress.done, "{:?}", mine[0].progress);
    assert_eq!(mine[0].progress.best_score, Some(expected.score));
    // The trainee's list names the scenario by its file's title, not its id.
    assert_eq!(
        mine[0].assignment.scenarios[0].title.as_ref(),
        Some(&served.title)
    );
    let (_, dashboard) = get_as(
        server,
        &format!("/api/trainer/cohorts/{cohort_id}/dashboard"),
        &ana,
    )
    .await;
    let dashboard: t::Dashboard = serde_json::from_value(dashboard).unwrap();
    assert_eq!(dashboard.rows[0].cells[0].best_score, Some(expected.score));
    assert!(dashboard.rows[0].cells[0].cases_total == 2);

    // A replay of a file this server never published is an unknown scenario.
    let stranger = Replay::new(&draft_file, seed, Vec::new()).with_mode(PlayMode::Exam);
    let (status, body) = server
        .submit_as(&carol, &json!({ "player": "Carol", "replay": stranger }))
        .await;
    assert_eq!((status, code(&body)), (422, "unknown_scenario"), "{body}");
}
on_every_backend!(a_trainers_scenario_is_proven_published_assigned_played_and_scored);
