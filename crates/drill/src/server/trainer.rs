//! The trainer API (issue 13): trainers (issued with the admin token), their cohorts with
//! invite codes, assignments, the dashboard (trainees × assignments) and its CSV, a
//! trainee's runs, and comments pinned to sim times on a run; and the trainee's side:
//! joining with their player identity, their assignments with what is left, the comments
//! on their runs. Bodies are `quorum_proto::trainer` types.
//!
//! A trainer sees only their own cohorts: another trainer's cohort, trainee or run answers
//! 404 exactly as a missing one does (not 403, which would confirm that it exists).
//! Results come from the runs `POST /api/runs` verified (re-simulated and scored by the
//! server), never from what a client claims: a run counts for an assignment when it is of
//! one of its scenarios (the current file, this sim version), was submitted after the
//! assignment was set, and its mode counts (`AssignmentMode::counts`: what-if runs are
//! practice). Its branch case and clean handling are the server's ([`crate::db::NewRun`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use quorum_proto::names::{self, NameKind};
use quorum_proto::trainer::{
    Assignment, AssignmentMode, AssignmentRequest, AssignmentScenario, AuthoredScenario, Cohort,
    CohortDetail, CohortRequest, Comment, CommentRequest, Dashboard, DashboardCell, DashboardRow,
    FormAnswer, FormRequest, JoinRequest, Joined, LintReport, LintRequest, MyAssignment,
    ProofRecorded, ProofRequest, ScenarioProgress, ScenarioTemplate, Trainee, TraineeRun,
    TrainerCreated, TrainerRequest, MAX_ASSIGNMENT_SCENARIOS, MAX_COMMENT_CHARS,
    TRAINER_TOKEN_PREFIX,
};
use quorum_sim::scenario;
use quorum_sim::SIM_VERSION;
use serde::Deserialize;

use super::api::{authorize_admin, bearer, from_value, identity, json_body, random_token, sha256};
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::store::{AssignmentRow, AuthoredRow, CohortRow, CommentRow, PracticeRun, TrainerRow};
use crate::timefmt::{now_ms, parse_rfc3339, to_rfc3339};

type AppStateRef = State<Arc<AppState>>;

// ---- Who is asking ----------------------------------------------------------------------

/// The trainer of `Authorization: Bearer qdt1_…`.
pub(super) async fn trainer(state: &AppState, headers: &HeaderMap) -> ApiResult<TrainerRow> {
    let unauthorized = |code: &'static str, message: &str| {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message.to_string())
    };
    let Some(token) = bearer(headers).filter(|t| !t.is_empty()) else {
        return Err(unauthorized(
            "trainer_required",
            "the trainer pages need `Authorization: Bearer <trainer token>` (from POST /api/trainers, issued by the admin)",
        ));
    };
    if !token.starts_with(TRAINER_TOKEN_PREFIX) {
        return Err(unauthorized(
            "unknown_trainer",
            "that is not a trainer token",
        ));
    }
    state
        .db
        .trainer_by_token(sha256(token))
        .await?
        .ok_or_else(|| {
            unauthorized(
                "unknown_trainer",
                "this server issued no trainer with that token",
            )
        })
}

fn missing(what: &str) -> ApiError {
    ApiError::not_found("not_found", format!("no {what} of yours has that id"))
}

fn id_of(text: &str, what: &str) -> ApiResult<i64> {
    text.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| missing(what))
}

/// The trainer's cohort `id`, or 404 (also for another trainer's).
async fn own_cohort(state: &AppState, trainer: &TrainerRow, id: &str) -> ApiResult<CohortRow> {
    let id = id_of(id, "cohort")?;
    state
        .db
        .cohort(trainer.id, id)
        .await?
        .ok_or_else(|| missing("cohort"))
}

// ---- Bodies -------------------------------------------------------------------------------

fn cohort_body(c: &CohortRow) -> Cohort {
    Cohort {
        id: c.id,
        name: c.name.clone(),
        invite_code: c.invite_code.clone(),
        trainees: c.trainees,
        created_at: to_rfc3339(c.created_at_ms),
    }
}

fn assignment_body(a: &AssignmentRow) -> Assignment {
    Assignment {
        id: a.id,
        cohort_id: a.cohort_id,
        title: a.title.clone(),
        scenarios: serde_json::from_str(&a.scenarios).unwrap_or_default(),
        due_at: a.due_at_ms.map(to_rfc3339),
        due_at_ms: a.due_at_ms,
        mode: AssignmentMode::parse(&a.mode).unwrap_or(AssignmentMode::Exam),
        created_at: to_rfc3339(a.created_at_ms),
    }
}

fn comment_body(c: CommentRow) -> Comment {
    Comment {
        id: c.id,
        run_id: c.run_id,
        trainer: c.trainer,
        at_ms: u64::try_from(c.at_ms).unwrap_or(0),
        body: c.body,
        created_at: to_rfc3339(c.created_at_ms),
    }
}

// ---- Progress: the one place results are computed ----------------------------------------

/// The trainers' published scenarios an assignment names, by file hash (read once per
/// request: [`published_of`]).
pub type Published = std::collections::BTreeMap<String, scenario::Scenario>;

/// What [`progress`] needs of an assignment's scenarios, worked out once per assignment
/// (a dashboard has one cell per trainee): each scenario's file hash (`None`: unknown, no
/// run counts) and branch case ids.
pub struct Wanted<'a> {
    pub assignment: &'a Assignment,
    pub created_at_ms: i64,
    pub scenarios: Vec<(Option<String>, Vec<String>)>,
}

impl<'a> Wanted<'a> {
    pub fn of(assignment: &'a Assignment, published: &Published) -> Wanted<'a> {
        Wanted {
            assignment,
            created_at_ms: parse_rfc3339(&assignment.created_at).unwrap_or(0),
            scenarios: assignment
                .scenarios
                .iter()
                .map(|s| {
                    let file = match &s.hash {
                        None => scenario::builtin(&s.id),
                        Some(hash) => published.get(hash).filter(|f| f.id == s.id),
                    };
                    let cases = file
                        .map(|f| f.branch_cases().into_iter().map(|c| c.id).collect())
                        .unwrap_or_default();
                    (file.map(|f| f.hash.clone()), cases)
                })
                .collect(),
        }
    }
}

/// A trainer's published scenario by its file hash, parsed from the stored file (`None`:
/// no published file has that hash, or this drill can no longer read it).
///
/// A stored file that no longer parses or hashes the same (a newer drill's scenario rules)
/// is logged and treated as unknown: one such file must not take down every dashboard,
/// assignment list and submission that names it (they then say the scenario is unknown).
pub async fn published(state: &AppState, hash: &str) -> ApiResult<Option<scenario::Scenario>> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(row) = state.db.published_by_hash(hash.to_string()).await? else {
        return Ok(None);
    };
    match scenario::parse(&row.toml) {
        Ok(s) if s.hash == hash => Ok(Some(s)),
        Ok(_) => {
            tracing::error!("published scenario file {} no longer has its hash", row.id);
            Ok(None)
        }
        Err(e) => {
            tracing::error!("published scenario file {} no longer parses: {e}", row.id);
            Ok(None)
        }
    }
}

/// The published scenarios `assignments` name.
pub async fn published_of(state: &AppState, assignments: &[Assignment]) -> ApiResult<Published> {
    let mut out = Published::new();
    for hash in assignments
        .iter()
        .flat_map(|a| &a.scenarios)
        .filter_map(|s| s.hash.as_ref())
    {
        if !out.contains_key(hash) {
            if let Some(file) = published(state, hash).await? {
                out.insert(hash.clone(), file);
            }
        }
    }
    Ok(out)
}

/// A trainee's progress on `assignment` from `runs` (theirs, any scenario, any mode).
pub fn progress(
    assignment: &Assignment,
    published: &Published,
    runs: &[&PracticeRun],
    now_ms: i64,
) -> DashboardCell {
    progress_of(&Wanted::of(assignment, published), runs, now_ms)
}

/// [`progress`] with the assignment's scenarios worked out.
pub fn progress_of(wanted_of: &Wanted<'_>, runs: &[&PracticeRun], now_ms: i64) -> DashboardCell {
    let assignment = wanted_of.assignment;
    let created_at_ms = wanted_of.created_at_ms;
    let mut scenarios = Vec::with_capacity(assignment.scenarios.len());
    let mut last_practised_ms: Option<i64> = None;
    for (wanted, (file, cases)) in assignment.scenarios.iter().zip(&wanted_of.scenarios) {
        let of_scenario = runs.iter().filter(|r| r.scenario_id == wanted.id);
        let mut best: Option<&PracticeRun> = None;
        let mut covered: Vec<String> = Vec::new();
        for run in of_scenario {
            last_practised_ms = last_practised_ms.max(Some(run.created_at_ms));
            let counts = file.as_ref().is_some_and(|h| *h == run.scenario_hash)
                && run.sim_version == SIM_VERSION
                && run.created_at_ms >= created_at_ms
                && assignment.mode.counts(run.mode);
            if !counts {
                continue;
            }
            if best.is_none_or(|b| (run.score, -run.id) > (b.score, -b.id)) {
                best = Some(run);
            }
            let case = run.branch_case.clone().unwrap_or_default();
            if run.handled_cleanly && cases.contains(&case) && !covered.contains(&case) {
                covered.push(case);
            }
        }
        let cases_left: Vec<String> = cases
            .iter()
            .filter(|c| !covered.contains(c))
            .cloned()
            .collect();
        covered.sort_by_key(|c| cases.iter().position(|x| x == c));
        let done = best.is_some() && (!wanted.full_coverage || cases_left.is_empty());
        scenarios.push(ScenarioProgress {
            scenario_id: wanted.id.clone(),
            best_score: best.map(|b| b.score),
            best_run_id: best.map(|b| b.id),
            grade: best.map(|b| b.grade.clone()),
            cases_covered: covered,
            cases_left,
            full_coverage: wanted.full_coverage,
            done,
        });
    }
    let bests: Vec<i64> = scenarios.iter().filter_map(|s| s.best_score).collect();
    let weakest = scenarios
        .iter()
        .filter(|s| s.best_score.is_some())
        .min_by_key(|s| s.best_score);
    let complete = bests.len() == scenarios.len() && !scenarios.is_empty();
    let done = scenarios.iter().all(|s| s.done) && !scenarios.is_empty();
    DashboardCell {
        assignment_id: assignment.id,
        best_score: (!bests.is_empty()).then(|| bests.iter().sum()),
        grade: if complete {
            weakest.and_then(|s| s.grade.clone())
        } else {
            None
        },
        cases_covered: scenarios.iter().map(|s| s.cases_covered.len() as u32).sum(),
        cases_total: scenarios
            .iter()
            .map(|s| (s.cases_covered.len() + s.cases_left.len()) as u32)
            .sum(),
        last_practised: last_practised_ms.map(to_rfc3339),
        last_practised_ms,
        done,
        overdue: !done && assignment.due_at_ms.is_some_and(|due| now_ms > due),
        scenarios,
    }
}

/// How the dashboard is sorted and filtered (`GET …/dashboard?sort=&desc=&name=&status=`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// `name` (default), `player_id`, `last_practised`, `overdue` (most overdue cells),
    /// `done` (most done cells), or `score:<assignment id>`.
    pub sort: Option<String>,
    /// `true`/`1`: descending.
    pub desc: Option<String>,
    /// Trainees whose name contains this (case-insensitive).
    pub name: Option<String>,
    /// `overdue`, `done` or `pending`: trainees with at least one such cell.
    pub status: Option<String>,
    /// Only this assignment's column.
    pub assignment: Option<String>,
}

/// Sorts and filters the rows as `q` asks; a query the dashboard cannot read is a 400.
pub fn arrange(dashboard: &mut Dashboard, q: &DashboardQuery) -> ApiResult<()> {
    let bad = |m: String| ApiError::bad_request("invalid_query", m);
    if let Some(text) = q.assignment.as_deref().filter(|t| !t.is_empty()) {
        let id: i64 = text
            .parse()
            .map_err(|_| bad(format!("`assignment` is an assignment id (got {text:?})")))?;
        let Some(column) = dashboard.assignments.iter().position(|a| a.id == id) else {
            return Err(bad(format!("this cohort has no assignment {id}")));
        };
        dashboard.assignments = vec![dashboard.assignments[column].clone()];
        for row in &mut dashboard.rows {
            row.cells = vec![row.cells[column].clone()];
        }
    }
    if let Some(name) = q.name.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let name = name.to_lowercase();
        dashboard
            .rows
            .retain(|r| r.name.to_lowercase().contains(&name));
    }
    match q.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => {}
        Some("overdue") => dashboard.rows.retain(|r| r.cells.iter().any(|c| c.overdue)),
        Some("done") => dashboard.rows.retain(|r| r.cells.iter().any(|c| c.done)),
        Some("pending") => dashboard.rows.retain(|r| r.cells.iter().any(|c| !c.done)),
        Some(other) => {
            return Err(bad(format!(
                "`status` is overdue, done, pending or all (got {other:?})"
            )))
        }
    }
    let sort = q.sort.as_deref().map(str::trim).unwrap_or("name");
    let count =
        |r: &DashboardRow, f: fn(&DashboardCell) -> bool| r.cells.iter().filter(|c| f(c)).count();
    match sort {
        "" | "name" => dashboard.rows.sort_by(|a, b| {
            (a.name.to_lowercase(), a.player_id).cmp(&(b.name.to_lowercase(), b.player_id))
        }),
        "player_id" => dashboard.rows.sort_by_key(|r| r.player_id),
        "last_practised" => dashboard.rows.sort_by_key(|r| {
            (
                r.cells.iter().filter_map(|c| c.last_practised_ms).max(),
                r.player_id,
            )
        }),
        "overdue" => dashboard
            .rows
            .sort_by_key(|r| (count(r, |c| c.overdue), r.player_id)),
        "done" => dashboard
            .rows
            .sort_by_key(|r| (count(r, |c| c.done), r.player_id)),
        other => {
            let id = other
                .strip_prefix("score:")
                .and_then(|id| id.parse::<i64>().ok())
                .ok_or_else(|| {
                    bad(format!(
                        "`sort` is name, player_id, last_practised, overdue, done or score:<assignment id> (got {other:?})"
                    ))
                })?;
            let column = dashboard
                .assignments
                .iter()
                .position(|a| a.id == id)
                .ok_or_else(|| bad(format!("this cohort has no assignment {id}")))?;
            dashboard
                .rows
                .sort_by_key(|r| (r.cells[column].best_score, r.player_id));
        }
    }
    if matches!(q.desc.as_deref(), Some("true" | "1")) {
        dashboard.rows.reverse();
    }
    Ok(())
}

/// One CSV field (RFC 4180 quoting); a text that a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@` first) is prefixed with `'`.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The dashboard as CSV: one line per trainee and assignment, in the rows' order.
pub fn csv(dashboard: &Dashboard) -> String {
    let mut out = String::from(
        "player_id,player,assignment_id,assignment,best_score,grade,cases_covered,cases_total,last_practised,done,overdue\r\n",
    );
    for row in &dashboard.rows {
        for (cell, assignment) in row.cells.iter().zip(&dashboard.assignments) {
            let fields = [
                row.player_id.to_string(),
                csv_field(&row.name),
                assignment.id.to_string(),
                csv_field(&assignment.title),
                cell.best_score.map(|s| s.to_string()).unwrap_or_default(),
                cell.grade.clone().unwrap_or_default(),
                cell.cases_covered.to_string(),
                cell.cases_total.to_string(),
                cell.last_practised.clone().unwrap_or_default(),
                cell.done.to_string(),
                cell.overdue.to_string(),
            ];
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// The dashboard of a cohort: every trainee × every assignment, from one read of the
/// trainees' runs.
async fn build_dashboard(state: &AppState, cohort: &CohortRow) -> ApiResult<Dashboard> {
    let (members, assignments, runs) = tokio::try_join!(
        state.db.members(cohort.id),
        state.db.assignments(cohort.id),
        state.db.cohort_runs(cohort.id),
    )?;
    let assignments: Vec<Assignment> = assignments.iter().map(assignment_body).collect();
    let published = published_of(state, &assignments).await?;
    let now = now_ms();
    let mut by_identity: std::collections::BTreeMap<i64, Vec<&PracticeRun>> = Default::default();
    for run in &runs {
        by_identity.entry(run.identity_id).or_default().push(run);
    }
    let wanted: Vec<Wanted<'_>> = assignments
        .iter()
        .map(|a| Wanted::of(a, &published))
        .collect();
    let rows = members
        .into_iter()
        .map(|m| {
            let theirs = by_identity
                .get(&m.identity_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            DashboardRow {
                player_id: m.identity_id,
                name: m.name,
                cells: wanted.iter().map(|w| progress_of(w, theirs, now)).collect(),
            }
        })
        .collect();
    Ok(Dashboard {
        cohort: cohort_body(cohort),
        assignments,
        rows,
        now_ms: now,
    })
}

// ---- Handlers: the admin -------------------------------------------------------------------

/// `POST /api/trainers` (admin token): a trainer and their token (shown once).
pub async fn create_trainer(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    authorize_admin(&state, &headers)?;
    let request: TrainerRequest = from_value(json_body(&headers, body)?)?;
    let name = names::validate(NameKind::Player, &request.name)
        .map_err(|e| ApiError::unprocessable("invalid_name", e.to_string()))?;
    let token = random_token(TRAINER_TOKEN_PREFIX)?;
    let row = state
        .db
        .create_trainer(name, sha256(&token), now_ms())
        .await?;
    tracing::info!("trainer {} created: {:?}", row.id, row.name);
    Ok((
        StatusCode::CREATED,
        Json(TrainerCreated {
            trainer_id: row.id,
            name: row.name,
            token,
        }),
    )
        .into_response())
}

// ---- Handlers: trainers ------------------------------------------------------------------

pub async fn create_cohort(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let trainer = trainer(&state, &headers).await?;
    let request: CohortRequest = from_value(json_body(&headers, body)?)?;
    let name = names::validate(NameKind::Competition, &request.name)
        .map_err(|e| ApiError::unprocessable("invalid_name", e.to_string()))?;
    let cohort = state.db.create_cohort(trainer.id, name, now_ms()).await?;
    Ok((StatusCode::CREATED, Json(cohort_body(&cohort))).into_response())
}

pub async fn list_cohorts(
    State(state): AppStateRef,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Cohort>>> {
    let trainer = trainer(&state, &headers).await?;
    let cohorts = state.db.cohorts(trainer.id).await?;
    Ok(Json(cohorts.iter().map(cohort_body).collect()))
}

pub async fn get_cohort(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<CohortDetail>> {
    let trainer = trainer(&state, &headers).await?;
    let cohort = own_cohort(&state, &trainer, &id).await?;
    let (members, assignments, drills) = tokio::try_join!(
        state.db.members(cohort.id),
        state.db.assignments(cohort.id),
        state.db.cohort_team_drills(cohort.id)
    )?;
    Ok(Json(CohortDetail {
        cohort: cohort_body(&cohort),
        trainees: members
            .into_iter()
            .map(|m| Trainee {
                player_id: m.identity_id,
                name: m.name,
                joined_at: to_rfc3339(m.joined_at_ms),
            })
            .collect(),
        assignments: assignments.iter().map(assignment_body).collect(),
        team_drills: drills
            .into_iter()
            .map(|d| quorum_proto::team::CohortTeamDrill {
                code: d.code,
                scenario_id: d.scenario_id,
                seed: d.seed,
                score: d.score,
                grade: d.grade,
                ended_at: to_rfc3339(d.ended_at_ms),
                ended_at_ms: d.ended_at_ms,
                players: d
                    .players
                    .into_iter()
                    .filter_map(|p| {
                        Some(quorum_proto::team::CohortSeat {
                            role: quorum_proto::team::Role::parse(&p.role)?,
                            player_id: p.identity_id,
                            name: p.name,
                            points: p.points,
                        })
                    })
                    .collect(),
            })
            .collect(),
    }))
}

pub async fn create_assignment(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let trainer = trainer(&state, &headers).await?;
    let cohort = own_cohort(&state, &trainer, &id).await?;
    let request: AssignmentRequest = from_value(json_body(&headers, body)?)?;
    let invalid = |m: String| ApiError::unprocessable("invalid_assignment", m);
    let title = names::validate(NameKind::Competition, &request.title)
        .map_err(|e| invalid(e.to_string()))?;
    if request.scenarios.is_empty() || request.scenarios.len() > MAX_ASSIGNMENT_SCENARIOS {
        return Err(invalid(format!(
            "an assignment has 1 to {MAX_ASSIGNMENT_SCENARIOS} scenarios"
        )));
    }
    let mut scenarios: Vec<AssignmentScenario> = Vec::new();
    for mut s in request.scenarios {
        // The title is the published file's, filled in when the assignment is read.
        s.title = None;
        match &s.hash {
            None if scenario::builtin(&s.id).is_none() => {
                return Err(invalid(format!("unknown scenario {:?}", s.id)));
            }
            None => {}
            // A trainer's scenario: a published file (any trainer's: the hash names it).
            Some(hash) => match published(&state, hash).await? {
                Some(file) if file.id == s.id => {}
                _ => {
                    return Err(invalid(format!(
                        "no published scenario {:?} has the hash {hash:?}",
                        s.id
                    )))
                }
            },
        }
        if scenarios.iter().any(|x| x.id == s.id) {
            return Err(invalid(format!("scenario {:?} is listed twice", s.id)));
        }
        scenarios.push(s);
    }
    let due_at_ms = match request.due_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(parse_rfc3339(text).ok_or_else(|| {
            invalid(format!(
                "due_at {text:?} is not an RFC 3339 time like 2026-05-01T18:00:00Z"
            ))
        })?),
    };
    let row = state
        .db
        .create_assignment(AssignmentRow {
            id: 0,
            cohort_id: cohort.id,
            title,
            scenarios: serde_json::to_string(&scenarios).map_err(ApiError::internal)?,
            due_at_ms,
            mode: request.mode.as_str().into(),
            created_at_ms: now_ms(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(assignment_body(&row))).into_response())
}

pub async fn dashboard(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> ApiResult<Json<Dashboard>> {
    let Query(q) = query.map_err(|_| {
        ApiError::bad_request("invalid_query", "the query string could not be read")
    })?;
    let trainer = trainer(&state, &headers).await?;
    let cohort = own_cohort(&state, &trainer, &id).await?;
    let mut answer = build_dashboard(&state, &cohort).await?;
    arrange(&mut answer, &q)?;
    Ok(Json(answer))
}

/// `GET …/dashboard.csv`: the same rows (same query) as `text/csv`.
pub async fn dashboard_csv(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = query.map_err(|_| {
        ApiError::bad_request("invalid_query", "the query string could not be read")
    })?;
    let trainer = trainer(&state, &headers).await?;
    let cohort = own_cohort(&state, &trainer, &id).await?;
    let mut answer = build_dashboard(&state, &cohort).await?;
    arrange(&mut answer, &q)?;
    let file = format!("attachment; filename=\"cohort-{}.csv\"", cohort.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv(&answer),
    )
        .into_response())
}

/// `GET /api/trainer/cohorts/{id}/trainees/{player_id}/runs`: every run of a trainee of
/// the trainer's cohort, newest first.
pub async fn trainee_runs(
    State(state): AppStateRef,
    Path((id, player)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<TraineeRun>>> {
    let trainer = trainer(&state, &headers).await?;
    let cohort = own_cohort(&state, &trainer, &id).await?;
    let player = id_of(&player, "trainee")?;
    let members = state.db.members(cohort.id).await?;
    if !members.iter().any(|m| m.identity_id == player) {
        return Err(missing("trainee"));
    }
    let runs = state.db.identity_runs(player).await?;
    Ok(Json(
        runs.into_iter()
            .map(|r| TraineeRun {
                id: r.id,
                scenario_id: r.scenario_id,
                scenario_hash: r.scenario_hash,
                seed: r.seed,
                mode: r.mode,
                score: r.score,
                grade: r.grade,
                branch_case: r.branch_case,
                handled_cleanly: r.handled_cleanly,
                created_at: to_rfc3339(r.created_at_ms),
                comments: r.comments,
            })
            .collect(),
    ))
}

/// The run `id` if the trainer may see it (its player is one of their trainees): its
/// scenario's duration.
async fn trainers_run(state: &AppState, trainer: &TrainerRow, id: &str) -> ApiResult<(i64, u64)> {
    let id = id_of(id, "trainee's run")?;
    let run = state
        .db
        .get_run(id)
        .await?
        .ok_or_else(|| missing("trainee's run"))?;
    if !state.db.trainer_sees(trainer.id, run.identity_id).await? {
        return Err(missing("trainee's run"));
    }
    let duration_ms = match scenario::builtin(&run.scenario_id) {
        Some(s) => s.duration_ms,
        None => published(state, &run.scenario_hash)
            .await?
            .map_or(u64::MAX, |s| s.duration_ms),
    };
    Ok((id, duration_ms))
}

pub async fn add_comment(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let trainer = trainer(&state, &headers).await?;
    let (run_id, duration_ms) = trainers_run(&state, &trainer, &id).await?;
    let request: CommentRequest = from_value(json_body(&headers, body)?)?;
    let invalid = |m: String| ApiError::unprocessable("invalid_comment", m);
    let text = request.body.trim();
    if text.is_empty() || text.chars().count() > MAX_COMMENT_CHARS {
        return Err(invalid(format!(
            "a comment has 1 to {MAX_COMMENT_CHARS} characters"
        )));
    }
    if request.at_ms > duration_ms {
        return Err(invalid(format!(
            "at_ms {} is past the drill's end ({duration_ms} ms)",
            request.at_ms
        )));
    }
    let at_ms = i64::try_from(request.at_ms).unwrap_or(i64::MAX);
    let row = state
        .db
        .add_comment(run_id, trainer.id, at_ms, text.to_string(), now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(comment_body(row))).into_response())
}

pub async fn run_comments(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Comment>>> {
    let trainer = trainer(&state, &headers).await?;
    let (run_id, _) = trainers_run(&state, &trainer, &id).await?;
    let rows = state.db.comments(run_id, Some(trainer.id)).await?;
    Ok(Json(rows.into_iter().map(comment_body).collect()))
}

// ---- Handlers: trainees (their player identity) ------------------------------------------

/// `POST /api/cohorts/join`: the player identity joins the cohort of the invite code
/// (again: renamed there).
pub async fn join_cohort(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Joined>> {
    let (identity_id, _) = identity(&state, &headers).await?;
    let request: JoinRequest = from_value(json_body(&headers, body)?)?;
    let name = names::validate(NameKind::Player, &request.name)
        .map_err(|e| ApiError::unprocessable("invalid_name", e.to_string()))?;
    let unknown = || ApiError::not_found("unknown_cohort", "no cohort has that invite code");
    let code = quorum_proto::code::parse(&request.invite_code).ok_or_else(unknown)?;
    let cohort = state
        .db
        .join_cohort(code, identity_id, name.clone(), now_ms())
        .await?
        .ok_or_else(unknown)?;
    Ok(Json(Joined {
        cohort_id: cohort.id,
        cohort: cohort.name,
        player_id: identity_id,
        name,
    }))
}

/// `GET /api/me/assignments`: every assignment of the trainee's cohorts, with what is left.
pub async fn my_assignments(
    State(state): AppStateRef,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<MyAssignment>>> {
    let (identity_id, _) = identity(&state, &headers).await?;
    let (cohorts, runs) = tokio::try_join!(
        state.db.cohorts_of(identity_id),
        state.db.identity_runs(identity_id)
    )?;
    let runs: Vec<&PracticeRun> = runs.iter().collect();
    let now = now_ms();
    let mut out = Vec::new();
    for cohort in cohorts {
        let assignments: Vec<Assignment> = state
            .db
            .assignments(cohort.id)
            .await?
            .iter()
            .map(assignment_body)
            .collect();
        let published = published_of(&state, &assignments).await?;
        for mut assignment in assignments {
            // The titles of the trainers' scenarios, which the trainee's game has not
            // installed yet.
            for s in &mut assignment.scenarios {
                if let Some(file) = s.hash.as_ref().and_then(|h| published.get(h)) {
                    s.title = Some(file.title.clone());
                }
            }
            out.push(MyAssignment {
                cohort: cohort.name.clone(),
                progress: progress(&assignment, &published, &runs, now),
                assignment,
            });
        }
    }
    Ok(Json(out))
}

/// `GET /api/me/runs/{id}/comments`: the trainers' comments on the trainee's own run.
pub async fn my_run_comments(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Comment>>> {
    let (identity_id, _) = identity(&state, &headers).await?;
    let run_id = id_of(&id, "run")?;
    if state.db.run_owner(run_id).await? != Some(identity_id) {
        return Err(missing("run"));
    }
    let rows = state.db.comments(run_id, None).await?;
    Ok(Json(rows.into_iter().map(comment_body).collect()))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_never_run_as_formulas() {
        assert_eq!(csv_field("Alice"), "Alice");
        assert_eq!(csv_field("Smith, Jo"), "\"Smith, Jo\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}

// ---- The scenario editor's checks ---------------------------------------------------------

/// The checks `drill lint` runs on a scenario file: it parses, then the runbook's
/// (`quorum_sim::runbook::lint`: reachability, names, console actions, a passing proof per
/// branch case) and the course's (`scenario::lint::lint`). Pure; the proofs are simulated,
/// so the handler runs it on the simulation queue.
pub fn lint_toml(text: &str) -> LintReport {
    match scenario::parse(text) {
        Err(e) => LintReport {
            ok: false,
            scenario_id: None,
            scenario_hash: None,
            branch_cases: 0,
            cases: Vec::new(),
            problems: vec![e.to_string()],
        },
        Ok(s) => {
            let mut problems = quorum_sim::runbook::lint(&s);
            problems.extend(scenario::lint::lint(&s));
            LintReport {
                ok: problems.is_empty(),
                scenario_id: Some(s.id.clone()),
                scenario_hash: Some(s.hash.clone()),
                branch_cases: u32::try_from(s.branch_cases().len()).unwrap_or(u32::MAX),
                cases: s.branch_cases().into_iter().map(|c| c.id).collect(),
                problems,
            }
        }
    }
}

/// `GET /api/trainer/scenarios/templates`: the built-in scenario files, to copy from.
pub async fn scenario_templates(
    State(state): AppStateRef,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<ScenarioTemplate>>> {
    trainer(&state, &headers).await?;
    Ok(Json(
        scenario::BUILTIN_SOURCES
            .iter()
            .map(|(id, toml)| ScenarioTemplate {
                id: (*id).to_string(),
                title: scenario::builtin(id)
                    .map_or_else(|| (*id).to_string(), |s| s.title.en.clone()),
                toml: (*toml).to_string(),
            })
            .collect(),
    ))
}

/// `POST /api/trainer/scenarios/lint`: [`lint_toml`] on the body's file, as a trainer, on
/// the simulation queue (503 `busy` past it, as a submission).
pub async fn lint_scenario(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<LintReport>> {
    trainer(&state, &headers).await?;
    let request: LintRequest = from_value(json_body(&headers, body)?)?;
    let permit = state.sims.enter().await?;
    let report = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        lint_toml(&request.toml)
    })
    .await
    .map_err(|e| ApiError::internal(format_args!("the scenario lint failed: {e}")))?;
    Ok(Json(report))
}

fn authored_body(row: AuthoredRow) -> AuthoredScenario {
    AuthoredScenario {
        id: row.id,
        scenario_id: row.scenario_id,
        version: row.version,
        status: row.status,
        hash: row.hash,
        saved_at: to_rfc3339(row.created_at_ms),
        published_at: row.published_at_ms.map(to_rfc3339),
    }
}

/// The trainer's scenario file `id`: another trainer's reads as missing (404).
async fn own_authored(state: &AppState, trainer: &TrainerRow, id: &str) -> ApiResult<AuthoredRow> {
    let missing = || ApiError::not_found("not_found", "no such scenario file");
    let id: i64 = id.parse().map_err(|_| missing())?;
    state
        .db
        .authored_one(trainer.id, id)
        .await?
        .ok_or_else(missing)
}

/// `POST /api/trainer/scenarios`: saves the file as the draft of its scenario id (over the
/// draft, or a new one after the last published version). It must parse; `drill lint`'s
/// other checks are the publication's. A built-in scenario's id is refused: a copy gets
/// its own.
pub async fn save_scenario(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let trainer = trainer(&state, &headers).await?;
    let request: LintRequest = from_value(json_body(&headers, body)?)?;
    let parsed = scenario::parse(&request.toml)
        .map_err(|e| ApiError::unprocessable("invalid_scenario", e.to_string()))?;
    if scenario::BUILTIN_SOURCES
        .iter()
        .any(|(id, _)| *id == parsed.id)
    {
        return Err(ApiError::unprocessable(
            "builtin_scenario_id",
            format!(
                "`{}` is a built-in scenario's id: give your copy an id of its own",
                parsed.id
            ),
        ));
    }
    let row = state
        .db
        .save_draft(trainer.id, parsed.id.clone(), request.toml, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(authored_body(row))).into_response())
}

/// `GET /api/trainer/scenarios`: the trainer's scenario files, drafts and published versions.
pub async fn list_scenarios(
    State(state): AppStateRef,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<AuthoredScenario>>> {
    let trainer = trainer(&state, &headers).await?;
    let rows = state.db.authored(trainer.id).await?;
    Ok(Json(rows.into_iter().map(authored_body).collect()))
}

/// `GET /api/trainer/scenarios/{id}/toml`: the file, as `drill lint` and
/// `drill run --scenario-file` read it (export).
pub async fn scenario_toml(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let trainer = trainer(&state, &headers).await?;
    let row = own_authored(&state, &trainer, &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
        row.toml,
    )
        .into_response())
}

/// `POST /api/trainer/scenarios/{id}/publish`: the draft becomes an immutable version once
/// every check of `drill lint` passes (422 `lint_failed` with the problems); a published
/// version answers 409 `already_published` (an edit is saved as a new draft).
pub async fn publish_scenario(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<AuthoredScenario>> {
    let trainer = trainer(&state, &headers).await?;
    let row = own_authored(&state, &trainer, &id).await?;
    if row.status != "draft" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_published",
            format!(
                "version {} of `{}` is published and cannot change: save an edit as a new draft",
                row.version, row.scenario_id
            ),
        ));
    }
    let permit = state.sims.enter().await?;
    let toml = row.toml.clone();
    let report = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        lint_toml(&toml)
    })
    .await
    .map_err(|e| ApiError::internal(format_args!("the scenario lint failed: {e}")))?;
    let hash = match (report.ok, report.scenario_hash) {
        (true, Some(hash)) => hash,
        _ => {
            return Err(ApiError::unprocessable(
                "lint_failed",
                format!("drill lint: {}", report.problems.join("; ")),
            ))
        }
    };
    let published = state
        .db
        .publish(trainer.id, row.id, hash, row.toml.clone(), now_ms())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "already_published",
                "published or saved over meanwhile: publish again".to_string(),
            )
        })?;
    Ok(Json(authored_body(published)))
}

#[cfg(test)]
mod editor_tests {
    use super::lint_toml;

    #[test]
    fn a_built_in_file_passes_and_a_broken_copy_says_why() {
        let (_, toml) = quorum_sim::scenario::BUILTIN_SOURCES[1];
        let ok = lint_toml(toml);
        assert!(ok.ok, "{:?}", ok.problems);
        assert!(ok.scenario_hash.is_some() && ok.branch_cases >= 1);

        let broken = lint_toml(&toml.replacen("[", "[[", 1));
        assert!(!broken.ok && broken.scenario_id.is_none());
        assert_eq!(broken.problems.len(), 1, "{:?}", broken.problems);
    }
}

// ---- Playing a trainer's scenario: packed for the game, and proofs ------------------------

fn packed_answer(file: &scenario::Scenario, immutable: bool) -> Response {
    // Not `immutable`, although the file behind the hash never changes: the packed form is
    // this build's encoding, and a browser must not keep a pack a newer game cannot read.
    let cache = if immutable { "no-cache" } else { "no-store" };
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        scenario::pack(file),
    )
        .into_response()
}

/// `GET /api/scenarios/{hash}`: a published scenario in the packed format the game reads
/// (`scenario::install_extra`; the browser has no TOML parser). Public, as a replay is: a
/// trainee opening an assignment needs it, and the hash names one immutable file.
pub async fn public_scenario(
    State(state): AppStateRef,
    Path(hash): Path<String>,
) -> ApiResult<Response> {
    let file = published(&state, &hash).await?.ok_or_else(|| {
        ApiError::not_found("unknown_scenario", "no published scenario has that hash")
    })?;
    Ok(packed_answer(&file, true))
}

/// `POST /api/trainer/scenarios/pack`: the editor's file packed for a test run. It must
/// parse; the rest of `drill lint` is not needed to play it.
pub async fn pack_scenario(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    trainer(&state, &headers).await?;
    let request: LintRequest = from_value(json_body(&headers, body)?)?;
    let file = scenario::parse(&request.toml)
        .map_err(|e| ApiError::unprocessable("invalid_scenario", e.to_string()))?;
    if scenario::builtin(&file.id).is_some() {
        return Err(ApiError::unprocessable(
            "builtin_scenario_id",
            format!(
                "`{}` is a built-in scenario's id: give your copy an id of its own to play it",
                file.id
            ),
        ));
    }
    Ok(packed_answer(&file, false))
}

/// `toml` with `[[proofs]]` for `case` set to `actions` (a script) and `par`: an older
/// proof of the case is taken out, the new one goes after the others. Through `toml_edit`
/// (as the structured form, `server::form`): the rest of the file — comments, layout — stays
/// as it was, and the script is quoted however its text needs (a `'''` in a name included).
pub fn with_proof(toml: &str, case: &str, actions: &str, par: &str) -> Result<String, String> {
    let mut doc: toml_edit::Document = toml
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let proofs = doc
        .entry("proofs")
        .or_insert(toml_edit::Item::ArrayOfTables(
            toml_edit::ArrayOfTables::new(),
        ))
        .as_array_of_tables_mut()
        .ok_or("the file's `proofs` is not a list of [[proofs]] tables")?;
    proofs.retain(|t| t.get("case").and_then(toml_edit::Item::as_str) != Some(case));
    let mut proof = toml_edit::Table::new();
    proof["case"] = toml_edit::value(case);
    proof["actions"] = toml_edit::value(actions);
    proof["par_redundancy"] = toml_edit::value(par);
    proofs.push(proof);
    Ok(doc.to_string())
}

/// What the server's re-simulation of a proof run says is wrong with it, if anything: a
/// proof has no outage at all, meets the scenario's objective and ends with full
/// redundancy back (its par).
fn proof_problem(report: &quorum_sim::Report) -> Option<String> {
    if report.outage_ms > 0 {
        return Some(format!(
            "the run has an outage of {} (a proof has none): play the runbook again",
            quorum_sim::time::fmt_clock(report.outage_ms)
        ));
    }
    if let Some(o) = report.objective.as_ref().filter(|o| !o.met) {
        return Some(format!(
            "the scenario's objective is not met ({} not done by {})",
            o.missing.join(", "),
            quorum_sim::time::fmt_clock(o.by_ms)
        ));
    }
    if report.time_to_green_ms.is_none() {
        return Some("the drill ended without full redundancy back".to_string());
    }
    None
}

/// `POST /api/trainer/scenarios/{id}/proof`: a finished run of the draft `id` (played in
/// the console from the editor, following the runbook) becomes the proof of the branch case
/// it met. The server re-simulates it on the draft's file (the replay must name the file's
/// hash: a run of an older version is refused), requires no outage, the objective met and
/// full redundancy back, and writes its actions into the file's `[[proofs]]` with the par
/// the run reached; the answer carries `drill lint` on the new file, which replays the proof
/// on the case's first seeds (the publication's check).
pub async fn record_proof(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ProofRecorded>> {
    let trainer = trainer(&state, &headers).await?;
    let row = own_authored(&state, &trainer, &id).await?;
    if row.status != "draft" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_published",
            "a published version cannot change: save an edit as a new draft and record its proof there".to_string(),
        ));
    }
    let request: ProofRequest = from_value(json_body(&headers, body)?)?;
    let file = scenario::parse(&row.toml)
        .map_err(|e| ApiError::unprocessable("invalid_scenario", e.to_string()))?;
    let replay = request.replay;
    let refused = |m: String| ApiError::unprocessable("proof_refused", m);
    if replay.scenario_id != file.id || replay.scenario_hash != file.hash {
        return Err(refused(format!(
            "the run was played on another file than draft {} of `{}` (save, then play the draft again)",
            row.version, file.id
        )));
    }
    replay
        .validate_with(&file)
        .map_err(|e| refused(e.to_string()))?;
    if replay.injects_fault() {
        return Err(refused("a proof injects no fault".to_string()));
    }
    let permit = state.sims.enter().await?;
    let toml = row.toml.clone();
    let (report, new_toml, lint) = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let report = quorum_sim::run(&file, replay.seed, &replay.actions);
        if let Some(problem) = proof_problem(&report) {
            return Err(problem);
        }
        let green = report.time_to_green_ms.unwrap_or(0);
        let par = quorum_sim::time::fmt_clock(green.div_ceil(1000) * 1000);
        let script = quorum_sim::script::render(&replay.actions);
        let new_toml = with_proof(&toml, &report.branch_case, &script, &par)?;
        let lint = lint_toml(&new_toml);
        Ok((report, new_toml, lint))
    })
    .await
    .map_err(|e| ApiError::internal(format_args!("the proof's simulation failed: {e}")))?
    .map_err(refused)?;
    if lint.scenario_hash.is_none() {
        // The run's actions, written into the file, broke it (a name no console accepts):
        // the draft stays as it was.
        return Err(refused(format!(
            "the file with this proof does not parse: {}",
            lint.problems.join("; ")
        )));
    }
    let saved = state
        .db
        .update_draft_file(trainer.id, row.id, row.toml, new_toml.clone(), now_ms())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "draft_changed",
                "the draft was published or saved over while its proof was checked: open it again and record the proof on what it holds now".to_string(),
            )
        })?;
    let par =
        quorum_sim::time::fmt_clock(report.time_to_green_ms.unwrap_or(0).div_ceil(1000) * 1000);
    Ok(Json(ProofRecorded {
        file: authored_body(saved),
        case: report.branch_case,
        par_redundancy: par,
        toml: new_toml,
        lint,
    }))
}

#[cfg(test)]
mod proof_tests {
    use super::with_proof;

    #[test]
    fn a_recorded_proof_replaces_the_cases_old_one_and_the_file_still_parses() {
        let (_, toml) = quorum_sim::scenario::BUILTIN_SOURCES
            .iter()
            .find(|(id, _)| *id == "disk-full")
            .unwrap();
        let before = quorum_sim::scenario::parse(toml).unwrap();
        let edited = with_proof(
            toml,
            "restart=fsck",
            "at 09:30 cat-allocation\nat 09:45 clean-logs node-2\n",
            "01:00",
        )
        .unwrap();
        let after = quorum_sim::scenario::parse(&edited).expect("parses");
        assert_eq!(after.proofs.len(), before.proofs.len());
        let proof = after.proof_for("restart=fsck").unwrap();
        assert!(proof.actions.contains("at 09:45 clean-logs node-2"));
        assert_eq!(proof.par_redundancy_ms, 60_000);
        assert_eq!(
            after.proof_for("restart=comes-back").unwrap().actions,
            before.proof_for("restart=comes-back").unwrap().actions
        );

        // A file without proofs gets its first at the end, the rest kept byte for byte.
        let bare = "# a comment\nid = \"x\"\n[topology]\nnodes = [\"a\"] # kept\n";
        let added = with_proof(bare, "c", "at 01:00 wait\n", "00:00").unwrap();
        assert!(added.starts_with(bare), "{added}");
        assert!(added.contains("[[proofs]]\ncase = \"c\"\n"), "{added}");
        // A script whose text holds `'''` (a name the sim would refuse, still in the replay)
        // is quoted so that the file reads back the same script.
        let odd = "at 01:00 launch a'''b\n";
        let written = with_proof(bare, "c", odd, "00:00").unwrap();
        let doc: toml_edit::Document = written.parse().expect("still TOML");
        assert_eq!(doc["proofs"][0]["actions"].as_str(), Some(odd));
        // A file that is not TOML is refused, not mangled.
        assert!(with_proof("id = ", "c", odd, "00:00").is_err());
    }
}

/// `POST /api/trainer/scenarios/form` `{toml, form?}`: the editor's form of the file
/// (`server::form`), or, with `form`, the file with the form written into it (the rest of
/// it as it was) and its form read back. A file that is not TOML has no form: `problem`
/// says why (200, as lint answers a broken file).
pub async fn scenario_form(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<FormAnswer>> {
    trainer(&state, &headers).await?;
    let request: FormRequest = from_value(json_body(&headers, body)?)?;
    let written = match &request.form {
        None => Ok(request.toml.clone()),
        Some(f) => super::form::write(&request.toml, f),
    };
    let answer = match written.and_then(|toml| super::form::read(&toml).map(|f| (toml, f))) {
        Ok((toml, form)) => FormAnswer {
            toml,
            form: Some(form),
            problem: None,
        },
        Err(problem) => FormAnswer {
            toml: request.toml,
            form: None,
            problem: Some(problem),
        },
    };
    Ok(Json(answer))
}
