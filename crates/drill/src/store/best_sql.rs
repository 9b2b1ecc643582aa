//! Each identity's best run per board, kept in `best_runs` by the write that changes it, so
//! that the rank a submission's answer carries costs a walk over the identities ranked
//! above it, not over every run of the board. Before this table the rank was
//! `COUNT(DISTINCT identity_id)` over every better run: linear in runs, each a lookup of a
//! `runs` row (the replay's JSON inside), and the submit bench's rate fell with every wave
//! as the board grew (issue 12: 793 → 249 verified/s at 50 clients after 7,500 runs).
//!
//! A row's `scope` is 0 for the public board (every run, a board per play mode: `mode` is
//! the run's) or a competition's id (its runs, every mode: `mode` is `''`). Removed runs,
//! runs of an identity blocked in their competition and runs with no identity (stored
//! before identities) have no row, as they have no place on a board.
//!
//! Written once for both backends with `?N` placeholders ([`super::trainer_sql::pg`] turns
//! them into `$N`); `CAST(?1 AS BIGINT)` types an optional parameter for PostgreSQL.

use quorum_sim::replay::PlayMode;

/// The table, for SQLite's migration (PostgreSQL's is `postgres/0004_best_runs.sql`).
/// `populate` (below) fills it from the runs stored before.
pub const SQLITE_SCHEMA: &str = "
CREATE TABLE best_runs (
    scope         INTEGER NOT NULL, -- 0: the public board; else a competition's id
    scenario_id   TEXT    NOT NULL,
    scenario_hash TEXT    NOT NULL,
    sim_version   INTEGER NOT NULL,
    mode          TEXT    NOT NULL, -- the run's mode on the public board; '' in a competition
    identity_id   INTEGER NOT NULL,
    score         INTEGER NOT NULL,
    run_id        INTEGER NOT NULL,
    PRIMARY KEY (scope, scenario_id, scenario_hash, sim_version, mode, identity_id)
) WITHOUT ROWID;
CREATE INDEX best_runs_rank
    ON best_runs (scope, scenario_id, scenario_hash, sim_version, mode, score DESC, run_id);
CREATE INDEX best_runs_identity ON best_runs (identity_id);
-- A board row's run count: one player's runs of one board. Without the board's columns the
-- planner counted through `runs_board` (every run of the scenario) for each row of a page.
CREATE INDEX runs_identity_board ON runs (identity_id, scenario_id, scenario_hash, sim_version);
DROP INDEX runs_identity_scenario;
";

/// A new run takes its identity's place on a board if it beats the one held (a higher
/// score, or the same score submitted earlier: the boards' order).
/// `?1` scope, `?2` scenario id, `?3` scenario hash, `?4` sim version, `?5` mode,
/// `?6` identity, `?7` score, `?8` run id.
pub const OFFER: &str = "
INSERT INTO best_runs (scope, scenario_id, scenario_hash, sim_version, mode, identity_id, score, run_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (scope, scenario_id, scenario_hash, sim_version, mode, identity_id) DO UPDATE
    SET score = excluded.score, run_id = excluded.run_id
    WHERE excluded.score > best_runs.score
       OR (excluded.score = best_runs.score AND excluded.run_id < best_runs.run_id)";

/// Forget one identity's places (`?1`), before [`refill`] (an index range: `best_runs_identity`).
pub const CLEAR: &str = "DELETE FROM best_runs WHERE identity_id = ?1";
/// Forget every place, before [`refill`]`(None)` (the migration's fill).
pub const CLEAR_ALL: &str = "DELETE FROM best_runs";

/// One identity's places (`one`: the statement binds it as `?1`, walking `runs_identity`),
/// or every identity's (the migration's fill, no parameter), from its runs: after a run is
/// removed or the identity blocked, and when the table is first made. Written as two
/// statements, not one with `?1 IS NULL OR identity_id = ?1`: SQLite plans that as a scan
/// of every run, under the single writer.
pub fn refill(one: bool) -> String {
    let one = if one { "AND r.identity_id = ?1" } else { "" };
    format!(
        "
INSERT INTO best_runs (scope, scenario_id, scenario_hash, sim_version, mode, identity_id, score, run_id)
SELECT b.scope, b.scenario_id, b.scenario_hash, b.sim_version, b.mode, b.identity_id, b.score, b.id
FROM (
    SELECT 0 AS scope, r.scenario_id, r.scenario_hash, r.sim_version, r.mode, r.identity_id,
        r.score, r.id,
        ROW_NUMBER() OVER (PARTITION BY r.scenario_id, r.scenario_hash, r.sim_version, r.mode,
                           r.identity_id ORDER BY r.score DESC, r.id) AS rn
    FROM runs r
    WHERE r.identity_id IS NOT NULL AND r.removed_at_ms IS NULL
      {one}
      AND (r.competition_id = 0 OR NOT EXISTS (SELECT 1 FROM blocks x
           WHERE x.competition_id = r.competition_id AND x.identity_id = r.identity_id))
    UNION ALL
    SELECT r.competition_id AS scope, r.scenario_id, r.scenario_hash, r.sim_version, '' AS mode,
        r.identity_id, r.score, r.id,
        ROW_NUMBER() OVER (PARTITION BY r.competition_id, r.scenario_id, r.scenario_hash,
                           r.sim_version, r.identity_id ORDER BY r.score DESC, r.id) AS rn
    FROM runs r
    WHERE r.identity_id IS NOT NULL AND r.removed_at_ms IS NULL AND r.competition_id <> 0
      {one}
      AND NOT EXISTS (SELECT 1 FROM blocks x
           WHERE x.competition_id = r.competition_id AND x.identity_id = r.identity_id)
) b
WHERE b.rn = 1"
    )
}

/// The 1-based rank a run would have on a board: 1 + the other identities whose best run
/// there is better. `?1` scope, `?2` scenario id, `?3` scenario hash, `?4` sim version,
/// `?5` mode (`''` in a competition), `?6` the run's score, `?7` its id, `?8` its identity.
pub const RANK: &str = "
SELECT COUNT(*) + 1 FROM best_runs
WHERE scope = ?1 AND scenario_id = ?2 AND scenario_hash = ?3 AND sim_version = ?4 AND mode = ?5
  AND (score > ?6 OR (score = ?6 AND run_id < ?7))
  AND identity_id <> ?8";

/// The mode a competition's places are kept under (every mode counts there).
pub const ANY_MODE: &str = "";

/// The place `(scope, mode)` whose board a run played in `mode` is ranked on: the public
/// board in that mode (`competition_id` `None`), or a competition's, every mode.
pub fn place(competition_id: Option<i64>, mode: PlayMode) -> (i64, &'static str) {
    match competition_id {
        Some(c) => (c, ANY_MODE),
        None => (0, mode.as_str()),
    }
}

/// The places a new run of `board` (0: the public board; else a competition) takes: the
/// public board's in its mode, and its competition's.
pub fn places(board: i64, mode: PlayMode) -> Vec<(i64, &'static str)> {
    let mut places = vec![place(None, mode)];
    if board != 0 {
        places.push(place(Some(board), mode));
    }
    places
}

/// The board `f` asks for, if `best_runs` holds it: each identity's best on the public board
/// in one mode, or in a competition over every mode; `(scope, mode)`. A seed's, a day's,
/// one player's or the every-mode public board are read from `runs` instead.
pub fn board_scope(f: &crate::db::BoardFilter) -> Option<(i64, &'static str)> {
    if f.identity_id.is_some() || f.seed.is_some() || f.daily_day.is_some() {
        return None;
    }
    match (f.competition_id, f.mode) {
        (None, Some(mode)) => Some(place(None, mode)),
        (Some(c), None) => Some((c, ANY_MODE)),
        _ => None,
    }
}

/// A page of such a board, best first, after the cursor: a walk over the page's places,
/// with each row's run count on that board. `run_columns` are the store's `RUN_COLUMNS`
/// (`r`: the run, `c`: its competition); `?1` scope, `?2` scenario id, `?3` scenario hash,
/// `?4` sim version, `?5` mode, `?6`/`?7` the cursor's score and run id, `?8` the limit.
pub fn board_page(run_columns: &str) -> String {
    format!(
        "SELECT {run_columns},
            (SELECT COUNT(*) FROM runs x
             WHERE x.identity_id = b.identity_id AND x.scenario_id = b.scenario_id
               AND x.scenario_hash = b.scenario_hash AND x.sim_version = b.sim_version
               AND ((b.scope = 0 AND x.mode = b.mode) OR (b.scope <> 0 AND x.competition_id = b.scope))
               AND x.removed_at_ms IS NULL
               AND (x.competition_id = 0 OR NOT EXISTS (SELECT 1 FROM blocks k
                    WHERE k.competition_id = x.competition_id AND k.identity_id = x.identity_id))) AS n
         FROM best_runs b JOIN runs r ON r.id = b.run_id
             LEFT JOIN competitions c ON c.id = r.competition_id
         WHERE b.scope = ?1 AND b.scenario_id = ?2 AND b.scenario_hash = ?3
           AND b.sim_version = ?4 AND b.mode = ?5
           AND (CAST(?6 AS BIGINT) IS NULL OR b.score < ?6 OR (b.score = ?6 AND b.run_id > ?7))
         ORDER BY b.score DESC, b.run_id ASC
         LIMIT ?8"
    )
}
