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
    /// Effects requested by the message being reduced.
    out: Vec<Effect>,
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
            board_filter: Default::default(),
            submit_code: None,
            watch_error: None,
            identity: loaded.identity,
            identity_shown: false,
            identity_note: None,
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
            | Msg::BoardScenario(_)
            | Msg::BoardAllRuns
            | Msg::BoardFilter(_)
            | Msg::OpenCompetition
            | Msg::CompetitionBoard(_)
            | Msg::JoinCompetition(_)
            | Msg::CompetitionLoaded { .. }
            | Msg::RefreshCompetition
            | Msg::LeaveCompetition
            | Msg::PlayCompetition(_)
            | Msg::Submit(_)
            | Msg::IdentityCreated(_)
            | Msg::ShowIdentity
            | Msg::ImportIdentity(_)
            | Msg::Submitted(_)
            | Msg::WatchRun(_)
            | Msg::GhostLoaded(_)
            | Msg::WatchLocal(_) => return self.online_update(msg),
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
