//! `drill live`: a drill against the wall clock behind real endpoints, so a trainee plays
//! with the aws CLI, curl and the official Elasticsearch client instead of the web console.
//!
//! - [`clock`]: sim time from the wall clock × speed (the only wall clock besides the
//!   browser's ticker; the simulator stays pure).
//! - [`es`]: the Elasticsearch REST API, one port per node. A node's listener follows
//!   [`quorum_sim::datastore::api::Reach`]: open while the process answers, closed (the
//!   connection is refused) while it is down, open but silent (accepts, never answers) while
//!   the guest is frozen or the instance not running.
//! - [`ec2`]: the EC2 Query API and SSM `SendCommand` at one endpoint.
//! - [`view`]: the line-by-line terminal view.
//!
//! Every request becomes an [`Action`] applied at the sim time it arrived (reads too, within
//! [`Core::record_read`]'s budget); the live layer translates HTTP to actions and the sim's
//! answers back, and decides no game rule.

pub mod clock;
pub mod ec2;
pub mod es;
pub mod view;

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use quorum_sim::datastore::api::Reach;
use quorum_sim::replay::{PlayMode, Replay, MAX_REPLAY_BYTES, MAX_TOOLS_ACTIONS};
use quorum_sim::{Action, AppOutcome, AppRequest, Applied, Report, Scenario, Sim, TICK_MS};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

use clock::Clock;

/// The replay's cap: a drill played with the real tools may hold [`MAX_TOOLS_ACTIONS`].
pub const MAX_LIVE_ACTIONS: usize = MAX_TOOLS_ACTIONS;
/// State-changing actions (and the app requests, which change the score) keep this much
/// room in the replay: reads stop being recorded once the replay holds
/// `MAX_LIVE_ACTIONS - WRITE_RESERVE` actions, or its JSON comes within
/// [`WRITE_RESERVE_BYTES`] of [`MAX_REPLAY_BYTES`] (*chosen*).
pub const WRITE_RESERVE: usize = 200;
pub const WRITE_RESERVE_BYTES: usize = 48 * 1024;
/// The same read (same call, same node) is recorded once per sim second: the first one of
/// that second; the repeats are counted ([`Core::reads_coalesced`]) and the debrief says
/// how many (*chosen*: the debrief's resolution is the second).
pub const READ_COALESCE_MS: u64 = 1_000;

/// How `drill live` runs.
pub struct LiveConfig {
    pub scenario: Scenario,
    pub seed: u64,
    /// Sim seconds per wall second.
    pub speed: f64,
    pub bind: IpAddr,
    /// node-1's Elasticsearch port; node-k listens on `es_port + k - 1` (the k-th instance
    /// name in launch order). Must not be 0.
    pub es_port: u16,
    /// The EC2/SSM endpoint's port (0: any free port).
    pub ec2_port: u16,
    /// Where the live view goes (`None`: nowhere).
    pub view: Option<Box<dyn Write + Send>>,
}

/// The drill's state behind one lock: the simulation, the clock, the requests waiting for
/// the sim's answers, and the node listeners' wanted states.
pub struct Core {
    pub sim: Sim,
    pub clock: Clock,
    /// Waiting for the `ApiResponse` of the action with this index.
    waiters: HashMap<usize, oneshot::Sender<(u16, String)>>,
    /// Events already handled by [`Core::pump`].
    seen: usize,
    /// One per instance name, in launch order: node-k's port is `es_port + k - 1`.
    slots: Vec<(String, watch::Sender<Reach>)>,
    /// The sim second each read (by its script line) was last recorded in.
    last_read: HashMap<String, u64>,
    /// The replay's JSON size so far, estimated from above (each action as it is written
    /// inside the replay).
    replay_bytes: usize,
    /// Reads not recorded because the same read was recorded in the same sim second.
    pub reads_coalesced: u64,
    /// Reads not recorded because the replay had no room left for reads, and the sim time
    /// of the first.
    pub reads_unrecorded: u64,
    pub reads_full_at_ms: Option<u64>,
    /// Requests refused (429) because the replay was full.
    pub refused_full: u64,
    /// The trainee's app requests counted: searches, failed searches, indexes, failed ones.
    pub app_tally: [u64; 4],
    /// Requests answered, for request ids.
    pub requests: u64,
    pub view: view::View,
    /// The largest |sim time − wall clock × speed| seen after an advance, in ms: what a
    /// request meets (each advances the sim before it acts).
    pub max_drift_ms: f64,
    /// The same, before the advance: how far the sim had fallen behind between advances
    /// (the ticker runs every 5 ms; the sim moves in 100 ms ticks).
    pub max_lag_ms: f64,
    /// Advances, and those that found the sim more than 100 ms behind.
    pub advances: u64,
    pub lagged: u64,
}

impl Core {
    /// Steps the simulation to the tick nearest the clock's time (never past the end).
    pub fn advance(&mut self, now: Instant) {
        let target = self.clock.sim_ms_at(now);
        if !self.sim.is_over() && !self.clock.is_paused() {
            let lag = (target - self.sim.now_ms() as f64).abs();
            self.max_lag_ms = self.max_lag_ms.max(lag);
            self.advances += 1;
            self.lagged += u64::from(lag > 100.0);
        }
        let half_tick = (TICK_MS / 2) as f64;
        while !self.sim.is_over() && (self.sim.now_ms() as f64) + half_tick <= target {
            self.sim.step();
        }
        if !self.sim.is_over() && !self.clock.is_paused() {
            let drift = (self.sim.now_ms() as f64 - target).abs();
            self.max_drift_ms = self.max_drift_ms.max(drift);
        }
        self.pump();
    }

    /// Handles the events logged since the last call: answers waiting requests, prints the
    /// view's lines.
    pub fn pump(&mut self) {
        let events = &self.sim.events()[self.seen..];
        for e in events {
            if let quorum_sim::EventKind::ApiResponse {
                index,
                status,
                body,
                ..
            } = &e.kind
            {
                if let Some(tx) = self.waiters.remove(index) {
                    let _ = tx.send((*status, body.clone()));
                }
            }
        }
        self.view.events(&self.sim, self.seen);
        self.seen = self.sim.events().len();
    }

    /// Applies a state-changing action now; `None` if the replay is full (counted in
    /// [`Core::refused_full`]).
    pub fn apply(&mut self, action: Action) -> Option<(usize, Applied)> {
        let bytes = action_bytes(self.sim.now_ms(), &action);
        let full = self.sim.actions().len() >= MAX_LIVE_ACTIONS
            || self.replay_bytes + bytes + 1024 > MAX_REPLAY_BYTES;
        if full || self.sim.is_over() {
            if full {
                self.refused_full += 1;
                if self.refused_full == 1 {
                    self.view.note(&format!("the replay is full ({} actions, {} bytes): requests that change the drill are refused with 429 from now on", self.sim.actions().len(), self.replay_bytes));
                }
            }
            return None;
        }
        self.replay_bytes += bytes;
        let applied = self.sim.apply(action);
        Some((self.sim.actions().len() - 1, applied))
    }

    /// Applies an action and registers for the `ApiResponse` it will log.
    pub fn apply_api(&mut self, action: Action) -> Option<oneshot::Receiver<(u16, String)>> {
        let (index, applied) = self.apply(action)?;
        let (tx, rx) = oneshot::channel();
        if let Applied::Refused { reason } = applied {
            let _ = tx.send((400, reason));
        } else {
            self.waiters.insert(index, tx);
        }
        self.pump();
        Some(rx)
    }

    /// Records a read-only request as an action at this sim time, unless the same read was
    /// recorded in this sim second ([`READ_COALESCE_MS`]: counted in
    /// [`Core::reads_coalesced`]), or the replay has no room left for reads
    /// ([`WRITE_RESERVE`], [`WRITE_RESERVE_BYTES`]: counted in [`Core::reads_unrecorded`],
    /// said once in the view and in the debrief). Returns whether it was recorded.
    pub fn record_read(&mut self, action: Action) -> bool {
        let now = self.sim.now_ms();
        let key = action.to_script();
        let second = now / READ_COALESCE_MS;
        if self.last_read.get(&key) == Some(&second) {
            self.reads_coalesced += 1;
            return false;
        }
        let bytes = action_bytes(now, &action);
        let room = self.sim.actions().len() < MAX_LIVE_ACTIONS - WRITE_RESERVE
            && self.replay_bytes + bytes + WRITE_RESERVE_BYTES <= MAX_REPLAY_BYTES;
        if !room {
            self.reads_unrecorded += 1;
            if self.reads_full_at_ms.is_none() && !self.sim.is_over() {
                self.reads_full_at_ms = Some(now);
                self.view.note(&format!(
                    "the replay has no room left for reads ({} actions, {} bytes): reads are still answered but no longer recorded; requests that change the drill are",
                    self.sim.actions().len(),
                    self.replay_bytes
                ));
            }
            return false;
        }
        self.last_read.insert(key, second);
        let recorded = self.apply(action).is_some();
        self.pump();
        recorded
    }

    /// A trainee's search or index on the app's index: the sim's outcome, counted into the
    /// drill's traffic by adding it to the node's open [`Action::AppRequests`] of this sim
    /// second ([`Sim::add_app_request`]) or applying a new one. A request to a node that does
    /// not answer is not counted (it never arrived). `None`: the replay is full, nothing is
    /// counted.
    pub fn record_app(&mut self, via: &str, request: AppRequest) -> Option<AppOutcome> {
        let outcome = self.sim.app_outcome(via, request);
        if outcome == AppOutcome::Unreachable {
            return Some(outcome);
        }
        if !self.sim.add_app_request(via, request) {
            let (searches, indexes) = match request {
                AppRequest::Search => (1, 0),
                AppRequest::Index => (0, 1),
            };
            let action = Action::AppRequests {
                via: via.to_string(),
                searches,
                indexes,
            };
            let (_, applied) = self.apply(action)?;
            if applied != Applied::Accepted {
                return None;
            }
        }
        let at = match request {
            AppRequest::Search => 0,
            AppRequest::Index => 2,
        };
        self.app_tally[at] += 1;
        self.app_tally[at + 1] += u64::from(!outcome.served());
        self.pump();
        Some(outcome)
    }

    /// The next request id (EC2's `requestId`, SSM's `CommandId`): drawn from the request
    /// count, never from the sim's random streams.
    pub fn request_id(&mut self) -> String {
        self.requests += 1;
        let n = self.requests;
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            n.wrapping_mul(2_654_435_761) & 0xffff_ffff,
            n & 0xffff,
            (n >> 16) & 0xfff,
            self.sim.now_ms() & 0xfff,
            n
        )
    }
}

/// An action's share of the replay's JSON, from above: its pretty JSON as it is written
/// inside the replay's `actions` (two levels deeper than on its own).
fn action_bytes(at_ms: u64, action: &Action) -> usize {
    let timed = quorum_sim::TimedAction {
        at_ms,
        action: action.clone(),
    };
    let text = serde_json::to_string_pretty(&timed).unwrap_or_default();
    text.len() + 4 * (text.lines().count() + 1) + 2
}

/// What the tasks share.
pub struct Shared {
    core: Mutex<Core>,
    /// The sim's time after each advance: handlers wait on it for sim deadlines.
    sim_now: watch::Sender<u64>,
    bind: IpAddr,
    es_port: u16,
}

impl Shared {
    /// The core, caught up with the wall clock.
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        let mut core = self.core.lock().unwrap_or_else(|p| p.into_inner());
        core.advance(Instant::now());
        core
    }

    /// Waits until the sim has advanced past `sim_ms` (or the drill ended).
    pub async fn until_sim(&self, sim_ms: u64) {
        let mut rx = self.sim_now.subscribe();
        let _ = rx.wait_for(|now| *now >= sim_ms || *now == u64::MAX).await;
    }

    /// Waits for the sim's next advance.
    pub async fn next_tick(&self) {
        let mut rx = self.sim_now.subscribe();
        rx.borrow_and_update();
        let _ = rx.changed().await;
    }
}

/// A running live drill.
pub struct LiveHandle {
    shared: Arc<Shared>,
    pub ec2_addr: SocketAddr,
    ended: watch::Receiver<bool>,
    tasks: JoinSet<()>,
}

/// What a finished live drill leaves: its replay (mode `tools`) and the report of that
/// replay run to the scenario's end, as `drill verify` computes it.
pub struct Outcome {
    pub replay: Replay,
    pub report: Report,
    pub max_drift_ms: f64,
    pub max_lag_ms: f64,
    /// Advances of the sim, and those that found it more than 100 ms behind the clock.
    pub advances: u64,
    pub lagged: u64,
    /// Reads recorded once for their sim second, reads not recorded for lack of room (and
    /// when that began), requests refused because the replay was full.
    pub reads_coalesced: u64,
    pub reads_unrecorded: u64,
    pub reads_full_at_ms: Option<u64>,
    pub refused_full: u64,
    /// Searches, failed searches, indexes and failed indexes the trainee sent to the app.
    pub app_tally: [u64; 4],
}

impl LiveHandle {
    /// The address of node `k`'s (1-based) Elasticsearch port.
    pub fn es_addr(&self, k: u16) -> SocketAddr {
        SocketAddr::new(self.shared.bind, self.shared.es_port + k - 1)
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Waits for the drill's end (its scheduled duration in sim time).
    pub async fn ended(&mut self) {
        let _ = self.ended.wait_for(|e| *e).await;
    }

    pub fn set_paused(&self, paused: bool) {
        let mut core = self.shared.lock();
        core.clock.set_paused(paused, Instant::now());
        let line = if paused { "paused" } else { "resumed" };
        core.view.note(line);
    }

    pub fn set_speed(&self, speed: f64) {
        let mut core = self.shared.lock();
        core.clock.set_speed(speed, Instant::now());
        let line = format!("speed {}x", core.clock.speed());
        core.view.note(&line);
    }

    pub fn speed(&self) -> f64 {
        self.shared.lock().clock.speed()
    }

    pub fn is_paused(&self) -> bool {
        self.shared.lock().clock.is_paused()
    }

    /// Stops the servers and the clock, and runs the recorded actions to the scenario's
    /// end for the debrief.
    pub async fn stop(mut self) -> Outcome {
        self.tasks.shutdown().await;
        let mut core = self.shared.core.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.shared.sim_now.send(u64::MAX);
        let sim = &core.sim;
        let replay = Replay::new(sim.scenario(), sim.seed(), sim.actions().to_vec())
            .with_mode(PlayMode::Tools);
        let mut finished = core.sim.clone();
        finished.finish();
        core.view.note("drill over: the debrief follows");
        Outcome {
            report: finished.report(),
            replay,
            max_drift_ms: core.max_drift_ms,
            max_lag_ms: core.max_lag_ms,
            advances: core.advances,
            lagged: core.lagged,
            reads_coalesced: core.reads_coalesced,
            reads_unrecorded: core.reads_unrecorded,
            reads_full_at_ms: core.reads_full_at_ms,
            refused_full: core.refused_full,
            app_tally: core.app_tally,
        }
    }
}

/// Binds the EC2 endpoint, opens node listeners, starts the clock.
pub async fn start(config: LiveConfig) -> std::io::Result<LiveHandle> {
    if config.es_port == 0 {
        return Err(std::io::Error::other("--es-port must not be 0"));
    }
    let sim = Sim::new(&config.scenario, config.seed);
    let core = Core {
        sim,
        clock: Clock::new(config.speed, Instant::now()),
        waiters: HashMap::new(),
        seen: 0,
        slots: Vec::new(),
        last_read: HashMap::new(),
        replay_bytes: 1024,
        reads_coalesced: 0,
        reads_unrecorded: 0,
        reads_full_at_ms: None,
        refused_full: 0,
        app_tally: [0; 4],
        requests: 0,
        view: view::View::new(config.view),
        max_drift_ms: 0.0,
        max_lag_ms: 0.0,
        advances: 0,
        lagged: 0,
    };
    let (sim_now, _) = watch::channel(0u64);
    let shared = Arc::new(Shared {
        core: Mutex::new(core),
        sim_now,
        bind: config.bind,
        es_port: config.es_port,
    });
    let ec2_listener = TcpListener::bind((config.bind, config.ec2_port)).await?;
    let ec2_addr = ec2_listener.local_addr()?;
    let mut tasks = JoinSet::new();
    let router = ec2::router(shared.clone());
    tasks.spawn(async move {
        let _ = axum::serve(ec2_listener, router).await;
    });
    let (ended_tx, ended) = watch::channel(false);
    {
        let mut core = shared.core.lock().unwrap_or_else(|p| p.into_inner());
        let banner = view::banner(
            &core.sim,
            config.bind,
            config.es_port,
            ec2_addr,
            &core.clock,
        );
        core.view.note(&banner);
        core.clock = Clock::new(config.speed, Instant::now());
    }
    tasks.spawn(ticker(shared.clone(), ended_tx));
    Ok(LiveHandle {
        shared,
        ec2_addr,
        ended,
        tasks,
    })
}

/// Advances the sim with the clock, keeps the node listeners' states, and prints a status
/// line every sim minute.
async fn ticker(shared: Arc<Shared>, ended: watch::Sender<bool>) {
    let mut slot_tasks = JoinSet::new();
    let mut interval = tokio::time::interval(Duration::from_millis(5));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let (now, over) = {
            let mut core = shared.lock();
            sync_slots(&shared, &mut core, &mut slot_tasks);
            let Core {
                view, sim, clock, ..
            } = &mut *core;
            view.status(sim, clock);
            (core.sim.now_ms(), core.sim.is_over())
        };
        shared.sim_now.send_replace(now);
        if over {
            let _ = ended.send(true);
            // Keep serving until stopped: the trainee may still look.
            std::future::pending::<()>().await;
        }
    }
}

/// One listener per instance name, in launch order, each told what its node's port should
/// do now.
fn sync_slots(shared: &Arc<Shared>, core: &mut Core, tasks: &mut JoinSet<()>) {
    let mut names: Vec<String> = Vec::new();
    for inst in core.sim.instances() {
        if !names.contains(&inst.name) {
            names.push(inst.name.clone());
        }
    }
    for name in names {
        let reach = match core.sim.instance_by_name(&name) {
            Some(idx) => core.sim.reach(idx),
            None => Reach::Refuses,
        };
        match core.slots.iter().find(|(n, _)| *n == name) {
            Some((_, tx)) => {
                tx.send_if_modified(|r| std::mem::replace(r, reach) != reach);
            }
            None => {
                let k = core.slots.len() as u16;
                let (tx, rx) = watch::channel(reach);
                let addr = SocketAddr::new(shared.bind, shared.es_port.saturating_add(k));
                tasks.spawn(es::slot(shared.clone(), name.clone(), addr, rx));
                core.slots.push((name, tx));
            }
        }
    }
}
