//! The world's state: hosts, instances, images, datastore clusters and their shards.
//! Fields are public for the views (console, API, debrief); only the engine mutates them.

use crate::scenario::Lang;
use serde::{Deserialize, Serialize};

use crate::action::AllocationEnable;
use crate::event::{Health, InstanceState, RecoveryKind};
use crate::report::Cause;
use crate::vecmap::{VecMap, VecSet};

pub use super::ids::{ClusterId, InstanceId, NodeKey};

#[derive(Clone, Debug)]
pub struct Host {
    pub failed: bool,
}

/// The guest OS as the instance sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Os {
    Off,
    Booting,
    Up,
    ShuttingDown,
    /// Frozen: kernel hang. Packets go unanswered.
    Hung,
}

/// The datastore service on an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EsProc {
    Stopped,
    Starting,
    /// `ephemeral` identifies this process run (ES's ephemeral node id).
    Running {
        ephemeral: u64,
        since_ms: u64,
    },
}

/// Status checks as the console shows them. `of` is how many checks the instance type has:
/// 2 (system, instance) on Xen types, 3 on Nitro types (m5 …: system, instance and attached
/// EBS, since 2024). The attached-EBS check never fails in this simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checks {
    /// Not running: no checks are shown.
    None,
    Initializing,
    Ok {
        of: u8,
    },
    Failed {
        system_ok: bool,
        instance_ok: bool,
        of: u8,
    },
}

impl Checks {
    /// The checks of an instance type: 3 on Nitro, else 2.
    pub fn count_for(instance_type: &str) -> u8 {
        if is_nitro(instance_type) {
            3
        } else {
            2
        }
    }

    /// Every value, for [`Checks::from_label`].
    fn all() -> impl Iterator<Item = Checks> {
        [2u8, 3]
            .into_iter()
            .flat_map(|of| {
                [
                    Checks::Ok { of },
                    Checks::Failed {
                        system_ok: false,
                        instance_ok: false,
                        of,
                    },
                    Checks::Failed {
                        system_ok: true,
                        instance_ok: false,
                        of,
                    },
                    Checks::Failed {
                        system_ok: false,
                        instance_ok: true,
                        of,
                    },
                ]
            })
            .chain([Checks::None, Checks::Initializing])
    }

    /// As the English console shows them (and the event log records them).
    pub fn label(self) -> String {
        self.text(Lang::En)
    }

    /// As the console shows them in `lang`: "3/3 checks passed", "3/3 のチェックに合格しました".
    pub fn text(self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            Checks::None => "–".into(),
            Checks::Initializing if ja => "初期化しています".into(),
            Checks::Initializing => "Initializing".into(),
            Checks::Ok { of } if ja => format!("{of}/{of} のチェックに合格しました"),
            Checks::Ok { of } => format!("{of}/{of} checks passed"),
            Checks::Failed {
                system_ok,
                instance_ok,
                of,
            } => {
                let failed = u32::from(!system_ok) + u32::from(!instance_ok);
                if ja {
                    format!("{failed}/{of} のチェックに失敗しました")
                } else {
                    format!("{failed}/{of} checks failed")
                }
            }
        }
    }

    /// The checks whose [`Checks::label`] is `label` (the event log's `checks` field).
    pub fn from_label(label: &str) -> Option<Checks> {
        Checks::all().find(|c| c.label() == label)
    }
}

/// Nitro instance types (the fifth generation on, and t3/t4g): a simplification of AWS's
/// list, enough for the types the scenarios use.
fn is_nitro(instance_type: &str) -> bool {
    let family = instance_type.split('.').next().unwrap_or("");
    let generation = family
        .chars()
        .find(|c| c.is_ascii_digit())
        .and_then(|c| c.to_digit(10))
        .unwrap_or(0);
    if family.starts_with('t') {
        generation >= 3
    } else {
        generation >= 5
    }
}

/// A shard copy left on a node's disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskCopy {
    pub alloc: u64,
    /// Operations the copy holds (valid while it is not assigned).
    pub ops: u64,
}

/// What the root volume holds that matters to the datastore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    /// The datastore package is installed and its service enabled.
    pub installed: bool,
    /// `cluster.initial_master_nodes` in the config (empty: unset).
    pub initial_master_nodes: Vec<String>,
    /// The node id persisted in the data path (created at first start).
    pub node: Option<NodeKey>,
    /// The cluster UUID persisted in the data path (set at first join or bootstrap).
    pub cluster: Option<ClusterId>,
    /// Shard copies on disk, by shard number.
    pub shards: VecMap<u32, DiskCopy>,
    /// Size of the file system on the volume, as `df` and the disk watermarks see it.
    pub capacity_bytes: u64,
    /// Size of the (root and data) EBS volume. ModifyVolume grows this, not the file
    /// system: until the file system is extended (`grow-filesystem`) the extra space is
    /// unused.
    pub volume_bytes: u64,
    /// Everything on it that is not shard data: OS, packages, logs.
    pub other_bytes: u64,
    /// A runaway log grows this fast (0: none).
    pub growth_bytes_per_s: u64,
    /// Last EBS ModifyVolume: one modification per volume every 6 hours.
    pub modified_at_ms: Option<u64>,
}

impl Volume {
    /// The volume's size in whole GiB, as the console and ModifyVolume count it.
    pub fn capacity_gib(&self) -> u64 {
        self.volume_bytes / (1024 * 1024 * 1024)
    }

    /// The volume is larger than its file system: `grow-filesystem` has something to do.
    pub fn can_grow_filesystem(&self) -> bool {
        self.volume_bytes > self.capacity_bytes
    }

    pub fn base_os(capacity_bytes: u64) -> Volume {
        Volume {
            installed: false,
            initial_master_nodes: Vec::new(),
            node: None,
            cluster: None,
            shards: VecMap::new(),
            capacity_bytes,
            volume_bytes: capacity_bytes,
            other_bytes: crate::timing::OS_BASE_BYTES,
            growth_bytes_per_s: 0,
            modified_at_ms: None,
        }
    }

    /// Bytes in use, with each shard copy on disk taking `shard_bytes`.
    pub fn used_bytes(&self, shard_bytes: u64) -> u64 {
        (self.other_bytes + self.shards.len() as u64 * shard_bytes).min(self.capacity_bytes)
    }

    /// Whole percent in use, as `df` and the disk watermarks see it.
    pub fn used_percent(&self, shard_bytes: u64) -> u64 {
        (self.used_bytes(shard_bytes) * 100)
            .checked_div(self.capacity_bytes)
            .unwrap_or(100)
    }
}

/// What EC2 is doing with an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    None,
    Reboot,
    Stop,
    ForceStop,
    Terminate,
    ForceTerminate,
    CreateImage { image: usize },
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub name: String,
    pub id: String,
    pub az: String,
    pub instance_type: String,
    pub private_ip: String,
    pub image_id: String,
    pub state: InstanceState,
    pub os: Os,
    pub host: usize,
    pub checks: Checks,
    pub volume: Option<Volume>,
    pub es: EsProc,
    /// The runbook's setup script is running.
    pub setup_running: bool,
    pub launched_at_ms: u64,
    pub(crate) running_since_ms: u64,
    pub(crate) op: Op,
    /// Bumped whenever the instance's course changes; timers of an older generation are void.
    pub(crate) gen: u64,
    /// Why the node on this instance became unavailable (for the debrief).
    pub(crate) down_cause: Option<Cause>,
    /// How the last datastore process ended: `(ephemeral, clean)`. A clean exit closes its
    /// connections and is noticed at once; anything else is noticed by timeouts.
    pub(crate) last_exit: Option<(u64, bool)>,
    pub(crate) last_join_reject_log_ms: Option<u64>,
    /// The datastore's file-system health check failed at its last run (a full disk).
    pub(crate) fs_unhealthy: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageState {
    Pending,
    Available,
    Failed,
}

impl ImageState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageState::Pending => "pending",
            ImageState::Available => "available",
            ImageState::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub source_instance: String,
    pub state: ImageState,
    pub no_reboot: bool,
    pub description: String,
    pub created_at_ms: u64,
    /// The root volume as captured.
    pub volume: Volume,
}

/// A member of a cluster, as the master knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub instance: InstanceId,
    pub ephemeral: u64,
    /// Follower checks have been failing since then.
    pub silent_since_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopyState {
    Started,
    Initializing(Recovery),
    /// Being moved to the copy with allocation id `target`.
    Relocating {
        target: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    pub kind: RecoveryKind,
    pub source: Option<NodeKey>,
    pub bytes_total: u64,
    pub bytes_done: u64,
    pub started_ms: u64,
    /// For a relocation: the allocation id of the copy being moved.
    pub relocating_from: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardCopy {
    pub alloc: u64,
    pub node: NodeKey,
    pub primary: bool,
    pub state: CopyState,
}

impl ShardCopy {
    /// Started copies serve reads and take writes; a relocating copy does until it hands off.
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            CopyState::Started | CopyState::Relocating { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unassigned {
    pub primary: bool,
    pub reason: String,
    pub since_ms: u64,
    pub delayed_until_ms: u64,
    pub last_node: Option<NodeKey>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub number: u32,
    pub copies: Vec<ShardCopy>,
    pub unassigned: Vec<Unassigned>,
    pub in_sync: VecSet<u64>,
    /// Operations indexed into the shard so far.
    pub ops: u64,
    pub primary_term: u64,
    /// Peer-recovery retention leases by node: expiry time (`u64::MAX` while assigned).
    pub leases: VecMap<NodeKey, u64>,
}

impl Shard {
    /// The primary copy, if it is active (started, or relocating away while still serving).
    pub fn active_primary(&self) -> Option<&ShardCopy> {
        self.copies.iter().find(|c| c.primary && c.is_active())
    }

    pub fn holds(&self, node: NodeKey) -> bool {
        self.copies.iter().any(|c| c.node == node)
    }
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub uuid: String,
    pub term: u64,
    pub version: u64,
    pub master: Option<NodeKey>,
    pub members: VecMap<NodeKey, Member>,
    pub voting: VecSet<NodeKey>,
    pub exclusions: VecSet<String>,
    pub allocation: AllocationEnable,
    pub shards: Vec<Shard>,
    pub health: Health,
    /// Disk watermark level each member was last seen at (0 none, 1 low, 2 high, 3 flood).
    pub disk_levels: VecMap<NodeKey, u8>,
    /// `index.blocks.read_only_allow_delete` on the index (flood stage).
    pub read_only: bool,
    pub(crate) election_at_ms: Option<u64>,
    pub(crate) master_silent_since_ms: Option<u64>,
    pub(crate) last_no_quorum_log_ms: Option<u64>,
    /// Voting-exclusion calls waiting for their condition (or their timeout).
    pub(crate) exclusion_calls: Vec<ExclusionCall>,
}

/// A voting-exclusion API call that has not answered yet: `POST` waits until the excluded
/// nodes are out of the voting configuration, `DELETE` (`wait_for_removal=true`, the
/// default) until they have left the cluster; both fail after their `timeout`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExclusionCall {
    /// `true`: the `DELETE` (clear) call; `false`: the `POST` (add) call.
    pub clear: bool,
    /// The excluded nodes the call waits for, by name.
    pub nodes: Vec<String>,
    pub deadline_ms: u64,
    /// The API response to send, without its status and body.
    pub index: usize,
    pub via: String,
    pub request: String,
}

impl Cluster {
    /// A formed cluster with no members yet: term 1, allocation enabled, green.
    pub fn new(uuid: String) -> Cluster {
        Cluster {
            uuid,
            term: 1,
            version: 1,
            master: None,
            members: VecMap::new(),
            voting: VecSet::new(),
            exclusions: VecSet::new(),
            allocation: AllocationEnable::All,
            shards: Vec::new(),
            health: Health::Green,
            disk_levels: VecMap::new(),
            read_only: false,
            election_at_ms: None,
            master_silent_since_ms: None,
            last_no_quorum_log_ms: None,
            exclusion_calls: Vec::new(),
        }
    }

    pub fn quorum(&self) -> usize {
        self.voting.len() / 2 + 1
    }
}
