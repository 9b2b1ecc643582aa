//! Mentor mode: before a risky action, fork the simulation, run both futures ahead and say
//! what the action would do. The fork is exact (the sim is deterministic), so the warning is
//! what would really happen in this seed — not a rule of thumb.

use serde::{Deserialize, Serialize};

use crate::action::{Action, Applied};
use crate::engine::Sim;
use crate::scenario::Lang;
use crate::time::fmt_clock;

/// How far ahead mentor mode looks.
pub const HORIZON_MS: u64 = 15 * 60 * 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    /// Outage the action adds within the horizon, compared with not doing it.
    pub extra_outage_ms: u64,
    pub extra_failed_requests: u64,
    /// The action would be refused, with this reason.
    pub refused: Option<String>,
    /// Penalty points the action earns.
    pub penalty_points: i64,
    /// One or two sentences for the trainee.
    pub summary: String,
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
            }
            if k + 1 < pending.len() {
                let mut next = fork.take().unwrap_or_else(|| self.clone());
                next.apply(action.clone());
                fork = Some(next);
            }
        }
        (!forecast.warnings.is_empty()).then_some(forecast)
    }

    /// Predicts the effect of applying `action` now, over the next [`HORIZON_MS`].
    pub fn predict(&self, action: &Action, lang: Lang) -> Prediction {
        let horizon = (self.now_ms + HORIZON_MS).min(self.scenario.duration_ms);
        let mut without = self.clone();
        without.run_until(horizon);
        let mut with = self.clone();
        let penalties_before = with.penalties.len();
        let refused = match with.apply(action.clone()) {
            Applied::Accepted => None,
            Applied::Refused { reason } => Some(reason),
        };
        with.run_until(horizon);
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
            let minutes = extra_outage_ms.div_ceil(60_000);
            if ja {
                format!(
                    "{target} がクラスタから外れ、{when} からクォーラムが失われます。約{minutes}分の全面障害、失敗リクエスト約{extra_failed_requests}件。"
                )
            } else {
                format!(
                    "{target} would leave the cluster and the quorum would be lost from {when}: about {minutes} min of full outage and ~{extra_failed_requests} failed requests."
                )
            }
        } else if extra_failed_requests >= 1_000 {
            if ja {
                format!(
                    "障害にはなりませんが、失敗リクエストが約{extra_failed_requests}件増えます。"
                )
            } else {
                format!("No outage, but ~{extra_failed_requests} more requests would fail.")
            }
        } else if ja {
            "クォーラムは保たれます。".to_string()
        } else {
            "The quorum holds.".to_string()
        };
        for p in &with.penalties[penalties_before..] {
            // Penalty reasons are clauses ("took node-2 away while …"): make each a sentence.
            let mut chars = p.reason.chars();
            summary.push(' ');
            if let Some(first) = chars.next() {
                // Reasons are English or Japanese: ASCII upper-casing is all it takes, and
                // keeps char::to_uppercase's Unicode tables out of the wasm.
                summary.push(first.to_ascii_uppercase());
                summary.push_str(chars.as_str());
            }
            summary.push('.');
        }
        Prediction {
            extra_outage_ms,
            extra_failed_requests,
            refused,
            penalty_points,
            summary,
        }
    }
}
