//! A run's identity on the leaderboard: `replay::canonical_hash`. Replays that differ only
//! by what cannot change the drill (a wait, a refused action, a read-only API call, an EC2
//! describe, the play
//! mode, a claimed score) are one run; a different accepted action or seed is another.

use quorum_sim::replay::{self, PlayMode};
use quorum_sim::{scenario, Action, ApiRequest, Replay, TimedAction};

fn at(s: u64, action: Action) -> TimedAction {
    TimedAction {
        at_ms: s * 1000,
        action,
    }
}

fn image(no_reboot: bool) -> Action {
    Action::CreateImage {
        instance: "node-2".into(),
        name: None,
        description: None,
        no_reboot,
    }
}

fn hash(seed: u64, actions: Vec<TimedAction>) -> String {
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let replay = Replay::new(scenario, seed, actions).with_mode(PlayMode::Exam);
    replay::verify_canonical(&replay).unwrap().canonical_hash
}

#[test]
fn a_replay_varied_by_a_no_op_is_the_same_run() {
    let base = hash(1, vec![at(120, image(false))]);
    let with_wait = hash(1, vec![at(60, Action::Wait), at(120, image(false))]);
    let with_read = hash(
        1,
        vec![
            at(
                30,
                Action::Api {
                    via: None,
                    request: ApiRequest::ClusterHealth,
                },
            ),
            at(120, image(false)),
        ],
    );
    // Refused: there is no node-9.
    let with_refused = hash(
        1,
        vec![
            at(
                90,
                Action::Reboot {
                    instance: "node-9".into(),
                },
            ),
            at(120, image(false)),
        ],
    );
    // An EC2 read made with the real tools (`drill live`).
    let with_describe = hash(
        1,
        vec![
            at(
                45,
                Action::Describe {
                    call: "DescribeInstanceStatus".into(),
                },
            ),
            at(120, image(false)),
        ],
    );
    assert_eq!(with_wait, base);
    assert_eq!(with_read, base);
    assert_eq!(with_refused, base);
    assert_eq!(with_describe, base);

    // The play mode and a claimed score do not make another run either.
    let scenario = scenario::builtin("seed-ami-trap").unwrap();
    let mut mentor =
        Replay::new(scenario, 1, vec![at(120, image(false))]).with_mode(PlayMode::Mentor);
    mentor.claimed_score = Some(replay::verify(&mentor).unwrap().score);
    assert_eq!(
        replay::verify_canonical(&mentor).unwrap().canonical_hash,
        base
    );
}

#[test]
fn another_accepted_action_time_or_seed_is_another_run() {
    let base = hash(1, vec![at(120, image(false))]);
    assert_ne!(hash(1, vec![at(120, image(true))]), base);
    assert_ne!(hash(1, vec![at(121, image(false))]), base);
    assert_ne!(hash(2, vec![at(120, image(false))]), base);
    assert_ne!(hash(1, vec![]), base);
}
