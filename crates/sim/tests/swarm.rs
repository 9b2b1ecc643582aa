#![cfg(not(target_arch = "wasm32"))]
//! Swarm: many seeds × random action sequences, with invariant checkers on every tick.
//! `QD_SWARM_SEEDS=2000 cargo test --release -p quorum-sim --test swarm` runs a longer swarm.

use std::collections::BTreeMap;

use quorum_sim::event::{EventKind, Health};
use quorum_sim::{scenario, Sim};
use rand_core::{RngCore, SeedableRng};

mod common;
use common::random_action;

fn seeds() -> u64 {
    std::env::var("QD_SWARM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

#[test]
fn swarm_of_random_drills_keeps_every_invariant() {
    let scenarios = scenario::all();
    for seed in 0..seeds() {
        let mut rng = rand_pcg::Pcg32::seed_from_u64(seed);
        let base = &scenarios[(seed as usize) % scenarios.len()];
        // Shorter drills keep the swarm within CI's budget; the behaviour is the same.
        let mut scenario = base.clone();
        scenario.duration_ms = scenario.duration_ms.min(25 * 60 * 1000);
        let mut sim = Sim::new(&scenario, seed);
        let mut names: Vec<String> = scenario.topology.nodes.clone();
        names.push("node-4".into());
        names.push("node-5".into());
        let mut at: Vec<u64> = (0..(rng.next_u32() % 14))
            .map(|_| (rng.next_u64() % scenario.duration_ms) / 100 * 100)
            .collect();
        at.sort();
        let mut masters: BTreeMap<(String, u64), String> = BTreeMap::new();
        let mut last = (0u64, 0u64, 0u64, 0u64);
        let mut next = 0;
        while !sim.is_over() {
            while next < at.len() && at[next] <= sim.now_ms() {
                let images: Vec<String> = sim.images().iter().map(|i| i.name.clone()).collect();
                let action = random_action(&mut rng, &names, &images);
                sim.apply(action);
                next += 1;
            }
            sim.step();
            let ctx = || {
                format!(
                    "seed {seed} ({}) at {}",
                    scenario.id,
                    quorum_sim::time::fmt_clock(sim.now_ms())
                )
            };
            if let Err(e) = sim.check_invariants() {
                panic!("{}: {e}", ctx());
            }
            // Never two masters in one term of one cluster.
            for cluster in sim.clusters() {
                if let Some(m) = cluster.master {
                    let name = sim.node_name(m);
                    let prev = masters
                        .entry((cluster.uuid.clone(), cluster.term))
                        .or_insert(name.clone());
                    assert_eq!(
                        *prev,
                        name,
                        "{}: two masters in term {}",
                        ctx(),
                        cluster.term
                    );
                }
            }
            // Counters never decrease.
            let m = sim.metrics();
            let now = (
                m.reads_total + m.writes_total,
                m.reads_failed + m.writes_failed,
                m.outage_ms,
                m.degraded_ms,
            );
            assert!(
                now.0 >= last.0 && now.1 >= last.1 && now.2 >= last.2 && now.3 >= last.3,
                "{}: a counter went down",
                ctx()
            );
            last = now;
        }
        let on =
            alarms_follow_their_metrics(sim.events(), &format!("seed {seed} ({})", scenario.id));
        assert_eq!(
            sim.alarms_in_alarm(),
            on,
            "seed {seed}: the badge agrees with the log"
        );
        let report = sim.report();
        assert!(report.requests_failed <= report.requests_total);
        assert!(matches!(
            sim.events().last().map(|e| &e.kind),
            Some(EventKind::DrillEnded)
        ));
    }
}

#[test]
fn left_alone_every_scenario_heals_to_green() {
    for scenario in scenario::all() {
        for seed in 0..8 {
            let mut sim = Sim::new(scenario, seed);
            sim.finish();
            assert_eq!(
                sim.main_cluster().health,
                Health::Green,
                "{} seed {seed}",
                scenario.id
            );
            assert!(
                sim.report().outage_ms <= 31_000,
                "{} seed {seed}",
                scenario.id
            );
        }
    }
}

#[test]
fn waiting_always_outscores_the_trap() {
    let trap = scenario::builtin("seed-ami-trap").unwrap();
    let actions = quorum_sim::script::parse("at 02:00 create-image node-2").unwrap();
    for seed in 0..30 {
        let wait = quorum_sim::run(trap, seed, &[]);
        let bad = quorum_sim::run(trap, seed, &actions);
        assert!(
            wait.score > bad.score,
            "seed {seed}: wait {} trap {}",
            wait.score,
            bad.score
        );
        assert_eq!(wait.outage_ms, 0, "seed {seed}");
        assert!(bad.outage_ms > 0, "seed {seed}");
    }
}

/// CloudWatch semantics over a whole log: an alarm goes OK only after an ALARM of the same
/// name, never fires twice in a row, and a status-check alarm still in ALARM at the end has
/// its metric still failing (the instance's last check result failed that check).
fn alarms_follow_their_metrics(events: &[quorum_sim::event::Event], ctx: &str) -> Vec<String> {
    let mut firing: BTreeMap<String, bool> = BTreeMap::new();
    let mut last_checks: BTreeMap<String, String> = BTreeMap::new();
    for e in events {
        match &e.kind {
            EventKind::Alarm { name, alarm, .. } => {
                let was = firing.insert(name.clone(), *alarm).unwrap_or(false);
                assert_ne!(
                    was, *alarm,
                    "{ctx}: {name} repeated its state at {}",
                    e.at_ms
                );
            }
            EventKind::StatusChecks { instance, checks } if checks.contains(" checks ") => {
                last_checks.insert(instance.clone(), checks.clone());
            }
            _ => {}
        }
    }
    for (name, on) in &firing {
        if !on {
            continue;
        }
        let (instance, metric) = name.rsplit_once('-').unwrap();
        let checks = last_checks.get(instance).map(String::as_str).unwrap_or("");
        match metric {
            "StatusCheckFailed_System" => {
                assert_eq!(
                    checks, "2/3 checks failed",
                    "{ctx}: {name} in ALARM at the end"
                )
            }
            "StatusCheckFailed_Instance" => {
                assert!(
                    checks.ends_with("checks failed"),
                    "{ctx}: {name} in ALARM, checks {checks:?}"
                )
            }
            _ => {}
        }
    }
    firing
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| name)
        .collect()
}
