//! Small presentation helpers shared by the panels (labels, classes, formatting).

use quorum_sim::event::Health;
use quorum_sim::report::Cause;

use crate::i18n::{clock, tr, Lang};

/// The value of the health badge's `data-health` attribute and its CSS modifier.
pub fn health_key(health: Health) -> &'static str {
    match health {
        Health::Green => "green",
        Health::Yellow => "yellow",
        Health::Red => "red",
        Health::NoMaster => "no-master",
    }
}

/// The health as the badge spells it. The colour words stay in English in both languages
/// (they are what `_cluster/health` answers); "no master" is translated.
pub fn health_label(lang: Lang, health: Health) -> &'static str {
    match health {
        Health::Green => "green",
        Health::Yellow => "yellow",
        Health::Red => "red",
        Health::NoMaster => tr(lang, "no master", "マスター不在"),
    }
}

/// What the health means for the trainee, one short line.
pub fn health_hint(lang: Lang, health: Health) -> &'static str {
    match health {
        Health::Green => tr(
            lang,
            "all shard copies assigned",
            "すべてのシャードコピーが割り当て済み",
        ),
        Health::Yellow => tr(
            lang,
            "some replicas unassigned",
            "一部のレプリカが未割り当て",
        ),
        Health::Red => tr(
            lang,
            "a primary shard is unassigned",
            "プライマリシャードが未割り当て",
        ),
        Health::NoMaster => tr(
            lang,
            "no elected master: writes fail",
            "マスター未選出: 書き込み不可",
        ),
    }
}

/// A duration as `mm:ss` (or `h:mm:ss`).
pub fn dur(ms: u64) -> String {
    clock(ms)
}

/// Counts (`12,345`) and signed counts (`+1,500`, `−1,500`, `0`): the sim's one formatter,
/// as the CLI shows them.
pub use quorum_sim::time::{fmt_count as count, fmt_signed as signed};

/// A fault as people name it (the scenario's id, `host-failure`, is not a word).
pub fn fault_label(lang: Lang, fault: &str) -> &str {
    match fault {
        "host-failure" => tr(lang, "host failure", "ホスト障害"),
        "host-recovery" => tr(lang, "host recovery", "ホストの自動復旧"),
        "os-hang" => tr(lang, "OS hang", "OS のハングアップ"),
        "disk-fill" => tr(lang, "disk filling up", "ディスク容量の逼迫"),
        other => other,
    }
}

/// A chat sender in `lang` (the scenarios name them in English).
pub fn sender_label(lang: Lang, from: &str) -> &str {
    match from {
        "Product manager" => tr(lang, "Product manager", "プロダクトマネージャー"),
        "Team lead" => tr(lang, "Team lead", "チームリーダー"),
        other => other,
    }
}

/// The console's status-check words (as the sim logs them) in `lang`.
pub fn checks_label(lang: Lang, checks: &str) -> String {
    match (lang, checks.split_once("/2 checks ")) {
        (Lang::Ja, Some((n, "passed"))) => format!("{n}/2 のチェックに合格"),
        (Lang::Ja, Some((n, "failed"))) => format!("{n}/2 のチェックに失敗"),
        (Lang::Ja, None) if checks == "Initializing" => "初期化しています".into(),
        _ => checks.into(),
    }
}

/// A CloudWatch alarm's body in `lang`: the sim's Japanese, with the English figures it
/// quotes for the 5xx and disk alarms reworded (the sim writes those in English only).
pub fn alarm_body(e: &quorum_sim::event::Event, lang: Lang) -> String {
    let message = e.message(lang);
    let body = message
        .split_once(" — ")
        .map_or(message.as_str(), |(_, b)| b);
    let quoted = |t: &str| -> Option<String> {
        if let Some(rest) = t.strip_prefix("search 5xx rate ") {
            let (p, _) = rest.split_once('%')?;
            let (_, counts) = rest.rsplit_once('(')?;
            let (failed, total) = counts
                .strip_suffix(" requests failed)")?
                .split_once(" of ")?;
            return Some(format!(
                "検索の 5xx 率 {p}%（直近1分、{total} 件中 {failed} 件が失敗）"
            ));
        }
        let rest = t.strip_prefix("disk_used_percent ")?;
        let (p, rest) = rest.split_once("% on ")?;
        let (inst, rest) = rest.split_once(" (threshold ")?;
        let limit = rest.strip_suffix("%)")?;
        Some(format!("{inst} のディスク使用率 {p}%（しきい値 {limit}%）"))
    };
    match (lang, &e.kind) {
        (
            Lang::Ja,
            quorum_sim::event::EventKind::Alarm {
                alarm: true, text, ..
            },
        ) => quoted(text).unwrap_or_else(|| body.to_string()),
        _ => body.to_string(),
    }
}

/// A penalty's reason in `lang`. The sim writes the five risk reasons in English only; the
/// Japanese is matched on them here (a typed reason in the sim would be the lasting fix).
pub fn penalty_reason(lang: Lang, reason: &str) -> String {
    if lang == Lang::En {
        return reason.into();
    }
    let ja = || -> Option<String> {
        if reason.starts_with("launched a node from a clone") {
            return Some("別ノードのディスクの複製からノードを起動した（データパスが同じノード ID を持つ）。ランブックはベースイメージから起動してセットアップを実行する".into());
        }
        if reason.starts_with("set cluster.initial_master_nodes") {
            return Some("形成済みクラスタに参加するノードに cluster.initial_master_nodes を設定した: 空の2つ目のクラスタをブートストラップするおそれがある".into());
        }
        if let Some(rest) =
            reason.strip_prefix("terminated the node holding the only copy of shard ")
        {
            let (n, _) = rest.split_once(':')?;
            return Some(format!("シャード {n} の唯一のコピーを持つノードを終了した: データはルートボリュームとともに削除される"));
        }
        let rest = reason.strip_prefix("took ")?;
        let (name, rest) = rest.split_once(" away while ")?;
        if let Some(rest) = rest.strip_prefix("the quorum needed it (") {
            let (up, rest) = rest.split_once(" of ")?;
            let (voters, rest) = rest.split_once(" voting nodes were up; ")?;
            let (need, _) = rest.split_once(" are required")?;
            return Some(format!("クォーラムに必要な {name} を外した（投票ノード {voters} 台中 {up} 台が稼働、{need} 台が必要）"));
        }
        let health = rest
            .strip_prefix("redundancy was already reduced (health ")?
            .strip_suffix(')')?;
        Some(format!(
            "冗長性がすでに低下しているときに {name} を外した（ヘルス {health}）"
        ))
    };
    ja().unwrap_or_else(|| reason.into())
}

/// One cause of an outage in words, in `lang` (the sim's own explanation is English).
pub fn cause_text(lang: Lang, cause: &Cause) -> String {
    match (cause, lang) {
        (Cause::Fault { node, fault, at_ms }, Lang::En) => {
            format!(
                "{node} was down: {} at {}",
                fault_label(lang, fault),
                clock(*at_ms)
            )
        }
        (Cause::Fault { node, fault, at_ms }, Lang::Ja) => {
            format!(
                "{node} がダウン: {} に{}",
                clock(*at_ms),
                fault_label(lang, fault)
            )
        }
        (
            Cause::Action {
                node,
                action_index,
                action,
                at_ms,
            },
            Lang::En,
        ) => format!(
            "{node} was taken down by your action #{} `{action}` at {}",
            action_index + 1,
            clock(*at_ms)
        ),
        (
            Cause::Action {
                node,
                action_index,
                action,
                at_ms,
            },
            Lang::Ja,
        ) => format!(
            "{node} があなたの操作 #{}「{action}」（{}）でダウン",
            action_index + 1,
            clock(*at_ms)
        ),
    }
}

/// Percent done of a recovery, 0–100.
pub fn percent(done: u64, total: u64) -> u64 {
    done.saturating_mul(100)
        .checked_div(total)
        .map_or(100, |p| p.min(100))
}

/// The `value` of the element an event came from (`<input>`, `<select>`), read by property
/// so that it works for any form control.
pub fn target_value(event: &web_sys::Event) -> String {
    let Some(target) = event.target() else {
        return String::new();
    };
    web_sys::js_sys::Reflect::get(&target, &wasm_bindgen::JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// `checked` of the checkbox an event came from.
pub fn target_checked(event: &web_sys::Event) -> bool {
    let Some(target) = event.target() else {
        return false;
    };
    web_sys::js_sys::Reflect::get(&target, &wasm_bindgen::JsValue::from_str("checked"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_counts_have_separators() {
        assert_eq!(signed(-1500), "−1,500");
        assert_eq!(signed(1500), "+1,500");
        assert_eq!(count(30_593), "30,593");
    }

    #[test]
    fn japanese_has_no_raw_ids_or_console_english() {
        assert_eq!(fault_label(Lang::Ja, "host-failure"), "ホスト障害");
        assert_eq!(fault_label(Lang::En, "host-failure"), "host failure");
        assert_eq!(
            checks_label(Lang::Ja, "2/2 checks failed"),
            "2/2 のチェックに失敗"
        );
        assert_eq!(
            checks_label(Lang::Ja, "2/2 checks passed"),
            "2/2 のチェックに合格"
        );
        assert_eq!(
            checks_label(Lang::En, "1/2 checks failed"),
            "1/2 checks failed"
        );
        assert_eq!(sender_label(Lang::Ja, "Team lead"), "チームリーダー");
    }

    #[test]
    fn penalty_reasons_read_in_japanese() {
        let r = "took node-3 away while the quorum needed it (2 of 3 voting nodes were up; 2 are required)";
        assert_eq!(
            penalty_reason(Lang::Ja, r),
            "クォーラムに必要な node-3 を外した（投票ノード 3 台中 2 台が稼働、2 台が必要）"
        );
        assert_eq!(penalty_reason(Lang::En, r), r);
        let r = "took node-2 away while redundancy was already reduced (health yellow)";
        assert!(penalty_reason(Lang::Ja, r).contains("ヘルス yellow"));
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(percent(5, 10), 50);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(20, 10), 100);
    }
}
