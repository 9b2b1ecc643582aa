//! The leaderboard, game side: the server's request and answer types and the name rule it
//! enforces, both from `quorum-proto` (shared with the server: the same rule and the same
//! English sentences, checked here first), the local leaderboard kept when there is no
//! server, and the competition clock.
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

use quorum_proto::names;
use quorum_sim::replay::PlayMode;

use crate::i18n::{tr, Lang};
use crate::state::{play_mode_label, run_mode};

// ------------------------------------------------------------------ server JSON

// The answers and requests of the server, shared with it (`crates/proto`); `crate::net`
// decodes answers into them.
pub use quorum_proto::api::{
    BestRun, Board, BoardRow, Compat, Competition, CompetitionScenario, IdentityCreated,
    Individual, RunDetail, ServerScenario, SubmitRequest, SubmitResponse, TeamMember, TeamRow,
    VersionInfo, Window,
};
pub use quorum_proto::names::{NameKind, MAX_NAME_CHARS};

/// A competition window for people: "2 d 03 h left", "not started yet — starts in 5 min
/// 00 s", "ended".
pub fn window_text(window: Window, lang: Lang) -> String {
    match window {
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

/// A join code as typed, read as the server reads it (trimmed, dashes dropped, upper-cased);
/// the server has the last word on whether a competition has it.
pub fn normalize_code(raw: &str) -> String {
    quorum_proto::code::normalize(raw)
}

// ------------------------------------------------------------------ names

/// Checks a name with the game's part of the server's rule ([`quorum_proto::names::precheck`]:
/// what needs no Unicode tables, never stricter than the server): returns the trimmed name,
/// or the reason in `lang` (in English, the very sentence the server would answer). The
/// server has the rest (NFKC, invisible characters, look-alike names on the board) and
/// answers 422 `invalid_name` or 409 `name_taken` in its own words.
pub fn validate_name(kind: NameKind, raw: &str, lang: Lang) -> Result<String, String> {
    names::precheck(kind, raw).map_err(|e| e.text(lang))
}

// ------------------------------------------------------------------ local leaderboard

/// A finished live drill on this browser's own leaderboard (used when there is no server,
/// and kept either way): the same record as a saved run.
pub type LocalRun = crate::storage::SavedRun;

/// Runs kept per scenario on the local leaderboard (the best ones).
pub const MAX_LOCAL_PER_SCENARIO: usize = 20;

/// Whether `a` ranks above `b`: the server's order ([`quorum_proto::rank::run_order`]),
/// the finish time standing in for the run id.
fn ranks_above(a: &LocalRun, b: &LocalRun) -> bool {
    quorum_proto::rank::run_ranks_above((a.score, a.at_ms as i64), (b.score, b.at_ms as i64))
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

/// Which runs a board shows: one play mode (`None`: all modes) and one seed (`None`: all).
/// The server's `?mode=`/`?seed=` filters; the local board applies the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardFilter {
    pub mode: Option<PlayMode>,
    pub seed: Option<u64>,
    /// `Some(day)`: that day's daily-drill board (`&daily=`; the server keeps which runs
    /// were submitted as a daily drill, this browser's local board does not).
    pub daily: Option<u32>,
}

impl Default for BoardFilter {
    /// Exam runs, every seed: the server's default board.
    fn default() -> BoardFilter {
        BoardFilter {
            mode: Some(PlayMode::Exam),
            seed: None,
            daily: None,
        }
    }
}

impl BoardFilter {
    /// The modes a player can pick (`None`: all).
    /// `Tools`: runs played with the real aws CLI and curl (`drill live`).
    pub const MODES: [Option<PlayMode>; 5] = [
        Some(PlayMode::Exam),
        Some(PlayMode::Tools),
        Some(PlayMode::Mentor),
        Some(PlayMode::WhatIf),
        None,
    ];

    /// `&mode=…[&seed=…]` for `GET /api/leaderboard`.
    pub fn query(self) -> String {
        let mut q = format!("&mode={}", self.mode.map_or("all", PlayMode::as_str));
        if let Some(seed) = self.seed {
            q.push_str(&format!("&seed={seed}"));
        }
        if let Some(day) = self.daily {
            q.push_str(&format!("&daily={day}"));
        }
        q
    }

    /// Whether a run of `mode` on `seed` is on this board.
    pub fn admits(self, mode: PlayMode, seed: u64) -> bool {
        self.mode.is_none_or(|m| m == mode) && self.seed.is_none_or(|s| s == seed)
    }

    /// What the board shows: "Exam runs · seed 3", "All modes · all seeds".
    pub fn text(self, lang: Lang) -> String {
        let mode = match (self.mode, lang) {
            (None, _) => tr(lang, "All runs", "すべてのモードの記録").to_string(),
            (Some(m), Lang::En) => format!("{} runs", play_mode_label(m, lang)),
            (Some(m), Lang::Ja) => format!("{}の記録", play_mode_label(m, lang)),
        };
        let mode = match self.daily {
            Some(_) => format!("{} · {mode}", tr(lang, "Daily drill", "デイリー訓練")),
            None => mode,
        };
        match (self.seed, lang) {
            (Some(s), Lang::En) => format!("{mode} · seed {s}"),
            (Some(s), Lang::Ja) => format!("{mode} · シード {s}"),
            (None, _) => format!("{mode} · {}", tr(lang, "all seeds", "すべてのシード")),
        }
    }
}

/// The local leaderboard of one scenario, filtered: (index into `runs`, run), ranked.
pub fn local_board<'a>(
    runs: &'a [LocalRun],
    scenario_id: &str,
    filter: BoardFilter,
) -> Vec<(usize, &'a LocalRun)> {
    let mut rows: Vec<(usize, &LocalRun)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        if r.replay.scenario_id != scenario_id || !filter.admits(run_mode(r), r.replay.seed) {
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
    use quorum_sim::replay::Replay;

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
            submitted: None,
        }
    }

    #[test]
    fn names_are_checked_with_the_servers_rule_and_sentences() {
        assert_eq!(
            validate_name(NameKind::Player, "  Aiko_99 ", Lang::En),
            Ok("Aiko_99".into())
        );
        assert_eq!(
            validate_name(NameKind::Team, &"a".repeat(33), Lang::En),
            Err("team name is 33 characters; at most 32 are allowed".into())
        );
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
        let all = BoardFilter::default();
        let board = local_board(&runs, "seed-ami-trap", all);
        assert_eq!(board.len(), MAX_LOCAL_PER_SCENARIO);
        assert_eq!(board[0].1.score, 600);
        assert_eq!(board[0].1.at_ms, 6, "equal scores: the earlier first");
        assert!(board.windows(2).all(|w| w[0].1.score >= w[1].1.score));
        assert_eq!(local_board(&runs, "sandbox", all).len(), 1);
    }

    #[test]
    fn competition_window_seeds_and_spans() {
        let c = Competition {
            code: "QYR9KURW".into(),
            name: "Game day".into(),
            status: quorum_proto::api::Status::Open,
            starts_at: String::new(),
            ends_at: String::new(),
            starts_at_ms: 1000,
            ends_at_ms: 100_000_000,
            now_ms: 5000,
            require_exam: true,
            counting: quorum_proto::api::Counting::BestRunPerScenario,
            team_cap: 5,
            scenarios: vec![CompetitionScenario {
                id: "seed-ami-trap".into(),
                seeds: vec![3, 7],
                hash: Some("h".into()),
                title: None,
                duration_ms: Some(1),
            }],
            individuals: Vec::new(),
            individuals_next: None,
            teams: Vec::new(),
            teams_next: None,
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
        assert_eq!(
            window_text(Window::Open { left_ms: 9_000 }, Lang::En),
            "9 s left"
        );
        assert_eq!(normalize_code(" qyr9-kurw "), "QYR9KURW");
    }
}
