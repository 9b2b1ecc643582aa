//! Shared helpers: a real server on an ephemeral loopback port with a temporary database,
//! and replay builders.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use drill::server::{self, ServerConfig};
use quorum_sim::replay::PlayMode;
use quorum_sim::{scenario, Action, Replay, TimedAction};
use serde_json::{json, Value};

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A server running in this test's runtime, on 127.0.0.1:<ephemeral>.
pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database the server runs on (`None`: the SQLite file [`TestServer::db_path`]).
    pub postgres_url: Option<String>,
    /// One identity per player name the test submits as (see [`TestServer::token_for`]).
    tokens: Mutex<HashMap<String, String>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with no rate limit and the admin token set, after `configure` edits
    /// the configuration.
    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Quorum Drill</title>",
        )
        .unwrap();
        std::fs::write(dist.join("app.js"), "console.log('hi')").unwrap();
        let default_db = dir.path().join("data/drill.db");
        let mut config = ServerConfig::new(default_db.clone(), dist);
        config.rate_limit_per_minute = 0;
        config.identity_rate_per_hour = 0;
        config.admin_token = Some(ADMIN_TOKEN.to_string());
        // `QD_TEST_BACKEND=postgres` runs the HTTP suites on a fresh PostgreSQL database of
        // the test cluster (`cargo xtask test` does, after the SQLite run).
        match std::env::var("QD_TEST_BACKEND").as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => {}
            Ok("postgres") => config.postgres_url = Some(pg::fresh_database().await),
            Ok(other) => panic!("QD_TEST_BACKEND={other:?}: sqlite or postgres"),
        }
        configure(&mut config);
        // A test that brings its own SQLite file (a migration from an old schema) keeps it.
        if config.db_path != default_db {
            config.postgres_url = None;
        }
        let postgres_url = config.postgres_url.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::serve(listener, config, async {
                let _ = rx.await;
            })
            .await
            .expect("server failed");
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .unwrap();
        TestServer {
            addr,
            base: format!("http://{addr}"),
            client,
            dir,
            postgres_url,
            tokens: Mutex::new(HashMap::new()),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("data/drill.db")
    }

    /// A whole number one SQL query answers, on whichever backend the server runs.
    pub async fn sql_i64(&self, sql: &str) -> i64 {
        match &self.postgres_url {
            None => rusqlite::Connection::open(self.db_path())
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Some(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
            }
        }
    }

    /// A text (or NULL) one SQL query answers, on whichever backend the server runs.
    pub async fn sql_text(&self, sql: &str) -> Option<String> {
        match &self.postgres_url {
            None => rusqlite::Connection::open(self.db_path())
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Some(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
            }
        }
    }

    /// Bytes one SQL query answers, on whichever backend the server runs.
    pub async fn sql_bytes(&self, sql: &str) -> Vec<u8> {
        match &self.postgres_url {
            None => rusqlite::Connection::open(self.db_path())
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Some(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(
            path,
            serde_json::to_vec(body).unwrap(),
            "application/json",
            None,
        )
        .await
    }

    /// A new identity: `(player_id, token)`.
    pub async fn new_identity(&self) -> (i64, String) {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "/api/identities",
                Vec::new(),
                "application/json",
                None,
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["player_id"].as_i64().expect("player_id"),
            body["token"].as_str().expect("token").to_string(),
        )
    }

    /// The token of the identity that submits as `player` in this test (made at first use):
    /// one person per name, as the game keeps one identity per browser.
    pub async fn token_for(&self, player: &str) -> String {
        let key = player.trim().to_string();
        if let Some(token) = self.tokens.lock().unwrap().get(&key) {
            return token.clone();
        }
        let (_, token) = self.new_identity().await;
        self.tokens
            .lock()
            .unwrap()
            .entry(key)
            .or_insert(token)
            .clone()
    }

    /// POSTs `body`; a submission (`/api/runs`) without a `bearer` is sent with the token of
    /// its `player` ([`TestServer::token_for`]).
    pub async fn post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        let auto = match (bearer, path) {
            (None, "/api/runs") => {
                let player = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v["player"].as_str().map(str::to_string));
                match player {
                    Some(player) => Some(self.token_for(&player).await),
                    None => None,
                }
            }
            _ => None,
        };
        let bearer = bearer.or(auto.as_deref());
        self.send(reqwest::Method::POST, path, body, content_type, bearer)
            .await
    }

    /// A POST with no identity at all.
    pub async fn post_anonymous(&self, path: &str, body: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(body).unwrap();
        self.send(reqwest::Method::POST, path, body, "application/json", None)
            .await
    }

    /// A submission with an explicit identity token.
    pub async fn submit_as(&self, token: &str, body: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(body).unwrap();
        self.send(
            reqwest::Method::POST,
            "/api/runs",
            body,
            "application/json",
            Some(token),
        )
        .await
    }

    /// A DELETE, with the admin token when `admin`.
    pub async fn delete(&self, path: &str, admin: bool) -> (u16, Value) {
        self.send(
            reqwest::Method::DELETE,
            path,
            Vec::new(),
            "application/json",
            admin.then_some(ADMIN_TOKEN),
        )
        .await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn submit(&self, player: &str, replay: &Replay) -> (u16, Value) {
        self.post("/api/runs", &json!({ "player": player, "replay": replay }))
            .await
    }

    pub async fn create_competition(&self, body: &Value) -> (u16, Value) {
        self.post_raw(
            "/api/competitions",
            serde_json::to_vec(body).unwrap(),
            "application/json",
            Some(ADMIN_TOKEN),
        )
        .await
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

/// The error code of an error response.
pub fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
}

pub fn at(mm: u64, ss: u64, action: Action) -> TimedAction {
    TimedAction {
        at_ms: (mm * 60 + ss) * 1000,
        action,
    }
}

/// The founding mistake: create an image of node-2 without No reboot at 02:00.
pub fn trap_actions() -> Vec<TimedAction> {
    image_of_node_2(false)
}

/// The careful version: the same image with No reboot.
pub fn careful_actions() -> Vec<TimedAction> {
    image_of_node_2(true)
}

/// The careful line with the image `seconds` later: another run (its own canonical hash)
/// with the careful line's score, for a second player.
pub fn careful_actions_later(seconds: u64) -> Vec<TimedAction> {
    let mut actions = careful_actions();
    actions[1].at_ms += seconds * 1000;
    actions
}

fn image_of_node_2(no_reboot: bool) -> Vec<TimedAction> {
    vec![
        at(1, 0, Action::Wait),
        at(
            2,
            0,
            Action::CreateImage {
                instance: "node-2".into(),
                name: None,
                description: None,
                no_reboot,
            },
        ),
    ]
}

/// A replay of `seed-ami-trap` with `actions`, unclaimed, played in Exam mode (the runs the
/// public board ranks).
pub fn replay(seed: u64, actions: Vec<TimedAction>) -> Replay {
    replay_in(PlayMode::Exam, seed, actions)
}

/// The same, played in `mode`.
pub fn replay_in(mode: PlayMode, seed: u64, actions: Vec<TimedAction>) -> Replay {
    let scenario = scenario::builtin("seed-ami-trap").expect("seed-ami-trap");
    Replay::new(scenario, seed, actions).with_mode(mode)
}

/// The same, claiming the score the simulator computes locally.
pub fn claimed_replay(seed: u64, actions: Vec<TimedAction>) -> Replay {
    let mut replay = replay(seed, actions);
    let report = quorum_sim::replay::verify(&replay).expect("valid replay");
    replay.claimed_score = Some(report.score);
    replay
}

/// A competition body open from an hour ago to an hour from now.
pub fn open_competition(name: &str, scenarios: Value) -> Value {
    let now = drill::timefmt::now_ms();
    json!({
        "name": name,
        "starts_at": drill::timefmt::to_rfc3339(now - 3_600_000),
        "ends_at": drill::timefmt::to_rfc3339(now + 3_600_000),
        "scenarios": scenarios,
    })
}

pub mod child;
pub mod pg;

impl TestServer {
    /// A server like [`TestServer::start_with`]'s on a fresh PostgreSQL database of the test
    /// cluster ([`pg`]).
    pub async fn start_postgres_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let url = pg::fresh_database().await;
        TestServer::start_with(move |config| {
            config.postgres_url = Some(url);
            configure(config);
        })
        .await
    }

    pub async fn start_postgres() -> TestServer {
        TestServer::start_postgres_with(|_| {}).await
    }
}
