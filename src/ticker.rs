//! The ticker: the only code in the game that reads the wall clock.
//!
//! A gloo-timers interval wakes the app every [`FRAME_MS`]; each wake-up converts the wall
//! time that passed into sim time at the chosen speed and steps the simulation in 100 ms
//! ticks, within a time budget so that no task blocks the main thread for long. A backlog
//! (a background tab, a slow frame) is dropped rather than caught up in one go.

use gloo_timers::callback::Interval;
use quorum_sim::action::TimedAction;
use quorum_sim::Sim;

/// How often the ticker wakes up (wall ms). At 1× that is one sim tick per wake-up.
pub const FRAME_MS: u32 = 100;
/// Longest a wake-up may spend stepping the simulation (wall ms).
pub const STEP_BUDGET_MS: f64 = 16.0;
/// Sim time per step.
pub const TICK_MS: u64 = 100;
/// At most this much wall time is converted per wake-up: a longer gap is dropped.
const MAX_GAP_MS: f64 = 250.0;

/// Milliseconds from the page's time origin (`performance.now()`).
pub fn wall_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Starts the interval; dropping the returned value stops it.
pub fn start(on_frame: impl FnMut() + 'static) -> Interval {
    Interval::new(FRAME_MS, on_frame)
}

/// Converts wall time into sim ticks.
#[derive(Debug, Default)]
pub struct Pace {
    last_wall: Option<f64>,
    /// Sim ms owed, below one tick.
    owed_ms: f64,
}

/// Replay actions still to apply, in order.
pub struct Script<'a> {
    pub actions: &'a [TimedAction],
    pub next: &'a mut usize,
}

impl Pace {
    /// Forget the last wake-up (after a pause, so that resuming does not jump).
    pub fn reset(&mut self) {
        self.last_wall = None;
        self.owed_ms = 0.0;
    }

    /// Advances `sim` by the wall time since the last call times `speed`, reading the wall
    /// clock through `clock` (the reducer's `Env`). Returns whether the simulation moved.
    pub fn advance(
        &mut self,
        sim: &mut Sim,
        speed: u32,
        script: Option<Script<'_>>,
        clock: &dyn Fn() -> f64,
    ) -> bool {
        let now = clock();
        let gap = match self.last_wall {
            Some(last) => (now - last).clamp(0.0, MAX_GAP_MS),
            None => f64::from(FRAME_MS),
        };
        self.last_wall = Some(now);
        self.owed_ms += gap * f64::from(speed);
        let ticks = (self.owed_ms / TICK_MS as f64).floor() as u64;
        let done = step_within_budget(sim, ticks, now, script, clock);
        self.owed_ms -= (done * TICK_MS) as f64;
        // Whatever the budget did not allow is dropped: the sim runs slower than asked
        // rather than freezing the page.
        self.owed_ms = self.owed_ms.min(TICK_MS as f64);
        done > 0
    }
}

/// Steps up to `ticks` times, stopping early when the budget (from `started`) runs out.
/// Due replay actions are applied before each step, as `quorum_sim::simulate` does.
fn step_within_budget(
    sim: &mut Sim,
    ticks: u64,
    started: f64,
    mut script: Option<Script<'_>>,
    clock: &dyn Fn() -> f64,
) -> u64 {
    let mut done = 0;
    while done < ticks && !sim.is_over() {
        if let Some(s) = script.as_mut() {
            apply_due(sim, s);
        }
        sim.step();
        done += 1;
        if done % 16 == 0 && clock() - started > STEP_BUDGET_MS {
            break;
        }
    }
    if let Some(s) = script.as_mut() {
        apply_due(sim, s);
    }
    done
}

/// Applies the replay actions whose time has come.
pub fn apply_due(sim: &mut Sim, script: &mut Script<'_>) {
    while let Some(timed) = script.actions.get(*script.next) {
        if timed.at_ms > sim.now_ms() || sim.is_over() {
            break;
        }
        sim.apply(timed.action.clone());
        *script.next += 1;
    }
}
