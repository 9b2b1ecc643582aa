//! The drill's messages: starting one, the clock (ticks, pause, speed, skip), the player's
//! actions (with mentor mode's forecast), the end and the debrief's run, rewinds and retries,
//! and the replays kept, imported and watched.

use std::rc::Rc;

use quorum_sim::replay::Replay;
use quorum_sim::scenario::Scenario;
use quorum_sim::{Playback, Sim};

use super::effects::{Effect, Env, Store};
use super::state::{AppState, Screen};
use super::Msg;
use crate::i18n::tr;
use crate::leaderboard::{add_local, LocalRun};
use crate::screens::SubmitState;
use crate::state::{parse_seed, rebuild, Drill, Finished, Mode, RunKind};
use crate::storage::{Best, Notice, SavedDrill, SavedRun, MAX_SAVED_REPLAYS};

fn replay_filename(replay: &Replay) -> String {
    format!(
        "quorum-drill-{}-seed{}-{}actions.json",
        replay.scenario_id,
        replay.seed,
        replay.actions.len()
    )
}

impl AppState {
    pub(super) fn begin(&mut self, drill: Drill) {
        self.drill = Some(drill);
        self.finished = None;
        self.new_best = false;
        self.screen = Screen::Drill;
        self.emit(Effect::StartTicker);
        self.save_drill();
    }

    pub(super) fn start_live(
        &mut self,
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
        self.begin(drill);
    }

    /// Saves the drill in progress (a replay playing back is not saved).
    pub(super) fn save_drill(&mut self) {
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
            daily: drill.daily,
        })
    }

    /// Restores the drill in progress saved by a previous visit (paused).
    pub(super) fn resume(&mut self, saved: SavedDrill) {
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
        drill.daily = saved.daily;
        self.notices.push(Notice::Resumed {
            at_ms: saved.now_ms,
        });
        self.begin(drill);
    }

    /// The drill is over: build the debrief, keep the run, update the best score.
    pub(super) fn finish(&mut self, env: &dyn Env) {
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
                submitted: None,
            };
            // A live run also goes on the local leaderboard.
            if live {
                let mut local: Vec<LocalRun> = (*self.local).clone();
                add_local(&mut local, run.clone());
                self.emit(Effect::Store(Store::Local));
                self.local = Rc::new(local);
            }
            // A live run counts for the coverage of its branch case (a what-if knows the
            // future: it does not).
            if live && !finished.report.branch_case.is_empty() {
                let handled = quorum_sim::coverage::handled_cleanly(&finished.report);
                crate::storage::record_case(
                    &mut self.coverage,
                    &finished.scenario.id,
                    &finished.report.branch_case,
                    handled,
                    super::state::today(env),
                );
                self.emit(Effect::Store(Store::Coverage));
            }
            self.runs.insert(0, run);
            self.runs.truncate(MAX_SAVED_REPLAYS);
            self.emit(Effect::Store(Store::Runs));
            // Kept until the debrief is left: a reload lands on it again.
            self.settings.debrief = Some(0);
            self.save_settings();
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

    /// Opens a saved live run's debrief, re-simulated from its replay (what-if runs keep
    /// no base run to compare with: they are only watched).
    pub(super) fn open_saved(&mut self, i: usize) -> bool {
        let Some(run) = self.runs.get(i).filter(|r| !r.what_if) else {
            return false;
        };
        let Ok(scenario) = run.replay.validate() else {
            return false;
        };
        let seed = run.replay.seed;
        let sim = quorum_sim::simulate(scenario, seed, &run.replay.actions);
        let drill = Drill::new(scenario, seed, run.mode, RunKind::Live, sim, 1);
        self.finished = Some(Finished::from_drill(&drill));
        self.new_best = false;
        self.submit = SubmitState::Idle;
        self.highlight = run.submitted;
        self.settings.debrief = Some(i);
        self.screen = Screen::Debrief;
        true
    }

    pub(super) fn play_replay(&mut self, replay: Replay) -> Result<(), String> {
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

    pub(super) fn tick(&mut self, env: &dyn Env) -> bool {
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

    /// Reduces a message about the drill (see [`AppState::reduce`]).
    pub(super) fn drill_update(&mut self, msg: Msg, env: &dyn Env) -> bool {
        let lang = self.lang();
        match msg {
            Msg::Tick => return self.tick(env),
            Msg::Start => {
                if let Screen::Briefing(s) = &self.screen {
                    let s = *s;
                    match (self.briefing_comp.take(), self.briefing_daily.take()) {
                        (Some((code, seed)), _) => self.start_live(s, seed, Some(code)),
                        (None, Some((day, seed))) => {
                            self.start_live(s, seed, None);
                            if let Some(d) = &mut self.drill {
                                d.daily = Some(day);
                            }
                        }
                        (None, None) => {
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
            Msg::Debrief(i) => {
                if !self.open_saved(i) {
                    return false;
                }
                self.save_settings();
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
            _ => return false,
        }
        true
    }
}
