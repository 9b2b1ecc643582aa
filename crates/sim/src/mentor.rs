//! Mentor mode: before a risky action, fork the simulation, run both futures ahead and say
//! what the action would do. The fork is exact (the sim is deterministic), so the warning is
//! what would really happen in this seed — not a rule of thumb. Both futures run for
//! [`HORIZON_MS`]; if the action's future is then still in an outage, they run on until it
//! ends or the drill does (so the forecast never reports the window as the outage), and the
//! forecast says so ("44+ min"), why, and the safe alternative.

use serde::{Deserialize, Serialize};

use crate::action::{Action, Applied};
use crate::engine::Sim;
use crate::scenario::Lang;
use crate::time::{fmt_clock, fmt_count};

/// How far ahead mentor mode looks at least (further while the action's outage lasts).
pub const HORIZON_MS: u64 = 15 * 60 * 1000;

/// Why an action causes an outage: the mechanism the trainee should learn, typed so the UI
/// can render it; [`Why::text`] and [`Why::safer`] give the sentences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Why {
    /// Create image without No reboot: EC2 shuts `instance` down for the snapshot, and the
    /// quorum cannot spare it (`down`: the voting nodes already gone).
    ImageReboots { instance: String, down: Vec<String> },
    /// A reboot, stop or terminate of a node the quorum needs: the cluster loses its master.
    QuorumNodeAway { instance: String, down: Vec<String> },
}

impl Why {
    /// "Why: …" in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            Why::ImageReboots { instance, down } => {
                let also = if down.is_empty() {
                    String::new()
                } else if ja {
                    format!("{} がすでに落ちているため、", down.join("、"))
                } else {
                    format!(" with {} already down", down.join(", "))
                };
                if ja {
                    format!("理由: 「再起動しない」がオフなので、EC2 はスナップショットのために {instance} をシャットダウンします。{also}クラスタはマスターを失います。")
                } else {
                    format!("Why: No reboot is unchecked, so EC2 shuts {instance} down for the snapshot, and{also} the cluster loses its master.")
                }
            }
            Why::QuorumNodeAway { instance, down } => {
                if ja {
                    let now = if down.is_empty() {
                        String::new()
                    } else {
                        format!("{} が落ちている今、", down.join("、"))
                    };
                    format!("理由: {now}{instance} はクォーラムに必要なノードです。外すとクラスタはマスターを失います。")
                } else {
                    let now = if down.is_empty() {
                        String::new()
                    } else {
                        format!(" now that {} is down", down.join(", "))
                    };
                    format!("Why: {instance} is one of the nodes the quorum needs{now}: without it the cluster loses its master.")
                }
            }
        }
    }

    /// "Safer: …" in `lang`.
    pub fn safer(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        let wait = |instance: &str, down: &[String]| {
            if down.is_empty() {
                if ja {
                    "一度に外すノードは1台だけにし、green に戻ってから次へ。".to_string()
                } else {
                    "Take one node away at a time and wait for green before the next.".to_string()
                }
            } else if ja {
                format!(
                    "{} が再参加して全ノードで green になるのを待ってから {instance} を外す。",
                    down.join("、")
                )
            } else {
                format!(
                    "Wait for {} to rejoin (green with every node) before taking {instance} away.",
                    down.join(", ")
                )
            }
        };
        match self {
            Why::ImageReboots { instance, down } => {
                if ja {
                    format!("安全な方法: 「再起動しない」にチェックを入れる（クラッシュ整合のイメージ、{instance} は稼働したまま）。または、{}", wait(instance, down))
                } else {
                    format!("Safer: Tick No reboot (a crash-consistent image; {instance} keeps serving), or {}", lower_first(&wait(instance, down)))
                }
            }
            Why::QuorumNodeAway { instance, down } => {
                if ja {
                    format!("安全な方法: {}", wait(instance, down))
                } else {
                    format!("Safer: {}", wait(instance, down))
                }
            }
        }
    }
}

/// ASCII lower-casing of the first letter ("Wait …" inside a sentence).
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    /// Outage the action adds within the horizon, compared with not doing it.
    pub extra_outage_ms: u64,
    pub extra_failed_requests: u64,
    /// The action would be refused, with this reason.
    pub refused: Option<String>,
    /// Penalty points the action earns.
    pub penalty_points: i64,
    /// One or two sentences for the trainee (with [`Why`] and the safe alternative).
    pub summary: String,
    /// Where the forecast stopped: the horizon, or later while the action's outage lasted.
    #[serde(default)]
    pub forecast_end_ms: u64,
    /// The action's outage was still going on when the forecast stopped (the drill's end):
    /// `extra_outage_ms` is a lower bound ("44+ min").
    #[serde(default)]
    pub still_down_at_end: bool,
    /// Why the action causes an outage, when the sim knows the mechanism.
    #[serde(default)]
    pub why: Option<Why>,
}

impl Prediction {
    /// Worth a warning dialog.
    pub fn is_risky(&self) -> bool {
        self.extra_outage_ms > 0 || self.penalty_points > 0 || self.extra_failed_requests >= 1_000
    }
}

/// Mentor mode's answer for one or several actions the trainee is about to apply at once:
/// the risky ones, with what they would cost together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// The actions asked for, all of them (the dialog's "do it anyway" applies these).
    pub actions: Vec<Action>,
    /// One per risky action: (its script line, the predicted summary).
    pub warnings: Vec<(String, String)>,
    pub extra_outage_ms: u64,
    pub extra_failed: u64,
    pub penalty_points: i64,
    /// The latest point any of the forecasts ran to.
    pub forecast_end_ms: u64,
    /// Some risky action's outage was still going on at the drill's end (the outage is a
    /// lower bound).
    pub still_down_at_end: bool,
    /// The mechanisms behind the risky actions' outages, in order.
    pub why: Vec<Why>,
}

impl Sim {
    /// Forecasts `pending`, applied now in order: each action is predicted on top of the
    /// ones before it (a chain of forks). `None` if none of them is risky.
    pub fn forecast(&self, pending: &[Action], lang: Lang) -> Option<Forecast> {
        let mut forecast = Forecast {
            actions: pending.to_vec(),
            warnings: Vec::new(),
            extra_outage_ms: 0,
            extra_failed: 0,
            penalty_points: 0,
            forecast_end_ms: self.now_ms,
            still_down_at_end: false,
            why: Vec::new(),
        };
        let mut fork: Option<Sim> = None;
        for (k, action) in pending.iter().enumerate() {
            let prediction = fork.as_ref().unwrap_or(self).predict(action, lang);
            if prediction.is_risky() {
                forecast
                    .warnings
                    .push((action.to_script(), prediction.summary.clone()));
                forecast.extra_outage_ms += prediction.extra_outage_ms;
                forecast.extra_failed += prediction.extra_failed_requests;
                forecast.penalty_points += prediction.penalty_points;
                forecast.still_down_at_end |= prediction.still_down_at_end;
                forecast.why.extend(prediction.why.clone());
            }
            forecast.forecast_end_ms = forecast.forecast_end_ms.max(prediction.forecast_end_ms);
            if k + 1 < pending.len() {
                let mut next = fork.take().unwrap_or_else(|| self.clone());
                next.apply(action.clone());
                fork = Some(next);
            }
        }
        (!forecast.warnings.is_empty()).then_some(forecast)
    }

    /// Predicts the effect of applying `action` now, over the next [`HORIZON_MS`] and on
    /// while the action's future is still in an outage (at most to the drill's end).
    pub fn predict(&self, action: &Action, lang: Lang) -> Prediction {
        let horizon = (self.now_ms + HORIZON_MS).min(self.scenario.duration_ms);
        let down = self.quorum_nodes_down();
        let mut without = self.clone();
        without.run_until(horizon);
        let mut with = self.clone();
        let penalties_before = with.penalties.len();
        let refused = match with.apply(action.clone()) {
            Applied::Accepted => None,
            Applied::Refused { reason } => Some(reason),
        };
        with.run_until(horizon);
        // Run on, a minute at a time, until the outage ends or the drill does.
        while with.in_outage() && !with.is_over() {
            let next = with.now_ms + 60_000;
            with.run_until(next);
            without.run_until(next);
        }
        let still_down_at_end = with.in_outage();
        let forecast_end_ms = with.now_ms;
        let extra_outage_ms = with
            .traffic
            .metrics
            .outage_ms
            .saturating_sub(without.traffic.metrics.outage_ms);
        let failed = |s: &Sim| s.traffic.metrics.reads_failed + s.traffic.metrics.writes_failed;
        let extra_failed_requests = failed(&with).saturating_sub(failed(&without));
        let penalty_points: i64 = with.penalties[penalties_before..]
            .iter()
            .map(|p| p.points)
            .sum();
        let ja = lang == Lang::Ja;
        let target = action.target().unwrap_or("").to_string();
        let why = match action {
            _ if refused.is_some() || extra_outage_ms == 0 => None,
            Action::CreateImage {
                instance,
                no_reboot: false,
                ..
            } => Some(Why::ImageReboots {
                instance: instance.clone(),
                down: down.clone(),
            }),
            Action::Reboot { instance }
            | Action::Stop { instance, .. }
            | Action::ForceStop { instance }
            | Action::Terminate { instance, .. } => Some(Why::QuorumNodeAway {
                instance: instance.clone(),
                down: down.clone(),
            }),
            _ => None,
        };
        let failed = fmt_count(extra_failed_requests);
        let mut summary = if let Some(reason) = &refused {
            if ja {
                format!("この操作は拒否されます: {reason}")
            } else {
                format!("This would be refused: {reason}")
            }
        } else if extra_outage_ms > 0 {
            let first = with
                .traffic
                .metrics
                .outages
                .iter()
                .find(|o| o.start_ms >= self.now_ms);
            let when = first.map(|o| fmt_clock(o.start_ms)).unwrap_or_default();
            let how_long = match (still_down_at_end, ja) {
                (false, false) => format!(
                    "about {} min of full outage",
                    extra_outage_ms.div_ceil(60_000)
                ),
                (false, true) => format!("約{}分の全面障害", extra_outage_ms.div_ceil(60_000)),
                (true, false) => format!(
                    "still down when the drill ends at {} ({}+ min of full outage)",
                    fmt_clock(forecast_end_ms),
                    extra_outage_ms / 60_000
                ),
                (true, true) => format!(
                    "訓練終了の {} でもまだ復旧せず（{}分以上の全面障害）",
                    fmt_clock(forecast_end_ms),
                    extra_outage_ms / 60_000
                ),
            };
            let mut text = if ja {
                format!(
                    "{target} がクラスタから外れ、{when} からクォーラムが失われます。{how_long}、失敗リクエスト約{failed}件。"
                )
            } else {
                format!(
                    "{target} would leave the cluster and the quorum would be lost from {when}: {how_long} and ~{failed} failed requests."
                )
            };
            if let Some(why) = &why {
                // Japanese sentences follow each other without a space.
                let gap = if ja { "" } else { " " };
                text.push_str(gap);
                text.push_str(&why.text(lang));
                text.push_str(gap);
                text.push_str(&why.safer(lang));
            }
            text
        } else if extra_failed_requests >= 1_000 {
            if ja {
                format!("障害にはなりませんが、失敗リクエストが約{failed}件増えます。")
            } else {
                format!("No outage, but ~{failed} more requests would fail.")
            }
        } else if ja {
            "クォーラムは保たれます。".to_string()
        } else {
            "The quorum holds.".to_string()
        };
        for p in &with.penalties[penalties_before..] {
            // Penalty reasons are clauses ("took node-2 away while …"): make each a sentence.
            let reason = p.text(lang);
            let mut chars = reason.chars();
            if !ja {
                summary.push(' ');
            }
            if let Some(first) = chars.next() {
                // Reasons are English or Japanese: ASCII upper-casing is all it takes, and
                // keeps char::to_uppercase's Unicode tables out of the wasm.
                summary.push(first.to_ascii_uppercase());
                summary.push_str(chars.as_str());
            }
            summary.push(if ja { '。' } else { '.' });
        }
        Prediction {
            extra_outage_ms,
            extra_failed_requests,
            refused,
            penalty_points,
            summary,
            forecast_end_ms,
            still_down_at_end,
            why,
        }
    }

    /// The main cluster's voting nodes that do not answer now (the losses already spent).
    fn quorum_nodes_down(&self) -> Vec<String> {
        let c = self.main_cluster();
        c.voting
            .iter()
            .filter(|k| match c.members.get(k) {
                Some(m) => !self.is_responsive(m.instance),
                None => true,
            })
            .map(|k| self.node_name(*k))
            .collect()
    }
}
