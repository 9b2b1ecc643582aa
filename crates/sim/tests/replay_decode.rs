#![cfg(not(target_arch = "wasm32"))]
//! The replay decoder and verifier reject bad input with an error, never a panic.

use proptest::prelude::*;
use quorum_sim::action::{Action, ActionKind, ApiRequest};
use quorum_sim::replay::{
    self, PlayMode, Replay, ReplayError, MAX_ACTIONS, MAX_REPLAY_BYTES, MAX_SEED, MAX_TOOLS_ACTIONS,
};
use quorum_sim::{scenario, script};

fn valid() -> Replay {
    let s = scenario::builtin("seed-ami-trap").unwrap();
    Replay::new(
        s,
        7,
        script::parse("at 02:00 create-image node-2\nat 03:00 health --via node-3").unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = Replay::from_json(&text).map(|r| replay::verify(&r));
    }

    #[test]
    fn mutated_replays_never_panic(cut in 0usize..600, pos in 0usize..600, byte in any::<u8>()) {
        let json = valid().to_json();
        let mut bytes = json.into_bytes();
        let p = pos % bytes.len();
        bytes[p] = byte;
        bytes.truncate(cut.max(1).min(bytes.len()));
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(r) = Replay::from_json(&text) {
            let _ = r.validate();
        }
    }
}

#[test]
fn each_kind_of_bad_replay_gets_its_reason() {
    let check = |r: Replay, expected: &str| {
        let err = replay::verify(&r).unwrap_err().to_string();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    };
    let mut r = valid();
    r.sim_version += 1;
    check(r, "this simulator is sim_version");
    let mut r = valid();
    r.scenario_id = "nope".into();
    check(r, "unknown scenario \"nope\"");
    let mut r = valid();
    r.scenario_hash = scenario::builtin("sandbox").unwrap().hash.clone();
    check(r, "scenario_hash does not match");
    let mut r = valid();
    r.seed = MAX_SEED + 1;
    check(r, "out of range");
    let mut r = valid();
    r.actions = vec![r.actions[0].clone(); MAX_ACTIONS + 1];
    check(r, "the limit is 500");
    // Played with the real tools, a replay records reads and app requests too: its cap is
    // larger, and holds.
    let mut r = valid().with_mode(PlayMode::Tools);
    r.actions = vec![r.actions[0].clone(); MAX_ACTIONS + 1];
    assert!(replay::verify(&r).is_ok());
    r.actions = vec![r.actions[0].clone(); MAX_TOOLS_ACTIONS + 1];
    check(r, "the limit is 1500");
    let mut r = valid();
    r.actions[1].at_ms = 1_000;
    check(r, "earlier than the action before it");
    let mut r = valid();
    r.actions[1].at_ms = 46 * 60 * 1000;
    check(r, "after the scenario's end (45:00)");
    let mut r = valid();
    r.claimed_score = Some(10_000);
    let err = replay::verify(&r).unwrap_err();
    assert!(
        matches!(
            err,
            ReplayError::ClaimedScore {
                claimed: 10_000,
                ..
            }
        ),
        "{err}"
    );
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(replay::MAX_REPLAY_BYTES));
    assert!(matches!(
        Replay::from_json(&big),
        Err(ReplayError::TooLarge { .. })
    ));
    assert!(Replay::from_json("{\"format_version\":1}")
        .unwrap_err()
        .to_string()
        .starts_with("malformed replay: missing field"));
    let mut r = valid();
    r.format_version = 9;
    check(r, "format_version 9 is not supported");
}

#[test]
fn every_action_survives_the_json_round_trip_and_strays_are_refused() {
    use quorum_sim::action::{Action, AllocationEnable, ApiRequest};
    let all = [
        Action::Reboot {
            instance: "node-1".into(),
        },
        Action::Stop {
            instance: "node-1".into(),
            skip_os_shutdown: false,
        },
        Action::ForceStop {
            instance: "node-1".into(),
        },
        Action::Start {
            instance: "node-1".into(),
        },
        Action::Terminate {
            instance: "node-1".into(),
            skip_os_shutdown: true,
        },
        Action::ForceTerminate {
            instance: "node-1".into(),
        },
        Action::CleanLogs {
            instance: "node-1".into(),
        },
        Action::ResizeVolume {
            instance: "node-1".into(),
            gib: 200,
        },
        Action::CreateImage {
            instance: "node-2".into(),
            name: Some("n2".into()),
            description: Some("before upgrade".into()),
            no_reboot: true,
        },
        Action::CreateImage {
            instance: "node-2".into(),
            name: None,
            description: None,
            no_reboot: false,
        },
        Action::Launch {
            name: "node-4".into(),
            image: "base".into(),
        },
        Action::Setup {
            instance: "node-4".into(),
            initial_master_nodes: vec!["node-4".into()],
        },
        Action::Api {
            via: Some("node-3".into()),
            request: ApiRequest::SetAllocation {
                enable: AllocationEnable::Primaries,
            },
        },
        Action::Api {
            via: None,
            request: ApiRequest::AddVotingExclusions {
                node_names: vec!["node-1".into()],
            },
        },
        Action::Api {
            via: None,
            request: ApiRequest::CatAllocation,
        },
        Action::Wait,
    ];
    for action in all {
        let json = serde_json::to_string(&action).unwrap();
        let back: Action = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(back, action, "{json}");
    }
    let refuse = |json: &str, expected: &str| {
        let err = serde_json::from_str::<Action>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{json}: {err}");
    };
    refuse(r#"{"type":"reboot"}"#, "missing field `instance`");
    refuse(
        r#"{"type":"reboot","instance":"n","gib":3}"#,
        "unknown field `gib` for action `reboot`",
    );
    refuse(
        r#"{"type":"explode","instance":"n"}"#,
        "unknown action type `explode`",
    );
    refuse(
        r#"{"type":"reboot","instance":"n","colour":"red"}"#,
        "unknown field `colour`",
    );
    refuse(
        r#"{"type":"api","request":{"call":"flush","enable":"all"}}"#,
        "unknown field `enable` for call `flush`",
    );
    refuse(
        r#"{"type":"api","request":{"call":"set-allocation"}}"#,
        "missing field `enable`",
    );
}

/// One action of each kind, with every field it may carry (exhaustive: a new kind does not
/// compile without its sample).
fn sample(kind: ActionKind) -> Action {
    let instance = "node-2".to_string();
    match kind {
        ActionKind::Reboot => Action::Reboot { instance },
        ActionKind::Stop => Action::Stop {
            instance,
            skip_os_shutdown: true,
        },
        ActionKind::ForceStop => Action::ForceStop { instance },
        ActionKind::Start => Action::Start { instance },
        ActionKind::Terminate => Action::Terminate {
            instance,
            skip_os_shutdown: true,
        },
        ActionKind::ForceTerminate => Action::ForceTerminate { instance },
        ActionKind::CreateImage => Action::CreateImage {
            instance,
            name: Some("n2".into()),
            description: Some("before the patch".into()),
            no_reboot: true,
        },
        ActionKind::Launch => Action::Launch {
            name: "node-4".into(),
            image: "n2".into(),
        },
        ActionKind::Setup => Action::Setup {
            instance,
            initial_master_nodes: vec!["node-1".into()],
        },
        ActionKind::Api => Action::Api {
            via: Some(instance),
            request: ApiRequest::AddVotingExclusions {
                node_names: vec!["node-1".into()],
            },
        },
        ActionKind::CleanLogs => Action::CleanLogs { instance },
        ActionKind::ResizeVolume => Action::ResizeVolume { instance, gib: 200 },
        ActionKind::GrowFilesystem => Action::GrowFilesystem { instance },
        ActionKind::Wait => Action::Wait,
        ActionKind::Describe => Action::Describe {
            call: "DescribeInstanceStatus".into(),
        },
        ActionKind::Inject => Action::Inject {
            fault: quorum_sim::scenario::FaultKind::HostFailure,
            instance,
        },
        ActionKind::AppRequests => Action::AppRequests {
            via: instance,
            searches: 12,
            indexes: 3,
        },
    }
}

#[test]
fn every_action_kind_decodes_as_itself() {
    for (i, kind) in ActionKind::ALL.into_iter().enumerate() {
        assert_eq!(kind as usize, i, "ActionKind::ALL is in declaration order");
        assert_eq!(ActionKind::parse(kind.as_str()), Some(kind));
        let action = sample(kind);
        assert_eq!(action.kind(), kind);
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(json["type"], kind.as_str());
        // The sample carries every field its kind allows, and only those.
        let mut fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .filter(|k| *k != "type")
            .collect();
        fields.sort();
        let mut allowed = kind.fields().to_vec();
        allowed.sort();
        assert_eq!(fields, allowed, "{kind:?}");
        let back: Action = serde_json::from_value(json).unwrap();
        assert_eq!(back, action);
        // With only its tag, a kind decodes as itself or is refused, never as another kind.
        let bare = serde_json::json!({ "type": kind.as_str() });
        if let Ok(decoded) = serde_json::from_value::<Action>(bare) {
            assert_eq!(decoded.kind(), kind);
        }
    }
    assert!(ActionKind::parse("snapshot").is_none());
}

#[test]
fn a_replay_records_how_it_was_played_and_an_old_one_is_not_exam() {
    use quorum_sim::PlayMode;
    for mode in PlayMode::ALL {
        let r = valid().with_mode(mode);
        let json = r.to_json();
        assert!(
            json.contains(&format!("\"mode\": \"{}\"", mode.as_str())),
            "{json}"
        );
        let back = Replay::from_json(&json).unwrap();
        assert_eq!(back.mode, mode);
        assert_eq!(PlayMode::parse(mode.as_str()), Some(mode));
        assert_eq!(
            back.mode.is_exam(),
            matches!(mode, PlayMode::Exam | PlayMode::Tools)
        );
        assert!(replay::verify(&back).is_ok(), "{mode:?} replays verify");
    }
    // A replay written before replays carried a mode: still watchable, never Exam.
    let json = valid().to_json();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value.as_object_mut().unwrap().remove("mode");
    let old = value.to_string();
    assert!(!old.contains("mode"), "{old}");
    let r = Replay::from_json(&old).unwrap();
    assert_eq!(r.mode, PlayMode::Unknown);
    assert!(!r.mode.is_exam());
    assert!(replay::verify(&r).is_ok());
    // Replay::new does not guess: the client says how it was played.
    assert_eq!(valid().mode, PlayMode::Unknown);
    assert!(Replay::from_json(&json.replace("\"unknown\"", "\"cheat\"")).is_err());
}

/// The strings a replay carries are capped as EC2 caps them; the count is in characters, so
/// a Japanese description of 255 characters passes where 256 ASCII ones do not.
#[test]
fn a_string_longer_than_ec2_allows_refuses_the_replay() {
    use quorum_sim::{TimedAction, MAX_IMAGE_DESCRIPTION_CHARS, MAX_RESOURCE_NAME_CHARS};
    let with = |action: Action| {
        let mut r = valid();
        r.actions.push(TimedAction {
            at_ms: 300_000,
            action,
        });
        r.validate().map(|_| ())
    };
    let image = |name: Option<String>, description: Option<String>| Action::CreateImage {
        instance: "node-2".into(),
        name,
        description,
        no_reboot: true,
    };
    assert_eq!(
        with(image(None, Some("説".repeat(MAX_IMAGE_DESCRIPTION_CHARS)))),
        Ok(())
    );
    let err = with(image(
        None,
        Some("x".repeat(MAX_IMAGE_DESCRIPTION_CHARS + 1)),
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "action #3: the image description is 256 characters; EC2 allows 255"
    );
    assert!(matches!(err, ReplayError::StringTooLong { index: 2, .. }));
    assert_eq!(
        with(image(Some("n".repeat(MAX_RESOURCE_NAME_CHARS)), None)),
        Ok(())
    );
    let long_name = "n".repeat(MAX_RESOURCE_NAME_CHARS + 1);
    for action in [
        image(Some(long_name.clone()), None),
        Action::Reboot {
            instance: long_name.clone(),
        },
        Action::Launch {
            name: long_name.clone(),
            image: "ami-1".into(),
        },
        Action::Setup {
            instance: "node-4".into(),
            initial_master_nodes: vec!["node-1".into(), long_name.clone()],
        },
        Action::Api {
            via: None,
            request: ApiRequest::AddVotingExclusions {
                node_names: vec![long_name.clone()],
            },
        },
        Action::Api {
            via: Some(long_name.clone()),
            request: ApiRequest::ClusterHealth,
        },
    ] {
        let err = with(action.clone()).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is 129 characters; EC2 allows 128"),
            "{action:?}: {err}"
        );
    }
    // The engine refuses such an action in the same words when it is applied live.
    let mut sim = quorum_sim::Sim::new(scenario::builtin("seed-ami-trap").unwrap(), 7);
    match sim.apply(image(None, Some("x".repeat(300)))) {
        quorum_sim::Applied::Refused { reason } => assert_eq!(
            reason,
            "InvalidParameterValue: the image description is longer than 255 characters"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_replay_over_the_size_rule_is_refused_before_parsing() {
    assert_eq!(replay::check_size(replay::MAX_REPLAY_BYTES), Ok(()));
    assert_eq!(
        replay::check_size(replay::MAX_REPLAY_BYTES + 1),
        Err(ReplayError::TooLarge {
            bytes: replay::MAX_REPLAY_BYTES + 1
        })
    );
}

#[test]
fn a_full_tools_replay_of_drill_lives_longest_actions_fits_the_byte_limit() {
    // drill live's reads and app requests at the end of the longest scenario, on a
    // two-digit node name, with the largest counts an action may carry.
    let at_ms = 7_199_900;
    let longest = [
        Action::AppRequests {
            via: "node-12".into(),
            searches: 99_999,
            indexes: 99_999,
        },
        Action::Api {
            via: Some("node-12".into()),
            request: ApiRequest::CatAllocation,
        },
        Action::Describe {
            call: "DescribeInstanceStatus".into(),
        },
    ];
    let r = valid();
    let mut full = Replay::new(
        scenario::builtin(&r.scenario_id).unwrap(),
        r.seed,
        Vec::new(),
    )
    .with_mode(PlayMode::Tools);
    full.actions = (0..MAX_TOOLS_ACTIONS)
        .map(|i| quorum_sim::TimedAction {
            at_ms,
            action: longest[i % longest.len()].clone(),
        })
        .collect();
    let bytes = full.to_json().len();
    assert!(
        bytes <= MAX_REPLAY_BYTES,
        "{MAX_TOOLS_ACTIONS} actions take {bytes} bytes, over {MAX_REPLAY_BYTES}"
    );
}
