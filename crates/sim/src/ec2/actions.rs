//! The console's actions on instances and images: each checks the instance's state (the
//! same check the console's offers use) and starts the instance's course.

use crate::engine::{Sim, MAIN};
use crate::event::{AlarmFigures, EventKind, InstanceState};
use crate::model::*;
use crate::offers::{volume_cooldown_until, ConsoleAction, NotOffered};
use crate::report::Cause;
use crate::timers::{Step, Timer};
use crate::timing::*;

impl Sim {
    pub(crate) fn find(&self, name: &str) -> Result<InstanceId, String> {
        self.ec2
            .by_name(name)
            .ok_or_else(|| format!("InvalidInstanceID.NotFound: no instance named {name}"))
    }

    pub(crate) fn action_cause(&self, idx: InstanceId, index: usize) -> Cause {
        Cause::Action {
            node: self.ec2[idx].name.clone(),
            action_index: index,
            action: self.actions[index].action.to_script(),
            at_ms: self.now_ms,
        }
    }

    /// Records that an action took the node on `idx` away, unless something else already had.
    pub(crate) fn mark_down(&mut self, idx: InstanceId, index: usize) {
        if self.is_responsive(idx) || self.ec2[idx].down_cause.is_none() {
            self.ec2[idx].down_cause = Some(self.action_cause(idx, index));
        }
    }

    pub(crate) fn incorrect_state(&self, idx: InstanceId, what: &str) -> String {
        let inst = &self.ec2[idx];
        format!(
            "IncorrectInstanceState: {} ({}) is {}; {what}",
            inst.name,
            inst.id,
            inst.state.as_str()
        )
    }

    pub(crate) fn reboot(&mut self, idx: InstanceId, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::Reboot)?;
        self.mark_down(idx, index);
        self.ec2[idx].op = Op::Reboot;
        if self.ec2.hosts[self.ec2[idx].host].failed {
            self.log(idx, "reboot requested: the instance does not respond");
            self.schedule_step(idx, HARD_REBOOT_AFTER_MS, Step::RebootGaveUp);
            return Ok(());
        }
        match self.ec2[idx].os {
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

    pub(crate) fn stop(
        &mut self,
        idx: InstanceId,
        index: usize,
        skip_os_shutdown: bool,
    ) -> Result<(), String> {
        self.check(idx, ConsoleAction::Stop)?;
        self.mark_down(idx, index);
        self.bump(idx);
        self.ec2[idx].op = Op::Stop;
        self.set_state(idx, InstanceState::Stopping);
        if self.ec2.hosts[self.ec2[idx].host].failed {
            self.log(
                idx,
                "stop requested: waiting for the instance to shut down (it does not respond)",
            );
            return Ok(());
        }
        if skip_os_shutdown {
            // Powered off without the guest: nothing closes the datastore's connections.
            self.log(idx, "stop requested, skipping the OS shutdown");
            self.power_off(idx);
            let delay = self.draw(STOPPED_AFTER_SHUTDOWN_MS);
            self.schedule_step(idx, delay, Step::StopDone);
            return Ok(());
        }
        match self.ec2[idx].os {
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
                self.ec2[idx].os = Os::Off;
                let delay = self.draw(STOPPED_AFTER_SHUTDOWN_MS);
                self.schedule_step(idx, delay, Step::StopDone);
            }
        }
        Ok(())
    }

    pub(crate) fn force_stop(&mut self, idx: InstanceId, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::ForceStop)?;
        self.mark_down(idx, index);
        self.bump(idx);
        self.ec2[idx].op = Op::ForceStop;
        self.log(idx, "force stop requested");
        let delay = self.draw(FORCE_STOP_MS);
        self.schedule_step(idx, delay, Step::StopDone);
        Ok(())
    }

    pub(crate) fn start(&mut self, idx: InstanceId) -> Result<(), String> {
        self.check(idx, ConsoleAction::Start)?;
        // A stopped EBS-backed instance starts on whatever healthy host has capacity.
        let host = self.new_host();
        self.bump(idx);
        let inst = &mut self.ec2[idx];
        inst.host = host;
        inst.op = Op::None;
        self.set_state(idx, InstanceState::Pending);
        let delay = self.draw(PENDING_MS);
        self.schedule_step(idx, delay, Step::PendingDone);
        Ok(())
    }

    /// The guest is cut off without a shutdown: the datastore vanishes without closing its
    /// connections (peers notice by timeouts).
    fn power_off(&mut self, idx: InstanceId) {
        self.stop_es(idx, false);
        self.ec2[idx].os = Os::Off;
    }

    pub(crate) fn force_terminate(&mut self, idx: InstanceId, index: usize) -> Result<(), String> {
        self.check(idx, ConsoleAction::ForceTerminate)?;
        self.mark_down(idx, index);
        self.bump(idx);
        self.ec2[idx].op = Op::ForceTerminate;
        self.log(idx, "force terminate requested");
        let delay = self.draw(FORCE_TERMINATE_MS);
        self.schedule_step(idx, delay, Step::TerminateDone);
        Ok(())
    }

    pub(crate) fn terminate(
        &mut self,
        idx: InstanceId,
        index: usize,
        skip_os_shutdown: bool,
    ) -> Result<(), String> {
        self.check(idx, ConsoleAction::Terminate)?;
        self.mark_down(idx, index);
        self.bump(idx);
        let was = self.ec2[idx].state;
        self.ec2[idx].op = Op::Terminate;
        self.set_state(idx, InstanceState::ShuttingDown);
        if was == InstanceState::Stopped {
            let delay = self.draw(TERMINATED_AFTER_SHUTDOWN_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        } else if self.ec2.hosts[self.ec2[idx].host].failed {
            let delay = self.draw(TERMINATE_FAILED_HOST_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        } else if skip_os_shutdown {
            self.log(idx, "terminate requested, skipping the OS shutdown");
            self.power_off(idx);
            let delay = self.draw(TERMINATED_AFTER_SHUTDOWN_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        } else if self.ec2[idx].os == Os::Up {
            self.begin_shutdown(idx);
        } else {
            self.stop_es(idx, self.ec2[idx].os != Os::Hung);
            let delay = self.draw(TERMINATED_AFTER_SHUTDOWN_MS);
            self.schedule_step(idx, delay, Step::TerminateDone);
        }
        Ok(())
    }

    pub(crate) fn create_image(
        &mut self,
        idx: InstanceId,
        name: Option<&str>,
        no_reboot: bool,
        index: usize,
    ) -> Result<usize, String> {
        let state = self.ec2[idx].state;
        self.check(idx, ConsoleAction::CreateImage)?;
        // A stopping instance can only be imaged as it is (No reboot).
        if !no_reboot && state == InstanceState::Stopping {
            let wrong = NotOffered::WrongState {
                instance: self.ec2[idx].name.clone(),
                state,
            };
            return Err(self.refusal_text(idx, ConsoleAction::CreateImage, &wrong));
        }
        // Without No reboot the instance must shut down: not while it is busy.
        if !no_reboot && self.ec2[idx].op != Op::None {
            let busy = NotOffered::Busy {
                instance: self.ec2[idx].name.clone(),
            };
            return Err(self.refusal_text(idx, ConsoleAction::CreateImage, &busy));
        }
        let name = match name {
            Some(n) => n.to_string(),
            None => format!("{}-image-{}", self.ec2[idx].name, self.ec2.images.len() + 1),
        };
        if !crate::script::valid_name(&name) {
            return Err(format!("InvalidAMIName.Malformed: {name:?}"));
        }
        if self.ec2.images.iter().any(|i| i.name == name) || name == "base" {
            return Err(format!(
                "InvalidAMIName.Duplicate: an image named {name} already exists"
            ));
        }
        let id = format!("ami-0{}", self.random_hex(16));
        self.ec2.images.push(Image {
            id: id.clone(),
            name: name.clone(),
            source_instance: self.ec2[idx].name.clone(),
            state: ImageState::Pending,
            no_reboot,
            description: String::new(),
            created_at_ms: self.now_ms,
            volume: Volume::base_os(self.scenario.topology.disk_bytes),
        });
        let image = self.ec2.images.len() - 1;
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
        self.ec2[idx].op = Op::CreateImage { image };
        self.log(idx, "CreateImage: shutting the instance down for a consistent snapshot (No reboot not selected)");
        if self.ec2[idx].os == Os::Up {
            self.begin_shutdown(idx);
        } else {
            self.bump(idx);
            self.stop_es(idx, true);
            self.ec2[idx].os = Os::Off;
            self.schedule_step(idx, 1_000, Step::ShutdownDone);
        }
        self.schedule(available, Timer::ImageReady(image));
        Ok(image)
    }

    pub(crate) fn launch(&mut self, name: &str, image: &str) -> Result<(), String> {
        if !crate::script::valid_name(name) {
            return Err(format!(
                "InvalidParameterValue: {name:?} is not a valid Name tag"
            ));
        }
        if self
            .ec2
            .instances
            .iter()
            .any(|i| i.name == name && i.state != InstanceState::Terminated)
        {
            return Err(format!(
                "an instance named {name} already exists (names must be unique in this drill)"
            ));
        }
        if self
            .ec2
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
                .ec2
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
                self.ec2
                    .instances
                    .iter()
                    .filter(|i| &i.az == *az && i.state != InstanceState::Terminated)
                    .count()
            })
            .cloned()
            .unwrap_or_default();
        let idx = self.new_instance(name, &az, image_id, volume);
        let (instance, instance_id) = (self.ec2[idx].name.clone(), self.ec2[idx].id.clone());
        self.emit(EventKind::InstanceState {
            instance,
            instance_id,
            state: InstanceState::Pending,
        });
        let delay = self.draw(PENDING_MS);
        self.schedule_step(idx, delay, Step::PendingDone);
        Ok(())
    }

    pub(crate) fn setup(&mut self, idx: InstanceId, imn: &[String]) -> Result<(), String> {
        self.check(idx, ConsoleAction::Setup)?;
        self.ec2[idx].setup_running = true;
        // The config is written when setup completes; remember what was asked for.
        self.ec2[idx]
            .volume
            .as_mut()
            .expect("running instance has a volume")
            .initial_master_nodes = imn.to_vec();
        let gen = self.ec2[idx].gen;
        let delay = self.draw(SETUP_MS);
        self.schedule(delay, Timer::SetupDone { idx, gen });
        self.log(idx, "setup started: installing the datastore package");
        Ok(())
    }

    /// The runbook's file-system extension over SSH (`growpart`, then `resize2fs`): the
    /// file system takes the space a ModifyVolume added.
    pub(crate) fn grow_filesystem(&mut self, idx: InstanceId) -> Result<(), String> {
        self.check(idx, ConsoleAction::GrowFilesystem)?;
        let gen = self.ec2[idx].gen;
        let delay = self.draw(GROW_FILESYSTEM_MS);
        self.schedule(delay, Timer::FilesystemGrown { idx, gen });
        self.log(idx, "grow-filesystem started: growpart, then resize2fs");
        Ok(())
    }

    pub(crate) fn clean_logs(&mut self, idx: InstanceId) -> Result<(), String> {
        self.check(idx, ConsoleAction::CleanLogs)?;
        let gen = self.ec2[idx].gen;
        let delay = self.draw(CLEAN_LOGS_MS);
        self.schedule(delay, Timer::LogsCleaned { idx, gen });
        self.log(idx, "log cleanup started (runbook: disk-space)");
        Ok(())
    }

    pub(crate) fn resize_volume(&mut self, idx: InstanceId, gib: u64) -> Result<(), String> {
        let now = self.now_ms;
        let inst = &self.ec2[idx];
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
        self.ec2[idx]
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
    pub(crate) fn grow_logs(&mut self) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        for inst in self.ec2.instances.iter_mut() {
            let running = inst.state == InstanceState::Running && inst.os == Os::Up;
            if let Some(v) = inst.volume.as_mut() {
                if v.growth_bytes_per_s > 0 && running {
                    let room = v.capacity_bytes.saturating_sub(v.used_bytes(shard_bytes));
                    v.other_bytes += v.growth_bytes_per_s.min(room);
                }
            }
        }
    }

    /// The datastore's file-system health check on every running node: a full volume (100%)
    /// fails it, and the node leaves the cluster until a check passes again.
    pub(crate) fn check_fs_health(&mut self) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        for idx in self.ec2.ids() {
            if self.running_ephemeral(idx).is_none() {
                continue;
            }
            let inst = &self.ec2[idx];
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            let full = v.used_bytes(shard_bytes) >= v.capacity_bytes;
            if full == inst.fs_unhealthy {
                continue;
            }
            self.ec2[idx].fs_unhealthy = full;
            let text = if full {
                "health check of [/var/lib/elasticsearch] failed: java.io.IOException: No space left on device"
            } else {
                "health check of [/var/lib/elasticsearch] succeeded"
            };
            self.log(idx, text);
            self.dirty = true;
        }
    }

    /// Every `cluster.info.update.interval`: CloudWatch disk alarms, and the master's disk
    /// watermarks (low: no new replicas here; high: move shards away; flood stage: the index
    /// turns read-only until every node is back under the high watermark).
    pub(crate) fn check_disks(&mut self) {
        let shard_bytes = self.scenario.topology.shard_bytes;
        for idx in self.ec2.ids() {
            let inst = &self.ec2[idx];
            let Some(v) = inst.volume.as_ref() else {
                continue;
            };
            if inst.state != InstanceState::Running {
                continue;
            }
            let percent = v.used_percent(shard_bytes);
            let firing = percent > DISK_ALARM_PERCENT;
            let name = format!("{}-disk_used_percent", inst.name);
            let was = self.ec2.alarms.contains(&name);
            if firing != was {
                let text = format!(
                    "disk_used_percent {percent}% on {} (threshold {DISK_ALARM_PERCENT}%)",
                    inst.name
                );
                let figures = AlarmFigures::Disk {
                    instance: inst.name.clone(),
                    percent,
                    threshold: DISK_ALARM_PERCENT,
                };
                if firing {
                    self.ec2.alarms.insert(name.clone());
                } else {
                    self.ec2.alarms.remove(&name);
                }
                self.emit(EventKind::Alarm {
                    name,
                    alarm: firing,
                    text,
                    figures,
                });
            }
        }
        if self.master_responsive(MAIN) {
            self.disk_watermarks(MAIN);
        }
    }

    pub(crate) fn pending_setup_imn(&self, idx: InstanceId) -> Vec<String> {
        self.ec2[idx]
            .volume
            .as_ref()
            .map(|v| v.initial_master_nodes.clone())
            .unwrap_or_default()
    }
}
