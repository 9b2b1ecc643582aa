//! The JSON API handlers. See `crates/drill/README.md` for requests and responses; every
//! body is a `quorum_proto::api` type, the ones the game decodes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use quorum_proto::api::{
    exam_required_message, is_token, BlockRequest, Board, BoardRow, Competition,
    CompetitionRequest, CompetitionScenario as ScenarioEntry, Counting, Health, IdentityCreated,
    IdentityInfo, Moderated, RunDetail, ServerScenario, Status, SubmitRequest, SubmitResponse,
    VersionInfo, Window, DEFAULT_TEAM_CAP, EXAM_REQUIRED, MAX_TEAM_CAP, TOKEN_PREFIX,
};
use quorum_proto::names::{self, NameKind};
use quorum_sim::replay::{self, PlayMode, Replay, ReplayError, REPLAY_FORMAT_VERSION};
use quorum_sim::scenario;
use quorum_sim::scenario::Lang;
use quorum_sim::TimedAction;
use quorum_sim::SIM_VERSION;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{ApiError, ApiResult};
use super::{tables, AppState};
use crate::db::{
    self, BoardCursor, BoardFilter, CompetitionScenario, NewCompetition, NewRun, Refusal, RunRow,
    StoreError,
};
use crate::timefmt::{now_ms, parse_rfc3339, to_rfc3339};

type AppStateRef = State<Arc<AppState>>;

/// Leaderboard rows returned by default and at most (one page).
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 100;
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

/// The per-address limit on `POST /api/identities`: minting identities to get around a
/// per-identity rule is slow.
pub async fn identity_rate_limit(
    State(state): AppStateRef,
    request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request);
    match state.identity_limiter.check(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::info!("identity rate limit: refused a new identity for {ip}");
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "identity_rate_limited",
                format!(
                    "too many new identities from your address (limit {} an hour); keep the one you have (export it to move it), or retry in {} s",
                    state.identity_limiter.per_window(),
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
pub(super) fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Value> {
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
        } else if is_body_timeout(&rejection) {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "the request body stopped arriving before it was complete",
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

/// Whether reading the body failed because it stalled (tower-http's `RequestBodyTimeout`).
fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        next = e.source();
    }
    false
}

pub(super) fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> ApiResult<T> {
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
        ReplayError::StringTooLong { .. } => "string_too_long",
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

/// The replay as it is stored and hashed: [`Replay`]'s fields in its order, without the
/// client's `claimed_score`, and without `mode` when it is `unknown` (so that a replay from
/// before modes were recorded keeps the identity it had then).
#[derive(Serialize)]
struct Canonical<'a> {
    format_version: u32,
    sim_version: u32,
    scenario_id: &'a str,
    scenario_hash: &'a str,
    seed: u64,
    actions: &'a [TimedAction],
    #[serde(skip_serializing_if = "is_unknown")]
    mode: PlayMode,
}

fn is_unknown(mode: &PlayMode) -> bool {
    *mode == PlayMode::Unknown
}

/// The replay as stored, and the SHA-256 of that JSON (compact, fields in declaration order,
/// without the client's `claimed_score`; [`Canonical`]): the identity of an exact copy,
/// which is refused before simulating. Which runs are *the same run* is the sim's
/// `replay::canonical_hash`, computed while verifying.
pub fn canonical_replay(replay: &Replay) -> (String, String) {
    let canonical = Canonical {
        format_version: replay.format_version,
        sim_version: replay.sim_version,
        scenario_id: &replay.scenario_id,
        scenario_hash: &replay.scenario_hash,
        seed: replay.seed,
        actions: &replay.actions,
        mode: replay.mode,
    };
    let json = serde_json::to_string(&canonical).unwrap_or_default();
    let hash = scenario::sha256_hex(json.as_bytes());
    (json, hash)
}

pub(super) async fn competition_by_code(
    state: &AppState,
    code: &str,
) -> ApiResult<Option<db::Competition>> {
    // Join codes are case-insensitive: `k7m2-qx9p` → `K7M2QX9P`.
    let Some(code) = quorum_proto::code::parse(code) else {
        return Ok(None);
    };
    Ok(state.db.competition_by_code(code).await?)
}

/// 403 `competition_not_open` unless the competition is open at `now`: what a submission
/// and a team drill's room need to count there.
pub(super) fn open_now(c: &db::Competition, now: i64) -> ApiResult<()> {
    let closed = |why: String| {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "competition_not_open",
            why,
        ))
    };
    match status_of(c, now) {
        Status::Upcoming => closed(format!(
            "competition {:?} has not started yet; it opens at {}",
            c.name,
            to_rfc3339(c.starts_at_ms)
        )),
        Status::Ended => closed(format!(
            "competition {:?} ended at {}",
            c.name,
            to_rfc3339(c.ends_at_ms)
        )),
        Status::Open => Ok(()),
    }
}

fn status_of(c: &db::Competition, now: i64) -> Status {
    Window::at(c.starts_at_ms, c.ends_at_ms, now).status()
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

pub(super) fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The identity of `Authorization: Bearer <token>`: `(id, created_at_ms)`.
pub(super) async fn identity(state: &AppState, headers: &HeaderMap) -> ApiResult<(i64, i64)> {
    let Some(token) = bearer(headers).filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "identity_required",
            "submitting needs your player identity: `Authorization: Bearer <token>` with a token from POST /api/identities",
        ));
    };
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_identity",
            "this server issued no identity with that token; import the token you exported, or get a new identity",
        )
    };
    if !is_token(token) {
        return Err(unknown());
    }
    let digest = sha256(token);
    state
        .db
        .identity_by_token(digest)
        .await?
        .ok_or_else(unknown)
}

/// A new identity token: `qd1_` + 32 bytes from the OS's random source, base64url.
fn new_token() -> Result<String, ApiError> {
    random_token(TOKEN_PREFIX)
}

/// `prefix` + 32 bytes from the OS's random source, base64url.
pub(super) fn random_token(prefix: &str) -> Result<String, ApiError> {
    use rand::TryRngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(ApiError::internal)?;
    Ok(format!("{prefix}{}", base64url(&bytes)))
}

/// Unpadded base64url.
pub(super) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The 409 (or 403) of a board rule, in the API's words.
fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::RunTaken { run_id } => ApiError::new(
            StatusCode::CONFLICT,
            "run_taken",
            format!(
                "this run is already on the leaderboard as run {run_id}, submitted by another player; a run counts once, for whoever submitted it first (replays that differ only by waits, refused actions or read-only calls are the same run)"
            ),
        ),
        Refusal::TeamMismatch {
            run_id,
            stored,
            asked,
        } => {
            let team = |t: &Option<String>| match t {
                Some(t) => format!("team {t:?}"),
                None => "no team".to_string(),
            };
            ApiError::new(
                StatusCode::CONFLICT,
                "team_mismatch",
                format!(
                    "you already submitted this run as run {run_id} with {}; it cannot count again with {} (a run counts for the team it was submitted with)",
                    team(&stored),
                    team(&asked)
                ),
            )
        }
        Refusal::NameTaken { name } => ApiError::new(
            StatusCode::CONFLICT,
            "name_taken",
            format!(
                "another player on this board is called {name:?}, which this name is or looks like; choose another name"
            ),
        ),
        Refusal::TeamNameTaken { team } => ApiError::new(
            StatusCode::CONFLICT,
            "team_name_taken",
            format!(
                "a team on this board is called {team:?}, which this team name looks like; join it by its exact name or choose another"
            ),
        ),
        Refusal::OtherTeam { team } => ApiError::new(
            StatusCode::CONFLICT,
            "other_team",
            format!("you are in team {team:?} on this board; a player belongs to one team"),
        ),
        Refusal::TeamFull { team, cap } => ApiError::new(
            StatusCode::CONFLICT,
            "team_full",
            format!("team {team:?} has its {cap} members, the most its organiser allows"),
        ),
        Refusal::Blocked => ApiError::new(
            StatusCode::FORBIDDEN,
            "identity_blocked",
            "the organiser of this competition has blocked your identity from it",
        ),
        Refusal::Removed { run_id } => ApiError::new(
            StatusCode::CONFLICT,
            "run_removed",
            format!("this run (run {run_id}) was removed by the organiser and cannot be entered again"),
        ),
        Refusal::UnknownIdentity => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_identity",
            "this server issued no identity with that token",
        ),
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Db(e) => ApiError::internal(e),
            StoreError::Refused(r) => refusal(r),
        }
    }
}

// ---- POST /api/identities, GET /api/identity -------------------------------------------

/// A new player identity. Its token is in this answer only: the server stores its SHA-256.
pub async fn create_identity(
    State(state): AppStateRef,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> ApiResult<Response> {
    let token = new_token()?;
    let digest = sha256(&token);
    let created_at_ms = now_ms();
    let player_id = state.db.insert_identity(digest, created_at_ms).await?;
    tracing::info!("identity {player_id} created for {}", peer.ip());
    Ok((
        StatusCode::CREATED,
        Json(IdentityCreated { player_id, token }),
    )
        .into_response())
}

pub async fn get_identity(
    State(state): AppStateRef,
    headers: HeaderMap,
) -> ApiResult<Json<IdentityInfo>> {
    let (player_id, created_at_ms) = identity(&state, &headers).await?;
    Ok(Json(IdentityInfo {
        player_id,
        created_at: to_rfc3339(created_at_ms),
    }))
}

// ---- GET /api/health, GET /api/version -------------------------------------------------

pub async fn health(State(state): AppStateRef) -> ApiResult<Json<Health>> {
    state.db.ping().await.map_err(|e| {
        tracing::error!("health check: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unhealthy",
            "the database is not answering",
        )
    })?;
    Ok(Json(Health {
        status: "ok".into(),
        sim_version: SIM_VERSION,
    }))
}

pub async fn version() -> Json<VersionInfo> {
    Json(VersionInfo {
        server: concat!("drill ", env!("CARGO_PKG_VERSION")).into(),
        sim_version: SIM_VERSION,
        replay_format_version: REPLAY_FORMAT_VERSION,
        max_body_bytes: super::MAX_BODY_BYTES as u64,
        max_actions: replay::MAX_ACTIONS as u64,
        max_seed: replay::MAX_SEED,
        scenarios: scenario::all().iter().map(ServerScenario::of).collect(),
    })
}

// ---- POST /api/runs --------------------------------------------------------------------

/// A run submitted as the daily drill of `day`: the day must be the server's today ±1 (the
/// player's calendar day in any time zone) and the replay that day's scenario and seed
/// (`quorum_sim::daily::drill_for_day`, the rule the game uses).
pub fn check_daily(day: u32, now_ms: i64, scenario_id: &str, seed: u64) -> ApiResult<()> {
    let today = now_ms.div_euclid(86_400_000);
    if (i64::from(day) - today).abs() > 1 {
        return Err(ApiError::unprocessable(
            "daily_out_of_window",
            format!("the daily drill of day {day} is not open (today is day {today}; one day either side is accepted)"),
        ));
    }
    let (want_scenario, want_seed) = quorum_sim::daily::drill_for_day(day);
    if (want_scenario, want_seed) != (scenario_id, seed) {
        return Err(ApiError::unprocessable(
            "not_daily_drill",
            format!("day {day}'s daily drill is {want_scenario} seed {want_seed}, not {scenario_id} seed {seed}"),
        ));
    }
    Ok(())
}

pub async fn submit_run(
    State(state): AppStateRef,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let request: SubmitRequest = from_value(json_body(&headers, body)?)?;
    let (identity_id, _) = identity(&state, &headers).await?;
    let invalid_name = |e: names::NameError| ApiError::unprocessable("invalid_name", e.to_string());
    let player = names::validate(NameKind::Player, &request.player).map_err(invalid_name)?;
    let team = names::optional_team(request.team.as_deref()).map_err(invalid_name)?;
    let replay = request.replay;
    // A trainer's published scenario (issue 13) is not built in: the replay names it by its
    // file's hash, and it is verified against the file this server stored.
    let custom = match replay.validate() {
        Ok(_) => None,
        Err(unknown @ ReplayError::UnknownScenario(_)) => {
            match super::trainer::published(&state, &replay.scenario_hash).await? {
                Some(file) => {
                    replay.validate_with(&file).map_err(replay_error)?;
                    Some(file)
                }
                None => return Err(replay_error(unknown)),
            }
        }
        Err(e) => return Err(replay_error(e)),
    };
    let scenario_id = replay.scenario_id.clone();
    // A game master's fault belongs to a team drill, scored in its room (`server::rooms`).
    if replay.injects_fault() {
        return Err(ApiError::unprocessable(
            "team_drill_only",
            "the replay injects a fault: only a team drill's game master does, and a team drill is scored in its room",
        ));
    }
    let competition = match request.competition.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => {
            let c = competition_by_code(&state, code).await?.ok_or_else(|| {
                ApiError::unprocessable("unknown_competition", "no competition has that join code")
            })?;
            open_now(&c, now_ms())?;
            let Some(entry) = c.scenarios.iter().find(|s| s.scenario_id == scenario_id) else {
                return Err(ApiError::unprocessable(
                    "scenario_not_in_competition",
                    format!(
                        "scenario {:?} is not part of competition {:?}",
                        scenario_id, c.name
                    ),
                ));
            };
            if !entry.seeds.contains(&replay.seed) {
                return Err(ApiError::unprocessable(
                    "seed_not_in_competition",
                    format!(
                        "seed {} is not one of competition {:?}'s seeds for {} ({:?})",
                        replay.seed, c.name, scenario_id, entry.seeds
                    ),
                ));
            }
            if c.require_exam && !replay.mode.is_exam() {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    EXAM_REQUIRED,
                    exam_required_message(&c.name, replay.mode, Lang::En),
                ));
            }
            Some(c)
        }
    };
    if let Some(day) = request.daily {
        check_daily(day, now_ms(), &scenario_id, replay.seed)?;
    }
    let coverage = request
        .coverage
        .as_ref()
        .and_then(|c| serde_json::to_string(c).ok());
    let competition_id = competition.as_ref().map_or(0, |c| c.id);
    let team_cap = competition
        .as_ref()
        .map_or(DEFAULT_TEAM_CAP, |c| c.team_cap);
    let (replay_json, replay_hash) = canonical_replay(&replay);
    replay::check_size(replay_json.len()).map_err(replay_error)?;

    // Refused before simulating: a blocked identity, or a copy of another player's replay.
    {
        let hash = replay_hash.clone();
        let taken = state.db.precheck(competition_id, identity_id, hash).await?;
        if taken.0 {
            return Err(refusal(Refusal::Blocked));
        }
        if let Some(run_id) = taken.1 {
            return Err(refusal(Refusal::RunTaken { run_id }));
        }
    }

    let permit = state.sims.enter().await?;
    let to_verify = replay.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match &custom {
            Some(file) => replay::verify_canonical_with(&to_verify, file),
            None => replay::verify_canonical(&to_verify),
        }
    })
    .await
    .map_err(|e| {
        ApiError::internal(format_args!(
            "simulator failed on a replay of {} seed {}: {e}",
            replay.scenario_id, replay.seed
        ))
    })?;
    let replay::Verified {
        report,
        canonical_hash,
    } = verified.map_err(replay_error)?;
    // A team drill's replay (`GET /api/rooms/{code}/result` publishes it) is a team's
    // work, verified and counted in its room: it is no one player's run. (A replay without
    // actions is anyone's.)
    if !replay.actions.is_empty() && state.db.is_team_drill(canonical_hash.clone()).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "team_drill_replay",
            "this replay is a team drill's (its room verified and scored it): a team's drill is not one player's run",
        ));
    }
    let player_skeleton = names::skeleton(&player);
    let run = NewRun {
        created_at_ms: now_ms(),
        identity_id,
        player_skeleton,
        player: player.clone(),
        team: team.map(|t| {
            let skeleton = names::skeleton(&t);
            (t, skeleton)
        }),
        team_cap,
        competition_id,
        scenario_id: report.scenario_id.clone(),
        scenario_hash: report.scenario_hash.clone(),
        seed: report.seed,
        sim_version: report.sim_version,
        mode: replay.mode,
        replay_hash,
        canonical_hash,
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
        daily_day: request.daily,
        coverage,
        branch_case: Some(report.branch_case.clone()).filter(|c| !c.is_empty()),
        handled_cleanly: quorum_sim::coverage::handled_cleanly(&report),
    };
    let id = state.db.insert_run(run).await?;

    let row = state.db.run_ranked(id.id).await?.ok_or_else(|| {
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
        player_id: row.identity_id,
        player: row.player,
        team: row.team,
        competition: row.competition_code,
        scenario_id: row.scenario_id,
        seed: row.seed,
        mode: row.mode,
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

fn run_detail(row: RunRow) -> ApiResult<RunDetail> {
    let replay: Replay = serde_json::from_str(&row.replay_json).map_err(|e| {
        ApiError::internal(format_args!(
            "stored replay of run {} unreadable: {e}",
            row.id
        ))
    })?;
    Ok(RunDetail {
        id: row.id,
        player_id: row.identity_id,
        player: row.player,
        team: row.team,
        competition: row.competition_code,
        scenario_id: row.scenario_id,
        scenario_hash: row.scenario_hash,
        seed: row.seed,
        sim_version: row.sim_version,
        mode: row.mode,
        score: row.score,
        grade: row.grade,
        outage_ms: row.outage_ms,
        requests_total: row.requests_total,
        requests_failed: row.requests_failed,
        reads_failed: row.reads_failed,
        writes_failed: row.writes_failed,
        time_to_green_ms: row.time_to_green_ms,
        final_health: row.final_health,
        event_log_hash: row.event_log_hash,
        created_at: to_rfc3339(row.created_at_ms),
        created_at_ms: row.created_at_ms,
        replay,
    })
}

pub async fn get_run(
    State(state): AppStateRef,
    Path(id): Path<String>,
) -> ApiResult<Json<RunDetail>> {
    let missing = || ApiError::not_found("not_found", "no run has that id");
    let id: i64 = id.parse().ok().filter(|id| *id > 0).ok_or_else(missing)?;
    let row = state.db.get_run(id).await?.ok_or_else(missing)?;
    Ok(Json(run_detail(row)?))
}

// ---- GET /api/leaderboard --------------------------------------------------------------

#[derive(Deserialize)]
pub struct BoardQuery {
    scenario: Option<String>,
    competition: Option<String>,
    seed: Option<String>,
    mode: Option<String>,
    player: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    /// `daily=DAY`: that day's daily-drill board (the runs submitted as its daily drill).
    daily: Option<String>,
}

/// The `mode` a board shows by default: the public board ranks Exam runs only.
pub const DEFAULT_BOARD_MODE: PlayMode = PlayMode::Exam;

/// `mode=` on the board: one mode, or `all` (every mode listed together, each row with its
/// own mode; `None`).
fn board_mode(text: Option<&str>) -> ApiResult<Option<PlayMode>> {
    match text.map(str::trim) {
        None | Some("") => Ok(Some(DEFAULT_BOARD_MODE)),
        Some("all") => Ok(None),
        Some(text) => PlayMode::parse(text).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!(
                    "`mode` must be exam, mentor, what-if, unknown or all (got {text:?}); \
                     without it the board ranks exam runs"
                ),
            )
        }),
    }
}

pub async fn leaderboard(
    State(state): AppStateRef,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> ApiResult<Json<Board>> {
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
    let seed = match q.seed.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<u64>()
                .ok()
                .filter(|seed| *seed <= replay::MAX_SEED)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!(
                            "`seed` must be a whole number from 0 to {} (got {text:?})",
                            replay::MAX_SEED
                        ),
                    )
                })?,
        ),
    };
    let mode = board_mode(q.mode.as_deref())?;
    let daily_day = match q.daily.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            ApiError::bad_request(
                "invalid_query",
                format!("`daily` must be a day number (days since 1970-01-01, UTC; got {text:?})"),
            )
        })?),
    };
    let competition = match q.competition.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(competition_by_code(&state, code).await?.ok_or_else(|| {
            ApiError::not_found("unknown_competition", "no competition has that join code")
        })?),
    };
    let identity_id = match q.player.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().ok().ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("`player` is a player_id, a whole number (got {text:?})"),
            )
        })?),
    };
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(text) => Some(BoardCursor::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "`after` must be the `next` cursor of the previous page",
            )
        })?),
    };
    let filter = BoardFilter {
        scenario_id: scenario.id.clone(),
        scenario_hash: scenario.hash.clone(),
        sim_version: SIM_VERSION,
        competition_id: competition.as_ref().map(|c| c.id),
        seed,
        mode,
        identity_id,
        after,
        daily_day,
        limit: limit + 1,
    };
    let mut rows = state.db.leaderboard(filter).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let first_rank = after.map_or(1, |a| a.rank + 1);
    let runs: Vec<BoardRow> = rows
        .into_iter()
        .zip(first_rank..)
        .map(|(row, rank)| BoardRow {
            rank,
            id: row.id,
            player_id: row.identity_id,
            player_runs: row.player_runs,
            player: row.player,
            team: row.team,
            competition: row.competition_code,
            seed: row.seed,
            mode: row.mode,
            score: row.score,
            grade: row.grade,
            outage_ms: row.outage_ms,
            requests_failed: row.requests_failed,
            reads_failed: row.reads_failed,
            writes_failed: row.writes_failed,
            time_to_green_ms: row.time_to_green_ms,
            final_health: row.final_health,
            created_at: to_rfc3339(row.created_at_ms),
        })
        .collect();
    Ok(Json(Board {
        scenario: scenario.id.clone(),
        scenario_hash: scenario.hash.clone(),
        sim_version: SIM_VERSION,
        competition: competition.map(|c| c.code),
        mode,
        seed,
        player_id: identity_id,
        next: more
            .then(|| {
                runs.last().map(|r| BoardCursor {
                    score: r.score,
                    id: r.id,
                    rank: r.rank,
                })
            })
            .flatten()
            .map(|c| c.to_string()),
        runs,
    }))
}

// ---- Competitions ----------------------------------------------------------------------

/// A page of each table, with the cursors of the next pages.
#[derive(Default)]
struct Tables {
    individuals: Vec<quorum_proto::api::Individual>,
    individuals_next: Option<String>,
    teams: Vec<quorum_proto::api::TeamRow>,
    teams_next: Option<String>,
}

fn competition_body(c: &db::Competition, tables: Option<Tables>) -> Competition {
    let now = now_ms();
    let scenarios = c
        .scenarios
        .iter()
        .map(|s| {
            let builtin = scenario::builtin(&s.scenario_id);
            ScenarioEntry {
                id: s.scenario_id.clone(),
                seeds: s.seeds.clone(),
                hash: builtin.map(|b| b.hash.clone()),
                title: builtin.map(|b| b.title.clone()),
                duration_ms: builtin.map(|b| b.duration_ms),
            }
        })
        .collect();
    let tables = tables.unwrap_or_default();
    Competition {
        code: c.code.clone(),
        name: c.name.clone(),
        status: status_of(c, now),
        starts_at: to_rfc3339(c.starts_at_ms),
        ends_at: to_rfc3339(c.ends_at_ms),
        starts_at_ms: c.starts_at_ms,
        ends_at_ms: c.ends_at_ms,
        now_ms: now,
        require_exam: c.require_exam,
        counting: Counting::BestRunPerScenario,
        team_cap: c.team_cap,
        scenarios,
        individuals: tables.individuals,
        individuals_next: tables.individuals_next,
        teams: tables.teams,
        teams_next: tables.teams_next,
    }
}

/// Checks `Authorization: Bearer <token>` against the configured admin token in constant
/// time (both sides hashed first, so neither content nor length leaks through timing).
pub(super) fn authorize_admin(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let Some(expected) = state.admin_token_sha256 else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "competitions_disabled",
            "competitions cannot be created on this server: it was started without QD_ADMIN_TOKEN",
        ));
    };
    let presented = bearer(headers).unwrap_or("");
    let digest = sha256(presented);
    if bool::from(digest.ct_eq(&expected)) && !presented.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "creating and moderating competitions needs `Authorization: Bearer <admin token>`",
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
    let name = names::validate(NameKind::Competition, &request.name)
        .map_err(|e| invalid(e.to_string()))?;
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
    let team_cap = request.team_cap.unwrap_or(DEFAULT_TEAM_CAP);
    if !(1..=MAX_TEAM_CAP).contains(&team_cap) {
        return Err(invalid(format!(
            "team_cap is the most members a team may have: 1 to {MAX_TEAM_CAP}"
        )));
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
            require_exam: request.require_exam,
            team_cap,
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
        Json(competition_body(&competition, None)),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CompetitionQuery {
    limit: Option<String>,
    individuals_after: Option<String>,
    teams_after: Option<String>,
}

pub async fn get_competition(
    State(state): AppStateRef,
    Path(code): Path<String>,
    query: Result<Query<CompetitionQuery>, QueryRejection>,
) -> ApiResult<Json<Competition>> {
    let Query(q) = query.map_err(|_| {
        ApiError::bad_request("invalid_query", "the query string could not be read")
    })?;
    let limit = match q.limit.as_deref() {
        None | Some("") => tables::DEFAULT_PAGE,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=tables::MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("`limit` must be 1 to {}", tables::MAX_PAGE),
                )
            })?,
    };
    let cursor = |text: Option<&str>, name: &str| match text {
        None | Some("") => Ok(None),
        Some(text) => tables::Cursor::parse(text).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("`{name}` must be the `{name}`'s cursor from the previous page (`…_next`)"),
            )
        }),
    };
    let individuals_after = cursor(q.individuals_after.as_deref(), "individuals_after")?;
    let teams_after = cursor(q.teams_after.as_deref(), "teams_after")?;
    let competition = competition_by_code(&state, &code).await?.ok_or_else(|| {
        ApiError::not_found("unknown_competition", "no competition has that join code")
    })?;
    let id = competition.id;
    let computed = state
        .db
        .competition_tables(id, individuals_after, teams_after, limit)
        .await?;
    let computed = Tables {
        individuals: computed.individuals,
        individuals_next: computed.individuals_next.map(|c| c.to_string()),
        teams: computed.teams,
        teams_next: computed.teams_next.map(|c| c.to_string()),
    };
    Ok(Json(competition_body(&competition, Some(computed))))
}

// ---- The organiser: remove a run, block an identity -------------------------------------

fn run_id(text: &str) -> ApiResult<i64> {
    text.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found("not_found", "no run has that id"))
}

async fn remove(
    state: &AppState,
    id: i64,
    competition: Option<&db::Competition>,
) -> ApiResult<Moderated> {
    let competition_id = competition.map(|c| c.id);
    let now = now_ms();
    let removed = state.db.remove_run(id, competition_id, now).await?;
    if !removed {
        return Err(ApiError::not_found(
            "not_found",
            "no run with that id is listed here (it may be removed already)",
        ));
    }
    tracing::info!("run {id} removed by the organiser");
    Ok(Moderated {
        action: "run_removed".into(),
        run_id: Some(id),
        player_id: None,
        competition: competition.map(|c| c.code.clone()),
    })
}

/// `DELETE /api/runs/{id}` (admin): the run leaves every board.
pub async fn remove_run(
    State(state): AppStateRef,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Moderated>> {
    authorize_admin(&state, &headers)?;
    Ok(Json(remove(&state, run_id(&id)?, None).await?))
}

/// `DELETE /api/competitions/{code}/runs/{id}` (admin): the run leaves the competition.
pub async fn remove_competition_run(
    State(state): AppStateRef,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Moderated>> {
    authorize_admin(&state, &headers)?;
    let competition = competition_by_code(&state, &code).await?.ok_or_else(|| {
        ApiError::not_found("unknown_competition", "no competition has that join code")
    })?;
    Ok(Json(
        remove(&state, run_id(&id)?, Some(&competition)).await?,
    ))
}

/// `POST /api/competitions/{code}/blocks` (admin): the identity's runs leave the
/// competition's tables and it cannot submit there again.
pub async fn block_identity(
    State(state): AppStateRef,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Moderated>> {
    authorize_admin(&state, &headers)?;
    let request: BlockRequest = from_value(json_body(&headers, body)?)?;
    let competition = competition_by_code(&state, &code).await?.ok_or_else(|| {
        ApiError::not_found("unknown_competition", "no competition has that join code")
    })?;
    let (competition_id, identity_id, now) = (competition.id, request.player_id, now_ms());
    let exists = state.db.block(competition_id, identity_id, now).await?;
    if !exists {
        return Err(ApiError::not_found(
            "unknown_identity",
            "no identity has that player_id",
        ));
    }
    tracing::info!(
        "identity {identity_id} blocked in competition {}",
        competition.code
    );
    Ok(Json(Moderated {
        action: "identity_blocked".into(),
        run_id: None,
        player_id: Some(identity_id),
        competition: Some(competition.code),
    }))
}
