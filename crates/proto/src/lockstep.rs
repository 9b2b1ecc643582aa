//! A member's side of the lockstep (issue 14): the simulation run from a room's log, the way
//! the server runs its own. The server and every client use this one runner, so "applied at
//! its tick" means the same thing everywhere: at a tick, the sim first applies the actions
//! stamped for it (in `seq` order), and a state "at tick T" is the state after those.

use std::collections::VecDeque;

use quorum_sim::{Action, Scenario, Sim, TimedAction};

use crate::team::{Entry, EntryKind, CHECKPOINT_EVERY_MS};

/// A sim that follows a room's log.
#[derive(Clone, Debug)]
pub struct Follower {
    sim: Sim,
    pending: VecDeque<(u64, Action)>,
    applied: Vec<TimedAction>,
    /// The last entry taken (`seq`); entries are taken in order, once.
    last_seq: u64,
    /// `Resolved` was seen: the drill runs to its end.
    resolved: bool,
    last_checkpoint: u64,
}

impl Follower {
    pub fn new(scenario: &Scenario, seed: u64) -> Follower {
        Follower {
            sim: Sim::new(scenario, seed),
            pending: VecDeque::new(),
            applied: Vec::new(),
            last_seq: 0,
            resolved: false,
            last_checkpoint: 0,
        }
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The sim actions applied so far, with their ticks: the replay's actions.
    pub fn actions(&self) -> &[TimedAction] {
        &self.applied
    }

    /// Whether the commander declared the incident resolved.
    pub fn resolved(&self) -> bool {
        self.resolved
    }

    /// Takes the next entry of the log. An entry already taken is ignored; one with a gap
    /// before it is refused (the caller asks the server again with its `last_seq`).
    pub fn take(&mut self, entry: &Entry) -> Result<(), String> {
        if entry.seq <= self.last_seq {
            return Ok(());
        }
        if entry.seq != self.last_seq + 1 {
            return Err(format!(
                "entry {} arrived after entry {}: entries are missing",
                entry.seq, self.last_seq
            ));
        }
        if entry.tick_ms < self.sim.now_ms() && entry.action().is_some() {
            return Err(format!(
                "entry {} applies at {} ms but this sim is already at {} ms",
                entry.seq,
                entry.tick_ms,
                self.sim.now_ms()
            ));
        }
        self.last_seq = entry.seq;
        match &entry.kind {
            EntryKind::Action { action, .. } => {
                self.pending.push_back((entry.tick_ms, action.clone()))
            }
            EntryKind::Resolved => self.resolved = true,
            _ => {}
        }
        Ok(())
    }

    /// Runs to `until_ms` (or the end), applying each action at its tick. `checkpoint` is
    /// called with the sim at every multiple of [`CHECKPOINT_EVERY_MS`] reached on the way
    /// (after that tick's actions).
    pub fn run_to(&mut self, until_ms: u64, mut checkpoint: impl FnMut(&Sim)) {
        loop {
            while let Some((tick, _)) = self.pending.front() {
                if *tick > self.sim.now_ms() || self.sim.is_over() {
                    break;
                }
                let (tick, action) = self.pending.pop_front().expect("front");
                self.sim.apply(action.clone());
                self.applied.push(TimedAction {
                    at_ms: tick,
                    action,
                });
            }
            let now = self.sim.now_ms();
            if now > 0 && now.is_multiple_of(CHECKPOINT_EVERY_MS) && now > self.last_checkpoint {
                self.last_checkpoint = now;
                checkpoint(&self.sim);
            }
            if now >= until_ms || self.sim.is_over() {
                break;
            }
            self.sim.step();
        }
    }
}
