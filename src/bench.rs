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

/// Installs `window.__qd_bench`.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let f = Closure::<dyn Fn(String, u32) -> Result<JsValue, JsValue>>::new(
        |replay_json: String, runs: u32| bench(&replay_json, runs),
    );
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("__qd_bench"), f.as_ref());
    f.forget();
}
