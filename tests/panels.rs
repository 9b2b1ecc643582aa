#![cfg(target_arch = "wasm32")]
//! Browser tests of the panels: each is mounted with a real simulation of `seed-ami-trap`
//! (seed 1), with and without the trap (`create-image node-2` at 01:00), and the tests read
//! the DOM the way a trainee reads the screen.

use std::cell::RefCell;
use std::rc::Rc;

use quorum_drill::i18n::Lang;
use quorum_drill::panels::{
    ApiConsole, ApiConsoleProps, DatastorePanel, DebriefProps, DebriefView, EventLog,
    Notifications, SimProps, TrafficPanel,
};
use quorum_drill::sim_handle::SimHandle;
use quorum_sim::action::{Action, ApiRequest, TimedAction};
use quorum_sim::{scenario, Sim};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};
use yew::Callback;

mod common;
use common::mount;

wasm_bindgen_test_configure!(run_in_browser);

const TRAP_AT: u64 = 60_000;

fn sim_at(trap: bool, at_ms: u64) -> Sim {
    let mut sim = Sim::new(
        scenario::builtin("seed-ami-trap").expect("built-in scenario"),
        1,
    );
    if trap {
        sim.run_until(TRAP_AT);
        sim.apply(create_image());
    }
    sim.run_until(at_ms);
    sim
}

fn create_image() -> Action {
    Action::CreateImage {
        instance: "node-2".into(),
        name: None,
        description: None,
        no_reboot: false,
    }
}

fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches `{selector}`"))
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().dyn_into::<Element>().unwrap())
        .collect()
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

fn click(el: &Element) {
    el.dyn_ref::<HtmlElement>()
        .expect("an HTML element")
        .click();
}

/// Sets a form control's value and fires a bubbling `change` (what a user's choice does).
fn choose(el: &Element, value: &str) {
    web_sys::js_sys::Reflect::set(el, &"value".into(), &value.into()).unwrap();
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    el.dispatch_event(&event).unwrap();
}

/// Types into a text field: sets the value and fires a bubbling `input`.
fn type_text(el: &Element, value: &str) {
    web_sys::js_sys::Reflect::set(el, &"value".into(), &value.into()).unwrap();
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
    el.dispatch_event(&event).unwrap();
}

fn sim_props(sim: &SimHandle, lang: Lang) -> SimProps {
    SimProps {
        sim: sim.clone(),
        lang,
        player: None,
    }
}

// ---- Datastore panel -------------------------------------------------------------------

#[wasm_bindgen_test]
async fn datastore_starts_green_with_the_crown_on_node_3() {
    let handle = SimHandle::new(sim_at(false, 5_000));
    let (root, _app) = mount::<DatastorePanel>(sim_props(&handle, Lang::En)).await;

    let badge = one(&root, "[role=status].health-badge");
    assert_eq!(badge.get_attribute("data-health").as_deref(), Some("green"));
    assert_eq!(text(&badge), "green");

    let cards = all(&root, ".node-card");
    assert_eq!(cards.len(), 3, "one card per node");
    let masters = all(&root, ".node-card.is-master");
    assert_eq!(masters.len(), 1, "exactly one master card");
    assert!(
        text(&masters[0]).contains("♛"),
        "the master card wears the crown"
    );
    assert!(text(&one(&masters[0], ".node-name")).contains("node-3"));
    // 3 primaries + 3 replicas, all started, on the three cards; nothing unassigned.
    assert_eq!(all(&root, ".node-card .shard").len(), 6);
    assert_eq!(all(&root, ".node-card .shard.primary").len(), 3);
    assert_eq!(all(&root, ".unassigned-row .shard").len(), 0);
}

#[wasm_bindgen_test]
async fn datastore_reads_yellow_after_node_1_leaves_when_you_wait() {
    let handle = SimHandle::new(sim_at(false, 45_000));
    let (root, _app) = mount::<DatastorePanel>(sim_props(&handle, Lang::En)).await;

    let badge = one(&root, ".health-badge");
    assert_eq!(
        badge.get_attribute("data-health").as_deref(),
        Some("yellow")
    );
    assert_eq!(text(&badge), "yellow");
    // node-1 is down, its replicas wait in the unassigned row; the voting config marks it.
    let node1 = all(&root, ".node-card")
        .into_iter()
        .find(|c| text(c).contains("node-1"))
        .expect("node-1's card");
    assert!(
        node1.class_list().contains("node-down"),
        "node-1 shows down: {}",
        text(&node1)
    );
    assert!(!all(&root, ".unassigned-row .shard.unassigned").is_empty());
    let down_voters: Vec<String> = all(&root, ".voter.voter-down").iter().map(text).collect();
    assert_eq!(down_voters.len(), 1);
    assert!(down_voters[0].contains("node-1"));
    assert!(text(&one(&root, ".node-card.is-master")).contains("node-3"));
}

#[wasm_bindgen_test]
async fn datastore_reads_no_master_during_the_trap_outage() {
    let handle = SimHandle::new(sim_at(true, 120_000));
    let (root, _app) = mount::<DatastorePanel>(sim_props(&handle, Lang::En)).await;

    let badge = one(&root, "[role=status]");
    assert_eq!(
        badge.get_attribute("data-health").as_deref(),
        Some("no-master")
    );
    assert_eq!(text(&badge), "no master");
    assert!(
        all(&root, ".node-card.is-master").is_empty(),
        "no crown without a master"
    );
    assert!(all(&root, ".crown").is_empty());
    assert!(
        root.query_selector(".quorum-lost").unwrap().is_some(),
        "the quorum is shown lost"
    );

    // In Japanese the badge keeps its colour attribute and speaks Japanese.
    let (root_ja, _app_ja) = mount::<DatastorePanel>(sim_props(&handle, Lang::Ja)).await;
    let badge = one(&root_ja, "[role=status]");
    assert_eq!(
        badge.get_attribute("data-health").as_deref(),
        Some("no-master")
    );
    assert_eq!(text(&badge), "マスター不在");
}

// ---- API console -----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn api_console_sends_and_shows_the_503_after_master_timeout() {
    let handle = SimHandle::new(sim_at(true, 70_000));
    let sent: Rc<RefCell<Vec<Action>>> = Rc::default();
    let on_action = {
        let sent = sent.clone();
        Callback::from(move |a: Action| sent.borrow_mut().push(a))
    };
    let props = |h: &SimHandle| ApiConsoleProps {
        sim: h.clone(),
        lang: Lang::En,
        on_action: on_action.clone(),
        paused: false,
    };
    let (root, mut app) = mount::<ApiConsole>(props(&handle)).await;

    click(&one(&root, "button.api-send"));
    yew::scheduler::flush().await;
    let action = sent.borrow().last().cloned().expect("send emits an action");
    assert_eq!(
        action,
        Action::Api {
            via: None,
            request: ApiRequest::ClusterHealth
        }
    );

    // The app applies it; with no master, the answer waits for master_timeout (30 s).
    handle.borrow_mut().apply(action);
    let handle = handle.bumped();
    app.update(props(&handle));
    yew::scheduler::flush().await;
    let pending = one(&root, ".api-exchange.is-pending");
    assert!(text(&pending).contains("pending"), "{}", text(&pending));
    assert!(text(&pending).contains("GET /_cluster/health"));

    let now = handle.borrow().now_ms();
    handle.borrow_mut().run_until(now + 31_000);
    let handle = handle.bumped();
    app.update(props(&handle));
    yew::scheduler::flush().await;
    assert!(root
        .query_selector(".api-exchange.is-pending")
        .unwrap()
        .is_none());
    let status = one(&root, ".api-exchange .api-status");
    assert_eq!(text(&status), "HTTP 503");
    assert!(
        status.class_list().contains("status-5xx"),
        "a 503 is shown as an error"
    );
    let body = text(&one(&root, ".api-exchange .api-body"));
    assert!(body.contains("master_not_discovered_exception"), "{body}");
}

#[wasm_bindgen_test]
async fn api_console_sends_the_chosen_call_to_the_chosen_node() {
    let handle = SimHandle::new(sim_at(false, 45_000));
    let sent: Rc<RefCell<Vec<Action>>> = Rc::default();
    let on_action = {
        let sent = sent.clone();
        Callback::from(move |a: Action| sent.borrow_mut().push(a))
    };
    let (root, _app) = mount::<ApiConsole>(ApiConsoleProps {
        sim: handle.clone(),
        lang: Lang::En,
        on_action,
        paused: false,
    })
    .await;

    let vias: Vec<String> = all(&root, "select.api-via option")
        .iter()
        .map(text)
        .collect();
    assert!(vias.iter().any(|v| v == "node-2"), "{vias:?}");

    choose(&one(&root, "select.api-call"), "alloc-primaries");
    choose(&one(&root, "select.api-via"), "node-2");
    yew::scheduler::flush().await;
    assert!(text(&one(&root, ".api-preview")).contains("\"primaries\""));
    click(&one(&root, "button.api-send"));
    yew::scheduler::flush().await;
    assert_eq!(
        sent.borrow().last(),
        Some(&Action::Api {
            via: Some("node-2".into()),
            request: ApiRequest::SetAllocation {
                enable: quorum_sim::AllocationEnable::Primaries
            }
        })
    );

    // Voting exclusions need node names.
    choose(&one(&root, "select.api-call"), "voting-exclude");
    yew::scheduler::flush().await;
    let send = one(&root, "button.api-send");
    assert!(
        send.has_attribute("disabled"),
        "no node names, nothing to send"
    );
    type_text(&one(&root, "input.api-node-names"), "node-1");
    yew::scheduler::flush().await;
    click(&one(&root, "button.api-send"));
    yew::scheduler::flush().await;
    assert_eq!(
        sent.borrow().last(),
        Some(&Action::Api {
            via: Some("node-2".into()),
            request: ApiRequest::AddVotingExclusions {
                node_names: vec!["node-1".into()]
            }
        })
    );
}

#[wasm_bindgen_test]
async fn api_console_shows_a_200_body() {
    let mut sim = sim_at(false, 45_000);
    sim.apply(Action::Api {
        via: Some("node-3".into()),
        request: ApiRequest::CatNodes,
    });
    sim.run_until(46_000);
    let handle = SimHandle::new(sim);
    let (root, _app) = mount::<ApiConsole>(ApiConsoleProps {
        sim: handle,
        lang: Lang::En,
        on_action: Callback::noop(),
        paused: false,
    })
    .await;
    let status = one(&root, ".api-exchange .api-status");
    assert_eq!(text(&status), "HTTP 200");
    assert!(status.class_list().contains("status-ok"));
    let body = text(&one(&root, ".api-body"));
    assert!(
        body.contains("node.role") && body.contains("node-3"),
        "{body}"
    );
}

#[wasm_bindgen_test]
async fn a_request_sent_while_paused_says_it_waits_for_the_clock() {
    let mut sim = sim_at(false, 45_000);
    sim.apply(Action::Api {
        via: Some("node-3".into()),
        request: ApiRequest::CatNodes,
    });
    let (root, _app) = mount::<ApiConsole>(ApiConsoleProps {
        sim: SimHandle::new(sim),
        lang: Lang::En,
        on_action: Callback::noop(),
        paused: true,
    })
    .await;
    let status = text(&one(&root, ".api-exchange .api-status"));
    assert_eq!(status, "pending — answered when the clock resumes");
    assert!(!status.contains("00:00"), "no frozen timer");
}

// ---- Traffic ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn traffic_outage_timer_runs_during_the_trap_only() {
    let trap = SimHandle::new(sim_at(true, 120_000));
    let (root, _app) = mount::<TrafficPanel>(sim_props(&trap, Lang::En)).await;
    let timer = one(&root, "[role=timer]");
    assert!(timer.class_list().contains("running"));
    assert!(text(&timer).contains("OUTAGE"));
    assert!(
        text(&timer).contains("01:00") || text(&timer).contains("00:59"),
        "{}",
        text(&timer)
    );
    assert_ne!(text(&one(&root, ".failed-writes")), "0");
    let svg = one(&root, "svg.traffic-chart");
    assert!(
        !all(&svg, "rect.outage-band").is_empty(),
        "the outage is shaded"
    );
    assert!(!all(&svg, "path.line-p99").is_empty());
    let viewbox = svg.get_attribute("viewBox").unwrap();

    let wait = SimHandle::new(sim_at(false, 240_000));
    let (root, _app) = mount::<TrafficPanel>(sim_props(&wait, Lang::En)).await;
    let timer = one(&root, "[role=timer]");
    assert!(timer.class_list().contains("idle"));
    assert!(text(&timer).contains("No outage"));
    // Fixed size: the chart's box does not depend on the data.
    assert_eq!(
        one(&root, "svg.traffic-chart")
            .get_attribute("viewBox")
            .unwrap(),
        viewbox
    );
}

// ---- Notifications ---------------------------------------------------------------------

#[wasm_bindgen_test]
async fn notifications_show_alarms_and_chat_newest_first_in_both_languages() {
    let handle = SimHandle::new(sim_at(true, 160_000));
    let (root, _app) = mount::<Notifications>(sim_props(&handle, Lang::En)).await;
    let items = all(&root, ".notif");
    assert!(items.len() >= 4, "{}", items.len());
    // Newest first: the team lead's question (02:30) above the product manager's (00:45).
    let chats: Vec<String> = all(&root, ".notif-chat").iter().map(text).collect();
    assert!(
        chats[0].contains("Team lead") && chats[0].contains("02:30"),
        "{chats:?}"
    );
    assert!(
        chats[1].contains("When will we be back to three nodes?"),
        "{chats:?}"
    );
    assert!(
        !all(&root, ".notif-alarm .alarm-on").is_empty(),
        "an ALARM is shown"
    );
    assert_eq!(text(&one(&root, ".alarm-on")), "ALARM");

    let (root, _app) = mount::<Notifications>(sim_props(&handle, Lang::Ja)).await;
    let chats: Vec<String> = all(&root, ".notif-chat").iter().map(text).collect();
    assert!(
        chats.iter().any(|c| c.contains("いつ3台に戻るの？")),
        "{chats:?}"
    );
    assert!(
        chats.iter().any(|c| c.contains("プロダクトマネージャー"))
            && chats.iter().all(|c| !c.contains("Product manager")),
        "senders in Japanese: {chats:?}"
    );
    let alarms: Vec<String> = all(&root, ".notif-alarm .notif-text")
        .iter()
        .map(text)
        .collect();
    assert!(
        alarms
            .iter()
            .any(|a| a.contains("ステータスチェックが失敗")),
        "alarm bodies in Japanese: {alarms:?}"
    );
}

#[wasm_bindgen_test]
async fn the_pager_comes_from_the_first_failed_check_and_the_badge_clears_when_alarms_return_to_ok()
{
    let mut sim = Sim::new(scenario::builtin("seed-ami-trap").expect("built-in"), 3);
    sim.run_until(5 * 60_000);
    let handle = SimHandle::new(sim);
    let (root, _app) = mount::<Notifications>(sim_props(&handle, Lang::En)).await;
    let pages: Vec<String> = all(&root, "[data-testid='pager']")
        .iter()
        .map(text)
        .collect();
    assert!(
        pages
            .iter()
            .any(|p| p.starts_with("PAGER 01:00 — [ALARM]") && p.contains("(i-0")),
        "{pages:?}"
    );
    assert!(pages.iter().all(|p| !p.contains("i-…")), "{pages:?}");
    assert!(text(&one(&root, ".alarm-summary")).contains("in ALARM"));

    let mut sim = Sim::new(scenario::builtin("seed-ami-trap").expect("built-in"), 3);
    sim.run_until(20 * 60_000);
    let handle = SimHandle::new(sim);
    let (root, _app) = mount::<Notifications>(sim_props(&handle, Lang::En)).await;
    assert_eq!(text(&one(&root, ".alarm-summary")), "no alarms firing");
}

// ---- Event log -------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_ghost_replay_logs_the_players_actions_under_their_name() {
    let handle = SimHandle::new(sim_at(true, 70_000));
    let mut props = sim_props(&handle, Lang::En);
    props.player = Some("Aiko".into());
    let (root, _app) = mount::<EventLog>(props).await;
    let rows: Vec<String> = all(&root, ".log-row").iter().map(text).collect();
    assert!(
        rows.iter().any(|r| r.contains("Aiko: create-image node-2")),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| !r.contains("You:")), "{rows:?}");
}

#[wasm_bindgen_test]
async fn event_log_filters_by_source_and_text() {
    let handle = SimHandle::new(sim_at(true, 200_000));
    let (root, _app) = mount::<EventLog>(sim_props(&handle, Lang::En)).await;
    let log = one(&root, "[role=log]");
    assert!(!all(&log, ".log-row[data-source=chat]").is_empty());
    assert!(!all(&log, ".log-row[data-source=datastore]").is_empty());
    let rows = all(&log, ".log-row");
    // Newest first.
    assert!(text(&rows[rows.len() - 1]).contains("Drill started"));

    click(&one(&root, "input.chip-box[data-source=chat]"));
    yew::scheduler::flush().await;
    assert!(
        all(&root, ".log-row[data-source=chat]").is_empty(),
        "chat rows are hidden"
    );
    assert!(
        !all(&root, ".log-row[data-source=datastore]").is_empty(),
        "other sources stay"
    );

    click(&one(&root, "input.chip-box[data-source=datastore]"));
    yew::scheduler::flush().await;
    assert!(all(&root, ".log-row[data-source=datastore]").is_empty());

    type_text(&one(&root, "input.log-search"), "create-image");
    yew::scheduler::flush().await;
    let rows = all(&root, ".log-row");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| text(r).to_lowercase().contains("create-image")),
        "only matching rows"
    );

    // Ticking on keeps the filter and adds new rows.
    handle.borrow_mut().run_until(260_000);
    let handle = handle.bumped();
    let mut app = _app;
    app.update(sim_props(&handle, Lang::En));
    yew::scheduler::flush().await;
    assert!(all(&root, ".log-row[data-source=chat]").is_empty());
}

// ---- Debrief ---------------------------------------------------------------------------

fn debrief_run(
    trap: bool,
) -> (
    Rc<quorum_sim::Report>,
    Rc<Vec<quorum_sim::traffic::Sample>>,
    Rc<Vec<TimedAction>>,
) {
    let mut actions = vec![TimedAction {
        at_ms: 20_000,
        action: Action::Api {
            via: None,
            request: ApiRequest::ClusterHealth,
        },
    }];
    if trap {
        actions.push(TimedAction {
            at_ms: TRAP_AT,
            action: create_image(),
        });
    }
    actions.push(TimedAction {
        at_ms: 600_000,
        action: Action::Wait,
    });
    let sim = quorum_sim::simulate(scenario::builtin("seed-ami-trap").unwrap(), 1, &actions);
    (
        Rc::new(sim.report()),
        Rc::new(sim.samples().to_vec()),
        Rc::new(sim.actions().to_vec()),
    )
}

#[wasm_bindgen_test]
async fn debrief_explains_the_outage_and_rewinds() {
    let (report, samples, actions) = debrief_run(true);
    assert_eq!(actions.len(), 3);
    let rewound: Rc<RefCell<Vec<usize>>> = Rc::default();
    let on_rewind = {
        let rewound = rewound.clone();
        Callback::from(move |i: usize| rewound.borrow_mut().push(i))
    };
    let props = |compare| DebriefProps {
        report: report.clone(),
        samples: samples.clone(),
        actions: actions.clone(),
        lesson: "Redundancy exists so that you can wait.".into(),
        lang: Lang::En,
        on_rewind: on_rewind.clone(),
        compare,
    };
    let (root, mut app) = mount::<DebriefView>(props(None)).await;

    assert_eq!(text(&one(&root, ".grade")), report.grade);
    let expl = text(&one(&root, ".outage-expl"));
    assert!(expl.contains("create-image node-2"), "{expl}");
    assert!(one(&root, ".outage-expl .cause-action")
        .class_list()
        .contains("cause-action"));
    assert!(
        text(&one(&root, ".cause-action")).contains("#2"),
        "names the action by its number"
    );
    assert!(
        text(&one(&root, ".breakdown")).contains("took node-2 away"),
        "penalties with reasons"
    );
    assert!(text(&one(&root, ".lesson")).contains("Redundancy exists"));
    assert!(
        root.query_selector(".praise").unwrap().is_none(),
        "a failed run is not praised"
    );
    assert!(text(&one(&root, ".lesson h3")).contains("Lesson"));
    // The span and its length with the sim's one rounding rule, as the CLI prints them.
    let o = &report.outages[0];
    let head = text(&one(&root, ".outage-expl h4"));
    assert!(head.contains(&o.span_text(report.duration_ms)), "{head}");
    assert_eq!(
        text(&one(&root, ".outage-expl h4 .pill")),
        quorum_sim::time::fmt_clock(o.shown_length_ms(report.duration_ms))
    );
    // What it set off: the sim's chain, from your action to the master lost and back.
    let steps: Vec<String> = all(&root, ".outage-expl .chain-steps li")
        .iter()
        .map(text)
        .collect();
    assert!(steps.len() >= 3, "{steps:?}");
    assert!(
        steps[0].starts_with(&quorum_drill::i18n::clock(TRAP_AT))
            && steps[0].contains("You: create-image node-2"),
        "{steps:?}"
    );
    assert!(
        steps.iter().any(|s| s.contains("elected-as-master")),
        "{steps:?}"
    );
    assert!(text(&one(&root, ".branches")).contains("node-1"));
    // The timeline: health band, one marker per action, the culprit highlighted.
    let svg = one(&root, "svg.timeline-chart");
    assert!(!all(&svg, "rect.band-no-master").is_empty());
    assert_eq!(all(&svg, "g.marker").len(), 3);
    let culprit = one(&svg, "g.marker.culprit");
    assert_eq!(culprit.get_attribute("data-action").as_deref(), Some("1"));
    assert!(
        text(&culprit).contains("create-image node-2"),
        "the marker's tooltip names the action"
    );

    let buttons = all(&root, "button.rewind");
    assert_eq!(buttons.len(), 3, "a rewind button per action");
    // The accessible name contains the visible label (WCAG 2.5.3).
    let label = buttons[0].get_attribute("aria-label").unwrap_or_default();
    assert_eq!(label, "Rewind to before this (action #1)");
    assert!(text(&buttons[0]).contains("Rewind to before this"));
    click(&buttons[1]);
    click(&buttons[0]);
    assert_eq!(*rewound.borrow(), vec![1, 0]);
    assert!(root.query_selector(".compare-table").unwrap().is_none());

    // With the other run, the side-by-side comparison appears.
    let (other, _, _) = debrief_run(false);
    app.update(props(Some(other.clone())));
    yew::scheduler::flush().await;
    let table = one(&root, ".compare-table");
    let t = text(&table);
    assert!(
        t.contains("Outage time") && t.contains("Failed writes") && t.contains("Score"),
        "{t}"
    );
    assert!(t.contains(&other.grade) && t.contains(&report.grade));
    assert_eq!(all(&table, "tbody tr").len(), 6);
    let outage_row = text(&all(&table, "tbody tr")[0]);
    assert!(
        outage_row.contains(&quorum_sim::time::fmt_delta(
            report.outage_ms,
            other.outage_ms
        )),
        "{outage_row}"
    );
}

#[wasm_bindgen_test]
async fn debrief_of_the_wait_path_has_no_outage() {
    let (report, samples, actions) = debrief_run(false);
    let (root, _app) = mount::<DebriefView>(DebriefProps {
        report,
        samples,
        actions,
        lesson: "…".into(),
        lang: Lang::Ja,
        on_rewind: Callback::noop(),
        compare: None,
    })
    .await;
    assert!(root.query_selector(".outage-expl").unwrap().is_none());
    assert!(root.query_selector(".no-outage").unwrap().is_some());
    // A clean run is praised, and its lesson reads as why it worked.
    assert_eq!(text(&one(&root, ".lesson h3")), "お見事");
    assert!(text(&one(&root, ".praise")).contains("クリーンな実行"));
    assert!(text(&one(&root, ".your-actions")).contains("この直前に巻き戻す"));
}
