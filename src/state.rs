//! UI-side state that is not the simulation: settings, the running drill, the finished run
//! for the debrief. Everything here is bookkeeping around a `Sim`; the rules of the world
//! live in `quorum_sim`.

use std::rc::Rc;

use quorum_sim::action::{Action, TimedAction};
use quorum_sim::replay::{PlayMode, Replay, MAX_SEED};
use quorum_sim::report::Report;
use quorum_sim::scenario::{Difficulty, Scenario};
use quorum_sim::traffic::Sample;
use quorum_sim::{Applied, Playback, Sim};
use serde::{Deserialize, Serialize};

use crate::i18n::{tr, Lang};
use crate::sim_handle::SimHandle;
use crate::ticker::Pace;

/// Mentor mode forks the simulation before a risky action and warns; exam mode shows
/// nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Mentor,
    Exam,
}

impl Mode {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Mode::Mentor => tr(lang, "Mentor", "メンター"),
            Mode::Exam => tr(lang, "Exam", "試験"),
        }
    }

    /// What the replay records: a rewound run is a what-if, whatever its mode.
    pub fn play_mode(self, kind: &RunKind) -> PlayMode {
        match (kind, self) {
            (RunKind::WhatIf { .. }, _) => PlayMode::WhatIf,
            (_, Mode::Exam) => PlayMode::Exam,
            (_, Mode::Mentor) => PlayMode::Mentor,
        }
    }
}

/// How a saved run was played: its replay's mode, or for a run saved before replays
/// recorded one, what the saved run says.
pub fn run_mode(r: &crate::storage::SavedRun) -> PlayMode {
    match (r.replay.mode, r.what_if, r.mode) {
        (PlayMode::Unknown, true, _) => PlayMode::WhatIf,
        (PlayMode::Unknown, false, m) => m.play_mode(&RunKind::Live),
        (m, _, _) => m,
    }
}

/// A recorded mode as runs are listed (saved runs, boards, the debrief).
pub fn play_mode_label(mode: PlayMode, lang: Lang) -> &'static str {
    match mode {
        PlayMode::Exam => Mode::Exam.label(lang),
        PlayMode::Mentor => Mode::Mentor.label(lang),
        PlayMode::WhatIf => tr(lang, "What-if", "もしも"),
        PlayMode::Tools => tr(lang, "Real tools", "実ツール"),
        PlayMode::Unknown => tr(lang, "Mode not recorded", "モード記録なし"),
    }
}

/// The speeds the clock offers (sim seconds per wall second).
pub const SPEEDS: [u32; 4] = [1, 4, 16, 60];

/// Settings kept across visits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub lang: Lang,
    pub mode: Mode,
    #[serde(default = "default_speed")]
    pub speed: u32,
    /// Leaderboard player name, as last submitted (validated when submitting).
    #[serde(default)]
    pub player: String,
    /// Leaderboard team, as last submitted (may be empty).
    #[serde(default)]
    pub team: String,
    /// The join code of the competition joined on the home screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competition: Option<String>,
    /// The saved run (index) whose debrief was open: a reload lands on it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debrief: Option<usize>,
}

fn default_speed() -> u32 {
    1
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::En,
            mode: Mode::Mentor,
            speed: 1,
            debrief: None,
            player: String::new(),
            team: String::new(),
            competition: None,
        }
    }
}

impl Settings {
    /// Settings as read back: an unknown speed falls back to 1×.
    pub fn sanitized(mut self) -> Settings {
        if !SPEEDS.contains(&self.speed) {
            self.speed = 1;
        }
        self
    }
}

pub fn difficulty_label(d: Difficulty, lang: Lang) -> &'static str {
    match d {
        Difficulty::Easy => tr(lang, "Easy", "初級"),
        Difficulty::Medium => tr(lang, "Medium", "中級"),
        Difficulty::Hard => tr(lang, "Hard", "上級"),
    }
}

pub fn difficulty_class(d: Difficulty) -> &'static str {
    match d {
        Difficulty::Easy => "easy",
        Difficulty::Medium => "medium",
        Difficulty::Hard => "hard",
    }
}

/// Parses the seed field: a whole number in `0..=2^53-1` (exact in JavaScript and JSON).
pub fn parse_seed(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || t.len() > 16 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u64>().ok().filter(|s| *s <= MAX_SEED)
}

/// What kind of run the console shows.
#[derive(Clone, Debug, PartialEq)]
pub enum RunKind {
    /// A fresh drill.
    Live,
    /// A what-if run rewound to just before action `from_action` of the base run.
    WhatIf {
        from_action: usize,
        base_actions: Rc<Vec<TimedAction>>,
        base_report: Rc<Report>,
    },
    /// An imported or saved replay playing back, read-only (its actions are the drill's
    /// [`Playback`]).
    Replay,
}

impl RunKind {
    pub fn is_replay(&self) -> bool {
        matches!(self, RunKind::Replay)
    }
}

/// Actions the trainee asked for, waiting for mentor mode's confirmation: the sim's
/// forecast of what they would do.
pub type Pending = quorum_sim::Forecast;

/// The outcome of an action, flashed above the console like EC2's flashbar.
#[derive(Clone, Debug, PartialEq)]
pub struct Flash {
    pub id: u64,
    pub ok: bool,
    pub at_ms: u64,
    pub action: String,
    /// The refusal reason (empty when accepted).
    pub reason: String,
    /// Ticker frames left before it fades (refusals stay until dismissed).
    pub ttl: u32,
}

/// How long an accepted action's toast stays (ticker frames of 100 ms).
pub const FLASH_FRAMES: u32 = 80;

/// A drill in progress (or a replay playing back).
pub struct Drill {
    pub scenario: &'static Scenario,
    pub seed: u64,
    pub mode: Mode,
    pub kind: RunKind,
    pub sim: SimHandle,
    /// The actions a replay plays back at their times (none for a live drill or a what-if).
    pub playback: Playback,
    pub speed: u32,
    pub paused: bool,
    pub pace: Pace,
    pub flashes: Vec<Flash>,
    pub next_flash: u64,
    pub pending: Option<Pending>,
    /// Ticks since the in-progress drill was last saved.
    pub unsaved_ticks: u32,
    /// The competition's join code, for a drill started from it (seed fixed).
    pub competition: Option<String>,
    /// The day (UTC, days since 1970-01-01) of a daily drill, started from the home screen.
    pub daily: Option<u32>,
    /// Whose run a ghost replay shows (the banner says it).
    pub ghost: Option<Ghost>,
}

/// A leaderboard run being watched.
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub run_id: i64,
    pub player: String,
    pub score: i64,
}

impl Drill {
    pub fn new(
        scenario: &'static Scenario,
        seed: u64,
        mode: Mode,
        kind: RunKind,
        sim: Sim,
        speed: u32,
    ) -> Drill {
        Drill {
            scenario,
            seed,
            mode,
            kind,
            sim: SimHandle::new(sim),
            playback: Playback::live(),
            speed,
            paused: false,
            pace: Pace::default(),
            flashes: Vec::new(),
            next_flash: 0,
            pending: None,
            unsaved_ticks: 0,
            competition: None,
            daily: None,
            ghost: None,
        }
    }

    /// Applies actions now and flashes how each one went (accepted, or refused with the
    /// simulator's reason).
    pub fn apply(&mut self, actions: &[Action]) {
        for action in actions {
            let (at_ms, outcome) = {
                let mut sim = self.sim.borrow_mut();
                let outcome = match sim.apply(action.clone()) {
                    Applied::Accepted => None,
                    Applied::Refused { reason } => Some(reason),
                };
                (sim.now_ms(), outcome)
            };
            self.next_flash += 1;
            self.flashes.push(Flash {
                id: self.next_flash,
                ok: outcome.is_none(),
                at_ms,
                action: action.to_script(),
                ttl: if outcome.is_none() {
                    FLASH_FRAMES
                } else {
                    u32::MAX
                },
                reason: outcome.unwrap_or_default(),
            });
        }
        let excess = self.flashes.len().saturating_sub(3);
        self.flashes.drain(..excess);
        self.sim = self.sim.bumped();
    }

    /// The replay of this run so far.
    pub fn replay(&self) -> Replay {
        Replay::new(
            self.scenario,
            self.seed,
            self.sim.borrow().actions().to_vec(),
        )
        .with_mode(self.mode.play_mode(&self.kind))
    }
}

/// A finished run, for the debrief.
pub struct Finished {
    pub scenario: &'static Scenario,
    pub seed: u64,
    pub mode: Mode,
    pub kind: RunKind,
    pub report: Rc<Report>,
    pub samples: Rc<Vec<Sample>>,
    pub actions: Rc<Vec<TimedAction>>,
    /// The base run of a what-if, shown side by side.
    pub compare: Option<Rc<Report>>,
    /// The competition the drill was started from.
    pub competition: Option<String>,
    /// The day of a daily drill.
    pub daily: Option<u32>,
}

impl Finished {
    pub fn from_drill(drill: &Drill) -> Finished {
        let sim = drill.sim.borrow();
        let compare = match &drill.kind {
            RunKind::WhatIf { base_report, .. } => Some(base_report.clone()),
            _ => None,
        };
        Finished {
            scenario: drill.scenario,
            seed: drill.seed,
            mode: drill.mode,
            kind: drill.kind.clone(),
            report: Rc::new(sim.report()),
            samples: Rc::new(sim.samples().to_vec()),
            actions: Rc::new(sim.actions().to_vec()),
            compare,
            competition: drill.competition.clone(),
            daily: drill.daily,
        }
    }

    pub fn replay(&self) -> Replay {
        let mut replay = Replay::new(self.scenario, self.seed, self.actions.to_vec())
            .with_mode(self.mode.play_mode(&self.kind));
        replay.claimed_score = Some(self.report.score);
        replay
    }
}

/// Re-runs `actions` from the start, each at its time, then runs on to `until_ms`.
pub use quorum_sim::simulate_until as rebuild;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_whole_numbers_within_2_pow_53() {
        assert_eq!(parse_seed("42"), Some(42));
        assert_eq!(parse_seed(" 7 "), Some(7));
        assert_eq!(parse_seed("9007199254740991"), Some(MAX_SEED));
        assert_eq!(parse_seed("9007199254740992"), None);
        assert_eq!(parse_seed("-1"), None);
        assert_eq!(parse_seed("1e3"), None);
        assert_eq!(parse_seed(""), None);
    }

    #[test]
    fn a_rebuilt_drill_played_on_ends_as_the_whole_run() {
        // A resumed drill is rebuilt at its clock (after its last action), then played on.
        let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
        let actions =
            quorum_sim::script::parse("at 00:10 create-image node-2\nat 01:00 health\n").unwrap();
        let mut rebuilt = rebuild(scenario, 5, &actions, 90_000);
        assert_eq!(rebuilt.now_ms(), 90_000);
        assert_eq!(rebuilt.actions().len(), 2);
        Playback::live().finish(&mut rebuilt);
        let simulated = quorum_sim::simulate(scenario, 5, &actions);
        assert_eq!(rebuilt.event_log_hash(), simulated.event_log_hash());
    }
}
