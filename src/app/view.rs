//! The view: the top bar, the notices and the screen the state says, with callbacks that
//! send [`Msg`]s. Reads the state, never changes it.

use quorum_sim::action::TimedAction;
use quorum_sim::scenario;
use quorum_sim::time::fmt_count;
use yew::html::Scope;
use yew::prelude::*;

use super::state::{AppState, Boot, Screen};
use super::{App, Msg};
use crate::i18n::{clock, tr, Lang};
#[cfg(feature = "boards")]
use crate::screens::CompetitionCard;
#[cfg(feature = "boards")]
use crate::screens::{
    AssignmentsScreen, CompetitionScreen, EditorScreen, LeaderboardScreen, ReviewPanel,
    TrainerScreen,
};
use crate::screens::{Briefing, DebriefScreen, DrillScreen, Home, SubmitPanel};
use crate::state::{parse_seed, RunKind};

/// A callback sending `msg(input)`. A fn pointer rather than a closure type: every callback
/// with the same input type shares one instance of `Scope::callback` (smaller wasm).
fn send<T: 'static>(link: &Scope<App>, msg: fn(T) -> Msg) -> Callback<T> {
    link.callback(msg)
}

/// A link of the top navigation.
fn nav_link(label: &'static str, current: bool, onclick: Callback<MouseEvent>) -> Html {
    let class = if current {
        "nav-link active"
    } else {
        "nav-link"
    };
    html! {
        <button type="button" {class} aria-current={current.then_some("page")} {onclick}>{ label }</button>
    }
}

/// The trainee's bundle links to boards.html's assignments once a cohort was joined (a
/// plain link: that bundle has no route or screen for them).
#[cfg(not(feature = "boards"))]
fn cohort_links(state: &AppState, _link: &Scope<App>) -> Html {
    if !state.in_cohort {
        return html! {};
    }
    let href = format!(
        "{}{}",
        crate::route::BOARDS_PAGE,
        crate::route::ASSIGNMENTS_HASH
    );
    html! { <a class="nav-link" {href}>{ tr(state.lang(), "Assignments", "課題") }</a> }
}

/// In the trainee's bundle, a submitted run's debrief says where its trainer's comments
/// are (boards.html: they are read there, with the assignments).
#[cfg(not(feature = "boards"))]
fn debrief_cohort_link(state: &AppState) -> Html {
    // Submitted on this visit (the submit card shows the server's answer).
    if !(state.in_cohort && matches!(state.submit, crate::screens::SubmitState::Done(_))) {
        return html! {};
    }
    html! {
        <p data-cohort-comments="">
            <a href="boards.html#assignments">{ tr(state.lang(), "Your trainer's comments", "トレーナーのコメント") }</a>
        </p>
    }
}

/// boards.html shows the assignments in its navigation.
#[cfg(feature = "boards")]
fn debrief_cohort_link(_state: &AppState) -> Html {
    html! {}
}

/// The home screen's competition card: joining, the joined competition's fixed seeds and
/// its clock (boards.html).
#[cfg(feature = "boards")]
fn competition_card(state: &AppState, link: &Scope<App>) -> Html {
    html! {
        <CompetitionCard lang={state.lang()} server={state.server_view()} joined={state.joined.clone()} loading={state.comp_loading}
            error={state.comp_error.clone().map(AttrValue::from)}
            on_join={send(link, Msg::JoinCompetition)} on_leave={send(link, |_| Msg::LeaveCompetition)}
            on_open={send(link, |_| Msg::OpenCompetition)} on_play={send(link, Msg::PlayCompetition)} />
    }
}

/// The trainee's bundle links to the competition card instead (ARCHITECTURE, bundle
/// budget): competitions are joined and played on boards.html, with their tables.
#[cfg(not(feature = "boards"))]
fn competition_card(state: &AppState, _link: &Scope<App>) -> Html {
    let lang = state.lang();
    html! {
        <section class="card competition-card" aria-labelledby="comp-title" data-competition-link="">
            <div class="card-header"><h2 id="comp-title">{ tr(lang, "Competition", "競技") }</h2></div>
            <div class="card-body">
                <a href="boards.html">{ match &state.joined {
                    Some(j) => format!("{} ({}) →", j.comp.name, j.comp.code),
                    None => tr(lang, "Join a competition with its code →", "コードで競技に参加 →").into(),
                } }</a>
            </div>
        </section>
    }
}

/// boards.html, where cohorts are joined, always shows the assignments and the trainer's pages.
#[cfg(feature = "boards")]
fn cohort_links(state: &AppState, link: &Scope<App>) -> Html {
    use crate::route::Route;
    let lang = state.lang();
    html! {
        <>
            { nav_link(tr(lang, "Assignments", "課題"), matches!(state.screen, Screen::Assignments), send(link, |_| Msg::OpenRoute(Route::Assignments))) }
            { nav_link(tr(lang, "Trainer", "トレーナー"), matches!(state.screen, Screen::Trainer { .. } | Screen::Editor),
                send(link, |_| Msg::OpenRoute(Route::Trainer { cohort: None, trainee: None }))) }
            { nav_link(tr(lang, "Team drill", "チーム訓練"), matches!(state.screen, Screen::Room { .. }),
                send(link, |_| Msg::OpenRoute(Route::Room { code: None }))) }
        </>
    }
}

/// "1 action plays back at its recorded time" / "3 actions play back at their recorded times".
pub fn plays_back(n: usize) -> String {
    match n {
        1 => "1 action plays back at its recorded time".into(),
        n => format!(
            "{} actions play back at their recorded times",
            fmt_count(n as u64)
        ),
    }
}

fn run_label(kind: &RunKind, lang: Lang) -> Option<String> {
    match kind {
        RunKind::Live => None,
        RunKind::WhatIf { from_action, .. } => Some(match lang {
            Lang::En => format!("what-if from action #{}", from_action + 1),
            Lang::Ja => format!("もしも: 操作 #{} から", from_action + 1),
        }),
        RunKind::Replay => Some(tr(lang, "replay", "リプレイ").to_string()),
    }
}

pub fn view(state: &AppState, link: &Scope<App>) -> Html {
    if state.boot != Boot::Ready {
        return boot_view(&state.boot, link);
    }
    let lang = state.lang();
    let lang_button = |l: Lang, label: &'static str| {
        let active = lang == l;
        html! {
            <button type="button" class={if active { "seg active" } else { "seg" }} aria-pressed={if active { "true" } else { "false" }}
                lang={if l == Lang::Ja { "ja" } else { "en" }} onclick={link.callback(move |_: MouseEvent| Msg::SetLang(l))}>{ label }</button>
        }
    };
    let home_link = if matches!(state.screen, Screen::Drill) {
        html! {}
    } else {
        let board_id = match &state.screen {
            Screen::Briefing(s) => s.id.as_str(),
            Screen::Debrief => state
                .finished
                .as_ref()
                .map_or("seed-ami-trap", |f| f.scenario.id.as_str()),
            _ => "seed-ami-trap",
        };
        let board_id: &'static str =
            scenario::builtin(board_id).map_or("seed-ami-trap", |s| s.id.as_str());
        html! {
            <>
                { nav_link(tr(lang, "Scenarios", "シナリオ一覧"), matches!(state.screen, Screen::Home), send(link, |_| Msg::Home)) }
                { nav_link(tr(lang, "Leaderboard", "リーダーボード"), matches!(state.screen, Screen::Leaderboard { .. }),
                    link.callback(move |_| Msg::OpenBoard(board_id))) }
                if state.joined.is_some() {
                    { nav_link(tr(lang, "Competition", "競技"), matches!(state.screen, Screen::Competition), send(link, |_| Msg::OpenCompetition)) }
                }
                { cohort_links(state, link) }
            </>
        }
    };
    let top = html! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">{ "◆" }</span>
                <h1>{ "Quorum Drill" }</h1>
                <span class="brand-sub">{ tr(lang, "incident training console", "障害対応トレーニングコンソール") }</span>
            </div>
            <nav class="topnav" aria-label={tr(lang, "Main", "メイン")}>{ home_link }</nav>
            <div class="segmented lang-switch" role="group" aria-label="Language / 言語">
                { lang_button(Lang::En, "English") }
                { lang_button(Lang::Ja, "日本語") }
            </div>
        </header>
    };
    let notices = if state.notices.is_empty() {
        html! {}
    } else {
        html! {
            <div class="notices">
                { for state.notices.iter().enumerate().map(|(i, n)| html! {
                    <div class={if n.is_warning() { "alert alert-warning" } else { "alert alert-info" }} role="status" data-notice="">
                        <span>{ n.text(lang) }</span>
                        <button type="button" class="icon-btn" aria-label={tr(lang, "Dismiss", "閉じる")} onclick={link.callback(move |_: MouseEvent| Msg::DismissNotice(i))}>{ "✕" }</button>
                    </div>
                }) }
            </div>
        }
    };

    #[cfg(feature = "boards")]
    let server = state.server_view();
    let body = match &state.screen {
        Screen::Home => html! {
            <Home
                competition={competition_card(state, link)}
                joined={state.joined.clone()}
                on_leaderboard={send(link, Msg::OpenBoard)}
                coverage={std::rc::Rc::new(state.coverage.clone())}
                on_next={send(link, Msg::NextDrill)}
                on_daily={send(link, |_| Msg::DailyDrill)}
                on_daily_board={send(link, |_| Msg::DailyBoard)}
                {lang}
                mode={state.settings.mode}
                seed_text={state.seed_text.clone()}
                seed_valid={parse_seed(&state.seed_text).is_some()}
                best={state.best.clone()}
                runs={state.runs.clone()}
                import_error={state.import_error.clone().map(AttrValue::from)}
                on_mode={send(link, Msg::SetMode)}
                on_seed_text={send(link, Msg::SeedText)}
                on_random_seed={send(link, |_| Msg::RandomSeed)}
                on_start={send(link, Msg::Open)}
                on_import={send(link, Msg::Import)}
                on_watch={send(link, Msg::Watch)}
                on_download={send(link, Msg::Download)}
                on_debrief={send(link, Msg::Debrief)}
                on_delete={send(link, Msg::Delete)}
            />
        },
        Screen::Briefing(s) => {
            let (seed, competition) = match &state.briefing_comp {
                Some((code, seed)) => (*seed, Some(AttrValue::from(state.competition_name(code)))),
                None => (parse_seed(&state.seed_text).unwrap_or(0), None),
            };
            html! {
                <Briefing scenario={*s} {lang} mode={state.settings.mode} {seed} {competition}
                    on_start={send(link, |_| Msg::Start)} on_back={send(link, |_| Msg::Home)} />
            }
        }
        #[cfg(feature = "boards")]
        Screen::Leaderboard {
            scenario,
            competition,
        } => html! {
            <LeaderboardScreen {lang} scenario={*scenario} competition={competition.clone().map(AttrValue::from)} {server}
                local={state.local.clone()} highlight={state.highlight} error={state.watch_error.clone().map(AttrValue::from)}
                on_scenario={send(link, Msg::BoardScenario)} on_watch={send(link, Msg::WatchRun)}
                on_watch_local={send(link, Msg::WatchLocal)} on_all_runs={send(link, |_| Msg::BoardAllRuns)}
                filter={state.board_filter} on_filter={send(link, Msg::BoardFilter)}
                identity={state.identity.clone().map(AttrValue::from)} identity_shown={state.identity_shown}
                identity_note={state.identity_note.clone().map(AttrValue::from)}
                on_show_identity={send(link, |_| Msg::ShowIdentity)} on_import_identity={send(link, Msg::ImportIdentity)} />
        },
        #[cfg(feature = "boards")]
        Screen::Competition => match &state.joined {
            // Opened from the address: the start-up check is fetching it (or it failed: why).
            None => match &state.comp_error {
                Some(why) if !state.comp_loading => html! {
                    <div class="alert alert-error" role="alert" id="comp-error">{ why.clone() }</div>
                },
                _ => html! {
                    <p class="loading" role="status">{ tr(lang, "Loading the competition…", "競技を読み込んでいます…") }</p>
                },
            },
            Some(j) => html! {
                <CompetitionScreen {lang} joined={j.clone()} loading={state.comp_loading}
                    error={state.watch_error.clone().or_else(|| state.comp_error.clone()).map(AttrValue::from)}
                    on_refresh={send(link, |_| Msg::RefreshCompetition)} on_play={send(link, Msg::PlayCompetition)}
                    on_board={send(link, Msg::CompetitionBoard)} on_watch={send(link, Msg::WatchRun)} />
            },
        },
        #[cfg(feature = "boards")]
        Screen::Assignments => html! {
            <AssignmentsScreen {lang} identity={state.identity.clone().map(AttrValue::from)}
                runs={std::rc::Rc::new(state.runs.clone())}
                on_identity={link.callback(|c| Msg::IdentityCreated(Ok(c)))} on_play={send(link, Msg::Open)} />
        },
        #[cfg(feature = "boards")]
        Screen::Editor => html! {
            <EditorScreen {lang} on_route={send(link, Msg::OpenRoute)}
                runs={std::rc::Rc::new(state.runs.clone())} on_play={send(link, Msg::Open)}
                on_seed={send(link, Msg::SeedText)} />
        },
        #[cfg(feature = "boards")]
        Screen::Room { code } => html! {
            <crate::room::RoomScreen {lang} code={code.clone().map(AttrValue::from)} identity={state.identity.clone().map(AttrValue::from)} on_route={send(link, Msg::OpenRoute)} />
        },
        #[cfg(feature = "boards")]
        Screen::Trainer { cohort, trainee } => html! {
            <>
                if let Some(e) = &state.watch_error { <p class="alert alert-error" role="alert">{ e.clone() }</p> }
                <TrainerScreen {lang} cohort={*cohort} trainee={*trainee} on_route={send(link, Msg::OpenRoute)} on_watch={send(link, Msg::WatchRun)} />
            </>
        },
        // The trainee's bundle has no board screens: the shell is taking the page to
        // boards.html (route.rs); this shows for the moment that takes.
        #[cfg(not(feature = "boards"))]
        Screen::Leaderboard { .. } | Screen::Competition => html! {
            <p class="loading" role="status">
                <a href={state.route().map(|r| r.page())}>{ tr(lang, "Opening the leaderboard…", "リーダーボードを開いています…") }</a>
            </p>
        },
        Screen::Drill => match &state.drill {
            None => html! {},
            Some(d) => {
                let banner = match &d.kind {
                    RunKind::Live => d.competition.as_ref().map(|code| {
                        let name = state.competition_name(code);
                        match lang {
                            Lang::En => format!("Competition drill — {name} ({code}): seed {} is fixed. Submit your run from the debrief to count it.", d.seed),
                            Lang::Ja => format!("競技の訓練 — {name}（{code}）: シード {} は固定です。振り返り画面から登録すると記録されます。", d.seed),
                        }
                    }),
                    RunKind::Replay if d.ghost.is_some() => {
                        let actions = d.playback.actions();
                        let g = d.ghost.as_ref().unwrap();
                        Some(match lang {
                            Lang::En => format!("Ghost replay (read-only): {}'s run #{} (server score {}); {}.", g.player, g.run_id, g.score, plays_back(actions.len())),
                            Lang::Ja => format!("ゴーストリプレイ（閲覧のみ）: {} さんの記録 #{}（サーバーのスコア {}）。{} 件の操作を記録された時刻に再生します。", g.player, g.run_id, g.score, actions.len()),
                        })
                    }
                    RunKind::WhatIf { from_action, base_actions, .. } => {
                        let a: Option<&TimedAction> = base_actions.get(*from_action);
                        let (at, script) = a.map(|a| (clock(a.at_ms), a.action.to_script())).unwrap_or_default();
                        Some(match lang {
                            Lang::En => format!("What-if run: rewound to {at}, just before your action #{} “{script}”. Choose differently, then resume; the debrief compares both runs.", from_action + 1),
                            Lang::Ja => format!("もしもの実行: {at}、あなたの操作 #{}「{script}」の直前まで巻き戻しました。別の判断をして再開してください。振り返りで両方の実行を比較します。", from_action + 1),
                        })
                    }
                    RunKind::Replay => Some(match lang {
                        Lang::En => format!("Replay viewer (read-only): {}.", plays_back(d.playback.actions().len())),
                        Lang::Ja => format!("リプレイビューア（閲覧のみ）: {} 件の操作を記録された時刻に再生します。", d.playback.actions().len()),
                    }),
                };
                let screen = html! {
                    <DrillScreen
                        sim={d.sim.clone()}
                        {lang}
                        mode={d.mode}
                        play_mode={d.mode.play_mode(&d.kind)}
                        title={d.scenario.title.get(lang).to_string()}
                        seed={d.seed}
                        banner={banner.map(AttrValue::from)}
                        read_only={d.kind.is_replay()}
                        player={d.ghost.as_ref().map(|g| AttrValue::from(g.player.clone()))}
                        speed={d.speed}
                        paused={d.paused}
                        can_skip={d.playback.can_skip(&d.sim.borrow())}
                        flashes={d.flashes.clone()}
                        pending={d.pending.clone()}
                        on_actions={send(link, Msg::Dispatch)}
                        on_speed={send(link, Msg::Speed)}
                        on_pause={send(link, |_| Msg::TogglePause)}
                        on_skip={send(link, |_| Msg::Skip)}
                        on_end={send(link, |_| Msg::End)}
                        on_quit={send(link, |_| Msg::Quit)}
                        on_dismiss_flash={send(link, Msg::DismissFlash)}
                        on_mentor={send(link, Msg::Mentor)}
                    />
                };
                // A trainer reviewing a trainee's run pins comments to the time on show.
                #[cfg(feature = "boards")]
                let screen = match &d.ghost {
                    Some(g) => {
                        html! { <>{ screen }<ReviewPanel {lang} run_id={g.run_id} at_ms={d.sim.borrow().now_ms()} /></> }
                    }
                    None => screen,
                };
                screen
            }
        },
        Screen::Debrief => match &state.finished {
            None => html! {},
            Some(f) => {
                let id: &'static str = f.scenario.id.as_str();
                let on_board = link.callback(move |_| Msg::OpenBoard(id));
                html! {
                <DebriefScreen
                    submit={html! { <>
                        <SubmitPanel {lang} availability={state.availability(f, lang)} state={state.submit.clone()}
                            local_score={f.report.score} player={state.settings.player.clone()} team={state.settings.team.clone()}
                            competition={state.default_code(f)} on_submit={send(link, Msg::Submit)}
                            exam_refusal={state.joined.as_ref().and_then(|j| state.exam_refusal(f, &j.comp.code, lang).map(|m| (j.comp.code.clone().into(), m.into())))}
                            on_leaderboard={on_board.clone()}
                            new_key={state.identity.clone().filter(|_| state.identity_shown).map(AttrValue::from)} />
                        { debrief_cohort_link(state) }
                    </> }}
                    on_leaderboard={on_board}
                    {lang}
                    title={f.scenario.title.get(lang).to_string()}
                    seed={f.seed}
                    mode={f.mode.play_mode(&f.kind)}
                    run_label={run_label(&f.kind, lang).or_else(|| f.competition.as_ref().map(|c| match lang {
                        Lang::En => format!("competition {}", state.competition_name(c)),
                        Lang::Ja => format!("競技 {}", state.competition_name(c)),
                    })).map(AttrValue::from)}
                    report={f.report.clone()}
                    samples={f.samples.clone()}
                    actions={f.actions.clone()}
                    lesson={f.scenario.lesson.get(lang).to_string()}
                    compare={f.compare.clone()}
                    new_best={state.new_best}
                    first_best={state.first_best}
                    on_rewind={send(link, Msg::Rewind)}
                    on_export={send(link, |_| Msg::Export)}
                    on_retry={send(link, |_| Msg::Retry)}
                    on_new_seed={send(link, |_| Msg::NewSeed)}
                    on_home={send(link, |_| Msg::Home)}
                    coverage={(f.scenario.branch_cases().len() > 1).then(|| AttrValue::from(quorum_sim::coverage::summary(f.scenario, &state.coverage, lang)))}
                    on_next={{ let (link, id) = (link.clone(), f.scenario.id.as_str()); Callback::from(move |()| link.send_message(Msg::NextDrill(id))) }}
                />
                }
            }
        },
    };
    let screen_name = state.screen.name();
    html! {
        <div class={format!("app screen-{screen_name}")} data-screen={screen_name}>
            { top }
            <main class="main">
                { notices }
                { body }
            </main>
        </div>
    }
}

/// Before the scenarios are installed: a loading line, or why they could not be fetched and
/// a retry. In both languages (the stored language is read with the rest of storage, after).
fn boot_view(boot: &Boot, link: &Scope<App>) -> Html {
    let body = match boot {
        Boot::Failed(why) => html! {
            <div class="alert alert-error" role="alert" data-boot="failed">
                <p>{ "The scenarios could not be loaded. / シナリオを読み込めませんでした。" }</p>
                <p><code>{ why.clone() }</code></p>
                // After a deploy the old page names a pack that is gone: a reload fetches the new.
                <p>{ "Retry, or reload the page if the game was just updated. / 再試行するか、ゲームが更新された直後ならページを再読み込みしてください。" }</p>
                <button type="button" class="btn btn-primary" onclick={send(link, |_| Msg::RetryScenarios)}>
                    { "Retry / 再試行" }</button>
            </div>
        },
        _ => html! {
            <p class="alert alert-info" role="status" aria-busy="true" data-boot="loading">
                { "Loading scenarios… / シナリオを読み込み中…" }</p>
        },
    };
    html! { <main class="card card-body">{ body }</main> }
}
