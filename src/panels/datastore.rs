//! The datastore panel: cluster health badge, master and voting configuration, one card per
//! datastore node with its shard copies, and the row of unassigned copies.

use quorum_sim::action::AllocationEnable;
use quorum_sim::event::{Health, InstanceState};
use quorum_sim::model::{Cluster, CopyState, EsProc, NodeKey};
use quorum_sim::Sim;
use yew::prelude::*;

use super::util::{dur, health_hint, health_key, health_label, percent};
use super::SimProps;
use crate::i18n::{tr, Lang};

/// The node's state as the panel shows it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeState {
    /// An answering member of the main cluster.
    Up,
    /// Not answering (process stopped, instance down, or silent).
    Down,
    /// Running, but not a member of the main cluster.
    Left,
}

impl NodeState {
    fn key(self) -> &'static str {
        match self {
            NodeState::Up => "up",
            NodeState::Down => "down",
            NodeState::Left => "left",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            NodeState::Up => tr(lang, "up", "稼働"),
            NodeState::Down => tr(lang, "down", "ダウン"),
            NodeState::Left => tr(lang, "left", "離脱"),
        }
    }
}

/// One shard copy block on a card (or in the unassigned row).
struct Block {
    shard: u32,
    primary: bool,
    /// `primary`, `replica`, `initializing`, `relocating` or `unassigned`.
    kind: &'static str,
    /// Extra text after the label (`45%`, `→`).
    extra: String,
    title: String,
}

struct Card {
    idx: usize,
    name: String,
    instance_id: String,
    az: String,
    state: NodeState,
    detail: String,
    master: bool,
    voter: bool,
    /// Member of another cluster (a bootstrapped second cluster).
    other_cluster: Option<String>,
    blocks: Vec<Block>,
}

fn copy_blocks(sim: &Sim, cluster: &Cluster, node: NodeKey, lang: Lang) -> Vec<Block> {
    let mut out = Vec::new();
    for shard in &cluster.shards {
        for copy in shard.copies.iter().filter(|c| c.node == node) {
            let role = if copy.primary {
                tr(lang, "primary", "プライマリ")
            } else {
                tr(lang, "replica", "レプリカ")
            };
            let block = match &copy.state {
                CopyState::Started => Block {
                    shard: shard.number,
                    primary: copy.primary,
                    kind: if copy.primary { "primary" } else { "replica" },
                    extra: String::new(),
                    title: format!(
                        "{} {} {role}, {}",
                        tr(lang, "shard", "シャード"),
                        shard.number,
                        tr(lang, "started", "起動済み")
                    ),
                },
                CopyState::Relocating { .. } => Block {
                    shard: shard.number,
                    primary: copy.primary,
                    kind: "relocating",
                    extra: "→".into(),
                    title: format!(
                        "{} {} {role}, {}",
                        tr(lang, "shard", "シャード"),
                        shard.number,
                        tr(lang, "relocating to another node", "他ノードへ移動中")
                    ),
                },
                CopyState::Initializing(r) => {
                    let pct = percent(r.bytes_done, r.bytes_total);
                    let from = r.source.map(|s| sim.node_name(s));
                    let mut title = format!(
                        "{} {} {role}, {} ({}) {pct}%",
                        tr(lang, "shard", "シャード"),
                        shard.number,
                        tr(lang, "initializing", "初期化中"),
                        r.kind.as_str()
                    );
                    if let Some(from) = from {
                        title.push_str(&format!(" ← {from}"));
                    }
                    Block {
                        shard: shard.number,
                        primary: copy.primary,
                        kind: "initializing",
                        extra: format!("{pct}%"),
                        title,
                    }
                }
            };
            out.push(block);
        }
    }
    out
}

fn cards(sim: &Sim, lang: Lang) -> Vec<Card> {
    let main = sim.main_cluster();
    let mut out = Vec::new();
    for (idx, inst) in sim.instances().iter().enumerate() {
        let Some(volume) = inst.volume.as_ref() else {
            continue;
        };
        let node = volume.node;
        let in_main = node.is_some_and(|n| main.members.get(&n).is_some_and(|m| m.instance == idx));
        let voter = node.is_some_and(|n| main.voting.contains(&n));
        if !volume.installed && !in_main {
            continue;
        }
        // A terminated instance stays listed only while the cluster still counts on it.
        if inst.state == InstanceState::Terminated && !in_main && !voter {
            continue;
        }
        let other_cluster = node.and_then(|n| {
            sim.clusters()
                .iter()
                .skip(1)
                .find(|c| c.members.get(&n).is_some_and(|m| m.instance == idx))
                .map(|c| c.uuid.clone())
        });
        let responsive = sim.is_member_responsive(0, idx);
        let (state, detail) = if responsive {
            (NodeState::Up, tr(lang, "answering", "応答あり").to_string())
        } else if in_main {
            (
                NodeState::Down,
                tr(
                    lang,
                    "not responding (still listed by the master)",
                    "応答なし（マスターの一覧には残存）",
                )
                .to_string(),
            )
        } else if sim.is_responsive(idx) {
            let why = if other_cluster.is_some() {
                tr(
                    lang,
                    "running, member of a different cluster",
                    "稼働中・別クラスタのメンバー",
                )
            } else {
                tr(
                    lang,
                    "running, not in the cluster",
                    "稼働中・クラスタ未参加",
                )
            };
            (NodeState::Left, why.to_string())
        } else if inst.state != InstanceState::Running {
            let what = format!(
                "{} {}",
                tr(lang, "instance", "インスタンス"),
                inst.state.as_str()
            );
            (NodeState::Down, what)
        } else if sim.is_frozen(idx) {
            (
                NodeState::Down,
                tr(lang, "not responding", "応答なし").to_string(),
            )
        } else {
            let what = match inst.es {
                EsProc::Starting => tr(lang, "datastore starting", "データストア起動中"),
                _ => tr(lang, "datastore not running", "データストア停止中"),
            };
            (NodeState::Down, what.to_string())
        };
        let (master, blocks) = match node {
            Some(n) if in_main => (main.master == Some(n), copy_blocks(sim, main, n, lang)),
            Some(n) => match sim
                .clusters()
                .iter()
                .skip(1)
                .find(|c| c.members.get(&n).is_some_and(|m| m.instance == idx))
            {
                Some(c) => (c.master == Some(n), copy_blocks(sim, c, n, lang)),
                None => (false, Vec::new()),
            },
            None => (false, Vec::new()),
        };
        out.push(Card {
            idx,
            name: inst.name.clone(),
            instance_id: inst.id.clone(),
            az: inst.az.clone(),
            state,
            detail,
            master,
            voter,
            other_cluster,
            blocks,
        });
    }
    out
}

fn block_html(b: &Block) -> Html {
    let letter = if b.primary { "p" } else { "r" };
    html! {
        <span class={classes!("shard", b.kind, b.primary.then_some("is-primary"))}
              title={b.title.clone()} aria-label={b.title.clone()} role="img">
            <span class="shard-no">{ b.shard }</span>
            <span class="shard-role">{ letter }</span>
            if !b.extra.is_empty() {
                <span class="shard-extra">{ b.extra.clone() }</span>
            }
        </span>
    }
}

/// The health badge: colour plus text, `role="status"`, `data-health`.
pub fn health_badge(lang: Lang, health: Health) -> Html {
    let key = health_key(health);
    html! {
        <span class={format!("health-badge health-{key}")} role="status"
              data-health={key} aria-live="polite" title={health_hint(lang, health)}>
            <span class="health-dot" aria-hidden="true"></span>
            <span class="health-text">{ health_label(lang, health) }</span>
        </span>
    }
}

/// The panel as a component, for the panel tests; the drill screen calls [`datastore_panel`]
/// instead (a plain function: no component machinery for it in the wasm).
#[component]
pub fn DatastorePanel(props: &SimProps) -> Html {
    datastore_panel(props)
}

pub fn datastore_panel(props: &SimProps) -> Html {
    let lang = props.lang;
    let sim = props.sim.borrow();
    let main = sim.main_cluster();
    let cards = cards(&sim, lang);

    let master_line = match main.master {
        Some(m) => html! {
            <span class="ds-master"><span class="crown" aria-hidden="true">{ "♛" }</span>
                { format!(" {} ", tr(lang, "master:", "マスター:")) }<strong>{ sim.node_name(m) }</strong>
                <span class="muted">{ format!(" · {} {}", tr(lang, "term", "ターム"), main.term) }</span>
            </span>
        },
        None => html! {
            <span class="ds-master no-master">{ tr(lang, "no elected master", "選出されたマスターなし") }</span>
        },
    };

    // Voting configuration: voters in order, marking those that do not answer.
    let view = sim.voting_view(quorum_sim::ClusterId::MAIN);
    let voters: Vec<(String, bool)> = view
        .voters
        .iter()
        .map(|(k, up)| (sim.node_name(*k), *up))
        .collect();
    let (voters_up, quorum, quorum_ok) = (view.answering, view.quorum, view.has_quorum());

    let unassigned: Vec<Block> = main
        .shards
        .iter()
        .flat_map(|s| s.unassigned.iter().map(move |u| (s.number, u)))
        .map(|(number, u)| {
            let role = if u.primary {
                tr(lang, "primary", "プライマリ")
            } else {
                tr(lang, "replica", "レプリカ")
            };
            let now = sim.now_ms();
            let delayed = u.delayed_until_ms > now;
            let mut title = format!(
                "{} {number} {role}: {}",
                tr(lang, "shard", "シャード"),
                u.reason
            );
            if delayed {
                title.push_str(&format!(
                    " — {} {}",
                    tr(lang, "allocation delayed", "割り当て遅延"),
                    dur(u.delayed_until_ms - now)
                ));
            }
            Block {
                shard: number,
                primary: u.primary,
                kind: "unassigned",
                extra: if delayed {
                    dur(u.delayed_until_ms - now)
                } else {
                    String::new()
                },
                title,
            }
        })
        .collect();

    html! {
        <section class="panel datastore" aria-label={tr(lang, "Datastore", "データストア")}>
            <header class="panel-head">
                <h2>{ tr(lang, "Datastore", "データストア") }<span class="muted">{ " · search-cluster" }</span></h2>
                { health_badge(lang, main.health) }
            </header>
            <div class="ds-summary">
                { master_line }
                <span class="ds-voting" aria-label={tr(lang, "Voting configuration", "投票構成")}>
                    <span class="label">{ tr(lang, "Voting config", "投票構成") }</span>
                    { for voters.iter().map(|(name, up)| html! {
                        <span class={if !up { "voter voter-down" } else { "voter" }}
                              title={ if *up { tr(lang, "voter, answering", "投票ノード・応答あり") } else { tr(lang, "voter, down", "投票ノード・ダウン") } }>
                            { name.clone() }
                            if !up { <span class="voter-flag">{ tr(lang, " (down)", "（ダウン）") }</span> }
                        </span>
                    }) }
                    <span class={if quorum_ok { "quorum quorum-ok" } else { "quorum quorum-lost" }}>
                        { format!("{} {voters_up}/{} · {} {quorum}", tr(lang, "up", "稼働"), voters.len(), tr(lang, "quorum", "クォーラム")) }
                    </span>
                </span>
                if !main.exclusions.is_empty() {
                    <span class="ds-exclusions">
                        <span class="label">{ tr(lang, "Voting exclusions", "投票除外") }</span>
                        { main.exclusions.iter().cloned().collect::<Vec<_>>().join(", ") }
                    </span>
                }
                if main.allocation != AllocationEnable::All {
                    <span class="ds-allocation" role="note">
                        { "cluster.routing.allocation.enable: " }<strong>{ main.allocation.as_str() }</strong>
                    </span>
                }
            </div>
            <div class="node-cards">
                { for cards.iter().map(|c| html! {
                    <article key={c.idx} class={classes!("node-card", format!("node-{}", c.state.key()), c.master.then_some("is-master"))}
                             aria-label={format!("{} {}", c.name, c.state.label(lang))}>
                        <div class="node-head">
                            <span class="node-name">
                                if c.master {
                                    <span class="crown" title={tr(lang, "elected master", "選出済みマスター")}
                                          aria-label={tr(lang, "elected master", "選出済みマスター")}>{ "♛" }</span>
                                }
                                { c.name.clone() }
                            </span>
                            <span class={format!("node-state state-{}", c.state.key())}>
                                <span class="state-dot" aria-hidden="true"></span>{ c.state.label(lang) }
                            </span>
                        </div>
                        <div class="node-meta">
                            <span>{ tr(lang, "master-eligible · data", "マスター候補 · データ") }</span>
                            if c.voter { <span class="tag">{ tr(lang, "voter", "投票") }</span> }
                            if c.other_cluster.is_some() { <span class="tag tag-warn">{ tr(lang, "other cluster", "別クラスタ") }</span> }
                        </div>
                        <div class="node-sub muted"><span class="node-iid">{ c.instance_id.clone() }</span><span class="node-az">{ c.az.clone() }</span><span class="node-detail">{ c.detail.clone() }</span></div>
                        <div class="shards" aria-label={tr(lang, "shard copies", "シャードコピー")}>
                            if c.blocks.is_empty() {
                                <span class="muted small">{ tr(lang, "no shard copies", "シャードコピーなし") }</span>
                            }
                            { for c.blocks.iter().map(block_html) }
                        </div>
                    </article>
                }) }
                if cards.is_empty() {
                    <p class="muted">{ tr(lang, "No datastore nodes.", "データストアノードがありません。") }</p>
                }
            </div>
            <div class={classes!("unassigned-row", (!unassigned.is_empty()).then_some("has-unassigned"))}>
                <span class="label">{ tr(lang, "Unassigned", "未割り当て") }</span>
                if unassigned.is_empty() {
                    <span class="muted small">{ tr(lang, "none", "なし") }</span>
                }
                { for unassigned.iter().map(block_html) }
            </div>
            <div class="shard-legend muted small" aria-hidden="true">
                <span class="shard primary legend"><span class="shard-no">{ "0" }</span><span class="shard-role">{ "p" }</span></span>{ tr(lang, " primary ", " プライマリ ") }
                <span class="shard replica legend"><span class="shard-no">{ "0" }</span><span class="shard-role">{ "r" }</span></span>{ tr(lang, " replica ", " レプリカ ") }
                <span class="shard initializing legend"><span class="shard-no">{ "0" }</span><span class="shard-role">{ "r" }</span></span>{ tr(lang, " initializing ", " 初期化中 ") }
                <span class="shard relocating legend"><span class="shard-no">{ "0" }</span><span class="shard-role">{ "p" }</span></span>{ tr(lang, " relocating ", " 移動中 ") }
                <span class="shard unassigned legend"><span class="shard-no">{ "0" }</span><span class="shard-role">{ "r" }</span></span>{ tr(lang, " unassigned", " 未割り当て") }
            </div>
        </section>
    }
}
