//! The simulation's core: `Sim` (the facade over the domains' state), the tick loop, the
//! timer dispatch, and `apply`. The domains are `impl Sim` blocks in their folders: EC2 in
//! `ec2/`, the datastore in `datastore/`, traffic in `traffic.rs`, the report in `debrief/`.

use std::sync::Arc;

use crate::action::{Action, Applied, TimedAction};
use crate::datastore::DatastoreState;
use crate::ec2::Ec2State;
use crate::event::{Event, EventKind, InstanceState};
use crate::model::*;
use crate::report::Penalty;
use crate::rng::Prng;
use crate::scenario::{Effect, FaultKind, Scenario};
use crate::timing::*;
use crate::traffic::{Metrics, Sample, TrafficState};
use crate::vecmap::{VecMap, VecSet};

mod traffic;

pub(crate) use crate::timers::{ticks, Timer, Timers};

/// What the seed drew at a branch point ([`crate::scenario::branches::draw`]), and whether
/// its effect has acted yet.
#[derive(Clone, Debug)]
pub struct BranchDraw {
    pub point: usize,
    pub option: usize,
    /// A timed effect's moment.
    pub at_ms: Option<u64>,
    /// The effect acted: the timed fault took hold, the armed one met its action.
    pub happened: bool,
}

/// The armed effects of the drawn branch options, waiting for the action that meets them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Armed {
    /// (target, hang, draw index): the target's next boot hangs in fsck.
    pub fsck: Vec<(String, u64, usize)>,
    /// Instances booting through an fsck now (their instance check fails).
    pub in_fsck: VecSet<InstanceId>,
    /// (pending time, draw index): how long new images stay pending.
    pub image_pending: Option<(u64, usize)>,
    /// (setups still to fail, draw index).
    pub mirror: Option<(u32, usize)>,
}

#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) scenario: Arc<Scenario>,
    pub(crate) seed: u64,
    pub(crate) now_ms: u64,
    /// Instance, node and image ids: one stream for every domain, drawn in event order.
    pub(crate) rng_ids: Prng,
    /// EC2: hosts, instances, images, disk alarms.
    pub(crate) ec2: Ec2State,
    /// The datastore: clusters, node ids, allocation ids.
    pub(crate) ds: DatastoreState,
    pub(crate) timers: Timers,
    pub(crate) events: Vec<Event>,
    pub(crate) actions: Vec<TimedAction>,
    pub(crate) penalties: Vec<Penalty>,
    pub(crate) branches: Vec<BranchDraw>,
    pub(crate) armed: Armed,
    /// The case's par (its proof's time to full redundancy), if the scenario has a proof.
    pub(crate) par_ms: Option<u64>,
    /// Time without full redundancy after the par.
    pub(crate) degraded_beyond_par_ms: u64,
    /// The cluster must be re-evaluated (coordination, allocation, health) before traffic.
    pub(crate) dirty: bool,
    /// The web app: its client, the counters and the per-second samples.
    pub(crate) traffic: TrafficState,
    pub(crate) ended: bool,
    /// Ticks since the last whole second.
    pub(crate) tick_in_second: u32,
    /// The runbook's progress (`crate::runbook`).
    pub(crate) rb: crate::runbook::Tracker,
}

/// The main cluster (the one the web app uses) is always `clusters()[0]`.
pub const MAIN: ClusterId = ClusterId::MAIN;

impl Sim {
    /// A cluster in its steady state at 00:00, with the scenario's faults, branches and
    /// messages scheduled.
    pub fn new(scenario: &Scenario, seed: u64) -> Sim {
        let topo = &scenario.topology;
        let mut sim = Sim {
            scenario: Arc::new(scenario.clone()),
            seed,
            now_ms: 0,
            rng_ids: Prng::fork(seed, "ids"),
            ec2: Ec2State::new(Prng::fork(seed, "ec2")),
            ds: DatastoreState::new(Prng::fork(seed, "datastore")),
            timers: Timers::default(),
            events: Vec::new(),
            actions: Vec::new(),
            penalties: Vec::new(),
            branches: Vec::new(),
            armed: Armed::default(),
            par_ms: None,
            degraded_beyond_par_ms: 0,
            dirty: true,
            traffic: TrafficState::new(Prng::fork(seed, "traffic")),
            ended: false,
            tick_in_second: 0,
            rb: crate::runbook::Tracker::new(scenario.runbook.as_ref()),
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
            let inst = &mut sim.ec2[idx];
            inst.state = InstanceState::Running;
            inst.os = Os::Up;
            inst.checks = Checks::Ok {
                of: Checks::count_for(&topo.instance_type),
            };
            let ephemeral = sim.rng_ids.next_u64();
            let inst = &mut sim.ec2[idx];
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
                let node = sim.ec2[InstanceId::new(idx)]
                    .volume
                    .as_ref()
                    .and_then(|v| v.node)
                    .expect("initial node");
                let alloc = sim.ds.next_alloc_id();
                shard.copies.push(ShardCopy {
                    alloc,
                    node,
                    primary: r == 0,
                    state: CopyState::Started,
                });
                shard.in_sync.insert(alloc);
                shard.leases.insert(node, u64::MAX);
                sim.ec2[InstanceId::new(idx)]
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
            None => sim.ds.rng().range(0, n as u64 - 1) as usize,
        };
        cluster.master = sim.ec2[InstanceId::new(master_idx)]
            .volume
            .as_ref()
            .and_then(|v| v.node);
        sim.ds.push(cluster);
        sim.traffic.client.pool = (0..n)
            .map(|i| crate::traffic::PoolEntry::new(InstanceId::new(i)))
            .collect();

        sim.emit(EventKind::DrillStarted {
            scenario_id: scenario.id.clone(),
            seed,
        });
        for (i, fault) in scenario.faults.iter().enumerate() {
            sim.schedule_at(fault.at_ms, Timer::Fault(i));
        }
        let points = &scenario.branch_points;
        for (k, d) in crate::scenario::branches::draw(points, seed)
            .into_iter()
            .enumerate()
        {
            match &points[d.point].options[d.option].effect {
                Some(Effect::Timed { .. }) => {
                    sim.schedule_at(
                        d.at_ms.expect("a timed effect draws its time"),
                        Timer::Branch(k),
                    );
                }
                Some(Effect::FsckHang { target, hang_ms }) => {
                    sim.armed.fsck.push((target.clone(), *hang_ms, k))
                }
                Some(Effect::ImageSlow { pending_ms }) => {
                    sim.armed.image_pending = Some((*pending_ms, k))
                }
                Some(Effect::MirrorFailure { count }) => sim.armed.mirror = Some((*count, k)),
                None => {}
            }
            sim.branches.push(BranchDraw {
                point: d.point,
                option: d.option,
                at_ms: d.at_ms,
                happened: false,
            });
        }
        sim.par_ms = scenario
            .proof_for(&sim.branch_case())
            .map(|p| p.par_redundancy_ms);
        for (i, message) in scenario.messages.iter().enumerate() {
            sim.schedule_at(message.at_ms, Timer::Message(i));
        }
        sim.refresh();
        sim.track_runbook();
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
        self.ec2.instances()
    }
    /// One instance (a `Member::instance`, a `PoolEntry::instance`, or a position in
    /// [`Sim::instances`]).
    pub fn instance(&self, id: impl Into<InstanceId>) -> &Instance {
        &self.ec2[id.into()]
    }
    pub fn images(&self) -> &[Image] {
        self.ec2.images()
    }
    pub fn main_cluster(&self) -> &Cluster {
        &self.ds[MAIN]
    }
    pub fn clusters(&self) -> &[Cluster] {
        self.ds.clusters()
    }
    pub fn hosts(&self) -> &[Host] {
        self.ec2.hosts()
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
    /// The branch case this drill is playing (as `Scenario::case_for_seed` previews it).
    pub fn branch_case(&self) -> String {
        let drawn: Vec<crate::scenario::Drawn> = self
            .branches
            .iter()
            .map(|d| crate::scenario::Drawn {
                point: d.point,
                option: d.option,
                at_ms: d.at_ms,
            })
            .collect();
        crate::scenario::branches::case_id(&self.scenario.branch_points, &drawn)
    }
    /// The par of this drill's case: when its proof replay has full redundancy back.
    pub fn par_redundancy_ms(&self) -> Option<u64> {
        self.par_ms
    }
    /// One sample per sim second: traffic, latency, health.
    pub fn samples(&self) -> &[Sample] {
        &self.traffic.samples
    }
    pub fn metrics(&self) -> &Metrics {
        &self.traffic.metrics
    }
    /// A node's ES id string.
    pub fn node_id(&self, node: NodeKey) -> &str {
        self.ds.node_id(node)
    }
    /// The instance a node identity currently runs on, preferring a cluster member.
    pub fn node_name(&self, node: NodeKey) -> String {
        if let Some(member) = self.ds.clusters().iter().find_map(|c| c.members.get(&node)) {
            return self.ec2[member.instance].name.clone();
        }
        self.ec2
            .instances()
            .iter()
            .rev()
            .find(|i| i.volume.as_ref().and_then(|v| v.node) == Some(node))
            .map(|i| i.name.clone())
            .unwrap_or_else(|| format!("{{{}}}", self.ds.node_id(node)))
    }
    /// Looks an instance up by name: the newest one not terminated, else the newest.
    pub fn instance_by_name(&self, name: &str) -> Option<usize> {
        self.ec2.by_name(name).map(InstanceId::index)
    }

    /// The name the Launch dialog suggests: the first `node-N` from N = instances + 1 that
    /// no live instance has.
    pub fn suggested_instance_name(&self) -> String {
        (self.ec2.instances().len() + 1..)
            .map(|n| format!("node-{n}"))
            .find(|n| {
                !self
                    .ec2
                    .instances()
                    .iter()
                    .any(|i| i.state != InstanceState::Terminated && i.name == *n)
            })
            .unwrap_or_default()
    }

    /// The nodes the API console can send to: every instance not terminated whose volume
    /// has the datastore installed, by name, once each, in launch order.
    pub fn api_targets(&self) -> Vec<String> {
        let mut targets: Vec<String> = Vec::new();
        for inst in self.ec2.instances() {
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
        while let Some(timer) = self.timers.pop_due(self.now_ms) {
            self.fire(timer);
        }
        if let Some(s) = second {
            if s.is_multiple_of(STATUS_CHECK_INTERVAL_MS / 1000) {
                self.evaluate_status_checks();
            }
            self.grow_logs();
            if s.is_multiple_of(FS_HEALTH_INTERVAL_MS / 1000) {
                self.check_fs_health();
            }
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
        self.track_runbook();
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
            for c in self.ds.ids() {
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
        self.timers.insert(at_ms, self.now_ms, timer);
    }

    pub(crate) fn draw(&mut self, range: (u64, u64)) -> u64 {
        self.ec2.draw(range)
    }

    pub(crate) fn random_id(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..len)
            .map(|_| ALPHABET[(self.rng_ids.next_u32() % 64) as usize] as char)
            .collect()
    }

    pub(crate) fn new_node_key(&mut self) -> NodeKey {
        let id = self.random_id(22);
        self.ds.new_node_key(id)
    }

    fn fire(&mut self, timer: Timer) {
        self.dirty = true;
        match timer {
            Timer::Fault(i) => {
                let fault = self.scenario.faults[i].clone();
                let _took_hold = self.inject(fault.kind, &fault.target);
            }
            Timer::Branch(k) => {
                let d = &self.branches[k];
                let effect = self.scenario.branch_points[d.point].options[d.option]
                    .effect
                    .clone();
                if let Some(Effect::Timed { kind, target, .. }) = effect {
                    self.branches[k].happened = self.inject(kind, &target);
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
            ec2 => self.fire_ec2(ec2),
        }
    }

    // ---- Actions ------------------------------------------------------------------------

    /// The fault kinds a game master may inject in this scenario ([`Action::Inject`]): the
    /// timed kinds the scenario declares itself, in `[[faults]]` or as a branch option's timed
    /// effect, in [`FaultKind::ALL`] order. A drill is only ever made harder the ways its
    /// author planned (and scored: the par and the proofs were written for those faults).
    pub fn injectable_faults(&self) -> Vec<FaultKind> {
        let scenario = &self.scenario;
        FaultKind::ALL
            .into_iter()
            .filter(|k| k.is_timed())
            .filter(|k| {
                scenario.faults.iter().any(|f| f.kind == *k)
                    || scenario.branch_points.iter().any(|p| {
                        p.options.iter().any(
                            |o| matches!(&o.effect, Some(Effect::Timed { kind, .. }) if kind == k),
                        )
                    })
            })
            .collect()
    }

    /// An injected fault: refused unless the scenario declares its kind, or when it finds
    /// nothing to act on (as a scheduled fault then does nothing).
    fn inject_declared(&mut self, fault: FaultKind, instance: &str) -> Result<(), String> {
        if !self.injectable_faults().contains(&fault) {
            return Err(format!(
                "the scenario declares no {} fault: a game master injects only the scenario's own fault kinds",
                fault.as_str()
            ));
        }
        self.find(instance)?;
        if self.inject(fault, instance) {
            Ok(())
        } else {
            Err(format!(
                "{instance}: the {} fault finds nothing to act on (the instance is gone, or not in a state this fault changes)",
                fault.as_str()
            ))
        }
    }

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
                self.track_runbook();
                Applied::Accepted
            }
            Err(reason) => {
                self.emit(EventKind::ActionRefused {
                    index,
                    action,
                    reason: reason.clone(),
                });
                self.refresh();
                self.track_runbook();
                Applied::Refused { reason }
            }
        }
    }

    fn execute(&mut self, index: usize, action: &Action) -> Result<(), String> {
        if let Some(too_long) = action.too_long() {
            return Err(too_long.refusal());
        }
        match action {
            Action::Reboot { instance } => self.reboot(self.find(instance)?, index),
            Action::Stop {
                instance,
                skip_os_shutdown,
            } => self.stop(self.find(instance)?, index, *skip_os_shutdown),
            Action::ForceStop { instance } => self.force_stop(self.find(instance)?, index),
            Action::Start { instance } => self.start(self.find(instance)?),
            Action::Terminate {
                instance,
                skip_os_shutdown,
            } => self.terminate(self.find(instance)?, index, *skip_os_shutdown),
            Action::ForceTerminate { instance } => {
                self.force_terminate(self.find(instance)?, index)
            }
            Action::CreateImage {
                instance,
                name,
                description,
                no_reboot,
            } => {
                let image =
                    self.create_image(self.find(instance)?, name.as_deref(), *no_reboot, index)?;
                self.ec2.image_mut(image).description = description.clone().unwrap_or_default();
                Ok(())
            }
            Action::Launch { name, image } => self.launch(name, image),
            Action::Setup {
                instance,
                initial_master_nodes,
            } => self.setup(self.find(instance)?, initial_master_nodes),
            Action::Api { via, request } => self.api(index, via.as_deref(), request),
            Action::CleanLogs { instance } => self.clean_logs(self.find(instance)?),
            Action::GrowFilesystem { instance } => self.grow_filesystem(self.find(instance)?),
            Action::ResizeVolume { instance, gib } => {
                self.resize_volume(self.find(instance)?, *gib)
            }
            Action::Wait => Ok(()),
            Action::Describe { call } => crate::action::describe_call(Some(call.clone())).map(drop),
            Action::Inject { fault, instance } => self.inject_declared(*fault, instance),
            Action::AppRequests {
                via,
                searches,
                indexes,
            } => self.app_requests(index, via, *searches, *indexes),
        }
    }
}
