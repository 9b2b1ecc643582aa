//! Competition tables, computed in SQL a page at a time: the standings (each player's
//! total, each team's) are kept by `db::refresh_standings` in the same write that changes
//! them, so that a page is an index range and the best runs of only its rows are read.
//!
//! # Rules
//!
//! Only runs submitted with the competition's code count (they were checked at submission to
//! be one of its scenarios with one of that scenario's fixed seeds, while it was open), and
//! neither runs the organiser removed nor any run of an identity the organiser blocked.
//! A player is an identity; a replay counts once per competition whoever submits it (its
//! canonical hash), and a player is in at most one team there.
//!
//! * **Individual score**: for each of the competition's scenarios, the player's best run
//!   (highest score over all of that scenario's seeds; a scenario without a run counts 0);
//!   the player's total is the sum of these bests. The competition's answer states this rule
//!   (`quorum_proto::api::Counting::BestRunPerScenario`), and each best names its seed.
//! * **Team score**: the sum, over the team's members, of each member's individual score
//!   counted over the runs they submitted *with that team* (a run submitted before joining
//!   counts for no team). Team names are one team up to case ("SRE" and "sre" are one team)
//!   and look-alike spellings are refused at submission.
//! * **Ranking** (both tables): higher total first; on a tie, whoever reached the total
//!   first (the latest of the counted best runs has the smaller id, i.e. was stored
//!   earlier). Run ids belong to one player and one team, so this order is total and a page
//!   ends at a `(total, reached, rank)` cursor. Among a player's runs with equal scores,
//!   the earliest counts.

use quorum_proto::api::{BestRun, Individual, TeamMember, TeamRow};
use rusqlite::{params, Connection};

/// Rows in one page of a table by default and at most: with at most
/// `MAX_COMPETITION_SCENARIOS` bests a row and `MAX_TEAM_CAP` members a team, this caps an
/// answer's size.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 100;

/// Where a table's page ends: the last row's total, the run id it reached its total with,
/// and its rank. Written `total.reached.rank`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub total: i64,
    pub reached: i64,
    pub rank: i64,
}

impl Cursor {
    pub fn parse(text: &str) -> Option<Cursor> {
        let mut parts = text.split('.');
        let cursor = Cursor {
            total: parts.next()?.parse().ok()?,
            reached: parts.next()?.parse().ok()?,
            rank: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.total, self.reached, self.rank)
    }
}

/// The runs that count, each player's best per scenario (`rn = 1`), as a CTE over `?1`, the
/// competition id. `{part}` partitions further (by team for the team table); `team_filter`
/// narrows the runs read (to a page's players or teams) before the window is computed.
fn counted(part: &str, source: &str, team_filter: &str) -> String {
    format!(
        "counted AS (
            SELECT r.id, r.identity_id, r.team_id, r.scenario_id, r.seed, r.score,
                cs.position,
                ROW_NUMBER() OVER (PARTITION BY {part} r.identity_id, r.scenario_id
                                   ORDER BY r.score DESC, r.id) AS rn
            FROM {source}
            JOIN competition_scenarios cs
              ON cs.competition_id = r.competition_id AND cs.scenario_id = r.scenario_id
            WHERE r.competition_id = ?1 AND r.removed_at_ms IS NULL {team_filter}
              AND r.identity_id NOT IN (SELECT identity_id FROM blocks WHERE competition_id = ?1)
        )"
    )
}

/// The page of the individual table after `after`, and the cursor of the next page.
pub fn individuals(
    conn: &Connection,
    competition_id: i64,
    after: Option<Cursor>,
    limit: u32,
) -> rusqlite::Result<(Vec<Individual>, Option<Cursor>)> {
    let first_rank = after.map_or(1, |a| a.rank + 1);
    let mut rows: Vec<(Individual, i64)> = conn
        .prepare_cached(
            "SELECT s.identity_id, s.total, s.reached, s.runs,
                 COALESCE(n.name, i.legacy_name, ''),
                 (SELECT tm.name FROM team_members m JOIN teams tm ON tm.id = m.team_id
                  WHERE m.board_id = ?1 AND m.identity_id = s.identity_id)
             FROM standings s
             JOIN identities i ON i.id = s.identity_id
             LEFT JOIN names n ON n.board_id = ?1 AND n.identity_id = s.identity_id
             WHERE s.competition_id = ?1
               AND (?2 IS NULL OR s.total < ?2 OR (s.total = ?2 AND s.reached > ?3))
             ORDER BY s.total DESC, s.reached ASC
             LIMIT ?4",
        )?
        .query_map(
            params![
                competition_id,
                after.map(|a| a.total),
                after.map(|a| a.reached),
                i64::from(limit) + 1
            ],
            |r| {
                Ok((
                    Individual {
                        rank: 0,
                        player_id: r.get(0)?,
                        total: r.get(1)?,
                        runs: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
                        player: r.get(4)?,
                        team: r.get(5)?,
                        bests: Vec::new(),
                    },
                    r.get(2)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let ids: Vec<i64> = rows.iter().map(|(row, _)| row.player_id).collect();
    let mut bests = bests_of(conn, competition_id, &ids, None)?;
    for (rank, (row, _)) in (first_rank..).zip(rows.iter_mut()) {
        row.rank = rank;
        row.bests = take_bests(&mut bests, row.player_id);
    }
    let next = more
        .then(|| {
            rows.last()
                .map(|(row, reached)| cursor(row.total, *reached, row.rank))
        })
        .flatten();
    Ok((rows.into_iter().map(|(row, _)| row).collect(), next))
}

fn cursor(total: i64, reached: i64, rank: i64) -> Cursor {
    Cursor {
        total,
        reached,
        rank,
    }
}

/// The page of the team table after `after`, each team with all its members (at most the
/// competition's cap), and the cursor of the next page.
pub fn teams(
    conn: &Connection,
    competition_id: i64,
    after: Option<Cursor>,
    limit: u32,
) -> rusqlite::Result<(Vec<TeamRow>, Option<Cursor>)> {
    let first_rank = after.map_or(1, |a| a.rank + 1);
    let mut rows: Vec<(i64, TeamRow, i64)> = conn
        .prepare_cached(
            "SELECT t.team_id, tm.name, t.total, t.reached
             FROM team_totals t JOIN teams tm ON tm.id = t.team_id
             WHERE t.competition_id = ?1
               AND (?2 IS NULL OR t.total < ?2 OR (t.total = ?2 AND t.reached > ?3))
             ORDER BY t.total DESC, t.reached ASC
             LIMIT ?4",
        )?
        .query_map(
            params![
                competition_id,
                after.map(|a| a.total),
                after.map(|a| a.reached),
                i64::from(limit) + 1
            ],
            |r| {
                Ok((
                    r.get(0)?,
                    TeamRow {
                        rank: 0,
                        team: r.get(1)?,
                        total: r.get(2)?,
                        members: Vec::new(),
                    },
                    r.get(3)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let team_ids: Vec<i64> = rows.iter().map(|(id, ..)| *id).collect();
    let members: Vec<(i64, TeamMember)> = conn
        .prepare_cached(
            "SELECT s.team_id, s.identity_id, s.total, COALESCE(n.name, i.legacy_name, '')
             FROM team_standings s
             JOIN identities i ON i.id = s.identity_id
             LEFT JOIN names n ON n.board_id = ?1 AND n.identity_id = s.identity_id
             WHERE s.competition_id = ?1 AND s.team_id IN (SELECT value FROM json_each(?2))
             ORDER BY s.total DESC, s.reached ASC",
        )?
        .query_map(params![competition_id, json_list(&team_ids)], |r| {
            Ok((
                r.get(0)?,
                TeamMember {
                    player_id: r.get(1)?,
                    total: r.get(2)?,
                    player: r.get(3)?,
                    bests: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut bests = bests_of(conn, competition_id, &[], Some(&team_ids))?;
    for (rank, (team_id, row, _)) in (first_rank..).zip(rows.iter_mut()) {
        row.rank = rank;
        for (_, member) in members.iter().filter(|(t, _)| t == team_id) {
            let mut member = member.clone();
            member.bests = take_team_bests(&mut bests, *team_id, member.player_id);
            row.members.push(member);
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

fn json_list(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// A counted best: `(team_id, identity_id, best)`, in competition scenario order.
type Best = (Option<i64>, i64, BestRun);

/// The counted bests of the players `ids` (individual table) or of the members of the teams
/// `teams` (team table, counted per team).
fn bests_of(
    conn: &Connection,
    competition_id: i64,
    ids: &[i64],
    teams: Option<&[i64]>,
) -> rusqlite::Result<Vec<Best>> {
    // The page's players (or teams) drive the join (CROSS JOIN keeps them the outer loop),
    // so only their runs are read, through `runs_identity` (or `runs_team`).
    let (part, source, filter) = match teams {
        None => (
            "",
            "json_each(?2) AS j CROSS JOIN runs r ON r.identity_id = j.value",
            "",
        ),
        Some(_) => (
            "r.team_id,",
            "json_each(?2) AS j CROSS JOIN runs r ON r.team_id = j.value",
            "AND r.team_id IS NOT NULL",
        ),
    };
    let sql = format!(
        "WITH {counted}
         SELECT c.team_id, c.identity_id, c.scenario_id, c.seed, c.score, c.id
         FROM counted c WHERE c.rn = 1
         ORDER BY c.identity_id, c.position",
        counted = counted(part, source, filter)
    );
    let list = json_list(teams.unwrap_or(ids));
    conn.prepare_cached(&sql)?
        .query_map(params![competition_id, list], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                BestRun {
                    scenario: r.get(2)?,
                    seed: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
                    score: r.get(4)?,
                    run_id: r.get(5)?,
                },
            ))
        })?
        .collect()
}

fn take_bests(bests: &mut Vec<Best>, identity: i64) -> Vec<BestRun> {
    let (mine, rest): (Vec<Best>, Vec<Best>) = bests.drain(..).partition(|b| b.1 == identity);
    *bests = rest;
    mine.into_iter().map(|b| b.2).collect()
}

fn take_team_bests(bests: &mut Vec<Best>, team: i64, identity: i64) -> Vec<BestRun> {
    let (mine, rest): (Vec<Best>, Vec<Best>) = bests
        .drain(..)
        .partition(|b| b.0 == Some(team) && b.1 == identity);
    *bests = rest;
    mine.into_iter().map(|b| b.2).collect()
}
