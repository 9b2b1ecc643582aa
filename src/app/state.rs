//! The app's state and its reducer: `AppState::reduce(msg, env)` changes the state and
//! returns the [`Effect`]s to run. Pure: it reads the world only through [`Env`] (clocks and
//! seeds) and never touches the browser, so its tests run natively (`tests.rs`). Settings,
//! the home screen and notices are reduced here; the drill's messages in `drill.rs`, the
//! server's in `online.rs`.

use std::rc::Rc;

use quorum_sim::scenario::{self, Scenario};

use super::effects::{Effect, Env, Store};
use super::Msg;
use crate::i18n::Lang;
use crate::leaderboard::{LocalRun, VersionInfo};
use crate::screens::{Joined, SubmitState};
use crate::state::{parse_seed, Drill, Finished, Settings};
use crate::storage::{BestScores, Loaded, Notice, SavedRun};

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
    /// The trainee's cohorts and assignments (boards bundle: route.rs).
    #[cfg(feature = "boards")]
    Assignments,
    /// The trainer's pages (boards bundle): a cohort's dashboard, a trainee's runs.
    /// The trainer's scenario editor (boards bundle).
    #[cfg(feature = "boards")]
    Editor,
    #[cfg(feature = "boards")]
    Trainer {
        cohort: Option<i64>,
        trainee: Option<i64>,
    },
    /// A team drill's room (boards bundle, issue 14): `src/room/`.
    #[cfg(feature = "boards")]
    Room {
        code: Option<String>,
    },
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
            #[cfg(feature = "boards")]
            Screen::Assignments => "assignments",
            #[cfg(feature = "boards")]
            Screen::Trainer { .. } => "trainer",
            #[cfg(feature = "boards")]
            Screen::Editor => "editor",
            #[cfg(feature = "boards")]
            Screen::Room { .. } => "room",
        }
    }
}

/// The scenario pack at start-up: fetched as data (ARCHITECTURE, bundle budget) before the
/// home screen, the stored runs and the drill in progress, which all name scenarios.
#[derive(Clone, Debug, PartialEq)]
pub enum Boot {
    Loading,
    /// The fetch or the install failed: why (the error screen offers a retry).
    Failed(String),
    Ready,
}

/// What the start-up check of `/api/version` found.
pub enum Server {
    Checking,
    Online(Rc<VersionInfo>),
    Offline,
}

pub struct AppState {
    /// Whether the scenarios are installed; nothing else is shown until they are.
    pub boot: Boot,
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
    /// The briefing is for the daily drill: (day, its seed).
    pub briefing_daily: Option<(u32, u64)>,
    /// Branch cases met and handled cleanly (`qd.v1.coverage`).
    pub coverage: Vec<quorum_sim::coverage::CaseRecord>,
    pub submit: SubmitState,
    /// The run just submitted (highlighted on the leaderboard).
    pub highlight: Option<i64>,
    /// The leaderboard's mode and seed filters (kept across its scenario tabs).
    pub board_filter: crate::leaderboard::BoardFilter,
    /// The competition code the submission in flight was sent with.
    pub submit_code: Option<String>,
    /// Why the last ghost replay could not be opened.
    pub watch_error: Option<String>,
    /// This browser's player identity on the leaderboard server: the token it issued.
    pub identity: Option<String>,
    /// Whether the token is on screen: once when it was issued, and when exported.
    pub identity_shown: bool,
    /// Why an imported token was refused, or the import's confirmation.
    pub identity_note: Option<String>,
    /// This browser joined a trainer's cohort (`qd.v1.cohorts`): home links to the
    /// assignments.
    pub in_cohort: bool,
    /// Effects requested by the message being reduced.
    out: Vec<Effect>,
}

/// Today in UTC, as days since 1970-01-01: the daily drill's and the coverage's calendar.
pub fn today(env: &dyn Env) -> u32 {
    (env.unix_ms() / 86_400_000) as u32
}

impl AppState {
    /// The state at start-up from what storage held (a saved drill resumes, paused), and
    /// the effects to run first.
    pub fn new(loaded: Loaded, env: &dyn Env) -> (AppState, Vec<Effect>) {
        let mut state = AppState {
            boot: Boot::Ready,
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
            briefing_daily: None,
            coverage: loaded.coverage,
            submit: SubmitState::Idle,
            highlight: None,
            board_filter: Default::default(),
            submit_code: None,
            watch_error: None,
            identity: loaded.identity,
            identity_shown: false,
            identity_note: None,
            in_cohort: loaded.in_cohort,
            out: Vec::new(),
        };
        state.emit(Effect::SetDocumentLang(state.settings.lang));
        if let Some(saved) = loaded.drill {
            state.resume(saved);
        } else if let Some(i) = state.settings.debrief {
            state.open_saved(i);
        }
        state.emit(Effect::CheckServer);
        let effects = std::mem::take(&mut state.out);
        (state, effects)
    }

    /// The state before the scenarios are installed: a loading screen and the pack's fetch.
    /// Storage is read after the install, and [`Msg::ScenariosReady`] then builds the state
    /// [`AppState::new`] would (the saved drill resumes then, not before).
    pub fn booting(env: &dyn Env) -> (AppState, Vec<Effect>) {
        let (mut state, _) = AppState::new(Loaded::default(), env);
        state.boot = Boot::Loading;
        (state, vec![Effect::FetchScenarios])
    }

    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    pub(super) fn emit(&mut self, effect: Effect) {
        self.out.push(effect);
    }

    pub(super) fn save_settings(&mut self) {
        self.emit(Effect::Store(Store::Settings));
    }

    /// Reduces one message: the new state is `self`; returns whether the view changed and
    /// the effects to run.
    pub fn reduce(&mut self, msg: Msg, env: &dyn Env) -> (bool, Vec<Effect>) {
        let render = self.update(msg, env);
        (render, std::mem::take(&mut self.out))
    }

    fn update(&mut self, msg: Msg, env: &dyn Env) -> bool {
        let render = self.update_screen(msg, env);
        // Leaving the debrief: a reload no longer returns to it.
        if self.screen != Screen::Debrief && self.settings.debrief.is_some() {
            self.settings.debrief = None;
            self.save_settings();
        }
        render
    }

    fn update_screen(&mut self, msg: Msg, env: &dyn Env) -> bool {
        match msg {
            Msg::ScenariosReady(loaded) => {
                let (state, effects) = AppState::new(*loaded, env);
                *self = state;
                self.out = effects;
            }
            Msg::ScenariosFailed(why) => self.boot = Boot::Failed(why),
            Msg::RetryScenarios => {
                if matches!(self.boot, Boot::Failed(_)) {
                    self.boot = Boot::Loading;
                    self.emit(Effect::FetchScenarios);
                }
            }
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
                    self.briefing_daily = None;
                    self.screen = Screen::Briefing(s);
                }
            }
            Msg::NextDrill(id) => {
                let Some(s) = scenario::builtin(id) else {
                    return false;
                };
                let seed = quorum_sim::coverage::next_seed(s, &self.coverage);
                self.seed_text = seed.to_string();
                self.briefing_comp = None;
                self.briefing_daily = None;
                self.screen = Screen::Briefing(s);
            }
            Msg::DailyDrill => {
                let day = today(env);
                let (id, seed) = quorum_sim::daily::drill_for_day(day);
                let Some(s) = scenario::builtin(id) else {
                    return false;
                };
                self.seed_text = seed.to_string();
                self.briefing_comp = None;
                self.briefing_daily = Some((day, seed));
                self.screen = Screen::Briefing(s);
            }
            Msg::Home => {
                self.screen = Screen::Home;
                self.import_error = None;
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
            Msg::ServerChecked(_)
            | Msg::OpenBoard(_)
            | Msg::DailyBoard
            | Msg::OpenCompetition
            | Msg::JoinCompetition(_)
            | Msg::CompetitionLoaded { .. }
            | Msg::LeaveCompetition
            | Msg::PlayCompetition(_)
            | Msg::Submit(_)
            | Msg::IdentityCreated(_)
            | Msg::Submitted(_)
            | Msg::OpenRoute(_) => return self.online_update(msg, env),
            // What only the board screens send (boards.html).
            #[cfg(feature = "boards")]
            Msg::BoardScenario(_)
            | Msg::BoardAllRuns
            | Msg::BoardFilter(_)
            | Msg::CompetitionBoard(_)
            | Msg::RefreshCompetition
            | Msg::ShowIdentity
            | Msg::ImportIdentity(_)
            | Msg::WatchRun(_)
            | Msg::GhostLoaded(_)
            | Msg::WatchLocal(_) => return self.online_update(msg, env),
            Msg::Start
            | Msg::Tick
            | Msg::Dispatch(_)
            | Msg::Mentor(_)
            | Msg::Speed(_)
            | Msg::TogglePause
            | Msg::Skip
            | Msg::End
            | Msg::Quit
            | Msg::DismissFlash(_)
            | Msg::Rewind(_)
            | Msg::Retry
            | Msg::NewSeed
            | Msg::Export
            | Msg::Import(_)
            | Msg::Watch(_)
            | Msg::Debrief(_)
            | Msg::Download(_)
            | Msg::Delete(_) => return self.drill_update(msg, env),
        }
        true
    }
}
