//! The leaderboard store: SQLite in WAL mode with `synchronous=FULL`, so a run is on disk
//! before its submitter hears 2xx.
//!
//! One writer thread owns the only writing connection and applies jobs in *group commits*:
//! it takes every job waiting in its queue (up to [`MAX_BATCH`]), applies each inside its own
//! savepoint, commits once (one fsync for the group), and only then answers each job. Reads
//! go through a small pool of read-only connections on Tokio's blocking threads; WAL lets
//! them run while the writer writes. Every statement is parameterised.
//!
//! Schema migrations run at open, tracked by `PRAGMA user_version` (the number of
//! [`MIGRATIONS`] applied); a database written by a newer `drill` is refused.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quorum_sim::replay::PlayMode;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use tokio::sync::oneshot;

/// Jobs committed together at most.
pub const MAX_BATCH: usize = 128;
/// How long a connection waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle read connections kept.
const READ_POOL: usize = 4;

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
    // Issue 10: the daily drill a run played (its day, UTC days since 1970-01-01; NULL: not
    // submitted as a daily drill) and the player's branch-case coverage of the run's scenario
    // when it was submitted (JSON `[{case, handled_cleanly}]`, as the game sent it).
    r#"
ALTER TABLE runs ADD COLUMN daily_day INTEGER;
ALTER TABLE runs ADD COLUMN coverage TEXT;
"#,
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
    pub player: String,
    pub team: Option<String>,
    /// 0 when the run is not part of a competition.
    pub competition_id: i64,
    pub scenario_id: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub sim_version: u32,
    /// How it was played, as its replay records it.
    pub mode: PlayMode,
    pub replay_hash: String,
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
}

/// The outcome of storing a run: its id, and whether this call created it (false: the same
/// replay by the same player, in the same competition, was already stored).
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
    pub scenarios: Vec<CompetitionScenario>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompetitionScenario {
    pub scenario_id: String,
    pub seeds: Vec<u64>,
}

/// A stored competition.
#[derive(Clone, Debug)]
pub struct Competition {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_at_ms: i64,
    /// Only Exam runs may be submitted.
    pub require_exam: bool,
    pub scenarios: Vec<CompetitionScenario>,
}

/// A run as the competition tables need it.
#[derive(Clone, Debug)]
pub struct CompetitionRun {
    pub id: i64,
    pub player: String,
    pub team: Option<String>,
    pub scenario_id: String,
    pub seed: u64,
    pub score: i64,
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
    pub player: Option<String>,
    /// `Some(day)`: only the runs submitted as that day's daily drill.
    pub daily_day: Option<u32>,
    pub limit: u32,
}

enum Job {
    InsertRun(Box<NewRun>, oneshot::Sender<Result<Inserted, DbError>>),
    CreateCompetition(
        NewCompetition,
        oneshot::Sender<Result<Competition, DbError>>,
    ),
}

enum Done {
    Run(
        oneshot::Sender<Result<Inserted, DbError>>,
        Result<Inserted, DbError>,
    ),
    Competition(
        oneshot::Sender<Result<Competition, DbError>>,
        Result<Competition, DbError>,
    ),
}

impl Done {
    fn fail(self, why: &str) {
        match self {
            Done::Run(reply, _) => {
                let _ = reply.send(Err(DbError(why.to_string())));
            }
            Done::Competition(reply, _) => {
                let _ = reply.send(Err(DbError(why.to_string())));
            }
        }
    }

    fn send(self) {
        match self {
            Done::Run(reply, result) => {
                let _ = reply.send(result);
            }
            Done::Competition(reply, result) => {
                let _ = reply.send(result);
            }
        }
    }
}

struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
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
        if idle.len() < READ_POOL {
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
            }),
        })
    }

    /// Stores a run (idempotently: see [`Inserted`]). Returns once it is durably committed.
    pub async fn insert_run(&self, run: NewRun) -> Result<Inserted, DbError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::InsertRun(Box::new(run), reply))
            .map_err(|_| DbError("the writer thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| DbError("the writer thread dropped a job".into()))?
    }

    /// Creates a competition with a fresh join code. Returns once it is durably committed.
    pub async fn create_competition(
        &self,
        competition: NewCompetition,
    ) -> Result<Competition, DbError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::CreateCompetition(competition, reply))
            .map_err(|_| DbError("the writer thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| DbError("the writer thread dropped a job".into()))?
    }

    /// Runs `f` on a read-only connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || pool.with(f))
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
                tracing::error!("database: cannot begin a transaction: {e}");
                for job in batch {
                    let done = match job {
                        Job::InsertRun(_, reply) => Done::Run(reply, Err(DbError(String::new()))),
                        Job::CreateCompetition(_, reply) => {
                            Done::Competition(reply, Err(DbError(String::new())))
                        }
                    };
                    done.fail("could not begin a transaction");
                }
                continue;
            }
        };
        let mut done = Vec::with_capacity(batch.len());
        for job in batch {
            match job {
                Job::InsertRun(run, reply) => {
                    let result = in_savepoint(&tx, |sp| insert_run(sp, &run));
                    done.push(Done::Run(reply, result));
                }
                Job::CreateCompetition(competition, reply) => {
                    let result = in_savepoint(&tx, |sp| insert_competition(sp, &competition));
                    done.push(Done::Competition(reply, result));
                }
            }
        }
        match tx.commit() {
            Ok(()) => done.into_iter().for_each(Done::send),
            Err(e) => {
                tracing::error!("database: commit failed: {e}");
                done.into_iter().for_each(|d| d.fail("commit failed"));
            }
        }
    }
}

fn in_savepoint<T>(
    tx: &Transaction<'_>,
    f: impl FnOnce(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    tx.execute_batch("SAVEPOINT job")?;
    match f(tx) {
        Ok(value) => {
            tx.execute_batch("RELEASE job")?;
            Ok(value)
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

fn sql_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn insert_run(conn: &Connection, run: &NewRun) -> Result<Inserted, DbError> {
    let changed = conn
        .prepare_cached(
            "INSERT INTO runs (created_at_ms, player, team, competition_id, scenario_id, scenario_hash,
                seed, sim_version, replay_hash, replay_json, score, grade, outage_ms, requests_total,
                requests_failed, reads_failed, writes_failed, time_to_green_ms, final_health, event_log_hash,
                mode, daily_day, coverage)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)
             ON CONFLICT (replay_hash, player, competition_id) DO NOTHING",
        )?
        .execute(params![
            run.created_at_ms,
            run.player,
            run.team,
            run.competition_id,
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
            run.daily_day,
            run.coverage,
        ])?;
    if changed == 1 {
        return Ok(Inserted {
            id: conn.last_insert_rowid(),
            created: true,
        });
    }
    let existing = find_run(conn, &run.replay_hash, &run.player, run.competition_id)?
        .ok_or_else(|| DbError("insert was ignored but no conflicting run exists".into()))?;
    Ok(Inserted {
        id: existing.0,
        created: false,
    })
}

/// A new join code ([`quorum_proto::code`]: 8 characters without look-alikes).
fn new_code() -> String {
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
            "INSERT INTO competitions (code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (code) DO NOTHING",
            params![code, c.name, c.starts_at_ms, c.ends_at_ms, c.created_at_ms, c.require_exam],
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

/// The run stored for this replay, player and competition: `(id, score)`.
pub fn find_run(
    conn: &Connection,
    replay_hash: &str,
    player: &str,
    competition_id: i64,
) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT id, score FROM runs WHERE replay_hash = ?1 AND player = ?2 AND competition_id = ?3",
    )?
    .query_row(params![replay_hash, player, competition_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

const RUN_COLUMNS: &str =
    "r.id, r.created_at_ms, r.player, r.team, r.competition_id, c.code, r.scenario_id,
    r.scenario_hash, r.seed, r.sim_version, r.replay_json, r.score, r.grade, r.outage_ms,
    r.requests_total, r.requests_failed, r.reads_failed, r.writes_failed, r.time_to_green_ms,
    r.final_health, r.event_log_hash, r.mode";

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
    })
}

/// A stored mode; anything unreadable is `Unknown` (never Exam).
fn mode_of(text: &str) -> PlayMode {
    PlayMode::parse(text).unwrap_or(PlayMode::Unknown)
}

/// A run by id.
pub fn get_run(conn: &Connection, id: i64) -> rusqlite::Result<Option<RunRow>> {
    conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM runs r LEFT JOIN competitions c ON c.id = r.competition_id WHERE r.id = ?1"
    ))?
    .query_row(params![id], run_row)
    .optional()
}

/// The 1-based rank of run `row` among the runs of its scenario (same sim version and
/// scenario hash), optionally only within one competition, optionally only among the runs
/// played in one mode: higher score first, then the earlier submission.
pub fn rank(
    conn: &Connection,
    row: &RunRow,
    competition_id: Option<i64>,
    mode: Option<PlayMode>,
) -> rusqlite::Result<i64> {
    // `mode = ?7` written out (not `?7 IS NULL OR …`) so that SQLite can use the index.
    let mode_clause = if mode.is_some() {
        "mode = ?7"
    } else {
        "?7 IS NULL"
    };
    conn.prepare_cached(&format!(
        "SELECT COUNT(*) + 1 FROM runs
         WHERE scenario_id = ?1 AND scenario_hash = ?2 AND sim_version = ?3
           AND (?4 IS NULL OR competition_id = ?4)
           AND {mode_clause}
           AND (score > ?5 OR (score = ?5 AND id < ?6))"
    ))?
    .query_row(
        params![
            row.scenario_id,
            row.scenario_hash,
            row.sim_version,
            competition_id,
            row.score,
            row.id,
            mode.map(PlayMode::as_str),
        ],
        |r| r.get(0),
    )
}

/// Ranked runs: highest score first, ties to the earlier submission.
pub fn leaderboard(conn: &Connection, f: &BoardFilter) -> rusqlite::Result<Vec<RunRow>> {
    // Written out so that a board of one mode walks `runs_board_mode` in score order.
    let mode_clause = if f.mode.is_some() {
        "r.mode = ?8"
    } else {
        "?8 IS NULL"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM runs r LEFT JOIN competitions c ON c.id = r.competition_id
         WHERE r.scenario_id = ?1 AND r.scenario_hash = ?2 AND r.sim_version = ?3
           AND (?4 IS NULL OR r.competition_id = ?4)
           AND (?5 IS NULL OR r.seed = ?5)
           AND (?6 IS NULL OR r.player = ?6)
           AND {mode_clause}
           AND (?9 IS NULL OR r.daily_day = ?9)
         ORDER BY r.score DESC, r.id ASC
         LIMIT ?7"
    ))?;
    let rows = stmt.query_map(
        params![
            f.scenario_id,
            f.scenario_hash,
            f.sim_version,
            f.competition_id,
            f.seed.map(sql_u64),
            f.player,
            i64::from(f.limit),
            f.mode.map(PlayMode::as_str),
            f.daily_day,
        ],
        run_row,
    )?;
    rows.collect()
}

/// A competition by join code.
pub fn competition_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<Competition>> {
    let Some(mut c) = conn
        .prepare_cached(
            "SELECT id, code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam
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

/// Every run of a competition, oldest first.
pub fn competition_runs(
    conn: &Connection,
    competition_id: i64,
) -> rusqlite::Result<Vec<CompetitionRun>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, player, team, scenario_id, seed, score FROM runs WHERE competition_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![competition_id], |r| {
        Ok(CompetitionRun {
            id: r.get(0)?,
            player: r.get(1)?,
            team: r.get(2)?,
            scenario_id: r.get(3)?,
            seed: get_u64(r, 4)?,
            score: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// `PRAGMA integrity_check`'s answer (`"ok"` when sound).
pub fn integrity_check(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}
