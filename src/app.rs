//! The root component: which screen is showing, the drill in progress and its ticker, the
//! finished run, settings and saved data, and the leaderboard server (detected once at
//! start-up with `GET /api/version`; without it the game keeps a local leaderboard).

use std::rc::Rc;

use gloo_timers::callback::Interval;
use quorum_sim::action::{Action, TimedAction};
use quorum_sim::replay::Replay;
use quorum_sim::scenario::{self, Scenario};
use quorum_sim::Sim;
use yew::html::Scope;
use yew::prelude::*;

use crate::i18n::{clock, tr, Lang};
use crate::leaderboard::{
    add_local, Compat, Competition, LocalRun, RunDetail, SubmitRequest, SubmitResponse, VersionInfo,
};
use crate::net::{self, Failure};
use crate::screens::{
    Availability, Briefing, CompetitionCard, CompetitionScreen, DebriefScreen, DrillScreen, Home,
    Joined, LeaderboardScreen, ServerView, SubmitForm, SubmitPanel, SubmitState,
};
use crate::state::{
    parse_seed, random_seed, rebuild, Drill, Finished, Ghost, Mode, Pending, RunKind, Settings,
};
use crate::storage::{self, Best, BestScores, Notice, SavedDrill, SavedRun};
use crate::ticker::{self, Script};

pub enum Msg {
    SetLang(Lang),
    SetMode(Mode),
    SeedText(String),
    RandomSeed,
    Open(&'static str),
    Home,
    Start,
    Tick,
    Dispatch(Vec<Action>),
    Mentor(bool),
    Speed(u32),
    TogglePause,
    Skip,
    End,
    Quit,
    DismissFlash(u64),
    DismissNotice(usize),
    Rewind(usize),
    Retry,
    NewSeed,
    Export,
    Import(String),
    Watch(usize),
    Download(usize),
    Delete(usize),
    /// The start-up check: the server's version, or `None` without a server.
    ServerChecked(Option<Rc<VersionInfo>>),
    /// A scenario's leaderboard (all runs).
    OpenBoard(&'static str),
    /// Another scenario on the leaderboard page (keeps the competition filter).
    BoardScenario(&'static str),
    BoardAllRuns,
    OpenCompetition,
    /// A competition scenario's leaderboard (only the competition's runs).
    CompetitionBoard(String),
    JoinCompetition(String),
    CompetitionLoaded {
        code: String,
        result: Result<Rc<Competition>, Failure>,
        fetched_at: f64,
        joining: bool,
    },
    RefreshCompetition,
    LeaveCompetition,
    /// Briefing for a competition scenario with its fixed seed.
    PlayCompetition((String, u64)),
    Submit(SubmitForm),
    Submitted(Result<Rc<SubmitResponse>, Failure>),
    /// Fetch a leaderboard run and watch it (ghost replay).
    WatchRun(i64),
    GhostLoaded(Result<Rc<RunDetail>, Failure>),
    WatchLocal(usize),
}

enum Screen {
    Home,
    Briefing(&'static Scenario),
    Drill,
    Debrief,
    Leaderboard {
        scenario: &'static Scenario,
        competition: Option<String>,
    },
    Competition,
}

/// What the start-up check of `/api/version` found.
enum Server {
    Checking,
    Online(Rc<VersionInfo>),
    Offline,
}

pub struct App {
    settings: Settings,
    notices: Vec<Notice>,
    best: BestScores,
    runs: Vec<SavedRun>,
    seed_text: String,
    import_error: Option<String>,
    screen: Screen,
    drill: Option<Drill>,
    finished: Option<Finished>,
    new_best: bool,
    /// The new best is the first score recorded for the scenario.
    first_best: bool,
    ticker: Option<Interval>,
    write_failed: bool,
    /// The screen shown at the last render (a change scrolls back to the top).
    rendered_screen: &'static str,
    server: Server,
    /// This browser's own leaderboard (live runs), shown when there is no server.
    local: Rc<Vec<LocalRun>>,
    /// The competition joined on the home screen (its code is in the settings).
    joined: Option<Joined>,
    comp_loading: bool,
    comp_error: Option<String>,
    /// The briefing is for a competition scenario: (join code, fixed seed).
    briefing_comp: Option<(String, u64)>,
    submit: SubmitState,
    /// The run just submitted (highlighted on the leaderboard).
    highlight: Option<i64>,
    /// Why the last ghost replay could not be opened.
    watch_error: Option<String>,
}

fn set_document_lang(lang: Lang) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", if lang == Lang::Ja { "ja" } else { "en" });
    }
}

/// Offers `text` as a file download.
fn download(filename: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", filename);
        if let Some(body) = document.body() {
            let _ = body.append_child(&a);
            if let Ok(a) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(a) {
                a.click();
                let _ = body.remove_child(&a);
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn replay_filename(replay: &Replay) -> String {
    format!(
        "quorum-drill-{}-seed{}-{}actions.json",
        replay.scenario_id,
        replay.seed,
        replay.actions.len()
    )
}

/// Mentor mode: forks the sim and predicts each action in turn (each on top of the ones
/// before it). `None` if none of them is risky.
fn predict(sim: &Sim, actions: &[Action], lang: Lang) -> Option<Pending> {
    let mut pending = Pending {
        actions: actions.to_vec(),
        warnings: Vec::new(),
        extra_outage_ms: 0,
        extra_failed: 0,
        penalty_points: 0,
    };
    let mut fork: Option<Sim> = None;
    for (k, action) in actions.iter().enumerate() {
        let prediction = fork.as_ref().unwrap_or(sim).predict(action, lang);
        if prediction.is_risky() {
            pending
                .warnings
                .push((action.to_script(), prediction.summary.clone()));
            pending.extra_outage_ms += prediction.extra_outage_ms;
            pending.extra_failed += prediction.extra_failed_requests;
            pending.penalty_points += prediction.penalty_points;
        }
        if k + 1 < actions.len() {
            let mut next = fork.take().unwrap_or_else(|| sim.clone());
            next.apply(action.clone());
            fork = Some(next);
        }
    }
    (!pending.warnings.is_empty()).then_some(pending)
}

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

impl App {
    fn lang(&self) -> Lang {
        self.settings.lang
    }

    fn note_write(&mut self, ok: bool) {
        if !ok && !self.write_failed {
            self.write_failed = true;
            self.notices.push(Notice::WriteFailed);
        }
    }

    fn save_settings(&mut self) {
        let ok = storage::save_settings(&self.settings);
        self.note_write(ok);
    }

    fn start_ticker(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.ticker = Some(ticker::start(move || link.send_message(Msg::Tick)));
    }

    fn begin(&mut self, ctx: &Context<Self>, drill: Drill) {
        self.drill = Some(drill);
        self.finished = None;
        self.new_best = false;
        self.screen = Screen::Drill;
        self.start_ticker(ctx);
        self.save_drill();
    }

    fn start_live(
        &mut self,
        ctx: &Context<Self>,
        scenario: &'static Scenario,
        seed: u64,
        competition: Option<String>,
    ) {
        let sim = Sim::new(scenario, seed);
        let mut drill = Drill::new(
            scenario,
            seed,
            self.settings.mode,
            RunKind::Live,
            sim,
            self.settings.speed,
        );
        drill.competition = competition;
        self.begin(ctx, drill);
    }

    fn server_view(&self) -> ServerView {
        match self.server {
            Server::Checking => ServerView::Checking,
            Server::Online(_) => ServerView::Online,
            Server::Offline => ServerView::Offline,
        }
    }

    /// Asks `/api/version` once: a JSON answer means a leaderboard server; anything else
    /// (a static host's 404 page, no answer) means none.
    fn check_server(ctx: &Context<Self>) {
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            let version = net::get::<VersionInfo>("/api/version").await.ok();
            link.send_message(Msg::ServerChecked(version.map(Rc::new)));
        });
    }

    fn fetch_competition(&mut self, ctx: &Context<Self>, code: String, joining: bool) {
        self.comp_loading = true;
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            let url = format!("/api/competitions/{}", net::encode(&code));
            let result = net::get::<Competition>(&url).await.map(Rc::new);
            link.send_message(Msg::CompetitionLoaded {
                code,
                result,
                fetched_at: js_sys::Date::now(),
                joining,
            });
        });
    }

    /// The joined competition's name for a join code (or the code itself).
    fn competition_name(&self, code: &str) -> String {
        match &self.joined {
            Some(j) if j.comp.code.eq_ignore_ascii_case(code) => j.comp.name.clone(),
            _ => code.to_string(),
        }
    }

    /// Whether the finished run can be submitted.
    fn availability(&self, f: &Finished, lang: Lang) -> Availability {
        match f.kind {
            RunKind::Replay { .. } => Availability::Replay,
            RunKind::WhatIf { .. } => Availability::WhatIf,
            RunKind::Live => match &self.server {
                Server::Checking => Availability::Checking,
                Server::Offline => Availability::Offline,
                Server::Online(v) => match v.compat(f.scenario) {
                    Compat::Ok => Availability::Ready,
                    other => Availability::Incompatible(other.reason(lang).into()),
                },
            },
        }
    }

    /// The competition code the submit form proposes: the drill's own, or the joined
    /// competition's if this scenario and seed are among its fixed ones.
    fn default_code(&self, f: &Finished) -> String {
        if let Some(c) = &f.competition {
            return c.clone();
        }
        match &self.joined {
            Some(j) if j.comp.accepts(&f.scenario.id, f.seed) => j.comp.code.clone(),
            _ => String::new(),
        }
    }

    fn open_board(&mut self, id: &str, competition: Option<String>) {
        if let Some(s) = scenario::builtin(id) {
            self.watch_error = None;
            self.screen = Screen::Leaderboard {
                scenario: s,
                competition,
            };
        }
    }

    fn save_drill(&mut self) {
        let Some(drill) = &mut self.drill else { return };
        drill.unsaved_ticks = 0;
        let what_if = match &drill.kind {
            RunKind::Live => None,
            RunKind::WhatIf {
                from_action,
                base_actions,
                ..
            } => Some((*from_action, base_actions.to_vec())),
            RunKind::Replay { .. } => return,
        };
        let saved = SavedDrill {
            replay: drill.replay(),
            now_ms: drill.sim.borrow().now_ms(),
            mode: drill.mode,
            what_if,
            competition: drill.competition.clone(),
        };
        let ok = storage::save_drill(&saved);
        self.note_write(ok);
    }

    /// Restores the drill in progress saved by a previous visit (paused).
    fn resume(&mut self, ctx: &Context<Self>, saved: SavedDrill) {
        let Some(scenario) = saved.validate() else {
            return;
        };
        let seed = saved.replay.seed;
        let sim = rebuild(scenario, seed, &saved.replay.actions, saved.now_ms);
        let kind = match saved.what_if {
            None => RunKind::Live,
            Some((from_action, base)) => {
                let base_report = Rc::new(quorum_sim::run(scenario, seed, &base));
                RunKind::WhatIf {
                    from_action,
                    base_actions: Rc::new(base),
                    base_report,
                }
            }
        };
        let mut drill = Drill::new(scenario, seed, saved.mode, kind, sim, self.settings.speed);
        drill.paused = true;
        drill.competition = saved.competition;
        self.notices.push(Notice::Resumed {
            at_ms: saved.now_ms,
        });
        self.begin(ctx, drill);
    }

    /// The drill is over: build the debrief, keep the run, update the best score.
    fn finish(&mut self) {
        let Some(drill) = self.drill.take() else {
            return;
        };
        self.ticker = None;
        storage::clear_drill();
        let finished = Finished::from_drill(&drill);
        self.new_best = false;
        self.submit = SubmitState::Idle;
        self.highlight = None;
        match &finished.kind {
            RunKind::Live | RunKind::WhatIf { .. } => {
                let run = SavedRun {
                    replay: finished.replay(),
                    score: finished.report.score,
                    grade: finished.report.grade.clone(),
                    mode: finished.mode,
                    what_if: matches!(finished.kind, RunKind::WhatIf { .. }),
                    player: self.settings.player.clone(),
                    team: self.settings.team.clone(),
                    outage_ms: finished.report.outage_ms,
                    requests_failed: finished.report.requests_failed,
                    at_ms: js_sys::Date::now() as u64,
                };
                // A live run also goes on the local leaderboard.
                if matches!(finished.kind, RunKind::Live) {
                    let mut local: Vec<LocalRun> = (*self.local).clone();
                    add_local(&mut local, run.clone());
                    let ok = storage::save_local(&local);
                    self.note_write(ok);
                    self.local = Rc::new(local);
                }
                self.runs.insert(0, run);
                self.runs.truncate(storage::MAX_SAVED_REPLAYS);
                let ok = storage::save_runs(&self.runs);
                self.note_write(ok);
                // A what-if run knows the future: it does not count as a personal best.
                if matches!(finished.kind, RunKind::Live) {
                    let id = finished.scenario.id.clone();
                    self.first_best = !self.best.contains_key(&id);
                    let better = self
                        .best
                        .get(&id)
                        .is_none_or(|b| finished.report.score > b.score);
                    if better {
                        self.best.insert(
                            id,
                            Best {
                                score: finished.report.score,
                                grade: finished.report.grade.clone(),
                                seed: finished.seed,
                                mode: finished.mode,
                            },
                        );
                        self.new_best = true;
                        let ok = storage::save_best(&self.best);
                        self.note_write(ok);
                    }
                }
            }
            RunKind::Replay { .. } => {}
        }
        self.finished = Some(finished);
        self.screen = Screen::Debrief;
    }

    fn play_replay(&mut self, ctx: &Context<Self>, replay: Replay) -> Result<(), String> {
        let scenario = replay.validate().map_err(|e| e.to_string())?;
        let sim = Sim::new(scenario, replay.seed);
        let kind = RunKind::Replay {
            actions: Rc::new(replay.actions),
            next: 0,
        };
        let drill = Drill::new(
            scenario,
            replay.seed,
            self.settings.mode,
            kind,
            sim,
            self.settings.speed.max(16),
        );
        self.begin(ctx, drill);
        Ok(())
    }

    /// Runs the drill's sim to `target` (applying due replay actions on the way).
    fn run_drill_to(drill: &mut Drill, target: u64) {
        let mut sim = drill.sim.borrow_mut();
        match &mut drill.kind {
            RunKind::Replay { actions, next } => {
                let actions = actions.clone();
                let mut script = Script {
                    actions: &actions,
                    next,
                };
                loop {
                    ticker::apply_due(&mut sim, &mut script);
                    if sim.now_ms() >= target || sim.is_over() {
                        break;
                    }
                    sim.step();
                }
            }
            _ => sim.run_until(target),
        }
    }

    fn tick(&mut self) -> bool {
        let Some(drill) = &mut self.drill else {
            return false;
        };
        // Accepted-action toasts fade after a few seconds of wall time.
        let toasts = drill.flashes.len();
        for f in &mut drill.flashes {
            f.ttl = f.ttl.saturating_sub(1);
        }
        drill.flashes.retain(|f| f.ttl > 0);
        let faded = drill.flashes.len() != toasts;
        if drill.paused || drill.pending.is_some() {
            drill.pace.reset();
            return faded;
        }
        let moved = {
            let mut sim = drill.sim.borrow_mut();
            match &mut drill.kind {
                RunKind::Replay { actions, next } => {
                    let actions = actions.clone();
                    drill.pace.advance(
                        &mut sim,
                        drill.speed,
                        Some(Script {
                            actions: &actions,
                            next,
                        }),
                    )
                }
                _ => drill.pace.advance(&mut sim, drill.speed, None),
            }
        };
        if !moved {
            return faded;
        }
        drill.sim = drill.sim.bumped();
        drill.unsaved_ticks += 1;
        let over = drill.sim.borrow().is_over();
        if over {
            self.finish();
        } else if drill.unsaved_ticks >= 10 {
            self.save_drill();
        }
        true
    }

    fn screen_name(&self) -> &'static str {
        match self.screen {
            Screen::Home => "home",
            Screen::Briefing(_) => "briefing",
            Screen::Drill => "drill",
            Screen::Debrief => "debrief",
            Screen::Leaderboard { .. } => "leaderboard",
            Screen::Competition => "competition",
        }
    }

    fn run_label(&self, kind: &RunKind, lang: Lang) -> Option<String> {
        match kind {
            RunKind::Live => None,
            RunKind::WhatIf { from_action, .. } => Some(match lang {
                Lang::En => format!("what-if from action #{}", from_action + 1),
                Lang::Ja => format!("もしも: 操作 #{} から", from_action + 1),
            }),
            RunKind::Replay { .. } => Some(tr(lang, "replay", "リプレイ").to_string()),
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let loaded = storage::load();
        set_document_lang(loaded.settings.lang);
        let mut app = App {
            settings: loaded.settings,
            notices: loaded.notices,
            best: loaded.best,
            runs: loaded.runs,
            seed_text: random_seed().to_string(),
            import_error: None,
            screen: Screen::Home,
            drill: None,
            finished: None,
            new_best: false,
            first_best: false,
            ticker: None,
            write_failed: false,
            rendered_screen: "",
            server: Server::Checking,
            local: Rc::new(loaded.local),
            joined: None,
            comp_loading: false,
            comp_error: None,
            briefing_comp: None,
            submit: SubmitState::Idle,
            highlight: None,
            watch_error: None,
        };
        if let Some(saved) = loaded.drill {
            app.resume(ctx, saved);
        }
        Self::check_server(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let lang = self.lang();
        match msg {
            Msg::Tick => return self.tick(),
            Msg::SetLang(l) => {
                self.settings.lang = l;
                set_document_lang(l);
                self.save_settings();
            }
            Msg::SetMode(m) => {
                self.settings.mode = m;
                self.save_settings();
            }
            Msg::SeedText(t) => self.seed_text = t,
            Msg::RandomSeed => self.seed_text = random_seed().to_string(),
            Msg::Open(id) => {
                if let (Some(s), Some(_)) = (scenario::builtin(id), parse_seed(&self.seed_text)) {
                    self.briefing_comp = None;
                    self.screen = Screen::Briefing(s);
                }
            }
            Msg::Home => {
                self.screen = Screen::Home;
                self.import_error = None;
            }
            Msg::Start => {
                if let Screen::Briefing(s) = &self.screen {
                    let s = *s;
                    match self.briefing_comp.take() {
                        Some((code, seed)) => self.start_live(ctx, s, seed, Some(code)),
                        None => {
                            if let Some(seed) = parse_seed(&self.seed_text) {
                                self.start_live(ctx, s, seed, None);
                            }
                        }
                    }
                }
            }
            Msg::Dispatch(actions) => {
                let Some(drill) = &mut self.drill else {
                    return false;
                };
                if drill.kind.is_replay() || actions.is_empty() || drill.sim.borrow().is_over() {
                    return false;
                }
                if drill.mode == Mode::Mentor {
                    let pending = predict(&drill.sim.borrow(), &actions, lang);
                    if let Some(p) = pending {
                        drill.pending = Some(p);
                        return true;
                    }
                }
                drill.apply(&actions);
                self.save_drill();
            }
            Msg::Mentor(yes) => {
                let Some(drill) = &mut self.drill else {
                    return false;
                };
                let Some(p) = drill.pending.take() else {
                    return false;
                };
                drill.pace.reset();
                if yes {
                    drill.apply(&p.actions);
                    self.save_drill();
                }
            }
            Msg::Speed(s) => {
                if let Some(drill) = &mut self.drill {
                    drill.speed = s;
                }
                self.settings.speed = s;
                self.save_settings();
            }
            Msg::TogglePause => {
                let Some(drill) = &mut self.drill else {
                    return false;
                };
                drill.paused = !drill.paused;
                drill.pace.reset();
                self.save_drill();
            }
            Msg::Skip => {
                let Some(drill) = &mut self.drill else {
                    return false;
                };
                let before = drill.sim.borrow().events().len();
                for _ in 0..1000 {
                    let (next_timer, now, over) = {
                        let sim = drill.sim.borrow();
                        (sim.next_timer_ms(), sim.now_ms(), sim.is_over())
                    };
                    if over {
                        break;
                    }
                    let next_action = match &drill.kind {
                        RunKind::Replay { actions, next } => {
                            actions.get(*next).map(|a| a.at_ms.max(now))
                        }
                        _ => None,
                    };
                    let target = match (next_timer, next_action) {
                        (Some(a), Some(b)) => a.min(b),
                        (Some(a), None) | (None, Some(a)) => a,
                        (None, None) => break,
                    };
                    Self::run_drill_to(drill, target.max(now + ticker::TICK_MS));
                    if drill.sim.borrow().events().len() > before {
                        break;
                    }
                }
                drill.pace.reset();
                drill.sim = drill.sim.bumped();
                if drill.sim.borrow().is_over() {
                    self.finish();
                } else {
                    self.save_drill();
                }
            }
            Msg::End => {
                let Some(drill) = &mut self.drill else {
                    return false;
                };
                let end = drill.sim.borrow().duration_ms();
                Self::run_drill_to(drill, end);
                drill.sim.borrow_mut().finish();
                self.finish();
            }
            Msg::Quit => {
                self.drill = None;
                self.ticker = None;
                storage::clear_drill();
                self.screen = Screen::Home;
            }
            Msg::DismissFlash(id) => {
                if let Some(drill) = &mut self.drill {
                    drill.flashes.retain(|f| f.id != id);
                }
            }
            Msg::DismissNotice(i) => {
                if i < self.notices.len() {
                    self.notices.remove(i);
                }
            }
            Msg::Rewind(i) => {
                let Some(f) = &self.finished else {
                    return false;
                };
                let Some(at) = f.actions.get(i).map(|a| a.at_ms) else {
                    return false;
                };
                let sim = rebuild(f.scenario, f.seed, &f.actions[..i], at);
                let kind = RunKind::WhatIf {
                    from_action: i,
                    base_actions: f.actions.clone(),
                    base_report: f.report.clone(),
                };
                let mut drill =
                    Drill::new(f.scenario, f.seed, f.mode, kind, sim, self.settings.speed);
                drill.paused = true;
                drill.competition = f.competition.clone();
                self.begin(ctx, drill);
            }
            Msg::Retry | Msg::NewSeed => {
                let Some(f) = &self.finished else {
                    return false;
                };
                let scenario = f.scenario;
                // Retrying a competition drill keeps its fixed seed and its code.
                let (seed, competition) = if matches!(msg, Msg::Retry) {
                    (f.seed, f.competition.clone())
                } else {
                    (random_seed(), None)
                };
                if competition.is_none() {
                    self.seed_text = seed.to_string();
                }
                self.start_live(ctx, scenario, seed, competition);
            }
            Msg::Export => {
                if let Some(f) = &self.finished {
                    let replay = f.replay();
                    download(&replay_filename(&replay), &replay.to_json());
                }
                return false;
            }
            Msg::Import(text) => {
                let result = if text.trim().is_empty() {
                    Err(tr(
                        lang,
                        "the file is empty or could not be read",
                        "ファイルが空か、読み込めませんでした",
                    )
                    .to_string())
                } else {
                    Replay::from_json(&text).map_err(|e| e.to_string())
                };
                match result.and_then(|r| self.play_replay(ctx, r)) {
                    Ok(()) => self.import_error = None,
                    Err(e) => self.import_error = Some(e),
                }
            }
            Msg::Watch(i) => {
                if let Some(run) = self.runs.get(i).cloned() {
                    if let Err(e) = self.play_replay(ctx, run.replay) {
                        self.import_error = Some(e);
                    }
                }
            }
            Msg::Download(i) => {
                if let Some(run) = self.runs.get(i) {
                    download(&replay_filename(&run.replay), &run.replay.to_json());
                }
                return false;
            }
            Msg::Delete(i) => {
                if i < self.runs.len() {
                    self.runs.remove(i);
                    let ok = storage::save_runs(&self.runs);
                    self.note_write(ok);
                }
            }
            Msg::ServerChecked(version) => {
                self.server = match version {
                    Some(v) => Server::Online(v),
                    None => Server::Offline,
                };
                if let (Server::Online(_), Some(code)) =
                    (&self.server, self.settings.competition.clone())
                {
                    self.fetch_competition(ctx, code, false);
                }
            }
            Msg::OpenBoard(id) => self.open_board(id, None),
            Msg::BoardScenario(id) => {
                let competition = match &self.screen {
                    Screen::Leaderboard { competition, .. } => competition.clone(),
                    _ => None,
                };
                self.open_board(id, competition);
            }
            Msg::BoardAllRuns => {
                if let Screen::Leaderboard { scenario, .. } = &self.screen {
                    let id = scenario.id.clone();
                    self.open_board(&id, None);
                }
            }
            Msg::OpenCompetition => {
                if let Some(j) = &self.joined {
                    let code = j.comp.code.clone();
                    self.watch_error = None;
                    self.comp_error = None;
                    self.screen = Screen::Competition;
                    self.fetch_competition(ctx, code, false);
                }
            }
            Msg::CompetitionBoard(id) => {
                let code = self.joined.as_ref().map(|j| j.comp.code.clone());
                self.open_board(&id, code);
            }
            Msg::JoinCompetition(code) => {
                self.comp_error = None;
                self.fetch_competition(ctx, code, true);
            }
            Msg::RefreshCompetition => {
                if let Some(j) = &self.joined {
                    let code = j.comp.code.clone();
                    self.fetch_competition(ctx, code, false);
                }
            }
            Msg::CompetitionLoaded {
                code,
                result,
                fetched_at,
                joining,
            } => {
                self.comp_loading = false;
                match result {
                    Ok(comp) => {
                        self.comp_error = None;
                        if self.settings.competition.as_deref() != Some(comp.code.as_str()) {
                            self.settings.competition = Some(comp.code.clone());
                            self.save_settings();
                        }
                        self.joined = Some(Joined { comp, fetched_at });
                    }
                    Err(f) => {
                        self.comp_error = Some(f.text(lang));
                        // A remembered code the server no longer knows is forgotten.
                        if !joining && f.code == "unknown_competition" {
                            self.joined = None;
                            self.settings.competition = None;
                            self.save_settings();
                            self.comp_error = Some(match lang {
                                Lang::En => format!("Competition {code}: {}", f.message),
                                Lang::Ja => format!("競技 {code}: {}", f.message),
                            });
                            if matches!(self.screen, Screen::Competition) {
                                self.screen = Screen::Home;
                            }
                        }
                    }
                }
            }
            Msg::LeaveCompetition => {
                self.joined = None;
                self.comp_error = None;
                self.settings.competition = None;
                self.save_settings();
                if matches!(self.screen, Screen::Competition) {
                    self.screen = Screen::Home;
                }
            }
            Msg::PlayCompetition((id, seed)) => {
                if let (Some(s), Some(j)) = (scenario::builtin(&id), &self.joined) {
                    if j.comp.accepts(&id, seed) {
                        self.briefing_comp = Some((j.comp.code.clone(), seed));
                        self.screen = Screen::Briefing(s);
                    }
                }
            }
            Msg::Submit(form) => {
                let Some(f) = &self.finished else {
                    return false;
                };
                if self.availability(f, lang) != Availability::Ready
                    || matches!(self.submit, SubmitState::Sending)
                {
                    return false;
                }
                let request = SubmitRequest {
                    player: form.player.clone(),
                    team: form.team.clone(),
                    competition: form.competition.clone(),
                    replay: f.replay(),
                };
                let body = match serde_json::to_string(&request) {
                    Ok(b) => b,
                    Err(_) => return false,
                };
                self.settings.player = form.player;
                self.settings.team = form.team.unwrap_or_default();
                self.save_settings();
                self.submit = SubmitState::Sending;
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = net::post::<SubmitResponse>("/api/runs", body).await;
                    link.send_message(Msg::Submitted(result.map(Rc::new)));
                });
            }
            Msg::Submitted(result) => match result {
                Ok(r) => {
                    self.highlight = Some(r.id);
                    let refresh = r.competition.is_some() && self.joined.is_some();
                    self.submit = SubmitState::Done(r);
                    if refresh {
                        if let Some(code) = self.joined.as_ref().map(|j| j.comp.code.clone()) {
                            self.fetch_competition(ctx, code, false);
                        }
                    }
                }
                Err(f) => self.submit = SubmitState::Failed(f),
            },
            Msg::WatchRun(id) => {
                self.watch_error = None;
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = net::get::<RunDetail>(&format!("/api/runs/{id}")).await;
                    link.send_message(Msg::GhostLoaded(result.map(Rc::new)));
                });
            }
            Msg::GhostLoaded(result) => match result {
                Ok(run) => {
                    let ghost = Ghost {
                        run_id: run.id,
                        player: run.player.clone(),
                        score: run.score,
                    };
                    match self.play_replay(ctx, run.replay.clone()) {
                        Ok(()) => {
                            if let Some(d) = &mut self.drill {
                                d.ghost = Some(ghost);
                            }
                        }
                        Err(e) => self.watch_error = Some(e),
                    }
                }
                Err(f) => self.watch_error = Some(f.text(lang)),
            },
            Msg::WatchLocal(i) => {
                if let Some(run) = self.local.get(i).cloned() {
                    if let Err(e) = self.play_replay(ctx, run.replay) {
                        self.watch_error = Some(e);
                    }
                }
            }
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        let name = self.screen_name();
        if name != self.rendered_screen {
            self.rendered_screen = name;
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let lang = self.lang();
        let link = ctx.link();
        let lang_button = |l: Lang, label: &'static str| {
            let active = lang == l;
            html! {
                <button type="button" class={if active { "seg active" } else { "seg" }} aria-pressed={if active { "true" } else { "false" }}
                    lang={if l == Lang::Ja { "ja" } else { "en" }} onclick={link.callback(move |_: MouseEvent| Msg::SetLang(l))}>{ label }</button>
            }
        };
        let home_link = if matches!(self.screen, Screen::Drill) {
            html! {}
        } else {
            let board_id = match &self.screen {
                Screen::Briefing(s) => s.id.as_str(),
                Screen::Debrief => self
                    .finished
                    .as_ref()
                    .map_or("seed-ami-trap", |f| f.scenario.id.as_str()),
                _ => "seed-ami-trap",
            };
            let board_id: &'static str =
                scenario::builtin(board_id).map_or("seed-ami-trap", |s| s.id.as_str());
            html! {
                <>
                    { nav_link(tr(lang, "Scenarios", "シナリオ一覧"), matches!(self.screen, Screen::Home), send(link, |_| Msg::Home)) }
                    { nav_link(tr(lang, "Leaderboard", "リーダーボード"), matches!(self.screen, Screen::Leaderboard { .. }),
                        link.callback(move |_| Msg::OpenBoard(board_id))) }
                    if self.joined.is_some() {
                        { nav_link(tr(lang, "Competition", "競技"), matches!(self.screen, Screen::Competition), send(link, |_| Msg::OpenCompetition)) }
                    }
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
        let notices = if self.notices.is_empty() {
            html! {}
        } else {
            html! {
                <div class="notices">
                    { for self.notices.iter().enumerate().map(|(i, n)| html! {
                        <div class={if n.is_warning() { "alert alert-warning" } else { "alert alert-info" }} role="status" data-notice="">
                            <span>{ n.text(lang) }</span>
                            <button type="button" class="icon-btn" aria-label={tr(lang, "Dismiss", "閉じる")} onclick={link.callback(move |_: MouseEvent| Msg::DismissNotice(i))}>{ "✕" }</button>
                        </div>
                    }) }
                </div>
            }
        };

        let server = self.server_view();
        let body = match &self.screen {
            Screen::Home => html! {
                <Home
                    competition={html! {
                        <CompetitionCard {lang} {server} joined={self.joined.clone()} loading={self.comp_loading}
                            error={self.comp_error.clone().map(AttrValue::from)}
                            on_join={send(link, Msg::JoinCompetition)} on_leave={send(link, |_| Msg::LeaveCompetition)}
                            on_open={send(link, |_| Msg::OpenCompetition)} on_play={send(link, Msg::PlayCompetition)} />
                    }}
                    joined={self.joined.clone()}
                    on_leaderboard={send(link, Msg::OpenBoard)}
                    {lang}
                    mode={self.settings.mode}
                    seed_text={self.seed_text.clone()}
                    seed_valid={parse_seed(&self.seed_text).is_some()}
                    best={self.best.clone()}
                    runs={self.runs.clone()}
                    import_error={self.import_error.clone().map(AttrValue::from)}
                    on_mode={send(link, Msg::SetMode)}
                    on_seed_text={send(link, Msg::SeedText)}
                    on_random_seed={send(link, |_| Msg::RandomSeed)}
                    on_start={send(link, Msg::Open)}
                    on_import={send(link, Msg::Import)}
                    on_watch={send(link, Msg::Watch)}
                    on_download={send(link, Msg::Download)}
                    on_delete={send(link, Msg::Delete)}
                />
            },
            Screen::Briefing(s) => {
                let (seed, competition) = match &self.briefing_comp {
                    Some((code, seed)) => {
                        (*seed, Some(AttrValue::from(self.competition_name(code))))
                    }
                    None => (parse_seed(&self.seed_text).unwrap_or(0), None),
                };
                html! {
                    <Briefing scenario={*s} {lang} mode={self.settings.mode} {seed} {competition}
                        on_start={send(link, |_| Msg::Start)} on_back={send(link, |_| Msg::Home)} />
                }
            }
            Screen::Leaderboard {
                scenario,
                competition,
            } => html! {
                <LeaderboardScreen {lang} scenario={*scenario} competition={competition.clone().map(AttrValue::from)} {server}
                    local={self.local.clone()} highlight={self.highlight} error={self.watch_error.clone().map(AttrValue::from)}
                    on_scenario={send(link, Msg::BoardScenario)} on_watch={send(link, Msg::WatchRun)}
                    on_watch_local={send(link, Msg::WatchLocal)} on_all_runs={send(link, |_| Msg::BoardAllRuns)} />
            },
            Screen::Competition => match &self.joined {
                None => html! {},
                Some(j) => html! {
                    <CompetitionScreen {lang} joined={j.clone()} loading={self.comp_loading}
                        error={self.watch_error.clone().or_else(|| self.comp_error.clone()).map(AttrValue::from)}
                        on_refresh={send(link, |_| Msg::RefreshCompetition)} on_play={send(link, Msg::PlayCompetition)}
                        on_board={send(link, Msg::CompetitionBoard)} on_watch={send(link, Msg::WatchRun)} />
                },
            },
            Screen::Drill => match &self.drill {
                None => html! {},
                Some(d) => {
                    let banner = match &d.kind {
                        RunKind::Live => d.competition.as_ref().map(|code| {
                            let name = self.competition_name(code);
                            match lang {
                                Lang::En => format!("Competition drill — {name} ({code}): seed {} is fixed. Submit your run from the debrief to count it.", d.seed),
                                Lang::Ja => format!("競技の訓練 — {name}（{code}）: シード {} は固定です。振り返り画面から登録すると記録されます。", d.seed),
                            }
                        }),
                        RunKind::Replay { actions, .. } if d.ghost.is_some() => {
                            let g = d.ghost.as_ref().unwrap();
                            Some(match lang {
                                Lang::En => format!("Ghost replay (read-only): {}'s run #{} (server score {}); {} action(s) play back at their recorded times.", g.player, g.run_id, g.score, actions.len()),
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
                        RunKind::Replay { actions, .. } => Some(match lang {
                            Lang::En => format!("Replay viewer (read-only): {} action(s) play back at their recorded times.", actions.len()),
                            Lang::Ja => format!("リプレイビューア（閲覧のみ）: {} 件の操作を記録された時刻に再生します。", actions.len()),
                        }),
                    };
                    html! {
                        <DrillScreen
                            sim={d.sim.clone()}
                            {lang}
                            mode={d.mode}
                            title={d.scenario.title.get(lang).to_string()}
                            seed={d.seed}
                            banner={banner.map(AttrValue::from)}
                            read_only={d.kind.is_replay()}
                            speed={d.speed}
                            paused={d.paused}
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
                    }
                }
            },
            Screen::Debrief => match &self.finished {
                None => html! {},
                Some(f) => {
                    let id: &'static str = f.scenario.id.as_str();
                    let on_board = link.callback(move |_| Msg::OpenBoard(id));
                    html! {
                    <DebriefScreen
                        submit={html! {
                            <SubmitPanel {lang} availability={self.availability(f, lang)} state={self.submit.clone()}
                                local_score={f.report.score} player={self.settings.player.clone()} team={self.settings.team.clone()}
                                competition={self.default_code(f)} on_submit={send(link, Msg::Submit)}
                                on_leaderboard={on_board.clone()} />
                        }}
                        on_leaderboard={on_board}
                        {lang}
                        title={f.scenario.title.get(lang).to_string()}
                        seed={f.seed}
                        mode={f.mode}
                        run_label={self.run_label(&f.kind, lang).or_else(|| f.competition.as_ref().map(|c| match lang {
                            Lang::En => format!("competition {}", self.competition_name(c)),
                            Lang::Ja => format!("競技 {}", self.competition_name(c)),
                        })).map(AttrValue::from)}
                        report={f.report.clone()}
                        samples={f.samples.clone()}
                        actions={f.actions.clone()}
                        lesson={f.scenario.lesson.get(lang).to_string()}
                        compare={f.compare.clone()}
                        new_best={self.new_best}
                        first_best={self.first_best}
                        on_rewind={send(link, Msg::Rewind)}
                        on_export={send(link, |_| Msg::Export)}
                        on_retry={send(link, |_| Msg::Retry)}
                        on_new_seed={send(link, |_| Msg::NewSeed)}
                        on_home={send(link, |_| Msg::Home)}
                    />
                    }
                }
            },
        };
        let screen_name = self.screen_name();
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
}
