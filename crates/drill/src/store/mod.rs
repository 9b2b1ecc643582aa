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

pub mod best_sql;
pub mod postgres;
mod sqlite;
pub mod team_sql;
pub mod trainer_sql;

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

/// The future [`open`] returns.
pub type Opening<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Arc<dyn Store>, DbError>> + Send + 'a>,
>;

/// Opens the store `target` names, running its migrations. (Boxed: sqlx's futures trip
/// rustc's higher-ranked `Send` inference when awaited inside `tokio::spawn`.)
pub fn open(target: &Target) -> Opening<'_> {
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

/// A trainer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainerRow {
    pub id: i64,
    pub name: String,
}

/// A cohort and its number of trainees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CohortRow {
    pub id: i64,
    pub trainer_id: i64,
    pub name: String,
    pub invite_code: String,
    pub created_at_ms: i64,
    pub trainees: u64,
}

/// A trainee of a cohort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub identity_id: i64,
    pub name: String,
    pub joined_at_ms: i64,
}

/// An assignment; `scenarios` is the JSON of `[AssignmentScenario]`, `mode` `exam`/`mentor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentRow {
    pub id: i64,
    pub cohort_id: i64,
    pub title: String,
    pub scenarios: String,
    pub due_at_ms: Option<i64>,
    pub mode: String,
    pub created_at_ms: i64,
}

/// A run as the trainer pages read it (no replay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PracticeRun {
    pub id: i64,
    pub identity_id: i64,
    pub scenario_id: String,
    pub scenario_hash: String,
    pub sim_version: u32,
    pub mode: quorum_sim::replay::PlayMode,
    pub score: i64,
    pub grade: String,
    pub branch_case: Option<String>,
    pub handled_cleanly: bool,
    pub created_at_ms: i64,
    pub seed: u64,
    pub comments: u64,
}

/// A finished team drill: its room, the team's score and the verified result
/// (`quorum_proto::team::TeamResult` as JSON: the replay, the log beside it, the roles).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamDrillRow {
    pub code: String,
    pub scenario_id: String,
    pub seed: u64,
    pub score: i64,
    pub grade: String,
    pub canonical_hash: String,
    pub result_json: String,
    pub ended_at_ms: i64,
    /// The competition (and the host's team there) the room was opened for, if any.
    pub competition_id: Option<i64>,
    pub team_id: Option<i64>,
    /// The cohort the room was opened for, if any.
    pub cohort_id: Option<i64>,
    /// Who held the acting seats with a player identity (saved with the drill; empty when
    /// read back by code: the result's JSON has them).
    pub players: Vec<TeamDrillPlayer>,
}

/// A player identity that held an acting seat of a kept drill, and the role's points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamDrillPlayer {
    /// `quorum_proto::team::Role::as_str`.
    pub role: String,
    pub identity_id: i64,
    pub name: String,
    pub points: i64,
}

/// A team's counted best drill of one competition scenario (`team_sql::COMPETITION_BESTS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamDrillBestRow {
    pub team_id: i64,
    pub team: String,
    pub scenario_id: String,
    /// The scenario's place in the competition.
    pub position: i64,
    pub seed: u64,
    pub score: i64,
    pub code: String,
    pub ended_at_ms: i64,
    pub players: Vec<TeamDrillPlayer>,
}

/// A kept drill's row that carries its players ([`attach_players`]).
pub trait DrillWithPlayers {
    fn code(&self) -> &str;
    fn players_mut(&mut self) -> &mut Vec<TeamDrillPlayer>;
}

impl DrillWithPlayers for TeamDrillBestRow {
    fn code(&self) -> &str {
        &self.code
    }
    fn players_mut(&mut self) -> &mut Vec<TeamDrillPlayer> {
        &mut self.players
    }
}

impl DrillWithPlayers for CohortDrillRow {
    fn code(&self) -> &str {
        &self.code
    }
    fn players_mut(&mut self) -> &mut Vec<TeamDrillPlayer> {
        &mut self.players
    }
}

/// Gives each row its drill's players, read by code (one query for all the rows, on both
/// backends), in the roles' order (commander, operator, communications), as the drill's
/// result has them — not the order of the stored role names.
pub fn attach_players<R: DrillWithPlayers>(
    rows: &mut [R],
    mut players: std::collections::HashMap<String, Vec<TeamDrillPlayer>>,
) {
    for row in rows {
        let mut mine = players.remove(row.code()).unwrap_or_default();
        mine.sort_by_key(|p| (quorum_proto::team::Role::parse(&p.role), p.identity_id));
        *row.players_mut() = mine;
    }
}

/// The codes of `rows`, to read their players.
pub fn codes_of<R: DrillWithPlayers>(rows: &[R]) -> Vec<String> {
    rows.iter().map(|r| r.code().to_string()).collect()
}

/// A cohort's kept drill, as its trainer's page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CohortDrillRow {
    pub code: String,
    pub scenario_id: String,
    pub seed: u64,
    pub score: i64,
    pub grade: String,
    pub ended_at_ms: i64,
    pub players: Vec<TeamDrillPlayer>,
}

/// A comment on a run, with its trainer's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentRow {
    pub id: i64,
    pub run_id: i64,
    pub trainer: String,
    pub at_ms: i64,
    pub body: String,
    pub created_at_ms: i64,
}

/// A trainer's scenario file (the editor's): the draft of a scenario id, or one of its
/// published versions, immutable, identified by `hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthoredRow {
    pub id: i64,
    pub trainer_id: i64,
    pub scenario_id: String,
    pub version: i64,
    /// `draft` or `published`.
    pub status: String,
    pub toml: String,
    pub hash: Option<String>,
    pub created_at_ms: i64,
    pub published_at_ms: Option<i64>,
}

/// What the leaderboard server stores. Each method is one step: a write commits durably
/// (and under the rules it documents) before it returns.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
    /// Answers when the database does.
    async fn ping(&self) -> Result<(), DbError>;

    /// Keeps a finished team drill's verified result (issue 14), once per room code (a
    /// second save of the same code changes nothing).
    async fn save_team_drill(&self, drill: TeamDrillRow) -> Result<(), DbError>;
    /// A finished team drill by its room's code.
    async fn team_drill(&self, code: String) -> Result<Option<TeamDrillRow>, DbError>;
    /// Whether a kept team drill has this canonical replay (a team's drill is not one
    /// player's run: `POST /api/runs` refuses it).
    async fn is_team_drill(&self, canonical_hash: String) -> Result<bool, DbError>;
    /// The team an identity is in at a competition `(team_id, name)`, and whether the
    /// organiser blocked the identity there.
    async fn team_of(
        &self,
        competition_id: i64,
        identity_id: i64,
    ) -> Result<Option<(i64, String, bool)>, DbError>;
    /// The name a trainee joined the cohort with; `None` if the identity is not its trainee.
    async fn trainee_name(
        &self,
        cohort_id: i64,
        identity_id: i64,
    ) -> Result<Option<String>, DbError>;
    /// Each team's counted best drill per scenario of a competition that ends at
    /// `ends_at_ms` (`team_sql::COMPETITION_BESTS`), with their players; ordered by team,
    /// then competition order.
    async fn competition_team_drills(
        &self,
        competition_id: i64,
        ends_at_ms: i64,
    ) -> Result<Vec<TeamDrillBestRow>, DbError>;
    /// A cohort's kept drills, newest first (at most `team_sql::COHORT_DRILLS`), with their
    /// players.
    async fn cohort_team_drills(&self, cohort_id: i64) -> Result<Vec<CohortDrillRow>, DbError>;

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

    // ---- Trainers (issue 13) ------------------------------------------------------------

    async fn create_trainer(
        &self,
        name: String,
        token_sha256: [u8; 32],
        now_ms: i64,
    ) -> Result<TrainerRow, DbError>;
    async fn trainer_by_token(&self, token_sha256: [u8; 32])
        -> Result<Option<TrainerRow>, DbError>;
    /// A new cohort with a fresh invite code.
    async fn create_cohort(
        &self,
        trainer_id: i64,
        name: String,
        now_ms: i64,
    ) -> Result<CohortRow, DbError>;
    async fn cohorts(&self, trainer_id: i64) -> Result<Vec<CohortRow>, DbError>;
    /// The trainer's cohort `cohort_id`; none if it is another trainer's.
    async fn cohort(&self, trainer_id: i64, cohort_id: i64) -> Result<Option<CohortRow>, DbError>;
    /// Joins (or renames in) the cohort of `invite_code`; none if no cohort has it.
    async fn join_cohort(
        &self,
        invite_code: String,
        identity_id: i64,
        name: String,
        now_ms: i64,
    ) -> Result<Option<CohortRow>, DbError>;
    async fn members(&self, cohort_id: i64) -> Result<Vec<MemberRow>, DbError>;
    /// Stores `a` (its `id` is ignored) and returns it with its id.
    async fn create_assignment(&self, a: AssignmentRow) -> Result<AssignmentRow, DbError>;
    async fn assignments(&self, cohort_id: i64) -> Result<Vec<AssignmentRow>, DbError>;
    /// The cohorts an identity is a trainee of.
    async fn cohorts_of(&self, identity_id: i64) -> Result<Vec<CohortRow>, DbError>;
    /// Every run of every trainee of the cohort.
    async fn cohort_runs(&self, cohort_id: i64) -> Result<Vec<PracticeRun>, DbError>;
    /// Every run of one identity, newest first.
    async fn identity_runs(&self, identity_id: i64) -> Result<Vec<PracticeRun>, DbError>;
    /// Whether the identity is a trainee in one of the trainer's cohorts.
    async fn trainer_sees(&self, trainer_id: i64, identity_id: i64) -> Result<bool, DbError>;
    /// The identity that submitted a run (not removed).
    async fn run_owner(&self, run_id: i64) -> Result<Option<i64>, DbError>;
    async fn add_comment(
        &self,
        run_id: i64,
        trainer_id: i64,
        at_ms: i64,
        body: String,
        now_ms: i64,
    ) -> Result<CommentRow, DbError>;
    /// A run's comments; with `trainer`, only that trainer's.
    async fn comments(&self, run_id: i64, trainer: Option<i64>)
        -> Result<Vec<CommentRow>, DbError>;

    /// Saves `toml` as the trainer's draft of `scenario_id`: over the draft if there is
    /// one, else as a new draft, the version after the last published one.
    async fn save_draft(
        &self,
        trainer_id: i64,
        scenario_id: String,
        toml: String,
        now_ms: i64,
    ) -> Result<AuthoredRow, DbError>;
    async fn authored(&self, trainer_id: i64) -> Result<Vec<AuthoredRow>, DbError>;
    async fn authored_one(&self, trainer_id: i64, id: i64) -> Result<Option<AuthoredRow>, DbError>;
    /// A published version by its file hash, whoever published it.
    async fn published_by_hash(&self, hash: String) -> Result<Option<AuthoredRow>, DbError>;
    /// Writes `toml` over the trainer's draft `id` (a recorded proof added to `from`, the
    /// file it held); `None` if it is not a draft of theirs any more or no longer holds
    /// `from` (saved over meanwhile).
    async fn update_draft_file(
        &self,
        trainer_id: i64,
        id: i64,
        from: String,
        toml: String,
        now_ms: i64,
    ) -> Result<Option<AuthoredRow>, DbError>;
    /// Publishes the trainer's draft `id` with its file's hash; `None` if it is not a draft
    /// of theirs (a published version stays as it was).
    /// Publishes draft `id` if it is still the file `linted` (the one whose `hash` passed
    /// lint); `None` if it was published or saved over meanwhile.
    async fn publish(
        &self,
        trainer_id: i64,
        id: i64,
        hash: String,
        linted: String,
        now_ms: i64,
    ) -> Result<Option<AuthoredRow>, DbError>;
}
