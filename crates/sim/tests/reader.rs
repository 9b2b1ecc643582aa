#![cfg(not(target_arch = "wasm32"))]
//! The hand-written reader (`quorum_sim::reader`, what the browser decodes replays with) and
//! the serde derives (what the server and CLI use) agree: on every replay the golden cases
//! write, on every action kind with and without each of its fields, and in refusing what is
//! malformed.

mod cases;

use quorum_sim::action::{Action, ActionKind, AllocationEnable, ApiRequest, TimedAction};
use quorum_sim::reader;
use quorum_sim::replay::PlayMode;
use quorum_sim::{scenario, script, Replay};
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Both decoders on `json`: the same value, or both refuse.
fn agree<T: DeserializeOwned + PartialEq + Debug>(
    json: &str,
    read: fn(&reader::Value) -> Result<T, String>,
) -> Result<T, String> {
    let serde: Result<T, String> = serde_json::from_str(json).map_err(|e| e.to_string());
    let ours = reader::parse(json).and_then(|v| read(&v));
    match (&serde, &ours) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
        (Err(_), Err(_)) => {}
        _ => panic!("{json}: serde {serde:?}, reader {ours:?}"),
    }
    ours
}

#[test]
fn golden_replays_read_the_same_as_with_serde() {
    for (id, seed, text) in cases::CASES {
        let s = scenario::builtin(id).unwrap();
        for mode in PlayMode::ALL {
            let mut r = Replay::new(s, *seed, script::parse(text).unwrap()).with_mode(mode);
            r.claimed_score = Some(-3);
            for json in [r.to_json(), serde_json::to_string(&r).unwrap()] {
                assert_eq!(agree(&json, reader::replay).unwrap(), r);
            }
        }
    }
}

/// One action of each kind with every field its kind allows.
fn full(kind: ActionKind) -> Action {
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
            name: Some("n2 \"é\" \u{1F600}".into()),
            description: Some("line\nbreak\ttab\\".into()),
            no_reboot: true,
        },
        ActionKind::Launch => Action::Launch {
            name: "node-4".into(),
            image: "ami-0123".into(),
        },
        ActionKind::Setup => Action::Setup {
            instance,
            initial_master_nodes: vec!["node-1".into(), "node-4".into()],
        },
        ActionKind::Api => Action::Api {
            via: Some(instance),
            request: ApiRequest::AddVotingExclusions {
                node_names: vec!["node-1".into()],
            },
        },
        ActionKind::CleanLogs => Action::CleanLogs { instance },
        ActionKind::GrowFilesystem => Action::GrowFilesystem { instance },
        ActionKind::ResizeVolume => Action::ResizeVolume { instance, gib: 200 },
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
            searches: 7,
            indexes: 2,
        },
    }
}

#[test]
fn every_action_kind_reads_the_same_with_each_field_dropped_nulled_or_mistyped() {
    let stray_values = ["null", "3", "\"x\"", "true", "[\"a\"]", "{}"];
    for kind in ActionKind::ALL {
        let action = full(kind);
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(
            agree(&json.to_string(), reader::action).as_ref(),
            Ok(&action)
        );
        let tag = kind.as_str();
        for field in kind.fields() {
            let mut o = json.as_object().unwrap().clone();
            o.remove(*field);
            agree::<Action>(
                &serde_json::Value::Object(o.clone()).to_string(),
                reader::action,
            )
            .ok();
            for v in stray_values {
                let mut o = json.as_object().unwrap().clone();
                o.insert(field.to_string(), serde_json::from_str(v).unwrap());
                agree::<Action>(&serde_json::Value::Object(o).to_string(), reader::action).ok();
            }
        }
        // Every field of every other kind, on this kind.
        for field in ActionKind::ALL.iter().flat_map(|k| k.fields()) {
            for v in stray_values {
                let mut o = json.as_object().unwrap().clone();
                o.insert(field.to_string(), serde_json::from_str(v).unwrap());
                agree::<Action>(&serde_json::Value::Object(o).to_string(), reader::action).ok();
            }
        }
        agree::<Action>(&format!(r#"{{"type":"{tag}"}}"#), reader::action).ok();
        agree::<Action>(
            &format!(r#"{{"type":"{tag}","colour":"red"}}"#),
            reader::action,
        )
        .unwrap_err();
    }
    for enable in [
        AllocationEnable::All,
        AllocationEnable::Primaries,
        AllocationEnable::NewPrimaries,
        AllocationEnable::None,
    ] {
        let a = Action::Api {
            via: None,
            request: ApiRequest::SetAllocation { enable },
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(agree(&json, reader::action), Ok(a));
    }
    for call in [
        "cluster-health",
        "cat-nodes",
        "cat-shards",
        "cat-allocation",
        "get-settings",
        "set-allocation",
        "add-voting-exclusions",
        "clear-voting-exclusions",
        "flush",
        "nope",
    ] {
        for extra in [
            "",
            r#","enable":"all""#,
            r#","node_names":["n"]"#,
            r#","enable":null"#,
            r#","x":1"#,
        ] {
            let json = format!(r#"{{"type":"api","request":{{"call":"{call}"{extra}}}}}"#);
            agree::<Action>(&json, reader::action).ok();
        }
    }
}

#[test]
fn malformed_input_is_refused_by_both_with_a_reason() {
    let good = Replay::new(
        scenario::builtin("seed-ami-trap").unwrap(),
        7,
        script::parse("at 02:00 create-image node-2\nat 03:00 health --via node-3").unwrap(),
    )
    .to_json();
    let bad = [
        "",
        "nul",
        "[]",
        "{",
        r#"{"format_version":1}"#,
        r#"{"format_version":"1"}"#,
        r#"{"format_version":1.5}"#,
        r#"{"format_version":-1}"#,
        r#"{"format_version":01}"#,
        &good.replace("\"seed\": 7", "\"seed\": -7"),
        &good.replace("\"seed\": 7", "\"seed\": 7e0"),
        &good.replace("\"seed\": 7", "\"seed\": 99999999999999999999"),
        &good.replace("\"seed\": 7", "\"seed\": null"),
        &good.replace("\"seed\": 7", "\"seed\": 7, \"seed\": 8"),
        &good.replace("\"seed\": 7", "\"seed\": 7, \"extra\": 8"),
        &good.replace("\"mode\": \"unknown\"", "\"mode\": \"easy\""),
        &good.replace("\"mode\": \"unknown\"", "\"mode\": null"),
        &good.replace("create-image", "explode"),
        &good.replace("node-2", "node\u{1}"),
        &good.replace("node-2", "\\ud800"),
        &good.replace("node-2", "\\q"),
        &format!("{good} x"),
        &good[..good.len() - 1],
        &"[".repeat(200),
    ];
    for json in bad {
        let err = agree::<Replay>(json, reader::replay).unwrap_err();
        assert!(!err.is_empty());
    }
    // Lenient where serde is: whitespace, escapes, an absent mode, a null claimed_score.
    for json in [
        good.replace("\"seed\": 7", "\"seed\":\t7 , \"claimed_score\": null"),
        good.replace("node-2", "node\\u002d2 \\ud83d\\ude00 \\/"),
        good.replace(",\n  \"mode\": \"unknown\"", ""),
    ] {
        agree::<Replay>(&json, reader::replay).unwrap();
    }
    // The reasons name what is wrong.
    let reason = |json: &str| reader::replay_from_str(json).unwrap_err();
    assert_eq!(
        reason(r#"{"format_version":1}"#),
        "missing field `sim_version`"
    );
    assert_eq!(reason(r#"{"colour":1}"#), "unknown field `colour`");
    assert!(
        reason(&good.replace("create-image", "explode")).contains("unknown action type `explode`")
    );
    assert!(reason(&good.replace("\"seed\": 7", "\"seed\": \"7\""))
        .starts_with("seed: expected a whole number"));
    assert!(reason("{").contains("at byte 1"));
}

#[test]
fn timed_actions_read_the_same() {
    let actions: Vec<TimedAction> =
        script::parse("at 00:10 create-image node-2 --no-reboot\nat 00:20 wait").unwrap();
    let json = serde_json::to_string(&actions).unwrap();
    assert_eq!(agree(&json, reader::timed_actions), Ok(actions));
    agree::<Vec<TimedAction>>(r#"[{"at_ms":1}]"#, reader::timed_actions).unwrap_err();
    // TimedAction's derive ignores unknown fields; so does the reader.
    agree::<Vec<TimedAction>>(
        r#"[{"at_ms":1,"action":{"type":"wait"},"x":0}]"#,
        reader::timed_actions,
    )
    .unwrap();
}
