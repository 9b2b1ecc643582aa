//! Trainers and their trainees (issue 13), in the boards bundle only (`boards.html`): the
//! trainee's cohorts and assignments with what is left to do and the trainers' comments on
//! submitted runs (`#assignments`); the trainer's pages (`#trainer…`): the trainer token,
//! cohorts and invite codes, assignments, the dashboard (trainees × assignments, sorted and
//! filtered by the server, CSV), a trainee's runs opening in the replay viewer; and the
//! review panel under that viewer, where the trainer pins comments to the sim time on
//! show. Every result is the server's (`crates/drill/README.md`, "Trainers"): these pages
//! only ask and show.

use std::rc::Rc;

use quorum_proto::team::{CohortSeat, CohortTeamDrill};
use quorum_proto::trainer::{
    Assignment, AssignmentMode, AssignmentRequest, AssignmentScenario, AuthoredScenario, Cohort,
    CohortDetail, CohortRequest, Comment, CommentRequest, Dashboard, DashboardCell, JoinRequest,
    Joined, LintReport, LintRequest, MyAssignment, ProofRecorded, ScenarioTemplate, TraineeRun,
};
use quorum_sim::scenario;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::i18n::{clock, tr, Lang};
use crate::leaderboard::IdentityCreated;
use crate::net::{self, Failure};
use crate::route::Route;
use crate::storage::{self, SavedRun};

fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

fn on_text(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        if let Some(i) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            state.set(i.value());
        }
    })
}

fn select_value(e: &Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default()
}

fn scenario_title(id: &str, lang: Lang) -> String {
    scenario::builtin(id).map_or_else(|| id.to_string(), |s| s.title.get(lang).to_string())
}

fn mode_text(mode: AssignmentMode, lang: Lang) -> &'static str {
    match mode {
        AssignmentMode::Exam => tr(lang, "Exam mode", "試験モード"),
        AssignmentMode::Mentor => tr(
            lang,
            "Exam or Mentor mode",
            "試験モードまたはメンターモード",
        ),
    }
}

/// "2026-12-31T23:59:59Z" as "2026-12-31 23:59 UTC".
fn when(rfc3339: &str) -> String {
    let t = rfc3339.replace('T', " ");
    let t = t.get(..16).unwrap_or(&t);
    format!("{t} UTC")
}

/// Fetches a trainer's scenario in the packed format and installs it beside the built-in
/// ones (`scenario::install_extra`): it then opens, plays, replays and submits as any
/// drill. The browser has no TOML parser; the server packs the file.
async fn install(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
    lang: Lang,
) -> Result<&'static str, String> {
    let text = net::call_text(method, path, body, bearer)
        .await
        .map_err(|f| f.text(lang))?;
    scenario::install_extra(&text)
        .map(|s| s.id.as_str())
        .map_err(|e| e.to_string())
}

fn error_line(text: &str) -> Html {
    html! { <p class="alert alert-error" role="alert">{ text.to_string() }</p> }
}

/// A cell's status chip: done, overdue, or still to do.
fn status_chip(cell: &DashboardCell, lang: Lang) -> Html {
    if cell.done {
        html! { <span class="chip chip-ok" data-status="done">{ tr(lang, "done", "完了") }</span> }
    } else if cell.overdue {
        html! { <span class="chip chip-bad" data-status="overdue">{ tr(lang, "overdue", "期限切れ") }</span> }
    } else {
        html! { <span class="chip" data-status="pending">{ tr(lang, "to do", "未完了") }</span> }
    }
}

fn comment_list(comments: &[Comment], lang: Lang) -> Html {
    if comments.is_empty() {
        return html! { <p class="muted">{ tr(lang, "No comments yet.", "コメントはまだありません。") }</p> };
    }
    html! {
        <ul class="comments">
            { for comments.iter().map(|c| html! {
                <li data-comment={c.id.to_string()}>
                    <span class="mono comment-at">{ clock(c.at_ms) }</span>{ " " }
                    <strong>{ c.trainer.clone() }</strong>{ ": " }
                    <span class="comment-body">{ c.body.clone() }</span>
                </li>
            }) }
        </ul>
    }
}

// ---------------------------------------------------------------------------------------
// The trainee: #assignments

#[derive(Properties, PartialEq)]
pub struct AssignmentsProps {
    pub lang: Lang,
    /// This browser's player identity, if it has one.
    pub identity: Option<AttrValue>,
    /// The finished runs kept in this browser (those submitted carry their server id).
    pub runs: Rc<Vec<SavedRun>>,
    /// An identity was minted to join (the app stores it).
    pub on_identity: Callback<IdentityCreated>,
    /// Open a scenario's briefing.
    pub on_play: Callback<&'static str>,
}

#[function_component(AssignmentsScreen)]
pub fn assignments_screen(p: &AssignmentsProps) -> Html {
    let lang = p.lang;
    let list = use_state(|| None::<Result<Vec<MyAssignment>, Failure>>);
    let reload = use_state(|| 0u32);
    let code = use_state(String::new);
    let name = use_state(String::new);
    let join_note = use_state(|| None::<Result<String, String>>);
    let comments = use_state(Vec::<(i64, Result<Vec<Comment>, Failure>)>::new);
    let play_error = use_state(|| None::<String>);
    // A trainer's scenario: fetched packed by its hash, installed, then opened.
    let on_custom = {
        let (on_play, play_error) = (p.on_play.clone(), play_error.clone());
        Callback::from(move |hash: String| {
            let (on_play, play_error) = (on_play.clone(), play_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match install("GET", &format!("/api/scenarios/{hash}"), None, None, lang).await {
                    Ok(id) => on_play.emit(id),
                    Err(e) => play_error.set(Some(e)),
                }
            });
        })
    };

    {
        let list = list.clone();
        let identity = p.identity.clone();
        use_effect_with((identity, *reload), move |(identity, _)| {
            if let Some(token) = identity.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let r = net::call::<Vec<MyAssignment>>(
                        "GET",
                        "/api/me/assignments",
                        None,
                        Some(&token),
                    )
                    .await;
                    list.set(Some(r));
                });
            }
        });
    }

    let on_join = {
        let (code, name, join_note, reload) = (
            code.clone(),
            name.clone(),
            join_note.clone(),
            reload.clone(),
        );
        let identity = p.identity.clone();
        let on_identity = p.on_identity.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = JoinRequest {
                invite_code: code.trim().to_string(),
                name: name.trim().to_string(),
            };
            let (join_note, reload, identity, on_identity) = (
                join_note.clone(),
                reload.clone(),
                identity.clone(),
                on_identity.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let token = match identity {
                    Some(t) => t.to_string(),
                    None => {
                        match net::post::<IdentityCreated>("/api/identities", "{}".into(), None)
                            .await
                        {
                            Ok(created) => {
                                let t = created.token.clone();
                                on_identity.emit(created);
                                t
                            }
                            Err(f) => return join_note.set(Some(Err(f.text(lang)))),
                        }
                    }
                };
                let body = serde_json::to_string(&body).unwrap_or_default();
                match net::call::<Joined>("POST", "/api/cohorts/join", Some(body), Some(&token))
                    .await
                {
                    Ok(j) => {
                        storage::save_cohort_joined(&j.cohort);
                        join_note.set(Some(Ok(match lang {
                            Lang::En => {
                                format!("You joined the cohort “{}” as {}.", j.cohort, j.name)
                            }
                            Lang::Ja => format!(
                                "コホート「{}」に {} として参加しました。",
                                j.cohort, j.name
                            ),
                        })));
                        reload.set(*reload + 1);
                    }
                    Err(f) if f.code == "unknown_cohort" => join_note.set(Some(Err(tr(
                        lang,
                        "No cohort has this invite code.",
                        "この招待コードのコホートはありません。",
                    )
                    .into()))),
                    Err(f) => join_note.set(Some(Err(f.text(lang)))),
                }
            });
        })
    };

    let join_card = html! {
        <section class="card card-body" data-card="join-cohort">
            <h2>{ tr(lang, "Join a cohort", "コホートに参加") }</h2>
            <p class="muted">{ tr(lang, "Your trainer gives you an invite code. Your runs are submitted as this browser's player identity.",
                "トレーナーから招待コードを受け取ってください。記録はこのブラウザーのプレイヤー ID で登録されます。") }</p>
            <form class="form-row" onsubmit={on_join}>
                <label>{ tr(lang, "Invite code", "招待コード") }
                    <input type="text" name="invite" value={(*code).clone()} oninput={on_text(&code)} maxlength="20" /></label>
                <label>{ tr(lang, "Your name", "あなたの名前") }
                    <input type="text" name="trainee-name" value={(*name).clone()} oninput={on_text(&name)} maxlength="40" /></label>
                <button type="submit" class="btn btn-primary" disabled={code.trim().is_empty() || name.trim().is_empty()}>
                    { tr(lang, "Join", "参加") }</button>
            </form>
            { match &*join_note {
                Some(Ok(t)) => html! { <p class="alert alert-info" role="status" data-joined="">{ t.clone() }</p> },
                Some(Err(t)) => error_line(t),
                None => html! {},
            } }
        </section>
    };

    let assignments = match (&p.identity, &*list) {
        (None, _) => {
            html! { <p class="muted">{ tr(lang, "Join a cohort to see its assignments.", "コホートに参加すると課題が表示されます。") }</p> }
        }
        (_, None) => {
            html! { <p class="loading" role="status">{ tr(lang, "Loading the assignments…", "課題を読み込んでいます…") }</p> }
        }
        (_, Some(Err(f))) => error_line(&f.text(lang)),
        (_, Some(Ok(items))) if items.is_empty() => html! {
            <p class="muted" data-assignments="none">{ tr(lang, "No assignments yet.", "課題はまだありません。") }</p>
        },
        (_, Some(Ok(items))) => html! {
            <ul class="assignment-list">
                { for items.iter().map(|m| my_assignment(m, lang, &p.on_play, &on_custom)) }
            </ul>
        },
    };

    let submitted: Vec<&SavedRun> = p.runs.iter().filter(|r| r.submitted.is_some()).collect();
    let runs_card = if submitted.is_empty() || p.identity.is_none() {
        html! {}
    } else {
        html! {
            <section class="card card-body" data-card="my-runs">
                <h2>{ tr(lang, "Your submitted runs", "登録した記録") }</h2>
                <ul class="run-list">
                    { for submitted.iter().map(|r| {
                        let id = r.submitted.unwrap_or_default();
                        let shown = comments.iter().find(|(rid, _)| *rid == id).map(|(_, c)| c.clone());
                        let onclick = {
                            let (comments, token) = (comments.clone(), p.identity.clone().unwrap_or_default());
                            Callback::from(move |_: MouseEvent| {
                                let (comments, token) = (comments.clone(), token.clone());
                                wasm_bindgen_futures::spawn_local(async move {
                                    let r = net::call::<Vec<Comment>>("GET", &format!("/api/me/runs/{id}/comments"), None, Some(&token)).await;
                                    let mut all: Vec<_> = (*comments).clone();
                                    all.retain(|(rid, _)| *rid != id);
                                    all.push((id, r));
                                    comments.set(all);
                                });
                            })
                        };
                        html! {
                            <li data-run={id.to_string()}>
                                <span>{ format!("#{id} · {} · {} ({})", scenario_title(&r.replay.scenario_id, lang), r.score, r.grade) }</span>{ " " }
                                <button type="button" class="btn btn-sm" {onclick}>{ tr(lang, "Trainer's comments", "トレーナーのコメント") }</button>
                                { match shown {
                                    Some(Ok(c)) => comment_list(&c, lang),
                                    Some(Err(f)) => error_line(&f.text(lang)),
                                    None => html! {},
                                } }
                            </li>
                        }
                    }) }
                </ul>
            </section>
        }
    };

    html! {
        <div class="trainer-page" data-page="assignments">
            <h2>{ tr(lang, "Your assignments", "あなたの課題") }</h2>
            { (*play_error).as_deref().map(error_line).unwrap_or_default() }
            { assignments }
            { runs_card }
            { join_card }
        </div>
    }
}

fn my_assignment(
    m: &MyAssignment,
    lang: Lang,
    on_play: &Callback<&'static str>,
    on_custom: &Callback<String>,
) -> Html {
    let a = &m.assignment;
    let cell = &m.progress;
    html! {
        <li class="card card-body assignment" data-assignment={a.id.to_string()}>
            <h3>{ a.title.clone() }{ " " }{ status_chip(cell, lang) }</h3>
            <p class="muted">
                { format!("{} · {}", m.cohort, mode_text(a.mode, lang)) }
                { match &a.due_at {
                    Some(d) => format!(" · {} {}", tr(lang, "due", "期限"), when(d)),
                    None => String::new(),
                } }
            </p>
            <ul>
                { for cell.scenarios.iter().zip(&a.scenarios).map(|(s, wanted)| {
                    let play = match &wanted.hash {
                        // A trainer's scenario: installed from the server when played.
                        Some(hash) => {
                            let (cb, hash) = (on_custom.clone(), hash.clone());
                            Some(html! { <button type="button" class="btn btn-sm" data-custom=""
                                onclick={Callback::from(move |_: MouseEvent| cb.emit(hash.clone()))}>
                                { tr(lang, "Play", "プレイ") }</button> })
                        }
                        None => scenario::builtin(&s.scenario_id).map(|sc| {
                            let id: &'static str = sc.id.as_str();
                            let cb = on_play.clone();
                            html! { <button type="button" class="btn btn-sm" onclick={Callback::from(move |_: MouseEvent| cb.emit(id))}>
                                { tr(lang, "Play", "プレイ") }</button> }
                        }),
                    };
                    html! {
                        <li data-scenario={s.scenario_id.clone()}>
                            <strong>{ wanted.title.as_ref().map_or_else(|| scenario_title(&s.scenario_id, lang), |t| t.get(lang).to_string()) }</strong>{ " " }
                            { match (s.best_score, &s.grade) {
                                (Some(score), Some(g)) => format!("{} {score} ({g})", tr(lang, "best", "最高")),
                                _ => tr(lang, "not played yet", "未プレイ").to_string(),
                            } }
                            if s.full_coverage {
                                <span class="muted">{ match lang {
                                    Lang::En => format!(" · branch cases left: {}", if s.cases_left.is_empty() { "none".to_string() } else { s.cases_left.join(", ") }),
                                    Lang::Ja => format!(" · 残りの分岐ケース: {}", if s.cases_left.is_empty() { "なし".to_string() } else { s.cases_left.join("、") }),
                                } }</span>
                            }
                            { " " }{ play }
                        </li>
                    }
                }) }
            </ul>
        </li>
    }
}

// ---------------------------------------------------------------------------------------
// The trainer: #trainer…

#[derive(Properties, PartialEq)]
pub struct TrainerProps {
    pub lang: Lang,
    pub cohort: Option<i64>,
    pub trainee: Option<i64>,
    pub on_route: Callback<Route>,
    /// Open a run in the replay viewer (`GET /api/runs/{id}`).
    pub on_watch: Callback<i64>,
}

#[function_component(TrainerScreen)]
pub fn trainer_screen(p: &TrainerProps) -> Html {
    let lang = p.lang;
    // The stored token; a corrupt value was removed (the notice says so).
    let token = use_state(storage::trainer_token);
    let typed = use_state(String::new);
    let on_save = {
        let (token, typed) = (token.clone(), typed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let t = typed.trim().to_string();
            if storage::is_trainer_token(&t) {
                storage::save_trainer_token(Some(&t));
                token.set((Some(t), false));
            } else {
                token.set((None, true));
            }
        })
    };
    let sign_out = {
        let token = token.clone();
        Callback::from(move |_: MouseEvent| {
            storage::save_trainer_token(None);
            token.set((None, false));
        })
    };
    let t = match &*token {
        (Some(t), _) => t.clone(),
        (None, reset) => {
            return html! {
                <div class="trainer-page" data-page="trainer-login">
                    <h2>{ tr(lang, "Trainer", "トレーナー") }</h2>
                    if *reset {
                        <p class="alert alert-warning" role="status" data-notice="trainer-token">
                            { tr(lang, "The trainer token was not valid (it starts with qdt1_) and was removed: enter it again.",
                                "トレーナートークンが正しくなかったため削除しました（qdt1_ で始まります）。もう一度入力してください。") }</p>
                    }
                    <form class="card card-body form-row" onsubmit={on_save}>
                        <label>{ tr(lang, "Trainer token (from the server's administrator)", "トレーナートークン（サーバー管理者から受け取ります）") }
                            <input type="password" name="trainer-token" value={(*typed).clone()} oninput={on_text(&typed)} autocomplete="off" /></label>
                        <button type="submit" class="btn btn-primary">{ tr(lang, "Sign in", "サインイン") }</button>
                    </form>
                </div>
            };
        }
    };
    let body = match (p.cohort, p.trainee) {
        (Some(c), Some(pid)) => {
            html! { <TraineePage {lang} token={AttrValue::from(t)} cohort={c} player={pid} on_route={p.on_route.clone()} on_watch={p.on_watch.clone()} /> }
        }
        (Some(c), None) => {
            html! { <CohortPage {lang} token={AttrValue::from(t)} cohort={c} on_route={p.on_route.clone()} /> }
        }
        _ => {
            html! { <CohortsPage {lang} token={AttrValue::from(t)} on_route={p.on_route.clone()} /> }
        }
    };
    html! {
        <div class="trainer-page" data-page="trainer">
            <div class="row-between">
                <h2>{ tr(lang, "Trainer", "トレーナー") }</h2>
                <div>
                    <button type="button" class="btn btn-sm" onclick={{ let r = p.on_route.clone(); Callback::from(move |_: MouseEvent| r.emit(Route::Editor)) }}>
                        { tr(lang, "Scenario editor", "シナリオエディター") }</button>{ " " }
                    <button type="button" class="btn btn-sm" onclick={sign_out}>{ tr(lang, "Sign out", "サインアウト") }</button>
                </div>
            </div>
            { body }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CohortsProps {
    lang: Lang,
    token: AttrValue,
    on_route: Callback<Route>,
}

#[function_component(CohortsPage)]
fn cohorts_page(p: &CohortsProps) -> Html {
    let lang = p.lang;
    let list = use_state(|| None::<Result<Vec<Cohort>, Failure>>);
    let reload = use_state(|| 0u32);
    let name = use_state(String::new);
    let error = use_state(|| None::<String>);
    {
        let list = list.clone();
        use_effect_with((p.token.clone(), *reload), move |(token, _)| {
            let token = token.clone();
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(
                    net::call("GET", "/api/trainer/cohorts", None, Some(&token)).await,
                ));
            });
        });
    }
    // A creation in flight: a second click does not make a second cohort.
    let sending = use_state(|| false);
    let on_create = {
        let (name, reload, error, token, sending) = (
            name.clone(),
            reload.clone(),
            error.clone(),
            p.token.clone(),
            sending.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            sending.set(true);
            let body = serde_json::to_string(&CohortRequest {
                name: name.trim().to_string(),
            })
            .unwrap_or_default();
            let (name, reload, error, token, sending) = (
                name.clone(),
                reload.clone(),
                error.clone(),
                token.clone(),
                sending.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let r =
                    net::call::<Cohort>("POST", "/api/trainer/cohorts", Some(body), Some(&token))
                        .await;
                sending.set(false);
                match r {
                    Ok(_) => {
                        name.set(String::new());
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(f) => error.set(Some(f.text(lang))),
                }
            });
        })
    };
    html! {
        <>
            <section class="card card-body" data-card="cohorts">
                <h3>{ tr(lang, "Your cohorts", "あなたのコホート") }</h3>
                { match &*list {
                    None => html! { <p class="loading">{ tr(lang, "Loading…", "読み込み中…") }</p> },
                    Some(Err(f)) => error_line(&f.text(lang)),
                    Some(Ok(c)) if c.is_empty() => html! { <p class="muted">{ tr(lang, "No cohort yet: create one below.", "コホートはまだありません。下で作成してください。") }</p> },
                    Some(Ok(c)) => html! {
                        <table class="data-table">
                            <thead><tr>{ crate::screens::head_cells(lang, &[("", "Cohort", "コホート"), ("", "Invite code", "招待コード"), ("num", "Trainees", "受講者数")]) }</tr></thead>
                            <tbody>
                                { for c.iter().map(|c| {
                                    let (on_route, id) = (p.on_route.clone(), c.id);
                                    html! {
                                        <tr data-cohort={c.id.to_string()}>
                                            <td><button type="button" class="btn btn-link" onclick={Callback::from(move |_: MouseEvent| on_route.emit(Route::Trainer { cohort: Some(id), trainee: None }))}>{ c.name.clone() }</button></td>
                                            <td class="mono" data-invite="">{ c.invite_code.clone() }</td>
                                            <td class="num">{ c.trainees }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    },
                } }
            </section>
            <form class="card card-body form-row" onsubmit={on_create} data-card="new-cohort">
                <label>{ tr(lang, "New cohort", "新しいコホート") }
                    <input type="text" name="cohort-name" value={(*name).clone()} oninput={on_text(&name)} maxlength="60" /></label>
                <button type="submit" class="btn btn-primary" disabled={name.trim().is_empty() || *sending}>{ tr(lang, "Create", "作成") }</button>
                { (*error).as_deref().map(error_line).unwrap_or_default() }
            </form>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct CohortProps {
    lang: Lang,
    token: AttrValue,
    cohort: i64,
    on_route: Callback<Route>,
}

/// The dashboard's query: sort, direction and filters, as the server reads them.
#[derive(Clone, PartialEq, Default)]
struct Query {
    sort: String,
    desc: bool,
    name: String,
    status: String,
}

impl Query {
    fn string(&self) -> String {
        let mut q = format!(
            "sort={}&desc={}",
            net::encode(if self.sort.is_empty() {
                "name"
            } else {
                &self.sort
            }),
            self.desc
        );
        if !self.name.is_empty() {
            q.push_str(&format!("&name={}", net::encode(&self.name)));
        }
        if !self.status.is_empty() {
            q.push_str(&format!("&status={}", net::encode(&self.status)));
        }
        q
    }
}

#[function_component(CohortPage)]
fn cohort_page(p: &CohortProps) -> Html {
    let lang = p.lang;
    let detail = use_state(|| None::<Result<CohortDetail, Failure>>);
    let dash = use_state(|| None::<Result<Dashboard, Failure>>);
    let query = use_state(Query::default);
    let reload = use_state(|| 0u32);
    let csv_error = use_state(|| None::<String>);
    {
        let detail = detail.clone();
        use_effect_with(
            (p.token.clone(), p.cohort, *reload),
            move |(token, id, _)| {
                let (token, id) = (token.clone(), *id);
                wasm_bindgen_futures::spawn_local(async move {
                    detail.set(Some(
                        net::call(
                            "GET",
                            &format!("/api/trainer/cohorts/{id}"),
                            None,
                            Some(&token),
                        )
                        .await,
                    ));
                });
            },
        );
    }
    // The latest query's answer only: typing a name filter sends one request per key, and
    // an older answer arriving last must not replace a newer one.
    let dash_seq = use_mut_ref(|| 0u32);
    {
        let (dash, dash_seq) = (dash.clone(), dash_seq.clone());
        use_effect_with(
            (p.token.clone(), p.cohort, (*query).clone(), *reload),
            move |(token, id, q, _)| {
                let (token, url) = (
                    token.clone(),
                    format!("/api/trainer/cohorts/{id}/dashboard?{}", q.string()),
                );
                let mine = {
                    let mut s = dash_seq.borrow_mut();
                    *s += 1;
                    *s
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let r = net::call("GET", &url, None, Some(&token)).await;
                    if *dash_seq.borrow() == mine {
                        dash.set(Some(r));
                    }
                });
            },
        );
    }
    let back = {
        let on_route = p.on_route.clone();
        Callback::from(move |_: MouseEvent| {
            on_route.emit(Route::Trainer {
                cohort: None,
                trainee: None,
            })
        })
    };
    let detail_html = match &*detail {
        None => html! { <p class="loading">{ tr(lang, "Loading…", "読み込み中…") }</p> },
        Some(Err(f)) => {
            return html! { <>{ error_line(&f.text(lang)) }<button type="button" class="btn" onclick={back}>{ tr(lang, "All cohorts", "コホート一覧") }</button></> }
        }
        Some(Ok(d)) => html! { <>
            <section class="card card-body" data-card="cohort">
                <h3>{ d.cohort.name.clone() }</h3>
                <p>{ tr(lang, "Invite code: ", "招待コード: ") }<strong class="mono" data-invite="">{ d.cohort.invite_code.clone() }</strong>
                    <span class="muted">{ tr(lang, " — trainees join it on the Assignments page: ", " — 受講者は「課題」ページで参加します: ") }<code>{ "boards.html#assignments" }</code></span></p>
                <p class="muted">{ match lang {
                    Lang::En => format!("{} trainees, {} assignments", d.trainees.len(), d.assignments.len()),
                    Lang::Ja => format!("受講者 {} 人、課題 {} 件", d.trainees.len(), d.assignments.len()),
                } }</p>
                <ul class="assignment-list">
                    { for d.assignments.iter().map(|a| assignment_line(a, lang)) }
                </ul>
            </section>
            <CohortTeamDrills {lang} drills={Rc::new(d.team_drills.clone())} />
        </> },
    };

    let sort_by = |key: String| {
        let query = query.clone();
        Callback::from(move |_: MouseEvent| {
            let mut q = (*query).clone();
            q.desc = if q.sort == key {
                !q.desc
            } else {
                key.starts_with("score:") || key == "last_practised"
            };
            q.sort = key.clone();
            query.set(q);
        })
    };
    let arrow = |key: &str| -> &'static str {
        if query.sort == key || (query.sort.is_empty() && key == "name") {
            if query.desc {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        }
    };
    let on_name = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                let mut q = (*query).clone();
                q.name = i.value();
                query.set(q);
            }
        })
    };
    let on_status = {
        let query = query.clone();
        Callback::from(move |e: Event| {
            let mut q = (*query).clone();
            q.status = select_value(&e);
            query.set(q);
        })
    };
    let on_csv = {
        let (token, id, q, csv_error) = (
            p.token.clone(),
            p.cohort,
            (*query).clone(),
            csv_error.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (token, url, csv_error) = (
                token.clone(),
                format!("/api/trainer/cohorts/{id}/dashboard.csv?{}", q.string()),
                csv_error.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match net::get_text_as(&url, &token).await {
                    Ok(text) => {
                        csv_error.set(None);
                        download_csv(&format!("cohort-{id}-dashboard.csv"), &text);
                    }
                    Err(f) => csv_error.set(Some(f.text(lang))),
                }
            });
        })
    };

    let matrix = match &*dash {
        None => html! { <p class="loading">{ tr(lang, "Loading…", "読み込み中…") }</p> },
        Some(Err(f)) => error_line(&f.text(lang)),
        Some(Ok(d)) => html! {
            <table class="data-table dashboard" data-dashboard="">
                <thead><tr>
                    <th scope="col"><button type="button" class="btn btn-link" onclick={sort_by("name".into())}>{ tr(lang, "Trainee", "受講者") }{ arrow("name") }</button></th>
                    { for d.assignments.iter().map(|a| {
                        let key = format!("score:{}", a.id);
                        html! { <th scope="col"><button type="button" class="btn btn-link" onclick={sort_by(key.clone())}>{ a.title.clone() }{ arrow(&key) }</button></th> }
                    }) }
                    <th scope="col"><button type="button" class="btn btn-link" onclick={sort_by("last_practised".into())}>{ tr(lang, "Last practised", "最終練習") }{ arrow("last_practised") }</button></th>
                    <th scope="col"><button type="button" class="btn btn-link" onclick={sort_by("overdue".into())}>{ tr(lang, "Overdue", "期限切れ") }{ arrow("overdue") }</button></th>
                </tr></thead>
                <tbody>
                    { for d.rows.iter().map(|r| {
                        let (on_route, cohort, pid) = (p.on_route.clone(), p.cohort, r.player_id);
                        let last = r.cells.iter().filter_map(|c| c.last_practised_ms.zip(c.last_practised.clone())).max_by_key(|(ms, _)| *ms).map(|(_, t)| when(&t));
                        let overdue = r.cells.iter().filter(|c| c.overdue).count();
                        html! {
                            <tr data-trainee={r.player_id.to_string()}>
                                <th scope="row"><button type="button" class="btn btn-link" onclick={Callback::from(move |_: MouseEvent| on_route.emit(Route::Trainer { cohort: Some(cohort), trainee: Some(pid) }))}>{ r.name.clone() }</button></th>
                                { for r.cells.iter().map(|c| html! {
                                    <td data-cell={c.assignment_id.to_string()}>
                                        { status_chip(c, lang) }{ " " }
                                        { match (c.best_score, &c.grade) {
                                            (Some(s), Some(g)) => html! { <>{ s }{ " " }{ crate::screens::grade_chip(g) }</> },
                                            (Some(s), None) => html! { { s } },
                                            _ => html! { <span class="muted">{ "—" }</span> },
                                        } }
                                        <div class="muted small">{ match lang {
                                            Lang::En => format!("cases {}/{}", c.cases_covered, c.cases_total),
                                            Lang::Ja => format!("分岐ケース {}/{}", c.cases_covered, c.cases_total),
                                        } }</div>
                                    </td>
                                }) }
                                <td>{ last.unwrap_or_else(|| "—".into()) }</td>
                                <td class="num">{ overdue }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
    };

    html! {
        <>
            <button type="button" class="btn btn-sm" onclick={back}>{ tr(lang, "← All cohorts", "← コホート一覧") }</button>
            { detail_html }
            <section class="card card-body" data-card="dashboard">
                <h3>{ tr(lang, "Dashboard", "ダッシュボード") }</h3>
                <div class="form-row">
                    <label>{ tr(lang, "Trainee name", "受講者名") }<input type="search" name="filter-name" value={query.name.clone()} oninput={on_name} /></label>
                    <label>{ tr(lang, "Status", "状態") }
                        <select name="filter-status" onchange={on_status}>
                            <option value="" selected={query.status.is_empty()}>{ tr(lang, "all", "すべて") }</option>
                            <option value="overdue" selected={query.status == "overdue"}>{ tr(lang, "overdue", "期限切れ") }</option>
                            <option value="done" selected={query.status == "done"}>{ tr(lang, "done", "完了") }</option>
                            <option value="pending" selected={query.status == "pending"}>{ tr(lang, "to do", "未完了") }</option>
                        </select></label>
                    <button type="button" class="btn" onclick={on_csv} data-export="csv">{ tr(lang, "Export CSV", "CSV を書き出す") }</button>
                </div>
                { (*csv_error).as_deref().map(error_line).unwrap_or_default() }
                { matrix }
            </section>
            <NewAssignment {lang} token={p.token.clone()} cohort={p.cohort} on_created={{ let reload = reload.clone(); Callback::from(move |()| reload.set(*reload + 1)) }} />
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct CohortTeamDrillsProps {
    pub lang: Lang,
    /// The cohort's team drills as the server lists them (`CohortDetail.team_drills`,
    /// newest first).
    pub drills: Rc<Vec<CohortTeamDrill>>,
}

/// The cohort page's "Team drills" (issue 14): each drill opened for the cohort, newest
/// first — when it ended, the scenario and seed, the team's score and grade, and each
/// trainee's seat with that role's points, all the server's.
#[function_component(CohortTeamDrills)]
pub fn cohort_team_drills(p: &CohortTeamDrillsProps) -> Html {
    let lang = p.lang;
    let ja = lang == Lang::Ja;
    html! {
        <section class="card card-body" data-card="team-drills">
            <h3>{ tr(lang, "Team drills", "チーム訓練") }</h3>
            if p.drills.is_empty() {
                <p class="empty">{ tr(lang,
                    "No team drill for this cohort yet. A room opened for the cohort with your trainer token is listed here once its drill ends: its trainees take the acting seats, with their player key.",
                    "このコホートのチーム訓練はまだありません。トレーナートークンでこのコホート向けに開いたルームは、訓練が終わるとここに表示されます。操作する役割には受講者が自分のプレイヤーキーで就きます。") }</p>
            } else {
                <table class="data-table" data-team-drills="">
                    <thead><tr>
                        { crate::screens::head_cells(lang, &[("", "Ended", "終了日時"), ("", "Scenario", "シナリオ"), ("num", "Seed", "シード"),
                            ("num", "Score", "スコア"), ("", "Grade", "評価"), ("", "Trainees: role and points", "受講者: 役割とポイント")]) }
                    </tr></thead>
                    <tbody>
                        { for p.drills.iter().map(|d| {
                            // In the roles' order (commander, operator, communications).
                            let mut seats: Vec<&CohortSeat> = d.players.iter().collect();
                            seats.sort_by(|a, b| (a.role, &a.name).cmp(&(b.role, &b.name)));
                            html! {
                            <tr data-team-drill={d.code.clone()}>
                                <td>{ when(&d.ended_at) }</td>
                                <td>{ scenario_title(&d.scenario_id, lang) }</td>
                                <td class="num mono">{ d.seed.to_string() }</td>
                                <td class="num mono strong" data-score={d.score.to_string()}>{ d.score.to_string() }</td>
                                <td>{ crate::screens::grade_chip(&d.grade) }</td>
                                <td>
                                    <ul class="seat-list">
                                        { for seats.iter().map(|s| html! {
                                            <li class={format!("role-{}", s.role.as_str())} data-role={s.role.as_str()} data-points={s.points.to_string()}>
                                                <span class="role-dot" aria-hidden="true"></span>
                                                <span class="muted">{ format!("{}:", s.role.label(ja)) }</span>{ " " }
                                                <span class="seat-name">{ s.name.clone() }</span>{ " " }
                                                <span class="mono">{ format!("{} {}", s.points, tr(lang, "points", "ポイント")) }</span>
                                            </li>
                                        }) }
                                    </ul>
                                </td>
                            </tr>
                        } }) }
                    </tbody>
                </table>
            }
        </section>
    }
}

fn assignment_line(a: &Assignment, lang: Lang) -> Html {
    html! {
        <li data-assignment={a.id.to_string()}>
            <strong>{ a.title.clone() }</strong>
            { format!(" · {} · {}", mode_text(a.mode, lang), a.scenarios.iter().map(|s| {
                let t = scenario_title(&s.id, lang);
                if s.full_coverage { format!("{t} ({})", tr(lang, "every branch case", "全分岐ケース")) } else { t }
            }).collect::<Vec<_>>().join(", ")) }
            { a.due_at.as_deref().map(|d| format!(" · {} {}", tr(lang, "due", "期限"), when(d))).unwrap_or_default() }
        </li>
    }
}

/// Offers `text` as a CSV file download (a Blob, as the export of replays).
fn download_csv(filename: &str, text: &str) {
    download_text(filename, "text/csv", text);
}

/// Offers `text` as a file download of type `mime` (also the team drill's exports).
pub(crate) fn download_text(filename: &str, mime: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", filename);
        if let (Some(body), Ok(a)) = (document.body(), a.dyn_into::<web_sys::HtmlElement>()) {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[derive(Properties, PartialEq)]
struct NewAssignmentProps {
    lang: Lang,
    token: AttrValue,
    cohort: i64,
    on_created: Callback<()>,
}

#[function_component(NewAssignment)]
fn new_assignment(p: &NewAssignmentProps) -> Html {
    let lang = p.lang;
    let title = use_state(String::new);
    let chosen = use_state(Vec::<String>::new);
    let full = use_state(|| false);
    let due = use_state(String::new);
    let mode = use_state(|| AssignmentMode::Exam);
    let error = use_state(|| None::<String>);
    // The trainer's published scenarios, assignable by their hash.
    let published = use_state(Vec::<AuthoredScenario>::new);
    // A submission in flight: a second click does not assign twice.
    let sending = use_state(|| false);
    {
        let (published, token) = (published.clone(), p.token.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = net::call::<Vec<AuthoredScenario>>(
                    "GET",
                    "/api/trainer/scenarios",
                    None,
                    Some(&token),
                )
                .await
                {
                    published.set(list.into_iter().filter(|a| a.hash.is_some()).collect());
                }
            });
        });
    }
    let on_submit = {
        let (title, chosen, full, due, mode, error) = (
            title.clone(),
            chosen.clone(),
            full.clone(),
            due.clone(),
            mode.clone(),
            error.clone(),
        );
        let (token, cohort, on_created) = (p.token.clone(), p.cohort, p.on_created.clone());
        let sending = sending.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            sending.set(true);
            let req = AssignmentRequest {
                title: title.trim().to_string(),
                scenarios: chosen
                    .iter()
                    .map(|key| {
                        // `id@hash`: a trainer's published scenario.
                        let (id, hash) = match key.split_once('@') {
                            Some((id, hash)) => (id.to_string(), Some(hash.to_string())),
                            None => (key.clone(), None),
                        };
                        AssignmentScenario {
                            id,
                            hash,
                            title: None,
                            full_coverage: *full,
                        }
                    })
                    .collect(),
                due_at: (!due.is_empty()).then(|| format!("{}T23:59:59Z", *due)),
                mode: *mode,
            };
            let body = serde_json::to_string(&req).unwrap_or_default();
            let (title, chosen, error, token, on_created, sending) = (
                title.clone(),
                chosen.clone(),
                error.clone(),
                token.clone(),
                on_created.clone(),
                sending.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let r = net::call::<Assignment>(
                    "POST",
                    &format!("/api/trainer/cohorts/{cohort}/assignments"),
                    Some(body),
                    Some(&token),
                )
                .await;
                sending.set(false);
                match r {
                    Ok(_) => {
                        title.set(String::new());
                        chosen.set(Vec::new());
                        error.set(None);
                        on_created.emit(());
                    }
                    Err(f) => error.set(Some(f.text(lang))),
                }
            });
        })
    };
    html! {
        <form class="card card-body" onsubmit={on_submit} data-card="new-assignment">
            <h3>{ tr(lang, "New assignment", "新しい課題") }</h3>
            <label>{ tr(lang, "Title", "タイトル") }
                <input type="text" name="assignment-title" value={(*title).clone()} oninput={on_text(&title)} maxlength="80" /></label>
            <fieldset>
                <legend>{ tr(lang, "Scenarios", "シナリオ") }</legend>
                { for scenario::course().into_iter().map(|s| {
                    let id = s.id.clone();
                    let checked = chosen.contains(&id);
                    let onchange = {
                        let (chosen, id) = (chosen.clone(), id.clone());
                        Callback::from(move |_: Event| {
                            let mut v = (*chosen).clone();
                            if let Some(i) = v.iter().position(|x| *x == id) { v.remove(i); } else { v.push(id.clone()); }
                            chosen.set(v);
                        })
                    };
                    html! { <label class="check"><input type="checkbox" name="assignment-scenario" value={id.clone()} {checked} {onchange} />{ " " }{ s.title.get(lang).to_string() }</label> }
                }) }
                { for published.iter().map(|a| {
                    let key = format!("{}@{}", a.scenario_id, a.hash.clone().unwrap_or_default());
                    let checked = chosen.contains(&key);
                    let onchange = {
                        let (chosen, key) = (chosen.clone(), key.clone());
                        Callback::from(move |_: Event| {
                            let mut v = (*chosen).clone();
                            if let Some(i) = v.iter().position(|x| *x == key) { v.remove(i); } else { v.push(key.clone()); }
                            chosen.set(v);
                        })
                    };
                    let label = match lang {
                        Lang::En => format!(" {} (yours, version {})", a.scenario_id, a.version),
                        Lang::Ja => format!(" {}（あなたのシナリオ、バージョン {}）", a.scenario_id, a.version),
                    };
                    html! { <label class="check"><input type="checkbox" name="assignment-scenario" value={key.clone()} data-hash={a.hash.clone().unwrap_or_default()} {checked} {onchange} />{ label }</label> }
                }) }
            </fieldset>
            <label class="check"><input type="checkbox" name="full-coverage" checked={*full}
                onchange={{ let full = full.clone(); Callback::from(move |_: Event| full.set(!*full)) }} />
                { tr(lang, " Require every branch case, each handled cleanly", " すべての分岐ケースをきれいに対処することを必須にする") }</label>
            <label>{ tr(lang, "Due date (end of the day, UTC; optional)", "期限（UTC のその日の終わり、任意）") }
                <input type="date" name="due" value={(*due).clone()} onchange={{ let due = due.clone(); Callback::from(move |e: Event| due.set(input_value(&e))) }} /></label>
            <label>{ tr(lang, "Mode", "モード") }
                <select name="assignment-mode" onchange={{ let mode = mode.clone(); Callback::from(move |e: Event| mode.set(AssignmentMode::parse(&select_value(&e)).unwrap_or(AssignmentMode::Exam))) }}>
                    <option value="exam" selected={*mode == AssignmentMode::Exam}>{ mode_text(AssignmentMode::Exam, lang) }</option>
                    <option value="mentor" selected={*mode == AssignmentMode::Mentor}>{ mode_text(AssignmentMode::Mentor, lang) }</option>
                </select></label>
            <button type="submit" class="btn btn-primary" disabled={title.trim().is_empty() || chosen.is_empty() || *sending}>{ tr(lang, "Assign", "課題を出す") }</button>
            { (*error).as_deref().map(error_line).unwrap_or_default() }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct TraineeProps {
    lang: Lang,
    token: AttrValue,
    cohort: i64,
    player: i64,
    on_route: Callback<Route>,
    on_watch: Callback<i64>,
}

#[function_component(TraineePage)]
fn trainee_page(p: &TraineeProps) -> Html {
    let lang = p.lang;
    let runs = use_state(|| None::<Result<Vec<TraineeRun>, Failure>>);
    let open_error = use_state(|| None::<String>);
    {
        let runs = runs.clone();
        use_effect_with(
            (p.token.clone(), p.cohort, p.player),
            move |(token, c, pid)| {
                let (token, url) = (
                    token.clone(),
                    format!("/api/trainer/cohorts/{c}/trainees/{pid}/runs"),
                );
                wasm_bindgen_futures::spawn_local(async move {
                    runs.set(Some(net::call("GET", &url, None, Some(&token)).await));
                });
            },
        );
    }
    let back = {
        let (on_route, c) = (p.on_route.clone(), p.cohort);
        Callback::from(move |_: MouseEvent| {
            on_route.emit(Route::Trainer {
                cohort: Some(c),
                trainee: None,
            })
        })
    };
    html! {
        <>
            <button type="button" class="btn btn-sm" onclick={back}>{ tr(lang, "← Dashboard", "← ダッシュボード") }</button>
            <section class="card card-body" data-card="trainee-runs">
                <h3>{ tr(lang, "Every run of this trainee", "この受講者のすべての記録") }</h3>
                { (*open_error).as_deref().map(error_line).unwrap_or_default() }
                { match &*runs {
                    None => html! { <p class="loading">{ tr(lang, "Loading…", "読み込み中…") }</p> },
                    Some(Err(f)) => error_line(&f.text(lang)),
                    Some(Ok(r)) if r.is_empty() => html! { <p class="muted">{ tr(lang, "No run submitted yet.", "登録された記録はまだありません。") }</p> },
                    Some(Ok(r)) => html! {
                        <table class="data-table">
                            <thead><tr>{ crate::screens::head_cells(lang, &[("", "Run", "記録"), ("", "Scenario", "シナリオ"), ("", "Mode", "モード"), ("num", "Score", "スコア"), ("", "Branch case", "分岐ケース"), ("", "Submitted", "登録日時"), ("num", "Comments", "コメント"), ("", "", "")]) }</tr></thead>
                            <tbody>
                                { for r.iter().map(|run| {
                                    let (on_watch, id) = (p.on_watch.clone(), run.id);
                                    // A trainer's scenario is installed first (the viewer
                                    // replays the run on it).
                                    let custom = scenario::builtin(&run.scenario_id)
                                        .is_none_or(|s| s.hash != run.scenario_hash)
                                        .then(|| run.scenario_hash.clone());
                                    let open_error = open_error.clone();
                                    let open = Callback::from(move |_: MouseEvent| match custom.clone() {
                                        None => on_watch.emit(id),
                                        Some(hash) => {
                                            let (on_watch, open_error) = (on_watch.clone(), open_error.clone());
                                            wasm_bindgen_futures::spawn_local(async move {
                                                match install("GET", &format!("/api/scenarios/{hash}"), None, None, lang).await {
                                                    Ok(_) => on_watch.emit(id),
                                                    Err(e) => open_error.set(Some(e)),
                                                }
                                            });
                                        }
                                    });
                                    html! {
                                        <tr data-run={run.id.to_string()}>
                                            <td class="mono">{ format!("#{}", run.id) }</td>
                                            <td>{ scenario_title(&run.scenario_id, lang) }</td>
                                            <td>{ quorum_proto::api::mode_label(run.mode, lang) }</td>
                                            <td class="num">{ run.score }{ " " }{ crate::screens::grade_chip(&run.grade) }</td>
                                            <td>{ run.branch_case.clone().unwrap_or_else(|| "—".into()) }{ if run.handled_cleanly { " ✓" } else { "" } }</td>
                                            <td>{ when(&run.created_at) }</td>
                                            <td class="num">{ run.comments }</td>
                                            <td><button type="button" class="btn btn-sm" onclick={open}>
                                                { tr(lang, "Open the replay", "リプレイを開く") }</button></td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    },
                } }
            </section>
        </>
    }
}

// ---------------------------------------------------------------------------------------
// The review panel under the replay viewer

#[derive(Properties, PartialEq)]
pub struct ReviewProps {
    pub lang: Lang,
    pub run_id: i64,
    /// The viewer's current sim time: a new comment is pinned to it.
    pub at_ms: u64,
}

/// A trainer's comments on the run in the viewer, and a new one at the time on show. Shows
/// nothing in a browser without a trainer token, or for a run the trainer does not train
/// (the server answers 404).
#[function_component(ReviewPanel)]
pub fn review_panel(p: &ReviewProps) -> Html {
    let lang = p.lang;
    let token = use_state(|| storage::trainer_token().0);
    let comments = use_state(|| None::<Result<Vec<Comment>, Failure>>);
    let text = use_state(String::new);
    let error = use_state(|| None::<String>);
    {
        let (comments, token) = (comments.clone(), (*token).clone());
        use_effect_with(p.run_id, move |id| {
            if let Some(token) = token {
                let id = *id;
                wasm_bindgen_futures::spawn_local(async move {
                    comments.set(Some(
                        net::call(
                            "GET",
                            &format!("/api/trainer/runs/{id}/comments"),
                            None,
                            Some(&token),
                        )
                        .await,
                    ));
                });
            }
        });
    }
    let Some(t) = (*token).clone() else {
        return html! {};
    };
    let list = match &*comments {
        Some(Ok(c)) => c.clone(),
        // Not this trainer's trainee (or no server): no review here.
        _ => return html! {},
    };
    let on_submit = {
        let (comments, text, error, id, at_ms, list) = (
            comments.clone(),
            text.clone(),
            error.clone(),
            p.run_id,
            p.at_ms,
            list.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = serde_json::to_string(&CommentRequest {
                at_ms,
                body: text.trim().to_string(),
            })
            .unwrap_or_default();
            let (comments, text, error, t, mut list) = (
                comments.clone(),
                text.clone(),
                error.clone(),
                t.clone(),
                list.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match net::call::<Comment>(
                    "POST",
                    &format!("/api/trainer/runs/{id}/comments"),
                    Some(body),
                    Some(&t),
                )
                .await
                {
                    Ok(c) => {
                        list.push(c);
                        list.sort_by_key(|c| (c.at_ms, c.id));
                        comments.set(Some(Ok(list)));
                        text.set(String::new());
                        error.set(None);
                    }
                    Err(f) => error.set(Some(f.text(lang))),
                }
            });
        })
    };
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(a) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            {
                text.set(a.value());
            }
        })
    };
    html! {
        <section class="card card-body review" data-card="review">
            <h3>{ tr(lang, "Trainer's review", "トレーナーのレビュー") }</h3>
            { comment_list(&list, lang) }
            <form onsubmit={on_submit}>
                <label>{ match lang {
                    Lang::En => format!("Comment at {}", clock(p.at_ms)),
                    Lang::Ja => format!("{} の時点へのコメント", clock(p.at_ms)),
                } }
                    <textarea name="comment" rows="2" maxlength="2000" value={(*text).clone()} oninput={on_input} /></label>
                <button type="submit" class="btn btn-primary" disabled={text.trim().is_empty()}>{ tr(lang, "Add the comment", "コメントを追加") }</button>
                { (*error).as_deref().map(error_line).unwrap_or_default() }
            </form>
        </section>
    }
}

// ---------------------------------------------------------------------------------------
// The scenario editor: #editor

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub lang: Lang,
    pub on_route: Callback<Route>,
    /// The finished runs kept in this browser: those of the file on show can become its
    /// proofs.
    pub runs: Rc<Vec<SavedRun>>,
    /// Open an installed scenario's briefing (a test run, a proof's play).
    pub on_play: Callback<&'static str>,
    /// The seed to play (sent before `on_play`: a seed of the branch case chosen).
    pub on_seed: Callback<String>,
}

/// `POST /api/trainer/scenarios/lint` on `source`.
async fn lint(source: String, token: &str) -> Result<LintReport, Failure> {
    let body = serde_json::to_string(&LintRequest { toml: source }).unwrap_or_default();
    net::call::<LintReport>(
        "POST",
        "/api/trainer/scenarios/lint",
        Some(body),
        Some(token),
    )
    .await
}

/// A scenario file, from a copy of a built-in one, checked as you type by the server with
/// `drill lint`'s checks (the TOML parser and the proofs' simulation are not in the
/// browser), and exported as the `.toml` file the CLI reads.
#[function_component(EditorScreen)]
pub fn editor_screen(p: &EditorProps) -> Html {
    let lang = p.lang;
    let token = use_state(|| storage::trainer_token().0);
    let templates = use_state(|| None::<Result<Vec<ScenarioTemplate>, Failure>>);
    // The file in progress survives a test run in the console and a reload.
    let text = use_state(storage::editor_text);
    let report = use_state(|| None::<Result<LintReport, Failure>>);
    let checking = use_state(|| false);
    // The latest edit: an answer to an older one is dropped.
    let seq = use_mut_ref(|| 0u32);
    let files = use_state(|| None::<Result<Vec<AuthoredScenario>, Failure>>);
    let files_reload = use_state(|| 0u32);
    let store_note = use_state(|| None::<Result<String, String>>);
    // A request of the buttons in flight: they are disabled until it answers.
    let busy = use_state(|| false);
    // The branch case a test run or a proof's play is to meet ("": the home screen's seed).
    let case = use_state(String::new);
    {
        // The file kept from before is checked once on arrival.
        let (report, token, text, seq) = (
            report.clone(),
            (*token).clone(),
            (*text).clone(),
            seq.clone(),
        );
        use_effect_with((), move |_| {
            if let (Some(token), false) = (token, text.is_empty()) {
                let mine = *seq.borrow();
                wasm_bindgen_futures::spawn_local(async move {
                    let r = lint(text, &token).await;
                    if *seq.borrow() == mine {
                        report.set(Some(r));
                    }
                });
            }
        });
    }
    {
        let (files, token) = (files.clone(), (*token).clone());
        use_effect_with(*files_reload, move |_| {
            if let Some(token) = token {
                wasm_bindgen_futures::spawn_local(async move {
                    files.set(Some(
                        net::call("GET", "/api/trainer/scenarios", None, Some(&token)).await,
                    ));
                });
            }
        });
    }
    {
        let (templates, token) = (templates.clone(), (*token).clone());
        use_effect_with((), move |_| {
            if let Some(token) = token {
                wasm_bindgen_futures::spawn_local(async move {
                    templates.set(Some(
                        net::call(
                            "GET",
                            "/api/trainer/scenarios/templates",
                            None,
                            Some(&token),
                        )
                        .await,
                    ));
                });
            }
        });
    }
    let back = {
        let on_route = p.on_route.clone();
        Callback::from(move |_: MouseEvent| {
            on_route.emit(Route::Trainer {
                cohort: None,
                trainee: None,
            })
        })
    };
    let Some(t) = (*token).clone() else {
        return html! {
            <div class="trainer-page" data-page="editor">
                <h2>{ tr(lang, "Scenario editor", "シナリオエディター") }</h2>
                <p class="muted">{ tr(lang, "Sign in as a trainer first.", "先にトレーナーとしてサインインしてください。") }</p>
                <button type="button" class="btn" onclick={back}>{ tr(lang, "Trainer", "トレーナー") }</button>
            </div>
        };
    };
    // Checks `source` after a pause in typing (400 ms), unless another edit came since.
    let check = {
        let (report, checking, seq, t) = (report.clone(), checking.clone(), seq.clone(), t.clone());
        Rc::new(move |source: String| {
            let mine = {
                let mut s = seq.borrow_mut();
                *s += 1;
                *s
            };
            let (report, checking, seq, t) =
                (report.clone(), checking.clone(), seq.clone(), t.clone());
            checking.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(400).await;
                if *seq.borrow() != mine {
                    return;
                }
                let r = lint(source, &t).await;
                if *seq.borrow() == mine {
                    report.set(Some(r));
                    checking.set(false);
                }
            });
        })
    };
    let on_input = {
        let (text, check) = (text.clone(), check.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(a) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            {
                text.set(a.value());
                storage::save_editor_text(&a.value());
                check(a.value());
            }
        })
    };
    let on_template = {
        let (text, templates, check) = (text.clone(), templates.clone(), check.clone());
        Callback::from(move |e: Event| {
            let id = select_value(&e);
            if let Some(Ok(list)) = &*templates {
                if let Some(tpl) = list.iter().find(|t| t.id == id) {
                    text.set(tpl.toml.clone());
                    storage::save_editor_text(&tpl.toml);
                    check(tpl.toml.clone());
                }
            }
        })
    };
    let on_export = {
        let (text, report) = (text.clone(), report.clone());
        Callback::from(move |_: MouseEvent| {
            let id = match &*report {
                Some(Ok(LintReport {
                    scenario_id: Some(id),
                    ..
                })) => id.clone(),
                _ => "scenario".to_string(),
            };
            download_text(&format!("{id}.toml"), "application/toml", &text);
        })
    };
    let on_save = {
        let (text, store_note, files_reload, t) = (
            text.clone(),
            store_note.clone(),
            files_reload.clone(),
            t.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let body = serde_json::to_string(&LintRequest {
                toml: (*text).clone(),
            })
            .unwrap_or_default();
            let (store_note, files_reload, t) =
                (store_note.clone(), files_reload.clone(), t.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match net::call::<AuthoredScenario>(
                    "POST",
                    "/api/trainer/scenarios",
                    Some(body),
                    Some(&t),
                )
                .await
                {
                    Ok(a) => {
                        store_note.set(Some(Ok(match lang {
                            Lang::En => format!(
                                "Saved as the draft of {} (version {}).",
                                a.scenario_id, a.version
                            ),
                            Lang::Ja => format!(
                                "{} の下書き（バージョン {}）として保存しました。",
                                a.scenario_id, a.version
                            ),
                        })));
                        files_reload.set(*files_reload + 1);
                    }
                    Err(f) => store_note.set(Some(Err(f.text(lang)))),
                }
            });
        })
    };
    // A test run: the server packs the file on show (it must parse), the page installs it
    // and opens its briefing; `proof` saves it as the draft first, so that the finished run
    // can be kept as the draft's proof (the server checks the run against the stored file).
    let play = |proof: bool| {
        let (text, store_note, files_reload, busy, on_play, t) = (
            text.clone(),
            store_note.clone(),
            files_reload.clone(),
            busy.clone(),
            p.on_play.clone(),
            t.clone(),
        );
        let (case, on_seed) = ((*case).clone(), p.on_seed.clone());
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let body = serde_json::to_string(&LintRequest {
                toml: (*text).clone(),
            })
            .unwrap_or_default();
            let (store_note, files_reload, busy, on_play, t, case, on_seed) = (
                store_note.clone(),
                files_reload.clone(),
                busy.clone(),
                on_play.clone(),
                t.clone(),
                case.clone(),
                on_seed.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                if proof {
                    if let Err(f) = net::call::<AuthoredScenario>(
                        "POST",
                        "/api/trainer/scenarios",
                        Some(body.clone()),
                        Some(&t),
                    )
                    .await
                    {
                        busy.set(false);
                        return store_note.set(Some(Err(f.text(lang))));
                    }
                    files_reload.set(*files_reload + 1);
                }
                let r = install(
                    "POST",
                    "/api/trainer/scenarios/pack",
                    Some(body),
                    Some(&t),
                    lang,
                )
                .await;
                busy.set(false);
                match r {
                    Ok(id) => {
                        // The sim's rule for a seed of the case (draws only, microseconds).
                        let seed = scenario::builtin(id)
                            .filter(|_| !case.is_empty())
                            .and_then(|s| s.seed_for_case(&case, 1, 100_000));
                        if let Some(seed) = seed {
                            on_seed.emit(seed.to_string());
                        }
                        on_play.emit(id)
                    }
                    Err(e) => store_note.set(Some(Err(e))),
                }
            });
        })
    };
    let keep_proof = |draft: i64, run: &SavedRun| {
        let body = format!("{{\"replay\":{}}}", run.replay.to_json());
        let (text, report, store_note, files_reload, busy, t) = (
            text.clone(),
            report.clone(),
            store_note.clone(),
            files_reload.clone(),
            busy.clone(),
            t.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let (body, text, report, store_note, files_reload, busy, t) = (
                body.clone(),
                text.clone(),
                report.clone(),
                store_note.clone(),
                files_reload.clone(),
                busy.clone(),
                t.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let r = net::call::<ProofRecorded>(
                    "POST",
                    &format!("/api/trainer/scenarios/{draft}/proof"),
                    Some(body),
                    Some(&t),
                )
                .await;
                busy.set(false);
                match r {
                    Ok(rec) => {
                        storage::save_editor_text(&rec.toml);
                        text.set(rec.toml.clone());
                        report.set(Some(Ok(rec.lint)));
                        store_note.set(Some(Ok(match lang {
                            Lang::En => format!(
                                "Recorded as the proof of {} (par {}), written into the draft's [[proofs]].",
                                rec.case, rec.par_redundancy
                            ),
                            Lang::Ja => format!(
                                "{} の証明として記録しました（基準 {}）。下書きの [[proofs]] に書き込みました。",
                                rec.case, rec.par_redundancy
                            ),
                        })));
                        files_reload.set(*files_reload + 1);
                    }
                    Err(f) => store_note.set(Some(Err(f.text(lang)))),
                }
            });
        })
    };
    let publish = |id: i64| {
        let (store_note, files_reload, t) = (store_note.clone(), files_reload.clone(), t.clone());
        Callback::from(move |_: MouseEvent| {
            let (store_note, files_reload, t) =
                (store_note.clone(), files_reload.clone(), t.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match net::call::<AuthoredScenario>(
                    "POST",
                    &format!("/api/trainer/scenarios/{id}/publish"),
                    Some("{}".into()),
                    Some(&t),
                )
                .await
                {
                    Ok(a) => {
                        store_note.set(Some(Ok(match lang {
                            Lang::En => format!(
                                "Published {} version {}: it can no longer change.",
                                a.scenario_id, a.version
                            ),
                            Lang::Ja => format!(
                                "{} のバージョン {} を公開しました。今後は変更できません。",
                                a.scenario_id, a.version
                            ),
                        })));
                        files_reload.set(*files_reload + 1);
                    }
                    Err(f) => store_note.set(Some(Err(f.text(lang)))),
                }
            });
        })
    };
    let export = |a: &AuthoredScenario| {
        let (t, id, name, store_note) = (
            t.clone(),
            a.id,
            format!("{}-v{}.toml", a.scenario_id, a.version),
            store_note.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (t, name, store_note) = (t.clone(), name.clone(), store_note.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match net::get_text_as(&format!("/api/trainer/scenarios/{id}/toml"), &t).await {
                    Ok(toml) => download_text(&name, "application/toml", &toml),
                    Err(f) => store_note.set(Some(Err(f.text(lang)))),
                }
            });
        })
    };
    let files_html = match &*files {
        None => html! {},
        Some(Err(f)) => error_line(&f.text(lang)),
        Some(Ok(list)) if list.is_empty() => {
            html! { <p class="muted">{ tr(lang, "No scenario file saved yet.", "保存したシナリオファイルはまだありません。") }</p> }
        }
        Some(Ok(list)) => html! {
            <table class="data-table" data-files="">
                <thead><tr>{ crate::screens::head_cells(lang, &[("", "Scenario", "シナリオ"), ("num", "Version", "バージョン"), ("", "Status", "状態"), ("", "Hash", "ハッシュ"), ("", "Saved", "保存日時"), ("", "", "")]) }</tr></thead>
                <tbody>
                    { for list.iter().map(|a| html! {
                        <tr data-file={a.id.to_string()} data-status={a.status.clone()}>
                            <td class="mono">{ a.scenario_id.clone() }</td>
                            <td class="num">{ a.version }</td>
                            <td>{ if a.status == "published" { tr(lang, "published", "公開済み") } else { tr(lang, "draft", "下書き") } }</td>
                            <td class="mono">{ a.hash.as_deref().and_then(|h| h.get(..16)).unwrap_or("—").to_string() }</td>
                            <td>{ when(&a.saved_at) }</td>
                            <td>
                                if a.status == "draft" {
                                    <button type="button" class="btn btn-sm" onclick={publish(a.id)}>{ tr(lang, "Publish", "公開") }</button>{ " " }
                                }
                                <button type="button" class="btn btn-sm" onclick={export(a)}>{ tr(lang, "Export", "書き出す") }</button>
                            </td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
    };
    let verdict = match (&*report, *checking) {
        (_, true) => {
            html! { <p class="muted" role="status" data-lint="checking">{ tr(lang, "Checking…", "確認しています…") }</p> }
        }
        (None, false) => html! {},
        (Some(Err(f)), false) => error_line(&f.text(lang)),
        (Some(Ok(r)), false) if r.ok => html! {
            <p class="alert alert-info" role="status" data-lint="ok">
                { tr(lang, "No problems: every check of drill lint passes. ", "問題はありません。drill lint のすべての確認に合格しました。") }
                <code>{ format!("{} · {} · {}", r.scenario_id.clone().unwrap_or_default(), r.scenario_hash.clone().unwrap_or_default().get(..16).unwrap_or_default(), r.branch_cases) }</code>
            </p>
        },
        (Some(Ok(r)), false) => html! {
            <div class="alert alert-error" role="alert" data-lint="problems">
                <p>{ match lang {
                    Lang::En => format!("{} problem(s):", r.problems.len()),
                    Lang::Ja => format!("{} 件の問題:", r.problems.len()),
                } }</p>
                <ul>{ for r.problems.iter().map(|m| html! { <li><code>{ m.clone() }</code></li> }) }</ul>
            </div>
        },
    };
    // An edit in the form: the server wrote it into the file, which is then checked.
    let on_form_text = {
        let (text, check) = (text.clone(), check.clone());
        Callback::from(move |toml: String| {
            storage::save_editor_text(&toml);
            text.set(toml.clone());
            check(toml);
        })
    };
    // The finished runs of the file on show (its hash), newest first, and its draft.
    let shown_hash = match &*report {
        Some(Ok(r)) => r.scenario_hash.clone(),
        _ => None,
    };
    let shown_id = match &*report {
        Some(Ok(r)) => r.scenario_id.clone(),
        _ => None,
    };
    let draft = match (&*files, &shown_id) {
        (Some(Ok(list)), Some(id)) => list
            .iter()
            .find(|a| a.status == "draft" && &a.scenario_id == id)
            .map(|a| a.id),
        _ => None,
    };
    let played: Vec<&SavedRun> = p
        .runs
        .iter()
        .filter(|r| shown_hash.as_ref() == Some(&r.replay.scenario_hash))
        .collect();
    let runs_card = if played.is_empty() {
        html! {}
    } else {
        html! {
            <section class="card card-body" data-card="test-runs">
                <h3>{ tr(lang, "Runs of this file", "このファイルのプレイ記録") }</h3>
                <p class="muted">{ tr(lang, "A run that followed the runbook with no outage can be kept as the proof of the branch case it met: the server replays it on the draft and writes it into the file.",
                    "ランブックどおりに障害なく進めた記録は、その分岐ケースの証明として残せます。サーバーが下書きで再シミュレーションし、ファイルに書き込みます。") }</p>
                <ul class="run-list">
                    { for played.iter().map(|r| html! {
                        <li data-test-run={r.replay.seed.to_string()} data-actions={r.replay.actions.len().to_string()}>
                            <span>{ match lang {
                                Lang::En => format!("seed {} · {} ({}) · outage {}", r.replay.seed, r.score, r.grade, clock(r.outage_ms)),
                                Lang::Ja => format!("シード {} · {}（{}）· 障害 {}", r.replay.seed, r.score, r.grade, clock(r.outage_ms)),
                            } }</span>{ " " }
                            if let Some(d) = draft {
                                <button type="button" class="btn btn-sm" disabled={*busy} onclick={keep_proof(d, r)}>{ tr(lang, "Keep as proof", "証明として残す") }</button>
                            }
                        </li>
                    }) }
                </ul>
            </section>
        }
    };
    html! {
        <div class="trainer-page" data-page="editor">
            <div class="row-between">
                <h2>{ tr(lang, "Scenario editor", "シナリオエディター") }</h2>
                <button type="button" class="btn btn-sm" onclick={back}>{ tr(lang, "← Trainer", "← トレーナー") }</button>
            </div>
            <section class="card card-body editor">
                <label>{ tr(lang, "Start from a copy of", "コピー元のシナリオ") }
                    <select name="template" onchange={on_template}>
                        <option value="" selected=true>{ "—" }</option>
                        { for templates.as_ref().and_then(|t| t.as_ref().ok()).into_iter().flatten().map(|t| {
                            let title = scenario_title(&t.id, lang);
                            html! { <option value={t.id.clone()}>{ title }</option> }
                        }) }
                    </select></label>
                <crate::screens::scenario_form::ScenarioFormPanel {lang} token={AttrValue::from(t.clone())}
                    text={AttrValue::from((*text).clone())} on_text={on_form_text} />
                <label>{ tr(lang, "Scenario file (checked as you type)", "シナリオファイル（入力中に確認します）") }
                    <textarea name="scenario-toml" class="mono" rows="24" spellcheck="false" value={(*text).clone()} oninput={on_input} /></label>
                { verdict }
                <div class="form-row">
                    <button type="button" class="btn btn-primary" onclick={on_save} disabled={text.is_empty()}>{ tr(lang, "Save as draft", "下書きとして保存") }</button>
                    <button type="button" class="btn" onclick={on_export} disabled={text.is_empty()}>{ tr(lang, "Export the file", "ファイルを書き出す") }</button>
                    <label>{ tr(lang, "Branch case to play", "プレイする分岐ケース") }
                        <select name="test-case" class="mono" onchange={{ let case = case.clone(); Callback::from(move |e: Event| case.set(select_value(&e))) }}>
                            <option value="" selected={case.is_empty()}>{ tr(lang, "the home screen's seed", "ホーム画面のシード") }</option>
                            { for report.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.cases.clone()).unwrap_or_default().into_iter().map(|c| html! {
                                <option value={c.clone()} selected={*case == c}>{ c.clone() }</option>
                            }) }
                        </select></label>
                    <button type="button" class="btn" onclick={play(false)} disabled={text.is_empty() || *busy}>{ tr(lang, "Test run", "テストプレイ") }</button>
                    <button type="button" class="btn" onclick={play(true)} disabled={text.is_empty() || *busy}
                        title={tr(lang, "Saves the draft and plays it: follow the runbook, end the drill, then keep the run as the proof of its branch case.",
                            "下書きを保存してプレイします。ランブックに従って進めて演習を終え、その記録を分岐ケースの証明として残してください。")}>
                        { tr(lang, "Record proof", "証明を記録") }</button>
                </div>
                { match &*store_note {
                    Some(Ok(t)) => html! { <p class="alert alert-info" role="status" data-stored="">{ t.clone() }</p> },
                    Some(Err(t)) => error_line(t),
                    None => html! {},
                } }
            </section>
            { runs_card }
            <section class="card card-body" data-card="scenario-files">
                <h3>{ tr(lang, "Your scenario files", "あなたのシナリオファイル") }</h3>
                <p class="muted">{ tr(lang, "A draft is saved over; publishing checks it with drill lint and freezes it: its hash identifies it in replays, and an edit becomes the next version.",
                    "下書きは上書き保存されます。公開すると drill lint で確認して固定します。ハッシュがリプレイでの識別子になり、編集は次のバージョンになります。") }</p>
                { files_html }
            </section>
        </div>
    }
}
