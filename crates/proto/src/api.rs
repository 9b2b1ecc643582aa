//! The leaderboard API's request and response bodies (`crates/drill/README.md` documents
//! the endpoints). The server serializes exactly these; the game decodes its answers into
//! them ([`crate::decode`]). An `Option` field is `null` in the JSON when absent.

pub use quorum_sim::replay::PlayMode;
use quorum_sim::scenario::{Difficulty, Lang, Scenario, Text};
use quorum_sim::Replay;
use serde::{Deserialize, Serialize};

// ---- errors ------------------------------------------------------------------------------

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable machine-readable token (`invalid_name`, `seed_not_in_competition`, …).
    pub code: String,
    /// One English sentence for people.
    pub message: String,
}

/// The `code` of the refusal of a run whose mode is not Exam by a competition that requires
/// Exam (HTTP 403); its `message` is [`exam_required_message`] in English.
pub const EXAM_REQUIRED: &str = "exam_required";

/// A play mode as players read it (the game's labels; `Unknown` for replays that recorded
/// no mode).
pub fn mode_label(mode: PlayMode, lang: Lang) -> &'static str {
    match (mode, lang) {
        (PlayMode::Exam, Lang::En) => "Exam",
        (PlayMode::Exam, Lang::Ja) => "試験",
        (PlayMode::Mentor, Lang::En) => "Mentor",
        (PlayMode::Mentor, Lang::Ja) => "メンター",
        (PlayMode::WhatIf, Lang::En) => "What-if",
        (PlayMode::WhatIf, Lang::Ja) => "What-if（巻き戻し）",
        (PlayMode::Tools, Lang::En) => "Real tools",
        (PlayMode::Tools, Lang::Ja) => "実ツール",
        (PlayMode::Unknown, Lang::En) => "mode not recorded",
        (PlayMode::Unknown, Lang::Ja) => "モード記録なし",
    }
}

/// Why a competition that requires Exam refuses a run played in `mode`: the server sends
/// the English sentence with [`EXAM_REQUIRED`]; the game shows it in the player's language.
pub fn exam_required_message(competition: &str, mode: PlayMode, lang: Lang) -> String {
    let why_en = match mode {
        PlayMode::Mentor => {
            "it was played in Mentor mode, with forecasts shown before risky actions"
        }
        PlayMode::WhatIf => "it is a What-if run, rewound and edited after seeing the outcome",
        _ => "its replay does not record how it was played (an older game, or another client)",
    };
    let why_ja = match mode {
        PlayMode::Mentor => "メンターモード（危険な操作の前に予測を表示）でプレイした記録です",
        PlayMode::WhatIf => "結果を見てから巻き戻して操作を変えた What-if の記録です",
        _ => {
            "どのモードでプレイしたかがリプレイに記録されていません（古いゲームか別のクライアント）"
        }
    };
    match lang {
        Lang::En => format!(
            "competition {competition:?} counts only Exam runs, and this run cannot count: {why_en}; play the drill again in Exam mode to enter it"
        ),
        Lang::Ja => format!(
            "コンペティション「{competition}」は試験モードの記録だけを集計します。この記録は対象外です: {why_ja}。試験モードでもう一度プレイしてください"
        ),
    }
}

// ---- GET /api/health, GET /api/version -----------------------------------------------------

/// `GET /api/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub sim_version: u32,
}

/// `GET /api/version`: what the server re-simulates with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// `drill <version>`.
    pub server: String,
    pub sim_version: u32,
    pub replay_format_version: u32,
    pub max_body_bytes: u64,
    pub max_actions: u64,
    pub max_seed: u64,
    pub scenarios: Vec<ServerScenario>,
}

/// A scenario the server knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerScenario {
    pub id: String,
    pub hash: String,
    pub difficulty: Difficulty,
    pub duration_ms: u64,
    pub title: Text,
}

impl ServerScenario {
    pub fn of(s: &Scenario) -> ServerScenario {
        ServerScenario {
            id: s.id.clone(),
            hash: s.hash.clone(),
            difficulty: s.difficulty,
            duration_ms: s.duration_ms,
            title: s.title.clone(),
        }
    }
}

/// Whether runs of a scenario can be submitted to a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compat {
    Ok,
    /// The server re-simulates with another simulator version.
    SimVersion {
        server: u32,
    },
    /// The server does not have this scenario, or has another version of its file.
    Scenario,
}

impl VersionInfo {
    /// Whether this server scores runs of `scenario` as this simulator does.
    pub fn compat(&self, scenario: &Scenario) -> Compat {
        if self.sim_version != quorum_sim::SIM_VERSION {
            return Compat::SimVersion {
                server: self.sim_version,
            };
        }
        match self.scenarios.iter().find(|s| s.id == scenario.id) {
            Some(s) if s.hash == scenario.hash => Compat::Ok,
            // A trainer's scenario (issue 13): not built in, installed from this server's
            // published file, which the server finds again by the replay's hash.
            None if !quorum_sim::scenario::all()
                .iter()
                .any(|s| s.id == scenario.id) =>
            {
                Compat::Ok
            }
            _ => Compat::Scenario,
        }
    }
}

impl Compat {
    /// Why a run cannot be submitted, for people (empty when it can).
    pub fn reason(self, lang: Lang) -> String {
        let ours = quorum_sim::SIM_VERSION;
        match (self, lang) {
            (Compat::Ok, _) => String::new(),
            (Compat::SimVersion { server }, Lang::En) => format!(
                "The leaderboard server runs simulator version {server}; this game runs version {ours}. Runs cannot be submitted until they match."
            ),
            (Compat::SimVersion { server }, Lang::Ja) => format!(
                "リーダーボードサーバーのシミュレーターはバージョン {server}、このゲームはバージョン {ours} です。一致するまで記録を登録できません。"
            ),
            (Compat::Scenario, Lang::En) => "The leaderboard server has another version of this scenario: runs of it cannot be submitted.".into(),
            (Compat::Scenario, Lang::Ja) => "リーダーボードサーバーのこのシナリオは別のバージョンです。このシナリオの記録は登録できません。".into(),
        }
    }
}

// ---- identities ----------------------------------------------------------------------------

/// The prefix of every identity token (`qd1_` + 43 base64url characters: 256 random bits).
pub const TOKEN_PREFIX: &str = "qd1_";
/// The length of a whole identity token.
pub const TOKEN_LEN: usize = 47;

/// Whether `text` has the shape of an identity token (the game checks a stored or imported
/// token with this before sending it; only the server knows whether it was issued).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_LEN
        && text.starts_with(TOKEN_PREFIX)
        && text[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `POST /api/identities` answer (201): a new player identity. The token is shown once:
/// the server keeps only its SHA-256. Send it as `Authorization: Bearer <token>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCreated {
    pub player_id: i64,
    pub token: String,
}

/// `GET /api/identity` (with the bearer token): which identity the token is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInfo {
    pub player_id: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// `POST /api/competitions/{code}/blocks` body (organiser only): the identity to block in
/// that competition (its runs leave the tables; it cannot submit there again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    pub player_id: i64,
}

/// The answer of an organiser's action (`DELETE /api/runs/{id}`, `DELETE
/// /api/competitions/{code}/runs/{id}`, `POST /api/competitions/{code}/blocks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderated {
    /// `run_removed` or `identity_blocked`.
    pub action: String,
    pub run_id: Option<i64>,
    pub player_id: Option<i64>,
    /// The competition's join code, when the action was in one.
    pub competition: Option<String>,
}

// ---- POST /api/runs ------------------------------------------------------------------------

/// `POST /api/runs` body, sent with `Authorization: Bearer <identity token>`. `player` is
/// the display name bound to the identity on the board (the competition's, or the public
/// board's without one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub player: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// A competition's join code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competition: Option<String>,
    pub replay: Replay,
    /// The player's branch-case coverage of the run's scenario when it was submitted (the
    /// server stores it with the run). Optional: older games send none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<CaseCoverage>>,
    /// The day (UTC, days since 1970-01-01) of the daily drill this run plays: the server
    /// accepts it when the replay's scenario and seed are `quorum_sim::daily::drill_for_day`
    /// of that day and the day is today ±1 (time zones), and lists it on that day's board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<u32>,
}

/// One branch case of a scenario as the player's coverage has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCoverage {
    pub case: String,
    pub handled_cleanly: bool,
}

/// The game writes its submission with the sim's hand-written JSON writer (no serde
/// serializer in the wasm); byte for byte what the derive writes (tested below).
impl quorum_sim::json::ToJson for SubmitRequest {
    fn write_json(&self, out: &mut String) {
        quorum_sim::json::Obj::new(out)
            .field("player", &self.player)
            .some("team", &self.team)
            .some("competition", &self.competition)
            .field("replay", &self.replay)
            .some("coverage", &self.coverage)
            .some("daily", &self.daily)
            .end();
    }
}

impl quorum_sim::json::ToJson for CaseCoverage {
    fn write_json(&self, out: &mut String) {
        quorum_sim::json::Obj::new(out)
            .field("case", &self.case)
            .field("handled_cleanly", &self.handled_cleanly)
            .end();
    }
}

/// `POST /api/runs` answer: 201 when stored now, 200 when it was already stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResponse {
    pub id: i64,
    pub created: bool,
    /// `/api/runs/{id}`.
    pub url: String,
    pub player_id: i64,
    pub player: String,
    pub team: Option<String>,
    /// The competition's join code, when submitted to one.
    pub competition: Option<String>,
    pub scenario_id: String,
    pub seed: u64,
    /// How the run was played, as its replay records it.
    pub mode: PlayMode,
    /// The server's score (from its own re-simulation).
    pub score: i64,
    pub grade: String,
    /// Rank on the board of the run's own mode: 1 + the number of other identities with a
    /// better run of this scenario (this sim version and scenario hash) played in the same
    /// mode; an Exam run's place on the public board.
    pub rank: i64,
    /// Rank among the competition's runs of this scenario, when submitted to one.
    pub competition_rank: Option<i64>,
    pub outage_ms: u64,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub reads_failed: u64,
    pub writes_failed: u64,
    pub time_to_green_ms: Option<u64>,
    pub final_health: String,
    pub event_log_hash: String,
}

// ---- GET /api/runs/{id} --------------------------------------------------------------------

/// `GET /api/runs/{id}`: one stored run with its replay (a ghost to watch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDetail {
    pub id: i64,
    pub player_id: i64,
    pub player: String,
    pub team: Option<String>,
    pub competition: Option<String>,
    pub scenario_id: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub sim_version: u32,
    /// How the run was played (also in `replay.mode`).
    pub mode: PlayMode,
    pub score: i64,
    pub grade: String,
    pub outage_ms: u64,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub reads_failed: u64,
    pub writes_failed: u64,
    pub time_to_green_ms: Option<u64>,
    pub final_health: String,
    pub event_log_hash: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub created_at_ms: i64,
    pub replay: Replay,
}

// ---- GET /api/leaderboard ------------------------------------------------------------------

/// `GET /api/leaderboard?scenario=…[&mode=…&seed=…&competition=…&player=…&limit=…&after=…]`:
/// each identity's best run, best first, a page at a time; with `player=<player_id>`, every
/// run of that identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub scenario: String,
    pub scenario_hash: String,
    pub sim_version: u32,
    /// The join code the board is filtered by.
    pub competition: Option<String>,
    /// The mode the board ranks (`exam` unless asked otherwise); `None` (`mode=all`): every
    /// mode listed together, each row with its own.
    pub mode: Option<PlayMode>,
    /// The seed the board is filtered by.
    pub seed: Option<u64>,
    /// The identity whose runs are listed (`player=`), or `None`: one best run per identity.
    pub player_id: Option<i64>,
    /// Ranked ([`crate::rank::run_order`]).
    pub runs: Vec<BoardRow>,
    /// The cursor of the next page (`&after=`), `None` on the last.
    pub next: Option<String>,
}

/// One row of a [`Board`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    pub rank: i64,
    pub id: i64,
    pub player_id: i64,
    pub player: String,
    /// The identity's runs on this board (the row is its best; `player=` lists them all).
    pub player_runs: u64,
    pub team: Option<String>,
    pub competition: Option<String>,
    pub seed: u64,
    pub mode: PlayMode,
    pub score: i64,
    pub grade: String,
    pub outage_ms: u64,
    pub requests_failed: u64,
    pub reads_failed: u64,
    pub writes_failed: u64,
    pub time_to_green_ms: Option<u64>,
    pub final_health: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

// ---- competitions --------------------------------------------------------------------------

/// `POST /api/competitions` body (admin only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitionRequest {
    pub name: String,
    /// RFC 3339.
    pub starts_at: String,
    pub ends_at: String,
    pub scenarios: Vec<CompetitionScenarioRequest>,
    /// Only Exam runs may be submitted (absent: `true`). `false` admits every mode, and
    /// the tables then count Mentor and What-if runs beside Exam ones.
    #[serde(default = "yes")]
    pub require_exam: bool,
    /// The most members a team may have (absent: [`DEFAULT_TEAM_CAP`]; 1 to
    /// [`MAX_TEAM_CAP`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_cap: Option<u32>,
}

/// A team's member cap when the organiser sets none (and on the public board).
pub const DEFAULT_TEAM_CAP: u32 = 5;
/// The largest member cap an organiser can set.
pub const MAX_TEAM_CAP: u32 = 50;

fn yes() -> bool {
    true
}

/// How a competition's tables count several runs of one scenario (its seeds are fixed
/// draws of one scenario, not separate events).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Counting {
    /// Per scenario, the player's single best run over all of that scenario's seeds counts;
    /// the total is the sum over scenarios. Two seeds of a scenario are two chances, not
    /// two scores.
    BestRunPerScenario,
}

impl Counting {
    pub const ALL: [Counting; 1] = [Counting::BestRunPerScenario];

    pub fn as_str(self) -> &'static str {
        match self {
            Counting::BestRunPerScenario => "best-run-per-scenario",
        }
    }

    /// The rule as the game states it beside the tables.
    pub fn explain(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Counting::BestRunPerScenario, Lang::En) => "Per scenario, only your best run counts, whichever of its seeds it was played on; your total is the sum over the scenarios.",
            (Counting::BestRunPerScenario, Lang::Ja) => "シナリオごとに、どのシードでプレイしたかにかかわらず最高スコアの記録 1 件だけを集計し、その合計が総合スコアになります。",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitionScenarioRequest {
    pub id: String,
    pub seeds: Vec<u64>,
}

/// Where a competition stands, as its `status` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Upcoming,
    Open,
    Ended,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Upcoming, Status::Open, Status::Ended];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Upcoming => "upcoming",
            Status::Open => "open",
            Status::Ended => "ended",
        }
    }
}

/// A competition's window relative to a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Upcoming { starts_in_ms: u64 },
    Open { left_ms: u64 },
    Ended,
}

impl Window {
    /// The window `[starts_at_ms, ends_at_ms)` seen at `now_ms`: runs count while open.
    pub fn at(starts_at_ms: i64, ends_at_ms: i64, now_ms: i64) -> Window {
        if now_ms < starts_at_ms {
            Window::Upcoming {
                starts_in_ms: starts_at_ms.abs_diff(now_ms),
            }
        } else if now_ms < ends_at_ms {
            Window::Open {
                left_ms: ends_at_ms.abs_diff(now_ms),
            }
        } else {
            Window::Ended
        }
    }

    /// `upcoming`, `open` or `ended` (as the API's `status`).
    pub fn key(self) -> &'static str {
        self.status().as_str()
    }

    pub fn status(self) -> Status {
        match self {
            Window::Upcoming { .. } => Status::Upcoming,
            Window::Open { .. } => Status::Open,
            Window::Ended => Status::Ended,
        }
    }
}

/// `GET /api/competitions/{code}` (and the `POST /api/competitions` answer, with empty
/// tables).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Competition {
    pub code: String,
    pub name: String,
    /// At `now_ms`.
    pub status: Status,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// The server's clock when it answered.
    pub now_ms: i64,
    /// Only Exam runs are admitted (others are refused with [`EXAM_REQUIRED`]).
    pub require_exam: bool,
    /// How several runs of one scenario count.
    pub counting: Counting,
    /// The most members a team may have.
    pub team_cap: u32,
    pub scenarios: Vec<CompetitionScenario>,
    /// Ranked ([`crate::rank::rank_order`]): one page (`?limit=`, `&individuals_after=`).
    pub individuals: Vec<Individual>,
    /// The cursor of the individual table's next page, `None` on the last.
    pub individuals_next: Option<String>,
    /// One page (`&teams_after=`).
    pub teams: Vec<TeamRow>,
    pub teams_next: Option<String>,
}

/// One of a competition's scenarios and its fixed seeds. `hash`, `title` and
/// `duration_ms` are `None` if the server no longer has the scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompetitionScenario {
    pub id: String,
    pub seeds: Vec<u64>,
    pub hash: Option<String>,
    pub title: Option<Text>,
    pub duration_ms: Option<u64>,
}

/// A player's best run on one scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestRun {
    pub scenario: String,
    /// The seed the counted run was played on.
    pub seed: u64,
    pub score: i64,
    pub run_id: i64,
}

/// A row of the individual table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Individual {
    pub rank: i64,
    pub player_id: i64,
    pub player: String,
    /// The player's team in this competition, if they joined one.
    pub team: Option<String>,
    pub total: i64,
    pub runs: u64,
    /// One entry per competition scenario the player has a run on, in competition order.
    pub bests: Vec<BestRun>,
}

/// A team member's part of the team's total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub player_id: i64,
    pub player: String,
    pub total: i64,
    pub bests: Vec<BestRun>,
}

/// A row of the team table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRow {
    pub rank: i64,
    pub team: String,
    pub total: i64,
    /// Highest total first.
    pub members: Vec<TeamMember>,
}

impl Competition {
    /// The fixed seeds of `scenario_id` in this competition (`None`: not one of its
    /// scenarios). A drill started from the competition takes one of these.
    pub fn seeds_for(&self, scenario_id: &str) -> Option<&[u64]> {
        self.scenarios
            .iter()
            .find(|s| s.id == scenario_id)
            .map(|s| s.seeds.as_slice())
    }

    /// Whether a run of `scenario_id` with `seed` can count in this competition.
    pub fn accepts(&self, scenario_id: &str, seed: u64) -> bool {
        self.seeds_for(scenario_id)
            .is_some_and(|seeds| seeds.contains(&seed))
    }

    /// Where the competition stands at `server_now_ms` (the server's clock).
    pub fn window(&self, server_now_ms: i64) -> Window {
        Window::at(self.starts_at_ms, self.ends_at_ms, server_now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The game's submission body (the hand-written writer) is byte for byte what serde
    /// writes, and the server's serde deserializer reads it back.
    #[test]
    fn the_submission_writer_matches_serde_json() {
        let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
        for (i, text) in ["a \"q\" \\ \n\u{1}", "日本語 🚀", ""]
            .into_iter()
            .enumerate()
        {
            let actions = quorum_sim::json::tests_support::every_action(text);
            let request = SubmitRequest {
                player: text.into(),
                team: [None, Some(text.to_string())][i % 2].clone(),
                competition: [Some(text.to_string()), None][i % 2].clone(),
                replay: Replay::new(scenario, 11, actions),
                coverage: [
                    None,
                    Some(vec![]),
                    Some(vec![
                        CaseCoverage {
                            case: text.into(),
                            handled_cleanly: true,
                        },
                        CaseCoverage {
                            case: "x".into(),
                            handled_cleanly: false,
                        },
                    ]),
                ][i]
                    .clone(),
                daily: [Some(20_424), None, Some(u32::MAX)][i],
            };
            let json = quorum_sim::json::to_string(&request);
            assert_eq!(json, serde_json::to_string(&request).unwrap());
            assert_eq!(
                serde_json::from_str::<SubmitRequest>(&json).unwrap(),
                request
            );
        }
    }
}
