//! A hidden timing hook for `e2e/bench.mjs`: `window.__qd_bench(scenario, seed, script, runs)`
//! simulates a whole replay `runs` times with `quorum_sim::simulate` and returns
//! `{ ms_per_run, runs, hash, score }`, so the bench can compare wasm with native speed.

use wasm_bindgen::prelude::*;

use crate::ticker::wall_ms;

fn bench(scenario_id: &str, seed: f64, script: &str, runs: u32) -> Result<JsValue, JsValue> {
    let scenario = quorum_sim::scenario::builtin(scenario_id)
        .ok_or_else(|| JsValue::from_str(&format!("unknown scenario {scenario_id}")))?;
    let actions =
        quorum_sim::script::parse(script).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let runs = runs.max(1);
    let seed = seed as u64;
    let started = wall_ms();
    let mut last = None;
    for _ in 0..runs {
        last = Some(quorum_sim::simulate(scenario, seed, &actions));
    }
    let elapsed = wall_ms() - started;
    let sim = last.expect("at least one run");
    let out = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&out, &JsValue::from_str(k), &v);
    set("ms_per_run", JsValue::from_f64(elapsed / f64::from(runs)))?;
    set("runs", JsValue::from_f64(f64::from(runs)))?;
    set("hash", JsValue::from_str(&sim.event_log_hash()))?;
    set("score", JsValue::from_f64(sim.report().score as f64))?;
    Ok(out.into())
}

/// Installs `window.__qd_bench`.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let f = Closure::<dyn Fn(String, f64, String, u32) -> Result<JsValue, JsValue>>::new(
        |scenario: String, seed: f64, script: String, runs: u32| {
            bench(&scenario, seed, &script, runs)
        },
    );
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("__qd_bench"), f.as_ref());
    f.forget();
}
