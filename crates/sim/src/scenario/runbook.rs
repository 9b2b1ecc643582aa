//! A scenario's runbook as data: steps that are checks (an observation the sim can make),
//! actions (a console or API action, in script syntax), decisions (branches guarded by
//! observations) and ends. Format and vocabulary: `scenarios/README.md`. What the sim makes
//! of a runbook while a drill runs (ticks, the step the trainee is at, the branch the
//! observations select) is `crate::runbook`.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::event::{Health, InstanceState};
use crate::scenario::Text;
use crate::time::{fmt_clock, parse_clock};

/// A scenario's runbook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runbook {
    pub title: Text,
    /// In file order; the first step is where a drill starts.
    pub steps: Vec<Step>,
}

/// What a step asks of the trainee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Look at something: done when the trainee looked while its observation held.
    Check,
    /// Do something: done when a matching action was accepted.
    Action,
    /// Choose: the first branch whose guard holds.
    Decision,
    /// The runbook ends here.
    End,
}

impl StepKind {
    pub const ALL: [StepKind; 4] = [
        StepKind::Check,
        StepKind::Action,
        StepKind::Decision,
        StepKind::End,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Check => "check",
            StepKind::Action => "action",
            StepKind::Decision => "decision",
            StepKind::End => "end",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// `[a-z0-9-]`, unique in the runbook.
    pub id: String,
    pub kind: StepKind,
    pub text: Text,
    /// A check's observation.
    pub observe: Option<Observation>,
    /// An action step's action (instance names as the runbook writes them; see
    /// `crate::runbook` for how a launched instance's own name is followed).
    pub action: Option<Action>,
    /// A decision's branches, tried in order.
    pub branches: Vec<StepBranch>,
    /// The step after this one (checks and actions); the next in file order when `None`.
    pub next: Option<String>,
}

/// A decision's branch: where the runbook goes when `guard` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepBranch {
    pub guard: Observation,
    pub goto: String,
    pub text: Text,
}

/// An observation: something the sim can tell about its world, as the trainee would see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub what: Observe,
    /// `not …`: the observation does not hold (with `within`: it did not hold by then).
    pub negated: bool,
    /// `… within MM:SS`: it held at some moment by that drill time (since the step was
    /// reached, for a guard).
    pub within_ms: Option<u64>,
}

/// The observation vocabulary (see `scenarios/README.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Observe {
    /// `health green|yellow|red|no-master`: `_cluster/health`'s colour.
    Health(Health),
    /// `status-checks INSTANCE pass|fail`: the console's status-check column.
    StatusChecks { instance: String, pass: bool },
    /// `node-in-cluster NODE yes|no`: the node is (not) listed by `_cat/nodes` (which needs
    /// an elected master: without one, neither holds).
    NodeInCluster { node: String, member: bool },
    /// `image NAME available`: an image of that name (or id) is available.
    ImageAvailable { name: String },
    /// `recovery-failed INSTANCE`: EC2 announced that automatic recovery failed.
    RecoveryFailed { instance: String },
    /// `setup-failed INSTANCE`: the runbook's setup script failed there (it must be re-run).
    SetupFailed { instance: String },
    /// `instance INSTANCE STATE`: the console's instance state.
    InstanceState {
        instance: String,
        state: InstanceState,
    },
    /// `disk INSTANCE above PERCENT`: the volume is fuller than that, as `_cat/allocation`
    /// shows it (`disk.percent`).
    DiskAbove { instance: String, percent: u64 },
    /// `elapsed MM:SS`: the drill clock has reached it.
    Elapsed(u64),
}

/// The instance states as an observation spells them.
const STATES: [InstanceState; 6] = [
    InstanceState::Pending,
    InstanceState::Running,
    InstanceState::Stopping,
    InstanceState::Stopped,
    InstanceState::ShuttingDown,
    InstanceState::Terminated,
];

const HEALTHS: [Health; 4] = [Health::Green, Health::Yellow, Health::Red, Health::NoMaster];

/// The observation words, for error messages and the README.
pub const VOCABULARY: &str = "health green|yellow|red|no-master, status-checks INSTANCE pass|fail, node-in-cluster NODE yes|no, image NAME available, recovery-failed INSTANCE, setup-failed INSTANCE, instance INSTANCE pending|running|stopping|stopped|shutting-down|terminated, disk INSTANCE above PERCENT, elapsed MM:SS; each optionally prefixed by `not` and followed by `within MM:SS`";

impl Observation {
    /// Reads an observation expression (`status-checks node-1 pass within 15:00`).
    pub fn parse(text: &str) -> Result<Observation, String> {
        let mut words: Vec<&str> = text.split_whitespace().collect();
        let negated = words.first() == Some(&"not");
        if negated {
            words.remove(0);
        }
        let mut within_ms = None;
        if let [.., "within", t] = words.as_slice() {
            within_ms = Some(
                parse_clock(t)
                    .ok_or_else(|| format!("`within` expects a time like 15:00, found `{t}`"))?,
            );
            words.truncate(words.len() - 2);
        }
        let name = |w: &str| -> Result<String, String> {
            if crate::script::valid_name(w) {
                Ok(w.to_string())
            } else {
                Err(format!("`{w}` is not a valid instance or image name"))
            }
        };
        let what = match words.as_slice() {
            ["health", colour] => Observe::Health(
                HEALTHS
                    .into_iter()
                    .find(|h| h.as_str() == *colour)
                    .ok_or_else(|| {
                        format!(
                            "`health` expects green, yellow, red or no-master, found `{colour}`"
                        )
                    })?,
            ),
            ["status-checks", inst, verdict] => Observe::StatusChecks {
                instance: name(inst)?,
                pass: match *verdict {
                    "pass" => true,
                    "fail" => false,
                    v => return Err(format!("`status-checks` expects pass or fail, found `{v}`")),
                },
            },
            ["node-in-cluster", node, answer] => Observe::NodeInCluster {
                node: name(node)?,
                member: match *answer {
                    "yes" => true,
                    "no" => false,
                    v => return Err(format!("`node-in-cluster` expects yes or no, found `{v}`")),
                },
            },
            ["image", image, "available"] => Observe::ImageAvailable { name: name(image)? },
            ["recovery-failed", inst] => Observe::RecoveryFailed {
                instance: name(inst)?,
            },
            ["setup-failed", inst] => Observe::SetupFailed {
                instance: name(inst)?,
            },
            ["instance", inst, state] => Observe::InstanceState {
                instance: name(inst)?,
                state: STATES
                    .into_iter()
                    .find(|s| s.as_str() == *state)
                    .ok_or_else(|| {
                        format!("`instance` expects an instance state, found `{state}`")
                    })?,
            },
            ["disk", inst, "above", percent] => Observe::DiskAbove {
                instance: name(inst)?,
                percent: percent.parse().ok().filter(|p| *p <= 100).ok_or_else(|| {
                    format!("`disk … above` expects a percentage 0–100, found `{percent}`")
                })?,
            },
            ["elapsed", t] => Observe::Elapsed(
                parse_clock(t)
                    .ok_or_else(|| format!("`elapsed` expects a time like 15:00, found `{t}`"))?,
            ),
            _ => {
                return Err(format!(
                    "unknown observation `{text}`; the vocabulary: {VOCABULARY}"
                ))
            }
        };
        Ok(Observation {
            what,
            negated,
            within_ms,
        })
    }

    /// The expression [`Observation::parse`] reads back.
    pub fn to_expr(&self) -> String {
        let mut out = String::new();
        if self.negated {
            out.push_str("not ");
        }
        out.push_str(&match &self.what {
            Observe::Health(h) => format!("health {}", h.as_str()),
            Observe::StatusChecks { instance, pass } => {
                format!(
                    "status-checks {instance} {}",
                    if *pass { "pass" } else { "fail" }
                )
            }
            Observe::NodeInCluster { node, member } => {
                format!(
                    "node-in-cluster {node} {}",
                    if *member { "yes" } else { "no" }
                )
            }
            Observe::ImageAvailable { name } => format!("image {name} available"),
            Observe::RecoveryFailed { instance } => format!("recovery-failed {instance}"),
            Observe::SetupFailed { instance } => format!("setup-failed {instance}"),
            Observe::InstanceState { instance, state } => {
                format!("instance {instance} {}", state.as_str())
            }
            Observe::DiskAbove { instance, percent } => format!("disk {instance} above {percent}"),
            Observe::Elapsed(ms) => format!("elapsed {}", fmt_clock(*ms)),
        });
        if let Some(ms) = self.within_ms {
            out.push_str(&format!(" within {}", fmt_clock(ms)));
        }
        out
    }

    /// The instance or node it names, if any.
    pub fn subject(&self) -> Option<&str> {
        match &self.what {
            Observe::StatusChecks { instance, .. }
            | Observe::RecoveryFailed { instance }
            | Observe::SetupFailed { instance }
            | Observe::InstanceState { instance, .. }
            | Observe::DiskAbove { instance, .. } => Some(instance),
            Observe::NodeInCluster { node, .. } => Some(node),
            Observe::ImageAvailable { .. } | Observe::Health(_) | Observe::Elapsed(_) => None,
        }
    }
}

impl Runbook {
    /// The index of the step with `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// Where the runbook goes after step `i` when it is not a decision: its `next`, else the
    /// following step in file order (`None` after an end or the last step).
    pub fn after(&self, i: usize) -> Option<usize> {
        let step = &self.steps[i];
        match step.kind {
            StepKind::End | StepKind::Decision => None,
            _ => match &step.next {
                Some(id) => self.index_of(id),
                None => (i + 1 < self.steps.len()).then_some(i + 1),
            },
        }
    }

    /// The steps the first one cannot reach (by `next`, file order and `goto`).
    pub fn unreachable(&self) -> Vec<usize> {
        let mut seen = vec![false; self.steps.len()];
        let mut todo = vec![0];
        while let Some(i) = todo.pop() {
            if i >= seen.len() || seen[i] {
                continue;
            }
            seen[i] = true;
            todo.extend(self.after(i));
            todo.extend(
                self.steps[i]
                    .branches
                    .iter()
                    .filter_map(|b| self.index_of(&b.goto)),
            );
        }
        (0..seen.len()).filter(|i| !seen[*i]).collect()
    }
}

/// The file format (`[runbook]`, `[[runbook.steps]]`).
#[cfg(feature = "toml-scenarios")]
pub(crate) mod file {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct FileRunbook {
        title: Text,
        #[serde(default)]
        steps: Vec<FileStep>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileStep {
        id: String,
        kind: String,
        text: Text,
        observe: Option<String>,
        action: Option<String>,
        next: Option<String>,
        #[serde(default)]
        branches: Vec<FileBranch>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileBranch {
        guard: Option<String>,
        goto: String,
        text: Text,
    }

    fn valid_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 40
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    /// Reads and checks a `[runbook]` table; errors name the field
    /// (`runbook.steps[2] "decide": …`).
    pub fn read(file: FileRunbook) -> Result<Runbook, String> {
        if file.title.en.trim().is_empty() {
            return Err("runbook.title.en: must not be empty".into());
        }
        if file.steps.is_empty() {
            return Err("runbook.steps: a runbook needs at least one step".into());
        }
        let ids: Vec<&str> = file.steps.iter().map(|s| s.id.as_str()).collect();
        let mut steps = Vec::new();
        for (i, s) in file.steps.iter().enumerate() {
            let at = format!("runbook.steps[{i}] {:?}", s.id);
            if !valid_id(&s.id) {
                return Err(format!("{at}: id must be 1–40 of a–z 0–9 -"));
            }
            if ids[..i].contains(&s.id.as_str()) {
                return Err(format!("{at}: id appears twice"));
            }
            if s.text.en.trim().is_empty() {
                return Err(format!("{at}: text.en must not be empty"));
            }
            let kind = StepKind::ALL
                .into_iter()
                .find(|k| k.as_str() == s.kind)
                .ok_or_else(|| {
                    format!(
                        "{at}: kind must be check, action, decision or end, found {:?}",
                        s.kind
                    )
                })?;
            let refuse = |field: &str, present: bool| -> Result<(), String> {
                if present {
                    let article = if kind == StepKind::Action || kind == StepKind::End {
                        "an"
                    } else {
                        "a"
                    };
                    Err(format!(
                        "{at}: `{field}` does not belong to {article} {} step",
                        kind.as_str()
                    ))
                } else {
                    Ok(())
                }
            };
            let goto = |id: &str, field: &str| -> Result<(), String> {
                if ids.contains(&id) {
                    Ok(())
                } else {
                    Err(format!("{at}: {field} {id:?} is not a step of the runbook"))
                }
            };
            let observe = match (&s.observe, kind) {
                (Some(text), StepKind::Check) => {
                    Some(Observation::parse(text).map_err(|e| format!("{at}: observe: {e}"))?)
                }
                (None, StepKind::Check) => {
                    return Err(format!("{at}: a check needs `observe`"));
                }
                (o, _) => {
                    refuse("observe", o.is_some())?;
                    None
                }
            };
            let action = match (&s.action, kind) {
                (Some(line), StepKind::Action) => {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    Some(
                        crate::script::parse_action(&words)
                            .map_err(|e| format!("{at}: action: {e}"))?,
                    )
                }
                (None, StepKind::Action) => {
                    return Err(format!("{at}: an action step needs `action`"));
                }
                (a, _) => {
                    refuse("action", a.is_some())?;
                    None
                }
            };
            let mut branches = Vec::new();
            if kind == StepKind::Decision {
                if s.branches.is_empty() {
                    return Err(format!("{at}: a decision needs branches"));
                }
                for (j, b) in s.branches.iter().enumerate() {
                    let guard = b.guard.as_deref().ok_or_else(|| {
                        format!("{at}: branches[{j}] has no guard (every branch needs one)")
                    })?;
                    let guard = Observation::parse(guard)
                        .map_err(|e| format!("{at}: branches[{j}].guard: {e}"))?;
                    goto(&b.goto, &format!("branches[{j}].goto"))?;
                    if b.text.en.trim().is_empty() {
                        return Err(format!("{at}: branches[{j}].text.en must not be empty"));
                    }
                    branches.push(StepBranch {
                        guard,
                        goto: b.goto.clone(),
                        text: b.text.clone(),
                    });
                }
            } else {
                refuse("branches", !s.branches.is_empty())?;
            }
            if let Some(next) = &s.next {
                if matches!(kind, StepKind::Decision | StepKind::End) {
                    refuse("next", true)?;
                }
                goto(next, "next")?;
            }
            steps.push(Step {
                id: s.id.clone(),
                kind,
                text: s.text.clone(),
                observe,
                action,
                branches,
                next: s.next.clone(),
            });
        }
        let runbook = Runbook {
            title: file.title,
            steps,
        };
        if !runbook.steps.iter().any(|s| s.kind == StepKind::End) {
            return Err("runbook.steps: a runbook needs an `end` step".into());
        }
        Ok(runbook)
    }
}

/// The packed form (`scenarios/builtin.txt`), positional like the rest of it: an
/// observation as `what`, subject, value, `not`, `within` (0: none, else ms + 1); an action
/// as its kind and its fields. No expression or JSON parsing in the browser bundle.
pub(crate) mod packed {
    use super::*;
    use crate::action::{ActionKind, AllocationEnable, ApiRequest};

    /// One value a line, as `scenario::packed` writes them.
    pub trait Lines {
        fn string(&mut self) -> Option<String>;
        fn number(&mut self) -> Option<u64>;
        fn text(&mut self) -> Option<Text> {
            Some(Text {
                en: self.string()?,
                ja: self.string()?,
            })
        }
        fn strings(&mut self) -> Option<Vec<String>> {
            let mut out = Vec::new();
            for _ in 0..self.number()? {
                out.push(self.string()?);
            }
            Some(out)
        }
    }

    fn observation(r: &mut impl Lines) -> Option<Observation> {
        let what = r.string()?;
        let subject = r.string()?;
        let value = r.string()?;
        let yes = value == "1";
        let what = match what.as_str() {
            "health" => Observe::Health(HEALTHS.into_iter().find(|h| h.as_str() == value)?),
            "status-checks" => Observe::StatusChecks {
                instance: subject,
                pass: yes,
            },
            "node-in-cluster" => Observe::NodeInCluster {
                node: subject,
                member: yes,
            },
            "image" => Observe::ImageAvailable { name: subject },
            "recovery-failed" => Observe::RecoveryFailed { instance: subject },
            "setup-failed" => Observe::SetupFailed { instance: subject },
            "instance" => Observe::InstanceState {
                instance: subject,
                state: STATES.into_iter().find(|s| s.as_str() == value)?,
            },
            "disk" => Observe::DiskAbove {
                instance: subject,
                percent: value.parse().ok()?,
            },
            "elapsed" => Observe::Elapsed(value.parse().ok()?),
            _ => return None,
        };
        let negated = r.number()? == 1;
        let within_ms = r.number()?.checked_sub(1);
        Some(Observation {
            what,
            negated,
            within_ms,
        })
    }

    /// The API calls by their script words.
    const CALLS: [&str; 9] = [
        "health",
        "cat-nodes",
        "cat-shards",
        "cat-allocation",
        "get-settings",
        "allocation",
        "voting-exclude",
        "voting-clear",
        "flush",
    ];

    fn action(r: &mut impl Lines) -> Option<Action> {
        let kind = ActionKind::parse(&r.string()?)?;
        let instance = r.string()?;
        Some(match kind {
            ActionKind::Reboot => Action::Reboot { instance },
            ActionKind::Stop => Action::Stop {
                instance,
                skip_os_shutdown: r.number()? == 1,
            },
            ActionKind::ForceStop => Action::ForceStop { instance },
            ActionKind::Start => Action::Start { instance },
            ActionKind::Terminate => Action::Terminate {
                instance,
                skip_os_shutdown: r.number()? == 1,
            },
            ActionKind::ForceTerminate => Action::ForceTerminate { instance },
            ActionKind::CleanLogs => Action::CleanLogs { instance },
            ActionKind::GrowFilesystem => Action::GrowFilesystem { instance },
            ActionKind::CreateImage => Action::CreateImage {
                instance,
                name: Some(r.string()?).filter(|n| !n.is_empty()),
                description: None,
                no_reboot: r.number()? == 1,
            },
            ActionKind::Launch => Action::Launch {
                name: instance,
                image: r.string()?,
            },
            ActionKind::Setup => Action::Setup {
                instance,
                initial_master_nodes: r.strings()?,
            },
            ActionKind::ResizeVolume => Action::ResizeVolume {
                instance,
                gib: r.number()?,
            },
            ActionKind::Api => {
                let call = r.string()?;
                let args = r.strings()?;
                let request = match CALLS.iter().position(|c| *c == call)? {
                    0 => ApiRequest::ClusterHealth,
                    1 => ApiRequest::CatNodes,
                    2 => ApiRequest::CatShards,
                    3 => ApiRequest::CatAllocation,
                    4 => ApiRequest::GetSettings,
                    5 => ApiRequest::SetAllocation {
                        enable: AllocationEnable::parse(args.first()?)?,
                    },
                    6 => ApiRequest::AddVotingExclusions { node_names: args },
                    7 => ApiRequest::ClearVotingExclusions,
                    _ => ApiRequest::Flush,
                };
                Action::Api {
                    via: Some(instance).filter(|v| !v.is_empty()),
                    request,
                }
            }
            ActionKind::Wait => Action::Wait,
            ActionKind::Describe => Action::Describe { call: instance },
            ActionKind::Inject => Action::Inject {
                fault: crate::scenario::FaultKind::from_id(&r.string()?)?,
                instance,
            },
            ActionKind::AppRequests => Action::AppRequests {
                via: instance,
                searches: u32::try_from(r.number()?).ok()?,
                indexes: u32::try_from(r.number()?).ok()?,
            },
        })
    }

    pub fn decode(r: &mut impl Lines) -> Option<Option<Runbook>> {
        if r.number()? == 0 {
            return Some(None);
        }
        let title = r.text()?;
        let mut steps = Vec::new();
        for _ in 0..r.number()? {
            let id = r.string()?;
            let kind = {
                let k = r.string()?;
                StepKind::ALL.into_iter().find(|s| s.as_str() == k)?
            };
            let text = r.text()?;
            let observe = match r.number()? {
                0 => None,
                _ => Some(observation(r)?),
            };
            let action = match r.number()? {
                0 => None,
                _ => Some(action(r)?),
            };
            let next = Some(r.string()?).filter(|n| !n.is_empty());
            let mut branches = Vec::new();
            for _ in 0..r.number()? {
                branches.push(StepBranch {
                    guard: observation(r)?,
                    goto: r.string()?,
                    text: r.text()?,
                });
            }
            steps.push(Step {
                id,
                kind,
                text,
                observe,
                action,
                branches,
                next,
            });
        }
        Some(Some(Runbook { title, steps }))
    }

    #[cfg(any(test, feature = "toml-scenarios"))]
    fn encode_observation(o: &Observation, line: &mut dyn FnMut(&str)) {
        let flag = |b: bool| if b { "1" } else { "0" }.to_string();
        let (what, subject, value) = match &o.what {
            Observe::Health(h) => ("health", "", h.as_str().to_string()),
            Observe::StatusChecks { instance, pass } => {
                ("status-checks", instance.as_str(), flag(*pass))
            }
            Observe::NodeInCluster { node, member } => {
                ("node-in-cluster", node.as_str(), flag(*member))
            }
            Observe::ImageAvailable { name } => ("image", name.as_str(), String::new()),
            Observe::RecoveryFailed { instance } => {
                ("recovery-failed", instance.as_str(), String::new())
            }
            Observe::SetupFailed { instance } => ("setup-failed", instance.as_str(), String::new()),
            Observe::InstanceState { instance, state } => {
                ("instance", instance.as_str(), state.as_str().to_string())
            }
            Observe::DiskAbove { instance, percent } => {
                ("disk", instance.as_str(), percent.to_string())
            }
            Observe::Elapsed(ms) => ("elapsed", "", ms.to_string()),
        };
        line(what);
        line(subject);
        line(&value);
        line(&flag(o.negated));
        line(&o.within_ms.map_or(0, |w| w + 1).to_string());
    }

    #[cfg(any(test, feature = "toml-scenarios"))]
    fn encode_action(a: &Action, line: &mut dyn FnMut(&str)) {
        let strings = |list: &[String], line: &mut dyn FnMut(&str)| {
            line(&list.len().to_string());
            for s in list {
                line(s);
            }
        };
        line(a.kind().as_str());
        match a {
            Action::Reboot { instance }
            | Action::ForceStop { instance }
            | Action::Start { instance }
            | Action::ForceTerminate { instance }
            | Action::GrowFilesystem { instance }
            | Action::CleanLogs { instance } => line(instance),
            Action::Stop {
                instance,
                skip_os_shutdown,
            }
            | Action::Terminate {
                instance,
                skip_os_shutdown,
            } => {
                line(instance);
                line(if *skip_os_shutdown { "1" } else { "0" });
            }
            Action::CreateImage {
                instance,
                name,
                no_reboot,
                ..
            } => {
                line(instance);
                line(name.as_deref().unwrap_or(""));
                line(if *no_reboot { "1" } else { "0" });
            }
            Action::Launch { name, image } => {
                line(name);
                line(image);
            }
            Action::Setup {
                instance,
                initial_master_nodes,
            } => {
                line(instance);
                strings(initial_master_nodes, line);
            }
            Action::ResizeVolume { instance, gib } => {
                line(instance);
                line(&gib.to_string());
            }
            Action::Api { via, request } => {
                line(via.as_deref().unwrap_or(""));
                let (call, args): (usize, Vec<String>) = match request {
                    ApiRequest::ClusterHealth => (0, vec![]),
                    ApiRequest::CatNodes => (1, vec![]),
                    ApiRequest::CatShards => (2, vec![]),
                    ApiRequest::CatAllocation => (3, vec![]),
                    ApiRequest::GetSettings => (4, vec![]),
                    ApiRequest::SetAllocation { enable } => (5, vec![enable.as_str().to_string()]),
                    ApiRequest::AddVotingExclusions { node_names } => (6, node_names.clone()),
                    ApiRequest::ClearVotingExclusions => (7, vec![]),
                    ApiRequest::Flush => (8, vec![]),
                };
                line(CALLS[call]);
                strings(&args, line);
            }
            Action::Wait => line(""),
            Action::Describe { call } => line(call),
            Action::Inject { fault, instance } => {
                line(instance);
                line(fault.as_str());
            }
            Action::AppRequests {
                via,
                searches,
                indexes,
            } => {
                line(via);
                line(&searches.to_string());
                line(&indexes.to_string());
            }
        }
    }

    #[cfg(any(test, feature = "toml-scenarios"))]
    pub fn encode(runbook: Option<&Runbook>, line: &mut dyn FnMut(&str)) {
        let Some(rb) = runbook else {
            line("0");
            return;
        };
        line("1");
        line(&rb.title.en);
        line(&rb.title.ja);
        line(&rb.steps.len().to_string());
        for s in &rb.steps {
            line(&s.id);
            line(s.kind.as_str());
            line(&s.text.en);
            line(&s.text.ja);
            match &s.observe {
                Some(o) => {
                    line("1");
                    encode_observation(o, line);
                }
                None => line("0"),
            }
            match &s.action {
                Some(a) => {
                    line("1");
                    encode_action(a, line);
                }
                None => line("0"),
            }
            line(s.next.as_deref().unwrap_or(""));
            line(&s.branches.len().to_string());
            for b in &s.branches {
                encode_observation(&b.guard, line);
                line(&b.goto);
                line(&b.text.en);
                line(&b.text.ja);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        struct Vec2(std::vec::IntoIter<String>);
        impl Lines for Vec2 {
            fn string(&mut self) -> Option<String> {
                self.0.next()
            }
            fn number(&mut self) -> Option<u64> {
                self.0.next()?.parse().ok()
            }
        }

        #[test]
        fn every_observation_and_action_kind_round_trips() {
            let observations = [
                "health no-master",
                "not status-checks node-1 pass within 15:00",
                "node-in-cluster node-4 no",
                "image n2 available",
                "recovery-failed node-1",
                "setup-failed node-4",
                "instance node-2 shutting-down",
                "disk node-2 above 85",
                "elapsed 1:00:00",
            ];
            let actions = [
                "reboot node-1",
                "stop node-1",
                "force-stop node-1",
                "start node-1",
                "terminate node-1",
                "clean-logs node-1",
                "create-image node-2 --name n2 --no-reboot",
                "create-image node-2",
                "launch node-4 --image base",
                "setup node-4 --initial-master-nodes node-4,node-5",
                "resize-volume node-2 --gib 200",
                "health --via node-2",
                "cat-nodes",
                "cat-shards",
                "cat-allocation",
                "get-settings",
                "allocation primaries",
                "voting-exclude node-1,node-2",
                "voting-clear",
                "flush",
                "wait",
            ];
            let steps = observations
                .iter()
                .enumerate()
                .map(|(i, o)| Step {
                    id: format!("c{i}"),
                    kind: StepKind::Check,
                    text: Text {
                        en: "x".into(),
                        ja: "ｘ".into(),
                    },
                    observe: Some(Observation::parse(o).unwrap()),
                    action: None,
                    branches: vec![StepBranch {
                        guard: Observation::parse(o).unwrap(),
                        goto: "a0".into(),
                        text: Text::default(),
                    }],
                    next: Some("a0".into()),
                })
                .chain(actions.iter().enumerate().map(|(i, a)| {
                    let words: Vec<&str> = a.split_whitespace().collect();
                    Step {
                        id: format!("a{i}"),
                        kind: StepKind::Action,
                        text: Text::default(),
                        observe: None,
                        action: Some(crate::script::parse_action(&words).unwrap()),
                        branches: vec![],
                        next: None,
                    }
                }))
                .collect();
            let rb = Runbook {
                title: Text {
                    en: "t".into(),
                    ja: String::new(),
                },
                steps,
            };
            let mut lines = Vec::new();
            encode(Some(&rb), &mut |l| lines.push(l.to_string()));
            let mut r = Vec2(lines.into_iter());
            assert_eq!(decode(&mut r), Some(Some(rb)));
            assert_eq!(r.0.next(), None, "all read");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_round_trip_and_unknown_words_are_named() {
        for expr in [
            "health yellow",
            "not health green",
            "status-checks node-1 pass within 15:00",
            "node-in-cluster node-4 yes",
            "image node-2-img available",
            "recovery-failed node-1",
            "setup-failed node-4",
            "instance node-2 stopping within 05:00",
            "disk node-2 above 85",
            "elapsed 15:00",
        ] {
            let o = Observation::parse(expr).unwrap();
            assert_eq!(o.to_expr(), expr);
        }
        let e = Observation::parse("node-1 looks sad").unwrap_err();
        assert!(e.contains("unknown observation `node-1 looks sad`"), "{e}");
        assert!(e.contains("status-checks INSTANCE pass|fail"), "{e}");
        let e = Observation::parse("health purple").unwrap_err();
        assert!(e.contains("green, yellow, red or no-master"), "{e}");
        let e = Observation::parse("elapsed soon").unwrap_err();
        assert!(e.contains("a time like 15:00"), "{e}");
        let e = Observation::parse("health green within later").unwrap_err();
        assert!(e.contains("`within` expects a time"), "{e}");
    }

    #[cfg(feature = "toml-scenarios")]
    #[test]
    fn bad_runbooks_get_errors_that_name_the_step_and_field() {
        let good = crate::scenario::BUILTIN_SOURCES
            .iter()
            .find(|(id, _)| *id == "seed-ami-trap")
            .unwrap()
            .1;
        let cases = [
            (
                good.replace("kind = \"end\"", "kind = \"finish\""),
                "runbook.steps[9] \"done\": kind must be check, action, decision or end",
            ),
            (
                good.replace("observe = \"health yellow\"\n", ""),
                "runbook.steps[0] \"check-health\": a check needs `observe`",
            ),
            (
                good.replace("goto = \"wait-rejoin\"", "goto = \"wait-rejoin-2\""),
                "runbook.steps[3] \"decide\": branches[0].goto \"wait-rejoin-2\" is not a step",
            ),
            (
                good.replace("id = \"check-nodes\"", "id = \"check-health\""),
                "runbook.steps[1] \"check-health\": id appears twice",
            ),
            (
                good.replace(
                    "action = \"setup node-4\"",
                    "action = \"setup node-4\"\nobserve = \"health green\"",
                ),
                "runbook.steps[6] \"setup\": `observe` does not belong to an action step",
            ),
            (
                good.replace("action = \"setup node-4\"", "action = \"setup\""),
                "runbook.steps[6] \"setup\": action: `setup` expects",
            ),
            (
                good.replace("next = \"wait-green\"", "next = \"nowhere\""),
                "runbook.steps[4] \"wait-rejoin\": next \"nowhere\" is not a step",
            ),
        ];
        for (text, expected) in cases {
            assert_ne!(text, good, "the edit for {expected:?} applies");
            let error = crate::scenario::parse(&text).unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "expected {expected:?} in {error:?}"
            );
        }
    }
}
