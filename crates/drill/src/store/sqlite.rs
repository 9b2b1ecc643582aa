//! [`Store`] on SQLite: the functions of [`crate::db`] on its writer thread and read pool.

use async_trait::async_trait;
use rusqlite::OptionalExtension;

use super::{Store, TableCursor, Tables};
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
            let rank = db::rank(conn, &row, None, Some(row.mode))?;
            let competition_rank = if row.competition_id != 0 {
                Some(db::rank(conn, &row, Some(row.competition_id), None)?)
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
}
