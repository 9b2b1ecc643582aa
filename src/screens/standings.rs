//! The competition page (the boards bundle, `boards.html`): its scenarios, the individual
//! and the team tables, each best run watchable as a ghost, and the team-drill table (issue
//! 14: `GET /api/competitions/{code}/team-drills`, ranked by the server; this page only
//! shows it).

use std::rc::Rc;

use quorum_proto::team::{SeatHolder, TeamDrillBest, TeamDrillTable};
use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::leaderboard::{BestRun, Competition};
use crate::net::{self, Failure};
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
            <TeamDrillsCard {lang} comp={c.clone()} fetched_at={props.joined.fetched_at} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TeamDrillsCardProps {
    lang: Lang,
    comp: Rc<Competition>,
    /// When the page's competition was fetched: a refresh fetches the team drills again.
    fetched_at: f64,
}

/// Fetches the competition's team-drill table, then shows it ([`TeamDrillBoard`]). On a
/// refresh the table on show stays until the new one arrives.
#[component]
fn TeamDrillsCard(props: &TeamDrillsCardProps) -> Html {
    let table = use_state(|| None::<Result<Rc<TeamDrillTable>, Failure>>);
    {
        let table = table.clone();
        use_effect_with(
            (props.comp.code.clone(), props.fetched_at),
            move |(code, _)| {
                let url = format!("/api/competitions/{}/team-drills", net::encode(code));
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = net::call::<TeamDrillTable>("GET", &url, None, None).await;
                    table.set(Some(answer.map(Rc::new)));
                });
            },
        );
    }
    html! { <TeamDrillBoard lang={props.lang} comp={props.comp.clone()} table={(*table).clone()} /> }
}

#[derive(Properties, PartialEq)]
pub struct TeamDrillBoardProps {
    pub lang: Lang,
    pub comp: Rc<Competition>,
    /// The server's table; `None` while it is being fetched.
    pub table: Option<Result<Rc<TeamDrillTable>, Failure>>,
}

/// The "Team drills" card: the counting rule in one line, then the server's table — each
/// team's rank and total, and per scenario its best drill (score, seed, who held which
/// seat, and the verified result, `GET /api/rooms/{code}/result`) — or why there is none.
#[component]
pub fn TeamDrillBoard(props: &TeamDrillBoardProps) -> Html {
    let lang = props.lang;
    let c = &props.comp;
    let rule = tr(
        lang,
        "A team drill counts for the team of the member who opened its room for this competition; only that team's members take the acting seats, and there is no game master. Per scenario the team's best drill counts, the total is their sum, and a drill's replay counts once (for the first team to end with it).",
        "チーム訓練は、この競技のためにルームを開いたメンバーのチームに加算されます。操作する役割に就けるのはそのチームのメンバーだけで、ゲームマスターはいません。シナリオごとにチームのベスト訓練が加算され、合計はその和です。同じリプレイは一度だけ（最初に終えたチームに）加算されます。",
    );
    let body = match &props.table {
        None => html! {
            <p class="loading" role="status">{ tr(lang, "Loading the team drills…", "チーム訓練を読み込んでいます…") }</p>
        },
        Some(Err(f)) => html! {
            <div class="alert alert-error" role="alert" data-team-drills-error=""><span>{ f.text(lang) }</span></div>
        },
        Some(Ok(t)) if t.rows.is_empty() => html! {
            <p class="empty">{ tr(lang,
                "No team drill yet. A member of a team opens a team drill's room with this competition's code and their player key; a drill that ends while the competition is open counts here.",
                "チーム訓練はまだありません。チームのメンバーが、この競技のコードと自分のプレイヤーキーでチーム訓練のルームを開きます。競技の期間中に終えた訓練がここに加算されます。") }</p>
        },
        Some(Ok(t)) => html! {
            <div class="table-scroll">
                <table class="data-table comp-table" data-table="team-drills">
                    <caption class="visually-hidden">{ tr(lang, "Team drill table", "チーム訓練の順位表") }</caption>
                    <thead><tr>
                        { head_cells(lang, &[("num", "Rank", "順位"), ("", "Team", "チーム"), ("num", "Total", "合計")]) }
                        { for c.scenarios.iter().map(|s| html! {
                            <th scope="col">{ scenario_title(&s.id, s.title.as_ref(), lang) }</th>
                        }) }
                    </tr></thead>
                    <tbody>
                        { for t.rows.iter().map(|row| html! {
                            <tr data-team={row.team.clone()}>
                                <td class="num mono">{ row.rank.to_string() }</td>
                                <td class="col-team">{ row.team.clone() }</td>
                                <td class="num mono strong" data-total={row.total.to_string()}>{ row.total.to_string() }</td>
                                { for c.scenarios.iter().map(|s| html! {
                                    <td>{ match row.bests.iter().find(|b| b.scenario == s.id) {
                                        Some(b) => best_drill(b, &row.team, lang),
                                        None => html! { <span class="muted">{ "—" }</span> },
                                    } }</td>
                                }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" aria-labelledby="comp-team-drills-title" data-card="team-drills">
            <div class="card-header"><h2 id="comp-team-drills-title">{ tr(lang, "Team drills", "チーム訓練") }</h2></div>
            <div class="card-body">
                <p class="field-hint" data-team-drill-rule="">
                    { rule }
                    if c.require_exam {
                        { tr(lang, " ", "") }{ tr(lang,
                            "This competition is Exam only: no forecast is shown, so every operator action waits for the commander.",
                            "この競技は試験のみです。予測は表示されず、オペレーターの操作はすべてコマンダーの承認を待ちます。") }
                    }
                </p>
                { body }
            </div>
        </section>
    }
}

/// A team's best drill on one scenario: its score and seed, who held which seat, and the
/// server's verified result of the room.
fn best_drill(b: &TeamDrillBest, team: &str, lang: Lang) -> Html {
    let ja = lang == Lang::Ja;
    let href = format!("/api/rooms/{}/result", net::encode(&b.code));
    let label = match lang {
        Lang::En => format!("The verified result of {team}'s drill (room {})", b.code),
        Lang::Ja => format!("{team} の訓練の検証済み結果（ルーム {}）", b.code),
    };
    // In the roles' order (commander, operator, communications), as the room lists them.
    let mut seats: Vec<&SeatHolder> = b.players.iter().collect();
    seats.sort();
    html! {
        <div class="team-drill-best" data-scenario={b.scenario.clone()} data-seed={b.seed.to_string()}
            data-score={b.score.to_string()} data-room={b.code.clone()}>
            <div class="best-cell">
                <span class="mono strong">{ b.score.to_string() }</span>
                <span class="mono muted">{ format!("{} {}", tr(lang, "seed", "シード"), b.seed) }</span>
                <a class="btn btn-small btn-normal" {href} target="_blank" rel="noopener" aria-label={label}>{ tr(lang, "Verified result", "検証済みの結果") }</a>
            </div>
            <ul class="seat-list">
                { for seats.iter().map(|p: &&SeatHolder| html! {
                    <li class={format!("role-{}", p.role.as_str())} data-role={p.role.as_str()}>
                        <span class="role-dot" aria-hidden="true"></span>
                        <span class="muted">{ format!("{}:", p.role.label(ja)) }</span>{ " " }<span class="seat-name">{ p.name.clone() }</span>
                    </li>
                }) }
            </ul>
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
