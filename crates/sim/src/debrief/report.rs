//! The end-of-drill report and the score formula.
//!
//! # Score formula (integer, documented in README)
//!
//! ```text
//! score = max(0, 10_000
//!              - outage_ms / 100               (10 points per second without a master or red)
//!              - requests_failed / 20          (1 point per 20 failed requests)
//!              - degraded_ms / 10_000          (1 point per 10 s without full redundancy)
//!              - beyond_par_ms / 500           (2 more points per second without full
//!                                               redundancy after the case's par)
//!              - instance_ms / 60_000          (1 point per instance-minute of the instances
//!                                               you launched, each billed ≥ 1 minute)
//!              - 25 × images                   (each image you created and kept)
//!              - objective_points              (2500 × nodes not done / nodes, once the
//!                                               scenario's objective's deadline passed)
//!              - penalties)                    (risky actions, see `Penalty`)
//! ```
//!
//! The **par** of a branch case is its proof replay's time to full redundancy
//! (`Proof::par_redundancy_ms`): how soon the runbook, followed as a trainee would, has
//! three healthy voting nodes and green again. Waiting is free until the par; after it,
//! every second still degraded costs 2 points, so waiting out a node that never returns
//! (30+ minutes past a ~13 minute par) grades C or worse, while waiting out a node that
//! does return costs nothing beyond the 1 point per 10 s everyone pays.
//!
//! Outage still dominates: a second of outage costs 10 points plus ~10 in failed requests
//! at 200 requests/s, ten times a second past par, so waiting beats causing an outage.
//! Launches and images cost what they would on the bill, roughly: the clean replacement
//! (one node for ~40 minutes) costs ~40 points, while 250 launches cost at least 250, so
//! spamming launches never beats the runbook.
//!
//! The **objective** of a planned-work drill (`[objective]`: every listed node restarted,
//! or terminated, by a deadline) is the work itself: the cluster stays green if you do
//! nothing, so without it idling would beat the runbook. Leaving all of it undone costs
//! [`OBJECTIVE_POINTS`] (idling grades C at best), part of it its share. An outage still
//! costs more: the trap, which does the work with an outage, scores below idling.
//!
//! Grades: S ≥ 9500, A ≥ 9000, B ≥ 8000,
//! C ≥ 6500, D ≥ 5000, F below.

use serde::{Deserialize, Serialize};

use crate::event::Health;
use crate::scenario::Lang;

pub const SCORE_BASE: i64 = 10_000;
pub const OUTAGE_MS_PER_POINT: u64 = 100;
pub const FAILED_REQUESTS_PER_POINT: u64 = 20;
pub const DEGRADED_MS_PER_POINT: u64 = 10_000;
/// Degraded time after the case's par: 2 points per second.
pub const BEYOND_PAR_MS_PER_POINT: u64 = 500;
/// 1 point per instance-minute of a launched instance.
pub const INSTANCE_MS_PER_POINT: u64 = 60_000;
/// EC2 bills per second with a one-minute minimum per launch.
pub const MIN_BILLED_MS: u64 = 60_000;
/// Each image created and kept.
pub const IMAGE_POINTS: i64 = 25;
/// The scenario's objective left wholly undone at its deadline (a share for each node).
pub const OBJECTIVE_POINTS: i64 = 2_500;

/// What the score formula reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScoreInput {
    pub outage_ms: u64,
    pub requests_failed: u64,
    pub degraded_ms: u64,
    /// Time without full redundancy after the case's par.
    pub degraded_beyond_par_ms: u64,
    /// Instance-milliseconds of the instances launched in the drill (each ≥ 1 minute).
    pub instance_ms: u64,
    /// Images created.
    pub images: u64,
    /// What the scenario's objective costs (`ObjectiveStatus::points`).
    pub objective_points: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub scenario_id: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub sim_version: u32,
    pub duration_ms: u64,
    /// Time during which the cluster had no reachable elected master, or was red.
    pub outage_ms: u64,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub reads_total: u64,
    pub reads_failed: u64,
    pub writes_total: u64,
    pub writes_failed: u64,
    /// Time without full redundancy (3 healthy voting nodes and green).
    pub degraded_ms: u64,
    /// When full redundancy was last restored (the start of the final stretch of it), from
    /// the scenario start; `None` if the drill ended without it.
    pub time_to_green_ms: Option<u64>,
    /// "green", "yellow", "red" or "no-master".
    pub final_health: String,
    pub penalties: Vec<Penalty>,
    pub breakdown: ScoreBreakdown,
    pub score: i64,
    pub grade: String,
    /// The seed's hidden branches, revealed: one per branch point on the drawn path.
    pub branches: Vec<BranchReveal>,
    /// The branch case that happened (`recovery=never,setup=ok`), as
    /// `Scenario::case_for_seed` names it.
    #[serde(default)]
    pub branch_case: String,
    /// The case's par: when its proof replay has full redundancy back (`None`: no proof).
    #[serde(default)]
    pub par_redundancy_ms: Option<u64>,
    /// Each outage, with what caused it.
    pub outages: Vec<OutageSpan>,
    /// The runbook's path for what happened beside what the trainee did (`None`: the
    /// scenario has no runbook).
    #[serde(default)]
    pub runbook: Option<crate::runbook::RunbookComparison>,
    /// The scenario's objective, met or not (`None`: it has none).
    #[serde(default)]
    pub objective: Option<crate::scenario::objective::ObjectiveStatus>,
    /// SHA-256 of the event log (one JSON line per event), hex; empty where the sim is built
    /// without its `log-hash` feature (the browser game: the server hashes what it re-simulates).
    pub event_log_hash: String,
    pub events: Vec<EventRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    pub base: i64,
    pub outage_points: i64,
    pub failed_request_points: i64,
    pub degraded_points: i64,
    /// Degraded time after the case's par.
    #[serde(default)]
    pub beyond_par_points: i64,
    /// Instance-minutes of launched instances.
    #[serde(default)]
    pub instance_points: i64,
    /// Images kept.
    #[serde(default)]
    pub image_points: i64,
    /// The objective not done by its deadline.
    #[serde(default)]
    pub objective_points: i64,
    pub penalty_points: i64,
}

/// A risky action and what it cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Penalty {
    pub at_ms: u64,
    /// Index of the action in the replay.
    pub action_index: usize,
    pub points: i64,
    /// The reason in English, as the report's JSON records it (built from `risk`).
    pub reason: String,
    /// The same reason as data, for [`Penalty::text`] (not serialized: the JSON keeps
    /// `reason`; a report read back from JSON falls back to it).
    #[serde(skip)]
    pub risk: Option<Risk>,
}

impl Penalty {
    /// The reason in `lang`, a clause ("took node-2 away while …").
    pub fn text(&self, lang: Lang) -> String {
        match &self.risk {
            Some(risk) => risk.text(lang),
            None => self.reason.clone(),
        }
    }
}

/// Why an action earned a penalty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Risk {
    /// Launched from an image of another node's disk (same node id in the data path).
    CloneLaunch,
    /// `cluster.initial_master_nodes` set on a node joining a formed cluster.
    InitialMasterNodes,
    /// Terminated the node holding the only copy of `shard`.
    OnlyCopy { shard: u32 },
    /// Took `node` away while the quorum needed it.
    QuorumNeeded {
        node: String,
        up: usize,
        voters: usize,
        need: usize,
    },
    /// Took `node` away while the cluster was not green.
    RedundancyReduced { node: String, health: Health },
}

impl Risk {
    /// The reason as a clause in `lang` (the English is the report's `reason`).
    pub fn text(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            Risk::CloneLaunch if ja => "別ノードのディスクの複製からノードを起動した（データパスが同じノード ID を持つ）。ランブックはベースイメージから起動してセットアップを実行する".into(),
            Risk::CloneLaunch => "launched a node from a clone of another node's disk (its data path carries the same node id); the runbook launches from the base image and runs setup".into(),
            Risk::InitialMasterNodes if ja => "形成済みクラスタに参加するノードに cluster.initial_master_nodes を設定した: 空の2つ目のクラスタをブートストラップするおそれがある".into(),
            Risk::InitialMasterNodes => "set cluster.initial_master_nodes on a node joining a formed cluster: it may bootstrap a second, empty cluster".into(),
            Risk::OnlyCopy { shard } if ja => format!("シャード {shard} の唯一のコピーを持つノードを終了した: データはルートボリュームとともに削除される"),
            Risk::OnlyCopy { shard } => format!("terminated the node holding the only copy of shard {shard}: its data is deleted with the root volume"),
            Risk::QuorumNeeded { node, up, voters, need } if ja => format!("クォーラムに必要な {node} を外した（投票ノード {voters} 台中 {up} 台が稼働、{need} 台が必要）"),
            Risk::QuorumNeeded { node, up, voters, need } => format!("took {node} away while the quorum needed it ({up} of {voters} voting nodes were up; {need} are required)"),
            Risk::RedundancyReduced { node, health } if ja => format!("冗長性がすでに低下しているときに {node} を外した（ヘルス {}）", health.as_str()),
            Risk::RedundancyReduced { node, health } => format!("took {node} away while redundancy was already reduced (health {})", health.as_str()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchReveal {
    /// The branch point.
    pub id: String,
    /// The option drawn.
    #[serde(default)]
    pub option: String,
    /// What was drawn for this seed, in words ("node-1's host would have recovered at 07:12").
    pub outcome: String,
    /// The same in Japanese.
    pub outcome_ja: String,
    /// Absolute time of the drawn outcome, if any.
    pub at_ms: Option<u64>,
    pub happened: bool,
}

/// One stretch of outage and its causes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageSpan {
    pub start_ms: u64,
    /// `None` if the drill ended during the outage.
    pub end_ms: Option<u64>,
    pub causes: Vec<Cause>,
    /// A sentence naming the causes.
    pub explanation: String,
    /// The same in Japanese.
    pub explanation_ja: String,
    /// What it set off: the datastore's key events from its first cause to just after its
    /// end, in order (filled in by the report; empty while the drill runs).
    #[serde(default)]
    pub chain: Vec<ChainStep>,
}

impl OutageSpan {
    /// When it ended, or the drill's end if it was still going on.
    pub fn end_or(&self, drill_end_ms: u64) -> u64 {
        self.end_ms.unwrap_or(drill_end_ms)
    }

    /// Its length as every screen shows it ([`crate::time::span_ms`]: end − start of the
    /// shown clocks).
    pub fn shown_length_ms(&self, drill_end_ms: u64) -> u64 {
        crate::time::span_ms(self.start_ms, self.end_or(drill_end_ms))
    }

    /// `02:22–04:56`, as every screen shows it.
    pub fn span_text(&self, drill_end_ms: u64) -> String {
        crate::time::fmt_span(self.start_ms, self.end_or(drill_end_ms))
    }

    /// The actions (by index) that caused this outage.
    pub fn culprits(&self) -> impl Iterator<Item = usize> + '_ {
        self.causes.iter().filter_map(|c| match c {
            Cause::Action { action_index, .. } => Some(*action_index),
            Cause::Fault { .. } => None,
        })
    }

    /// The chain as the debrief lists it: a long chain keeps its first
    /// [`CHAIN_HEAD`] and last [`CHAIN_TAIL`] steps, with `None` (an ellipsis) between.
    pub fn chain_lines(&self) -> Vec<Option<&ChainStep>> {
        let steps = &self.chain;
        if steps.len() <= CHAIN_MAX {
            return steps.iter().map(Some).collect();
        }
        let mut out: Vec<Option<&ChainStep>> = steps[..CHAIN_HEAD].iter().map(Some).collect();
        out.push(None);
        out.extend(steps[steps.len() - CHAIN_TAIL..].iter().map(Some));
        out
    }
}

/// A chain longer than this is shortened to its head and tail.
pub const CHAIN_MAX: usize = 14;
pub const CHAIN_HEAD: usize = 10;
pub const CHAIN_TAIL: usize = 4;

/// One step of what an outage set off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStep {
    pub at_ms: u64,
    pub kind: ChainKind,
    /// The event's line in the log (English).
    pub message: String,
    /// An action that caused the outage.
    #[serde(default)]
    pub culprit: bool,
}

/// The kinds of event a chain shows: your actions that caused the outage, and the
/// datastore's elections, membership, health and lost primaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainKind {
    ActionAccepted,
    MasterLost,
    MasterElected,
    NodeLeft,
    NodeJoined,
    HealthChanged,
    JoinRejected,
    ClusterBootstrapped,
    /// A primary shard copy unassigned (replicas are left out).
    ShardUnassigned,
}

/// Why a node was unavailable: a scheduled fault or a trainee action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Cause {
    Fault {
        node: String,
        fault: String,
        at_ms: u64,
    },
    Action {
        node: String,
        action_index: usize,
        action: String,
        at_ms: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub at_ms: u64,
    pub kind: String,
    pub message: String,
}

impl Report {
    /// The actions (by index) named as the cause of some outage, in outage order (an
    /// action may appear more than once).
    pub fn culprits(&self) -> Vec<usize> {
        self.outages.iter().flat_map(|o| o.culprits()).collect()
    }

    /// Whether action `index` caused some outage.
    pub fn is_culprit(&self, index: usize) -> bool {
        self.outages
            .iter()
            .any(|o| o.culprits().any(|i| i == index))
    }
}

pub fn grade(score: i64) -> &'static str {
    match score {
        s if s >= 9_500 => "S",
        s if s >= 9_000 => "A",
        s if s >= 8_000 => "B",
        s if s >= 6_500 => "C",
        s if s >= 5_000 => "D",
        _ => "F",
    }
}

/// Applies the score formula (see the module docs).
pub fn score(input: &ScoreInput, penalties: &[Penalty]) -> (i64, ScoreBreakdown) {
    let breakdown = ScoreBreakdown {
        base: SCORE_BASE,
        outage_points: (input.outage_ms / OUTAGE_MS_PER_POINT) as i64,
        failed_request_points: (input.requests_failed / FAILED_REQUESTS_PER_POINT) as i64,
        degraded_points: (input.degraded_ms / DEGRADED_MS_PER_POINT) as i64,
        beyond_par_points: (input.degraded_beyond_par_ms / BEYOND_PAR_MS_PER_POINT) as i64,
        instance_points: (input.instance_ms / INSTANCE_MS_PER_POINT) as i64,
        image_points: input.images as i64 * IMAGE_POINTS,
        objective_points: input.objective_points,
        penalty_points: penalties.iter().map(|p| p.points).sum(),
    };
    let raw = breakdown.base
        - breakdown.outage_points
        - breakdown.failed_request_points
        - breakdown.degraded_points
        - breakdown.beyond_par_points
        - breakdown.instance_points
        - breakdown.image_points
        - breakdown.objective_points
        - breakdown.penalty_points;
    (raw.max(0), breakdown)
}
