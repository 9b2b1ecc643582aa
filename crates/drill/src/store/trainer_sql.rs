//! The trainer tables' statements, written once for both backends: `?N` placeholders, read
//! as they are by SQLite and turned into `$N` for PostgreSQL by [`pg`]. Only what differs
//! (the id of an insert, booleans) is written per backend.

/// `?N` → `$N`: the same statement for PostgreSQL.
pub fn pg(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

pub const INSERT_TRAINER: &str =
    "INSERT INTO trainers (name, token_sha256, created_at_ms) VALUES (?1, ?2, ?3) RETURNING id";
pub const TRAINER_BY_TOKEN: &str = "SELECT id, name FROM trainers WHERE token_sha256 = ?1";
/// `ON CONFLICT DO NOTHING`: a taken invite code inserts nothing, and another is drawn.
pub const INSERT_COHORT: &str =
    "INSERT INTO cohorts (trainer_id, name, invite_code, created_at_ms) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (invite_code) DO NOTHING RETURNING id";
const COHORT_COLUMNS: &str = "c.id, c.trainer_id, c.name, c.invite_code, c.created_at_ms,
    (SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id)";
pub fn cohorts_of_trainer() -> String {
    format!("SELECT {COHORT_COLUMNS} FROM cohorts c WHERE c.trainer_id = ?1 ORDER BY c.id")
}
/// A trainer's cohort: another trainer's reads as none (the API's 404).
pub fn cohort_of_trainer() -> String {
    format!("SELECT {COHORT_COLUMNS} FROM cohorts c WHERE c.trainer_id = ?1 AND c.id = ?2")
}
pub fn cohort_by_code() -> String {
    format!("SELECT {COHORT_COLUMNS} FROM cohorts c WHERE c.invite_code = ?1")
}
pub fn cohorts_of_identity() -> String {
    format!(
        "SELECT {COHORT_COLUMNS} FROM cohorts c
         WHERE c.id IN (SELECT cohort_id FROM cohort_members WHERE identity_id = ?1) ORDER BY c.id"
    )
}
/// Joining again renames the trainee in the cohort.
pub const JOIN: &str = "INSERT INTO cohort_members (cohort_id, identity_id, name, joined_at_ms)
     VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (cohort_id, identity_id) DO UPDATE SET name = excluded.name";
pub const MEMBERS: &str = "SELECT identity_id, name, joined_at_ms FROM cohort_members
     WHERE cohort_id = ?1 ORDER BY name, identity_id";
pub const INSERT_ASSIGNMENT: &str =
    "INSERT INTO assignments (cohort_id, title, scenarios, due_at_ms, mode, created_at_ms)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
pub const ASSIGNMENTS: &str =
    "SELECT id, cohort_id, title, scenarios, due_at_ms, mode, created_at_ms FROM assignments
     WHERE cohort_id = ?1 ORDER BY id";
const PRACTICE_COLUMNS: &str = "r.id, r.identity_id, r.scenario_id, r.scenario_hash,
    r.sim_version, r.mode, r.score, r.grade, r.branch_case, r.handled_cleanly, r.created_at_ms,
    r.seed";
/// Every run of every trainee of a cohort (the dashboard's input; comments not counted:
/// 0). The dashboard's one query, so it reads no more than the progress needs.
pub fn cohort_runs() -> String {
    format!(
        "SELECT {PRACTICE_COLUMNS}, CAST(0 AS BIGINT) FROM cohort_members m JOIN runs r ON r.identity_id = m.identity_id
         WHERE m.cohort_id = ?1 AND r.removed_at_ms IS NULL"
    )
}
/// Every run of one identity, newest first.
pub fn identity_runs() -> String {
    format!(
        "SELECT {PRACTICE_COLUMNS}, (SELECT COUNT(*) FROM comments k WHERE k.run_id = r.id)
         FROM runs r WHERE r.identity_id = ?1 AND r.removed_at_ms IS NULL ORDER BY r.id DESC"
    )
}
/// Whether the identity is a trainee in one of the trainer's cohorts.
pub const TRAINER_SEES: &str =
    "SELECT COUNT(*) FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id
     WHERE c.trainer_id = ?1 AND m.identity_id = ?2";
pub const RUN_OWNER: &str = "SELECT identity_id FROM runs WHERE id = ?1 AND removed_at_ms IS NULL";
pub const INSERT_COMMENT: &str =
    "INSERT INTO comments (run_id, trainer_id, at_ms, body, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
     RETURNING id";
/// A run's comments: every trainer's (the trainee's view, `?2` NULL) or one trainer's (a
/// trainer sees only their own, even on a trainee another trainer also coaches).
pub const COMMENTS: &str = "SELECT k.id, k.run_id, t.name, k.at_ms, k.body, k.created_at_ms
     FROM comments k JOIN trainers t ON t.id = k.trainer_id
     WHERE k.run_id = ?1 AND (?2 IS NULL OR k.trainer_id = ?2) ORDER BY k.at_ms, k.id";

const AUTHORED_COLUMNS: &str =
    "id, trainer_id, scenario_id, version, status, toml, hash, created_at_ms, published_at_ms";
/// Saving over the scenario's draft (a published version is never written again).
pub fn update_draft() -> String {
    format!(
        "UPDATE authored_scenarios SET toml = ?3, created_at_ms = ?4
         WHERE trainer_id = ?1 AND scenario_id = ?2 AND status = 'draft' RETURNING {AUTHORED_COLUMNS}"
    )
}
/// A new draft: the version after the scenario's last. Two first saves at once (two
/// processes on PostgreSQL) meet on the one-draft index: the later saves over the draft.
pub fn insert_draft() -> String {
    format!(
        "INSERT INTO authored_scenarios (trainer_id, scenario_id, version, status, toml, created_at_ms)
         SELECT ?1, ?2, COALESCE(MAX(version), 0) + 1, 'draft', ?3, ?4 FROM authored_scenarios
         WHERE trainer_id = ?1 AND scenario_id = ?2
         ON CONFLICT (trainer_id, scenario_id) WHERE status = 'draft'
         DO UPDATE SET toml = excluded.toml, created_at_ms = excluded.created_at_ms
         RETURNING {AUTHORED_COLUMNS}"
    )
}
/// The published version with this file hash (any trainer's: a replay names it by hash).
pub fn published_by_hash() -> String {
    format!(
        "SELECT {AUTHORED_COLUMNS} FROM authored_scenarios WHERE hash = ?1 AND status = 'published'
         ORDER BY id LIMIT 1"
    )
}
pub fn authored_of_trainer() -> String {
    format!(
        "SELECT {AUTHORED_COLUMNS} FROM authored_scenarios WHERE trainer_id = ?1
         ORDER BY scenario_id, version"
    )
}
/// Saving over one draft by its row id, if it still holds `?5` (the file the new one was
/// made from: a save in between is not overwritten).
pub fn update_draft_by_id() -> String {
    format!(
        "UPDATE authored_scenarios SET toml = ?3, created_at_ms = ?4
         WHERE trainer_id = ?1 AND id = ?2 AND status = 'draft' AND toml = ?5
         RETURNING {AUTHORED_COLUMNS}"
    )
}
/// A trainer's scenario file: another trainer's reads as none (the API's 404).
pub fn authored_one() -> String {
    format!("SELECT {AUTHORED_COLUMNS} FROM authored_scenarios WHERE trainer_id = ?1 AND id = ?2")
}
/// A draft becomes an immutable version; a published one matches nothing, and so does a
/// draft saved over since it was linted (`?5`: the file that passed).
pub fn publish() -> String {
    format!(
        "UPDATE authored_scenarios SET status = 'published', hash = ?3, published_at_ms = ?4
         WHERE trainer_id = ?1 AND id = ?2 AND status = 'draft' AND toml = ?5
         RETURNING {AUTHORED_COLUMNS}"
    )
}
