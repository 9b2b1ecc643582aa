//! [`Store`] on SQLite: the functions of [`crate::db`] on its writer thread and read pool.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};

use super::trainer_sql as q;
use super::{team_sql, CohortDrillRow, TeamDrillBestRow, TeamDrillPlayer, TeamDrillRow};
use super::{
    AssignmentRow, AuthoredRow, CohortRow, CommentRow, MemberRow, PracticeRun, Store, TableCursor,
    Tables, TrainerRow,
};
use crate::db::{
    self, BoardFilter, Competition, Db, DbError, Inserted, NewCompetition, NewRun, RunRow,
    StoreError,
};
use crate::server::tables;

#[async_trait]
impl Store for Db {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), DbError> {
        self.read(|conn| conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
            .await
            .map(|_| ())
    }

    async fn save_team_drill(&self, d: TeamDrillRow) -> Result<(), DbError> {
        self.write(move |conn| {
            let saved = conn
                .prepare_cached(team_sql::SAVE_SCOPED)?
                .execute(params![
                    d.code,
                    d.scenario_id,
                    i64::try_from(d.seed).unwrap_or(i64::MAX),
                    d.score,
                    d.grade,
                    d.canonical_hash,
                    d.result_json,
                    d.ended_at_ms,
                    d.competition_id,
                    d.team_id,
                    d.cohort_id
                ])?;
            // Once per code: a second save adds no players either.
            if saved == 1 {
                let mut insert = conn.prepare_cached(team_sql::SAVE_PLAYER)?;
                for p in &d.players {
                    insert.execute(params![d.code, p.role, p.identity_id, p.name, p.points])?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn team_drill(&self, code: String) -> Result<Option<TeamDrillRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(team_sql::BY_CODE)?
                .query_row(params![code], |r| {
                    Ok(TeamDrillRow {
                        code: r.get(0)?,
                        scenario_id: r.get(1)?,
                        seed: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                        score: r.get(3)?,
                        grade: r.get(4)?,
                        canonical_hash: r.get(5)?,
                        result_json: r.get(6)?,
                        ended_at_ms: r.get(7)?,
                        competition_id: r.get(8)?,
                        team_id: r.get(9)?,
                        cohort_id: r.get(10)?,
                        players: Vec::new(),
                    })
                })
                .optional()
        })
        .await
    }

    async fn is_team_drill(&self, canonical_hash: String) -> Result<bool, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(team_sql::IS_TEAM_DRILL)?
                .query_row(params![canonical_hash], |r| r.get(0))
        })
        .await
    }

    async fn team_of(
        &self,
        competition_id: i64,
        identity_id: i64,
    ) -> Result<Option<(i64, String, bool)>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(team_sql::TEAM_OF)?
                .query_row(params![competition_id, identity_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
        })
        .await
    }

    async fn trainee_name(
        &self,
        cohort_id: i64,
        identity_id: i64,
    ) -> Result<Option<String>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(team_sql::TRAINEE_NAME)?
                .query_row(params![cohort_id, identity_id], |r| r.get(0))
                .optional()
        })
        .await
    }

    async fn competition_team_drills(
        &self,
        competition_id: i64,
        ends_at_ms: i64,
    ) -> Result<Vec<TeamDrillBestRow>, DbError> {
        self.read(move |conn| {
            let mut rows: Vec<TeamDrillBestRow> = conn
                .prepare_cached(team_sql::COMPETITION_BESTS)?
                .query_map(params![competition_id, ends_at_ms], |r| {
                    Ok(TeamDrillBestRow {
                        team_id: r.get(0)?,
                        team: r.get(1)?,
                        scenario_id: r.get(2)?,
                        position: r.get(3)?,
                        seed: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                        score: r.get(5)?,
                        code: r.get(6)?,
                        ended_at_ms: r.get(7)?,
                        players: Vec::new(),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let players = sqlite_players(conn, &super::codes_of(&rows))?;
            super::attach_players(&mut rows, players);
            Ok(rows)
        })
        .await
    }

    async fn cohort_team_drills(&self, cohort_id: i64) -> Result<Vec<CohortDrillRow>, DbError> {
        self.read(move |conn| {
            let mut rows: Vec<CohortDrillRow> = conn
                .prepare_cached(team_sql::COHORT_DRILLS_SQL)?
                .query_map(params![cohort_id], |r| {
                    Ok(CohortDrillRow {
                        code: r.get(0)?,
                        scenario_id: r.get(1)?,
                        seed: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                        score: r.get(3)?,
                        grade: r.get(4)?,
                        ended_at_ms: r.get(5)?,
                        players: Vec::new(),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let players = sqlite_players(conn, &super::codes_of(&rows))?;
            super::attach_players(&mut rows, players);
            Ok(rows)
        })
        .await
    }

    async fn insert_identity(
        &self,
        token_sha256: [u8; 32],
        created_at_ms: i64,
    ) -> Result<i64, DbError> {
        self.write(move |conn| db::insert_identity(conn, &token_sha256, created_at_ms))
            .await
    }

    async fn identity_by_token(
        &self,
        token_sha256: [u8; 32],
    ) -> Result<Option<(i64, i64)>, DbError> {
        self.read(move |conn| db::identity_by_token(conn, &token_sha256))
            .await
    }

    async fn precheck(
        &self,
        competition_id: i64,
        identity_id: i64,
        replay_hash: String,
    ) -> Result<(bool, Option<i64>), DbError> {
        self.read(move |conn| {
            let blocked = competition_id != 0 && db::is_blocked(conn, competition_id, identity_id)?;
            let other = conn
                .prepare_cached(
                    "SELECT id FROM runs WHERE replay_hash = ?1 AND identity_id <> ?2 LIMIT 1",
                )?
                .query_row(rusqlite::params![replay_hash, identity_id], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?;
            Ok((blocked, other))
        })
        .await
    }

    async fn insert_run(&self, run: NewRun) -> Result<Inserted, StoreError> {
        Db::insert_run(self, run).await
    }

    async fn get_run(&self, id: i64) -> Result<Option<RunRow>, DbError> {
        self.read(move |conn| db::get_run(conn, id)).await
    }

    async fn run_ranked(&self, id: i64) -> Result<Option<(RunRow, i64, Option<i64>)>, DbError> {
        self.read(move |conn| {
            let Some(row) = db::get_run(conn, id)? else {
                return Ok(None);
            };
            let rank = db::rank(conn, &row, None)?;
            let competition_rank = if row.competition_id != 0 {
                Some(db::rank(conn, &row, Some(row.competition_id))?)
            } else {
                None
            };
            Ok(Some((row, rank, competition_rank)))
        })
        .await
    }

    async fn leaderboard(&self, filter: BoardFilter) -> Result<Vec<RunRow>, DbError> {
        self.read(move |conn| db::leaderboard(conn, &filter)).await
    }

    async fn create_competition(&self, c: NewCompetition) -> Result<Competition, DbError> {
        Db::create_competition(self, c).await
    }

    async fn competition_by_code(&self, code: String) -> Result<Option<Competition>, DbError> {
        self.read(move |conn| db::competition_by_code(conn, &code))
            .await
    }

    async fn competition_tables(
        &self,
        competition_id: i64,
        individuals_after: Option<TableCursor>,
        teams_after: Option<TableCursor>,
        limit: u32,
    ) -> Result<Tables, DbError> {
        self.read(move |conn| {
            let (individuals, individuals_next) =
                tables::individuals(conn, competition_id, individuals_after, limit)?;
            let (teams, teams_next) = tables::teams(conn, competition_id, teams_after, limit)?;
            Ok(Tables {
                individuals,
                individuals_next,
                teams,
                teams_next,
            })
        })
        .await
    }

    async fn remove_run(
        &self,
        run_id: i64,
        competition_id: Option<i64>,
        now_ms: i64,
    ) -> Result<bool, DbError> {
        self.write(move |conn| db::remove_run(conn, run_id, competition_id, now_ms))
            .await
    }

    async fn block(
        &self,
        competition_id: i64,
        identity_id: i64,
        now_ms: i64,
    ) -> Result<bool, DbError> {
        self.write(move |conn| db::block(conn, competition_id, identity_id, now_ms))
            .await
    }

    async fn create_trainer(
        &self,
        name: String,
        token_sha256: [u8; 32],
        now_ms: i64,
    ) -> Result<TrainerRow, DbError> {
        self.write(move |conn| {
            let id: i64 = conn.query_row(
                q::INSERT_TRAINER,
                params![name, &token_sha256[..], now_ms],
                |r| r.get(0),
            )?;
            Ok(TrainerRow { id, name })
        })
        .await
    }

    async fn trainer_by_token(
        &self,
        token_sha256: [u8; 32],
    ) -> Result<Option<TrainerRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(q::TRAINER_BY_TOKEN)?
                .query_row(params![&token_sha256[..]], |r| {
                    Ok(TrainerRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                    })
                })
                .optional()
        })
        .await
    }

    async fn create_cohort(
        &self,
        trainer_id: i64,
        name: String,
        now_ms: i64,
    ) -> Result<CohortRow, DbError> {
        self.write(move |conn| {
            for _ in 0..16 {
                let code = db::new_code();
                let id: Option<i64> = conn
                    .query_row(
                        q::INSERT_COHORT,
                        params![trainer_id, name, code, now_ms],
                        |r| r.get(0),
                    )
                    .optional()?;
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
        })
        .await
    }

    async fn cohorts(&self, trainer_id: i64) -> Result<Vec<CohortRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(&q::cohorts_of_trainer())?
                .query_map(params![trainer_id], cohort_row)?
                .collect()
        })
        .await
    }

    async fn cohort(&self, trainer_id: i64, cohort_id: i64) -> Result<Option<CohortRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(&q::cohort_of_trainer())?
                .query_row(params![trainer_id, cohort_id], cohort_row)
                .optional()
        })
        .await
    }

    async fn join_cohort(
        &self,
        invite_code: String,
        identity_id: i64,
        name: String,
        now_ms: i64,
    ) -> Result<Option<CohortRow>, DbError> {
        self.write(move |conn| {
            let found = conn
                .prepare_cached(&q::cohort_by_code())?
                .query_row(params![invite_code], cohort_row)
                .optional()?;
            let Some(cohort) = found else {
                return Ok(None);
            };
            conn.execute(q::JOIN, params![cohort.id, identity_id, name, now_ms])?;
            Ok(conn
                .prepare_cached(&q::cohort_by_code())?
                .query_row(params![invite_code], cohort_row)
                .optional()?)
        })
        .await
    }

    async fn members(&self, cohort_id: i64) -> Result<Vec<MemberRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(q::MEMBERS)?
                .query_map(params![cohort_id], |r| {
                    Ok(MemberRow {
                        identity_id: r.get(0)?,
                        name: r.get(1)?,
                        joined_at_ms: r.get(2)?,
                    })
                })?
                .collect()
        })
        .await
    }

    async fn create_assignment(&self, a: AssignmentRow) -> Result<AssignmentRow, DbError> {
        self.write(move |conn| {
            let id: i64 = conn.query_row(
                q::INSERT_ASSIGNMENT,
                params![
                    a.cohort_id,
                    a.title,
                    a.scenarios,
                    a.due_at_ms,
                    a.mode,
                    a.created_at_ms
                ],
                |r| r.get(0),
            )?;
            Ok(AssignmentRow { id, ..a })
        })
        .await
    }

    async fn assignments(&self, cohort_id: i64) -> Result<Vec<AssignmentRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(q::ASSIGNMENTS)?
                .query_map(params![cohort_id], |r| {
                    Ok(AssignmentRow {
                        id: r.get(0)?,
                        cohort_id: r.get(1)?,
                        title: r.get(2)?,
                        scenarios: r.get(3)?,
                        due_at_ms: r.get(4)?,
                        mode: r.get(5)?,
                        created_at_ms: r.get(6)?,
                    })
                })?
                .collect()
        })
        .await
    }

    async fn cohorts_of(&self, identity_id: i64) -> Result<Vec<CohortRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(&q::cohorts_of_identity())?
                .query_map(params![identity_id], cohort_row)?
                .collect()
        })
        .await
    }

    async fn cohort_runs(&self, cohort_id: i64) -> Result<Vec<PracticeRun>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(&q::cohort_runs())?
                .query_map(params![cohort_id], practice_run)?
                .collect()
        })
        .await
    }

    async fn identity_runs(&self, identity_id: i64) -> Result<Vec<PracticeRun>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(&q::identity_runs())?
                .query_map(params![identity_id], practice_run)?
                .collect()
        })
        .await
    }

    async fn trainer_sees(&self, trainer_id: i64, identity_id: i64) -> Result<bool, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(q::TRAINER_SEES)?
                .query_row(params![trainer_id, identity_id], |r| r.get::<_, i64>(0))
                .map(|n| n > 0)
        })
        .await
    }

    async fn run_owner(&self, run_id: i64) -> Result<Option<i64>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(q::RUN_OWNER)?
                .query_row(params![run_id], |r| r.get::<_, Option<i64>>(0))
                .optional()
                .map(Option::flatten)
        })
        .await
    }

    async fn add_comment(
        &self,
        run_id: i64,
        trainer_id: i64,
        at_ms: i64,
        body: String,
        now_ms: i64,
    ) -> Result<CommentRow, DbError> {
        self.write(move |conn| {
            let id: i64 = conn.query_row(
                q::INSERT_COMMENT,
                params![run_id, trainer_id, at_ms, body, now_ms],
                |r| r.get(0),
            )?;
            let trainer: String = conn.query_row(
                "SELECT name FROM trainers WHERE id = ?1",
                params![trainer_id],
                |r| r.get(0),
            )?;
            Ok(CommentRow {
                id,
                run_id,
                trainer,
                at_ms,
                body,
                created_at_ms: now_ms,
            })
        })
        .await
    }

    async fn comments(
        &self,
        run_id: i64,
        trainer: Option<i64>,
    ) -> Result<Vec<CommentRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(q::COMMENTS)?
                .query_map(params![run_id, trainer], |r| {
                    Ok(CommentRow {
                        id: r.get(0)?,
                        run_id: r.get(1)?,
                        trainer: r.get(2)?,
                        at_ms: r.get(3)?,
                        body: r.get(4)?,
                        created_at_ms: r.get(5)?,
                    })
                })?
                .collect()
        })
        .await
    }

    async fn save_draft(
        &self,
        trainer_id: i64,
        scenario_id: String,
        toml: String,
        now_ms: i64,
    ) -> Result<AuthoredRow, DbError> {
        self.write(move |conn| {
            let args = params![trainer_id, scenario_id, toml, now_ms];
            match conn
                .query_row(&q::update_draft(), args, authored_row)
                .optional()?
            {
                Some(row) => Ok(row),
                None => Ok(conn.query_row(&q::insert_draft(), args, authored_row)?),
            }
        })
        .await
    }

    async fn authored(&self, trainer_id: i64) -> Result<Vec<AuthoredRow>, DbError> {
        self.read(move |conn| {
            conn.prepare_cached(&q::authored_of_trainer())?
                .query_map(params![trainer_id], authored_row)?
                .collect()
        })
        .await
    }

    async fn authored_one(&self, trainer_id: i64, id: i64) -> Result<Option<AuthoredRow>, DbError> {
        self.read(move |conn| {
            conn.query_row(&q::authored_one(), params![trainer_id, id], authored_row)
                .optional()
        })
        .await
    }

    async fn published_by_hash(&self, hash: String) -> Result<Option<AuthoredRow>, DbError> {
        self.read(move |conn| {
            conn.query_row(&q::published_by_hash(), params![hash], authored_row)
                .optional()
        })
        .await
    }

    async fn update_draft_file(
        &self,
        trainer_id: i64,
        id: i64,
        from: String,
        toml: String,
        now_ms: i64,
    ) -> Result<Option<AuthoredRow>, DbError> {
        self.write(move |conn| {
            Ok(conn
                .query_row(
                    &q::update_draft_by_id(),
                    params![trainer_id, id, toml, now_ms, from],
                    authored_row,
                )
                .optional()?)
        })
        .await
    }

    async fn publish(
        &self,
        trainer_id: i64,
        id: i64,
        hash: String,
        linted: String,
        now_ms: i64,
    ) -> Result<Option<AuthoredRow>, DbError> {
        self.write(move |conn| {
            Ok(conn
                .query_row(
                    &q::publish(),
                    params![trainer_id, id, hash, now_ms, linted],
                    authored_row,
                )
                .optional()?)
        })
        .await
    }
}

fn authored_row(r: &Row<'_>) -> rusqlite::Result<AuthoredRow> {
    Ok(AuthoredRow {
        id: r.get(0)?,
        trainer_id: r.get(1)?,
        scenario_id: r.get(2)?,
        version: r.get(3)?,
        status: r.get(4)?,
        toml: r.get(5)?,
        hash: r.get(6)?,
        created_at_ms: r.get(7)?,
        published_at_ms: r.get(8)?,
    })
}

fn cohort_row(r: &Row<'_>) -> rusqlite::Result<CohortRow> {
    Ok(CohortRow {
        id: r.get(0)?,
        trainer_id: r.get(1)?,
        name: r.get(2)?,
        invite_code: r.get(3)?,
        created_at_ms: r.get(4)?,
        trainees: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
    })
}

fn practice_run(r: &Row<'_>) -> rusqlite::Result<PracticeRun> {
    Ok(PracticeRun {
        id: r.get(0)?,
        identity_id: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
        scenario_id: r.get(2)?,
        scenario_hash: r.get(3)?,
        sim_version: r.get(4)?,
        mode: quorum_sim::replay::PlayMode::parse(&r.get::<_, String>(5)?)
            .unwrap_or(quorum_sim::replay::PlayMode::Unknown),
        score: r.get(6)?,
        grade: r.get(7)?,
        branch_case: r.get(8)?,
        handled_cleanly: r.get(9)?,
        created_at_ms: r.get(10)?,
        seed: u64::try_from(r.get::<_, i64>(11)?).unwrap_or(0),
        comments: u64::try_from(r.get::<_, i64>(12)?).unwrap_or(0),
    })
}

/// The players of the drills `codes`, by code.
fn sqlite_players(
    conn: &rusqlite::Connection,
    codes: &[String],
) -> rusqlite::Result<std::collections::HashMap<String, Vec<TeamDrillPlayer>>> {
    let mut by_code: std::collections::HashMap<String, Vec<TeamDrillPlayer>> =
        std::collections::HashMap::new();
    if codes.is_empty() {
        return Ok(by_code);
    }
    let list = serde_json::to_string(codes).unwrap_or_else(|_| "[]".into());
    let rows = conn
        .prepare_cached(team_sql::PLAYERS_OF)?
        .query_map(params![list], |r| {
            Ok((
                r.get::<_, String>(0)?,
                TeamDrillPlayer {
                    role: r.get(1)?,
                    identity_id: r.get(2)?,
                    name: r.get(3)?,
                    points: r.get(4)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (code, player) in rows {
        by_code.entry(code).or_default().push(player);
    }
    Ok(by_code)
}
