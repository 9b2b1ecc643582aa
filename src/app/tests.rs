//! The reducer's stories, run natively (`cargo test -p quorum-drill --lib`): each drives
//! `AppState::reduce` with the messages a player's clicks and the ticker would send, and
//! checks what the player would notice (the screen, the clock, the flashes, the notices) and
//! what would be stored.

use std::cell::Cell;

use quorum_sim::action::{Action, TimedAction};
use quorum_sim::replay::Replay;
use quorum_sim::scenario;

use super::{AppState, Boot, Effect, Env, Msg, Screen, Store};
use crate::route::Route;
use crate::state::{Mode, RunKind};
use crate::storage::{self, Item, Loaded, Notice, SavedDrill, KEY_DRILL};

/// A test world: a wall clock that moves one ticker frame per reading of a new frame, a
/// fixed calendar and a fixed seed source.
struct FakeEnv {
    wall: Cell<f64>,
}

impl FakeEnv {
    fn new() -> FakeEnv {
        FakeEnv {
            wall: Cell::new(1_000.0),
        }
    }
}

const NOW_UNIX_MS: u64 = 1_764_000_000_000;

impl Env for FakeEnv {
    fn wall_ms(&self) -> f64 {
        self.wall.get()
    }
    fn unix_ms(&self) -> u64 {
        NOW_UNIX_MS
    }
    fn random_seed(&self) -> u64 {
        4242
    }
}

/// The app with nothing stored, and its start-up effects.
fn fresh(env: &FakeEnv) -> AppState {
    let (state, effects) = AppState::new(Loaded::default(), env);
    assert!(effects.contains(&Effect::CheckServer), "{effects:?}");
    state
}

fn send(state: &mut AppState, env: &FakeEnv, msg: Msg) -> Vec<Effect> {
    state.reduce(msg, env).1
}

/// One ticker frame, 100 ms of wall time after the previous one.
fn frame(state: &mut AppState, env: &FakeEnv) {
    env.wall.set(env.wall.get() + 100.0);
    send(state, env, Msg::Tick);
}

fn now_ms(state: &AppState) -> u64 {
    state.drill.as_ref().expect("a drill").sim.borrow().now_ms()
}

fn action(words: &str) -> Action {
    let words: Vec<&str> = words.split(' ').collect();
    quorum_sim::script::parse_action(&words).unwrap()
}

/// Home → briefing of the AMI trap with seed 7 → Start, in `mode`.
fn drill(mode: Mode) -> (AppState, FakeEnv) {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    send(&mut state, &env, Msg::SetMode(mode));
    send(&mut state, &env, Msg::SeedText("7".into()));
    send(&mut state, &env, Msg::Open("seed-ami-trap"));
    assert!(matches!(state.screen, Screen::Briefing(s) if s.id == "seed-ami-trap"));
    let effects = send(&mut state, &env, Msg::Start);
    assert_eq!(state.screen, Screen::Drill);
    assert!(effects.contains(&Effect::StartTicker), "{effects:?}");
    assert!(
        effects.contains(&Effect::Store(Store::Drill)),
        "the new drill is saved: {effects:?}"
    );
    let saved = state.saved_drill().expect("a drill to save");
    assert_eq!((saved.replay.seed, saved.now_ms, saved.mode), (7, 0, mode));
    (state, env)
}

#[test]
fn the_ticker_runs_the_clock_at_the_chosen_speed() {
    let (mut state, env) = drill(Mode::Exam);
    assert_eq!(now_ms(&state), 0);
    frame(&mut state, &env);
    assert_eq!(now_ms(&state), 100);
    send(&mut state, &env, Msg::Speed(16));
    frame(&mut state, &env);
    assert_eq!(now_ms(&state), 100 + 1_600);
    assert_eq!(state.settings.speed, 16, "the speed is remembered");
}

#[test]
fn pausing_stops_the_clock_and_resuming_does_not_jump() {
    let (mut state, env) = drill(Mode::Exam);
    frame(&mut state, &env);
    let effects = send(&mut state, &env, Msg::TogglePause);
    assert!(
        effects.contains(&Effect::Store(Store::Drill)),
        "pausing saves the drill: {effects:?}"
    );
    assert_eq!(state.saved_drill().unwrap().now_ms, 100);
    for _ in 0..5 {
        frame(&mut state, &env);
    }
    assert_eq!(now_ms(&state), 100, "paused: the clock stands still");
    // Ten seconds of wall time later, resuming moves one frame, not ten seconds.
    env.wall.set(env.wall.get() + 10_000.0);
    send(&mut state, &env, Msg::TogglePause);
    send(&mut state, &env, Msg::Tick);
    assert_eq!(now_ms(&state), 200);
}

#[test]
fn skip_advances_to_the_next_event() {
    let (mut state, env) = drill(Mode::Exam);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-3")]),
    );
    let (before, then) = {
        let sim = state.drill.as_ref().unwrap().sim.borrow();
        (sim.events().len(), sim.now_ms())
    };
    send(&mut state, &env, Msg::Skip);
    let drill = state.drill.as_ref().unwrap();
    let sim = drill.sim.borrow();
    assert!(sim.now_ms() > then, "the clock jumped ahead");
    let new = &sim.events()[before..];
    assert!(!new.is_empty(), "an event happened");
    assert!(
        new.iter().all(|e| e.at_ms + 100 >= sim.now_ms()),
        "it stopped at the first moment something happened: now {} events {:?}",
        sim.now_ms(),
        new.iter().map(|e| e.at_ms).collect::<Vec<_>>()
    );
}

#[test]
fn an_accepted_action_flashes_and_fades_a_refused_one_stays_with_its_reason() {
    let (mut state, env) = drill(Mode::Exam);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("start node-1")]),
    );
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-3")]),
    );
    let flashes = state.drill.as_ref().unwrap().flashes.clone();
    assert_eq!(flashes.len(), 2);
    assert!(!flashes[0].ok, "node-1 is already running");
    assert!(!flashes[0].reason.is_empty(), "the sim's reason is shown");
    assert!(flashes[1].ok && flashes[1].reason.is_empty());
    for _ in 0..crate::state::FLASH_FRAMES {
        frame(&mut state, &env);
    }
    let flashes = &state.drill.as_ref().unwrap().flashes;
    assert_eq!(flashes.len(), 1, "the accepted toast faded");
    assert!(!flashes[0].ok, "the refusal stays until dismissed");
    let id = flashes[0].id;
    send(&mut state, &env, Msg::DismissFlash(id));
    assert!(state.drill.as_ref().unwrap().flashes.is_empty());
}

#[test]
fn mentor_mode_holds_a_risky_action_until_confirmed() {
    let (mut state, env) = drill(Mode::Mentor);
    frame(&mut state, &env);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("create-image node-2")]),
    );
    let drill = state.drill.as_ref().unwrap();
    let pending = drill.pending.as_ref().expect("a warning");
    assert_eq!(pending.warnings.len(), 1);
    assert_eq!(pending.warnings[0].0, "create-image node-2");
    assert!(pending.extra_outage_ms > 0 || pending.extra_failed > 0);
    assert!(drill.sim.borrow().actions().is_empty(), "not applied yet");
    frame(&mut state, &env);
    assert_eq!(now_ms(&state), 100, "the clock waits for the answer");
    // A cancelled warning applies nothing.
    send(&mut state, &env, Msg::Mentor(false));
    let drill = state.drill.as_ref().unwrap();
    assert!(drill.pending.is_none());
    assert!(drill.sim.borrow().actions().is_empty());
    // Confirmed, it is applied.
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("create-image node-2")]),
    );
    assert!(state.drill.as_ref().unwrap().pending.is_some());
    send(&mut state, &env, Msg::Mentor(true));
    let drill = state.drill.as_ref().unwrap();
    assert!(drill.pending.is_none());
    assert_eq!(
        drill.sim.borrow().actions().len(),
        1,
        "applied after confirming"
    );
    assert!(drill.flashes[0].ok);
}

#[test]
fn exam_mode_applies_a_risky_action_at_once() {
    let (mut state, env) = drill(Mode::Exam);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("create-image node-2")]),
    );
    let drill = state.drill.as_ref().unwrap();
    assert!(drill.pending.is_none());
    assert_eq!(drill.sim.borrow().actions().len(), 1);
}

#[test]
fn finishing_a_drill_produces_the_debrief_and_a_saved_run() {
    let (mut state, env) = drill(Mode::Exam);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-3")]),
    );
    let effects = send(&mut state, &env, Msg::End);
    assert_eq!(state.screen, Screen::Debrief);
    assert!(state.drill.is_none());
    let f = state.finished.as_ref().expect("the debrief's run");
    assert_eq!(f.actions.len(), 1);
    assert!(!f.report.grade.is_empty());
    assert_eq!(state.runs.len(), 1);
    assert_eq!(state.runs[0].score, f.report.score);
    assert_eq!(state.runs[0].at_ms, NOW_UNIX_MS);
    assert_eq!(
        state.local.len(),
        1,
        "a live run joins the local leaderboard"
    );
    assert!(state.new_best && state.first_best);
    assert!(effects.contains(&Effect::StopTicker));
    assert!(effects.contains(&Effect::Store(Store::ClearDrill)));
    assert!(effects.contains(&Effect::Store(Store::Runs)));
    assert!(effects.contains(&Effect::Store(Store::Local)));
    assert!(effects.contains(&Effect::Store(Store::Best)));
    assert_eq!(
        state.best.get("seed-ami-trap").map(|b| b.score),
        Some(f.report.score)
    );
    assert!(state.saved_drill().is_none(), "nothing left to resume");
    // Retrying the same seed is not a new best unless the score beats it.
    send(&mut state, &env, Msg::Retry);
    assert_eq!(state.screen, Screen::Drill);
    let effects = send(&mut state, &env, Msg::End);
    assert_eq!(state.runs.len(), 2);
    assert!(!state.first_best);
    let better = state.finished.as_ref().unwrap().report.score > state.runs[1].score;
    assert_eq!(state.new_best, better);
    assert_eq!(effects.contains(&Effect::Store(Store::Best)), better);
}

#[test]
fn exporting_the_finished_run_downloads_its_replay() {
    let (mut state, env) = drill(Mode::Exam);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-3")]),
    );
    send(&mut state, &env, Msg::End);
    let effects = send(&mut state, &env, Msg::Export);
    let [Effect::Download { filename, text }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(filename, "quorum-drill-seed-ami-trap-seed7-1actions.json");
    let replay = Replay::from_json(text).unwrap();
    assert_eq!(replay.actions.len(), 1);
    assert_eq!(
        replay.claimed_score,
        Some(state.finished.unwrap().report.score)
    );
}

#[test]
fn rewinding_starts_a_paused_what_if_just_before_the_action() {
    let (mut state, env) = drill(Mode::Exam);
    for _ in 0..50 {
        frame(&mut state, &env);
    }
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-3")]),
    );
    send(&mut state, &env, Msg::End);
    send(&mut state, &env, Msg::Rewind(0));
    assert_eq!(state.screen, Screen::Drill);
    let drill = state.drill.as_ref().unwrap();
    assert!(drill.paused);
    assert!(matches!(drill.kind, RunKind::WhatIf { from_action: 0, .. }));
    let sim = drill.sim.borrow();
    assert_eq!(sim.now_ms(), 5_000);
    assert!(sim.actions().is_empty(), "the rewound action is undone");
}

#[test]
fn a_replay_plays_back_read_only() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let actions = vec![TimedAction {
        at_ms: 200,
        action: action("reboot node-3"),
    }];
    let json = Replay::new(scenario, 9, actions).to_json();
    send(&mut state, &env, Msg::Import(json));
    assert_eq!(state.screen, Screen::Drill);
    assert!(state.import_error.is_none());
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-1")]),
    );
    // Replays play at 16x at least: the recorded action is applied in the first frame.
    frame(&mut state, &env);
    let drill = state.drill.as_ref().unwrap();
    assert!(drill.kind.is_replay());
    let sim = drill.sim.borrow();
    assert_eq!(sim.now_ms(), 1_600);
    assert_eq!(sim.actions().len(), 1, "the player's click was ignored");
    assert_eq!(sim.actions()[0].at_ms, 200, "the recorded action, on time");
}

#[test]
fn importing_an_empty_file_says_so_on_the_home_screen() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    send(&mut state, &env, Msg::Import("  ".into()));
    assert_eq!(state.screen, Screen::Home);
    assert_eq!(
        state.import_error.as_deref(),
        Some("the file is empty or could not be read")
    );
}

#[test]
fn a_refused_write_is_reported_once() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    send(&mut state, &env, Msg::WriteFailed);
    send(&mut state, &env, Msg::WriteFailed);
    assert_eq!(state.notices, vec![Notice::WriteFailed]);
}

fn stored(items: &[(&str, String)]) -> storage::Decoded {
    let keys = items.iter().map(|(k, _)| k.to_string());
    let get = |key: &str| {
        items
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    storage::decode(keys, get)
}

#[test]
fn a_corrupt_saved_drill_resets_with_a_notice() {
    let decoded = stored(&[(KEY_DRILL, "{\"replay\": 3".into())]);
    assert_eq!(decoded.remove, vec![KEY_DRILL.to_string()]);
    let env = FakeEnv::new();
    let (state, effects) = AppState::new(decoded.loaded, &env);
    assert_eq!(state.screen, Screen::Home);
    assert!(state.drill.is_none());
    assert!(!effects.contains(&Effect::StartTicker));
    assert_eq!(state.notices, vec![Notice::Reset(Item::Drill)]);
    assert_eq!(
        state.notices[0].text(crate::i18n::Lang::En),
        "Your saved drill in progress could not be read and were reset."
    );
}

#[test]
fn a_saved_drill_of_another_sim_version_resets_with_a_notice() {
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let mut replay = Replay::new(scenario, 3, Vec::new());
    replay.sim_version += 1;
    let saved = SavedDrill {
        replay,
        now_ms: 20_000,
        mode: Mode::Exam,
        what_if: None,
        competition: None,
        daily: None,
    };
    let decoded = stored(&[(KEY_DRILL, serde_json::to_string(&saved).unwrap())]);
    assert_eq!(decoded.remove, vec![KEY_DRILL.to_string()]);
    assert_eq!(decoded.loaded.notices, vec![Notice::Reset(Item::Drill)]);
    assert!(decoded.loaded.drill.is_none());
}

#[test]
fn a_saved_drill_resumes_paused_where_it_was() {
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let actions = vec![TimedAction {
        at_ms: 10_000,
        action: action("reboot node-3"),
    }];
    let saved = SavedDrill {
        replay: Replay::new(scenario, 3, actions),
        now_ms: 20_000,
        mode: Mode::Exam,
        what_if: None,
        competition: None,
        daily: None,
    };
    let decoded = stored(&[
        (KEY_DRILL, serde_json::to_string(&saved).unwrap()),
        ("qd.drill", "old layout".into()),
    ]);
    assert_eq!(decoded.remove, vec!["qd.drill".to_string()]);
    let env = FakeEnv::new();
    let (mut state, effects) = AppState::new(decoded.loaded, &env);
    assert!(effects.contains(&Effect::StartTicker));
    assert_eq!(state.screen, Screen::Drill);
    assert_eq!(
        state.notices,
        vec![Notice::OldVersion, Notice::Resumed { at_ms: 20_000 }]
    );
    assert!(state.drill.as_ref().unwrap().paused);
    assert_eq!(now_ms(&state), 20_000);
    assert_eq!(
        state.drill.as_ref().unwrap().sim.borrow().actions().len(),
        1
    );
    frame(&mut state, &env);
    assert_eq!(now_ms(&state), 20_000, "it waits, paused, for the player");
}

#[test]
fn quitting_forgets_the_drill() {
    let (mut state, env) = drill(Mode::Exam);
    let effects = send(&mut state, &env, Msg::Quit);
    assert_eq!(state.screen, Screen::Home);
    assert!(state.drill.is_none());
    assert!(effects.contains(&Effect::StopTicker));
    assert!(effects.contains(&Effect::Store(Store::ClearDrill)));
}

#[test]
fn skipping_through_a_replay_applies_its_actions_on_time() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let actions = vec![TimedAction {
        at_ms: 30_000,
        action: action("reboot node-3"),
    }];
    let json = Replay::new(scenario, 9, actions).to_json();
    send(&mut state, &env, Msg::Import(json));
    for _ in 0..100 {
        send(&mut state, &env, Msg::Skip);
        if !state
            .drill
            .as_ref()
            .unwrap()
            .sim
            .borrow()
            .actions()
            .is_empty()
        {
            break;
        }
    }
    let drill = state.drill.as_ref().unwrap();
    let sim = drill.sim.borrow();
    assert_eq!(sim.actions().len(), 1);
    assert_eq!(
        sim.actions()[0].at_ms,
        30_000,
        "applied at its recorded time"
    );
    assert_eq!(drill.playback.position(), 1);
}

#[test]
fn ending_a_replay_plays_its_remaining_actions_and_saves_nothing() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let actions = vec![TimedAction {
        at_ms: 300_000,
        action: action("reboot node-3"),
    }];
    let expected = quorum_sim::run(scenario, 9, &actions);
    send(
        &mut state,
        &env,
        Msg::Import(Replay::new(scenario, 9, actions).to_json()),
    );
    let effects = send(&mut state, &env, Msg::End);
    assert_eq!(state.screen, Screen::Debrief);
    let f = state.finished.as_ref().unwrap();
    assert_eq!(
        f.report.score, expected.score,
        "the same run as the recording"
    );
    assert_eq!(f.actions.len(), 1);
    assert!(state.runs.is_empty(), "a replay is not a new run");
    assert!(!effects.contains(&Effect::Store(Store::Runs)));
}

#[test]
fn without_a_server_a_finished_run_cannot_be_submitted() {
    let (mut state, env) = drill(Mode::Exam);
    let effects = send(&mut state, &env, Msg::ServerChecked(None));
    assert!(effects.is_empty(), "{effects:?}");
    send(&mut state, &env, Msg::End);
    let f = state.finished.as_ref().unwrap();
    assert_eq!(
        state.availability(f, crate::i18n::Lang::En),
        crate::screens::Availability::Offline
    );
    let form = crate::screens::SubmitForm {
        player: "Aiko".into(),
        team: None,
        competition: None,
    };
    let effects = send(&mut state, &env, Msg::Submit(form));
    assert!(effects.is_empty(), "nothing is sent: {effects:?}");
    assert_eq!(state.submit, crate::screens::SubmitState::Idle);
    assert_eq!(state.settings.player, "", "nor remembered");
}

#[test]
fn a_remembered_competition_the_server_no_longer_knows_is_forgotten() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    state.settings.competition = Some("QYR9KURW".into());
    send(&mut state, &env, Msg::OpenBoard("seed-ami-trap"));
    let failure = crate::net::Failure {
        status: 404,
        code: "unknown_competition".into(),
        message: "no such competition".into(),
    };
    let effects = send(
        &mut state,
        &env,
        Msg::CompetitionLoaded {
            code: "QYR9KURW".into(),
            result: Err(failure),
            fetched_at: 0.0,
            joining: false,
        },
    );
    assert_eq!(state.settings.competition, None);
    assert!(effects.contains(&Effect::Store(Store::Settings)));
    assert_eq!(
        state.comp_error.as_deref(),
        Some("Competition QYR9KURW: no such competition")
    );
    assert!(!state.comp_loading);
}

#[test]
fn the_replay_records_how_the_run_was_played() {
    use quorum_sim::replay::PlayMode;
    for (mode, recorded) in [
        (Mode::Exam, PlayMode::Exam),
        (Mode::Mentor, PlayMode::Mentor),
    ] {
        let (mut state, env) = drill(mode);
        send(
            &mut state,
            &env,
            Msg::Dispatch(vec![action("reboot node-3")]),
        );
        send(&mut state, &env, Msg::Mentor(true));
        assert_eq!(state.saved_drill().unwrap().replay.mode, recorded);
        send(&mut state, &env, Msg::End);
        assert_eq!(state.runs[0].replay.mode, recorded);
        let effects = send(&mut state, &env, Msg::Export);
        let [Effect::Download { text, .. }] = &effects[..] else {
            panic!("{effects:?}");
        };
        assert_eq!(Replay::from_json(text).unwrap().mode, recorded);
        // A run rewound from its debrief is a what-if, whatever the mode.
        send(&mut state, &env, Msg::Rewind(0));
        assert_eq!(state.saved_drill().unwrap().replay.mode, PlayMode::WhatIf);
        send(&mut state, &env, Msg::End);
        assert_eq!(state.runs[0].replay.mode, PlayMode::WhatIf);
        assert_eq!(crate::state::run_mode(&state.runs[0]), PlayMode::WhatIf);
    }
}

/// Reloads the page: a new app from what the effects stored (settings and saved runs).
fn reload(state: &AppState, env: &FakeEnv) -> AppState {
    let loaded = Loaded {
        settings: state.settings.clone(),
        runs: state.runs.clone(),
        drill: state.saved_drill(),
        ..Loaded::default()
    };
    AppState::new(loaded, env).0
}

#[test]
fn a_finished_run_survives_a_reload_on_its_debrief() {
    let (mut state, env) = drill(Mode::Exam);
    send(
        &mut state,
        &env,
        Msg::Dispatch(vec![action("reboot node-3")]),
    );
    let effects = send(&mut state, &env, Msg::End);
    assert!(effects.contains(&Effect::Store(Store::Settings)));
    let score = state.finished.as_ref().unwrap().report.score;
    let reloaded = reload(&state, &env);
    assert_eq!(reloaded.screen, Screen::Debrief);
    let f = reloaded.finished.as_ref().expect("the debrief's run");
    assert_eq!(f.report.score, score);
    assert_eq!(f.actions.len(), 1);
    assert_eq!(f.kind, RunKind::Live, "a live run, so it can be submitted");
    // Leaving the debrief: the next reload lands on Home.
    let effects = send(&mut state, &env, Msg::Home);
    assert!(effects.contains(&Effect::Store(Store::Settings)));
    assert_eq!(reload(&state, &env).screen, Screen::Home);
}

#[test]
fn saved_runs_submit_an_unsubmitted_live_run_and_show_it_submitted() {
    use crate::leaderboard::{ServerScenario, SubmitResponse, VersionInfo};
    use crate::screens::Availability;
    use std::rc::Rc;
    let (mut state, env) = drill(Mode::Exam);
    send(&mut state, &env, Msg::End);
    send(&mut state, &env, Msg::Home);
    let version = VersionInfo {
        server: "drill test".into(),
        sim_version: quorum_sim::SIM_VERSION,
        replay_format_version: 1,
        max_body_bytes: 1 << 20,
        max_actions: 1000,
        max_seed: quorum_sim::replay::MAX_SEED,
        scenarios: scenario::all().iter().map(ServerScenario::of).collect(),
    };
    send(&mut state, &env, Msg::ServerChecked(Some(Rc::new(version))));
    // From Saved runs: the run's debrief, ready to submit.
    send(&mut state, &env, Msg::Debrief(0));
    assert_eq!(state.screen, Screen::Debrief);
    let f = state.finished.as_ref().unwrap();
    assert_eq!(
        state.availability(f, crate::i18n::Lang::En),
        Availability::Ready
    );
    let form = crate::screens::SubmitForm {
        player: "Aiko".into(),
        team: None,
        competition: None,
    };
    // The first submission from this browser goes out without an identity: the shell asks
    // the server for one first (and sends the run as it).
    assert_eq!(state.identity, None);
    let effects = send(&mut state, &env, Msg::Submit(form));
    let Some(Effect::SubmitRun { body, token: None }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert!(body.contains("\"mode\":\"exam\""), "{body}");
    let token = format!("qd1_{}", "k".repeat(43));
    let issued = crate::leaderboard::IdentityCreated {
        player_id: 3,
        token: token.clone(),
    };
    let effects = send(&mut state, &env, Msg::IdentityCreated(Ok(issued)));
    // Kept in localStorage and shown once.
    assert_eq!(effects, vec![Effect::Store(crate::app::Store::Identity)]);
    assert_eq!(state.identity.as_deref(), Some(token.as_str()));
    assert!(state.identity_shown, "the new key is shown once");
    let f = state.finished.as_ref().unwrap();
    let answer = SubmitResponse {
        id: 17,
        created: true,
        url: "/api/runs/17".into(),
        player_id: 3,
        player: "Aiko".into(),
        team: None,
        competition: None,
        scenario_id: "seed-ami-trap".into(),
        seed: 7,
        mode: quorum_sim::replay::PlayMode::Exam,
        score: f.report.score,
        grade: f.report.grade.clone(),
        rank: 1,
        competition_rank: None,
        outage_ms: 0,
        requests_total: 0,
        requests_failed: 0,
        reads_failed: 0,
        writes_failed: 0,
        time_to_green_ms: None,
        final_health: "green".into(),
        event_log_hash: String::new(),
    };
    let effects = send(&mut state, &env, Msg::Submitted(Ok(Rc::new(answer))));
    assert!(effects.contains(&Effect::Store(Store::Runs)));
    assert_eq!(state.runs[0].submitted, Some(17));
    // This visit shows the server's answer (rank, score) as it came.
    let f = state.finished.as_ref().unwrap();
    assert_eq!(
        state.availability(f, crate::i18n::Lang::En),
        Availability::Ready
    );
    assert!(matches!(state.submit, crate::screens::SubmitState::Done(_)));
    // Opened again (after a reload), it says it is submitted and offers no second submit.
    let mut reloaded = reload(&state, &env);
    send(&mut reloaded, &env, Msg::Home);
    send(&mut reloaded, &env, Msg::Debrief(0));
    let f = reloaded.finished.as_ref().unwrap();
    assert_eq!(
        reloaded.availability(f, crate::i18n::Lang::En),
        Availability::Submitted(17)
    );
    // A key the server no longer knows is dropped, so the next submission gets a new one.
    let unknown = crate::net::Failure {
        status: 401,
        code: "unknown_identity".into(),
        message: "this server issued no identity with that token".into(),
    };
    let effects = send(&mut state, &env, Msg::Submitted(Err(unknown)));
    assert_eq!(state.identity, None);
    assert!(effects.contains(&Effect::Store(Store::Identity)));
}

#[test]
fn the_replay_banner_counts_actions_in_proper_english() {
    assert_eq!(
        super::view::plays_back(1),
        "1 action plays back at its recorded time"
    );
    assert_eq!(
        super::view::plays_back(1200),
        "1,200 actions play back at their recorded times"
    );
}

fn online(state: &mut AppState, env: &FakeEnv) {
    use crate::leaderboard::{ServerScenario, VersionInfo};
    let version = VersionInfo {
        server: "drill test".into(),
        sim_version: quorum_sim::SIM_VERSION,
        replay_format_version: 1,
        max_body_bytes: 1 << 20,
        max_actions: 1000,
        max_seed: quorum_sim::replay::MAX_SEED,
        scenarios: scenario::all().iter().map(ServerScenario::of).collect(),
    };
    send(
        state,
        env,
        Msg::ServerChecked(Some(std::rc::Rc::new(version))),
    );
}

#[test]
fn the_board_filters_by_mode_and_seed_and_keeps_them_across_scenarios() {
    use crate::leaderboard::{local_board, BoardFilter};
    use quorum_sim::replay::PlayMode;
    let (mut state, env) = drill(Mode::Mentor);
    send(&mut state, &env, Msg::ServerChecked(None));
    send(&mut state, &env, Msg::End);
    send(&mut state, &env, Msg::OpenBoard("seed-ami-trap"));
    let board = |s: &AppState| local_board(&s.local, "seed-ami-trap", s.board_filter).len();
    // Exam by default: a Mentor run does not rank beside Exam runs.
    assert_eq!(state.board_filter.mode, Some(PlayMode::Exam));
    assert_eq!(state.board_filter.query(), "&mode=exam");
    assert_eq!(board(&state), 0);
    let mentor = BoardFilter {
        mode: Some(PlayMode::Mentor),
        seed: None,
        daily: None,
    };
    send(&mut state, &env, Msg::BoardFilter(mentor));
    assert_eq!(board(&state), 1);
    send(&mut state, &env, Msg::BoardScenario("sandbox"));
    send(&mut state, &env, Msg::BoardScenario("seed-ami-trap"));
    assert_eq!(state.board_filter, mentor, "kept across the scenario tabs");
    for (seed, rows) in [(Some(8), 0), (Some(7), 1)] {
        send(
            &mut state,
            &env,
            Msg::BoardFilter(BoardFilter { seed, ..mentor }),
        );
        assert_eq!(board(&state), rows, "seed {seed:?}");
    }
    assert_eq!(state.board_filter.query(), "&mode=mentor&seed=7");
    assert_eq!(
        state.board_filter.text(crate::i18n::Lang::En),
        "Mentor runs · seed 7"
    );
    let all = BoardFilter {
        mode: None,
        seed: None,
        daily: None,
    };
    send(&mut state, &env, Msg::BoardFilter(all));
    assert_eq!((board(&state), all.query().as_str()), (1, "&mode=all"));
    assert_eq!(all.text(crate::i18n::Lang::En), "All runs · all seeds");
}

#[test]
fn an_exam_only_competition_refuses_a_mentor_run_before_sending_and_in_the_players_language() {
    use crate::i18n::Lang;
    use crate::leaderboard::{Competition, CompetitionScenario};
    use crate::net::Failure;
    use crate::screens::{SubmitForm, SubmitState};
    use quorum_proto::api::{exam_required_message, Counting, Status};
    use quorum_sim::replay::PlayMode;
    let (mut state, env) = drill(Mode::Mentor);
    online(&mut state, &env);
    let comp = Competition {
        code: "QYR9KURW".into(),
        name: "Game day".into(),
        status: Status::Open,
        starts_at: String::new(),
        ends_at: String::new(),
        starts_at_ms: 0,
        ends_at_ms: i64::MAX,
        now_ms: 5000,
        require_exam: true,
        counting: Counting::BestRunPerScenario,
        team_cap: 5,
        scenarios: vec![CompetitionScenario {
            id: "seed-ami-trap".into(),
            seeds: vec![7],
            hash: None,
            title: None,
            duration_ms: None,
        }],
        individuals: Vec::new(),
        individuals_next: None,
        teams: Vec::new(),
        teams_next: None,
    };
    send(
        &mut state,
        &env,
        Msg::CompetitionLoaded {
            code: comp.code.clone(),
            result: Ok(std::rc::Rc::new(comp)),
            fetched_at: 0.0,
            joining: true,
        },
    );
    send(&mut state, &env, Msg::End);
    let f = state.finished.as_ref().unwrap();
    assert_eq!(state.default_code(f), "QYR9KURW");
    let why = exam_required_message("Game day", PlayMode::Mentor, Lang::En);
    assert_eq!(
        state.exam_refusal(f, "QYR9KURW", Lang::En),
        Some(why.clone())
    );
    assert_eq!(
        state.exam_refusal(f, "", Lang::En),
        None,
        "the open board takes it"
    );
    let form = |code: Option<&str>| SubmitForm {
        player: "Aiko".into(),
        team: None,
        competition: code.map(String::from),
    };
    // Refused before sending, with the reason.
    let effects = send(&mut state, &env, Msg::Submit(form(Some("QYR9KURW"))));
    assert!(effects.is_empty(), "nothing is sent: {effects:?}");
    let SubmitState::Failed(failure) = &state.submit else {
        panic!("{:?}", state.submit);
    };
    assert_eq!(
        (failure.code.as_str(), &failure.message),
        ("exam_required", &why)
    );
    // The server's own refusal (a competition this browser has not joined) in Japanese.
    send(&mut state, &env, Msg::SetLang(Lang::Ja));
    // An identity imported from another browser (a malformed one is refused).
    send(&mut state, &env, Msg::ImportIdentity("qd1_nope".into()));
    assert_eq!(state.identity, None);
    assert!(state.identity_note.is_some(), "the refusal is said");
    let token = format!("qd1_{}", "i".repeat(43));
    let effects = send(&mut state, &env, Msg::ImportIdentity(format!(" {token} ")));
    assert_eq!(effects, vec![Effect::Store(crate::app::Store::Identity)]);
    assert_eq!(state.identity.as_deref(), Some(token.as_str()));
    let effects = send(&mut state, &env, Msg::Submit(form(Some("ZZZZ2222"))));
    assert!(
        matches!(effects.last(), Some(Effect::SubmitRun { token: Some(t), .. }) if *t == token),
        "{effects:?}"
    );
    let refusal = Failure {
        status: 403,
        code: "exam_required".into(),
        message: exam_required_message("Other", PlayMode::Mentor, Lang::En),
    };
    send(&mut state, &env, Msg::Submitted(Err(refusal)));
    let SubmitState::Failed(failure) = &state.submit else {
        panic!("{:?}", state.submit);
    };
    assert_eq!(
        failure.message,
        exam_required_message("ZZZZ2222", PlayMode::Mentor, Lang::Ja)
    );
    // Sent to the open board, it ranks on the Mentor board, which the leaderboard opens on.
    send(&mut state, &env, Msg::Submit(form(None)));
    let answer = crate::leaderboard::SubmitResponse {
        id: 18,
        created: true,
        url: "/api/runs/18".into(),
        player_id: 4,
        player: "Aiko".into(),
        team: None,
        competition: None,
        scenario_id: "seed-ami-trap".into(),
        seed: 7,
        mode: PlayMode::Mentor,
        score: 0,
        grade: "F".into(),
        rank: 1,
        competition_rank: None,
        outage_ms: 0,
        requests_total: 0,
        requests_failed: 0,
        reads_failed: 0,
        writes_failed: 0,
        time_to_green_ms: None,
        final_health: "green".into(),
        event_log_hash: String::new(),
    };
    send(
        &mut state,
        &env,
        Msg::Submitted(Ok(std::rc::Rc::new(answer))),
    );
    assert_eq!(state.board_filter.mode, Some(PlayMode::Mentor));
}

// ---------------------------------------------------------------- issue 10: coverage, daily

const TODAY: u32 = (NOW_UNIX_MS / 86_400_000) as u32;

/// Briefing → Start → End drill at once (no actions).
fn play_through(state: &mut AppState, env: &FakeEnv) -> Vec<Effect> {
    send(state, env, Msg::Start);
    assert_eq!(state.screen, Screen::Drill);
    send(state, env, Msg::End)
}

#[test]
fn next_drill_plays_a_case_not_yet_met_and_the_run_is_counted_for_it() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let cases = s.branch_cases();
    assert!(cases.len() >= 4, "{cases:?}");

    // Nothing played: Next drill opens the briefing with a seed of the case the sim picks.
    send(&mut state, &env, Msg::NextDrill("seed-ami-trap"));
    assert!(matches!(state.screen, Screen::Briefing(b) if b.id == s.id));
    let seed: u64 = state.seed_text.parse().unwrap();
    let first = quorum_sim::coverage::next_case(s, &[]).id;
    assert_eq!(s.case_for_seed(seed), first);

    // The trainee plays it out; the run counts as met for its case, today, and is stored.
    let effects = play_through(&mut state, &env);
    assert_eq!(state.screen, Screen::Debrief);
    assert!(
        effects.contains(&Effect::Store(Store::Coverage)),
        "{effects:?}"
    );
    let report = &state.finished.as_ref().unwrap().report;
    assert_eq!(
        report.branch_case, first,
        "the seed played the case it was chosen for"
    );
    assert_eq!(state.coverage.len(), 1);
    let rec = &state.coverage[0];
    assert_eq!(
        (
            rec.scenario.as_str(),
            rec.case.as_str(),
            rec.last_played_day
        ),
        (s.id.as_str(), first.as_str(), TODAY)
    );
    assert_eq!(
        rec.handled_cleanly,
        quorum_sim::coverage::handled_cleanly(report)
    );

    // The next Next drill goes to a case never met yet.
    send(&mut state, &env, Msg::NextDrill("seed-ami-trap"));
    let second = s.case_for_seed(state.seed_text.parse().unwrap());
    assert_ne!(second, first);
    assert!(
        state.coverage.iter().all(|r| r.case != second),
        "{second} was not met before"
    );
}

#[test]
fn a_what_if_run_does_not_count_for_coverage() {
    let (mut state, env) = drill(Mode::Exam);
    send(&mut state, &env, Msg::Dispatch(vec![action("health")]));
    send(&mut state, &env, Msg::End);
    assert_eq!(state.coverage.len(), 1, "the live run counts");
    send(&mut state, &env, Msg::Rewind(0));
    assert!(matches!(
        state.drill.as_ref().unwrap().kind,
        RunKind::WhatIf { .. }
    ));
    send(&mut state, &env, Msg::End);
    assert_eq!(
        state.coverage.len(),
        1,
        "the what-if run knows the future: not counted"
    );
}

#[test]
fn the_daily_drill_is_todays_scenario_and_seed_and_the_run_says_so() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    let (id, seed) = quorum_sim::daily::drill_for_day(TODAY);
    send(&mut state, &env, Msg::DailyDrill);
    assert!(matches!(state.screen, Screen::Briefing(s) if s.id == id));
    send(&mut state, &env, Msg::Start);
    let drill = state.drill.as_ref().unwrap();
    assert_eq!((drill.seed, drill.daily), (seed, Some(TODAY)));
    // A reload mid-drill resumes it as the daily drill.
    let saved = state.saved_drill().unwrap();
    assert_eq!(saved.daily, Some(TODAY));
    let loaded = Loaded {
        drill: Some(saved),
        ..Loaded::default()
    };
    let (resumed, _) = AppState::new(loaded, &env);
    assert_eq!(resumed.drill.as_ref().unwrap().daily, Some(TODAY));
    send(&mut state, &env, Msg::End);
    assert_eq!(state.finished.as_ref().unwrap().daily, Some(TODAY));

    // A drill opened from the scenario list afterwards is not a daily one.
    send(&mut state, &env, Msg::Home);
    send(&mut state, &env, Msg::Open(id));
    send(&mut state, &env, Msg::Start);
    assert_eq!(state.drill.as_ref().unwrap().daily, None);
}

#[test]
fn stored_coverage_comes_back_and_corrupt_coverage_resets_with_a_notice() {
    let mut records = Vec::new();
    storage::record_case(
        &mut records,
        "seed-ami-trap",
        "recovery=early",
        false,
        20_000,
    );
    storage::record_case(
        &mut records,
        "seed-ami-trap",
        "recovery=early",
        true,
        20_001,
    );
    storage::record_case(
        &mut records,
        "seed-ami-trap",
        "recovery=late",
        false,
        20_001,
    );
    assert_eq!(records.len(), 2, "one record per case");
    assert!(records[0].handled_cleanly && records[0].last_played_day == 20_001);
    let d = stored(&[(storage::KEY_COVERAGE, storage::coverage_json(&records))]);
    assert_eq!(d.loaded.coverage, records);
    assert!(d.loaded.notices.is_empty(), "{:?}", d.loaded.notices);

    for bad in [
        "{not json".to_string(),
        r#"{"version":2,"cases":[]}"#.to_string(),
        r#"{"version":1,"cases":[{"scenario":"seed-ami-trap","case":"x"}]}"#.to_string(),
    ] {
        let d = stored(&[(storage::KEY_COVERAGE, bad.clone())]);
        assert_eq!(
            d.loaded.notices,
            vec![Notice::Reset(Item::Coverage)],
            "{bad}"
        );
        assert_eq!(d.remove, vec![storage::KEY_COVERAGE.to_string()], "{bad}");
        assert!(d.loaded.coverage.is_empty());
        // The notice, as the player reads it.
        assert!(Notice::Reset(Item::Coverage)
            .text(crate::i18n::Lang::En)
            .contains("branch-case coverage"));
    }
}

#[test]
fn a_submitted_run_carries_its_scenarios_coverage_and_its_daily_day() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    send(
        &mut state,
        &env,
        Msg::ServerChecked(Some(std::rc::Rc::new(version_info()))),
    );
    send(&mut state, &env, Msg::DailyDrill);
    play_through(&mut state, &env);
    let effects = send(
        &mut state,
        &env,
        Msg::Submit(crate::screens::SubmitForm {
            player: "Ann".into(),
            team: None,
            competition: None,
        }),
    );
    let body = effects
        .iter()
        .find_map(|e| match e {
            Effect::SubmitRun { body, .. } => Some(body.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no submission: {effects:?}"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["daily"], TODAY);
    let cases = v["coverage"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{body}");
    assert_eq!(
        cases[0]["case"],
        state.finished.as_ref().unwrap().report.branch_case.as_str()
    );
}

fn version_info() -> crate::leaderboard::VersionInfo {
    crate::leaderboard::VersionInfo {
        server: "drill test".into(),
        sim_version: quorum_sim::SIM_VERSION,
        replay_format_version: 1,
        max_body_bytes: 1 << 20,
        max_actions: 1000,
        max_seed: quorum_sim::replay::MAX_SEED,
        scenarios: scenario::all()
            .iter()
            .map(crate::leaderboard::ServerScenario::of)
            .collect(),
    }
}

#[test]
fn the_game_fetches_the_scenarios_before_anything_else_and_resumes_the_drill_after() {
    let env = FakeEnv::new();
    let (mut state, effects) = AppState::booting(&env);
    // A loading state, and only the pack's fetch: no server check, no ticker, no storage.
    assert_eq!(state.boot, Boot::Loading);
    assert_eq!(effects, vec![Effect::FetchScenarios]);
    assert!(state.drill.is_none());
    // The pack is installed; storage, read after it, holds a drill in progress.
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let saved = SavedDrill {
        replay: Replay::new(scenario, 3, vec![]),
        now_ms: 20_000,
        mode: Mode::Exam,
        what_if: None,
        competition: None,
        daily: None,
    };
    let decoded = stored(&[(KEY_DRILL, serde_json::to_string(&saved).unwrap())]);
    let effects = send(
        &mut state,
        &env,
        Msg::ScenariosReady(Box::new(decoded.loaded)),
    );
    assert_eq!(state.boot, Boot::Ready);
    assert!(effects.contains(&Effect::CheckServer), "{effects:?}");
    assert!(effects.contains(&Effect::StartTicker), "{effects:?}");
    assert_eq!(
        state.screen,
        Screen::Drill,
        "the drill resumes once installed"
    );
    assert_eq!(state.notices, vec![Notice::Resumed { at_ms: 20_000 }]);
    assert_eq!(now_ms(&state), 20_000);
}

#[test]
fn a_failed_scenario_fetch_shows_why_and_a_retry_fetches_again() {
    let env = FakeEnv::new();
    let (mut state, _) = AppState::booting(&env);
    let effects = send(&mut state, &env, Msg::ScenariosFailed("HTTP 503".into()));
    assert_eq!(state.boot, Boot::Failed("HTTP 503".into()));
    assert!(effects.is_empty(), "nothing else starts: {effects:?}");
    let effects = send(&mut state, &env, Msg::RetryScenarios);
    assert_eq!(state.boot, Boot::Loading);
    assert_eq!(effects, vec![Effect::FetchScenarios]);
    // A second click while the retry is in flight does not fetch twice.
    assert!(send(&mut state, &env, Msg::RetryScenarios).is_empty());
    send(&mut state, &env, Msg::ScenariosReady(Box::default()));
    assert_eq!(state.boot, Boot::Ready);
    assert_eq!(state.screen, Screen::Home);
}

#[test]
fn the_trainer_and_assignment_pages_are_addresses_of_their_own() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    assert!(!state.in_cohort, "nothing stored: no cohort joined");
    send(&mut state, &env, Msg::OpenRoute(Route::Assignments));
    assert_eq!(state.screen, Screen::Assignments);
    assert_eq!(
        state.route().map(|r| r.page()).as_deref(),
        Some("boards.html#assignments")
    );
    let trainee = Route::Trainer {
        cohort: Some(4),
        trainee: Some(9),
    };
    send(&mut state, &env, Msg::OpenRoute(trainee.clone()));
    assert_eq!(state.route(), Some(trainee));
    send(&mut state, &env, Msg::Home);
    assert_eq!(state.route(), None);

    let loaded = Loaded {
        in_cohort: true,
        ..Loaded::default()
    };
    assert!(AppState::new(loaded, &env).0.in_cohort);
}

#[test]
fn a_team_drill_room_is_an_address_a_teammate_can_open() {
    let env = FakeEnv::new();
    let mut state = fresh(&env);
    send(&mut state, &env, Msg::OpenRoute(Route::Room { code: None }));
    assert_eq!(state.screen, Screen::Room { code: None });
    assert_eq!(
        state.route().map(|r| r.page()).as_deref(),
        Some("boards.html#room")
    );
    // The host opened one: the address names it, and reads back as the same room.
    let room = Route::Room {
        code: Some("K7QX2M".into()),
    };
    send(&mut state, &env, Msg::OpenRoute(room.clone()));
    let page = state.route().map(|r| r.page()).unwrap();
    assert_eq!(page, "boards.html#room=K7QX2M");
    assert_eq!(
        Route::parse(page.trim_start_matches("boards.html")),
        Some(room)
    );
    send(&mut state, &env, Msg::Home);
    assert_eq!(state.screen, Screen::Home);
}
