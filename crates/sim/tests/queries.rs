#![cfg(not(target_arch = "wasm32"))]
//! The queries the game asks the simulator (issue 8): `apply`'s verdict, the playback
//! cursor, "skip to the next event", mentor forecasts, the console's offers, the debrief's
//! causal chain and the outage rule. Where the game computed an answer itself before, the
//! old code is kept here as the reference the sim's answer must equal.

use quorum_sim::action::{Action, TimedAction};
use quorum_sim::event::{EventKind, Health};
use quorum_sim::report::{Cause, OutageSpan, Report};
use quorum_sim::scenario::{self, Lang, Scenario};
use quorum_sim::{
    script, Applied, ConsoleAction, InstanceId, NotOffered, Playback, Sim, HORIZON_MS, TICK_MS,
};
use rand_core::{RngCore, SeedableRng};

mod common;
use common::random_action;

fn short(id: &str, minutes: u64) -> Scenario {
    let mut s = scenario::builtin(id).expect("built-in").clone();
    s.duration_ms = s.duration_ms.min(minutes * 60_000);
    s
}

/// A random drill: (time, action) pairs over the scenario, reproducible from `seed`.
fn random_script(seed: u64, scenario: &Scenario, count: u32) -> Vec<(u64, u32)> {
    let mut rng = rand_pcg::Pcg32::seed_from_u64(seed);
    let mut at: Vec<(u64, u32)> = (0..count)
        .map(|_| {
            (
                (rng.next_u64() % scenario.duration_ms) / TICK_MS * TICK_MS,
                rng.next_u32(),
            )
        })
        .collect();
    at.sort();
    at
}

fn names(scenario: &Scenario) -> Vec<String> {
    let mut names = scenario.topology.nodes.clone();
    names.push("node-4".into());
    names
}

// ---- apply -------------------------------------------------------------------------------

#[test]
fn apply_answers_what_the_event_log_records() {
    let (mut accepted, mut refused) = (0, 0);
    for seed in 0..30u64 {
        let scenario = short(
            &scenario::all()[seed as usize % scenario::all().len()].id,
            20,
        );
        let mut rng = rand_pcg::Pcg32::seed_from_u64(seed);
        let mut sim = Sim::new(&scenario, seed);
        for (at, _) in random_script(seed, &scenario, 16) {
            sim.run_until(at);
            let images: Vec<String> = sim.images().iter().map(|i| i.name.clone()).collect();
            let action = random_action(&mut rng, &names(&scenario), &images);
            let index = sim.actions().len();
            let before = sim.events().len();
            let applied = sim.apply(action);
            let logged = sim.events()[before..].iter().find_map(|e| match &e.kind {
                EventKind::ActionAccepted { index: i, .. } if *i == index => {
                    Some(Applied::Accepted)
                }
                EventKind::ActionRefused {
                    index: i, reason, ..
                } if *i == index => Some(Applied::Refused {
                    reason: reason.clone(),
                }),
                _ => None,
            });
            assert_eq!(Some(applied.clone()), logged, "seed {seed}");
            match applied {
                Applied::Accepted => accepted += 1,
                Applied::Refused { .. } => refused += 1,
            }
        }
    }
    assert!(accepted > 50 && refused > 50, "{accepted} / {refused}");
}

// ---- Playback ----------------------------------------------------------------------------

/// `simulate_until` as it was before `Playback`.
fn old_simulate_until(s: &Scenario, seed: u64, actions: &[TimedAction], until: u64) -> Sim {
    let mut sim = Sim::new(s, seed);
    for timed in actions {
        sim.run_until(timed.at_ms);
        if sim.is_over() {
            break;
        }
        sim.apply(timed.action.clone());
    }
    sim.run_until(until);
    sim
}

#[test]
fn playback_plays_a_script_as_simulate_always_did() {
    let cases = [
        ("seed-ami-trap", 1, "at 02:00 create-image node-2"),
        ("stuck-stopping", 4, "at 02:00 reboot node-2\nat 07:00 stop node-2\nat 12:00 force-stop node-2\nat 15:00 start node-2"),
        ("disk-full", 7, "at 10:30 cat-allocation\nat 12:00 clean-logs node-2\nat 13:00 resize-volume node-2 --gib 200"),
        ("sandbox", 6, "at 00:10 allocation primaries\nat 00:20 reboot node-1\nat 05:00 allocation all\nat 08:00 stop node-1\nat 08:00 stop node-2\nat 12:00 start node-1"),
    ];
    for (id, seed, text) in cases {
        let s = short(id, 30);
        let actions = script::parse(text).unwrap();
        for until in [0, 20 * 60_000, u64::MAX] {
            let until = until.max(actions.last().unwrap().at_ms);
            let old = old_simulate_until(&s, seed, &actions, until);
            let new = quorum_sim::simulate_until(&s, seed, &actions, until);
            assert_eq!(old.now_ms(), new.now_ms(), "{id}");
            assert_eq!(
                old.event_log_hash(),
                new.event_log_hash(),
                "{id} until {until}"
            );
        }
        // Tick by tick (the game's ticker) lands on the same log.
        let mut sim = Sim::new(&s, seed);
        let mut playback = Playback::new(actions.clone());
        while !sim.is_over() {
            playback.tick(&mut sim);
        }
        assert!(playback.remaining().is_empty());
        assert_eq!(playback.position(), actions.len());
        assert_eq!(
            sim.event_log_hash(),
            quorum_sim::simulate(&s, seed, &actions).event_log_hash(),
            "{id}"
        );
    }
}

#[test]
fn playback_reports_what_is_left() {
    let s = short("seed-ami-trap", 30);
    let actions = script::parse("at 02:00 create-image node-2\nat 05:00 health").unwrap();
    let mut sim = Sim::new(&s, 1);
    let mut p = Playback::new(actions);
    assert_eq!(p.next_action_ms(), Some(120_000));
    p.run_until(&mut sim, 120_000);
    assert_eq!(
        sim.actions().len(),
        1,
        "the action due at 02:00 is applied at 02:00"
    );
    assert_eq!(p.next_action_ms(), Some(300_000));
    assert_eq!(p.remaining().len(), 1);
    p.finish(&mut sim);
    assert_eq!(p.next_action_ms(), None);
    assert!(Playback::live().remaining().is_empty());
}

// ---- Skip --------------------------------------------------------------------------------
// Issue 9 changed where skip lands (it stops at every noteworthy event): tests/skip.rs.

// ---- Mentor forecast ---------------------------------------------------------------------

/// (warnings, extra outage, extra failed requests, penalty points).
type Pending = (Vec<(String, String)>, u64, u64, i64);

/// Mentor mode's chain of forks as the game computed it (src/app.rs `predict`).
fn old_predict(sim: &Sim, actions: &[Action], lang: Lang) -> Option<Pending> {
    let mut warnings = Vec::new();
    let (mut outage, mut failed, mut points) = (0, 0, 0);
    let mut fork: Option<Sim> = None;
    for (k, action) in actions.iter().enumerate() {
        let prediction = fork.as_ref().unwrap_or(sim).predict(action, lang);
        if prediction.is_risky() {
            warnings.push((action.to_script(), prediction.summary.clone()));
            outage += prediction.extra_outage_ms;
            failed += prediction.extra_failed_requests;
            points += prediction.penalty_points;
        }
        if k + 1 < actions.len() {
            let mut next = fork.take().unwrap_or_else(|| sim.clone());
            next.apply(action.clone());
            fork = Some(next);
        }
    }
    (!warnings.is_empty()).then_some((warnings, outage, failed, points))
}

fn act(text: &str) -> Action {
    let words: Vec<&str> = text.split_whitespace().collect();
    script::parse_action(&words).unwrap()
}

#[test]
fn forecast_equals_what_then_happens() {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let trap = act("create-image node-2");
    for seed in 1..5 {
        let mut sim = Sim::new(s, seed);
        sim.run_until(120_000);
        let f = sim
            .forecast(std::slice::from_ref(&trap), Lang::En)
            .expect("the trap is risky");
        assert_eq!(f.actions, vec![trap.clone()]);
        assert_eq!(f.warnings.len(), 1);
        assert_eq!(f.warnings[0].0, "create-image node-2");
        // What happens: the same drill with and without the action, to the horizon.
        let horizon = 120_000 + HORIZON_MS;
        let mut with = sim.clone();
        let mut without = sim.clone();
        with.apply(trap.clone());
        with.run_until(horizon);
        without.run_until(horizon);
        assert!(f.extra_outage_ms > 0, "seed {seed}");
        assert_eq!(
            f.extra_outage_ms,
            with.metrics().outage_ms - without.metrics().outage_ms
        );
        let failed = |s: &Sim| s.metrics().reads_failed + s.metrics().writes_failed;
        assert_eq!(f.extra_failed, failed(&with) - failed(&without));
        let points: i64 = with.penalties().iter().map(|p| p.points).sum();
        assert_eq!(f.penalty_points, points);
        // The safe path warns of nothing.
        assert_eq!(
            sim.forecast(&[act("create-image node-2 --no-reboot")], Lang::En),
            None
        );
    }
}

#[test]
fn forecast_of_several_actions_chains_forks_as_mentor_mode_did() {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let batches: [&[&str]; 4] = [
        &["reboot node-1", "reboot node-2"],
        &["stop node-3", "create-image node-2", "health"],
        &["create-image node-2 --no-reboot", "terminate node-1"],
        &["health", "cat-shards"],
    ];
    for seed in [1, 3] {
        for at in [60_000, 300_000] {
            let mut sim = Sim::new(s, seed);
            sim.run_until(at);
            for batch in batches {
                let actions: Vec<Action> = batch.iter().map(|a| act(a)).collect();
                for lang in [Lang::En, Lang::Ja] {
                    let new = sim.forecast(&actions, lang);
                    let old = old_predict(&sim, &actions, lang);
                    assert_eq!(
                        new.map(|f| (
                            f.warnings,
                            f.extra_outage_ms,
                            f.extra_failed,
                            f.penalty_points
                        )),
                        old,
                        "{batch:?}"
                    );
                }
            }
        }
    }
}

// ---- Console offers ----------------------------------------------------------------------

/// The action a console entry sends for `idx`, with parameters the dialog accepts.
fn probe(sim: &Sim, idx: usize, what: ConsoleAction) -> Action {
    let inst = &sim.instances()[idx];
    let instance = inst.name.clone();
    match what {
        ConsoleAction::Setup => Action::Setup {
            instance,
            initial_master_nodes: vec![],
        },
        ConsoleAction::ModifyVolume => Action::ResizeVolume {
            instance,
            gib: inst.volume.as_ref().map_or(200, |v| v.capacity_gib() + 1),
        },
        ConsoleAction::CreateImage => Action::CreateImage {
            instance,
            name: Some(format!("probe-{}", sim.images().len())),
            description: None,
            no_reboot: true,
        },
        other => other.action(&instance).expect("no dialog"),
    }
}

#[test]
fn the_console_greys_what_it_can_see_and_the_engine_refuses_the_rest() {
    let mut hidden = 0u32;
    let mut seen = [(0u32, 0u32); ConsoleAction::ALL.len()];
    let mut reasons: Vec<String> = Vec::new();
    for seed in 0..80u64 {
        let all = scenario::all();
        let scenario = short(&all[seed as usize % all.len()].id, 24);
        let mut rng = rand_pcg::Pcg32::seed_from_u64(seed ^ 0x5eed);
        let mut sim = Sim::new(&scenario, seed);
        let script = random_script(seed, &scenario, 18);
        let mut checkpoints: Vec<u64> = (1..12).map(|m| m * 2 * 60_000).collect();
        checkpoints.extend(script.iter().map(|(at, _)| at + 20_000));
        checkpoints.sort();
        let mut next = 0;
        for check in checkpoints {
            while next < script.len() && script[next].0 <= check {
                sim.run_until(script[next].0);
                let images: Vec<String> = sim.images().iter().map(|i| i.name.clone()).collect();
                sim.apply(random_action(&mut rng, &names(&scenario), &images));
                next += 1;
            }
            sim.run_until(check);
            if sim.is_over() {
                break;
            }
            let n = sim.instances().len();
            for idx in 0..n {
                // An action names its instance; a terminated row whose name was reused is
                // not the one an action by that name reaches.
                if sim.instance_by_name(&sim.instances()[idx].name) != Some(idx) {
                    continue;
                }
                let offers = sim.offers(&[idx]);
                for (k, what) in ConsoleAction::ALL.into_iter().enumerate() {
                    let mut fork = sim.clone();
                    let applied = fork.apply(probe(&sim, idx, what));
                    let ctx = format!(
                        "seed {seed} {} {what:?} on {} at {}: offer {:?}, engine {applied:?}",
                        scenario.id,
                        sim.instances()[idx].name,
                        quorum_sim::time::fmt_clock(sim.now_ms()),
                        offers.get(what)
                    );
                    let check = sim.precondition(InstanceId::from(idx), what);
                    // The engine accepts exactly what passes its check...
                    assert_eq!(check.is_ok(), applied.is_accepted(), "{ctx}");
                    // ...and the console greys only what it can see: never a legal action,
                    // never a hidden condition (a frozen guest, a cooldown).
                    let visible = check.as_ref().err().is_some_and(|why| why.greys_the_menu());
                    assert_eq!(offers.offered(what), !visible, "{ctx}");
                    if offers.offered(what) && !applied.is_accepted() {
                        hidden += 1;
                    }
                    if offers.offered(what) {
                        seen[k].0 += 1;
                    } else {
                        seen[k].1 += 1;
                        let tag = format!(
                            "{what:?} {:?}",
                            offers.reason(what).map(std::mem::discriminant)
                        );
                        if !reasons.contains(&tag) {
                            reasons.push(tag);
                        }
                    }
                }
            }
            // Several selected: a state action is offered when it is for each instance; a
            // single-instance one is not offered.
            let sel: Vec<usize> = (0..n.min(3)).collect();
            let offers = sim.offers(&sel);
            for what in ConsoleAction::ALL {
                if what.single() {
                    assert_eq!(offers.reason(what), Some(&NotOffered::OneAtATime));
                } else {
                    let each = sel.iter().all(|i| sim.offers(&[*i]).offered(what));
                    assert_eq!(offers.offered(what), each, "{what:?}");
                }
            }
            assert_eq!(
                sim.offers(&[]).reason(ConsoleAction::Stop),
                Some(&NotOffered::NoSelection)
            );
        }
    }
    for (k, (yes, no)) in seen.iter().enumerate() {
        assert!(
            *yes > 0 && *no > 0,
            "{:?}: offered {yes}, not {no}",
            ConsoleAction::ALL[k]
        );
    }
    assert!(reasons.len() >= 5, "{reasons:?}");
    // Some offered entries were refused after the click (the console could not know).
    assert!(hidden > 0);
}

#[test]
fn a_refused_action_is_refused_in_the_offers_words() {
    let s = scenario::builtin("stuck-stopping").unwrap();
    let mut sim = Sim::new(s, 4);
    sim.run_until(120_000);
    let n2 = sim.instance_by_name("node-2").unwrap();
    assert_eq!(sim.apply(act("stop node-2")), Applied::Accepted);
    let offers = sim.offers(&[n2]);
    assert_eq!(
        offers.reason(ConsoleAction::Stop),
        Some(&NotOffered::AlreadyStopping {
            instance: "node-2".into()
        })
    );
    assert!(offers.offered(ConsoleAction::ForceStop));
    assert!(offers.offered(ConsoleAction::Terminate));
    assert_eq!(
        sim.apply(act("stop node-2")),
        Applied::Refused {
            reason: "node-2 is already stopping".into()
        }
    );
    assert_eq!(
        sim.apply(act("reboot node-2"))
            .refusal()
            .map(|r| r.ends_with("is stopping; only a running instance can be rebooted")),
        Some(true)
    );
}

// ---- The debrief's chain -----------------------------------------------------------------

/// The debrief's chain as the game built it from message text (src/panels/debrief.rs).
fn old_chain(report: &Report, o: &OutageSpan) -> Vec<(u64, String)> {
    const KINDS: [&str; 9] = [
        "action_accepted",
        "master_lost",
        "master_elected",
        "node_left",
        "node_joined",
        "health_changed",
        "join_rejected",
        "cluster_bootstrapped",
        "shard_unassigned",
    ];
    let from = o
        .causes
        .iter()
        .filter_map(|c| match c {
            Cause::Action { at_ms, .. } => Some(*at_ms),
            Cause::Fault { .. } => None,
        })
        .min()
        .unwrap_or(o.start_ms)
        .min(o.start_ms);
    let to = o.end_ms.map_or(u64::MAX, |e| e + 1_000);
    let cause_actions: Vec<&str> = o
        .causes
        .iter()
        .filter_map(|c| match c {
            Cause::Action { action, .. } => Some(action.as_str()),
            Cause::Fault { .. } => None,
        })
        .collect();
    let mut out: Vec<(u64, String)> = report
        .events
        .iter()
        .filter(|e| e.at_ms >= from && e.at_ms <= to && KINDS.contains(&e.kind.as_str()))
        .filter(|e| {
            e.kind != "action_accepted" || cause_actions.iter().any(|a| e.message.contains(a))
        })
        .filter(|e| e.kind != "shard_unassigned" || e.message.contains("] primary"))
        .map(|e| (e.at_ms, e.message.clone()))
        .collect();
    if out.len() > 14 {
        let tail = out.split_off(out.len() - 4);
        out.truncate(10);
        out.push((u64::MAX, "…".into()));
        out.extend(tail);
    }
    out
}

fn shown(o: &OutageSpan) -> Vec<(u64, String)> {
    o.chain_lines()
        .into_iter()
        .map(|l| match l {
            Some(step) => (step.at_ms, step.message.clone()),
            None => (u64::MAX, "…".into()),
        })
        .collect()
}

#[test]
fn the_founding_trap_chain_is_typed_data() {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let report = quorum_sim::run(
        s,
        1,
        &script::parse("at 02:00 create-image node-2").unwrap(),
    );
    assert_eq!(report.outages.len(), 1);
    let o = &report.outages[0];
    assert_eq!(shown(o), old_chain(&report, o));
    assert_eq!(report.culprits(), vec![0]);
    assert!(report.is_culprit(0) && !report.is_culprit(1));
    let text: String = o
        .chain
        .iter()
        .map(|c| {
            format!(
                "{} {:?}{} {}\n",
                quorum_sim::time::fmt_clock(c.at_ms),
                c.kind,
                if c.culprit { " (culprit)" } else { "" },
                c.message
            )
        })
        .collect();
    expect_test::expect_file!["snapshots/seed-ami-trap-1-trap.chain"].assert_eq(&text);
}

#[test]
fn every_outage_chain_shows_what_the_debrief_showed() {
    let mut outages = 0;
    for seed in 0..40u64 {
        let all = scenario::all();
        let scenario = short(&all[seed as usize % all.len()].id, 30);
        let mut rng = rand_pcg::Pcg32::seed_from_u64(seed ^ 0xdeb);
        let actions: Vec<TimedAction> = random_script(seed, &scenario, 10)
            .into_iter()
            .map(|(at_ms, _)| TimedAction {
                at_ms,
                action: random_action(&mut rng, &names(&scenario), &[]),
            })
            .collect();
        let report = quorum_sim::run(&scenario, seed, &actions);
        for o in &report.outages {
            outages += 1;
            assert_eq!(
                shown(o),
                old_chain(&report, o),
                "seed {seed} {}",
                scenario.id
            );
            for step in o.chain.iter().filter(|c| c.culprit) {
                assert!(report
                    .events
                    .iter()
                    .any(|e| e.at_ms == step.at_ms && e.message == step.message));
            }
        }
    }
    assert!(outages >= 10, "{outages} outages");
}

// ---- The outage rule ---------------------------------------------------------------------

#[test]
fn in_outage_is_the_traffic_panels_rule() {
    let s = short("seed-ami-trap", 20);
    let mut sim = Sim::new(&s, 1);
    let mut playback = Playback::new(script::parse("at 02:00 create-image node-2").unwrap());
    let (mut on, mut off) = (0, 0);
    while !sim.is_over() {
        playback.tick(&mut sim);
        let now = sim.now_ms();
        let last = sim.samples().last().copied().unwrap_or_default();
        let health = sim.main_cluster().health;
        let old = matches!(health, Health::NoMaster | Health::Red)
            || (last.outage && last.at_ms + 1000 >= now && now > 0);
        assert_eq!(sim.in_outage(), old, "at {now}");
        assert_eq!(
            sim.current_outage_ms(),
            sim.metrics()
                .outages
                .last()
                .filter(|o| o.end_ms.is_none())
                .map(|o| now - o.start_ms)
        );
        if old {
            on += 1;
        } else {
            off += 1;
        }
    }
    assert!(on > 100 && off > 100);
}

#[test]
fn the_launch_dialog_suggests_a_free_name() {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let mut sim = Sim::new(s, 1);
    assert_eq!(sim.suggested_instance_name(), "node-4");
    sim.apply(act("launch node-4 --image base"));
    assert_eq!(sim.suggested_instance_name(), "node-5");
    assert_eq!(sim.api_targets(), vec!["node-1", "node-2", "node-3"]);
}

#[test]
fn a_frozen_host_is_not_betrayed_by_a_greyed_menu() {
    // Set up: the founding incident; node-1's host has failed, but its first status check
    // (01:00) has not run yet, so the console still shows it running with checks passing.
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let mut sim = Sim::new(s, 3);
    sim.run_until(30_000);
    let n1 = sim.instance_by_name("node-1").unwrap();
    assert!(sim.is_frozen(n1));
    // The real console cannot see a frozen guest: it offers the runbook's scripts...
    let offers = sim.offers(&[n1]);
    assert!(offers.offered(ConsoleAction::CleanLogs));
    assert!(offers.offered(ConsoleAction::Reboot));
    // ...and the attempt fails the way SSH does.
    let refused = sim.apply(act("clean-logs node-1"));
    assert!(
        refused
            .refusal()
            .is_some_and(|r| r.starts_with("ssh: connect to host node-1 port 22")),
        "{refused:?}"
    );
}

#[test]
fn the_voting_view_counts_what_the_quorum_rule_counts() {
    // Set up: the founding incident, node-1's host has failed.
    let s = scenario::builtin("seed-ami-trap").unwrap();
    let mut sim = Sim::new(s, 3);
    sim.run_until(60_000);
    let view = sim.voting_view(quorum_sim::ClusterId::MAIN);
    // Two of three voters answer: the quorum (2) holds.
    assert_eq!((view.voters.len(), view.answering, view.quorum), (3, 2, 2));
    assert!(view.has_quorum());
    // Act: the founding mistake, Create image of node-2 without No reboot.
    assert_eq!(sim.apply(act("create-image node-2")), Applied::Accepted);
    sim.run_until(120_000);
    // Assert: one voter answers; the panel shows the quorum lost, as the cluster lost it.
    let view = sim.voting_view(quorum_sim::ClusterId::MAIN);
    assert_eq!(view.answering, 1);
    assert!(!view.has_quorum());
    assert!(sim.main_cluster().master.is_none());
}
