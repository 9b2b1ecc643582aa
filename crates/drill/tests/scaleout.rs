//! Two `drill serve` processes on one PostgreSQL database behave as one server: the board's
//! rules hold across them under concurrent submissions (one run per canonical hash, a team's
//! cap), and a `kill -9` of one process loses nothing it acknowledged and leaves the
//! standings consistent with the runs stored.

mod common;

use common::child;

use std::process::{Child, Command};
use std::time::Duration;

use common::{careful_actions_later, open_competition, replay, ADMIN_TOKEN};
use serde_json::{json, Value};

/// A `drill serve` child on `url`, on an ephemeral port.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(url: &str, dir: &std::path::Path, name: &str) -> Process {
        let mut command = Command::new(env!("CARGO_BIN_EXE_drill"));
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--rate-limit", "0"])
            .args(["--identity-rate", "0", "--sim-workers", "2", "--db", url])
            .arg("--dist")
            .arg(dir.join("no-dist"))
            .env("QD_ADMIN_TOKEN", ADMIN_TOKEN)
            .stderr(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap());
        let (child, addr, line) = child::spawn_serve(command);
        assert!(line.contains("postgres://"), "{name}: {line}");
        Process {
            child,
            base: format!("http://{addr}"),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .no_proxy()
        .build()
        .unwrap()
}

/// `(status, body)`, or `None` when the connection failed (a killed process).
async fn send(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    body: Option<&Value>,
    bearer: Option<&str>,
) -> Option<(u16, Value)> {
    let mut request = match body {
        Some(body) => client.post(format!("{base}{path}")).json(body),
        None => client.get(format!("{base}{path}")),
    };
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.ok()?;
    Some((status, body))
}

async fn identity(client: &reqwest::Client, base: &str) -> String {
    let (status, body) = send(client, base, "/api/identities", Some(&json!({})), None)
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_are_one_server_even_when_one_is_killed() {
    let url = common::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let a = Process::start(&url, dir.path(), "a");
    let mut b = Process::start(&url, dir.path(), "b");
    let bases = [a.base.clone(), b.base.clone()];
    let client = client();

    // A competition created through A is open through B: no process keeps it to itself.
    let mut body = open_competition(
        "Scale out",
        json!([{ "id": "seed-ami-trap", "seeds": [1] }]),
    );
    body["team_cap"] = json!(2);
    let (status, competition) = send(
        &client,
        &bases[0],
        "/api/competitions",
        Some(&body),
        Some(ADMIN_TOKEN),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{competition}");
    let code = competition["code"].as_str().unwrap().to_string();
    let (status, _) = send(
        &client,
        &bases[1],
        &format!("/api/competitions/{code}"),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);

    // Six players made on both processes, each an identity either process knows.
    let mut tokens = Vec::new();
    for i in 0..6 {
        tokens.push(identity(&client, &bases[i % 2]).await);
    }

    // A trainer (made through A) and a cohort (through B); the six join it through both
    // processes at once, and an assignment counts their Exam runs of the trap.
    let (status, trainer) = send(
        &client,
        &bases[0],
        "/api/trainers",
        Some(&json!({ "name": "Kim" })),
        Some(ADMIN_TOKEN),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{trainer}");
    let trainer = trainer["token"].as_str().unwrap().to_string();
    let (status, cohort) = send(
        &client,
        &bases[1],
        "/api/trainer/cohorts",
        Some(&json!({ "name": "Scale out" })),
        Some(&trainer),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{cohort}");
    let cohort_id = cohort["id"].as_i64().unwrap();
    let invite = cohort["invite_code"].as_str().unwrap().to_string();
    let (status, _) = send(
        &client,
        &bases[0],
        &format!("/api/trainer/cohorts/{cohort_id}/assignments"),
        Some(&json!({ "title": "Trap", "scenarios": [{ "id": "seed-ami-trap" }], "mode": "exam" })),
        Some(&trainer),
    )
    .await
    .unwrap();
    assert_eq!(status, 201);
    let joins = (0..6).map(|i| {
        let (client, base, token) = (
            client.clone(),
            bases[(i + 1) % 2].clone(),
            tokens[i].clone(),
        );
        let body = json!({ "invite_code": invite, "name": format!("p{i}") });
        async move {
            send(
                &client,
                &base,
                "/api/cohorts/join",
                Some(&body),
                Some(&token),
            )
            .await
        }
    });
    for answer in futures_join(joins).await {
        assert_eq!(answer.map(|(s, _)| s), Some(200));
    }

    // The same run submitted by four players through both processes at once: one stores it,
    // the others hear it is taken.
    let same = replay(1, careful_actions_later(0));
    let submissions = (0..4).map(|i| {
        let (client, base, token) = (client.clone(), bases[i % 2].clone(), tokens[i].clone());
        let body = json!({ "player": format!("p{i}"), "replay": same, "competition": code });
        async move { send(&client, &base, "/api/runs", Some(&body), Some(&token)).await }
    });
    let answers: Vec<(u16, Value)> = futures_join(submissions)
        .await
        .into_iter()
        .map(|a| a.expect("an answer"))
        .collect();
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409], "{answers:?}");

    // Six players join team "blue" (cap 2) through both processes at once: two get in.
    let joins = (0..6).map(|i| {
        let (client, base, token) = (client.clone(), bases[i % 2].clone(), tokens[i].clone());
        let body = json!({
            "player": format!("p{i}"), "team": "blue", "competition": code,
            "replay": replay(1, careful_actions_later(10 + i as u64)),
        });
        async move { send(&client, &base, "/api/runs", Some(&body), Some(&token)).await }
    });
    let answers: Vec<(u16, Value)> = futures_join(joins)
        .await
        .into_iter()
        .map(|a| a.expect("an answer"))
        .collect();
    let in_blue = answers
        .iter()
        .filter(|(s, b)| *s == 201 && b["team"] == "blue")
        .count();
    let full = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["error"]["code"] == "team_full")
        .count();
    assert_eq!((in_blue, full), (2, 4), "{answers:?}");

    // Load on both, and B killed (SIGKILL) in the middle: every run either process
    // acknowledged is stored, and the tables agree with what was acknowledged.
    let load = (0..24u64).map(|n| {
        let i = (n % 6) as usize;
        let (client, base, token) = (
            client.clone(),
            bases[(n % 2) as usize].clone(),
            tokens[i].clone(),
        );
        let body = json!({
            "player": format!("p{i}"), "competition": code,
            "replay": replay(1, careful_actions_later(100 + n * 7)),
        });
        async move {
            tokio::time::sleep(Duration::from_millis(n * 40)).await;
            (
                i,
                send(&client, &base, "/api/runs", Some(&body), Some(&token)).await,
            )
        }
    });
    let killer = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        b.child.kill().expect("kill -9");
        b.child.wait().unwrap();
    };
    let (results, ()) = tokio::join!(futures_join(load), killer);
    let lost_with_b = results.iter().filter(|(_, r)| r.is_none()).count();
    assert!(
        lost_with_b > 0,
        "B was killed before it answered everything"
    );
    let acknowledged: Vec<(usize, i64, i64)> = results
        .iter()
        .filter_map(|(i, r)| match r {
            Some((201, body)) => Some((*i, body["id"].as_i64()?, body["score"].as_i64()?)),
            Some((status, body)) => panic!("unexpected {status}: {body}"),
            None => None,
        })
        .collect();
    assert!(
        acknowledged.len() >= 12,
        "A answered its half: {acknowledged:?}"
    );
    for (_, id, score) in &acknowledged {
        let (status, run) = send(&client, &bases[0], &format!("/api/runs/{id}"), None, None)
            .await
            .unwrap();
        assert_eq!(
            (status, run["score"].as_i64()),
            (200, Some(*score)),
            "{run}"
        );
    }

    // Every stored run of the competition, read straight from the database: the standings
    // are each player's best and their run count, as the table shows them.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let stored: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT identity_id, MAX(score), COUNT(*) FROM runs WHERE competition_id <> 0
         GROUP BY identity_id ORDER BY identity_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let (status, table) = send(
        &client,
        &bases[0],
        &format!("/api/competitions/{code}?limit=100"),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let mut shown: Vec<(i64, i64, i64)> = table["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["player_id"].as_i64().unwrap(),
                row["total"].as_i64().unwrap(),
                row["runs"].as_i64().unwrap(),
            )
        })
        .collect();
    shown.sort_unstable();
    assert_eq!(shown, stored);
    let runs_stored: i64 = stored.iter().map(|(_, _, n)| n).sum();
    // 1 shared run + 2 in blue + the acknowledged load + whatever B committed before dying
    // (stored though its answer was lost: a retry would get the stored run back).
    assert!(
        runs_stored >= 3 + acknowledged.len() as i64,
        "{runs_stored}"
    );
    assert!(runs_stored <= 3 + 24, "{runs_stored}");

    // The cohort's dashboard (through the survivor) has all six trainees, each with the best
    // of the runs stored for them, whichever process stored it.
    let best: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT identity_id, MAX(score) FROM runs GROUP BY identity_id ORDER BY identity_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let (status, dashboard) = send(
        &client,
        &bases[0],
        &format!("/api/trainer/cohorts/{cohort_id}/dashboard?sort=player_id"),
        None,
        Some(&trainer),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{dashboard}");
    let shown: Vec<(i64, i64)> = dashboard["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            Some((
                r["player_id"].as_i64()?,
                r["cells"][0]["best_score"].as_i64()?,
            ))
        })
        .collect();
    assert_eq!(dashboard["rows"].as_array().unwrap().len(), 6);
    assert_eq!(shown, best);

    // The survivor still takes submissions and its answers count the dead process's runs.
    let (status, body) = send(
        &client,
        &bases[0],
        "/api/runs",
        Some(&json!({ "player": "p0", "competition": code,
                      "replay": replay(1, careful_actions_later(999)) })),
        Some(&tokens[0]),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    drop(a);
}

/// Runs the futures concurrently, answers in order.
async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
