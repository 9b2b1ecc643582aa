//! The scenario's branch tree: independent or nested branch points, each with weighted
//! options, drawn from the seed at the start; every combination the seed can produce is a
//! **branch case** with a stable id (`recovery=never,setup=fails-once`). One draw function,
//! [`draw`], serves the engine (what happens) and the previews (`Scenario::case_for_seed`,
//! `Scenario::seed_for_case`): it draws from the seed only, never runs the drill, so finding
//! a seed for a case takes microseconds and always agrees with what the drill then does.
//!
//! Also here: the proofs (one replay per case: the runbook's clean path and its par) and the
//! trap replay.

use serde::{Deserialize, Serialize};

use crate::rng::Prng;
use crate::scenario::{FaultKind, Scenario, Text};

/// A branch point: one draw among weighted options, made only on the path `when` names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchPoint {
    pub id: String,
    pub label: Text,
    /// `(point, option)`: drawn only when that earlier point drew that option.
    pub when: Option<(String, String)>,
    pub options: Vec<BranchOption>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchOption {
    pub id: String,
    /// Probability = weight / the point's total weight.
    pub weight: u32,
    pub label: Text,
    /// What the option does; `None` changes nothing.
    pub effect: Option<Effect>,
}

/// What a drawn option does to the drill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// A fault (`host-failure`, `host-recovery`, `os-hang`, `disk-fill`, `recovery-failed`)
    /// hits `target` at a time drawn uniformly in `[after_min_ms, after_max_ms]`.
    Timed {
        kind: FaultKind,
        target: String,
        after_min_ms: u64,
        after_max_ms: u64,
    },
    /// `target`'s next boot (reboot, start, recovery) hangs in fsck for `hang_ms` before the
    /// OS comes up; its instance status check fails meanwhile.
    FsckHang { target: String, hang_ms: u64 },
    /// Images created in the drill stay `pending` for `pending_ms` (EC2 refuses to launch
    /// from a pending image).
    ImageSlow { pending_ms: u64 },
    /// The first `count` setups fail on a bad package mirror; running setup again works.
    MirrorFailure { count: u32 },
}

impl Effect {
    pub fn kind(&self) -> FaultKind {
        match self {
            Effect::Timed { kind, .. } => *kind,
            Effect::FsckHang { .. } => FaultKind::FsckHang,
            Effect::ImageSlow { .. } => FaultKind::ImageSlow,
            Effect::MirrorFailure { .. } => FaultKind::MirrorFailure,
        }
    }
}

/// One combination of options the seed can produce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchCase {
    /// `point=option` for every point drawn on this path, in file order, joined by `,`.
    pub id: String,
    /// The options' labels, joined by "; ".
    pub label: Text,
    /// Its probability in parts per million (rounded).
    pub weight_ppm: u32,
}

/// A proof replay: the runbook's clean path for one branch case, as a trainee would play it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub case: String,
    /// An action script (`crate::script` syntax).
    pub actions: String,
    /// When the proof has full redundancy back for good (its `time_to_green_ms`), the
    /// case's par; a test checks that the proof reaches it.
    pub par_redundancy_ms: u64,
}

/// The trap replay: the mistake the scenario teaches, on `case` (any case when `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trap {
    pub case: Option<String>,
    pub actions: String,
}

/// What the seed drew at one branch point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drawn {
    pub point: usize,
    pub option: usize,
    /// For a timed effect, when it hits (on a tick).
    pub at_ms: Option<u64>,
}

/// The one draw, used by the engine at the start and by every preview. Each point takes
/// exactly two numbers from the seed's `branches` stream whether or not it is on the drawn
/// path, so a nested point never shifts the draws of the points after it.
pub fn draw(points: &[BranchPoint], seed: u64) -> Vec<Drawn> {
    let mut rng = Prng::fork(seed, "branches");
    let mut out: Vec<Drawn> = Vec::with_capacity(points.len());
    for (p, point) in points.iter().enumerate() {
        let total: u64 = point.options.iter().map(|o| u64::from(o.weight)).sum();
        let pick = rng.range(0, total.max(1) - 1);
        let time = rng.next_u64();
        let mut acc = 0;
        let option = point
            .options
            .iter()
            .position(|o| {
                acc += u64::from(o.weight);
                pick < acc
            })
            .unwrap_or(0);
        let on_path = match &point.when {
            None => true,
            Some((wp, wo)) => out
                .iter()
                .any(|d| points[d.point].id == *wp && points[d.point].options[d.option].id == *wo),
        };
        if !on_path {
            continue;
        }
        let at_ms = match &point.options[option].effect {
            Some(Effect::Timed {
                after_min_ms,
                after_max_ms,
                ..
            }) => {
                let span = after_max_ms - after_min_ms + 1;
                Some(crate::timers::ticks(after_min_ms + time % span))
            }
            _ => None,
        };
        out.push(Drawn {
            point: p,
            option,
            at_ms,
        });
    }
    out
}

/// The case id of a draw.
pub fn case_id(points: &[BranchPoint], drawn: &[Drawn]) -> String {
    let mut id = String::new();
    for d in drawn {
        if !id.is_empty() {
            id.push(',');
        }
        id.push_str(&points[d.point].id);
        id.push('=');
        id.push_str(&points[d.point].options[d.option].id);
    }
    id
}

impl Scenario {
    /// Every branch case the seed can produce, in a stable order (options in file order,
    /// nested points splitting their parent's case in place).
    pub fn branch_cases(&self) -> Vec<BranchCase> {
        let points = &self.branch_points;
        // (chosen option per point so far, probability)
        let mut paths: Vec<(Vec<(usize, usize)>, f64)> = vec![(Vec::new(), 1.0)];
        for (p, point) in points.iter().enumerate() {
            let total: u32 = point.options.iter().map(|o| o.weight).sum();
            let mut next = Vec::with_capacity(paths.len() * point.options.len());
            for (path, prob) in paths {
                let on_path = match &point.when {
                    None => true,
                    Some((wp, wo)) => path
                        .iter()
                        .any(|&(q, o)| points[q].id == *wp && points[q].options[o].id == *wo),
                };
                if !on_path {
                    next.push((path, prob));
                    continue;
                }
                for (o, option) in point.options.iter().enumerate() {
                    if option.weight == 0 {
                        continue;
                    }
                    let mut path = path.clone();
                    path.push((p, o));
                    next.push((path, prob * f64::from(option.weight) / f64::from(total)));
                }
            }
            paths = next;
        }
        paths
            .into_iter()
            .map(|(path, prob)| {
                let drawn: Vec<Drawn> = path
                    .iter()
                    .map(|&(point, option)| Drawn {
                        point,
                        option,
                        at_ms: None,
                    })
                    .collect();
                let labels = |ja: bool| {
                    path.iter()
                        .map(|&(p, o)| {
                            let t = &points[p].options[o].label;
                            if ja && !t.ja.is_empty() {
                                t.ja.clone()
                            } else {
                                t.en.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                };
                BranchCase {
                    id: case_id(points, &drawn),
                    label: Text {
                        en: labels(false).join("; "),
                        ja: labels(true).join("、"),
                    },
                    weight_ppm: (prob * 1_000_000.0).round() as u32,
                }
            })
            .collect()
    }

    /// The branch case `seed` produces (draws only: no simulation).
    pub fn case_for_seed(&self, seed: u64) -> String {
        case_id(&self.branch_points, &draw(&self.branch_points, seed))
    }

    /// The first seed in `from_seed .. from_seed + limit` that produces `case_id`.
    pub fn seed_for_case(&self, case_id: &str, from_seed: u64, limit: u64) -> Option<u64> {
        (from_seed..from_seed.saturating_add(limit)).find(|&s| self.case_for_seed(s) == case_id)
    }

    /// The proof replay of a branch case.
    pub fn proof_for(&self, case_id: &str) -> Option<&Proof> {
        self.proofs.iter().find(|p| p.case == case_id)
    }
}

#[cfg(feature = "toml-scenarios")]
pub(crate) mod file {
    //! The file format of `[[branch_points]]`, `[[proofs]]` and `[trap]`, and its checks.
    use super::*;
    use crate::scenario::ScenarioError;
    use crate::time::parse_clock;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct FilePoint {
        id: String,
        label: Text,
        #[serde(default)]
        when: Option<String>,
        options: Vec<FileOption>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileOption {
        id: String,
        weight: u32,
        label: Text,
        #[serde(default)]
        effect: Option<FileEffect>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileEffect {
        kind: FaultKind,
        #[serde(default)]
        target: Option<String>,
        #[serde(default)]
        after_min: Option<String>,
        #[serde(default)]
        after_max: Option<String>,
        #[serde(default)]
        hang: Option<String>,
        #[serde(default)]
        pending: Option<String>,
        #[serde(default)]
        count: Option<u32>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct FileProof {
        case: String,
        actions: String,
        par_redundancy: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct FileTrap {
        #[serde(default)]
        case: Option<String>,
        actions: String,
    }

    fn valid_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 40
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    fn time(field: &str, text: &Option<String>) -> Result<u64, ScenarioError> {
        let Some(text) = text else {
            return Err(ScenarioError(format!("{field}: missing")));
        };
        parse_clock(text).ok_or_else(|| {
            ScenarioError(format!(
                "{field}: expected a time like 04:30, found {text:?}"
            ))
        })
    }

    /// The most combinations a scenario's branch points may make (the product of their
    /// option counts, nesting ignored): *chosen* — today's largest course scenario makes 6,
    /// and each case needs a proof replay.
    pub const MAX_BRANCH_COMBINATIONS: u64 = 64;

    /// Reads and checks the branch points against the scenario's nodes and duration.
    pub fn points(
        file: &[FilePoint],
        nodes: &[String],
        duration_ms: u64,
    ) -> Result<Vec<BranchPoint>, ScenarioError> {
        let err = |msg: String| Err(ScenarioError(msg));
        let mut out: Vec<BranchPoint> = Vec::new();
        for (i, p) in file.iter().enumerate() {
            let at = format!("branch_points[{i}]");
            if !valid_id(&p.id) {
                return err(format!("{at}.id: {:?} must be 1–40 of a–z 0–9 -", p.id));
            }
            if out.iter().any(|q| q.id == p.id) {
                return err(format!("{at}.id: {:?} appears twice", p.id));
            }
            if p.label.en.trim().is_empty() {
                return err(format!("{at}.label.en: must not be empty"));
            }
            let when = match &p.when {
                None => None,
                Some(w) => {
                    let Some((wp, wo)) = w.split_once('=') else {
                        return err(format!("{at}.when: expected \"point=option\", found {w:?}"));
                    };
                    let Some(parent) = out.iter().find(|q| q.id == wp) else {
                        return err(format!(
                            "{at}.when: {wp:?} is not a branch point declared before this one"
                        ));
                    };
                    if !parent.options.iter().any(|o| o.id == wo) {
                        return err(format!(
                            "{at}.when: branch point {wp:?} has no option {wo:?}"
                        ));
                    }
                    Some((wp.to_string(), wo.to_string()))
                }
            };
            if p.options.len() < 2 {
                return err(format!(
                    "{at}.options: a branch point needs at least 2 options"
                ));
            }
            let mut options: Vec<BranchOption> = Vec::new();
            for (j, o) in p.options.iter().enumerate() {
                let at = format!("{at}.options[{j}]");
                if !valid_id(&o.id) {
                    return err(format!("{at}.id: {:?} must be 1–40 of a–z 0–9 -", o.id));
                }
                if options.iter().any(|q| q.id == o.id) {
                    return err(format!("{at}.id: {:?} appears twice in this point", o.id));
                }
                if o.weight == 0 || o.weight > 1_000_000 {
                    return err(format!("{at}.weight: 1 to 1000000, found {}", o.weight));
                }
                if o.label.en.trim().is_empty() {
                    return err(format!("{at}.label.en: must not be empty"));
                }
                let effect = match &o.effect {
                    None => None,
                    Some(e) => Some(effect(&format!("{at}.effect"), e, nodes, duration_ms)?),
                };
                options.push(BranchOption {
                    id: o.id.clone(),
                    weight: o.weight,
                    label: o.label.clone(),
                    effect,
                });
            }
            out.push(BranchPoint {
                id: p.id.clone(),
                label: p.label.clone(),
                when,
                options,
            });
        }
        // Every combination is enumerated (`branch_cases`, lint, the proofs): a file from a
        // trainer's editor must not make that exponential.
        let combinations = out
            .iter()
            .fold(1u64, |n, p| n.saturating_mul(p.options.len() as u64));
        if combinations > MAX_BRANCH_COMBINATIONS {
            return err(format!(
                "branch_points: {} points whose options combine {combinations} ways; at most {MAX_BRANCH_COMBINATIONS}",
                out.len()
            ));
        }
        Ok(out)
    }

    fn effect(
        at: &str,
        e: &FileEffect,
        nodes: &[String],
        duration_ms: u64,
    ) -> Result<Effect, ScenarioError> {
        let err = |msg: String| Err(ScenarioError(msg));
        let kind = e.kind.as_str();
        let target = || -> Result<String, ScenarioError> {
            match &e.target {
                None => Err(ScenarioError(format!("{at}: {kind} needs a target"))),
                Some(t) if !nodes.contains(t) => Err(ScenarioError(format!(
                    "{at}: target {t:?} is not one of the nodes"
                ))),
                Some(t) => Ok(t.clone()),
            }
        };
        // Each kind takes exactly its fields: a stray one is a mistake worth naming.
        let allowed: &[&str] = match e.kind {
            FaultKind::FsckHang => &["target", "hang"],
            FaultKind::ImageSlow => &["pending"],
            FaultKind::MirrorFailure => &["count"],
            _ => &["target", "after_min", "after_max"],
        };
        for (name, present) in [
            ("target", e.target.is_some()),
            ("after_min", e.after_min.is_some()),
            ("after_max", e.after_max.is_some()),
            ("hang", e.hang.is_some()),
            ("pending", e.pending.is_some()),
            ("count", e.count.is_some()),
        ] {
            if present && !allowed.contains(&name) {
                return err(format!(
                    "{at}: {kind} takes no {name} (it takes {})",
                    allowed.join(", ")
                ));
            }
        }
        Ok(match e.kind {
            FaultKind::FsckHang => {
                let hang_ms = time(&format!("{at}.hang"), &e.hang)?;
                if hang_ms == 0 || hang_ms > duration_ms {
                    return err(format!(
                        "{at}.hang: between 00:01 and the scenario's duration"
                    ));
                }
                Effect::FsckHang {
                    target: target()?,
                    hang_ms,
                }
            }
            FaultKind::ImageSlow => {
                let pending_ms = time(&format!("{at}.pending"), &e.pending)?;
                if pending_ms == 0 || pending_ms > crate::scenario::MAX_DURATION_MS {
                    return err(format!("{at}.pending: between 00:01 and 2:00:00"));
                }
                Effect::ImageSlow { pending_ms }
            }
            FaultKind::MirrorFailure => {
                let count = e.count.unwrap_or(0);
                if count == 0 || count > 100 {
                    return err(format!("{at}.count: 1 to 100"));
                }
                Effect::MirrorFailure { count }
            }
            kind => {
                let after_min_ms = time(&format!("{at}.after_min"), &e.after_min)?;
                let after_max_ms = time(&format!("{at}.after_max"), &e.after_max)?;
                if after_min_ms > after_max_ms || after_max_ms > duration_ms {
                    return err(format!("{at}: need after_min ≤ after_max ≤ duration"));
                }
                Effect::Timed {
                    kind,
                    target: target()?,
                    after_min_ms,
                    after_max_ms,
                }
            }
        })
    }

    /// Reads the proofs and the trap; every case they name must be one the seed can produce.
    pub fn proofs(
        scenario: &Scenario,
        proofs: &[FileProof],
        trap: &Option<FileTrap>,
    ) -> Result<(Vec<Proof>, Option<Trap>), ScenarioError> {
        let err = |msg: String| Err(ScenarioError(msg));
        let cases: Vec<String> = scenario.branch_cases().into_iter().map(|c| c.id).collect();
        let known = |field: &str, case: &str| -> Result<(), ScenarioError> {
            if cases.iter().any(|c| c == case) {
                Ok(())
            } else {
                Err(ScenarioError(format!(
                    "{field}: {case:?} is not a branch case of this scenario (its cases: {})",
                    cases.join(" | ")
                )))
            }
        };
        let script = |field: &str, text: &str| -> Result<(), ScenarioError> {
            let actions =
                crate::script::parse(text).map_err(|e| ScenarioError(format!("{field}: {e}")))?;
            match actions.last() {
                Some(a) if a.at_ms > scenario.duration_ms => Err(ScenarioError(format!(
                    "{field}: an action at {} is after the scenario's end",
                    crate::time::fmt_clock(a.at_ms)
                ))),
                _ => Ok(()),
            }
        };
        let mut out: Vec<Proof> = Vec::new();
        for (i, p) in proofs.iter().enumerate() {
            let at = format!("proofs[{i}]");
            known(&format!("{at}.case"), &p.case)?;
            if out.iter().any(|q| q.case == p.case) {
                return err(format!("{at}.case: {:?} has a proof already", p.case));
            }
            script(&format!("{at}.actions"), &p.actions)?;
            let par_redundancy_ms = time(
                &format!("{at}.par_redundancy"),
                &Some(p.par_redundancy.clone()),
            )?;
            if par_redundancy_ms > scenario.duration_ms {
                return err(format!("{at}.par_redundancy: after the scenario's end"));
            }
            out.push(Proof {
                case: p.case.clone(),
                actions: p.actions.clone(),
                par_redundancy_ms,
            });
        }
        let trap = match trap {
            None => None,
            Some(t) => {
                if let Some(case) = &t.case {
                    known("trap.case", case)?;
                }
                script("trap.actions", &t.actions)?;
                Some(Trap {
                    case: t.case.clone(),
                    actions: t.actions.clone(),
                })
            }
        };
        Ok((out, trap))
    }
}

#[cfg(all(test, feature = "toml-scenarios"))]
mod tests {
    use crate::scenario::{builtin, parse, BUILTIN_SOURCES};

    #[test]
    fn a_file_whose_branch_points_combine_too_many_ways_is_refused_with_the_count() {
        let (_, node_hang) = BUILTIN_SOURCES
            .iter()
            .find(|(id, _)| *id == "node-hang")
            .unwrap();
        assert!(parse(node_hang).is_ok());
        // Seven more two-option points: 2^8 = 256 combinations.
        let mut file = node_hang.to_string();
        for i in 0..7 {
            file.push_str(&format!(
                "\n[[branch_points]]\nid = \"extra-{i}\"\nlabel = {{ en = \"x\", ja = \"x\" }}\n\
                 [[branch_points.options]]\nid = \"a\"\nweight = 1\nlabel = {{ en = \"a\", ja = \"a\" }}\n\
                 [[branch_points.options]]\nid = \"b\"\nweight = 1\nlabel = {{ en = \"b\", ja = \"b\" }}\n"
            ));
        }
        let e = parse(&file).unwrap_err().to_string();
        assert!(e.contains("combine 256 ways; at most 64"), "{e}");
    }

    #[test]
    fn seed_ami_trap_has_the_cases_the_issue_asks_for() {
        let s = builtin("seed-ami-trap").unwrap();
        let ids: Vec<String> = s.branch_cases().into_iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "recovery=early",
                "recovery=late",
                "recovery=never,setup=ok",
                "recovery=never,setup=fails-once"
            ]
        );
        let total: u32 = s.branch_cases().iter().map(|c| c.weight_ppm).sum();
        assert!((999_990..=1_000_010).contains(&total), "{total}");
        for id in &ids {
            let seed = s.seed_for_case(id, 0, 1_000).expect(id);
            assert_eq!(&s.case_for_seed(seed), id);
        }
    }
}
