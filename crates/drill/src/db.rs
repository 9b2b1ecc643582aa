//! The leaderboard store: SQLite in WAL mode with `synchronous=FULL`, so a run is on disk
//! before its submitter hears 2xx.
//!
//! One writer thread owns the only writing connection and applies jobs in *group commits*:
//! it takes every job waiting in its queue (up to [`MAX_BATCH`]), applies each inside its own
//! savepoint, commits once (one fsync for the group), and only then answers each job. Reads
//! go through a small pool of read-only connections on Tokio's blocking threads; WAL lets
//! them run while the writer writes. Every statement is parameterised.
//!
//! Every write is a closure run by [`Db::write`] inside its own savepoint: the checks that
//! must hold across concurrent submissions (one canonical run per board, a name per skeleton,
//! one team per player, a team's cap) are read and written in the same serialised step.
//!
//! Schema migrations run at open, tracked by `PRAGMA user_version` (the number of
//! [`MIGRATIONS`] applied); a database written by a newer `drill` is refused.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quorum_sim::replay::PlayMode;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use tokio::sync::oneshot;

use crate::store::{best_sql, team_sql};

/// Jobs committed together at most.
pub const MAX_BATCH: usize = 128;
/// How long a connection waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Read connections at most, open or idle: reads beyond wait for one (each connection
/// holds its own page cache, and each read a blocking thread).
pub const READERS: usize = 4;

/// The schema, one migration per entry; entry `i` takes `user_version` from `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE competitions (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    starts_at_ms  INTEGER NOT NULL,
    ends_at_ms    INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE competition_scenarios (
    competition_id INTEGER NOT NULL REFERENCES competitions (id),
    position       INTEGER NOT NULL,
    scenario_id    TEXT    NOT NULL,
    seeds          TEXT    NOT NULL, -- JSON array of integers
    PRIMARY KEY (competition_id, scenario_id)
) WITHOUT ROWID;
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_ms    INTEGER NOT NULL,
    player           TEXT    NOT NULL,
    team             TEXT,
    competition_id   INTEGER NOT NULL DEFAULT 0, -- 0: not in a competition
    scenario_id      TEXT    NOT NULL,
    scenario_hash    TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    sim_version      INTEGER NOT NULL,
    replay_hash      TEXT    NOT NULL, -- SHA-256 of the canonical replay JSON
    replay_json      TEXT    NOT NULL,
    score            INTEGER NOT NULL,
    grade            TEXT    NOT NULL,
    outage_ms        INTEGER NOT NULL,
    requests_total   INTEGER NOT NULL,
    requests_failed  INTEGER NOT NULL,
    reads_failed     INTEGER NOT NULL,
    writes_failed    INTEGER NOT NULL,
    time_to_green_ms INTEGER,
    final_health     TEXT    NOT NULL,
    event_log_hash   TEXT    NOT NULL
);
CREATE UNIQUE INDEX runs_once ON runs (replay_hash, player, competition_id);
CREATE INDEX runs_board ON runs (scenario_id, sim_version, scenario_hash, score DESC, id);
CREATE INDEX runs_competition ON runs (competition_id, scenario_id, score DESC, id);
"#,
    // Issue 9: the play mode of each run (from its replay; runs stored before replays
    // recorded a mode are `unknown`), boards per mode, and competitions that require Exam
    // (those created before keep admitting every mode, as they did when players joined).
    r#"
ALTER TABLE runs ADD COLUMN mode TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE competitions ADD COLUMN require_exam INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_board_mode ON runs (scenario_id, sim_version, scenario_hash, mode, score DESC, id);
"#,
    // Issue 12: identities (a token, kept as its SHA-256), names bound per board (0: the
    // public board; otherwise a competition id) and unique there by confusable skeleton,
    // teams with one membership per player and board, organiser blocks, removed runs, and
    // each run's canonical hash (`quorum_sim::replay::canonical_hash`). Runs stored before
    // get one tokenless identity per player name (they can no longer be submitted to, only
    // shown) and no canonical hash; their names' skeletons are filled in by `backfill`.
    r#"
CREATE TABLE identities (
    id            INTEGER PRIMARY KEY,
    token_sha256  BLOB UNIQUE, -- NULL: a player name from before identities
    created_at_ms INTEGER NOT NULL,
    legacy_name   TEXT
);
CREATE TABLE names (
    board_id    INTEGER NOT NULL, -- a competition id, 0: the public board
    identity_id INTEGER NOT NULL REFERENCES identities (id),
    name        TEXT    NOT NULL, -- NFKC form
    skeleton    TEXT,             -- quorum_proto::names::skeleton
    PRIMARY KEY (board_id, identity_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX names_skeleton ON names (board_id, skeleton) WHERE skeleton IS NOT NULL;
CREATE INDEX names_by_skeleton ON names (skeleton) WHERE skeleton IS NOT NULL;
CREATE TABLE teams (
    id       INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    skeleton TEXT
);
CREATE UNIQUE INDEX teams_skeleton ON teams (board_id, skeleton) WHERE skeleton IS NOT NULL;
CREATE TABLE team_members (
    board_id    INTEGER NOT NULL,
    identity_id INTEGER NOT NULL REFERENCES identities (id),
    team_id     INTEGER NOT NULL REFERENCES teams (id),
    PRIMARY KEY (board_id, identity_id)
) WITHOUT ROWID;
CREATE INDEX team_members_team ON team_members (team_id);
CREATE TABLE blocks (
    competition_id INTEGER NOT NULL,
    identity_id    INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (competition_id, identity_id)
) WITHOUT ROWID;
ALTER TABLE competitions ADD COLUMN team_cap INTEGER NOT NULL DEFAULT 5;
ALTER TABLE runs ADD COLUMN identity_id INTEGER;
ALTER TABLE runs ADD COLUMN team_id INTEGER;
ALTER TABLE runs ADD COLUMN canonical_hash TEXT;
ALTER TABLE runs ADD COLUMN removed_at_ms INTEGER;
INSERT INTO identities (token_sha256, created_at_ms, legacy_name)
    SELECT NULL, MIN(created_at_ms), player FROM runs GROUP BY player;
UPDATE runs SET identity_id = (SELECT i.id FROM identities i WHERE i.legacy_name = runs.player);
INSERT INTO names (board_id, identity_id, name, skeleton)
    SELECT DISTINCT competition_id, identity_id, player, NULL FROM runs;
INSERT INTO teams (board_id, name, skeleton)
    SELECT DISTINCT competition_id, team, NULL FROM runs WHERE team IS NOT NULL;
UPDATE runs SET team_id = (SELECT t.id FROM teams t WHERE t.board_id = runs.competition_id AND t.name = runs.team)
    WHERE team IS NOT NULL;
CREATE INDEX runs_canonical ON runs (canonical_hash) WHERE canonical_hash IS NOT NULL;
CREATE UNIQUE INDEX runs_canonical_once ON runs (competition_id, canonical_hash) WHERE canonical_hash IS NOT NULL;
CREATE INDEX runs_identity ON runs (identity_id, competition_id);
CREATE INDEX runs_replay ON runs (replay_hash);
CREATE INDEX runs_team ON runs (team_id) WHERE team_id IS NOT NULL;
-- The competition tables' standings, kept up to date by `refresh_standings` in the write
-- that changes them (a run stored or removed, an identity blocked), so that a page of a
-- table is an index range, whatever the number of runs.
CREATE TABLE standings (
    competition_id INTEGER NOT NULL,
    identity_id    INTEGER NOT NULL,
    total          INTEGER NOT NULL, -- the sum of the best run per scenario
    reached        INTEGER NOT NULL, -- the latest counted run's id
    runs           INTEGER NOT NULL,
    PRIMARY KEY (competition_id, identity_id)
) WITHOUT ROWID;
CREATE INDEX standings_rank ON standings (competition_id, total DESC, reached);
CREATE TABLE team_standings (
    competition_id INTEGER NOT NULL,
    team_id        INTEGER NOT NULL,
    identity_id    INTEGER NOT NULL,
    total          INTEGER NOT NULL, -- over the runs submitted with the team
    reached        INTEGER NOT NULL,
    PRIMARY KEY (competition_id, team_id, identity_id)
) WITHOUT ROWID;
CREATE TABLE team_totals (
    competition_id INTEGER NOT NULL,
    team_id        INTEGER NOT NULL,
    total          INTEGER NOT NULL,
    reached        INTEGER NOT NULL,
    PRIMARY KEY (competition_id, team_id)
) WITHOUT ROWID;
CREATE INDEX team_totals_rank ON team_totals (competition_id, total DESC, reached);
"#,
    // Issue 10: the daily drill a run played (its day, UTC days since 1970-01-01; NULL: not
    // submitted as a daily drill) and the player's branch-case coverage of the run's scenario
    // when it was submitted (JSON `[{case, handled_cleanly}]`, as the game sent it).
    r#"
ALTER TABLE runs ADD COLUMN daily_day INTEGER;
ALTER TABLE runs ADD COLUMN coverage TEXT;
"#,
    // Issue 13: trainers (a token, kept as its SHA-256, issued with the admin token), their
    // cohorts (an invite code each), the trainees who joined with their player identity,
    // assignments (scenarios as JSON `[{id, full_coverage}]`, a due date, exam or mentor),
    // and comments pinned to sim times on a run. Each run stores the branch case the
    // server's re-simulation met and whether it was handled cleanly
    // (`quorum_sim::coverage::handled_cleanly`); runs stored before have neither.
    r#"
ALTER TABLE runs ADD COLUMN branch_case TEXT;
ALTER TABLE runs ADD COLUMN handled_cleanly INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_identity_scenario ON runs (identity_id, scenario_id);
CREATE TABLE trainers (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    token_sha256  BLOB    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE cohorts (
    id            INTEGER PRIMARY KEY,
    trainer_id    INTEGER NOT NULL REFERENCES trainers (id),
    name          TEXT    NOT NULL,
    invite_code   TEXT    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX cohorts_trainer ON cohorts (trainer_id);
CREATE TABLE cohort_members (
    cohort_id    INTEGER NOT NULL REFERENCES cohorts (id),
    identity_id  INTEGER NOT NULL REFERENCES identities (id),
    name         TEXT    NOT NULL,
    joined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, identity_id)
) WITHOUT ROWID;
CREATE INDEX cohort_members_identity ON cohort_members (identity_id);
CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY,
    cohort_id     INTEGER NOT NULL REFERENCES cohorts (id),
    title         TEXT    NOT NULL,
    scenarios     TEXT    NOT NULL,
    due_at_ms     INTEGER,
    mode          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX assignments_cohort ON assignments (cohort_id);
CREATE TABLE comments (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs (id),
    trainer_id    INTEGER NOT NULL REFERENCES trainers (id),
    at_ms         INTEGER NOT NULL,
    body          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX comments_run ON comments (run_id, at_ms);
"#,
    // Issue 13's scenario editor: a trainer's scenario files, a draft per scenario id
    // (mutable) and its published versions (immutable, identified by the file's hash).
    r#"
CREATE TABLE authored_scenarios (
    id              INTEGER PRIMARY KEY,
    trainer_id      INTEGER NOT NULL REFERENCES trainers (id),
    scenario_id     TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    toml            TEXT    NOT NULL,
    hash            TEXT,
    created_at_ms   INTEGER NOT NULL,
    published_at_ms INTEGER,
    UNIQUE (trainer_id, scenario_id, version)
);
CREATE UNIQUE INDEX authored_scenarios_draft ON authored_scenarios (trainer_id, scenario_id)
    WHERE status = 'draft';
"#,
    // Issue 12's bench: each identity's best run per board, so that a rank is a walk over
    // identities, not runs (`store::best_sql`); filled from the runs stored before.
    best_sql::SQLITE_SCHEMA,
    // Issue 14: finished team drills, kept after their room closes (`store::team_sql`).
    team_sql::SQLITE_SCHEMA,
    // A published file by its hash (every submission and assignment naming a trainer's
    // scenario looks it up): an index range, not a scan of every file.
    r#"
CREATE INDEX authored_scenarios_hash ON authored_scenarios (hash) WHERE status = 'published';
"#,
    // Issue 14: what a team drill counts for (a competition's team, a cohort) and who held
    // its seats (`store::team_sql`).
    team_sql::SQLITE_SCOPES,
];

/// A database failure. Its text is for the server log, never for clients.
#[derive(Debug)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError(format!("sqlite: {e}"))
    }
}

/// A verified run to store.
#[derive(Clone, Debug)]
pub struct NewRun {
    pub created_at_ms: i64,
    pub identity_id: i64,
    /// The display name (NFKC, validated) and its skeleton, bound to the identity on the
    /// run's board.
    pub player: String,
    pub player_skeleton: String,
    /// The team named with the submission (validated) and its skeleton; `None`: the team the
    /// player already belongs to on this board, if any.
    pub team: Option<(String, String)>,
    /// The most members a team of this board may have.
    pub team_cap: u32,
    /// 0 when the run is not part of a competition.
    pub competition_id: i64,
    pub scenario_id: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub sim_version: u32,
    /// How it was played, as its replay records it.
    pub mode: PlayMode,
    pub replay_hash: String,
    pub canonical_hash: String,
    pub replay_json: String,
    pub score: i64,
    pub grade: String,
    pub outage_ms: u64,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub reads_failed: u64,
    pub writes_failed: u64,
    pub time_to_green_ms: Option<u64>,
    pub final_health: String,
    pub event_log_hash: String,
    /// The daily drill's day, for a run submitted as one.
    pub daily_day: Option<u32>,
    /// The player's coverage of the scenario as sent (JSON), if any.
    pub coverage: Option<String>,
    /// The branch case the server's re-simulation met (`Report::branch_case`).
    pub branch_case: Option<String>,
    /// `quorum_sim::coverage::handled_cleanly` of the server's report.
    pub handled_cleanly: bool,
}

/// Why a run was not stored although it verified: the answer is a 409 (403 for a block)
/// that says which rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The same run (canonical hash) is already stored by another identity.
    RunTaken { run_id: i64 },
    /// The same run is stored by this identity with another team (or none).
    TeamMismatch {
        run_id: i64,
        stored: Option<String>,
        asked: Option<String>,
    },
    /// Another identity holds a name with the same skeleton on this board.
    NameTaken { name: String },
    /// A team with a look-alike (same skeleton, other spelling) name exists on this board.
    TeamNameTaken { team: String },
    /// The player already belongs to another team on this board.
    OtherTeam { team: String },
    /// The team has its cap of members.
    TeamFull { team: String, cap: u32 },
    /// The organiser blocked this identity in this competition.
    Blocked,
    /// This identity's same run on this board was removed by the organiser.
    Removed { run_id: i64 },
    /// No identity has this token, or it was issued before identities (tokenless).
    UnknownIdentity,
}

/// A write that failed: the database, or a rule.
#[derive(Debug)]
pub enum StoreError {
    Db(DbError),
    Refused(Refusal),
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> StoreError {
        StoreError::Db(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Db(e.into())
    }
}

/// The outcome of storing a run: its id, and whether this call created it (false: the same
/// run, by canonical hash, by the same identity with the same team, on the same board, was
/// already stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inserted {
    pub id: i64,
    pub created: bool,
}

/// A stored run.
#[derive(Clone, Debug)]
pub struct RunRow {
    pub id: i64,
    pub created_at_ms: i64,
    pub identity_id: i64,
    /// The identity's runs on the board the row was read from (1 when read alone).
    pub player_runs: u64,
    pub player: String,
    pub team: Option<String>,
    pub competition_id: i64,
    pub competition_code: Option<String>,
    pub scenario_id: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub sim_version: u32,
    pub mode: PlayMode,
    pub replay_json: String,
    pub score: i64,
    pub grade: String,
    pub outage_ms: u64,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub reads_failed: u64,
    pub writes_failed: u64,
    pub time_to_green_ms: Option<u64>,
    pub final_health: String,
    pub event_log_hash: String,
}

/// A competition to create.
#[derive(Clone, Debug)]
pub struct NewCompetition {
    pub name: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_at_ms: i64,
    /// Only Exam runs may be submitted.
    pub require_exam: bool,
    pub team_cap: u32,
    pub scenarios: Vec<CompetitionScenario>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompetitionScenario {
    pub scenario_id: String,
    pub seeds: Vec<u64>,
}

/// A stored competition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Competition {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_at_ms: i64,
    /// Only Exam runs may be submitted.
    pub require_exam: bool,
    pub team_cap: u32,
    pub scenarios: Vec<CompetitionScenario>,
}

/// Filters for [`leaderboard`].
#[derive(Clone, Debug, Default)]
pub struct BoardFilter {
    pub scenario_id: String,
    pub scenario_hash: String,
    pub sim_version: u32,
    /// `Some(id)`: only that competition's runs; `None`: all runs.
    pub competition_id: Option<i64>,
    pub seed: Option<u64>,
    /// `Some(mode)`: only runs played in that mode; `None`: every mode.
    pub mode: Option<PlayMode>,
    /// `Some(identity)`: every run of that identity; `None`: each identity's best run.
    pub identity_id: Option<i64>,
    /// Start after this row (the previous page's last).
    pub after: Option<BoardCursor>,
    /// `Some(day)`: only the runs submitted as that day's daily drill.
    pub daily_day: Option<u32>,
    pub limit: u32,
}

/// Where a board's page ends: the last row's score, id and rank. Written `score.id.rank`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardCursor {
    pub score: i64,
    pub id: i64,
    pub rank: i64,
}

impl BoardCursor {
    pub fn parse(text: &str) -> Option<BoardCursor> {
        let mut parts = text.split('.');
        let cursor = BoardCursor {
            score: parts.next()?.parse().ok()?,
            id: parts.next()?.parse().ok()?,
            rank: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }
}

impl std::fmt::Display for BoardCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.score, self.id, self.rank)
    }
}

/// A write: run in the writer's savepoint; the reply it returns is called once the group
/// commit is known (`true`: committed). A job dropped unrun (the transaction could not begin)
/// drops its sender, and its caller hears that the writer dropped it.
type Job = Box<dyn FnOnce(&Connection) -> Reply + Send>;
type Reply = Box<dyn FnOnce(bool) + Send>;

struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// [`READERS`] permits: a read holds one while it runs.
    running: Arc<tokio::sync::Semaphore>,
}

impl ReadPool {
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open_reader(&self.path)?,
        };
        let result = f(&conn).map_err(DbError::from);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < READERS {
            idle.push(conn);
        }
        result
    }
}

/// The store. Cheap to clone; the writer thread stops when the last clone is dropped.
#[derive(Clone)]
pub struct Db {
    jobs: mpsc::Sender<Job>,
    readers: Arc<ReadPool>,
}

fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// Opens (creating it if needed) the database at `path` for writing: WAL, full sync,
/// migrations. Used by the server's writer thread and by tools.
pub fn open_writer(path: &Path) -> Result<Connection, DbError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(DbError(format!(
            "could not switch {} to WAL (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Applies the migrations the database lacks.
pub fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(DbError(format!(
            "the database is at schema version {version}; this drill knows up to {known}"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if index == 2 {
            backfill_skeletons(&tx)?;
            refresh_standings(&tx, None, None)?;
        }
        if *sql == best_sql::SQLITE_SCHEMA {
            refresh_best(&tx, None)?;
        }
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

impl Db {
    /// Opens the database, runs migrations and starts the writer thread.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let conn = open_writer(path)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("drill-db-writer".into())
            .spawn(move || writer_loop(conn, queue))
            .map_err(|e| DbError(format!("cannot start the writer thread: {e}")))?;
        Ok(Db {
            jobs,
            readers: Arc::new(ReadPool {
                path: path.to_path_buf(),
                idle: Mutex::new(Vec::new()),
                running: Arc::new(tokio::sync::Semaphore::new(READERS)),
            }),
        })
    }

    /// Runs `f` in the writer thread, in its own savepoint inside the next group commit
    /// (rolled back if `f` fails); returns once the commit is durable.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn: &Connection| {
            let result = in_savepoint(conn, f);
            Box::new(move |committed: bool| {
                let _ = reply.send(if committed {
                    result
                } else {
                    Err(E::from(DbError("commit failed".into())))
                });
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| E::from(DbError("the writer thread has stopped".into())))?;
        answer
            .await
            .map_err(|_| E::from(DbError("the writer thread dropped a job".into())))?
    }

    /// Stores a verified run under the board's rules (see [`insert_run`]).
    pub async fn insert_run(&self, run: NewRun) -> Result<Inserted, StoreError> {
        self.write(move |conn| insert_run(conn, &run)).await
    }

    /// Creates a competition with a fresh join code. Returns once it is durably committed.
    pub async fn create_competition(
        &self,
        competition: NewCompetition,
    ) -> Result<Competition, DbError> {
        self.write(move |conn| insert_competition(conn, &competition))
            .await
    }

    /// Runs `f` on a read-only connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        let permit = pool
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| DbError(format!("read pool closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.with(f)
        })
        .await
        .map_err(|e| DbError(format!("read task failed: {e}")))?
    }
}

fn writer_loop(mut conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                // Dropping the batch drops its senders: each caller hears of the failure.
                tracing::error!("database: cannot begin a transaction: {e}");
                continue;
            }
        };
        let replies: Vec<Reply> = batch.into_iter().map(|job| job(&tx)).collect();
        let committed = match tx.commit() {
            Ok(()) => true,
            Err(e) => {
                tracing::error!("database: commit failed: {e}");
                false
            }
        };
        replies.into_iter().for_each(|reply| reply(committed));
    }
}

fn in_savepoint<T, E: From<DbError>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    let sql = |text: &str| conn.execute_batch(text).map_err(|e| E::from(e.into()));
    sql("SAVEPOINT job")?;
    match f(conn) {
        Ok(value) => {
            sql("RELEASE job")?;
            Ok(value)
        }
        Err(e) => {
            sql("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

fn sql_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Stores `run` on its board (its competition, or 0: the public board) under the rules:
///
/// * one run per canonical hash: the same run by another identity anywhere is
///   [`Refusal::RunTaken`]; by this identity on this board, it is the stored run again
///   ([`Inserted::created`] false) if the team is the same, else [`Refusal::TeamMismatch`];
/// * a blocked identity cannot submit to the competition ([`Refusal::Blocked`]);
/// * the name binds to the identity on the board; no other identity holds a name with the
///   same skeleton on any board ([`Refusal::NameTaken`]); a new name renames the identity's
///   runs there;
/// * a player belongs to at most one team per board ([`Refusal::OtherTeam`]), a team name is
///   unique by skeleton up to case ([`Refusal::TeamNameTaken`]) and a team holds at most
///   `team_cap` members ([`Refusal::TeamFull`]).
pub fn insert_run(conn: &Connection, run: &NewRun) -> Result<Inserted, StoreError> {
    let refuse = |r: Refusal| Err(StoreError::Refused(r));
    let board = run.competition_id;
    if board != 0 && is_blocked(conn, board, run.identity_id)? {
        return refuse(Refusal::Blocked);
    }
    // The team the run counts for: the one named (which must be the player's, or joinable),
    // or the player's team on this board.
    let member_of: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
             WHERE m.board_id = ?1 AND m.identity_id = ?2",
        )?
        .query_row(params![board, run.identity_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let named: Option<(Option<i64>, String)> = match &run.team {
        None => None,
        Some((name, skeleton)) => {
            let existing: Option<(i64, String)> = conn
                .prepare_cached("SELECT id, name FROM teams WHERE board_id = ?1 AND skeleton = ?2")?
                .query_row(params![board, skeleton], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match existing {
                Some((id, existing)) if existing.to_lowercase() == name.to_lowercase() => {
                    Some((Some(id), existing))
                }
                Some((_, existing)) => return refuse(Refusal::TeamNameTaken { team: existing }),
                None => Some((None, name.clone())),
            }
        }
    };
    let team_name: Option<String> = match (&named, &member_of) {
        (Some((_, name)), _) => Some(name.clone()),
        (None, Some((_, name))) => Some(name.clone()),
        (None, None) => None,
    };

    // The same run already stored?
    let same: Vec<(i64, i64, i64, Option<String>, bool)> = conn
        .prepare_cached(
            "SELECT id, identity_id, competition_id, team, removed_at_ms IS NOT NULL FROM runs
             WHERE canonical_hash = ?1 OR replay_hash = ?2
             ORDER BY (identity_id = ?3) DESC, id LIMIT 16",
        )?
        .query_map(
            params![run.canonical_hash, run.replay_hash, run.identity_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    if let Some((run_id, ..)) = same.iter().find(|s| s.1 != run.identity_id) {
        return refuse(Refusal::RunTaken { run_id: *run_id });
    }
    if let Some((run_id, _, _, stored, removed)) = same.iter().find(|s| s.2 == board) {
        if *removed {
            return refuse(Refusal::Removed { run_id: *run_id });
        }
        if *stored != team_name {
            return refuse(Refusal::TeamMismatch {
                run_id: *run_id,
                stored: stored.clone(),
                asked: team_name,
            });
        }
        return Ok(Inserted {
            id: *run_id,
            created: false,
        });
    }

    // The name, bound per board, and unique by skeleton among identities on every board:
    // the public board lists the competitions' runs too, so a name another identity holds
    // anywhere would stand beside this one there.
    let holder: Option<String> = conn
        .prepare_cached("SELECT name FROM names WHERE skeleton = ?1 AND identity_id <> ?2 LIMIT 1")?
        .query_row(params![run.player_skeleton, run.identity_id], |r| r.get(0))
        .optional()?;
    if let Some(name) = holder {
        return refuse(Refusal::NameTaken { name });
    }
    conn.prepare_cached(
        "INSERT INTO names (board_id, identity_id, name, skeleton) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (board_id, identity_id) DO UPDATE SET name = excluded.name, skeleton = excluded.skeleton",
    )?
    .execute(params![board, run.identity_id, run.player, run.player_skeleton])?;
    conn.prepare_cached(
        "UPDATE runs SET player = ?3 WHERE identity_id = ?1 AND competition_id = ?2 AND player <> ?3",
    )?
    .execute(params![run.identity_id, board, run.player])?;

    // The team: one per player and board, at most `team_cap` members.
    let team_id: Option<i64> = match (named, member_of) {
        (None, None) => None,
        (None, Some((id, _))) => Some(id),
        (Some((Some(id), _)), Some((member, _))) if id == member => Some(id),
        (Some(_), Some((_, current))) => return refuse(Refusal::OtherTeam { team: current }),
        (Some((existing, name)), None) => {
            let id = match existing {
                Some(id) => {
                    let members: i64 = conn
                        .prepare_cached("SELECT COUNT(*) FROM team_members WHERE team_id = ?1")?
                        .query_row(params![id], |r| r.get(0))?;
                    if members >= i64::from(run.team_cap) {
                        return refuse(Refusal::TeamFull {
                            team: name,
                            cap: run.team_cap,
                        });
                    }
                    id
                }
                None => {
                    let skeleton = run.team.as_ref().map(|(_, s)| s.clone());
                    conn.prepare_cached(
                        "INSERT INTO teams (board_id, name, skeleton) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![board, name, skeleton])?;
                    conn.last_insert_rowid()
                }
            };
            conn.prepare_cached(
                "INSERT INTO team_members (board_id, identity_id, team_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![board, run.identity_id, id])?;
            Some(id)
        }
    };

    conn.prepare_cached(
        "INSERT INTO runs (created_at_ms, player, team, competition_id, scenario_id, scenario_hash,
            seed, sim_version, replay_hash, replay_json, score, grade, outage_ms, requests_total,
            requests_failed, reads_failed, writes_failed, time_to_green_ms, final_health, event_log_hash,
            mode, identity_id, team_id, canonical_hash, daily_day, coverage, branch_case, handled_cleanly)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
            ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
    )?
    .execute(params![
        run.created_at_ms,
        run.player,
        team_name,
        board,
        run.scenario_id,
        run.scenario_hash,
        sql_u64(run.seed),
        run.sim_version,
        run.replay_hash,
        run.replay_json,
        run.score,
        run.grade,
        sql_u64(run.outage_ms),
        sql_u64(run.requests_total),
        sql_u64(run.requests_failed),
        sql_u64(run.reads_failed),
        sql_u64(run.writes_failed),
        run.time_to_green_ms.map(sql_u64),
        run.final_health,
        run.event_log_hash,
        run.mode.as_str(),
        run.identity_id,
        team_id,
        run.canonical_hash,
        run.daily_day,
        run.coverage,
        run.branch_case,
        run.handled_cleanly,
    ])?;
    let id = conn.last_insert_rowid();
    let mut offer = conn.prepare_cached(best_sql::OFFER)?;
    for (scope, mode) in best_sql::places(board, run.mode) {
        offer.execute(params![
            scope,
            run.scenario_id,
            run.scenario_hash,
            run.sim_version,
            mode,
            run.identity_id,
            run.score,
            id
        ])?;
    }
    if board != 0 {
        refresh_standings(conn, Some(board), Some(run.identity_id))?;
    }
    Ok(Inserted { id, created: true })
}

/// Recomputes `identity_id`'s best runs on every board (`None`: every identity's) from its
/// runs: after one is removed or the identity blocked (`store::best_sql`).
pub fn refresh_best(conn: &Connection, identity_id: Option<i64>) -> rusqlite::Result<()> {
    match identity_id {
        Some(id) => {
            conn.prepare_cached(best_sql::CLEAR)?.execute(params![id])?;
            conn.prepare_cached(&best_sql::refill(true))?
                .execute(params![id])?;
        }
        None => {
            conn.execute(best_sql::CLEAR_ALL, [])?;
            conn.execute(&best_sql::refill(false), [])?;
        }
    }
    Ok(())
}

/// Whether the organiser blocked `identity_id` in competition `competition_id`.
pub fn is_blocked(
    conn: &Connection,
    competition_id: i64,
    identity_id: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM blocks WHERE competition_id = ?1 AND identity_id = ?2")?
        .query_row(params![competition_id, identity_id], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// Creates an identity for a token's SHA-256; returns its id.
pub fn insert_identity(
    conn: &Connection,
    token_sha256: &[u8; 32],
    created_at_ms: i64,
) -> Result<i64, DbError> {
    conn.prepare_cached("INSERT INTO identities (token_sha256, created_at_ms) VALUES (?1, ?2)")?
        .execute(params![&token_sha256[..], created_at_ms])?;
    Ok(conn.last_insert_rowid())
}

/// The identity a token's SHA-256 belongs to: `(id, created_at_ms)`.
pub fn identity_by_token(
    conn: &Connection,
    token_sha256: &[u8; 32],
) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached("SELECT id, created_at_ms FROM identities WHERE token_sha256 = ?1")?
        .query_row(params![&token_sha256[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Marks run `run_id` removed (it leaves every board and table; its canonical hash stays
/// taken). `competition_id`: only if the run is in that competition. Returns whether a run
/// was removed now.
pub fn remove_run(
    conn: &Connection,
    run_id: i64,
    competition_id: Option<i64>,
    now_ms: i64,
) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE runs SET removed_at_ms = ?3
         WHERE id = ?1 AND (?2 IS NULL OR competition_id = ?2) AND removed_at_ms IS NULL",
        params![run_id, competition_id, now_ms],
    )?;
    if changed == 1 {
        let (competition, identity): (i64, i64) = conn.query_row(
            "SELECT competition_id, identity_id FROM runs WHERE id = ?1",
            params![run_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        refresh_best(conn, Some(identity))?;
        if competition != 0 {
            refresh_standings(conn, Some(competition), Some(identity))?;
        }
    }
    Ok(changed == 1)
}

/// Blocks an identity in a competition (idempotent). Returns whether the identity exists.
pub fn block(
    conn: &Connection,
    competition_id: i64,
    identity_id: i64,
    now_ms: i64,
) -> Result<bool, DbError> {
    let exists = conn
        .query_row(
            "SELECT 1 FROM identities WHERE id = ?1",
            params![identity_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if exists {
        conn.execute(
            "INSERT INTO blocks (competition_id, identity_id, created_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            params![competition_id, identity_id, now_ms],
        )?;
        refresh_best(conn, Some(identity_id))?;
        refresh_standings(conn, Some(competition_id), Some(identity_id))?;
    }
    Ok(exists)
}

/// Recomputes the competition standings of `identity_id` in `competition_id` (`None`:
/// every identity, every competition): its total (best run per competition scenario, the
/// earliest among equal scores), the run that reached it and its run count, left out if the
/// organiser blocked it; its part of each team total; and those teams' totals. The rules are
/// `server::tables`'s.
pub fn refresh_standings(
    conn: &Connection,
    competition_id: Option<i64>,
    identity_id: Option<i64>,
) -> Result<(), DbError> {
    let scope = "(?1 IS NULL OR r.competition_id = ?1) AND (?2 IS NULL OR r.identity_id = ?2)";
    let counted = |partition: &str, team: &str| {
        format!(
            "SELECT r.competition_id, r.identity_id, r.team_id, r.id, r.score,
                ROW_NUMBER() OVER (PARTITION BY r.competition_id, r.identity_id, {partition} r.scenario_id
                                   ORDER BY r.score DESC, r.id) AS rn
             FROM runs r
             JOIN competition_scenarios cs
               ON cs.competition_id = r.competition_id AND cs.scenario_id = r.scenario_id
             WHERE {scope} AND r.competition_id <> 0 AND r.removed_at_ms IS NULL {team}
               AND NOT EXISTS (SELECT 1 FROM blocks b
                               WHERE b.competition_id = r.competition_id AND b.identity_id = r.identity_id)"
        )
    };
    // The teams whose standings this refresh touches: those it had before and after.
    let teams_of_scope = || -> rusqlite::Result<Vec<(i64, i64)>> {
        conn.prepare_cached(
            "SELECT DISTINCT competition_id, team_id FROM team_standings r
             WHERE (?1 IS NULL OR r.competition_id = ?1) AND (?2 IS NULL OR r.identity_id = ?2)",
        )?
        .query_map(params![competition_id, identity_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect()
    };
    let teams_before = teams_of_scope()?;
    conn.prepare_cached(
        "DELETE FROM standings AS r
         WHERE (?1 IS NULL OR r.competition_id = ?1) AND (?2 IS NULL OR r.identity_id = ?2)",
    )?
    .execute(params![competition_id, identity_id])?;
    conn.prepare_cached(&format!(
        "INSERT INTO standings (competition_id, identity_id, total, reached, runs)
         SELECT competition_id, identity_id, SUM(CASE WHEN rn = 1 THEN score ELSE 0 END),
             MAX(CASE WHEN rn = 1 THEN id END), COUNT(*)
         FROM ({}) GROUP BY competition_id, identity_id",
        counted("", "")
    ))?
    .execute(params![competition_id, identity_id])?;
    conn.prepare_cached(
        "DELETE FROM team_standings AS r
         WHERE (?1 IS NULL OR r.competition_id = ?1) AND (?2 IS NULL OR r.identity_id = ?2)",
    )?
    .execute(params![competition_id, identity_id])?;
    conn.prepare_cached(&format!(
        "INSERT INTO team_standings (competition_id, team_id, identity_id, total, reached)
         SELECT competition_id, team_id, identity_id, SUM(score), MAX(id)
         FROM ({}) WHERE rn = 1 GROUP BY competition_id, team_id, identity_id",
        counted("r.team_id,", "AND r.team_id IS NOT NULL")
    ))?
    .execute(params![competition_id, identity_id])?;
    let teams_after = teams_of_scope()?;
    let mut teams = teams_before;
    teams.extend(teams_after);
    teams.sort_unstable();
    teams.dedup();
    for (competition, team) in teams {
        conn.prepare_cached("DELETE FROM team_totals WHERE competition_id = ?1 AND team_id = ?2")?
            .execute(params![competition, team])?;
        conn.prepare_cached(
            "INSERT INTO team_totals (competition_id, team_id, total, reached)
             SELECT competition_id, team_id, SUM(total), MAX(reached) FROM team_standings
             WHERE competition_id = ?1 AND team_id = ?2 GROUP BY competition_id, team_id",
        )?
        .execute(params![competition, team])?;
    }
    Ok(())
}

/// Fills in the skeletons of names and teams stored before identities (migration 3 leaves
/// them `NULL`, SQL cannot compute them). A legacy name whose skeleton another name already
/// holds keeps `NULL`: it is shown, and no new name is compared with it.
fn backfill_skeletons(conn: &Connection) -> Result<(), DbError> {
    use quorum_proto::names::skeleton;
    let names: Vec<(i64, i64, String)> = conn
        .prepare("SELECT board_id, identity_id, name FROM names WHERE skeleton IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (board, identity, name) in names {
        conn.execute(
            "UPDATE OR IGNORE names SET skeleton = ?3 WHERE board_id = ?1 AND identity_id = ?2",
            params![board, identity, skeleton(&name)],
        )?;
    }
    let teams: Vec<(i64, String)> = conn
        .prepare("SELECT id, name FROM teams WHERE skeleton IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name) in teams {
        conn.execute(
            "UPDATE OR IGNORE teams SET skeleton = ?2 WHERE id = ?1",
            params![id, skeleton(&name)],
        )?;
    }
    Ok(())
}

/// A new join code ([`quorum_proto::code`]: 8 characters without look-alikes).
pub(crate) fn new_code() -> String {
    use quorum_proto::code::{CODE_ALPHABET, CODE_LEN};
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

fn insert_competition(conn: &Connection, c: &NewCompetition) -> Result<Competition, DbError> {
    for _ in 0..16 {
        let code = new_code();
        let changed = conn.execute(
            "INSERT INTO competitions (code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam, team_cap)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (code) DO NOTHING",
            params![code, c.name, c.starts_at_ms, c.ends_at_ms, c.created_at_ms, c.require_exam, c.team_cap],
        )?;
        if changed == 0 {
            continue;
        }
        let id = conn.last_insert_rowid();
        for (position, s) in c.scenarios.iter().enumerate() {
            let seeds = serde_json::to_string(&s.seeds).map_err(|e| DbError(e.to_string()))?;
            conn.execute(
                "INSERT INTO competition_scenarios (competition_id, position, scenario_id, seeds)
                 VALUES (?1, ?2, ?3, ?4)",
                params![id, position as i64, s.scenario_id, seeds],
            )?;
        }
        return Ok(Competition {
            id,
            code,
            name: c.name.clone(),
            starts_at_ms: c.starts_at_ms,
            ends_at_ms: c.ends_at_ms,
            created_at_ms: c.created_at_ms,
            require_exam: c.require_exam,
            team_cap: c.team_cap,
            scenarios: c.scenarios.clone(),
        });
    }
    Err(DbError("could not find a free competition code".into()))
}

// ---- Queries (run on read connections) -------------------------------------------------

fn get_u64(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(idx)?;
    Ok(u64::try_from(v).unwrap_or(0))
}

const RUN_COLUMNS: &str =
    "r.id, r.created_at_ms, r.player, r.team, r.competition_id, c.code, r.scenario_id,
    r.scenario_hash, r.seed, r.sim_version, r.replay_json, r.score, r.grade, r.outage_ms,
    r.requests_total, r.requests_failed, r.reads_failed, r.writes_failed, r.time_to_green_ms,
    r.final_health, r.event_log_hash, r.mode, r.identity_id";

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        created_at_ms: r.get(1)?,
        player: r.get(2)?,
        team: r.get(3)?,
        competition_id: r.get(4)?,
        competition_code: r.get(5)?,
        scenario_id: r.get(6)?,
        scenario_hash: r.get(7)?,
        seed: get_u64(r, 8)?,
        sim_version: r.get(9)?,
        replay_json: r.get(10)?,
        score: r.get(11)?,
        grade: r.get(12)?,
        outage_ms: get_u64(r, 13)?,
        requests_total: get_u64(r, 14)?,
        requests_failed: get_u64(r, 15)?,
        reads_failed: get_u64(r, 16)?,
        writes_failed: get_u64(r, 17)?,
        time_to_green_ms: r
            .get::<_, Option<i64>>(18)?
            .map(|v| u64::try_from(v).unwrap_or(0)),
        final_health: r.get(19)?,
        event_log_hash: r.get(20)?,
        mode: mode_of(&r.get::<_, String>(21)?),
        identity_id: r.get::<_, Option<i64>>(22)?.unwrap_or(0),
        player_runs: 1,
    })
}

/// A stored mode; anything unreadable is `Unknown` (never Exam).
fn mode_of(text: &str) -> PlayMode {
    PlayMode::parse(text).unwrap_or(PlayMode::Unknown)
}

/// A run by id.
pub fn get_run(conn: &Connection, id: i64) -> rusqlite::Result<Option<RunRow>> {
    conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM runs r LEFT JOIN competitions c ON c.id = r.competition_id
         WHERE r.id = ?1 AND r.removed_at_ms IS NULL"
    ))?
    .query_row(params![id], run_row)
    .optional()
}

/// The 1-based rank run `row` would have on its board of best runs: 1 + the number of
/// other identities with a better run of its scenario (same sim version and scenario hash),
/// on the public board among the runs played in `row`'s mode, or within competition
/// `competition_id` among every mode (higher score first, then the earlier submission).
/// A walk over the identities above it in `best_runs` (`store::best_sql`).
pub fn rank(conn: &Connection, row: &RunRow, competition_id: Option<i64>) -> rusqlite::Result<i64> {
    let (scope, mode) = best_sql::place(competition_id, row.mode);
    conn.prepare_cached(best_sql::RANK)?.query_row(
        params![
            scope,
            row.scenario_id,
            row.scenario_hash,
            row.sim_version,
            mode,
            row.score,
            row.id,
            row.identity_id,
        ],
        |r| r.get(0),
    )
}

/// A page of a board: each identity's best run (or every run of one identity), highest
/// score first, ties to the earlier submission, starting after `f.after`. Removed runs and
/// runs of identities blocked in their competition are left out.
pub fn leaderboard(conn: &Connection, f: &BoardFilter) -> rusqlite::Result<Vec<RunRow>> {
    let Some((scope, mode)) = best_sql::board_scope(f) else {
        return leaderboard_from_runs(conn, f);
    };
    let mut stmt = conn.prepare_cached(&best_sql::board_page(RUN_COLUMNS))?;
    let rows = stmt.query_map(
        params![
            scope,
            f.scenario_id,
            f.scenario_hash,
            f.sim_version,
            mode,
            f.after.map(|a| a.score),
            f.after.map(|a| a.id),
            i64::from(f.limit),
        ],
        board_row,
    )?;
    rows.collect()
}

/// A board's row: the run and, after its columns, its identity's run count on the board.
fn board_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    let mut row = run_row(r)?;
    row.player_runs = get_u64(r, 23)?;
    Ok(row)
}

/// [`leaderboard`] from `runs` alone, with a window over the board's runs: the boards
/// `best_runs` does not hold (a seed's, a day's, one player's, every mode's).
fn leaderboard_from_runs(conn: &Connection, f: &BoardFilter) -> rusqlite::Result<Vec<RunRow>> {
    // Written out so that a board of one mode walks `runs_board_mode` in score order.
    let mode_clause = if f.mode.is_some() {
        "r.mode = ?8"
    } else {
        "?8 IS NULL"
    };
    let best_only = if f.identity_id.is_some() {
        ""
    } else {
        "AND b.rn = 1"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "WITH b AS (
            SELECT r.id AS run_id, r.score,
                ROW_NUMBER() OVER (PARTITION BY r.identity_id ORDER BY r.score DESC, r.id) AS rn,
                COUNT(*) OVER (PARTITION BY r.identity_id) AS n
            FROM runs r
            WHERE r.scenario_id = ?1 AND r.scenario_hash = ?2 AND r.sim_version = ?3
              AND (?4 IS NULL OR r.competition_id = ?4)
              AND (?5 IS NULL OR r.seed = ?5)
              AND (?6 IS NULL OR r.identity_id = ?6)
              AND {mode_clause}
              AND (?11 IS NULL OR r.daily_day = ?11)
              AND r.removed_at_ms IS NULL
              AND (r.competition_id = 0 OR r.identity_id NOT IN
                   (SELECT identity_id FROM blocks k WHERE k.competition_id = r.competition_id))
         )
         SELECT {RUN_COLUMNS}, b.n FROM b JOIN runs r ON r.id = b.run_id
             LEFT JOIN competitions c ON c.id = r.competition_id
         WHERE 1 = 1 {best_only}
           AND (?9 IS NULL OR b.score < ?9 OR (b.score = ?9 AND b.run_id > ?10))
         ORDER BY b.score DESC, b.run_id ASC
         LIMIT ?7"
    ))?;
    let rows = stmt.query_map(
        params![
            f.scenario_id,
            f.scenario_hash,
            f.sim_version,
            f.competition_id,
            f.seed.map(sql_u64),
            f.identity_id,
            i64::from(f.limit),
            f.mode.map(PlayMode::as_str),
            f.after.map(|a| a.score),
            f.after.map(|a| a.id),
            f.daily_day,
        ],
        board_row,
    )?;
    rows.collect()
}

/// A competition by join code.
pub fn competition_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<Competition>> {
    let Some(mut c) = conn
        .prepare_cached(
            "SELECT id, code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam, team_cap
             FROM competitions WHERE code = ?1",
        )?
        .query_row(params![code], |r| {
            Ok(Competition {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                starts_at_ms: r.get(3)?,
                ends_at_ms: r.get(4)?,
                created_at_ms: r.get(5)?,
                require_exam: r.get(6)?,
                team_cap: r.get(7)?,
                scenarios: Vec::new(),
            })
        })
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT scenario_id, seeds FROM competition_scenarios WHERE competition_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map(params![c.id], |r| {
        let seeds: String = r.get(1)?;
        Ok(CompetitionScenario {
            scenario_id: r.get(0)?,
            seeds: serde_json::from_str(&seeds).unwrap_or_default(),
        })
    })?;
    c.scenarios = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(c))
}

/// `PRAGMA integrity_check`'s answer (`"ok"` when sound).
pub fn integrity_check(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}
