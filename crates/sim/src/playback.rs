//! The one playback cursor: apply the actions that are due, then step. `simulate`, the game's
//! ticker, rebuild and "skip to the next event", the CLI, the server and the bench all drive
//! the simulation through it, so a replay plays back the same way everywhere.

use crate::action::TimedAction;
use crate::engine::Sim;

/// Scripted actions still to apply, in order (empty for a live drill, where the trainee
/// applies actions directly with [`Sim::apply`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Playback {
    actions: Vec<TimedAction>,
    next: usize,
}

impl Playback {
    /// Plays `actions` back, each at its `at_ms` (they are in time order, as replays are).
    pub fn new(actions: Vec<TimedAction>) -> Playback {
        Playback { actions, next: 0 }
    }

    /// No scripted actions: a live drill.
    pub fn live() -> Playback {
        Playback::default()
    }

    /// Every action, applied or not.
    pub fn actions(&self) -> &[TimedAction] {
        &self.actions
    }

    /// How many actions have been applied.
    pub fn position(&self) -> usize {
        self.next
    }

    /// The actions not applied yet.
    pub fn remaining(&self) -> &[TimedAction] {
        &self.actions[self.next..]
    }

    /// When the next scripted action is due, if any is left.
    pub fn next_action_ms(&self) -> Option<u64> {
        self.remaining().first().map(|a| a.at_ms)
    }

    /// Applies every action whose time has come (none once the drill is over).
    pub fn apply_due(&mut self, sim: &mut Sim) {
        while let Some(timed) = self.actions.get(self.next) {
            if timed.at_ms > sim.now_ms() || sim.is_over() {
                break;
            }
            sim.apply(timed.action.clone());
            self.next += 1;
        }
    }

    /// One tick: the due actions, one step, then the actions due after it.
    pub fn tick(&mut self, sim: &mut Sim) {
        self.apply_due(sim);
        sim.step();
        self.apply_due(sim);
    }

    /// Runs until `until_ms` (or the end), applying each action at its time, including those
    /// due at `until_ms` itself.
    pub fn run_until(&mut self, sim: &mut Sim, until_ms: u64) {
        loop {
            self.apply_due(sim);
            if sim.now_ms() >= until_ms || sim.is_over() {
                break;
            }
            sim.step();
        }
    }

    /// Runs to the scenario's end.
    pub fn finish(&mut self, sim: &mut Sim) {
        self.run_until(sim, u64::MAX);
    }

    /// Whether "skip to the next event" has anything to skip to (the button's state): while
    /// the drill runs there is always its end, itself a noteworthy event.
    pub fn can_skip(&self, sim: &Sim) -> bool {
        !sim.is_over()
    }

    /// "Skip to the next event": plays tick by tick (applying scripted actions at their
    /// times) until the tick in which a noteworthy event
    /// ([`EventKind::is_noteworthy`](crate::event::EventKind::is_noteworthy)) is logged, or
    /// the drill ends (also noteworthy). Lands on that event's moment, so no noteworthy event
    /// is ever jumped over; moves at least one tick when it moves at all. Costs what playing
    /// that stretch costs.
    pub fn skip(&mut self, sim: &mut Sim) {
        while !sim.is_over() {
            let seen = sim.events().len();
            self.tick(sim);
            if sim.events()[seen..].iter().any(|e| e.kind.is_noteworthy()) {
                break;
            }
        }
    }
}
