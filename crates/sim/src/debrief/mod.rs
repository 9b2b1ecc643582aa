//! The report: counters, score, the reveal of the seed's hidden branches, outages with
//! their causes, and the event log with its hash.

pub mod report;

use crate::engine::{Sim, MAIN};
use crate::event::{EventKind, Health};
use crate::report::{BranchReveal, Cause, ChainKind, ChainStep, EventRecord, OutageSpan, Report};
use crate::scenario::{Effect, FaultKind, Lang};
use crate::time::fmt_clock;

impl Sim {
    /// SHA-256 over the event log, one JSON line per event. Only with the `log-hash` feature
    /// (not in the browser game, which leaves `Report::event_log_hash` empty).
    #[cfg(feature = "log-hash")]
    pub fn event_log_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for event in &self.events {
            // Plain data with string keys: serializing cannot fail. No `expect`: its panic
            // path would keep serde_json's error formatting in the wasm.
            let line = serde_json::to_string(event).unwrap_or_default();
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
        }
        let mut out = String::with_capacity(64);
        for byte in hasher.finalize() {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }

    /// What the seed drew at each branch point on its path, in words.
    pub fn branch_reveals(&self) -> Vec<BranchReveal> {
        let mut out = Vec::new();
        for draw in &self.branches {
            let point = &self.scenario.branch_points[draw.point];
            let option = &point.options[draw.option];
            let happened = draw.happened;
            let at = draw.at_ms.map(fmt_clock).unwrap_or_default();
            let (outcome, outcome_ja) = match &option.effect {
                None => (
                    option.label.en.clone(),
                    option.label.get(Lang::Ja).to_string(),
                ),
                Some(Effect::Timed {
                    kind, target: t, ..
                }) => {
                    let kind_id = kind.as_str();
                    match (kind, happened) {
                        (FaultKind::HostRecovery, true) => (
                            format!("{t}'s host recovered by itself at {at} (EC2 automatic recovery)"),
                            format!("{t} のホストは {at} に自動で復旧した（EC2 の自動復旧）"),
                        ),
                        (FaultKind::HostRecovery, false) => (
                            format!("{t}'s host would have recovered by itself at {at} had you waited"),
                            format!("待っていれば、{t} のホストは {at} に自動で復旧していた"),
                        ),
                        (FaultKind::RecoveryFailed, _) => (
                            format!("{t}'s host would never have recovered in this seed (automatic recovery failed at {at}: insufficient capacity)"),
                            format!("このシードでは {t} のホストは復旧しなかった（{at} に自動復旧失敗: キャパシティ不足）"),
                        ),
                        (FaultKind::HostRetirement, true) => (
                            format!("EC2 retired {t}'s host at {at}: {t} was still on it"),
                            format!("{at} に EC2 が {t} のホストをリタイアさせた（{t} はまだそのホスト上にあった）"),
                        ),
                        (FaultKind::HostRetirement, false) => (
                            format!("EC2 retired {t}'s old host at {at}: {t} was no longer on it"),
                            format!("{at} に EC2 が {t} の旧ホストをリタイアさせた（{t} はすでに移動済み）"),
                        ),
                        (_, true) => (format!("{kind_id} hit {t} at {at}"), format!("{at} に {t} で {kind_id} が発生した")),
                        (_, false) => (format!("{kind_id} would have hit {t} at {at}"), format!("{at} に {t} で {kind_id} が発生するはずだった")),
                    }
                }
                Some(Effect::FsckHang { target: t, hang_ms }) => {
                    let hang = fmt_clock(*hang_ms);
                    if happened {
                        (
                            format!("{t}'s boot hung in fsck for {hang}"),
                            format!("{t} の起動は fsck で {hang} 止まった"),
                        )
                    } else {
                        (
                            format!("{t}'s next boot would have hung in fsck for {hang}"),
                            format!("{t} を起動していれば fsck で {hang} 止まっていた"),
                        )
                    }
                }
                Some(Effect::ImageSlow { pending_ms }) => {
                    let p = fmt_clock(*pending_ms);
                    if happened {
                        (
                            format!("new images took {p} to become available"),
                            format!("新しいイメージが利用可能になるまで {p} かかった"),
                        )
                    } else {
                        (
                            format!("a new image would have taken {p} to become available"),
                            format!("イメージを作成していれば利用可能まで {p} かかっていた"),
                        )
                    }
                }
                Some(Effect::MirrorFailure { count }) => {
                    let (setups, setups_ja) = if *count == 1 {
                        ("setup".to_string(), "最初のセットアップ".to_string())
                    } else {
                        (
                            format!("{count} setups"),
                            format!("最初の {count} 回のセットアップ"),
                        )
                    };
                    if happened {
                        (format!("the package mirror was bad: the first {setups} failed and had to be re-run"), format!("パッケージミラーが壊れていた: {setups_ja}は失敗し、再実行が必要だった"))
                    } else {
                        (format!("the package mirror was bad: the first {setups} would have failed"), format!("パッケージミラーが壊れていた: セットアップしていれば{setups_ja}は失敗していた"))
                    }
                }
            };
            out.push(BranchReveal {
                id: point.id.clone(),
                option: option.id.clone(),
                outcome,
                outcome_ja,
                at_ms: draw.at_ms,
                happened,
            });
        }
        out
    }

    /// What outage `o` set off: the key events from its first cause (the earliest action
    /// among its causes, else its start) to one second after its end; of your actions, only
    /// those that caused it; of unassigned shards, only primaries.
    pub(crate) fn outage_chain(&self, o: &OutageSpan) -> Vec<ChainStep> {
        let causes: Vec<(usize, u64)> = o
            .causes
            .iter()
            .filter_map(|c| match c {
                Cause::Action {
                    action_index,
                    at_ms,
                    ..
                } => Some((*action_index, *at_ms)),
                Cause::Fault { .. } => None,
            })
            .collect();
        let from = causes
            .iter()
            .map(|(_, at)| *at)
            .min()
            .unwrap_or(o.start_ms)
            .min(o.start_ms);
        // The end of the span is the last tick in outage; what ended it lands just after.
        let to = o.end_ms.map_or(u64::MAX, |e| e + 1_000);
        let cause_action = |index: usize| {
            causes.iter().any(|(i, _)| {
                self.actions.get(*i).map(|a| &a.action)
                    == self.actions.get(index).map(|a| &a.action)
            })
        };
        let mut out = Vec::new();
        for e in self
            .events
            .iter()
            .filter(|e| e.at_ms >= from && e.at_ms <= to)
        {
            let (kind, culprit) = match &e.kind {
                // The same action as a cause (a repeat of it reads the same in the log).
                EventKind::ActionAccepted { index, .. } if cause_action(*index) => (
                    ChainKind::ActionAccepted,
                    causes.iter().any(|(i, _)| i == index),
                ),
                EventKind::MasterLost { .. } => (ChainKind::MasterLost, false),
                EventKind::MasterElected { .. } => (ChainKind::MasterElected, false),
                EventKind::NodeLeft { .. } => (ChainKind::NodeLeft, false),
                EventKind::NodeJoined { .. } => (ChainKind::NodeJoined, false),
                EventKind::HealthChanged { .. } => (ChainKind::HealthChanged, false),
                EventKind::JoinRejected { .. } => (ChainKind::JoinRejected, false),
                EventKind::ClusterBootstrapped { .. } => (ChainKind::ClusterBootstrapped, false),
                EventKind::ShardUnassigned { primary: true, .. } => {
                    (ChainKind::ShardUnassigned, false)
                }
                _ => continue,
            };
            out.push(ChainStep {
                at_ms: e.at_ms,
                kind,
                message: e.message(Lang::En),
                culprit,
            });
        }
        out
    }

    /// What the trainee's launches and images cost: instance-milliseconds of the instances
    /// launched in the drill (each billed for at least a minute, as EC2's per-second billing
    /// does), and the images kept (every image created: the drill has no deregister).
    pub(crate) fn resource_costs(&self) -> (u64, u64) {
        let original = self.scenario.topology.nodes.len();
        let instance_ms = self
            .instances()
            .iter()
            .skip(original)
            .map(|i| {
                let end = self
                    .events
                    .iter()
                    .find_map(|e| match &e.kind {
                        EventKind::InstanceState {
                            instance_id,
                            state: crate::event::InstanceState::Terminated,
                            ..
                        } if *instance_id == i.id => Some(e.at_ms),
                        _ => None,
                    })
                    .unwrap_or(self.now_ms);
                end.saturating_sub(i.launched_at_ms)
                    .max(report::MIN_BILLED_MS)
            })
            .sum();
        (instance_ms, self.images().len() as u64)
    }

    /// The report as of now (final once the drill has ended).
    pub fn report(&self) -> Report {
        let m = &self.traffic.metrics;
        let requests_failed = m.reads_failed + m.writes_failed;
        let costs = self.resource_costs();
        let objective = self
            .scenario
            .objective
            .as_ref()
            .map(|o| o.status(&self.events, self.now_ms));
        let (score, breakdown) = report::score(
            &report::ScoreInput {
                outage_ms: m.outage_ms,
                requests_failed,
                degraded_ms: m.degraded_ms,
                degraded_beyond_par_ms: self.degraded_beyond_par_ms,
                instance_ms: costs.0,
                images: costs.1,
                objective_points: objective.as_ref().map_or(0, |o| o.points),
            },
            &self.penalties,
        );
        let final_health = match self.ds[MAIN].health {
            Health::NoMaster => "no-master",
            h => h.as_str(),
        };
        Report {
            scenario_id: self.scenario.id.clone(),
            scenario_hash: self.scenario.hash.clone(),
            seed: self.seed,
            sim_version: crate::SIM_VERSION,
            duration_ms: self.now_ms,
            outage_ms: m.outage_ms,
            requests_total: m.reads_total + m.writes_total,
            requests_failed,
            reads_total: m.reads_total,
            reads_failed: m.reads_failed,
            writes_total: m.writes_total,
            writes_failed: m.writes_failed,
            degraded_ms: m.degraded_ms,
            time_to_green_ms: m.redundant_since_ms,
            final_health: final_health.to_string(),
            penalties: self.penalties.clone(),
            breakdown,
            score,
            grade: report::grade(score).to_string(),
            branches: self.branch_reveals(),
            branch_case: self.branch_case(),
            par_redundancy_ms: self.par_ms,
            outages: m
                .outages
                .iter()
                .map(|o| OutageSpan {
                    chain: self.outage_chain(o),
                    ..o.clone()
                })
                .collect(),
            runbook: self.runbook_comparison(),
            objective,
            #[cfg(feature = "log-hash")]
            event_log_hash: self.event_log_hash(),
            #[cfg(not(feature = "log-hash"))]
            event_log_hash: String::new(),
            events: self
                .events
                .iter()
                .map(|e| EventRecord {
                    at_ms: e.at_ms,
                    kind: e.kind.name().to_string(),
                    message: e.message(Lang::En),
                })
                .collect(),
        }
    }
}
