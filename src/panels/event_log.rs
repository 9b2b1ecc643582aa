//! The event log: newest first, filterable by source (chips) and by text. Only the newest
//! `MAX_ROWS` matching rows are rendered, with a count of the hidden ones; the rows are
//! recomputed only when the events, the language or the filter change, and the row list is
//! a child component that Yew skips when they did not.

use std::rc::Rc;

use quorum_sim::event::Event as SimEvent;
use quorum_sim::Sim;
use yew::prelude::*;

use super::util::{count, target_checked};
use super::SimProps;
use crate::i18n::{clock, tr, Lang};

/// Rows rendered at most.
pub const MAX_ROWS: usize = 300;

/// The sources of the filter, in chip order.
const SOURCES: [&str; 7] = ["ec2", "datastore", "you", "api", "alarm", "chat", "drill"];

fn source_label(lang: Lang, source: &str) -> &'static str {
    match source {
        "ec2" => "EC2",
        "datastore" => tr(lang, "datastore", "データストア"),
        "you" => tr(lang, "you", "あなた"),
        "api" => "API",
        "alarm" => tr(lang, "alarm", "アラーム"),
        "chat" => tr(lang, "chat", "チャット"),
        _ => tr(lang, "drill", "訓練"),
    }
}

fn source_bit(source: &str) -> u8 {
    SOURCES
        .iter()
        .position(|s| *s == source)
        .map_or(0, |i| 1 << i)
}

const ALL: u8 = (1 << SOURCES.len()) - 1;

#[derive(PartialEq)]
pub struct Row {
    idx: usize,
    at_ms: u64,
    source: &'static str,
    text: String,
}

/// The filtered rows and what the filter left out.
pub struct Rows {
    rows: Vec<Row>,
    matching: usize,
    per_source: [usize; SOURCES.len()],
}

/// Messages of the events seen so far (lower-cased for the text filter), extended as the
/// log grows and rebuilt when it belongs to another run or language.
#[derive(Default)]
struct Cache {
    ident: Option<(usize, String, u64, Lang, Option<AttrValue>)>,
    messages: Vec<String>,
    lowered: Vec<String>,
    rows_key: Option<(usize, u8, String)>,
    rows: Option<Rc<Rows>>,
}

/// An event as the log shows it: another player's actions (a ghost replay) under their name.
fn shown(e: &SimEvent, lang: Lang, player: Option<&AttrValue>) -> String {
    e.message_as(lang, player.map(|p| p.as_str()))
}

impl Cache {
    fn sync(&mut self, sim: &Sim, lang: Lang, player: Option<&AttrValue>) {
        let ident = (
            sim as *const Sim as usize,
            sim.scenario().id.clone(),
            sim.seed(),
            lang,
            player.cloned(),
        );
        let events = sim.events();
        let n = self.messages.len();
        let stale = self.ident.as_ref() != Some(&ident)
            || events.len() < n
            || (n > 0 && shown(&events[n - 1], lang, player) != self.messages[n - 1]);
        if stale {
            self.ident = Some(ident);
            self.messages.clear();
            self.lowered.clear();
            self.rows_key = None;
        }
        for e in &events[self.messages.len()..] {
            let message = shown(e, lang, player);
            // ASCII case folding: the messages are English or Japanese, and Unicode case tables
            // (to_lowercase) would add ~10 KB of gzip to the game for no visible difference.
            self.lowered.push(format!(
                "{} {}",
                message.to_ascii_lowercase(),
                e.kind.name()
            ));
            self.messages.push(message);
        }
    }

    fn rows(&mut self, sim: &Sim, mask: u8, query: &str) -> Rc<Rows> {
        let key = (self.messages.len(), mask, query.to_string());
        if self.rows_key.as_ref() == Some(&key) {
            if let Some(rows) = &self.rows {
                return rows.clone();
            }
        }
        let needle = query.trim().to_ascii_lowercase();
        let mut per_source = [0usize; SOURCES.len()];
        let mut matching = 0;
        let mut rows = Vec::new();
        for (idx, e) in sim.events().iter().enumerate().rev() {
            let source = e.kind.source();
            let text_ok = needle.is_empty() || self.lowered[idx].contains(&needle);
            if !text_ok {
                continue;
            }
            if let Some(i) = SOURCES.iter().position(|s| *s == source) {
                per_source[i] += 1;
            }
            if mask & source_bit(source) == 0 {
                continue;
            }
            matching += 1;
            if rows.len() < MAX_ROWS {
                rows.push(Row {
                    idx,
                    at_ms: e.at_ms,
                    source,
                    text: self.messages[idx].clone(),
                });
            }
        }
        let rows = Rc::new(Rows {
            rows,
            matching,
            per_source,
        });
        self.rows_key = Some(key);
        self.rows = Some(rows.clone());
        rows
    }
}

#[derive(Properties)]
struct RowsProps {
    rows: Rc<Rows>,
    lang: Lang,
}

impl PartialEq for RowsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows) && self.lang == other.lang
    }
}

#[component]
fn LogRows(props: &RowsProps) -> Html {
    let lang = props.lang;
    html! {
        <>
            { for props.rows.rows.iter().map(|r| html! {
                <li key={r.idx} class={format!("log-row src-{}", r.source)} data-source={r.source}>
                    <time class="mono log-time">{ clock(r.at_ms) }</time>
                    <span class={format!("src-tag src-{}", r.source)}>{ source_label(lang, r.source) }</span>
                    <span class="log-text">{ r.text.clone() }</span>
                </li>
            }) }
        </>
    }
}

#[component]
pub fn EventLog(props: &SimProps) -> Html {
    let lang = props.lang;
    let mask = use_state(|| ALL);
    let query = use_state(String::new);
    let cache = use_mut_ref(Cache::default);

    let rows = {
        let sim = props.sim.borrow();
        let mut cache = cache.borrow_mut();
        cache.sync(&sim, lang, props.player.as_ref());
        cache.rows(&sim, *mask, &query)
    };
    let hidden = rows.matching.saturating_sub(rows.rows.len());

    let on_query = super::util::store_value::<InputEvent>(&query);
    let toggle = |bit: u8| {
        let mask = mask.clone();
        Callback::from(move |e: Event| {
            let on = target_checked(&e);
            mask.set(if on { *mask | bit } else { *mask & !bit });
        })
    };
    let all_on = *mask == ALL;
    let on_all = {
        let mask = mask.clone();
        Callback::from(move |_: MouseEvent| mask.set(if all_on { 0 } else { ALL }))
    };

    html! {
        <section class="panel event-log" aria-label={tr(lang, "Event log", "イベントログ")}>
            <header class="panel-head">
                <h2>{ tr(lang, "Event log", "イベントログ") }</h2>
                <span class="muted small log-count">
                    { format!("{} {}", count(rows.matching as u64), tr(lang, "matching", "件が一致")) }
                </span>
            </header>
            // Elasticsearch writes its log in English whatever the console's language: so do
            // its lines here (issue 11), and the Japanese console says so.
            if lang == Lang::Ja {
                <p class="muted small log-lang-note" data-log-lang-note="">
                    { "データストア（Elasticsearch）のログは、実際の製品と同じく英語のまま表示します。" }
                </p>
            }
            <div class="log-filters" role="group" aria-label={tr(lang, "Filter by source", "ソースで絞り込み")}>
                { for SOURCES.iter().enumerate().map(|(i, s)| {
                    let bit = 1u8 << i;
                    let on = *mask & bit != 0;
                    html! {
                        <label class={classes!("chip", format!("src-{s}"), on.then_some("on"))}>
                            <input type="checkbox" class="chip-box" data-source={*s} checked={on} onchange={toggle(bit)} />
                            { source_label(lang, s) }
                            <span class="chip-count">{ rows.per_source[i] }</span>
                        </label>
                    }
                }) }
                <button type="button" class="btn btn-link small" onclick={on_all}>
                    { if all_on { tr(lang, "none", "すべて解除") } else { tr(lang, "all", "すべて") } }
                </button>
                <input type="search" class="log-search" placeholder={tr(lang, "Filter text…", "テキストで絞り込み…")}
                       aria-label={tr(lang, "Filter text", "テキストで絞り込み")} value={(*query).clone()} oninput={on_query} />
            </div>
            <ol class="log-rows" role="log" aria-label={tr(lang, "Events, newest first", "イベント（新しい順）")} aria-live="off">
                <LogRows rows={rows.clone()} {lang} />
                if rows.rows.is_empty() {
                    <li class="muted small log-empty">{ tr(lang, "No matching events.", "一致するイベントはありません。") }</li>
                }
            </ol>
            if hidden > 0 {
                <div class="log-hidden muted small">
                    { format!("{} {}", count(hidden as u64), tr(lang, "older matching events not shown", "件の古いイベントは非表示")) }
                </div>
            }
        </section>
    }
}
