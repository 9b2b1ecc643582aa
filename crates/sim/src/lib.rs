//! Quorum Drill simulator core.
//!
//! A pure, deterministic model of a 3-node Elasticsearch-like cluster on EC2-like instances,
//! with web traffic, scheduled faults, console actions, scoring and replays. No I/O, no wall
//! clock, no OS randomness: one seed drives a portable PRNG, time is integer milliseconds,
//! every collection iterates in a fixed order. Actions in, events out.

#![forbid(unsafe_code)]

// The facade: the domains below own their parts of `Sim`; `engine` holds the loop.
pub mod action;
pub mod coverage;
pub mod datastore;
pub mod debrief;
pub mod ec2;
pub mod engine;
pub mod event;
mod invariants;
pub mod json;
pub mod mentor;
pub mod playback;
pub mod reader;
pub mod replay;
mod rng;
pub mod runbook;
pub mod scenario;
pub mod script;
pub mod time;
pub mod timers;
pub mod timing;
pub mod traffic;
pub mod vecmap;
pub mod world;

// The paths the game and the CLI have always used.
pub use coverage::daily;
pub use debrief::report;
pub use ec2::offers;
pub use world::model;

pub use action::{Action, ActionKind, AllocationEnable, ApiRequest, Applied, TimedAction, TooLong};
pub use datastore::coordination::VotingView;
pub use engine::Sim;
pub use event::{Event, EventKind, Health, InstanceState};
pub use mentor::{Forecast, Prediction, HORIZON_MS};
pub use offers::{ConsoleAction, NotOffered, Offers};
pub use playback::Playback;
pub use replay::{PlayMode, Replay};
pub use report::{ChainKind, ChainStep, Report};
pub use runbook::{BranchView, RunbookComparison, RunbookView, StepKind, StepView};
pub use scenario::{BranchCase, BranchOption, BranchPoint, Effect, Proof, Scenario, Trap};
/// Sim time per step (every timer fires on a multiple of it), and the limits the console's
/// dialogs show.
pub use timing::{
    MAX_IMAGE_DESCRIPTION_CHARS, MAX_INSTANCES, MAX_RESOURCE_NAME_CHARS, MAX_VOLUME_GIB, TICK_MS,
};
pub use traffic::{is_outage, AppOutcome, AppRequest, ShardWrite};
pub use world::ids::{ClusterId, InstanceId, NodeKey};

/// Bumped whenever behaviour changes (a golden event log changes): replays recorded with
/// another version are refused rather than silently re-scored.
pub const SIM_VERSION: u32 = 6;

/// Runs `scenario` with `seed` and `actions` to the scenario's end and reports.
pub fn run(scenario: &Scenario, seed: u64, actions: &[TimedAction]) -> Report {
    simulate(scenario, seed, actions).report()
}

/// Runs `scenario` with `seed` and `actions` to the end and returns the finished simulation
/// (for views that need more than the report: samples, instances, the cluster).
pub fn simulate(scenario: &Scenario, seed: u64, actions: &[TimedAction]) -> Sim {
    simulate_until(scenario, seed, actions, u64::MAX)
}

/// Like [`simulate`], stopped at `until_ms` (after the actions due by then, each applied at
/// its time, through [`Playback`]): a what-if rewind and the resumption of a saved drill
/// start from here.
pub fn simulate_until(
    scenario: &Scenario,
    seed: u64,
    actions: &[TimedAction],
    until_ms: u64,
) -> Sim {
    let mut sim = Sim::new(scenario, seed);
    Playback::new(actions.to_vec()).run_until(&mut sim, until_ms);
    sim
}
