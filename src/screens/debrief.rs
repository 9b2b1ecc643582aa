//! Debrief: the run's summary line, the report view (score breakdown, timeline, causes,
//! branch reveals, lesson, rewind), and what to do next: export, retry, new seed.

use std::rc::Rc;

use quorum_sim::action::TimedAction;
use quorum_sim::report::Report;
use quorum_sim::traffic::Sample;
use yew::prelude::*;

use crate::i18n::{clock, tr, Lang};
use crate::panels::chart::use_width;
use crate::panels::{debrief_view, DebriefProps, TIMELINE_WIDTH_PX};
use crate::screens::{grade_chip, on_click};
use crate::state::play_mode_label;
use quorum_sim::replay::PlayMode;
use quorum_sim::time::fmt_count;

#[derive(Properties, PartialEq)]
pub struct DebriefScreenProps {
    pub lang: Lang,
    pub title: AttrValue,
    pub seed: u64,
    /// How the run was played, as its replay records it.
    pub mode: PlayMode,
    /// "What-if run from action #n", "Replay", or nothing for a live drill.
    #[prop_or_default]
    pub run_label: Option<AttrValue>,
    pub report: Rc<Report>,
    pub samples: Rc<Vec<Sample>>,
    pub actions: Rc<Vec<TimedAction>>,
    pub lesson: AttrValue,
    pub compare: Option<Rc<Report>>,
    /// A new personal best was set by this run.
    #[prop_or_default]
    pub new_best: bool,
    /// …and it is the first score recorded for this scenario.
    #[prop_or_default]
    pub first_best: bool,
    pub on_rewind: Callback<usize>,
    pub on_export: Callback<()>,
    pub on_retry: Callback<()>,
    pub on_new_seed: Callback<()>,
    pub on_home: Callback<()>,
    /// The "Submit to leaderboard" card.
    #[prop_or_default]
    pub submit: Html,
    #[prop_or_default]
    pub on_leaderboard: Callback<()>,
    /// The scenario's coverage line (`quorum_sim::coverage::summary`), if it has branch cases.
    #[prop_or_default]
    pub coverage: Option<AttrValue>,
    /// "Next drill": the seed of the branch case to practise next.
    #[prop_or_default]
    pub on_next: Callback<()>,
}

#[component]
pub fn DebriefScreen(props: &DebriefScreenProps) -> Html {
    let lang = props.lang;
    let r = &props.report;
    // The next steps: (class, English, Japanese, what it does).
    let actions = [
        (
            "btn btn-normal",
            "Export replay (JSON)",
            "リプレイを書き出す (JSON)",
            &props.on_export,
        ),
        (
            "btn btn-normal",
            "Retry same seed",
            "同じシードで再挑戦",
            &props.on_retry,
        ),
        (
            "btn btn-normal next-drill",
            "Next drill",
            "次の訓練",
            &props.on_next,
        ),
        (
            "btn btn-primary",
            "New seed",
            "新しいシードで挑戦",
            &props.on_new_seed,
        ),
        (
            "btn btn-normal",
            "Leaderboard",
            "リーダーボード",
            &props.on_leaderboard,
        ),
        ("btn btn-link", "Home", "ホーム", &props.on_home),
    ];
    let outage_text = if r.outage_ms == 0 {
        tr(lang, "no outage", "障害なし").to_string()
    } else {
        match lang {
            Lang::En => format!("outage {}", clock(r.outage_ms)),
            Lang::Ja => format!("障害 {}", clock(r.outage_ms)),
        }
    };
    let heading = use_node_ref();
    let timeline = use_node_ref();
    let timeline_width = use_width(&timeline, TIMELINE_WIDTH_PX);
    {
        let heading = heading.clone();
        use_effect_with((), move |_| {
            if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        });
    }
    html! {
        <div class="debrief-screen">
            <section class="card debrief-head" aria-labelledby="debrief-title">
                <div class="debrief-head-main">
                    <div>
                        <div class="kicker">{ tr(lang, "Debrief", "振り返り") }</div>
                        <h2 id="debrief-title" ref={heading} tabindex="-1">{ props.title.clone() }</h2>
                        <div class="drill-meta">
                            <span class={format!("badge badge-{}", props.mode.as_str())} data-mode={props.mode.as_str()}>{ play_mode_label(props.mode, lang) }</span>
                            <span class="mono">{ format!("{} {}", tr(lang, "seed", "シード"), props.seed) }</span>
                            if let Some(l) = &props.run_label { <span class="tag">{ l.clone() }</span> }
                        </div>
                    </div>
                    <div class="debrief-score" data-score={r.score.to_string()} data-grade={r.grade.clone()} data-outage-ms={r.outage_ms.to_string()}>
                        { grade_chip(&r.grade) }
                        <span class="score-value mono">{ fmt_count(r.score.max(0) as u64) }</span>
                        <span class={if r.outage_ms == 0 { "outage-summary ok" } else { "outage-summary error" }}>{ outage_text }</span>
                        <span class="muted">{ match lang {
                            Lang::En => format!("{} failed requests", fmt_count(r.requests_failed)),
                            Lang::Ja => format!("失敗リクエスト {} 件", fmt_count(r.requests_failed)),
                        } }</span>
                        if props.new_best {
                            <span class="new-best">{ if props.first_best {
                                tr(lang, "First score recorded for this scenario", "このシナリオの初記録")
                            } else {
                                tr(lang, "New personal best!", "自己ベスト更新！")
                            } }</span>
                        }
                    </div>
                </div>
                if let Some(c) = &props.coverage {
                    <p class="coverage-line" data-testid="coverage-summary">{ c.clone() }</p>
                }
                <div class="debrief-actions">
                    { for actions.into_iter().map(|(class, en, ja, cb)| html! {
                        <button type="button" {class} onclick={on_click(cb)}>{ tr(lang, en, ja) }</button>
                    }) }
                </div>
            </section>
            { props.submit.clone() }
            { debrief_view(&DebriefProps {
                report: props.report.clone(),
                samples: props.samples.clone(),
                actions: props.actions.clone(),
                lesson: props.lesson.clone(),
                lang,
                on_rewind: props.on_rewind.clone(),
                compare: props.compare.clone(),
            }, &timeline, timeline_width) }
        </div>
    }
}
