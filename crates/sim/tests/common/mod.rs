//! The story-test harness: set up a drill, inject, act, assert. Every tick of every story
//! runs the invariant checker.
#![allow(dead_code)]

use quorum_sim::action::{Action, AllocationEnable, ApiRequest};
use quorum_sim::event::{Event, EventKind, Health, InstanceState};
use quorum_sim::report::Report;
use quorum_sim::time::{fmt_clock, parse_clock};
use quorum_sim::{scenario, script, Sim};
use rand_core::RngCore;

pub struct Drill {
    pub sim: Sim,
}

pub fn clock(text: &str) -> u64 {
    parse_clock(text).unwrap_or_else(|| panic!("bad clock {text:?}"))
}

/// The first seed ≥ `from` that draws branch case `case` of the scenario.
pub fn seed_for(scenario_id: &str, case: &str, from: u64) -> u64 {
    let scenario = scenario::builtin(scenario_id).expect("built-in scenario");
    scenario
        .seed_for_case(case, from, 10_000)
        .unwrap_or_else(|| panic!("{scenario_id}: no seed draws {case}"))
}

impl Drill {
    pub fn new(scenario_id: &str, seed: u64) -> Drill {
        let scenario =
            scenario::builtin(scenario_id).unwrap_or_else(|| panic!("no scenario {scenario_id}"));
        Drill {
            sim: Sim::new(scenario, seed),
        }
    }

    /// A drill on a scenario that is not built in (a test's variant of one).
    pub fn from_scenario(scenario: &scenario::Scenario, seed: u64) -> Drill {
        Drill {
            sim: Sim::new(scenario, seed),
        }
    }

    /// The status checks of instance `name` as the console labels them.
    pub fn checks(&self, name: &str) -> String {
        let idx = self.sim.instance_by_name(name).expect("instance");
        self.sim.instance(idx).checks.label()
    }

    /// A drill on the first seed that draws branch case `case` (`recovery=never,setup=ok`).
    pub fn for_case(scenario_id: &str, case: &str) -> Drill {
        Drill::new(scenario_id, seed_for(scenario_id, case, 0))
    }

    /// Runs to `at` (checking invariants every tick).
    pub fn run_to(&mut self, at: &str) -> &mut Drill {
        let target = clock(at);
        while self.sim.now_ms() < target && !self.sim.is_over() {
            self.sim.step();
            if let Err(e) = self.sim.check_invariants() {
                panic!("invariant broken at {}: {e}", fmt_clock(self.sim.now_ms()));
            }
        }
        self
    }

    /// Runs to `at`, then applies one script action (`create-image node-2 --no-reboot`).
    pub fn act(&mut self, at: &str, action: &str) -> &mut Drill {
        self.run_to(at);
        let words: Vec<&str> = action.split_whitespace().collect();
        let action =
            script::parse_action(&words).unwrap_or_else(|e| panic!("bad action {action:?}: {e}"));
        self.sim.apply(action);
        self
    }

    pub fn finish(&mut self) -> Report {
        self.run_to("2:00:00");
        self.sim.report()
    }

    pub fn state(&self, name: &str) -> InstanceState {
        let idx = self
            .sim
            .instance_by_name(name)
            .unwrap_or_else(|| panic!("no instance {name}"));
        self.sim.instances()[idx].state
    }

    pub fn health(&self) -> Health {
        self.sim.main_cluster().health
    }

    pub fn master(&self) -> Option<String> {
        self.sim
            .main_cluster()
            .master
            .map(|k| self.sim.node_name(k))
    }

    pub fn voting(&self) -> Vec<String> {
        self.sim
            .main_cluster()
            .voting
            .iter()
            .map(|k| self.sim.node_name(*k))
            .collect()
    }

    pub fn events(&self, kind: &str) -> Vec<&Event> {
        self.sim
            .events()
            .iter()
            .filter(|e| e.kind.name() == kind)
            .collect()
    }

    /// The last refusal's reason.
    pub fn refusal(&self) -> Option<String> {
        self.sim.events().iter().rev().find_map(|e| match &e.kind {
            EventKind::ActionRefused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.sim
            .events()
            .iter()
            .any(|e| e.message(quorum_sim::scenario::Lang::En).contains(needle))
    }
}

/// A compact, reviewable rendering of an event log for snapshots (chat and no-quorum
/// repetitions elided).
pub fn compact_log(events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        if matches!(e.kind, EventKind::NoQuorum { .. } | EventKind::Chat { .. }) {
            continue;
        }
        let mut msg = e.message(quorum_sim::scenario::Lang::En);
        if msg.len() > 140 {
            let mut cut = 140;
            while !msg.is_char_boundary(cut) {
                cut -= 1;
            }
            msg.truncate(cut);
            msg.push('…');
        }
        out.push_str(&format!("{} {}\n", fmt_clock(e.at_ms), msg));
    }
    out
}

/// A random action on one of `names` (the swarm's generator).
pub fn random_action(rng: &mut rand_pcg::Pcg32, names: &[String], images: &[String]) -> Action {
    let pick = |rng: &mut rand_pcg::Pcg32, list: &[String]| {
        list[(rng.next_u32() as usize) % list.len()].clone()
    };
    let instance = pick(rng, names);
    match rng.next_u32() % 17 {
        0 => Action::Reboot { instance },
        1 => Action::Stop {
            instance,
            skip_os_shutdown: rng.next_u32().is_multiple_of(4),
        },
        2 => Action::ForceStop { instance },
        3 => Action::Start { instance },
        4 => Action::Terminate {
            instance,
            skip_os_shutdown: rng.next_u32().is_multiple_of(4),
        },
        5 => Action::CreateImage {
            instance,
            name: None,
            description: None,
            no_reboot: rng.next_u32().is_multiple_of(2),
        },
        6 => Action::Launch {
            name: instance,
            image: if images.is_empty() || rng.next_u32().is_multiple_of(2) {
                "base".into()
            } else {
                pick(rng, images)
            },
        },
        7 => Action::Setup {
            instance: instance.clone(),
            initial_master_nodes: if rng.next_u32().is_multiple_of(4) {
                vec![instance]
            } else {
                vec![]
            },
        },
        8 => Action::Api {
            via: None,
            request: ApiRequest::ClusterHealth,
        },
        9 => Action::Api {
            via: Some(instance),
            request: ApiRequest::SetAllocation {
                enable: [
                    AllocationEnable::All,
                    AllocationEnable::Primaries,
                    AllocationEnable::None,
                ][(rng.next_u32() % 3) as usize],
            },
        },
        10 => Action::Api {
            via: None,
            request: ApiRequest::AddVotingExclusions {
                node_names: vec![instance],
            },
        },
        11 => Action::Api {
            via: None,
            request: ApiRequest::ClearVotingExclusions,
        },
        12 => Action::Api {
            via: Some(instance),
            request: ApiRequest::CatShards,
        },
        13 => Action::CleanLogs { instance },
        14 => Action::ResizeVolume {
            instance,
            gib: 100 + u64::from(rng.next_u32() % 300),
        },
        15 => Action::AppRequests {
            via: instance,
            searches: rng.next_u32() % 50,
            indexes: rng.next_u32() % 50,
        },
        _ => Action::Wait,
    }
}
