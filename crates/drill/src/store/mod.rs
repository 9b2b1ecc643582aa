//! The storage interface: one trait, [`Store`], with two backends — SQLite
//! ([`crate::db::Db`], the embedded default: one file, one writer thread with group commits)
//! and PostgreSQL ([`postgres::PgStore`], sqlx, for several `drill serve` processes on one
//! database). The server's handlers see only `Arc<dyn Store>`; `tests/store.rs` runs one story
//! over both backends.
//!
//! Every rule that must hold across concurrent submissions (one canonical run per board, a
//! name per skeleton, one team per player, a team's cap, the standings) is checked and
//! written in one serialised step on both backends: SQLite's single writer, PostgreSQL's
//! transaction-scoped advisory lock ([`postgres::WRITE_LOCK`]), so two processes cannot
//! interleave them.

pub mod postgres;
mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use quorum_proto::api::{Individual, TeamRow};

pub use crate::db::{
    BoardCursor, BoardFilter, Competition, CompetitionScenario, DbError, Inserted, NewCompetition,
    NewRun, Refusal, RunRow, StoreError,
};
pub use crate::server::tables::Cursor as TableCursor;

/// Where the data lives: `--db sqlite:PATH` (or a bare path) or `--db postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// Reads a `--db` value: `postgres://` / `postgresql://` URLs, `sqlite:PATH`, or a path.
    pub fn parse(text: &str) -> Target {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Target::Postgres(text.to_string())
        } else {
            let path = text.strip_prefix("sqlite:").unwrap_or(text);
            let path = path.strip_prefix("//").unwrap_or(path);
            Target::Sqlite(PathBuf::from(path))
        }
    }
}

/// The password is never printed (logs, `--help` defaults, panics).
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Target::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens the store `target` names, running its migrations. (Boxed: sqlx's futures trip
/// rustc's higher-ranked `Send` inference when awaited inside `tokio::spawn`.)
pub fn open(
    target: &Target,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Arc<dyn Store>, DbError>> + Send + '_>>
{
    Box::pin(async move {
        Ok(match target {
            Target::Sqlite(path) => Arc::new(crate::db::Db::open(path)?) as Arc<dyn Store>,
            Target::Postgres(url) => Arc::new(postgres::PgStore::connect(url).await?),
        })
    })
}

/// A page of each table of a competition, with the cursors of the next pages.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    pub individuals: Vec<Individual>,
    pub individuals_next: Option<TableCursor>,
    pub teams: Vec<TeamRow>,
    pub teams_next: Option<TableCursor>,
}

/// What the leaderboard server stores. Each method is one step: a write commits durably
/// (and under the rules it documents) before it returns.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
    /// Answers when the database does.
    async fn ping(&self) -> Result<(), DbError>;

    /// Creates an identity for a token's SHA-256; returns its id.
    async fn insert_identity(
        &self,
        token_sha256: [u8; 32],
        created_at_ms: i64,
    ) -> Result<i64, DbError>;
    /// The identity a token's SHA-256 belongs to: `(id, created_at_ms)`.
    async fn identity_by_token(
        &self,
        token_sha256: [u8; 32],
    ) -> Result<Option<(i64, i64)>, DbError>;

    /// Before simulating: whether the identity is blocked in the competition (0: none) and a
    /// run of another identity with the same replay hash, if any.
    async fn precheck(
        &self,
        competition_id: i64,
        identity_id: i64,
        replay_hash: String,
    ) -> Result<(bool, Option<i64>), DbError>;
    /// Stores a verified run under the board's rules ([`crate::db::insert_run`]).
    async fn insert_run(&self, run: NewRun) -> Result<Inserted, StoreError>;
    /// A run by id (not removed).
    async fn get_run(&self, id: i64) -> Result<Option<RunRow>, DbError>;
    /// A run with its rank on the board of its mode and, in a competition, among the
    /// competition's runs.
    async fn run_ranked(&self, id: i64) -> Result<Option<(RunRow, i64, Option<i64>)>, DbError>;
    /// A page of a board ([`crate::db::leaderboard`]).
    async fn leaderboard(&self, filter: BoardFilter) -> Result<Vec<RunRow>, DbError>;

    /// Creates a competition with a fresh join code.
    async fn create_competition(&self, c: NewCompetition) -> Result<Competition, DbError>;
    /// A competition by join code (already normalised).
    async fn competition_by_code(&self, code: String) -> Result<Option<Competition>, DbError>;
    /// A page of each of a competition's tables.
    async fn competition_tables(
        &self,
        competition_id: i64,
        individuals_after: Option<TableCursor>,
        teams_after: Option<TableCursor>,
        limit: u32,
    ) -> Result<Tables, DbError>;
    /// Marks a run removed (`competition_id`: only if it is in that competition).
    async fn remove_run(
        &self,
        run_id: i64,
        competition_id: Option<i64>,
        now_ms: i64,
    ) -> Result<bool, DbError>;
    /// Blocks an identity in a competition; whether the identity exists.
    async fn block(
        &self,
        competition_id: i64,
        identity_id: i64,
        now_ms: i64,
    ) -> Result<bool, DbError>;
}
