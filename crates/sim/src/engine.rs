//! The simulation: state, the tick loop, timers, and the EC2 side of every action.
//! The datastore lives in `cluster.rs`, traffic in `traffic.rs`, the REST API in `api.rs`,
//! the report in `debrief.rs`; all are `impl Sim` blocks over the same state.

use std::sync::Arc;

use crate::action::{Action, Applied, TimedAction};
use crate::event::{Event, EventKind, Health, InstanceState};
use crate::model::*;
use crate::offers::{volume_cooldown_until, ConsoleAction, NotOffered};
use crate::report::{Cause, Penalty};
use crate::rng::Prng;
use crate::scenario::{FaultKind, Scenario};
use crate::timing::*;
use crate::traffic::{Client, Metrics, Sample};
use crate::vecmap::{VecMap, VecSet};

/// Round a delay up to whole ticks, so that every timer fires on a tick boundary.
fn ticks(delay_ms: u64) -> u64 {
    delay_ms.div_ceil(TICK_MS) * TICK_MS
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    PendingDone,
    BootDone,
    ShutdownDone,
    SnapshotInitiated,
    StopDone,
    TerminateDone,
    HardReboot,
    HardStop,
    RebootGaveUp,
}

#[derive(Clone, Debug)]
pub(crate) enum Timer {
    Instance {
        idx: usize,
        gen: u64,
        step: Step,
    },
    EsStarted {
        idx: usize,
        gen: u64,
    },
    SetupDone {
        idx: usize,
        gen: u64,
    },
    LogsCleaned {
        idx: usize,
        gen: u64,
    },
    VolumeResized {
        idx: usize,
        bytes: u64,
    },
    Fault(usize),
    Branch(usize),
    BranchNotice(usize),
    ImageReady(usize),
    ImageFailed(usize),
    Message(usize),
    /// Deliver an event later (API responses that wait for `master_timeout`).
    Deliver(Box<EventKind>),
    /// Re-evaluate the cluster (a time-based condition may have become true).
    Wake,
}

/// What the seed drew for a branch.
#[derive(Clone, Debug)]
pub struct BranchDraw {
    pub taken: bool,
    pub at_ms: u64,
}

#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) scenario: Arc<Scenario>,
    pub(crate) seed: u64,
    pub(crate) now_ms: u64,
    pub(crate) rng_ec2: Prng,
    pub(crate) rng_es: Prng,
    pub(crate) rng_ids: Prng,
    pub(crate) rng_traffic: Prng,
    pub(crate) hosts: Vec<Host>,
    pub(crate) instances: Vec<Instance>,
    pub(crate) images: Vec<Image>,
    /// Datastore node ids (the 22-character ids ES persists), by `NodeKey`.
    pub(crate) node_ids: Vec<String>,
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) timers: VecMap<(u64, u64), Timer>,
    pub(crate) timer_seq: u64,
    pub(crate) events: Vec<Event>,
    pub(crate) actions: Vec<TimedAction>,
    pub(crate) penalties: Vec<Penalty>,
    pub(crate) branches: Vec<BranchDraw>,
    pub(crate) next_alloc: u64,
    pub(crate) dirty: bool,
    pub(crate) client: Client,
    pub(crate) metrics: Metrics,
    pub(crate) samples: Vec<Sample>,
    pub(crate) ended: bool,
    /// Ticks since the last whole second.
    pub(crate) tick_in_second: u32,
    /// CloudWatch disk alarms currently firing, by alarm name.
    pub(crate) disk_alarms: VecSet<String>,
}

/// The main cluster (the one the web app uses) is always `clusters[0]`.
pub const MAIN: usize = 0;

impl Sim {
    /// A cluster in its steady state at 00:00, with the scenario's faults, branches and
    /// messages scheduled.
    pub fn new(scenario: &Scenario, seed: u64) -> Sim {
        let topo = &scenario.topology;
        let mut sim = Sim {
            scenario: Arc::new(scenario.clone()),
            seed,
            now_ms: 0,
            rng_ec2: Prng::fork(seed, "ec2"),
            rng_es: Prng::fork(seed, "datastore"),
            rng_ids: Prng::fork(seed, "ids"),
            rng_traffic: Prng::fork(seed, "traffic"),
            hosts: Vec::new(),
            instances: Vec::new(),
            images: Vec::new(),
            node_ids: Vec::new(),
            clusters: Vec::new(),
            timers: VecMap::new(),
            timer_seq: 0,
            events: Vec::new(),
            actions: Vec::new(),
            penalties: Vec::new(),
            branches: Vec::new(),
            next_alloc: 1,
            dirty: true,
            client: Client::default(),
            metrics: Metrics::default(),
            samples: Vec::new(),
            ended: false,
            tick_in_second: 0,
            disk_alarms: VecSet::new(),
        };
        let uuid = sim.random_id(22);
        let mut cluster = Cluster::new(uuid);
        for (i, name) in topo.nodes.iter().enumerate() {
            let az = topo.azs[i % topo.azs.len()].clone();
            let idx = sim.new_instance(
                name,
                &az,
                "ami-0base".into(),
                Volume::base_os(topo.disk_bytes),
            );
            let node = sim.new_node_key();
            let inst = &mut sim.instances[idx];
            inst.state = InstanceState::Running;
            inst.os = Os::Up;
            inst.checks = Checks::Ok;
            let ephemeral = sim.rng_ids.next_u64();
            let inst = &mut sim.instances[idx];
            inst.es = EsProc::Running {
                ephemeral,
                since_ms: 0,
            };
            let volume = inst.volume.as_mut().expect("new instance has a volume");
            volume.installed = true;
            volume.node = Some(node);
            volume.cluster = Some(MAIN);
            cluster.members.insert(
                node,
                Member {
                    instance: idx,
                    ephemeral,
                    silent_since_ms: None,
                },
            );
            cluster.voting.insert(node);
        }
        // Shard s: primary on node s, replicas on the following nodes.
        let n = topo.nodes.len();
        for s in 0..topo.shards {
            let mut shard = Shard {
                number: s,
                copies: Vec::new(),
                unassigned: Vec::new(),
                in_sync: VecSet::new(),
                ops: 0,
                primary_term: 1,
                leases: VecMap::new(),
            };
            for r in 0..=topo.replicas as usize {
                let idx = (s as usize + r) % n;
                let node = sim.instances[idx]
                    .volume
                    .as_ref()
                    .and_then(|v| v.node)
                    .expect("initial node");
                let alloc = sim.next_alloc;
                sim.next_alloc += 1;
                shard.copies.push(ShardCopy {
                    alloc,
                    node,
                    primary: r == 0,
                    state: CopyState::Started,
                });
                shard.in_sync.insert(alloc);
                shard.leases.insert(node, u64::MAX);
                sim.instances[idx]
                    .volume
                    .as_mut()
                    .expect("volume")
                    .shards
                    .insert(s, DiskCopy { alloc, ops: 0 });
            }
            cluster.shards.push(shard);
        }
        let master_idx = match &topo.initial_master {
            Some(name) => topo
                .nodes
                .iter()
                .position(|n| n == name)
                .expect("validated"),
            None => sim.rng_es.range(0, n as u64 - 1) as usize,
        };
        cluster.master = sim.instances[master_idx]
            .volume
            .as_ref()
            .and_then(|v| v.node);
        sim.clusters.push(cluster);
        sim.client.pool = (0..n).map(crate::traffic::PoolEntry::new).collect();

        sim.emit(EventKind::DrillStarted {
            scenario_id: scenario.id.clone(),
            seed,
        });
        for (i, fault) in scenario.faults.iter().enumerate() {
            sim.schedule_at(fault.at_ms, Timer::Fault(i));
        }
        let mut rng_branches = Prng::fork(seed, "branches");
        for (i, branch) in scenario.branches.iter().enumerate() {
            let taken = rng_branches.chance(branch.probability_percent);
            let at_ms = ticks(rng_branches.range(branch.after_min_ms, branch.after_max_ms));
            sim.branches.push(BranchDraw { taken, at_ms });
            if taken {
                sim.schedule_at(at_ms, Timer::Branch(i));
            } else if branch.kind == FaultKind::HostRecovery {
                sim.schedule_at(ticks(branch.after_min_ms), Timer::BranchNotice(i));
            }
        }
        for (i, message) in scenario.messages.iter().enumerate() {
            sim.schedule_at(message.at_ms, Timer::Message(i));
        }
        sim.refresh();
        sim
    }

    // ---- Public views -------------------------------------------------------------------

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }
    pub fn duration_ms(&self) -> u64 {
        self.scenario.duration_ms
    }
    pub fn is_over(&self) -> bool {
        self.ended
    }
    pub fn events(&self) -> &[Event] {
        &self.events
    }
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }
    pub fn images(&self) -> &[Image] {
        &self.images
    }
    pub fn main_cluster(&self) -> &Cluster {
        &self.clusters[MAIN]
    }
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }
    /// The actions applied so far, as a replay would record them.
    pub fn actions(&self) -> &[TimedAction] {
        &self.actions
    }
    pub fn penalties(&self) -> &[Penalty] {
        &self.penalties
    }
    pub fn branch_draws(&self) -> &[BranchDraw] {
        &self.branches
    }
    /// One sample per sim second: traffic, latency, health.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
    /// A node's ES id string.
    pub fn node_id(&self, node: NodeKey) -> &str {
        &self.node_ids[node]
    }
    /// The instance a node identity currently runs on, preferring a cluster member.
    pub fn node_name(&self, node: NodeKey) -> String {
        if let Some(member) = self.clusters.iter().find_map(|c| c.members.get(&node)) {
            return self.instances[member.instance].name.clone();
        }
        self.instances
            .iter()
            .rev()
            .find(|i| i.volume.as_ref().and_then(|v| v.node) == Some(node))
            .map(|i| i.name.clone())
            .unwrap_or_else(|| format!("{{{}}}", self.node_ids[node]))
    }
    /// When the next scheduled thing happens (for "skip to the next event").
    pub fn next_timer_ms(&self) -> Option<u64> {
        self.timers.keys().next().map(|(at, _)| *at)
    }
    /// Looks an instance up by name: the newest one not terminated, else the newest.
    pub fn instance_by_name(&self, name: &str) -> Option<usize> {
        let mut found = None;
        for (idx, inst) in self.instances.iter().enumerate() {
            if (inst.name == name || inst.id == name)
                && (inst.state != InstanceState::Terminated || found.is_none())
            {
                found = Some(idx);
            }
        }
        found
    }

    /// The name the Launch dialog suggests: the first `node-N` from N = instances + 1 that
    /// no live instance has.
    pub fn suggested_instance_name(&self) -> String {
        (self.instances.len() + 1..)
            .map(|n| format!("node-{n}"))
            .find(|n| {
                !self
                    .instances
                    .iter()
                    .any(|i| i.state != InstanceState::Terminated && i.name == *n)
            })
            .unwrap_or_default()
    }

    /// The nodes the API console can send to: every instance not terminated whose volume
    /// has the datastore installed, by name, once each, in launch order.
    pub fn api_targets(&self) -> Vec<String> {
        let mut targets: Vec<String> = Vec::new();
        for inst in &self.instances {
            let runs = inst.volume.as_ref().is_some_and(|v| v.installed);
            if runs && inst.state != InstanceState::Terminated && !targets.contains(&inst.name) {
                targets.push(inst.name.clone());
            }
        }
        targets
    }

    // ---- The loop -----------------------------------------------------------------------

    /// Advances one tick.
    pub fn step(&mut self) {
        if self.ended {
            return;
        }
        self.now_ms += TICK_MS;
        // Once-a-second work runs on a tick count, not `now % 1000`: divisions by constants
        // are several multiplications each in wasm32.
        self.tick_in_second += 1;
        let second = if self.tick_in_second == (1000 / TICK_MS) as u32 {
            self.tick_in_second = 0;
            Some(self.now_ms / 1000)
        } else {
            None
        };
        while let Some((&(at_ms, _), _)) = self.timers.first_key_value() {
            if at_ms > self.now_ms {
                break;
            }
            if let Some((_, timer)) = self.timers.pop_first() {
                self.fire(timer);
            }
        }
        if let Some(s) = second {
            if s.is_multiple_of(STATUS_CHECK_INTERVAL_MS / 1000) {
                self.evaluate_status_checks();
            }
            self.grow_logs();
            if s.is_multiple_of(DISK_INFO_INTERVAL_MS / 1000) {
                self.check_disks();
            }
        }
        if self.dirty {
            self.refresh();
        }
        self.progress_recoveries();
        if self.dirty {
            self.refresh();
        }
        self.traffic_tick(second);
        if self.now_ms >= self.scenario.duration_ms {
            self.emit(EventKind::DrillEnded);
            self.ended = true;
        }
    }

    /// Advances until `at_ms` (or the end).
    pub fn run_until(&mut self, at_ms: u64) {
        while self.now_ms < at_ms && !self.ended {
            self.step();
        }
    }

    /// Runs to the scenario's end.
    pub fn finish(&mut self) {
        self.run_until(u64::MAX);
    }

    /// Re-runs coordination, allocation and the caches the traffic model reads.
    pub(crate) fn refresh(&mut self) {
        // Coordination can enable allocation and vice versa; a few passes settle it.
        for _ in 0..4 {
            self.dirty = false;
            for c in 0..self.clusters.len() {
                self.coordinate(c);
                self.allocate(c);
            }
            if !self.dirty {
                break;
            }
        }
        self.dirty = false;
        self.update_health();
        self.client_refresh();
    }

    pub(crate) fn emit(&mut self, kind: EventKind) {
        self.events.push(Event {
            at_ms: self.now_ms,
            kind,
        });
    }

    pub(crate) fn schedule(&mut self, delay_ms: u64, timer: Timer) {
        let at = self.now_ms + ticks(delay_ms);
        self.schedule_at(at, timer);
    }

    pub(crate) fn schedule_at(&mut self, at_ms: u64, timer: Timer) {
        self.timer_seq += 1;
        self.timers
            .insert((at_ms.max(self.now_ms), self.timer_seq), timer);
    }

    pub(crate) fn draw(&mut self, range: (u64, u64)) -> u64 {
        self.rng_ec2.range(range.0, range.1)
    }

    pub(crate) fn random_id(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..len)
            .map(|_| ALPHABET[(self.rng_ids.next_u32() % 64) as usize] as char)
            .collect()
    }

    fn random_hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.rng_ids.next_u32() % 16, 16).expect("hex digit"))
            .collect()
    }

    pub(crate) fn new_node_key(&mut self) -> NodeKey {
        let id = self.random_id(22);
        self.node_ids.push(id);
        self.node_ids.len() - 1
    }

    fn new_host(&mut self) -> usize {
        self.hosts.push(Host { failed: false });
        self.hosts.len() - 1
    }

    fn new_instance(&mut self, name: &str, az: &str, image_id: String, volume: Volume) -> usize {
        let host = self.new_host();
        let id = format!("i-0{}", self.random_hex(16));
        let subnet = match az.as_bytes().last() {
            Some(b) => u32::from(*b) % 16,
            None => 0,
        };
        let private_ip = format!(
            "10.0.{}.{}",
            subnet * 16 + 1,
            10 + self.rng_ids.next_u32() % 240
        );
        self.instances.push(Instance {
            name: name.to_string(),
            id,
            az: az.to_string(),
            instance_type: self.scenario.topology.instance_type.clone(),
            private_ip,
            image_id,
            state: InstanceState::Pending,
            os: Os::Off,
            host,
            checks: Checks::None,
            volume: Some(volume),
            es: EsProc::Stopped,
            setup_running: false,
            launched_at_ms: self.now_ms,
            running_since_ms: self.now_ms,
            op: Op::None,
            gen: 0,
            down_cause: None,
            last_exit: None,
            last_join_reject_log_ms: None,
        });
        self.instances.len() - 1
    }

    // ---- Liveness -----------------------------------------------------------------------

    /// The instance's guest is frozen: its host failed or its kernel hung.
    #[inline]
    pub fn is_frozen(&self, idx: usize) -> bool {
        let inst = &self.instances[idx];
        inst.state != InstanceState::Stopped
            && inst.state != InstanceState::Terminated
            && (self.hosts[inst.host].failed || inst.os == Os::Hung)
    }

    /// The datastore process on the instance answers requests.
    pub fn is_responsive(&self, idx: usize) -> bool {
        matches!(self.instances[idx].es, EsProc::Running { .. }) && !self.is_frozen(idx)
    }

    fn set_state(&mut self, idx: usize, state: InstanceState) {
        let inst = &mut self.instances[idx];
        if inst.state == state {
            return;
        }
        inst.state = state;
        if state != InstanceState::Running {
            inst.checks = Checks::None;
        }
        let (instance, instance_id) = (inst.name.clone(), inst.id.clone());
        self.emit(EventKind::InstanceState {
            instance,
            instance_id,
            state,
        });
        self.dirty = true;
    }

    fn log(&mut self, idx: usize, text: impl Into<String>) {
        let instance = self.instances[idx].name.clone();
        self.emit(EventKind::InstanceLog {
            instance,
            text: text.into(),
        });
    }

    /// The datastore process ends. `clean`: SIGTERM, connections closed, peers notice at
    /// once. Otherwise the process vanishes with its host or power and peers time out.
    pub(crate) fn stop_es(&mut self, idx: usize, clean: bool) {
        let inst = &mut self.instances[idx];
        match inst.es {
            EsProc::Running { ephemeral, .. } => {
                inst.es = EsProc::Stopped;
                inst.last_exit = Some((ephemeral, clean));
                let node = inst.name.clone();
                self.emit(EventKind::NodeProcess {
                    node,
                    started: false,
                });
            }
            EsProc::Starting => inst.es = EsProc::Stopped,
            EsProc::Stopped => {}
        }
        self.dirty = true;
    }

    fn start_es(&mut self, idx: usize) {
        let inst = &self.instances[idx];
        if inst.es != EsProc::Stopped || !inst.volume.as_ref().is_some_and(|v| v.installed) {
            return;
        }
        self.instances[idx].es = EsProc::Starting;
        let gen = self.instances[idx].gen;
        let delay = self.draw(ES_START_MS);
        self.schedule(delay, Timer::EsStarted { idx, gen });
    }

    fn bump(&mut self, idx: usize) -> u64 {
        self.instances[idx].gen += 1;
        self.instances[idx].gen
    }

    fn schedule_step(&mut self, idx: usize, delay_ms: u64, step: Step) {
        let gen = self.instances[idx].gen;
        self.schedule(delay_ms, Timer::Instance { idx, gen, step });
    }

    /// Begins a clean OS shutdown (the datastore gets SIGTERM first).
    fn begin_shutdown(&mut self, idx: usize) {
        self.stop_es(idx, true);
        self.instances[idx].os = Os::ShuttingDown;
        let delay = self.draw(OS_SHUTDOWN_MS);
        self.schedule_step(idx, delay, Step::ShutdownDone);
    }

    fn begin_boot(&mut self, idx: usize) {
        self.instances[idx].os = Os::Booting;
        let delay = self.draw(BOOT_MS);
        self.schedule_step(idx, delay, Step::BootDone);
    }

    // ---- Timers -------------------------------------------------------------------------

    fn fire(&mut self, timer: Timer) {
        self.dirty = true;
        match timer {
            Timer::Instance { idx, gen, step } => {
                if self.instances[idx].gen == gen {
                    self.instance_step(idx, step);
                }
            }
            Timer::EsStarted { idx, gen } => {
                let inst = &self.instances[idx];
                if inst.gen != gen
                    || inst.es != EsProc::Starting
                    || inst.os != Os::Up
                    || self.is_frozen(idx)
                {
                    return;
                }
                let ephemeral = self.rng_ids.next_u64();
                if self.instances[idx]
                    .volume
                    .as_ref()
                    .is_some_and(|v| v.node.is_none())
                {
                    let node = self.new_node_key();
                    self.instances[idx].volume.as_mut().expect("volume").node = Some(node);
                }
                let inst = &mut self.instances[idx];
                inst.es = EsProc::Running {
                    ephemeral,
                    since_ms: self.now_ms,
                };
                inst.down_cause = None;
                inst.last_join_reject_log_ms = None;
                let node = inst.name.clone();
                self.emit(EventKind::NodeProcess {
                    node,
                    started: true,
                });
                self.schedule(DISCOVERY_MS, Timer::Wake);
                self.schedule(BOOTSTRAP_AFTER_MS, Timer::Wake);
            }
            Timer::SetupDone { idx, gen } => {
                let inst = &mut self.instances[idx];
                inst.setup_running = false;
                if inst.gen != gen || inst.os != Os::Up || self.is_frozen(idx) {
                    self.log(idx, "setup did not complete: the instance went away");
                    return;
                }
                let imn = self.pending_setup_imn(idx);
                let volume = self.instances[idx]
                    .volume
                    .as_mut()
                    .expect("running instance has a volume");
                volume.installed = true;
                volume.initial_master_nodes = imn.clone();
                let seeds = self.scenario.topology.nodes.join(", ");
                let mut text = format!(
                    "setup complete: datastore installed, cluster.name: search-cluster, discovery.seed_hosts: [{seeds}], path.data empty"
                );
                if !imn.is_empty() {
                    text.push_str(&format!(
                        ", cluster.initial_master_nodes: [{}]",
                        imn.join(", ")
                    ));
                }
                self.log(idx, text);
                self.start_es(idx);
            }
            Timer::LogsCleaned { idx, gen } => {
                if self.instances[idx].gen != gen
                    || self.instances[idx].os != Os::Up
                    || self.is_frozen(idx)
                {
                    self.log(idx, "log cleanup did not complete: the instance went away");
                    return;
                }
                let shard_bytes = self.scenario.topology.shard_bytes;
                let Some(v) = self.instances[idx].volume.as_mut() else {
                    return;
                };
                let before = v.used_bytes(shard_bytes);
                let runaway = v.growth_bytes_per_s > 0;
                v.other_bytes = OS_BASE_BYTES.min(v.other_bytes);
                v.growth_bytes_per_s = 0;
                let freed = before - v.used_bytes(shard_bytes);
                let percent = v.used_percent(shard_bytes);
                let text = if runaway {
                    format!(
                        "log cleanup: deleted rotated logs, truncated /var/log/app/debug.log, debug logging off; freed {}, disk now {percent}% used",
                        crate::event::fmt_bytes(freed)
                    )
                } else {
                    format!(
                        "log cleanup: freed {}, disk {percent}% used",
                        crate::event::fmt_bytes(freed)
                    )
                };
                self.log(idx, text);
            }
            Timer::VolumeResized { idx, bytes } => {
                let Some(v) = self.instances[idx].volume.as_mut() else {
                    return;
                };
                v.capacity_bytes = bytes;
                let gib = bytes / (1024 * 1024 * 1024);
                self.log(idx, format!("volume modification completed (optimizing → completed); file system grown to {gib} GiB"));
            }
            Timer::Fault(i) => {
                let fault = self.scenario.faults[i].clone();
                self.inject(fault.kind, &fault.target);
            }
            Timer::Branch(i) => {
                let branch = self.scenario.branches[i].clone();
                self.inject(branch.kind, &branch.target);
            }
            Timer::BranchNotice(i) => {
                let target = self.scenario.branches[i].target.clone();
                if let Some(idx) = self.instance_by_name(&target) {
                    let inst = &self.instances[idx];
                    if inst.state == InstanceState::Running && self.hosts[inst.host].failed {
                        self.emit(EventKind::Ec2Notice {
                            instance: target,
                            text: "automatic recovery failed: insufficient capacity. The instance is scheduled for retirement: stop and start it, or replace it.".into(),
                        });
                    }
                }
            }
            Timer::ImageReady(i) => {
                if self.images[i].state == ImageState::Pending {
                    self.images[i].state = ImageState::Available;
                    let (image_id, name) = (self.images[i].id.clone(), self.images[i].name.clone());
                    self.emit(EventKind::ImageState {
                        image_id,
                        name,
                        state: "available".into(),
                    });
                }
            }
            Timer::ImageFailed(i) => {
                if self.images[i].state == ImageState::Pending {
                    self.images[i].state = ImageState::Failed;
                    let (image_id, name) = (self.images[i].id.clone(), self.images[i].name.clone());
                    self.emit(EventKind::ImageState {
                        image_id,
                        name,
                        state: "failed (the instance never shut down for the snapshot)".into(),
                    });
                }
            }
            Timer::Message(i) => {
                let m = self.scenario.messages[i].clone();
                self.emit(EventKind::Chat {
                    from: m.from,
                    text: m.text,
                });
            }
            Timer::Deliver(kind) => self.emit(*kind),
            Timer::Wake => {}
        }
    }

    fn instance_step(&mut self, idx: usize, step: Step) {
        match step {
            Step::PendingDone => {
                self.set_state(idx, InstanceState::Running);
                let inst = &mut self.instances[idx];
                inst.checks = Checks::Initializing;
                inst.running_since_ms = self.now_ms;
                self.begin_boot(idx);
            }
            Step::BootDone => {
                self.instances[idx].os = Os::Up;
                if self.instances[idx].op == Op::Reboot {
                    self.instances[idx].op = Op::None;
                }
                if let Op::CreateImage { .. } = self.instances[idx].op {
                    self.instances[idx].op = Op::None;
                }
                self.log(idx, "OS booted");
                self.start_es(idx);
            }
            Step::ShutdownDone => {
                self.instances[idx].os = Os::Off;
                match self.instances[idx].op {
                    Op::Reboot => {
                        self.log(idx, "OS shut down; rebooting");
                        self.begin_boot(idx);
                    }
                    Op::Stop => {
                        let delay = self.draw(STOPPED_AFTER_SHUTDOWN_MS);
                        self.schedule_step(idx, delay, Step::StopDone);
                    }
                    Op::Terminate => {
                        let delay = self.draw(TERMINATED_AFTER_SHUTDOWN_MS);
                        self.schedule_step(idx, delay, Step::TerminateDone);
                    }
                    Op::CreateImage { image } => {
                        self.log(idx, "OS shut down for CreateImage; taking the snapshots");
                        self.capture_image(idx, image);
                        let delay = self.draw(SNAPSHOT_INITIATE_MS);
                        self.schedule_step(idx, delay, Step::SnapshotInitiated);
                    }
                    Op::None | Op::ForceStop => {}
                }
            }
            Step::SnapshotInitiated => {
                self.log(
                    idx,
                    "snapshots initiated; CreateImage restarts the instance",
                );
                self.begin_boot(idx);
            }
            Step::StopDone => {
                self.stop_es(idx, false);
                let inst = &mut self.instances[idx];
                inst.os = Os::Off;
                inst.op = Op::None;
                self.set_state(idx, InstanceState::Stopped);
            }
            Step::TerminateDone => {
                self.stop_es(idx, false);
                let inst = &mut self.instances[idx];
                inst.os = Os::Off;
                inst.op = Op::None;
                inst.volume = None;
                self.set_state(idx, InstanceState::Terminated);
                self.log(idx, "root volume deleted (DeleteOnTermination)");
            }
            Step::HardReboot => {
                if self.hosts[self.instances[idx].host].failed {
                    self.instances[idx].op = Op::None;
                    self.log(
                        idx,
                        "hard reboot did not complete: the underlying host is impaired",
                    );
                    return;
                }
                self.stop_es(idx, false);
                self.log(
                    idx,
                    "the OS did not shut down cleanly within 4 minutes: hard reboot",
                );
                self.begin_boot(idx);
            }
            Step::HardStop => {
                self.log(idx, "the OS did not shut down cleanly: hard stop");
                let delay = self.draw(STOPPED_AFTER_SHUTDOWN_MS);
                self.schedule_step(idx, delay, Step::StopDone);
            }
            Step::RebootGaveUp => {
                self.instances[idx].op = Op::None;
                self.log(idx, "reboot did not complete: the instance is unreachable (underlying host impaired)");
            }
        }
    }

    fn capture_image(&mut self, idx: usize, image: usize) {
        let capacity = self.scenario.topology.disk_bytes;
        let mut volume = self.instances[idx]
            .volume
            .clone()
            .unwrap_or_else(|| Volume::base_os(capacity));
        // The data path as it is on disk: each assigned copy holds the ops indexed so far.
        for (shard_no, disk) in volume.shards.iter_mut() {
            if let Some(cluster) = volume.cluster {
                if let Some(shard) = self.clusters[cluster].shards.get(*shard_no as usize) {
                    if shard.copies.iter().any(|c| c.alloc == disk.alloc) {
                        disk.ops = shard.ops;
                    }
                }
            }
        }
        self.images[image].volume = volume;
    }

    fn inject(&mut self, kind: FaultKind, target: &str) {
        let Some(idx) = self.instance_by_name(target) else {
            return;
        };
        let (state, host, os) = (
            self.instances[idx].state,
            self.instances[idx].host,
            self.instances[idx].os,
        );
        let alive = matches!(
            state,
            InstanceState::Running | InstanceState::Pending | InstanceState::Stopping
        );
        let cause = Cause::Fault {
            node: target.to_string(),
            fault: kind.as_str().to_string(),
            at_ms: self.now_ms,
        };
        match kind {
            FaultKind::HostFailure => {
                if !alive || self.hosts[host].failed {
                    return;
                }
                self.emit(EventKind::FaultInjected {
                    instance: target.into(),
                    fault: kind,
                });
                self.hosts[host].failed = true;
                self.bump(idx);
                self.instances[idx].down_cause = Some(cause);
                if self.instances[idx].op == Op::Reboot {
                    self.schedule_step(idx, HARD_REBOOT_AFTER_MS, Step::RebootGaveUp);
                }
            }
            FaultKind::HostRecovery => {
                if !self.hosts[host].failed {
                    return;
                }
                match state {
                    InstanceState::Running => {
                        self.emit(EventKind::FaultInjected {
                            instance: target.into(),
                            fault: kind,
                        });
                        self.emit(EventKind::Ec2Notice {
                            instance: target.into(),
                            text: "instance recovered on new hardware: same instance id, private IP and volumes; memory contents lost".into(),
                        });
                        self.bump(idx);
                        self.stop_es(idx, false);
                        let host = self.new_host();
                        let inst = &mut self.instances[idx];
                        inst.host = host;
                        inst.op = Op::None;
                        inst.checks = Checks::Initializing;
                        inst.running_since_ms = self.now_ms;
                        self.begin_boot(idx);
                    }
                    InstanceState::Stopping | InstanceState::ShuttingDown => {
                        // The hung stop or terminate completes once the host answers.
                        self.emit(EventKind::FaultInjected {
                            instance: target.into(),
                            fault: kind,
                        });
                        let host = self.new_host();
                        self.instances[idx].host = host;
                        self.bump(idx);
                        let step = if state == InstanceState::Stopping {
                            Step::StopDone
                        } else {
                            Step::TerminateDone
                        };
                        self.schedule_step(idx, 5_000, step);
                    }
                    _ => {}
                }
            }
            FaultKind::DiskFill => {
                if state != InstanceState::Running {
                    return;
                }
                self.emit(EventKind::FaultInjected {
                    instance: target.into(),
                    fault: kind,
                });
                if let Some(v) = self.instances[idx].volume.as_mut() {
                    v.growth_bytes_per_s = DISK_FILL_BYTES_PER_S;
                }
            }
            FaultKind::OsHang => {
                if state != InstanceState::Running || os != Os::Up || self.hosts[host].failed {
                    return;
                }
                self.emit(EventKind::FaultInjected {
                    instance: target.into(),
                    fault: kind,
                });
                self.bump(idx);
                self.instances[idx].os = Os::Hung;
                self.instances[idx].down_cause = Some(cause);
            }
        }
        self.dirty = true;
    }

    fn evaluate_status_checks(&mut self) {
        for idx in 0..self.instances.len() {
            let inst = &self.instances[idx];
            if inst.state != InstanceState::Running {
                continue;
            }
            let host_ok = !self.hosts[inst.host].failed;
            let young = self.now_ms < inst.running_since_ms + CHECKS_INITIALIZING_MS;
            let next = if !host_ok {
                Checks::Failed {
                    system_ok: false,
                    instance_ok: false,
                }
            } else if inst.checks == Checks::Initializing && (young || inst.os == Os::Booting) {
                Checks::Initializing
            } else if inst.os == Os::Up {
                Checks::Ok
            } else {
                Checks::Failed {
                    system_ok: true,
                    instance_ok: false,
                }
            };
            let prev = inst.checks;
            if next == prev {
                continue;
            }
            let name = inst.name.clone();
            self.instances[idx].checks = next;
            self.emit(EventKind::StatusChecks {
                instance: name.clone(),
                checks: next.label(),
            });
            let was_failed = matches!(prev, Checks::Failed { .. });
            match next {
                Checks::Failed { system_ok, .. } if !was_failed => {
                    let which = if system_ok {
                        "StatusCheckFailed_Instance"
                    } else {
                        "StatusCheckFailed_System"
                    };
                    self.emit(EventKind::Alarm {
                        name: format!("{name}-{which}"),
                        alarm: true,
                        text: format!("{which} ≥ 1 for 1 datapoint on {name}"),
                    });
                }
                Checks::Ok if was_failed => {
                    self.emit(EventKind::Alarm {
                        name: format!("{name}-StatusCheckFailed"),
                        alarm: false,
                        text: format!("status checks on {name} pass again"),
                    });
                }
                _ => {}
            }
        }
    }

    // ---- Actions ------------------------------------------------------------------------

    /// Applies an action now: accepted (an `ActionAccepted` event, then what it set off) or
    /// refused (an `ActionRefused` event with the same reason). Either way it joins the
    /// action log, as a replay records it.
    pub fn apply(&mut self, action: Action) -> Applied {
        let index = self.actions.len();
        self.actions.push(TimedAction {
            at_ms: self.now_ms,
            action: action.clone(),
        });
        let penalty = self.assess_risk(index, &action);
        let first_consequence = self.events.len();
        match self.execute(index, &action) {
            Ok(()) => {
                // The log reads cause first, then what it set off.
                let event = Event {
                    at_ms: self.now_ms,
                    kind: EventKind::ActionAccepted { index, action },
                };
                self.events.insert(first_consequence, event);
                if let Some(p) = penalty {
                    self.penalties.push(p);
                }
                self.refresh();
                Applied::Accepted
            }
            Err(reason) => {
                self.emit(EventKind::ActionRefused {
                    index,
                    action,
                    reason: reason.clone(),
                });
                self.refresh();
                Applied::Refused { reason }
            }
        }
    }

    fn find(&self, name: &str) -> Result<usize, String> {
        self.instance_by_name(name)
            .ok_or_else(|| format!("InvalidInstanceID.NotFound: no instance named {name}"))
    }

    fn execute(&mut self, index: usize, action: &Action) -> Result<(), String> {
        match action {
            Action::Reboot { instance } => self.reboot(self.find(instance)?, index),
            Action::Stop { instance } => self.stop(self.find(instance)?, index),
            Action::ForceStop { instance } => self.force_stop(self.find(instance)?, index),
            Action::Start { instance } => self.start(self.find(instance)?),
            Action::Terminate { instance } => self.terminate(self.find(instance)?, index),
            Action::CreateImage {
                instance,
                name,
                description,
                no_reboot,
            } => {
                if description
                    .as_ref()
                    .is_some_and(|d| d.chars().count() > MAX_IMAGE_DESCRIPTION_CHARS)
                {
                    return Err("InvalidParameterValue: the image description is longer than 255 characters".into());
                }
                let image =
                    self.create_image(self.find(instance)?, name.as_deref(), *no_reboot, index)?;
                self.images[image].description = description.clone().unwrap_or_default();
                Ok(())
            }
            Action::Launch { name, image } => self.launch(name, image),
            Action::Setup {
                instance,
                initial_master_nodes,
            } => self.setup(self.find(instance)?, initial_master_nodes),
            Action::Api { via, request } => self.api(index, via.as_deref(), request),
            Action::CleanLogs { instance } => self.clean_logs(self.find(instance)?),
            Action::ResizeVolume { instance, gib } => {
                self.resize_volume(self.find(instance)?, *gib)
            }
            Action::Wait => Ok(()),
        }
    }

    fn action_cause(&self, idx: usize, index: usize) -> Cause {
        Cause::Action {
            node: self.instances[idx].name.clone(),
            action_index: index,
            action: self.actions[index].action.to_script(),
            at_ms: self.now_ms,
        }
    }

    /// Records that an action took the node on `idx` away, unless something else already had.
    fn mark_down(&mut self, idx: usize, index: usize) {
        if self.is_responsive(idx) || self.instances[idx].down_cause.is_none() {
            self.instances[idx].down_cause = Some(self.action_cause(idx, index));
        }
    }

    fn incorrect_state(&self, idx: usize, what: &str) -> String {
        let inst = &self.instances[idx];
        format!(
            "IncorrectInstanceState: {} ({}) is {}; {what}",
            inst.name,
            inst.id,
            inst.state.as_str()
        )
    }

    fn reboot(&mut self, idx: usize, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::Reboot)?;
        self.mark_down(idx, index);
        self.instances[idx].op = Op::Reboot;
        if self.hosts[self.instances[idx].host].failed {
            self.log(idx, "reboot requested: the instance does not respond");
            self.schedule_step(idx, HARD_REBOOT_AFTER_MS, Step::RebootGaveUp);
            return Ok(());
        }
        match self.instances[idx].os {
            Os::Up => self.begin_shutdown(idx),
            Os::Hung => {
                self.log(
                    idx,
                    "reboot requested: the OS does not respond to the shutdown signal",
                );
                self.schedule_step(idx, HARD_REBOOT_AFTER_MS, Step::HardReboot);
            }
            Os::Booting | Os::Off | Os::ShuttingDown => {
                self.bump(idx);
                self.stop_es(idx, true);
                self.begin_boot(idx);
            }
        }
        Ok(())
    }

    fn stop(&mut self, idx: usize, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::Stop)?;
        self.mark_down(idx, index);
        self.bump(idx);
        self.instances[idx].op = Op::Stop;
        self.set_state(idx, InstanceState::Stopping);
        if self.hosts[self.instances[idx].host].failed {
            self.log(
                idx,
                "stop requested: waiting for the instance to shut down (it does not respond)",
            );
            return Ok(());
        }
        match self.instances[idx].os {
            Os::Up => self.begin_shutdown(idx),
            Os::Hung => {
                self.log(
                    idx,
                    "stop requested: the OS does not respond to the shutdown signal",
                );
                self.schedule_step(idx, HARD_STOP_AFTER_MS, Step::HardStop);
            }
            Os::Booting | Os::Off | Os::ShuttingDown => {
                self.stop_es(idx, true);
                self.instances[idx].os = Os::Off;
                let delay = self.draw(STOPPED_AFTER_SHUTDOWN_MS);
                self.schedule_step(idx, delay, Step::StopDone);
            }
        }
        Ok(())
    }

    fn force_stop(&mut self, idx: usize, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::ForceStop)?;
        self.mark_down(idx, index);
        self.bump(idx);
        self.instances[idx].op = Op::ForceStop;
        self.log(idx, "force stop requested");
        let delay = self.draw(FORCE_STOP_MS);
        self.schedule_step(idx, delay, Step::StopDone);
        Ok(())
    }

    fn start(&mut self, idx: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::Start)?;
        // A stopped EBS-backed instance starts on whatever healthy host has capacity.
        let host = self.new_host();
        self.bump(idx);
        let inst = &mut self.instances[idx];
        inst.host = host;
        inst.op = Op::None;
        self.set_state(idx, InstanceState::Pending);
        let delay = self.draw(PENDING_MS);
        self.schedule_step(idx, delay, Step::PendingDone);
        Ok(())
    }

    fn terminate(&mut self, idx: usize, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::Terminate)?;
        self.mark_down(idx, index);
        self.bump(idx);
        let was = self.instances[idx].state;
        self.instances[idx].op = Op::Terminate;
        self.set_state(idx, InstanceState::ShuttingDown);
        if was == InstanceState::Stopped {
            let delay = self.draw(TERMINATED_AFTER_SHUTDOWN_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        } else if self.hosts[self.instances[idx].host].failed {
            let delay = self.draw(TERMINATE_FAILED_HOST_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        } else if self.instances[idx].os == Os::Up {
            self.begin_shutdown(idx);
        } else {
            self.stop_es(idx, self.instances[idx].os != Os::Hung);
            let delay = self.draw(TERMINATED_AFTER_SHUTDOWN_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        }
        Ok(())
    }

    fn create_image(
        &mut self,
        idx: usize,
        name: Option<&str>,
        no_reboot: bool,
        index: usize,
    ) -> Result<usize, String> {
        let state = self.instances[idx].state;
        self.check(idx, ConsoleAction::CreateImage)?;
        // Without No reboot the instance must shut down: not while it is busy.
        if !no_reboot && self.instances[idx].op != Op::None {
            let busy = NotOffered::Busy {
                instance: self.instances[idx].name.clone(),
            };
            return Err(self.refusal_text(idx, ConsoleAction::CreateImage, &busy));
        }
        let name = match name {
            Some(n) => n.to_string(),
            None => format!(
                "{}-image-{}",
                self.instances[idx].name,
                self.images.len() + 1
            ),
        };
        if !crate::script::valid_name(&name) {
            return Err(format!("InvalidAMIName.Malformed: {name:?}"));
        }
        if self.images.iter().any(|i| i.name == name) || name == "base" {
            return Err(format!(
                "InvalidAMIName.Duplicate: an image named {name} already exists"
            ));
        }
        let id = format!("ami-0{}", self.random_hex(16));
        self.images.push(Image {
            id: id.clone(),
            name: name.clone(),
            source_instance: self.instances[idx].name.clone(),
            state: ImageState::Pending,
            no_reboot,
            description: String::new(),
            created_at_ms: self.now_ms,
            volume: Volume::base_os(self.scenario.topology.disk_bytes),
        });
        let image = self.images.len() - 1;
        self.emit(EventKind::ImageState {
            image_id: id,
            name,
            state: "pending".into(),
        });
        let frozen = self.is_frozen(idx);
        let available = self.draw(IMAGE_AVAILABLE_MS);
        if state == InstanceState::Stopped || no_reboot {
            // EBS snapshots need no guest cooperation; with No reboot the image is
            // crash-consistent.
            self.capture_image(idx, image);
            self.schedule(available, Timer::ImageReady(image));
            return Ok(image);
        }
        if frozen {
            self.log(
                idx,
                "CreateImage: waiting for the instance to shut down (it does not respond)",
            );
            self.schedule(IMAGE_FAILS_AFTER_MS, Timer::ImageFailed(image));
            return Ok(image);
        }
        self.mark_down(idx, index);
        self.instances[idx].op = Op::CreateImage { image };
        self.log(idx, "CreateImage: shutting the instance down for a consistent snapshot (No reboot not selected)");
        if self.instances[idx].os == Os::Up {
            self.begin_shutdown(idx);
        } else {
            self.bump(idx);
            self.stop_es(idx, true);
            self.instances[idx].os = Os::Off;
            self.schedule_step(idx, 1_000, Step::ShutdownDone);
        }
        self.schedule(available, Timer::ImageReady(image));
        Ok(image)
    }

    fn launch(&mut self, name: &str, image: &str) -> Result<(), String> {
        if !crate::script::valid_name(name) {
            return Err(format!(
                "InvalidParameterValue: {name:?} is not a valid Name tag"
            ));
        }
        if self
            .instances
            .iter()
            .any(|i| i.name == name && i.state != InstanceState::Terminated)
        {
            return Err(format!(
                "an instance named {name} already exists (names must be unique in this drill)"
            ));
        }
        if self
            .instances
            .iter()
            .filter(|i| i.state != InstanceState::Terminated)
            .count()
            >= MAX_INSTANCES
        {
            return Err(
                "InstanceLimitExceeded: this drill's account runs at most 12 instances".into(),
            );
        }
        let (image_id, volume) = if image == "base" || image == "ami-0base" {
            (
                "ami-0base".to_string(),
                Volume::base_os(self.scenario.topology.disk_bytes),
            )
        } else {
            let Some(img) = self
                .images
                .iter()
                .find(|i| i.name == image || i.id == image)
            else {
                return Err(format!("InvalidAMIID.NotFound: no image named {image}"));
            };
            if img.state != ImageState::Available {
                return Err(format!(
                    "InvalidAMIID.Unavailable: image {} ({}) is {}; launch when it is available",
                    img.name,
                    img.id,
                    img.state.as_str()
                ));
            }
            (img.id.clone(), img.volume.clone())
        };
        let azs = self.scenario.topology.azs.clone();
        let az = azs
            .iter()
            .min_by_key(|az| {
                self.instances
                    .iter()
                    .filter(|i| &i.az == *az && i.state != InstanceState::Terminated)
                    .count()
            })
            .cloned()
            .unwrap_or_default();
        let idx = self.new_instance(name, &az, image_id, volume);
        let (instance, instance_id) = (
            self.instances[idx].name.clone(),
            self.instances[idx].id.clone(),
        );
        self.emit(EventKind::InstanceState {
            instance,
            instance_id,
            state: InstanceState::Pending,
        });
        let delay = self.draw(PENDING_MS);
        self.schedule_step(idx, delay, Step::PendingDone);
        Ok(())
    }

    fn setup(&mut self, idx: usize, imn: &[String]) -> Result<(), String> {
        self.check(idx, ConsoleAction::Setup)?;
        self.instances[idx].setup_running = true;
        // The config is written when setup completes; remember what was asked for.
        self.instances[idx]
            .volume
            .as_mut()
            .expect("running instance has a volume")
            .initial_master_nodes = imn.to_vec();
        let gen = self.instances[idx].gen;
        let delay = self.draw(SETUP_MS);
        self.schedule(delay, Timer::SetupDone { idx, gen });
        self.log(idx, "setup started: installing the datastore package");
        Ok(())
    }

    fn clean_logs(&mut self, idx: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::CleanLogs)?;
        let gen = self.instances[idx].gen;
        let delay = self.draw(CLEAN_LOGS_MS);
        self.schedule(delay, Timer::LogsCleaned { idx, gen });
        self.log(idx, "log cleanup started (runbook: disk-space)");
        Ok(())
    }

    fn resize_volume(&mut self, idx: usize, gib: u64) -> Result<(), String> {
        let now = self.now_ms;
        let inst = &self.instances[idx];
        let Some(v) = inst.volume.as_ref() else {
            return Err(self.incorrect_state(idx, "its volume was deleted"));
        };
        let current_gib = v.capacity_gib();
        if gib <= current_gib {
            return Err(format!("InvalidParameterValue: the new size ({gib} GiB) must be larger than the current size ({current_gib} GiB)"));
        }
        if gib > MAX_VOLUME_GIB {
            return Err(format!(
                "InvalidParameterValue: the largest volume is {MAX_VOLUME_GIB} GiB"
            ));
        }
        if let Some(until_ms) = volume_cooldown_until(v.modified_at_ms, now) {
            let why = NotOffered::VolumeCooldown {
                instance: inst.name.clone(),
                until_ms,
            };
            return Err(self.refusal_text(idx, ConsoleAction::ModifyVolume, &why));
        }
        self.instances[idx]
            .volume
            .as_mut()
            .expect("checked")
            .modified_at_ms = Some(now);
        let delay = self.draw(MODIFY_VOLUME_MS);
        self.schedule(
            delay,
            Timer::VolumeResized {
                idx,
                bytes: gib * 1024 * 1024 * 1024,
            },
        );
        self.log(
            idx,
            format!("volume modification to {gib} GiB: modifying → optimizing"),
        );
        Ok(())
    }

    /// Runaway logs grow, once a second, until the volume is full.
    fn grow_logs(&mut self) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        for inst in self.instances.iter_mut() {
            let running = inst.state == InstanceState::Running && inst.os == Os::Up;
            if let Some(v) = inst.volume.as_mut() {
                if v.growth_bytes_per_s > 0 && running {
                    let room = v.capacity_bytes.saturating_sub(v.used_bytes(shard_bytes));
                    v.other_bytes += v.growth_bytes_per_s.min(room);
                }
            }
        }
    }

    /// Every `cluster.info.update.interval`: CloudWatch disk alarms, and the master's disk
    /// watermarks (low: no new replicas here; high: move shards away; flood stage: the index
    /// turns read-only until every node is back under the high watermark).
    fn check_disks(&mut self) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        for idx in 0..self.instances.len() {
            let inst = &self.instances[idx];
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            if inst.state != InstanceState::Running {
                continue;
            }
            let percent = v.used_percent(shard_bytes);
            let firing = percent > DISK_ALARM_PERCENT;
            let name = format!("{}-disk_used_percent", inst.name);
            let was = self.disk_alarms.contains(&name);
            if firing != was {
                let text = format!(
                    "disk_used_percent {percent}% on {} (threshold {DISK_ALARM_PERCENT}%)",
                    inst.name
                );
                if firing {
                    self.disk_alarms.insert(name.clone());
                } else {
                    self.disk_alarms.remove(&name);
                }
                self.emit(EventKind::Alarm {
                    name,
                    alarm: firing,
                    text,
                });
            }
        }
        if self.master_responsive(MAIN) {
            self.disk_watermarks(MAIN);
        }
    }

    fn pending_setup_imn(&self, idx: usize) -> Vec<String> {
        self.instances[idx]
            .volume
            .as_ref()
            .map(|v| v.initial_master_nodes.clone())
            .unwrap_or_default()
    }

    // ---- Risk assessment (penalties) ----------------------------------------------------

    /// Judges an action against the state it is applied to. Returns the penalty it earns if
    /// it is accepted.
    fn assess_risk(&self, index: usize, action: &Action) -> Option<Penalty> {
        let penalty = |points: i64, reason: String| {
            Some(Penalty {
                at_ms: self.now_ms,
                action_index: index,
                points,
                reason,
            })
        };
        let takes_down = |idx: usize| -> bool {
            let inst = &self.instances[idx];
            match action {
                Action::Reboot { .. } => {
                    inst.state == InstanceState::Running && inst.op == Op::None
                }
                Action::Stop { .. } => inst.state == InstanceState::Running,
                Action::Terminate { .. } => inst.state != InstanceState::Terminated,
                Action::CreateImage {
                    no_reboot: false, ..
                } => inst.state == InstanceState::Running,
                _ => false,
            }
        };
        let target = action.target().and_then(|name| self.instance_by_name(name));
        match action {
            Action::Launch { image, .. } if image != "base" && image != "ami-0base" => {
                let from_node = self
                    .images
                    .iter()
                    .find(|i| &i.name == image || &i.id == image)
                    .is_some_and(|i| i.volume.installed);
                if from_node {
                    return penalty(300, "launched a node from a clone of another node's disk (its data path carries the same node id); the runbook launches from the base image and runs setup".into());
                }
                None
            }
            Action::Setup { initial_master_nodes, .. } if !initial_master_nodes.is_empty() => {
                penalty(500, "set cluster.initial_master_nodes on a node joining a formed cluster: it may bootstrap a second, empty cluster".into())
            }
            _ => {
                let idx = target?;
                if !takes_down(idx) || !self.is_responsive(idx) {
                    return None;
                }
                let cluster = &self.clusters[MAIN];
                let node = self.instances[idx].volume.as_ref().and_then(|v| v.node)?;
                let member = cluster.members.get(&node).is_some_and(|m| m.instance == idx);
                if !member {
                    return None;
                }
                if let Action::Terminate { .. } = action {
                    if let Some(shard) = cluster.shards.iter().find(|s| {
                        s.copies.iter().any(|c| c.node == node && c.is_active())
                            && s.copies.iter().filter(|c| c.is_active()).count() == 1
                    }) {
                        return penalty(1000, format!("terminated the node holding the only copy of shard {}: its data is deleted with the root volume", shard.number));
                    }
                }
                let live_voters = cluster
                    .voting
                    .iter()
                    .filter(|n| cluster.members.get(n).is_some_and(|m| self.is_responsive(m.instance)))
                    .count();
                if cluster.voting.contains(&node) && live_voters.saturating_sub(1) < cluster.quorum() {
                    return penalty(1000, format!(
                        "took {} away while the quorum needed it ({} of {} voting nodes were up; {} are required)",
                        self.instances[idx].name,
                        live_voters,
                        cluster.voting.len(),
                        cluster.quorum()
                    ));
                }
                if cluster.health != Health::Green {
                    return penalty(300, format!(
                        "took {} away while redundancy was already reduced (health {})",
                        self.instances[idx].name,
                        cluster.health.as_str()
                    ));
                }
                None
            }
        }
    }
}
