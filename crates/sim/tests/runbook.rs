#![cfg(not(target_arch = "wasm32"))]
//! Stories of the runbook panel and the debrief's comparison: set up, inject, act, assert.

mod common;

use common::{clock, Drill};
use quorum_sim::scenario::Lang;
use quorum_sim::{PlayMode, RunbookView};

/// The first seed of seed-ami-trap that plays `case` with node-1's drawn moment (recovery or
/// the failed-recovery notice) satisfying `at`.
fn seed_where(case: &str, at: impl Fn(u64) -> bool) -> u64 {
    let scenario = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    (1..10_000)
        .find(|seed| {
            scenario.case_for_seed(*seed) == case
                && quorum_sim::Sim::new(scenario, *seed).branch_draws()[0]
                    .at_ms
                    .is_some_and(&at)
        })
        .expect("a seed with that draw")
}

/// Steps until the EC2 notice that automatic recovery failed.
fn until_recovery_fails(drill: &mut Drill) {
    until(drill, "07:00", |d| {
        d.log_contains("automatic recovery failed")
    });
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
    let seed = seed_where("recovery=early", |_| true);
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
    while !matches!(
        drill.sim.instances()[0].checks,
        quorum_sim::model::Checks::Ok { .. }
    ) {
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
    let seed = seed_where("recovery=never,setup=ok", |at| at > clock("04:30"));
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill
        .act("00:40", "health")
        .act("00:41", "cat-nodes")
        .run_to("04:00");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(at(&v), "decide");
    assert_eq!(selected(&v, "decide"), [Some(false); 3]);
    // EC2's notice that automatic recovery failed selects the replacement.
    until_recovery_fails(&mut drill);
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(
        selected(&v, "decide"),
        [Some(false), Some(true), Some(false)]
    );
    assert_eq!(at(&v), "launch");
    // The trainee names the node node-5: the runbook follows the name given.
    drill.act("07:00", "launch node-5 --image base");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(done(&v, "launch"), Some(clock("07:00")));
    assert_eq!(at(&v), "setup");
    drill.run_to("09:00");
    drill.act("09:00", "setup node-5");
    assert_eq!(
        done(&view(&drill, PlayMode::Exam), "setup"),
        Some(clock("09:00"))
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
    let seed = seed_where("recovery=never,setup=ok", |_| true);
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
fn a_failed_recovery_selects_the_replacement_before_the_fifteen_minute_mark() {
    // node-1 never comes back. Before EC2's notice nothing is decided; the notice decides
    // before the runbook's 15-minute mark (a late recovery ends by 12:30, so that its checks
    // pass before that mark: the clock guard is for a recovery that neither succeeds nor
    // fails in time).
    let seed = seed_where("recovery=never,setup=ok", |_| true);
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill
        .act("00:40", "health")
        .act("00:41", "cat-nodes")
        .run_to("03:59");
    assert_eq!(
        selected(&view(&drill, PlayMode::Mentor), "decide"),
        [Some(false); 3]
    );
    drill.run_to("14:59");
    assert_eq!(
        selected(&view(&drill, PlayMode::Mentor), "decide"),
        [Some(false), Some(true), Some(false)],
        "the notice selects the replacement"
    );
    // The guided cursor has taken the replacement: the decision stays as it was decided.
    drill.run_to("15:01");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(
        selected(&v, "decide"),
        [Some(false), Some(true), Some(false)]
    );
}

#[test]
fn the_trap_is_off_the_runbook_and_its_cost_is_named() {
    let seed = seed_where("recovery=early", |_| true);
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

#[test]
fn a_failed_setup_sends_the_runbook_back_to_setup() {
    let seed = seed_where("recovery=never,setup=fails-once", |_| true);
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill.act("00:40", "health").act("00:41", "cat-nodes");
    until_recovery_fails(&mut drill);
    drill
        .act("07:00", "launch node-4 --image base")
        .act("09:00", "setup node-4");
    until(&mut drill, "20:00", |d| {
        d.log_contains("bad package mirror")
    });
    // The failure selected "run it again": the mentor is back at setup, the decision to
    // come is open again.
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(at(&v), "setup", "back to setup");
    assert_eq!(selected(&v, "setup-result"), [Some(false), Some(false)]);
    assert_eq!(done(&v, "setup"), None, "to do again");
    let t = quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000);
    drill.act(&t, "setup node-4");
    assert_eq!(drill.refusal(), None);
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(done(&v, "setup"), Some(clock(&t)), "{v:#?}");
    assert_eq!(at(&v), "setup-result");
    assert_eq!(
        selected(&v, "setup-result"),
        [Some(false), Some(false)],
        "neither yet"
    );
    until(&mut drill, "40:00", |d| {
        d.health() == quorum_sim::Health::Green
    });
    drill.act(
        &quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000),
        "health",
    );
    drill.run_to(&quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000));
    assert_eq!(at(&view(&drill, PlayMode::Exam)), "done");
    let cmp = drill.finish().runbook.unwrap();
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
            "setup",
            "setup-result",
            "wait-green",
            "done"
        ]
    );
    assert!(
        cmp.path.iter().all(|p| p.followed_at_ms.is_some()),
        "{}",
        cmp.text(Lang::En)
    );
}

/// Steps until `done(drill)` holds (at most to `limit`).
fn until(drill: &mut Drill, limit: &str, done: impl Fn(&Drill) -> bool) {
    while !done(drill) {
        assert!(drill.sim.now_ms() < clock(limit), "not by {limit}");
        drill.sim.step();
    }
}

fn followed_all(drill: &mut Drill) {
    let report = drill.finish();
    assert_eq!(report.outage_ms, 0);
    let cmp = report.runbook.unwrap();
    assert!(
        cmp.path.iter().all(|p| p.followed_at_ms.is_some()),
        "{}",
        cmp.text(Lang::En)
    );
    assert!(cmp.off_path.is_empty(), "{}", cmp.text(Lang::En));
    assert_eq!(cmp.path.last().map(|p| p.id.as_str()), Some("done"));
}

#[test]
fn stuck_stopping_runbook_force_stops_and_starts_node_2() {
    let seed = quorum_sim::scenario::builtin("stuck-stopping")
        .unwrap()
        .seed_for_case("start=boots", 1, 1_000)
        .unwrap();
    let mut drill = Drill::new("stuck-stopping", seed);
    drill.run_to("01:30");
    drill.act("01:30", "health").run_to("01:31");
    assert_eq!(at(&view(&drill, PlayMode::Exam)), "stop");
    drill.act("01:40", "stop node-2").run_to("01:41");
    // The stop hangs: the guards send the mentor to Force stop.
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(selected(&v, "decide"), [Some(false), Some(true)]);
    assert_eq!(at(&v), "force-stop");
    drill.act("02:30", "force-stop node-2");
    until(&mut drill, "10:00", |d| {
        d.state("node-2") == quorum_sim::InstanceState::Stopped
    });
    let t = quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000);
    drill.act(&t, "start node-2");
    until(&mut drill, "30:00", |d| {
        d.health() == quorum_sim::Health::Green
    });
    let t = quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000);
    drill.act(&t, "cat-nodes");
    drill.act(
        &quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000),
        "health",
    );
    drill.run_to(&quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000));
    assert_eq!(at(&view(&drill, PlayMode::Exam)), "done");
    followed_all(&mut drill);
}

#[test]
fn node_hang_runbook_reboots_node_3_alone() {
    let seed = quorum_sim::scenario::builtin("node-hang")
        .unwrap()
        .seed_for_case("reboot=comes-back", 1, 1_000)
        .unwrap();
    let mut drill = Drill::new("node-hang", seed);
    until(&mut drill, "08:00", |d| {
        matches!(
            d.sim.instances()[2].checks,
            quorum_sim::model::Checks::Failed { .. }
        ) && !d.events("node_left").is_empty()
    });
    let t = quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000);
    drill.act(&t, "cat-nodes");
    drill.act(
        &quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000),
        "reboot node-3",
    );
    until(&mut drill, "25:00", |d| {
        d.health() == quorum_sim::Health::Green
    });
    assert_eq!(at(&view(&drill, PlayMode::Mentor)), "wait-rejoin");
    drill.act(
        &quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000),
        "cat-nodes",
    );
    drill.act(
        &quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000),
        "health",
    );
    drill.run_to(&quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000));
    assert_eq!(at(&view(&drill, PlayMode::Exam)), "done");
    followed_all(&mut drill);
}

#[test]
fn disk_full_runbook_cleans_the_log_and_the_block_lifts() {
    let mut drill = Drill::new("disk-full", 1);
    drill.act("07:00", "cat-allocation").run_to("07:01");
    assert_eq!(
        done(&view(&drill, PlayMode::Exam), "check-disk"),
        None,
        "not yet over 80%"
    );
    drill.act("09:30", "cat-allocation").run_to("09:31");
    assert!(done(&view(&drill, PlayMode::Exam), "check-disk").is_some());
    drill.act("09:40", "clean-logs node-2").run_to("09:41");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(selected(&v, "decide"), [Some(true), Some(false)]);
    until(&mut drill, "20:00", |d| {
        d.health() == quorum_sim::Health::Green
    });
    drill.act(
        &quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000),
        "health",
    );
    drill.run_to(&quorum_sim::time::fmt_clock(drill.sim.now_ms() + 1_000));
    assert_eq!(at(&view(&drill, PlayMode::Exam)), "done");
    followed_all(&mut drill);
}

#[test]
fn every_builtin_runbook_lints_clean_and_every_case_has_a_proof_that_follows_it() {
    for s in quorum_sim::scenario::all() {
        assert_eq!(
            quorum_sim::runbook::lint(s),
            Vec::<String>::new(),
            "{}",
            s.id
        );
        assert_eq!(s.runbook.is_some(), s.id != "sandbox", "{}", s.id);
    }
}

#[test]
fn proofs_count_as_handled_cleanly_idling_through_a_lost_node_and_the_trap_do_not() {
    use quorum_sim::coverage::handled_cleanly;
    let s = quorum_sim::scenario::builtin("seed-ami-trap").unwrap();
    for case in s.branch_cases() {
        let seed = s.seed_for_case(&case.id, 1, 10_000).unwrap();
        let proof = quorum_sim::script::parse(&s.proof_for(&case.id).unwrap().actions).unwrap();
        let report = quorum_sim::run(s, seed, &proof);
        assert!(handled_cleanly(&report), "{}: {report:?}", case.id);
        let idle = quorum_sim::run(s, seed, &[]);
        // Waiting is the answer only when node-1 comes back.
        assert_eq!(
            handled_cleanly(&idle),
            !case.id.starts_with("recovery=never"),
            "{}",
            case.id
        );
        let trap = quorum_sim::script::parse(&s.trap.as_ref().unwrap().actions).unwrap();
        assert!(
            !handled_cleanly(&quorum_sim::run(s, seed, &trap)),
            "{}",
            case.id
        );
    }
}

#[test]
fn the_debrief_lays_the_trainees_actions_beside_the_runbook() {
    let seed = seed_where("recovery=never,setup=ok", |_| true);
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill
        .act("00:40", "health")
        .act("02:00", "create-image node-2") // the trap: No reboot unticked
        .act("07:00", "launch node-4 --image base")
        .act("09:00", "setup node-4");
    let cmp = drill.finish().runbook.unwrap();
    expect_test::expect![[r#"
        Runbook "Node down in a 3-node cluster": 5 of 9 steps followed
          ✓ 00:40        GET _cluster/health: expect yellow — the cluster serves on two nodes. Touch neither of them.
          ✗ not followed GET _cat/nodes: node-1 is gone; node-2 and node-3 remain, one of them master.
          ✓ 02:00        EC2 console: node-1's status checks fail (the host, not the OS).
          ✓ 07:00        Does node-1 come back? Give EC2's automatic recovery 15 minutes.
          ✓ 07:00        Launch node-4 from the base image — never from an image of a live node.
          ✓ 09:00        Run setup on node-4, without initial_master_nodes (it joins the formed cluster).
          ✗ not followed Did setup work?
          ✗ not followed GET _cluster/health: wait for green while the replicas are rebuilt.
          ✗ not followed Three nodes and green: full redundancy again. Write down what happened.
        Off the runbook:
          02:00 create-image node-2 — cost 1,000 points and caused 02:42 of outage
    "#]].assert_eq(&cmp.text(Lang::En));
    expect_test::expect![[r#"
        ランブック「3ノードクラスタの1台ダウン」: 9 手順中 5 手順を実施
          ✓ 00:40        GET _cluster/health: yellow のはず（2台で稼働中）。残りの2台には手を触れない。
          ✗ 未実施          GET _cat/nodes: node-1 が消え、node-2 と node-3 が残っている（どちらかがマスター）。
          ✓ 02:00        EC2 コンソール: node-1 のステータスチェックが失敗している（OS ではなくホスト）。
          ✓ 07:00        node-1 は戻るか？ EC2 の自動復旧を15分待つ。
          ✓ 07:00        ベースイメージから node-4 を起動する。稼働中のノードのイメージからは決して起動しない。
          ✓ 09:00        node-4 でセットアップを実行する。initial_master_nodes は指定しない（既存クラスタに参加させる）。
          ✗ 未実施          セットアップは成功したか？
          ✗ 未実施          GET _cluster/health: レプリカの再構築を待ち、green になるのを確認する。
          ✗ 未実施          3ノードで green: 冗長性が戻った。経緯を記録する。
        ランブック外の操作:
          02:00 create-image node-2 — 1,000 点の減点、02:42 の障害を引き起こした
    "#]].assert_eq(&cmp.text(Lang::Ja));
}

#[test]
fn replacing_a_node_that_comes_back_leaves_the_runbook_at_the_decision() {
    let seed = seed_where("recovery=early", |_| true);
    let mut drill = Drill::new("seed-ami-trap", seed);
    drill
        .act("00:40", "health")
        .act("00:41", "cat-nodes")
        .run_to("01:30");
    // The trainee does not wait for EC2: a launch is the first step of a replacement branch.
    drill.act("01:30", "launch node-4 --image base");
    let exam = view(&drill, PlayMode::Exam);
    assert_eq!(at(&exam), "setup", "the exam panel follows the trainee");
    let report = drill.finish();
    let cmp = report.runbook.unwrap();
    let decide = cmp.path.iter().find(|p| p.id == "decide").unwrap();
    assert_eq!(decide.followed_at_ms, None, "the world's way was to wait");
    assert_eq!(cmp.off_path.len(), 1);
    assert_eq!(cmp.off_path[0].action, "launch node-4 --image base");
    assert_eq!(cmp.off_path[0].outage_ms, 0);
}

#[test]
fn every_runbook_speaks_both_languages() {
    for s in quorum_sim::scenario::all() {
        let Some(rb) = &s.runbook else { continue };
        assert!(!rb.title.ja.is_empty(), "{}", s.id);
        for step in &rb.steps {
            assert!(!step.text.ja.is_empty(), "{} {}", s.id, step.id);
            for b in &step.branches {
                assert!(!b.text.ja.is_empty(), "{} {} → {}", s.id, step.id, b.goto);
            }
        }
        let v = quorum_sim::Sim::new(s, 1)
            .runbook_view(Lang::Ja, PlayMode::Exam)
            .unwrap();
        assert_eq!(v.title, rb.title.ja);
    }
}

/// seed-ami-trap with its runbook replaced by `runbook` (TOML), for the observations the
/// built-in runbooks do not use.
fn with_runbook(runbook: &str) -> quorum_sim::Scenario {
    let (_, source) = quorum_sim::scenario::BUILTIN_SOURCES
        .iter()
        .find(|(id, _)| *id == "seed-ami-trap")
        .unwrap();
    let head = &source[..source.find("[runbook]").unwrap()];
    let mut s = quorum_sim::scenario::parse(&format!("{head}{runbook}")).unwrap();
    s.proofs.clear();
    s
}

#[test]
fn guards_on_images_the_clock_and_a_lost_master() {
    let scenario = with_runbook(
        r#"
[runbook]
title = { en = "Observations" }
[[runbook.steps]]
id = "image"
kind = "action"
text = { en = "Image node-2 with No reboot" }
action = "create-image node-2 --no-reboot --name n2"
[[runbook.steps]]
id = "wait-image"
kind = "decision"
text = { en = "Is the image there?" }
[[runbook.steps.branches]]
guard = "image n2 available"
goto = "clock"
text = { en = "available" }
[[runbook.steps.branches]]
guard = "elapsed 44:00"
goto = "done"
text = { en = "too late" }
[[runbook.steps]]
id = "clock"
kind = "check"
text = { en = "Thirty minutes in" }
observe = "elapsed 30:00"
[[runbook.steps]]
id = "lost"
kind = "decision"
text = { en = "Master?" }
[[runbook.steps.branches]]
guard = "health no-master"
goto = "nodes-unknown"
text = { en = "no master" }
[[runbook.steps]]
id = "nodes-unknown"
kind = "decision"
text = { en = "What does _cat/nodes say?" }
[[runbook.steps.branches]]
guard = "node-in-cluster node-3 yes"
goto = "done"
text = { en = "node-3 listed" }
[[runbook.steps.branches]]
guard = "node-in-cluster node-3 no"
goto = "done"
text = { en = "node-3 not listed" }
[[runbook.steps]]
id = "done"
kind = "end"
text = { en = "end" }
"#,
    );
    // node-1 never comes back here: a reboot of node-2 later takes the quorum away.
    let seed = seed_where("recovery=never,setup=ok", |_| true);
    let mut drill = Drill {
        sim: quorum_sim::Sim::new(&scenario, seed),
    };
    // The image's name is the trainee's; the runbook follows it.
    drill.act("01:00", "create-image node-2 --no-reboot --name my-image");
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(at(&v), "wait-image");
    assert_eq!(
        selected(&v, "wait-image"),
        [Some(false), Some(false)],
        "pending"
    );
    until(&mut drill, "30:00", |d| {
        d.sim
            .images()
            .iter()
            .any(|i| i.state == quorum_sim::model::ImageState::Available)
    });
    drill.run_to(&quorum_sim::time::fmt_clock(drill.sim.now_ms() + 100));
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(selected(&v, "wait-image"), [Some(true), Some(false)]);
    assert!(drill.sim.now_ms() < clock("30:00"), "images take minutes");
    assert_eq!(at(&v), "clock", "the clock check waits for 30:00");
    drill.run_to("30:00");
    assert_eq!(
        done(&view(&drill, PlayMode::Mentor), "clock"),
        Some(clock("30:00"))
    );
    assert_eq!(at(&view(&drill, PlayMode::Mentor)), "lost");
    // Take the quorum away: node-2 rebooting while node-1 is down leaves no master, and
    // then _cat/nodes lists nothing: neither guard of the next decision holds.
    drill.act("30:30", "reboot node-2").run_to("30:35");
    assert_eq!(drill.health(), quorum_sim::Health::NoMaster);
    let v = view(&drill, PlayMode::Mentor);
    assert_eq!(selected(&v, "lost"), [Some(true)]);
    assert_eq!(at(&v), "nodes-unknown");
    assert_eq!(selected(&v, "nodes-unknown"), [Some(false), Some(false)]);
}
