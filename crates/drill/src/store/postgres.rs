//! [`Store`] on PostgreSQL through sqlx (its postgres driver only). Several `drill serve`
//! processes may share one database: nothing lives only in a process's memory but the rate
//! limiters, and every write that checks a board's rules takes [`WRITE_LOCK`], a
//! transaction-scoped advisory lock, first — so the checks and the write are one serialised
//! step across processes, as SQLite's single writer makes them within one. A process killed
//! mid-write leaves its transaction uncommitted; PostgreSQL rolls it back and releases the
//! lock when the connection drops.
//!
//! Migrations are embedded ([`MIGRATIONS`]) and run at connect under [`MIGRATE_LOCK`], so N
//! processes starting at once apply each once; `drill_migrations` records them. A database
//! migrated by a newer `drill` is refused.

use std::time::Duration;

use async_trait::async_trait;
use quorum_proto::api::{BestRun, Individual, TeamMember, TeamRow};
use quorum_sim::replay::PlayMode;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use super::best_sql;
use super::trainer_sql::{self as q, pg};
use super::{team_sql, CohortDrillRow, TeamDrillBestRow, TeamDrillPlayer, TeamDrillRow};
use super::{
    AssignmentRow, AuthoredRow, CohortRow, CommentRow, MemberRow, PracticeRun, Store, TableCursor,
    Tables, TrainerRow,
};
use crate::db::{
    BoardFilter, Competition, CompetitionScenario, DbError, Inserted, NewCompetition, NewRun,
    Refusal, RunRow, StoreError,
};

/// The schema, one file per step; entry `i` takes the database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("postgres/0001_schema.sql"),
    include_str!("postgres/0002_trainers.sql"),
    include_str!("postgres/0003_authored_scenarios.sql"),
    BEST_RUNS_MIGRATION,
    include_str!("postgres/0005_team_drills.sql"),
    include_str!("postgres/0006_authored_scenarios_hash.sql"),
    include_str!("postgres/0007_team_drill_scopes.sql"),
];
/// The migration that makes `best_runs`; `migrate` fills it from the runs stored before.
const BEST_RUNS_MIGRATION: &str = include_str!("postgres/0004_best_runs.sql");
/// The advisory lock every rule-checking write holds for its transaction.
pub const WRITE_LOCK: i64 = 0x5144_5752; // "QDWR"
/// The advisory lock held while migrations run.
pub const MIGRATE_LOCK: i64 = 0x5144_4d47; // "QDMG"
/// Connections per process at most.
pub const MAX_CONNECTIONS: u32 = 16;

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> DbError {
        DbError(format!("postgres: {e}"))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        StoreError::Db(e.into())
    }
}

/// The PostgreSQL store. Cheap to clone (a pool).
#[derive(Clone)]
pub struct PgStore {
    pub pool: PgPool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// The players of the drills `codes`, by code.
    async fn players_of(
        &self,
        codes: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<TeamDrillPlayer>>, DbError> {
        let mut by_code: std::collections::HashMap<String, Vec<TeamDrillPlayer>> =
            std::collections::HashMap::new();
        if codes.is_empty() {
            return Ok(by_code);
        }
        let rows: Vec<(String, String, i64, String, i64)> = sqlx::query_as(team_sql::PLAYERS_OF_PG)
            .bind(codes)
            .fetch_all(&self.pool)
            .await?;
        for (code, role, identity_id, name, points) in rows {
            by_code.entry(code).or_default().push(TeamDrillPlayer {
                role,
                identity_id,
                name,
                points,
            });
        }
        Ok(by_code)
    }

    /// Connects to `url` and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore, DbError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| DbError(format!("cannot connect to {}: {e}", super::redact(url))))?;
        migrate(&pool).await?;
        Ok(PgStore { pool })
    }

    /// Starts a rule-checking write: a transaction holding [`WRITE_LOCK`].
    pub async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// The schema version recorded in `drill_migrations` (0: none).
pub async fn schema_version(pool: &PgPool) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) FROM drill_migrations")
            .fetch_one(pool)
            .await?,
    )
}

/// Applies the migrations the database lacks, all in one transaction (PostgreSQL's DDL is
/// transactional) holding [`MIGRATE_LOCK`]: a second process starting at once waits, then
/// finds them applied.
async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATE_LOCK)
        .execute(&mut *tx)
        .await?;
    // A query without arguments runs as a simple query: several statements at once.
    sqlx::Executor::execute(
        &mut *tx,
        "CREATE TABLE IF NOT EXISTS drill_migrations (
             version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)",
    )
    .await?;
    let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM drill_migrations")
        .fetch_one(&mut *tx)
        .await?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(DbError(format!(
            "the database is at schema version {version}; this drill knows up to {known}"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        sqlx::Executor::execute(&mut *tx, *sql).await?;
        if *sql == BEST_RUNS_MIGRATION {
            refresh_best(&mut tx, None).await?;
        }
        sqlx::query("INSERT INTO drill_migrations (version, applied_at_ms) VALUES ($1, $2)")
            .bind(index as i64 + 1)
            .bind(crate::timefmt::now_ms())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

const RUN_COLUMNS: &str =
    "r.id, r.created_at_ms, r.player, r.team, r.competition_id, c.code, r.scenario_id,
    r.scenario_hash, r.seed, r.sim_version, r.replay_json, r.score, r.grade, r.outage_ms,
    r.requests_total, r.requests_failed, r.reads_failed, r.writes_failed, r.time_to_green_ms,
    r.final_health, r.event_log_hash, r.mode, r.identity_id";

fn run_row(r: &PgRow) -> Result<RunRow, sqlx::Error> {
    Ok(RunRow {
        id: r.try_get(0)?,
        created_at_ms: r.try_get(1)?,
        player: r.try_get(2)?,
        team: r.try_get(3)?,
        competition_id: r.try_get(4)?,
        competition_code: r.try_get(5)?,
        scenario_id: r.try_get(6)?,
        scenario_hash: r.try_get(7)?,
        seed: u64_of(r.try_get(8)?),
        sim_version: u32::try_from(r.try_get::<i64, _>(9)?).unwrap_or(0),
        replay_json: r.try_get(10)?,
        score: r.try_get(11)?,
        grade: r.try_get(12)?,
        outage_ms: u64_of(r.try_get(13)?),
        requests_total: u64_of(r.try_get(14)?),
        requests_failed: u64_of(r.try_get(15)?),
        reads_failed: u64_of(r.try_get(16)?),
        writes_failed: u64_of(r.try_get(17)?),
        time_to_green_ms: r.try_get::<Option<i64>, _>(18)?.map(u64_of),
        final_health: r.try_get(19)?,
        event_log_hash: r.try_get(20)?,
        mode: PlayMode::parse(&r.try_get::<String, _>(21)?).unwrap_or(PlayMode::Unknown),
        identity_id: r.try_get::<Option<i64>, _>(22)?.unwrap_or(0),
        player_runs: 1,
    })
}

async fn get_run(pool: &PgPool, id: i64) -> Result<Option<RunRow>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM runs r LEFT JOIN competitions c ON c.id = r.competition_id
         WHERE r.id = $1 AND r.removed_at_ms IS NULL"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.as_ref().map(run_row).transpose()?)
}

async fn rank(pool: &PgPool, row: &RunRow, competition_id: Option<i64>) -> Result<i64, DbError> {
    let (scope, mode) = best_sql::place(competition_id, row.mode);
    Ok(sqlx::query_scalar(&pg(best_sql::RANK))
        .bind(scope)
        .bind(&row.scenario_id)
        .bind(&row.scenario_hash)
        .bind(i64::from(row.sim_version))
        .bind(mode)
        .bind(row.score)
        .bind(row.id)
        .bind(row.identity_id)
        .fetch_one(pool)
        .await?)
}

/// [`crate::db::refresh_best`] on PostgreSQL, in a write transaction.
async fn refresh_best(
    tx: &mut Transaction<'static, Postgres>,
    identity_id: Option<i64>,
) -> Result<(), DbError> {
    match identity_id {
        Some(id) => {
            for sql in [best_sql::CLEAR.to_string(), best_sql::refill(true)] {
                sqlx::query(&pg(&sql)).bind(id).execute(&mut **tx).await?;
            }
        }
        None => {
            for sql in [best_sql::CLEAR_ALL.to_string(), best_sql::refill(false)] {
                sqlx::query(&sql).execute(&mut **tx).await?;
            }
        }
    }
    Ok(())
}

async fn competition_scenarios(
    pool: &PgPool,
    id: i64,
) -> Result<Vec<CompetitionScenario>, DbError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT scenario_id, seeds FROM competition_scenarios WHERE competition_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(scenario_id, seeds)| CompetitionScenario {
            scenario_id,
            seeds: serde_json::from_str(&seeds).unwrap_or_default(),
        })
        .collect())
}

/// [`crate::db::insert_run`]'s rules, in the transaction `tx` that holds [`WRITE_LOCK`].
async fn insert_run(
    tx: &mut Transaction<'static, Postgres>,
    run: &NewRun,
) -> Result<Inserted, StoreError> {
    let refuse = |r: Refusal| Err(StoreError::Refused(r));
    let board = run.competition_id;
    if board != 0 {
        let blocked =
            sqlx::query("SELECT 1 FROM blocks WHERE competition_id = $1 AND identity_id = $2")
                .bind(board)
                .bind(run.identity_id)
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
        if blocked {
            return refuse(Refusal::Blocked);
        }
    }
    let member_of: Option<(i64, String)> = sqlx::query_as(
        "SELECT t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
         WHERE m.board_id = $1 AND m.identity_id = $2",
    )
    .bind(board)
    .bind(run.identity_id)
    .fetch_optional(&mut **tx)
    .await?;
    let named: Option<(Option<i64>, String)> = match &run.team {
        None => None,
        Some((name, skeleton)) => {
            let existing: Option<(i64, String)> =
                sqlx::query_as("SELECT id, name FROM teams WHERE board_id = $1 AND skeleton = $2")
                    .bind(board)
                    .bind(skeleton)
                    .fetch_optional(&mut **tx)
                    .await?;
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

    let same: Vec<(i64, i64, i64, Option<String>, bool)> = sqlx::query_as(
        "SELECT id, identity_id, competition_id, team, removed_at_ms IS NOT NULL FROM runs
         WHERE canonical_hash = $1 OR replay_hash = $2
         ORDER BY (identity_id = $3) DESC, id LIMIT 16",
    )
    .bind(&run.canonical_hash)
    .bind(&run.replay_hash)
    .bind(run.identity_id)
    .fetch_all(&mut **tx)
    .await?;
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

    let holder: Option<String> = sqlx::query_scalar(
        "SELECT name FROM names WHERE skeleton = $1 AND identity_id <> $2 LIMIT 1",
    )
    .bind(&run.player_skeleton)
    .bind(run.identity_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(name) = holder {
        return refuse(Refusal::NameTaken { name });
    }
    sqlx::query(
        "INSERT INTO names (board_id, identity_id, name, skeleton) VALUES ($1, $2, $3, $4)
         ON CONFLICT (board_id, identity_id) DO UPDATE SET name = excluded.name, skeleton = excluded.skeleton",
    )
    .bind(board)
    .bind(run.identity_id)
    .bind(&run.player)
    .bind(&run.player_skeleton)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE runs SET player = $3 WHERE identity_id = $1 AND competition_id = $2 AND player <> $3",
    )
    .bind(run.identity_id)
    .bind(board)
    .bind(&run.player)
    .execute(&mut **tx)
    .await?;

    let team_id: Option<i64> = match (named, member_of) {
        (None, None) => None,
        (None, Some((id, _))) => Some(id),
        (Some((Some(id), _)), Some((member, _))) if id == member => Some(id),
        (Some(_), Some((_, current))) => return refuse(Refusal::OtherTeam { team: current }),
        (Some((existing, name)), None) => {
            let id = match existing {
                Some(id) => {
                    let members: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM team_members WHERE team_id = $1")
                            .bind(id)
                            .fetch_one(&mut **tx)
                            .await?;
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
                    sqlx::query_scalar(
                        "INSERT INTO teams (board_id, name, skeleton) VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(board)
                    .bind(&name)
                    .bind(skeleton)
                    .fetch_one(&mut **tx)
                    .await?
                }
            };
            sqlx::query(
                "INSERT INTO team_members (board_id, identity_id, team_id) VALUES ($1, $2, $3)",
            )
            .bind(board)
            .bind(run.identity_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            Some(id)
        }
    };

    let id: i64 = sqlx::query_scalar(
        "INSERT INTO runs (created_at_ms, player, team, competition_id, scenario_id, scenario_hash,
            seed, sim_version, replay_hash, replay_json, score, grade, outage_ms, requests_total,
            requests_failed, reads_failed, writes_failed, time_to_green_ms, final_health, event_log_hash,
            mode, identity_id, team_id, canonical_hash, daily_day, coverage, branch_case, handled_cleanly)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
            $21, $22, $23, $24, $25, $26, $27, $28)
         RETURNING id",
    )
    .bind(run.created_at_ms)
    .bind(&run.player)
    .bind(&team_name)
    .bind(board)
    .bind(&run.scenario_id)
    .bind(&run.scenario_hash)
    .bind(i64_of(run.seed))
    .bind(i64::from(run.sim_version))
    .bind(&run.replay_hash)
    .bind(&run.replay_json)
    .bind(run.score)
    .bind(&run.grade)
    .bind(i64_of(run.outage_ms))
    .bind(i64_of(run.requests_total))
    .bind(i64_of(run.requests_failed))
    .bind(i64_of(run.reads_failed))
    .bind(i64_of(run.writes_failed))
    .bind(run.time_to_green_ms.map(i64_of))
    .bind(&run.final_health)
    .bind(&run.event_log_hash)
    .bind(run.mode.as_str())
    .bind(run.identity_id)
    .bind(team_id)
    .bind(&run.canonical_hash)
    .bind(run.daily_day.map(i64::from))
    .bind(&run.coverage)
    .bind(&run.branch_case)
    .bind(run.handled_cleanly)
    .fetch_one(&mut **tx)
    .await?;
    let offer = pg(best_sql::OFFER);
    for (scope, mode) in best_sql::places(board, run.mode) {
        sqlx::query(&offer)
            .bind(scope)
            .bind(&run.scenario_id)
            .bind(&run.scenario_hash)
            .bind(i64::from(run.sim_version))
            .bind(mode)
            .bind(run.identity_id)
            .bind(run.score)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    if board != 0 {
        refresh_standings(tx, Some(board), Some(run.identity_id)).await?;
    }
    Ok(Inserted { id, created: true })
}

/// [`crate::db::refresh_standings`] on PostgreSQL, in a write transaction.
pub async fn refresh_standings(
    tx: &mut Transaction<'static, Postgres>,
    competition_id: Option<i64>,
    identity_id: Option<i64>,
) -> Result<(), DbError> {
    let scope = "($1::bigint IS NULL OR r.competition_id = $1) AND ($2::bigint IS NULL OR r.identity_id = $2)";
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
    let teams_sql =
        format!("SELECT DISTINCT r.competition_id, r.team_id FROM team_standings r WHERE {scope}");
    let mut teams: Vec<(i64, i64)> = sqlx::query_as(&teams_sql)
        .bind(competition_id)
        .bind(identity_id)
        .fetch_all(&mut **tx)
        .await?;
    sqlx::query(&format!("DELETE FROM standings r WHERE {scope}"))
        .bind(competition_id)
        .bind(identity_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO standings (competition_id, identity_id, total, reached, runs)
         SELECT competition_id, identity_id, SUM(CASE WHEN rn = 1 THEN score ELSE 0 END),
             MAX(CASE WHEN rn = 1 THEN id END), COUNT(*)
         FROM ({}) x GROUP BY competition_id, identity_id",
        counted("", "")
    ))
    .bind(competition_id)
    .bind(identity_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(&format!("DELETE FROM team_standings r WHERE {scope}"))
        .bind(competition_id)
        .bind(identity_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO team_standings (competition_id, team_id, identity_id, total, reached)
         SELECT competition_id, team_id, identity_id, SUM(score), MAX(id)
         FROM ({}) x WHERE rn = 1 GROUP BY competition_id, team_id, identity_id",
        counted("r.team_id,", "AND r.team_id IS NOT NULL")
    ))
    .bind(competition_id)
    .bind(identity_id)
    .execute(&mut **tx)
    .await?;
    let after: Vec<(i64, i64)> = sqlx::query_as(&teams_sql)
        .bind(competition_id)
        .bind(identity_id)
        .fetch_all(&mut **tx)
        .await?;
    teams.extend(after);
    teams.sort_unstable();
    teams.dedup();
    for (competition, team) in teams {
        sqlx::query("DELETE FROM team_totals WHERE competition_id = $1 AND team_id = $2")
            .bind(competition)
            .bind(team)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO team_totals (competition_id, team_id, total, reached)
             SELECT competition_id, team_id, SUM(total), MAX(reached) FROM team_standings
             WHERE competition_id = $1 AND team_id = $2 GROUP BY competition_id, team_id",
        )
        .bind(competition)
        .bind(team)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The runs that count in competition `$1`, each player's best per scenario (`rn = 1`), for
/// the players (or teams) in the array `$2` (`server::tables`'s rules).
fn counted(team: bool) -> String {
    let (part, join, filter) = if team {
        (
            "r.team_id,",
            "r.team_id = j.value",
            "AND r.team_id IS NOT NULL",
        )
    } else {
        ("", "r.identity_id = j.value", "")
    };
    format!(
        "WITH counted AS (
            SELECT r.id, r.identity_id, r.team_id, r.scenario_id, r.seed, r.score, cs.position,
                ROW_NUMBER() OVER (PARTITION BY {part} r.identity_id, r.scenario_id
                                   ORDER BY r.score DESC, r.id) AS rn
            FROM unnest($2::bigint[]) AS j(value) JOIN runs r ON {join}
            JOIN competition_scenarios cs
              ON cs.competition_id = r.competition_id AND cs.scenario_id = r.scenario_id
            WHERE r.competition_id = $1 AND r.removed_at_ms IS NULL {filter}
              AND r.identity_id NOT IN (SELECT identity_id FROM blocks WHERE competition_id = $1)
         )
         SELECT c.team_id, c.identity_id, c.scenario_id, c.seed, c.score, c.id
         FROM counted c WHERE c.rn = 1
         ORDER BY c.identity_id, c.position"
    )
}

type Best = (Option<i64>, i64, BestRun);

async fn bests_of(
    pool: &PgPool,
    competition_id: i64,
    ids: &[i64],
    team: bool,
) -> Result<Vec<Best>, DbError> {
    let rows: Vec<(Option<i64>, i64, String, i64, i64, i64)> = sqlx::query_as(&counted(team))
        .bind(competition_id)
        .bind(ids)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(team, identity, scenario, seed, score, run_id)| {
            (
                team,
                identity,
                BestRun {
                    scenario,
                    seed: u64_of(seed),
                    score,
                    run_id,
                },
            )
        })
        .collect())
}

fn take(bests: &mut Vec<Best>, keep: impl Fn(&Best) -> bool) -> Vec<BestRun> {
    let (mine, rest): (Vec<Best>, Vec<Best>) = bests.drain(..).partition(keep);
    *bests = rest;
    mine.into_iter().map(|b| b.2).collect()
}

fn cursor(total: i64, reached: i64, rank: i64) -> TableCursor {
    TableCursor {
        total,
        reached,
        rank,
    }
}

async fn individuals(
    pool: &PgPool,
    competition_id: i64,
    after: Option<TableCursor>,
    limit: u32,
) -> Result<(Vec<Individual>, Option<TableCursor>), DbError> {
    let first_rank = after.map_or(1, |a| a.rank + 1);
    let rows: Vec<(i64, i64, i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT s.identity_id, s.total, s.reached, s.runs,
             COALESCE(n.name, i.legacy_name, ''),
             (SELECT tm.name FROM team_members m JOIN teams tm ON tm.id = m.team_id
              WHERE m.board_id = $1 AND m.identity_id = s.identity_id)
         FROM standings s
         JOIN identities i ON i.id = s.identity_id
         LEFT JOIN names n ON n.board_id = $1 AND n.identity_id = s.identity_id
         WHERE s.competition_id = $1
           AND ($2::bigint IS NULL OR s.total < $2 OR (s.total = $2 AND s.reached > $3))
         ORDER BY s.total DESC, s.reached ASC
         LIMIT $4",
    )
    .bind(competition_id)
    .bind(after.map(|a| a.total))
    .bind(after.map(|a| a.reached))
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() > limit as usize;
    let mut rows: Vec<(Individual, i64)> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(player_id, total, reached, runs, player, team)| {
            (
                Individual {
                    rank: 0,
                    player_id,
                    total,
                    runs: u64_of(runs),
                    player,
                    team,
                    bests: Vec::new(),
                },
                reached,
            )
        })
        .collect();
    let ids: Vec<i64> = rows.iter().map(|(row, _)| row.player_id).collect();
    let mut bests = bests_of(pool, competition_id, &ids, false).await?;
    for (rank, (row, _)) in (first_rank..).zip(rows.iter_mut()) {
        row.rank = rank;
        let id = row.player_id;
        row.bests = take(&mut bests, |b| b.1 == id);
    }
    let next = more
        .then(|| {
            rows.last()
                .map(|(row, reached)| cursor(row.total, *reached, row.rank))
        })
        .flatten();
    Ok((rows.into_iter().map(|(row, _)| row).collect(), next))
}

async fn teams(
    pool: &PgPool,
    competition_id: i64,
    after: Option<TableCursor>,
    limit: u32,
) -> Result<(Vec<TeamRow>, Option<TableCursor>), DbError> {
    let first_rank = after.map_or(1, |a| a.rank + 1);
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT t.team_id, tm.name, t.total, t.reached
         FROM team_totals t JOIN teams tm ON tm.id = t.team_id
         WHERE t.competition_id = $1
           AND ($2::bigint IS NULL OR t.total < $2 OR (t.total = $2 AND t.reached > $3))
         ORDER BY t.total DESC, t.reached ASC
         LIMIT $4",
    )
    .bind(competition_id)
    .bind(after.map(|a| a.total))
    .bind(after.map(|a| a.reached))
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() > limit as usize;
    let mut rows: Vec<(i64, TeamRow, i64)> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, team, total, reached)| {
            (
                id,
                TeamRow {
                    rank: 0,
                    team,
                    total,
                    members: Vec::new(),
                },
                reached,
            )
        })
        .collect();
    let team_ids: Vec<i64> = rows.iter().map(|(id, ..)| *id).collect();
    let members: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "SELECT s.team_id, s.identity_id, s.total, COALESCE(n.name, i.legacy_name, '')
         FROM team_standings s
         JOIN identities i ON i.id = s.identity_id
         LEFT JOIN names n ON n.board_id = $1 AND n.identity_id = s.identity_id
         WHERE s.competition_id = $1 AND s.team_id = ANY($2)
         ORDER BY s.total DESC, s.reached ASC",
    )
    .bind(competition_id)
    .bind(&team_ids)
    .fetch_all(pool)
    .await?;
    let mut bests = bests_of(pool, competition_id, &team_ids, true).await?;
    for (rank, (team_id, row, _)) in (first_rank..).zip(rows.iter_mut()) {
        row.rank = rank;
        for (_, player_id, total, player) in members.iter().filter(|m| m.0 == *team_id) {
            let (team, identity) = (*team_id, *player_id);
            row.members.push(TeamMember {
                player_id: identity,
                total: *total,
                player: player.clone(),
                bests: take(&mut bests, |b| b.0 == Some(team) && b.1 == identity),
            });
        }
    }
    let next = more
        .then(|| {
            rows.last()
                .map(|(_, row, reached)| cursor(row.total, *reached, row.rank))
        })
        .flatten();
    Ok((rows.into_iter().map(|(_, row, _)| row).collect(), next))
}

impl PgStore {
    /// `db::leaderboard_from_runs` on PostgreSQL: the rows of a board that
    /// `best_runs` does not hold.
    async fn leaderboard_rows_from_runs(&self, f: &BoardFilter) -> Result<Vec<PgRow>, DbError> {
        let best_only = if f.identity_id.is_some() {
            ""
        } else {
            "AND b.rn = 1"
        };
        Ok(sqlx::query(&format!(
            "WITH b AS (
                SELECT r.id AS run_id, r.score,
                    ROW_NUMBER() OVER (PARTITION BY r.identity_id ORDER BY r.score DESC, r.id) AS rn,
                    COUNT(*) OVER (PARTITION BY r.identity_id) AS n
                FROM runs r
                WHERE r.scenario_id = $1 AND r.scenario_hash = $2 AND r.sim_version = $3
                  AND ($4::bigint IS NULL OR r.competition_id = $4)
                  AND ($5::bigint IS NULL OR r.seed = $5)
                  AND ($6::bigint IS NULL OR r.identity_id = $6)
                  AND ($8::text IS NULL OR r.mode = $8)
                  AND ($11::bigint IS NULL OR r.daily_day = $11)
                  AND r.removed_at_ms IS NULL
                  AND (r.competition_id = 0 OR r.identity_id NOT IN
                       (SELECT identity_id FROM blocks k WHERE k.competition_id = r.competition_id))
             )
             SELECT {RUN_COLUMNS}, b.n FROM b JOIN runs r ON r.id = b.run_id
                 LEFT JOIN competitions c ON c.id = r.competition_id
             WHERE 1 = 1 {best_only}
               AND ($9::bigint IS NULL OR b.score < $9 OR (b.score = $9 AND b.run_id > $10))
             ORDER BY b.score DESC, b.run_id ASC
             LIMIT $7"
        ))
        .bind(&f.scenario_id)
        .bind(&f.scenario_hash)
        .bind(i64::from(f.sim_version))
        .bind(f.competition_id)
        .bind(f.seed.map(i64_of))
        .bind(f.identity_id)
        .bind(i64::from(f.limit))
        .bind(f.mode.map(PlayMode::as_str))
        .bind(f.after.map(|a| a.score))
        .bind(f.after.map(|a| a.id))
        .bind(f.daily_day.map(i64::from))
        .fetch_all(&self.pool)
        .await?)
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn save_team_drill(&self, d: TeamDrillRow) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let saved = sqlx::query(&pg(team_sql::SAVE_SCOPED))
            .bind(&d.code)
            .bind(&d.scenario_id)
            .bind(i64_of(d.seed))
            .bind(d.score)
            .bind(&d.grade)
            .bind(&d.canonical_hash)
            .bind(&d.result_json)
            .bind(d.ended_at_ms)
            .bind(d.competition_id)
            .bind(d.team_id)
            .bind(d.cohort_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Once per code: a second save adds no players either.
        if saved == 1 {
            for p in &d.players {
                sqlx::query(&pg(team_sql::SAVE_PLAYER))
                    .bind(&d.code)
                    .bind(&p.role)
                    .bind(p.identity_id)
                    .bind(&p.name)
                    .bind(p.points)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn team_drill(&self, code: String) -> Result<Option<TeamDrillRow>, DbError> {
        let row = sqlx::query(&pg(team_sql::BY_CODE))
            .bind(&code)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(TeamDrillRow {
            code: r.try_get(0)?,
            scenario_id: r.try_get(1)?,
            seed: u64_of(r.try_get(2)?),
            score: r.try_get(3)?,
            grade: r.try_get(4)?,
            canonical_hash: r.try_get(5)?,
            result_json: r.try_get(6)?,
            ended_at_ms: r.try_get(7)?,
            competition_id: r.try_get(8)?,
            team_id: r.try_get(9)?,
            cohort_id: r.try_get(10)?,
            players: Vec::new(),
        }))
    }

    async fn is_team_drill(&self, canonical_hash: String) -> Result<bool, DbError> {
        let (yes,): (bool,) = sqlx::query_as(&pg(team_sql::IS_TEAM_DRILL))
            .bind(&canonical_hash)
            .fetch_one(&self.pool)
            .await?;
        Ok(yes)
    }

    async fn team_of(
        &self,
        competition_id: i64,
        identity_id: i64,
    ) -> Result<Option<(i64, String, bool)>, DbError> {
        Ok(sqlx::query_as(&pg(team_sql::TEAM_OF))
            .bind(competition_id)
            .bind(identity_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn trainee_name(
        &self,
        cohort_id: i64,
        identity_id: i64,
    ) -> Result<Option<String>, DbError> {
        let row: Option<(String,)> = sqlx::query_as(&pg(team_sql::TRAINEE_NAME))
            .bind(cohort_id)
            .bind(identity_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(name,)| name))
    }

    async fn competition_team_drills(
        &self,
        competition_id: i64,
        ends_at_ms: i64,
    ) -> Result<Vec<TeamDrillBestRow>, DbError> {
        let rows = sqlx::query(&pg(team_sql::COMPETITION_BESTS))
            .bind(competition_id)
            .bind(ends_at_ms)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(TeamDrillBestRow {
                team_id: r.try_get(0)?,
                team: r.try_get(1)?,
                scenario_id: r.try_get(2)?,
                position: r.try_get(3)?,
                seed: u64_of(r.try_get(4)?),
                score: r.try_get(5)?,
                code: r.try_get(6)?,
                ended_at_ms: r.try_get(7)?,
                players: Vec::new(),
            });
        }
        let players = self.players_of(&super::codes_of(&out)).await?;
        super::attach_players(&mut out, players);
        Ok(out)
    }

    async fn cohort_team_drills(&self, cohort_id: i64) -> Result<Vec<CohortDrillRow>, DbError> {
        let rows: Vec<(String, String, i64, i64, String, i64)> =
            sqlx::query_as(&pg(team_sql::COHORT_DRILLS_SQL))
                .bind(cohort_id)
                .fetch_all(&self.pool)
                .await?;
        let mut out: Vec<CohortDrillRow> = rows
            .into_iter()
            .map(
                |(code, scenario_id, seed, score, grade, ended_at_ms)| CohortDrillRow {
                    code,
                    scenario_id,
                    seed: u64_of(seed),
                    score,
                    grade,
                    ended_at_ms,
                    players: Vec::new(),
                },
            )
            .collect();
        let players = self.players_of(&super::codes_of(&out)).await?;
        super::attach_players(&mut out, players);
        Ok(out)
    }

    async fn insert_identity(
        &self,
        token_sha256: [u8; 32],
        created_at_ms: i64,
    ) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO identities (token_sha256, created_at_ms) VALUES ($1, $2) RETURNING id",
        )
        .bind(&token_sha256[..])
        .bind(created_at_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn identity_by_token(
        &self,
        token_sha256: [u8; 32],
    ) -> Result<Option<(i64, i64)>, DbError> {
        Ok(
            sqlx::query_as("SELECT id, created_at_ms FROM identities WHERE token_sha256 = $1")
                .bind(&token_sha256[..])
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn precheck(
        &self,
        competition_id: i64,
        identity_id: i64,
        replay_hash: String,
    ) -> Result<(bool, Option<i64>), DbError> {
        let blocked = competition_id != 0
            && sqlx::query("SELECT 1 FROM blocks WHERE competition_id = $1 AND identity_id = $2")
                .bind(competition_id)
                .bind(identity_id)
                .fetch_optional(&self.pool)
                .await?
                .is_some();
        let other: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM runs WHERE replay_hash = $1 AND identity_id <> $2 LIMIT 1",
        )
        .bind(replay_hash)
        .bind(identity_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok((blocked, other))
    }

    async fn insert_run(&self, run: NewRun) -> Result<Inserted, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = insert_run(&mut tx, &run).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn get_run(&self, id: i64) -> Result<Option<RunRow>, DbError> {
        get_run(&self.pool, id).await
    }

    async fn run_ranked(&self, id: i64) -> Result<Option<(RunRow, i64, Option<i64>)>, DbError> {
        let Some(row) = get_run(&self.pool, id).await? else {
            return Ok(None);
        };
        let board_rank = rank(&self.pool, &row, None).await?;
        let competition_rank = if row.competition_id != 0 {
            Some(rank(&self.pool, &row, Some(row.competition_id)).await?)
        } else {
            None
        };
        Ok(Some((row, board_rank, competition_rank)))
    }

    async fn leaderboard(&self, f: BoardFilter) -> Result<Vec<RunRow>, DbError> {
        let rows = if let Some((scope, mode)) = best_sql::board_scope(&f) {
            sqlx::query(&pg(&best_sql::board_page(RUN_COLUMNS)))
                .bind(scope)
                .bind(&f.scenario_id)
                .bind(&f.scenario_hash)
                .bind(i64::from(f.sim_version))
                .bind(mode)
                .bind(f.after.map(|a| a.score))
                .bind(f.after.map(|a| a.id))
                .bind(i64::from(f.limit))
                .fetch_all(&self.pool)
                .await?
        } else {
            self.leaderboard_rows_from_runs(&f).await?
        };
        rows.iter()
            .map(|r| {
                let mut row = run_row(r)?;
                row.player_runs = u64_of(r.try_get(23)?);
                Ok(row)
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    async fn create_competition(&self, c: NewCompetition) -> Result<Competition, DbError> {
        let mut tx = self.pool.begin().await?;
        for _ in 0..16 {
            let code = crate::db::new_code();
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO competitions (code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam, team_cap)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(&code)
            .bind(&c.name)
            .bind(c.starts_at_ms)
            .bind(c.ends_at_ms)
            .bind(c.created_at_ms)
            .bind(c.require_exam)
            .bind(i64::from(c.team_cap))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else { continue };
            for (position, s) in c.scenarios.iter().enumerate() {
                let seeds = serde_json::to_string(&s.seeds).map_err(|e| DbError(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO competition_scenarios (competition_id, position, scenario_id, seeds)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(position as i64)
                .bind(&s.scenario_id)
                .bind(seeds)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            return Ok(Competition {
                id,
                code,
                name: c.name,
                starts_at_ms: c.starts_at_ms,
                ends_at_ms: c.ends_at_ms,
                created_at_ms: c.created_at_ms,
                require_exam: c.require_exam,
                team_cap: c.team_cap,
                scenarios: c.scenarios,
            });
        }
        Err(DbError("could not find a free competition code".into()))
    }

    async fn competition_by_code(&self, code: String) -> Result<Option<Competition>, DbError> {
        let row: Option<(i64, String, String, i64, i64, i64, bool, i64)> = sqlx::query_as(
            "SELECT id, code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam, team_cap
             FROM competitions WHERE code = $1",
        )
        .bind(&code)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, code, name, starts_at_ms, ends_at_ms, created_at_ms, require_exam, cap)) =
            row
        else {
            return Ok(None);
        };
        Ok(Some(Competition {
            id,
            code,
            name,
            starts_at_ms,
            ends_at_ms,
            created_at_ms,
            require_exam,
            team_cap: u32::try_from(cap).unwrap_or(0),
            scenarios: competition_scenarios(&self.pool, id).await?,
        }))
    }

    async fn competition_tables(
        &self,
        competition_id: i64,
        individuals_after: Option<TableCursor>,
        teams_after: Option<TableCursor>,
        limit: u32,
    ) -> Result<Tables, DbError> {
        let (individuals, individuals_next) =
            individuals(&self.pool, competition_id, individuals_after, limit).await?;
        let (teams, teams_next) = teams(&self.pool, competition_id, teams_after, limit).await?;
        Ok(Tables {
            individuals,
            individuals_next,
            teams,
            teams_next,
        })
    }

    async fn remove_run(
        &self,
        run_id: i64,
        competition_id: Option<i64>,
        now_ms: i64,
    ) -> Result<bool, DbError> {
        let mut tx = self.begin_write().await?;
        let hit: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE runs SET removed_at_ms = $3
             WHERE id = $1 AND ($2::bigint IS NULL OR competition_id = $2) AND removed_at_ms IS NULL
             RETURNING competition_id, COALESCE(identity_id, 0)",
        )
        .bind(run_id)
        .bind(competition_id)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((competition, identity)) = hit {
            refresh_best(&mut tx, Some(identity)).await?;
            if competition != 0 {
                refresh_standings(&mut tx, Some(competition), Some(identity)).await?;
            }
        }
        tx.commit().await?;
        Ok(hit.is_some())
    }

    async fn block(
        &self,
        competition_id: i64,
        identity_id: i64,
        now_ms: i64,
    ) -> Result<bool, DbError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 FROM identities WHERE id = $1")
            .bind(identity_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists {
            sqlx::query(
                "INSERT INTO blocks (competition_id, identity_id, created_at_ms) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(competition_id)
            .bind(identity_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            refresh_best(&mut tx, Some(identity_id)).await?;
            refresh_standings(&mut tx, Some(competition_id), Some(identity_id)).await?;
        }
        tx.commit().await?;
        Ok(exists)
    }

    async fn create_trainer(
        &self,
        name: String,
        token_sha256: [u8; 32],
        now_ms: i64,
    ) -> Result<TrainerRow, DbError> {
        let id: i64 = sqlx::query_scalar(&pg(q::INSERT_TRAINER))
            .bind(&name)
            .bind(&token_sha256[..])
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(TrainerRow { id, name })
    }

    async fn trainer_by_token(
        &self,
        token_sha256: [u8; 32],
    ) -> Result<Option<TrainerRow>, DbError> {
        let row: Option<(i64, String)> = sqlx::query_as(&pg(q::TRAINER_BY_TOKEN))
            .bind(&token_sha256[..])
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id, name)| TrainerRow { id, name }))
    }

    async fn create_cohort(
        &self,
        trainer_id: i64,
        name: String,
        now_ms: i64,
    ) -> Result<CohortRow, DbError> {
        for _ in 0..16 {
            let code = crate::db::new_code();
            let id: Option<i64> = sqlx::query_scalar(&pg(q::INSERT_COHORT))
                .bind(trainer_id)
                .bind(&name)
                .bind(&code)
                .bind(now_ms)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(id) = id {
                return Ok(CohortRow {
                    id,
                    trainer_id,
                    name,
                    invite_code: code,
                    created_at_ms: now_ms,
                    trainees: 0,
                });
            }
        }
        Err(DbError("could not find a free invite code".into()))
    }

    async fn cohorts(&self, trainer_id: i64) -> Result<Vec<CohortRow>, DbError> {
        let rows = sqlx::query(&pg(&q::cohorts_of_trainer()))
            .bind(trainer_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(cohort_row).collect::<Result<_, _>>()?)
    }

    async fn cohort(&self, trainer_id: i64, cohort_id: i64) -> Result<Option<CohortRow>, DbError> {
        let row = sqlx::query(&pg(&q::cohort_of_trainer()))
            .bind(trainer_id)
            .bind(cohort_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(cohort_row).transpose()?)
    }

    async fn join_cohort(
        &self,
        invite_code: String,
        identity_id: i64,
        name: String,
        now_ms: i64,
    ) -> Result<Option<CohortRow>, DbError> {
        let by_code = pg(&q::cohort_by_code());
        let row = sqlx::query(&by_code)
            .bind(&invite_code)
            .fetch_optional(&self.pool)
            .await?;
        let Some(cohort) = row.as_ref().map(cohort_row).transpose()? else {
            return Ok(None);
        };
        sqlx::query(&pg(q::JOIN))
            .bind(cohort.id)
            .bind(identity_id)
            .bind(&name)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query(&by_code)
            .bind(&invite_code)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(cohort_row).transpose()?)
    }

    async fn members(&self, cohort_id: i64) -> Result<Vec<MemberRow>, DbError> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(&pg(q::MEMBERS))
            .bind(cohort_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(identity_id, name, joined_at_ms)| MemberRow {
                identity_id,
                name,
                joined_at_ms,
            })
            .collect())
    }

    async fn create_assignment(&self, a: AssignmentRow) -> Result<AssignmentRow, DbError> {
        let id: i64 = sqlx::query_scalar(&pg(q::INSERT_ASSIGNMENT))
            .bind(a.cohort_id)
            .bind(&a.title)
            .bind(&a.scenarios)
            .bind(a.due_at_ms)
            .bind(&a.mode)
            .bind(a.created_at_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(AssignmentRow { id, ..a })
    }

    async fn assignments(&self, cohort_id: i64) -> Result<Vec<AssignmentRow>, DbError> {
        let rows: Vec<(i64, i64, String, String, Option<i64>, String, i64)> =
            sqlx::query_as(&pg(q::ASSIGNMENTS))
                .bind(cohort_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, cohort_id, title, scenarios, due_at_ms, mode, created_at_ms)| AssignmentRow {
                    id,
                    cohort_id,
                    title,
                    scenarios,
                    due_at_ms,
                    mode,
                    created_at_ms,
                },
            )
            .collect())
    }

    async fn cohorts_of(&self, identity_id: i64) -> Result<Vec<CohortRow>, DbError> {
        let rows = sqlx::query(&pg(&q::cohorts_of_identity()))
            .bind(identity_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(cohort_row).collect::<Result<_, _>>()?)
    }

    async fn cohort_runs(&self, cohort_id: i64) -> Result<Vec<PracticeRun>, DbError> {
        let rows = sqlx::query(&pg(&q::cohort_runs()))
            .bind(cohort_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(practice_run).collect::<Result<_, _>>()?)
    }

    async fn identity_runs(&self, identity_id: i64) -> Result<Vec<PracticeRun>, DbError> {
        let rows = sqlx::query(&pg(&q::identity_runs()))
            .bind(identity_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(practice_run).collect::<Result<_, _>>()?)
    }

    async fn trainer_sees(&self, trainer_id: i64, identity_id: i64) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar(&pg(q::TRAINER_SEES))
            .bind(trainer_id)
            .bind(identity_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    async fn run_owner(&self, run_id: i64) -> Result<Option<i64>, DbError> {
        let owner: Option<Option<i64>> = sqlx::query_scalar(&pg(q::RUN_OWNER))
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(owner.flatten())
    }

    async fn add_comment(
        &self,
        run_id: i64,
        trainer_id: i64,
        at_ms: i64,
        body: String,
        now_ms: i64,
    ) -> Result<CommentRow, DbError> {
        let id: i64 = sqlx::query_scalar(&pg(q::INSERT_COMMENT))
            .bind(run_id)
            .bind(trainer_id)
            .bind(at_ms)
            .bind(&body)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await?;
        let trainer: String = sqlx::query_scalar("SELECT name FROM trainers WHERE id = $1")
            .bind(trainer_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(CommentRow {
            id,
            run_id,
            trainer,
            at_ms,
            body,
            created_at_ms: now_ms,
        })
    }

    async fn comments(
        &self,
        run_id: i64,
        trainer: Option<i64>,
    ) -> Result<Vec<CommentRow>, DbError> {
        let rows: Vec<(i64, i64, String, i64, String, i64)> = sqlx::query_as(&pg(q::COMMENTS))
            .bind(run_id)
            .bind(trainer)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, run_id, trainer, at_ms, body, created_at_ms)| CommentRow {
                    id,
                    run_id,
                    trainer,
                    at_ms,
                    body,
                    created_at_ms,
                },
            )
            .collect())
    }

    async fn save_draft(
        &self,
        trainer_id: i64,
        scenario_id: String,
        toml: String,
        now_ms: i64,
    ) -> Result<AuthoredRow, DbError> {
        // Under WRITE_LOCK, as SQLite's single writer makes it: two first saves at once
        // would both number the new draft from the same latest version, and the second's
        // insert then breaks the (trainer, scenario, version) key, which the insert's
        // ON CONFLICT on the draft index does not cover (a 500 now and then under load).
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(&pg(&q::update_draft()))
            .bind(trainer_id)
            .bind(&scenario_id)
            .bind(&toml)
            .bind(now_ms)
            .fetch_optional(&mut *tx)
            .await?;
        let row = match updated {
            Some(row) => row,
            None => {
                sqlx::query(&pg(&q::insert_draft()))
                    .bind(trainer_id)
                    .bind(&scenario_id)
                    .bind(&toml)
                    .bind(now_ms)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        tx.commit().await?;
        Ok(authored_row(&row)?)
    }

    async fn authored(&self, trainer_id: i64) -> Result<Vec<AuthoredRow>, DbError> {
        let rows = sqlx::query(&pg(&q::authored_of_trainer()))
            .bind(trainer_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(authored_row).collect::<Result<_, _>>()?)
    }

    async fn authored_one(&self, trainer_id: i64, id: i64) -> Result<Option<AuthoredRow>, DbError> {
        let row = sqlx::query(&pg(&q::authored_one()))
            .bind(trainer_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(authored_row).transpose()?)
    }

    async fn published_by_hash(&self, hash: String) -> Result<Option<AuthoredRow>, DbError> {
        let row = sqlx::query(&pg(&q::published_by_hash()))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(authored_row).transpose()?)
    }

    async fn update_draft_file(
        &self,
        trainer_id: i64,
        id: i64,
        from: String,
        toml: String,
        now_ms: i64,
    ) -> Result<Option<AuthoredRow>, DbError> {
        let row = sqlx::query(&pg(&q::update_draft_by_id()))
            .bind(trainer_id)
            .bind(id)
            .bind(toml)
            .bind(now_ms)
            .bind(from)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(authored_row).transpose()?)
    }

    async fn publish(
        &self,
        trainer_id: i64,
        id: i64,
        hash: String,
        linted: String,
        now_ms: i64,
    ) -> Result<Option<AuthoredRow>, DbError> {
        let row = sqlx::query(&pg(&q::publish()))
            .bind(trainer_id)
            .bind(id)
            .bind(hash)
            .bind(now_ms)
            .bind(linted)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(authored_row).transpose()?)
    }
}

fn authored_row(r: &PgRow) -> Result<AuthoredRow, sqlx::Error> {
    Ok(AuthoredRow {
        id: r.try_get(0)?,
        trainer_id: r.try_get(1)?,
        scenario_id: r.try_get(2)?,
        version: r.try_get(3)?,
        status: r.try_get(4)?,
        toml: r.try_get(5)?,
        hash: r.try_get(6)?,
        created_at_ms: r.try_get(7)?,
        published_at_ms: r.try_get(8)?,
    })
}

fn cohort_row(r: &PgRow) -> Result<CohortRow, sqlx::Error> {
    Ok(CohortRow {
        id: r.try_get(0)?,
        trainer_id: r.try_get(1)?,
        name: r.try_get(2)?,
        invite_code: r.try_get(3)?,
        created_at_ms: r.try_get(4)?,
        trainees: u64_of(r.try_get(5)?),
    })
}

fn practice_run(r: &PgRow) -> Result<PracticeRun, sqlx::Error> {
    Ok(PracticeRun {
        id: r.try_get(0)?,
        identity_id: r.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
        scenario_id: r.try_get(2)?,
        scenario_hash: r.try_get(3)?,
        sim_version: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or(0),
        mode: PlayMode::parse(&r.try_get::<String, _>(5)?).unwrap_or(PlayMode::Unknown),
        score: r.try_get(6)?,
        grade: r.try_get(7)?,
        branch_case: r.try_get(8)?,
        handled_cleanly: r.try_get(9)?,
        created_at_ms: r.try_get(10)?,
        seed: u64_of(r.try_get(11)?),
        comments: u64_of(r.try_get(12)?),
    })
}
