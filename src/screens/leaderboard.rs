//! The leaderboard of one scenario (optionally one competition's runs): the server's ranked
//! runs, each watchable as a ghost replay; without a server, this browser's own runs.
//! Player and team names are text nodes only (Yew escapes them).

use std::rc::Rc;

use quorum_sim::scenario::{self, Scenario};
use yew::prelude::*;

use crate::i18n::{clock, tr, Lang};
use crate::leaderboard::{local_board, Board, BoardFilter, LocalRun};
use crate::net::{self, Failure};
use crate::panels::util::target_value;
use crate::screens::{click_emits, grade_chip, head_cells, on_click, team_cell, ServerView};
use crate::state::{play_mode_label, run_mode};
use quorum_sim::replay::PlayMode;
use quorum_sim::time::fmt_count;

#[derive(Properties, PartialEq)]
pub struct LeaderboardProps {
    pub lang: Lang,
    pub scenario: &'static Scenario,
    /// Only this competition's runs (join code).
    #[prop_or_default]
    pub competition: Option<AttrValue>,
    pub server: ServerView,
    pub local: Rc<Vec<LocalRun>>,
    /// The run just submitted, highlighted.
    #[prop_or_default]
    pub highlight: Option<i64>,
    /// Why the last "Watch" failed.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    pub on_scenario: Callback<&'static str>,
    pub on_watch: Callback<i64>,
    pub on_watch_local: Callback<usize>,
    /// Drop the competition filter.
    #[prop_or_default]
    pub on_all_runs: Callback<()>,
    /// Which mode and seed the board shows.
    #[prop_or_default]
    pub filter: BoardFilter,
    #[prop_or_default]
    pub on_filter: Callback<BoardFilter>,
    /// This browser's player key, whether it is on screen, and the last import's note.
    #[prop_or_default]
    pub identity: Option<AttrValue>,
    #[prop_or_default]
    pub identity_shown: bool,
    #[prop_or_default]
    pub identity_note: Option<AttrValue>,
    pub on_show_identity: Callback<()>,
    pub on_import_identity: Callback<String>,
}

/// The mode and seed pickers, and what the board shows (`data-board-shows`).
fn filters(
    lang: Lang,
    filter: BoardFilter,
    shows: BoardFilter,
    cb: &Callback<BoardFilter>,
) -> Html {
    let on_mode = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            let v = target_value(&e);
            cb.emit(BoardFilter {
                mode: PlayMode::parse(&v),
                ..filter
            })
        })
    };
    let on_seed = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            let seed = target_value(&e).trim().parse().ok();
            cb.emit(BoardFilter { seed, ..filter })
        })
    };
    html! {
        <div class="board-filters">
            <label class="field-label" for="board-mode">{ tr(lang, "Mode", "モード") }</label>
            <select id="board-mode" class="input" onchange={on_mode}>
                { for BoardFilter::MODES.iter().map(|m| html! {
                    <option value={m.map_or("all", PlayMode::as_str)} selected={*m == filter.mode}>
                        { m.map_or(tr(lang, "All modes", "すべてのモード"), |m| play_mode_label(m, lang)) }
                    </option>
                }) }
            </select>
            <label class="field-label" for="board-seed">{ tr(lang, "Seed", "シード") }</label>
            <input id="board-seed" class="input mono" type="text" inputmode="numeric" size="6"
                placeholder={tr(lang, "all", "すべて")} value={filter.seed.map(|s| s.to_string()).unwrap_or_default()} onchange={on_seed} />
            <span class="muted" role="status" data-board-shows={shows.mode.map_or("all", PlayMode::as_str)}
                data-board-seed={shows.seed.map(|s| s.to_string())}>{ shows.text(lang) }</span>
        </div>
    }
}

/// A Unix-ms instant as "2026-11-27 14:43" in the browser's time zone.
pub fn date_text(ms: f64) -> String {
    if !ms.is_finite() {
        return String::new();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// One leaderboard row, server or local (one renderer keeps the wasm smaller).
struct Row<'a> {
    rank: String,
    player: &'a str,
    team: Option<&'a str>,
    score: i64,
    grade: &'a str,
    outage_ms: u64,
    failed: u64,
    seed: u64,
    /// The recorded mode.
    mode: Option<PlayMode>,
    date_ms: f64,
    /// `data-run-id` (server) or `data-local-index` (local).
    run_id: Option<i64>,
    local_index: Option<usize>,
    highlight: bool,
    watch_label: String,
    on_watch: Callback<MouseEvent>,
    /// The identity's runs on the board when it has more than this one, and the button
    /// that lists them (server boards only).
    other_runs: Option<(u64, Callback<MouseEvent>)>,
}

fn row(lang: Lang, r: Row<'_>) -> Html {
    html! {
        <tr class={if r.highlight { "highlight" } else { "" }} aria-current={r.highlight.then_some("true")}
            data-run-id={r.run_id.map(|i| i.to_string())} data-local-index={r.local_index.map(|i| i.to_string())}>
            <td class="num mono">{ r.rank }</td>
            <td class="col-player">{ r.player.to_string() }
                if let Some((n, onclick)) = r.other_runs {
                    <button type="button" class="btn btn-small btn-link player-runs" data-player-runs={n.to_string()} {onclick}>
                        { match lang { Lang::En => format!("{n} runs"), Lang::Ja => format!("{n} 件の記録") } }
                    </button>
                }
            </td>
            { team_cell(r.team) }
            <td class="num mono strong" data-score={r.score.to_string()}>{ r.score.to_string() }</td>
            <td>{ grade_chip(r.grade) }</td>
            <td class="num mono">{ clock(r.outage_ms) }</td>
            <td class="num mono">{ fmt_count(r.failed) }</td>
            <td class="num mono">{ r.seed.to_string() }</td>
            <td data-mode={r.mode.map(PlayMode::as_str)}>{ r.mode.map_or("—", |m| play_mode_label(m, lang)) }</td>
            <td class="mono">{ date_text(r.date_ms) }</td>
            <td class="row-actions">
                <button type="button" class="btn btn-small" aria-label={r.watch_label} onclick={r.on_watch}>{ tr(lang, "Watch", "再生") }</button>
            </td>
        </tr>
    }
}

/// The board's columns: (class, English, Japanese).
const COLUMNS: [(&str, &str, &str); 10] = [
    ("num", "Rank", "順位"),
    ("", "Player", "プレイヤー"),
    ("", "Team", "チーム"),
    ("num", "Score", "スコア"),
    ("", "Grade", "評価"),
    ("num", "Outage", "障害時間"),
    ("num", "Failed requests", "失敗リクエスト"),
    ("num", "Seed", "シード"),
    ("", "Mode", "モード"),
    ("", "Date", "日時"),
];

fn head(lang: Lang) -> Html {
    html! {
        <thead><tr>
            { head_cells(lang, &COLUMNS) }
            <th scope="col"><span class="visually-hidden">{ tr(lang, "Ghost replay", "ゴーストリプレイ") }</span></th>
        </tr></thead>
    }
}

/// Rows a page of a server board asks for: a screenful; "Show more" fetches the next
/// page with the answer's cursor (`&after=`).
pub const PAGE_ROWS: u32 = 25;

#[component]
pub fn LeaderboardScreen(props: &LeaderboardProps) -> Html {
    let lang = props.lang;
    let filter = props.filter;
    // The identity whose runs are listed (`player=`), or `None`: each identity's best run.
    // Kept with the board it was opened on (scenario and competition): another board shows
    // its own best runs.
    let board_id = format!(
        "{}|{}",
        props.scenario.id,
        props.competition.as_deref().unwrap_or("")
    );
    let player_state = use_state(|| None::<(String, i64, String)>);
    let player: Option<(i64, String)> = player_state
        .as_ref()
        .filter(|(b, _, _)| *b == board_id)
        .map(|(_, id, name)| (*id, name.clone()));
    let mut url = format!(
        "/api/leaderboard?scenario={}&limit={PAGE_ROWS}{}",
        net::encode(&props.scenario.id),
        filter.query()
    );
    if let Some(c) = &props.competition {
        url.push_str(&format!("&competition={}", net::encode(c)));
    }
    if let Some((id, _)) = &player {
        url.push_str(&format!("&player={id}"));
    }
    // The board a page belongs to: its URL (a page fetched for another is dropped).
    let key = url.clone();
    // (key it answers, reload count, result): a late answer for another scenario is ignored.
    let fetched = use_state(|| None::<(String, u32, Result<Rc<Board>, Failure>)>);
    let reload = use_state(|| 0u32);
    // The pages after the first, fetched by "Show more": (key, reload, pages).
    let more = use_state(|| (String::new(), 0u32, Vec::<Rc<Board>>::new()));
    // Why the next page could not be loaded: (key, why).
    let more_error = use_state(|| None::<(String, String)>);
    // The board whose next page is on its way.
    let in_flight = use_mut_ref(|| None::<String>);
    // The board on show now, for answers that arrive after the player moved on: one for
    // another board is dropped, never shown over (or instead of) this one's.
    let current = use_mut_ref(String::new);
    current.borrow_mut().clone_from(&key);
    let more_error_here = more_error
        .as_ref()
        .filter(|(k, _)| *k == key)
        .map(|(_, why)| why);
    {
        let (fetched, current) = (fetched.clone(), current.clone());
        use_effect_with(
            (key.clone(), props.server, *reload),
            move |(key, server, reload)| {
                if *server == ServerView::Online {
                    let (url, key, reload) = (key.clone(), key.clone(), *reload);
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = net::get::<Board>(&url).await.map(Rc::new);
                        if *current.borrow() == key {
                            fetched.set(Some((key, reload, result)));
                        }
                    });
                }
            },
        );
    }
    let more_pages: &[Rc<Board>] = if more.0 == key && more.1 == *reload {
        &more.2
    } else {
        &[]
    };

    let tabs = scenario::all().iter().map(|s| {
        let current = s.id == props.scenario.id;
        let onclick = click_emits(&props.on_scenario, s.id.as_str());
        html! {
            <button type="button" class={if current { "board-tab active" } else { "board-tab" }} aria-current={current.then_some("page")}
                data-board-scenario={s.id.clone()} {onclick}>{ s.title.get(lang).to_string() }</button>
        }
    });

    let body = match props.server {
        ServerView::Checking => html! {
            <p class="muted" role="status">{ tr(lang, "Checking for a leaderboard server…", "リーダーボードサーバーを確認しています…") }</p>
        },
        ServerView::Offline => {
            let rows = local_board(&props.local, &props.scenario.id, filter);
            html! {
                <>
                    <div class="alert alert-info" role="status" data-offline="">
                        <span>{ tr(lang, "No leaderboard server: showing your local runs", "リーダーボードサーバーがありません: このブラウザーでの記録を表示しています") }</span>
                    </div>
                    if rows.is_empty() {
                        <p class="empty">{ tr(lang, "No runs of this scenario yet: finish a drill and it appears here.", "このシナリオの記録はまだありません。訓練を終えるとここに表示されます。") }</p>
                    } else {
                        <div class="table-scroll">
                            <table class="data-table board-table" data-board="local">
                                <caption class="visually-hidden">{ tr(lang, "Your local runs", "このブラウザーでの記録") }</caption>
                                { head(lang) }
                                <tbody>
                                    { for rows.iter().enumerate().map(|(rank, (index, r))| {
                                        let index = *index;
                                        let on_watch = click_emits(&props.on_watch_local, index);
                                        row(lang, Row {
                                            rank: (rank + 1).to_string(),
                                            player: if r.player.is_empty() { tr(lang, "you", "あなた") } else { &r.player },
                                            team: Some(&r.team),
                                            score: r.score,
                                            grade: &r.grade,
                                            outage_ms: r.outage_ms,
                                            failed: r.requests_failed,
                                            seed: r.replay.seed,
                                            mode: Some(run_mode(r)),
                                            date_ms: r.at_ms as f64,
                                            run_id: None,
                                            local_index: Some(index),
                                            highlight: false,
                                            other_runs: None,
                                            watch_label: match lang {
                                                Lang::En => format!("Watch your run ranked {}", rank + 1),
                                                Lang::Ja => format!("{} 位の記録を再生", rank + 1),
                                            },
                                            on_watch,
                                        })
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    }
                </>
            }
        }
        ServerView::Online => match &*fetched {
            Some((k, n, result)) if *k == key && *n == *reload => match result {
                Err(f) => html! {
                    <div class="alert alert-error" role="alert" id="board-error">
                        <strong>{ tr(lang, "The leaderboard could not be loaded: ", "リーダーボードを読み込めませんでした: ") }</strong>{ f.text(lang) }
                    </div>
                },
                Ok(board) if board.runs.is_empty() => html! {
                    <p class="empty" data-board="server">{ tr(lang, "No runs yet. Finish a drill and submit it from the debrief.", "まだ記録がありません。訓練を終えたら振り返り画面から登録してください。") }</p>
                },
                Ok(board) => {
                    let next = more_pages.last().map_or(&board.next, |b| &b.next).clone();
                    let has_next = next.is_some();
                    let loading = in_flight.borrow().as_ref() == Some(&key);
                    let on_more = {
                        let (more, more_error, url, current, in_flight) = (
                            more.clone(),
                            more_error.clone(),
                            url.clone(),
                            current.clone(),
                            in_flight.clone(),
                        );
                        let (key, reload, pages) = (key.clone(), *reload, more_pages.to_vec());
                        Callback::from(move |_: MouseEvent| {
                            let Some(after) = next.clone() else { return };
                            let url = format!("{url}&after={}", net::encode(&after));
                            if in_flight.borrow().as_ref() == Some(&key) {
                                return; // one next page at a time
                            }
                            let (more, more_error, key, mut pages, current, in_flight) = (
                                more.clone(),
                                more_error.clone(),
                                key.clone(),
                                pages.clone(),
                                current.clone(),
                                in_flight.clone(),
                            );
                            *in_flight.borrow_mut() = Some(key.clone());
                            more_error.set(None); // renders the button as loading
                            wasm_bindgen_futures::spawn_local(async move {
                                let page = net::get::<Board>(&url).await;
                                if in_flight.borrow().as_ref() == Some(&key) {
                                    *in_flight.borrow_mut() = None;
                                }
                                if *current.borrow() != key {
                                    return; // the player moved on: not this board's page
                                }
                                match page {
                                    Ok(page) => {
                                        pages.push(Rc::new(page));
                                        more.set((key, reload, pages));
                                    }
                                    Err(f) => more_error.set(Some((key, f.text(lang)))),
                                }
                            });
                        })
                    };
                    let listing = player.is_some();
                    html! {
                    <>
                    <div class="table-scroll">
                        <table class="data-table board-table" data-board="server">
                            <caption class="visually-hidden">{ tr(lang, "Ranked runs", "ランキング") }</caption>
                            { head(lang) }
                            <tbody>
                                { for board.runs.iter().chain(more_pages.iter().flat_map(|b| b.runs.iter())).map(|r| {
                                    let id = r.id;
                                    let on_watch = click_emits(&props.on_watch, id);
                                    let other_runs = (!listing && r.player_runs > 1).then(|| {
                                        let (player, who) = (player_state.clone(), (board_id.clone(), r.player_id, r.player.clone()));
                                        (r.player_runs, Callback::from(move |_: MouseEvent| player.set(Some(who.clone()))))
                                    });
                                    row(lang, Row {
                                        rank: r.rank.to_string(),
                                        player: &r.player,
                                        team: r.team.as_deref(),
                                        score: r.score,
                                        grade: &r.grade,
                                        outage_ms: r.outage_ms,
                                        failed: r.requests_failed,
                                        seed: r.seed,
                                        mode: Some(r.mode),
                                        date_ms: js_sys::Date::parse(&r.created_at),
                                        run_id: Some(r.id),
                                        local_index: None,
                                        highlight: props.highlight == Some(r.id),
                                        other_runs,
                                        watch_label: match lang {
                                            Lang::En => format!("Watch run {} by {}", r.id, r.player),
                                            Lang::Ja => format!("{} さんの記録 {} を再生", r.player, r.id),
                                        },
                                        on_watch,
                                    })
                                }) }
                            </tbody>
                        </table>
                    </div>
                    if let Some(why) = more_error_here {
                        <div class="alert alert-error" role="alert" id="board-more-error">
                            <strong>{ tr(lang, "The next runs could not be loaded: ", "続きの記録を読み込めませんでした: ") }</strong>{ why.clone() }
                        </div>
                    }
                    if has_next {
                        <button type="button" class="btn btn-normal board-more" disabled={loading} onclick={on_more}>
                            { if loading { tr(lang, "Loading…", "読み込み中…") } else { tr(lang, "Show more", "さらに表示") } }
                        </button>
                    }
                    </>
                    }
                }
            },
            _ => {
                html! { <p class="muted" role="status">{ tr(lang, "Loading…", "読み込み中…") }</p> }
            }
        },
    };

    let refresh = {
        let reload = reload.clone();
        Callback::from(move |_: MouseEvent| reload.set(*reload + 1))
    };
    let all_runs = on_click(&props.on_all_runs);
    // What the board shows: the server's answer says; the local board is the filter's.
    let shows = match (props.server, &*fetched) {
        (ServerView::Online, Some((k, _, Ok(b)))) if *k == key => BoardFilter {
            mode: b.mode,
            seed: b.seed,
            daily: filter.daily,
        },
        _ => filter,
    };
    html! {
        <div class="board-screen">
            <section class="card" aria-labelledby="board-title">
                <div class="card-header">
                    <h2 id="board-title">{ tr(lang, "Leaderboard", "リーダーボード") }</h2>
                    <span class="muted board-sub">{ props.scenario.title.get(lang).to_string() }</span>
                    if let Some(c) = &props.competition {
                        <span class="tag progress" data-competition-filter={c.clone()}>{ format!("{} {}", tr(lang, "competition", "競技"), c) }</span>
                        <button type="button" class="btn btn-small btn-link" onclick={all_runs}>{ tr(lang, "Show all runs", "すべての記録を表示") }</button>
                    }
                    if let Some((_, name)) = &player {
                        <span class="tag progress" data-player-filter={name.clone()}>{ match lang { Lang::En => format!("runs of {name}"), Lang::Ja => format!("{name} さんの記録") } }</span>
                        <button type="button" class="btn btn-small btn-link" onclick={let player = player_state.clone(); Callback::from(move |_: MouseEvent| player.set(None))}>
                            { tr(lang, "Best run of each player", "プレイヤーごとの最高記録") }
                        </button>
                    }
                    <span class="spacer"></span>
                    if props.server == ServerView::Online {
                        <button type="button" class="btn btn-small btn-normal" onclick={refresh}>{ tr(lang, "Refresh", "更新") }</button>
                    }
                </div>
                <nav class="board-tabs" aria-label={tr(lang, "Scenario", "シナリオ")}>{ for tabs }</nav>
                <div class="card-body">
                    { filters(lang, filter, shows, &props.on_filter) }
                    if let Some(e) = &props.error {
                        <div class="alert alert-error" role="alert" id="watch-error">
                            <strong>{ tr(lang, "This run cannot be watched: ", "この記録は再生できません: ") }</strong>{ e.clone() }
                        </div>
                    }
                    { body }
                </div>
            </section>
            if props.server == ServerView::Online {
                { identity_card(props) }
            }
        </div>
    }
}

/// "Your player key": the identity the server issued to this browser, to export (shown
/// on demand) and to import from another browser.
fn identity_card(props: &LeaderboardProps) -> Html {
    let lang = props.lang;
    let show = on_click(&props.on_show_identity);
    let import = {
        let cb = props.on_import_identity.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("identity-import"))
                .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(el).ok())
                .map(|input| input.value())
                .unwrap_or_default();
            cb.emit(value);
        })
    };
    html! {
        <section class="card" aria-labelledby="identity-title">
            <div class="card-header"><h2 id="identity-title">{ tr(lang, "Your player key", "プレイヤーキー") }</h2></div>
            <div class="card-body">
                if let Some(key) = &props.identity {
                    if props.identity_shown {
                        <input id="identity-token" class="input" type="text" readonly=true value={key.clone()} aria-labelledby="identity-title" />
                    } else {
                        <button type="button" class="btn btn-small btn-normal" onclick={show}>{ tr(lang, "Export key", "キーをエクスポート") }</button>
                    }
                }
                <form class="identity-import" onsubmit={import}>
                    <label class="field-label" for="identity-import">{ tr(lang, "Import key", "キーをインポート") }</label>
                    <input id="identity-import" class="input" type="text" autocomplete="off" spellcheck="false" />
                    <button type="submit" class="btn btn-small btn-normal">{ tr(lang, "Import key", "キーをインポート") }</button>
                </form>
                if let Some(note) = &props.identity_note {
                    <p id="identity-note" role="status">{ note.clone() }</p>
                }
            </div>
        </section>
    }
}
