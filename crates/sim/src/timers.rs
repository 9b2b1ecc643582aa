//! The timer queue: what is scheduled to happen, in time order (ties in scheduling order).

use crate::event::EventKind;
use crate::model::InstanceId;
use crate::timing::TICK_MS;
use crate::vecmap::VecMap;

/// Round a delay up to whole ticks, so that every timer fires on a tick boundary.
pub(crate) fn ticks(delay_ms: u64) -> u64 {
    delay_ms.div_ceil(TICK_MS) * TICK_MS
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    PendingDone,
    BootDone,
    ShutdownDone,
    SnapshotInitiated,
    StopDone,
    TerminateDone,
    HardReboot,
    HardStop,
    RebootGaveUp,
}

#[derive(Clone, Debug)]
pub(crate) enum Timer {
    Instance {
        idx: InstanceId,
        gen: u64,
        step: Step,
    },
    EsStarted {
        idx: InstanceId,
        gen: u64,
    },
    SetupDone {
        idx: InstanceId,
        gen: u64,
    },
    LogsCleaned {
        idx: InstanceId,
        gen: u64,
    },
    VolumeResized {
        idx: InstanceId,
        bytes: u64,
    },
    FilesystemGrown {
        idx: InstanceId,
        gen: u64,
    },
    Fault(usize),
    Branch(usize),
    BranchNotice(usize),
    ImageReady(usize),
    ImageFailed(usize),
    Message(usize),
    /// Deliver an event later (API responses that wait for `master_timeout`).
    Deliver(Box<EventKind>),
    /// Re-evaluate the cluster (a time-based condition may have become true).
    Wake,
}

/// Pending timers by `(at_ms, seq)`: a sorted `VecMap` (a handful are pending at a time).
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    queue: VecMap<(u64, u64), Timer>,
    seq: u64,
}

impl Timers {
    /// Schedules `timer` at `at_ms` (never before `now_ms`).
    pub(crate) fn insert(&mut self, at_ms: u64, now_ms: u64, timer: Timer) {
        self.seq += 1;
        self.queue.insert((at_ms.max(now_ms), self.seq), timer);
    }

    /// The next timer due by `now_ms`, removed from the queue.
    pub(crate) fn pop_due(&mut self, now_ms: u64) -> Option<Timer> {
        match self.queue.first_key_value() {
            Some((&(at_ms, _), _)) if at_ms <= now_ms => self.queue.pop_first().map(|(_, t)| t),
            _ => None,
        }
    }
}
