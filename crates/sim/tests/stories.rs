#![cfg(not(target_arch = "wasm32"))]
//! Stories: what a trainee does and what the cluster does back. Each reads set up → inject →
//! act → assert, and checks every invariant on every tick.

mod common;

use common::{clock, compact_log, Drill};
use quorum_sim::event::{EventKind, Health, InstanceState};
use quorum_sim::report::Cause;
use quorum_sim::scenario::Lang;

// ---- The founding story -------------------------------------------------------------------

#[test]
fn waiting_out_a_failed_host_costs_no_outage() {
    // Every case: node-1 back early, late or never (replacing it is then the runbook, but
    // waiting still loses no quorum).
    let seeds = [
        common::seed_for("seed-ami-trap", "recovery=early", 0),
        common::seed_for("seed-ami-trap", "recovery=late", 0),
        common::seed_for("seed-ami-trap", "recovery=never,setup=ok", 0),
        common::seed_for("seed-ami-trap", "recovery=never,setup=fails-once", 0),
    ];
    for seed in seeds {
        let mut drill = Drill::new("seed-ami-trap", seed);
        drill.run_to("00:20");
        // The host failed silently: the master still counts node-1 in until its checks time out.
        assert_eq!(drill.health(), Health::Green, "seed {seed}");
        drill.run_to("00:31");
        assert!(
            drill.log_contains("node-left: {node-1}, reason: followers check retry count exceeded")
        );
        assert_eq!(
            drill.health(),
            Health::Yellow,
            "seed {seed}: replicas promoted, cluster serving"
        );
        assert_eq!(drill.master().as_deref(), Some("node-3"));
        let report = drill.finish();
        assert_eq!(
            report.outage_ms, 0,
            "seed {seed}: waiting never loses the quorum"
        );
        assert!(
            report.requests_failed < 6_000,
            "seed {seed}: only the ~30 s of detection fails: {}",
            report.requests_failed
        );
        if report.branch_case.starts_with("recovery=never") {
            // Waiting out a node that never returns costs its time beyond the case's par.
            assert!(report.breakdown.beyond_par_points > 0, "seed {seed}");
        } else {
            assert!(report.score >= 9_500, "seed {seed}: {}", report.score);
        }
    }
}

#[test]
fn create_image_without_no_reboot_loses_the_quorum() {
    for seed in 1..=5 {
        let mut drill = Drill::new("seed-ami-trap", seed);
        drill.act("02:00", "create-image node-2");
        // EC2 shuts node-2 down for the snapshot; with node-1 gone, node-3 is alone.
        drill.run_to("02:01");
        assert_eq!(drill.health(), Health::NoMaster, "seed {seed}");
        assert!(drill.log_contains("publication failed: not enough votes"));
        drill.run_to("02:40");
        assert!(drill.log_contains(
            "master not discovered or elected yet, an election requires at least 2 nodes"
        ));
        let report = drill.finish();
        assert!(
            // Shutdown, snapshot initiation, boot and datastore start: at least ~100 s.
            report.outage_ms >= 100_000,
            "seed {seed}: node-2 is away for minutes: {}",
            report.outage_ms
        );
        assert!(
            report.requests_failed >= 20_000,
            "seed {seed}: {}",
            report.requests_failed
        );
        assert!(report.writes_failed > 0 && report.reads_failed > 0);
        let outage = &report.outages[0];
        assert_eq!(outage.start_ms, clock("02:00"));
        assert!(outage
            .causes
            .iter()
            .any(|c| matches!(c, Cause::Action { action, .. } if action == "create-image node-2")));
        assert!(outage
            .causes
            .iter()
            .any(|c| matches!(c, Cause::Fault { node, .. } if node == "node-1")));
        assert!(
            outage
                .explanation
                .contains("your action #1 `create-image node-2` at 02:00"),
            "{}",
            outage.explanation
        );
        assert!(report.penalties.iter().any(|p| p.points == 1000));
        let wait = Drill::new("seed-ami-trap", seed).finish();
        assert!(
            wait.score > report.score + 2_000,
            "seed {seed}: wait {} vs trap {}",
            wait.score,
            report.score
        );
    }
}

#[test]
fn create_image_with_no_reboot_keeps_serving() {
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.act(
        "02:00",
        "create-image node-2 --no-reboot --name n2-crash-consistent",
    );
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    assert!(report.penalties.is_empty());
    assert!(drill.log_contains("Image n2-crash-consistent"));
    assert_eq!(
        drill.sim.images()[0].state,
        quorum_sim::model::ImageState::Available
    );
}

#[test]
fn the_debrief_reveals_the_hidden_branch() {
    // Over many seeds every case occurs, and the reveal says which and when.
    let (mut early, mut late, mut never) = (0, 0, 0);
    let s = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    for seed in 0..40 {
        let report = Drill::new("seed-ami-trap", seed).finish();
        assert_eq!(report.branch_case, s.case_for_seed(seed), "seed {seed}");
        let b = &report.branches[0];
        assert_eq!(b.id, "recovery");
        match b.option.as_str() {
            "early" | "late" => {
                assert!(b.happened);
                assert!(
                    b.outcome
                        .starts_with("node-1's host recovered by itself at "),
                    "{}",
                    b.outcome
                );
                let at = b.at_ms.unwrap();
                if b.option == "early" {
                    early += 1;
                    assert!((clock("03:00")..clock("05:00")).contains(&at), "{at}");
                } else {
                    late += 1;
                    assert!((clock("05:00")..=clock("15:00")).contains(&at), "{at}");
                }
                assert_eq!(
                    report.branches.len(),
                    1,
                    "no setup point off the never path"
                );
            }
            "never" => {
                never += 1;
                assert!(b.outcome.contains("never"), "{}", b.outcome);
                assert_eq!(report.branches[1].id, "setup");
            }
            other => panic!("unexpected option {other}"),
        }
    }
    assert!(
        early > 5 && late > 5 && never > 5,
        "early {early}, late {late}, never {never}"
    );
    // A trainee who replaced node-1 first still learns what waiting would have done.
    let seed = common::seed_for("seed-ami-trap", "recovery=late", 0);
    let recovered_ms = Drill::new("seed-ami-trap", seed).finish().branches[0]
        .at_ms
        .unwrap();
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill.act("01:00", "terminate node-1");
    let report = drill.finish();
    let expected = format!(
        "would have recovered by itself at {} had you waited",
        quorum_sim::time::fmt_clock(recovered_ms)
    );
    assert!(
        report.branches[0].outcome.contains(&expected),
        "{}",
        report.branches[0].outcome
    );
}

#[test]
fn a_host_that_never_recovers_gets_a_retirement_notice() {
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=never,setup=ok");
    let notice_ms = drill.sim.branch_draws()[0].at_ms.unwrap();
    assert!((clock("04:00")..=clock("06:00")).contains(&notice_ms));
    drill.run_to(&quorum_sim::time::fmt_clock(notice_ms - 100));
    assert!(!drill.log_contains("automatic recovery failed"));
    drill.run_to(&quorum_sim::time::fmt_clock(notice_ms + 1_000));
    assert!(drill.log_contains("automatic recovery failed: insufficient capacity"));
    let report = drill.finish();
    assert_eq!(report.time_to_green_ms, None, "node-1 stays down");
    assert_eq!(report.degraded_ms, clock("45:00"));
}

// ---- Replacing a node -------------------------------------------------------------------

#[test]
fn replacing_a_node_by_the_runbook_restores_full_redundancy() {
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=never,setup=ok");
    drill.act("01:00", "launch node-4 --image base");
    assert_eq!(drill.state("node-4"), InstanceState::Pending);
    drill.run_to("03:00");
    assert_eq!(drill.state("node-4"), InstanceState::Running);
    drill.act("04:00", "setup node-4");
    drill.run_to("10:00");
    assert!(drill.log_contains("setup complete: datastore installed"));
    assert!(drill.log_contains("node-join: {node-4}"));
    // The voting configuration swaps the new node in for the dead one.
    assert_eq!(drill.voting(), ["node-2", "node-3", "node-4"]);
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    assert_eq!(report.final_health, "green");
    let green = report.time_to_green_ms.expect("full redundancy restored");
    assert!(green < clock("20:00"), "restored at {green}");
}

#[test]
fn a_node_cloned_from_another_nodes_disk_is_refused_by_the_cluster() {
    let mut drill = Drill::new("seed-ami-trap", 1);
    drill.act(
        "02:00",
        "create-image node-2 --no-reboot --name node-2-clone",
    );
    drill.run_to("18:00");
    drill.act("18:00", "launch node-4 --image node-2-clone");
    drill.run_to("22:00");
    let rejections = drill.events("join_rejected");
    assert!(!rejections.is_empty(), "node-4 carries node-2's node id");
    let EventKind::JoinRejected { node, reason } = &rejections[0].kind else {
        unreachable!()
    };
    assert_eq!(node, "node-4");
    assert!(reason.contains("found existing node {node-2}"), "{reason}");
    assert!(
        reason.ends_with("with the same id but is a different node instance"),
        "{reason}"
    );
    let report = drill.finish();
    assert!(report
        .penalties
        .iter()
        .any(|p| p.reason.contains("clone of another node's disk")));
}

#[test]
fn setup_refuses_an_instance_that_already_has_a_datastore() {
    let mut drill = Drill::new("sandbox", 1);
    drill.act("00:10", "create-image node-3 --no-reboot --name n3");
    drill.run_to("16:00");
    drill.act("16:00", "launch node-4 --image n3");
    drill.run_to("19:00");
    drill.act("19:00", "setup node-4");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("already installed on node-4"));
}

#[test]
fn initial_master_nodes_on_a_new_node_bootstraps_a_second_cluster() {
    let mut drill = Drill::new("sandbox", 2);
    drill.act("00:10", "launch node-4 --image base");
    drill.run_to("02:00");
    // While the real cluster has no master, the new node finds none and bootstraps its own.
    drill.act("02:00", "stop node-1");
    drill.act("02:00", "stop node-2");
    drill.act("02:00", "setup node-4 --initial-master-nodes node-4");
    drill.run_to("10:00");
    assert_eq!(drill.events("cluster_bootstrapped").len(), 1);
    drill.act("10:00", "start node-1");
    drill.act("10:00", "start node-2");
    drill.run_to("16:00");
    assert!(drill.master().is_some());
    // node-4 leads a cluster of its own: the real cluster never sees it.
    let main: Vec<String> = drill
        .sim
        .main_cluster()
        .members
        .values()
        .map(|m| drill.sim.instance(m.instance).name.clone())
        .collect();
    assert_eq!(main, ["node-1", "node-2", "node-3"]);
    assert_eq!(drill.sim.clusters().len(), 2);
    drill.act("16:00", "cat-nodes --via node-4");
    drill.run_to("16:01");
    let EventKind::ApiResponse { body, .. } = &drill.events("api_response")[0].kind else {
        unreachable!()
    };
    assert_eq!(body.lines().count(), 2, "a one-node cluster: {body}");
    assert!(body.contains("* ") && body.contains("node-4"));
    let report = drill.finish();
    assert!(report.penalties.iter().any(|p| p.points == 500));
}

// ---- EC2 behaviours ---------------------------------------------------------------------

#[test]
fn a_failed_host_ignores_reboot_and_hangs_a_stop_until_force_stop() {
    let mut drill = Drill::new("stuck-stopping", 1);
    drill.act("02:00", "reboot node-2");
    drill.run_to("07:00");
    assert!(drill.log_contains("reboot did not complete: the instance is unreachable"));
    assert_eq!(drill.state("node-2"), InstanceState::Running);
    drill.act("07:00", "stop node-2");
    drill.run_to("20:00");
    assert_eq!(
        drill.state("node-2"),
        InstanceState::Stopping,
        "a stop on a failed host hangs"
    );
    drill.act("20:00", "force-stop node-2");
    drill.run_to("22:30");
    assert_eq!(drill.state("node-2"), InstanceState::Stopped);
    let old_host = drill.sim.instances()[1].host;
    drill.act("22:30", "start node-2");
    drill.run_to("26:30");
    assert_ne!(
        drill.sim.instances()[1].host,
        old_host,
        "start moves the instance to a new host"
    );
    assert!(drill.log_contains("node-join: {node-2}"));
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    assert_eq!(report.final_health, "green");
}

#[test]
fn the_console_refuses_what_the_real_one_refuses() {
    let mut drill = Drill::new("sandbox", 1);
    drill.act("00:10", "force-stop node-1");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("Force stop is only available while the instance is stopping"));
    drill.act("00:10", "start node-1");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("only a stopped instance can be started"));
    drill.act("00:20", "terminate node-3");
    drill.run_to("02:00");
    assert_eq!(drill.state("node-3"), InstanceState::Terminated);
    drill.act("02:00", "start node-3");
    assert!(drill.refusal().unwrap().contains("node-3"));
    assert!(drill.refusal().unwrap().contains("is terminated"));
    drill.act("02:00", "reboot node-9");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("InvalidInstanceID.NotFound"));
    drill.act("02:00", "launch node-5 --image nothing");
    assert!(drill.refusal().unwrap().contains("InvalidAMIID.NotFound"));
}

#[test]
fn launching_from_a_pending_image_is_refused() {
    let mut drill = Drill::new("sandbox", 1);
    drill.act("00:10", "create-image node-1 --no-reboot --name img");
    drill.act("00:20", "launch node-4 --image img");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("is pending; launch when it is available"));
}

#[test]
fn rebooting_one_node_of_a_healthy_cluster_is_no_outage() {
    let mut drill = Drill::new("sandbox", 4);
    // A node that is not the master: the master keeps its quorum with the other two.
    let node = ["node-1", "node-2", "node-3"]
        .into_iter()
        .find(|n| drill.master().as_deref() != Some(*n))
        .unwrap();
    drill.act("01:00", &format!("reboot {node}"));
    drill.run_to("01:01");
    assert!(
        drill.log_contains(&format!("node-left: {{{node}}}, reason: disconnected")),
        "a clean shutdown is noticed at once"
    );
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    assert!(
        drill.log_contains(&format!("operations-based recovery to {node}")),
        "it comes back with its data"
    );
    assert!(report.penalties.is_empty());
    assert_eq!(report.final_health, "green");
}

#[test]
fn rebooting_the_master_costs_only_an_election() {
    let mut drill = Drill::new("sandbox", 4);
    let master = drill.master().unwrap();
    drill.act("01:00", &format!("reboot {master}"));
    drill.run_to("01:03");
    let new_master = drill
        .master()
        .expect("the other two elect a master within a second");
    assert_ne!(new_master, master);
    let report = drill.finish();
    assert!(
        report.outage_ms > 0 && report.outage_ms <= 1_000,
        "{}",
        report.outage_ms
    );
}

#[test]
fn two_nodes_down_is_an_outage() {
    let mut drill = Drill::new("sandbox", 4);
    drill.act("01:00", "stop node-1");
    drill.act("01:00", "stop node-2");
    drill.run_to("01:30");
    assert_eq!(drill.health(), Health::NoMaster);
    drill.act("05:00", "start node-1");
    drill.run_to("09:00");
    assert!(
        drill.master().is_some(),
        "two of three voters elect a master again"
    );
    let report = drill.finish();
    assert!(report.outage_ms >= clock("04:00"));
    assert!(
        report.penalties.iter().any(|p| p.points == 1000),
        "the second stop broke the quorum"
    );
}

#[test]
fn a_hung_os_is_fixed_by_a_reboot_forced_after_four_minutes() {
    let mut drill = Drill::new("node-hang", 1);
    drill.run_to("05:29");
    assert_eq!(
        drill.sim.main_cluster().members.len(),
        3,
        "silent: still a member for ~30 s"
    );
    drill.run_to("06:00");
    assert!(drill.log_contains("node-left: {node-3}"));
    assert!(drill.log_contains("node-3 status checks: 1/3 checks failed"));
    drill.act("06:00", "reboot node-3");
    drill.run_to("09:59");
    assert!(!drill.log_contains("hard reboot"));
    drill.run_to("10:01");
    assert!(drill.log_contains("the OS did not shut down cleanly within 4 minutes: hard reboot"));
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    assert_eq!(report.final_health, "green");
}

// ---- The datastore API ------------------------------------------------------------------

#[test]
fn health_without_a_master_answers_503_after_the_master_timeout() {
    let mut drill = Drill::new("sandbox", 1);
    drill.act("01:00", "stop node-1");
    drill.act("01:00", "stop node-2");
    drill.act("01:10", "health --via node-3");
    drill.run_to("01:39");
    assert!(
        drill.events("api_response").is_empty(),
        "the call waits for master_timeout"
    );
    drill.run_to("01:41");
    let EventKind::ApiResponse { status, body, .. } = &drill.events("api_response")[0].kind else {
        unreachable!()
    };
    assert_eq!(*status, 503);
    assert!(body.contains("master_not_discovered_exception"));
}

#[test]
fn allocation_settings_hold_replicas_back_during_a_rolling_restart() {
    let mut drill = Drill::new("sandbox", 1);
    drill.act("00:10", "allocation primaries");
    drill.act("00:20", "reboot node-1");
    drill.run_to("05:00");
    assert!(
        drill.events("recovery_started").is_empty(),
        "primaries only: the returning replicas wait"
    );
    assert_eq!(drill.health(), Health::Yellow);
    drill.act("05:00", "allocation all");
    drill.run_to("05:10");
    assert_eq!(drill.health(), Health::Green);
    drill.act("05:10", "get-settings");
    drill.run_to("05:11");
    let EventKind::ApiResponse { body, .. } = &drill.events("api_response").last().unwrap().kind
    else {
        unreachable!()
    };
    expect_test::expect![[r#"
        {
          "persistent": {},
          "transient": {}
        }"#]]
    .assert_eq(body);
}

#[test]
fn api_answers_look_like_the_real_ones() {
    let mut drill = Drill::new("seed-ami-trap", 1);
    drill.act("02:00", "health");
    drill.act("02:00", "cat-nodes");
    drill.act("02:00", "cat-shards");
    drill.run_to("02:01");
    let bodies: Vec<String> = drill
        .events("api_response")
        .iter()
        .map(|e| match &e.kind {
            EventKind::ApiResponse {
                request,
                status,
                body,
                ..
            } => format!("{request} → {status}\n{body}"),
            _ => unreachable!(),
        })
        .collect();
    expect_test::expect_file!["snapshots/api_responses.txt"].assert_eq(&bodies.join("\n\n"));
}

#[test]
fn voting_exclusions_shrink_the_configuration() {
    let mut drill = Drill::new("seed-ami-trap", 1);
    drill.run_to("01:00");
    assert_eq!(
        drill.voting(),
        ["node-1", "node-2", "node-3"],
        "auto-shrink never goes below 3 while 3 non-excluded voters remain"
    );
    drill.act("01:00", "voting-exclude node-1");
    drill.run_to("01:01");
    // Excluding the dead node leaves two non-excluded voters: fewer than 3, so the
    // configuration shrinks to the master alone (Elasticsearch's Reconfigurator).
    assert_eq!(drill.voting(), ["node-3"]);
    drill.act("01:05", "voting-clear");
    drill.run_to("01:06");
    assert!(
        drill.sim.main_cluster().exclusions.is_empty(),
        "node-1 has left: cleared"
    );
    assert_eq!(
        drill.voting(),
        ["node-3"],
        "clearing exclusions adds no node back: the configuration grows again only with 3 live nodes"
    );
}

// ---- Snapshots --------------------------------------------------------------------------

#[test]
fn golden_event_logs() {
    let mut wait = Drill::new("seed-ami-trap", 1);
    wait.finish();
    expect_test::expect_file!["snapshots/seed-ami-trap-1-wait.log"]
        .assert_eq(&compact_log(wait.sim.events()));
    let mut trap = Drill::new("seed-ami-trap", 1);
    trap.act("02:00", "create-image node-2");
    let report = trap.finish();
    expect_test::expect_file!["snapshots/seed-ami-trap-1-trap.log"]
        .assert_eq(&compact_log(trap.sim.events()));
    let summary = format!(
        "outage_ms {}\nrequests_failed {} (reads {}, writes {})\ntime_to_green_ms {:?}\nscore {} {}\n{:#?}\n{:#?}\n{:#?}",
        report.outage_ms,
        report.requests_failed,
        report.reads_failed,
        report.writes_failed,
        report.time_to_green_ms,
        report.score,
        report.grade,
        report.breakdown,
        report.penalties,
        report.outages
    );
    expect_test::expect_file!["snapshots/seed-ami-trap-1-trap.report"].assert_eq(&summary);
}

// ---- Mentor mode ----------------------------------------------------------------------

#[test]
fn mentor_mode_foresees_the_trap_and_clears_the_safe_path() {
    use quorum_sim::action::Action;
    use quorum_sim::scenario::Lang;
    let mut drill = Drill::new("seed-ami-trap", 1);
    drill.run_to("02:00");
    let trap = Action::CreateImage {
        instance: "node-2".into(),
        name: None,
        description: None,
        no_reboot: false,
    };
    let p = drill.sim.predict(&trap, Lang::En);
    assert!(p.is_risky());
    assert!(p.extra_outage_ms >= 150_000, "{p:?}");
    assert!(
        p.summary
            .starts_with("node-2 would leave the cluster and the quorum would be lost from 02:00"),
        "{}",
        p.summary
    );
    let safe = Action::CreateImage {
        instance: "node-2".into(),
        name: None,
        description: None,
        no_reboot: true,
    };
    let p = drill.sim.predict(&safe, Lang::En);
    assert!(!p.is_risky(), "{p:?}");
    assert_eq!(p.summary, "The quorum holds.");
    let ja = drill.sim.predict(&trap, Lang::Ja);
    assert!(
        ja.summary.contains("クォーラムが失われます"),
        "{}",
        ja.summary
    );
    // Predicting changes nothing.
    assert!(drill.events("action_accepted").is_empty());
}

// ---- A disk that fills --------------------------------------------------------------------

#[test]
fn a_filling_disk_turns_the_index_read_only_until_the_full_node_leaves() {
    let mut drill = Drill::new("disk-full", 1);
    drill.run_to("10:01");
    assert!(drill.log_contains("low disk watermark [85%] exceeded on"));
    drill.run_to("11:01");
    assert!(drill.log_contains("flood stage disk watermark [95%] exceeded on"));
    assert!(drill.sim.main_cluster().read_only);
    assert_eq!(
        drill.health(),
        Health::Green,
        "health says nothing about a read-only index"
    );
    // At 100% node-2's file-system health check fails: the master removes it, and with
    // every remaining node under the high watermark the block lifts by itself.
    drill.run_to("12:31");
    assert!(drill.log_contains("node-left: {node-2}, reason: health check failed"));
    assert!(!drill.sim.main_cluster().read_only);
    assert_eq!(drill.health(), Health::Yellow, "node-2's copies are gone");
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    assert_eq!(report.reads_failed, 0, "searches still work");
    assert!(
        (2_000..8_000).contains(&report.writes_failed),
        "writes fail from the flood stage until node-2 leaves: {}",
        report.writes_failed
    );
}

#[test]
fn cleaning_the_logs_in_time_costs_nothing() {
    let mut drill = Drill::new("disk-full", 1);
    drill.act("09:40", "clean-logs node-2");
    let report = drill.finish();
    assert!(drill.log_contains("debug logging off; freed"));
    assert!(drill.events("index_block").is_empty());
    assert_eq!(report.requests_failed, 0);
}

#[test]
fn the_read_only_block_lifts_by_itself_once_the_disk_is_under_the_high_watermark() {
    let mut drill = Drill::new("disk-full", 1);
    // Before the file-system health check at 12:00 finds the disk full.
    drill.act("11:55", "cat-allocation");
    drill.run_to("11:56");
    let EventKind::ApiResponse { body, .. } = &drill.events("api_response")[0].kind else {
        unreachable!()
    };
    let node2 = body.lines().find(|l| l.ends_with("node-2")).unwrap();
    assert!(
        node2.contains("  100 ") && node2.contains("0kb"),
        "the log filled the volume: {body}"
    );
    drill.act("11:56", "clean-logs node-2");
    drill.run_to("14:00");
    let blocks = drill.events("index_block");
    assert_eq!(blocks.len(), 2);
    assert!(blocks[1]
        .message(quorum_sim::scenario::Lang::En)
        .contains("releasing read-only-allow-delete block"));
    assert!(!drill.sim.main_cluster().read_only);
}

#[test]
fn an_ebs_volume_grows_once_per_six_hours() {
    let mut drill = Drill::new("disk-full", 1);
    drill.act("03:00", "resize-volume node-2 --gib 80");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("must be larger than the current size (100 GiB)"));
    drill.act("03:00", "resize-volume node-2 --gib 200");
    drill.act("09:00", "resize-volume node-2 --gib 300");
    assert!(drill
        .refusal()
        .unwrap()
        .starts_with("VolumeModificationRateExceeded"));
    drill.run_to("09:01");
    assert!(drill.log_contains("volume modification to 200 GiB completed"));
}

// ---- CloudWatch alarms: ALARM → OK under the same name -------------------------------------

/// Each alarm's state from the log: (name → firing), checking that no OK comes without a
/// prior ALARM of that name and no alarm fires twice in a row.
fn alarm_states(events: &[quorum_sim::event::Event]) -> std::collections::BTreeMap<String, bool> {
    let mut states = std::collections::BTreeMap::new();
    for e in events {
        if let EventKind::Alarm { name, alarm, .. } = &e.kind {
            let was = states.insert(name.clone(), *alarm);
            if *alarm {
                assert_ne!(
                    was,
                    Some(true),
                    "{name} fired twice at {}",
                    clock_of(e.at_ms)
                );
            } else {
                assert_eq!(
                    was,
                    Some(true),
                    "{name} OK without a prior ALARM at {}",
                    clock_of(e.at_ms)
                );
            }
        }
    }
    states
}

fn clock_of(ms: u64) -> String {
    quorum_sim::time::fmt_clock(ms)
}

#[test]
fn a_failed_host_alarm_returns_to_ok_under_its_name_once_checks_pass() {
    // seed-ami-trap seed 3, no actions: node-1's host fails; EC2 recovers it later.
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.run_to("01:05");
    assert_eq!(
        alarm_states(drill.sim.events()).get("node-1-StatusCheckFailed_System"),
        Some(&true),
        "the first failed check puts the system alarm in ALARM"
    );
    drill.finish();
    let passed = drill
        .sim
        .events()
        .iter()
        .rev()
        .find(
            |e| matches!(&e.kind, EventKind::StatusChecks { instance, .. } if instance == "node-1"),
        )
        .map(|e| e.message(quorum_sim::scenario::Lang::En));
    assert_eq!(
        passed.as_deref(),
        Some("node-1 status checks: 3/3 checks passed")
    );
    let states = alarm_states(drill.sim.events());
    assert_eq!(
        states.get("node-1-StatusCheckFailed_System"),
        Some(&false),
        "{states:?}"
    );
    assert!(
        states.values().all(|firing| !firing),
        "nothing left in ALARM: {states:?}"
    );
}

#[test]
fn an_instance_check_alarm_returns_to_ok_under_its_name() {
    // node-hang: node-3's guest OS hangs at 05:00; the instance check fails, a reboot fixes it.
    let mut drill = Drill::new("node-hang", 1);
    drill.run_to("07:30");
    assert_eq!(
        alarm_states(drill.sim.events()).get("node-3-StatusCheckFailed_Instance"),
        Some(&true)
    );
    drill.act("07:30", "reboot node-3");
    drill.finish();
    let states = alarm_states(drill.sim.events());
    assert_eq!(
        states.get("node-3-StatusCheckFailed_Instance"),
        Some(&false),
        "{states:?}"
    );
    assert!(
        !states.contains_key("node-3-StatusCheckFailed"),
        "{states:?}"
    );
}

#[test]
fn a_stuck_stopping_alarm_returns_to_ok_after_the_instance_is_back() {
    for from in [0, 100, 200] {
        let seed = common::seed_for("stuck-stopping", "start=boots", from);
        // node-2's host fails at 00:00; stop hangs; Force stop, then start on a new host.
        let mut drill = Drill::new("stuck-stopping", seed);
        drill.run_to("01:05");
        assert_eq!(
            alarm_states(drill.sim.events()).get("node-2-StatusCheckFailed_System"),
            Some(&true),
            "seed {seed}"
        );
        drill.act("01:30", "stop node-2");
        drill.act("03:00", "force-stop node-2");
        drill.run_to("08:00");
        assert_eq!(drill.state("node-2"), InstanceState::Stopped, "seed {seed}");
        // Stopped: no datapoints, the alarm keeps its state.
        assert_eq!(
            alarm_states(drill.sim.events()).get("node-2-StatusCheckFailed_System"),
            Some(&true),
            "seed {seed}"
        );
        drill.act("08:00", "start node-2");
        drill.run_to("20:00");
        let states = alarm_states(drill.sim.events());
        assert_eq!(
            states.get("node-2-StatusCheckFailed_System"),
            Some(&false),
            "seed {seed}"
        );
        for (name, firing) in &states {
            assert!(!firing, "seed {seed}: {name} still in ALARM: {states:?}");
        }
    }
}

// ---- The pager agrees with the console ------------------------------------------------------

#[test]
fn the_page_is_sent_from_the_first_failed_check_with_the_real_instance_id() {
    use quorum_sim::scenario::Lang;
    for (id, instance) in [
        ("seed-ami-trap", "node-1"),
        ("stuck-stopping", "node-2"),
        ("node-hang", "node-3"),
    ] {
        let mut drill = Drill::new(id, 3);
        let briefing = &drill.sim.scenario().briefing;
        for lang in [Lang::En, Lang::Ja] {
            let text = briefing.get(lang);
            // The briefing is read at 00:00, when the console still shows the checks passing.
            assert!(
                !text.contains("i-…"),
                "{id}: a placeholder instance id: {text}"
            );
            assert!(
                !text.contains("StatusCheckFailed"),
                "{id}: an alarm before any check ran: {text}"
            );
        }
        drill.finish();
        let events = drill.sim.events();
        let first_failed = events
            .iter()
            .find(|e| matches!(&e.kind, EventKind::StatusChecks { instance: i, checks } if i == instance && checks.ends_with("failed")))
            .expect("a failed check");
        let pages: Vec<_> = events
            .iter()
            .filter_map(|e| e.page(Lang::En).map(|p| (e.at_ms, p)))
            .collect();
        let (at, page) = pages.first().expect("a page");
        assert_eq!(
            *at, first_failed.at_ms,
            "{id}: paged at the first failed check: {page}"
        );
        let idx = drill.sim.instance_by_name(instance).unwrap();
        let real_id = &drill.sim.instances()[idx].id;
        assert!(
            page.contains(&format!("{instance} ({real_id})")),
            "{id}: {page}"
        );
        assert!(
            page.starts_with(&format!(
                "PAGER {} — [ALARM] search-cluster: StatusCheckFailed_",
                clock_of(*at)
            )),
            "{page}"
        );
        let ja = events.iter().find_map(|e| e.page(Lang::Ja)).unwrap();
        assert!(
            ja.contains(&format!("{instance} ({real_id})")),
            "{id}: {ja}"
        );
        assert!(!ja.contains("datapoint"), "{id}: {ja}");
        // Every page is an alarm entering ALARM; none for OK.
        assert!(events.iter().all(|e| e.page(Lang::En).is_none()
            || matches!(e.kind, EventKind::Alarm { alarm: true, .. })));
    }
}

// ---- The Mentor forecast does not understate ------------------------------------------------

#[test]
fn a_forecast_runs_until_the_outage_the_action_causes_ends_or_says_it_is_still_down() {
    use quorum_sim::scenario::Lang;
    // seed-ami-trap seed 7: reboot node-2 at 00:30 (issue 9). The real run stays down to the end.
    let mut drill = Drill::new("seed-ami-trap", 7);
    drill.run_to("00:30");
    let reboot = quorum_sim::script::parse_action(&["reboot", "node-2"]).unwrap();
    let f = drill
        .sim
        .forecast(std::slice::from_ref(&reboot), Lang::En)
        .expect("risky");
    let ja = drill
        .sim
        .forecast(std::slice::from_ref(&reboot), Lang::Ja)
        .expect("risky");
    let mut real = drill.sim.clone();
    real.apply(reboot.clone());
    real.run_until(u64::MAX);
    let mut waited = drill.sim.clone();
    waited.run_until(u64::MAX);
    let real_extra = real.metrics().outage_ms - waited.metrics().outage_ms;
    assert!(real.in_outage(), "the real run is still down at the end");
    assert_eq!(
        f.extra_outage_ms, real_extra,
        "the forecast's outage is the real one"
    );
    assert!(f.still_down_at_end, "{f:?}");
    assert_eq!(f.forecast_end_ms, real.now_ms());
    let (_, summary) = &f.warnings[0];
    let minutes = real_extra / 60_000;
    assert!(summary.contains(&format!("{minutes}+ min")), "{summary}");
    assert!(!summary.contains("about 15 min"), "{summary}");
    // Why, and the safe alternative.
    assert!(summary.contains("loses its master"), "{summary}");
    assert!(
        summary.contains("node-1"),
        "names the node already down: {summary}"
    );
    assert!(summary.contains("Wait for node-1"), "{summary}");
    let (_, ja_summary) = &ja.warnings[0];
    assert!(
        ja_summary.contains(&format!("{minutes}分以上")),
        "{ja_summary}"
    );
    assert!(ja_summary.contains("マスター"), "{ja_summary}");
    assert_eq!(
        f.why,
        vec![quorum_sim::mentor::Why::QuorumNodeAway {
            instance: "node-2".into(),
            down: vec!["node-1".into()]
        }]
    );
}

#[test]
fn a_forecast_of_create_image_without_no_reboot_says_why_and_what_is_safe() {
    use quorum_sim::scenario::Lang;
    let mut drill = Drill::new("seed-ami-trap", 1);
    drill.run_to("02:00");
    let trap = quorum_sim::script::parse_action(&["create-image", "node-2"]).unwrap();
    let f = drill
        .sim
        .forecast(std::slice::from_ref(&trap), Lang::En)
        .expect("risky");
    let mut real = drill.sim.clone();
    real.apply(trap.clone());
    real.run_until(u64::MAX);
    let mut waited = drill.sim.clone();
    waited.run_until(u64::MAX);
    assert_eq!(
        f.extra_outage_ms,
        real.metrics().outage_ms - waited.metrics().outage_ms
    );
    assert!(!f.still_down_at_end, "the outage ends within the forecast");
    let (_, summary) = &f.warnings[0];
    assert!(
        summary.contains(&format!("about {} min", f.extra_outage_ms.div_ceil(60_000))),
        "{summary}"
    );
    assert!(
        summary.contains("No reboot is unchecked, so EC2 shuts node-2 down"),
        "{summary}"
    );
    assert!(summary.contains("Tick No reboot"), "{summary}");
    let ja = drill
        .sim
        .forecast(std::slice::from_ref(&trap), Lang::Ja)
        .expect("risky");
    assert!(
        ja.warnings[0].1.contains("再起動しない"),
        "{}",
        ja.warnings[0].1
    );
}

// ---- One rule for spans and durations --------------------------------------------------------

#[test]
fn an_outage_lasts_the_difference_of_the_clocks_the_debrief_shows() {
    use quorum_sim::time::{fmt_clock, parse_clock};
    for seed in 1..=5 {
        let mut drill = Drill::new("seed-ami-trap", seed);
        drill.act("02:00", "create-image node-2");
        let report = drill.finish();
        let o = &report.outages[0];
        let text = o.span_text(report.duration_ms);
        let (start, end) = text.split_once('–').expect("start–end");
        let shown = parse_clock(end).unwrap() - parse_clock(start).unwrap();
        assert_eq!(
            o.shown_length_ms(report.duration_ms),
            shown,
            "seed {seed}: {text}"
        );
        assert_eq!(start, fmt_clock(o.start_ms));
    }
}

// ---- Branch effects: what the seed arms, met by the trainee's actions ----------------------

#[test]
fn a_bad_package_mirror_fails_the_first_setup_and_a_rerun_succeeds() {
    // node-1 never comes back, and the mirror is bad for the first setup.
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=never,setup=fails-once");
    drill.act("06:00", "launch node-4 --image base");
    drill.act("08:30", "setup node-4");
    assert_eq!(drill.refusal(), None);
    drill.run_to("10:30");
    assert!(drill.log_contains("setup failed: E: Failed to fetch"));
    assert!(drill.log_contains("Hash Sum mismatch (bad package mirror)"));
    assert!(!drill.log_contains("setup complete"));
    assert!(
        !drill.sim.api_targets().contains(&"node-4".to_string()),
        "nothing was installed"
    );
    // Re-running it works: the mirror failed only the first setup.
    drill.act("10:30", "setup node-4");
    drill.run_to("17:00");
    assert!(drill.log_contains("setup complete: datastore installed"));
    assert!(drill.log_contains("node-join: {node-4}"));
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    let setup = &report.branches[1];
    assert!(setup.happened);
    assert!(
        setup
            .outcome
            .contains("the first setup failed and had to be re-run"),
        "{}",
        setup.outcome
    );
}

#[test]
fn on_a_good_mirror_the_first_setup_succeeds() {
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=never,setup=ok");
    drill.act("06:00", "launch node-4 --image base");
    drill.act("08:30", "setup node-4");
    drill.run_to("15:00");
    assert!(!drill.log_contains("setup failed"));
    assert!(drill.log_contains("node-join: {node-4}"));
}

#[test]
fn a_reboot_that_hangs_in_fsck_keeps_the_instance_check_failing() {
    let mut drill = Drill::for_case("node-hang", "reboot=fsck");
    drill.act("06:30", "reboot node-3");
    // The hung OS ignores the reboot: hard reboot after ~4 minutes, then fsck holds the boot.
    drill.run_to("11:00");
    assert!(drill.log_contains("hard reboot"));
    assert!(drill.log_contains("systemd-fsck is checking /dev/nvme0n1p1"));
    drill.run_to("25:00");
    assert_eq!(drill.checks("node-3"), "1/3 checks failed");
    assert!(!drill.log_contains("fsck finished"));
    assert!(!drill.log_contains("node-join: {node-3}"));
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0, "the two others keep the quorum");
    assert!(report.branches[0].happened);
    assert!(
        report.branches[0]
            .outcome
            .contains("boot hung in fsck for 20:00"),
        "{}",
        report.branches[0].outcome
    );
}

#[test]
fn a_reboot_that_comes_back_rejoins_within_minutes() {
    let mut drill = Drill::for_case("node-hang", "reboot=comes-back");
    drill.act("06:30", "reboot node-3");
    drill.run_to("14:00");
    assert!(!drill.log_contains("fsck"));
    assert!(drill.log_contains("node-join: {node-3}"));
    let report = drill.finish();
    assert!(!report.branches[0].happened);
    assert!(report.branches[0]
        .outcome
        .contains("the reboot brings node-3 back"));
}

#[test]
fn a_start_that_hangs_in_fsck_fails_its_checks_then_comes_back() {
    let mut drill = Drill::for_case("stuck-stopping", "start=fsck");
    drill.act("01:30", "stop node-2");
    drill.act("03:30", "force-stop node-2");
    drill.run_to("06:00");
    assert_eq!(drill.state("node-2"), InstanceState::Stopped);
    drill.act("06:00", "start node-2");
    drill.run_to("09:30");
    assert_eq!(drill.state("node-2"), InstanceState::Running);
    assert!(drill.log_contains("systemd-fsck is checking"));
    assert_eq!(
        drill.checks("node-2"),
        "1/3 checks failed",
        "the instance check fails"
    );
    drill.run_to("24:00");
    assert!(!drill.log_contains("node-join: {node-2}"));
    // 20 minutes of fsck on top of the boot: back before 29:00.
    drill.run_to("29:00");
    assert!(drill.log_contains("fsck finished"));
    assert!(drill.log_contains("node-join: {node-2}"));
    assert_eq!(drill.checks("node-2"), "3/3 checks passed");
}

#[test]
fn a_slow_image_stays_pending_and_cannot_be_launched_until_available() {
    // A variant of the founding scenario (without its proofs: its cases change) where images
    // take 25 minutes.
    let founding = quorum_sim::scenario::BUILTIN_SOURCES[1].1;
    let founding = &founding[..founding.find("\n# ---- Proofs").expect("proofs section")];
    let source = founding.replacen(
        "[[messages]]",
        "[[branch_points]]\nid = \"image\"\nlabel = { en = \"How long do images take?\" }\n\
         [[branch_points.options]]\nid = \"slow\"\nweight = 1\nlabel = { en = \"images take 25 minutes\" }\n\
         effect = { kind = \"image-slow\", pending = \"25:00\" }\n\
         [[branch_points.options]]\nid = \"usual\"\nweight = 1\nlabel = { en = \"images take the usual minutes\" }\n\n[[messages]]",
        1,
    );
    let scenario = quorum_sim::scenario::parse(&source).expect("variant parses");
    let case = scenario
        .branch_cases()
        .into_iter()
        .find(|c| c.id.ends_with("image=slow"))
        .unwrap()
        .id;
    let seed = scenario.seed_for_case(&case, 0, 1_000).unwrap();
    let mut drill = Drill::from_scenario(&scenario, seed);
    drill.act("02:00", "create-image node-2 --no-reboot --name n2");
    drill.act("20:00", "launch node-4 --image n2");
    assert!(
        drill
            .refusal()
            .unwrap()
            .contains("InvalidAMIID.Unavailable: image n2"),
        "{:?}",
        drill.refusal()
    );
    assert_eq!(
        drill.sim.images()[0].state,
        quorum_sim::model::ImageState::Pending
    );
    drill.run_to("27:00");
    assert_eq!(
        drill.sim.images()[0].state,
        quorum_sim::model::ImageState::Available
    );
    let report = drill.finish();
    let reveal = report.branches.iter().find(|b| b.id == "image").unwrap();
    assert!(reveal.happened);
    assert_eq!(reveal.outcome, "new images took 25:00 to become available");
}

// ---- Issue 11's scenario pack ---------------------------------------------------------------

#[test]
fn a_scheduled_retirement_takes_the_old_host_and_spares_a_node_moved_off_it() {
    // node-2 is stopped and started (new hardware) before the 25:00 deadline; node-3 is only
    // rebooted, which keeps it on its host. At the deadline only node-3 goes away.
    let seed = common::seed_for("scheduled-retirement", "start=boots", 0);
    let mut drill = Drill::new("scheduled-retirement", seed);
    // The runbook's way, so that each node's copies come back by an operations-based
    // recovery: replicas held, a flush, then the node.
    drill.act("00:30", "allocation primaries");
    drill.act("00:40", "flush");
    drill.act("00:50", "stop node-2");
    drill.run_to("02:00");
    assert_eq!(drill.state("node-2"), InstanceState::Stopped);
    drill.act("02:00", "start node-2");
    drill.run_to("05:00");
    assert!(drill.log_contains("node-join: {node-2}"));
    drill.act("05:10", "allocation all");
    drill.run_to("06:00");
    assert_eq!(drill.health(), Health::Green);
    drill.act("06:10", "allocation primaries");
    drill.act("06:20", "flush");
    drill.act("06:30", "reboot node-3");
    drill.run_to("11:00");
    drill.act("11:10", "allocation all");
    drill.run_to("24:59");
    assert_eq!(
        drill.health(),
        Health::Green,
        "both back before the deadline"
    );
    drill.run_to("25:31");
    assert!(drill.log_contains("EC2 retired the host under node-3"));
    assert!(!drill.log_contains("EC2 retired the host under node-2"));
    assert!(drill.log_contains("node-left: {node-3}"));
    assert_eq!(
        drill.health(),
        Health::Yellow,
        "node-1 and node-2 still serve"
    );
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0, "one of three lost: the quorum holds");
}

#[test]
fn rebooting_both_retiring_nodes_leaves_them_on_their_hosts_and_the_deadline_takes_the_quorum() {
    let mut drill = Drill::new("scheduled-retirement", 1);
    drill.act("01:00", "reboot node-2");
    drill.act("08:00", "reboot node-3");
    drill.run_to("24:59");
    assert_eq!(drill.health(), Health::Green);
    drill.run_to("25:40");
    assert!(drill.log_contains("EC2 retired the host under node-2"));
    assert!(drill.log_contains("EC2 retired the host under node-3"));
    assert_eq!(drill.master(), None, "two of three voters gone");
    let report = drill.finish();
    assert!(report.outage_ms > 0);
}

#[test]
fn two_reboots_at_once_in_a_rolling_restart_lose_the_quorum_and_one_at_a_time_does_not() {
    let mut drill = Drill::new("rolling-restart", 1);
    drill.act("00:30", "reboot node-2");
    drill.act("00:30", "reboot node-3");
    drill.run_to("00:31");
    assert_eq!(drill.master(), None);
    assert!(drill.finish().outage_ms > 0);

    let mut drill = Drill::new("rolling-restart", 1);
    drill.act("00:30", "allocation primaries");
    drill.act("00:40", "reboot node-3");
    drill.run_to("04:00");
    assert!(drill.log_contains("node-join: {node-3}"));
    drill.act("04:00", "allocation all");
    drill.run_to("05:00");
    assert_eq!(
        drill.health(),
        Health::Green,
        "an operations-based recovery: seconds"
    );
    assert_eq!(drill.finish().outage_ms, 0);
}

#[test]
fn terminating_the_healthy_look_alike_deletes_the_only_copies_and_the_quorum() {
    let seed = common::seed_for("wrong-instance", "failed=search-01", 0);
    let mut drill = Drill::new("wrong-instance", seed);
    drill.run_to("02:20");
    assert!(drill.log_contains("EC2 [search-01]: automatic recovery failed"));
    assert!(!drill.log_contains("EC2 [search-10]: automatic recovery failed"));
    drill.act("02:30", "terminate search-10");
    drill.run_to("05:00");
    assert_eq!(drill.master(), None);
    let report = drill.finish();
    assert!(report.outage_ms > 0);
    assert!(report
        .penalties
        .iter()
        .any(|p| p.reason.contains("only copy")));
}

#[test]
fn a_node_that_rejoined_under_allocation_primaries_is_not_green_and_the_next_reboot_goes_red() {
    let seed = common::seed_for("joined-not-green", "fsck=clean", 0);
    let mut drill = Drill::new("joined-not-green", seed);
    drill.act("00:30", "allocation primaries");
    drill.act("00:50", "reboot node-3");
    drill.run_to("04:00");
    assert!(drill.log_contains("node-join: {node-3}"));
    assert_eq!(
        drill.health(),
        Health::Yellow,
        "its replicas wait for allocation all"
    );
    drill.act("04:10", "reboot node-2");
    drill.run_to("04:11");
    assert_eq!(
        drill.health(),
        Health::Red,
        "a shard's only started copy was on node-2"
    );
    assert!(
        drill.master().is_some(),
        "the quorum holds: node-1 and node-3"
    );
    assert!(drill.finish().outage_ms > 0);
}

// ---- Objectives: the work a planned drill is for ---------------------------------------------

#[test]
fn a_rolling_restart_that_reboots_one_node_and_stops_and_starts_the_other_meets_its_objective() {
    let mut drill = Drill::for_case("rolling-restart", "fsck=clean");
    drill.act("00:30", "allocation primaries");
    drill.act("00:40", "flush");
    drill.act("00:50", "reboot node-3");
    drill.run_to("04:00");
    // Half done, and the deadline (40:00) is far: nothing is charged yet.
    let so_far = drill.sim.report().objective.expect("an objective");
    assert!(!so_far.met);
    assert_eq!(so_far.missing, ["node-2"]);
    assert_eq!(so_far.points, 0);
    drill.act("04:10", "allocation all");
    drill.run_to("06:00");
    assert_eq!(drill.health(), Health::Green);
    // A stop and start boots the OS too: the new kernel is loaded.
    drill.act("06:00", "allocation primaries");
    drill.act("06:10", "flush");
    drill.act("06:20", "stop node-2");
    drill.run_to("08:00");
    assert_eq!(drill.state("node-2"), InstanceState::Stopped);
    drill.act("08:00", "start node-2");
    drill.act("12:00", "allocation all");
    let report = drill.finish();
    let objective = report.objective.as_ref().unwrap();
    assert!(objective.met, "{objective:?}");
    assert_eq!(report.breakdown.objective_points, 0);
    assert_eq!(
        objective.text(Lang::En),
        "Objective met: Reboot node-2 and node-3 onto the new kernel by 40:00."
    );
    assert!(objective
        .text(Lang::Ja)
        .starts_with("目標達成: 40:00 までに"));
}

#[test]
fn a_rolling_restart_that_stops_after_one_node_leaves_half_its_objective_undone() {
    let mut drill = Drill::for_case("rolling-restart", "fsck=clean");
    drill.act("00:30", "allocation primaries");
    drill.act("00:40", "flush");
    drill.act("00:50", "reboot node-3");
    drill.act("04:10", "allocation all");
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    let objective = report.objective.as_ref().unwrap();
    assert!(!objective.met);
    assert_eq!(objective.missing, ["node-2"]);
    // Half the objective undone: half its points.
    assert_eq!(report.breakdown.objective_points, 1_250);
    assert_eq!(objective.points, 1_250);
    assert!(report.score < 9_000, "{}", report.score);
    assert_eq!(
        objective.text(Lang::En),
        "Objective not met by 40:00: Reboot node-2 and node-3 onto the new kernel by 40:00. (not done: node-2; −1250 points)"
    );
    assert!(objective
        .text(Lang::Ja)
        .contains("未完了: node-2、−1250 点"));
}

#[test]
fn a_scale_down_one_node_at_a_time_meets_its_objective() {
    let mut drill = Drill::for_case("scale-down", "night=quiet");
    drill.act("01:00", "terminate node-5");
    drill.run_to("07:00");
    assert_eq!(drill.health(), Health::Green);
    drill.act("07:10", "terminate node-4");
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    let objective = report.objective.as_ref().unwrap();
    assert!(objective.met, "{objective:?}");
    assert_eq!(report.breakdown.objective_points, 0);
    assert!(objective
        .text(Lang::En)
        .starts_with("Objective met: Terminate node-4"));
}

#[test]
fn a_scale_down_finished_after_its_deadline_does_not_meet_its_objective() {
    let mut drill = Drill::for_case("scale-down", "night=quiet");
    drill.act("01:00", "terminate node-5");
    // node-4 only after the 35:00 deadline: finance's day is over.
    drill.act("36:00", "terminate node-4");
    let report = drill.finish();
    assert_eq!(drill.state("node-4"), InstanceState::Terminated);
    let objective = report.objective.as_ref().unwrap();
    assert!(!objective.met);
    assert_eq!(objective.missing, ["node-4"]);
    assert_eq!(report.breakdown.objective_points, 1_250);
}

// ---- Team drills: the game master's injected faults (issue 14) ----------------------------

#[test]
fn a_game_masters_injected_host_failure_takes_a_second_node_and_stays_in_the_replay() {
    // seed-ami-trap declares host failures: the game master fails node-2's host as well.
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=late");
    drill.act("05:00", "inject host-failure node-2");
    assert_eq!(drill.refusal(), None, "a declared fault kind is accepted");
    drill.run_to("05:40");
    assert!(
        drill.log_contains("node-left: {node-2}"),
        "node-2 drops out of the cluster like node-1 did"
    );
    // The injection is an action of the log: the replay re-runs to the same outcome.
    let actions = drill.sim.actions().to_vec();
    assert!(matches!(
        actions[0].action,
        quorum_sim::Action::Inject { .. }
    ));
    let seed = drill.sim.seed();
    let live = drill.finish();
    let replayed = quorum_sim::run(
        quorum_sim::scenario::builtin("seed-ami-trap").unwrap(),
        seed,
        &actions,
    );
    assert_eq!(live.score, replayed.score);
    assert_eq!(live.outage_ms, replayed.outage_ms);
    assert!(live.outage_ms > 0, "two of three nodes gone: no quorum");
}

#[test]
fn a_fault_kind_the_scenario_does_not_declare_is_refused_with_its_reason() {
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=early");
    assert!(!drill
        .sim
        .injectable_faults()
        .contains(&quorum_sim::scenario::FaultKind::DiskFill));
    drill.act("02:00", "inject disk-fill node-2");
    let reason = drill.refusal().expect("refused");
    assert!(
        reason.contains("declares no disk-fill fault"),
        "the reason says why: {reason}"
    );
    // An armed kind (a branch's effect met by an action) is not a live injection either.
    drill.act("02:10", "inject mirror-failure node-2");
    assert!(drill
        .refusal()
        .unwrap()
        .contains("declares no mirror-failure"));
    // A declared kind on an instance it cannot change does nothing, and says so.
    drill.act("02:20", "inject host-recovery node-3");
    assert!(drill.refusal().unwrap().contains("finds nothing to act on"));
    assert_eq!(
        drill.health(),
        Health::Yellow,
        "nothing changed the cluster"
    );
}
