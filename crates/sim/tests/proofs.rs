#![cfg(not(target_arch = "wasm32"))]
//! Branch cases, their proofs and the par score: every case of every built-in scenario is
//! reachable from a seed the finder names, every case has a proof that replays cleanly by its
//! par, and the score ranks the clean path above idling (where idling is wrong) above the trap.

mod common;

use quorum_sim::report::Report;
use quorum_sim::scenario::{self, Scenario};
use quorum_sim::{script, Sim, TimedAction};

/// The scenarios with branch points (the sandbox has none).
fn drills() -> impl Iterator<Item = &'static Scenario> {
    scenario::all()
        .iter()
        .filter(|s| !s.branch_points.is_empty())
}

/// The first `n` seeds that draw `case`.
fn seeds_of(s: &Scenario, case: &str, n: usize) -> Vec<u64> {
    let mut seeds = Vec::with_capacity(n);
    let mut from = 0;
    while seeds.len() < n {
        let seed = s
            .seed_for_case(case, from, 100_000)
            .unwrap_or_else(|| panic!("{}: no seed draws {case}", s.id));
        seeds.push(seed);
        from = seed + 1;
    }
    seeds
}

fn actions(text: &str) -> Vec<TimedAction> {
    script::parse(text).expect("script parses")
}

fn run(s: &Scenario, seed: u64, script: &str) -> Report {
    quorum_sim::run(s, seed, &actions(script))
}

/// The case id as the engine's own reveal spells it.
fn revealed_case(report: &Report) -> String {
    report
        .branches
        .iter()
        .map(|b| format!("{}={}", b.id, b.option))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn every_scenario_with_branches_has_at_least_two_cases_and_a_proof_for_each() {
    for s in drills() {
        let cases = s.branch_cases();
        assert!(cases.len() >= 2, "{}: {} cases", s.id, cases.len());
        for case in &cases {
            assert!(
                s.proof_for(&case.id).is_some(),
                "{}: case {} has no proof",
                s.id,
                case.id
            );
        }
        assert!(s.trap.is_some(), "{}: no trap replay", s.id);
    }
}

#[test]
fn every_branch_case_is_played_by_the_seed_the_finder_names() {
    for s in drills() {
        for case in s.branch_cases() {
            let found = s.seed_for_case(&case.id, 0, 10_000).expect("a seed");
            // Brute force: run the engine itself on every seed up to the one found; the first
            // whose debrief reveals this case must be that seed.
            let first = (0..=found)
                .find(|&seed| {
                    let mut sim = Sim::new(s, seed);
                    sim.finish();
                    let report = sim.report();
                    assert_eq!(
                        report.branch_case,
                        revealed_case(&report),
                        "{} seed {seed}: the case id and the reveals agree",
                        s.id
                    );
                    assert_eq!(
                        report.branch_case,
                        s.case_for_seed(seed),
                        "{} seed {seed}",
                        s.id
                    );
                    report.branch_case == case.id
                })
                .expect("the engine plays the case on the seed found");
            assert_eq!(first, found, "{} {}", s.id, case.id);
        }
    }
}

#[test]
fn the_finder_and_the_engine_agree_on_a_swarm_of_seeds() {
    // Draws only versus a whole drill's start: the same case for every seed.
    for s in drills() {
        for seed in (0..2_000).step_by(37) {
            let sim = Sim::new(s, seed);
            assert_eq!(sim.branch_case(), s.case_for_seed(seed), "{} {seed}", s.id);
        }
    }
}

#[test]
fn case_weights_match_how_often_the_seed_draws_them() {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let n = 20_000;
    for case in s.branch_cases() {
        let hits = (0..n)
            .filter(|&seed| s.case_for_seed(seed) == case.id)
            .count() as f64;
        let expected = f64::from(case.weight_ppm) / 1e6 * n as f64;
        assert!(
            (hits - expected).abs() < expected * 0.1,
            "{}: {hits} of {n}, expected about {expected}",
            case.id
        );
    }
}

#[test]
fn every_proof_replays_with_no_outage_and_full_redundancy_by_its_par() {
    for s in drills() {
        for proof in &s.proofs {
            for seed in seeds_of(s, &proof.case, 5) {
                let report = run(s, seed, &proof.actions);
                let at = format!("{} {} seed {seed}", s.id, proof.case);
                assert_eq!(report.branch_case, proof.case, "{at}");
                assert_eq!(
                    report.par_redundancy_ms,
                    Some(proof.par_redundancy_ms),
                    "{at}"
                );
                assert_eq!(report.outage_ms, 0, "{at}: the runbook causes no outage");
                assert!(report.penalties.is_empty(), "{at}: {:?}", report.penalties);
                let green = report
                    .time_to_green_ms
                    .unwrap_or_else(|| panic!("{at}: never fully redundant again"));
                assert!(
                    green <= proof.par_redundancy_ms,
                    "{at}: full redundancy at {}, par {}",
                    quorum_sim::time::fmt_clock(green),
                    quorum_sim::time::fmt_clock(proof.par_redundancy_ms)
                );
                assert_eq!(report.breakdown.beyond_par_points, 0, "{at}");
                assert!(
                    report.grade == "S",
                    "{at}: {} {}",
                    report.score,
                    report.grade
                );
                // The script's every action was accepted: a proof does not rely on refusals.
                let refused = quorum_sim::simulate(s, seed, &actions(&proof.actions))
                    .events()
                    .iter()
                    .any(|e| e.kind.name() == "action_refused");
                assert!(!refused, "{at}: an action of the proof was refused");
            }
        }
    }
}

#[test]
fn the_trap_scores_below_every_proof() {
    for s in drills() {
        let trap = s.trap.as_ref().unwrap();
        for proof in &s.proofs {
            if trap.case.as_ref().is_some_and(|c| c != &proof.case) {
                continue;
            }
            for seed in seeds_of(s, &proof.case, 3) {
                let clean = run(s, seed, &proof.actions);
                let mistake = run(s, seed, &trap.actions);
                assert!(
                    mistake.score < clean.score,
                    "{} {} seed {seed}: trap {} vs proof {}",
                    s.id,
                    proof.case,
                    mistake.score,
                    clean.score
                );
                assert!(
                    mistake.outage_ms > 0,
                    "{} {}: the trap shows an outage",
                    s.id,
                    proof.case
                );
            }
        }
    }
}

/// Clean path > idle (strictly, where idling is wrong; equal where the runbook says wait) >
/// trap, on seeds of every case of the scenario (of the trap's case, if it names one).
fn clean_beats_idle_beats_trap(id: &str, idle_is_right: &[&str]) {
    let s = scenario::builtin(id).unwrap();
    let trap = s.trap.as_ref().unwrap();
    for proof in &s.proofs {
        for seed in seeds_of(s, &proof.case, 3) {
            let at = format!("{id} {} seed {seed}", proof.case);
            let clean = run(s, seed, &proof.actions);
            let idle = run(s, seed, "");
            let mistake = run(s, seed, &trap.actions);
            if idle_is_right.contains(&proof.case.as_str()) {
                assert!(
                    idle.score + 50 >= clean.score,
                    "{at}: waiting is the runbook here: idle {} vs clean {}",
                    idle.score,
                    clean.score
                );
            } else {
                assert!(
                    clean.score > idle.score,
                    "{at}: clean {} vs idle {}",
                    clean.score,
                    idle.score
                );
            }
            if trap.case.as_ref().is_some_and(|c| c != &proof.case) {
                continue; // the trap is a mistake only in its own case
            }
            assert!(
                idle.score > mistake.score,
                "{at}: waiting beats causing an outage: idle {} vs trap {}",
                idle.score,
                mistake.score
            );
        }
    }
}

#[test]
fn seed_ami_trap_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("seed-ami-trap", &["recovery=early", "recovery=late"]);
}

#[test]
fn stuck_stopping_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("stuck-stopping", &[]);
}

#[test]
fn node_hang_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("node-hang", &[]);
}

#[test]
fn disk_full_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("disk-full", &[]);
}

#[test]
fn cloned_replacement_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("cloned-replacement", &[]);
}

#[test]
fn hasty_image_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("hasty-image", &[]);
}

#[test]
fn wrong_instance_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("wrong-instance", &[]);
}

#[test]
fn az_outage_scores_waiting_as_the_runbook_and_above_the_trap() {
    clean_beats_idle_beats_trap(
        "az-outage",
        &[
            "zone=back,node-4=soon",
            "zone=back,node-4=later",
            "zone=gone",
        ],
    );
}

/// The planned-work drills: their objective (restart the nodes, remove the nodes) is what
/// idling leaves undone, so idling grades C at best, below the clean path, above the trap.
#[test]
fn rolling_restart_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("rolling-restart", &[]);
}

#[test]
fn joined_not_green_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("joined-not-green", &[]);
}

#[test]
fn scale_down_scores_clean_over_idle_over_trap() {
    clean_beats_idle_beats_trap("scale-down", &[]);
}

#[test]
fn idling_through_planned_work_leaves_the_objective_unmet_and_grades_c_at_best() {
    for id in ["rolling-restart", "joined-not-green", "scale-down"] {
        let s = scenario::builtin(id).unwrap();
        for proof in &s.proofs {
            for seed in seeds_of(s, &proof.case, 2) {
                let idle = run(s, seed, "");
                let objective = idle.objective.as_ref().expect("an objective");
                assert!(!objective.met, "{id} seed {seed}");
                assert!(
                    ["C", "D", "F"].contains(&idle.grade.as_str()),
                    "{id} seed {seed}: idle graded {} ({})",
                    idle.grade,
                    idle.score
                );
                let clean = run(s, seed, &proof.actions);
                assert!(clean.objective.as_ref().unwrap().met, "{id} {}", proof.case);
                assert_eq!(clean.breakdown.objective_points, 0);
                assert_eq!(clean.grade, "S", "{id} {} seed {seed}", proof.case);
            }
        }
    }
}

/// For scheduled-retirement idling is as bad as the trap: the deadline takes both hosts.
#[test]
fn scheduled_retirement_punishes_idling_and_the_trap() {
    let id = "scheduled-retirement";
    let s = scenario::builtin(id).unwrap();
    let trap = s.trap.as_ref().unwrap();
    for proof in &s.proofs {
        for seed in seeds_of(s, &proof.case, 3) {
            let clean = run(s, seed, &proof.actions);
            let mistake = run(s, seed, &trap.actions);
            assert!(clean.score > mistake.score + 2_000, "{id} {seed}");
            let idle = run(s, seed, "");
            assert!(
                idle.outage_ms > 0,
                "{id} {seed}: the deadline takes both hosts"
            );
            assert!(clean.score > idle.score, "{id} {seed}");
        }
    }
}

#[test]
fn idling_through_a_node_that_never_returns_grades_c_or_worse() {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    for case in ["recovery=never,setup=ok", "recovery=never,setup=fails-once"] {
        for seed in seeds_of(s, case, 3) {
            let idle = run(s, seed, "");
            assert!(
                ["C", "D", "F"].contains(&idle.grade.as_str()),
                "{case} seed {seed}: idle graded {} ({})",
                idle.grade,
                idle.score
            );
            assert!(
                idle.breakdown.beyond_par_points > 1_500,
                "{:?}",
                idle.breakdown
            );
        }
    }
}

#[test]
fn launch_spam_never_beats_the_clean_path() {
    // 250 launches and 250 setups, one every 10 seconds: at most 12 instances run at a time,
    // the rest are refused; the ones that run are billed.
    let clock = |s: u64| quorum_sim::time::fmt_clock(s * 1000);
    let mut timed: Vec<(u64, String)> = Vec::new();
    for i in 0..250u64 {
        let launch_s = 10 + i * 10;
        timed.push((
            launch_s,
            format!("at {} launch spam-{i} --image base", clock(launch_s)),
        ));
        let setup_s = launch_s + 150;
        timed.push((setup_s, format!("at {} setup spam-{i}", clock(setup_s))));
    }
    timed.sort_by_key(|(at_s, _)| *at_s);
    let script: String = timed.into_iter().map(|(_, line)| line + "\n").collect();
    assert_eq!(actions(&script).len(), 500);
    let s = scenario::builtin("seed-ami-trap").unwrap();
    for proof in &s.proofs {
        for seed in seeds_of(s, &proof.case, 2) {
            let clean = run(s, seed, &proof.actions);
            let spammed = run(s, seed, &script);
            assert!(
                spammed.score < clean.score,
                "{} seed {seed}: spam {} ({:?}) vs clean {}",
                proof.case,
                spammed.score,
                spammed.breakdown,
                clean.score
            );
            assert!(spammed.breakdown.instance_points > 0);
        }
    }
}
