//! Notifications: CloudWatch-style alarms (ALARM / OK), EC2 notices and chat messages,
//! newest first, with the alarms currently firing summarised on top.

use quorum_sim::event::EventKind;
use quorum_sim::scenario::sender_label;
use yew::prelude::*;

use super::SimProps;
use crate::i18n::{clock, tr};

/// Notifications rendered at most.
const MAX_ITEMS: usize = 60;
/// A notification this recent (sim ms) is highlighted as new.
const FRESH_MS: u64 = 30_000;

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The panel as a component, for the panel tests; the drill screen calls [`notifications`]
/// instead (a plain function: no component machinery for it in the wasm).
#[component]
pub fn Notifications(props: &SimProps) -> Html {
    notifications(props)
}

pub fn notifications(props: &SimProps) -> Html {
    let lang = props.lang;
    let sim = props.sim.borrow();
    let now = sim.now_ms();

    // The alarms in ALARM now, as the sim counts them (an alarm returns to OK under its name).
    let firing = sim.alarms_in_alarm();

    let items: Vec<Html> = sim
        .events()
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, e)| matches!(e.kind, EventKind::Alarm { .. } | EventKind::Ec2Notice { .. } | EventKind::Chat { .. }))
        .take(MAX_ITEMS)
        .map(|(i, e)| {
            let fresh = now.saturating_sub(e.at_ms) < FRESH_MS;
            let time = html! { <time class="mono muted notif-time">{ clock(e.at_ms) }</time> };
            let key = i;
            match &e.kind {
                EventKind::Alarm { name, alarm, .. } => {
                    let state = if *alarm { "ALARM" } else { "OK" };
                    html! {
                        <li key={key} class={classes!("notif", "notif-alarm", if *alarm { "is-alarm" } else { "is-ok" }, fresh.then_some("fresh"))}>
                            { time }
                            <span class={if *alarm { "alarm-state alarm-on" } else { "alarm-state alarm-ok" }}>{ state }</span>
                            <div class="notif-body">
                                <div class="notif-title"><span class="notif-kind">{ "CloudWatch" }</span>{ name.clone() }</div>
                                <div class="notif-text">{ e.alarm_body(lang).unwrap_or_default() }</div>
                                if let Some(page) = e.page(lang) {
                                    <div class="notif-page mono" data-testid="pager">{ page }</div>
                                }
                            </div>
                        </li>
                    }
                }
                EventKind::Ec2Notice { instance, text } => html! {
                    <li key={key} class={classes!("notif", "notif-ec2", fresh.then_some("fresh"))}>
                        { time }
                        <span class="notif-badge ec2">{ "EC2" }</span>
                        <div class="notif-body">
                            <div class="notif-title"><span class="notif-kind">{ tr(lang, "AWS Health", "AWS Health") }</span>{ instance.clone() }</div>
                            <div class="notif-text">{ text.clone() }</div>
                        </div>
                    </li>
                },
                EventKind::Chat { from, text } => html! {
                    <li key={key} class={if fresh { "notif notif-chat fresh" } else { "notif notif-chat" }}>
                        { time }
                        <span class="avatar" aria-hidden="true">{ initials(from) }</span>
                        <div class="notif-body">
                            <div class="notif-title chat-from">{ sender_label(from, lang).to_string() }</div>
                            <div class="notif-text chat-text">{ text.get(lang).to_string() }</div>
                        </div>
                    </li>
                },
                _ => html! {},
            }
        })
        .collect();

    html! {
        <section class="panel notifications" aria-label={tr(lang, "Notifications", "通知")}>
            <header class="panel-head">
                <h2>{ tr(lang, "Notifications", "通知") }</h2>
                <span class={if firing.is_empty() { "alarm-summary none" } else { "alarm-summary some" }}
                      title={firing.join(", ")}>
                    { if firing.is_empty() {
                        tr(lang, "no alarms firing", "発報中のアラームなし").to_string()
                    } else {
                        format!("{} {}", firing.len(), tr(lang, "in ALARM", "件 ALARM"))
                    } }
                </span>
            </header>
            <ol class="notif-list" aria-label={tr(lang, "Alarms, notices and messages, newest first", "アラーム・通知・メッセージ（新しい順）")}
                aria-live="polite">
                if items.is_empty() {
                    <li class="muted small notif-empty">{ tr(lang, "Nothing yet.", "まだ何もありません。") }</li>
                }
                { for items }
            </ol>
        </section>
    }
}
