//! `drill serve`: the game's static files and the leaderboard API in one process.
//!
//! Every submitted replay is re-simulated with the simulator core (on Tokio's blocking pool,
//! at most [`ServerConfig::sim_workers`] at a time) and only the report the server computed
//! is stored. See `crates/drill/README.md` for the API.

pub mod api;
pub mod error;
pub mod tables;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::db::{Db, DbError};
use crate::ratelimit::RateLimiter;

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Submissions per minute per client address by default.
pub const DEFAULT_RATE_LIMIT: u32 = 30;
/// New identities per hour per client address by default (a bucket of 10 that refills
/// over the hour; kept in memory, so per server process).
pub const DEFAULT_IDENTITY_RATE_LIMIT: u32 = 10;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub db_path: PathBuf,
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
}

impl ServerConfig {
    pub fn new(db_path: impl Into<PathBuf>, dist: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            db_path: db_path.into(),
            dist: dist.into(),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT,
            identity_rate_per_hour: DEFAULT_IDENTITY_RATE_LIMIT,
            cors_origin: None,
            admin_token: None,
            sim_workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        }
    }
}

/// Shared by every handler.
pub struct AppState {
    pub db: Db,
    pub limiter: RateLimiter,
    /// `POST /api/identities` per address.
    pub identity_limiter: RateLimiter,
    /// SHA-256 of the admin token: compared in constant time, and equal-length whatever the
    /// token's length.
    pub admin_token_sha256: Option<[u8; 32]>,
    pub sims: Arc<Semaphore>,
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
pub fn app(config: &ServerConfig) -> Result<Router, ServeError> {
    let db = Db::open(&config.db_path).map_err(ServeError::Db)?;
    let admin_token_sha256 = config
        .admin_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| Sha256::digest(t.as_bytes()).into());
    let state = Arc::new(AppState {
        db,
        limiter: RateLimiter::new(config.rate_limit_per_minute),
        identity_limiter: RateLimiter::per(
            config.identity_rate_per_hour,
            std::time::Duration::from_secs(3600),
        ),
        admin_token_sha256,
        sims: Arc::new(Semaphore::new(config.sim_workers.max(1))),
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
            "/competitions/{code}/runs/{id}",
            axum::routing::delete(api::remove_competition_run),
        )
        .route(
            "/competitions/{code}/blocks",
            post(api::block_identity).layer(limited),
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
    // The game is ~1 MB of wasm uncompressed. `cargo xtask build` writes brotli and gzip
    // copies next to each file, served as they are; anything without one is compressed on
    // the way out.
    let files = ServeDir::new(&config.dist)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(ServeFile::new(index));
    let statics = Router::new()
        .fallback_service(files)
        .layer(tower_http::compression::CompressionLayer::new());
    Ok(Router::new()
        .nest("/api", api)
        .merge(statics)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        )))
}

/// Serves on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = app(&config)?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(ServeError::Io)
}
