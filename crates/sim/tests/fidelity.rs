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
    assert_eq!(drill.voting(), [master.clone()]);
    assert_eq!(responses(&drill), [(200, String::new())]);
    // The trap: the master is now a single point of failure.
    drill.act("02:00", &format!("stop {master}"));
    drill.run_to("06:00");
    assert_eq!(
        drill.health(),
        Health::NoMaster,
        "the other two cannot elect"
    );
    assert!(drill.log_contains("master not discovered or elected yet"));
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
