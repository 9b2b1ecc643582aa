//! The team drills' table (issue 14), written once for both backends (`?N` placeholders,
//! [`super::trainer_sql::pg`] for PostgreSQL).

/// SQLite's migration (PostgreSQL's: `postgres/0005_team_drills.sql`).
pub const SQLITE_SCHEMA: &str = "
CREATE TABLE team_drills (
    code           TEXT    PRIMARY KEY, -- the room's join code
    scenario_id    TEXT    NOT NULL,
    seed           INTEGER NOT NULL,
    score          INTEGER NOT NULL,
    grade          TEXT    NOT NULL,
    canonical_hash TEXT    NOT NULL,
    result_json    TEXT    NOT NULL,
    ended_at_ms    INTEGER NOT NULL
);
";

pub const SAVE: &str = "
INSERT INTO team_drills (code, scenario_id, seed, score, grade, canonical_hash, result_json, ended_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (code) DO NOTHING";

pub const BY_CODE: &str = "
SELECT code, scenario_id, seed, score, grade, canonical_hash, result_json, ended_at_ms
FROM team_drills WHERE code = ?1";
