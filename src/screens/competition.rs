//! Competitions: the home screen's card (join by code; once joined, the competition's
//! scenarios with their fixed seeds and the time left). The competition page is
//! `standings.rs`, in the boards bundle.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use quorum_sim::scenario;
use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::leaderboard::Competition;
use crate::screens::ServerView;
use crate::screens::{click_emits, on_click};

/// A competition as fetched, with the browser's clock at that moment: the time left is the
/// server's clock (`now_ms`) advanced by the browser's elapsed time, so a wrong browser
/// clock does not matter.
#[derive(Clone, Debug, PartialEq)]
pub struct Joined {
    pub comp: Rc<Competition>,
    pub fetched_at: f64,
}

impl Joined {
    pub fn server_now(&self, browser_now: f64) -> i64 {
        self.comp.now_ms + (browser_now - self.fetched_at).max(0.0) as i64
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

pub(crate) fn scenario_title(id: &str, fallback: Option<&scenario::Text>, lang: Lang) -> String {
    scenario::builtin(id)
        .map(|s| s.title.get(lang).to_string())
        .or_else(|| fallback.map(|t| t.get(lang).to_string()))
        .unwrap_or_else(|| id.to_string())
}

#[derive(Properties, PartialEq)]
pub struct ClockProps {
    pub lang: Lang,
    pub joined: Joined,
}

/// "3 h 05 min left", ticking every second.
#[component]
pub fn CompetitionClock(props: &ClockProps) -> Html {
    let browser_now = use_state(now);
    {
        let browser_now = browser_now.clone();
        use_effect_with((), move |_| {
            let interval = Interval::new(1000, move || browser_now.set(now()));
            move || drop(interval)
        });
    }
    let window = props
        .joined
        .comp
        .window(props.joined.server_now(*browser_now));
    html! {
        <span class={format!("comp-window comp-window-{}", window.key())} data-window={window.key()}>
            { crate::leaderboard::window_text(window, props.lang) }
        </span>
    }
}

/// "code XXXXXXXX · time left", on the card and on the competition page.
pub(crate) fn comp_meta(lang: Lang, joined: &Joined) -> Html {
    html! {
        <div class="comp-meta">
            <span class="label">{ tr(lang, "code", "コード") }</span>
            <span class="mono code-chip">{ joined.comp.code.clone() }</span>
            <CompetitionClock {lang} joined={joined.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub lang: Lang,
    pub server: ServerView,
    /// The competition joined (fetched).
    #[prop_or_default]
    pub joined: Option<Joined>,
    /// A join or refresh is in flight.
    #[prop_or_default]
    pub loading: bool,
    /// Why joining failed (the server's message, verbatim).
    #[prop_or_default]
    pub error: Option<AttrValue>,
    pub on_join: Callback<String>,
    pub on_leave: Callback<()>,
    pub on_open: Callback<()>,
    /// Start a drill of (scenario, fixed seed).
    pub on_play: Callback<(String, u64)>,
}

/// The rows "scenario — locked seed — Start" of a competition.
pub(crate) fn seed_rows(
    lang: Lang,
    comp: &Competition,
    on_play: &Callback<(String, u64)>,
    enabled: bool,
) -> Html {
    html! {
        <ul class="comp-seeds">
            { for comp.scenarios.iter().flat_map(|s| s.seeds.iter().map(move |seed| (s, *seed))).map(|(s, seed)| {
                let title = scenario_title(&s.id, s.title.as_ref(), lang);
                let known = scenario::builtin(&s.id).is_some();
                let input_id = format!("comp-seed-{}-{}", s.id, seed);
                let onclick = click_emits(on_play, (s.id.clone(), seed));
                html! {
                    <li class="comp-seed" data-comp-scenario={s.id.clone()} data-seed={seed.to_string()}>
                        <span class="comp-seed-title">{ title.clone() }<span class="mono muted">{ format!(" {}", s.id) }</span></span>
                        <label class="comp-seed-field" for={input_id.clone()}>
                            <span class="field-label">{ tr(lang, "Seed", "シード") }</span>
                            <input id={input_id} class="input mono seed-locked" type="text" readonly=true aria-readonly="true"
                                value={seed.to_string()} aria-describedby="comp-seed-hint" />
                            <span class="tag lock-tag">{ tr(lang, "fixed", "固定") }</span>
                        </label>
                        <button type="button" class="btn btn-primary btn-small" {onclick} disabled={!enabled || !known}
                            aria-label={match lang {
                                Lang::En => format!("Start {title} with seed {seed}"),
                                Lang::Ja => format!("{title} をシード {seed} で開始"),
                            }}>{ tr(lang, "Start", "開始") }</button>
                    </li>
                }
            }) }
        </ul>
    }
}

#[component]
pub fn CompetitionCard(props: &CardProps) -> Html {
    let lang = props.lang;
    let code = use_state(String::new);
    let header = html! {
        <div class="card-header">
            <h2 id="comp-card-title">{ tr(lang, "Competition", "競技") }</h2>
        </div>
    };
    let body = match (&props.joined, props.server) {
        (Some(j), _) => {
            let c = &j.comp;
            let leave = on_click(&props.on_leave);
            let open = on_click(&props.on_open);
            html! {
                <div class="card-body comp-card" data-competition={c.code.clone()}>
                    <div class="comp-head">
                        <div>
                            <h3 class="comp-name">{ c.name.clone() }</h3>
                            { comp_meta(lang, j) }
                        </div>
                        <div class="comp-actions">
                            <button type="button" class="btn btn-normal" onclick={open}>{ tr(lang, "Tables", "順位表") }</button>
                            <button type="button" class="btn btn-link" onclick={leave}>{ tr(lang, "Leave", "退出") }</button>
                        </div>
                    </div>
                    <p id="comp-seed-hint" class="field-hint">{ tr(lang,
                        "Everyone plays these seeds: they are fixed by the competition and cannot be changed. Submit from the debrief; the run carries the code.",
                        "全員が同じシードでプレイします。シードは競技で固定されていて変更できません。振り返り画面から登録すると、競技コード付きで記録されます。") }</p>
                    { seed_rows(lang, c, &props.on_play, true) }
                </div>
            }
        }
        (None, ServerView::Offline) => html! {
            <div class="card-body">
                <p class="muted" data-offline="">{ tr(lang,
                    "Competitions need the leaderboard server (`cargo xtask run`); this copy of the game has none.",
                    "競技にはリーダーボードサーバー（`cargo xtask run`）が必要です。このゲームにはサーバーがありません。") }</p>
            </div>
        },
        (None, _) => {
            let on_input = crate::panels::util::store_value::<InputEvent>(&code);
            let onsubmit = {
                let (code, cb) = (code.clone(), props.on_join.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let c = crate::leaderboard::normalize_code(&code);
                    if !c.is_empty() {
                        cb.emit(c);
                    }
                })
            };
            let busy = props.loading || props.server == ServerView::Checking;
            html! {
                <div class="card-body">
                    <form class="join-form" onsubmit={onsubmit}>
                        <div class="field">
                            <label class="field-label" for="join-code">{ tr(lang, "Join a competition", "競技に参加") }</label>
                            <div class="seed-row">
                                <input id="join-code" type="text" class={if props.error.is_some() { "input mono code-input invalid" } else { "input mono code-input" }}
                                    value={(*code).clone()} oninput={on_input} autocomplete="off" spellcheck="false"
                                    placeholder="69FQNUUJ" aria-describedby="join-hint" aria-invalid={props.error.is_some().then_some("true")} />
                                <button type="submit" class="btn btn-normal" disabled={busy || code.trim().is_empty()}>{ tr(lang, "Join", "参加") }</button>
                            </div>
                            <div id="join-hint" class="field-hint">{ tr(lang,
                                "Enter the 8-character code the organiser gave you: the competition's scenarios and fixed seeds then appear here.",
                                "主催者から受け取った 8 文字のコードを入力してください。競技のシナリオと固定シードがここに表示されます。") }</div>
                        </div>
                    </form>
                    if let Some(e) = &props.error {
                        <div class="alert alert-error" role="alert" id="join-error"><span>{ e.clone() }</span></div>
                    }
                    if props.loading { <p class="muted" role="status">{ tr(lang, "Loading…", "読み込み中…") }</p> }
                </div>
            }
        }
    };
    html! {
        <section class="card competition-card" aria-labelledby="comp-card-title">
            { header }
            { body }
        </section>
    }
}
