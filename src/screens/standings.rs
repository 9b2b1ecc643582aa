//! The competition page (the boards bundle, `boards.html`): its scenarios, the individual
//! and the team tables, each best run watchable as a ghost.

use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::leaderboard::BestRun;
use crate::screens::competition::{comp_meta, scenario_title, seed_rows, Joined};
use crate::screens::{click_emits, head_cells, on_click, team_cell};

#[derive(Properties, PartialEq)]
pub struct CompetitionScreenProps {
    pub lang: Lang,
    pub joined: Joined,
    #[prop_or_default]
    pub loading: bool,
    /// Why the last refresh or "Watch" failed.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    pub on_refresh: Callback<()>,
    pub on_play: Callback<(String, u64)>,
    /// The scenario leaderboard filtered to this competition.
    pub on_board: Callback<String>,
    pub on_watch: Callback<i64>,
}

#[component]
pub fn CompetitionScreen(props: &CompetitionScreenProps) -> Html {
    let lang = props.lang;
    let c = &props.joined.comp;
    let watch = |best: Option<&BestRun>, who: &str| -> Html {
        match best {
            None => html! { <span class="muted">{ "—" }</span> },
            Some(b) => {
                let id = b.run_id;
                let onclick = click_emits(&props.on_watch, id);
                let label = match lang {
                    Lang::En => format!("Watch run {id} by {who}"),
                    Lang::Ja => format!("{who} さんの記録 {id} を再生"),
                };
                html! {
                    <span class="best-cell">
                        <span class="mono">{ b.score.to_string() }</span>
                        <span class="mono muted" data-best-seed={b.seed.to_string()}>{ format!("{} {}", tr(lang, "seed", "シード"), b.seed) }</span>
                        <button type="button" class="btn btn-small" aria-label={label} {onclick}>{ tr(lang, "Watch", "再生") }</button>
                    </span>
                }
            }
        }
    };
    let scenario_heads = c
        .scenarios
        .iter()
        .map(|s| {
            html! { <th scope="col" class="num">{ scenario_title(&s.id, s.title.as_ref(), lang) }</th> }
        })
        .collect::<Html>();
    let refresh = on_click(&props.on_refresh);
    let boards = c.scenarios.iter().map(|s| {
        let onclick = click_emits(&props.on_board, s.id.clone());
        html! {
            <button type="button" class="btn btn-small btn-normal" {onclick}>
                { format!("{}: {}", tr(lang, "Leaderboard", "リーダーボード"), scenario_title(&s.id, s.title.as_ref(), lang)) }
            </button>
        }
    });
    html! {
        <div class="competition-screen" data-competition={c.code.clone()}>
            <section class="card" aria-labelledby="comp-title">
                <div class="card-header comp-page-head">
                    <div>
                        <div class="kicker">{ tr(lang, "Competition", "競技") }</div>
                        <h2 id="comp-title">{ c.name.clone() }</h2>
                    </div>
                    if c.require_exam {
                        <span class="tag progress" data-exam-only="">{ tr(lang, "Exam only", "試験のみ") }</span>
                    }
                    { comp_meta(lang, &props.joined) }
                    <span class="spacer"></span>
                    <button type="button" class="btn btn-small btn-normal" onclick={refresh} disabled={props.loading}>{ tr(lang, "Refresh", "更新") }</button>
                </div>
                <div class="card-body">
                    if let Some(e) = &props.error {
                        <div class="alert alert-error" role="alert" id="comp-error"><span>{ e.clone() }</span></div>
                    }
                    <h3 class="section-title">{ tr(lang, "Scenarios and fixed seeds", "シナリオと固定シード") }</h3>
                    <p id="comp-seed-hint" class="field-hint">{ tr(lang,
                        "The seeds are fixed by the competition. Individual score: the sum of your best run on each scenario. Team score: the sum of its members' individual scores, counting only runs submitted with that team name.",
                        "シードは競技で固定されています。個人スコア: 各シナリオのベスト記録の合計。チームスコア: メンバーの個人スコアの合計（そのチーム名で登録した記録のみ）。") }</p>
                    { seed_rows(lang, c, &props.on_play, true) }
                    <div class="comp-boards">{ for boards }</div>
                    <p class="field-hint" data-counting={c.counting.as_str()}>{ c.counting.explain(lang) }</p>
                </div>
            </section>

            { board_card(
                "comp-individuals-title",
                tr(lang, "Individuals", "個人"),
                c.individuals.is_empty(),
                tr(lang, "No runs submitted to this competition yet.", "この競技にはまだ記録が登録されていません。"),
                html! {
                    <table class="data-table comp-table" data-table="individuals">
                        <caption class="visually-hidden">{ tr(lang, "Individual table", "個人順位表") }</caption>
                        <thead><tr>
                            { head_cells(lang, &[("num", "Rank", "順位"), ("", "Player", "プレイヤー"), ("", "Team", "チーム"),
                                ("num", "Total", "合計"), ("num", "Runs", "記録数")]) }
                            { scenario_heads.clone() }
                        </tr></thead>
                        <tbody>
                            { for c.individuals.iter().map(|p| html! {
                                <tr data-player={p.player.clone()}>
                                    <td class="num mono">{ p.rank.to_string() }</td>
                                    <td class="col-player">{ p.player.clone() }</td>
                                    { team_cell(p.team.as_deref()) }
                                    <td class="num mono strong" data-total={p.total.to_string()}>{ p.total.to_string() }</td>
                                    <td class="num mono">{ p.runs.to_string() }</td>
                                    { for c.scenarios.iter().map(|s| html! {
                                        <td class="num">{ watch(p.bests.iter().find(|b| b.scenario == s.id), &p.player) }</td>
                                    }) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            ) }
            { board_card(
                "comp-teams-title",
                tr(lang, "Teams", "チーム"),
                c.teams.is_empty(),
                tr(lang, "No team runs yet: submit with a team name to count for a team.", "チームの記録はまだありません。チーム名を付けて登録するとチームに加算されます。"),
                html! {
                    <table class="data-table comp-table" data-table="teams">
                        <caption class="visually-hidden">{ tr(lang, "Team table", "チーム順位表") }</caption>
                        <thead><tr>
                            { head_cells(lang, &[("num", "Rank", "順位"), ("", "Team", "チーム"), ("num", "Total", "合計"),
                                ("", "Members (individual score)", "メンバー（個人スコア）")]) }
                        </tr></thead>
                        <tbody>
                            { for c.teams.iter().map(|t| html! {
                                <tr data-team={t.team.clone()}>
                                    <td class="num mono">{ t.rank.to_string() }</td>
                                    <td class="col-team">{ t.team.clone() }</td>
                                    <td class="num mono strong" data-total={t.total.to_string()}>{ t.total.to_string() }</td>
                                    <td class="members">
                                        { for t.members.iter().map(|m| html! {
                                            <span class="member"><span>{ m.player.clone() }</span><span class="mono muted">{ format!(" {}", m.total) }</span></span>
                                        }) }
                                    </td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            ) }
        </div>
    }
}

/// A ranking card (individuals, teams): its title, then the table, or a line saying why
/// there is none yet.
fn board_card(
    title_id: &'static str,
    title: &'static str,
    empty: bool,
    empty_text: &'static str,
    table: Html,
) -> Html {
    html! {
        <section class="card" aria-labelledby={title_id}>
            <div class="card-header"><h2 id={title_id}>{ title }</h2></div>
            <div class="card-body">
                if empty {
                    <p class="empty">{ empty_text }</p>
                } else {
                    <div class="table-scroll">{ table }</div>
                }
            </div>
        </section>
    }
}
