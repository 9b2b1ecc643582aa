//! The `drill` binary: exit codes, output formats, replay round trips.

use std::path::Path;
use std::process::{Command, Output};

use quorum_sim::replay::Replay;
use quorum_sim::SIM_VERSION;
use serde_json::Value;

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .output()
        .expect("run drill")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scenarios_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios"))
}

const TRAP_SCRIPT: &str =
    "# the founding mistake\nat 02:00 create-image node-2   # No reboot unchecked\n";

#[test]
fn scenarios_lists_the_builtins() {
    let out = drill(&["scenarios"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for s in quorum_sim::scenario::all() {
        assert!(text.contains(&s.id), "{text}");
    }
    let out = drill(&["scenarios", "--json"]);
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), quorum_sim::scenario::all().len());
    assert!(list
        .iter()
        .any(|s| s["id"] == "seed-ami-trap" && s["duration_ms"] == 2_700_000));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["run", "--seed", "1"][..],
        &["run", "--scenario", "sandbox"][..],
        &[
            "run",
            "--scenario",
            "sandbox",
            "--seed",
            "1",
            "--branch",
            "x",
        ][..],
        &["branches"][..],
        &["bogus"][..],
        &["lint"][..],
    ] {
        let out = drill(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = drill(&[
        "run",
        "--scenario",
        "sandbox",
        "--scenario-file",
        "x.toml",
        "--seed",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn invalid_input_exits_1_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad_script = dir.path().join("bad.txt");
    std::fs::write(&bad_script, "at 01:00 wait\nat 02:00 explode node-1\n").unwrap();
    let late_script = dir.path().join("late.txt");
    std::fs::write(&late_script, "at 45:01 reboot node-2\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "run".into(),
                "--scenario".into(),
                "nope".into(),
                "--seed".into(),
                "1".into(),
            ],
            "unknown scenario \"nope\"",
        ),
        (
            vec![
                "run".into(),
                "--scenario".into(),
                "seed-ami-trap".into(),
                "--seed".into(),
                "1".into(),
                "--script".into(),
                bad_script.display().to_string(),
            ],
            "line 2: unknown action `explode`",
        ),
        (
            vec![
                "run".into(),
                "--scenario".into(),
                "seed-ami-trap".into(),
                "--seed".into(),
                "1".into(),
                "--script".into(),
                late_script.display().to_string(),
            ],
            "after the scenario's end",
        ),
        (
            vec![
                "run".into(),
                "--scenario".into(),
                "sandbox".into(),
                "--seed".into(),
                "9007199254740992".into(),
            ],
            "out of range",
        ),
        (
            vec![
                "verify".into(),
                dir.path().join("missing.json").display().to_string(),
            ],
            "cannot read replay",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = drill(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn verify_refuses_bad_replays_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    let good = Replay::new(scenario, 3, vec![]);
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let mut other_version = good.clone();
    other_version.sim_version = SIM_VERSION + 1;
    let mut unknown = good.clone();
    unknown.scenario_id = "atlantis".into();
    let mut other_hash = good.clone();
    other_hash.scenario_hash = quorum_sim::scenario::builtin("sandbox")
        .unwrap()
        .hash
        .clone();
    let cases = [
        (write("junk.json", "{ not json"), "malformed replay"),
        (
            write("version.json", &other_version.to_json()),
            &*format!("this simulator is sim_version {SIM_VERSION}"),
        ),
        (
            write("unknown.json", &unknown.to_json()),
            "unknown scenario \"atlantis\"",
        ),
        (
            write("hash.json", &other_hash.to_json()),
            "scenario_hash does not match",
        ),
        (write("huge.json", &" ".repeat(300 * 1024)), "the limit is"),
    ];
    for (path, expected) in cases {
        let out = drill(&["verify", &path]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{path}: {err}");
        assert!(err.contains(expected), "{path}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn lint_reports_every_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = scenarios_dir().join("seed-ami-trap.toml");
    let text = std::fs::read_to_string(&good).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        text.replace("target = \"node-1\"", "target = \"node-9\""),
    )
    .unwrap();
    let out = drill(&["lint", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("ok (seed-ami-trap"));
    let out = drill(&[
        "lint",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "/nonexistent.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml: faults[0]: target \"node-9\" is not one of the nodes"),
        "{err}"
    );
    assert!(err.contains("/nonexistent.toml: cannot read"), "{err}");
    assert!(err.contains("2 of 3 scenario files invalid"), "{err}");
}

#[test]
fn lint_checks_runbooks_and_their_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenarios_dir().join("seed-ami-trap.toml")).unwrap();
    let lint = |name: &str, edited: String| {
        assert_ne!(edited, text, "{name}: the edit applies");
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, edited).unwrap();
        let out = drill(&["lint", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        stderr(&out)
    };
    let err = lint(
        "observation",
        text.replace(
            r#"observe = "health yellow""#,
            r#"observe = "health purple""#,
        ),
    );
    assert!(
        err.contains(r#"runbook.steps[0] "check-health": observe: `health` expects green, yellow, red or no-master"#),
        "{err}"
    );
    let err = lint(
        "unknown",
        text.replace(
            r#"observe = "health yellow""#,
            r#"observe = "cluster happy""#,
        ),
    );
    assert!(err.contains("unknown observation `cluster happy`"), "{err}");
    let err = lint(
        "guard",
        text.replace("guard = \"recovery-failed node-1\"\n", ""),
    );
    assert!(
        err.contains(r#""decide": branches[1] has no guard"#),
        "{err}"
    );
    // Both branches to the replacement: the wait for node-1 cannot be reached, and the
    // proof of an early recovery (which waits) no longer follows the runbook.
    let err = lint(
        "unreachable",
        text.replace(r#"goto = "wait-rejoin""#, r#"goto = "launch""#),
    );
    assert!(
        err.contains(r#"runbook: step "wait-rejoin" cannot be reached from the first step"#),
        "{err}"
    );
    assert!(err.contains(r#"proof of "recovery=early" (seed "#), "{err}");
    assert!(err.contains(r#"stops at step "launch" (action)"#), "{err}");
    // Actions the console cannot perform or the runbook must never do.
    let err = lint(
        "actions",
        text.replace(
            r#"action = "launch node-4 --image base""#,
            r#"action = "create-image node-2 --name n2""#,
        )
        .replace(
            r#"action = "setup node-4""#,
            r#"action = "launch node-4 --image n2""#,
        ),
    );
    assert!(
        err.contains("`create-image node-2 --name n2` reboots a live node of the cluster: a runbook ticks No reboot"),
        "{err}"
    );
    assert!(
        err.contains(
            "`launch node-4 --image n2` launches a clone of node-2's disk: never clone a live node"
        ),
        "{err}"
    );
    let err = lint(
        "wait",
        text.replace(r#"action = "setup node-4""#, r#"action = "wait""#),
    );
    assert!(err.contains("`wait` is not a console action"), "{err}");
    // A proof that runs setup before node-4 answers: the console's own refusal is quoted.
    let err = lint(
        "proof",
        text.replace(
            "at 08:30 setup node-4                 # once node-4 is running and booted",
            "at 06:11 setup node-4",
        ),
    );
    assert!(
        err.contains(r#"proof of "recovery=never,setup=ok" (seed "#)
            && err.contains(r#"stops at step "setup" (action): the console refused `setup node-4` at 06:11: ssh: connect to host node-4 port 22"#),
        "{err}"
    );
    let err = lint(
        "no-proof",
        text.replace(
            "[[proofs]]\ncase = \"recovery=late\"\nactions = \"\"\"\nat 01:00 health\nat 16:00 health\n\"\"\"\npar_redundancy = \"15:30\"\n",
            "",
        ),
    );
    assert!(
        err.contains(r#"branch case "recovery=late" has no proof"#),
        "{err}"
    );
    let err = lint(
        "trap",
        text.replace(
            "actions = \"at 02:00 create-image node-2 ",
            "actions = \"at 02:00 health ",
        ),
    );
    assert!(
        err.contains("the trap (seed 1) never leaves the runbook"),
        "{err}"
    );
}

// ---- These re-simulate -----------------------------------------------------------------

#[test]
fn run_prints_a_report_and_json_with_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("trap.txt");
    std::fs::write(&script, TRAP_SCRIPT).unwrap();
    let script = script.to_str().unwrap();
    let out = drill(&[
        "run",
        "--scenario",
        "seed-ami-trap",
        "--seed",
        "1",
        "--script",
        script,
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "outage_ms",
        "requests_total",
        "requests_failed",
        "reads_failed",
        "writes_failed",
        "time_to_green_ms",
        "final_health",
        "score",
        "grade",
        "branches",
        "runbook",
        "event_log_hash",
        "events",
    ] {
        assert!(report.get(field).is_some(), "missing {field}");
    }
    let event = &report["events"][0];
    assert!(event["at_ms"].is_u64() && event["kind"].is_string() && event["message"].is_string());

    let out = drill(&[
        "run",
        "--scenario",
        "seed-ami-trap",
        "--seed",
        "1",
        "--script",
        script,
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    for needle in [
        "Score",
        "Outage",
        "Failed requests",
        "Time to green",
        "Final health",
        "Hidden branches",
        "Event log",
        "00:00",
        // The debrief's runbook comparison: the trap is off the runbook, and it cost.
        "Runbook \"Node down in a 3-node cluster\": ",
        "Off the runbook:\n  02:00 create-image node-2 — cost ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(text.contains(&format!(
        "{} (grade {})",
        report["score"],
        report["grade"].as_str().unwrap()
    )));
}

#[test]
fn saved_replays_verify_and_tampering_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("trap.txt");
    std::fs::write(&script, TRAP_SCRIPT).unwrap();
    let saved = dir.path().join("run.replay.json");
    let out = drill(&[
        "run",
        "--scenario",
        "seed-ami-trap",
        "--seed",
        "2",
        "--script",
        script.to_str().unwrap(),
        "--json",
        "--save-replay",
        saved.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run_report: Value = serde_json::from_slice(&out.stdout).unwrap();

    let out = drill(&["verify", saved.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut verified: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        verified["mode"], "unknown",
        "a replay saved without --mode declares no mode"
    );
    verified.as_object_mut().unwrap().remove("mode");
    assert_eq!(
        verified, run_report,
        "re-simulation reproduces the report bit for bit"
    );
    let out = drill(&["verify", saved.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("verified: seed-ami-trap seed 2"));
    assert!(
        stdout(&out)
            .lines()
            .next()
            .unwrap()
            .ends_with("· mode unknown"),
        "{}",
        stdout(&out)
    );

    let mut replay = Replay::from_json(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(replay.claimed_score, run_report["score"].as_i64());
    replay.claimed_score = replay.claimed_score.map(|s| s + 7);
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, replay.to_json()).unwrap();
    let out = drill(&["verify", tampered.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not match the re-simulated score"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_accepts_a_scenario_file() {
    let file = scenarios_dir().join("sandbox.toml");
    let out = drill(&[
        "run",
        "--scenario-file",
        file.to_str().unwrap(),
        "--seed",
        "5",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["scenario_id"], "sandbox");
    let builtin = drill(&["run", "--scenario", "sandbox", "--seed", "5", "--json"]);
    assert_eq!(
        builtin.stdout, out.stdout,
        "the file and the built-in are the same scenario"
    );
}

#[test]
fn a_replay_saved_in_exam_mode_says_so_when_verified() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("exam.replay.json");
    let out = drill(&[
        "run",
        "--scenario",
        "sandbox",
        "--seed",
        "4",
        "--save-replay",
        saved.to_str().unwrap(),
        "--mode",
        "exam",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let replay = Replay::from_json(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(replay.mode.is_exam());
    let out = drill(&["verify", saved.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = stdout(&out).lines().next().unwrap().to_string();
    assert!(
        first.starts_with("verified: sandbox seed 4") && first.ends_with("· mode exam"),
        "{first}"
    );
    let out = drill(&["verify", saved.to_str().unwrap(), "--json"]);
    let verified: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verified["mode"], "exam");

    // A misspelt mode is a usage error that names the modes.
    let out = drill(&[
        "run",
        "--scenario",
        "sandbox",
        "--seed",
        "4",
        "--save-replay",
        saved.to_str().unwrap(),
        "--mode",
        "mentr",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("exam, mentor, what-if, tools or unknown"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn branches_lists_every_case_with_its_lowest_seed_and_proof() {
    let s = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    let out = drill(&["branches", "--scenario", "seed-ami-trap", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "recovery=early",
            "recovery=late",
            "recovery=never,setup=ok",
            "recovery=never,setup=fails-once"
        ]
    );
    for case in &list {
        let id = case["id"].as_str().unwrap();
        let seed = case["seed"].as_u64().unwrap();
        // The lowest seed: none below it draws the case, and the drill on it plays the case.
        assert!((0..seed).all(|lower| s.case_for_seed(lower) != id), "{id}");
        let report = quorum_sim::run(s, seed, &[]);
        assert_eq!(report.branch_case, id);
        assert_eq!(case["proof"]["passes"], true, "{id}: {case}");
        assert_eq!(case["proof"]["outage_ms"], 0);
        assert_eq!(case["proof"]["file"], "scenarios/seed-ami-trap.toml");
        assert!(case["weight_ppm"].as_u64().unwrap() > 0);
    }

    let out = drill(&["branches", "--scenario", "node-hang"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("reboot=fsck"), "{text}");
    assert!(text.contains("passes — outage 0s"), "{text}");
    assert!(
        text.contains("node-3's reboot hangs in fsck for 20 minutes"),
        "{text}"
    );

    let out = drill(&["branches", "--scenario", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown scenario \"nope\""));
}

#[test]
fn run_with_a_branch_plays_that_case() {
    let out = drill(&[
        "run",
        "--scenario",
        "seed-ami-trap",
        "--branch",
        "recovery=never,setup=fails-once",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["branch_case"], "recovery=never,setup=fails-once");
    let s = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    let seed = s
        .seed_for_case("recovery=never,setup=fails-once", 0, 1_000)
        .unwrap();
    assert_eq!(report["seed"], seed);
    assert_eq!(report["par_redundancy_ms"], 17 * 60_000 + 30_000);
    assert!(stderr(&out).contains(&format!("seed {seed}")));
    // Doing nothing where node-1 never returns grades D at best.
    assert!(["C", "D", "F"].contains(&report["grade"].as_str().unwrap()));

    let out = drill(&[
        "run",
        "--scenario",
        "seed-ami-trap",
        "--branch",
        "recovery=maybe",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("\"recovery=maybe\" is not a branch case of seed-ami-trap"),
        "{err}"
    );
    assert!(err.contains("recovery=never,setup=ok"), "{err}");
}

#[test]
fn lint_checks_the_course_position_both_languages_and_the_trap() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenarios_dir().join("wrong-instance.toml")).unwrap();
    let lint = |name: &str, edited: String| {
        assert_ne!(edited, text, "{name}: the edit applies");
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, edited).unwrap();
        let out = drill(&["lint", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        stderr(&out)
    };
    let err = lint(
        "course",
        text.replace("course = { unit = \"harder\", order = 3 }\n", ""),
    );
    assert!(err.contains("no course position"), "{err}");
    let err = lint(
        "ja",
        text.replace("ja = \"取り違えたインスタンス\"", "ja = \"\""),
    );
    assert!(err.contains("title: no ja text"), "{err}");
    // A trap that only looks: no outage, so it teaches nothing.
    let err = lint(
        "trap",
        text.replace(
            "actions = \"at 02:30 terminate search-10",
            "actions = \"at 02:30 cat-nodes",
        ),
    );
    assert!(err.contains("causes no outage"), "{err}");
    let out = drill(&[
        "lint",
        scenarios_dir()
            .join("wrong-instance.toml")
            .to_str()
            .unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn lint_requires_every_proof_to_meet_the_objective() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenarios_dir().join("scale-down.toml")).unwrap();
    // An objective the proofs do not do: they remove node-4 and node-5, not node-3.
    let edited = text.replace(
        "nodes = [\"node-4\", \"node-5\"]\nby = \"35:00\"",
        "nodes = [\"node-3\", \"node-4\"]\nby = \"35:00\"",
    );
    assert_ne!(edited, text, "the edit applies");
    let path = dir.path().join("objective.toml");
    std::fs::write(&path, edited).unwrap();
    let out = drill(&["lint", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the objective is not met by 35:00 (node-3 not done)"),
        "{err}"
    );
    let out = drill(&[
        "lint",
        scenarios_dir().join("scale-down.toml").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn run_states_the_objective_and_idling_through_planned_work_grades_c() {
    let out = drill(&["run", "--scenario", "rolling-restart", "--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("− objective 2500 −"),
        "the breakdown names the objective: {text}"
    );
    assert!(
        text.contains("Objective       Objective not met by 40:00: Reboot node-2 and node-3"),
        "{text}"
    );
    let out = drill(&[
        "run",
        "--scenario",
        "rolling-restart",
        "--seed",
        "1",
        "--json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["score"], 7_500);
    assert_eq!(report["grade"], "C");
    assert_eq!(report["objective"]["met"], false);
    assert_eq!(report["objective"]["missing"][0], "node-2");
}

#[test]
fn live_refuses_an_unknown_scenario_a_speed_out_of_range_and_port_0() {
    let out = drill(&["live", "--scenario", "no-such-drill", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-drill"), "{}", stderr(&out));
    let out = drill(&[
        "live",
        "--scenario",
        "sandbox",
        "--seed",
        "1",
        "--speed",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--speed must be between"),
        "{}",
        stderr(&out)
    );
    let out = drill(&[
        "live",
        "--scenario",
        "sandbox",
        "--seed",
        "1",
        "--es-port",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
