//! The runbook panel: the scenario's runbook as the sim tracks it (`Sim::runbook_view`) —
//! its steps with a tick and the time for each the sim observed done, the step the trainee
//! is at, and at a decision the branch the observations select (Mentor and What-if; in Exam
//! the sim reveals none). Collapsible (`<details>`: its summary is a keyboard stop, Enter or
//! Space folds it); nothing here decides what is done or selected.

use quorum_sim::runbook::StepKind;
use yew::prelude::*;

use super::RunbookProps;
use crate::i18n::{clock, tr, Lang};

fn kind_label(lang: Lang, kind: StepKind) -> &'static str {
    match kind {
        StepKind::Check => tr(lang, "check", "確認"),
        StepKind::Action => tr(lang, "action", "操作"),
        StepKind::Decision => tr(lang, "decision", "判断"),
        StepKind::End => tr(lang, "end", "完了"),
    }
}

/// The panel as a component, for the panel tests; the drill screen calls [`runbook_panel`]
/// instead (a plain function: no component machinery for it in the wasm).
#[component]
pub fn RunbookPanel(props: &RunbookProps) -> Html {
    runbook_panel(props)
}

pub fn runbook_panel(props: &RunbookProps) -> Html {
    let lang = props.lang;
    let Some(view) = props.sim.borrow().runbook_view(lang, props.mode) else {
        return html! {};
    };
    let done = view.steps.iter().filter(|s| s.done_at_ms.is_some()).count();
    let total = view.steps.len();
    let hidden = view
        .steps
        .iter()
        .any(|s| s.branches.iter().any(|b| b.selected.is_none()));
    html! {
        <details class="panel runbook" id="runbook-panel" open=true>
            <summary class="panel-head" aria-label={format!("{}: {}", tr(lang, "Runbook", "ランブック"), view.title)}>
                <h2>{ format!("{} — {}", tr(lang, "Runbook", "ランブック"), view.title) }</h2>
                <span class="tag rb-progress">{ format!("{done}/{total}") }</span>
            </summary>
            <ol class="rb-steps">
                { for view.steps.iter().enumerate().map(|(i, s)| {
                    let current = view.at == Some(i);
                    html! {
                        <li class={classes!("rb-step", s.done_at_ms.map(|_| "done"), current.then_some("current"))}
                            data-step={s.id.clone()} aria-current={current.then_some("step")}>
                            <span class="rb-tick" aria-hidden="true">{ if s.done_at_ms.is_some() { "✓" } else if current { "▶" } else { "·" } }</span>
                            <span class="rb-kind small muted">{ kind_label(lang, s.kind) }</span>
                            <span class="rb-text">{ s.text.clone() }</span>
                            if let Some(at) = s.done_at_ms {
                                <time class="rb-done mono muted">{ clock(at) }</time>
                            }
                            if !s.branches.is_empty() {
                                <ul class="rb-branches">
                                    { for s.branches.iter().map(|b| html! {
                                        <li class={classes!("rb-branch", (b.selected == Some(true)).then_some("selected"))} data-goto={b.goto.clone()}>
                                            { "→ " }{ b.text.clone() }
                                            if b.selected == Some(true) {
                                                <span class="tag tag-ok">{ tr(lang, "applies now", "現在の状況") }</span>
                                            }
                                        </li>
                                    }) }
                                </ul>
                            }
                        </li>
                    }
                }) }
            </ol>
            if hidden {
                <p class="rb-note small muted">{ tr(lang, "Exam mode: which branch applies is for you to judge.", "試験モード: どの分岐に当たるかは自分で判断します。") }</p>
            }
        </details>
    }
}
