//! The runbook while a drill runs: which steps are done, where the trainee is, which branch
//! the observations select — and, in the debrief, the runbook's path beside what the
//! trainee did.
//!
//! # When a step is done
//! - A **check** is done when the trainee *looked* while its observation held, at or after
//!   reaching the step. What the EC2 console always shows (status checks, instance states,
//!   images, EC2's notices, the clock) counts as looked at as soon as it holds; the
//!   datastore's state needs the API call a runbook names: `health …` a `_cluster/health`
//!   response, `node-in-cluster …` a `_cat/nodes` response (the game's datastore panel is a
//!   training aid; the runbook is what an operator does without it).
//! - An **action** step is done by the first accepted action that matches it and no earlier
//!   step took (it may have happened before the step was reached; `done_at_ms` is then the
//!   action's own time). Matching: the same kind and target; `create-image` also the No
//!   reboot box (the image's name is free); `launch` the image (the instance's name is free:
//!   the name the trainee chose stands for the runbook's name in the later steps and
//!   observations); `setup` the `initial_master_nodes`; an API call its request (any node).
//! - A **decision** is passed by the first branch whose guard holds (the guard is watched
//!   from the moment the decision is reached: `pass within 15:00` means they passed at some
//!   moment between then and 15:00 on the drill clock; `not … within 15:00` holds once 15:00
//!   has passed without that). In Exam mode the runbook panel does not reveal the guards: it
//!   follows the trainee instead, past a decision once the trainee completed the first step
//!   of one of its branches.
//! - An **end** step is done when reached.
//!
//! Three cursors walk the runbook as the sim runs, updated at the end of each tick and each
//! action from the events added since (no rescan of the log): *world* (checks need no look —
//! the runbook's path for what happened, used by the debrief), *guided* (Mentor/What-if
//! panel) and *trainee* (Exam panel, and "followed" in the debrief).

use serde::{Deserialize, Serialize};

use crate::action::{Action, ApiRequest};
use crate::engine::{Sim, MAIN};
use crate::event::EventKind;
use crate::model::Checks;
use crate::model::ImageState;
use crate::replay::PlayMode;
use crate::scenario::{Lang, Text};
use crate::time::{fmt_clock, fmt_count};

pub use crate::scenario::runbook::{Observation, Observe, Runbook, Step, StepBranch, StepKind};

/// The runbook panel's content (see [`Sim::runbook_view`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunbookView {
    pub title: String,
    pub steps: Vec<StepView>,
    /// Index of the step the trainee is at.
    pub at: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepView {
    pub id: String,
    pub kind: StepKind,
    pub text: String,
    /// When the sim observed the step done (see the module docs).
    pub done_at_ms: Option<u64>,
    pub branches: Vec<BranchView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchView {
    pub text: String,
    pub goto: String,
    /// Whether the observations select this branch: `None` in Exam mode (not revealed).
    pub selected: Option<bool>,
}

/// Which cursor: see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Drive {
    World = 0,
    Guided = 1,
    Trainee = 2,
}

/// A step reached, and when it was done.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Visit {
    step: usize,
    done_at_ms: Option<u64>,
    /// A decision's branch: where it went.
    goto: Option<usize>,
}

#[derive(Clone, Debug, Default)]
struct Cursor {
    at: Option<usize>,
    done: Vec<Option<u64>>,
    /// Per step: the branch a decision took.
    taken: Vec<Option<usize>>,
    /// Per step: done at least once (the world's, for the others' skipping).
    ever_done: Vec<bool>,
    /// Accepted actions (indices) taken by an action step.
    credited: Vec<usize>,
    /// The runbook's instance or image name → the name the trainee gave it.
    names: Vec<(String, String)>,
    path: Vec<Visit>,
}

/// The sim's runbook state (a field of `Sim`; empty without a runbook).
#[derive(Clone, Debug, Default)]
pub(crate) struct Tracker {
    seen_events: usize,
    /// The next drill time a condition of a current step can change without an event.
    wake_ms: u64,
    cursors: [Cursor; 3],
    /// Per decision step and branch: the guard held (for `within`) since the world's cursor
    /// reached the decision; every cursor reads the same.
    held: Vec<Vec<bool>>,
    recovery_failed: Vec<String>,
    setup_failed: Vec<String>,
    /// Accepted actions, by index, in order.
    accepted: Vec<usize>,
}

/// At most this many visits are kept (a loop needs a new action per turn anyway).
const MAX_VISITS: usize = 400;

/// What the events since the last update showed.
#[derive(Default)]
struct Batch {
    looked_health: bool,
    looked_nodes: bool,
    looked_disks: bool,
}

impl Cursor {
    fn name<'a>(&'a self, runbook_name: &'a str) -> &'a str {
        self.names
            .iter()
            .find(|(r, _)| r == runbook_name)
            .map_or(runbook_name, |(_, actual)| actual.as_str())
    }

    fn complete(&mut self, i: usize, at_ms: u64) {
        self.done[i] = Some(at_ms);
        self.ever_done[i] = true;
        if let Some(v) = self.path.iter_mut().rev().find(|v| v.step == i) {
            v.done_at_ms = Some(at_ms);
        }
    }

    /// Arrives at `step`; `jump`: by a decision's `goto`.
    fn arrive(&mut self, step: Option<usize>, jump: bool) {
        self.at = step;
        let Some(j) = step else { return };
        // Back to a step already done: it is to do again — and, jumping back (a loop), so is
        // what followed it last time.
        self.done[j] = None;
        self.taken[j] = None;
        if jump {
            if let Some(last) = self.path.iter().rposition(|v| v.step == j) {
                for v in &self.path[last..] {
                    self.done[v.step] = None;
                    self.taken[v.step] = None;
                }
            }
        }
        if self.path.len() < MAX_VISITS {
            self.path.push(Visit {
                step: j,
                done_at_ms: None,
                goto: None,
            });
        }
    }
}

impl Tracker {
    pub(crate) fn new(runbook: Option<&Runbook>) -> Tracker {
        let mut t = Tracker::default();
        if let Some(rb) = runbook {
            t.held = rb
                .steps
                .iter()
                .map(|s| vec![false; s.branches.len()])
                .collect();
            for c in &mut t.cursors {
                c.done = vec![None; rb.steps.len()];
                c.taken = vec![None; rb.steps.len()];
                c.ever_done = vec![false; rb.steps.len()];
                c.arrive(Some(0), false);
            }
        }
        t
    }
}

impl Sim {
    /// Brings the runbook's cursors up to date with the events since the last call (the end
    /// of every tick and action).
    pub(crate) fn track_runbook(&mut self) {
        // A quiet tick (no event, no clock-bound condition due) costs one comparison.
        if self.rb.seen_events == self.events.len() && self.now_ms < self.rb.wake_ms {
            return;
        }
        // The scenario is shared (`Arc`): holding it leaves `self` free to update.
        let scenario = std::sync::Arc::clone(&self.scenario);
        let Some(rb) = scenario.runbook.as_ref() else {
            self.rb.seen_events = self.events.len();
            self.rb.wake_ms = u64::MAX;
            return;
        };
        let mut t = std::mem::take(&mut self.rb);
        let mut batch = Batch::default();
        for e in &self.events[t.seen_events..] {
            match &e.kind {
                EventKind::ApiResponse { index, .. } => {
                    match self.actions.get(*index).map(|a| &a.action) {
                        Some(Action::Api {
                            request: ApiRequest::ClusterHealth,
                            ..
                        }) => batch.looked_health = true,
                        Some(Action::Api {
                            request: ApiRequest::CatNodes,
                            ..
                        }) => batch.looked_nodes = true,
                        Some(Action::Api {
                            request: ApiRequest::CatAllocation,
                            ..
                        }) => batch.looked_disks = true,
                        _ => {}
                    }
                }
                EventKind::ActionAccepted { index, action } => {
                    t.accepted.push(*index);
                    if let Action::Setup { instance, .. } = action {
                        t.setup_failed.retain(|i| i != instance);
                    }
                }
                EventKind::Ec2Notice { instance, text }
                    if text.starts_with("automatic recovery failed") =>
                {
                    t.recovery_failed.push(instance.clone());
                }
                kind => {
                    if let Some(instance) = setup_failure(kind) {
                        t.setup_failed.push(instance.to_string());
                    }
                }
            }
        }
        t.seen_events = self.events.len();
        let mut cursors = std::mem::take(&mut t.cursors);
        let mut wake_ms = u64::MAX;
        let (world, others) = cursors.split_at_mut(1);
        let world = &mut world[0];
        self.advance(rb, &mut t, world, Drive::World, &batch, &[]);
        for (c, drive) in others.iter_mut().zip([Drive::Guided, Drive::Trainee]) {
            self.advance(rb, &mut t, c, drive, &batch, &world.ever_done);
        }
        for c in &cursors {
            if let Some(i) = c.at {
                wake_ms = wake_ms.min(next_time(&rb.steps[i], self.now_ms));
            }
        }
        t.cursors = cursors;
        t.wake_ms = wake_ms;
        self.rb = t;
    }

    fn advance(
        &self,
        rb: &Runbook,
        t: &mut Tracker,
        c: &mut Cursor,
        drive: Drive,
        batch: &Batch,
        world_done: &[bool],
    ) {
        let now = self.now_ms;
        // A decision the world's cursor reaches (again) is watched afresh.
        let arrive = |c: &mut Cursor, t: &mut Tracker, step: Option<usize>, jump: bool| {
            c.arrive(step, jump);
            if drive == Drive::World {
                if let Some(held) = step.and_then(|i| t.held.get_mut(i)) {
                    held.fill(false);
                }
            }
        };
        for _ in 0..rb.steps.len() * 2 + 2 {
            let Some(i) = c.at else { return };
            let step = &rb.steps[i];
            match step.kind {
                StepKind::End => {
                    if c.done[i].is_none() {
                        c.complete(i, now);
                    }
                    return;
                }
                StepKind::Check => {
                    if self.check_done(step, t, c, drive, batch) {
                        c.complete(i, now);
                    } else if !(world_done.get(i).copied().unwrap_or(false)
                        && step
                            .observe
                            .as_ref()
                            .is_some_and(|o| self.holds(&o.what, t, c) == o.negated))
                    {
                        return;
                    }
                    // (Else the moment passed while the trainee did not look: on, unticked.)
                    arrive(c, t, rb.after(i), false);
                }
                StepKind::Action => {
                    let Some(at_ms) = self.credit(step, t, c) else {
                        return;
                    };
                    c.complete(i, at_ms);
                    arrive(c, t, rb.after(i), false);
                }
                StepKind::Decision => {
                    let pick = if drive == Drive::Trainee {
                        step.branches.iter().position(|b| {
                            rb.index_of(&b.goto).is_some_and(|g| {
                                let target = &rb.steps[g];
                                match target.kind {
                                    StepKind::Check => self.check_done(target, t, c, drive, batch),
                                    StepKind::Action => self.matching(target, t, c).is_some(),
                                    StepKind::Decision | StepKind::End => false,
                                }
                            })
                        })
                    } else {
                        if drive == Drive::World {
                            for (j, b) in step.branches.iter().enumerate() {
                                if b.guard.within_ms.is_some_and(|w| now <= w)
                                    && self.holds(&b.guard.what, t, c)
                                {
                                    t.held[i][j] = true;
                                }
                            }
                        }
                        (0..step.branches.len()).find(|j| self.guard_true(i, step, *j, t, c))
                    };
                    let Some(j) = pick else { return };
                    c.complete(i, now);
                    c.taken[i] = Some(j);
                    let goto = rb.index_of(&step.branches[j].goto);
                    if let Some(v) = c.path.last_mut() {
                        v.goto = goto;
                    }
                    arrive(c, t, rb.index_of(&step.branches[j].goto), true);
                }
            }
        }
    }

    /// Whether a decision's branch `j` holds for cursor `c` (its `held` is up to date).
    fn guard_true(&self, i: usize, step: &Step, j: usize, t: &Tracker, c: &Cursor) -> bool {
        let g = &step.branches[j].guard;
        match g.within_ms {
            None => self.holds(&g.what, t, c) != g.negated,
            Some(w) => {
                let held = t.held[i].get(j).copied().unwrap_or(false);
                if g.negated {
                    !held && self.now_ms > w
                } else {
                    held
                }
            }
        }
    }

    fn check_done(&self, step: &Step, t: &Tracker, c: &Cursor, drive: Drive, b: &Batch) -> bool {
        let Some(o) = &step.observe else { return false };
        if o.within_ms.is_some_and(|w| self.now_ms > w) {
            return false;
        }
        let looked = drive == Drive::World
            || match o.what {
                Observe::Health(_) => b.looked_health,
                Observe::NodeInCluster { .. } => b.looked_nodes,
                Observe::DiskAbove { .. } => b.looked_disks,
                _ => true,
            };
        looked && self.holds(&o.what, t, c) != o.negated
    }

    /// Whether `what` holds now, with the runbook's names read through cursor `c`.
    fn holds(&self, what: &Observe, t: &Tracker, c: &Cursor) -> bool {
        let inst = |name: &str| self.ec2.by_name(c.name(name)).map(|i| &self.ec2[i]);
        match what {
            Observe::Health(h) => self.ds[MAIN].health == *h,
            Observe::StatusChecks { instance, pass } => inst(instance).is_some_and(|i| {
                if *pass {
                    matches!(i.checks, Checks::Ok { .. })
                } else {
                    matches!(i.checks, Checks::Failed { .. })
                }
            }),
            Observe::NodeInCluster { node, member } => {
                self.master_responsive(MAIN) && {
                    let name = c.name(node);
                    let listed = self.ds[MAIN]
                        .members
                        .values()
                        .any(|m| self.ec2[m.instance].name == name);
                    listed == *member
                }
            }
            Observe::ImageAvailable { name } => {
                let name = c.name(name);
                self.ec2.images().iter().any(|im| {
                    (im.name == name || im.id == name) && im.state == ImageState::Available
                })
            }
            Observe::RecoveryFailed { instance } => {
                t.recovery_failed.iter().any(|i| i == c.name(instance))
            }
            Observe::SetupFailed { instance } => {
                t.setup_failed.iter().any(|i| i == c.name(instance))
            }
            Observe::InstanceState { instance, state } => {
                inst(instance).is_some_and(|i| i.state == *state)
            }
            Observe::DiskAbove { instance, percent } => inst(instance).is_some_and(|i| {
                i.volume
                    .as_ref()
                    .is_some_and(|v| v.used_percent(self.scenario.topology.shard_bytes) > *percent)
            }),
            Observe::Elapsed(ms) => self.now_ms >= *ms,
        }
    }

    /// The first accepted action no step took that matches action step `step`.
    fn matching(&self, step: &Step, t: &Tracker, c: &Cursor) -> Option<usize> {
        let pattern = step.action.as_ref()?;
        t.accepted.iter().copied().find(|index| {
            !c.credited.contains(index)
                && self
                    .actions
                    .get(*index)
                    .is_some_and(|a| matches_action(pattern, &a.action, c))
        })
    }

    /// Credits the matching action to `step`, learning the names it gave; its time.
    fn credit(&self, step: &Step, t: &Tracker, c: &mut Cursor) -> Option<u64> {
        let index = self.matching(step, t, c)?;
        c.credited.push(index);
        let done = &self.actions[index];
        match (step.action.as_ref()?, &done.action) {
            (Action::Launch { name: want, .. }, Action::Launch { name: got, .. }) => {
                c.names.push((want.clone(), got.clone()));
            }
            (
                Action::CreateImage {
                    name: Some(want), ..
                },
                Action::CreateImage {
                    name: Some(got), ..
                },
            ) => c.names.push((want.clone(), got.clone())),
            _ => {}
        }
        Some(done.at_ms)
    }

    /// The runbook panel: the steps with their ticks, the step the trainee is at, and in
    /// Mentor and What-if modes which branch the observations select (`None` in Exam mode
    /// and for unknown modes). `None` if the scenario has no runbook. Cheap: the sim keeps
    /// the state up to date as it runs; this only copies the texts out.
    pub fn runbook_view(&self, lang: Lang, mode: PlayMode) -> Option<RunbookView> {
        let rb = self.scenario.runbook.as_ref()?;
        let reveal = matches!(mode, PlayMode::Mentor | PlayMode::WhatIf);
        let c = &self.rb.cursors[if reveal {
            Drive::Guided
        } else {
            Drive::Trainee
        } as usize];
        let steps = rb
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepView {
                id: s.id.clone(),
                kind: s.kind,
                text: s.text.get(lang).to_string(),
                done_at_ms: c.done.get(i).copied().flatten(),
                branches: s
                    .branches
                    .iter()
                    .enumerate()
                    .map(|(j, b)| BranchView {
                        text: b.text.get(lang).to_string(),
                        goto: b.goto.clone(),
                        selected: reveal.then(|| match c.taken.get(i).copied().flatten() {
                            Some(taken) => taken == j,
                            None => c.at == Some(i) && self.guard_true(i, s, j, &self.rb, c),
                        }),
                    })
                    .collect(),
            })
            .collect();
        Some(RunbookView {
            title: rb.title.get(lang).to_string(),
            steps,
            at: c.at,
        })
    }

    /// The debrief's comparison (see [`RunbookComparison`]); `None` without a runbook.
    pub fn runbook_comparison(&self) -> Option<RunbookComparison> {
        let rb = self.scenario.runbook.as_ref()?;
        let world = &self.rb.cursors[Drive::World as usize];
        let trainee = &self.rb.cursors[Drive::Trainee as usize];
        let mut path: Vec<PathStep> = Vec::new();
        let visits_of = |step: usize, path: &[PathStep]| {
            path.iter().filter(|p| p.id == rb.steps[step].id).count()
        };
        let entry = |visit: &Visit, nth: usize| {
            let step = visit.step;
            let s = &rb.steps[step];
            // A decision is followed only where the trainee went the world's way.
            let followed_at_ms = trainee
                .path
                .iter()
                .filter(|v| v.step == step)
                .nth(nth)
                .filter(|v| v.goto == visit.goto)
                .and_then(|v| v.done_at_ms);
            PathStep {
                id: s.id.clone(),
                kind: s.kind,
                text: s.text.clone(),
                reached: true,
                followed_at_ms,
            }
        };
        for v in &world.path {
            let nth = visits_of(v.step, &path);
            path.push(entry(v, nth));
        }
        // Where the world's cursor waits for an action the trainee never took: the runbook
        // goes on from there (to its next decision), not followed.
        if let Some(i) = world.at.filter(|i| world.done[*i].is_none()) {
            let mut next = rb.after(i);
            while let Some(j) = next {
                if path.len() >= MAX_VISITS
                    || path.iter().filter(|p| !p.reached).count() > rb.steps.len()
                {
                    break;
                }
                let nth = visits_of(j, &path);
                let visit = Visit {
                    step: j,
                    done_at_ms: None,
                    goto: None,
                };
                let mut e = entry(&visit, nth);
                e.reached = false;
                e.followed_at_ms = None;
                path.push(e);
                next = rb.after(j);
            }
        }
        let outages = &self.traffic.metrics.outages;
        let off_path = world_off_path(self, world, outages);
        Some(RunbookComparison {
            title: rb.title.clone(),
            path,
            off_path,
        })
    }
}

fn world_off_path(
    sim: &Sim,
    world: &Cursor,
    outages: &[crate::report::OutageSpan],
) -> Vec<OffPath> {
    let end_ms = sim.now_ms;
    sim.rb
        .accepted
        .iter()
        .copied()
        .filter(|i| !world.credited.contains(i))
        .filter_map(|index| {
            let a = &sim.actions[index];
            let looks = matches!(
                &a.action,
                Action::Wait
                    | Action::Describe { .. }
                    | Action::AppRequests { .. }
                    | Action::Api {
                        request: ApiRequest::ClusterHealth
                            | ApiRequest::CatNodes
                            | ApiRequest::CatShards
                            | ApiRequest::CatAllocation
                            | ApiRequest::GetSettings,
                        ..
                    }
            );
            (!looks).then(|| OffPath {
                action_index: index,
                at_ms: a.at_ms,
                action: a.action.to_script(),
                penalty_points: sim
                    .penalties
                    .iter()
                    .filter(|p| p.action_index == index)
                    .map(|p| p.points)
                    .sum(),
                outage_ms: outages
                    .iter()
                    .filter(|o| o.culprits().any(|c| c == index))
                    .map(|o| o.shown_length_ms(end_ms))
                    .sum(),
            })
        })
        .collect()
}

/// A drill time after which a condition of `step` can change without an event.
fn next_time(step: &Step, now_ms: u64) -> u64 {
    let mut wake = u64::MAX;
    let mut consider = |o: &Observation| {
        match o.what {
            Observe::Elapsed(t) if t > now_ms => wake = wake.min(t),
            // Disk use grows without events: looked at every second.
            Observe::DiskAbove { .. } => wake = wake.min(now_ms + 1_000),
            _ => {}
        }
        if let Some(w) = o.within_ms {
            if w >= now_ms {
                wake = wake.min(w + 1);
            }
        }
    };
    if let Some(o) = &step.observe {
        consider(o);
    }
    for b in &step.branches {
        consider(&b.guard);
    }
    wake
}

/// An event that says the runbook's setup script failed on an instance.
fn setup_failure(kind: &EventKind) -> Option<&str> {
    match kind {
        EventKind::InstanceLog { instance, text }
            if text == crate::timing::SETUP_MIRROR_FAILED_LOG =>
        {
            Some(instance)
        }
        _ => None,
    }
}

/// Whether `done` is what the runbook's `pattern` asks for (see the module docs).
fn matches_action(pattern: &Action, done: &Action, c: &Cursor) -> bool {
    let same = |want: &str, got: &str| c.name(want) == got;
    match (pattern, done) {
        (Action::Reboot { instance: w }, Action::Reboot { instance: g })
        | (Action::ForceStop { instance: w }, Action::ForceStop { instance: g })
        | (Action::Start { instance: w }, Action::Start { instance: g })
        | (Action::ForceTerminate { instance: w }, Action::ForceTerminate { instance: g })
        | (Action::GrowFilesystem { instance: w }, Action::GrowFilesystem { instance: g })
        | (Action::CleanLogs { instance: w }, Action::CleanLogs { instance: g }) => same(w, g),
        // Skipping the OS shutdown is another action: the runbook says which it means.
        (
            Action::Stop {
                instance: w,
                skip_os_shutdown: ws,
            },
            Action::Stop {
                instance: g,
                skip_os_shutdown: gs,
            },
        )
        | (
            Action::Terminate {
                instance: w,
                skip_os_shutdown: ws,
            },
            Action::Terminate {
                instance: g,
                skip_os_shutdown: gs,
            },
        ) => same(w, g) && ws == gs,
        (
            Action::CreateImage {
                instance: w,
                no_reboot: wn,
                ..
            },
            Action::CreateImage {
                instance: g,
                no_reboot: gn,
                ..
            },
        ) => same(w, g) && wn == gn,
        (Action::Launch { image: w, .. }, Action::Launch { image: g, .. }) => same(w, g),
        (
            Action::Setup {
                instance: w,
                initial_master_nodes: wm,
            },
            Action::Setup {
                instance: g,
                initial_master_nodes: gm,
            },
        ) => same(w, g) && wm == gm,
        (Action::Api { request: w, .. }, Action::Api { request: g, .. }) => w == g,
        (Action::ResizeVolume { instance: w, .. }, Action::ResizeVolume { instance: g, .. }) => {
            same(w, g)
        }
        (Action::Wait, Action::Wait) => true,
        (Action::Describe { call: w }, Action::Describe { call: g }) => w == g,
        _ => false,
    }
}

/// The debrief's runbook comparison, for the branch case that happened: the runbook's path
/// through what the sim showed, each step with when the trainee followed it, and the
/// trainee's actions that were on no step of it, with what they cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookComparison {
    pub title: Text,
    pub path: Vec<PathStep>,
    pub off_path: Vec<OffPath>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStep {
    pub id: String,
    pub kind: StepKind,
    pub text: Text,
    /// The world got there (false: the steps after an action the trainee never took, as
    /// the runbook goes on).
    pub reached: bool,
    /// When the trainee did it (a check looked at, an action taken, a decision acted on).
    pub followed_at_ms: Option<u64>,
}

/// An action off the runbook's path and what it cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffPath {
    pub action_index: usize,
    pub at_ms: u64,
    /// As a script line (`create-image node-2`).
    pub action: String,
    pub penalty_points: i64,
    /// The outage it caused (shown length), 0 if none.
    pub outage_ms: u64,
}

impl RunbookComparison {
    /// Steps of the path the trainee followed, of all.
    pub fn followed(&self) -> (usize, usize) {
        let followed = self
            .path
            .iter()
            .filter(|p| p.followed_at_ms.is_some())
            .count();
        (followed, self.path.len())
    }

    /// The comparison as the debrief words it, one line each.
    pub fn text(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        let (followed, total) = self.followed();
        let mut out = if ja {
            format!(
                "ランブック「{}」: {total} 手順中 {followed} 手順を実施\n",
                self.title.get(lang)
            )
        } else {
            format!(
                "Runbook \"{}\": {followed} of {total} steps followed\n",
                self.title.get(lang)
            )
        };
        for p in &self.path {
            let mark = match p.followed_at_ms {
                Some(at) => format!("✓ {}", fmt_clock(at)),
                None if ja => "✗ 未実施".into(),
                None => "✗ not followed".into(),
            };
            out.push_str(&format!("  {mark:<14} {}\n", p.text.get(lang)));
        }
        if self.off_path.is_empty() {
            out.push_str(if ja {
                "ランブック外の操作: なし\n"
            } else {
                "Off the runbook: nothing\n"
            });
        } else {
            out.push_str(if ja {
                "ランブック外の操作:\n"
            } else {
                "Off the runbook:\n"
            });
            for o in &self.off_path {
                let cost = match (o.penalty_points, o.outage_ms, ja) {
                    (0, 0, false) => "cost nothing".to_string(),
                    (0, 0, true) => "損失なし".to_string(),
                    (p, 0, false) => format!("cost {} points", fmt_count(p.unsigned_abs())),
                    (p, 0, true) => format!("{} 点の減点", fmt_count(p.unsigned_abs())),
                    (p, ms, false) => format!(
                        "cost {} points and caused {} of outage",
                        fmt_count(p.unsigned_abs()),
                        fmt_clock(ms)
                    ),
                    (p, ms, true) => format!(
                        "{} 点の減点、{} の障害を引き起こした",
                        fmt_count(p.unsigned_abs()),
                        fmt_clock(ms)
                    ),
                };
                out.push_str(&format!("  {} {} — {cost}\n", fmt_clock(o.at_ms), o.action));
            }
        }
        out
    }
}

/// What `drill lint` finds wrong with a scenario's runbook, one sentence each (empty: none,
/// or no runbook). Statically: steps the first cannot reach; names no step makes (an
/// instance outside the topology that no `launch` step creates, an image no `create-image`
/// step names); actions the console cannot perform or that the runbook must never do (a
/// `wait`; `create-image` of a cluster node without No reboot; a launch from an image of a
/// node). With the sim, natively: every branch case needs a proof, and each proof, replayed
/// on the first [`LINT_SEEDS_PER_CASE`] seeds of its case, must walk the runbook to an end
/// step with no outage its actions caused; where it stops at an action step, the console's
/// refusal is quoted (the engine's own precondition words); the trap must leave the runbook.
#[cfg(feature = "toml-scenarios")]
pub fn lint(scenario: &crate::Scenario) -> Vec<String> {
    let Some(rb) = scenario.runbook.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in rb.unreachable() {
        out.push(format!(
            "runbook: step {:?} cannot be reached from the first step",
            rb.steps[i].id
        ));
    }
    let nodes = &scenario.topology.nodes;
    let mut instances: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let mut images: Vec<(&str, &str)> = vec![("base", "")];
    for s in &rb.steps {
        match &s.action {
            Some(Action::Launch { name, .. }) => instances.push(name),
            Some(Action::CreateImage {
                name: Some(name),
                instance,
                ..
            }) => images.push((name, instance)),
            _ => {}
        }
    }
    let known = |name: &str| instances.contains(&name);
    for s in &rb.steps {
        let at = format!("runbook: step {:?}", s.id);
        let observations = s.observe.iter().chain(s.branches.iter().map(|b| &b.guard));
        for o in observations {
            if let Some(name) = o.subject() {
                if !known(name) {
                    out.push(format!("{at}: `{}` names {name:?}, which is not a node of the topology and no step launches", o.to_expr()));
                }
            }
            if let Observe::ImageAvailable { name } = &o.what {
                if !images.iter().any(|(n, _)| n == name) {
                    out.push(format!("{at}: no step creates the image {name:?}"));
                }
            }
        }
        let Some(action) = &s.action else { continue };
        if let Some(target) = action.target() {
            if !matches!(action, Action::Launch { .. }) && !known(target) {
                out.push(format!("{at}: `{}`: the console has no instance {target:?} (not in the topology, and no step launches it)", action.to_script()));
            }
        }
        match action {
            Action::Wait => out.push(format!(
                "{at}: `wait` is not a console action (a check or a decision waits)"
            )),
            Action::CreateImage {
                instance,
                no_reboot: false,
                ..
            } if nodes.contains(instance) => out.push(format!(
                "{at}: `{}` reboots a live node of the cluster: a runbook ticks No reboot (--no-reboot)",
                action.to_script()
            )),
            Action::Launch { image, .. } => match images.iter().find(|(n, _)| n == image) {
                None => out.push(format!(
                    "{at}: `{}`: no step creates the image {image:?} (launch from `base`)",
                    action.to_script()
                )),
                Some((_, from)) if nodes.iter().any(|n| n == from) => out.push(format!(
                    "{at}: `{}` launches a clone of {from}'s disk: never clone a live node (launch from `base` and run setup)",
                    action.to_script()
                )),
                Some(_) => {}
            },
            Action::ResizeVolume { gib, .. } if *gib > crate::timing::MAX_VOLUME_GIB => {
                out.push(format!(
                    "{at}: `{}`: the largest volume is {} GiB",
                    action.to_script(),
                    crate::timing::MAX_VOLUME_GIB
                ))
            }
            _ => {}
        }
    }
    out.extend(lint_proofs(scenario, rb));
    out
}

/// Seeds searched for a branch case's first seed.
#[cfg(feature = "toml-scenarios")]
const LINT_SEED_LIMIT: u64 = 100_000;

/// How many seeds of each branch case lint replays its proof on.
#[cfg(feature = "toml-scenarios")]
pub const LINT_SEEDS_PER_CASE: u32 = 3;

#[cfg(feature = "toml-scenarios")]
fn lint_proofs(scenario: &crate::Scenario, rb: &Runbook) -> Vec<String> {
    let mut out = Vec::new();
    for case in scenario.branch_cases() {
        let Some(proof) = scenario.proof_for(&case.id) else {
            out.push(format!(
                "branch case {:?} has no proof (a [[proofs]] replay that follows the runbook)",
                case.id
            ));
            continue;
        };
        let actions = match crate::script::parse(&proof.actions) {
            Ok(a) => a,
            Err(e) => {
                out.push(format!("proof of {:?}: {e}", case.id));
                continue;
            }
        };
        // The first few seeds of the case, each replayed; the first problem is reported.
        let mut from = 1;
        for n in 0..LINT_SEEDS_PER_CASE {
            let Some(seed) = scenario.seed_for_case(&case.id, from, LINT_SEED_LIMIT) else {
                if n == 0 {
                    out.push(format!(
                        "branch case {:?}: no seed below {LINT_SEED_LIMIT} draws it",
                        case.id
                    ));
                }
                break;
            };
            from = seed + 1;
            if let Some(problem) = proof_problem(scenario, rb, &case.id, seed, &actions) {
                out.push(problem);
                break;
            }
        }
    }
    // The trap is the mistake: some of its actions must be off the runbook.
    if let Some(trap) = &scenario.trap {
        let case = trap.case.clone().unwrap_or_default();
        let seed = if case.is_empty() {
            Some(1)
        } else {
            scenario.seed_for_case(&case, 1, LINT_SEED_LIMIT)
        };
        if let (Some(seed), Ok(actions)) = (seed, crate::script::parse(&trap.actions)) {
            let report = crate::run(scenario, seed, &actions);
            if report.runbook.is_some_and(|c| c.off_path.is_empty()) {
                out.push(format!(
                    "the trap (seed {seed}) never leaves the runbook: it shows no mistake"
                ));
            }
        }
    }
    out
}

/// What is wrong with a proof replayed on `seed`, if anything: an outage its actions caused,
/// or the runbook not walked to an end step (quoting the console's refusal of the action
/// step it stops at, if it refused one).
#[cfg(feature = "toml-scenarios")]
fn proof_problem(
    scenario: &crate::Scenario,
    rb: &Runbook,
    case: &str,
    seed: u64,
    actions: &[crate::TimedAction],
) -> Option<String> {
    let sim = crate::simulate(scenario, seed, actions);
    let world = &sim.rb.cursors[Drive::World as usize];
    let report = sim.report();
    if !report.culprits().is_empty() {
        return Some(format!(
            "proof of {case:?} (seed {seed}) causes an outage of {} ms",
            report.outage_ms
        ));
    }
    let step = &rb.steps[world.at?];
    if step.kind == StepKind::End {
        return None;
    }
    let why = step
        .action
        .as_ref()
        .and_then(|pattern| {
            sim.events.iter().find_map(|e| match &e.kind {
                EventKind::ActionRefused { action, reason, .. }
                    if matches_action(pattern, action, world) =>
                {
                    Some(format!(
                        ": the console refused `{}` at {}: {reason}",
                        action.to_script(),
                        fmt_clock(e.at_ms)
                    ))
                }
                _ => None,
            })
        })
        .unwrap_or_default();
    Some(format!(
        "proof of {case:?} (seed {seed}) stops at step {:?} ({}){why}",
        step.id,
        step.kind.as_str()
    ))
}
