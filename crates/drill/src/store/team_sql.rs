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
SELECT code, scenario_id, seed, score, grade, canonical_hash, result_json, ended_at_ms,
       competition_id, team_id, cohort_id
FROM team_drills WHERE code = ?1";

/// SQLite's migration for what a drill counts for (PostgreSQL's:
/// `postgres/0007_team_drill_scopes.sql`): the competition and team, or the cohort, a
/// room was opened for, and who held its acting seats.
pub const SQLITE_SCOPES: &str = "
ALTER TABLE team_drills ADD COLUMN competition_id INTEGER; -- NULL: counts for no competition
ALTER TABLE team_drills ADD COLUMN team_id INTEGER;
ALTER TABLE team_drills ADD COLUMN cohort_id INTEGER;      -- NULL: no cohort
CREATE INDEX team_drills_competition ON team_drills (competition_id) WHERE competition_id IS NOT NULL;
CREATE INDEX team_drills_cohort ON team_drills (cohort_id) WHERE cohort_id IS NOT NULL;
CREATE INDEX team_drills_canonical ON team_drills (canonical_hash);
CREATE TABLE team_drill_players (
    code        TEXT    NOT NULL REFERENCES team_drills (code),
    role        TEXT    NOT NULL, -- quorum_proto::team::Role::as_str
    identity_id INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    points      INTEGER NOT NULL, -- the role's points in the drill
    PRIMARY KEY (code, role, identity_id)
);
CREATE INDEX team_drill_players_identity ON team_drill_players (identity_id);
";

pub const SAVE_SCOPED: &str = "
INSERT INTO team_drills (code, scenario_id, seed, score, grade, canonical_hash, result_json, ended_at_ms,
                         competition_id, team_id, cohort_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (code) DO NOTHING";

pub const SAVE_PLAYER: &str = "
INSERT INTO team_drill_players (code, role, identity_id, name, points)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT DO NOTHING";

/// The team a player is in at a competition, and whether the organiser blocked them there.
pub const TEAM_OF: &str = "
SELECT t.id, t.name,
       EXISTS (SELECT 1 FROM blocks b WHERE b.competition_id = ?1 AND b.identity_id = ?2)
FROM team_members m JOIN teams t ON t.id = m.team_id
WHERE m.board_id = ?1 AND m.identity_id = ?2";

/// The name a trainee joined a cohort with.
pub const TRAINEE_NAME: &str = "
SELECT name FROM cohort_members WHERE cohort_id = ?1 AND identity_id = ?2";

/// Whether a kept team drill has this canonical replay.
pub const IS_TEAM_DRILL: &str = "
SELECT EXISTS (SELECT 1 FROM team_drills WHERE canonical_hash = ?1)";

/// The drills that count in competition `?1` (ended before `?2`, its end), each team's
/// best per scenario (`rn = 1`): a replay counts once (its first drill, `copy = 1`), and
/// not if one of its players is blocked there. `store::TeamDrillTableRow` in order.
pub const COMPETITION_BESTS: &str = "
WITH d AS (
    SELECT t.code, t.team_id, t.scenario_id, t.seed, t.score, t.ended_at_ms, cs.position,
        ROW_NUMBER() OVER (PARTITION BY t.canonical_hash ORDER BY t.ended_at_ms, t.code) AS copy
    FROM team_drills t
    JOIN competition_scenarios cs
      ON cs.competition_id = t.competition_id AND cs.scenario_id = t.scenario_id
    WHERE t.competition_id = ?1 AND t.ended_at_ms < ?2 AND t.team_id IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM team_drill_players p
          JOIN blocks b ON b.competition_id = ?1 AND b.identity_id = p.identity_id
          WHERE p.code = t.code)
),
best AS (
    SELECT d.*, ROW_NUMBER() OVER (PARTITION BY d.team_id, d.scenario_id
                                   ORDER BY d.score DESC, d.ended_at_ms, d.code) AS rn
    FROM d WHERE d.copy = 1
)
SELECT b.team_id, tm.name, b.scenario_id, b.position, b.seed, b.score, b.code, b.ended_at_ms
FROM best b JOIN teams tm ON tm.id = b.team_id
WHERE b.rn = 1
ORDER BY b.team_id, b.position";

/// A cohort's drills, newest first (at most [`COHORT_DRILLS`]).
pub const COHORT_DRILLS_SQL: &str = "
SELECT code, scenario_id, seed, score, grade, ended_at_ms
FROM team_drills WHERE cohort_id = ?1
ORDER BY ended_at_ms DESC, code LIMIT 200";
/// The most drills a cohort page lists.
pub const COHORT_DRILLS: usize = 200;

/// The players of a list of drills (`?1`: a JSON array of codes on SQLite; PostgreSQL's
/// form is [`PLAYERS_OF_PG`]).
pub const PLAYERS_OF: &str = "
SELECT code, role, identity_id, name, points FROM team_drill_players
WHERE code IN (SELECT value FROM json_each(?1))
ORDER BY code, role, identity_id";
pub const PLAYERS_OF_PG: &str = "
SELECT code, role, identity_id, name, points FROM team_drill_players
WHERE code = ANY($1)
ORDER BY code, role, identity_id";
