//! Home: scenario list with personal bests, seed and mode, the competition card (join by
//! code, or the joined competition's fixed seeds), saved runs, replay import.

use quorum_sim::scenario;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

use crate::i18n::{clock, tr, Lang};
use crate::panels::util::target_value;
use crate::screens::competition::Joined;
use crate::screens::difficulty_badge;
use crate::screens::grade_chip;
use crate::state::{play_mode_label, run_mode, Mode};
use crate::storage::{BestScores, SavedRun};

#[derive(Properties, PartialEq)]
pub struct HomeProps {
    pub lang: Lang,
    pub mode: Mode,
    pub seed_text: AttrValue,
    pub seed_valid: bool,
    pub best: BestScores,
    pub runs: Vec<SavedRun>,
    pub import_error: Option<AttrValue>,
    pub on_mode: Callback<Mode>,
    pub on_seed_text: Callback<String>,
    pub on_random_seed: Callback<()>,
    pub on_start: Callback<&'static str>,
    /// Replay JSON to validate and watch.
    pub on_import: Callback<String>,
    pub on_watch: Callback<usize>,
    pub on_download: Callback<usize>,
    /// Opens a saved live run's debrief (where it can be submitted).
    pub on_debrief: Callback<usize>,
    pub on_delete: Callback<usize>,
    /// The competition card (join form, or the joined competition).
    #[prop_or_default]
    pub competition: Html,
    /// The joined competition: its scenarios are tagged with their fixed seeds.
    #[prop_or_default]
    pub joined: Option<Joined>,
    /// Open a scenario's leaderboard.
    #[prop_or_default]
    pub on_leaderboard: Callback<&'static str>,
    /// Branch cases met and handled cleanly (the coverage matrix of each scenario).
    pub coverage: std::rc::Rc<Vec<quorum_sim::coverage::CaseRecord>>,
    /// "Next drill": the scenario's briefing with the seed of the case to practise next.
    pub on_next: Callback<&'static str>,
    /// Today's daily drill.
    pub on_daily: Callback<()>,
    /// Today's daily-drill board.
    pub on_daily_board: Callback<()>,
}

/// The saved runs' columns: (English, Japanese).
const RUN_COLUMNS: [(&str, &str); 5] = [
    ("Scenario", "シナリオ"),
    ("Seed", "シード"),
    ("Mode", "モード"),
    ("Actions", "操作数"),
    ("Score", "スコア"),
];

/// One of a saved run's buttons (Watch, Export, Delete): it emits the run's index.
fn run_button(
    class: &'static str,
    label: &'static str,
    cb: &Callback<usize>,
    index: usize,
) -> Html {
    let onclick = cb.reform(move |_: MouseEvent| index);
    html! { <button type="button" {class} {onclick}>{ label }</button> }
}

/// A scenario's branch cases, one row each: met, and handled cleanly (the stored coverage;
/// what counts as clean is `quorum_sim::coverage::handled_cleanly`, applied when a run ends).
fn coverage_matrix(
    lang: Lang,
    scenario: &str,
    cases: &[quorum_sim::BranchCase],
    records: &[quorum_sim::coverage::CaseRecord],
) -> Html {
    let mark = |yes: bool| if yes { "✓" } else { "–" };
    html! {
        <table class="coverage-matrix" data-coverage={scenario.to_string()}>
            <caption class="visually-hidden">{ tr(lang, "Branch cases: met and handled cleanly", "分岐ケース: 遭遇と対処") }</caption>
            <thead><tr>
                <th scope="col">{ tr(lang, "Branch case", "分岐ケース") }</th>
                <th scope="col">{ tr(lang, "met", "遭遇") }</th>
                <th scope="col">{ tr(lang, "handled", "対処") }</th>
            </tr></thead>
            <tbody>
                { for cases.iter().map(|c| {
                    let rec = records.iter().find(|r| r.scenario == scenario && r.case == c.id);
                    let handled = rec.is_some_and(|r| r.handled_cleanly);
                    let state = match rec { None => "unmet", Some(_) if handled => "handled", Some(_) => "met" };
                    html! {
                        <tr class={classes!("case", state)} data-case={c.id.clone()} data-state={state}>
                            <th scope="row" class="case-label">{ c.label.get(lang).to_string() }</th>
                            <td class="case-met">{ mark(rec.is_some()) }</td>
                            <td class="case-handled">{ mark(handled) }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

#[component]
pub fn Home(props: &HomeProps) -> Html {
    let lang = props.lang;
    let paste = use_state(String::new);

    let mode_button = |m: Mode, hint: &'static str| {
        let active = props.mode == m;
        let onclick = crate::screens::click_emits(&props.on_mode, m);
        html! {
            <button type="button" role="radio" aria-checked={if active { "true" } else { "false" }} tabindex={if active { "0" } else { "-1" }}
                class={if active { "mode-option active" } else { "mode-option" }} {onclick} data-mode={match m { Mode::Mentor => "mentor", Mode::Exam => "exam" }}>
                <span class="mode-name"><span class="radio-dot" aria-hidden="true"></span>{ m.label(lang) }</span>
                <span class="mode-hint">{ hint }</span>
            </button>
        }
    };

    // Arrow keys move the choice, as in a native radio group; focus follows it.
    let on_mode_key = {
        let (cb, mode) = (props.on_mode.clone(), props.mode);
        Callback::from(move |e: KeyboardEvent| {
            // Two options: any arrow moves to the other one.
            if !matches!(
                e.key().as_str(),
                "ArrowRight" | "ArrowDown" | "ArrowLeft" | "ArrowUp"
            ) {
                return;
            }
            let next = match mode {
                Mode::Mentor => Mode::Exam,
                Mode::Exam => Mode::Mentor,
            };
            e.prevent_default();
            cb.emit(next);
            let sel = match next {
                Mode::Mentor => "[data-mode='mentor']",
                Mode::Exam => "[data-mode='exam']",
            };
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(sel).ok().flatten())
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        })
    };
    let on_seed = {
        let cb = props.on_seed_text.clone();
        Callback::from(move |e: InputEvent| cb.emit(target_value(&e)))
    };
    let on_random = crate::screens::on_click(&props.on_random_seed);

    let on_file = {
        let cb = props.on_import.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let cb = cb.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                match text.ok().and_then(|t| t.as_string()) {
                    Some(t) => cb.emit(t),
                    None => cb.emit(String::new()),
                }
            });
        })
    };
    let on_paste_input = {
        let paste = paste.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            {
                paste.set(t.value());
            }
        })
    };
    let on_paste_load = {
        let (paste, cb) = (paste.clone(), props.on_import.clone());
        Callback::from(move |_: MouseEvent| cb.emit((*paste).clone()))
    };

    let row = |s: &'static scenario::Scenario| {
        let best = props.best.get(&s.id);
        let on_start = crate::screens::click_emits(&props.on_start, s.id.as_str());
        let title_id = format!("scenario-{}-title", s.id);
        let on_board = crate::screens::click_emits(&props.on_leaderboard, s.id.as_str());
        let on_next = crate::screens::click_emits(&props.on_next, s.id.as_str());
        let cases = s.branch_cases();
        let comp_seeds = props
            .joined
            .as_ref()
            .and_then(|j| j.comp.seeds_for(&s.id).map(|seeds| seeds.to_vec()));
        html! {
            <li class="scenario" key={s.id.clone()} data-scenario={s.id.clone()}>
                <div class="scenario-main">
                    <h4 id={title_id.clone()} class="scenario-title">{ s.title.get(lang).to_string() }</h4>
                    <p class="scenario-summary">{ s.summary.get(lang).to_string() }</p>
                    <div class="scenario-meta">
                        { difficulty_badge(s.difficulty, lang) }
                        <span class="mono">{ clock(s.duration_ms) }</span>
                        <span class="mono muted">{ s.id.clone() }</span>
                        if let Some(seeds) = comp_seeds {
                            <span class="tag progress" data-comp-tag="">{ format!("{} {}", tr(lang, "competition seeds", "競技シード"),
                                seeds.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")) }</span>
                        }
                    </div>
                    if cases.len() > 1 {
                        { coverage_matrix(lang, &s.id, &cases, &props.coverage) }
                    }
                </div>
                <div class="scenario-best">
                    <span class="label">{ tr(lang, "Your best", "自己ベスト") }</span>
                    { match best {
                        Some(b) => html! {
                            <span class="best-value" data-best-score={b.score.to_string()}>
                                { grade_chip(&b.grade) }<span class="mono">{ b.score.to_string() }</span>
                            </span>
                        },
                        None => html! { <span class="best-value muted">{ tr(lang, "not played", "未プレイ") }</span> },
                    } }
                </div>
                <div class="scenario-go">
                    <button type="button" class="btn btn-primary" onclick={on_start} disabled={!props.seed_valid}
                        aria-describedby={title_id.clone()}>{ tr(lang, "Start", "開始") }</button>
                    if cases.len() > 1 {
                        <button type="button" class="btn btn-normal btn-small next-drill" onclick={on_next}
                            aria-describedby={title_id.clone()}
                            title={tr(lang, "A seed that plays a branch case you have not handled yet", "まだ対処していない分岐ケースになるシードで始める")}>
                            { tr(lang, "Next drill", "次の訓練") }</button>
                    }
                    <button type="button" class="btn btn-link btn-small board-link" onclick={on_board}
                        aria-describedby={title_id}>{ tr(lang, "Leaderboard", "リーダーボード") }</button>
                </div>
            </li>
        }
    };
    // The course: units in order (sandbox, basics, the seed, harder), each scenario by its
    // place in the unit (`scenario::course`); a scenario without a place comes last.
    let course = scenario::course();
    let units = scenario::Unit::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .filter_map(|unit| {
            let members: Vec<&'static scenario::Scenario> = course
                .iter()
                .copied()
                .filter(|s| s.course.map(|c| c.unit) == unit)
                .collect();
            if members.is_empty() {
                return None;
            }
            let (key, label) = match unit {
                Some(u) => (u.as_str(), u.label(lang)),
                None => ("other", tr(lang, "Other", "その他")),
            };
            let heading_id = format!("course-unit-{key}");
            Some(html! {
                <li class="course-unit" key={key} data-unit={key}>
                    <h3 id={heading_id.clone()} class="course-unit-title">{ label }</h3>
                    <ul class="scenario-list" aria-labelledby={heading_id}>{ for members.into_iter().map(row) }</ul>
                </li>
            })
        });

    let runs = props.runs.iter().enumerate().map(|(i, r)| {
        let title = scenario::builtin(&r.replay.scenario_id)
            .map(|s| s.title.get(lang).to_string())
            .unwrap_or_else(|| r.replay.scenario_id.clone());
        html! {
            <tr>
                <td>{ title }
                    if r.submitted.is_some() { <span class="tag tag-submitted" data-submitted="true">{ tr(lang, "submitted", "提出済み") }</span> }
                </td>
                <td class="mono">{ r.replay.seed.to_string() }</td>
                <td data-mode={run_mode(r).as_str()}>{ play_mode_label(run_mode(r), lang) }</td>
                <td class="mono">{ r.replay.actions.len().to_string() }</td>
                <td>{ grade_chip(&r.grade) }<span class="mono">{ format!(" {}", r.score) }</span></td>
                <td class="row-actions">
                    if !r.what_if {
                        { run_button("btn btn-small", if r.submitted.is_some() { tr(lang, "Debrief", "振り返り") } else { tr(lang, "Debrief and submit", "振り返りと登録") }, &props.on_debrief, i) }
                    }
                    { run_button("btn btn-small", tr(lang, "Watch", "再生"), &props.on_watch, i) }
                    { run_button("btn btn-small", tr(lang, "Export", "書き出し"), &props.on_download, i) }
                    { run_button("btn btn-small btn-link", tr(lang, "Delete", "削除"), &props.on_delete, i) }
                </td>
            </tr>
        }
    });

    html! {
        <div class="home">
            <section class="card setup-card" aria-labelledby="setup-title">
                <div class="card-header"><h2 id="setup-title">{ tr(lang, "New drill", "新しい訓練") }</h2></div>
                <div class="card-body setup-grid">
                    <div class="field">
                        <span class="field-label" id="mode-label">{ tr(lang, "Mode", "モード") }</span>
                        <div class="mode-switch" role="radiogroup" aria-labelledby="mode-label" onkeydown={on_mode_key}>
                            { mode_button(Mode::Mentor, tr(lang, "Warns before a risky action, with its predicted impact.", "危険な操作の前に、予測される影響を警告します。")) }
                            { mode_button(Mode::Exam, tr(lang, "No warnings, as on call.", "警告なし。本番のオンコールと同じ。")) }
                        </div>
                    </div>
                    <div class="field">
                        <label class="field-label" for="seed-input">{ tr(lang, "Seed", "シード") }</label>
                        <div class="seed-row">
                            <input id="seed-input" type="text" inputmode="numeric" class={if props.seed_valid { "input mono" } else { "input mono invalid" }}
                                value={props.seed_text.clone()} oninput={on_seed} aria-invalid={(!props.seed_valid).then_some("true")} aria-describedby="seed-hint" autocomplete="off" />
                            <button type="button" class="btn btn-normal" onclick={on_random}>{ tr(lang, "Random", "ランダム") }</button>
                        </div>
                        <div id="seed-hint" class={if props.seed_valid { "field-hint" } else { "field-hint error" }}>
                            { if props.seed_valid {
                                tr(lang, "Random by default. Fix it to compare runs or for a competition: the same seed gives the same incident.", "既定ではランダム。記録の比較や競技では固定してください。同じシードなら同じ障害が起きます。")
                            } else {
                                tr(lang, "Enter a whole number from 0 to 9007199254740991.", "0 から 9007199254740991 までの整数を入力してください。")
                            } }
                        </div>
                    </div>
                </div>
            </section>

            { props.competition.clone() }

            <section class="card daily-card" aria-labelledby="daily-title">
                <div class="card-header"><h2 id="daily-title">{ tr(lang, "Daily drill", "デイリー訓練") }</h2></div>
                <div class="card-body daily-body">
                    <p>{ tr(lang, "One scenario and seed per day, the same for everyone, with its own leaderboard.", "1日1つのシナリオとシード。全員が同じ問題に挑み、専用のリーダーボードがあります。") }</p>
                    <button type="button" class="btn btn-primary daily-start" onclick={crate::screens::on_click(&props.on_daily)}>
                        { tr(lang, "Play today's drill", "今日の訓練を始める") }</button>
                    <button type="button" class="btn btn-link btn-small daily-board" onclick={crate::screens::on_click(&props.on_daily_board)}>
                        { tr(lang, "Daily leaderboard", "デイリーのリーダーボード") }</button>
                </div>
            </section>

            <section class="card" aria-labelledby="scenarios-title">
                <div class="card-header"><h2 id="scenarios-title">{ tr(lang, "Scenarios", "シナリオ") }</h2></div>
                <ol class="course">{ for units }</ol>
            </section>

            <section class="card" aria-labelledby="replays-title">
                <div class="card-header"><h2 id="replays-title">{ tr(lang, "Replays", "リプレイ") }</h2></div>
                <div class="card-body">
                    <div class="import-row">
                        <label class="btn btn-normal file-btn" for="replay-file">{ tr(lang, "Import replay file…", "リプレイファイルを読み込む…") }</label>
                        <input id="replay-file" class="visually-hidden" type="file" accept=".json,application/json" onchange={on_file} />
                        <details class="paste">
                            <summary>{ tr(lang, "…or paste replay JSON", "…またはリプレイの JSON を貼り付け") }</summary>
                            <textarea id="replay-paste" class="input mono" rows="4" aria-label={tr(lang, "Replay JSON", "リプレイ JSON")} oninput={on_paste_input} value={(*paste).clone()} />
                            <button type="button" class="btn btn-normal" onclick={on_paste_load}>{ tr(lang, "Watch", "再生") }</button>
                        </details>
                    </div>
                    if let Some(err) = &props.import_error {
                        <div class="alert alert-error" role="alert" id="import-error">
                            <strong>{ tr(lang, "This replay cannot be played: ", "このリプレイは再生できません: ") }</strong>{ err.clone() }
                        </div>
                    }
                    if props.runs.is_empty() {
                        <p class="empty">{ tr(lang, "Finished drills are kept here to watch again or export.", "終えた訓練はここに保存され、再生や書き出しができます。") }</p>
                    } else {
                        <div class="table-scroll">
                        <table class="data-table runs-table">
                            <caption class="visually-hidden">{ tr(lang, "Saved runs", "保存した記録") }</caption>
                            <thead><tr>
                                { for RUN_COLUMNS.iter().map(|&(en, ja)| html! { <th>{ tr(lang, en, ja) }</th> }) }
                                <th><span class="visually-hidden">{ tr(lang, "Commands", "コマンド") }</span></th>
                            </tr></thead>
                            <tbody>{ for runs }</tbody>
                        </table>
                        </div>
                    }
                </div>
            </section>
        </div>
    }
}
