//! Quorum Drill simulator core.
//!
//! A pure, deterministic model of a 3-node Elasticsearch-like cluster on EC2-like instances,
//! with web traffic, scheduled faults, console actions, scoring and replays. No I/O, no wall
//! clock, no OS randomness: one seed drives a portable PRNG, time is integer milliseconds,
//! every collection iterates in a fixed order. Actions in, events out.

#![forbid(unsafe_code)]

pub mod action;
mod api;
mod cluster;
mod debrief;
pub mod engine;
pub mod event;
mod invariants;
pub mod json;
pub mod mentor;
pub mod model;
// Natively, scenarios come from the TOML files; the packed copy is for the wasm (and tests).
#[cfg(any(test, not(feature = "toml-scenarios")))]
mod packed;
pub mod replay;
pub mod report;
mod rng;
pub mod scenario;
pub mod script;
pub mod time;
pub mod timing;
pub mod traffic;
pub mod vecmap;

pub use action::{Action, AllocationEnable, ApiRequest, TimedAction};
pub use engine::Sim;
pub use event::{Event, EventKind, Health, InstanceState};
pub use replay::Replay;
pub use report::Report;
pub use scenario::Scenario;

/// Bumped whenever behaviour changes (a golden event log changes): replays recorded with
/// another version are refused rather than silently re-scored.
pub const SIM_VERSION: u32 = 1;

/// Runs `scenario` with `seed` and `actions` to the scenario's end and reports.
pub fn run(scenario: &Scenario, seed: u64, actions: &[TimedAction]) -> Report {
    simulate(scenario, seed, actions).report()
}

/// Runs `scenario` with `seed` and `actions` to the end and returns the finished simulation
/// (for views that need more than the report: samples, instances, the cluster).
pub fn simulate(scenario: &Scenario, seed: u64, actions: &[TimedAction]) -> Sim {
    simulate_until(scenario, seed, actions, u64::MAX)
}

/// Like [`simulate`], stopped at `until_ms` (after the actions, each applied at its time):
/// a what-if rewind and the resumption of a saved drill start from here.
pub fn simulate_until(
    scenario: &Scenario,
    seed: u64,
    actions: &[TimedAction],
    until_ms: u64,
) -> Sim {
    let mut sim = Sim::new(scenario, seed);
    for timed in actions {
        sim.run_until(timed.at_ms);
        if sim.is_over() {
            break;
        }
        sim.apply(timed.action.clone());
    }
    sim.run_until(until_ms);
    sim
}
