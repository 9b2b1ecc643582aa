//! Persistence in localStorage (gloo-storage), under versioned keys:
//!
//! | key               | what                                                    |
//! |-------------------|---------------------------------------------------------|
//! | `qd.v1.settings`  | language, mode, speed                                   |
//! | `qd.v1.best`      | best score and grade per scenario                       |
//! | `qd.v1.replays`   | the last finished runs, as replays                      |
//! | `qd.v1.drill`     | the drill in progress: its replay so far and its clock  |
//! | `qd.v1.local`     | the local leaderboard: your best live runs per scenario |
//! | `qd.v1.identity`  | your player identity on the leaderboard server (token)  |
//! | `qd.v1.coverage`  | branch cases met and handled cleanly, per scenario      |
//! | `qd.v1.cohorts`   | this browser joined a trainer's cohort (its name)       |
//! | `qd.v1.trainer`   | the trainer token (`qdt1_…`), on a trainer's browser    |
//! | `qd.v1.editor`    | the scenario editor's file in progress (plain text)     |
//!
//! The identity is the token `drill serve` issued (`POST /api/identities`), stored as is:
//! it is who you are on the boards, so the game shows it once when it is issued and lets
//! you export and import it (to play from another browser). One that does not have a
//! token's shape is removed with `Notice::Reset(Item::Identity)`.
//! Reading never fails: a value that does not parse, or that another simulator version
//! wrote, is removed and reported as a [`Notice`]; keys of an older layout (`qd.*` without
//! the current version) are removed the same way. The drill in progress is replayed on load
//! to resume it.

use gloo_storage::{LocalStorage, Storage};
use quorum_sim::action::TimedAction;
use quorum_sim::coverage::CaseRecord;
use quorum_sim::json::{self, Obj, ToJson};
use quorum_sim::reader::{self, Value};
use quorum_sim::replay::Replay;
use quorum_sim::scenario::Scenario;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{tr, Lang};
use crate::leaderboard::LocalRun;
use crate::state::{Mode, Settings};

pub const PREFIX: &str = "qd.";
pub const VERSION_PREFIX: &str = "qd.v1.";
pub const KEY_SETTINGS: &str = "qd.v1.settings";
pub const KEY_BEST: &str = "qd.v1.best";
pub const KEY_REPLAYS: &str = "qd.v1.replays";
pub const KEY_DRILL: &str = "qd.v1.drill";
pub const KEY_LOCAL: &str = "qd.v1.local";
pub const KEY_IDENTITY: &str = "qd.v1.identity";
pub const KEY_COVERAGE: &str = "qd.v1.coverage";
pub const KEY_COHORTS: &str = "qd.v1.cohorts";
pub const KEY_TRAINER: &str = "qd.v1.trainer";
/// The scenario editor's file in progress (boards bundle only).
pub const KEY_EDITOR: &str = "qd.v1.editor";
/// The layout of `qd.v1.coverage` (its `version` field): another one is reset with a notice.
pub const COVERAGE_VERSION: u64 = 1;
/// How many finished runs are kept.
pub const MAX_SAVED_REPLAYS: usize = 12;

/// Something the player should know about their saved data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A stored value could not be read and was reset.
    Reset(Item),
    /// Data from an older version of the game was removed.
    OldVersion,
    /// Saved runs recorded by another simulator version were removed.
    StaleReplays(usize),
    /// localStorage is not available: nothing will be kept.
    Unavailable,
    /// The browser refused to store data (quota).
    WriteFailed,
    /// A drill in progress was restored.
    Resumed { at_ms: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Settings,
    Best,
    Replays,
    Drill,
    Local,
    /// The player identity's token (not a token: removed; import yours again).
    Identity,
    Coverage,
}

impl Notice {
    pub fn is_warning(self) -> bool {
        !matches!(self, Notice::Resumed { .. })
    }

    pub fn text(self, lang: Lang) -> String {
        match self {
            Notice::Reset(item) => {
                let what = match item {
                    Item::Settings => tr(lang, "settings", "設定"),
                    Item::Best => tr(lang, "best scores", "ベストスコア"),
                    Item::Replays => tr(lang, "saved runs", "保存した記録"),
                    Item::Drill => tr(lang, "drill in progress", "中断中の訓練"),
                    Item::Local => tr(lang, "local leaderboard", "ローカルのリーダーボード"),
                    Item::Identity => tr(lang, "player key", "プレイヤーキー"),
                    Item::Coverage => tr(lang, "branch-case coverage", "分岐ケースの記録"),
                };
                match lang {
                    Lang::En => format!("Your saved {what} could not be read and were reset."),
                    Lang::Ja => format!("保存されていた{what}が読み込めなかったため、リセットしました。"),
                }
            }
            Notice::OldVersion => tr(
                lang,
                "Saved data from an older version of the game was reset.",
                "旧バージョンの保存データをリセットしました。",
            )
            .to_string(),
            Notice::StaleReplays(n) => match lang {
                Lang::En => format!("{n} saved run(s) from another simulator version were removed."),
                Lang::Ja => format!("別バージョンのシミュレーターで記録された保存データ {n} 件を削除しました。"),
            },
            Notice::Unavailable => tr(
                lang,
                "This browser does not allow local storage: settings, scores and drills will not be kept.",
                "このブラウザではローカルストレージが使えないため、設定・スコア・訓練は保存されません。",
            )
            .to_string(),
            Notice::WriteFailed => tr(
                lang,
                "The browser refused to save data (storage full?).",
                "ブラウザがデータの保存を拒否しました（容量不足の可能性）。",
            )
            .to_string(),
            Notice::Resumed { at_ms } => match lang {
                Lang::En => format!(
                    "Resumed your drill in progress at {} (paused).",
                    crate::i18n::clock(at_ms)
                ),
                Lang::Ja => format!("中断していた訓練を {} から再開しました（一時停止中）。", crate::i18n::clock(at_ms)),
            },
        }
    }
}

/// A personal best.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Best {
    pub score: i64,
    pub grade: String,
    pub seed: u64,
    pub mode: Mode,
}

/// Personal bests by scenario id, stored as a JSON object keyed by id in id order (as the
/// `BTreeMap` it was written as). A few entries: a Vec sorted by id keeps the B-tree code
/// out of the wasm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BestScores(Vec<(String, Best)>);

impl BestScores {
    pub fn get(&self, id: &str) -> Option<&Best> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, b)| b)
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Sets the best of `id`, replacing any.
    pub fn insert(&mut self, id: String, best: Best) {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&id)) {
            Ok(at) => self.0[at].1 = best,
            Err(at) => self.0.insert(at, (id, best)),
        }
    }
}

// The game's writers: the hand-written JSON writer of quorum-sim, byte for byte what the
// serde derives write (the derives stay for the native tests, which compare the two).

impl Serialize for BestScores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl ToJson for BestScores {
    fn write_json(&self, out: &mut String) {
        let mut o = Obj::new(out);
        for (id, best) in &self.0 {
            o.field(id, best);
        }
        o.end();
    }
}

impl ToJson for Best {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("score", &self.score)
            .field("grade", &self.grade)
            .field("seed", &self.seed)
            .field("mode", &self.mode)
            .end();
    }
}

impl ToJson for Mode {
    fn write_json(&self, out: &mut String) {
        json::write_str(
            out,
            if *self == Mode::Exam {
                "exam"
            } else {
                "mentor"
            },
        );
    }
}

impl ToJson for Settings {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("lang", &self.lang)
            .field("mode", &self.mode)
            .field("speed", &self.speed)
            .field("player", &self.player)
            .field("team", &self.team)
            .some("competition", &self.competition)
            .some("debrief", &self.debrief)
            .end();
    }
}

impl ToJson for SavedRun {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("replay", &self.replay)
            .field("score", &self.score)
            .field("grade", &self.grade)
            .field("mode", &self.mode)
            .field("what_if", &self.what_if)
            .field("player", &self.player)
            .field("team", &self.team)
            .field("outage_ms", &self.outage_ms)
            .field("requests_failed", &self.requests_failed)
            .field("at_ms", &self.at_ms)
            .some("submitted", &self.submitted)
            .end();
    }
}

impl ToJson for SavedDrill {
    fn write_json(&self, out: &mut String) {
        Obj::new(out)
            .field("replay", &self.replay)
            .field("now_ms", &self.now_ms)
            .field("mode", &self.mode)
            .field("what_if", &self.what_if)
            .some("competition", &self.competition)
            .some("daily", &self.daily)
            .end();
    }
}

impl<'de> Deserialize<'de> for BestScores {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ById;
        impl<'de> Visitor<'de> for ById {
            type Value = BestScores;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("best scores by scenario id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BestScores, A::Error> {
                let mut out = BestScores::default();
                while let Some((id, best)) = map.next_entry()? {
                    out.insert(id, best);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(ById)
    }
}

/// A finished run kept for watching again or exporting (`qd.v1.replays`), and an entry of
/// the local leaderboard (`qd.v1.local`, as [`crate::leaderboard::LocalRun`]): one type for
/// both keeps a single serde instantiation in the wasm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedRun {
    pub replay: Replay,
    pub score: i64,
    pub grade: String,
    pub mode: Mode,
    #[serde(default)]
    pub what_if: bool,
    /// The player name in the settings when it finished (may be empty: "you").
    #[serde(default)]
    pub player: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub outage_ms: u64,
    #[serde(default)]
    pub requests_failed: u64,
    /// When it finished (Unix ms, the browser's clock; 0 if unknown).
    #[serde(default)]
    pub at_ms: u64,
    /// The leaderboard's run id, once submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<i64>,
}

/// The drill in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedDrill {
    /// Scenario, seed and the actions so far (validated like any replay).
    pub replay: Replay,
    pub now_ms: u64,
    pub mode: Mode,
    /// For a what-if run: the base run's actions and the index rewound to.
    #[serde(default)]
    pub what_if: Option<(usize, Vec<TimedAction>)>,
    /// The join code, for a drill started from a competition (its seed is fixed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competition: Option<String>,
    /// The day of a daily drill (a reload keeps it one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<u32>,
}

impl SavedDrill {
    /// The scenario, if the drill can be replayed by this build.
    pub fn validate(&self) -> Option<&'static Scenario> {
        let scenario = self.replay.validate().ok()?;
        if self.now_ms > scenario.duration_ms {
            return None;
        }
        if self
            .replay
            .actions
            .last()
            .is_some_and(|a| a.at_ms > self.now_ms)
        {
            return None;
        }
        if let Some((from, base)) = &self.what_if {
            let base_replay = Replay::new(scenario, self.replay.seed, base.clone());
            base_replay.validate().ok()?;
            if *from > base.len() {
                return None;
            }
        }
        Some(scenario)
    }
}

/// Everything stored, as read at start-up.
#[derive(Debug, Default)]
pub struct Loaded {
    pub settings: Settings,
    pub best: BestScores,
    pub runs: Vec<SavedRun>,
    pub drill: Option<SavedDrill>,
    pub local: Vec<LocalRun>,
    /// The player identity's token, if one is stored.
    pub identity: Option<String>,
    /// Branch cases played, one record per scenario and case.
    pub coverage: Vec<CaseRecord>,
    pub notices: Vec<Notice>,
    /// A cohort was joined in this browser (`qd.v1.cohorts` is set).
    pub in_cohort: bool,
}

/// Whether localStorage can be used (it throws in some privacy modes).
pub fn available() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some()
}

/// The text stored under `key`, if any. Not generic, and without gloo's typed get: its
/// error plumbing was repeated for every stored type.
fn item(key: &str) -> Option<String> {
    LocalStorage::raw().get_item(key).ok().flatten()
}

/// Reads everything, resetting what cannot be used.
pub fn load() -> Loaded {
    if !available() {
        let mut out = Loaded::default();
        out.notices.push(Notice::Unavailable);
        return out;
    }
    let raw = LocalStorage::raw();
    let keys = (0..raw.length().unwrap_or(0)).filter_map(|i| raw.key(i).ok().flatten());
    let decoded = decode(keys, item);
    for key in &decoded.remove {
        LocalStorage::delete(key);
    }
    if decoded.rewrite_runs {
        save_runs(&decoded.loaded.runs);
    }
    if decoded.rewrite_local {
        save_local(&decoded.loaded.local);
    }
    decoded.loaded
}

/// What [`decode`] read, and what it wants removed or rewritten.
#[derive(Debug, Default)]
pub struct Decoded {
    pub loaded: Loaded,
    /// Keys to remove: an older layout's, and values that do not parse or cannot be used.
    pub remove: Vec<String>,
    /// Saved runs of another simulator version were dropped: store what is left.
    pub rewrite_runs: bool,
    pub rewrite_local: bool,
}

/// Reads a key: `Ok(None)` if absent, `Err(())` if present but unreadable (then removed).
/// With the hand-written readers below, not serde's: no deserializer in the wasm.
fn read<T>(
    key: &str,
    get: &impl Fn(&str) -> Option<String>,
    remove: &mut Vec<String>,
    read: fn(&Value) -> Result<T, String>,
) -> Result<Option<T>, ()> {
    let Some(text) = get(key) else {
        return Ok(None);
    };
    match reader::parse(&text).and_then(|v| read(&v)) {
        Ok(v) => Ok(Some(v)),
        Err(_) => {
            remove.push(key.to_string());
            Err(())
        }
    }
}

/// The readers of the stored types, as strict as their serde derives (the tests below check
/// that both agree on every type).
pub mod readers {
    use super::*;

    /// The fields each stored object may have (unknown ones are refused, as by the derives).
    pub const SETTINGS_FIELDS: &[&str] = &[
        "lang",
        "mode",
        "speed",
        "player",
        "team",
        "competition",
        "debrief",
    ];
    pub const SAVED_RUN_FIELDS: &[&str] = &[
        "replay",
        "score",
        "grade",
        "mode",
        "what_if",
        "player",
        "team",
        "outage_ms",
        "requests_failed",
        "at_ms",
        "submitted",
    ];
    pub const SAVED_DRILL_FIELDS: &[&str] = &[
        "replay",
        "now_ms",
        "mode",
        "what_if",
        "competition",
        "daily",
    ];
    pub const COVERAGE_FIELDS: &[&str] = &["version", "cases"];
    pub const CASE_FIELDS: &[&str] = &["scenario", "case", "handled_cleanly", "last_played_day"];

    pub fn case_record(v: &Value) -> Result<CaseRecord, String> {
        let o = v.obj(CASE_FIELDS)?;
        Ok(CaseRecord {
            scenario: o.need("scenario", Value::str)?,
            case: o.need("case", Value::str)?,
            handled_cleanly: o.need("handled_cleanly", Value::bool)?,
            last_played_day: o.need("last_played_day", Value::u32)?,
        })
    }

    /// `{"version": 1, "cases": [...]}`; another version is refused (and reset).
    pub fn coverage(v: &Value) -> Result<Vec<CaseRecord>, String> {
        let o = v.obj(COVERAGE_FIELDS)?;
        if o.need("version", Value::u64)? != COVERAGE_VERSION {
            return Err("another coverage layout".into());
        }
        o.need("cases", cases)
    }

    fn cases(v: &Value) -> Result<Vec<CaseRecord>, String> {
        let mut out = Vec::new();
        for item in v.items()? {
            out.push(case_record(item)?);
        }
        Ok(out)
    }

    pub fn mode(v: &Value) -> Result<Mode, String> {
        v.one_of(&[Mode::Mentor, Mode::Exam], |m| match m {
            Mode::Mentor => "mentor",
            Mode::Exam => "exam",
        })
    }

    pub fn lang(v: &Value) -> Result<Lang, String> {
        v.one_of(&[Lang::En, Lang::Ja], |l| match l {
            Lang::En => "en",
            Lang::Ja => "ja",
        })
    }

    pub fn settings(v: &Value) -> Result<Settings, String> {
        let o = v.obj(SETTINGS_FIELDS)?;
        Ok(Settings {
            lang: o.need("lang", lang)?,
            mode: o.need("mode", mode)?,
            speed: o.opt_default("speed", 1, Value::u32)?,
            player: o.or_default("player", Value::str)?,
            team: o.or_default("team", Value::str)?,
            competition: o.opt("competition", Value::str)?,
            debrief: o.opt("debrief", index)?,
        })
    }

    fn index(v: &Value) -> Result<usize, String> {
        usize::try_from(v.u64()?).map_err(|_| "an index out of range".to_string())
    }

    pub fn best(v: &Value) -> Result<Best, String> {
        let o = v.obj(&["score", "grade", "seed", "mode"])?;
        Ok(Best {
            score: o.need("score", Value::i64)?,
            grade: o.need("grade", Value::str)?,
            seed: o.need("seed", Value::u64)?,
            mode: o.need("mode", mode)?,
        })
    }

    pub fn best_scores(v: &Value) -> Result<BestScores, String> {
        let mut out = BestScores::default();
        for (id, b) in v.members()? {
            out.insert(id.clone(), best(b)?);
        }
        Ok(out)
    }

    pub fn saved_run(v: &Value) -> Result<SavedRun, String> {
        let o = v.obj(SAVED_RUN_FIELDS)?;
        Ok(SavedRun {
            replay: o.need("replay", reader::replay)?,
            score: o.need("score", Value::i64)?,
            grade: o.need("grade", Value::str)?,
            mode: o.need("mode", mode)?,
            what_if: o.or_default("what_if", Value::bool)?,
            player: o.or_default("player", Value::str)?,
            team: o.or_default("team", Value::str)?,
            outage_ms: o.or_default("outage_ms", Value::u64)?,
            requests_failed: o.or_default("requests_failed", Value::u64)?,
            at_ms: o.or_default("at_ms", Value::u64)?,
            submitted: o.opt("submitted", Value::i64)?,
        })
    }

    pub fn saved_runs(v: &Value) -> Result<Vec<SavedRun>, String> {
        let mut out = Vec::new();
        for item in v.items()? {
            out.push(saved_run(item)?);
        }
        Ok(out)
    }

    pub fn saved_drill(v: &Value) -> Result<SavedDrill, String> {
        let o = v.obj(SAVED_DRILL_FIELDS)?;
        let what_if = |v: &Value| match v.items()? {
            [from, base] => Ok((
                usize::try_from(from.u64()?).map_err(|_| "index out of range")?,
                reader::timed_actions(base)?,
            )),
            _ => Err("expected a pair".to_string()),
        };
        Ok(SavedDrill {
            replay: o.need("replay", reader::replay)?,
            now_ms: o.need("now_ms", Value::u64)?,
            mode: o.need("mode", mode)?,
            what_if: o.opt("what_if", what_if)?,
            competition: o.opt("competition", Value::str)?,
            daily: o.opt("daily", Value::u32)?,
        })
    }
}

/// Decodes what storage holds (`keys` present, `get` reading one), resetting what cannot be
/// used with a notice. Pure: [`load`] runs it on localStorage, tests on a list.
/// A saved run stays unless this simulator cannot run it: another format or sim version, or
/// a replay its scenario refuses. A scenario this page does not have is no reason: a
/// trainer's scenario is installed when its assignment is opened (issue 13), and its runs
/// were lost on every reload until Dec 2, 2026, under the notice about simulator versions.
fn kept(replay: &Replay) -> bool {
    match replay.validate() {
        Ok(_) => true,
        Err(quorum_sim::replay::ReplayError::UnknownScenario(_)) => true,
        Err(_) => false,
    }
}

pub fn decode(keys: impl Iterator<Item = String>, get: impl Fn(&str) -> Option<String>) -> Decoded {
    let mut d = Decoded::default();
    let out = &mut d.loaded;
    let remove = &mut d.remove;
    let get = &get;
    // Keys of an older layout.
    remove.extend(keys.filter(|k| k.starts_with(PREFIX) && !k.starts_with(VERSION_PREFIX)));
    if !remove.is_empty() {
        out.notices.push(Notice::OldVersion);
    }

    match read(KEY_SETTINGS, get, remove, readers::settings) {
        Ok(s) => out.settings = s.map(Settings::sanitized).unwrap_or_default(),
        Err(()) => out.notices.push(Notice::Reset(Item::Settings)),
    }
    match read(KEY_BEST, get, remove, readers::best_scores) {
        Ok(b) => {
            out.best = b.unwrap_or_default();
            out.best
                .0
                .retain(|(id, _)| quorum_sim::scenario::builtin(id).is_some());
        }
        Err(()) => out.notices.push(Notice::Reset(Item::Best)),
    }
    match read(KEY_REPLAYS, get, remove, readers::saved_runs) {
        Ok(runs) => {
            let runs = runs.unwrap_or_default();
            let before = runs.len();
            out.runs = runs.into_iter().filter(|r| kept(&r.replay)).collect();
            out.runs.truncate(MAX_SAVED_REPLAYS);
            if out.runs.len() < before {
                out.notices
                    .push(Notice::StaleReplays(before - out.runs.len()));
                d.rewrite_runs = true;
            }
        }
        Err(()) => out.notices.push(Notice::Reset(Item::Replays)),
    }
    match read(KEY_LOCAL, get, remove, readers::saved_runs) {
        Ok(local) => {
            let local = local.unwrap_or_default();
            let before = local.len();
            out.local = local.into_iter().filter(|r| kept(&r.replay)).collect();
            // Runs of another simulator version cannot be watched or compared: drop them.
            d.rewrite_local = out.local.len() < before;
        }
        Err(()) => out.notices.push(Notice::Reset(Item::Local)),
    }
    if let Some(token) = get(KEY_IDENTITY) {
        if quorum_proto::api::is_token(&token) {
            out.identity = Some(token);
        } else {
            remove.push(KEY_IDENTITY.to_string());
            out.notices.push(Notice::Reset(Item::Identity));
        }
    }
    match read(KEY_COVERAGE, get, remove, readers::coverage) {
        // Cases of scenarios this build does not have are kept: they cost nothing and come
        // back with the scenario.
        Ok(c) => out.coverage = c.unwrap_or_default(),
        Err(()) => out.notices.push(Notice::Reset(Item::Coverage)),
    }
    out.in_cohort = get(KEY_COHORTS).is_some();
    match read(KEY_DRILL, get, remove, readers::saved_drill) {
        Ok(Some(drill)) if drill.validate().is_some() => out.drill = Some(drill),
        Ok(Some(_)) => {
            remove.push(KEY_DRILL.to_string());
            out.notices.push(Notice::Reset(Item::Drill));
        }
        Err(()) => out.notices.push(Notice::Reset(Item::Drill)),
        Ok(None) => {}
    }
    d
}

fn write<T: ToJson + ?Sized>(key: &str, value: &T) -> bool {
    !available() || set_item(key, &json::to_string(value))
}

/// Stores `text` under `key`; false if the browser refused (quota). Not generic.
fn set_item(key: &str, text: &str) -> bool {
    LocalStorage::raw().set_item(key, text).is_ok()
}

pub fn save_settings(settings: &Settings) -> bool {
    write(KEY_SETTINGS, settings)
}

pub fn save_best(best: &BestScores) -> bool {
    write(KEY_BEST, best)
}

pub fn save_runs(runs: &[SavedRun]) -> bool {
    write(KEY_REPLAYS, runs)
}

pub fn save_local(runs: &[LocalRun]) -> bool {
    write(KEY_LOCAL, runs)
}

pub fn save_drill(drill: &SavedDrill) -> bool {
    write(KEY_DRILL, drill)
}

/// Stores the identity token (or removes it).
pub fn save_identity(token: Option<&str>) -> bool {
    if !available() {
        return true;
    }
    match token {
        Some(token) => set_item(KEY_IDENTITY, token),
        None => {
            LocalStorage::delete(KEY_IDENTITY);
            true
        }
    }
}

/// Remembers that this browser joined the cohort `name` (home then links to the assignments).
#[cfg(feature = "boards")]
pub fn save_cohort_joined(name: &str) -> bool {
    !available() || set_item(KEY_COHORTS, name)
}

/// The stored trainer token, and whether a stored value that is not a trainer token was
/// removed (the caller says so).
#[cfg(feature = "boards")]
pub fn trainer_token() -> (Option<String>, bool) {
    match item(KEY_TRAINER) {
        None => (None, false),
        Some(t) if is_trainer_token(&t) => (Some(t), false),
        Some(_) => {
            LocalStorage::delete(KEY_TRAINER);
            (None, true)
        }
    }
}

/// Stores the trainer token (or removes it).
#[cfg(feature = "boards")]
pub fn save_trainer_token(token: Option<&str>) -> bool {
    match token {
        Some(t) => !available() || set_item(KEY_TRAINER, t),
        None => {
            LocalStorage::delete(KEY_TRAINER);
            true
        }
    }
}

/// The scenario editor's file in progress (`qd.v1.editor`, boards bundle only): kept over a
/// test run or a proof's play in the console and a reload. Plain text, whatever it holds
/// (the server checks it).
#[cfg(feature = "boards")]
pub fn editor_text() -> String {
    item(KEY_EDITOR).unwrap_or_default()
}

#[cfg(feature = "boards")]
pub fn save_editor_text(text: &str) -> bool {
    !available() || set_item(KEY_EDITOR, text)
}

/// A trainer token as the server issues them: `qdt1_` and URL-safe characters.
pub fn is_trainer_token(text: &str) -> bool {
    text.strip_prefix(quorum_proto::trainer::TRAINER_TOKEN_PREFIX)
        .is_some_and(|rest| {
            (16..=128).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The coverage as stored (`{"version":1,"cases":[…]}`, each case
/// `{"scenario":…,"case":…,"handled_cleanly":…,"last_played_day":…}`).
pub fn coverage_json(records: &[CaseRecord]) -> String {
    let mut out = String::new();
    out.push_str("{\"version\":");
    json::write_u64(&mut out, COVERAGE_VERSION);
    out.push_str(",\"cases\":[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        Obj::new(&mut out)
            .field("scenario", &r.scenario)
            .field("case", &r.case)
            .field("handled_cleanly", &r.handled_cleanly)
            .field("last_played_day", &r.last_played_day)
            .end();
    }
    out.push_str("]}");
    out
}

pub fn save_coverage(records: &[CaseRecord]) -> bool {
    !available() || set_item(KEY_COVERAGE, &coverage_json(records))
}

/// Keeps one record per scenario and case: a play of `case` on `day` marks it met then, and
/// handled cleanly once any play handled it (`quorum_sim::coverage::handled_cleanly`).
pub fn record_case(
    records: &mut Vec<CaseRecord>,
    scenario: &str,
    case: &str,
    handled: bool,
    day: u32,
) {
    match records
        .iter_mut()
        .find(|r| r.scenario == scenario && r.case == case)
    {
        Some(r) => {
            r.handled_cleanly |= handled;
            r.last_played_day = r.last_played_day.max(day);
        }
        None => records.push(CaseRecord {
            scenario: scenario.to_string(),
            case: case.to_string(),
            handled_cleanly: handled,
            last_played_day: day,
        }),
    }
}

pub fn clear_drill() {
    if available() {
        LocalStorage::delete(KEY_DRILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_drill_round_trips_and_validates() {
        let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
        let actions = quorum_sim::script::parse("at 00:10 create-image node-2\n").unwrap();
        let d = SavedDrill {
            replay: Replay::new(scenario, 3, actions.clone()),
            now_ms: 20_000,
            mode: Mode::Exam,
            what_if: Some((0, actions)),
            competition: Some("QYR9KURW".into()),
            daily: None,
        };
        let json = serde_json::to_string(&d).unwrap();
        let back: SavedDrill = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        assert!(back.validate().is_some());
        let mut early = back.clone();
        early.now_ms = 5_000; // before its own last action
        assert!(early.validate().is_none());
        let mut stale = back;
        stale.replay.sim_version += 1;
        assert!(stale.validate().is_none());
    }

    /// Both decoders on `json`: the same value, or both refuse.
    fn agree<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        json: &str,
        read: fn(&Value) -> Result<T, String>,
    ) -> Result<T, String> {
        let serde: Result<T, String> = serde_json::from_str(json).map_err(|e| e.to_string());
        let ours = reader::parse(json).and_then(|v| read(&v));
        match (&serde, &ours) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{json}: serde {serde:?}, reader {ours:?}"),
        }
        ours
    }

    /// `json` (an object) with `field` removed, or set to each of a few stray values.
    fn variants(json: &str, fields: &[&str]) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let mut out = vec![json.to_string()];
        for field in fields.iter().chain(&["stray"]) {
            let mut o = v.as_object().unwrap().clone();
            o.remove(*field);
            out.push(serde_json::Value::Object(o).to_string());
            for stray in ["null", "-1", "4", "\"x\"", "\"exam\"", "true", "[]", "{}"] {
                let mut o = v.as_object().unwrap().clone();
                o.insert(field.to_string(), serde_json::from_str(stray).unwrap());
                out.push(serde_json::Value::Object(o).to_string());
            }
        }
        out
    }

    fn sample_run(mode: Mode) -> SavedRun {
        let scenario = quorum_sim::scenario::builtin("disk-full").unwrap();
        let actions = quorum_sim::script::parse("at 00:10 clean-logs node-2\n").unwrap();
        SavedRun {
            replay: Replay::new(scenario, 9, actions),
            score: -40,
            grade: "F".into(),
            mode,
            what_if: true,
            player: "ana".into(),
            team: "ops".into(),
            outage_ms: 5,
            requests_failed: 6,
            at_ms: 1_700_000_000_000,
            submitted: Some(42),
        }
    }

    /// Strings that need escapes: quotes, backslashes, every control character class,
    /// non-ASCII and non-BMP text, the empty string.
    const RICH: [&str; 4] = [
        "a \"quoted\" \\ name\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}/",
        "日本語 ノード 🚀𝄞",
        "",
        "</script>&<>'",
    ];

    /// A saved run whose strings are [`RICH`], with every action kind in its replay.
    fn rich_run(i: usize) -> SavedRun {
        let mut run = sample_run(if i.is_multiple_of(2) {
            Mode::Exam
        } else {
            Mode::Mentor
        });
        run.replay.actions = quorum_sim::json::tests_support::every_action(RICH[i % 4]);
        run.replay.claimed_score = [None, Some(-7), Some(0), Some(i64::MAX)][i % 4];
        run.grade = RICH[(i + 1) % 4].into();
        run.player = RICH[i % 4].into();
        run.team = RICH[(i + 2) % 4].into();
        run.submitted = [None, Some(i64::MIN)][i % 2];
        run.outage_ms = u64::MAX;
        run
    }

    /// The hand-written writer (what the browser stores) writes byte for byte what the serde
    /// derives write, and the browser's readers read it back.
    #[test]
    fn the_hand_written_writer_matches_serde_json_on_every_stored_type() {
        use quorum_sim::json::to_string;
        for i in 0..4 {
            let s = Settings {
                lang: [Lang::En, Lang::Ja][i % 2],
                mode: [Mode::Mentor, Mode::Exam][i % 2],
                speed: [1, 60, 0, u32::MAX][i],
                player: RICH[i].into(),
                team: RICH[(i + 1) % 4].into(),
                competition: [None, Some(RICH[i].to_string())][i % 2].clone(),
                debrief: [None, Some(usize::MAX)][i % 2],
            };
            let json = to_string(&s);
            assert_eq!(json, serde_json::to_string(&s).unwrap());
            assert_eq!(
                reader::parse(&json).and_then(|v| readers::settings(&v)),
                Ok(s)
            );

            let run = rich_run(i);
            let json = to_string(&run);
            assert_eq!(json, serde_json::to_string(&run).unwrap());
            assert_eq!(
                reader::parse(&json).and_then(|v| readers::saved_run(&v)),
                Ok(run.clone())
            );
            let runs = vec![run.clone(); i];
            let json = to_string(&runs);
            assert_eq!(json, serde_json::to_string(&runs).unwrap());
            assert_eq!(
                reader::parse(&json).and_then(|v| readers::saved_runs(&v)),
                Ok(runs)
            );

            let mut best = BestScores::default();
            for (j, rich) in RICH.iter().enumerate().take(i) {
                best.insert(
                    format!("{rich}{j}"),
                    Best {
                        score: -(j as i64),
                        grade: RICH[i].into(),
                        seed: u64::MAX >> 11,
                        mode: Mode::Exam,
                    },
                );
            }
            let json = to_string(&best);
            assert_eq!(json, serde_json::to_string(&best).unwrap());
            assert_eq!(
                reader::parse(&json).and_then(|v| readers::best_scores(&v)),
                Ok(best)
            );

            let drill = SavedDrill {
                replay: run.replay.clone(),
                now_ms: 1 << 40,
                mode: Mode::Mentor,
                what_if: [
                    None,
                    Some((3, run.replay.actions.clone())),
                    Some((0, vec![])),
                ][i % 3]
                    .clone(),
                competition: [None, Some(RICH[i].to_string())][i % 2].clone(),
                daily: [Some(20_000), None][i % 2],
            };
            let json = to_string(&drill);
            assert_eq!(json, serde_json::to_string(&drill).unwrap());
            assert_eq!(
                reader::parse(&json).and_then(|v| readers::saved_drill(&v)),
                Ok(drill)
            );

            #[derive(serde::Serialize)]
            struct StoredCase<'a> {
                scenario: &'a str,
                case: &'a str,
                handled_cleanly: bool,
                last_played_day: u32,
            }
            #[derive(serde::Serialize)]
            struct StoredCoverage<'a> {
                version: u64,
                cases: Vec<StoredCase<'a>>,
            }
            let records: Vec<CaseRecord> = (0..i)
                .map(|j| CaseRecord {
                    scenario: RICH[j].into(),
                    case: RICH[(j + 1) % 4].into(),
                    handled_cleanly: j % 2 == 0,
                    last_played_day: [0, u32::MAX, 20_000][j % 3],
                })
                .collect();
            let stored = StoredCoverage {
                version: COVERAGE_VERSION,
                cases: records
                    .iter()
                    .map(|r| StoredCase {
                        scenario: &r.scenario,
                        case: &r.case,
                        handled_cleanly: r.handled_cleanly,
                        last_played_day: r.last_played_day,
                    })
                    .collect(),
            };
            let json = coverage_json(&records);
            assert_eq!(json, serde_json::to_string(&stored).unwrap());
            assert_eq!(
                reader::parse(&json).and_then(|v| readers::coverage(&v)),
                Ok(records)
            );
        }
    }

    #[test]
    fn the_readers_and_the_serde_derives_agree_on_every_stored_type() {
        for lang in [Lang::En, Lang::Ja] {
            for mode in [Mode::Mentor, Mode::Exam] {
                let s = Settings {
                    lang,
                    mode,
                    speed: 16,
                    player: "ana".into(),
                    team: "ops".into(),
                    competition: Some("QYR9KURW".into()),
                    debrief: Some(2),
                };
                let json = serde_json::to_string(&s).unwrap();
                assert_eq!(agree(&json, readers::settings), Ok(s));
                for j in variants(&json, readers::SETTINGS_FIELDS) {
                    let _ = agree(&j, readers::settings);
                }
                let run = sample_run(mode);
                let json = serde_json::to_string(&run).unwrap();
                assert_eq!(agree(&json, readers::saved_run), Ok(run.clone()));
                for j in variants(&json, readers::SAVED_RUN_FIELDS) {
                    let _ = agree(&j, readers::saved_run);
                    let _ = agree(&format!("[{j}]"), readers::saved_runs);
                }
                let list = serde_json::to_string(&vec![run.clone(), run.clone()]).unwrap();
                assert_eq!(agree(&list, readers::saved_runs).map(|l| l.len()), Ok(2));
                let drill = SavedDrill {
                    replay: run.replay.clone(),
                    now_ms: 20_000,
                    mode,
                    what_if: Some((1, run.replay.actions.clone())),
                    competition: Some("QYR9KURW".into()),
                    daily: None,
                };
                let json = serde_json::to_string(&drill).unwrap();
                assert_eq!(agree(&json, readers::saved_drill), Ok(drill));
                for j in variants(&json, readers::SAVED_DRILL_FIELDS) {
                    let _ = agree(&j, readers::saved_drill);
                }
                for what_if in ["[1]", "[1,[],2]", "[-1,[]]", "[0,[{\"at_ms\":1}]]"] {
                    let j = json.replacen(
                        "\"what_if\":[",
                        &format!("\"what_if\":{what_if},\"x\":["),
                        1,
                    );
                    agree(&j, readers::saved_drill).unwrap_err();
                }
            }
        }
        let mut scores = BestScores::default();
        for (id, score) in [("sandbox", 3), ("disk-full", -2)] {
            let best = Best {
                score,
                grade: "B".into(),
                seed: 4,
                mode: Mode::Exam,
            };
            let json = serde_json::to_string(&best).unwrap();
            for j in variants(&json, &["score", "grade", "seed", "mode"]) {
                let _ = agree(&j, readers::best);
                let _ = agree(&format!("{{\"a\":{j}}}"), readers::best_scores);
            }
            scores.insert(id.into(), best);
        }
        let json = serde_json::to_string(&scores).unwrap();
        assert_eq!(agree(&json, readers::best_scores), Ok(scores));
        for bad in ["[]", "{\"a\":1}", "", "{\"a\":{}}"] {
            agree(bad, readers::best_scores).unwrap_err();
        }
    }

    #[test]
    fn corrupt_storage_is_reset_with_a_notice() {
        let run = serde_json::to_string(&vec![sample_run(Mode::Exam)]).unwrap();
        let values = [
            (KEY_SETTINGS, r#"{"lang":"fr","mode":"exam"}"#.to_string()),
            (KEY_BEST, "[]".to_string()),
            (
                KEY_REPLAYS,
                run.replace("\"score\":-40", "\"score\":\"-40\""),
            ),
            (KEY_LOCAL, run.clone()),
            (KEY_DRILL, "{\"replay\":".to_string()),
            (KEY_IDENTITY, "qd1_short".to_string()),
        ];
        let get = |k: &str| {
            values
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        let d = decode(std::iter::empty(), get);
        assert_eq!(
            d.loaded.notices,
            vec![
                Notice::Reset(Item::Settings),
                Notice::Reset(Item::Best),
                Notice::Reset(Item::Replays),
                Notice::Reset(Item::Identity),
                Notice::Reset(Item::Drill),
            ]
        );
        assert_eq!(
            d.remove,
            vec![KEY_SETTINGS, KEY_BEST, KEY_REPLAYS, KEY_IDENTITY, KEY_DRILL]
        );
        assert_eq!(d.loaded.identity, None);
        assert_eq!(d.loaded.local, vec![sample_run(Mode::Exam)]);
        assert_eq!(d.loaded.settings, Settings::default());
    }

    #[test]
    fn a_saved_run_of_a_scenario_not_installed_yet_is_kept_and_one_of_another_version_dropped() {
        let mut company = sample_run(Mode::Exam);
        company.replay.scenario_id = "acme-disk-full".into();
        let mut stale = sample_run(Mode::Exam);
        stale.replay.sim_version += 1;
        let runs = serde_json::to_string(&vec![company.clone(), stale]).unwrap();
        let get = |k: &str| (k == KEY_REPLAYS || k == KEY_LOCAL).then(|| runs.clone());
        let d = decode(std::iter::empty(), get);
        assert_eq!(d.loaded.runs, vec![company.clone()]);
        assert_eq!(d.loaded.local, vec![company]);
        assert_eq!(d.loaded.notices, vec![Notice::StaleReplays(1)]);
    }

    #[test]
    fn a_stored_identity_token_is_kept() {
        let token = format!("qd1_{}", "a".repeat(43));
        let get = |k: &str| (k == KEY_IDENTITY).then(|| token.clone());
        let d = decode(std::iter::empty(), get);
        assert_eq!(d.loaded.identity.as_deref(), Some(token.as_str()));
        assert!(d.loaded.notices.is_empty() && d.remove.is_empty());
    }

    #[test]
    fn a_joined_cohort_makes_home_link_to_the_assignments() {
        assert!(!decode(std::iter::empty(), |_| None).loaded.in_cohort);
        let get = |k: &str| (k == KEY_COHORTS).then(|| "新人研修".to_string());
        assert!(decode(std::iter::empty(), get).loaded.in_cohort);
    }

    #[test]
    fn only_a_trainer_token_is_kept_as_one() {
        assert!(is_trainer_token(&format!("qdt1_{}", "A-_z9".repeat(9))));
        for bad in [
            "",
            "qdt1_",
            "qdt1_short",
            "qd1_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "qdt1_aaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaaaaaaaaaaaa",
            "qdt1_aaaaaaaaaaaaaaaaaaaa\"aaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!is_trainer_token(bad), "{bad}");
        }
    }

    #[test]
    fn best_scores_are_an_object_in_id_order() {
        let best = |score| Best {
            score,
            grade: "A".into(),
            seed: 7,
            mode: Mode::Exam,
        };
        let mut scores = BestScores::default();
        scores.insert("b".into(), best(1));
        scores.insert("a".into(), best(2));
        scores.insert("b".into(), best(3));
        let json = serde_json::to_string(&scores).unwrap();
        assert_eq!(
            json,
            r#"{"a":{"score":2,"grade":"A","seed":7,"mode":"exam"},"b":{"score":3,"grade":"A","seed":7,"mode":"exam"}}"#
        );
        let back: BestScores = serde_json::from_str(&json).unwrap();
        assert_eq!(back, scores);
        assert_eq!(back.get("b").map(|b| b.score), Some(3));
        assert!(!back.contains_key("c"));
        assert!(serde_json::from_str::<BestScores>("[]").is_err());
    }
}
