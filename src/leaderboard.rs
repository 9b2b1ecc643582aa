//! The leaderboard, game side: the JSON the server speaks (`crates/drill/README.md`), the
//! name rules it enforces (checked here first, with the same rules and the same English
//! sentences), the local leaderboard kept when there is no server, and the competition clock.
//!
//! What can be submitted: a **live** drill, played straight through from 00:00 (a resumed
//! drill counts: it is the same run). A **what-if** run is not submittable even though its
//! replay is complete and valid: it was rewound with the debrief's hindsight (the seed's
//! hidden branches and the cause of every outage), so it is a lesson, not a result — the
//! same rule that keeps it out of the personal best. Play it through with "Retry same seed"
//! to submit. A **replay** being watched (imported file, saved run, ghost) is someone's
//! recorded run and is never submitted.
//!
//! Nothing here touches the network or the DOM; `crate::net` fetches, the screens render.

use quorum_sim::replay::Replay;
use quorum_sim::scenario::{Scenario, Text};
use serde::Serialize;

use crate::i18n::{tr, Lang};
use crate::net::{FromJson, Json};

// ------------------------------------------------------------------ server JSON

/// `GET /api/version` (only what the game uses).
#[derive(Clone, Debug, PartialEq)]
pub struct VersionInfo {
    pub server: String,
    pub sim_version: u32,
    pub scenarios: Vec<ServerScenario>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerScenario {
    pub id: String,
    pub hash: String,
}

/// Whether runs of `scenario` can be submitted to this server.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    pub fn compat(&self, scenario: &Scenario) -> Compat {
        if self.sim_version != quorum_sim::SIM_VERSION {
            return Compat::SimVersion {
                server: self.sim_version,
            };
        }
        match self.scenarios.iter().find(|s| s.id == scenario.id) {
            Some(s) if s.hash == scenario.hash => Compat::Ok,
            _ => Compat::Scenario,
        }
    }
}

impl Compat {
    /// Why a run cannot be submitted, for people.
    pub fn reason(&self, lang: Lang) -> String {
        match self {
            Compat::Ok => String::new(),
            Compat::SimVersion { server } => match lang {
                Lang::En => format!(
                    "The leaderboard server runs simulator version {server}; this game runs version {}. Runs cannot be submitted until they match.",
                    quorum_sim::SIM_VERSION
                ),
                Lang::Ja => format!(
                    "リーダーボードサーバーのシミュレーターはバージョン {server}、このゲームはバージョン {} です。一致するまで記録を登録できません。",
                    quorum_sim::SIM_VERSION
                ),
            },
            Compat::Scenario => tr(
                lang,
                "The leaderboard server has another version of this scenario: runs of it cannot be submitted.",
                "リーダーボードサーバーのこのシナリオは別のバージョンです。このシナリオの記録は登録できません。",
            )
            .to_string(),
        }
    }
}

/// One row of `GET /api/leaderboard`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoardRow {
    pub rank: i64,
    pub id: i64,
    pub player: String,
    pub team: Option<String>,
    pub competition: Option<String>,
    pub seed: u64,
    pub score: i64,
    pub grade: String,
    pub outage_ms: u64,
    pub requests_failed: u64,
    pub created_at: String,
}

/// `GET /api/leaderboard?scenario=…`.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    pub scenario: String,
    pub competition: Option<String>,
    pub runs: Vec<BoardRow>,
}

/// `GET /api/runs/{id}`: one run with its replay (a ghost).
#[derive(Clone, Debug, PartialEq)]
pub struct RunDetail {
    pub id: i64,
    pub player: String,
    pub team: Option<String>,
    pub scenario_id: String,
    pub seed: u64,
    pub score: i64,
    pub grade: String,
    pub replay: Replay,
}

/// `POST /api/runs` body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubmitRequest {
    pub player: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub competition: Option<String>,
    pub replay: Replay,
}

/// `POST /api/runs` answer (201 stored now, 200 already stored).
#[derive(Clone, Debug, PartialEq)]
pub struct SubmitResponse {
    pub id: i64,
    pub created: bool,
    pub player: String,
    pub team: Option<String>,
    pub competition: Option<String>,
    pub scenario_id: String,
    pub seed: u64,
    pub score: i64,
    pub grade: String,
    pub rank: i64,
    pub competition_rank: Option<i64>,
    pub outage_ms: u64,
    pub requests_failed: u64,
}

/// `GET /api/competitions/{code}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Competition {
    pub code: String,
    pub name: String,
    pub status: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// The server's clock when it answered.
    pub now_ms: i64,
    pub scenarios: Vec<CompetitionScenario>,
    pub individuals: Vec<Individual>,
    pub teams: Vec<TeamRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompetitionScenario {
    pub id: String,
    pub seeds: Vec<u64>,
    pub hash: String,
    pub title: Text,
    pub duration_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BestRun {
    pub scenario: String,
    pub score: i64,
    pub run_id: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Individual {
    pub rank: i64,
    pub player: String,
    pub team: Option<String>,
    pub total: i64,
    pub runs: u64,
    pub bests: Vec<BestRun>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TeamMember {
    pub player: String,
    pub total: i64,
    pub bests: Vec<BestRun>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TeamRow {
    pub rank: i64,
    pub team: String,
    pub total: i64,
    pub members: Vec<TeamMember>,
}

// What the game reads of each answer (see `crate::net` for why not serde).

impl FromJson for VersionInfo {
    fn from_json(j: &Json) -> Option<Self> {
        Some(VersionInfo {
            server: j.str("server")?,
            sim_version: u32::try_from(j.u64("sim_version")?).ok()?,
            scenarios: Vec::from_json(&j.get("scenarios"))?,
        })
    }
}

impl FromJson for ServerScenario {
    fn from_json(j: &Json) -> Option<Self> {
        Some(ServerScenario {
            id: j.str("id")?,
            hash: j.str("hash")?,
        })
    }
}

impl FromJson for BoardRow {
    fn from_json(j: &Json) -> Option<Self> {
        Some(BoardRow {
            rank: j.i64("rank")?,
            id: j.i64("id")?,
            player: j.str("player")?,
            team: j.str("team"),
            competition: j.str("competition"),
            seed: j.u64("seed")?,
            score: j.i64("score")?,
            grade: j.str("grade")?,
            outage_ms: j.u64("outage_ms")?,
            requests_failed: j.u64("requests_failed")?,
            created_at: j.str("created_at").unwrap_or_default(),
        })
    }
}

impl FromJson for Board {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Board {
            scenario: j.str("scenario")?,
            competition: j.str("competition"),
            runs: Vec::from_json(&j.get("runs"))?,
        })
    }
}

impl FromJson for RunDetail {
    fn from_json(j: &Json) -> Option<Self> {
        // The replay goes through the game's one replay parser (the same as for files).
        let replay = Replay::from_json(&j.get("replay").stringify()?).ok()?;
        Some(RunDetail {
            id: j.i64("id")?,
            player: j.str("player")?,
            team: j.str("team"),
            scenario_id: j.str("scenario_id")?,
            seed: j.u64("seed")?,
            score: j.i64("score")?,
            grade: j.str("grade")?,
            replay,
        })
    }
}

impl FromJson for SubmitResponse {
    fn from_json(j: &Json) -> Option<Self> {
        Some(SubmitResponse {
            id: j.i64("id")?,
            created: j.get("created").as_bool()?,
            player: j.str("player")?,
            team: j.str("team"),
            competition: j.str("competition"),
            scenario_id: j.str("scenario_id")?,
            seed: j.u64("seed")?,
            score: j.i64("score")?,
            grade: j.str("grade")?,
            rank: j.i64("rank")?,
            competition_rank: j.i64("competition_rank"),
            outage_ms: j.u64("outage_ms")?,
            requests_failed: j.u64("requests_failed")?,
        })
    }
}

impl FromJson for Competition {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Competition {
            code: j.str("code")?,
            name: j.str("name")?,
            status: j.str("status").unwrap_or_default(),
            starts_at_ms: j.i64("starts_at_ms")?,
            ends_at_ms: j.i64("ends_at_ms")?,
            now_ms: j.i64("now_ms")?,
            scenarios: Vec::from_json(&j.get("scenarios"))?,
            individuals: Vec::from_json(&j.get("individuals")).unwrap_or_default(),
            teams: Vec::from_json(&j.get("teams")).unwrap_or_default(),
        })
    }
}

impl FromJson for CompetitionScenario {
    fn from_json(j: &Json) -> Option<Self> {
        let title = j.get("title");
        Some(CompetitionScenario {
            id: j.str("id")?,
            seeds: j
                .list("seeds")
                .iter()
                .map(Json::as_u64)
                .collect::<Option<_>>()?,
            hash: j.str("hash").unwrap_or_default(),
            title: Text {
                en: title.str("en").unwrap_or_default(),
                ja: title.str("ja").unwrap_or_default(),
            },
            duration_ms: j.u64("duration_ms").unwrap_or_default(),
        })
    }
}

impl FromJson for BestRun {
    fn from_json(j: &Json) -> Option<Self> {
        Some(BestRun {
            scenario: j.str("scenario")?,
            score: j.i64("score")?,
            run_id: j.i64("run_id")?,
        })
    }
}

impl FromJson for Individual {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Individual {
            rank: j.i64("rank")?,
            player: j.str("player")?,
            team: j.str("team"),
            total: j.i64("total")?,
            runs: j.u64("runs").unwrap_or_default(),
            bests: Vec::from_json(&j.get("bests")).unwrap_or_default(),
        })
    }
}

impl FromJson for TeamMember {
    fn from_json(j: &Json) -> Option<Self> {
        Some(TeamMember {
            player: j.str("player")?,
            total: j.i64("total")?,
            bests: Vec::from_json(&j.get("bests")).unwrap_or_default(),
        })
    }
}

impl FromJson for TeamRow {
    fn from_json(j: &Json) -> Option<Self> {
        Some(TeamRow {
            rank: j.i64("rank")?,
            team: j.str("team")?,
            total: j.i64("total")?,
            members: Vec::from_json(&j.get("members")).unwrap_or_default(),
        })
    }
}

impl Competition {
    /// The fixed seeds of `scenario_id` in this competition (`None`: not one of its
    /// scenarios). A drill started from the competition takes one of these, and its seed
    /// cannot be edited.
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

    /// Where the competition stands at `server_now_ms` (the server's clock, estimated).
    pub fn window(&self, server_now_ms: i64) -> Window {
        if server_now_ms < self.starts_at_ms {
            Window::Upcoming {
                starts_in_ms: (self.starts_at_ms - server_now_ms) as u64,
            }
        } else if server_now_ms < self.ends_at_ms {
            Window::Open {
                left_ms: (self.ends_at_ms - server_now_ms) as u64,
            }
        } else {
            Window::Ended
        }
    }
}

/// A competition's window relative to now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Upcoming { starts_in_ms: u64 },
    Open { left_ms: u64 },
    Ended,
}

impl Window {
    pub fn key(self) -> &'static str {
        match self {
            Window::Upcoming { .. } => "upcoming",
            Window::Open { .. } => "open",
            Window::Ended => "ended",
        }
    }

    /// "2 d 03 h left", "not started yet — starts in 5 min 00 s", "ended".
    pub fn text(self, lang: Lang) -> String {
        match self {
            Window::Upcoming { starts_in_ms } => match lang {
                Lang::En => format!("not started yet — starts in {}", span(starts_in_ms, lang)),
                Lang::Ja => format!("未開始 — 開始まで {}", span(starts_in_ms, lang)),
            },
            Window::Open { left_ms } => match lang {
                Lang::En => format!("{} left", span(left_ms, lang)),
                Lang::Ja => format!("残り {}", span(left_ms, lang)),
            },
            Window::Ended => tr(lang, "ended", "終了").to_string(),
        }
    }
}

/// A span of wall time in its two largest units: "2 d 03 h", "3 h 05 min", "4 min 10 s".
pub fn span(ms: u64, lang: Lang) -> String {
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    match lang {
        Lang::En if d > 0 => format!("{d} d {h:02} h"),
        Lang::En if h > 0 => format!("{h} h {m:02} min"),
        Lang::En if m > 0 => format!("{m} min {sec:02} s"),
        Lang::En => format!("{sec} s"),
        Lang::Ja if d > 0 => format!("{d}日 {h}時間"),
        Lang::Ja if h > 0 => format!("{h}時間 {m}分"),
        Lang::Ja if m > 0 => format!("{m}分 {sec}秒"),
        Lang::Ja => format!("{sec}秒"),
    }
}

/// A join code as typed: trimmed and upper-cased (the server ignores case; codes are
/// ASCII, so ASCII case mapping is enough and keeps Unicode case tables out of the wasm).
pub fn normalize_code(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// Whether `code` can be a join code at all (8 characters of the server's alphabet); the
/// server has the last word.
pub fn plausible_code(code: &str) -> bool {
    code.len() == 8
        && code
            .bytes()
            .all(|b| b"ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(&b))
}

// ------------------------------------------------------------------ names

/// The longest player or team name, in characters (as the server counts them).
pub const MAX_NAME_CHARS: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Player,
    Team,
}

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.')
}

/// Checks a name with the server's rules (crates/drill/src/names.rs, documented in
/// crates/drill/README.md "Names"): trimmed, 1–32 characters, each a letter or digit of any
/// script, a space, `_`, `-` or `.`, no two spaces in a row. Returns the trimmed name, or
/// the reason in `lang` (in English, the server's own sentence).
pub fn validate_name(kind: NameKind, raw: &str, lang: Lang) -> Result<String, String> {
    let name = raw.trim_matches(|c: char| c.is_whitespace());
    let count = name.chars().count();
    let (what_en, what_ja) = match kind {
        NameKind::Player => ("player", "プレイヤー名"),
        NameKind::Team => ("team", "チーム名"),
    };
    let err = |en: String, ja: String| Err(if lang == Lang::Ja { ja } else { en });
    if count == 0 {
        return err(
            format!("{what_en} name must not be empty"),
            format!("{what_ja}を入力してください"),
        );
    }
    if count > MAX_NAME_CHARS {
        return err(
            format!("{what_en} name is {count} characters; at most {MAX_NAME_CHARS} are allowed"),
            format!("{what_ja}が {count} 文字です。{MAX_NAME_CHARS} 文字以内にしてください"),
        );
    }
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        let code = bad as u32;
        return err(
            format!("{what_en} name contains the character U+{code:04X}; use letters, digits, spaces, `_`, `-` or `.`"),
            format!("{what_ja}に使えない文字 U+{code:04X} が含まれています。文字・数字・スペース・`_`・`-`・`.` を使ってください"),
        );
    }
    if name.contains("  ") {
        return err(
            format!("{what_en} name must not contain consecutive spaces"),
            format!("{what_ja}にスペースを連続して入れることはできません"),
        );
    }
    Ok(name.to_string())
}

// ------------------------------------------------------------------ local leaderboard

/// A finished live drill on this browser's own leaderboard (used when there is no server,
/// and kept either way): the same record as a saved run.
pub type LocalRun = crate::storage::SavedRun;

/// Runs kept per scenario on the local leaderboard (the best ones).
pub const MAX_LOCAL_PER_SCENARIO: usize = 20;

/// Whether `a` ranks above `b`: higher score first, then the earlier run — the server's
/// order.
fn ranks_above(a: &LocalRun, b: &LocalRun) -> bool {
    a.score > b.score || (a.score == b.score && a.at_ms < b.at_ms)
}

/// Adds a run, keeping the best [`MAX_LOCAL_PER_SCENARIO`] of its scenario.
pub fn add_local(runs: &mut Vec<LocalRun>, run: LocalRun) {
    let id = run.replay.scenario_id.clone();
    runs.push(run);
    // At most a few dozen runs: drop the worst one of the scenario while over the limit
    // (plain loops, no sort: the wasm stays smaller).
    while runs.iter().filter(|r| r.replay.scenario_id == id).count() > MAX_LOCAL_PER_SCENARIO {
        let mut worst: Option<usize> = None;
        for (i, r) in runs.iter().enumerate() {
            if r.replay.scenario_id == id && worst.is_none_or(|w| ranks_above(&runs[w], r)) {
                worst = Some(i);
            }
        }
        match worst {
            Some(w) => {
                runs.remove(w);
            }
            None => break,
        }
    }
}

/// The local leaderboard of one scenario: (index into `runs`, run), ranked.
pub fn local_board<'a>(runs: &'a [LocalRun], scenario_id: &str) -> Vec<(usize, &'a LocalRun)> {
    let mut rows: Vec<(usize, &LocalRun)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        if r.replay.scenario_id != scenario_id {
            continue;
        }
        // Insertion in rank order (stable: a tie keeps the earlier entry first).
        let at = rows
            .iter()
            .position(|(_, x)| ranks_above(r, x))
            .unwrap_or(rows.len());
        rows.insert(at, (i, r));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(scenario: &str, score: i64, at_ms: u64) -> LocalRun {
        let s = quorum_sim::scenario::builtin(scenario).unwrap();
        LocalRun {
            replay: Replay::new(s, 1, Vec::new()),
            player: String::new(),
            team: String::new(),
            score,
            grade: "A".into(),
            outage_ms: 0,
            requests_failed: 0,
            mode: crate::state::Mode::Exam,
            what_if: false,
            at_ms,
        }
    }

    #[test]
    fn names_follow_the_server_rules_and_sentences() {
        let en = Lang::En;
        assert_eq!(
            validate_name(NameKind::Player, "  Aiko_99 ", en),
            Ok("Aiko_99".into())
        );
        assert_eq!(
            validate_name(NameKind::Player, "山田 太郎", en),
            Ok("山田 太郎".into())
        );
        assert_eq!(
            validate_name(NameKind::Team, "Ops팀", en),
            Ok("Ops팀".into())
        );
        assert!(validate_name(NameKind::Player, &"字".repeat(32), en).is_ok());
        assert_eq!(
            validate_name(NameKind::Player, "   ", en),
            Err("player name must not be empty".into())
        );
        assert_eq!(
            validate_name(NameKind::Team, &"a".repeat(33), en),
            Err("team name is 33 characters; at most 32 are allowed".into())
        );
        assert_eq!(
            validate_name(NameKind::Player, "<script>", en),
            Err("player name contains the character U+003C; use letters, digits, spaces, `_`, `-` or `.`".into())
        );
        assert_eq!(
            validate_name(NameKind::Player, "a  b", en),
            Err("player name must not contain consecutive spaces".into())
        );
        for bad in [
            "a\u{0}b",
            "a\nb",
            "x\u{202E}y",
            "x\u{200D}y",
            "semi;colon",
            "emoji🙂",
        ] {
            assert!(validate_name(NameKind::Player, bad, en).is_err(), "{bad:?}");
        }
        assert!(validate_name(NameKind::Player, "", Lang::Ja)
            .unwrap_err()
            .contains("プレイヤー名"));
    }

    #[test]
    fn local_board_keeps_the_best_per_scenario_in_server_order() {
        let mut runs = Vec::new();
        for i in 0..25u64 {
            add_local(&mut runs, run("seed-ami-trap", (i as i64 % 7) * 100, i));
        }
        add_local(&mut runs, run("sandbox", 5, 100));
        let board = local_board(&runs, "seed-ami-trap");
        assert_eq!(board.len(), MAX_LOCAL_PER_SCENARIO);
        assert_eq!(board[0].1.score, 600);
        assert_eq!(board[0].1.at_ms, 6, "equal scores: the earlier first");
        assert!(board.windows(2).all(|w| w[0].1.score >= w[1].1.score));
        assert_eq!(local_board(&runs, "sandbox").len(), 1);
    }

    #[test]
    fn competition_window_seeds_and_spans() {
        let c = Competition {
            code: "QYR9KURW".into(),
            name: "Game day".into(),
            status: "open".into(),
            starts_at_ms: 1000,
            ends_at_ms: 100_000_000,
            now_ms: 5000,
            scenarios: vec![CompetitionScenario {
                id: "seed-ami-trap".into(),
                seeds: vec![3, 7],
                hash: "h".into(),
                title: Text::default(),
                duration_ms: 1,
            }],
            individuals: Vec::new(),
            teams: Vec::new(),
        };
        assert_eq!(c.seeds_for("seed-ami-trap"), Some(&[3u64, 7][..]));
        assert_eq!(c.seeds_for("sandbox"), None);
        assert!(c.accepts("seed-ami-trap", 7) && !c.accepts("seed-ami-trap", 4));
        assert_eq!(c.window(0), Window::Upcoming { starts_in_ms: 1000 });
        assert_eq!(c.window(1000).key(), "open");
        assert_eq!(c.window(100_000_000), Window::Ended);
        assert_eq!(span(2 * 86_400_000 + 3 * 3_600_000, Lang::En), "2 d 03 h");
        assert_eq!(span(3_600_000 + 5 * 60_000, Lang::En), "1 h 05 min");
        assert_eq!(span(250_000, Lang::En), "4 min 10 s");
        assert_eq!(span(250_000, Lang::Ja), "4分 10秒");
        assert_eq!(Window::Open { left_ms: 9_000 }.text(Lang::En), "9 s left");
        assert_eq!(normalize_code(" qyr9kurw "), "QYR9KURW");
        assert!(plausible_code("QYR9KURW") && !plausible_code("QYR9KUR0"));
    }
}
