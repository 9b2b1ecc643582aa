//! The app's state and its reducer: `AppState::reduce(msg, env)` changes the state and
//! returns the [`Effect`]s to run. Pure: it reads the world only through [`Env`] (clocks and
//! seeds) and never touches the browser, so its tests run natively (`tests.rs`).

use std::rc::Rc;

use quorum_sim::replay::Replay;
use quorum_sim::scenario::{self, Scenario};
use quorum_sim::{Playback, Sim};

use super::effects::{Effect, Env, Store};
use super::Msg;
use crate::i18n::{tr, Lang};
use crate::leaderboard::{add_local, Compat, LocalRun, SubmitRequest, VersionInfo};
use crate::screens::{Availability, Joined, ServerView, SubmitState};
use crate::state::{parse_seed, rebuild, Drill, Finished, Ghost, Mode, RunKind, Settings};
use crate::storage::{Best, BestScores, Loaded, Notice, SavedDrill, SavedRun, MAX_SAVED_REPLAYS};

/// Which screen is showing.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
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

impl Screen {
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Home => "home",
            Screen::Briefing(_) => "briefing",
            Screen::Drill => "drill",
            Screen::Debrief => "debrief",
            Screen::Leaderboard { .. } => "leaderboard",
            Screen::Competition => "competition",
        }
    }
}

/// What the start-up check of `/api/version` found.
pub enum Server {
    Checking,
    Online(Rc<VersionInfo>),
    Offline,
}

pub struct AppState {
    pub settings: Settings,
    pub notices: Vec<Notice>,
    pub best: BestScores,
    pub runs: Vec<SavedRun>,
    pub seed_text: String,
    pub import_error: Option<String>,
    pub screen: Screen,
    pub drill: Option<Drill>,
    pub finished: Option<Finished>,
    pub new_best: bool,
    /// The new best is the first score recorded for the scenario.
    pub first_best: bool,
    write_failed: bool,
    pub server: Server,
    /// This browser's own leaderboard (live runs), shown when there is no server.
    pub local: Rc<Vec<LocalRun>>,
    /// The competition joined on the home screen (its code is in the settings).
    pub joined: Option<Joined>,
    pub comp_loading: bool,
    pub comp_error: Option<String>,
    /// The briefing is for a competition scenario: (join code, fixed seed).
    pub briefing_comp: Option<(String, u64)>,
    pub submit: SubmitState,
    /// The run just submitted (highlighted on the leaderboard).
    pub highlight: Option<i64>,
    /// Why the last ghost replay could not be opened.
    pub watch_error: Option<String>,
    /// Effects requested by the message being reduced.
    out: Vec<Effect>,
}

fn replay_filename(replay: &Replay) -> String {
    format!(
        "quorum-drill-{}-seed{}-{}actions.json",
        replay.scenario_id,
        replay.seed,
        replay.actions.len()
    )
}

impl AppState {
    /// The state at start-up from what storage held (a saved drill resumes, paused), and
    /// the effects to run first.
    pub fn new(loaded: Loaded, env: &dyn Env) -> (AppState, Vec<Effect>) {
        let mut state = AppState {
            settings: loaded.settings,
            notices: loaded.notices,
            best: loaded.best,
            runs: loaded.runs,
            seed_text: env.random_seed().to_string(),
            import_error: None,
            screen: Screen::Home,
            drill: None,
            finished: None,
            new_best: false,
            first_best: false,
            write_failed: false,
            server: Server::Checking,
            local: Rc::new(loaded.local),
            joined: None,
            comp_loading: false,
            comp_error: None,
            briefing_comp: None,
            submit: SubmitState::Idle,
            highlight: None,
            watch_error: None,
            out: Vec::new(),
        };
        state.emit(Effect::SetDocumentLang(state.settings.lang));
        if let Some(saved) = loaded.drill {
            state.resume(saved);
        }
        state.emit(Effect::CheckServer);
        let effects = std::mem::take(&mut state.out);
        (state, effects)
    }

    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    fn emit(&mut self, effect: Effect) {
        self.out.push(effect);
    }

    fn save_settings(&mut self) {
        self.emit(Effect::Store(Store::Settings));
    }

    pub fn server_view(&self) -> ServerView {
        match self.server {
            Server::Checking => ServerView::Checking,
            Server::Online(_) => ServerView::Online,
            Server::Offline => ServerView::Offline,
        }
    }

    /// The joined competition's name for a join code (or the code itself).
    pub fn competition_name(&self, code: &str) -> String {
        match &self.joined {
            Some(j) if j.comp.code.eq_ignore_ascii_case(code) => j.comp.name.clone(),
            _ => code.to_string(),
        }
    }

    /// Whether the finished run can be submitted.
    pub fn availability(&self, f: &Finished, lang: Lang) -> Availability {
        match f.kind {
            RunKind::Replay => Availability::Replay,
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
    pub fn default_code(&self, f: &Finished) -> String {
        if let Some(c) = &f.competition {
            return c.clone();
        }
        match &self.joined {
            Some(j) if j.comp.accepts(&f.scenario.id, f.seed) => j.comp.code.clone(),
            _ => String::new(),
        }
    }

    fn begin(&mut self, drill: Drill) {
        self.drill = Some(drill);
        self.finished = None;
        self.new_best = false;
        self.screen = Screen::Drill;
        self.emit(Effect::StartTicker);
        self.save_drill();
    }

    fn start_live(&mut self, scenario: &'static Scenario, seed: u64, competition: Option<String>) {
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
        self.begin(drill);
    }

    fn fetch_competition(&mut self, code: String, joining: bool) {
        self.comp_loading = true;
        self.emit(Effect::FetchCompetition { code, joining });
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

    /// Saves the drill in progress (a replay playing back is not saved).
    fn save_drill(&mut self) {
        let Some(drill) = &mut self.drill else { return };
        drill.unsaved_ticks = 0;
        if !drill.kind.is_replay() {
            self.emit(Effect::Store(Store::Drill));
        }
    }

    /// The drill in progress as stored, to resume it on the next visit.
    pub fn saved_drill(&self) -> Option<SavedDrill> {
        let drill = self.drill.as_ref()?;
        let what_if = match &drill.kind {
            RunKind::Live => None,
            RunKind::WhatIf {
                from_action,
                base_actions,
                ..
            } => Some((*from_action, base_actions.to_vec())),
            RunKind::Replay => return None,
        };
        Some(SavedDrill {
            replay: drill.replay(),
            now_ms: drill.sim.borrow().now_ms(),
            mode: drill.mode,
            what_if,
            competition: drill.competition.clone(),
        })
    }

    /// Restores the drill in progress saved by a previous visit (paused).
    fn resume(&mut self, saved: SavedDrill) {
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
        self.begin(drill);
    }

    /// The drill is over: build the debrief, keep the run, update the best score.
    fn finish(&mut self, env: &dyn Env) {
        let Some(drill) = self.drill.take() else {
            return;
        };
        self.emit(Effect::StopTicker);
        self.emit(Effect::Store(Store::ClearDrill));
        let finished = Finished::from_drill(&drill);
        self.new_best = false;
        self.submit = SubmitState::Idle;
        self.highlight = None;
        if !finished.kind.is_replay() {
            let live = matches!(finished.kind, RunKind::Live);
            let run = SavedRun {
                replay: finished.replay(),
                score: finished.report.score,
                grade: finished.report.grade.clone(),
                mode: finished.mode,
                what_if: !live,
                player: self.settings.player.clone(),
                team: self.settings.team.clone(),
                outage_ms: finished.report.outage_ms,
                requests_failed: finished.report.requests_failed,
                at_ms: env.unix_ms(),
            };
            // A live run also goes on the local leaderboard.
            if live {
                let mut local: Vec<LocalRun> = (*self.local).clone();
                add_local(&mut local, run.clone());
                self.emit(Effect::Store(Store::Local));
                self.local = Rc::new(local);
            }
            self.runs.insert(0, run);
            self.runs.truncate(MAX_SAVED_REPLAYS);
            self.emit(Effect::Store(Store::Runs));
            // A what-if run knows the future: it does not count as a personal best.
            if live {
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
                    self.emit(Effect::Store(Store::Best));
                }
            }
        }
        self.finished = Some(finished);
        self.screen = Screen::Debrief;
    }

    fn play_replay(&mut self, replay: Replay) -> Result<(), String> {
        let scenario = replay.validate().map_err(|e| e.to_string())?;
        let sim = Sim::new(scenario, replay.seed);
        let mut drill = Drill::new(
            scenario,
            replay.seed,
            self.settings.mode,
            RunKind::Replay,
            sim,
            self.settings.speed.max(16),
        );
        drill.playback = Playback::new(replay.actions);
        self.begin(drill);
        Ok(())
    }

    fn tick(&mut self, env: &dyn Env) -> bool {
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
        let moved = drill.pace.advance(
            &mut drill.sim.borrow_mut(),
            &mut drill.playback,
            drill.speed,
            &|| env.wall_ms(),
        );
        if !moved {
            return faded;
        }
        drill.sim = drill.sim.bumped();
        drill.unsaved_ticks += 1;
        let over = drill.sim.borrow().is_over();
        if over {
            self.finish(env);
        } else if drill.unsaved_ticks >= 10 {
            self.save_drill();
        }
        true
    }

    /// Reduces one message: the new state is `self`; returns whether the view changed and
    /// the effects to run.
    pub fn reduce(&mut self, msg: Msg, env: &dyn Env) -> (bool, Vec<Effect>) {
        let render = self.update(msg, env);
        (render, std::mem::take(&mut self.out))
    }

    fn update(&mut self, msg: Msg, env: &dyn Env) -> bool {
        let lang = self.lang();
        match msg {
            Msg::Tick => return self.tick(env),
            Msg::SetLang(l) => {
                self.settings.lang = l;
                self.emit(Effect::SetDocumentLang(l));
                self.save_settings();
            }
            Msg::SetMode(m) => {
                self.settings.mode = m;
                self.save_settings();
            }
            Msg::SeedText(t) => self.seed_text = t,
            Msg::RandomSeed => self.seed_text = env.random_seed().to_string(),
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
                        Some((code, seed)) => self.start_live(s, seed, Some(code)),
                        None => {
                            if let Some(seed) = parse_seed(&self.seed_text) {
                                self.start_live(s, seed, None);
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
                    let forecast = drill.sim.borrow().forecast(&actions, lang);
                    if let Some(p) = forecast {
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
                drill.playback.skip(&mut drill.sim.borrow_mut());
                drill.pace.reset();
                drill.sim = drill.sim.bumped();
                if drill.sim.borrow().is_over() {
                    self.finish(env);
                } else {
                    self.save_drill();
                }
            }
            Msg::End => {
                let Some(drill) = &mut self.drill else {
                    return false;
                };
                let mut sim = drill.sim.borrow_mut();
                drill.playback.finish(&mut sim);
                sim.finish();
                drop(sim);
                self.finish(env);
            }
            Msg::Quit => {
                self.drill = None;
                self.emit(Effect::StopTicker);
                self.emit(Effect::Store(Store::ClearDrill));
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
            Msg::WriteFailed => {
                if self.write_failed {
                    return false;
                }
                self.write_failed = true;
                self.notices.push(Notice::WriteFailed);
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
                self.begin(drill);
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
                    (env.random_seed(), None)
                };
                if competition.is_none() {
                    self.seed_text = seed.to_string();
                }
                self.start_live(scenario, seed, competition);
            }
            Msg::Export => {
                if let Some(f) = &self.finished {
                    let replay = f.replay();
                    self.emit(Effect::Download {
                        filename: replay_filename(&replay),
                        text: replay.to_json(),
                    });
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
                match result.and_then(|r| self.play_replay(r)) {
                    Ok(()) => self.import_error = None,
                    Err(e) => self.import_error = Some(e),
                }
            }
            Msg::Watch(i) => {
                if let Some(run) = self.runs.get(i).cloned() {
                    if let Err(e) = self.play_replay(run.replay) {
                        self.import_error = Some(e);
                    }
                }
            }
            Msg::Download(i) => {
                if let Some(run) = self.runs.get(i) {
                    let effect = Effect::Download {
                        filename: replay_filename(&run.replay),
                        text: run.replay.to_json(),
                    };
                    self.emit(effect);
                }
                return false;
            }
            Msg::Delete(i) => {
                if i < self.runs.len() {
                    self.runs.remove(i);
                    self.emit(Effect::Store(Store::Runs));
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
                    self.fetch_competition(code, false);
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
                    self.fetch_competition(code, false);
                }
            }
            Msg::CompetitionBoard(id) => {
                let code = self.joined.as_ref().map(|j| j.comp.code.clone());
                self.open_board(&id, code);
            }
            Msg::JoinCompetition(code) => {
                self.comp_error = None;
                self.fetch_competition(code, true);
            }
            Msg::RefreshCompetition => {
                if let Some(j) = &self.joined {
                    let code = j.comp.code.clone();
                    self.fetch_competition(code, false);
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
                self.emit(Effect::SubmitRun(body));
            }
            Msg::Submitted(result) => match result {
                Ok(r) => {
                    self.highlight = Some(r.id);
                    let refresh = r.competition.is_some() && self.joined.is_some();
                    self.submit = SubmitState::Done(r);
                    if refresh {
                        if let Some(code) = self.joined.as_ref().map(|j| j.comp.code.clone()) {
                            self.fetch_competition(code, false);
                        }
                    }
                }
                Err(f) => self.submit = SubmitState::Failed(f),
            },
            Msg::WatchRun(id) => {
                self.watch_error = None;
                self.emit(Effect::FetchRun(id));
            }
            Msg::GhostLoaded(result) => match result {
                Ok(run) => {
                    let ghost = Ghost {
                        run_id: run.id,
                        player: run.player.clone(),
                        score: run.score,
                    };
                    match self.play_replay(run.replay.clone()) {
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
                    if let Err(e) = self.play_replay(run.replay) {
                        self.watch_error = Some(e);
                    }
                }
            }
        }
        true
    }
}
