//! EC2: hosts and instances, their lifecycle (pending, booting, shutting down, stopping,
//! terminating, a generation counter that voids stale timers), status checks, fault
//! injection, and the console's actions (`actions.rs`), what the console offers
//! (`offers.rs`) and the risk assessment that assigns penalties (`risk.rs`).

mod actions;
pub mod offers;
mod risk;

use crate::engine::Sim;
use crate::event::{AlarmFigures, EventKind, InstanceState};
use crate::model::*;
use crate::report::Cause;
use crate::rng::Prng;
use crate::scenario::FaultKind;
use crate::timers::{Step, Timer};
use crate::timing::*;
use crate::vecmap::VecSet;

/// EC2's part of the simulation: the hosts, the instances (in launch order, never removed),
/// the images, the CloudWatch alarms in ALARM, and EC2's random stream.
#[derive(Clone, Debug)]
pub struct Ec2State {
    hosts: Vec<Host>,
    instances: Vec<Instance>,
    images: Vec<Image>,
    /// CloudWatch alarms on instance metrics (status checks, disk) in ALARM, by alarm name.
    /// An alarm watches one metric and keeps its name through ALARM → OK; it changes state
    /// only on a datapoint (a stopped instance reports none, so its alarm keeps its state).
    alarms: VecSet<String>,
    rng: Prng,
}

impl Ec2State {
    pub(crate) fn new(rng: Prng) -> Ec2State {
        Ec2State {
            hosts: Vec::new(),
            instances: Vec::new(),
            images: Vec::new(),
            alarms: VecSet::new(),
            rng,
        }
    }

    /// The alarms in ALARM, by name.
    pub(crate) fn alarms(&self) -> impl Iterator<Item = &String> {
        self.alarms.iter()
    }

    /// The instance's guest is frozen: its host failed or its kernel hung.
    #[inline]
    pub(crate) fn is_frozen(&self, idx: InstanceId) -> bool {
        let inst = &self[idx];
        inst.state != InstanceState::Stopped
            && inst.state != InstanceState::Terminated
            && (self.hosts[inst.host].failed || inst.os == Os::Hung)
    }

    /// The datastore process on the instance answers requests.
    #[inline]
    pub(crate) fn is_responsive(&self, idx: InstanceId) -> bool {
        matches!(self[idx].es, EsProc::Running { .. }) && !self.is_frozen(idx)
    }

    /// Looks an instance up by name or id: the newest one not terminated, else the newest.
    pub(crate) fn by_name(&self, name: &str) -> Option<InstanceId> {
        let mut found = None;
        for (idx, inst) in self.instances.iter().enumerate() {
            if (inst.name == name || inst.id == name)
                && (inst.state != InstanceState::Terminated || found.is_none())
            {
                found = Some(InstanceId::new(idx));
            }
        }
        found
    }

    pub(crate) fn instances(&self) -> &[Instance] {
        &self.instances
    }
    pub(crate) fn images(&self) -> &[Image] {
        &self.images
    }
    pub(crate) fn image_mut(&mut self, image: usize) -> &mut Image {
        &mut self.images[image]
    }
    pub(crate) fn hosts(&self) -> &[Host] {
        &self.hosts
    }
    /// A draw from EC2's random stream, uniform in `range` (inclusive).
    pub(crate) fn draw(&mut self, range: (u64, u64)) -> u64 {
        self.rng.range(range.0, range.1)
    }

    /// Every instance, in launch order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = InstanceId> {
        (0..self.instances.len()).map(InstanceId::new)
    }
}

impl std::ops::Index<InstanceId> for Ec2State {
    type Output = Instance;
    fn index(&self, idx: InstanceId) -> &Instance {
        &self.instances[idx.index()]
    }
}

impl std::ops::IndexMut<InstanceId> for Ec2State {
    fn index_mut(&mut self, idx: InstanceId) -> &mut Instance {
        &mut self.instances[idx.index()]
    }
}

impl Sim {
    pub(crate) fn new_host(&mut self) -> usize {
        self.ec2.hosts.push(Host { failed: false });
        self.ec2.hosts.len() - 1
    }

    pub(crate) fn new_instance(
        &mut self,
        name: &str,
        az: &str,
        image_id: String,
        volume: Volume,
    ) -> InstanceId {
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
        self.ec2.instances.push(Instance {
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
            fs_unhealthy: false,
        });
        InstanceId::new(self.ec2.instances.len() - 1)
    }

    pub(crate) fn random_hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.rng_ids.next_u32() % 16, 16).expect("hex digit"))
            .collect()
    }

    // ---- Liveness -----------------------------------------------------------------------

    /// The instance's guest is frozen: its host failed or its kernel hung.
    #[inline]
    pub fn is_frozen(&self, idx: impl Into<InstanceId>) -> bool {
        self.ec2.is_frozen(idx.into())
    }

    /// The datastore process on the instance answers requests.
    #[inline]
    pub fn is_responsive(&self, idx: impl Into<InstanceId>) -> bool {
        self.ec2.is_responsive(idx.into())
    }

    pub(crate) fn set_state(&mut self, idx: InstanceId, state: InstanceState) {
        let inst = &mut self.ec2[idx];
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

    pub(crate) fn log(&mut self, idx: InstanceId, text: impl Into<String>) {
        let instance = self.ec2[idx].name.clone();
        self.emit(EventKind::InstanceLog {
            instance,
            text: text.into(),
        });
    }

    /// The datastore process ends. `clean`: SIGTERM, connections closed, peers notice at
    /// once. Otherwise the process vanishes with its host or power and peers time out.
    pub(crate) fn stop_es(&mut self, idx: InstanceId, clean: bool) {
        let inst = &mut self.ec2[idx];
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

    pub(crate) fn start_es(&mut self, idx: InstanceId) {
        let inst = &self.ec2[idx];
        if inst.es != EsProc::Stopped || !inst.volume.as_ref().is_some_and(|v| v.installed) {
            return;
        }
        self.ec2[idx].es = EsProc::Starting;
        let gen = self.ec2[idx].gen;
        let delay = self.draw(ES_START_MS);
        self.schedule(delay, Timer::EsStarted { idx, gen });
    }

    pub(crate) fn bump(&mut self, idx: InstanceId) -> u64 {
        self.ec2[idx].gen += 1;
        self.ec2[idx].gen
    }

    pub(crate) fn schedule_step(&mut self, idx: InstanceId, delay_ms: u64, step: Step) {
        let gen = self.ec2[idx].gen;
        self.schedule(delay_ms, Timer::Instance { idx, gen, step });
    }

    /// Begins a clean OS shutdown (the datastore gets SIGTERM first).
    pub(crate) fn begin_shutdown(&mut self, idx: InstanceId) {
        self.stop_es(idx, true);
        self.ec2[idx].os = Os::ShuttingDown;
        let delay = self.draw(OS_SHUTDOWN_MS);
        self.schedule_step(idx, delay, Step::ShutdownDone);
    }

    pub(crate) fn begin_boot(&mut self, idx: InstanceId) {
        self.ec2[idx].os = Os::Booting;
        let delay = self.draw(BOOT_MS);
        self.schedule_step(idx, delay, Step::BootDone);
    }

    // ---- Timers -------------------------------------------------------------------------

    /// The EC2 side of the timers: instance steps, the datastore process starting, the
    /// runbook's scripts, volumes, images, recovery notices.
    pub(crate) fn fire_ec2(&mut self, timer: Timer) {
        match timer {
            Timer::Instance { idx, gen, step } => {
                if self.ec2[idx].gen == gen {
                    self.instance_step(idx, step);
                }
            }
            Timer::EsStarted { idx, gen } => {
                let inst = &self.ec2[idx];
                if inst.gen != gen
                    || inst.es != EsProc::Starting
                    || inst.os != Os::Up
                    || self.is_frozen(idx)
                {
                    return;
                }
                let ephemeral = self.rng_ids.next_u64();
                if self.ec2[idx]
                    .volume
                    .as_ref()
                    .is_some_and(|v| v.node.is_none())
                {
                    let node = self.new_node_key();
                    self.ec2[idx].volume.as_mut().expect("volume").node = Some(node);
                }
                let inst = &mut self.ec2[idx];
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
                let inst = &mut self.ec2[idx];
                inst.setup_running = false;
                if inst.gen != gen || inst.os != Os::Up || self.is_frozen(idx) {
                    self.log(idx, "setup did not complete: the instance went away");
                    return;
                }
                let imn = self.pending_setup_imn(idx);
                let volume = self.ec2[idx]
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
                if self.ec2[idx].gen != gen || self.ec2[idx].os != Os::Up || self.is_frozen(idx) {
                    self.log(idx, "log cleanup did not complete: the instance went away");
                    return;
                }
                let shard_bytes = self.scenario.topology.shard_bytes;
                let Some(v) = self.ec2[idx].volume.as_mut() else {
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
                let Some(v) = self.ec2[idx].volume.as_mut() else {
                    return;
                };
                v.volume_bytes = bytes;
                let gib = bytes / (1024 * 1024 * 1024);
                let fs_gib = v.capacity_bytes / (1024 * 1024 * 1024);
                self.log(idx, format!("volume modification to {gib} GiB completed (optimizing → completed); the file system is still {fs_gib} GiB: extend the partition and the file system (grow-filesystem)"));
            }
            Timer::FilesystemGrown { idx, gen } => {
                if self.ec2[idx].gen != gen || self.ec2[idx].os != Os::Up || self.is_frozen(idx) {
                    self.log(
                        idx,
                        "grow-filesystem did not complete: the instance went away",
                    );
                    return;
                }
                let Some(v) = self.ec2[idx].volume.as_mut() else {
                    return;
                };
                v.capacity_bytes = v.capacity_bytes.max(v.volume_bytes);
                let gib = v.capacity_bytes / (1024 * 1024 * 1024);
                self.log(
                    idx,
                    format!("growpart and resize2fs: the file system is now {gib} GiB"),
                );
                self.dirty = true;
            }
            Timer::BranchNotice(i) => {
                let target = self.scenario.branches[i].target.clone();
                if let Some(idx) = self.ec2.by_name(&target) {
                    let inst = &self.ec2[idx];
                    if inst.state == InstanceState::Running && self.ec2.hosts[inst.host].failed {
                        self.emit(EventKind::Ec2Notice {
                            instance: target,
                            text: "automatic recovery failed: insufficient capacity. The instance is scheduled for retirement: stop and start it, or replace it.".into(),
                        });
                    }
                }
            }
            Timer::ImageReady(i) => {
                if self.ec2.images[i].state == ImageState::Pending {
                    self.ec2.images[i].state = ImageState::Available;
                    let (image_id, name) = (
                        self.ec2.images[i].id.clone(),
                        self.ec2.images[i].name.clone(),
                    );
                    self.emit(EventKind::ImageState {
                        image_id,
                        name,
                        state: "available".into(),
                    });
                }
            }
            Timer::ImageFailed(i) => {
                if self.ec2.images[i].state == ImageState::Pending {
                    self.ec2.images[i].state = ImageState::Failed;
                    let (image_id, name) = (
                        self.ec2.images[i].id.clone(),
                        self.ec2.images[i].name.clone(),
                    );
                    self.emit(EventKind::ImageState {
                        image_id,
                        name,
                        state: "failed (the instance never shut down for the snapshot)".into(),
                    });
                }
            }
            Timer::Fault(_)
            | Timer::Branch(_)
            | Timer::Message(_)
            | Timer::Deliver(_)
            | Timer::Wake => {}
        }
    }

    pub(crate) fn instance_step(&mut self, idx: InstanceId, step: Step) {
        match step {
            Step::PendingDone => {
                self.set_state(idx, InstanceState::Running);
                let inst = &mut self.ec2[idx];
                inst.checks = Checks::Initializing;
                inst.running_since_ms = self.now_ms;
                self.begin_boot(idx);
            }
            Step::BootDone => {
                self.ec2[idx].os = Os::Up;
                if self.ec2[idx].op == Op::Reboot {
                    self.ec2[idx].op = Op::None;
                }
                if let Op::CreateImage { .. } = self.ec2[idx].op {
                    self.ec2[idx].op = Op::None;
                }
                self.log(idx, "OS booted");
                self.start_es(idx);
            }
            Step::ShutdownDone => {
                self.ec2[idx].os = Os::Off;
                match self.ec2[idx].op {
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
                    Op::None | Op::ForceStop | Op::ForceTerminate => {}
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
                let inst = &mut self.ec2[idx];
                inst.os = Os::Off;
                inst.op = Op::None;
                self.set_state(idx, InstanceState::Stopped);
            }
            Step::TerminateDone => {
                self.stop_es(idx, false);
                let inst = &mut self.ec2[idx];
                inst.os = Os::Off;
                inst.op = Op::None;
                inst.volume = None;
                self.set_state(idx, InstanceState::Terminated);
                self.log(idx, "root volume deleted (DeleteOnTermination)");
            }
            Step::HardReboot => {
                if self.ec2.hosts[self.ec2[idx].host].failed {
                    self.ec2[idx].op = Op::None;
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
                self.ec2[idx].op = Op::None;
                self.log(idx, "reboot did not complete: the instance is unreachable (underlying host impaired)");
            }
        }
    }

    pub(crate) fn capture_image(&mut self, idx: InstanceId, image: usize) {
        let capacity = self.scenario.topology.disk_bytes;
        let mut volume = self.ec2[idx]
            .volume
            .clone()
            .unwrap_or_else(|| Volume::base_os(capacity));
        // The data path as it is on disk: each assigned copy holds the ops indexed so far.
        for (shard_no, disk) in volume.shards.iter_mut() {
            if let Some(cluster) = volume.cluster {
                if let Some(shard) = self.ds[cluster].shards.get(*shard_no as usize) {
                    if shard.copies.iter().any(|c| c.alloc == disk.alloc) {
                        disk.ops = shard.ops;
                    }
                }
            }
        }
        self.ec2.images[image].volume = volume;
    }

    pub(crate) fn inject(&mut self, kind: FaultKind, target: &str) {
        let Some(idx) = self.ec2.by_name(target) else {
            return;
        };
        let (state, host, os) = (self.ec2[idx].state, self.ec2[idx].host, self.ec2[idx].os);
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
                if !alive || self.ec2.hosts[host].failed {
                    return;
                }
                self.emit(EventKind::FaultInjected {
                    instance: target.into(),
                    fault: kind,
                });
                self.ec2.hosts[host].failed = true;
                self.bump(idx);
                self.ec2[idx].down_cause = Some(cause);
                if self.ec2[idx].op == Op::Reboot {
                    self.schedule_step(idx, HARD_REBOOT_AFTER_MS, Step::RebootGaveUp);
                }
            }
            FaultKind::HostRecovery => {
                if !self.ec2.hosts[host].failed {
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
                        let inst = &mut self.ec2[idx];
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
                        self.ec2[idx].host = host;
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
                if let Some(v) = self.ec2[idx].volume.as_mut() {
                    v.growth_bytes_per_s = DISK_FILL_BYTES_PER_S;
                }
            }
            FaultKind::OsHang => {
                if state != InstanceState::Running || os != Os::Up || self.ec2.hosts[host].failed {
                    return;
                }
                self.emit(EventKind::FaultInjected {
                    instance: target.into(),
                    fault: kind,
                });
                self.bump(idx);
                self.ec2[idx].os = Os::Hung;
                self.ec2[idx].down_cause = Some(cause);
            }
        }
        self.dirty = true;
    }

    pub(crate) fn evaluate_status_checks(&mut self) {
        for idx in self.ec2.ids() {
            let inst = &self.ec2[idx];
            if inst.state != InstanceState::Running {
                continue;
            }
            let host_ok = !self.ec2.hosts[inst.host].failed;
            let of = Checks::count_for(&inst.instance_type);
            let young = self.now_ms < inst.running_since_ms + CHECKS_INITIALIZING_MS;
            let next = if !host_ok {
                Checks::Failed {
                    system_ok: false,
                    instance_ok: false,
                    of,
                }
            } else if inst.checks == Checks::Initializing && (young || inst.os == Os::Booting) {
                Checks::Initializing
            } else if inst.os == Os::Up {
                Checks::Ok { of }
            } else {
                Checks::Failed {
                    system_ok: true,
                    instance_ok: false,
                    of,
                }
            };
            if next == inst.checks {
                continue;
            }
            let name = inst.name.clone();
            self.ec2[idx].checks = next;
            self.emit(EventKind::StatusChecks {
                instance: name.clone(),
                checks: next.label(),
            });
            // Two CloudWatch alarms per instance, one per metric; a datapoint exists only once
            // the checks have a result (not while initializing).
            let Checks::Failed {
                system_ok,
                instance_ok,
                ..
            } = next
            else {
                if matches!(next, Checks::Ok { .. }) {
                    self.status_check_datapoint(idx, "StatusCheckFailed_System", false);
                    self.status_check_datapoint(idx, "StatusCheckFailed_Instance", false);
                }
                continue;
            };
            self.status_check_datapoint(idx, "StatusCheckFailed_System", !system_ok);
            self.status_check_datapoint(idx, "StatusCheckFailed_Instance", !instance_ok);
        }
    }

    /// One datapoint of a status-check metric: its alarm goes to ALARM when the metric
    /// fails (≥ 1) and back to OK, under the same name, when it passes again.
    fn status_check_datapoint(&mut self, idx: InstanceId, metric: &str, failing: bool) {
        let inst = &self.ec2[idx];
        let name = format!("{}-{metric}", inst.name);
        if self.ec2.alarms.contains(&name) == failing {
            return;
        }
        let on = format!("{} ({})", inst.name, inst.id);
        let text = if failing {
            self.ec2.alarms.insert(name.clone());
            format!("{metric} ≥ 1 for 1 datapoint on {on}")
        } else {
            self.ec2.alarms.remove(&name);
            format!("{metric} = 0 on {on}: the check passes again")
        };
        self.emit(EventKind::Alarm {
            name,
            alarm: failing,
            text,
            figures: AlarmFigures::None,
        });
    }
}
