//! The sim's Japanese: penalties, alarms, status checks, faults and senders read in Japanese
//! from the sim's own data (the UI only renders them), and the English stays as it was.

mod common;

use common::Drill;
use quorum_sim::event::{Event, EventKind, Health};
use quorum_sim::model::Checks;
use quorum_sim::report::Risk;
use quorum_sim::scenario::{fault_label, sender_label, FaultKind, Lang};
use quorum_sim::script;

fn has_latin_word(text: &str, allowed: &[&str]) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 1)
        .any(|w| !allowed.contains(&w))
}

#[test]
fn every_risk_reads_in_japanese_and_keeps_its_english() {
    let cases = [
        (
            Risk::CloneLaunch,
            "launched a node from a clone of another node's disk (its data path carries the same node id); the runbook launches from the base image and runs setup",
            "別ノードのディスクの複製からノードを起動した（データパスが同じノード ID を持つ）。ランブックはベースイメージから起動してセットアップを実行する",
        ),
        (
            Risk::InitialMasterNodes,
            "set cluster.initial_master_nodes on a node joining a formed cluster: it may bootstrap a second, empty cluster",
            "形成済みクラスタに参加するノードに cluster.initial_master_nodes を設定した: 空の2つ目のクラスタをブートストラップするおそれがある",
        ),
        (
            Risk::OnlyCopy { shard: 2 },
            "terminated the node holding the only copy of shard 2: its data is deleted with the root volume",
            "シャード 2 の唯一のコピーを持つノードを終了した: データはルートボリュームとともに削除される",
        ),
        (
            Risk::QuorumNeeded {
                node: "node-3".into(),
                up: 2,
                voters: 3,
                need: 2,
            },
            "took node-3 away while the quorum needed it (2 of 3 voting nodes were up; 2 are required)",
            "クォーラムに必要な node-3 を外した（投票ノード 3 台中 2 台が稼働、2 台が必要）",
        ),
        (
            Risk::RedundancyReduced {
                node: "node-2".into(),
                health: Health::Yellow,
            },
            "took node-2 away while redundancy was already reduced (health yellow)",
            "冗長性がすでに低下しているときに node-2 を外した（ヘルス yellow）",
        ),
    ];
    for (risk, en, ja) in cases {
        assert_eq!(risk.text(Lang::En), en);
        assert_eq!(risk.text(Lang::Ja), ja);
    }
}

#[test]
fn a_penalty_earned_in_a_drill_reads_in_japanese_in_the_debrief_and_the_mentor() {
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.run_to("02:00");
    let action = script::parse_action(&["create-image", "node-2"]).unwrap();
    let prediction = drill.sim.predict(&action, Lang::Ja);
    assert!(prediction.penalty_points > 0);
    assert!(
        prediction
            .summary
            .contains("クォーラムに必要な node-2 を外した"),
        "{}",
        prediction.summary
    );
    assert!(
        !prediction.summary.contains("took node-2"),
        "{}",
        prediction.summary
    );
    drill.sim.apply(action);
    let report = drill.finish();
    let p = &report.penalties[0];
    assert_eq!(
        p.reason,
        "took node-2 away while the quorum needed it (2 of 3 voting nodes were up; 2 are required)"
    );
    assert_eq!(p.text(Lang::En), p.reason);
    assert_eq!(
        p.text(Lang::Ja),
        "クォーラムに必要な node-2 を外した（投票ノード 3 台中 2 台が稼働、2 台が必要）"
    );
    // The report's JSON keeps the English reason and nothing else.
    let json = serde_json::to_string(p).unwrap();
    assert!(!json.contains("risk"), "{json}");
}

#[test]
fn the_outage_explanation_names_the_fault_in_japanese() {
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.act("02:00", "create-image node-2");
    let report = drill.finish();
    let outage = &report.outages[0];
    assert!(
        outage
            .explanation_ja
            .contains("node-1 がダウン（00:00 にホスト障害）"),
        "{}",
        outage.explanation_ja
    );
    assert!(!outage.explanation_ja.contains("host-failure"));
    // The English is as it was.
    assert!(
        outage
            .explanation
            .contains("node-1 was down (host-failure at 00:00)"),
        "{}",
        outage.explanation
    );
}

fn alarms(drill: &Drill, name_ends: &str, firing: bool) -> Vec<Event> {
    drill
        .sim
        .events()
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Alarm { name, alarm, .. }
                if name.ends_with(name_ends) && *alarm == firing)
        })
        .cloned()
        .collect()
}

#[test]
fn the_5xx_alarm_reads_in_japanese_from_its_figures() {
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.act("02:00", "create-image node-2");
    drill.finish();
    let on = &alarms(&drill, "5xx-rate", true)[0];
    let EventKind::Alarm { text, .. } = &on.kind else {
        unreachable!()
    };
    assert!(text.starts_with("search 5xx rate "), "{text}");
    let ja = on.alarm_body(Lang::Ja).unwrap();
    assert!(
        ja.starts_with("検索の 5xx 率 ")
            && ja.contains("%（直近1分、")
            && ja.ends_with("件が失敗）"),
        "{ja}"
    );
    assert!(!has_latin_word(&ja, &["xx"]), "{ja}");
    assert_eq!(on.alarm_body(Lang::En).as_deref(), Some(text.as_str()));
    assert!(on.message(Lang::Ja).ends_with(&ja));
    let page = on.page(Lang::Ja).unwrap();
    assert!(page.ends_with(&format!("search-cluster: {ja}")), "{page}");
    let off = &alarms(&drill, "5xx-rate", false)[0];
    assert_eq!(
        off.alarm_body(Lang::Ja).unwrap(),
        "検索の 5xx 率が 1% 未満に戻った"
    );
}

#[test]
fn the_disk_alarm_reads_in_japanese_from_its_figures() {
    let mut drill = Drill::new("disk-full", 1);
    drill.finish();
    let on = alarms(&drill, "disk_used_percent", true);
    let on = on.first().expect("disk-full fires a disk alarm");
    let ja = on.alarm_body(Lang::Ja).unwrap();
    assert!(
        ja.contains(" のディスク使用率 ") && ja.ends_with("%（しきい値 80%）"),
        "{ja}"
    );
    assert!(!has_latin_word(&ja, &["node"]), "{ja}");
    // A serialized alarm keeps its English text only.
    let json = serde_json::to_string(on).unwrap();
    assert!(!json.contains("figures"), "{json}");
}

#[test]
fn status_checks_and_their_alarms_read_in_japanese() {
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.run_to("01:30");
    let checks: Vec<String> = drill
        .events("status_checks")
        .iter()
        .map(|e| e.message(Lang::Ja))
        .collect();
    assert!(
        checks
            .iter()
            .any(|m| m == "node-1 のステータスチェック: 2/3 のチェックに失敗しました"),
        "{checks:?}"
    );
    assert!(checks.iter().all(|m| !m.contains("checks")), "{checks:?}");
    let on = &alarms(&drill, "StatusCheckFailed_System", true)[0];
    assert!(on
        .alarm_body(Lang::Ja)
        .unwrap()
        .contains("でシステムステータスチェックが失敗"));

    assert_eq!(
        Checks::Ok { of: 3 }.text(Lang::Ja),
        "3/3 のチェックに合格しました"
    );
    assert_eq!(Checks::Ok { of: 3 }.label(), "3/3 checks passed");
    assert_eq!(Checks::Ok { of: 2 }.label(), "2/2 checks passed");
    assert_eq!(Checks::Initializing.text(Lang::Ja), "初期化しています");
    let one = Checks::Failed {
        system_ok: true,
        instance_ok: false,
        of: 3,
    };
    assert_eq!(one.label(), "1/3 checks failed");
    assert_eq!(one.text(Lang::Ja), "1/3 のチェックに失敗しました");
    assert_eq!(
        Checks::from_label("1/3 checks failed").map(|c| c.label()),
        Some(one.label())
    );
    assert_eq!(
        Checks::from_label("1/2 checks failed").map(|c| c.label()),
        Some("1/2 checks failed".into())
    );
    assert_eq!(
        Checks::from_label("Initializing"),
        Some(Checks::Initializing)
    );
    assert_eq!(Checks::from_label("bogus"), None);
}

#[test]
fn faults_and_senders_have_japanese_names() {
    for kind in FaultKind::ALL {
        assert_eq!(FaultKind::from_id(kind.as_str()), Some(kind));
        let ja = kind.label(Lang::Ja);
        assert_ne!(ja, kind.as_str());
        assert!(!has_latin_word(ja, &["OS"]), "{ja}");
    }
    assert_eq!(fault_label("host-failure", Lang::Ja), "ホスト障害");
    assert_eq!(fault_label("host-failure", Lang::En), "host failure");
    assert_eq!(fault_label("mystery", Lang::Ja), "mystery");
    assert_eq!(sender_label("Team lead", Lang::Ja), "チームリーダー");
    assert_eq!(
        sender_label("Product manager", Lang::Ja),
        "プロダクトマネージャー"
    );
    assert_eq!(sender_label("Team lead", Lang::En), "Team lead");
    // Every sender the scenarios use has a Japanese name, and chat lines use it.
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.finish();
    let chats = drill.events("chat");
    assert!(!chats.is_empty());
    for e in chats {
        let EventKind::Chat { from, .. } = &e.kind else {
            unreachable!()
        };
        assert_ne!(sender_label(from, Lang::Ja), from.as_str(), "{from}");
        assert!(e
            .message(Lang::Ja)
            .starts_with(sender_label(from, Lang::Ja)));
    }
}

#[test]
fn a_ghost_replay_credits_its_player_not_you() {
    let mut drill = Drill::new("seed-ami-trap", 3);
    drill.act("00:30", "create-image node-2 --no-reboot");
    let accepted = drill.events("action_accepted")[0];
    assert_eq!(
        accepted.message(Lang::En),
        "You: create-image node-2 --no-reboot (No reboot: checked)"
    );
    assert_eq!(
        accepted.message_as(Lang::En, Some("alice")),
        "alice: create-image node-2 --no-reboot (No reboot: checked)"
    );
    assert_eq!(
        accepted.message_as(Lang::Ja, Some("alice")),
        "alice: create-image node-2 --no-reboot（再起動しない: オン）"
    );
}
