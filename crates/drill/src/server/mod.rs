//! `drill serve`: the game's static files and the leaderboard API in one process.
//!
//! Every submitted replay is re-simulated with the simulator core (on Tokio's blocking pool,
//! at most [`ServerConfig::sim_workers`] at a time, [`ServerConfig::sim_queue`] more
//! waiting: [`SimQueue`]) and only the report the server computed is stored. Connections,
//! their caps and timeouts: [`net`]; the static files and browser headers: [`statics`]. See
//! `crates/drill/README.md` for the API.

pub mod api;
pub mod error;
pub mod form;
pub mod net;
pub mod rooms;
pub mod statics;
pub mod tables;
pub mod trainer;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::db::DbError;
use crate::ratelimit::RateLimiter;
use crate::store::{Store, Target};
use error::{ApiError, ApiResult};

/// Request bodies larger than this are refused with 413: a replay at its size limit
/// ([`quorum_sim::replay::MAX_REPLAY_BYTES`], checked again on the replay itself) plus room
/// for the rest of a submission.
pub const MAX_BODY_BYTES: usize = quorum_sim::replay::MAX_REPLAY_BYTES + 8 * 1024;
/// Submissions per minute per client address by default.
pub const DEFAULT_RATE_LIMIT: u32 = 30;
/// New identities per hour per client address by default (a bucket of 10 that refills
/// over the hour; kept in memory, so per server process).
pub const DEFAULT_IDENTITY_RATE_LIMIT: u32 = 10;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The SQLite file (`--db sqlite:PATH`), unless [`ServerConfig::postgres_url`] is set.
    pub db_path: PathBuf,
    /// `--db postgres://…`: PostgreSQL instead of the SQLite file.
    pub postgres_url: Option<String>,
    pub dist: PathBuf,
    /// POSTs per minute per client address (token bucket); 0 disables the limit.
    pub rate_limit_per_minute: u32,
    /// New identities per hour per client address (token bucket, in this process's
    /// memory); 0 disables the limit.
    pub identity_rate_per_hour: u32,
    /// `Access-Control-Allow-Origin` for the API; no CORS headers at all when `None`.
    pub cors_origin: Option<String>,
    /// The admin token for creating competitions (`QD_ADMIN_TOKEN`); competitions cannot be
    /// created when `None`.
    pub admin_token: Option<String>,
    /// Simulations run at once (default: the number of cores).
    pub sim_workers: usize,
    /// Submissions waiting for a simulation at most; past it, 503 with `Retry-After`.
    pub sim_queue: usize,
    /// From a connection's start, or the end of its last response, until its next request
    /// head is complete: the slow-header and the idle keep-alive timeout in one (hyper's).
    pub header_timeout: Duration,
    /// The longest pause while a request body arrives (then 408).
    pub body_timeout: Duration,
    /// From a request's head to its answer at most (then 408).
    pub request_timeout: Duration,
    /// After SIGTERM/SIGINT, how long open connections may finish before they are closed.
    pub shutdown_timeout: Duration,
    /// Open connections at most (lowered to what the file-descriptor limit allows); past
    /// it, a new connection gets 503 and is closed.
    pub max_connections: usize,
    /// Open connections from one address (IPv6: one /64) at most; past it, a new one is
    /// closed without an answer.
    pub max_connections_per_ip: usize,
    /// Team drills' caps (`rooms::RoomLimits`).
    pub rooms: rooms::RoomLimits,
}

/// Defaults of [`ServerConfig`], also the CLI's.
pub const DEFAULT_SIM_QUEUE: usize = 512;
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 256;

impl ServerConfig {
    pub fn new(db_path: impl Into<PathBuf>, dist: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            db_path: db_path.into(),
            postgres_url: None,
            dist: dist.into(),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT,
            identity_rate_per_hour: DEFAULT_IDENTITY_RATE_LIMIT,
            cors_origin: None,
            admin_token: None,
            sim_workers: cores(),
            sim_queue: DEFAULT_SIM_QUEUE,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            rooms: rooms::RoomLimits::default(),
        }
    }
}

impl ServerConfig {
    /// The database this configuration names.
    pub fn target(&self) -> Target {
        match &self.postgres_url {
            Some(url) => Target::Postgres(url.clone()),
            None => Target::Sqlite(self.db_path.clone()),
        }
    }
}

/// The machine's cores (2 if it cannot tell).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Re-simulation, bounded: `workers` simulations at once and `queue` more submissions
/// waiting; past that, [`SimQueue::enter`] refuses at once with 503 and `Retry-After`
/// rather than let waiting requests (and their memory) pile up. Two tokio semaphores: tower's
/// `ConcurrencyLimit` waits without a bound, and `LoadShed` in front of it refuses without a
/// queue.
pub struct SimQueue {
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

/// A place to run one simulation; held until it has finished.
pub struct SimTicket {
    _admitted: OwnedSemaphorePermit,
    _running: OwnedSemaphorePermit,
}

/// Seconds a refused submission is told to wait.
pub const SIM_RETRY_AFTER_S: u64 = 2;

impl SimQueue {
    pub fn new(workers: usize, queue: usize) -> SimQueue {
        let workers = workers.max(1);
        SimQueue {
            admitted: Arc::new(Semaphore::new(workers + queue)),
            running: Arc::new(Semaphore::new(workers)),
        }
    }

    /// Waits for a worker, or refuses at once if the queue is full.
    pub async fn enter(&self) -> ApiResult<SimTicket> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| {
            let mut busy = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!(
                    "the server is verifying as many replays as it can; retry in {SIM_RETRY_AFTER_S} s"
                ),
            );
            busy.retry_after_s = Some(SIM_RETRY_AFTER_S);
            busy
        })?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        Ok(SimTicket {
            _admitted: admitted,
            _running: running,
        })
    }
}

/// Shared by every handler.
pub struct AppState {
    pub db: Arc<dyn Store>,
    pub limiter: RateLimiter,
    /// `POST /api/identities` per address.
    pub identity_limiter: RateLimiter,
    /// SHA-256 of the admin token: compared in constant time, and equal-length whatever the
    /// token's length.
    pub admin_token_sha256: Option<[u8; 32]>,
    pub sims: SimQueue,
    /// Team drills' rooms (issue 14).
    pub rooms: Arc<rooms::Rooms>,
}

/// Why the server could not start.
#[derive(Debug)]
pub enum ServeError {
    Db(DbError),
    Config(String),
    Io(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Db(e) => write!(f, "database: {e}"),
            ServeError::Config(e) => f.write_str(e),
            ServeError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Opens the database and builds the whole application.
pub async fn app(config: &ServerConfig) -> Result<Router, ServeError> {
    let db = crate::store::open(&config.target())
        .await
        .map_err(ServeError::Db)?;
    app_with(config, db)
}

/// Builds the whole application on an open store.
pub fn app_with(config: &ServerConfig, db: Arc<dyn Store>) -> Result<Router, ServeError> {
    let admin_token_sha256 = config
        .admin_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| Sha256::digest(t.as_bytes()).into());
    let rooms = rooms::Rooms::new(config.rooms.clone(), db.clone());
    let state = Arc::new(AppState {
        db,
        limiter: RateLimiter::new(config.rate_limit_per_minute),
        identity_limiter: RateLimiter::per(
            config.identity_rate_per_hour,
            std::time::Duration::from_secs(3600),
        ),
        admin_token_sha256,
        sims: SimQueue::new(config.sim_workers, config.sim_queue),
        rooms,
    });

    let limited = axum::middleware::from_fn_with_state(state.clone(), api::rate_limit);
    let minting = axum::middleware::from_fn_with_state(state.clone(), api::identity_rate_limit);
    let mut api = Router::new()
        .route("/health", get(api::health))
        .route("/version", get(api::version))
        .route("/identities", post(api::create_identity).layer(minting))
        .route("/identity", get(api::get_identity))
        .route("/runs", post(api::submit_run).layer(limited.clone()))
        .route("/runs/{id}", get(api::get_run).delete(api::remove_run))
        .route("/leaderboard", get(api::leaderboard))
        .route(
            "/competitions",
            post(api::create_competition).layer(limited.clone()),
        )
        .route("/competitions/{code}", get(api::get_competition))
        .route(
            "/competitions/{code}/team-drills",
            get(rooms::competition_team_drills),
        )
        .route(
            "/competitions/{code}/runs/{id}",
            axum::routing::delete(api::remove_competition_run),
        )
        .route(
            "/competitions/{code}/blocks",
            post(api::block_identity).layer(limited.clone()),
        )
        // Trainers (issue 13): `server::trainer`.
        .route(
            "/trainers",
            post(trainer::create_trainer).layer(limited.clone()),
        )
        .route(
            "/trainer/cohorts",
            get(trainer::list_cohorts).post(trainer::create_cohort),
        )
        .route("/trainer/cohorts/{id}", get(trainer::get_cohort))
        .route(
            "/trainer/cohorts/{id}/assignments",
            post(trainer::create_assignment),
        )
        .route("/trainer/cohorts/{id}/dashboard", get(trainer::dashboard))
        .route(
            "/trainer/cohorts/{id}/dashboard.csv",
            get(trainer::dashboard_csv),
        )
        .route(
            "/trainer/cohorts/{id}/trainees/{player}/runs",
            get(trainer::trainee_runs),
        )
        .route(
            "/trainer/runs/{id}/comments",
            get(trainer::run_comments).post(trainer::add_comment),
        )
        .route(
            "/trainer/scenarios/templates",
            get(trainer::scenario_templates),
        )
        .route("/trainer/scenarios/lint", post(trainer::lint_scenario))
        .route("/trainer/scenarios/pack", post(trainer::pack_scenario))
        .route("/trainer/scenarios/form", post(trainer::scenario_form))
        .route("/scenarios/{hash}", get(trainer::public_scenario))
        .route(
            "/trainer/scenarios",
            get(trainer::list_scenarios).post(trainer::save_scenario),
        )
        .route("/trainer/scenarios/{id}/toml", get(trainer::scenario_toml))
        .route(
            "/trainer/scenarios/{id}/publish",
            post(trainer::publish_scenario),
        )
        .route("/trainer/scenarios/{id}/proof", post(trainer::record_proof))
        .route(
            "/cohorts/join",
            post(trainer::join_cohort).layer(limited.clone()),
        )
        .route("/me/assignments", get(trainer::my_assignments))
        .route("/me/runs/{id}/comments", get(trainer::my_run_comments))
        // Team drills (issue 14): `server::rooms`.
        .route("/rooms", post(rooms::open_room).layer(limited.clone()))
        .route("/rooms/{code}/ws", get(rooms::join_room))
        .route(
            "/rooms/{code}/result",
            get(rooms::room_result).layer(limited),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // JSON answers gzip or brotli, as the client accepts (with `Vary: Accept-Encoding`).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state);
    if let Some(origin) = &config.cors_origin {
        let allow = if origin == "*" {
            AllowOrigin::any()
        } else {
            let value = HeaderValue::from_str(origin).map_err(|_| {
                ServeError::Config(format!("--cors-origin {origin:?} is not a valid origin"))
            })?;
            AllowOrigin::exact(value)
        };
        api = api.layer(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([Method::GET, Method::POST, Method::DELETE])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        );
    }

    let index = config.dist.join("index.html");
    if !index.is_file() {
        tracing::warn!(
            "{} not found: the game is not built, only the API is served (run `cargo xtask build`)",
            index.display()
        );
    }
    let policy = Arc::new(statics::Policy::new(&config.dist));
    let dist = Arc::new(statics::Dist {
        root: config.dist.canonicalize().ok(),
    });
    // The game is ~1 MB of wasm uncompressed. `cargo xtask build` writes brotli and gzip
    // copies next to each file, served as they are; anything without one is compressed on
    // the way out.
    let files = ServeDir::new(&config.dist)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(ServeFile::new(index));
    let statics = Router::new()
        .fallback_service(files)
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn(statics::cache_headers))
        .layer(axum::middleware::from_fn_with_state(
            dist,
            statics::stay_inside,
        ));
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Ok(Router::new()
        .nest("/api", api)
        .merge(statics)
        .layer(axum::middleware::from_fn(statics::vary_accept_encoding))
        .layer(axum::middleware::from_fn_with_state(
            policy,
            statics::security_headers,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        // A stalled body fails the handler's read (408 from `api::json_body`); a request
        // that takes longer than this in all gets 408 from the layer.
        .layer(RequestBodyTimeoutLayer::new(config.body_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        )))
}

/// Serves on `listener` until `shutdown` completes, then lets open connections finish for
/// at most [`ServerConfig::shutdown_timeout`] and closes the rest ([`net`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = app(&config).await?;
    net::serve_connections(listener, app, &config, shutdown)
        .await
        .map_err(ServeError::Io)
}
