//! The datastore API console: pick a call and a node, send it (as `Action::Api`), read the
//! responses newest first. A request that has no response yet (a master-level call waiting
//! out `master_timeout`, a connection timing out) shows as pending.

use quorum_sim::action::{Action, AllocationEnable, ApiRequest};
use quorum_sim::event::EventKind;
use quorum_sim::Sim;
use yew::prelude::*;

use super::util::{dur, store_value};
use super::ApiConsoleProps;
use crate::i18n::{clock, fixed, tr, Lang};

/// Responses shown at most (older ones are in the event log).
const MAX_EXCHANGES: usize = 25;

/// The calls offered, by the value of their `<option>`.
const CALLS: &[&str] = &[
    "health",
    "cat-nodes",
    "cat-shards",
    "cat-allocation",
    "get-settings",
    "alloc-all",
    "alloc-primaries",
    "alloc-new_primaries",
    "alloc-none",
    "voting-exclude",
    "voting-clear",
    "flush",
];

fn request_for(call: &str, node_names: &str) -> Option<ApiRequest> {
    Some(match call {
        "health" => ApiRequest::ClusterHealth,
        "cat-nodes" => ApiRequest::CatNodes,
        "cat-shards" => ApiRequest::CatShards,
        "cat-allocation" => ApiRequest::CatAllocation,
        "get-settings" => ApiRequest::GetSettings,
        "voting-clear" => ApiRequest::ClearVotingExclusions,
        "flush" => ApiRequest::Flush,
        "voting-exclude" => {
            let names: Vec<String> = node_names
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if names.is_empty() {
                return None;
            }
            ApiRequest::AddVotingExclusions { node_names: names }
        }
        other => ApiRequest::SetAllocation {
            enable: AllocationEnable::parse(other.strip_prefix("alloc-")?)?,
        },
    })
}

fn call_label(call: &str) -> String {
    match call {
        "voting-exclude" => "POST /_cluster/voting_config_exclusions?node_names=…".into(),
        "alloc-all" | "alloc-primaries" | "alloc-new_primaries" | "alloc-none" => {
            let enable = &call["alloc-".len()..];
            format!("PUT /_cluster/settings  allocation.enable = {enable}")
        }
        other => request_for(other, "x")
            .map(|r| r.http_line())
            .unwrap_or_default(),
    }
}

enum Outcome {
    Pending,
    Response {
        at_ms: u64,
        via: String,
        status: u16,
        body: String,
    },
    Refused(String),
}

struct Exchange {
    index: usize,
    sent_ms: u64,
    via: Option<String>,
    line: String,
    outcome: Outcome,
}

fn exchanges(sim: &Sim) -> Vec<Exchange> {
    // (action index, outcome); a Vec, not a map, keeps B-tree code out of the wasm.
    let mut answers: Vec<(usize, Outcome)> = Vec::new();
    for e in sim.events() {
        match &e.kind {
            EventKind::ApiResponse {
                index,
                via,
                status,
                body,
                ..
            } => {
                answers.push((
                    *index,
                    Outcome::Response {
                        at_ms: e.at_ms,
                        via: via.clone(),
                        status: *status,
                        body: body.clone(),
                    },
                ));
            }
            EventKind::ActionRefused {
                index,
                action: Action::Api { .. },
                reason,
            } => {
                answers.push((*index, Outcome::Refused(reason.clone())));
            }
            _ => {}
        }
    }
    let mut out: Vec<Exchange> = sim
        .actions()
        .iter()
        .enumerate()
        .rev()
        .filter_map(|(index, timed)| match &timed.action {
            Action::Api { via, request } => Some(Exchange {
                index,
                sent_ms: timed.at_ms,
                via: via.clone(),
                line: request.http_line(),
                // The last answer recorded for the action, as the map's insert kept.
                outcome: answers
                    .iter()
                    .rposition(|(i, _)| *i == index)
                    .map_or(Outcome::Pending, |at| answers.remove(at).1),
            }),
            _ => None,
        })
        .take(MAX_EXCHANGES)
        .collect();
    out.shrink_to_fit();
    out
}

fn status_view(lang: Lang, outcome: &Outcome, sent_ms: u64, now_ms: u64, paused: bool) -> Html {
    match outcome {
        Outcome::Pending if paused => html! {
            <span class="api-status status-pending" data-paused="true">
                { tr(lang, "pending — answered when the clock resumes", "応答待ち — 時計の再開後に応答") }
            </span>
        },
        Outcome::Pending => html! {
            <span class="api-status status-pending" aria-label={tr(lang, "pending", "応答待ち")}>
                <span class="spinner" aria-hidden="true"></span>
                { format!("{} {}", tr(lang, "pending", "応答待ち"), dur(now_ms.saturating_sub(sent_ms))) }
            </span>
        },
        Outcome::Response { status: 0, .. } => html! {
            <span class="api-status status-error">{ tr(lang, "connection error", "接続エラー") }</span>
        },
        Outcome::Response { status, .. } => {
            let cls = if *status >= 500 {
                "status-5xx"
            } else if *status >= 400 {
                "status-4xx"
            } else {
                "status-ok"
            };
            html! { <span class={classes!("api-status", cls)}>{ format!("HTTP {status}") }</span> }
        }
        Outcome::Refused(_) => html! {
            <span class="api-status status-error">{ tr(lang, "error", "エラー") }</span>
        },
    }
}

#[component]
pub fn ApiConsole(props: &ApiConsoleProps) -> Html {
    let lang = props.lang;
    let call = use_state(|| "health".to_string());
    let via = use_state(String::new);
    let node_names = use_state(String::new);

    let sim = props.sim.borrow();
    let now = sim.now_ms();
    let over = sim.is_over();

    // Nodes to send to: the sim's list (every live instance that runs the datastore).
    let targets = sim.api_targets();
    let request = request_for(&call, &node_names);
    let preview = request
        .as_ref()
        .map(|r| r.http_line())
        .unwrap_or_else(|| call_label(&call));

    let on_call = store_value::<Event>(&call);
    let on_via = store_value::<Event>(&via);
    let on_names = store_value::<InputEvent>(&node_names);
    let on_send = {
        let on_action = props.on_action.clone();
        let request = request.clone();
        let via = (*via).clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(request) = request.clone() {
                let via = if via.is_empty() {
                    None
                } else {
                    Some(via.clone())
                };
                on_action.emit(Action::Api { via, request });
            }
        })
    };

    let list = exchanges(&sim);
    let target_label = if via.is_empty() {
        tr(lang, "any node", "任意のノード").to_string()
    } else {
        (*via).clone()
    };

    html! {
        <section class="panel api-console" aria-label={tr(lang, "API console", "API コンソール")}>
            <header class="panel-head">
                <h2>{ tr(lang, "API console", "API コンソール") }</h2>
                <span class="muted small">{ tr(lang, "Datastore REST API, port 9200", "データストア REST API（ポート 9200）") }</span>
            </header>
            <form class="api-form" onsubmit={on_send}>
                <label class="field">
                    <span class="label">{ tr(lang, "Request", "リクエスト") }</span>
                    <select class="api-call" onchange={on_call} aria-label={tr(lang, "Request", "リクエスト")}>
                        { for CALLS.iter().map(|c| html! {
                            <option value={*c} selected={*c == call.as_str()}>{ call_label(c) }</option>
                        }) }
                    </select>
                </label>
                if call.as_str() == "voting-exclude" {
                    <label class="field">
                        <span class="label">{ "node_names" }</span>
                        <input class="api-node-names" type="text" value={(*node_names).clone()} oninput={on_names}
                               placeholder="node-1" aria-label="node_names" />
                    </label>
                }
                <label class="field">
                    <span class="label">{ tr(lang, "Send to", "送信先") }</span>
                    <select class="api-via" onchange={on_via} aria-label={tr(lang, "Send to", "送信先")}>
                        <option value="" selected={via.is_empty()}>{ tr(lang, "any node (client)", "任意のノード（クライアント）") }</option>
                        { for targets.iter().map(|t| html! {
                            <option value={t.clone()} selected={*t == *via}>{ t.clone() }</option>
                        }) }
                    </select>
                </label>
                <button type="submit" class="btn btn-primary api-send" disabled={request.is_none() || over}>
                    { tr(lang, "Send", "送信") }
                </button>
            </form>
            <div class="api-preview mono" aria-label={tr(lang, "request preview", "リクエストのプレビュー")}>
                <span class="muted">{ format!("→ {target_label}  ") }</span>{ preview }
            </div>
            <ol class="api-responses" aria-label={tr(lang, "Responses, newest first", "レスポンス（新しい順）")} aria-live="polite">
                if list.is_empty() {
                    <li class="muted small api-empty">{ tr(lang, "No requests yet.", "まだリクエストはありません。") }</li>
                }
                { for list.iter().map(|x| {
                    let (via_shown, took, body) = match &x.outcome {
                        Outcome::Response { at_ms, via, body, .. } => (via.clone(), Some(at_ms.saturating_sub(x.sent_ms)), body.clone()),
                        Outcome::Refused(reason) => (x.via.clone().unwrap_or_else(|| "-".into()), None, reason.clone()),
                        Outcome::Pending => (x.via.clone().unwrap_or_else(|| tr(lang, "any", "任意").into()), None, String::new()),
                    };
                    let failed = matches!(&x.outcome, Outcome::Response { status, .. } if *status == 0 || *status >= 400)
                        || matches!(x.outcome, Outcome::Refused(_));
                    html! {
                        <li key={x.index} class={classes!("api-exchange", failed.then_some("is-error"), matches!(x.outcome, Outcome::Pending).then_some("is-pending"))}>
                            <div class="api-exchange-head">
                                <span class="mono muted">{ clock(x.sent_ms) }</span>
                                { status_view(lang, &x.outcome, x.sent_ms, now, props.paused) }
                                <span class="mono api-line">{ x.line.clone() }</span>
                                <span class="muted small">{ format!("via {via_shown}") }
                                    if let Some(took) = took { { format!(" · {}s", fixed(took as f64 / 1000.0, 1)) } }
                                </span>
                            </div>
                            if !body.is_empty() {
                                <pre class="api-body mono">{ body }</pre>
                            } else if matches!(x.outcome, Outcome::Response { .. }) {
                                <pre class="api-body mono muted">{ tr(lang, "(empty response body)", "（レスポンス本文なし）") }</pre>
                            }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
