//! The ticker: the only code in the game that reads the wall clock.
//!
//! A gloo-timers interval wakes the app every [`FRAME_MS`]; each wake-up converts the wall
//! time that passed into sim time at the chosen speed and plays the simulation in the sim's
//! ticks ([`TICK_MS`]) through the drill's [`Playback`], within a time budget so that no
//! task blocks the main thread for long. A backlog (a background tab, a slow frame) is
//! dropped rather than caught up in one go.

use gloo_timers::callback::Interval;
use quorum_sim::{Playback, Sim, TICK_MS};

/// How often the ticker wakes up (wall ms): one sim tick's worth, so that at 1× each
/// wake-up plays one tick.
pub const FRAME_MS: u32 = TICK_MS as u32;
/// Longest a wake-up may spend stepping the simulation (wall ms).
pub const STEP_BUDGET_MS: f64 = 16.0;
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
        playback: &mut Playback,
        speed: u32,
        clock: &impl Fn() -> f64,
    ) -> bool {
        let now = clock();
        let gap = match self.last_wall {
            Some(last) => (now - last).clamp(0.0, MAX_GAP_MS),
            None => f64::from(FRAME_MS),
        };
        self.last_wall = Some(now);
        self.owed_ms += gap * f64::from(speed);
        let ticks = (self.owed_ms / TICK_MS as f64).floor() as u64;
        let done = step_within_budget(sim, playback, ticks, now, clock);
        self.owed_ms -= (done * TICK_MS) as f64;
        // Whatever the budget did not allow is dropped: the sim runs slower than asked
        // rather than freezing the page.
        self.owed_ms = self.owed_ms.min(TICK_MS as f64);
        done > 0
    }
}

/// Plays up to `ticks` ticks (due actions, a step, due actions), stopping early when the
/// budget (from `started`) runs out.
fn step_within_budget(
    sim: &mut Sim,
    playback: &mut Playback,
    ticks: u64,
    started: f64,
    clock: &impl Fn() -> f64,
) -> u64 {
    let mut done = 0;
    while done < ticks && !sim.is_over() {
        playback.tick(sim);
        done += 1;
        if done % 16 == 0 && clock() - started > STEP_BUDGET_MS {
            break;
        }
    }
    done
}
