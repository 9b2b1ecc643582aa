//! What the EC2 console offers for the selected instances, and why not the rest. The engine
//! refuses an action with the same check ([`Sim::precondition`]): an entry the console greys
//! out is always refused, and an offered one is accepted unless its check fails for a reason
//! the real console cannot see ([`NotOffered::greys_the_menu`]), in which case the request
//! fails after the click, in the engine's words (for the dialogs' actions: with parameters
//! the dialog accepts).

use crate::action::Action;
use crate::engine::Sim;
use crate::event::InstanceState;
use crate::model::{InstanceId, Op};
use crate::timing::{MAX_VOLUME_GIB, MODIFY_VOLUME_COOLDOWN_MS};

/// An entry of the console's "Instance state" and "Actions" menus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleAction {
    Stop,
    Start,
    Reboot,
    ForceStop,
    Terminate,
    /// Terminate with Force: offered only while the instance is `shutting-down`.
    ForceTerminate,
    /// The runbook's setup script (a dialog asks for `initial_master_nodes`).
    Setup,
    CleanLogs,
    /// Storage → Modify volume (a dialog asks for the size).
    ModifyVolume,
    /// The runbook's file-system extension over SSH after a ModifyVolume.
    GrowFilesystem,
    /// Image and templates → Create image (a dialog asks for the name and No reboot).
    CreateImage,
}

impl ConsoleAction {
    pub const ALL: [ConsoleAction; 11] = [
        ConsoleAction::Stop,
        ConsoleAction::Start,
        ConsoleAction::Reboot,
        ConsoleAction::ForceStop,
        ConsoleAction::Terminate,
        ConsoleAction::ForceTerminate,
        ConsoleAction::Setup,
        ConsoleAction::CleanLogs,
        ConsoleAction::ModifyVolume,
        ConsoleAction::GrowFilesystem,
        ConsoleAction::CreateImage,
    ];

    /// Applies to one instance at a time (the "Actions" menu); the "Instance state" menu's
    /// entries apply to every selected instance.
    pub fn single(self) -> bool {
        matches!(
            self,
            ConsoleAction::Setup
                | ConsoleAction::CleanLogs
                | ConsoleAction::ModifyVolume
                | ConsoleAction::GrowFilesystem
                | ConsoleAction::CreateImage
        )
    }

    /// The action for `instance`, for the entries that need no dialog.
    pub fn action(self, instance: &str) -> Option<Action> {
        let instance = instance.to_string();
        Some(match self {
            ConsoleAction::Stop => Action::Stop {
                instance,
                skip_os_shutdown: false,
            },
            ConsoleAction::Start => Action::Start { instance },
            ConsoleAction::Reboot => Action::Reboot { instance },
            ConsoleAction::ForceStop => Action::ForceStop { instance },
            ConsoleAction::Terminate => Action::Terminate {
                instance,
                skip_os_shutdown: false,
            },
            ConsoleAction::ForceTerminate => Action::ForceTerminate { instance },
            ConsoleAction::CleanLogs => Action::CleanLogs { instance },
            ConsoleAction::GrowFilesystem => Action::GrowFilesystem { instance },
            ConsoleAction::Setup | ConsoleAction::ModifyVolume | ConsoleAction::CreateImage => {
                return None
            }
        })
    }

    /// The clause the engine's `IncorrectInstanceState` refusal ends with.
    pub(crate) fn wrong_state_hint(self) -> &'static str {
        match self {
            ConsoleAction::Stop => "only a running instance can be stopped",
            ConsoleAction::Start => "only a stopped instance can be started",
            ConsoleAction::Reboot => "only a running instance can be rebooted",
            ConsoleAction::ForceStop => {
                "Force stop is only available while the instance is stopping"
            }
            ConsoleAction::Terminate => "it is already being terminated",
            ConsoleAction::ForceTerminate => {
                "Force terminate is only available while the instance is shutting down"
            }
            ConsoleAction::CreateImage => {
                "an image can be created from a running or stopped instance, or with No reboot from a stopping one"
            }
            ConsoleAction::ModifyVolume => "its volume was deleted",
            ConsoleAction::Setup | ConsoleAction::CleanLogs | ConsoleAction::GrowFilesystem => {
                "it is not running"
            }
        }
    }
}

/// Why the console does not offer an action (the UI words it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotOffered {
    /// No instance is selected.
    NoSelection,
    /// The action applies to one instance at a time and several are selected.
    OneAtATime,
    /// The instance is in a state the action does not apply to.
    WrongState {
        instance: String,
        state: InstanceState,
    },
    /// The instance is already rebooting or being imaged.
    Busy {
        instance: String,
    },
    /// Stop: the instance is already stopping (Force stop is what is left).
    AlreadyStopping {
        instance: String,
    },
    AlreadyForceStopping {
        instance: String,
    },
    /// The runbook's scripts need SSH: the instance is not running with its OS up and
    /// answering.
    Unreachable {
        instance: String,
        state: InstanceState,
    },
    SetupRunning {
        instance: String,
    },
    /// The datastore is already installed (the instance was launched from a node's image).
    AlreadyInstalled {
        instance: String,
    },
    /// The instance has no volume any more (terminated).
    NoVolume {
        instance: String,
    },
    /// The volume is already as large as EBS allows.
    VolumeAtMax {
        instance: String,
    },
    /// The volume was modified less than 6 hours ago.
    VolumeCooldown {
        instance: String,
        until_ms: u64,
    },
    /// The file system already fills its volume (nothing for `growpart` to grow).
    FilesystemFull {
        instance: String,
    },
}

impl NotOffered {
    /// Whether the console itself greys the entry out for this reason. EC2's console greys
    /// its menus by what it shows (the selection, each instance's state, a deleted volume);
    /// what it cannot see — an instance busy rebooting or being imaged, a frozen guest, a
    /// script already running, a volume's modification cooldown — it offers, and the request
    /// fails after the click, as the real API and SSH do. Greying those would tell the
    /// trainee what the real console cannot (a frozen host before its status checks fail).
    pub fn greys_the_menu(&self) -> bool {
        match self {
            NotOffered::NoSelection
            | NotOffered::OneAtATime
            | NotOffered::WrongState { .. }
            | NotOffered::AlreadyStopping { .. }
            | NotOffered::NoVolume { .. } => true,
            NotOffered::Unreachable { state, .. } => *state != InstanceState::Running,
            NotOffered::Busy { .. }
            | NotOffered::AlreadyForceStopping { .. }
            | NotOffered::SetupRunning { .. }
            | NotOffered::AlreadyInstalled { .. }
            | NotOffered::VolumeAtMax { .. }
            | NotOffered::VolumeCooldown { .. }
            | NotOffered::FilesystemFull { .. } => false,
        }
    }
}

/// The console's answer for a selection: one entry per [`ConsoleAction`], in that order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offers {
    entries: Vec<(ConsoleAction, Result<(), NotOffered>)>,
}

impl Offers {
    pub fn get(&self, action: ConsoleAction) -> Result<(), &NotOffered> {
        match self.entries.iter().find(|(a, _)| *a == action) {
            Some((_, Ok(()))) => Ok(()),
            Some((_, Err(why))) => Err(why),
            None => Err(&NotOffered::NoSelection),
        }
    }
    pub fn offered(&self, action: ConsoleAction) -> bool {
        self.get(action).is_ok()
    }
    /// Why `action` is not offered (`None` if it is).
    pub fn reason(&self, action: ConsoleAction) -> Option<&NotOffered> {
        self.get(action).err()
    }
    pub fn iter(&self) -> impl Iterator<Item = (ConsoleAction, Result<(), &NotOffered>)> {
        self.entries
            .iter()
            .map(|(a, r)| (*a, r.as_ref().map(|_| ())))
    }
}

impl Sim {
    /// What the console offers for the instances at `selected` (indices into
    /// [`Sim::instances`]): an action on several instances is offered when it is offered
    /// for each (else the first refusal's reason).
    pub fn offers(&self, selected: &[usize]) -> Offers {
        let entries = ConsoleAction::ALL
            .into_iter()
            .map(|action| {
                let result = match selected {
                    [] => Err(NotOffered::NoSelection),
                    [_, _, ..] if action.single() => Err(NotOffered::OneAtATime),
                    _ => selected.iter().try_for_each(|idx| {
                        match self.precondition(InstanceId::from(*idx), action) {
                            Err(why) if why.greys_the_menu() => Err(why),
                            _ => Ok(()),
                        }
                    }),
                };
                (action, result)
            })
            .collect();
        Offers { entries }
    }

    /// The engine's own check of `action` on the instance at `idx`, before any parameter a
    /// dialog adds: `apply` refuses with the words of this answer.
    pub fn precondition(&self, idx: InstanceId, action: ConsoleAction) -> Result<(), NotOffered> {
        let inst = &self.ec2[idx];
        let instance = || inst.name.clone();
        let state = inst.state;
        let wrong = || NotOffered::WrongState {
            instance: instance(),
            state,
        };
        match action {
            ConsoleAction::Reboot => {
                if state != InstanceState::Running {
                    return Err(wrong());
                }
                if inst.op != Op::None {
                    return Err(NotOffered::Busy {
                        instance: instance(),
                    });
                }
            }
            ConsoleAction::Stop => match state {
                InstanceState::Running => {}
                InstanceState::Stopping => {
                    return Err(NotOffered::AlreadyStopping {
                        instance: instance(),
                    })
                }
                _ => return Err(wrong()),
            },
            ConsoleAction::ForceStop => {
                if state != InstanceState::Stopping {
                    return Err(wrong());
                }
                if inst.op == Op::ForceStop {
                    return Err(NotOffered::AlreadyForceStopping {
                        instance: instance(),
                    });
                }
            }
            ConsoleAction::Start => {
                if state != InstanceState::Stopped {
                    return Err(wrong());
                }
            }
            ConsoleAction::ForceTerminate => {
                if state != InstanceState::ShuttingDown {
                    return Err(wrong());
                }
                if inst.op == Op::ForceTerminate {
                    return Err(NotOffered::Busy {
                        instance: instance(),
                    });
                }
            }
            ConsoleAction::Terminate => {
                if matches!(
                    state,
                    InstanceState::Terminated | InstanceState::ShuttingDown
                ) {
                    return Err(wrong());
                }
            }
            // With No reboot, an image can be taken even while the instance is busy, and of
            // an instance stuck in `stopping` (AWS's documented way out: image it with No
            // reboot, launch from the image, terminate the stuck one).
            ConsoleAction::CreateImage => {
                if !matches!(
                    state,
                    InstanceState::Running | InstanceState::Stopped | InstanceState::Stopping
                ) {
                    return Err(wrong());
                }
            }
            ConsoleAction::Setup => {
                self.ssh_reachable(idx)?;
                if inst.setup_running {
                    return Err(NotOffered::SetupRunning {
                        instance: instance(),
                    });
                }
                if inst.volume.as_ref().is_some_and(|v| v.installed) {
                    return Err(NotOffered::AlreadyInstalled {
                        instance: instance(),
                    });
                }
            }
            ConsoleAction::CleanLogs => self.ssh_reachable(idx)?,
            ConsoleAction::GrowFilesystem => {
                self.ssh_reachable(idx)?;
                if !inst
                    .volume
                    .as_ref()
                    .is_some_and(|v| v.can_grow_filesystem())
                {
                    return Err(NotOffered::FilesystemFull {
                        instance: instance(),
                    });
                }
            }
            ConsoleAction::ModifyVolume => {
                let Some(v) = inst.volume.as_ref() else {
                    return Err(NotOffered::NoVolume {
                        instance: instance(),
                    });
                };
                if v.capacity_gib() >= MAX_VOLUME_GIB {
                    return Err(NotOffered::VolumeAtMax {
                        instance: instance(),
                    });
                }
                if let Some(until_ms) = volume_cooldown_until(v.modified_at_ms, self.now_ms) {
                    return Err(NotOffered::VolumeCooldown {
                        instance: instance(),
                        until_ms,
                    });
                }
            }
        }
        Ok(())
    }

    /// The runbook's scripts run over SSH: refused unless the guest is up and answering.
    pub(crate) fn ssh_reachable(&self, idx: InstanceId) -> Result<(), NotOffered> {
        let inst = &self.ec2[idx];
        if inst.state != InstanceState::Running
            || inst.os != crate::model::Os::Up
            || self.is_frozen(idx)
        {
            return Err(NotOffered::Unreachable {
                instance: inst.name.clone(),
                state: inst.state,
            });
        }
        Ok(())
    }

    /// The engine's refusal text for `why` (English, as every refusal reason is).
    pub(crate) fn refusal_text(
        &self,
        idx: InstanceId,
        action: ConsoleAction,
        why: &NotOffered,
    ) -> String {
        let inst = &self.ec2[idx];
        let name = &inst.name;
        match why {
            NotOffered::NoSelection | NotOffered::OneAtATime | NotOffered::WrongState { .. } => {
                format!(
                    "IncorrectInstanceState: {name} ({}) is {}; {}",
                    inst.id,
                    inst.state.as_str(),
                    action.wrong_state_hint()
                )
            }
            NotOffered::Busy { .. } => format!("{name} is already rebooting or being imaged"),
            NotOffered::AlreadyStopping { .. } => format!("{name} is already stopping"),
            NotOffered::AlreadyForceStopping { .. } => {
                format!("{name} is already being force-stopped")
            }
            NotOffered::Unreachable { state, .. } => format!(
                "ssh: connect to host {name} port 22: the instance is not reachable ({})",
                state.as_str()
            ),
            NotOffered::SetupRunning { .. } => format!("setup is already running on {name}"),
            NotOffered::AlreadyInstalled { .. } => format!(
                "the datastore is already installed on {name} (launched from an image of a node); the runbook's setup expects a fresh instance from the base image"
            ),
            NotOffered::NoVolume { .. } => format!(
                "IncorrectInstanceState: {name} ({}) is {}; its volume was deleted",
                inst.id,
                inst.state.as_str()
            ),
            NotOffered::VolumeAtMax { .. } => {
                format!("InvalidParameterValue: the largest volume is {MAX_VOLUME_GIB} GiB")
            }
            NotOffered::FilesystemFull { .. } => format!(
                "NOCHANGE: partition 1 could only be grown by 0 [fudge=2048]: the file system on {name} already fills its volume"
            ),
            NotOffered::VolumeCooldown { .. } => "VolumeModificationRateExceeded: You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.".into(),
        }
    }

    /// [`Sim::precondition`], worded as the engine refuses.
    pub(crate) fn check(&self, idx: InstanceId, action: ConsoleAction) -> Result<(), String> {
        self.precondition(idx, action)
            .map_err(|why| self.refusal_text(idx, action, &why))
    }
}

/// Until when a volume modified at `modified_at_ms` cannot be modified again, if that is
/// still ahead of `now_ms`.
pub(crate) fn volume_cooldown_until(modified_at_ms: Option<u64>, now_ms: u64) -> Option<u64> {
    modified_at_ms
        .map(|t| t + MODIFY_VOLUME_COOLDOWN_MS)
        .filter(|until| now_ms < *until)
}
