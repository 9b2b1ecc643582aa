#![cfg(not(target_arch = "wasm32"))]
//! The same replay gives the same event log, run after run and through the JSON round trip.

use quorum_sim::{replay, run, scenario, script, Replay};

#[test]
fn same_seed_and_actions_give_the_same_log_twice_and_after_a_round_trip() {
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let actions = script::parse(
        "at 02:00 create-image node-2\nat 09:00 launch node-4 --image base\nat 11:00 setup node-4",
    )
    .unwrap();
    for seed in [0, 1, 99, replay::MAX_SEED] {
        let a = run(scenario, seed, &actions);
        let b = run(scenario, seed, &actions);
        assert_eq!(a, b, "seed {seed}: two runs differ");
        let mut replay = Replay::new(scenario, seed, actions.clone());
        replay.claimed_score = Some(a.score);
        let decoded = Replay::from_json(&replay.to_json()).unwrap();
        assert_eq!(decoded, replay);
        let c = replay::verify(&decoded).unwrap();
        assert_eq!(c.event_log_hash, a.event_log_hash);
    }
    let other = run(scenario, 2, &actions);
    assert_ne!(
        other.event_log_hash,
        run(scenario, 1, &actions).event_log_hash,
        "the seed matters"
    );
}

#[test]
fn a_forked_simulation_predicts_exactly_what_then_happens() {
    // Mentor mode forks the sim to preview an action; the preview must be the future.
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let mut sim = quorum_sim::Sim::new(scenario, 5);
    sim.run_until(120_000);
    let mut fork = sim.clone();
    let action = script::parse_action(&["create-image", "node-2"]).unwrap();
    fork.apply(action.clone());
    fork.run_until(600_000);
    sim.apply(action);
    sim.run_until(600_000);
    assert_eq!(fork.event_log_hash(), sim.event_log_hash());
}
