//! The trainer API's request and response bodies (`crates/drill/README.md`, "Trainers"):
//! trainers, cohorts and their invite codes, assignments, the dashboard (trainees ×
//! assignments), a trainee's runs, and comments pinned to sim times on a run. The server
//! serializes exactly these; the trainer pages and the trainee's home screen read them.

pub use quorum_sim::replay::PlayMode;
use serde::{Deserialize, Serialize};

/// The prefix of a trainer token (a player identity's is [`crate::api::TOKEN_PREFIX`]).
pub const TRAINER_TOKEN_PREFIX: &str = "qdt1_";
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Scenarios in one assignment at most.
pub const MAX_ASSIGNMENT_SCENARIOS: usize = 20;

/// `POST /api/trainers` (admin token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerRequest {
    pub name: String,
}

/// The new trainer; its token is in this answer only (the server keeps its SHA-256).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerCreated {
    pub trainer_id: i64,
    pub name: String,
    pub token: String,
}

/// `POST /api/trainer/cohorts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortRequest {
    pub name: String,
}

/// A cohort as its trainer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    pub id: i64,
    pub name: String,
    /// What trainees type to join (8 characters, [`crate::code`]'s alphabet).
    pub invite_code: String,
    pub trainees: u64,
    pub created_at: String,
}

/// A trainee of a cohort: a player identity and the name it joined with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trainee {
    pub player_id: i64,
    pub name: String,
    pub joined_at: String,
}

/// `GET /api/trainer/cohorts/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortDetail {
    pub cohort: Cohort,
    pub trainees: Vec<Trainee>,
    pub assignments: Vec<Assignment>,
    /// The team drills opened for the cohort (issue 14), newest first: who held each role
    /// and the role's points.
    #[serde(default)]
    pub team_drills: Vec<crate::team::CohortTeamDrill>,
}

/// How an assignment must be played: `exam` counts Exam runs only; `mentor` counts Exam and
/// Mentor runs. What-if runs (and runs that recorded no mode) are practice, never results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssignmentMode {
    Exam,
    Mentor,
}

impl AssignmentMode {
    /// Whether a run played in `mode` is a result of an assignment in this mode. A run with
    /// the real tools (`drill live`, `Tools`) is unaided, so it counts as Exam does
    /// (`PlayMode::is_exam`); What-if is practice.
    pub fn counts(self, mode: PlayMode) -> bool {
        match self {
            AssignmentMode::Exam => mode.is_exam(),
            AssignmentMode::Mentor => mode.is_exam() || mode == PlayMode::Mentor,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentMode::Exam => "exam",
            AssignmentMode::Mentor => "mentor",
        }
    }

    pub fn parse(text: &str) -> Option<AssignmentMode> {
        match text {
            "exam" => Some(AssignmentMode::Exam),
            "mentor" => Some(AssignmentMode::Mentor),
            _ => None,
        }
    }
}

/// One scenario of an assignment: a built-in one by id, or a trainer's published scenario
/// by id and `hash` (its file's; `GET /api/scenarios/{hash}` serves it packed to the game).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentScenario {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// A trainer's scenario's title, as its published file has it (the server fills it in
    /// for the trainee's list, who has not installed the file yet; a built-in's is the
    /// game's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<quorum_sim::scenario::Text>,
    /// Every branch case of the scenario (`Scenario::branch_cases`) must be handled cleanly
    /// (`quorum_sim::coverage::handled_cleanly`), not just one run played.
    #[serde(default)]
    pub full_coverage: bool,
}

/// `POST /api/trainer/cohorts/{id}/assignments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRequest {
    pub title: String,
    pub scenarios: Vec<AssignmentScenario>,
    /// RFC 3339; none: no due date.
    #[serde(default)]
    pub due_at: Option<String>,
    pub mode: AssignmentMode,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: i64,
    pub cohort_id: i64,
    pub title: String,
    pub scenarios: Vec<AssignmentScenario>,
    pub due_at: Option<String>,
    pub due_at_ms: Option<i64>,
    pub mode: AssignmentMode,
    pub created_at: String,
}

/// A trainee's progress on one scenario of an assignment, from the runs the server verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioProgress {
    pub scenario_id: String,
    /// The best counted run (its mode counts for the assignment, submitted since it was set).
    pub best_score: Option<i64>,
    pub best_run_id: Option<i64>,
    pub grade: Option<String>,
    /// Branch cases handled cleanly by a counted run, and the scenario's cases not yet.
    pub cases_covered: Vec<String>,
    pub cases_left: Vec<String>,
    pub full_coverage: bool,
    /// A counted run, and with `full_coverage` every case covered.
    pub done: bool,
}

/// One cell of the dashboard: a trainee on an assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCell {
    pub assignment_id: i64,
    /// The sum of the scenarios' best counted scores (none: no counted run yet).
    pub best_score: Option<i64>,
    /// The grade of the weakest scenario's best (none until every scenario has one).
    pub grade: Option<String>,
    pub cases_covered: u32,
    pub cases_total: u32,
    /// The latest run of one of the assignment's scenarios, in any mode (practice too).
    pub last_practised: Option<String>,
    pub last_practised_ms: Option<i64>,
    pub done: bool,
    /// Past the due date and not done.
    pub overdue: bool,
    pub scenarios: Vec<ScenarioProgress>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardRow {
    pub player_id: i64,
    pub name: String,
    /// In the order of [`Dashboard::assignments`].
    pub cells: Vec<DashboardCell>,
}

/// `GET /api/trainer/cohorts/{id}/dashboard`: trainees × assignments, sorted and filtered as
/// asked (`sort`, `desc`, `name`, `status`; `.csv` for the same rows as CSV).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub cohort: Cohort,
    pub assignments: Vec<Assignment>,
    pub rows: Vec<DashboardRow>,
    pub now_ms: i64,
}

/// `POST /api/cohorts/join` (player identity): the name the trainee is listed under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub invite_code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    pub cohort_id: i64,
    pub cohort: String,
    pub player_id: i64,
    pub name: String,
}

/// `GET /api/me/assignments` (player identity): each assignment of the trainee's cohorts
/// with what is left to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAssignment {
    pub cohort: String,
    pub assignment: Assignment,
    pub progress: DashboardCell,
}

/// A trainee's run as a trainer lists it (`GET /api/trainer/cohorts/{id}/trainees/{player_id}/runs`;
/// the replay itself is `GET /api/runs/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraineeRun {
    pub id: i64,
    pub scenario_id: String,
    /// The scenario file's hash: a trainer's scenario is installed from
    /// `GET /api/scenarios/{hash}` to open the run in the replay viewer.
    #[serde(default)]
    pub scenario_hash: String,
    pub seed: u64,
    pub mode: PlayMode,
    pub score: i64,
    pub grade: String,
    /// The branch case the server's re-simulation met, and whether it was handled cleanly.
    pub branch_case: Option<String>,
    pub handled_cleanly: bool,
    pub created_at: String,
    pub comments: u64,
}

/// `POST /api/trainer/runs/{id}/comments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRequest {
    /// The sim time the comment is pinned to (ms from the drill's start).
    pub at_ms: u64,
    pub body: String,
}

/// A trainer's comment on a run, pinned to a sim time; the trainee reads it in their
/// debrief (`GET /api/me/runs/{id}/comments`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub run_id: i64,
    pub trainer: String,
    pub at_ms: u64,
    pub body: String,
    pub created_at: String,
}

/// `GET /api/trainer/scenarios/templates`: a built-in scenario file to start a new one from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioTemplate {
    pub id: String,
    /// The scenario's English title.
    pub title: String,
    /// The scenario file, as `drill lint` and `drill run --scenario-file` read it.
    pub toml: String,
}

/// `POST /api/trainer/scenarios/lint`: a scenario file to check as `drill lint` does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintRequest {
    pub toml: String,
}

/// What `drill lint` says of the file: parse errors, the runbook's checks (reachability,
/// names, console actions, a passing proof per branch case) and the course's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintReport {
    pub ok: bool,
    /// The scenario's id, once the file parses.
    pub scenario_id: Option<String>,
    /// Its content hash (its identity in replays), once the file parses.
    pub scenario_hash: Option<String>,
    pub branch_cases: u32,
    /// The branch cases' ids, in `Scenario::branch_cases` order (the editor plays one of
    /// them to record its proof).
    #[serde(default)]
    pub cases: Vec<String>,
    pub problems: Vec<String>,
}

/// `POST /api/trainer/scenarios` (a file to save as the draft of its scenario id: import),
/// `GET /api/trainer/scenarios` (the trainer's files), `POST …/{id}/publish`; the file
/// itself is `GET /api/trainer/scenarios/{id}/toml` (export).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthoredScenario {
    pub id: i64,
    pub scenario_id: String,
    pub version: i64,
    /// `draft` (saved over on each save) or `published` (immutable).
    pub status: String,
    /// The file's hash (its identity in replays), once published.
    pub hash: Option<String>,
    pub saved_at: String,
    pub published_at: Option<String>,
}

/// `POST /api/trainer/scenarios/pack`: the editor's file, packed for a test run (it must
/// parse; `drill lint`'s other checks are not needed to play it).
/// `POST /api/trainer/scenarios/{id}/proof`: a finished run of the draft `id`, to keep as
/// the proof of its branch case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofRequest {
    pub replay: quorum_sim::Replay,
}

/// The proof was re-simulated on the draft, found clean and written into the file's
/// `[[proofs]]` (over an older proof of the same case); `lint` is `drill lint` on the new
/// file (it replays the proof on the case's first seeds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRecorded {
    pub file: AuthoredScenario,
    pub case: String,
    pub par_redundancy: String,
    pub toml: String,
    pub lint: LintReport,
}

/// The editor's form over the fields a trainer edits most (`POST /api/trainer/scenarios/form`):
/// read from a scenario file, and written back into it by the server (the rest of the file,
/// its comments and layout kept), so that the file stays the one thing linted and exported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioForm {
    pub id: String,
    pub title_en: String,
    pub title_ja: String,
    pub briefing_en: String,
    pub briefing_ja: String,
    /// `mm:ss` or `h:mm:ss`.
    pub duration: String,
    pub nodes: Vec<String>,
    pub shards: u32,
    pub replicas: u32,
    pub requests_per_s: u32,
    pub faults: Vec<FormFault>,
    pub messages: Vec<FormMessage>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFault {
    /// `mm:ss`.
    pub at: String,
    /// A timed fault kind (`scenarios/README.md`): `host-failure`, `os-hang`, …
    pub kind: String,
    pub target: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormMessage {
    pub at: String,
    pub from: String,
    pub en: String,
    pub ja: String,
}

/// `POST /api/trainer/scenarios/form`: `form` absent reads the file's form; present, writes
/// it into the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormRequest {
    pub toml: String,
    #[serde(default)]
    pub form: Option<ScenarioForm>,
}

/// The file (with the form written in, when one was sent) and its form; a file that is not
/// TOML (yet: the trainer is typing) has no form and says why, as lint answers 200 with
/// its problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormAnswer {
    pub toml: String,
    pub form: Option<ScenarioForm>,
    #[serde(default)]
    pub problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_with_the_real_tools_counts_as_exam_and_a_what_if_never() {
        for mode in [AssignmentMode::Exam, AssignmentMode::Mentor] {
            assert!(mode.counts(PlayMode::Exam));
            assert!(mode.counts(PlayMode::Tools));
            assert!(!mode.counts(PlayMode::WhatIf));
            assert!(!mode.counts(PlayMode::Unknown));
        }
        assert!(!AssignmentMode::Exam.counts(PlayMode::Mentor));
        assert!(AssignmentMode::Mentor.counts(PlayMode::Mentor));
    }
}
