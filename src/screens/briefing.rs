//! Briefing: the pager alert that opens the scenario, in the scenario's words.

use quorum_sim::scenario::Scenario;
use yew::prelude::*;

use crate::i18n::{clock, tr, Lang};
use crate::screens::difficulty_badge;
use crate::state::Mode;

#[derive(Properties, PartialEq)]
pub struct BriefingProps {
    pub scenario: &'static Scenario,
    pub lang: Lang,
    pub mode: Mode,
    pub seed: u64,
    /// The competition this drill is played for (its name): the seed is fixed.
    #[prop_or_default]
    pub competition: Option<AttrValue>,
    pub on_start: Callback<()>,
    pub on_back: Callback<()>,
}

#[component]
pub fn Briefing(props: &BriefingProps) -> Html {
    let lang = props.lang;
    let s = props.scenario;
    let start = crate::screens::on_click(&props.on_start);
    let back = crate::screens::on_click(&props.on_back);
    let autofocus = use_node_ref();
    {
        let autofocus = autofocus.clone();
        use_effect_with((), move |_| {
            if let Some(b) = autofocus.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    html! {
        <div class="briefing">
            <section class="card pager" aria-labelledby="briefing-title">
                <div class="pager-head">
                    <span class="pager-icon" aria-hidden="true">{ "!" }</span>
                    <div>
                        <div class="pager-kicker">{ tr(lang, "Incoming page — severity 2", "呼び出し — 重大度 2") }</div>
                        <h2 id="briefing-title">{ s.title.get(lang).to_string() }</h2>
                    </div>
                </div>
                <blockquote class="pager-text" data-testid="briefing-text">{ s.briefing.get(lang).to_string() }</blockquote>
                <dl class="briefing-facts">
                    <div><dt>{ tr(lang, "Difficulty", "難易度") }</dt><dd>{ difficulty_badge(s.difficulty, lang) }</dd></div>
                    <div><dt>{ tr(lang, "Drill length", "訓練時間") }</dt><dd class="mono">{ clock(s.duration_ms) }</dd></div>
                    <div><dt>{ tr(lang, "Mode", "モード") }</dt><dd>{ props.mode.label(lang) }</dd></div>
                    <div><dt>{ tr(lang, "Seed", "シード") }</dt><dd class="mono" data-seed={props.seed.to_string()}>{ props.seed.to_string() }
                        if props.competition.is_some() { <span class="tag lock-tag">{ tr(lang, "fixed by the competition", "競技で固定") }</span> }
                    </dd></div>
                    if let Some(c) = &props.competition {
                        <div><dt>{ tr(lang, "Competition", "競技") }</dt><dd class="comp-name-inline">{ c.clone() }</dd></div>
                    }
                </dl>
                <p class="briefing-goal">{ tr(lang,
                    "Your goal: keep the search cluster serving. You are scored on outage time (no master or red health), failed requests, time without full redundancy and risky actions.",
                    "目標: 検索クラスタを止めないこと。採点は障害時間（マスター不在または red）、失敗リクエスト、完全な冗長性のない時間、危険な操作で行われます。") }</p>
                if let Some(o) = &s.objective { <p class="briefing-goal" data-testid="objective">{ o.text.get(lang).to_string() }</p> }
                <div class="briefing-actions">
                    <button type="button" class="btn btn-link" onclick={back}>{ tr(lang, "Back", "戻る") }</button>
                    <button ref={autofocus} type="button" class="btn btn-primary btn-large" onclick={start}>{ tr(lang, "Acknowledge and open the console", "了解してコンソールを開く") }</button>
                </div>
            </section>
        </div>
    }
}
