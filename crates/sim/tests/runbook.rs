#![cfg(not(target_arch = "wasm32"))]
//! Stories of the runbook panel and the debrief's comparison: set up, inject, act, assert.

mod common;

use common::{clock, Drill};
use quorum_sim::scenario::Lang;
use quorum_sim::{PlayMode, RunbookView};

/// The first seed whose draw for node-1's automatic recovery satisfies `want`
/// (`Some(at_ms)`: recovers then; `None`: recovery fails).
fn seed_where(want: impl Fn(Option<u64>) -> bool) -> u64 {
    let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    (1..10_000)
        .find(|seed| {
            let sim = quorum_sim::Sim::new(scenario, *seed);
            let d = &sim.branch_draws()[0];
            want(d.taken.then_some(d.at_ms))
        })
        .expect("a seed with that draw")
}

fn view(drill: &Drill, mode: PlayMode) -> RunbookView {
    drill
        .sim
        .runbook_view(Lang::En, mode)
        .expect("seed-ami-trap has a runbook")
}

fn done(v: &RunbookView, id: &str) -> Option<u64> {
    v.steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
        .done_at_ms
}

fn at(v: &RunbookView) -> &str {
    &v.steps[v.at.expect("at a step")].id
}

fn selected(v: &RunbookView, id: &str) -> Vec<Option<bool>> {
    let s = v.steps.iter().find(|s| s.id == id).unwrap();
    s.branches.iter().map(|b| b.selected).collect()
}

#[test]
fn waiting_for_an_early_recovery_ticks_the_wait_branch() {
    let seed = seed_where(|d| d.is_some_and(|at| at < clock("06:00")));
    let mut drill = Drill::new("seed-ami-trap", seed);
    // The checks want the trainee to look: nothing is ticked before the API calls.
    drill.run_to("00:35");
    assert_eq!(done(&view(&drill, PlayMode::Mentor), "check-health"), None);
    drill
        .act("00:40", "health")
        .act("00:41", "cat-nodes")
        .run_to("00:42");
    let v = view(&drill, PlayMode::Mentor);
    // The API's answers arrive a tick after the call.
    assert_eq!(done(&v, "check-health"), Some(clock("00:40") + 100));
    assert_eq!(done(&v, "check-nodes"), Some(clock("00:41") + 100));
    assert_eq!(
        at(&v),
        "check-status",
        "the status checks still pass at 00:42"
    );
    // EC2's status checks fail at the next minute: the console shows it, no call needed.
    drill.run_to("01:30");
    let v = view(&drill, PlayMode::Mentor);
    assert!(done(&v, "check-status").is_some());
    assert_eq!(at(&v), "decide");
    // node-1's checks passed at 00:00, before the decision: that does not select "wait".
    assert_eq!(selected(&v, "decide"), [Some(false); 3]);
    assert_eq!(selected(&view(&drill, PlayMode::Exam), "decide"), [None; 3]);

    // Run until the console shows node-1's checks passing again.
    while drill.sim.instances()[0].checks != quorum_sim::model::Checks::Ok {
        assert!(drill.sim.now_ms() < clock("15:00"), "an early recovery");
        drill.sim.step();
    }
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(
        selected(&v, "decide"),
        [Some(true), Some(false), Some(false)]
    );
    assert_eq!(at(&v), "wait-rejoin");
    // Exam mode neither reveals the branch nor moves on before the trainee acts on it.
    let exam = view(&drill, PlayMode::Exam);
    assert_eq!(at(&exam), "decide");
    assert_eq!(selected(&exam, "decide"), [None; 3]);

    drill.run_to("10:00");
    drill.act("10:00", "cat-nodes").run_to("10:01");
    let exam = view(&drill, PlayMode::Exam);
    assert_eq!(done(&exam, "wait-rejoin"), Some(clock("10:00") + 100));
    assert_eq!(at(&exam), "wait-green");
    drill.run_to("20:00");
    assert_eq!(drill.health(), quorum_sim::Health::Green);
    drill.act("20:00", "health").run_to("20:01");
    for mode in [PlayMode::Exam, PlayMode::Mentor] {
        let v = view(&drill, mode);
        assert_eq!(
            done(&v, "wait-green"),
            Some(clock("20:00") + 100),
            "{mode:?}"
        );
        assert_eq!(at(&v), "done");
        assert!(done(&v, "done").is_some());
        assert_eq!(
            done(&v, "launch"),
            None,
            "the replacement path is not taken"
        );
    }
    let report = drill.finish();
    let cmp = report.runbook.expect("a comparison");
    let ids: Vec<&str> = cmp.path.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "check-health",
            "check-nodes",
            "check-status",
            "decide",
            "wait-rejoin",
            "wait-green",
            "done"
        ]
    );
    assert!(
        cmp.path.iter().all(|p| p.followed_at_ms.is_some()),
        "{cmp:?}"
    );
    assert!(cmp.off_path.is_empty());
}

#[test]
fn a_failed_recovery_sends_the_runbook_to_a_replacement_and_a_launch_follows_it() {
    let seed = seed_where(|d| d.is_none());
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill
        .act("00:40", "health")
        .act("00:41", "cat-nodes")
        .run_to("03:59");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(at(&v), "decide");
    assert_eq!(selected(&v, "decide"), [Some(false); 3]);
    // EC2's notice that automatic recovery failed selects the replacement.
    drill.run_to("04:05");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(
        selected(&v, "decide"),
        [Some(false), Some(true), Some(false)]
    );
    assert_eq!(at(&v), "launch");
    // The trainee names the node node-5: the runbook follows the name given.
    drill.act("04:30", "launch node-5 --image base");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(done(&v, "launch"), Some(clock("04:30")));
    assert_eq!(at(&v), "setup");
    drill.run_to("06:30");
    drill.act("06:30", "setup node-5");
    assert_eq!(
        done(&view(&drill, PlayMode::Exam), "setup"),
        Some(clock("06:30"))
    );
    drill.run_to("40:00");
    assert_eq!(drill.health(), quorum_sim::Health::Green);
    drill.act("40:00", "health");
    drill.run_to("40:01");
    let v = view(&drill, PlayMode::Exam);
    assert_eq!(at(&v), "done", "{v:#?}");
    let report = drill.finish();
    let cmp = report.runbook.unwrap();
    let ids: Vec<&str> = cmp.path.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "check-health",
            "check-nodes",
            "check-status",
            "decide",
            "launch",
            "setup",
            "setup-result",
            "wait-green",
            "done"
        ]
    );
    assert!(
        cmp.path.iter().all(|p| p.followed_at_ms.is_some()),
        "{cmp:#?}"
    );
}

#[test]
fn idling_through_a_failed_recovery_leaves_the_replacement_unfollowed() {
    let seed = seed_where(|d| d.is_none());
    let mut drill = Drill::new("seed-ami-trap", seed);
    let report = drill.finish();
    let cmp = report.runbook.unwrap();
    let unfollowed: Vec<&str> = cmp
        .path
        .iter()
        .filter(|p| p.followed_at_ms.is_none())
        .map(|p| p.id.as_str())
        .collect();
    // Never looked: the checks are unticked; the runbook waits at the launch nobody did.
    assert_eq!(
        unfollowed,
        [
            "check-health",
            "check-nodes",
            "check-status",
            "decide",
            "launch",
            "setup",
            "setup-result"
        ]
    );
    assert!(!cmp.path.iter().find(|p| p.id == "setup").unwrap().reached);
}

#[test]
fn fifteen_minutes_without_passing_checks_select_the_replacement() {
    // Recovery late enough that the checks pass only after 15:00.
    let seed = seed_where(|d| d.is_some_and(|at| at > clock("14:30")));
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill
        .act("00:40", "health")
        .act("00:41", "cat-nodes")
        .run_to("14:59");
    assert_eq!(
        selected(&view(&drill, PlayMode::Mentor), "decide"),
        [Some(false); 3]
    );
    drill.run_to("15:01");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(
        selected(&v, "decide"),
        [Some(false), Some(false), Some(true)]
    );
}

#[test]
fn the_trap_is_off_the_runbook_and_its_cost_is_named() {
    let seed = seed_where(|d| d.is_some());
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill.act("02:00", "create-image node-2");
    let report = drill.finish();
    let cmp = report.runbook.clone().unwrap();
    assert_eq!(cmp.off_path.len(), 1);
    let off = &cmp.off_path[0];
    assert_eq!(off.action, "create-image node-2");
    assert!(off.outage_ms >= 100_000, "{off:?}");
    assert!(off.penalty_points > 0, "{off:?}");
    assert_eq!(
        off.outage_ms,
        report
            .outages
            .iter()
            .map(|o| o.shown_length_ms(report.duration_ms))
            .sum::<u64>()
    );
}
