//! A hidden timing hook for `e2e/bench.mjs`: `window.__qd_bench(replay_json, runs)` simulates
//! a replay file `runs` times with `quorum_sim::simulate` and returns
//! `[ms_per_run, runs, events, score]` (the event count: the wasm has no log hash), so the bench can compare wasm with native speed on
//! the very same replay (`examples/native_sim_timing.rs` writes it and times it natively).
//!
//! It reads a replay rather than an action script so that the script parser, which the game
//! itself never needs, stays out of the shipped wasm.

use quorum_sim::replay::Replay;
use wasm_bindgen::prelude::*;

use crate::ticker::wall_ms;

fn bench(replay_json: &str, runs: u32) -> Result<JsValue, JsValue> {
    let err = |e: quorum_sim::replay::ReplayError| JsValue::from_str(&e.to_string());
    let replay = Replay::from_json(replay_json).map_err(err)?;
    let scenario = replay.validate().map_err(err)?;
    let runs = runs.max(1);
    let started = wall_ms();
    let mut last = None;
    for _ in 0..runs {
        last = Some(quorum_sim::simulate(scenario, replay.seed, &replay.actions));
    }
    let elapsed = wall_ms() - started;
    let sim = last.expect("at least one run");
    let out = js_sys::Array::of4(
        &JsValue::from_f64(elapsed / f64::from(runs)),
        &JsValue::from_f64(f64::from(runs)),
        &JsValue::from_f64(sim.events().len() as f64),
        &JsValue::from_f64(sim.report().score as f64),
    );
    Ok(out.into())
}

/// `window.__qd_seed_bench()`: finds a seed for every branch case of every built-in
/// scenario (`Scenario::seed_for_case`, what Next drill does) and returns `[worst_ms,
/// cases, found]`: the target is ≤ 5 ms for any case.
fn seed_bench() -> JsValue {
    let (mut worst, mut cases, mut found) = (0.0f64, 0u32, 0u32);
    for s in quorum_sim::scenario::all() {
        for c in s.branch_cases() {
            let started = wall_ms();
            let seed = s.seed_for_case(&c.id, 1, quorum_sim::coverage::SEED_SEARCH_LIMIT);
            worst = worst.max(wall_ms() - started);
            cases += 1;
            found += u32::from(seed.is_some());
        }
    }
    js_sys::Array::of3(
        &JsValue::from_f64(worst),
        &JsValue::from_f64(f64::from(cases)),
        &JsValue::from_f64(f64::from(found)),
    )
    .into()
}

/// Installs `window.__qd_bench` and `window.__qd_seed_bench`.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let f = Closure::<dyn Fn(String, u32) -> Result<JsValue, JsValue>>::new(
        |replay_json: String, runs: u32| bench(&replay_json, runs),
    );
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("__qd_bench"), f.as_ref());
    f.forget();
    let g = Closure::<dyn Fn() -> JsValue>::new(seed_bench);
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("__qd_seed_bench"), g.as_ref());
    g.forget();
}
