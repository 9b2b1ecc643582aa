//! The leaderboard server's messages: the start-up check, the boards, competitions (join,
//! refresh, leave, play), submitting the finished run, and watching a run (ghost replay).

use quorum_sim::scenario;

use super::effects::Effect;
use super::state::{AppState, Screen, Server};
use super::Msg;
use crate::i18n::Lang;
use crate::leaderboard::{Compat, SubmitRequest};
use crate::net::Failure;
use crate::route::Route;
use crate::screens::{Availability, Joined, ServerView, SubmitState};
use crate::state::{Finished, RunKind};
use quorum_proto::api::{exam_required_message, EXAM_REQUIRED};

impl AppState {
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
        // A live run submitted on an earlier visit (this visit's answer is shown as it came).
        let earlier = match (&f.kind, &self.submit) {
            (RunKind::Live, SubmitState::Done(_))
            | (RunKind::Replay | RunKind::WhatIf { .. }, _) => None,
            (RunKind::Live, _) => self.saved_run(f).and_then(|i| self.runs[i].submitted),
        };
        if let Some(id) = earlier {
            return Availability::Submitted(id);
        }
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

    /// Why submitting `f` to the competition `code` is refused before sending: the joined
    /// competition has that code, requires Exam, and `f` was not played in Exam mode.
    pub fn exam_refusal(&self, f: &Finished, code: &str, lang: Lang) -> Option<String> {
        let mode = f.mode.play_mode(&f.kind);
        match &self.joined {
            Some(j) if j.comp.require_exam && !mode.is_exam() && j.comp.code == code => {
                Some(exam_required_message(&j.comp.name, mode, lang))
            }
            _ => None,
        }
    }

    /// The saved run a finished run is (its replay, as stored).
    pub fn saved_run(&self, f: &Finished) -> Option<usize> {
        let replay = f.replay();
        self.runs.iter().position(|r| r.replay == replay)
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

    /// The board screen on show as an address (route.rs), `None` off the boards: the shell
    /// keeps the page's address in step with it, or takes the trainee's bundle to
    /// boards.html with it.
    pub fn route(&self) -> Option<Route> {
        match &self.screen {
            Screen::Leaderboard {
                scenario,
                competition,
            } => Some(Route::Board {
                scenario: scenario.id.clone(),
                competition: competition.clone(),
                filter: self.board_filter,
                highlight: self.highlight,
            }),
            Screen::Competition => Some(Route::Competition),
            #[cfg(feature = "boards")]
            Screen::Assignments => Some(Route::Assignments),
            #[cfg(feature = "boards")]
            Screen::Editor => Some(Route::Editor),
            #[cfg(feature = "boards")]
            Screen::Room { code } => Some(Route::Room { code: code.clone() }),
            #[cfg(feature = "boards")]
            Screen::Trainer { cohort, trainee } => Some(Route::Trainer {
                cohort: *cohort,
                trainee: *trainee,
            }),
            _ => None,
        }
    }

    pub(super) fn fetch_competition(&mut self, code: String, joining: bool) {
        self.comp_loading = true;
        self.emit(Effect::FetchCompetition { code, joining });
    }

    pub(super) fn open_board(&mut self, id: &str, competition: Option<String>) {
        if let Some(s) = scenario::builtin(id) {
            self.watch_error = None;
            // A new key was shown once, with the run; the board's card exports it again.
            self.identity_shown = false;
            self.screen = Screen::Leaderboard {
                scenario: s,
                competition,
            };
        }
    }

    /// Reduces a message about the leaderboard server (see [`AppState::reduce`]).
    pub(super) fn online_update(&mut self, msg: Msg, env: &dyn super::effects::Env) -> bool {
        let lang = self.lang();
        match msg {
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
                // A competition page opened from its address, with no server to fetch it.
                if matches!(self.server, Server::Offline)
                    && matches!(self.screen, Screen::Competition)
                    && self.joined.is_none()
                {
                    self.screen = Screen::Home;
                }
            }
            Msg::OpenRoute(Route::Board {
                scenario,
                competition,
                filter,
                highlight,
            }) => {
                self.board_filter = filter;
                self.highlight = highlight.or(self.highlight);
                self.open_board(&scenario, competition);
            }
            // The joined competition's page: the code is the remembered one (the start-up
            // check fetches it), never one the address could slip in.
            Msg::OpenRoute(Route::Competition) => {
                if self.settings.competition.is_some() {
                    self.watch_error = None;
                    self.comp_error = None;
                    self.screen = Screen::Competition;
                }
            }
            #[cfg(feature = "boards")]
            Msg::OpenRoute(Route::Assignments) => self.screen = Screen::Assignments,
            #[cfg(feature = "boards")]
            Msg::OpenRoute(Route::Editor) => self.screen = Screen::Editor,
            #[cfg(feature = "boards")]
            Msg::OpenRoute(Route::Room { code }) => self.screen = Screen::Room { code },
            #[cfg(feature = "boards")]
            Msg::OpenRoute(Route::Trainer { cohort, trainee }) => {
                self.screen = Screen::Trainer { cohort, trainee };
            }
            Msg::OpenBoard(id) => {
                self.board_filter.daily = None;
                self.open_board(id, None);
            }
            Msg::DailyBoard => {
                let day = super::state::today(env);
                let (id, seed) = quorum_sim::daily::drill_for_day(day);
                self.board_filter = crate::leaderboard::BoardFilter {
                    mode: Some(quorum_sim::PlayMode::Exam),
                    seed: Some(seed),
                    daily: Some(day),
                };
                self.open_board(id, None);
            }
            #[cfg(feature = "boards")]
            Msg::BoardScenario(id) => {
                let competition = match &self.screen {
                    Screen::Leaderboard { competition, .. } => competition.clone(),
                    _ => None,
                };
                self.open_board(id, competition);
            }
            #[cfg(feature = "boards")]
            Msg::BoardAllRuns => {
                if let Screen::Leaderboard { scenario, .. } = &self.screen {
                    let id = scenario.id.clone();
                    self.open_board(&id, None);
                }
            }
            #[cfg(feature = "boards")]
            Msg::BoardFilter(filter) => self.board_filter = filter,
            Msg::OpenCompetition => {
                if let Some(j) = &self.joined {
                    let code = j.comp.code.clone();
                    self.watch_error = None;
                    self.comp_error = None;
                    self.screen = Screen::Competition;
                    self.fetch_competition(code, false);
                }
            }
            #[cfg(feature = "boards")]
            Msg::CompetitionBoard(id) => {
                let code = self.joined.as_ref().map(|j| j.comp.code.clone());
                self.open_board(&id, code);
            }
            Msg::JoinCompetition(code) => {
                self.comp_error = None;
                self.fetch_competition(code, true);
            }
            #[cfg(feature = "boards")]
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
                let code = form.competition.as_deref().unwrap_or("");
                if let Some(message) = self.exam_refusal(f, code, lang) {
                    self.submit = SubmitState::Failed(Failure {
                        status: 403,
                        code: EXAM_REQUIRED.into(),
                        message,
                    });
                    return true;
                }
                let request = SubmitRequest {
                    player: form.player.clone(),
                    team: form.team.clone(),
                    competition: form.competition.clone(),
                    replay: f.replay(),
                    coverage: Some(
                        self.coverage
                            .iter()
                            .filter(|r| r.scenario == f.scenario.id)
                            .map(|r| quorum_proto::api::CaseCoverage {
                                case: r.case.clone(),
                                handled_cleanly: r.handled_cleanly,
                            })
                            .collect(),
                    ),
                    daily: f.daily,
                };
                let body = quorum_sim::json::to_string(&request);
                self.settings.player = form.player;
                self.settings.team = form.team.unwrap_or_default();
                self.save_settings();
                self.submit = SubmitState::Sending;
                self.submit_code = form.competition.clone();
                // Without an identity (this browser's first submission) the shell asks the
                // server for one first, then sends the run as it.
                let token = self.identity.clone();
                self.emit(Effect::SubmitRun { body, token });
            }
            Msg::IdentityCreated(result) => match result {
                Ok(created) => {
                    self.identity = Some(created.token);
                    // Shown once, now, with the run.
                    self.identity_shown = true;
                    self.emit(Effect::Store(crate::app::Store::Identity));
                }
                Err(failure) => self.submit = SubmitState::Failed(failure),
            },
            #[cfg(feature = "boards")]
            Msg::ShowIdentity => self.identity_shown = self.identity.is_some(),
            #[cfg(feature = "boards")]
            Msg::ImportIdentity(text) => {
                let token = text.trim();
                if quorum_proto::api::is_token(token) {
                    self.identity = Some(token.to_string());
                    self.identity_shown = false;
                    self.identity_note = Some(
                        crate::i18n::tr(lang, "Key imported.", "キーをインポートしました。").into(),
                    );
                    self.emit(Effect::Store(crate::app::Store::Identity));
                } else {
                    self.identity_note = Some(
                        crate::i18n::tr(
                            lang,
                            "That is not a player key.",
                            "プレイヤーキーではありません。",
                        )
                        .into(),
                    );
                }
            }
            Msg::Submitted(result) => match result {
                Ok(r) => {
                    self.highlight = Some(r.id);
                    // "View leaderboard" opens the board the run ranks on.
                    self.board_filter = crate::leaderboard::BoardFilter {
                        mode: Some(r.mode),
                        seed: None,
                        daily: self.finished.as_ref().and_then(|f| f.daily),
                    };
                    if let Some(i) = self.finished.as_ref().and_then(|f| self.saved_run(f)) {
                        self.runs[i].submitted = Some(r.id);
                        self.emit(Effect::Store(crate::app::Store::Runs));
                    }
                    let refresh = r.competition.is_some() && self.joined.is_some();
                    self.submit = SubmitState::Done(r);
                    if refresh {
                        if let Some(code) = self.joined.as_ref().map(|j| j.comp.code.clone()) {
                            self.fetch_competition(code, false);
                        }
                    }
                }
                Err(mut failure) => {
                    // A key the server does not know (its database was reset, or a wrong
                    // import) is dropped: the next submission gets a new identity.
                    if failure.code == "unknown_identity" && self.identity.is_some() {
                        self.identity = None;
                        self.emit(Effect::Store(crate::app::Store::Identity));
                    }
                    // The server's refusal of a non-Exam run, in the player's language.
                    if let (true, Some(f), Some(code)) = (
                        failure.code == EXAM_REQUIRED,
                        &self.finished,
                        self.submit_code.clone(),
                    ) {
                        let name = self.competition_name(&code);
                        failure.message =
                            exam_required_message(&name, f.mode.play_mode(&f.kind), lang);
                    }
                    self.submit = SubmitState::Failed(failure);
                }
            },
            #[cfg(feature = "boards")]
            Msg::WatchRun(id) => {
                self.watch_error = None;
                self.emit(Effect::FetchRun(id));
            }
            #[cfg(feature = "boards")]
            Msg::GhostLoaded(result) => match result {
                Ok(run) => {
                    let ghost = crate::state::Ghost {
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
            #[cfg(feature = "boards")]
            Msg::WatchLocal(i) => {
                if let Some(run) = self.local.get(i).cloned() {
                    if let Err(e) = self.play_replay(run.replay) {
                        self.watch_error = Some(e);
                    }
                }
            }
            _ => return false,
        }
        true
    }
}
