//! Every timing the simulator uses, with where it comes from. `(lo, hi)` pairs are drawn
//! uniformly from the seed. Values marked *chosen* are not documented anywhere: they are
//! plausible figures the simulator picked, listed in ARCHITECTURE.md.

/// The simulation advances in fixed ticks.
pub const TICK_MS: u64 = 100;

// ---- EC2 -------------------------------------------------------------------------------

/// `pending` → `running` after RunInstances / StartInstances (*chosen*; "usually within a minute").
pub const PENDING_MS: (u64, u64) = (15_000, 40_000);
/// Guest OS boot until sshd/services are up (*chosen*).
pub const BOOT_MS: (u64, u64) = (45_000, 90_000);
/// Clean guest OS shutdown (ACPI) (*chosen*).
pub const OS_SHUTDOWN_MS: (u64, u64) = (10_000, 30_000);
/// EC2 reboot: "if the instance does not cleanly shut down within about four minutes,
/// Amazon EC2 performs a hard reboot" (EC2 user guide, Reboot your instance).
pub const HARD_REBOOT_AFTER_MS: u64 = 240_000;
/// A stop of a hung (but hosted) OS falls back to a hard stop after the same delay (*chosen*).
pub const HARD_STOP_AFTER_MS: u64 = 240_000;
/// After the OS is down, `stopping` → `stopped` (*chosen*).
pub const STOPPED_AFTER_SHUTDOWN_MS: (u64, u64) = (5_000, 15_000);
/// Force stop completes (*chosen*; the guide says it "can take a few minutes").
pub const FORCE_STOP_MS: (u64, u64) = (30_000, 120_000);
/// Force terminate completes (*chosen*, like Force stop).
pub const FORCE_TERMINATE_MS: (u64, u64) = (30_000, 120_000);
/// After the OS is down, `shutting-down` → `terminated` (*chosen*).
pub const TERMINATED_AFTER_SHUTDOWN_MS: (u64, u64) = (5_000, 20_000);
/// Terminating an instance on a failed host: EC2 cleans it up without the guest (*chosen*).
pub const TERMINATE_FAILED_HOST_MS: (u64, u64) = (120_000, 360_000);
/// CreateImage with reboot: the instance stays off until the snapshots are initiated (*chosen*).
pub const SNAPSHOT_INITIATE_MS: (u64, u64) = (30_000, 90_000);
/// AMI `pending` → `available`: "several minutes" (EC2 user guide, Create an EBS-backed AMI).
pub const IMAGE_AVAILABLE_MS: (u64, u64) = (300_000, 900_000);
/// CreateImage with reboot on an unreachable instance never gets its clean shutdown; the
/// image fails (*chosen*).
pub const IMAGE_FAILS_AFTER_MS: u64 = 1_200_000;
/// Status checks run every minute (EC2 user guide, Status checks).
pub const STATUS_CHECK_INTERVAL_MS: u64 = 60_000;
/// A freshly running instance shows "Initializing" at least this long (*chosen*).
pub const CHECKS_INITIALIZING_MS: u64 = 60_000;
/// The runbook's setup script: install the package, write the config, enable the service
/// (*chosen*).
pub const SETUP_MS: (u64, u64) = (180_000, 300_000);

/// OS, packages and logs on a fresh volume (*chosen*).
pub const OS_BASE_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// A runaway debug log (*chosen*: fills a 100 GiB volume from 28% to 95% in about 9 minutes).
pub const DISK_FILL_BYTES_PER_S: u64 = 128 * 1024 * 1024;
/// The runbook's log cleanup over SSH (*chosen*).
pub const CLEAN_LOGS_MS: (u64, u64) = (20_000, 60_000);
/// EBS ModifyVolume until the new size is usable (*chosen*: "optimizing" takes minutes). It
/// grows the volume, not the file system: "extend the partition and file system yourself"
/// (EC2 user guide), which `grow-filesystem` does.
pub const MODIFY_VOLUME_MS: (u64, u64) = (120_000, 300_000);
/// `growpart` and `resize2fs` over SSH on a mounted file system (*chosen*).
pub const GROW_FILESYSTEM_MS: (u64, u64) = (5_000, 20_000);
/// "Wait at least 6 hours between modifications per EBS volume."
pub const MODIFY_VOLUME_COOLDOWN_MS: u64 = 6 * 3600 * 1000;
/// An AMI description's limit (CreateImage).
pub const MAX_IMAGE_DESCRIPTION_CHARS: usize = 255;
/// The longest name an action can carry: an AMI name (CreateImage: 3–128 characters), an
/// instance's `Name` tag, a node name. EC2 takes a `Name` tag of up to 256; the drill's names
/// are instance names, and 128 covers every one a console would show (*chosen*).
pub const MAX_RESOURCE_NAME_CHARS: usize = 128;
/// The drill's account runs at most this many instances (terminated ones do not count).
pub const MAX_INSTANCES: usize = 12;
/// The largest gp3 volume.
pub const MAX_VOLUME_GIB: u64 = 16_384;
/// The CloudWatch agent's disk_used_percent alarm threshold (*chosen*).
pub const DISK_ALARM_PERCENT: u64 = 80;

// ---- Datastore (Elasticsearch 7.x/8.x) ---------------------------------------------------

/// JVM start until the node's transport layer is up (*chosen*).
pub const ES_START_MS: (u64, u64) = (20_000, 40_000);
/// A started node discovers its peers and sends its join (*chosen*; the discovery probe
/// interval is 1 s).
pub const DISCOVERY_MS: u64 = 2_000;
/// `cluster.fault_detection.follower_check`/`leader_check`: interval 1 s, timeout 10 s,
/// retry count 3: a silent node or master is declared failed after about 30 s (*derived*).
pub const FAULT_DETECTION_MS: u64 = 30_000;
/// Elections: initial timeout 100 ms, back-off 100 ms, duration 500 ms: a master within ~1 s.
pub const ELECTION_MS: (u64, u64) = (100, 1_000);
/// `index.unassigned.node_left.delayed_timeout` default 1 m; restarts on master failover.
pub const DELAYED_ALLOCATION_MS: u64 = 60_000;
/// `indices.recovery.max_bytes_per_sec` 40mb, per node, shared by incoming and outgoing.
pub const RECOVERY_BYTES_PER_S: u64 = 40 * 1024 * 1024;
/// `cluster.routing.allocation.node_concurrent_recoveries` 2.
pub const CONCURRENT_RECOVERIES: usize = 2;
/// `cluster.routing.allocation.cluster_concurrent_rebalance` 2.
pub const CONCURRENT_REBALANCE: usize = 2;
/// Peer-recovery retention leases expire 12 h after the copy stops syncing
/// (`index.soft_deletes.retention_lease.period`).
pub const RETENTION_LEASE_MS: u64 = 12 * 3600 * 1000;
/// Recovering a primary from its own data path: translog replay (*chosen*).
pub const EXISTING_STORE_MS: u64 = 5_000;
/// Bytes per indexed document, for operations-based recovery (*chosen*).
pub const DOC_BYTES: u64 = 1024;
/// Fixed cost of an operations-based recovery (*chosen*).
pub const OPS_RECOVERY_BASE_BYTES: u64 = 4 * 1024 * 1024;
/// An operations-based recovery still takes a few seconds: file comparison, translog
/// replay, finalisation (*chosen*).
pub const OPS_RECOVERY_MIN_MS: u64 = 3_000;
/// `cluster.info.update.interval` 30 s: how often the master reads disk usage.
pub const DISK_INFO_INTERVAL_MS: u64 = 30_000;
/// `cluster.routing.allocation.disk.watermark.low` / `high` / `flood_stage` defaults.
pub const WATERMARK_LOW_PERCENT: u64 = 85;
pub const WATERMARK_HIGH_PERCENT: u64 = 90;
pub const WATERMARK_FLOOD_PERCENT: u64 = 95;
/// Index and bulk requests blocked by the no-master block are retried until their
/// `timeout` (default 1 min), then fail with 503 `cluster_block_exception`. Replication to a
/// copy has no timeout of its own: a write waits on a silent copy until the node is removed.
pub const WRITE_RETRY_TIMEOUT_MS: u64 = 60_000;
/// The datastore's file-system health check (`FsHealthService`: it writes and fsyncs a
/// temporary file in the data path) runs this often; on a full disk (100%) the write fails,
/// the node reports itself unhealthy and the master removes it ("health check failed")
/// (*chosen*: Elasticsearch's `monitor.fs.health.refresh_interval` default of 2 min).
pub const FS_HEALTH_INTERVAL_MS: u64 = 120_000;
/// `master_timeout` default 30 s: master-level APIs fail after it without a master.
pub const MASTER_TIMEOUT_MS: u64 = 30_000;
/// The voting-exclusion calls' `timeout` default 30 s: `POST` waits this long for the
/// reconfiguration, `DELETE` (`wait_for_removal=true`) for the excluded nodes to leave.
pub const VOTING_EXCLUSIONS_TIMEOUT_MS: u64 = 30_000;
/// `cluster.max_voting_config_exclusions` default 10 (*chosen*: Elasticsearch's documented
/// default; fidelity.md does not list it).
pub const MAX_VOTING_EXCLUSIONS: usize = 10;
/// ClusterFormationFailureHelper logs its warning every 10 s.
pub const NO_QUORUM_LOG_MS: u64 = 10_000;
/// A fresh node with `cluster.initial_master_nodes` that finds no elected master bootstraps
/// after this much discovery (*chosen*).
pub const BOOTSTRAP_AFTER_MS: u64 = 3_000;
/// A rejected join is retried; the warning is repeated at most this often in the log.
pub const JOIN_RETRY_LOG_MS: u64 = 60_000;

// ---- The web app's datastore client (*chosen*, like the official clients' defaults) ------

/// A request to a silent node fails after this.
pub const CLIENT_TIMEOUT_MS: u64 = 5_000;
/// A dead node is retried after this.
pub const CLIENT_DEAD_RETRY_MS: u64 = 60_000;
/// The client refreshes its node list from the cluster this often.
pub const CLIENT_SNIFF_MS: u64 = 60_000;

// ---- Latency model (*chosen*: the docs give no figures) -----------------------------------

pub const LATENCY_P50_MS: u64 = 5;
pub const LATENCY_P99_MS: u64 = 40;
/// Added per running recovery, to p50 and p99.
pub const RECOVERY_P50_MS: u64 = 3;
pub const RECOVERY_P99_MS: u64 = 30;
