//! Small presentation helpers shared by the panels (labels, classes, formatting).

use quorum_sim::event::Health;
use quorum_sim::report::Cause;

use quorum_sim::scenario::fault_label;

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

/// One cause of an outage in words, in `lang` (the sim's own explanation is English).
pub fn cause_text(lang: Lang, cause: &Cause) -> String {
    match (cause, lang) {
        (Cause::Fault { node, fault, at_ms }, Lang::En) => {
            format!(
                "{node} was down: {} at {}",
                fault_label(fault, lang),
                clock(*at_ms)
            )
        }
        (Cause::Fault { node, fault, at_ms }, Lang::Ja) => {
            format!(
                "{node} がダウン: {} に{}",
                clock(*at_ms),
                fault_label(fault, lang)
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

/// An `input` or `change` handler that stores the control's value in `state`: one instance
/// per event type for every text field (not a closure type per field).
pub fn store_value<E: AsRef<web_sys::Event> + 'static>(
    state: &yew::UseStateHandle<String>,
) -> yew::Callback<E> {
    let state = state.clone();
    yew::Callback::from(move |e: E| state.set(target_value(e.as_ref())))
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

/// One of the counters (traffic panel, debrief): its label, the value in a `<dd>` of
/// `value_class` (the counter red when `bad`) and a muted suffix if not empty.
pub fn counter(
    value_class: &'static str,
    label: &'static str,
    bad: bool,
    value: String,
    suffix: String,
) -> yew::Html {
    yew::html! {
        <div class={if bad { "counter bad" } else { "counter" }}>
            <dt>{ label }</dt>
            <dd class={value_class}>{ value }if !suffix.is_empty() { <span class="muted small">{ suffix }</span> }</dd>
        </div>
    }
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
    fn causes_name_the_fault_not_its_id() {
        let cause = Cause::Fault {
            node: "node-1".into(),
            fault: "host-failure".into(),
            at_ms: 60_000,
        };
        assert_eq!(
            cause_text(Lang::Ja, &cause),
            "node-1 がダウン: 01:00 にホスト障害"
        );
        assert_eq!(
            cause_text(Lang::En, &cause),
            "node-1 was down: host failure at 01:00"
        );
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(percent(5, 10), 50);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(20, 10), 100);
    }
}
