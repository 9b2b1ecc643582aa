#![cfg(target_arch = "wasm32")]
//! Browser tests of the app shell: mount `App` into a fresh element, click and type the way a
//! trainee would, and read the DOM. Each test starts from empty localStorage and destroys its
//! app at the end (so its ticker stops).

use quorum_drill::storage::{KEY_DRILL, KEY_SETTINGS};
use quorum_drill::App;
use quorum_sim::scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlInputElement};

mod common;

use common::*;

wasm_bindgen_test_configure!(run_in_browser);

struct Mounted {
    root: Element,
    handle: Option<yew::AppHandle<App>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
        self.root.remove();
        storage().clear().unwrap();
    }
}

/// Mounts the app after `prepare` has set up localStorage.
async fn mount_with(prepare: impl FnOnce(&web_sys::Storage)) -> Mounted {
    let s = storage();
    s.clear().unwrap();
    prepare(&s);
    let root = root();
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    Mounted {
        root,
        handle: Some(handle),
    }
}

async fn mount() -> Mounted {
    mount_with(|_| {}).await
}

async fn key(el: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

fn active_element() -> Option<Element> {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .active_element()
}

/// From home: fixed seed, chosen mode, open the scenario's briefing, start the drill.
async fn start_drill(root: &Element, scenario_id: &str, mode: &str) {
    type_into(&one(root, "#seed-input"), "42").await;
    click(&one(root, &format!("[data-mode='{mode}']"))).await;
    click(&one(
        root,
        &format!("[data-scenario='{scenario_id}'] button"),
    ))
    .await;
    assert_eq!(
        one(root, ".app").get_attribute("data-screen").as_deref(),
        Some("briefing")
    );
    click(&with_text(root, "button", "Acknowledge")).await;
    assert_eq!(
        one(root, ".app").get_attribute("data-screen").as_deref(),
        Some("drill")
    );
}

async fn select_instance(root: &Element, name: &str) {
    click(&one(root, &format!("input[aria-label='Select {name}']"))).await;
}

async fn open_create_image(root: &Element) {
    click(&one(root, "#actions-button")).await;
    click(&one(root, "[data-id='images']")).await;
    click(&one(root, "[data-id='create-image']")).await;
}

/// Opens Create image, names the image and submits with No reboot left unchecked.
async fn create_image_named(root: &Element, name: &str) {
    open_create_image(root).await;
    type_into(&one(root, "#ci-name"), name).await;
    click(&with_text(
        root,
        "#create-image-dialog button[type='submit']",
        "Create image",
    ))
    .await;
}

#[wasm_bindgen_test]
async fn app_renders_heading() {
    let m = mount().await;
    let h1 = one(&m.root, "h1");
    assert_eq!(h1.text_content().as_deref(), Some("Quorum Drill"));
}

#[wasm_bindgen_test]
async fn home_lists_every_scenario_with_difficulty_and_best() {
    let m = mount().await;
    let items = all(&m.root, "li.scenario");
    // In course order (the sim's `course()`), every scenario once.
    assert_eq!(items.len(), scenario::all().len());
    for (li, s) in items.iter().zip(scenario::course()) {
        assert_eq!(
            li.get_attribute("data-scenario").as_deref(),
            Some(s.id.as_str())
        );
        assert!(text(li).contains(s.title.en.as_str()), "title of {}", s.id);
        assert!(
            text(li).contains(s.summary.en.as_str()),
            "summary of {}",
            s.id
        );
        assert!(text(li).contains("not played"));
    }
    // A random seed by default, within 2^53 - 1.
    let seed: u64 = one(&m.root, "#seed-input")
        .dyn_into::<HtmlInputElement>()
        .unwrap()
        .value()
        .parse()
        .unwrap();
    assert!(seed < (1 << 53));
}

#[wasm_bindgen_test]
async fn a_bad_seed_disables_start() {
    let m = mount().await;
    type_into(&one(&m.root, "#seed-input"), "12x").await;
    assert!(one(&m.root, "#seed-input")
        .get_attribute("aria-invalid")
        .is_some());
    assert!(one(&m.root, "[data-scenario='seed-ami-trap'] button").has_attribute("disabled"));
    type_into(&one(&m.root, "#seed-input"), "12").await;
    assert!(!one(&m.root, "[data-scenario='seed-ami-trap'] button").has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn starting_a_drill_shows_the_briefing_then_the_instances_table() {
    let m = mount().await;
    type_into(&one(&m.root, "#seed-input"), "42").await;
    click(&one(&m.root, "[data-scenario='seed-ami-trap'] button")).await;
    let briefing = text(&one(&m.root, "[data-testid='briefing-text']"));
    assert!(briefing.starts_with("00:00 — "), "{briefing}");
    click(&with_text(&m.root, "button", "Acknowledge")).await;
    let rows = all(&m.root, ".instances-table tbody tr");
    let names: Vec<String> = rows
        .iter()
        .map(|r| r.get_attribute("data-name").unwrap())
        .collect();
    assert_eq!(names, ["node-1", "node-2", "node-3"]);
    let row = one(&m.root, "tr[data-name='node-2']");
    assert!(text(&row).contains("Running"));
    assert!(text(&row).contains("3/3 checks passed"));
    assert!(text(&row).contains("ap-northeast-1c"));
    assert!(text(&row).contains("m5.xlarge"));
    assert!(
        find(&row, "[data-state='running'] .dot").is_some(),
        "state has a coloured dot"
    );
    // The panels are placed.
    for area in [
        ".area-datastore",
        ".area-traffic",
        ".area-notifications",
        ".area-api",
        ".area-log",
    ] {
        assert!(find(&m.root, area).is_some(), "{area}");
    }
}

#[wasm_bindgen_test]
async fn create_image_dialog_has_no_reboot_unchecked_with_the_console_help_text() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    select_instance(&m.root, "node-2").await;
    open_create_image(&m.root).await;
    let dialog = one(&m.root, "[role='dialog']#create-image-dialog");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let title_id = dialog.get_attribute("aria-labelledby").unwrap();
    assert_eq!(text(&one(&m.root, &format!("#{title_id}"))), "Create image");
    assert!(text(&dialog).contains("node-2"));
    let no_reboot: HtmlInputElement = one(&dialog, "#ci-no-reboot").dyn_into().unwrap();
    assert!(!no_reboot.checked(), "No reboot is unchecked by default");
    assert!(text(&dialog).contains(
        "When selected, Amazon EC2 does not shut down the instance before creating the image."
    ));
    assert!(
        text(&dialog).contains("file system integrity on the created image can't be guaranteed")
    );
    // Focus moved into the dialog (the image name field).
    assert_eq!(active_element().map(|e| e.id()).as_deref(), Some("ci-name"));
    // Escape closes it.
    key(&dialog, "Escape").await;
    assert!(find(&m.root, "#create-image-dialog").is_none());
}

#[wasm_bindgen_test]
async fn creating_the_image_in_exam_mode_applies_the_action_without_warning() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    select_instance(&m.root, "node-2").await;
    create_image_named(&m.root, "node-2-backup").await;
    assert!(
        find(&m.root, "#mentor-dialog").is_none(),
        "exam mode shows nothing"
    );
    let flash = text(&one(&m.root, ".flash"));
    assert!(
        flash.contains("create-image node-2 --name node-2-backup"),
        "{flash}"
    );
    // The image appears in the AMIs tab, pending.
    click(&one(&m.root, "#tab-images")).await;
    let row = one(&m.root, "tr[data-name='node-2-backup']");
    assert!(text(&row).contains("Pending"));
}

#[wasm_bindgen_test]
async fn mentor_mode_warns_before_the_trap_and_cancel_applies_nothing() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "mentor").await;
    select_instance(&m.root, "node-2").await;
    create_image_named(&m.root, "backup").await;
    let mentor = one(&m.root, "#mentor-dialog");
    assert_eq!(mentor.get_attribute("role").as_deref(), Some("alertdialog"));
    assert!(
        text(&mentor).contains("create-image node-2"),
        "{}",
        text(&mentor)
    );
    assert!(
        text(&mentor).to_lowercase().contains("quorum"),
        "{}",
        text(&mentor)
    );
    click(&with_text(&mentor, "button", "Cancel")).await;
    assert!(find(&m.root, "#mentor-dialog").is_none());
    assert!(find(&m.root, ".flash").is_none(), "nothing was applied");
}

#[wasm_bindgen_test]
async fn menus_work_from_the_keyboard() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    select_instance(&m.root, "node-2").await;
    let button = one(&m.root, "#instance-state-button");
    key(&button, "ArrowDown").await;
    assert_eq!(
        button.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let menu = one(&m.root, "#instance-state-menu");
    assert_eq!(menu.get_attribute("role").as_deref(), Some("menu"));
    assert_eq!(
        active_element()
            .and_then(|e| e.get_attribute("data-id"))
            .as_deref(),
        Some("stop")
    );
    // Force stop is disabled: node-2 is running, not stopping; the item says why.
    let force_stop = one(&menu, "[data-id='force-stop']");
    assert_eq!(
        force_stop.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    assert_eq!(
        force_stop.get_attribute("title").as_deref(),
        Some("node-2 is running.")
    );
    assert_eq!(one(&menu, "[data-id='stop']").get_attribute("title"), None);
    let focused = active_element().unwrap();
    key(&focused, "ArrowDown").await;
    assert_eq!(
        active_element()
            .and_then(|e| e.get_attribute("data-id"))
            .as_deref(),
        Some("start")
    );
    key(&active_element().unwrap(), "Escape").await;
    assert!(find(&m.root, "#instance-state-menu").is_none());
    assert_eq!(
        active_element().map(|e| e.id()).as_deref(),
        Some("instance-state-button")
    );
    // Actions: ArrowRight opens the submenu, Enter picks Create image.
    let actions = one(&m.root, "#actions-button");
    key(&actions, "ArrowDown").await;
    for _ in 0..8 {
        if active_element()
            .and_then(|e| e.get_attribute("data-id"))
            .as_deref()
            == Some("images")
        {
            break;
        }
        key(&active_element().unwrap(), "ArrowDown").await;
    }
    key(&active_element().unwrap(), "ArrowRight").await;
    assert_eq!(
        active_element()
            .and_then(|e| e.get_attribute("data-id"))
            .as_deref(),
        Some("create-image")
    );
    key(&active_element().unwrap(), "Enter").await;
    assert!(find(&m.root, "#create-image-dialog").is_some());
}

#[wasm_bindgen_test]
async fn terminate_asks_for_confirmation() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    select_instance(&m.root, "node-1").await;
    click(&one(&m.root, "#instance-state-button")).await;
    click(&one(&m.root, "[data-id='terminate']")).await;
    let dialog = one(&m.root, "#terminate-dialog");
    assert!(text(&dialog).contains("root EBS volume to be deleted"));
    click(&with_text(&dialog, "button", "Cancel")).await;
    assert!(find(&m.root, ".flash").is_none());
}

#[wasm_bindgen_test]
async fn stop_and_reboot_ask_for_confirmation_as_ec2_does() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    select_instance(&m.root, "node-3").await;
    for (item, dialog, title, yes) in [
        ("stop", "#stop-dialog", "Stop instance?", "Stop"),
        ("reboot", "#reboot-dialog", "Reboot instance?", "Reboot"),
    ] {
        click(&one(&m.root, "#instance-state-button")).await;
        click(&one(&m.root, &format!("[data-id='{item}']"))).await;
        let d = one(&m.root, dialog);
        assert!(text(&d).contains(title), "{}", text(&d));
        assert!(
            text(&d).contains("i-0") && text(&d).contains("(node-3)"),
            "the instance id: {}",
            text(&d)
        );
        assert_eq!(text(&with_text(&d, "button", yes)), yes);
        click(&with_text(&d, "button", "Cancel")).await;
        assert!(find(&m.root, dialog).is_none());
        assert!(find(&m.root, ".flash").is_none(), "nothing was done");
    }
    click(&one(&m.root, "#instance-state-button")).await;
    click(&one(&m.root, "[data-id='reboot']")).await;
    click(&with_text(
        &one(&m.root, "#reboot-dialog"),
        "button",
        "Reboot",
    ))
    .await;
    assert!(text(&one(&m.root, ".flash")).contains("reboot node-3"));
}

#[wasm_bindgen_test]
async fn the_language_switch_changes_ui_strings_and_scenario_text() {
    let m = mount().await;
    assert!(text(&one(&m.root, "#scenarios-title")).contains("Scenarios"));
    click(&with_text(&m.root, ".lang-switch button", "日本語")).await;
    assert_eq!(text(&one(&m.root, "#scenarios-title")), "シナリオ");
    let trap = scenario::builtin("seed-ami-trap").unwrap();
    assert!(text(&one(&m.root, "[data-scenario='seed-ami-trap']")).contains(trap.title.ja.as_str()));
    assert!(text(&with_text(&m.root, "button", "開始")).contains("開始"));
    // Saved: a new app starts in Japanese.
    let saved = storage().get_item(KEY_SETTINGS).unwrap().unwrap();
    assert!(saved.contains("\"ja\""), "{saved}");
    click(&with_text(&m.root, ".lang-switch button", "English")).await;
    assert!(text(&one(&m.root, "#scenarios-title")).contains("Scenarios"));
}

#[wasm_bindgen_test]
async fn corrupt_local_storage_shows_a_notice_and_the_app_still_starts() {
    let m = mount_with(|s| {
        s.set_item(KEY_SETTINGS, "{not json").unwrap();
        s.set_item(KEY_DRILL, "[1,2,3]").unwrap();
        s.set_item("qd.v0.settings", "{}").unwrap();
    })
    .await;
    let notices: Vec<String> = all(&m.root, "[data-notice]").iter().map(text).collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("settings could not be read")),
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.contains("older version")),
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.contains("drill in progress")),
        "{notices:?}"
    );
    assert_eq!(all(&m.root, "li.scenario").len(), scenario::all().len());
    assert!(
        storage().get_item(KEY_SETTINGS).unwrap().is_none(),
        "the bad value was removed"
    );
    assert!(storage().get_item("qd.v0.settings").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_drill_in_progress_is_resumed_after_a_reload() {
    let mut first = mount().await;
    start_drill(&first.root, "seed-ami-trap", "exam").await;
    select_instance(&first.root, "node-3").await;
    click(&one(&first.root, "#instance-state-button")).await;
    click(&one(&first.root, "[data-id='reboot']")).await;
    click(&with_text(
        &one(&first.root, "#reboot-dialog"),
        "button",
        "Reboot",
    ))
    .await;
    let saved = storage()
        .get_item(KEY_DRILL)
        .unwrap()
        .expect("the drill is saved");
    assert!(saved.contains("reboot"), "{saved}");
    // "Reload": the first app goes away; a new one starts on the same storage.
    first.handle.take().unwrap().destroy();
    yew::scheduler::flush().await;
    assert!(find(&first.root, ".app").is_none());
    let handle = yew::Renderer::<App>::with_root(first.root.clone()).render();
    yew::scheduler::flush().await;
    let notice = text(&one(&first.root, "[data-notice]"));
    assert!(notice.contains("Resumed your drill"), "{notice}");
    assert_eq!(
        one(&first.root, ".app")
            .get_attribute("data-screen")
            .as_deref(),
        Some("drill")
    );
    assert_eq!(
        one(&first.root, ".pause-btn")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    handle.destroy();
}

#[wasm_bindgen_test]
async fn end_drill_opens_the_debrief_and_records_the_best_score() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    click(&with_text(&m.root, ".drill-end button", "End drill")).await;
    click(&with_text(&m.root, "#confirm-dialog button", "End drill")).await;
    assert_eq!(
        one(&m.root, ".app").get_attribute("data-screen").as_deref(),
        Some("debrief")
    );
    let score = one(&m.root, ".debrief-score");
    assert_eq!(
        score.get_attribute("data-outage-ms").as_deref(),
        Some("0"),
        "waiting causes no outage"
    );
    assert!(find(&m.root, ".debrief-view").is_some());
    click(&with_text(&m.root, "button", "Home")).await;
    let best = one(&m.root, "[data-scenario='seed-ami-trap'] [data-best-score]");
    assert_eq!(
        best.get_attribute("data-best-score"),
        score.get_attribute("data-score")
    );
    // The run is kept as a saved replay.
    assert_eq!(all(&m.root, ".runs-table tbody tr").len(), 1);
}

#[wasm_bindgen_test]
async fn a_bad_replay_file_shows_a_clear_error() {
    let m = mount().await;
    let textarea = one(&m.root, "#replay-paste");
    let input: web_sys::HtmlTextAreaElement = textarea.clone().dyn_into().unwrap();
    input.set_value("{\"format_version\": 1}");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    textarea
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    click(&with_text(&m.root, "details.paste button", "Watch")).await;
    let err = text(&one(&m.root, "#import-error"));
    assert!(err.contains("malformed replay"), "{err}");
    assert_eq!(
        one(&m.root, ".app").get_attribute("data-screen").as_deref(),
        Some("home")
    );
}

#[wasm_bindgen_test]
async fn a_valid_replay_plays_back_read_only() {
    let m = mount().await;
    let trap = scenario::builtin("seed-ami-trap").unwrap();
    let actions = quorum_sim::script::parse("at 00:30 create-image node-2\n").unwrap();
    let json = quorum_sim::Replay::new(trap, 9, actions).to_json();
    let textarea = one(&m.root, "#replay-paste");
    let input: web_sys::HtmlTextAreaElement = textarea.clone().dyn_into().unwrap();
    input.set_value(&json);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    textarea
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    click(&with_text(&m.root, "details.paste button", "Watch")).await;
    assert_eq!(
        one(&m.root, ".app").get_attribute("data-screen").as_deref(),
        Some("drill")
    );
    assert!(text(&one(&m.root, ".banner")).contains("Replay viewer"));
    assert!(
        one(&m.root, "#actions-button").has_attribute("disabled"),
        "read-only"
    );
    // Skipping runs the replay's action at its time.
    for _ in 0..20 {
        click(&with_text(&m.root, ".clock-controls button", "Skip")).await;
        if find(&m.root, "tr[data-name='node-2'] [data-state]").is_some()
            && all(&m.root, "#tab-images")
                .iter()
                .any(|t| text(t).contains("(1)"))
        {
            break;
        }
    }
    assert!(
        text(&one(&m.root, "#tab-images")).contains("(1)"),
        "the replayed create-image made an AMI"
    );
}

#[wasm_bindgen_test]
async fn launch_from_the_base_image_then_run_setup_with_initial_master_nodes() {
    let m = mount().await;
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    click(&with_text(&m.root, ".toolbar button", "Launch instances")).await;
    let dialog = one(&m.root, "#launch-dialog");
    let name: HtmlInputElement = one(&dialog, "#launch-name").dyn_into().unwrap();
    assert_eq!(name.value(), "node-4", "a free name is suggested");
    let base: HtmlInputElement = one(&dialog, "#launch-ami-base").dyn_into().unwrap();
    assert!(base.checked(), "the base OS image is the default");
    click(&with_text(
        &dialog,
        "button[type='submit']",
        "Launch instance",
    ))
    .await;
    let row = one(&m.root, "tr[data-name='node-4']");
    assert_eq!(
        one(&row, "[data-state]")
            .get_attribute("data-state")
            .as_deref(),
        Some("pending")
    );
    // Skip ahead until node-4 runs and its status checks pass (SSH answers once it booted).
    for _ in 0..60 {
        let checks =
            one(&m.root, "tr[data-name='node-4'] [data-checks]").get_attribute("data-checks");
        if checks.as_deref() == Some("ok") {
            break;
        }
        click(&with_text(&m.root, ".clock-controls button", "Skip")).await;
    }
    assert_eq!(
        one(&m.root, "tr[data-name='node-4'] [data-state]")
            .get_attribute("data-state")
            .as_deref(),
        Some("running")
    );
    assert!(text(&one(&m.root, "tr[data-name='node-4']")).contains("3/3 checks passed"));
    select_instance(&m.root, "node-4").await;
    click(&one(&m.root, "#actions-button")).await;
    click(&one(&m.root, "[data-id='setup']")).await;
    let dialog = one(&m.root, "#setup-dialog");
    let value: HtmlInputElement = one(&dialog, "#setup-imn-value").dyn_into().unwrap();
    assert!(
        value.disabled(),
        "cluster.initial_master_nodes is off by default"
    );
    click(&one(&dialog, "#setup-imn")).await;
    assert!(!value.disabled());
    click(&with_text(&dialog, "button[type='submit']", "Run setup")).await;
    let flash_el = with_text(&m.root, ".flash", "setup node-4");
    assert!(
        flash_el.class_list().contains("flash-ok"),
        "{}",
        text(&flash_el)
    );
    let flash = text(&flash_el);
    assert!(
        flash.contains("setup node-4 --initial-master-nodes node-1,node-2,node-3"),
        "{flash}"
    );
    assert!(text(&one(&m.root, "tr[data-name='node-4']")).contains("setup running"));
}

#[wasm_bindgen_test]
async fn mode_and_tabs_follow_arrow_keys() {
    let m = mount().await;
    let mentor = one(&m.root, "[data-mode='mentor']");
    assert_eq!(
        mentor.get_attribute("aria-checked").as_deref(),
        Some("true")
    );
    key(&mentor, "ArrowRight").await;
    assert_eq!(
        one(&m.root, "[data-mode='exam']")
            .get_attribute("aria-checked")
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        active_element()
            .and_then(|e| e.get_attribute("data-mode"))
            .as_deref(),
        Some("exam")
    );
    start_drill(&m.root, "seed-ami-trap", "exam").await;
    key(&one(&m.root, "#tab-instances"), "ArrowRight").await;
    assert_eq!(
        one(&m.root, "#tab-images")
            .get_attribute("aria-selected")
            .as_deref(),
        Some("true")
    );
    assert!(find(&m.root, "#tab-images-panel").is_some());
}
