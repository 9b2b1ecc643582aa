#![cfg(not(target_arch = "wasm32"))]
//! Fidelity stories (issue 11): places where the simulator once taught something untrue,
//! each set up → inject → act → assert against what Elasticsearch and EC2 really do
//! (`../shared/docs/fidelity.md`).

mod common;

use common::Drill;
use quorum_sim::event::{EventKind, Health};

/// The API responses so far: (status, body), in order.
fn responses(drill: &Drill) -> Vec<(u16, String)> {
    drill
        .events("api_response")
        .iter()
        .map(|e| match &e.kind {
            EventKind::ApiResponse { status, body, .. } => (*status, body.clone()),
            _ => unreachable!(),
        })
        .collect()
}

/// The sandbox's nodes other than the master, in order.
fn others(drill: &Drill) -> Vec<String> {
    let master = drill.master().expect("a master");
    ["node-1", "node-2", "node-3"]
        .into_iter()
        .filter(|n| *n != master)
        .map(String::from)
        .collect()
}

// ---- Voting configuration after exclusions ----------------------------------------------

#[test]
fn excluding_one_node_of_three_leaves_the_master_voting_alone() {
    let mut drill = Drill::new("sandbox", 1);
    drill.run_to("01:00");
    let master = drill.master().unwrap();
    let other = others(&drill)[0].clone();
    drill.act("01:00", &format!("voting-exclude {other}"));
    drill.run_to("01:01");
    // Two non-excluded voters remain: fewer than 3, so the configuration shrinks to 1.
    assert_eq!(drill.voting(), std::slice::from_ref(&master));
    assert_eq!(responses(&drill), [(200, String::new())]);
    // The trap: the master is now a single point of failure.
    drill.act("02:00", &format!("stop {master}"));
    drill.run_to("06:00");
    assert_eq!(
        drill.health(),
        Health::NoMaster,
        "the other two cannot elect"
    );
    assert!(drill.log_contains("an election requires a node with id ["));
}

#[test]
fn an_excluded_master_abdicates_to_another_node() {
    let mut drill = Drill::new("sandbox", 2);
    drill.run_to("01:00");
    let master = drill.master().unwrap();
    drill.act("01:00", &format!("voting-exclude {master}"));
    drill.run_to("01:03");
    assert!(
        drill.log_contains("becoming candidate: after abdicating to"),
        "the excluded master steps down"
    );
    let now = drill.master().expect("another node is elected");
    assert_ne!(now, master);
    assert_eq!(drill.voting(), [now]);
}

#[test]
fn clearing_exclusions_waits_for_the_excluded_node_to_leave_and_times_out_when_it_stays() {
    let mut drill = Drill::new("sandbox", 1);
    drill.run_to("01:00");
    let other = others(&drill)[0].clone();
    drill.act("01:00", &format!("voting-exclude {other}"));
    drill.act("01:10", "voting-clear");
    drill.run_to("01:39");
    assert_eq!(
        responses(&drill).len(),
        1,
        "DELETE waits for {other} to leave"
    );
    drill.run_to("01:41");
    let (status, body) = responses(&drill)[1].clone();
    assert_eq!(status, 429);
    assert!(body.contains("timeout_exception"), "{body}");
    assert!(
        body.contains("timed out waiting for removal of nodes; if nodes should not be removed, set waitForRemoval to false. [{"),
        "{body}"
    );
    assert_eq!(
        drill.sim.main_cluster().exclusions.len(),
        1,
        "still excluded"
    );
    // Once the node has left, the same call clears them.
    drill.act("02:00", &format!("stop {other}"));
    drill.act("03:00", "voting-clear");
    drill.run_to("03:01");
    assert_eq!(responses(&drill)[2], (200, String::new()));
    assert!(drill.sim.main_cluster().exclusions.is_empty());
}

#[test]
fn adding_exclusions_waits_for_the_reconfiguration_and_times_out_when_it_cannot_happen() {
    // sandbox: stop one node, then exclude the other two: the only voter left is away, so no
    // configuration with a live quorum exists and the POST never sees its exclusions apply.
    let mut drill = Drill::new("sandbox", 1);
    drill.run_to("00:10");
    let others = others(&drill);
    let master = drill.master().unwrap();
    drill.act("00:10", &format!("stop {}", others[0]));
    drill.act("02:00", &format!("voting-exclude {master},{}", others[1]));
    drill.run_to("02:29");
    assert!(
        responses(&drill).is_empty(),
        "POST waits for the reconfiguration"
    );
    drill.run_to("02:31");
    let (status, body) = responses(&drill)[0].clone();
    assert_eq!(status, 429, "{body}");
    assert!(
        body.contains("timed out waiting for voting config exclusions [{"),
        "{body}"
    );
}

#[test]
fn too_many_voting_exclusions_are_refused_with_the_real_counts() {
    let mut drill = Drill::new("sandbox", 1);
    drill.act("00:10", "voting-exclude a,b,c,d,e,f,g,h,i,j,k");
    drill.run_to("00:11");
    let (status, body) = responses(&drill)[0].clone();
    assert_eq!(status, 400);
    assert!(
        body.contains(
            "would add [11] exclusions to the existing [0] which would exceed the maximum of [10]"
        ),
        "{body}"
    );
}

// ---- Traffic: reads, writes and the web app's client ------------------------------------

/// Failed reads, failed writes and the worst p99 over the samples in `[from, to)`.
fn window(drill: &Drill, from: &str, to: &str) -> (u32, u32, u32, u32) {
    let (from, to) = (common::clock(from), common::clock(to));
    let mut out = (0, 0, 0, 0);
    for s in drill.sim.samples() {
        if s.at_ms > from && s.at_ms <= to {
            out.0 += s.failed_reads;
            out.1 += s.failed_writes;
            out.2 = out.2.max(s.p99_ms);
            out.3 += s.ok;
        }
    }
    out
}

#[test]
fn reads_without_a_master_are_served_from_the_last_known_state() {
    // sandbox: one node stopped, the cluster rebuilt green on two; then the second goes:
    // the master alone is no quorum, but it holds a copy of every shard.
    let mut drill = Drill::new("sandbox", 1);
    drill.run_to("00:10");
    let others = others(&drill);
    drill.act("00:10", &format!("stop {}", others[0]));
    drill.run_to("13:00");
    assert_eq!(drill.health(), Health::Green);
    drill.act("13:00", &format!("stop {}", others[1]));
    drill.run_to("13:40");
    assert_eq!(drill.health(), Health::NoMaster);
    let (failed_reads, failed_writes, _, ok) = window(&drill, "13:15", "13:40");
    assert_eq!(failed_reads, 0, "searches run on the last known state");
    assert!(ok > 2_000, "{ok}");
    assert!(failed_writes > 500, "writes are blocked: {failed_writes}");
}

#[test]
fn a_search_that_cannot_reach_one_copy_tries_another() {
    // node-hang: node-3's OS hangs at 05:00; every shard still has a copy elsewhere.
    let mut drill = Drill::new("node-hang", 1);
    drill.run_to("05:25");
    assert_eq!(drill.sim.main_cluster().members.len(), 3, "still a member");
    let (failed_reads, ..) = window(&drill, "05:10", "05:25");
    assert_eq!(
        failed_reads, 0,
        "the client gave up on node-3; the others answer every search"
    );
}

#[test]
fn the_client_retries_another_node_after_a_refused_connection() {
    let mut drill = Drill::new("sandbox", 4);
    let node = others(&drill)[0].clone();
    drill.act("01:00", &format!("reboot {node}"));
    drill.run_to("01:30");
    let (failed_reads, failed_writes, ..) = window(&drill, "01:00", "01:30");
    assert_eq!((failed_reads, failed_writes), (0, 0));
}
#[test]
fn writes_to_every_shard_with_a_copy_on_a_silent_node_stall_until_it_leaves() {
    // node-hang: node-3 holds copies of shards 1 and 2; for ~30 s it is still a member and
    // every write to those shards waits for it, until the app's client times out.
    let mut drill = Drill::new("node-hang", 1);
    drill.run_to("05:45");
    let (_, failed_writes, p99, ok) = window(&drill, "05:10", "05:25");
    assert!(
        failed_writes >= 300,
        "two shards of three stall for 15 s (~40 writes/s): {failed_writes}"
    );
    assert!(ok > 2_000, "reads go on: {ok}");
    assert_eq!(p99, 5_000, "the client's timeout");
    let (_, after, ..) = window(&drill, "05:37", "05:45");
    assert_eq!(
        after, 0,
        "node-3 removed: its replicas promoted, writes flow"
    );
}

#[test]
fn a_write_under_the_no_master_block_waits_for_the_election() {
    // Rebooting the master: the other two elect within a second; the writes of that second
    // wait for the new master instead of failing.
    for seed in 1..=5 {
        let mut drill = Drill::new("sandbox", seed);
        let master = drill.master().unwrap();
        drill.act("01:00", &format!("reboot {master}"));
        drill.run_to("01:30");
        assert!(drill.log_contains("elected-as-master"), "seed {seed}");
        let (failed_reads, failed_writes, ..) = window(&drill, "01:00", "01:30");
        assert_eq!((failed_reads, failed_writes), (0, 0), "seed {seed}");
    }
}

// ---- EC2 --------------------------------------------------------------------------------

#[test]
fn an_instance_stuck_in_stopping_is_imaged_with_no_reboot_and_its_copy_rejoins_as_that_node() {
    // stuck-stopping: node-2's host failed at 00:00; a stop hangs in `stopping`. AWS's way
    // out: an image with No reboot, an instance from it, the stuck one terminated.
    let mut drill = Drill::new("stuck-stopping", 1);
    drill.act("02:00", "stop node-2");
    drill.run_to("03:00");
    assert_eq!(
        drill.state("node-2"),
        quorum_sim::event::InstanceState::Stopping
    );
    drill.act("03:00", "create-image node-2 --name n2-stuck");
    assert!(
        drill
            .refusal()
            .is_some_and(|r| r.contains("with No reboot from a stopping one")),
        "{:?}",
        drill.refusal()
    );
    drill.act("03:00", "create-image node-2 --no-reboot --name n2-rescue");
    assert_eq!(
        drill.events("action_refused").len(),
        1,
        "{:?}",
        drill.refusal()
    );
    drill.run_to("19:00");
    assert_eq!(
        drill.sim.images()[0].state,
        quorum_sim::model::ImageState::Available
    );
    drill.act("19:00", "launch node-4 --image n2-rescue");
    drill.act("19:00", "terminate node-2");
    drill.run_to("24:00");
    let node2_id = drill
        .events("node_joined")
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::NodeJoined { node, node_id, .. } if node == "node-4" => {
                Some(node_id.clone())
            }
            _ => None,
        })
        .expect("node-4 joins");
    let original = drill.sim.images()[0].volume.node;
    assert_eq!(
        Some(node2_id.as_str()),
        original.map(|k| drill.sim.node_id(k)),
        "as node-2's identity, with its stale data"
    );
    assert!(drill.events("join_rejected").is_empty());
    let report = drill.finish();
    assert!(
        report.penalties.is_empty(),
        "no penalty for the documented way out: {:?}",
        report.penalties
    );
    assert_eq!(report.outage_ms, 0);
}

#[test]
fn a_nitro_instance_shows_three_status_checks() {
    // m5.xlarge is a Nitro type: system, instance and attached-EBS checks.
    let mut drill = Drill::new("node-hang", 1);
    assert_eq!(drill.sim.instances()[0].instance_type, "m5.xlarge");
    assert_eq!(drill.sim.instances()[0].checks.label(), "3/3 checks passed");
    drill.run_to("06:01");
    assert!(drill.log_contains("node-3 status checks: 1/3 checks failed"));
    assert_eq!(
        quorum_sim::model::Checks::count_for("m4.large"),
        2,
        "a Xen type has two"
    );
}

// ---- Allocation -------------------------------------------------------------------------

#[test]
fn allocation_new_primaries_leaves_an_existing_unassigned_primary_unassigned() {
    // sandbox: the master votes alone (both others excluded), then both others stop: the
    // shard whose two copies they held has no copy left (red). One comes back with its
    // in-sync copy; `new_primaries` allocates primaries of new indices only.
    let mut drill = Drill::new("sandbox", 1);
    drill.run_to("00:10");
    let others = others(&drill);
    drill.act(
        "00:10",
        &format!("voting-exclude {},{}", others[0], others[1]),
    );
    drill.act("00:20", "allocation new_primaries");
    drill.act("00:30", &format!("stop {}", others[0]));
    drill.act("00:40", &format!("stop {}", others[1]));
    drill.run_to("03:00");
    assert_eq!(drill.health(), Health::Red);
    drill.act("03:00", &format!("start {}", others[1]));
    drill.run_to("08:00");
    assert_eq!(
        drill.sim.main_cluster().members.len(),
        2,
        "{} is back",
        others[1]
    );
    assert_eq!(
        drill.health(),
        Health::Red,
        "the existing primary stays unassigned"
    );
    drill.act("08:00", "allocation primaries");
    drill.run_to("08:30");
    assert_ne!(drill.health(), Health::Red, "primaries: it is allocated");
}
#[test]
fn a_returning_node_cancels_a_file_rebuild_only_when_it_has_every_operation() {
    // seed-ami-trap: node-1's host fails at 00:00 and, on some seeds, EC2 recovers it while
    // its copies are being rebuilt elsewhere. With writes flowing its copies lack the newer
    // operations: no no-op recovery, so the rebuild goes on.
    let mut seen = 0;
    for seed in 0..40 {
        let mut drill = Drill::new("seed-ami-trap", seed);
        drill.run_to("20:00");
        let rebuilding_when_back = drill.events("node_joined").iter().any(|j| {
            drill.events("recovery_started").iter().any(|r| {
                matches!(&r.kind, EventKind::RecoveryStarted { recovery, .. }
                    if *recovery == quorum_sim::event::RecoveryKind::FileBased)
                    && r.at_ms < j.at_ms
            })
        });
        if !rebuilding_when_back {
            continue;
        }
        seen += 1;
        assert!(
            !drill.log_contains("cancelled: a copy that can do a no-op recovery returned"),
            "seed {seed}: writes kept flowing, the returning copies are behind"
        );
    }
    assert!(seen > 0, "some seeds bring node-1 back during a rebuild");
}

// ---- A full disk ------------------------------------------------------------------------

#[test]
fn a_full_disk_fails_the_nodes_health_check_and_it_leaves_the_cluster() {
    // disk-full: node-2's runaway log fills its volume to 100% before 12:00.
    let mut drill = Drill::new("disk-full", 1);
    drill.run_to("12:01");
    assert!(drill.log_contains("health check of [/var/lib/elasticsearch] failed"));
    assert!(
        drill.log_contains("node-left: {node-2}, reason: health check failed"),
        "the master removes the unhealthy node"
    );
    let cluster = drill.sim.main_cluster();
    assert_eq!(cluster.members.len(), 2);
    let node2 = drill.sim.instances()[1]
        .volume
        .as_ref()
        .unwrap()
        .node
        .unwrap();
    assert!(
        cluster.shards.iter().all(|s| !s.holds(node2)),
        "its shard copies failed"
    );
    // Freed, the next check passes and it joins again.
    drill.act("12:10", "clean-logs node-2");
    drill.run_to("14:30");
    assert!(drill.log_contains("health check of [/var/lib/elasticsearch] succeeded"));
    assert_eq!(drill.sim.main_cluster().members.len(), 3);
}

// ---- Log texts as Elasticsearch writes them ---------------------------------------------

#[test]
fn join_rejections_and_election_warnings_read_as_elasticsearch_writes_them() {
    // A clone of node-2's disk while node-2 is alive: the duplicate id is refused.
    let mut drill = Drill::new("seed-ami-trap", 1);
    drill.act("02:00", "create-image node-2 --no-reboot --name n2-clone");
    drill.run_to("18:00");
    drill.act("18:00", "launch node-4 --image n2-clone");
    drill.run_to("22:00");
    let EventKind::JoinRejected { reason, .. } = &drill.events("join_rejected")[0].kind else {
        unreachable!()
    };
    assert!(reason.starts_with("can't add node {node-4}{"), "{reason}");
    assert!(
        reason.contains(", found existing node {node-2}{"),
        "{reason}"
    );
    assert!(
        reason.ends_with("with the same id but is a different node instance"),
        "{reason}"
    );
    // The trap: without a quorum, every node logs what the election needs, by node id.
    let mut trap = Drill::new("seed-ami-trap", 1);
    trap.act("02:00", "create-image node-2");
    trap.run_to("02:40");
    let ids: Vec<String> = trap
        .sim
        .main_cluster()
        .voting
        .iter()
        .map(|k| trap.sim.node_id(*k).to_string())
        .collect();
    let expected = format!(
        "master not discovered or elected yet, an election requires at least 2 nodes with ids from [{}], have only discovered non-quorum [{{node-3}}{{",
        ids.join(", ")
    );
    assert!(trap.log_contains(&expected), "{expected}");
}

#[test]
fn modify_volume_grows_the_volume_not_the_file_system() {
    // disk-full: node-2's runaway log is filling its 100 GiB volume.
    let mut drill = Drill::new("disk-full", 1);
    drill.act("03:00", "resize-volume node-2 --gib 200");
    drill.run_to("10:01");
    assert!(drill.log_contains("the file system is still 100 GiB"));
    let volume = drill.sim.instances()[1].volume.clone().unwrap();
    assert_eq!(
        volume.capacity_gib(),
        200,
        "the console shows the new volume size"
    );
    assert_eq!(
        volume.capacity_bytes,
        100 * 1024 * 1024 * 1024,
        "df does not"
    );
    assert!(
        drill.log_contains("low disk watermark [85%] exceeded on"),
        "the extra space is unused until the file system is extended"
    );
    drill.act("10:01", "grow-filesystem node-2");
    drill.run_to("11:00");
    assert!(drill.log_contains("the file system is now 200 GiB"));
    assert!(drill.log_contains("low disk watermark [85%] no longer exceeded"));
    drill.act("11:00", "grow-filesystem node-2");
    assert!(
        drill.refusal().is_some_and(|r| r.starts_with("NOCHANGE")),
        "{:?}",
        drill.refusal()
    );
}

#[test]
fn stop_and_terminate_can_skip_the_os_shutdown() {
    // A clean stop closes the datastore's connections: the master notices at once. Skipping
    // the OS shutdown powers the instance off: the master notices only by timeouts.
    let mut drill = Drill::new("sandbox", 4);
    let [a, b] = [others(&drill)[0].clone(), others(&drill)[1].clone()];
    drill.act("01:00", &format!("stop {a} --skip-os-shutdown"));
    assert_eq!(
        drill.events("action_refused").len(),
        0,
        "{:?}",
        drill.refusal()
    );
    assert!(drill.log_contains("stop requested, skipping the OS shutdown"));
    drill.run_to("01:20");
    assert_eq!(drill.sim.main_cluster().members.len(), 3, "still a member");
    assert_eq!(drill.state(&a), quorum_sim::event::InstanceState::Stopped);
    drill.run_to("01:35");
    assert!(drill.log_contains(&format!(
        "node-left: {{{a}}}, reason: followers check retry count exceeded"
    )));
    drill.act("10:00", &format!("terminate {b} --skip-os-shutdown"));
    assert!(drill.log_contains("terminate requested, skipping the OS shutdown"));
}

#[test]
fn force_terminate_is_offered_while_an_instance_is_shutting_down() {
    use quorum_sim::offers::ConsoleAction;
    // stuck-stopping: node-2's host has failed; terminating it leaves it in shutting-down.
    let mut drill = Drill::new("stuck-stopping", 1);
    let node2 = drill.sim.instance_by_name("node-2").unwrap();
    assert!(!drill
        .sim
        .offers(&[node2])
        .offered(ConsoleAction::ForceTerminate));
    drill.act("01:00", "force-terminate node-2");
    assert!(drill.refusal().is_some_and(
        |r| r.contains("Force terminate is only available while the instance is shutting down")
    ));
    drill.act("01:00", "terminate node-2");
    assert_eq!(
        drill.state("node-2"),
        quorum_sim::event::InstanceState::ShuttingDown
    );
    assert!(drill
        .sim
        .offers(&[node2])
        .offered(ConsoleAction::ForceTerminate));
    drill.act("01:10", "force-terminate node-2");
    assert!(drill.log_contains("force terminate requested"));
    drill.run_to("03:11");
    assert_eq!(
        drill.state("node-2"),
        quorum_sim::event::InstanceState::Terminated
    );
}

// ---- _cat/shards during a relocation ------------------------------------------------------

#[test]
fn a_relocating_primary_is_listed_as_elasticsearch_lists_it() {
    // Set up: node-1 never comes back; node-4 replaces it and the cluster rebalances onto it.
    let mut drill = Drill::for_case("seed-ami-trap", "recovery=never,setup=ok");
    drill.act("06:10", "launch node-4 --image base");
    drill.act("08:30", "setup node-4");
    // Act: GET _cat/shards?v every 20 s until a copy is moving.
    let mut listing = None;
    for second in (9 * 60..30 * 60).step_by(20) {
        drill.act(&quorum_sim::time::fmt_clock(second * 1000), "cat-shards");
        drill.run_to(&quorum_sim::time::fmt_clock((second + 5) * 1000));
        let (_, body) = responses(&drill).pop().expect("an answer within 5 s");
        if body.contains("RELOCATING") {
            listing = Some(body);
            break;
        }
    }
    let body = listing.expect("the cluster rebalances onto node-4");
    // Assert: the source names where it goes (address, node id, name) and the target is
    // the same kind of copy as its source, as Elasticsearch's _cat/shards lists them.
    for row in body.lines().filter(|l| l.contains("RELOCATING")) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let (shard, prirep) = (cols[1], cols[2]);
        let arrow = cols.iter().position(|c| *c == "->").expect(row);
        assert_eq!(cols.len(), arrow + 4, "node -> ip id name: {row}");
        assert!(cols[arrow + 1].starts_with("10.0."), "{row}");
        let target = cols[arrow + 3];
        let initializing = body
            .lines()
            .find(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                c.get(1) == Some(&shard) && c.get(3) == Some(&"INITIALIZING") && l.contains(target)
            })
            .unwrap_or_else(|| {
                panic!("no INITIALIZING copy of shard {shard} on {target}:\n{body}")
            });
        assert_eq!(
            initializing.split_whitespace().nth(2),
            Some(prirep),
            "the target of a relocating {prirep} copy:\n{body}"
        );
    }
}
