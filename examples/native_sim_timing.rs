//! Native counterpart of the browser's `window.__qd_bench` (see `src/bench.rs`), for
//! `e2e/bench.mjs`: simulates one drill `runs` times with `quorum_sim::simulate`, prints
//! `{"ms_per_run":…,"runs":…,"events":…,"score":…}` and writes the drill as a replay file,
//! which the bench then hands to the browser so that both sides run the very same replay.
//!
//! `cargo run --release --example native_sim_timing -- SCENARIO SEED SCRIPT_FILE RUNS REPLAY_OUT`

use std::time::Instant;

use quorum_sim::replay::Replay;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [scenario_id, seed, script_file, runs, replay_out] = args.as_slice() else {
        eprintln!("usage: native_sim_timing SCENARIO SEED SCRIPT_FILE RUNS REPLAY_OUT");
        std::process::exit(2);
    };
    let scenario = quorum_sim::scenario::builtin(scenario_id).expect("a built-in scenario");
    let seed: u64 = seed.parse().expect("a seed");
    let runs: u32 = runs.parse().expect("a run count");
    let script = std::fs::read_to_string(script_file).expect("the script file");
    let actions = quorum_sim::script::parse(&script).expect("a valid script");
    let replay = Replay::new(scenario, seed, actions);
    std::fs::write(replay_out, replay.to_json()).expect("the replay file is writable");
    // One warm-up run, as the browser's first call also pays for page faults and caches.
    let mut sim = quorum_sim::simulate(scenario, seed, &replay.actions);
    let started = Instant::now();
    for _ in 0..runs.max(1) {
        sim = quorum_sim::simulate(scenario, seed, &replay.actions);
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs.max(1));
    println!(
        "{{\"ms_per_run\":{ms:.3},\"runs\":{},\"events\":{},\"score\":{}}}",
        runs.max(1),
        sim.events().len(),
        sim.report().score
    );
}
