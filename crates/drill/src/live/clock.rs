//! The live drill's clock: sim time from the wall clock × speed, with pause. The only wall
//! clock in the project besides the browser's ticker; the simulator never reads it. Every
//! function takes the `Instant` it works from, so the arithmetic is tested without sleeping.

use std::time::Instant;

/// The slowest and fastest speeds `drill live` accepts (sim seconds per wall second).
pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 600.0;

/// Sim time as a function of the wall clock: `anchor_sim_ms + (now − anchor_wall) × speed`
/// while running, `anchor_sim_ms` while paused. Changing speed or pausing re-anchors, so
/// sim time never jumps.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    speed: f64,
    paused: bool,
    anchor_wall: Instant,
    anchor_sim_ms: f64,
}

impl Clock {
    pub fn new(speed: f64, now: Instant) -> Clock {
        Clock {
            speed: speed.clamp(MIN_SPEED, MAX_SPEED),
            paused: false,
            anchor_wall: now,
            anchor_sim_ms: 0.0,
        }
    }

    /// The sim time the wall clock says it is at `now`, in ms (fractional).
    pub fn sim_ms_at(&self, now: Instant) -> f64 {
        if self.paused {
            return self.anchor_sim_ms;
        }
        let wall_ms = now
            .saturating_duration_since(self.anchor_wall)
            .as_secs_f64()
            * 1000.0;
        self.anchor_sim_ms + wall_ms * self.speed
    }

    /// The wall time from `now` until the sim time `sim_ms` (zero if passed; `None` while
    /// paused).
    pub fn wall_until(&self, sim_ms: f64, now: Instant) -> Option<std::time::Duration> {
        if self.paused {
            return None;
        }
        let ahead_ms = (sim_ms - self.sim_ms_at(now)).max(0.0);
        Some(std::time::Duration::from_secs_f64(
            ahead_ms / self.speed / 1000.0,
        ))
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn reanchor(&mut self, now: Instant) {
        self.anchor_sim_ms = self.sim_ms_at(now);
        self.anchor_wall = now;
    }

    /// Sets the speed from `now` on (clamped to [`MIN_SPEED`]..=[`MAX_SPEED`]).
    pub fn set_speed(&mut self, speed: f64, now: Instant) {
        self.reanchor(now);
        self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
    }

    /// Pauses or resumes at `now`.
    pub fn set_paused(&mut self, paused: bool, now: Instant) {
        self.reanchor(now);
        self.paused = paused;
    }

    /// Moves sim time to at least `sim_ms` (the sim ran ahead, e.g. while catching up after
    /// a pause; never backwards).
    pub fn catch_up(&mut self, sim_ms: f64, now: Instant) {
        self.reanchor(now);
        self.anchor_sim_ms = self.anchor_sim_ms.max(sim_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sim_time_runs_at_the_speed_and_stands_still_while_paused() {
        let t0 = Instant::now();
        let mut clock = Clock::new(60.0, t0);
        assert_eq!(clock.sim_ms_at(t0 + Duration::from_secs(2)), 120_000.0);
        clock.set_paused(true, t0 + Duration::from_secs(2));
        assert_eq!(clock.sim_ms_at(t0 + Duration::from_secs(10)), 120_000.0);
        assert_eq!(clock.wall_until(130_000.0, t0), None);
        clock.set_paused(false, t0 + Duration::from_secs(10));
        clock.set_speed(1.0, t0 + Duration::from_secs(11));
        // 2 s at 60x, 8 s paused, 1 s at 60x, then 1x.
        assert_eq!(clock.sim_ms_at(t0 + Duration::from_secs(13)), 182_000.0);
        let wait = clock.wall_until(183_000.0, t0 + Duration::from_secs(13));
        assert_eq!(wait, Some(Duration::from_secs(1)));
    }

    #[test]
    fn speeds_are_clamped() {
        let t0 = Instant::now();
        assert_eq!(Clock::new(1e9, t0).speed(), MAX_SPEED);
        assert_eq!(Clock::new(0.0, t0).speed(), MIN_SPEED);
    }
}
