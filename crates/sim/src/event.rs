//! Events: everything that happens, each stamped with its sim time. The event log is the
//! simulator's observable output; its hash identifies a run.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::model::Checks;
use crate::scenario::{sender_label, FaultKind, Lang, Text};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Instance states as EC2 reports them. A rebooting instance stays `running` in EC2; the
/// simulator tracks the reboot in the guest OS state instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    Pending,
    Running,
    Stopping,
    Stopped,
    ShuttingDown,
    Terminated,
}

impl InstanceState {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
        }
    }
}

/// Cluster health as `_cluster/health` reports it, plus the state where there is no master
/// to ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    Green,
    Yellow,
    Red,
    NoMaster,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Green => "green",
            Health::Yellow => "yellow",
            Health::Red => "red",
            Health::NoMaster => "no-master",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryKind {
    /// The primary is recovered from the node's own data path (after a full restart).
    ExistingStore,
    /// A returning copy replays only the operations it missed (within the retention lease).
    OpsBased,
    /// Whole segment files are copied from the primary at the throttled rate.
    FileBased,
}

impl RecoveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryKind::ExistingStore => "existing store",
            RecoveryKind::OpsBased => "operations-based",
            RecoveryKind::FileBased => "file-based",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    DrillStarted {
        scenario_id: String,
        seed: u64,
    },
    DrillEnded,
    ActionAccepted {
        index: usize,
        action: Action,
    },
    ActionRefused {
        index: usize,
        action: Action,
        reason: String,
    },
    FaultInjected {
        instance: String,
        fault: FaultKind,
    },
    /// An AWS Health / EC2 notice about an instance (automatic recovery, retirement).
    Ec2Notice {
        instance: String,
        text: String,
    },
    InstanceState {
        instance: String,
        instance_id: String,
        state: InstanceState,
    },
    /// A line of the guest OS's console output or EC2's own progress.
    InstanceLog {
        instance: String,
        text: String,
    },
    StatusChecks {
        instance: String,
        checks: String,
    },
    ImageState {
        image_id: String,
        name: String,
        state: String,
    },
    /// The datastore process started or stopped on a node.
    NodeProcess {
        node: String,
        started: bool,
    },
    NodeJoined {
        node: String,
        node_id: String,
        master: String,
    },
    NodeLeft {
        node: String,
        reason: String,
    },
    JoinRejected {
        node: String,
        reason: String,
    },
    MasterElected {
        node: String,
        term: u64,
        voters: Vec<String>,
    },
    MasterLost {
        node: String,
        term: u64,
        reason: String,
    },
    /// The periodic warning of a node that cannot form a quorum.
    NoQuorum {
        node: String,
        message: String,
    },
    ClusterBootstrapped {
        node: String,
        cluster_uuid: String,
        voters: Vec<String>,
    },
    VotingConfig {
        nodes: Vec<String>,
    },
    HealthChanged {
        from: Health,
        to: Health,
    },
    ShardPromoted {
        shard: u32,
        node: String,
    },
    ShardUnassigned {
        shard: u32,
        primary: bool,
        reason: String,
        delayed_ms: u64,
    },
    RecoveryStarted {
        shard: u32,
        node: String,
        from: Option<String>,
        recovery: RecoveryKind,
        bytes: u64,
    },
    RecoveryDone {
        shard: u32,
        node: String,
        recovery: RecoveryKind,
        took_ms: u64,
    },
    RelocationStarted {
        shard: u32,
        from: String,
        to: String,
    },
    ApiResponse {
        index: usize,
        via: String,
        request: String,
        status: u16,
        body: String,
    },
    /// A disk watermark crossed on a node, as the master logs it.
    DiskWatermark {
        node: String,
        message: String,
    },
    /// The flood-stage read-only block on the index was set or released.
    IndexBlock {
        blocked: bool,
        message: String,
    },
    Alarm {
        name: String,
        alarm: bool,
        text: String,
        /// The figures `text` quotes, as data for the Japanese (not serialized: the log
        /// keeps the English `text`).
        #[serde(skip)]
        figures: AlarmFigures,
    },
    Chat {
        from: String,
        text: Text,
    },
}

impl EventKind {
    /// The variant's name as it appears in JSON (`kind`).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::DrillStarted { .. } => "drill_started",
            EventKind::DrillEnded => "drill_ended",
            EventKind::ActionAccepted { .. } => "action_accepted",
            EventKind::ActionRefused { .. } => "action_refused",
            EventKind::FaultInjected { .. } => "fault_injected",
            EventKind::Ec2Notice { .. } => "ec2_notice",
            EventKind::InstanceState { .. } => "instance_state",
            EventKind::InstanceLog { .. } => "instance_log",
            EventKind::StatusChecks { .. } => "status_checks",
            EventKind::ImageState { .. } => "image_state",
            EventKind::NodeProcess { .. } => "node_process",
            EventKind::NodeJoined { .. } => "node_joined",
            EventKind::NodeLeft { .. } => "node_left",
            EventKind::JoinRejected { .. } => "join_rejected",
            EventKind::MasterElected { .. } => "master_elected",
            EventKind::MasterLost { .. } => "master_lost",
            EventKind::NoQuorum { .. } => "no_quorum",
            EventKind::ClusterBootstrapped { .. } => "cluster_bootstrapped",
            EventKind::VotingConfig { .. } => "voting_config",
            EventKind::HealthChanged { .. } => "health_changed",
            EventKind::ShardPromoted { .. } => "shard_promoted",
            EventKind::ShardUnassigned { .. } => "shard_unassigned",
            EventKind::RecoveryStarted { .. } => "recovery_started",
            EventKind::RecoveryDone { .. } => "recovery_done",
            EventKind::RelocationStarted { .. } => "relocation_started",
            EventKind::ApiResponse { .. } => "api_response",
            EventKind::DiskWatermark { .. } => "disk_watermark",
            EventKind::IndexBlock { .. } => "index_block",
            EventKind::Alarm { .. } => "alarm",
            EventKind::Chat { .. } => "chat",
        }
    }

    /// Whether a trainee would want to see this moment: "skip to the next event" stops at
    /// it. Noteworthy: the drill's end; your actions' results (accepted, refused, API
    /// responses); faults and EC2 notices; instance and image state changes; status-check
    /// results (logged only when they change); nodes joining, leaving or rejected; a master
    /// elected or lost; a new cluster bootstrapped; health colour changes; a shard copy's
    /// recovery done (a rebuild the trainee waits for); disk watermarks and the index block;
    /// CloudWatch alarms; messages from people. Not noteworthy: routine detail that follows
    /// one of those (console output, the datastore process starting or stopping, voting
    /// configuration, shard promotions, unassignments, recoveries and relocations starting)
    /// and the periodic no-quorum warning.
    pub fn is_noteworthy(&self) -> bool {
        match self {
            EventKind::DrillEnded
            | EventKind::ActionAccepted { .. }
            | EventKind::ActionRefused { .. }
            | EventKind::ApiResponse { .. }
            | EventKind::FaultInjected { .. }
            | EventKind::Ec2Notice { .. }
            | EventKind::InstanceState { .. }
            | EventKind::StatusChecks { .. }
            | EventKind::ImageState { .. }
            | EventKind::NodeJoined { .. }
            | EventKind::NodeLeft { .. }
            | EventKind::JoinRejected { .. }
            | EventKind::MasterElected { .. }
            | EventKind::MasterLost { .. }
            | EventKind::ClusterBootstrapped { .. }
            | EventKind::HealthChanged { .. }
            | EventKind::RecoveryDone { .. }
            | EventKind::DiskWatermark { .. }
            | EventKind::IndexBlock { .. }
            | EventKind::Alarm { .. }
            | EventKind::Chat { .. } => true,
            EventKind::DrillStarted { .. }
            | EventKind::InstanceLog { .. }
            | EventKind::NodeProcess { .. }
            | EventKind::NoQuorum { .. }
            | EventKind::VotingConfig { .. }
            | EventKind::ShardPromoted { .. }
            | EventKind::ShardUnassigned { .. }
            | EventKind::RecoveryStarted { .. }
            | EventKind::RelocationStarted { .. } => false,
        }
    }

    /// Where the event comes from, for the log filter: `ec2`, `datastore`, `you`, `api`,
    /// `alarm`, `chat` or `drill`.
    pub fn source(&self) -> &'static str {
        match self {
            EventKind::DrillStarted { .. } | EventKind::DrillEnded => "drill",
            EventKind::ActionAccepted { .. } | EventKind::ActionRefused { .. } => "you",
            EventKind::FaultInjected { .. }
            | EventKind::Ec2Notice { .. }
            | EventKind::InstanceState { .. }
            | EventKind::InstanceLog { .. }
            | EventKind::StatusChecks { .. }
            | EventKind::ImageState { .. } => "ec2",
            EventKind::ApiResponse { .. } => "api",
            EventKind::Alarm { .. } => "alarm",
            EventKind::Chat { .. } => "chat",
            _ => "datastore",
        }
    }
}

/// The `status` of a `_cluster/health` answer's body (`green`, `yellow`, `red`).
fn health_status<'a>(request: &str, body: &'a str) -> Option<&'a str> {
    if !request.starts_with("GET /_cluster/health") {
        return None;
    }
    let after = body.split_once("\"status\": \"")?.1;
    after.split_once('"').map(|(status, _)| status)
}

impl Event {
    /// A human sentence for the log, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        self.message_as(lang, None)
    }

    /// [`Event::message`], with the player's accepted actions credited to `player` (another
    /// player's ghost replay) instead of "You".
    pub fn message_as(&self, lang: Lang, player: Option<&str>) -> String {
        let ja = lang == Lang::Ja;
        match &self.kind {
            EventKind::DrillStarted { scenario_id, seed } => {
                if ja {
                    format!("訓練開始: {scenario_id}（シード {seed}）")
                } else {
                    format!("Drill started: {scenario_id} (seed {seed})")
                }
            }
            EventKind::DrillEnded => if ja { "訓練終了".into() } else { "Drill ended".into() },
            EventKind::ActionAccepted { action, .. } => {
                let detail = match action {
                    Action::CreateImage { no_reboot: false, .. } => {
                        if ja { "（再起動しない: オフ）" } else { " (No reboot: unchecked)" }
                    }
                    Action::CreateImage { no_reboot: true, .. } => {
                        if ja { "（再起動しない: オン）" } else { " (No reboot: checked)" }
                    }
                    _ => "",
                };
                let who = player.unwrap_or(if ja { "あなた" } else { "You" });
                format!("{who}: {}{detail}", action.to_script())
            }
            EventKind::ActionRefused { action, reason, .. } => {
                if ja {
                    format!("拒否: {} — {reason}", action.to_script())
                } else {
                    format!("Refused: {} — {reason}", action.to_script())
                }
            }
            EventKind::FaultInjected { instance, fault } => match (fault, ja) {
                (FaultKind::HostFailure, false) => {
                    format!("The EC2 host under {instance} failed (network, power or hardware)")
                }
                (FaultKind::HostFailure, true) => format!("{instance} の EC2 ホストが故障（ネットワーク・電源・ハードウェア）"),
                (FaultKind::HostRecovery, false) => {
                    format!("EC2 automatic recovery moved {instance} to a healthy host; it is rebooting")
                }
                (FaultKind::HostRecovery, true) => {
                    format!("EC2 の自動復旧で {instance} が正常なホストに移動し、再起動中")
                }
                (FaultKind::HostRetirement, false) => {
                    format!("EC2 retired the host under {instance} (scheduled retirement): it is unreachable")
                }
                (FaultKind::HostRetirement, true) => {
                    format!("{instance} のホストが予定どおりリタイアされ、到達不能になった")
                }
                (FaultKind::OsHang, false) => format!("The guest OS on {instance} hung"),
                (FaultKind::OsHang, true) => format!("{instance} のゲスト OS がハング"),
                (FaultKind::DiskFill, false) => {
                    format!("A runaway log on {instance} started filling its volume (debug logging left on)")
                }
                (FaultKind::DiskFill, true) => {
                    format!("{instance} で暴走したログがボリュームを埋め始めた（デバッグログが有効のまま）")
                }
                // Never injected as an event (a notice or an armed effect), named for completeness.
                (other, ja) => {
                    let lang = if ja { Lang::Ja } else { Lang::En };
                    format!("{instance}: {}", other.label(lang))
                }
            },
            EventKind::Ec2Notice { instance, text } if ja => {
                let jp = if text.starts_with("automatic recovery failed") {
                    "自動復旧に失敗しました（キャパシティ不足）。インスタンスはリタイア予定です: 停止して起動するか、置き換えてください。"
                } else if text.starts_with("instance recovered") {
                    "新しいハードウェアでインスタンスを復旧しました: インスタンス ID、プライベート IP、ボリュームは同じ。メモリの内容は失われました。"
                } else {
                    text.as_str()
                };
                format!("EC2 [{instance}]: {jp}")
            }
            EventKind::Ec2Notice { instance, text } => format!("EC2 [{instance}]: {text}"),
            EventKind::InstanceState { instance, instance_id, state } => {
                if ja {
                    format!("{instance} ({instance_id}) の状態: {}", state.as_str())
                } else {
                    format!("{instance} ({instance_id}) is {}", state.as_str())
                }
            }
            EventKind::InstanceLog { instance, text } => format!("[{instance}] {text}"),
            EventKind::StatusChecks { instance, checks } => {
                if ja {
                    let checks = Checks::from_label(checks).map_or(checks.clone(), |c| c.text(lang));
                    format!("{instance} のステータスチェック: {checks}")
                } else {
                    format!("{instance} status checks: {checks}")
                }
            }
            EventKind::ImageState { image_id, name, state } => {
                if ja {
                    format!("イメージ {name} ({image_id}): {state}")
                } else {
                    format!("Image {name} ({image_id}) is {state}")
                }
            }
            EventKind::NodeProcess { node, started } => match (started, ja) {
                (true, false) => format!("[{node}] datastore started"),
                (true, true) => format!("[{node}] データストア起動"),
                (false, false) => format!("[{node}] datastore stopped"),
                (false, true) => format!("[{node}] データストア停止"),
            },
            EventKind::NodeJoined { node, node_id, master } => {
                format!("[{master}] node-join: {{{node}}}{{{node_id}}} joined the cluster")
            }
            EventKind::NodeLeft { node, reason } => format!("node-left: {{{node}}}, reason: {reason}"),
            EventKind::JoinRejected { node, reason } => format!("[{node}] join rejected: {reason}"),
            EventKind::MasterElected { node, term, voters } => format!(
                "[{node}] elected-as-master ([{}] nodes joined: {}), term: {term}",
                voters.len(),
                voters.join(", ")
            ),
            EventKind::MasterLost { node, term, reason } => {
                format!("master node changed {{previous [{node}], current []}}, term: {term}, reason: {reason}")
            }
            EventKind::NoQuorum { node, message } => format!("[{node}] {message}"),
            EventKind::ClusterBootstrapped { node, cluster_uuid, voters } => format!(
                "[{node}] bootstrapped a NEW cluster (uuid {cluster_uuid}) with initial voting configuration [{}]",
                voters.join(", ")
            ),
            EventKind::VotingConfig { nodes } => {
                if ja {
                    format!("投票構成: [{}]", nodes.join(", "))
                } else {
                    format!("voting configuration is now [{}]", nodes.join(", "))
                }
            }
            EventKind::HealthChanged { from, to } => {
                if ja {
                    format!("クラスタヘルス: {} → {}", from.as_str(), to.as_str())
                } else {
                    format!("cluster health changed from [{}] to [{}]", from.as_str(), to.as_str())
                }
            }
            EventKind::ShardPromoted { shard, node } => {
                format!("[app][{shard}] replica on {node} promoted to primary")
            }
            EventKind::ShardUnassigned { shard, primary, reason, delayed_ms } => {
                let what = if *primary { "primary" } else { "replica" };
                if *delayed_ms > 0 {
                    format!(
                        "[app][{shard}] {what} unassigned ({reason}); allocation delayed {}s (index.unassigned.node_left.delayed_timeout)",
                        delayed_ms / 1000
                    )
                } else {
                    format!("[app][{shard}] {what} unassigned ({reason})")
                }
            }
            EventKind::RecoveryStarted { shard, node, from, recovery, bytes } => {
                let from = from.as_deref().map(|f| format!(" from {f}")).unwrap_or_default();
                format!(
                    "[app][{shard}] {} recovery to {node}{from} started ({})",
                    recovery.as_str(),
                    fmt_bytes(*bytes)
                )
            }
            EventKind::RecoveryDone { shard, node, recovery, took_ms } => format!(
                "[app][{shard}] {} recovery to {node} done in {}",
                recovery.as_str(),
                fmt_duration(*took_ms)
            ),
            EventKind::RelocationStarted { shard, from, to } => {
                format!("[app][{shard}] rebalancing: relocating a copy from {from} to {to}")
            }
            EventKind::ApiResponse {
                via,
                request,
                status,
                body,
                ..
            } => {
                if *status == 0 {
                    format!("API {request} via {via}: no response")
                } else if let Some(health) = health_status(request, body) {
                    // What the trainee saw: the debrief reads "… HTTP 200, status yellow".
                    let word = if ja { "ステータス" } else { "status" };
                    format!("API {request} via {via}: HTTP {status}, {word} {health}")
                } else {
                    format!("API {request} via {via}: HTTP {status}")
                }
            }
            EventKind::DiskWatermark { message, .. } => message.clone(),
            EventKind::IndexBlock { message, .. } => message.clone(),
            EventKind::Alarm { name, alarm, .. } => {
                let state = if *alarm { "ALARM" } else { "OK" };
                let body = self.alarm_body(lang).unwrap_or_default();
                format!("CloudWatch {name}: {state} — {body}")
            }
            EventKind::Chat { from, text } => {
                format!("{}: {}", sender_label(from, lang), text.get(lang))
            }
        }
    }

    /// An alarm's text in `lang` (what follows "CloudWatch name: ALARM — "); `None` for
    /// every other event.
    pub fn alarm_body(&self, lang: Lang) -> Option<String> {
        let EventKind::Alarm {
            name,
            alarm,
            text,
            figures,
        } = &self.kind
        else {
            return None;
        };
        Some(match lang {
            Lang::En => text.clone(),
            Lang::Ja => alarm_ja(name, *alarm, text, figures),
        })
    }

    /// The pager line for an alarm entering ALARM, sent at that moment (the first failed
    /// check, for a status-check alarm), naming the instance as the console does:
    /// `PAGER 01:00 — [ALARM] search-cluster: StatusCheckFailed_System on node-1 (i-0…)`.
    /// `None` for every other event (an alarm returning to OK pages nobody).
    pub fn page(&self, lang: Lang) -> Option<String> {
        let EventKind::Alarm {
            name,
            alarm: true,
            text,
            ..
        } = &self.kind
        else {
            return None;
        };
        let clock = crate::time::fmt_clock(self.at_ms);
        let (_, metric) = name.rsplit_once('-').unwrap_or(("", name.as_str()));
        let body = match (lang, alarm_subject(text)) {
            (Lang::Ja, Some(on)) if metric.starts_with("StatusCheckFailed") => {
                format!("{on} で {metric}")
            }
            (Lang::Ja, _) => self.alarm_body(lang).unwrap_or_default(),
            (Lang::En, Some(on)) if metric.starts_with("StatusCheckFailed") => {
                format!("{metric} on {on}")
            }
            (Lang::En, _) => text.clone(),
        };
        Some(format!("PAGER {clock} — [ALARM] search-cluster: {body}"))
    }
}

/// "node-1 (i-0…)" in a status-check alarm's text ("… on node-1 (i-0…)…").
fn alarm_subject(text: &str) -> Option<&str> {
    let start = text.find(" on ")? + 4;
    let end = start + text[start..].find(')')? + 1;
    Some(&text[start..end])
}

/// The figures an alarm's text quotes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum AlarmFigures {
    /// No figures (status checks, alarms returning to OK), or an event read back from JSON.
    #[default]
    None,
    /// The search 5xx rate over the last minute.
    ErrorRate {
        percent: u64,
        failed: u64,
        total: u64,
    },
    /// An instance's disk use against the alarm's threshold.
    Disk {
        instance: String,
        percent: u64,
        threshold: u64,
    },
}

/// An alarm's text in Japanese.
fn alarm_ja(name: &str, alarm: bool, text: &str, figures: &AlarmFigures) -> String {
    match figures {
        AlarmFigures::ErrorRate {
            percent,
            failed,
            total,
        } if alarm => {
            return format!("検索の 5xx 率 {percent}%（直近1分、{total} 件中 {failed} 件が失敗）")
        }
        AlarmFigures::Disk {
            instance,
            percent,
            threshold,
        } if alarm => {
            return format!("{instance} のディスク使用率 {percent}%（しきい値 {threshold}%）")
        }
        _ => {}
    }
    let (inst, what) = name.rsplit_once('-').unwrap_or(("", name));
    let on = alarm_subject(text).unwrap_or(inst);
    match (what, alarm) {
        ("StatusCheckFailed_System", true) => {
            format!("{on} でシステムステータスチェックが失敗")
        }
        ("StatusCheckFailed_System", false) => {
            format!("{on} のシステムステータスチェックが再び合格")
        }
        ("StatusCheckFailed_Instance", true) => {
            format!("{on} でインスタンスステータスチェックが失敗")
        }
        ("StatusCheckFailed_Instance", false) => {
            format!("{on} のインスタンスステータスチェックが再び合格")
        }
        ("disk_used_percent", true) => {
            format!("{inst} のディスク使用率がしきい値を超えた（{text}）")
        }
        ("disk_used_percent", false) => {
            format!("{inst} のディスク使用率がしきい値を下回った")
        }
        ("rate", true) => format!("検索の 5xx 率が直近1分で 1% を超えた（{text}）"),
        ("rate", false) => "検索の 5xx 率が 1% 未満に戻った".to_string(),
        _ => text.to_string(),
    }
}

pub fn fmt_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    if bytes >= GIB {
        format!("{}.{}gb", bytes / GIB, (bytes % GIB) * 10 / GIB)
    } else if bytes >= MIB {
        format!("{}.{}mb", bytes / MIB, (bytes % MIB) * 10 / MIB)
    } else {
        format!("{}kb", bytes.div_ceil(1024))
    }
}

pub fn fmt_duration(ms: u64) -> String {
    if ms >= 60_000 {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{}.{}s", ms / 1000, (ms % 1000) / 100)
    }
}
