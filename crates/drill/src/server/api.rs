//! The JSON API handlers. See `crates/drill/README.md` for requests and responses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use quorum_sim::replay::{self, Replay, ReplayError, REPLAY_FORMAT_VERSION};
use quorum_sim::scenario;
use quorum_sim::SIM_VERSION;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{ApiError, ApiResult};
use super::{tables, AppState};
use crate::db::{self, BoardFilter, CompetitionScenario, NewCompetition, NewRun, RunRow};
use crate::names;
use crate::timefmt::{now_ms, parse_rfc3339, to_rfc3339};

type AppStateRef = State<Arc<AppState>>;

/// Leaderboard rows returned by default and at most.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;
/// Competition limits.
pub const MAX_COMPETITION_SCENARIOS: usize = 20;
pub const MAX_COMPETITION_SEEDS: usize = 50;
pub const MAX_COMPETITION_LENGTH_MS: i64 = 366 * 24 * 3600 * 1000;

// ---- Middleware and fallbacks ----------------------------------------------------------

fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Token-bucket limit per client address on the POST routes.
pub async fn rate_limit(State(state): AppStateRef, request: Request, next: Next) -> Response {
    let ip = client_ip(&request);
    match state.limiter.check(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::info!("rate limit: refused a request from {ip}");
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many submissions from your address (limit {} a minute); retry in {} s",
                    state.limiter.per_minute(),
                    wait.as_secs() + 1
                ),
            );
            error.retry_after_s = Some(wait.as_secs() + 1);
            error.into_response()
        }
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such API endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

// ---- Helpers ---------------------------------------------------------------------------

/// Reads a JSON POST body: content type, size limit, syntax.
fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> ApiResult<Value> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the request body is larger than {} bytes",
                    super::MAX_BODY_BYTES
                ),
            )
        } else {
            ApiError::bad_request("unreadable_body", "the request body could not be read")
        }
    })?;
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> ApiResult<T> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(
            "invalid_request",
            format!("the request does not have the expected shape: {e}"),
        )
    })
}

fn replay_error(e: ReplayError) -> ApiError {
    let code = match &e {
        ReplayError::TooLarge { .. } => "body_too_large",
        ReplayError::Malformed(_) => "invalid_request",
        ReplayError::FormatVersion { .. } => "unsupported_format",
        ReplayError::SimVersion { .. } => "sim_version_mismatch",
        ReplayError::UnknownScenario(_) => "unknown_scenario",
        ReplayError::ScenarioHash { .. } => "scenario_hash_mismatch",
        ReplayError::SeedOutOfRange(_) => "seed_out_of_range",
        ReplayError::TooManyActions { .. } => "too_many_actions",
        ReplayError::ActionsOutOfOrder { .. } => "actions_out_of_order",
        ReplayError::ActionAfterEnd { .. } => "action_after_end",
        ReplayError::ClaimedScore { .. } => "claimed_score_mismatch",
    };
    let message = match &e {
        ReplayError::SimVersion { got } => format!(
            "the replay was recorded with sim_version {got}, but this server runs sim_version {SIM_VERSION}; \
             replays are only scored by the simulator version that recorded them"
        ),
        ReplayError::FormatVersion { got } => format!(
            "replay format_version {got} is not supported; this server reads format_version {REPLAY_FORMAT_VERSION}"
        ),
        ReplayError::ClaimedScore { claimed, .. } => format!(
            "claimed_score {claimed} does not match the score the server computed by re-simulating the replay"
        ),
        other => other.to_string(),
    };
    let status = match e {
        ReplayError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        ReplayError::Malformed(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, code, message)
}

/// SHA-256 of the canonical replay JSON (compact, fields in declaration order, without the
/// client's `claimed_score`): the identity of "the same replay".
pub fn canonical_replay(replay: &Replay) -> (String, String) {
    let canonical = Replay {
        claimed_score: None,
        ..replay.clone()
    };
    let json = serde_json::to_string(&canonical).unwrap_or_default();
    let hash = scenario::sha256_hex(json.as_bytes());
    (json, hash)
}

/// Join codes are case-insensitive: `k7m2-qx9p` → `K7M2QX9P`.
fn normalize_code(code: &str) -> Option<String> {
    let code: String = code
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    (code.len() == db::CODE_LEN && code.bytes().all(|b| db::CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

async fn competition_by_code(state: &AppState, code: &str) -> ApiResult<Option<db::Competition>> {
    let Some(code) = normalize_code(code) else {
        return Ok(None);
    };
    Ok(state
        .db
        .read(move |conn| db::competition_by_code(conn, &code))
        .await?)
}

fn status_of(c: &db::Competition, now: i64) -> &'static str {
    if now < c.starts_at_ms {
        "upcoming"
    } else if now >= c.ends_at_ms {
        "ended"
    } else {
        "open"
    }
}

// ---- GET /api/health, GET /api/version -------------------------------------------------

pub async fn health(State(state): AppStateRef) -> ApiResult<Json<Value>> {
    state
        .db
        .read(|conn| conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
        .await
        .map_err(|e| {
            tracing::error!("health check: {e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unhealthy",
                "the database is not answering",
            )
        })?;
    Ok(Json(json!({ "status": "ok", "sim_version": SIM_VERSION })))
}

pub async fn version() -> Json<Value> {
    let scenarios: Vec<Value> = scenario::all()
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "hash": s.hash,
                "difficulty": s.difficulty,
                "duration_ms": s.duration_ms,
                "title": s.title,
            })
        })
        .collect();
    Json(json!({
        "server": concat!("drill ", env!("CARGO_PKG_VERSION")),
        "sim_version": SIM_VERSION,
        "replay_format_version": REPLAY_FORMAT_VERSION,
        "max_body_bytes": super::MAX_BODY_BYTES,
        "max_actions": replay::MAX_ACTIONS,
        "max_seed": replay::MAX_SEED,
        "scenarios": scenarios,
    }))
}

// ---- POST /api/runs --------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitRequest {
    player: String,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    competition: Option<String>,
    replay: Replay,
}

/// What a submission answers (201 when stored now, 200 when it was already stored).
#[derive(Serialize)]
struct SubmitResponse {
    id: i64,
    created: bool,
    url: String,
    player: String,
    team: Option<String>,
    competition: Option<String>,
    scenario_id: String,
    seed: u64,
    score: i64,
    grade: String,
    /// Rank among all runs of this scenario (this sim version and scenario hash).
    rank: i64,
    /// Rank among the competition's runs of this scenario, when submitted to one.
    competition_rank: Option<i64>,
    outage_ms: u64,
    requests_total: u64,
    requests_failed: u64,
    reads_failed: u64,
    writes_failed: u64,
    time_to_green_ms: Option<u64>,
    final_health: String,
    event_log_hash: String,
}

pub async fn submit_run(
    State(state): AppStateRef,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: SubmitRequest = from_value(json_body(&headers, body)?)?;
    let player =
        names::player(&request.player).map_err(|e| ApiError::unprocessable("invalid_name", e.0))?;
    let team = match request.team.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            Some(names::team(raw).map_err(|e| ApiError::unprocessable("invalid_name", e.0))?)
        }
    };
    let replay = request.replay;
    let scenario = replay.validate().map_err(replay_error)?;

    let competition = match request.competition.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => {
            let c = competition_by_code(&state, code).await?.ok_or_else(|| {
                ApiError::unprocessable("unknown_competition", "no competition has that join code")
            })?;
            let now = now_ms();
            match status_of(&c, now) {
                "upcoming" => {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "competition_not_open",
                        format!(
                            "competition {:?} has not started yet; it opens at {}",
                            c.name,
                            to_rfc3339(c.starts_at_ms)
                        ),
                    ))
                }
                "ended" => {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "competition_not_open",
                        format!(
                            "competition {:?} ended at {}",
                            c.name,
                            to_rfc3339(c.ends_at_ms)
                        ),
                    ))
                }
                _ => {}
            }
            let Some(entry) = c.scenarios.iter().find(|s| s.scenario_id == scenario.id) else {
                return Err(ApiError::unprocessable(
                    "scenario_not_in_competition",
                    format!(
                        "scenario {:?} is not part of competition {:?}",
                        scenario.id, c.name
                    ),
                ));
            };
            if !entry.seeds.contains(&replay.seed) {
                return Err(ApiError::unprocessable(
                    "seed_not_in_competition",
                    format!(
                        "seed {} is not one of competition {:?}'s seeds for {} ({:?})",
                        replay.seed, c.name, scenario.id, entry.seeds
                    ),
                ));
            }
            Some(c)
        }
    };
    let competition_id = competition.as_ref().map_or(0, |c| c.id);
    let (replay_json, replay_hash) = canonical_replay(&replay);

    // Already stored? Answer without simulating again (the claimed score is still checked).
    let existing = {
        let (hash, player) = (replay_hash.clone(), player.clone());
        state
            .db
            .read(move |conn| db::find_run(conn, &hash, &player, competition_id))
            .await?
    };
    let id = if let Some((id, score)) = existing {
        if let Some(claimed) = replay.claimed_score {
            if claimed != score {
                return Err(replay_error(ReplayError::ClaimedScore {
                    claimed,
                    actual: score,
                }));
            }
        }
        db::Inserted { id, created: false }
    } else {
        let permit = state
            .sims
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let to_verify = replay.clone();
        let verified = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            replay::verify(&to_verify)
        })
        .await
        .map_err(|e| {
            ApiError::internal(format_args!(
                "simulator failed on a replay of {} seed {}: {e}",
                replay.scenario_id, replay.seed
            ))
        })?;
        let report = verified.map_err(replay_error)?;
        let run = NewRun {
            created_at_ms: now_ms(),
            player: player.clone(),
            team: team.clone(),
            competition_id,
            scenario_id: report.scenario_id.clone(),
            scenario_hash: report.scenario_hash.clone(),
            seed: report.seed,
            sim_version: report.sim_version,
            replay_hash,
            replay_json,
            score: report.score,
            grade: report.grade.clone(),
            outage_ms: report.outage_ms,
            requests_total: report.requests_total,
            requests_failed: report.requests_failed,
            reads_failed: report.reads_failed,
            writes_failed: report.writes_failed,
            time_to_green_ms: report.time_to_green_ms,
            final_health: report.final_health.clone(),
            event_log_hash: report.event_log_hash.clone(),
        };
        state.db.insert_run(run).await?
    };

    let row = state
        .db
        .read(move |conn| {
            let Some(row) = db::get_run(conn, id.id)? else {
                return Ok(None);
            };
            let rank = db::rank(
                conn,
                &row.scenario_id,
                &row.scenario_hash,
                row.sim_version,
                None,
                row.score,
                row.id,
            )?;
            let competition_rank = if row.competition_id != 0 {
                Some(db::rank(
                    conn,
                    &row.scenario_id,
                    &row.scenario_hash,
                    row.sim_version,
                    Some(row.competition_id),
                    row.score,
                    row.id,
                )?)
            } else {
                None
            };
            Ok(Some((row, rank, competition_rank)))
        })
        .await?
        .ok_or_else(|| {
            ApiError::internal(format_args!("run {} vanished after it was stored", id.id))
        })?;
    let (row, rank, competition_rank) = row;
    if id.created {
        tracing::info!(
            "run {} stored: {} seed {} by {:?} scored {} (rank {rank}) from {}",
            row.id,
            row.scenario_id,
            row.seed,
            row.player,
            row.score,
            peer.ip()
        );
    }
    let response = SubmitResponse {
        id: row.id,
        created: id.created,
        url: format!("/api/runs/{}", row.id),
        player: row.player,
        team: row.team,
        competition: row.competition_code,
        scenario_id: row.scenario_id,
        seed: row.seed,
        score: row.score,
        grade: row.grade,
        rank,
        competition_rank,
        outage_ms: row.outage_ms,
        requests_total: row.requests_total,
        requests_failed: row.requests_failed,
        reads_failed: row.reads_failed,
        writes_failed: row.writes_failed,
        time_to_green_ms: row.time_to_green_ms,
        final_health: row.final_health,
        event_log_hash: row.event_log_hash,
    };
    let status = if id.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(response)).into_response())
}

// ---- GET /api/runs/{id} ----------------------------------------------------------------

fn run_json(row: RunRow) -> Value {
    let replay: Value = serde_json::from_str(&row.replay_json).unwrap_or(Value::Null);
    json!({
        "id": row.id,
        "player": row.player,
        "team": row.team,
        "competition": row.competition_code,
        "scenario_id": row.scenario_id,
        "scenario_hash": row.scenario_hash,
        "seed": row.seed,
        "sim_version": row.sim_version,
        "score": row.score,
        "grade": row.grade,
        "outage_ms": row.outage_ms,
        "requests_total": row.requests_total,
        "requests_failed": row.requests_failed,
        "reads_failed": row.reads_failed,
        "writes_failed": row.writes_failed,
        "time_to_green_ms": row.time_to_green_ms,
        "final_health": row.final_health,
        "event_log_hash": row.event_log_hash,
        "created_at": to_rfc3339(row.created_at_ms),
        "created_at_ms": row.created_at_ms,
        "replay": replay,
    })
}

pub async fn get_run(State(state): AppStateRef, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let missing = || ApiError::not_found("not_found", "no run has that id");
    let id: i64 = id.parse().ok().filter(|id| *id > 0).ok_or_else(missing)?;
    let row = state
        .db
        .read(move |conn| db::get_run(conn, id))
        .await?
        .ok_or_else(missing)?;
    Ok(Json(run_json(row)))
}

// ---- GET /api/leaderboard --------------------------------------------------------------

#[derive(Deserialize)]
pub struct BoardQuery {
    scenario: Option<String>,
    competition: Option<String>,
    seed: Option<String>,
    player: Option<String>,
    limit: Option<String>,
}

pub async fn leaderboard(
    State(state): AppStateRef,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(q) = query.map_err(|_| {
        ApiError::bad_request("invalid_query", "the query string could not be read")
    })?;
    let scenario_id = q.scenario.filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_query",
            "`scenario` is required: /api/leaderboard?scenario=seed-ami-trap",
        )
    })?;
    let scenario = scenario::builtin(&scenario_id).ok_or_else(|| {
        ApiError::not_found(
            "unknown_scenario",
            format!("unknown scenario {scenario_id:?}"),
        )
    })?;
    let limit = match q.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_query", format!("`limit` must be 1 to {MAX_LIMIT}"))
            })?,
    };
    let seed = match q.seed.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u64>().map_err(|_| {
            ApiError::bad_request("invalid_query", "`seed` must be a non-negative integer")
        })?),
    };
    let competition = match q.competition.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(competition_by_code(&state, code).await?.ok_or_else(|| {
            ApiError::not_found("unknown_competition", "no competition has that join code")
        })?),
    };
    let filter = BoardFilter {
        scenario_id: scenario.id.clone(),
        scenario_hash: scenario.hash.clone(),
        sim_version: SIM_VERSION,
        competition_id: competition.as_ref().map(|c| c.id),
        seed,
        player: q
            .player
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
        limit,
    };
    let rows = state
        .db
        .read(move |conn| db::leaderboard(conn, &filter))
        .await?;
    let runs: Vec<Value> = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            json!({
                "rank": i + 1,
                "id": row.id,
                "player": row.player,
                "team": row.team,
                "competition": row.competition_code,
                "seed": row.seed,
                "score": row.score,
                "grade": row.grade,
                "outage_ms": row.outage_ms,
                "requests_failed": row.requests_failed,
                "reads_failed": row.reads_failed,
                "writes_failed": row.writes_failed,
                "time_to_green_ms": row.time_to_green_ms,
                "final_health": row.final_health,
                "created_at": to_rfc3339(row.created_at_ms),
            })
        })
        .collect();
    Ok(Json(json!({
        "scenario": scenario.id,
        "scenario_hash": scenario.hash,
        "sim_version": SIM_VERSION,
        "competition": competition.map(|c| c.code),
        "runs": runs,
    })))
}

// ---- Competitions ----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompetitionRequest {
    name: String,
    starts_at: String,
    ends_at: String,
    scenarios: Vec<CompetitionScenarioRequest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompetitionScenarioRequest {
    id: String,
    seeds: Vec<u64>,
}

fn competition_json(
    c: &db::Competition,
    tables: Option<(Vec<tables::IndividualRow>, Vec<tables::TeamRow>)>,
) -> Value {
    let now = now_ms();
    let scenarios: Vec<Value> = c
        .scenarios
        .iter()
        .map(|s| {
            let builtin = scenario::builtin(&s.scenario_id);
            json!({
                "id": s.scenario_id,
                "seeds": s.seeds,
                "hash": builtin.map(|b| b.hash.clone()),
                "title": builtin.map(|b| b.title.clone()),
                "duration_ms": builtin.map(|b| b.duration_ms),
            })
        })
        .collect();
    let (individuals, teams) = tables.unwrap_or_default();
    json!({
        "code": c.code,
        "name": c.name,
        "status": status_of(c, now),
        "starts_at": to_rfc3339(c.starts_at_ms),
        "ends_at": to_rfc3339(c.ends_at_ms),
        "starts_at_ms": c.starts_at_ms,
        "ends_at_ms": c.ends_at_ms,
        "now_ms": now,
        "scenarios": scenarios,
        "individuals": individuals,
        "teams": teams,
    })
}

/// Checks `Authorization: Bearer <token>` against the configured admin token in constant
/// time (both sides hashed first, so neither content nor length leaks through timing).
fn authorize_admin(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let Some(expected) = state.admin_token_sha256 else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "competitions_disabled",
            "competitions cannot be created on this server: it was started without QD_ADMIN_TOKEN",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    if bool::from(digest.ct_eq(&expected)) && !presented.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "creating a competition needs `Authorization: Bearer <admin token>`",
        ))
    }
}

pub async fn create_competition(
    State(state): AppStateRef,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    authorize_admin(&state, &headers)?;
    let request: CompetitionRequest = from_value(json_body(&headers, body)?)?;
    let invalid = |msg: String| ApiError::unprocessable("invalid_competition", msg);
    let name = names::validate(
        "competition",
        &request.name,
        names::MAX_COMPETITION_NAME_CHARS,
    )
    .map_err(|e| invalid(e.0))?;
    let starts_at_ms = parse_rfc3339(&request.starts_at).ok_or_else(|| {
        invalid(format!(
            "starts_at {:?} is not an RFC 3339 time like 2026-05-01T09:00:00Z",
            request.starts_at
        ))
    })?;
    let ends_at_ms = parse_rfc3339(&request.ends_at).ok_or_else(|| {
        invalid(format!(
            "ends_at {:?} is not an RFC 3339 time like 2026-05-01T18:00:00Z",
            request.ends_at
        ))
    })?;
    if ends_at_ms <= starts_at_ms {
        return Err(invalid("ends_at must be after starts_at".into()));
    }
    if ends_at_ms - starts_at_ms > MAX_COMPETITION_LENGTH_MS {
        return Err(invalid("a competition lasts at most 366 days".into()));
    }
    if request.scenarios.is_empty() || request.scenarios.len() > MAX_COMPETITION_SCENARIOS {
        return Err(invalid(format!(
            "a competition has 1 to {MAX_COMPETITION_SCENARIOS} scenarios"
        )));
    }
    let mut scenarios: Vec<CompetitionScenario> = Vec::new();
    for s in request.scenarios {
        if scenario::builtin(&s.id).is_none() {
            return Err(invalid(format!("unknown scenario {:?}", s.id)));
        }
        if scenarios.iter().any(|x| x.scenario_id == s.id) {
            return Err(invalid(format!("scenario {:?} is listed twice", s.id)));
        }
        if s.seeds.is_empty() || s.seeds.len() > MAX_COMPETITION_SEEDS {
            return Err(invalid(format!(
                "scenario {:?}: 1 to {MAX_COMPETITION_SEEDS} seeds",
                s.id
            )));
        }
        if let Some(seed) = s.seeds.iter().find(|seed| **seed > replay::MAX_SEED) {
            return Err(invalid(format!(
                "seed {seed} is out of range (0..={})",
                replay::MAX_SEED
            )));
        }
        let mut seeds = s.seeds;
        seeds.sort_unstable();
        seeds.dedup();
        scenarios.push(CompetitionScenario {
            scenario_id: s.id,
            seeds,
        });
    }
    let competition = state
        .db
        .create_competition(NewCompetition {
            name,
            starts_at_ms,
            ends_at_ms,
            created_at_ms: now_ms(),
            scenarios,
        })
        .await?;
    tracing::info!(
        "competition {} created: {:?}",
        competition.code,
        competition.name
    );
    Ok((
        StatusCode::CREATED,
        Json(competition_json(&competition, None)),
    )
        .into_response())
}

pub async fn get_competition(
    State(state): AppStateRef,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let competition = competition_by_code(&state, &code).await?.ok_or_else(|| {
        ApiError::not_found("unknown_competition", "no competition has that join code")
    })?;
    let id = competition.id;
    let runs = state
        .db
        .read(move |conn| db::competition_runs(conn, id))
        .await?;
    let computed = tables::compute(&competition.scenarios, &runs);
    Ok(Json(competition_json(&competition, Some(computed))))
}
