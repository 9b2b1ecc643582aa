//! Team drills (issue 14): rooms, their lockstep clock and log, over axum's WebSocket.
//!
//! `POST /api/rooms` opens a room for a scenario and seed and answers its join code and the
//! host's key; `GET /api/rooms/{code}/ws` upgrades to a WebSocket whose first message is a
//! `hello` with the member's role ([`quorum_proto::team`]). Each room is one tokio task that
//! owns everything of the room: the authoritative log, the server's own simulation (run
//! from the log with the same [`Follower`] the clients use, to know the tick, to judge
//! risky actions with the sim's forecast and to check the clients' hashes), and the clock —
//! the server's wall clock × the speed, read only in this task; the sim stays pure.
//! Connections talk to the task through channels. See crates/drill/README.md, "Team drills".

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{SinkExt, StreamExt};
use quorum_proto::lockstep::Follower;
use quorum_proto::team::*;
use quorum_sim::replay::{self, PlayMode, Replay, REPLAY_FORMAT_VERSION};
use quorum_sim::scenario::{self, Lang, Scenario};
use quorum_sim::{Action, TICK_MS};
use tokio::sync::{mpsc, oneshot};

use super::error::{ApiError, ApiResult};
use crate::store::{Store, TeamDrillPlayer, TeamDrillRow};
use quorum_proto::names::{self, NameKind};

/// The caps of team drills, in the style of the server's other limits.
#[derive(Clone, Debug)]
pub struct RoomLimits {
    /// Rooms open at once; past it, `POST /api/rooms` answers 503.
    pub max_rooms: usize,
    /// Members of a room at most (every role, spectators included).
    pub max_members: usize,
    /// The largest WebSocket message a member may send, in bytes.
    pub max_message_bytes: usize,
    /// Messages a member may send per second (a bucket of twice as many).
    pub messages_per_second: u32,
    /// A room nobody is connected to closes after this.
    pub idle_expiry: Duration,
    /// Entries in a room's log at most (chat included).
    pub max_entries: usize,
    /// Of those, the last this many are kept for the drill's work (proposals, approvals,
    /// status updates, injections, the end): chat and joins/leaves stop before them, so
    /// talk (or a member reconnecting in a loop) cannot leave the drill unplayable.
    pub reserved_for_work: usize,
    /// *Chosen*: an accepted intent applies this much wall time after the server's present
    /// tick, scaled by the speed (at 1×, 100 ms of sim time: one tick). It is the margin in
    /// which every member receives the entry before its sim reaches the tick; members never
    /// run past the last `clock` message, so a later arrival waits rather than diverges.
    pub lead_ms: u64,
    /// How often the room's task advances the clock and sends `clock`.
    pub clock_every: Duration,
    /// *Chosen*: a seat (a role but spectator) whose member has been disconnected this long
    /// may be taken by someone else: a closed tab loses its seat's token, and the drill
    /// would otherwise go on without, say, an operator. A reload or a short drop rejoins
    /// well within it with the token.
    pub seat_hold: Duration,
}

impl Default for RoomLimits {
    fn default() -> RoomLimits {
        RoomLimits {
            max_rooms: 500,
            max_members: 12,
            max_message_bytes: 4 * 1024,
            messages_per_second: 10,
            idle_expiry: Duration::from_secs(15 * 60),
            max_entries: 5_000,
            reserved_for_work: 1_000,
            lead_ms: 100,
            clock_every: Duration::from_millis(100),
            seat_hold: Duration::from_secs(60),
        }
    }
}

/// Every room of the process.
pub struct Rooms {
    limits: RoomLimits,
    open: Mutex<HashMap<String, RoomHandle>>,
    /// Where a finished drill's result is kept (`GET /api/rooms/{code}/result`).
    store: Arc<dyn Store>,
}

#[derive(Clone)]
struct RoomHandle {
    tx: mpsc::Sender<Cmd>,
    /// What the drill counts for: a connection checks a member's identity against it
    /// before the member joins (the room's task never waits on the store).
    scope: Option<Arc<Scope>>,
}

/// What a room counts for ([`CountsFor`]) and the stored ids behind it.
#[derive(Clone, Debug)]
pub struct Scope {
    pub counts_for: CountsFor,
    pub competition_id: Option<i64>,
    pub team_id: Option<i64>,
}

impl Scope {
    /// The cohort the room counts for, if it is a cohort's ([`CountsFor::Cohort`]).
    pub fn cohort_id(&self) -> Option<i64> {
        match self.counts_for {
            CountsFor::Cohort { id, .. } => Some(id),
            CountsFor::Competition { .. } => None,
        }
    }
}

enum Cmd {
    Join {
        hello: Hello,
        out: mpsc::Sender<Arc<str>>,
        reply: oneshot::Sender<Result<u64, String>>,
    },
    Intent {
        member: u64,
        msg: ClientMsg,
    },
    /// The connection whose outbox is `out` closed.
    Leave {
        member: u64,
        out: Option<mpsc::Sender<Arc<str>>>,
    },
}

struct Hello {
    role: Role,
    name: String,
    last_seq: Option<u64>,
    token: Option<String>,
    host_key: Option<String>,
    /// The player identity the connection proved (in a room that counts for something).
    identity_id: Option<i64>,
}

impl Rooms {
    pub fn new(limits: RoomLimits, store: Arc<dyn Store>) -> Arc<Rooms> {
        Arc::new(Rooms {
            limits,
            open: Mutex::new(HashMap::new()),
            store,
        })
    }

    pub fn limits(&self) -> &RoomLimits {
        &self.limits
    }

    /// Rooms open now.
    pub fn count(&self) -> usize {
        self.open.lock().expect("rooms").len()
    }

    fn get(&self, code: &str) -> Option<RoomHandle> {
        self.open.lock().expect("rooms").get(code).cloned()
    }

    /// Opens a room: its task starts at once, its clock at tick 0.
    pub fn open(
        self: &Arc<Rooms>,
        request: &OpenRoom,
        fresh: &[String],
        scope: Option<Scope>,
    ) -> ApiResult<RoomOpened> {
        let scenario = scenario::builtin(&request.scenario_id).ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_scenario",
                format!("no scenario {:?}", request.scenario_id),
            )
        })?;
        if request.seed > replay::MAX_SEED {
            return Err(ApiError::unprocessable(
                "invalid_seed",
                format!("the seed is above {}", replay::MAX_SEED),
            ));
        }
        let speed = request.speed.unwrap_or(1);
        if !SPEEDS.contains(&speed) {
            return Err(ApiError::unprocessable(
                "invalid_speed",
                format!("speed {speed} is not one of {SPEEDS:?}"),
            ));
        }
        // A code names one drill for good: not an open room's, nor a finished one's whose
        // result is kept (`fresh`: drawn and checked against the store by the caller).
        let Some(code) = fresh.iter().find(|c| self.get(c).is_none()).cloned() else {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "no free room code was found; retry",
            ));
        };
        let host_key = random_code(24);
        let (tx, rx) = mpsc::channel(256);
        {
            let mut open = self.open.lock().expect("rooms");
            if open.len() >= self.limits.max_rooms {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!(
                        "the server holds {} rooms, its limit; retry later",
                        self.limits.max_rooms
                    ),
                ));
            }
            open.insert(
                code.clone(),
                RoomHandle {
                    tx,
                    scope: scope.clone().map(Arc::new),
                },
            );
        }
        let room = Room::new(
            code.clone(),
            host_key.clone(),
            scenario,
            request,
            speed,
            scope,
            self,
        );
        let rooms = self.clone();
        tokio::spawn(async move {
            let code = room.code.clone();
            room.run(rx).await;
            rooms.open.lock().expect("rooms").remove(&code);
        });
        Ok(RoomOpened { code, host_key })
    }
}

fn random_code(len: usize) -> String {
    use rand::Rng;
    // The join-code alphabet: no 0/O, 1/I/L.
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

// ---- HTTP ---------------------------------------------------------------------------------

/// `POST /api/rooms`.
pub async fn open_room(
    State(state): State<Arc<super::AppState>>,
    headers: HeaderMap,
    Json(request): Json<OpenRoom>,
) -> ApiResult<(StatusCode, Json<RoomOpened>)> {
    let scope = scope_of(&state, &headers, &request).await?;
    // Drawn until one is neither open nor a kept result's (nearly always the first: one
    // lookup, not four).
    let mut fresh = Vec::new();
    for _ in 0..4 {
        let code = random_code(6);
        if state.rooms.get(&code).is_none() && state.db.team_drill(code.clone()).await?.is_none() {
            fresh.push(code);
            break;
        }
    }
    let opened = state.rooms.open(&request, &fresh, scope)?;
    Ok((StatusCode::CREATED, Json(opened)))
}

/// What a room asked to count for may count for: a competition's team (the host's, who
/// proves their identity) or a trainer's own cohort.
async fn scope_of(
    state: &super::AppState,
    headers: &HeaderMap,
    request: &OpenRoom,
) -> ApiResult<Option<Scope>> {
    let competition = request
        .competition
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    match (competition, request.cohort_id) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(ApiError::unprocessable(
            "invalid_room",
            "a team drill counts for a competition or for a cohort, not both",
        )),
        (Some(code), None) => {
            let (identity_id, _) = super::api::identity(state, headers).await?;
            let c = super::api::competition_by_code(state, code)
                .await?
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "unknown_competition",
                        "no competition has that join code",
                    )
                })?;
            super::api::open_now(&c, crate::timefmt::now_ms())?;
            let counted = c
                .scenarios
                .iter()
                .any(|s| s.scenario_id == request.scenario_id && s.seeds.contains(&request.seed));
            if !counted {
                return Err(ApiError::unprocessable(
                    "not_in_competition",
                    format!(
                        "{} with seed {} is not one of competition {:?}'s drills",
                        request.scenario_id, request.seed, c.name
                    ),
                ));
            }
            let Some((team_id, team, blocked)) = state.db.team_of(c.id, identity_id).await? else {
                return Err(ApiError::unprocessable(
                    "no_team",
                    format!(
                        "you are in no team of competition {:?}: a team forms with its members' runs (submit a run of the competition with your team's name), then its drills count for it",
                        c.name
                    ),
                ));
            };
            if blocked {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "blocked",
                    "the organiser blocked this identity in the competition",
                ));
            }
            Ok(Some(Scope {
                counts_for: CountsFor::Competition {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    team,
                    require_exam: c.require_exam,
                },
                competition_id: Some(c.id),
                team_id: Some(team_id),
            }))
        }
        (None, Some(cohort_id)) => {
            let trainer = super::trainer::trainer(state, headers).await?;
            let cohort = state
                .db
                .cohort(trainer.id, cohort_id)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found("unknown_cohort", "you have no cohort with that id")
                })?;
            Ok(Some(Scope {
                counts_for: CountsFor::Cohort {
                    id: cohort.id,
                    name: cohort.name,
                },
                competition_id: None,
                team_id: None,
            }))
        }
    }
}

/// Whether a hello may take its seat in a room that counts for something: the identity it
/// carries is resolved and checked against the room's team or cohort (`Ok(None)`: no
/// identity needed, or a rejoin by seat token, which the room checks).
async fn admit(
    state: &super::AppState,
    scope: Option<&Scope>,
    role: Role,
    token: Option<&str>,
    identity: Option<&str>,
) -> Result<Option<i64>, String> {
    let Some(scope) = scope else { return Ok(None) };
    let what = counts_for_text(&scope.counts_for);
    if !scope.counts_for.allows(role) {
        return Err(format!(
            "this drill counts for {what}: it has no {} (a team's own member must neither see the hidden branches nor script the faults)",
            role.as_str()
        ));
    }
    if !scope.counts_for.seat_needs_identity(role) {
        return Ok(None);
    }
    let Some(identity) = identity.filter(|t| !t.is_empty()) else {
        if token.is_none() {
            return Err(format!(
                "this drill counts for {what}: the {}'s seat needs your player identity (hello.identity)",
                role.as_str()
            ));
        }
        return Ok(None);
    };
    if !quorum_proto::api::is_token(identity) {
        return Err("hello.identity is not a player identity token".into());
    }
    let found = state
        .db
        .identity_by_token(super::api::sha256(identity))
        .await
        .map_err(|_| "the identity could not be checked; retry".to_string())?;
    let Some((identity_id, _)) = found else {
        return Err("this server issued no identity with that token".into());
    };
    let member = match (scope.competition_id, scope.cohort_id()) {
        (Some(competition_id), _) => state
            .db
            .team_of(competition_id, identity_id)
            .await
            .map_err(|_| "the identity could not be checked; retry".to_string())?
            .is_some_and(|(team, _, blocked)| Some(team) == scope.team_id && !blocked),
        (None, Some(cohort_id)) => state
            .db
            .trainee_name(cohort_id, identity_id)
            .await
            .map_err(|_| "the identity could not be checked; retry".to_string())?
            .is_some(),
        (None, None) => true,
    };
    if !member {
        return Err(match &scope.counts_for {
            CountsFor::Competition { team, .. } => {
                format!(
                    "this drill counts for {what}: only members of team {team:?} take its seats"
                )
            }
            CountsFor::Cohort { .. } => {
                format!("this drill counts for {what}: only its trainees take its seats")
            }
        });
    }
    Ok(Some(identity_id))
}

/// `team "SRE" in competition "Spring cup"`, `cohort "April hires"` (server messages are
/// English).
fn counts_for_text(c: &CountsFor) -> String {
    match c {
        CountsFor::Competition { name, team, .. } => {
            format!("team {team:?} in competition {name:?}")
        }
        CountsFor::Cohort { name, .. } => format!("cohort {name:?}"),
    }
}

/// `GET /api/rooms/{code}/result`: a finished team drill's verified result
/// (`TeamResult`), kept after its room closes; 404 `no_result` before it ends.
pub async fn room_result(
    State(state): State<Arc<super::AppState>>,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let code = code.trim().to_ascii_uppercase();
    let Some(row) = state.db.team_drill(code).await? else {
        return Err(ApiError::not_found(
            "no_result",
            "no finished team drill has that code (a drill's result is kept once it ends)",
        ));
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        row.result_json,
    )
        .into_response())
}

/// The most teams `GET /api/competitions/{code}/team-drills` lists (the first by rank).
pub const TEAM_DRILL_ROWS: usize = 200;

/// `GET /api/competitions/{code}/team-drills`: the competition's team-drill table
/// ([`TeamDrillTable`], its rules there), every team that has a counted drill.
pub async fn competition_team_drills(
    State(state): State<Arc<super::AppState>>,
    Path(code): Path<String>,
) -> ApiResult<Json<TeamDrillTable>> {
    let c = super::api::competition_by_code(&state, &code)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("unknown_competition", "no competition has that join code")
        })?;
    let bests = state.db.competition_team_drills(c.id, c.ends_at_ms).await?;
    let mut rows = team_drill_standings(bests);
    // Team drills take real people real minutes, so the table is small; the cap bounds the
    // answer anyway.
    rows.truncate(TEAM_DRILL_ROWS);
    Ok(Json(TeamDrillTable {
        competition: c.code,
        rows,
    }))
}

/// Each team's counted bests (ordered by team, then competition order) summed and ranked:
/// higher total first; on a tie, the team whose latest counted drill ended first, then
/// the smaller team id (the team formed first).
pub fn team_drill_standings(bests: Vec<crate::store::TeamDrillBestRow>) -> Vec<TeamDrillStanding> {
    let mut teams: Vec<(i64, i64, TeamDrillStanding)> = Vec::new();
    for b in bests {
        if teams.last().is_none_or(|(id, ..)| *id != b.team_id) {
            teams.push((
                b.team_id,
                0,
                TeamDrillStanding {
                    rank: 0,
                    team: b.team.clone(),
                    total: 0,
                    bests: Vec::new(),
                },
            ));
        }
        let (_, reached, row) = teams.last_mut().expect("pushed");
        *reached = (*reached).max(b.ended_at_ms);
        row.total += b.score;
        let players: Vec<SeatHolder> = b
            .players
            .into_iter()
            .filter_map(|p| {
                Some(SeatHolder {
                    role: Role::parse(&p.role)?,
                    name: p.name,
                    player_id: Some(p.identity_id),
                })
            })
            .collect();
        row.bests.push(TeamDrillBest {
            scenario: b.scenario_id,
            seed: b.seed,
            score: b.score,
            code: b.code,
            players,
        });
    }
    teams.sort_by(|a, b| {
        b.2.total
            .cmp(&a.2.total)
            .then(a.1.cmp(&b.1))
            .then(a.0.cmp(&b.0))
    });
    teams
        .into_iter()
        .zip(1..)
        .map(|((_, _, mut row), rank)| {
            row.rank = rank;
            row
        })
        .collect()
}

/// `GET /api/rooms/{code}/ws`: the member's WebSocket.
pub async fn join_room(
    State(state): State<Arc<super::AppState>>,
    Path(code): Path<String>,
    slot: Option<axum::Extension<super::net::ConnectionSlot>>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    let code = code.trim().to_ascii_uppercase();
    let room = state.rooms.get(&code).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_room",
            "no room has that code",
        )
    })?;
    let limits = state.rooms.limits().clone();
    Ok(ws
        .max_message_size(limits.max_message_bytes)
        .max_frame_size(limits.max_message_bytes)
        .on_upgrade(move |socket| async move {
            // The connection's places under the caps, held while the socket is open.
            let _slot = slot;
            member(socket, room, limits, state).await
        }))
}

async fn send(socket: &mut WebSocket, msg: &ServerMsg) -> bool {
    let text = serde_json::to_string(msg).unwrap_or_default();
    socket.send(Message::Text(text.into())).await.is_ok()
}

fn error(message: impl Into<String>) -> ServerMsg {
    ServerMsg::Error {
        message: message.into(),
    }
}

/// One member's connection: the hello, then intents in and the room's messages out.
async fn member(
    mut socket: WebSocket,
    room: RoomHandle,
    limits: RoomLimits,
    state: Arc<super::AppState>,
) {
    let hello = match tokio::time::timeout(Duration::from_secs(10), socket.recv()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<ClientMsg>(&text),
        _ => return,
    };
    let hello = match hello {
        Ok(ClientMsg::Hello {
            role,
            name,
            last_seq,
            token,
            host_key,
            identity,
        }) => match admit(
            &state,
            room.scope.as_deref(),
            role,
            token.as_deref(),
            identity.as_deref(),
        )
        .await
        {
            Ok(identity_id) => Hello {
                role,
                name,
                last_seq,
                token,
                host_key,
                identity_id,
            },
            Err(reason) => {
                send(&mut socket, &error(reason)).await;
                return;
            }
        },
        Ok(_) => {
            send(&mut socket, &error("the first message must be a hello")).await;
            return;
        }
        Err(e) => {
            send(&mut socket, &error(format!("not a message: {e}"))).await;
            return;
        }
    };
    // A member that cannot keep up with its room is dropped (it reconnects and catches up
    // from the log) rather than let the room's memory grow.
    let (out_tx, mut out_rx) = mpsc::channel::<Arc<str>>(1024);
    let (reply_tx, reply_rx) = oneshot::channel();
    // Weak: when the room drops the member's outbox, `out_rx` ends and so does the
    // connection.
    let mine = out_tx.downgrade();
    let join = Cmd::Join {
        hello,
        out: out_tx,
        reply: reply_tx,
    };
    if room.tx.send(join).await.is_err() {
        send(&mut socket, &error("the room has closed")).await;
        return;
    }
    let id = match reply_rx.await {
        Ok(Ok(id)) => id,
        Ok(Err(reason)) => {
            send(&mut socket, &error(reason)).await;
            return;
        }
        Err(_) => return,
    };
    let (mut sink, mut stream) = socket.split();
    let mut bucket = Bucket::new(limits.messages_per_second);
    loop {
        tokio::select! {
            out = out_rx.recv() => match out {
                Some(text) => {
                    if sink.send(Message::Text((*text).into())).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                if !bucket.take() {
                    let refusal = error(format!(
                        "too many messages: at most {} a second",
                        limits.messages_per_second
                    ));
                    let text = serde_json::to_string(&refusal).unwrap_or_default();
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                    continue;
                }
                let msg = match serde_json::from_str::<ClientMsg>(&text) {
                    Ok(ClientMsg::Hello { .. }) => {
                        let text = serde_json::to_string(&error("already joined")).unwrap_or_default();
                        let _ = sink.send(Message::Text(text.into())).await;
                        continue;
                    }
                    Ok(msg) => msg,
                    Err(e) => {
                        let text = serde_json::to_string(&error(format!("not a message: {e}")))
                            .unwrap_or_default();
                        let _ = sink.send(Message::Text(text.into())).await;
                        continue;
                    }
                };
                if room.tx.send(Cmd::Intent { member: id, msg }).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = room
        .tx
        .send(Cmd::Leave {
            member: id,
            out: mine.upgrade(),
        })
        .await;
}

/// A token bucket of `per_second` refills a second, `2 × per_second` deep.
struct Bucket {
    per_second: u32,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(per_second: u32) -> Bucket {
        Bucket {
            per_second,
            tokens: f64::from(per_second) * 2.0,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let now = Instant::now();
        let rate = f64::from(self.per_second);
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * rate).min(rate * 2.0);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

// ---- The room -----------------------------------------------------------------------------

struct Member {
    id: u64,
    name: String,
    role: Role,
    token: String,
    out: Option<mpsc::Sender<Arc<str>>>,
    /// When the member's last connection closed (`None` while connected).
    gone_since: Option<Instant>,
    /// The player identity the seat was taken with.
    identity_id: Option<i64>,
}

struct Room {
    code: String,
    host_key: String,
    scenario: &'static Scenario,
    seed: u64,
    two_person_rule: bool,
    limits: RoomLimits,
    /// The server's own run of the log.
    sim: Follower,
    log: Vec<Entry>,
    members: Vec<Member>,
    next_member: u64,
    /// Proposals waiting for the commander: seq → action.
    waiting: BTreeMap<u64, Action>,
    /// The server's event-log hash at each checkpoint tick.
    hashes: BTreeMap<u64, String>,
    divergences: u32,
    /// The (member, tick) pairs already counted as divergences: one report each.
    diverged: std::collections::BTreeSet<(u64, u64)>,
    /// The clock: `base_tick + (now − base_at) × speed`.
    speed: u32,
    base_at: Instant,
    base_tick: u64,
    /// The last tick stamped on an entry: ticks never go back.
    last_stamp: u64,
    /// The last `clock` sent.
    until_ms: u64,
    idle_since: Option<Instant>,
    result: Option<TeamResult>,
    /// The ended drill's scoring has started (once).
    scoring_done: bool,
    store: Arc<dyn Store>,
    scope: Option<Scope>,
    /// Everyone who held an acting seat (the result's `players`).
    players: std::collections::BTreeSet<SeatHolder>,
}

impl Room {
    fn new(
        code: String,
        host_key: String,
        scenario: &'static Scenario,
        request: &OpenRoom,
        speed: u32,
        scope: Option<Scope>,
        rooms: &Rooms,
    ) -> Room {
        let (seed, two_person_rule) = (request.seed, request.two_person_rule);
        let limits = rooms.limits.clone();
        Room {
            store: rooms.store.clone(),
            code,
            host_key,
            scenario,
            seed,
            two_person_rule,
            limits,
            sim: Follower::new(scenario, seed),
            log: Vec::new(),
            members: Vec::new(),
            next_member: 1,
            waiting: BTreeMap::new(),
            hashes: BTreeMap::new(),
            divergences: 0,
            diverged: std::collections::BTreeSet::new(),
            speed,
            base_at: Instant::now(),
            base_tick: 0,
            last_stamp: 0,
            until_ms: 0,
            idle_since: Some(Instant::now()),
            result: None,
            scoring_done: false,
            scope,
            players: std::collections::BTreeSet::new(),
        }
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Cmd>) {
        let mut clock = tokio::time::interval(self.limits.clock_every);
        clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // The ended drill's verification: a full re-simulation or more, on the blocking pool
        // (the room keeps answering meanwhile).
        let mut scoring: Option<tokio::task::JoinHandle<Result<TeamResult, String>>> = None;
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(cmd) => self.handle(cmd),
                    None => return,
                },
                scored = async { scoring.as_mut().expect("guarded").await }, if scoring.is_some() => {
                    scoring = None;
                    match scored {
                        Ok(scored) => self.scored(scored),
                        Err(e) => tracing::error!(room = %self.code, "scoring failed: {e}"),
                    }
                }
                _ = clock.tick() => {
                    self.advance();
                    if self.ended() && self.result.is_none() && scoring.is_none() && !self.scoring_done {
                        self.scoring_done = true;
                        let record = self.record();
                        scoring = Some(tokio::task::spawn_blocking(move || score_team(&record)));
                    }
                    if let Some(since) = self.idle_since {
                        if since.elapsed() >= self.limits.idle_expiry {
                            return;
                        }
                    }
                }
            }
        }
    }

    fn ended(&self) -> bool {
        self.sim.sim().is_over()
    }

    /// The tick the wall clock says the room is at.
    fn clock_tick(&self) -> u64 {
        let elapsed = self.base_at.elapsed().as_millis() as u64;
        self.base_tick + elapsed * u64::from(self.speed)
    }

    /// Runs the server's sim to the clock and tells every member how far they may run.
    fn advance(&mut self) {
        if self.ended() {
            return;
        }
        let target = if self.sim.resolved() {
            u64::MAX
        } else {
            self.clock_tick() / TICK_MS * TICK_MS
        };
        let hashes = &mut self.hashes;
        self.sim.run_to(target, |sim| {
            hashes.insert(sim.now_ms(), sim.event_log_hash());
        });
        let now = self.sim.sim().now_ms();
        if now != self.until_ms {
            self.until_ms = now;
            let last_seq = self.log.len() as u64;
            self.broadcast(&ServerMsg::Clock {
                until_ms: now,
                last_seq,
            });
        }
    }

    /// The tick an entry accepted now applies at: the present tick plus the lead (scaled by
    /// the speed), on a tick boundary, never before an earlier stamp.
    fn stamp(&self) -> u64 {
        let lead = self.limits.lead_ms * u64::from(self.speed.max(1));
        let tick = (self.sim.sim().now_ms() + lead).div_ceil(TICK_MS) * TICK_MS;
        tick.max(self.last_stamp)
    }

    fn push(&mut self, role: Role, by: &str, kind: EntryKind) -> u64 {
        let tick_ms = self.stamp();
        self.last_stamp = tick_ms;
        let entry = Entry {
            seq: self.log.len() as u64 + 1,
            tick_ms,
            role,
            by: by.to_string(),
            kind,
        };
        self.sim.take(&entry).expect("the server's log is in order");
        self.log.push(entry.clone());
        self.broadcast(&ServerMsg::Entry { entry });
        self.log.len() as u64
    }

    fn broadcast(&mut self, msg: &ServerMsg) {
        let text: Arc<str> = serde_json::to_string(msg).unwrap_or_default().into();
        for m in &mut self.members {
            if let Some(out) = &m.out {
                if out.try_send(text.clone()).is_err() {
                    // Too slow (or gone): it reconnects and catches up from the log.
                    m.out = None;
                }
            }
        }
        self.note_idle();
    }

    fn note_idle(&mut self) {
        let online = self.members.iter().any(|m| m.out.is_some());
        match (online, self.idle_since) {
            (true, _) => self.idle_since = None,
            (false, None) => self.idle_since = Some(Instant::now()),
            (false, Some(_)) => {}
        }
    }

    fn tell(&mut self, member: u64, msg: &ServerMsg) {
        let text: Arc<str> = serde_json::to_string(msg).unwrap_or_default().into();
        if let Some(m) = self.members.iter_mut().find(|m| m.id == member) {
            if let Some(out) = &m.out {
                if out.try_send(text).is_err() {
                    m.out = None;
                }
            }
        }
    }

    fn state_for(&self, role: Role) -> RoomState {
        RoomState {
            code: self.code.clone(),
            scenario_id: self.scenario.id.clone(),
            seed: self.seed,
            sim_version: quorum_sim::SIM_VERSION,
            speed: self.speed,
            two_person_rule: self.two_person_rule,
            until_ms: self.until_ms,
            members: self
                .members
                .iter()
                .map(|m| MemberView {
                    name: m.name.clone(),
                    role: m.role,
                    online: m.out.is_some(),
                })
                .collect(),
            injectable: self.sim.sim().injectable_faults(),
            branch_case: (role == Role::GameMaster).then(|| self.sim.sim().branch_case()),
            ended: self.ended(),
            counts_for: self.scope.as_ref().map(|s| s.counts_for.clone()),
        }
    }

    fn handle(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Join { hello, out, reply } => {
                let joined = self.join(hello, out);
                let _ = reply.send(joined);
            }
            Cmd::Intent { member, msg } => {
                if let Err(reason) = self.intent(member, msg) {
                    self.tell(member, &error(reason));
                }
            }
            Cmd::Leave { member, out } => {
                let Some(m) = self.members.iter_mut().find(|m| m.id == member) else {
                    return;
                };
                // A rejoin replaced this connection: the seat is the new one's.
                let replaced = match (&m.out, &out) {
                    (Some(now), Some(out)) => !now.same_channel(out),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if replaced {
                    return;
                }
                m.out = None;
                m.gone_since = Some(Instant::now());
                let (role, name) = (m.role, m.name.clone());
                if !self.ended() && self.room_for_talk() {
                    self.push(role, &name, EntryKind::Left);
                }
                self.note_idle();
            }
        }
    }

    /// Whether chat and joins/leaves may still go into the log ([`RoomLimits::reserved_for_work`]).
    fn room_for_talk(&self) -> bool {
        self.log.len()
            < self
                .limits
                .max_entries
                .saturating_sub(self.limits.reserved_for_work)
    }

    fn join(&mut self, hello: Hello, out: mpsc::Sender<Arc<str>>) -> Result<u64, String> {
        // The boards' name rule (`quorum_proto::names`): no invisible or default-ignorable
        // code points, NFKC, any script.
        let name = names::validate(NameKind::Player, &hello.name).map_err(|e| e.to_string())?;
        if hello.role == Role::GameMaster && hello.host_key.as_deref() != Some(&self.host_key) {
            return Err("only the room's host may be the game master (hello.host_key)".into());
        }
        // A rejoin: the token names the seat.
        let seat = hello
            .token
            .as_ref()
            .and_then(|t| self.members.iter().position(|m| &m.token == t));
        let index = match seat {
            Some(i) => {
                if self.members[i].role != hello.role {
                    return Err(format!(
                        "this token's seat is the {}",
                        self.members[i].role.as_str()
                    ));
                }
                i
            }
            None => {
                // Seats left empty past `seat_hold` (spectators' too) are given up first, so
                // that closed tabs can neither hold a role nor fill the room.
                let hold = self.limits.seat_hold;
                self.members
                    .retain(|m| m.gone_since.is_none_or(|since| since.elapsed() < hold));
                if self.members.len() >= self.limits.max_members {
                    return Err(format!(
                        "the room is full ({} members)",
                        self.limits.max_members
                    ));
                }
                if hello.role != Role::Spectator
                    && self.members.iter().any(|m| m.role == hello.role)
                {
                    return Err(format!("the {} is taken", hello.role.as_str()));
                }
                let needs_identity = self
                    .scope
                    .as_ref()
                    .is_some_and(|s| s.counts_for.seat_needs_identity(hello.role));
                if needs_identity && hello.identity_id.is_none() {
                    return Err(format!(
                        "the {}'s seat needs your player identity (hello.identity)",
                        hello.role.as_str()
                    ));
                }
                let id = self.next_member;
                self.next_member += 1;
                self.members.push(Member {
                    id,
                    name: name.clone(),
                    role: hello.role,
                    token: random_code(24),
                    out: None,
                    gone_since: None,
                    identity_id: hello.identity_id,
                });
                self.members.len() - 1
            }
        };
        let from = hello.last_seq.unwrap_or(0) as usize;
        let log = self.log.get(from..).unwrap_or_default().to_vec();
        // Connected before the welcome is written, so that its member list shows the
        // newcomer online.
        let previous = self.members[index].out.replace(out.clone());
        let previous_gone = self.members[index].gone_since.take();
        let welcome = ServerMsg::Welcome {
            room: self.state_for(hello.role),
            token: self.members[index].token.clone(),
            log,
        };
        let text: Arc<str> = serde_json::to_string(&welcome).unwrap_or_default().into();
        if out.try_send(text).is_err() {
            let member = &mut self.members[index];
            member.out = previous;
            if member.out.is_none() {
                member.gone_since = Some(previous_gone.unwrap_or_else(Instant::now));
            }
            return Err("cannot send".to_string());
        }
        let ended = self.result.clone();
        if let Some(result) = ended {
            let text: Arc<str> = serde_json::to_string(&ServerMsg::Ended { result })
                .unwrap_or_default()
                .into();
            let _ = out.try_send(text);
        }
        let (id, role) = (self.members[index].id, self.members[index].role);
        if role.is_acting() {
            self.players.insert(SeatHolder {
                role,
                name: self.members[index].name.clone(),
                player_id: self.members[index].identity_id,
            });
        }
        if !self.ended() && self.room_for_talk() {
            self.push(role, &name, EntryKind::Joined);
        }
        self.note_idle();
        Ok(id)
    }

    fn intent(&mut self, member: u64, msg: ClientMsg) -> Result<(), String> {
        let (role, name) = {
            let m = self
                .members
                .iter()
                .find(|m| m.id == member)
                .ok_or("not a member")?;
            (m.role, m.name.clone())
        };
        let need = |what: Permission| -> Result<(), String> {
            if role.may(what) {
                Ok(())
            } else {
                Err(format!("the {} may not do that", role.as_str()))
            }
        };
        if let ClientMsg::Checkpoint { tick_ms, hash } = &msg {
            need(Permission::Checkpoint)?;
            return self.checkpoint(member, role, &name, *tick_ms, hash);
        }
        if self.ended() {
            return Err("the drill has ended".into());
        }
        if self.log.len() >= self.limits.max_entries {
            return Err(format!(
                "the room's log is full ({} entries)",
                self.limits.max_entries
            ));
        }
        if matches!(msg, ClientMsg::Chat { .. }) && !self.room_for_talk() {
            return Err(format!(
                "the room's chat is full: the last {} entries of the log are kept for the drill",
                self.limits.reserved_for_work
            ));
        }
        let text_ok = |text: &str| -> Result<(), String> {
            let chars = text.chars().count();
            if chars == 0 || chars > MAX_TEXT_CHARS {
                Err(format!("a message is 1 to {MAX_TEXT_CHARS} characters"))
            } else {
                Ok(())
            }
        };
        match msg {
            ClientMsg::Hello { .. } | ClientMsg::Checkpoint { .. } => {
                return Err("unexpected".into())
            }
            ClientMsg::Propose { action } => {
                need(Permission::Propose)?;
                if matches!(action, Action::Inject { .. }) {
                    return Err("a fault is the game master's (inject)".into());
                }
                // A count of searches and indexes is what `drill live` records of a trainee's
                // real tools; a member proposing one would only add failed requests.
                if matches!(action, Action::AppRequests { .. }) {
                    return Err("app requests are recorded by drill live, not proposed".into());
                }
                if let Some(too_long) = action.too_long() {
                    return Err(too_long.to_string());
                }
                self.check_action_room()?;
                // The two-person rule: an operator's action the sim forecasts as risky (it
                // would cost outage, failed requests or penalty points) waits for the
                // commander. The forecast is the mentor's, on the server's present state.
                let risk_in = |lang: Lang| {
                    let forecast = self
                        .sim
                        .sim()
                        .forecast(std::slice::from_ref(&action), lang)?;
                    let summaries: Vec<&str> = forecast
                        .warnings
                        .iter()
                        .map(|(_, summary)| summary.as_str())
                        .collect();
                    Some(summaries.join("; "))
                };
                // In an Exam competition no forecast may be shown: every operator action is
                // held, and its risk line says why.
                let exam = self
                    .scope
                    .as_ref()
                    .is_some_and(|s| s.counts_for.holds_every_action());
                let held = self.two_person_rule && role.proposals_wait();
                let risk = if held && exam {
                    Some((EXAM_HELD_RISK.0.to_string(), EXAM_HELD_RISK.1.to_string()))
                } else if held {
                    risk_in(Lang::En).map(|risk| (risk, risk_in(Lang::Ja).unwrap_or_default()))
                } else {
                    None
                };
                match risk {
                    Some((risk, risk_ja)) => {
                        self.push(
                            role,
                            &name,
                            EntryKind::Proposed {
                                action: action.clone(),
                                risk,
                                risk_ja,
                            },
                        );
                        let seq = self.log.len() as u64;
                        self.waiting.insert(seq, action);
                    }
                    None => {
                        self.push(
                            role,
                            &name,
                            EntryKind::Action {
                                action,
                                proposal: None,
                            },
                        );
                    }
                }
            }
            ClientMsg::Approve { proposal } => {
                need(Permission::Decide)?;
                self.check_action_room()?;
                let action = self
                    .waiting
                    .remove(&proposal)
                    .ok_or_else(|| format!("no proposal {proposal} is waiting"))?;
                self.push(role, &name, EntryKind::Approved { proposal });
                let by = self.log[proposal as usize - 1].by.clone();
                self.push(
                    Role::Operator,
                    &by,
                    EntryKind::Action {
                        action,
                        proposal: Some(proposal),
                    },
                );
            }
            ClientMsg::Decline { proposal, reason } => {
                need(Permission::Decide)?;
                if let Some(reason) = &reason {
                    text_ok(reason)?;
                }
                self.waiting
                    .remove(&proposal)
                    .ok_or_else(|| format!("no proposal {proposal} is waiting"))?;
                self.push(role, &name, EntryKind::Declined { proposal, reason });
            }
            ClientMsg::Chat { text } => {
                need(Permission::Chat)?;
                text_ok(&text)?;
                self.push(role, &name, EntryKind::Chat { text });
            }
            ClientMsg::Status { text, eta_min } => {
                need(Permission::Status)?;
                text_ok(&text)?;
                self.push(role, &name, EntryKind::Status { text, eta_min });
            }
            ClientMsg::SetSpeed { speed } => {
                need(Permission::SetSpeed)?;
                if !SPEEDS.contains(&speed) {
                    return Err(format!("speed {speed} is not one of {SPEEDS:?}"));
                }
                // Re-base the clock where the server's sim stands: the tick never jumps.
                self.base_tick = self.sim.sim().now_ms();
                self.base_at = Instant::now();
                self.speed = speed;
                self.push(role, &name, EntryKind::Speed { speed });
            }
            ClientMsg::Resolve => {
                need(Permission::Resolve)?;
                self.push(role, &name, EntryKind::Resolved);
            }
            ClientMsg::Inject { fault, instance } => {
                need(Permission::Inject)?;
                if !self.sim.sim().injectable_faults().contains(&fault) {
                    return Err(format!(
                        "the scenario declares no {} fault: a game master injects only the scenario's own fault kinds",
                        fault.as_str()
                    ));
                }
                self.check_action_room()?;
                self.push(
                    role,
                    &name,
                    EntryKind::Action {
                        action: Action::Inject { fault, instance },
                        proposal: None,
                    },
                );
            }
        }
        Ok(())
    }

    /// A replay carries at most `replay::MAX_ACTIONS` actions, nor any past the drill's end.
    fn check_action_room(&self) -> Result<(), String> {
        let actions = self.log.iter().filter(|e| e.action().is_some()).count();
        if actions >= replay::MAX_ACTIONS {
            return Err(format!(
                "the drill holds {} actions, a replay's limit",
                replay::MAX_ACTIONS
            ));
        }
        if self.stamp() >= self.scenario.duration_ms || self.sim.resolved() {
            return Err("the drill is ending: no more actions".into());
        }
        Ok(())
    }

    /// A member's event-log hash at a checkpoint. A divergence counts once per member and
    /// tick, and only for the roles that act: a spectator's is told to that spectator alone
    /// (it cannot change the drill, and must not be able to spam the room or its result).
    fn checkpoint(
        &mut self,
        member: u64,
        role: Role,
        name: &str,
        tick_ms: u64,
        hash: &str,
    ) -> Result<(), String> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("a checkpoint hash is 64 hexadecimal digits".into());
        }
        let Some(expected) = self.hashes.get(&tick_ms).cloned() else {
            return Err(format!("no checkpoint at {tick_ms} ms (yet)"));
        };
        if expected == hash || !self.diverged.insert((member, tick_ms)) {
            return Ok(());
        }
        let msg = ServerMsg::Divergence {
            tick_ms,
            member: name.to_string(),
            expected,
            got: hash.to_string(),
        };
        if role == Role::Spectator {
            self.tell(member, &msg);
            return Ok(());
        }
        self.divergences += 1;
        tracing::warn!(room = %self.code, member = name, tick_ms, "lockstep divergence");
        self.broadcast(&msg);
        Ok(())
    }

    /// The replay the log makes, and the log beside it.
    fn record(&self) -> TeamRecord {
        let replay = Replay {
            format_version: REPLAY_FORMAT_VERSION,
            sim_version: quorum_sim::SIM_VERSION,
            scenario_id: self.scenario.id.clone(),
            scenario_hash: self.scenario.hash.clone(),
            seed: self.seed,
            actions: self.sim.actions().to_vec(),
            mode: PlayMode::Unknown,
            claimed_score: None,
        };
        TeamRecord {
            replay,
            log: self.log.clone(),
        }
    }

    /// Stores the verified result (its own task: the room keeps answering meanwhile), so
    /// that it outlives the room (`GET /api/rooms/{code}/result`).
    fn keep(&self, result: &TeamResult) {
        let points = |role: Role| {
            result
                .roles
                .iter()
                .find(|r| r.role == role)
                .map_or(0, |r| r.points)
        };
        let row = TeamDrillRow {
            code: self.code.clone(),
            scenario_id: self.scenario.id.clone(),
            seed: self.seed,
            score: result.score,
            grade: result.grade.clone(),
            canonical_hash: result.canonical_hash.clone(),
            result_json: serde_json::to_string(result).unwrap_or_default(),
            ended_at_ms: crate::timefmt::now_ms(),
            competition_id: self.scope.as_ref().and_then(|s| s.competition_id),
            team_id: self.scope.as_ref().and_then(|s| s.team_id),
            cohort_id: self.scope.as_ref().and_then(Scope::cohort_id),
            players: result
                .players
                .iter()
                .filter_map(|p| {
                    Some(TeamDrillPlayer {
                        role: p.role.as_str().to_string(),
                        identity_id: p.player_id?,
                        name: p.name.clone(),
                        points: points(p.role),
                    })
                })
                .collect(),
        };
        let (store, code) = (self.store.clone(), self.code.clone());
        tokio::spawn(async move {
            if let Err(e) = store.save_team_drill(row).await {
                tracing::error!(room = %code, "the team drill's result was not stored: {e}");
            }
        });
    }

    /// The drill is over and its replay verified ([`score_team`], the way `POST /api/runs`
    /// verifies with `replay::verify_canonical`): everyone is told.
    fn scored(&mut self, scored: Result<TeamResult, String>) {
        match scored {
            Ok(mut result) => {
                result.divergences = self.divergences;
                result.players = self.players.iter().cloned().collect();
                result.counts_for = self.scope.as_ref().map(|s| s.counts_for.clone());
                let live = self.sim.sim().event_log_hash();
                if live != result.event_log_hash {
                    tracing::error!(room = %self.code, "the room's live run and its replay differ");
                }
                self.keep(&result);
                self.result = Some(result.clone());
                self.broadcast(&ServerMsg::Ended { result });
            }
            Err(e) => {
                tracing::error!(room = %self.code, "the team drill's replay did not verify: {e}");
                self.broadcast(&error(format!("the drill's replay did not verify: {e}")));
            }
        }
    }
}

/// Verifies a team drill's record and scores it, for the team (the sim's report of the
/// replay, as for any run) and per role (README, "Team drills"). Pure: a client can check it.
pub fn score_team(record: &TeamRecord) -> Result<TeamResult, String> {
    let replay = &record.replay;
    let verified = replay::verify_canonical(replay).map_err(|e| e.to_string())?;
    let scenario = replay.validate().map_err(|e| e.to_string())?;
    let sim = quorum_sim::simulate(scenario, replay.seed, &replay.actions);
    let report = &verified.report;
    // Who did each sim action, in replay order.
    let doers: Vec<Role> = record
        .log
        .iter()
        .filter(|e| e.action().is_some())
        .map(|e| e.role)
        .collect();
    let mut roles: Vec<RoleScore> = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Spectator)
        .map(|role| RoleScore {
            role,
            actions: 0,
            penalty_points: 0,
            approvals: 0,
            declines: 0,
            answered: 0,
            messages: 0,
            broken_promises: 0,
            points: 0,
        })
        .collect();
    let slot = |roles: &mut Vec<RoleScore>, role: Role| roles.iter().position(|r| r.role == role);
    for role in &doers {
        if let Some(i) = slot(&mut roles, *role) {
            roles[i].actions += 1;
        }
    }
    for p in &sim.penalties().to_vec() {
        if let Some(role) = doers.get(p.action_index) {
            if let Some(i) = slot(&mut roles, *role) {
                roles[i].penalty_points += p.points;
            }
        }
    }
    for e in &record.log {
        match &e.kind {
            EntryKind::Approved { .. } => {
                if let Some(i) = slot(&mut roles, e.role) {
                    roles[i].approvals += 1;
                }
            }
            EntryKind::Declined { .. } => {
                if let Some(i) = slot(&mut roles, e.role) {
                    roles[i].declines += 1;
                }
            }
            _ => {}
        }
    }
    // Communications: each stakeholder message answered by a status update within
    // ANSWER_WITHIN_MS; a status update that promises an ETA while the cluster is not fully
    // redundant is a broken promise.
    let statuses: Vec<&Entry> = record
        .log
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Status { .. }))
        .collect();
    let comms = slot(&mut roles, Role::Communications).expect("a role");
    for m in &scenario.messages {
        roles[comms].messages += 1;
        if statuses
            .iter()
            .any(|s| s.tick_ms >= m.at_ms && s.tick_ms <= m.at_ms + ANSWER_WITHIN_MS)
        {
            roles[comms].answered += 1;
        }
    }
    for s in &statuses {
        if let EntryKind::Status {
            eta_min: Some(_), ..
        } = s.kind
        {
            let at = quorum_sim::simulate_until(scenario, replay.seed, &replay.actions, s.tick_ms);
            if !at.fully_redundant() {
                roles[comms].broken_promises += 1;
            }
        }
    }
    for r in &mut roles {
        r.points = match r.role {
            Role::Operator => -r.penalty_points,
            Role::Communications => {
                100 * i64::from(r.answered) - 200 * i64::from(r.broken_promises)
            }
            _ => 0,
        };
    }
    Ok(TeamResult {
        score: report.score,
        grade: report.grade.clone(),
        canonical_hash: verified.canonical_hash,
        event_log_hash: sim.event_log_hash(),
        divergences: 0,
        roles,
        players: Vec::new(),
        counts_for: None,
        record: record.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::TeamDrillBestRow;

    fn best(
        team_id: i64,
        team: &str,
        scenario: &str,
        score: i64,
        ended_at_ms: i64,
    ) -> TeamDrillBestRow {
        TeamDrillBestRow {
            team_id,
            team: team.into(),
            scenario_id: scenario.into(),
            position: 0,
            seed: 1,
            score,
            code: format!("{team}{scenario}"),
            ended_at_ms,
            // As the store returns them (`store::attach_players`): in the roles' order.
            players: ["commander", "operator", "communications"]
                .into_iter()
                .map(|role| crate::store::TeamDrillPlayer {
                    role: role.into(),
                    identity_id: team_id,
                    name: team.into(),
                    points: 0,
                })
                .collect(),
        }
    }

    /// Totals are sums over scenarios; a tie goes to the team whose latest counted drill
    /// ended first, then to the team formed first.
    #[test]
    fn team_drill_standings_sum_per_team_and_break_ties_by_who_got_there_first() {
        let rows = team_drill_standings(vec![
            best(1, "Late", "a", 500, 10),
            best(1, "Late", "b", 500, 90),
            best(2, "Early", "a", 1_000, 50),
            best(3, "Same", "a", 1_000, 50),
            best(4, "Low", "a", 100, 1),
        ]);
        let got: Vec<(i64, &str, i64, usize)> = rows
            .iter()
            .map(|r| (r.rank, r.team.as_str(), r.total, r.bests.len()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "Early", 1_000, 1),
                (2, "Same", 1_000, 1),
                (3, "Late", 1_000, 2),
                (4, "Low", 100, 1),
            ]
        );
        let roles: Vec<Role> = rows[0].bests[0].players.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            vec![Role::Commander, Role::Operator, Role::Communications],
            "in the roles' order"
        );
        assert_eq!(rows[0].bests[0].players[0].player_id, Some(2));
    }
}
