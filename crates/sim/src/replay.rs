//! Replays: seed + sim version + timestamped actions. Re-running one reproduces the event log
//! bit for bit; the leaderboard server trusts nothing else.

use serde::{Deserialize, Serialize};

use crate::action::{Action, TimedAction, TooLong};
#[cfg(feature = "log-hash")]
use crate::engine::Sim;
#[cfg(feature = "log-hash")]
use crate::event::EventKind;
use crate::report::Report;
use crate::scenario::{self, Scenario};
use crate::SIM_VERSION;

/// The replay file format this build writes and reads.
pub const REPLAY_FORMAT_VERSION: u32 = 1;
/// A drill is a few dozen actions; a replay with more is junk or an attack.
pub const MAX_ACTIONS: usize = 500;
/// A drill played with the real tools ([`PlayMode::Tools`]) also records what the trainee
/// looked at (each distinct read once per sim second) and the searches and indexes sent to
/// the app, so its replay may hold this many actions. *Chosen* so that as many of
/// `drill live`'s longest actions stay within [`MAX_REPLAY_BYTES`] (tested in
/// `tests/replay_decode.rs`); `drill live` also stops recording reads before the bytes run out.
pub const MAX_TOOLS_ACTIONS: usize = 1_500;
/// Seeds travel through JSON and JavaScript: keep them exact as an IEEE double.
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// Larger inputs are refused before parsing.
pub const MAX_REPLAY_BYTES: usize = 256 * 1024;

/// How the run was played, as the client records it. The sim cannot tell from the actions
/// whether a forecast was shown, so this is the client's declaration; boards use it to rank
/// like with like and a competition can require [`PlayMode::Exam`].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum PlayMode {
    /// No help: the trainee played alone.
    Exam,
    /// Mentor mode: forecasts warned before risky actions.
    Mentor,
    /// A rewound run: the actions were edited after seeing the outcome.
    WhatIf,
    /// Played with the real tools (`drill live`: the aws CLI, curl, the official clients)
    /// against the wall clock, without the console's forecasts or rewind: unaided, so it
    /// counts where Exam is required, and boards rank it on its own (`?mode=tools`).
    Tools,
    /// Recorded before replays carried a mode (or by a client that did not say): it cannot
    /// be verified as Exam, so it never counts where Exam is required.
    #[default]
    Unknown,
}

impl PlayMode {
    pub const ALL: [PlayMode; 5] = [
        PlayMode::Exam,
        PlayMode::Mentor,
        PlayMode::WhatIf,
        PlayMode::Tools,
        PlayMode::Unknown,
    ];

    /// The name in JSON and on the command line: `exam`, `mentor`, `what-if`, `tools`,
    /// `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlayMode::Exam => "exam",
            PlayMode::Mentor => "mentor",
            PlayMode::WhatIf => "what-if",
            PlayMode::Tools => "tools",
            PlayMode::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<PlayMode> {
        PlayMode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// The most actions a replay played this way may hold: [`MAX_TOOLS_ACTIONS`] for
    /// [`PlayMode::Tools`], else [`MAX_ACTIONS`].
    pub fn max_actions(self) -> usize {
        match self {
            PlayMode::Tools => MAX_TOOLS_ACTIONS,
            _ => MAX_ACTIONS,
        }
    }

    /// Counts where a competition requires Exam: Exam, and a drill played with the real
    /// tools (no forecast, no rewind: as unaided as Exam).
    pub fn is_exam(self) -> bool {
        matches!(self, PlayMode::Exam | PlayMode::Tools)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    pub format_version: u32,
    pub sim_version: u32,
    pub scenario_id: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub actions: Vec<TimedAction>,
    /// How it was played; absent in replays recorded before issue 9 (then `Unknown`).
    #[serde(default)]
    pub mode: PlayMode,
    /// The score the client computed; if present it must match the re-simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_score: Option<i64>,
}

/// The size rule of a replay: at most [`MAX_REPLAY_BYTES`] of JSON.
pub fn check_size(bytes: usize) -> Result<(), ReplayError> {
    if bytes > MAX_REPLAY_BYTES {
        return Err(ReplayError::TooLarge { bytes });
    }
    Ok(())
}

/// Why a replay was refused. Each variant renders as a one-line reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    TooLarge {
        bytes: usize,
    },
    Malformed(String),
    FormatVersion {
        got: u32,
    },
    SimVersion {
        got: u32,
    },
    UnknownScenario(String),
    ScenarioHash {
        scenario_id: String,
    },
    SeedOutOfRange(u64),
    TooManyActions {
        count: usize,
        limit: usize,
    },
    /// `index` is 0-based; messages number actions from 1, like the debrief.
    ActionsOutOfOrder {
        index: usize,
    },
    ActionAfterEnd {
        index: usize,
        at_ms: u64,
        duration_ms: u64,
    },
    ClaimedScore {
        claimed: i64,
        actual: i64,
    },
    /// A string inside action `index` (0-based) is longer than EC2 allows.
    StringTooLong {
        index: usize,
        too_long: TooLong,
    },
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::TooLarge { bytes } => {
                write!(f, "replay is {bytes} bytes; the limit is {MAX_REPLAY_BYTES}")
            }
            ReplayError::Malformed(msg) => write!(f, "malformed replay: {msg}"),
            ReplayError::FormatVersion { got } => write!(
                f,
                "replay format_version {got} is not supported (this build reads {REPLAY_FORMAT_VERSION})"
            ),
            ReplayError::SimVersion { got } => write!(
                f,
                "replay was recorded with sim_version {got}; this simulator is sim_version {SIM_VERSION}"
            ),
            ReplayError::UnknownScenario(id) => write!(f, "unknown scenario {id:?}"),
            ReplayError::ScenarioHash { scenario_id } => write!(
                f,
                "scenario_hash does not match scenario {scenario_id:?} as this build defines it"
            ),
            ReplayError::SeedOutOfRange(seed) => {
                write!(f, "seed {seed} is out of range (0..={MAX_SEED})")
            }
            ReplayError::TooManyActions { count, limit } => {
                write!(f, "replay has {count} actions; the limit is {limit}")
            }
            ReplayError::ActionsOutOfOrder { index } => {
                write!(f, "action #{} is earlier than the action before it", index + 1)
            }
            ReplayError::ActionAfterEnd { index, at_ms, duration_ms } => write!(
                f,
                "action #{} at {} is after the scenario's end ({})",
                index + 1,
                crate::time::fmt_clock(*at_ms),
                crate::time::fmt_clock(*duration_ms)
            ),
            ReplayError::ClaimedScore { claimed, actual } => write!(
                f,
                "claimed_score {claimed} does not match the re-simulated score {actual}"
            ),
            ReplayError::StringTooLong { index, too_long } => {
                write!(f, "action #{}: {too_long}", index + 1)
            }
        }
    }
}

impl std::error::Error for ReplayError {}

impl Replay {
    /// Whether a fault is injected (`Action::Inject`): only a team drill's game master does,
    /// on a live drill scored in its room. A player's own replay — a board run, a trainer's
    /// proof — injects none: it would let the player script their own luck (an early host
    /// recovery). The one rule `drill serve` applies to submissions, proofs and proposals.
    pub fn injects_fault(&self) -> bool {
        self.actions
            .iter()
            .any(|a| matches!(a.action, Action::Inject { .. }))
    }

    /// A replay of `actions` in `scenario` with `seed`, stamped with this build's versions;
    /// its mode is `Unknown` until [`Replay::with_mode`] says how it was played.
    pub fn new(scenario: &Scenario, seed: u64, actions: Vec<TimedAction>) -> Replay {
        Replay {
            format_version: REPLAY_FORMAT_VERSION,
            sim_version: SIM_VERSION,
            scenario_id: scenario.id.clone(),
            scenario_hash: scenario.hash.clone(),
            seed,
            actions,
            mode: PlayMode::Unknown,
            claimed_score: None,
        }
    }

    /// The same replay, recorded as played in `mode`.
    pub fn with_mode(mut self, mode: PlayMode) -> Replay {
        self.mode = mode;
        self
    }

    /// Decodes a replay from JSON. Never panics; size is checked before parsing.
    /// `#[inline]`: compiled by its callers, at their opt-level (see [`crate::reader`]).
    #[inline]
    pub fn from_json(text: &str) -> Result<Replay, ReplayError> {
        check_size(text.len())?;
        // The browser reads with the hand-written reader (no serde deserializer in the wasm);
        // native code keeps serde's, and tests check that the two agree.
        #[cfg(target_arch = "wasm32")]
        let read = crate::reader::replay_from_str(text);
        #[cfg(not(target_arch = "wasm32"))]
        let read = serde_json::from_str(text).map_err(|e| e.to_string());
        read.map_err(ReplayError::Malformed)
    }

    /// Pretty JSON. The browser writes it with the hand-written [`crate::json::ToJson`]
    /// (no serde serializer in the wasm); native code through serde, byte for byte the same
    /// (tested in `json`).
    pub fn to_json(&self) -> String {
        #[cfg(target_arch = "wasm32")]
        return crate::json::to_pretty(self);
        // A replay always serializes (strings, numbers, lists); `unwrap_or_default` rather
        // than `expect` keeps serde_json's error `Debug` out of the wasm.
        #[cfg(not(target_arch = "wasm32"))]
        crate::json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks everything that can be checked without simulating, and returns the scenario.
    /// (The encoded size is checked where the bytes are: [`Replay::from_json`], or
    /// [`check_size`] on a replay that arrived inside another document.)
    pub fn validate(&self) -> Result<&'static Scenario, ReplayError> {
        // The versions first: a replay of another version names no scenario of this one.
        self.check_versions()?;
        let scenario = scenario::builtin(&self.scenario_id)
            .ok_or_else(|| ReplayError::UnknownScenario(self.scenario_id.clone()))?;
        self.validate_with(scenario)?;
        Ok(scenario)
    }

    /// The replay's format and sim version are this build's.
    fn check_versions(&self) -> Result<(), ReplayError> {
        if self.format_version != REPLAY_FORMAT_VERSION {
            return Err(ReplayError::FormatVersion {
                got: self.format_version,
            });
        }
        if self.sim_version != SIM_VERSION {
            return Err(ReplayError::SimVersion {
                got: self.sim_version,
            });
        }
        Ok(())
    }

    /// [`Replay::validate`] against `scenario` rather than a built-in one (a trainer's
    /// scenario the server read from its database): its id and hash must be the replay's.
    pub fn validate_with(&self, scenario: &Scenario) -> Result<(), ReplayError> {
        self.check_versions()?;
        if scenario.id != self.scenario_id {
            return Err(ReplayError::UnknownScenario(self.scenario_id.clone()));
        }
        if scenario.hash != self.scenario_hash {
            return Err(ReplayError::ScenarioHash {
                scenario_id: self.scenario_id.clone(),
            });
        }
        if self.seed > MAX_SEED {
            return Err(ReplayError::SeedOutOfRange(self.seed));
        }
        let limit = self.mode.max_actions();
        if self.actions.len() > limit {
            return Err(ReplayError::TooManyActions {
                count: self.actions.len(),
                limit,
            });
        }
        let mut last_ms = 0;
        for (index, timed) in self.actions.iter().enumerate() {
            if timed.at_ms < last_ms {
                return Err(ReplayError::ActionsOutOfOrder { index });
            }
            if timed.at_ms > scenario.duration_ms {
                return Err(ReplayError::ActionAfterEnd {
                    index,
                    at_ms: timed.at_ms,
                    duration_ms: scenario.duration_ms,
                });
            }
            if let Some(too_long) = timed.action.too_long() {
                return Err(ReplayError::StringTooLong { index, too_long });
            }
            last_ms = timed.at_ms;
        }
        Ok(())
    }
}

/// Re-simulates a replay and returns the report the simulator computes. A `claimed_score`
/// that differs from it is an error.
pub fn verify(replay: &Replay) -> Result<Report, ReplayError> {
    let scenario = replay.validate()?;
    let report = crate::run(scenario, replay.seed, &replay.actions);
    if let Some(claimed) = replay.claimed_score {
        if claimed != report.score {
            return Err(ReplayError::ClaimedScore {
                claimed,
                actual: report.score,
            });
        }
    }
    Ok(report)
}

/// A replay the simulator re-ran: its report and its [`canonical_hash`].
#[cfg(feature = "log-hash")]
#[derive(Clone, Debug)]
pub struct Verified {
    pub report: Report,
    pub canonical_hash: String,
}

/// [`verify`], and the replay's [`canonical_hash`] from the same simulation.
#[cfg(feature = "log-hash")]
pub fn verify_canonical(replay: &Replay) -> Result<Verified, ReplayError> {
    verify_canonical_with(replay, replay.validate()?)
}

/// [`verify_canonical`] against `scenario` ([`Replay::validate_with`]).
#[cfg(feature = "log-hash")]
pub fn verify_canonical_with(
    replay: &Replay,
    scenario: &Scenario,
) -> Result<Verified, ReplayError> {
    replay.validate_with(scenario)?;
    let sim = crate::simulate(scenario, replay.seed, &replay.actions);
    let report = sim.report();
    if let Some(claimed) = replay.claimed_score {
        if claimed != report.score {
            return Err(ReplayError::ClaimedScore {
                claimed,
                actual: report.score,
            });
        }
    }
    Ok(Verified {
        canonical_hash: canonical_hash(&sim),
        report,
    })
}

/// The identity of a *run*, as the leaderboard counts runs: SHA-256 over the simulator
/// version, the scenario's hash, the seed, and the actions the simulation accepted that can
/// change the drill ([`crate::Action::changes_state`]), each with its time. Refused actions,
/// waits and read-only API calls leave it unchanged, and so do the replay's play mode and
/// claimed score: a replay varied by any of those is the same run. `sim` is the finished
/// (or partly played) simulation of the replay. Hashing is the server's (feature
/// `log-hash`): the browser game builds without SHA-256.
#[cfg(feature = "log-hash")]
pub fn canonical_hash(sim: &Sim) -> String {
    let mut text = format!(
        "quorum-drill run v1\nsim {}\nscenario {}\nseed {}\n",
        SIM_VERSION,
        sim.scenario().hash,
        sim.seed()
    );
    for event in sim.events() {
        if let EventKind::ActionAccepted { action, .. } = &event.kind {
            if action.changes_state() {
                let json = serde_json::to_string(action).unwrap_or_default();
                text.push_str(&format!("{} {json}\n", event.at_ms));
            }
        }
    }
    scenario::sha256_hex(text.as_bytes())
}
