//! A scenario's objective (`[objective]`): the work the drill is for, which the cluster's
//! health alone does not show — a kernel patch needs its nodes restarted, a scale-down needs
//! its nodes gone. The sim checks it from the event log (pure: [`Objective::status`]); the
//! report states it met or unmet, and an unmet objective costs points (`report::score`).

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind, InstanceState};
use crate::scenario::{Lang, Text};
use crate::time::fmt_clock;

/// The guest OS's console line when a boot completes (reboot, stop and start, recovery).
pub const OS_BOOTED_LOG: &str = "OS booted";

/// What the objective asks of each of its nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectiveKind {
    /// Its OS booted again during the drill (a reboot, a stop and start, a recovery): a
    /// kernel patch or a setting read at boot takes effect.
    Restarted,
    /// The instance is terminated.
    Terminated,
}

impl ObjectiveKind {
    pub const ALL: [ObjectiveKind; 2] = [ObjectiveKind::Restarted, ObjectiveKind::Terminated];

    /// As the scenario files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectiveKind::Restarted => "restarted",
            ObjectiveKind::Terminated => "terminated",
        }
    }

    pub fn from_id(id: &str) -> Option<ObjectiveKind> {
        ObjectiveKind::ALL.into_iter().find(|k| k.as_str() == id)
    }
}

/// `[objective]`: every one of `nodes` restarted (or terminated) by `by_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    pub kind: ObjectiveKind,
    /// Instances of the topology, by name.
    pub nodes: Vec<String>,
    /// The deadline, drill time; at most the scenario's duration.
    pub by_ms: u64,
    /// What the trainee is asked to do, as the briefing and the debrief show it.
    pub text: Text,
}

/// How far the objective is, as the report states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveStatus {
    pub text: Text,
    pub by_ms: u64,
    /// Every node done by the deadline.
    pub met: bool,
    /// The nodes not done by the deadline (or not yet).
    pub missing: Vec<String>,
    /// Points it costs: [`crate::report::OBJECTIVE_POINTS`] × missing / nodes, once the
    /// deadline has passed (0 before).
    pub points: i64,
}

impl Objective {
    /// Whether `node` is done by `until_ms` according to the event log.
    fn done(&self, events: &[Event], node: &str, until_ms: u64) -> bool {
        events
            .iter()
            .take_while(|e| e.at_ms <= until_ms)
            .any(|e| match (&e.kind, self.kind) {
                (EventKind::InstanceLog { instance, text }, ObjectiveKind::Restarted) => {
                    instance == node && text == OS_BOOTED_LOG
                }
                (
                    EventKind::InstanceState {
                        instance,
                        state: InstanceState::Terminated,
                        ..
                    },
                    ObjectiveKind::Terminated,
                ) => instance == node,
                _ => false,
            })
    }

    /// The objective as of `now_ms`, from the event log. Its points are charged once the
    /// deadline has passed.
    pub fn status(&self, events: &[Event], now_ms: u64) -> ObjectiveStatus {
        let until = now_ms.min(self.by_ms);
        let missing: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| !self.done(events, n, until))
            .cloned()
            .collect();
        let points = if now_ms >= self.by_ms && !self.nodes.is_empty() {
            crate::report::OBJECTIVE_POINTS * missing.len() as i64 / self.nodes.len() as i64
        } else {
            0
        };
        ObjectiveStatus {
            text: self.text.clone(),
            by_ms: self.by_ms,
            met: missing.is_empty(),
            missing,
            points,
        }
    }
}

impl ObjectiveStatus {
    /// A sentence for the debrief: met or not, the objective's text, what is missing.
    pub fn text(&self, lang: Lang) -> String {
        let by = fmt_clock(self.by_ms);
        let what = self.text.get(lang);
        let missing = self.missing.join(", ");
        match (lang, self.met) {
            (Lang::Ja, true) => format!("目標達成: {what}"),
            (Lang::Ja, false) => {
                format!(
                    "目標未達成（期限 {by}）: {what}（未完了: {missing}、−{} 点）",
                    self.points
                )
            }
            (Lang::En, true) => format!("Objective met: {what}"),
            (Lang::En, false) => format!(
                "Objective not met by {by}: {what} (not done: {missing}; −{} points)",
                self.points
            ),
        }
    }
}

/// `builtin.txt`'s lines for an objective (after the runbook): `0`, or `1`, the kind, the
/// nodes (a count, then one a line), the deadline and the text.
pub(crate) mod packed {
    use super::*;
    use crate::scenario::runbook::packed::Lines;

    pub fn decode(r: &mut impl Lines) -> Option<Option<Objective>> {
        if r.number()? == 0 {
            return Some(None);
        }
        let kind = ObjectiveKind::from_id(&r.string()?)?;
        let n = r.number()?;
        let nodes = (0..n).map(|_| r.string()).collect::<Option<Vec<_>>>()?;
        Some(Some(Objective {
            kind,
            nodes,
            by_ms: r.number()?,
            text: Text {
                en: r.string()?,
                ja: r.string()?,
            },
        }))
    }

    #[cfg(any(test, feature = "toml-scenarios"))]
    pub fn encode(o: Option<&Objective>, line: &mut impl FnMut(&str)) {
        let Some(o) = o else {
            return line("0");
        };
        line("1");
        line(o.kind.as_str());
        line(&o.nodes.len().to_string());
        for n in &o.nodes {
            line(n);
        }
        line(&o.by_ms.to_string());
        line(&o.text.en);
        line(&o.text.ja);
    }
}

#[cfg(feature = "toml-scenarios")]
pub(crate) mod file {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct FileObjective {
        kind: String,
        nodes: Vec<String>,
        by: String,
        text: Text,
    }

    /// Checks an `[objective]` against the topology and the duration.
    pub fn read(o: FileObjective, nodes: &[String], duration_ms: u64) -> Result<Objective, String> {
        let kind = ObjectiveKind::from_id(&o.kind).ok_or_else(|| {
            format!(
                "objective.kind: {:?} is not one of restarted, terminated",
                o.kind
            )
        })?;
        if o.nodes.is_empty() {
            return Err("objective.nodes: at least one node".into());
        }
        for (i, n) in o.nodes.iter().enumerate() {
            if !nodes.contains(n) {
                return Err(format!("objective.nodes: {n:?} is not one of the nodes"));
            }
            if o.nodes[..i].contains(n) {
                return Err(format!("objective.nodes: {n:?} appears twice"));
            }
        }
        let by_ms = crate::time::parse_clock(&o.by)
            .ok_or_else(|| format!("objective.by: expected a time like 30:00, found {:?}", o.by))?;
        if by_ms == 0 || by_ms > duration_ms {
            return Err(format!(
                "objective.by: {} must be within the drill (00:01 to its duration)",
                o.by
            ));
        }
        if o.text.en.trim().is_empty() {
            return Err("objective.text.en: must not be empty".into());
        }
        Ok(Objective {
            kind,
            nodes: o.nodes,
            by_ms,
            text: o.text,
        })
    }
}
