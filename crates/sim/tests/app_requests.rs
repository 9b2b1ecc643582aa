#![cfg(not(target_arch = "wasm32"))]
//! A trainee's searches and indexes on the app's index (`drill live`'s curl and clients):
//! the sim decides them by the rule its own app traffic follows, counts them into the
//! drill's traffic, and a replay of the coalesced actions counts them the same.

mod common;

use common::{clock, Drill};
use quorum_sim::report::Report;
use quorum_sim::{scenario, Action, AppOutcome, AppRequest, ShardWrite, Sim};

/// The outage drill: node-1's host failed and never returns; at 01:00 an image of node-2
/// without No reboot takes the quorum away until node-2 is back (~05:00).
fn trap() -> Drill {
    let mut d = Drill::for_case("seed-ami-trap", "recovery=never,setup=ok");
    d.act("01:00", "create-image node-2");
    d
}

fn with(mut d: Drill, at: &str, line: &str) -> Report {
    d.act(at, line);
    d.finish()
}

#[test]
fn a_search_and_an_index_during_the_outage_fail_and_count_as_failed_requests() {
    // Set up: the outage is on; node-3 answers alone, without a master.
    let mut d = trap();
    d.run_to("01:30");
    assert!(d.sim.in_outage());
    // A search reaches the copies on node-3 only: one shard has none, the result is
    // partial, an error to the app. An index waits on the no-master block.
    assert_eq!(
        d.sim.app_outcome("node-3", AppRequest::Search),
        AppOutcome::ShardsFailed {
            failed: 1,
            total: 3
        }
    );
    assert!(d.sim.app_outcome("node-3", AppRequest::Index).stalls());
    let base = trap().finish();
    // Act: four searches and two indexes (given up at their timeout) within 01:30.
    let counted = with(
        trap(),
        "01:30",
        "app-requests node-3 --searches 4 --indexes 2",
    );
    // The debrief's failed requests include them.
    assert_eq!(counted.reads_total, base.reads_total + 4);
    assert_eq!(counted.reads_failed, base.reads_failed + 4);
    assert_eq!(counted.writes_total, base.writes_total + 2);
    assert_eq!(counted.writes_failed, base.writes_failed + 2);
    assert_eq!(counted.requests_failed, base.requests_failed + 6);
}

#[test]
fn served_requests_count_as_served_and_their_documents_land_in_the_index() {
    let mut d = trap();
    d.run_to("06:00");
    assert_eq!(
        d.sim.app_outcome("node-2", AppRequest::Search),
        AppOutcome::Served
    );
    assert!(matches!(
        d.sim.app_outcome("node-2", AppRequest::Index),
        AppOutcome::Write {
            write: ShardWrite::Writable,
            ..
        }
    ));
    // The five documents are in the index once the second is counted.
    let ops = |d: &Drill| -> u64 { d.sim.main_cluster().shards.iter().map(|s| s.ops).sum() };
    let mut plain = trap();
    plain.run_to("06:01");
    let mut sent = trap();
    sent.act("06:00", "app-requests node-2 --searches 3 --indexes 5");
    sent.run_to("06:01");
    assert_eq!(ops(&sent), ops(&plain) + 5);
    let base = trap().finish();
    let counted = with(
        trap(),
        "06:00",
        "app-requests node-2 --searches 3 --indexes 5",
    );
    assert_eq!(counted.reads_total, base.reads_total + 3);
    assert_eq!(counted.writes_total, base.writes_total + 5);
    assert_eq!(counted.requests_failed, base.requests_failed);
}

#[test]
fn a_request_to_a_node_that_does_not_answer_is_refused_and_not_counted() {
    let mut d = trap();
    d.run_to("01:30");
    // node-2 is shutting down for its image: its port does not answer.
    assert_eq!(
        d.sim.app_outcome("node-2", AppRequest::Search),
        AppOutcome::Unreachable
    );
    let base = trap().finish();
    let mut d = trap();
    d.act("01:30", "app-requests node-2 --searches 4");
    assert!(d.refusal().is_some_and(|r| r.contains("does not answer")));
    let report = d.finish();
    assert_eq!(report.reads_total, base.reads_total);
}

/// A `drill live` request: the sim's outcome, added to the node's open action or a new one.
fn send(sim: &mut Sim, via: &str, request: AppRequest) -> AppOutcome {
    let outcome = sim.app_outcome(via, request);
    if outcome != AppOutcome::Unreachable && !sim.add_app_request(via, request) {
        let (searches, indexes) = match request {
            AppRequest::Search => (1, 0),
            AppRequest::Index => (0, 1),
        };
        sim.apply(Action::AppRequests {
            via: via.into(),
            searches,
            indexes,
        });
    }
    outcome
}

#[test]
fn requests_coalesced_while_the_drill_runs_replay_to_the_same_log_and_counts() {
    // A trainee's loops over the three nodes through the trap and its recovery, with the
    // image taken between two requests of the same second; a small LCG picks who and what.
    for seed in [1u64, 2, 3] {
        let scenario = scenario::builtin("seed-ami-trap").unwrap();
        let case_seed = common::seed_for("seed-ami-trap", "recovery=never,setup=ok", 0);
        let mut live = Sim::new(scenario, case_seed);
        let mut rng = seed;
        let mut next = || {
            rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (rng >> 33) as u32
        };
        let (mut sent, mut failed) = (0u64, 0u64);
        while live.now_ms() < clock("08:00") {
            if live.now_ms() == clock("01:00") + 300 {
                live.apply(Action::CreateImage {
                    instance: "node-2".into(),
                    name: None,
                    description: None,
                    no_reboot: false,
                });
            }
            for _ in 0..next() % 4 {
                let via = ["node-1", "node-2", "node-3"][(next() % 3) as usize];
                let request = if next() % 3 == 0 {
                    AppRequest::Index
                } else {
                    AppRequest::Search
                };
                let outcome = send(&mut live, via, request);
                if outcome != AppOutcome::Unreachable {
                    sent += 1;
                    failed += u64::from(!outcome.served());
                }
            }
            live.step();
        }
        let actions = live.actions().to_vec();
        let apps = actions
            .iter()
            .filter(|a| matches!(a.action, Action::AppRequests { .. }))
            .count();
        // Coalesced: far fewer actions than requests, at most one per node and second.
        assert!(
            apps as u64 * 2 < sent,
            "seed {seed}: {apps} actions for {sent} requests"
        );
        let mut replayed = Sim::new(scenario, case_seed);
        let mut i = 0;
        while replayed.now_ms() < clock("08:00") {
            while i < actions.len() && actions[i].at_ms == replayed.now_ms() {
                replayed.apply(actions[i].action.clone());
                i += 1;
            }
            replayed.step();
        }
        assert_eq!(live.events(), replayed.events(), "seed {seed}");
        let (a, b) = (live.report(), replayed.report());
        assert_eq!(a.event_log_hash, b.event_log_hash);
        assert_eq!(a.requests_failed, b.requests_failed);
        // What the live answers said is what the drill counted: the same run without the
        // app requests fails `failed` fewer requests.
        let others: Vec<_> = actions
            .iter()
            .filter(|a| !matches!(a.action, Action::AppRequests { .. }))
            .cloned()
            .collect();
        let mut bare = Sim::new(scenario, case_seed);
        let mut i = 0;
        while bare.now_ms() < clock("08:00") {
            while i < others.len() && others[i].at_ms == bare.now_ms() {
                bare.apply(others[i].action.clone());
                i += 1;
            }
            bare.step();
        }
        let c = bare.report();
        assert_eq!(a.requests_total, c.requests_total + sent, "seed {seed}");
        assert_eq!(a.requests_failed, c.requests_failed + failed, "seed {seed}");
    }
}
